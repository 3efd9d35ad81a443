package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/connect"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func newAzureCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "azure",
		Short: "Wire Azure to honeyvault: diagnostic settings, and the permissions honeyvault needs",
	}
	cmd.AddCommand(newAzureConnectCmd(), newAzurePermissionsCmd())
	return cmd
}

func newAzureConnectCmd() *cobra.Command {
	var (
		pf          plantFlags
		vaults      []string
		dryRun      bool
		concurrency int
	)
	cmd := &cobra.Command{
		Use:   "connect [--dry-run] [--vault NAME|ID]...",
		Short: "Give every decoy vault a diagnostic setting that sends its audit log to honeyvault",
		Long: `connect reads the diagnostic settings of every vault holding decoys (or of --vault) and
judges them as the diagnostics check does. A vault whose AuditEvent already reaches a
destination honeyvault reads is left alone; on any other it creates a diagnostic setting
named honeyvault that sends AuditEvent to the first destination honeyvault reads whose
Azure resource id is known (the eventhubs source's namespace, a storage account or
workspace of diagnostics.destinations, a loganalytics source's workspace_resource_id), or
rewrites the setting of that name. No other setting is touched. It prints the plan, then
(without --dry-run) writes, reads each vault's settings back and prints a per-vault result.

The identity needs Monitoring Contributor on the vaults (and the right to send to the
destination: listkeys on the Event Hubs rule, or Contributor on the storage account or
workspace). A vault already at Azure's limit of five settings is reported, not changed.

Exit status: 0 every vault wired (or the dry run printed), 1 some vault blocked or failed, 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if concurrency < 1 || concurrency > 32 {
				return usageErr("azure connect: --concurrency %d: want 1 to 32", concurrency)
			}
			if _, _, err := deploy.ParseSelectors(vaults); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			cfg, err := pf.load(cmd, nil)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			ctx, sess, end, err := pf.start(cmd, cfg)
			if err != nil {
				return err
			}
			defer end()
			if sess.lab != nil { // where the lab's honeyvault reads
				cfg.Diagnostics.Destinations = append(cfg.Diagnostics.Destinations, sess.lab.Destinations...)
			}
			dest := auditpath.FromConfig(cfg)
			want, err := dest.Wiring()
			if err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("azure connect: %w", err)}
			}
			targets, err := connectTargets(ctx, stderr, sess, vaults)
			if err != nil {
				return err
			}
			az := sess.deployer.Azure
			plan := connect.Plan(ctx, az, dest, want, targets, concurrency)
			todo := printConnectPlan(stdout, want, plan)
			if dryRun || todo == 0 {
				return connectSummary(stdout, plan, dryRun, todo)
			}
			view := newCountView(stderr, isTerminal(stderr), "wired", todo)
			res := connect.Apply(ctx, az, dest, plan, concurrency, view.Update)
			view.Finish()
			return printConnectResults(ctx, stdout, stderr, sess.store, res)
		},
	}
	pf.register(cmd)
	cmd.Flags().StringArrayVar(&vaults, "vault", nil, "only `VAULT` (name or ARM id; repeatable; need not hold decoys)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	cmd.Flags().IntVar(&concurrency, "concurrency", 4, "vaults read and written at once (1 to 32)")
	return cmd
}

// connectTargets are the vaults holding decoys, or the ones --vault names.
func connectTargets(ctx context.Context, stderr io.Writer, sess *plantSession, selectors []string) ([]connect.Vault, error) {
	var out []connect.Vault
	if len(selectors) > 0 {
		found, err := targetVaults(ctx, stderr, sess, selectors)
		if err != nil {
			return nil, err
		}
		for _, v := range found {
			out = append(out, connect.Vault{ID: v.ID, Name: v.Name})
		}
		return out, nil
	}
	ids, err := sess.store.DecoyVaults(ctx)
	if err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	if len(ids) == 0 {
		return nil, &ExitError{Code: 1, Err: errors.New("azure connect: the registry holds no decoy: plant first, or name vaults with --vault")}
	}
	for _, id := range ids {
		if registry.ProviderOf(id) != registry.AzureKeyVault {
			continue // connect sets up Azure's delivery paths only
		}
		name, _ := registry.VaultNameFromID(id)
		out = append(out, connect.Vault{ID: id, Name: name})
	}
	slices.SortFunc(out, func(a, b connect.Vault) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// printConnectPlan prints the plan and returns how many vaults it writes.
func printConnectPlan(w io.Writer, want auditpath.Setting, plan []connect.Step) int {
	fmt.Fprintf(w, "Setting %q sends AuditEvent to %s.\n\n", want.Name, destinationOf(want))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VAULT\tAUDIT PATH NOW\tACTION")
	todo := 0
	for _, s := range plan {
		now := string(s.Before.State)
		if s.Err != nil && s.Before.State == "" {
			now = "unknown"
		}
		if s.Action == connect.Create || s.Action == connect.Replace {
			todo++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Vault, now, s.Action)
	}
	tw.Flush()
	for _, s := range plan {
		if s.Err != nil {
			fmt.Fprintf(w, "\n%s: %v", s.Vault, s.Err)
		} else if s.Action != connect.None && s.Before.Reason != "" {
			fmt.Fprintf(w, "\n%s: %s", s.Vault, s.Before.Reason)
		}
	}
	fmt.Fprintln(w)
	return todo
}

func destinationOf(s auditpath.Setting) string {
	switch {
	case s.EventHubAuthorizationRuleID != "":
		hub := s.EventHubName
		if hub == "" {
			hub = auditpath.DefaultHub
		}
		return "event hub " + hub + " through " + s.EventHubAuthorizationRuleID
	case s.StorageAccountID != "":
		return "storage account " + s.StorageAccountID
	}
	return "workspace " + s.WorkspaceID
}

func connectSummary(w io.Writer, plan []connect.Step, dryRun bool, todo int) error {
	blocked := 0
	for _, s := range plan {
		if s.Action == connect.Blocked {
			blocked++
		}
	}
	switch {
	case dryRun:
		fmt.Fprintf(w, "\n%d of %d vaults would be wired, %d blocked. Nothing changed: run without --dry-run.\n", todo, len(plan), blocked)
	default:
		fmt.Fprintf(w, "\nNothing to write: %d vaults wired already, %d blocked.\n", len(plan)-blocked, blocked)
	}
	if blocked > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}

// printConnectResults prints what Apply did, audits each write, and fails
// when a vault is blocked or failed.
func printConnectResults(ctx context.Context, w, stderr io.Writer, st *store.Store, res []connect.Result) error {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VAULT\tACTION\tAUDIT PATH NOW\tRESULT")
	wired, failed, blocked := 0, 0, 0
	for _, r := range res {
		result := "ok"
		switch {
		case r.Action == connect.Blocked:
			result, blocked = "blocked", blocked+1
		case r.Err != nil:
			result, failed = "failed", failed+1
		case r.Wired:
			result, wired = "wired", wired+1
		}
		if r.Wired {
			e := store.AuditEntry{Actor: cliActor(), Action: "vault.connect", Target: r.VaultID,
				Detail: fmt.Sprintf("diagnostic setting %s %sd: AuditEvent to %s", r.Setting.Name, r.Action, destinationOf(r.Setting))}
			if err := st.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
				fmt.Fprintln(stderr, "warning: audit trail:", err)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Vault, r.Action, r.After.State, result)
	}
	tw.Flush()
	for _, r := range res {
		if r.Err != nil {
			fmt.Fprintf(w, "\n%s: %v", r.Vault, r.Err)
		}
	}
	fmt.Fprintf(w, "\n%d vaults wired, %d failed, %d blocked.\n", wired, failed, blocked)
	if failed > 0 || blocked > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}
