package secretstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Discover records a Vault cluster's KV mounts as vaults of the cluster's
// group, and marks a mount gone once the cluster no longer lists it.
func TestDiscoverRecordsStoresAsInventory(t *testing.T) {
	e := newEnv(t, []string{"secret/", "kv/team-a/"})
	d := e.deployer(plant.Quantity{})
	ctx := context.Background()
	res, err := secretstore.Discover(ctx, d.Provider, e.store, "Corp Vault", e.clock.Now())
	if err != nil || res.New != 2 {
		t.Fatalf("Discover = %+v, %v; want 2 new stores", res, err)
	}
	vaults, err := e.store.ListVaults(ctx, store.VaultFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range vaults {
		got[v.ID] = v.SubscriptionID + " " + v.SubscriptionName + " " + v.Name
	}
	for id, want := range map[string]string{
		"vault://corp-vault/secret":    "corp-vault Corp Vault corp-vault/secret",
		"vault://corp-vault/kv/team-a": "corp-vault Corp Vault corp-vault/kv/team-a",
	} {
		if got[id] != want {
			t.Errorf("%s: %q, want %q (all: %v)", id, got[id], want, got)
		}
	}
	if err := e.emu.RemoveMount("kv/team-a/"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if res, err := secretstore.Discover(ctx, d.Provider, e.store, "Corp Vault", e.clock.Now()); err != nil || res.Gone != 1 {
		t.Errorf("after removing a mount: %+v, %v; want it gone", res, err)
	}
}
