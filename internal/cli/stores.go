package cli

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/storeset"
	"github.com/honeyvault/honeyvault/internal/store"
)

func newStoresCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stores",
		Short: "The secret stores beyond Key Vault: HashiCorp Vault / OpenBao and AWS Secrets Manager",
	}
	cmd.AddCommand(newStoresDiscoverCmd())
	return cmd
}

func newStoresDiscoverCmd() *cobra.Command {
	var providers []string
	cmd := &cobra.Command{
		Use:   "discover [--provider hashicorp-vault|aws-secretsmanager]...",
		Short: "Record the configured Vault mounts and Secrets Manager regions for coverage",
		Long: `discover lists the stores of every Vault cluster and AWS account in the config file's
vault and aws sections — a cluster's KV v2 mounts, the account's configured regions — and
records them in the inventory beside the key vaults, so that coverage shows which carry
decoys. A store no longer listed is marked gone; a provider whose listing fails changes
nothing and does not stop the others. serve does the same on inventory.interval.

Exit status: 0 every provider listed, 1 some could not be, 2 bad usage or nothing configured.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, others, err := parseProviders(providers)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			cfg, err := config.Load(cmd.Flags(), os.Getenv)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			stderr := cmd.ErrOrStderr()
			for _, w := range cfg.Warnings() {
				fmt.Fprintln(stderr, "warning:", w)
			}
			entries, err := storeset.Open(ctx, cfg)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			entries = onlyProviders(entries, others)
			if len(entries) == 0 {
				return usageErr("stores discover: no Vault cluster or AWS account configured (see the vault and aws sections of the config file)")
			}
			st, err := store.Open(ctx, cfg.DB)
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			defer st.Close()
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROVIDER\tGROUP\tSTORES\tNEW\tBACK\tGONE\tRESULT")
			var failures []error
			for _, e := range entries {
				res, err := secretstore.Discover(ctx, e.Provider, st, e.Name, time.Now().UTC())
				result := "ok"
				if err != nil {
					result = "failed"
					failures = append(failures, fmt.Errorf("%s: %w", e.Name, err))
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", e.Kind(), e.Group, res.Seen, res.New, res.Back, res.Gone, result)
			}
			tw.Flush()
			for _, f := range failures {
				fmt.Fprintln(stderr, "error:", f)
			}
			if len(failures) > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d providers could not be listed", len(failures), len(entries))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.String("config", "", "YAML config file (env "+config.FileEnv+")")
	f.String("db", "", "database: sqlite:PATH or postgres://... (env HONEYVAULT_DB; default "+config.Default().DB+")")
	f.StringArrayVar(&providers, "provider", nil, "only `PROVIDER`: hashicorp-vault or aws-secretsmanager (repeatable)")
	return cmd
}

// onlyProviders keeps the entries of the given kinds (all when none).
func onlyProviders(entries []storeset.Entry, kinds []registry.Provider) []storeset.Entry {
	if len(kinds) == 0 {
		return entries
	}
	var out []storeset.Entry
	for _, e := range entries {
		for _, k := range kinds {
			if e.Kind() == k {
				out = append(out, e)
				break
			}
		}
	}
	return out
}
