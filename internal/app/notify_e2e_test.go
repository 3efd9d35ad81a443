package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/notify/webhook"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// A record touching a decoy, posted to the real ingest endpoint, reaches a
// webhook as SPEC.md's signed payload.
func TestDecoyAccessReachesTheWebhook(t *testing.T) {
	const secret = "e2e-webhook-secret-0123456789"
	type delivery struct {
		body []byte
		sig  string
	}
	got := make(chan delivery, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{b, r.Header.Get("X-Honeyvault-Signature")}
	}))
	defer hook.Close()

	dir := t.TempDir()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	cfg.AdminToken, cfg.IngestToken = adminToken, "ingest-token-for-server-test"
	cfg.Notify.Webhooks, cfg.Notify.WebhookSecret = []string{hook.URL + "/hv"}, secret
	cfg.ExternalURL = "https://hv.example.com"
	st, err := store.Open(context.Background(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	st.AddDecoy(context.Background(), &registry.Decoy{VaultID: vaultPay, Name: "payments-db-password", Type: registry.Secret})
	st.Close()

	srv := serveInBackground(t, cfg, nil)
	base := srv.url("")

	req, _ := http.NewRequest("POST", base+"/api/v1/ingest/azure-keyvault", strings.NewReader(string(hit("corr-e2e", "Payments-DB-Password", "attacker-oid"))))
	req.Header.Set("Authorization", "Bearer "+cfg.IngestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("ingest: %d", resp.StatusCode)
	}

	var d delivery
	select {
	case d = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook delivery")
	}
	if d.sig != webhook.Sign([]byte(secret), d.body) {
		t.Errorf("signature %q does not verify", d.sig)
	}
	var p struct {
		Incident struct {
			ID        int64     `json:"id"`
			Title     string    `json:"title"`
			Severity  string    `json:"severity"`
			Status    string    `json:"status"`
			VaultID   string    `json:"vault_id"`
			FirstSeen time.Time `json:"first_seen"`
			LastSeen  time.Time `json:"last_seen"`
			URL       string    `json:"url"`
		} `json:"incident"`
		Alerts []struct {
			CorrelationID string    `json:"correlation_id"`
			Time          time.Time `json:"time"`
			Token         string    `json:"token"`
			TokenType     string    `json:"token_type"`
			Operation     string    `json:"operation"`
			Status        int       `json:"status"`
			Caller        struct {
				ObjectID string `json:"object_id"`
				IP       string `json:"ip"`
			} `json:"caller"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(d.body, &p); err != nil {
		t.Fatalf("%v: %s", err, d.body)
	}
	in := p.Incident
	if in.ID != 1 || in.Title != "HoneyTokens: KeyVault HoneyTokens secret accessed" || in.Severity != "high" || in.Status != "new" ||
		!strings.EqualFold(in.VaultID, vaultPay) || in.URL != "https://hv.example.com/incidents/1" ||
		!in.FirstSeen.Equal(time.Date(2026, 11, 20, 8, 0, 1, 0, time.UTC)) || !in.LastSeen.Equal(in.FirstSeen) {
		t.Errorf("incident: %+v", in)
	}
	if len(p.Alerts) != 1 {
		t.Fatalf("alerts: %s", d.body)
	}
	a := p.Alerts[0]
	if a.CorrelationID != "corr-e2e" || a.Token != "payments-db-password" || a.TokenType != "secret" || a.Operation != "SecretGet" ||
		a.Status != 200 || a.Caller.ObjectID != "attacker-oid" || a.Caller.IP != "203.0.113.7" || !a.Time.Equal(in.FirstSeen) {
		t.Errorf("alert: %+v", a)
	}

	// The same record again is a duplicate: no second alert, no second message.
	req, _ = http.NewRequest("POST", base+"/api/v1/ingest/azure-keyvault", strings.NewReader(string(hit("corr-e2e", "Payments-DB-Password", "attacker-oid"))))
	req.Header.Set("Authorization", "Bearer "+cfg.IngestToken)
	resp, _ = http.DefaultClient.Do(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"duplicates":1`) {
		t.Errorf("resend: %s", body)
	}
	alerts, _ := srv.Store.ListAlerts(context.Background(), store.AlertFilter{})
	if len(alerts) != 1 {
		t.Errorf("%d alerts after a resend; want 1", len(alerts))
	}
	select {
	case d := <-got:
		t.Errorf("second delivery: %s", d.body)
	default:
	}
}
