// Package cli builds honeyvault's command tree: one file per verb. Verbs parse
// their flags and settings, then call the packages that do the work.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// ExitError carries a process exit status out of a verb. Verbs that follow
// grep's convention (scan: 1 = found) return it with a nil Err.
type ExitError struct {
	Code int
	Err  error
}

// Error formats the error for people.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *ExitError) Unwrap() error { return e.Err }

// New returns the root command with every verb attached.
func New(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "honeyvault",
		Short: "Decoy secrets, keys and certificates for Azure Key Vault, and an alarm when anyone touches one",
		Long: `honeyvault plants decoy secrets, keys and certificates ("honeytokens") into Azure Key Vaults,
keeps a registry of them, reads the vaults' audit logs and raises an incident within seconds
when anyone touches a decoy.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newServeCmd(),
		newScanCmd(),
		newPlantCmd(),
		newRetireCmd(),
		newReconcileCmd(),
		newStoresCmd(),
		newPolicyCmd(),
		newAzureCmd(),
		newNamesCmd(),
		newLabCmd(),
		newKvemuCmd(),
		newWatchlistCmd(),
		newExportCmd(),
		newImportCmd(),
		newIncidentsCmd(),
		newHoneytokensCmd(),
		newNotifyCmd(),
		newTokenCmd(),
		newVersionCmd(),
	)
	return root
}

// Main runs honeyvault with args and returns the process exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := New(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(stderr, "honeyvault:", ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintln(stderr, "honeyvault:", err)
	return 2
}
