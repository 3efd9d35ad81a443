package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Decoys in HashiCorp Vault or Secrets Manager stores sit in the same
// registry, but this deployer talks to Key Vault only: reconcile leaves
// them out (no Key Vault call for them, no finding), retire refuses them
// by name and leaves them active, and the Key Vault decoys next to them
// are handled as before.
func TestKeyVaultDeployerLeavesOtherProvidersAlone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	kv := e.vault(kvemu.VaultSpec{Name: "kv-mixed", AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	d := e.deployer(plant.Settings{})
	runs, err := d.Deploy(ctx, []azure.Vault{kv}, nil)
	if err != nil || runs[0].Err != nil {
		t.Fatalf("deploy: %v %v", err, runs[0].Err)
	}
	others := []registry.Decoy{
		{VaultID: "vault://prod/secret", Name: "apps/payments/db", Type: registry.Secret, CreatedBy: "test"},
		{VaultID: "arn:aws:secretsmanager:eu-west-1:111122223333", Name: "prod/stripe", Type: registry.Secret, CreatedBy: "test"},
	}
	for i := range others {
		if err := e.store.AddDecoy(ctx, &others[i]); err != nil {
			t.Fatal(err)
		}
	}
	results, err := d.Reconcile(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Vault != "kv-mixed" || results[0].Err != nil {
		t.Errorf("reconcile results %+v; want kv-mixed alone, without error", results)
	}
	retired, err := d.Retire(ctx, append(others, runs[0].Planted...), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range retired {
		switch r.Decoy.Provider() {
		case registry.AzureKeyVault:
			if r.Err != nil {
				t.Errorf("Key Vault decoy %s: %v", r.Decoy.Name, r.Err)
			}
		default:
			if r.Err == nil || !strings.Contains(r.Err.Error(), r.Decoy.Provider().Label()) {
				t.Errorf("%s decoy %s: err %v; want a refusal naming the provider", r.Decoy.Provider(), r.Decoy.Name, r.Err)
			}
		}
	}
	for _, o := range others {
		got, err := e.store.ListDecoys(ctx, store.DecoyFilter{VaultID: o.VaultID})
		if err != nil || len(got) != 1 || got[0].Status != registry.Active {
			t.Errorf("%s after retire: %+v %v; want it active", o.VaultID, got, err)
		}
	}
}
