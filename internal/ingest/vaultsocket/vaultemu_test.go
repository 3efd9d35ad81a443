package vaultsocket

import (
	"context"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// TestVaultEmulatorSocketDevice cross-checks the source against
// internal/vaultemu's socket audit device, over TCP and over UDP: the
// device's test probe and every entry of a read through the official
// client are stored, the read under the source's cluster.
func TestVaultEmulatorSocketDevice(t *testing.T) {
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			env := ingesttest.New(t)
			_, addr := start(t, env, Config{Network: network, VaultCluster: "lab"}, nil)
			vs, err := vaultemu.New(vaultemu.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := vs.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { vs.Close() })
			if err := vs.Seed("secret", vaultemu.SecretSeed{Path: "apps/db", Versions: []map[string]string{{"password": "p"}}}); err != nil {
				t.Fatal(err)
			}
			if err := vs.EnableSocketAudit("honeyvault", network, addr, vaultemu.AuditOptions{}); err != nil {
				t.Fatal(err)
			}
			cfg := api.DefaultConfig()
			cfg.Address = vs.URL()
			c, err := api.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c.SetToken(vs.RootToken())
			if _, err := c.KVv2("secret").Get(context.Background(), "apps/db"); err != nil {
				t.Fatal(err)
			}
			// The probe, then the read's request and response entries.
			ingesttest.Eventually(t, waitFor, "3 entries stored", func() bool { return env.Events() == 3 })
			evs, err := env.Store.ListEvents(context.Background(), store.EventFilter{ByID: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := evs[0].Event.RequestURI; got != "sys/audit/test" {
				t.Errorf("first entry %q; want the device's test probe", got)
			}
			for _, e := range evs[1:] {
				if e.Event.VaultID != "vault://lab/secret" || e.Event.ObjectName != "apps/db" || e.Event.Operation != "vault:read" {
					t.Errorf("read entry stored as %+v", e.Event)
				}
			}
			if evs[1].Event.DedupKey() != evs[2].Event.DedupKey() {
				t.Error("the read's two entries have different keys: it would alert twice")
			}
		})
	}
}
