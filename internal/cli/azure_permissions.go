package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func newAzurePermissionsCmd() *cobra.Command {
	var (
		pf      plantFlags
		vaults  []string
		noCheck bool
		armOut  bool
	)
	cmd := &cobra.Command{
		Use:   "permissions [--vault NAME|ID]... [--subscription S]... [--no-check] [--arm]",
		Short: "Show the least-privilege roles honeyvault's identity needs, and check which it has on each vault",
		Long: `permissions prints, for each feature (discovery, planting and retiring each type of
plant.types, the diagnostics check, heartbeats, KVReview tags, azure connect, the temporary
grant, reading logs from each destination honeyvault reads), the built-in role it needs and
where, and on access-policy vaults the access-policy entries that do the same; then the az
commands that grant them to the identity honeyvault signs in as, for the subscriptions of
the vaults it sees.

Unless --no-check, it then checks each vault (all it sees, or --vault) without writing: the
vault was listed (discovery), planting's permissions (list calls and the vault's access
policy, as plant --dry-run does; on RBAC vaults create stays unknown until tried), and
reading its diagnostic settings. --arm prints instead a subscription-scope ARM template
assigning the roles (optional features behind boolean parameters), JSON on stdout.

Exit status: 0 nothing needed is missing (or --arm), 1 something is, 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, _, err := deploy.ParseSelectors(vaults); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			cfg, err := pf.load(cmd, nil)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			settings, err := deploy.PlannerSettings(cfg.Plant)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			needs := deploy.Needs(settings.Types, auditpath.FromConfig(cfg))
			stdout := cmd.OutOrStdout()
			if armOut {
				return printPermissionsTemplate(stdout, needs)
			}
			stderr := cmd.ErrOrStderr()
			ctx, sess, end, err := pf.start(cmd, cfg)
			if err != nil {
				return err
			}
			defer end()
			d := sess.deployer
			found, err := targetVaults(ctx, stderr, sess, vaults)
			if err != nil {
				return err
			}
			printNeeds(stdout, d.Planter, needs)
			printGrantCommands(stdout, d.Planter, needs, found)
			if noCheck {
				return nil
			}
			return checkPermissions(ctx, stdout, d, found)
		},
	}
	pf.register(cmd)
	cmd.Flags().StringArrayVar(&vaults, "vault", nil, "only `VAULT` (name or ARM id; repeatable)")
	cmd.Flags().BoolVar(&noCheck, "no-check", false, "print what is needed and how to grant it; check nothing")
	cmd.Flags().BoolVar(&armOut, "arm", false, "print a subscription-scope ARM template assigning the roles, and nothing else")
	return cmd
}

func printNeeds(w io.Writer, who azure.Principal, needs []deploy.Need) {
	fmt.Fprintf(w, "What %s (object id %s) needs:\n\n", who, who.ObjectID)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEATURE\tSCOPE\tROLE\tOR ACCESS POLICY\tNOTE")
	for _, n := range needs {
		feature, policy := n.Feature, strings.Join(n.Policy, " ")
		if n.Optional {
			feature += " (optional)"
		}
		if policy == "" {
			policy = "-"
		}
		scope := string(n.Scope)
		if n.Target != "" {
			scope = n.Target
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", feature, scope, n.Role.Name, policy, n.Note)
	}
	tw.Flush()
}

// printGrantCommands prints the az commands that grant the needs: roles
// at subscription scope for the subscriptions of vaults (which cover every
// RBAC vault in them), at each destination known by its id, and the
// access-policy entries for planting on each access-policy vault.
func printGrantCommands(w io.Writer, who azure.Principal, needs []deploy.Need, vaults []azure.Vault) {
	var subs []string
	for _, v := range vaults {
		if !slices.Contains(subs, v.SubscriptionID) {
			subs = append(subs, v.SubscriptionID)
		}
	}
	slices.Sort(subs)
	fmt.Fprintln(w, "\nTo grant them:")
	var policy []string
	for _, n := range needs {
		prefix := ""
		if n.Optional {
			prefix = "# optional (" + n.Feature + "): "
		}
		switch n.Scope {
		case deploy.ScopeDestination:
			if strings.HasPrefix(n.Target, "/subscriptions/") {
				fmt.Fprintln(w, prefix+deploy.AssignCommand(n, who.ObjectID, who.IsUser(), n.Target))
			} else {
				fmt.Fprintf(w, "# %s: %s on %s (its ARM id is not configured)\n", n.Feature, n.Role.Name, n.Target)
			}
			continue
		case deploy.ScopeVault:
			if len(n.Policy) > 0 && !n.Optional {
				policy = append(policy, n.Policy...)
			}
		}
		for _, sub := range subs {
			fmt.Fprintln(w, prefix+deploy.AssignCommand(n, who.ObjectID, who.IsUser(), "/subscriptions/"+sub))
		}
	}
	if len(policy) == 0 {
		return
	}
	// set-policy replaces an entry's lists for the types it names: a
	// command per vault could take away what an entry has. The check
	// below prints, for each vault missing some, one that keeps it.
	fmt.Fprintln(w, "# on access-policy vaults instead of the data roles (the check below prints the exact command for each vault missing some):")
	fmt.Fprintln(w, "# "+setPolicyCommand(azure.Vault{SubscriptionID: "<subscription>", ResourceGroup: "<resource-group>", Name: "<vault>"}, who.ObjectID, policy))
}

// setPolicyCommand is the az keyvault set-policy command that gives
// objectID perms ("secrets/list", ...) on an access-policy vault.
func setPolicyCommand(v azure.Vault, objectID string, perms []string) string {
	byType := map[string][]string{}
	for _, p := range perms {
		t, name, _ := strings.Cut(p, "/")
		if !slices.Contains(byType[t], name) {
			byType[t] = append(byType[t], name)
		}
	}
	cmd := fmt.Sprintf("az keyvault set-policy --subscription %s --resource-group %s --name %s --object-id %s", v.SubscriptionID, v.ResourceGroup, v.Name, objectID)
	for _, t := range registry.Types {
		if names := byType[string(t)+"s"]; len(names) > 0 {
			slices.Sort(names)
			cmd += fmt.Sprintf(" --%s-permissions %s", t, strings.Join(names, " "))
		}
	}
	return cmd
}

// checkPermissions checks each vault without writing and prints a table:
// listed, planting (the preflight), diagnostic settings readable.
func checkPermissions(ctx context.Context, w io.Writer, d *deploy.Deployer, vaults []azure.Vault) error {
	runs, err := d.Prepare(ctx, vaults, true, nil)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	fmt.Fprintln(w, "\nOn each vault (checked without writing):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VAULT\tMODEL\tDISCOVERY\tPLANTING\tDIAGNOSTIC SETTINGS")
	missing := 0
	var fixes []string
	for _, r := range runs {
		planting := "granted"
		switch p := &r.Preflight; {
		case len(p.Blocking()) > 0:
			planting, missing = "missing "+p.MissingText(), missing+1
			fixes = append(fixes, p.Fix()...)
		case hasUnknown(p):
			planting = "unknown until tried (" + unknownWhy(r.Vault) + ")"
		}
		diag := "granted"
		if _, err := d.Azure.DiagnosticSettings(ctx, r.Vault.ID); err != nil {
			if azure.IsForbidden(err) {
				diag, missing = "missing: "+auditpath.NeededRole, missing+1
			} else {
				diag = "not checked: " + err.Error()
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Vault.Name, r.Vault.Model(), "granted", planting, diag)
	}
	tw.Flush()
	if len(fixes) > 0 {
		fmt.Fprintln(w, "\nFix:")
		for _, f := range fixes {
			fmt.Fprintln(w, "  "+f)
		}
	}
	if missing > 0 {
		fmt.Fprintf(w, "\n%d permissions missing.\n", missing)
		return &ExitError{Code: 1}
	}
	fmt.Fprintln(w, "\nNothing needed is missing.")
	return nil
}

func hasUnknown(p *deploy.Preflight) bool {
	for _, c := range p.Checks {
		if c.Needed && c.Status == deploy.Unknown {
			return true
		}
	}
	return false
}

func unknownWhy(v azure.Vault) string {
	if v.RBAC {
		return "RBAC vault: data roles are not visible without writing"
	}
	return "no access-policy entry of its own: a group's may grant it"
}

// printPermissionsTemplate writes a subscription-scope ARM template that
// assigns every role whose scope is the subscription or its vaults to a
// principal (a parameter); optional features are behind boolean
// parameters, off by default.
func printPermissionsTemplate(w io.Writer, needs []deploy.Need) error {
	params := map[string]any{
		"principalId":   map[string]any{"type": "string", "metadata": map[string]string{"description": "object id of honeyvault's identity"}},
		"principalType": map[string]any{"type": "string", "defaultValue": "ServicePrincipal", "allowedValues": []string{"ServicePrincipal", "User", "Group"}},
	}
	var resources []map[string]any
	seen := map[string]bool{}
	for _, n := range needs {
		if n.Scope == deploy.ScopeDestination || seen[n.Role.ID] {
			continue
		}
		seen[n.Role.ID] = true
		ra := map[string]any{
			"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
			"name": fmt.Sprintf("[guid(subscription().id, parameters('principalId'), '%s')]", n.Role.ID),
			"properties": map[string]string{
				"roleDefinitionId": fmt.Sprintf("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '%s')]", n.Role.ID),
				"principalId":      "[parameters('principalId')]",
				"principalType":    "[parameters('principalType')]",
				"description":      "honeyvault: " + n.Feature + " (" + n.Role.Name + ")",
			},
		}
		if n.Optional {
			p := optionalParam(n.Feature)
			params[p] = map[string]any{"type": "bool", "defaultValue": false, "metadata": map[string]string{"description": n.Feature + ": " + n.Note}}
			ra["condition"] = "[parameters('" + p + "')]"
		}
		resources = append(resources, ra)
	}
	tpl := map[string]any{
		"$schema":        "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
		"contentVersion": "1.0.0.0",
		"parameters":     params,
		"resources":      resources,
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(tpl)
}

// optionalParam is the template parameter that turns an optional feature's
// role on: "grantKVReviewTags".
func optionalParam(feature string) string {
	var b strings.Builder
	b.WriteString("grant")
	for _, word := range strings.Fields(feature) {
		b.WriteString(strings.ToUpper(word[:1]) + word[1:])
	}
	return b.String()
}
