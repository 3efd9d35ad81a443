package cli

import "github.com/spf13/cobra"

func newScanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scan",
		Short: "Retro-hunt: search audit-log archives for decoy accesses",
		RunE: func(*cobra.Command, []string) error {
			return errNotBuilt("scan")
		},
	}
}
