package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func newRetireCmd() *cobra.Command {
	var (
		pf            plantFlags
		ids           []int64
		vaults        []string
		all           bool
		purge, dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "retire (--id N ... | --vault NAME|ID ... | --all) [--purge] [--dry-run]",
		Short: "Delete decoys from their vaults and mark them retired",
		Long: `retire deletes decoys from their vaults (Key Vault's soft delete; with --purge, for good)
and keeps their registry rows, marked retired, so their names are never planted again.
honeyvault's own deletes are allow-listed first, decoy by decoy. A decoy whose vault no
longer exists is marked retired with a note. --dry-run lists what would be retired.

Decoys in HashiCorp Vault / OpenBao and AWS Secrets Manager are deleted for good through
the vault and aws sections of the config file (every version and the metadata; without a
recovery window): --purge changes nothing there. --vault takes a store's id or name too.

Exit status: 0 every decoy retired, 1 some could not be, 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n := 0
			for _, set := range []bool{len(ids) > 0, len(vaults) > 0, all} {
				if set {
					n++
				}
			}
			if n != 1 {
				return usageErr("retire: choose decoys with one of --id, --vault or --all")
			}
			cfg, err := pf.load(cmd, nil)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			st, err := store.Open(ctx, cfg.DB)
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			defer st.Close()
			decoys, err := selectDecoys(ctx, st, ids, vaults)
			if err != nil {
				return err
			}
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if len(decoys) == 0 {
				fmt.Fprintln(stderr, "honeyvault retire: no active or missing decoys selected")
				return nil
			}
			if dryRun {
				printDecoys(stdout, decoys, purge)
				return nil
			}
			kvDecoys, others := splitKeyVault(decoys)
			view := newProgressView(stderr, isTerminal(stderr), "retired", countVaults(decoys))
			var res []deploy.RetireResult
			if len(others) > 0 {
				// Vault and Secrets Manager decoys go to their own
				// providers; no Azure sign-in is needed for them.
				sres, err := retireStores(ctx, cfg, st, others, view, stderr)
				if err != nil {
					view.Finish()
					return &ExitError{Code: 1, Err: err}
				}
				res = sres
				if len(kvDecoys) == 0 {
					view.Finish()
					perr := printRetired(stdout, res)
					if err := pf.settleStores(ctx, stderr); err != nil {
						return &ExitError{Code: 1, Err: err}
					}
					return perr
				}
			}
			st.Close()
			sess, err := pf.open(ctx, cfg, stderr)
			if err != nil {
				view.Finish()
				if len(res) > 0 {
					printRetired(stdout, res)
				}
				return &ExitError{Code: 1, Err: err}
			}
			defer sess.Close()
			kres, err := sess.deployer.Retire(ctx, kvDecoys, purge, view.Update)
			view.Finish()
			if err != nil {
				if len(res) > 0 {
					printRetired(stdout, res)
				}
				return &ExitError{Code: 1, Err: err}
			}
			perr := printRetired(stdout, append(res, kres...))
			if err := sess.settle(ctx, stderr); err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			return perr
		},
	}
	pf.register(cmd)
	f := cmd.Flags()
	f.Int64SliceVar(&ids, "id", nil, "registry `ID` of a decoy to retire (repeatable)")
	f.StringArrayVar(&vaults, "vault", nil, "retire every decoy of `VAULT` (name or ARM id; repeatable)")
	f.BoolVar(&all, "all", false, "retire every decoy")
	f.BoolVar(&purge, "purge", false, "purge after deleting (not on vaults with purge protection)")
	f.BoolVar(&dryRun, "dry-run", false, "list what would be retired; change nothing")
	return cmd
}

// selectDecoys reads the decoys to retire from the registry: by id, by
// vault (name or id, any case) or, with neither, all that are not retired.
func selectDecoys(ctx context.Context, st *store.Store, ids []int64, vaults []string) ([]registry.Decoy, error) {
	if len(ids) > 0 {
		var out []registry.Decoy
		for _, id := range ids {
			d, err := st.GetDecoy(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				return nil, usageErr("retire: no decoy %d in the registry", id)
			}
			if err != nil {
				return nil, &ExitError{Code: 1, Err: err}
			}
			out = append(out, d)
		}
		return out, nil
	}
	all, err := st.ListDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	var out []registry.Decoy
	matched := map[string]bool{}
	for _, d := range all {
		if d.Status == registry.Retired {
			continue
		}
		if len(vaults) == 0 {
			out = append(out, d)
			continue
		}
		for _, v := range vaults {
			if strings.EqualFold(v, d.VaultName) || strings.EqualFold(strings.TrimRight(v, "/"), strings.TrimRight(d.VaultID, "/")) {
				out = append(out, d)
				matched[strings.ToLower(v)] = true
				break
			}
		}
	}
	for _, v := range vaults {
		if !matched[strings.ToLower(v)] {
			return nil, usageErr("retire: the registry has no active decoy in vault %q", v)
		}
	}
	return out, nil
}

func countVaults(decoys []registry.Decoy) int {
	seen := map[string]bool{}
	for _, d := range decoys {
		seen[strings.ToLower(d.VaultID)] = true
	}
	return len(seen)
}

// printDecoys lists decoys (names included: the operator's terminal).
func printDecoys(w io.Writer, decoys []registry.Decoy, purge bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVAULT\tTYPE\tNAME\tSTATUS")
	for _, d := range decoys {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", d.ID, d.VaultName, d.Type, d.Name, d.Status)
	}
	tw.Flush()
	what := "deleted (soft delete)"
	if purge {
		what = "deleted and purged"
	}
	fmt.Fprintf(w, "\n%d decoys would be %s and marked retired.\n", len(decoys), what)
}

func printRetired(w io.Writer, res []deploy.RetireResult) error {
	sort.SliceStable(res, func(i, j int) bool { return res[i].Decoy.ID < res[j].Decoy.ID })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVAULT\tTYPE\tRESULT")
	failed := 0
	for _, r := range res {
		result := "retired"
		switch {
		case r.Err != nil:
			result = "failed"
			failed++
		case r.Purged:
			result = "retired, purged"
		}
		if r.Note != "" {
			result += " (" + r.Note + ")"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", r.Decoy.ID, r.Decoy.VaultName, r.Decoy.Type, result)
	}
	tw.Flush()
	for _, r := range res {
		if r.Err != nil {
			fmt.Fprintf(w, "\ndecoy %d: %v\n", r.Decoy.ID, r.Err)
		}
	}
	if failed > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d decoys could not be retired", failed, len(res))}
	}
	return nil
}
