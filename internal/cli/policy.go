package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/kvreview"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Governance: the KVReview tag on vaults and the Azure Policy that audits it (tag, status, export)",
		Long: `policy spreads coverage to vault owners as the original Sentinel solution did: a vault
without an active decoy carries the tag KVReview=ReviewNeeded, a vault with one
KVReview=Reviewed, and an Azure Policy audit shows owners which of their vaults are not
covered. The tag's name and values come from the kvreview settings.`,
	}
	cmd.AddCommand(newPolicyTagCmd(), newPolicyStatusCmd(), newPolicyExportCmd())
	return cmd
}

func newPolicyTagCmd() *cobra.Command {
	var (
		pf          plantFlags
		vaults      []string
		apply       bool
		concurrency int
	)
	cmd := &cobra.Command{
		Use:   "tag [--apply] [--vault NAME|ID]... [--subscription S]...",
		Short: "Set the KVReview tag on vaults from their coverage (plan first, --apply to write)",
		Long: `tag lists the vaults (all the identity can see, or those of --subscription or --vault),
counts each one's active decoys in the registry and prints a plan: per vault the tag it
carries and the one it should (Reviewed with an active decoy, ReviewNeeded without). Only
with --apply does it write, at most --concurrency vaults at a time, through the Tags API
with a merge — every other tag of the vault stays — and print a per-vault result table.
Running it again writes nothing for vaults already tagged right. The identity needs Tag
Contributor (Microsoft.Resources/tags/write) on the vaults; serve keeps the tags current
itself when kvreview.enabled is on.

Exit status: 0 every vault tagged right (or the plan printed), 1 some vault failed, 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if concurrency < 1 || concurrency > 32 {
				return usageErr("policy tag: --concurrency %d: want 1 to 32", concurrency)
			}
			return runPolicy(cmd, &pf, vaults, func(ctx context.Context, sess *plantSession, s kvreview.Settings, plan []kvreview.Change) error {
				stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
				needed := printTagPlan(stdout, s, plan)
				if !apply || needed == 0 {
					if needed > 0 {
						fmt.Fprintf(stdout, "\n%d of %d vaults to tag. Nothing written: run again with --apply.\n", needed, len(plan))
					} else {
						fmt.Fprintf(stdout, "\nAll %d vaults are tagged right.\n", len(plan))
					}
					return nil
				}
				view := newCountView(stderr, isTerminal(stderr), "tagged", needed)
				res := kvreview.Apply(ctx, sess.deployer.Azure, s, plan, concurrency, view.Update)
				view.Finish()
				return printTagResults(ctx, stdout, stderr, sess, s, res)
			})
		},
	}
	pf.register(cmd)
	cmd.Flags().StringArrayVar(&vaults, "vault", nil, "only `VAULT` (name or ARM id; repeatable)")
	cmd.Flags().BoolVar(&apply, "apply", false, "write the tags the plan shows")
	cmd.Flags().IntVar(&concurrency, "concurrency", 4, "vaults tagged at once (1 to 32)")
	return cmd
}

func newPolicyStatusCmd() *cobra.Command {
	var pf plantFlags
	cmd := &cobra.Command{
		Use:   "status [--subscription S]...",
		Short: "Show KVReview compliance per subscription",
		Long: `status lists the vaults as policy tag does and shows, per subscription, how many carry
Reviewed, ReviewNeeded, another value or no tag at all, how many hold an active decoy, how
many are tagged wrong for their coverage (run policy tag --apply), and the share the Azure
Policy audit counts compliant (tagged Reviewed). It writes nothing.

Exit status: 0 every vault tagged right, 1 some vault is tagged wrong, 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPolicy(cmd, &pf, nil, func(_ context.Context, _ *plantSession, s kvreview.Settings, plan []kvreview.Change) error {
				return printTagStatus(cmd.OutOrStdout(), kvreview.Status(s, plan))
			})
		},
	}
	pf.register(cmd)
	return cmd
}

