package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/sentinel"
	"github.com/honeyvault/honeyvault/internal/store"
)

func newExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export honeyvault's registry and rules for other tools (sentinel)",
	}
	cmd.AddCommand(newExportSentinelCmd())
	return cmd
}

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Take over decoys from other tools (sentinel)",
	}
	cmd.AddCommand(newImportSentinelCmd())
	return cmd
}

func newExportSentinelCmd() *cobra.Command {
	var (
		out       string
		force     bool
		allow     []string
		o         sentinel.Options
		frequency time.Duration
		lookback  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "sentinel --out DIR",
		Short: "Write the HoneyTokens watchlist and Sentinel analytics rules (ARM JSON) into DIR",
		Long: `Write, into DIR, the registry's active decoys as Microsoft Sentinel's HoneyTokens watchlist
(` + sentinel.WatchlistFile + `), an ARM template deploying it (` + sentinel.WatchlistTemplateFile + `) and
the analytics rules as an ARM template (` + sentinel.RulesTemplateFile + `): scheduled and NRT rules over
AzureDiagnostics and AZKVAuditLogs for every operation honeyvault alerts on, and the diagnostic
settings rule on AzureActivity. Accesses by honeyvault's own identities do not alert: the
config's allow-list entries that name an identity for every operation, the planter's client id
(plant.client_id), and --allow. DIR must be empty or absent unless --force.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return &ExitError{Code: 2, Err: fmt.Errorf("--out DIR is required")}
			}
			cfg, err := config.Load(cmd.Flags(), os.Getenv)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			o.Allow = exportedAllow(cfg, allow, time.Now(), func(format string, args ...any) {
				fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...)
			})
			o.Frequency, o.Lookback = frequency, lookback
			if err := o.Validate(); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			st, err := store.Open(cmd.Context(), cfg.DB)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			defer st.Close()
			decoys, err := st.ListDecoys(cmd.Context(), store.DecoyFilter{Status: registry.Active})
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			files, err := sentinel.Export(out, decoys, o, force)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			for _, f := range files {
				fmt.Fprintln(cmd.OutOrStdout(), f)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "exported %d decoys, %d analytics rules, %d allow-listed identities\n",
				len(decoys), len(sentinel.Rules(o)), len(o.Allow))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.String("config", "", "YAML config file (env "+config.FileEnv+")")
	fs.String("db", "", "database: sqlite:PATH or postgres://... (env HONEYVAULT_DB; default "+config.Default().DB+")")
	fs.StringVar(&out, "out", "", "`DIR` to write into (created; must be empty unless --force)")
	fs.BoolVar(&force, "force", false, "write into a non-empty DIR, replacing the export's own files")
	fs.StringArrayVar(&allow, "allow", nil, "`IDENTITY` (object id, app id or UPN) whose accesses do not alert, besides the config's (repeatable)")
	fs.DurationVar(&frequency, "frequency", sentinel.DefaultFrequency, "how often the scheduled rules run: the width of their ingestion-time window")
	fs.DurationVar(&lookback, "lookback", sentinel.DefaultLookback, "how late a record may arrive and still be seen (the rules' query period)")
	return cmd
}

// exportedAllow collects the identities whose accesses the rules leave
// out: allow-list entries that cover every operation and have not
// expired, the planter's client id and extra. An entry limited to some
// operations cannot be said in the rules' filters: it is left out, and
// said so through note.
func exportedAllow(cfg config.Config, extra []string, now time.Time, note func(string, ...any)) []string {
	var ids []string
	for _, a := range cfg.Allow {
		switch {
		case !a.Expires.IsZero() && !a.Expires.After(now):
			continue
		case len(a.Operations) > 0:
			note("allow-list entry %q is limited to some operations: the Sentinel rules alert on all its accesses", a.Identity)
			continue
		}
		ids = append(ids, strings.TrimSpace(a.Identity))
	}
	if cfg.Plant.ClientID != "" {
		ids = append(ids, cfg.Plant.ClientID)
	}
	for _, id := range extra {
		ids = append(ids, strings.TrimSpace(id))
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func newImportSentinelCmd() *cobra.Command {
	var (
		file        string
		skipInvalid bool
	)
	cmd := &cobra.Command{
		Use:   "sentinel --watchlist FILE",
		Short: "Take over an existing Sentinel deployment's decoys from its HoneyTokens watchlist CSV",
		Long: `Add the decoys of a Sentinel HoneyTokens watchlist CSV (exported from the portal, or
written by export sentinel) to the registry that serve uses (--db). Every row is checked
first; any invalid row is reported with its line number and nothing is imported, unless
--skip-invalid, which imports the valid rows and counts the others as skipped. Importing
the same file twice changes nothing. Prints the imported, unchanged and skipped counts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return &ExitError{Code: 2, Err: fmt.Errorf("--watchlist FILE is required")}
			}
			f, err := os.Open(file)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			defer f.Close()
			decoys, invalid, err := registry.ReadWatchlistRows(f)
			if err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("%s: %w", file, err)}
			}
			for _, re := range invalid {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: line %d: %v\n", file, re.Line, re.Err)
			}
			if len(invalid) > 0 && !skipInvalid {
				return &ExitError{Code: 2, Err: fmt.Errorf("%s: %d invalid rows: nothing imported (--skip-invalid imports the valid rows)", file, len(invalid))}
			}
			st, err := store.Open(cmd.Context(), dbFromFlagOrEnv(cmd))
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			defer st.Close()
			added, err := st.ImportWatchlistDecoys(cmd.Context(), decoys, "watchlist:"+file,
				store.AuditEntry{Actor: cliActor(), Detail: "import sentinel"})
			if err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("%s: %w", file, err)}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d imported, %d unchanged, %d skipped\n", file, added, len(decoys)-added, len(invalid))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.String("db", "", "database: sqlite:PATH or postgres://... (env HONEYVAULT_DB; default "+config.Default().DB+")")
	fs.StringVar(&file, "watchlist", "", "the HoneyTokens watchlist CSV `FILE`")
	fs.BoolVar(&skipInvalid, "skip-invalid", false, "import the valid rows and skip the invalid ones (each is still reported)")
	return cmd
}

// dbFromFlagOrEnv is the database a verb with a --db flag names: the
// flag, else HONEYVAULT_DB, else the default.
func dbFromFlagOrEnv(cmd *cobra.Command) string {
	if d, _ := cmd.Flags().GetString("db"); d != "" {
		return d
	}
	if d := os.Getenv("HONEYVAULT_DB"); d != "" {
		return d
	}
	return config.Default().DB
}
