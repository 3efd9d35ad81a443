package cli

import "github.com/spf13/cobra"

func newPlantCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "plant",
		Short: "Plant decoys into vaults",
		RunE: func(*cobra.Command, []string) error {
			return errNotBuilt("plant")
		},
	}
}
