package file

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/store"
)

// TestVaultFileDeviceLog follows a Vault file audit device's log as it
// grows, the device's prefix before some entries, and stores each entry
// under the configured cluster's store.
func TestVaultFileDeviceLog(t *testing.T) {
	env := ingesttest.New(t)
	fixture, err := os.ReadFile(filepath.Join("..", "..", "auditlog", "testdata", "vault", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vault_audit.log")
	half := len(fixture) / 2
	write(t, path, string(fixture[:half]))
	s := New(Config{Name: "vault-file", Path: path, Settle: time.Hour, VaultCluster: "prod"}, env.Store, nil)
	poll(t, s, env)
	appendTo(t, path, string(fixture[half:]))
	poll(t, s, env)
	if n := env.Events(); n != 8 {
		t.Fatalf("%d entries stored; want the fixture's 8 (dead letters: %+v)", n, env.DeadLetters())
	}
	evs, err := env.Store.ListEvents(context.Background(), store.EventFilter{ByID: true})
	if err != nil {
		t.Fatal(err)
	}
	var stores []string
	for _, e := range evs {
		if e.Event.VaultID != "" && !slices.Contains(stores, e.Event.VaultID) {
			stores = append(stores, e.Event.VaultID)
		}
	}
	slices.Sort(stores)
	if want := []string{"vault://prod/kv/team-a", "vault://prod/secret"}; !slices.Equal(stores, want) {
		t.Errorf("stores %q; want %q", stores, want)
	}
}
