package cli

import "github.com/spf13/cobra"

func newNamesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "names",
		Short: "Print decoy names in the style of existing names",
		RunE: func(*cobra.Command, []string) error {
			return errNotBuilt("names")
		},
	}
}
