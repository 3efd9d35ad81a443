package cli

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

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/notify/webhook"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

const cliToken = "cli-test-admin-token-0123456789"

// apiServer runs the real REST API over a store holding one decoy and one
// incident about it, and points the client environment at it.
func apiServer(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	vault := "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay"
	st.ImportDecoys(ctx, []registry.Decoy{{VaultID: vault, Name: "db-password", Type: registry.Secret, CreatedBy: "test"}})
	decoys, _ := st.ListDecoys(ctx, store.DecoyFilter{})
	ix, _ := detect.NewIndex(decoys)
	m := detect.NewMatcher(ix, nil)
	g, _ := incident.NewGrouping([]string{"vault", "caller"})
	rec := &incident.Recorder{Grouping: g}
	ev := auditlog.Event{Kind: auditlog.KindAudit, Time: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), VaultID: vault, VaultName: "kv-pay",
		ObjectType: registry.Secret, ObjectName: "db-password", Operation: "SecretGet", HTTPStatus: 200, CorrelationID: "c1",
		Caller: auditlog.Caller{ObjectID: "mallory-oid", UPN: "mallory@contoso.com", IP: "203.0.113.7"}}
	_, err = st.Accept(ctx, []store.Batch{{Source: "test", Events: []auditlog.Event{ev}}}, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		var alerts []detect.Alert
		for _, f := range fresh {
			alerts = append(alerts, m.Match(f.Event)...)
		}
		return rec.Record(ctx, tx, alerts)
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &auth.Authenticator{}
	a.AddBootstrap(cliToken, auth.Admin)
	srv := httptest.NewServer(web.New(web.Options{Store: st, Auth: a}))
	t.Cleanup(srv.Close)
	t.Setenv("HONEYVAULT_ADDR", srv.URL)
	t.Setenv("HONEYVAULT_TOKEN", cliToken)
	return st
}

