// Command honeyvault plants decoy secrets, keys and certificates into Azure Key
// Vaults, reads the vaults' audit logs and raises an incident when anyone
// touches a decoy. See the README for the verbs.
package main

import (
	"os"

	"github.com/honeyvault/honeyvault/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
