package app

import (
	"context"
	"database/sql"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the test renames a table behind serve's back

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// heartbeatMetrics is every honeyvault_vault_heartbeat_ok series of a
// protected scrape, by vault.
func heartbeatMetrics(t *testing.T, srv *background, token string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(srv.metrics(t, token), "\n") {
		if rest, ok := strings.CutPrefix(line, `honeyvault_vault_heartbeat_ok{vault="`); ok {
			name, value, _ := strings.Cut(rest, `"} `)
			out[name] = value
		}
	}
	return out
}

// activeVaultsInStore is what the metric must show, counted the slow,
// exact way: the vaults with an active decoy, by the store's count.
func activeVaultsInStore(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	counts, err := st.CountDecoysByVault(context.Background(), store.VaultFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range counts {
		if c.Status == registry.Active && c.N > 0 {
			name, err := registry.VaultNameFromID(c.VaultKey)
			if err != nil {
				t.Fatal(err)
			}
			out[strings.ToLower(name)] = "1"
		}
	}
	return out
}

func healthVaultID(name string) string {
	return "/subscriptions/" + invSubProd + "/resourceGroups/rg-metrics/providers/Microsoft.KeyVault/vaults/" + name
}

// honeyvault_vault_heartbeat_ok lists exactly the vaults holding an active
// decoy, as the store counts them, after planting and retiring (once
// detection synced the change); and a scrape reads no decoy: with the
// decoys table gone from under serve it still answers the same.
func TestVaultHeartbeatMetricFollowsRegistryWithoutReadingDecoys(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "hv.db")
	cfg := config.Default()
	cfg.DB = "sqlite:" + dbPath
	cfg.MetricsToken = "metrics-token-for-the-test"
	cfg.DecoySync = config.Duration(200 * time.Millisecond)
	st, err := store.Open(context.Background(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []registry.Decoy{
		{VaultID: healthVaultID("kv-two"), Name: "orders-db-password", Type: registry.Secret},
		{VaultID: healthVaultID("kv-two"), Name: "orders-signing", Type: registry.Key},
		{VaultID: healthVaultID("kv-gone-missing"), Name: "legacy-api-key", Type: registry.Secret, Status: registry.Missing},
		{VaultID: healthVaultID("kv-one"), Name: "payroll-token", Type: registry.Secret},
	} {
		if err := st.AddDecoy(context.Background(), &d); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	srv := serveInBackground(t, cfg, nil)
	ctx := context.Background()

	want := activeVaultsInStore(t, srv.Store)
	if got := heartbeatMetrics(t, srv, cfg.MetricsToken); !maps.Equal(got, want) || len(want) != 2 {
		t.Fatalf("at start: %v; want %v (kv-two and kv-one)", got, want)
	}

	// Retire kv-one's only decoy and one of kv-two's; plant into a new
	// vault; bring the missing one back.
	all, err := srv.Store.ListDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		switch d.Name {
		case "payroll-token", "orders-signing":
			err = srv.Store.SetDecoyStatus(ctx, d.ID, registry.Retired, nil, store.AuditEntry{Actor: "test"})
		case "legacy-api-key":
			err = srv.Store.SetDecoyStatus(ctx, d.ID, registry.Active, nil, store.AuditEntry{Actor: "test"})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Store.AddDecoy(ctx, &registry.Decoy{VaultID: healthVaultID("kv-new"), Name: "billing-secret", Type: registry.Secret}); err != nil {
		t.Fatal(err)
	}
	want = activeVaultsInStore(t, srv.Store)
	if len(want) != 3 || want["kv-one"] != "" {
		t.Fatalf("store after the changes: %v; want kv-two, kv-gone-missing and kv-new", want)
	}
	var got map[string]string
	ingesttest.Eventually(t, 30*time.Second, "the metric to follow the registry", func() bool {
		got = heartbeatMetrics(t, srv, cfg.MetricsToken)
		return maps.Equal(got, want)
	})

	// The decoys table gone: a scrape that counted decoys would fail.
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("ALTER TABLE decoys RENAME TO decoys_elsewhere"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.CountDecoysByVault(ctx, store.VaultFilter{}); err == nil {
		t.Fatal("counting decoys still works: the table was not taken away")
	}
	if got := heartbeatMetrics(t, srv, cfg.MetricsToken); !maps.Equal(got, want) {
		t.Errorf("scrape without the decoys table: %v; want %v", got, want)
	}
}
