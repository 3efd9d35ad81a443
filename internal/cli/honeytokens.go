package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/client"
)

func newHoneytokensCmd() *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{
		Use:   "honeytokens",
		Short: "List the decoys a running server watches",
		Long: `List the decoys ("honeytokens") a running honeyvault server watches, through its
REST API (--addr or ` + client.AddrEnv + `, token in ` + client.TokenEnv + `). A vault
owner's token lists only the decoys of its own scope.`,
	}
	f.register(cmd)
	var q client.HoneytokenQuery
	list := &cobra.Command{
		Use:   "list",
		Short: "List decoys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.clientFn()
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			hts, err := c.ListHoneytokens(cmd.Context(), q)
			if err != nil {
				return apiErr(err)
			}
			if f.jsonOut {
				if hts == nil {
					hts = []api.Honeytoken{}
				}
				return printJSON(cmd.OutOrStdout(), map[string]any{"honeytokens": hts})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tVAULT\tTYPE\tNAME\tSTATUS\tCREATED\tCREATED BY")
			for _, h := range hts {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.Vault, h.Type, h.Name, h.Status,
					h.CreatedAt.UTC().Format(time.DateOnly), dash(h.CreatedBy))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&q.Status, "status", "", "active, missing or retired")
	list.Flags().StringVar(&q.Type, "type", "", "secret, key or certificate")
	list.Flags().StringVar(&q.VaultID, "vault-id", "", "one vault's ARM id")
	cmd.AddCommand(list)
	return cmd
}
