package app

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/vaultsocket"
	"github.com/honeyvault/honeyvault/internal/store"
)

// TestVaultSocketSourceRaisesOneIncidentPerAccess runs serve with a Vault
// decoy and a socket source, writes a read of the decoy as Vault's socket
// device does (request entry, then response entry), and checks that one
// alert in one incident comes of it, and that the source shows on
// /settings/sources.
func TestVaultSocketSourceRaisesOneIncidentPerAccess(t *testing.T) {
	dir := t.TempDir()
	wl := filepath.Join(dir, "wl.csv")
	os.WriteFile(wl, []byte("ResourceProvider,ResourceId,HoneyToken,Properties\r\n"+
		`HashiCorp.Vault,vault://eu-prod/secret,apps/payments/DB,"{""Type"":""secret""}"`+"\r\n"), 0o600)
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	cfg.AdminToken = "admin-token-for-vault-socket-test"
	cfg.Watchlist = []string{wl}
	cfg.Ingest.VaultSockets = []config.VaultSocketSource{{Name: "vault-eu", Listen: "127.0.0.1:0", VaultCluster: "eu-prod", AllowFrom: []string{"127.0.0.1"}}}
	srv := serveInBackground(t, cfg, nil)

	var sock *vaultsocket.Source
	for _, r := range srv.sources {
		if s, ok := r.Poller.(*vaultsocket.Source); ok {
			sock = s
		}
	}
	if sock == nil {
		t.Fatal("no vault socket source runs")
	}
	ingesttest.Eventually(t, 20*time.Second, "the socket listening", func() bool { return sock.Addr() != nil })
	conn, err := net.Dial("tcp", sock.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := `{"time":"2026-12-04T01:02:03.1Z","type":"request","auth":{"accessor":"hmac-sha256:77","display_name":"oidc-mallory@contoso.com","entity_id":"ent-1"},"request":{"id":"5f0c","operation":"read","mount_point":"secret/","mount_type":"kv","path":"secret/data/apps/payments/DB","remote_address":"203.0.113.7"}}`
	resp := strings.Replace(strings.Replace(req, `"type":"request"`, `"type":"response"`, 1), "03.1Z", "03.2Z", 1)
	io.WriteString(conn, req+"\n")
	io.WriteString(conn, resp+"\n")

	ctx := context.Background()
	ingesttest.Eventually(t, 20*time.Second, "both entries stored", func() bool {
		n, _ := srv.Store.CountEvents(ctx)
		return n == 2
	})
	ingesttest.Eventually(t, 20*time.Second, "an incident", func() bool {
		incs, _ := srv.Store.ListIncidents(ctx, store.IncidentFilter{})
		return len(incs) == 1
	})
	incs, err := srv.Store.ListIncidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if inc := incs[0]; inc.AlertCount != 1 {
		t.Errorf("incident with %d alerts; want 1 for one read logged twice", inc.AlertCount)
	}
	alerts, err := srv.Store.ListAlerts(ctx, store.AlertFilter{})
	if err != nil || len(alerts) != 1 || alerts[0].Token != "apps/payments/DB" || alerts[0].VaultID != "vault://eu-prod/secret" {
		t.Fatalf("alerts %+v, %v", alerts, err)
	}

	r, _ := http.NewRequest("GET", srv.url("/settings/sources"), nil)
	r.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"vault-eu", "vaultsocket"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/settings/sources (%d) lacks %q", res.StatusCode, want)
		}
	}
}
