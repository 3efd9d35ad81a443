package vaultemu_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

func TestAuditOfFailedMissingAndRawCalls(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	ctx := context.Background()
	dir := t.TempDir()
	hashed, raw := filepath.Join(dir, "hashed.log"), filepath.Join(dir, "raw.log")
	if err := s.EnableFileAudit("hashed", hashed, vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableFileAudit("raw", raw, vaultemu.AuditOptions{LogRaw: true}); err != nil {
		t.Fatal(err)
	}
	kv := root.KVv2("secret")
	if _, err := kv.Put(ctx, "apps/a", map[string]any{"password": "pw"}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "apps/a", map[string]any{"password": "pw2"}, api.WithCheckAndSet(7)); statusOf(err) != http.StatusBadRequest {
		t.Fatalf("stale cas: %v", err)
	}
	if _, err := kv.Get(ctx, "apps/missing"); err == nil {
		t.Fatal("missing secret read")
	}

	const casErr = "check-and-set parameter did not match the current version"
	h, err := s.AuditHash("hashed", casErr)
	if err != nil {
		t.Fatal(err)
	}
	ps := pairs(t, readEntries(t, hashed, ""))
	refused := byPathOp(t, ps, "secret/data/apps/a", "update")
	if _, has := refused[0]["error"]; has {
		t.Errorf("request entry of a refused write has an error: %v (the check runs after it)", refused[0]["error"])
	}
	if refused[1]["error"] != casErr || get(refused[1], "response", "data", "error") != h {
		t.Errorf("refused write's response entry: error %v data %v; want %q and its HMAC", refused[1]["error"], get(refused[1], "response", "data"), casErr)
	}
	missing := byPathOp(t, ps, "secret/data/apps/missing", "read")
	if _, has := missing[1]["error"]; has || get(missing[1], "response", "data") != nil {
		t.Errorf("missing read's response entry %v; want neither error nor data", missing[1])
	}

	rawPairs := pairs(t, readEntries(t, raw, ""))
	create := byPathOp(t, rawPairs, "secret/data/apps/a", "create")
	if get(create[0], "request", "data", "data", "password") != "pw" || get(create[0], "request", "client_token") != s.RootToken() {
		t.Errorf("log_raw entry %v; want the value and token in clear", create[0])
	}
}
