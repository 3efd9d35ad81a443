package deploy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// A deploy under a lease (auto-planting by the scheduler's holder) stops
// creating decoys once the lease passed on: the lease is checked right
// before each create, which the database cannot fence. The lease passes
// on after the first create here: that decoy exists in the vault, but its
// record cannot be completed (the write is fenced) and stays pending for
// the new leader's reconcile; no other decoy is created, and their
// records, never sent, are taken back.
func TestDeployStopsWhenItsLeasePassesOn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.vault(kvemu.VaultSpec{Name: "kv-orders-prod", AccessPolicies: policyFor(planterID, allPerms)},
		"orders-db-password", "orders-api-key", "orders-smtp-password")
	before, err := e.emu.Objects(v.Name)
	if err != nil {
		t.Fatal(err)
	}
	lease, _, err := e.store.AcquireLease(ctx, "scheduler", "replica-a", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	term := store.WithFence(ctx, store.Fence{Lease: "scheduler", Holder: "replica-a", Token: lease.Token})
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret}, Quantity: plant.Quantity{P: 1, Max: 3}})
	passed := false
	runs, err := d.Deploy(term, []azure.Vault{v}, func(p Progress) {
		if p.Phase != PhasePlanting || passed {
			return
		}
		// The first decoy is created: replica-a pauses, replica-b takes over.
		passed = true
		if err := e.store.ReleaseLease(ctx, "scheduler", "replica-a", lease.Token); err != nil {
			t.Error(err)
		}
		if _, mine, err := e.store.AcquireLease(ctx, "scheduler", "replica-b", time.Hour, nil); err != nil || !mine {
			t.Errorf("takeover: %v %v", mine, err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || !errors.Is(runs[0].Err, store.ErrLeaseLost) {
		t.Fatalf("runs %+v; want the vault's run failed with ErrLeaseLost", runs)
	}
	after, err := e.emu.Objects(v.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(after), len(before)+1; got != want {
		t.Errorf("%d objects in the vault; want %d (the one created before the lease passed on)", got, want)
	}
	ds := e.decoys(v.Name)
	if len(ds) != 1 {
		t.Fatalf("%d decoy records; want the one created, the others taken back", len(ds))
	}
	for _, dec := range ds {
		if dec.Planting == nil || dec.Planting.State != store.PlantPending {
			t.Errorf("decoy %d: planting %+v; want pending, for reconcile", dec.ID, dec.Planting)
		}
	}
}