func TestIncidentsVerbs(t *testing.T) {
	apiServer(t)
	code, out, stderr := runNames(t, "", "incidents", "list")
	if code != 0 || !strings.Contains(out, "ID  SEVERITY") || !strings.Contains(out, "1   high") ||
		!strings.Contains(out, "HoneyTokens: KeyVault HoneyTokens secret accessed") || !strings.Contains(out, "mallory-oid") {
		t.Fatalf("list: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = runNames(t, "", "incidents", "list", "--json", "--status", "closed")
	var list api.IncidentList
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Incidents) != 0 {
		t.Errorf("list --json --status closed: exit %d %s", code, out)
	}
	code, out, _ = runNames(t, "", "incidents", "show", "1")
	for _, want := range []string{"Incident 1: HoneyTokens", "Severity:", "kv-pay/db-password (secret)", "mallory@contoso.com", "created", "Related activity"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	code, out, _ = runNames(t, "", "incidents", "comment", "1", "looking", "into", "it")
	if code != 0 || !strings.Contains(out, "incident 1: active") {
		t.Errorf("comment: exit %d %s", code, out)
	}
	code, _, stderr = runNames(t, "", "incidents", "close", "1", "--classification", "maybe")
	if code != 2 || !strings.Contains(stderr, "classification") {
		t.Errorf("close with a bad classification: exit %d %s", code, stderr)
	}
	code, out, _ = runNames(t, "", "incidents", "close", "1", "--classification", "true_positive", "--comment", "contained", "--json")
	var in api.Incident
	if code != 0 || json.Unmarshal([]byte(out), &in) != nil || in.Status != "closed" || in.Classification != "true_positive" {
		t.Errorf("close --json: exit %d %s", code, out)
	}
	code, out, _ = runNames(t, "", "incidents", "show", "1", "--json")
	var d api.IncidentDetail
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || len(d.History) != 5 || d.History[4].Detail != "contained" {
		t.Errorf("show --json: exit %d %s", code, out)
	}
	if code, _, stderr := runNames(t, "", "incidents", "show", "99"); code != 2 || !strings.Contains(stderr, "404") {
		t.Errorf("show 99: exit %d %s", code, stderr)
	}
	if code, _, _ := runNames(t, "", "incidents", "show", "x"); code != 2 {
		t.Errorf("show x: exit %d; want 2", code)
	}
	t.Setenv("HONEYVAULT_TOKEN", "wrong-token-0123456789")
	if code, _, stderr := runNames(t, "", "incidents", "list"); code != 1 || !strings.Contains(stderr, "401") {
		t.Errorf("bad token: exit %d %s", code, stderr)
	}
	t.Setenv("HONEYVAULT_TOKEN", "")
	if code, _, stderr := runNames(t, "", "incidents", "list"); code != 2 || !strings.Contains(stderr, "HONEYVAULT_TOKEN") {
		t.Errorf("no token: exit %d %s", code, stderr)
	}
}

func TestHoneytokensList(t *testing.T) {
	apiServer(t)
	code, out, _ := runNames(t, "", "honeytokens", "list")
	if code != 0 || !strings.Contains(out, "kv-pay") || !strings.Contains(out, "db-password") || !strings.Contains(out, "active") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = runNames(t, "", "honeytokens", "list", "--json", "--type", "key")
	if code != 0 || strings.TrimSpace(out) != `{
  "honeytokens": []
}` {
		t.Errorf("--type key: exit %d %s", code, out)
	}
}

func TestNotifyTest(t *testing.T) {
	got := make(chan []byte, 2)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get(webhook.SignatureHeader) != webhook.Sign([]byte("notify-test-secret-0123"), b) {
			w.WriteHeader(401)
			return
		}
		got <- b
	}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	t.Setenv("HONEYVAULT_NOTIFY_WEBHOOK_SECRET", "notify-test-secret-0123")

	code, out, stderr := runNames(t, "", "notify", "test", "--notify-webhook", ok.URL, "--notify-webhook", down.URL)
	if code != 1 || !strings.Contains(out, "webhook (webhook): sent") || !strings.Contains(out, "webhook-2 (webhook): FAILED") || !strings.Contains(stderr, "1 of 2") {
		t.Errorf("exit %d\n%s%s", code, out, stderr)
	}
	if b := <-got; !strings.Contains(string(b), `"kind":"test"`) {
		t.Errorf("test message: %s", b)
	}
	code, out, _ = runNames(t, "", "notify", "test", "--notify-webhook", ok.URL, "--notify-webhook", down.URL, "--channel", "webhook")
	if code != 0 || strings.Contains(out, "webhook-2") {
		t.Errorf("--channel webhook: exit %d %s", code, out)
	}
	if code, _, stderr := runNames(t, "", "notify", "test", "--notify-webhook", ok.URL, "--channel", "nope"); code != 2 || !strings.Contains(stderr, "channels: webhook") {
		t.Errorf("unknown channel: exit %d %s", code, stderr)
	}
	if code, _, _ := runNames(t, "", "notify", "test"); code != 2 {
		t.Errorf("no channels: exit %d; want 2", code)
	}
}

// incidents show words a refused related request with its status and
// shows tokenless requests as unauthenticated requests from an address,
// as the console does, not as a caller named by its IP.
func TestIncidentShowWordsStatusAndUnauthenticatedRequests(t *testing.T) {
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	d := api.IncidentDetail{Incident: api.Incident{ID: 1, Title: "t", Vault: "kv-pay"}, Related: api.Related{From: at, To: at,
		Events: []api.Event{{Time: at, Vault: "kv-hr", Operation: "SecretGet", Result: "Success", Status: 403, StatusText: "Forbidden"}},
		Others: []api.VaultOthers{{Vault: "kv-pay", Callers: []api.VaultCaller{
			{Caller: "bob-oid", UPN: "bob@contoso.com", IP: "192.0.2.10", Events: 1, First: at, Last: at},
			{Caller: "127.0.0.1", IP: "127.0.0.1", Events: 4, First: at, Last: at, Unauthenticated: true},
		}}}}}
	var out strings.Builder
	writeIncident(&out, d)
	for _, want := range []string{"kv-hr SecretGet 403 Forbidden", "bob-oid bob@contoso.com 1 events",
		"unauthenticated requests from 127.0.0.1 (no token: the auth challenge) 4 requests"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "127.0.0.1 - 4 events") {
		t.Errorf("show names an address as a caller:\n%s", out.String())
	}
}
