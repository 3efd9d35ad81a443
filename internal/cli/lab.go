package cli

import "github.com/spf13/cobra"

func newLabCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lab",
		Short: "Run an emulated Key Vault estate with honeyvault watching it",
		RunE: func(*cobra.Command, []string) error {
			return errNotBuilt("lab")
		},
	}
}
