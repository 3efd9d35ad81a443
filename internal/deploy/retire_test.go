package deploy

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestRetire(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	full := e.vault(kvemu.VaultSpec{Name: "kv-full", AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	soft := e.vault(kvemu.VaultSpec{Name: "kv-soft", AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	noDelete := e.vault(kvemu.VaultSpec{Name: "kv-nodelete", AccessPolicies: policyFor(planterID, kvemu.Permissions{Secrets: []string{"list", "set"}})}, "db-password")
	locked := e.vault(kvemu.VaultSpec{Name: "kv-locked", PurgeProtection: true, AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	gone := e.vault(kvemu.VaultSpec{Name: "kv-gone", AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	for _, name := range []string{full.Name, soft.Name} {
		if _, err := e.emu.SeedKey(name, kvemu.KeySeed{Name: "orders-signing", Type: "EC"}); err != nil {
			t.Fatal(err)
		}
	}
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret, registry.Key, registry.Certificate}})
	runs, err := d.Deploy(ctx, []azure.Vault{full, soft}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d2 := e.deployer(plant.Settings{})
	runs2, err := d2.Deploy(ctx, []azure.Vault{noDelete, locked, gone}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(runs, runs2...) {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Vault.Name, r.Err)
		}
	}
	vc, _ := armkeyvault.NewVaultsClient(subA, e.emu.Credential(ownerID), e.emu.ARMClientOptions())
	if _, err := vc.Delete(ctx, "rg-apps", gone.Name, nil); err != nil {
		t.Fatal(err)
	}
	before := len(e.auditOps())

	var all []registry.Decoy
	for _, v := range []string{full.Name, soft.Name, noDelete.Name, locked.Name, gone.Name} {
		for _, pd := range e.decoys(v) {
			all = append(all, pd.Decoy)
		}
	}
	// Purge everything: kv-soft is retired without purge below, first.
	var softDecoys, rest []registry.Decoy
	for _, dec := range all {
		if dec.VaultName == soft.Name {
			softDecoys = append(softDecoys, dec)
		} else {
			rest = append(rest, dec)
		}
	}
	res, err := d.Retire(ctx, softDecoys, false, nil)
	if err != nil {
		t.Fatal(err)
	}

	for _, r := range res {
		if r.Err != nil || !r.Deleted || r.Purged {
			t.Errorf("soft %s: %+v", r.Decoy.Type, r)
		}
		o, found, _ := e.emu.Object(soft.Name, string(r.Decoy.Type), r.Decoy.Name)
		if !found || !o.Deleted {
			t.Errorf("soft %s: not soft-deleted: %+v", r.Decoy.Type, o)
		}
	}
	res, err = d.Retire(ctx, rest, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		switch r.Decoy.VaultName {
		case full.Name:
			if r.Err != nil || !r.Deleted || !r.Purged {
				t.Errorf("full %s: %+v", r.Decoy.Type, r)
			}
			if _, found, _ := e.emu.Object(full.Name, string(r.Decoy.Type), r.Decoy.Name); found {
				t.Errorf("full %s: still in the vault after purge", r.Decoy.Type)
			}
		case noDelete.Name:
			if r.Err == nil || !strings.Contains(r.Err.Error(), "secrets/delete") || !strings.Contains(r.Err.Error(), "--secret-permissions delete list set") {
				t.Errorf("no delete: got %v", r.Err)
			}
		case locked.Name:
			if r.Err != nil || !r.Deleted || r.Purged || !strings.Contains(r.Note, "purge protection") {
				t.Errorf("locked: %+v", r)
			}
		case gone.Name:
			if r.Err != nil || r.Note != "vault gone" {
				t.Errorf("gone: %+v", r)
			}
		}
	}
	// Registry: retired with a memo, except where the delete was refused.
	for _, v := range []string{full.Name, soft.Name, noDelete.Name, locked.Name, gone.Name} {
		for _, pd := range e.decoys(v) {
			want := registry.Retired
			if v == noDelete.Name {
				want = registry.Active
			}
			if pd.Status != want || want == registry.Retired && !strings.Contains(pd.Memo, "retired") {
				t.Errorf("%s: status %s memo %q; want %s", v, pd.Status, pd.Memo, want)
			}
			if v == full.Name && !strings.Contains(pd.Memo, "(purged)") {
				t.Errorf("%s: memo %q does not say purged", v, pd.Memo)
			}
		}
	}
	// Retiring again leaves retired decoys alone.
	again, _ := e.store.ListDecoys(ctx, store.DecoyFilter{VaultID: full.ID})
	res, _ = d.Retire(ctx, again, true, nil)
	for _, r := range res {
		if r.Note != "already retired" || r.Err != nil {
			t.Errorf("again: %+v", r)
		}
	}
	// The planter's deletes and purges are allow-listed, decoy by decoy.
	rules, _ := e.store.AllowRules(ctx, d.now().Add(-24*60*60*1e9))
	deletes := 0
	for _, r := range rules {
		if slices.Contains(r.Operations, "SecretDelete") || slices.Contains(r.Operations, "KeyDelete") || slices.Contains(r.Operations, "CertificateDelete") {
			deletes++
			if r.DecoyID == 0 || r.Name == "" || r.Expires.IsZero() {
				t.Errorf("delete rule not scoped: %+v", r)
			}
		}
	}
	if want := len(all) - 1; deletes != want { // not for the decoy whose vault is gone
		t.Errorf("%d delete rules; want %d", deletes, want)
	}
	for _, op := range e.auditOps()[before:] {
		if op.name != "" && !strings.HasSuffix(op.op, "Delete") && !strings.HasSuffix(op.op, "Purge") {
			t.Errorf("retire made a %s on %s", op.op, op.name)
		}
	}
}
