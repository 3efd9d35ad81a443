package cli

import "github.com/spf13/cobra"

func newServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the honeyvault server",
		RunE: func(*cobra.Command, []string) error {
			return errNotBuilt("serve")
		},
	}
}
