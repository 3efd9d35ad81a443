package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// serve's discovery schedule records a configured Vault cluster's KV
// mounts beside the key vaults, under the same leader lease, and a mount
// removed from the cluster is marked gone by an admin's "discover now".
func TestServeDiscoversVaultStores(t *testing.T) {
	_, over := inventoryEstate(t)
	v, err := vaultemu.New(vaultemu.Options{Mounts: []string{"secret/", "team-a/"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.StartTLS(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, v.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken = adminToken
	cfg.Inventory.Interval = "1h"
	cfg.Vault.Clusters = []config.VaultCluster{{Name: "corp", Address: v.URL(), Token: v.RootToken(), CAFile: ca}}
	srv := serveInBackground(t, cfg, nil, WithAzure(over))

	var list api.VaultList
	ingesttest.Eventually(t, 30*time.Second, "three key vaults and two Vault mounts discovered", func() bool {
		return apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list) == 200 && len(list.Vaults) == 5
	})
	names := vaultNames(list)
	for _, want := range []string{"kv-orders", "kv-pay", "kv-dev", "corp/secret", "corp/team-a"} {
		if !strings.Contains(" "+names+" ", " "+want+" ") {
			t.Errorf("vaults %q lack %s", names, want)
		}
	}

	if err := v.RemoveMount("team-a/"); err != nil {
		t.Fatal(err)
	}
	if code := apiCall(t, srv, "POST", "/api/v1/vaults/discover", adminToken, nil); code != 200 {
		t.Fatalf("discover now: %d", code)
	}
	ingesttest.Eventually(t, 30*time.Second, "the removed mount gone", func() bool {
		return apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list) == 200 && len(list.Vaults) == 4
	})
	if names := vaultNames(list); strings.Contains(names, "corp/team-a") {
		t.Errorf("vaults %q still list the removed mount", names)
	}
}
