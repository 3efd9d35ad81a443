package cli

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func newReconcileCmd() *cobra.Command {
	var (
		pf     plantFlags
		vaults []string
	)
	cmd := &cobra.Command{
		Use:   "reconcile [--vault NAME|ID]...",
		Short: "Compare the registry with the vaults: find decoys deleted, disabled or changed",
		Long: `reconcile checks every decoy that is not retired (or those of --vault) against its vault,
with list calls only, which name no object and so raise no alert. A decoy deleted, purged,
disabled, replaced by a new version or changed (attributes, tags) outside honeyvault becomes
a finding; deleted and purged ones (and all of a vault that is gone) are marked missing. A
finding is reported once while it stays open; a decoy that comes back is active again.
Pending plantings (a create that got no answer) are settled. A running serve does the same
at start and every reconcile.interval, and raises an alert for every new finding.

Decoys in HashiCorp Vault / OpenBao and AWS Secrets Manager are checked the same way, by
list and metadata calls, through the vault and aws sections of the config file; with only
such decoys in scope, reconcile does not sign in to Azure. --vault takes a store's id or
name too.

Exit status: 0 nothing new found, 1 new findings or vaults that could not be checked, 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := pf.load(cmd, nil)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			kvIDs, otherIDs, others, err := reconcileScope(cmd.Context(), cfg, vaults)
			if err != nil {
				return err
			}
			if !others {
				return reconcileKeyVault(cmd, &pf, cfg, vaults)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			st, err := store.Open(ctx, cfg.DB)
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			defer st.Close()
			res, err := reconcileStores(ctx, cfg, st, otherIDs, stderr)
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			if len(kvIDs) > 0 || vaults == nil && registryHasKeyVault(ctx, st) {
				sess, err := pf.open(ctx, cfg, stderr)
				if err != nil {
					printReconcile(ctx, stdout, st, res)
					return &ExitError{Code: 1, Err: err}
				}
				defer sess.Close()
				view := newProgressView(stderr, isTerminal(stderr), "checked", max(len(kvIDs), 1))
				kres, err := sess.deployer.Reconcile(ctx, kvIDs, view.Update)
				view.Finish()
				if err != nil {
					printReconcile(ctx, stdout, st, res)
					return &ExitError{Code: 1, Err: err}
				}
				res = append(res, kres...)
			}
			return printReconcile(ctx, stdout, st, res)
		},
	}
	pf.register(cmd)
	cmd.Flags().StringArrayVar(&vaults, "vault", nil, "only decoys of `VAULT` (name or ARM id; repeatable)")
	return cmd
}

// reconcileKeyVault is reconcile of Key Vault decoys alone, as it always was.
func reconcileKeyVault(cmd *cobra.Command, pf *plantFlags, cfg config.Config, vaults []string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	ctx, sess, end, err := pf.start(cmd, cfg)
	if err != nil {
		return err
	}
	defer end()
	ids, count, err := registryVaultIDs(ctx, sess.store, vaults)
	if err != nil {
		return err
	}
	view := newProgressView(stderr, isTerminal(stderr), "checked", count)
	res, err := sess.deployer.Reconcile(ctx, ids, view.Update)
	view.Finish()
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	return printReconcile(ctx, stdout, sess.store, res)
}

// reconcileScope reads which stores reconcile checks: the Key Vault ids
// and the other stores' ids of --vault (both nil without it), and whether
// any store beyond Key Vault is in scope at all.
func reconcileScope(ctx context.Context, cfg config.Config, vaults []string) (kvIDs, otherIDs []string, others bool, err error) {
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, false, &ExitError{Code: 1, Err: err}
	}
	defer st.Close()
	ids, _, err := registryVaultIDs(ctx, st, vaults)
	if err != nil {
		return nil, nil, false, err
	}
	if ids == nil {
		all, err := st.ListDecoys(ctx, store.DecoyFilter{})
		if err != nil {
			return nil, nil, false, &ExitError{Code: 1, Err: err}
		}
		for _, d := range all {
			others = others || d.Status != registry.Retired && registry.ProviderOf(d.VaultID) != registry.AzureKeyVault
		}
		return nil, nil, others, nil
	}
	for _, id := range ids {
		if registry.ProviderOf(id) == registry.AzureKeyVault {
			kvIDs = append(kvIDs, id)
		} else {
			otherIDs = append(otherIDs, id)
		}
	}
	return kvIDs, otherIDs, len(otherIDs) > 0, nil
}

// registryHasKeyVault reports whether a Key Vault decoy that is not
// retired is in the registry.
func registryHasKeyVault(ctx context.Context, st *store.Store) bool {
	all, err := st.ListDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		return true // let Key Vault's reconcile report it
	}
	for _, d := range all {
		if d.Status != registry.Retired && registry.ProviderOf(d.VaultID) == registry.AzureKeyVault {
			return true
		}
	}
	return false
}

// registryVaultIDs resolves vault names or ids to the ids the registry
// holds decoys for, and counts the vaults reconcile will check.
func registryVaultIDs(ctx context.Context, st *store.Store, vaults []string) ([]string, int, error) {
	all, err := st.ListDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		return nil, 0, &ExitError{Code: 1, Err: err}
	}
	if len(vaults) == 0 {
		seen := map[string]bool{}
		for _, d := range all {
			if d.Status != registry.Retired {
				seen[registry.VaultKey(d.VaultID)] = true
			}
		}
		return nil, len(seen), nil
	}
	var out []string
	for _, v := range vaults {
		found := ""
		for _, d := range all {
			if strings.EqualFold(v, d.VaultName) || strings.EqualFold(strings.TrimRight(v, "/"), strings.TrimRight(d.VaultID, "/")) {
				found = d.VaultID
				break
			}
		}
		if found == "" {
			return nil, 0, usageErr("reconcile: the registry has no decoy in vault %q", v)
		}
		out = append(out, found)
	}
	return out, len(out), nil
}

func printReconcile(ctx context.Context, w io.Writer, st *store.Store, res []deploy.ReconcileResult) error {
	sort.SliceStable(res, func(i, j int) bool { return strings.ToLower(res[i].Vault) < strings.ToLower(res[j].Vault) })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VAULT\tCHECKED\tNEW FINDINGS\tOPEN FINDINGS\tSETTLED\tRESULT")
	found, failed := 0, 0
	for _, r := range res {
		open, err := st.ListFindings(ctx, store.FindingFilter{VaultID: r.VaultID, OpenOnly: true})
		if err != nil {
			return &ExitError{Code: 1, Err: err}
		}
		result := "ok"
		if r.Err != nil {
			result = "failed"
			failed++
		}
		found += len(r.Findings)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", r.Vault, r.Checked, len(r.Findings), len(open), r.Settled, result)
	}
	tw.Flush()
	for _, r := range res {
		for _, f := range r.Findings {
			fmt.Fprintf(w, "\n%s: decoy %d: %s: %s", r.Vault, f.DecoyID, f.Kind, f.Detail)
		}
	}
	for _, r := range res {
		if r.Err != nil {
			fmt.Fprintf(w, "\n%s: %v", r.Vault, r.Err)
		}
	}
	fmt.Fprintf(w, "\n%d vaults checked, %d new findings.\n", len(res), found)
	if found > 0 || failed > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}
