package vaultemu_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

func TestPlainHTTPAndUnauditedHealth(t *testing.T) {
	s, err := vaultemu.NewServer(vaultemu.Options{RootToken: "hvs.root-for-test", ClusterName: "vault-prod-eu"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.CertPool() != nil || s.CACertPEM() != nil {
		t.Error("a plain HTTP server has a CA")
	}
	cfg := api.DefaultConfig()
	cfg.Address = s.URL()
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken("hvs.root-for-test")
	file := filepath.Join(t.TempDir(), "audit.log")
	if err := s.EnableFileAudit("file", file, vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	h, err := c.Sys().Health()
	if err != nil {
		t.Fatal(err)
	}
	if !h.Initialized || h.Sealed || h.Version == "" || h.ClusterName != "vault-prod-eu" {
		t.Errorf("health %+v", h)
	}
	st, err := c.Sys().SealStatus()
	if err != nil || st.Sealed {
		t.Errorf("seal status %+v, %v", st, err)
	}
	if got := readEntries(t, file, ""); len(got) != 1 {
		t.Errorf("health and seal status wrote %d entries beyond the probe; want none", len(got)-1)
	}
	if _, err := c.KVv2("secret").Put(context.Background(), "a", map[string]any{"v": "1"}); err != nil {
		t.Errorf("write over plain HTTP with a chosen root token: %v", err)
	}
}

// clock is a settable test clock.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestDeleteVersionAfterOnTheServersClock(t *testing.T) {
	var clk clock
	clk.ns.Store(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).UnixNano())
	_, c := start(t, vaultemu.Options{Now: clk.now})
	ctx := context.Background()
	kv := c.KVv2("secret")
	if _, err := kv.Put(ctx, "apps/tmp", map[string]any{"v": "1"}); err != nil {
		t.Fatal(err)
	}
	if err := kv.PutMetadata(ctx, "apps/tmp", api.KVMetadataPutInput{DeleteVersionAfter: time.Hour}); err != nil {
		t.Fatal(err)
	}
	clk.advance(59 * time.Minute)
	if s, err := kv.Get(ctx, "apps/tmp"); err != nil || s.Data == nil {
		t.Fatalf("before delete_version_after: %v, %v; want the data", s, err)
	}
	clk.advance(time.Minute)
	s, err := kv.Get(ctx, "apps/tmp")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC); s.Data != nil || !s.VersionMetadata.DeletionTime.Equal(want) {
		t.Errorf("after delete_version_after: data %v deletion %v; want none, %v", s.Data, s.VersionMetadata.DeletionTime, want)
	}
}

func TestMountsAndConfigThroughTheAPI(t *testing.T) {
	s, c := start(t, vaultemu.Options{})
	ctx := context.Background()
	if err := c.Sys().Mount("kv/team-c", &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Sys().Mount("pki", &api.MountInput{Type: "pki"}); statusOf(err) != http.StatusBadRequest {
		t.Errorf("a pki mount: %v; want 400", err)
	}
	if err := c.Sys().Mount("kv/team-c/inner", &api.MountInput{Type: "kv-v2"}); statusOf(err) != http.StatusBadRequest {
		t.Errorf("a nested mount: %v; want 400", err)
	}
	if _, err := c.Logical().Write("kv/team-c/config", map[string]any{"max_versions": 3, "cas_required": true}); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.Logical().Read("kv/team-c/config")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Data["max_versions"] != jsonNumber("3") || cfg.Data["cas_required"] != true {
		t.Errorf("config %v", cfg.Data)
	}
	kv := c.KVv2("kv/team-c")
	if _, err := kv.Put(ctx, "a", map[string]any{"v": "1"}); statusOf(err) != http.StatusBadRequest {
		t.Errorf("write without cas on a cas_required mount: %v; want 400", err)
	}
	for i := range 5 {
		if _, err := kv.Put(ctx, "a", map[string]any{"v": "1"}, api.WithCheckAndSet(i)); err != nil {
			t.Fatal(err)
		}
	}
	if md, err := kv.GetMetadata(ctx, "a"); err != nil || len(md.Versions) != 3 || md.OldestVersion != 3 {
		t.Errorf("mount max_versions 3: %+v, %v", md, err)
	}
	if err := c.Sys().Unmount("kv/team-c"); err != nil {
		t.Fatal(err)
	}
	for _, m := range s.Mounts() {
		if m == "kv/team-c/" {
			t.Error("the mount survived its unmount")
		}
	}
}
