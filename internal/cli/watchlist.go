package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func newWatchlistCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watchlist",
		Short: "Import or export the decoy registry as Sentinel's HoneyTokens watchlist CSV",
		Long: `Import or export the decoy registry as Microsoft Sentinel's "HoneyTokens" watchlist
(columns ResourceProvider,ResourceId,HoneyToken,Properties). Works on the database
directly (--db or HONEYVAULT_DB), so it needs no running server.`,
	}
	open := addDBFlag(cmd)

	var out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the active decoys as a watchlist CSV (to stdout or -o FILE)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := open(cmd.Context())
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			defer st.Close()
			decoys, err := st.ListDecoys(cmd.Context(), store.DecoyFilter{Status: registry.Active})
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			w := cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
				if err != nil {
					return &ExitError{Code: 2, Err: err}
				}
				defer f.Close()
				w = f
			}
			if err := registry.WriteWatchlist(w, decoys); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "exported %d decoys\n", len(decoys))
			return nil
		},
	}
	export.Flags().StringVarP(&out, "output", "o", "", "file to write (mode 0600); default stdout")

	importCmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Add the decoys of watchlist CSV files to the registry (idempotent; all or nothing per file)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := open(cmd.Context())
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			defer st.Close()
			for _, path := range args {
				f, err := os.Open(path)
				if err != nil {
					return &ExitError{Code: 2, Err: err}
				}
				rows, added, err := st.ImportWatchlist(cmd.Context(), f, "watchlist:"+path, store.AuditEntry{Actor: cliActor()})
				f.Close()
				if err != nil {
					return &ExitError{Code: 2, Err: fmt.Errorf("%s: %w", path, err)}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d rows, %d new decoys\n", path, rows, added)
			}
			return nil
		},
	}
	cmd.AddCommand(export, importCmd)
	return cmd
}