// runPolicy loads the settings, signs in, lists the vaults with their
// active decoys and hands the plan to fn.
func runPolicy(cmd *cobra.Command, pf *plantFlags, vaults []string, fn func(context.Context, *plantSession, kvreview.Settings, []kvreview.Change) error) error {
	if _, _, err := deploy.ParseSelectors(vaults); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	cfg, err := pf.load(cmd, nil)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	stderr := cmd.ErrOrStderr()
	ctx, sess, end, err := pf.start(cmd, cfg)
	if err != nil {
		return err
	}
	defer end()
	found, err := targetVaults(ctx, stderr, sess, vaults)
	if err != nil {
		return err
	}
	active, err := sess.store.ActiveDecoysByVault(ctx)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	in := make([]kvreview.Vault, 0, len(found))
	for _, v := range found {
		in = append(in, kvreview.Vault{ID: v.ID, Name: v.Name, Subscription: v.SubscriptionID, Tags: v.Tags, Active: active[registry.VaultKey(v.ID)]})
	}
	s := kvreviewSettings(cfg.KVReview)
	return fn(ctx, sess, s, kvreview.Plan(s, in))
}

func kvreviewSettings(c config.KVReview) kvreview.Settings {
	return kvreview.Settings{Tag: c.Tag, Reviewed: c.Reviewed, ReviewNeeded: c.ReviewNeeded}
}

// printTagPlan prints the plan and returns how many vaults need a write.
func printTagPlan(w io.Writer, s kvreview.Settings, plan []kvreview.Change) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "VAULT\tSUBSCRIPTION\tACTIVE DECOYS\t%s NOW\tSHOULD BE\tACTION\n", s.Tag)
	needed := 0
	for _, c := range plan {
		action := "none"
		if c.Needed() {
			action, needed = "set", needed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", c.Name, c.Subscription, c.Active, tagNow(c), c.Want, action)
	}
	tw.Flush()
	return needed
}

func tagNow(c kvreview.Change) string {
	if !c.Has {
		return "(none)"
	}
	return c.Current
}

// printTagResults prints what apply did, records each write in the
// inventory and the audit trail, and fails when a vault did.
func printTagResults(ctx context.Context, w, stderr io.Writer, sess *plantSession, s kvreview.Settings, res []kvreview.Result) error {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "VAULT\tWAS\tNOW\tRESULT\n")
	written, failed := 0, 0
	for _, r := range res {
		result := "unchanged"
		now := tagNow(r.Change)
		switch {
		case r.Err != nil:
			result, failed = "failed: "+r.Err.Error(), failed+1
		case r.Written:
			result, now, written = "written", r.Want, written+1
			recordTagWrite(ctx, stderr, sess, s, r.Change)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, tagNow(r.Change), now, result)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d vaults tagged, %d failed.\n", written, failed)
	if failed > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}

// recordTagWrite notes a write in the audit trail (and the inventory, when
// it holds the vault). The tag is on the vault whatever these say.
func recordTagWrite(ctx context.Context, stderr io.Writer, sess *plantSession, s kvreview.Settings, c kvreview.Change) {
	if err := sess.store.SetVaultTags(ctx, c.ID, kvreview.After(s, c)); err != nil {
		fmt.Fprintln(stderr, "warning:", err)
	}
	e := store.AuditEntry{Actor: cliActor(), Action: kvreview.AuditAction, Target: c.ID, Detail: kvreview.Describe(s, c)}
	if err := sess.store.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		fmt.Fprintln(stderr, "warning: audit trail:", err)
	}
}

func printTagStatus(w io.Writer, st []kvreview.SubscriptionStatus) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBSCRIPTION\tVAULTS\tWITH DECOYS\tREVIEWED\tREVIEW NEEDED\tOTHER\tUNTAGGED\tTAGGED WRONG\tCOMPLIANT")
	wrong := 0
	for _, s := range st {
		wrong += s.Stale
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f%%\n", s.Subscription, s.Vaults, s.Covered, s.Reviewed, s.ReviewNeeded,
			s.Other, s.Untagged, s.Stale, 100*s.Compliant())
	}
	tw.Flush()
	if wrong > 0 {
		fmt.Fprintf(w, "\n%d vaults are tagged wrong for their coverage: run honeyvault policy tag --apply.\n", wrong)
		return &ExitError{Code: 1}
	}
	return nil
}

// targetVaults lists the vaults selectors name (names or ARM ids), or every
// vault of the configured subscriptions when there are none, warning on
// stderr of subscriptions that could not be listed.
func targetVaults(ctx context.Context, stderr io.Writer, sess *plantSession, selectors []string) ([]azure.Vault, error) {
	found, warnings, err := deploy.Targets(ctx, sess.deployer.Azure, sess.cfg.Plant.Subscriptions, selectors, len(selectors) == 0)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	return found, nil
}
