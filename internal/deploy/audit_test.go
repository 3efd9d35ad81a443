package deploy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// trail returns the audit trail, oldest first.
func (e *env) trail() []store.AuditEntry {
	e.t.Helper()
	var out []store.AuditEntry
	if err := e.store.EachAudit(context.Background(), store.AuditFilter{}, func(a store.AuditEntry) error {
		out = append(out, a)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// Every change planting, retiring and reconciling make is in the audit
// trail: one row per decoy created, the temporary grant and its removal
// (each after the allow rule that keeps it from alerting),
// each decoy retired with its allow rule, each finding and status change,
// all by the deployer's actor and naming the planter.
func TestDeployRetireReconcileAreAudited(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	granted := e.vault(kvemu.VaultSpec{Name: "kv-grant", AccessPolicies: policyFor(ownerID, allPerms)}, "orders-db-password", "orders-api-key")
	owned := append(policyFor(planterID, allPerms), policyFor(ownerID, allPerms)...)
	plain := e.vault(kvemu.VaultSpec{Name: "kv-plain", AccessPolicies: owned}, "billing-db-password", "billing-api-key")
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret, registry.Key}, Quantity: plant.Quantity{P: 0.5, Max: 3}})
	d.GrantTemporary = true
	d.Actor = "cli:alice"
	runs, err := d.Deploy(ctx, []azure.Vault{granted, plain}, nil)
	if err != nil {
		t.Fatal(err)
	}
	planted := map[string]registry.Decoy{}
	for _, r := range runs {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Vault.Name, r.Err)
		}
		for _, dec := range r.Planted {
			planted[fmt.Sprintf("decoy:%d", dec.ID)] = dec
		}
	}
	if len(planted) < 4 {
		t.Fatalf("planted %d decoys; want at least 4", len(planted))
	}
	const asPlanter = "as planter planter@contoso.com (object id " + "aaaaaaaa-1111-4111-8111-000000000001)"
	seen := map[string]bool{}
	var grants []string
	for _, a := range e.trail() {
		if a.Actor != "cli:alice" || !strings.HasSuffix(a.Detail, asPlanter) {
			t.Errorf("row not by cli:alice as the planter: %+v", a)
		}
		switch a.Action {
		case "decoy.plant":
			dec, ok := planted[a.Target]
			if !ok || seen[a.Target] {
				t.Errorf("plant row for %s: not a decoy planted once", a.Target)
				continue
			}
			seen[a.Target] = true
			if want := fmt.Sprintf("%s %q in vault %s (%s); planted", dec.Type, dec.Name, dec.VaultName, dec.VaultID); !strings.HasPrefix(a.Detail, want) {
				t.Errorf("plant row: got %q; want it to begin %q", a.Detail, want)
			}
		case "vault.access_grant", "vault.access_restore":
			if a.Target != granted.ID {
				t.Errorf("%s on %s; want %s", a.Action, a.Target, granted.ID)
			}
			grants = append(grants, a.Action)
		case "allow.add":
			// The rule that keeps the grant's own Activity record from
			// alerting as a tamper, stored before each change.
			if !strings.Contains(a.Detail, "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE") {
				t.Errorf("allow rule row %q; want one for the access-policy change", a.Detail)
			}
			grants = append(grants, a.Action)
		default:
			t.Errorf("unexpected row %+v", a)
		}
	}
	if len(seen) != len(planted) {
		t.Errorf("%d plant rows for %d decoys planted", len(seen), len(planted))
	}
	if got, want := strings.Join(grants, " "), "allow.add vault.access_grant allow.add vault.access_restore"; got != want {
		t.Errorf("grant rows: got %q; want %q", got, want)
	}

	// Someone deletes a decoy of kv-plain; reconcile finds it.
	before := len(e.trail())
	var victim store.PlantedDecoy
	for _, pd := range e.decoys(plain.Name) {
		if pd.Type == registry.Secret {
			victim = pd
			break
		}
	}
	owner, err := e.owner.DataPlane(e.azVault(plain.Name))
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Delete(ctx, registry.Secret, victim.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Reconcile(ctx, []string{plain.ID}, nil); err != nil {
		t.Fatal(err)
	}
	rows := e.trail()[before:]
	if got, want := actions(rows), "decoy.finding decoy.status"; got != want {
		t.Fatalf("reconcile rows: got %q; want %q", got, want)
	}
	target := fmt.Sprintf("decoy:%d", victim.ID)
	if rows[0].Target != target || !strings.Contains(rows[0].Detail, ": deleted; secret deleted outside honeyvault") ||
		rows[1].Target != target || !strings.Contains(rows[1].Detail, "status active → missing") {
		t.Errorf("reconcile rows: %+v", rows)
	}

	// Retiring a decoy: its allow rule, then the retirement.
	before = len(e.trail())
	var retiree registry.Decoy
	for _, pd := range e.decoys(plain.Name) {
		if pd.Status == registry.Active {
			retiree = pd.Decoy
			break
		}
	}
	res, err := d.Retire(ctx, []registry.Decoy{retiree}, true, nil)
	if err != nil || res[0].Err != nil {
		t.Fatalf("retire: %v %+v", err, res)
	}
	rows = e.trail()[before:]
	if got, want := actions(rows), "allow.add decoy.retire"; got != want {
		t.Fatalf("retire rows: got %q; want %q", got, want)
	}
	target = fmt.Sprintf("decoy:%d", retiree.ID)
	if rows[1].Target != target || !strings.Contains(rows[1].Detail, "status active → retired; deleted and purged") ||
		rows[0].Target != target || !strings.Contains(rows[0].Detail, "Delete, "+string(titleCase(retiree.Type))+"Purge by "+planterID.ObjectID+" does not alert") {
		t.Errorf("retire rows: %+v", rows)
	}
}

func actions(rows []store.AuditEntry) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.Action)
	}
	return strings.Join(s, " ")
}

func titleCase(t registry.Type) string {
	return strings.ToUpper(string(t[:1])) + string(t[1:])
}
