package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const (
	adminToken  = "admin-token-0123456789"
	ingestToken = "ingest-token-0123456789"
	decoyName   = "PaymentsDb-ConnectionString"
)

func newTestServer(t *testing.T) (*httptest.Server, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.ImportDecoys(context.Background(), []registry.Decoy{{
		VaultID: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay",
		Name:    decoyName, Type: registry.Secret, CreatedBy: "test",
	}}); err != nil {
		t.Fatal(err)
	}
	a := &auth.Authenticator{}
	a.AddBootstrap(adminToken, auth.Admin)
	a.AddBootstrap(ingestToken, auth.Ingest)
	srv := httptest.NewServer(New(Options{Store: st, Auth: a}))
	t.Cleanup(srv.Close)
	return srv, st
}

func get(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func TestHealthAndReady(t *testing.T) {
	srv, st := newTestServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := get(t, srv.URL+path, ""); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	st.Close()
	if resp, _ := get(t, srv.URL+"/readyz", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with closed store: got %d; want 503", resp.StatusCode)
	}
}

func TestMetricsExposeDecoysAndRequests(t *testing.T) {
	srv, _ := newTestServer(t)
	get(t, srv.URL+"/healthz", "")
	resp, body := get(t, srv.URL+"/metrics", "")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	if !strings.Contains(body, `honeyvault_http_requests_total{code="200",route="GET /healthz"} 1`) {
		t.Errorf("/metrics lacks the request counter:\n%s", body)
	}
	if strings.Contains(body, decoyName) {
		t.Error("/metrics reveals a decoy name")
	}
}

func TestHoneytokensRequiresAdmin(t *testing.T) {
	srv, _ := newTestServer(t)
	tests := []struct {
		name  string
		token string
		code  int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "not-a-token-0123456789", http.StatusUnauthorized},
		{"ingest token", ingestToken, http.StatusForbidden},
		{"admin token", adminToken, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/honeytokens", "/api/v1/honeytokens/watchlist.csv"} {
				resp, body := get(t, srv.URL+path, tt.token)
				if resp.StatusCode != tt.code {
					t.Errorf("%s: got %d; want %d", path, resp.StatusCode, tt.code)
				}
				if tt.code != http.StatusOK && strings.Contains(body, decoyName) {
					t.Errorf("%s: %d response reveals the decoy name", path, resp.StatusCode)
				}
				if tt.code == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: 401 without WWW-Authenticate", path)
				}
			}
		})
	}
}

func TestListHoneytokens(t *testing.T) {
	srv, _ := newTestServer(t)
	resp, body := get(t, srv.URL+"/api/v1/honeytokens", adminToken)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out api.HoneytokenList
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Honeytokens) != 1 || out.Honeytokens[0].Name != decoyName || out.Honeytokens[0].Vault != "kv-pay" ||
		out.Honeytokens[0].Type != "secret" || out.Honeytokens[0].Status != "active" {
		t.Errorf("got %+v", out.Honeytokens)
	}
	for _, q := range []string{"?status=gone", "?type=blob", "?limit=0", "?limit=5000", "?after=x"} {
		if resp, body := get(t, srv.URL+"/api/v1/honeytokens"+q, adminToken); resp.StatusCode != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: got %d %s; want 400 with a JSON error", q, resp.StatusCode, body)
		}
	}
}

func TestWatchlistExport(t *testing.T) {
	srv, _ := newTestServer(t)
	resp, body := get(t, srv.URL+"/api/v1/honeytokens/watchlist.csv", adminToken)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	want := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" +
		`Microsoft.KeyVault,/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay,` + decoyName + `,"{""Type"":""secret""}"` + "\r\n"
	if body != want {
		t.Errorf("got %q; want %q", body, want)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, path := range []string{"/healthz", "/api/v1/honeytokens", "/api/v1/nope", "/nope"} {
		resp, _ := get(t, srv.URL+path, "")
		for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s: no %s header", path, h)
			}
		}
	}
}

func TestUnknownAPIRouteIsJSON404(t *testing.T) {
	srv, _ := newTestServer(t)
	resp, body := get(t, srv.URL+"/api/v1/nope", adminToken)
	if resp.StatusCode != 404 || !strings.Contains(body, `"error"`) {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
}
