package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// seedIncident stores a read of ownDecoy by mallory, and an unrelated event
// of hers, through detection as the ingest pipeline runs it.
func (e *env) seedIncident() {
	e.t.Helper()
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	caller := auditlog.Caller{ObjectID: "mallory-oid", UPN: "mallory@contoso.com", IP: "203.0.113.7"}
	e.seedEvents(
		auditlog.Event{Kind: auditlog.KindAudit, Time: at, VaultID: envVaultPay, VaultName: "kv-pay", ObjectType: registry.Secret,
			ObjectName: ownDecoy, Operation: "SecretGet", HTTPStatus: 200, CorrelationID: "corr-1", Caller: caller,
			RequestURI: "https://kv-pay.vault.azure.net/secrets/" + ownDecoy},
		auditlog.Event{Kind: auditlog.KindAudit, Time: at.Add(-time.Hour), VaultID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-other",
			VaultName: "kv-other", Operation: "SecretList", HTTPStatus: 200, CorrelationID: "corr-0", Caller: caller},
	)
}

// seedEvents stores evs through detection and incident grouping (by vault
// and caller) as the ingest pipeline runs them.
func (e *env) seedEvents(evs ...auditlog.Event) {
	e.t.Helper()
	ctx := context.Background()
	decoys, _ := e.st.ListDecoys(ctx, store.DecoyFilter{})
	ix, _ := detect.NewIndex(decoys)
	m := detect.NewMatcher(ix, nil)
	g, _ := incident.NewGrouping([]string{"vault", "caller"})
	rec := &incident.Recorder{Grouping: g}
	_, err := e.st.Accept(ctx, []store.Batch{{Source: "test", Events: evs}}, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		var alerts []detect.Alert
		for _, f := range fresh {
			alerts = append(alerts, m.Match(f.Event)...)
			alerts = append(alerts, m.Tamper(f.Event)...)
		}
		return rec.Record(ctx, tx, alerts)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func TestIncidentsAPIReadsAndFilters(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	analyst, owner := e.token(auth.Analyst), e.token(auth.Owner, envSubPay)

	resp, body := e.request(nil, "GET", "/api/v1/incidents", analyst, nil)
	var list api.IncidentList
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Incidents) != 1 {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	in := list.Incidents[0]
	if in.Title != incident.TitleSecret || in.Severity != "high" || in.Status != "new" || in.Vault != "kv-pay" || in.Caller != "mallory-oid" {
		t.Errorf("incident: %+v", in)
	}
	for _, tt := range []struct {
		query string
		code  int
		n     int
	}{
		{"?status=open", 200, 1}, {"?status=closed", 200, 0}, {"?severity=high&vault=kv-pay", 200, 1},
		{"?vault=" + envVaultPay, 200, 1}, {"?vault=kv-hr", 200, 0},
		{"?status=done", 400, 0}, {"?severity=low", 400, 0}, {"?limit=0", 400, 0}, {"?before=x", 400, 0},
	} {
		resp, body := e.request(nil, "GET", "/api/v1/incidents"+tt.query, analyst, nil)
		var l api.IncidentList
		json.Unmarshal([]byte(body), &l)
		if resp.StatusCode != tt.code || len(l.Incidents) != tt.n {
			t.Errorf("%s: got %d with %d incidents; want %d with %d (%s)", tt.query, resp.StatusCode, len(l.Incidents), tt.code, tt.n, body)
		}
	}

	resp, body = e.request(nil, "GET", "/api/v1/incidents/1", analyst, nil)
	var d api.IncidentDetail
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("detail: %d %s", resp.StatusCode, body)
	}
	if len(d.Alerts) != 1 || d.Alerts[0].Token != ownDecoy || d.Alerts[0].Caller.UPN != "mallory@contoso.com" {
		t.Errorf("alerts: %+v", d.Alerts)
	}
	if len(d.Entities.IPs) != 1 || len(d.Entities.Decoys) != 1 || d.Entities.Accounts[0].ObjectID != "mallory-oid" {
		t.Errorf("entities: %+v", d.Entities)
	}
	if len(d.History) != 2 || d.History[0].Action != "created" {
		t.Errorf("history: %+v", d.History)
	}
	if len(d.Related.Events) != 2 || d.Related.Events[0].Vault != "kv-other" {
		t.Errorf("related activity: %+v", d.Related)
	}

	for _, tt := range []struct {
		path string
		code int
	}{{"/api/v1/incidents/99", 404}, {"/api/v1/incidents/abc", 400}, {"/api/v1/incidents/1?window=9d", 400}} {
		if resp, body := e.request(nil, "GET", tt.path, analyst, nil); resp.StatusCode != tt.code {
			t.Errorf("%s: got %d; want %d (%s)", tt.path, resp.StatusCode, tt.code, body)
		}
	}

	// Vault owners never see incidents; nobody unauthenticated does.
	for _, path := range []string{"/api/v1/incidents", "/api/v1/incidents/1", "/api/v1/alerts", "/api/v1/notify/channels"} {
		resp, body := e.request(nil, "GET", path, owner, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("owner %s: got %d; want 403", path, resp.StatusCode)
		}
		noDecoyIn(t, "owner "+path, body)
		if resp, _ := e.request(nil, "GET", path, "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous %s: got %d; want 401", path, resp.StatusCode)
		}
	}
	resp, body = e.request(nil, "GET", "/api/v1/alerts?suppressed=false", analyst, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, ownDecoy) {
		t.Errorf("alerts: %d %s", resp.StatusCode, body)
	}
	resp, body = e.request(nil, "GET", "/api/v1/notify/channels", analyst, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"channels":[]`) {
		t.Errorf("channels: %d %s", resp.StatusCode, body)
	}
}

func TestIncidentsAPIChanges(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	analyst := e.token(auth.Analyst)
	post := func(tok, path, body string) (int, string) {
		resp, b := e.request(nil, "POST", path, tok, strings.NewReader(body), "Content-Type", "application/json")
		return resp.StatusCode, b
	}
	tests := []struct {
		token, path, body string
		code              int
		inBody            string
	}{
		{analyst, "/api/v1/incidents/1/close", `{"classification":"maybe"}`, 400, "classification: want one of"},
		{analyst, "/api/v1/incidents/1/close", `{"classification":"true_positive","colour":"red"}`, 400, "unknown field"},
		{analyst, "/api/v1/incidents/1/close", `not json`, 400, "want JSON"},
		{analyst, "/api/v1/incidents/1/comment", `{"comment":""}`, 400, "comment: required"},
		{analyst, "/api/v1/incidents/9/comment", `{"comment":"x"}`, 404, "no such incident"},
		{e.token(auth.Ingest), "/api/v1/incidents/1/comment", `{"comment":"x"}`, 403, "forbidden"},
		{analyst, "/api/v1/incidents/1/comment", `{"comment":"looking"}`, 200, `"status":"active"`},
		{analyst, "/api/v1/incidents/1/assign", `{"owner":"bob@contoso.com"}`, 200, `"owner":"bob@contoso.com"`},
		{analyst, "/api/v1/incidents/1/close", `{"classification":"true_positive","comment":"done"}`, 200, `"classification":"true_positive"`},
		{analyst, "/api/v1/incidents/1/close", `{"classification":"false_positive"}`, 409, "already closed"},
		{analyst, "/api/v1/incidents/1/reopen", `{}`, 200, `"status":"active"`},
		{analyst, "/api/v1/incidents/1/reopen", `{}`, 409, "not closed"},
	}
	for _, tt := range tests {
		code, body := post(tt.token, tt.path, tt.body)
		if code != tt.code || !strings.Contains(body, tt.inBody) {
			t.Errorf("POST %s %s: got %d %s; want %d with %q", tt.path, tt.body, code, body, tt.code, tt.inBody)
		}
	}
	if got := strings.Count(e.auditActions(), "incident.update"); got != 4 {
		t.Errorf("%d incident.update audit entries; want 4 (%s)", got, e.auditActions())
	}
	hist, _ := e.st.IncidentHistory(context.Background(), 1)
	last := hist[len(hist)-1]
	if last.Action != "reopen" || !strings.HasPrefix(last.Actor, "token:") {
		t.Errorf("last history entry: %+v", last)
	}
}

// Key Vault's resultType says Success for a refused request: the API keeps
// it as result, as logged, and says how the request was answered in status
// and status_text, for related events and alerts alike.
func TestIncidentAPISaysHowARequestWasAnswered(t *testing.T) {
	e := newEnv(t)
	caller := auditlog.Caller{ObjectID: "mallory-oid", UPN: "mallory@contoso.com", IP: "203.0.113.7"}
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	e.seedEvents(
		auditlog.Event{Kind: auditlog.KindAudit, Time: at, VaultID: envVaultPay, VaultName: "kv-pay", ObjectType: registry.Secret,
			ObjectName: ownDecoy, Operation: "SecretGet", ResultType: "Success", ResultSignature: "Forbidden", HTTPStatus: 403,
			CorrelationID: "corr-refused", Caller: caller},
		auditlog.Event{Kind: auditlog.KindAudit, Time: at.Add(-time.Hour), VaultID: envVaultHR, VaultName: "kv-hr", ObjectType: registry.Secret,
			ObjectName: "payroll", Operation: "SecretGet", ResultType: "Success", HTTPStatus: 403, CorrelationID: "corr-other", Caller: caller},
	)
	_, body := e.request(nil, "GET", "/api/v1/incidents/1", e.token(auth.Analyst), nil)
	var d api.IncidentDetail
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Alerts) != 1 || len(d.Related.Events) != 2 {
		t.Fatalf("alerts %+v, related %+v", d.Alerts, d.Related.Events)
	}
	if a := d.Alerts[0]; a.Status != 403 || a.StatusText != "Forbidden" || a.Result != "Forbidden" {
		t.Errorf("alert: status %d %q, result %q; want 403 Forbidden, Forbidden", a.Status, a.StatusText, a.Result)
	}
	for _, ev := range d.Related.Events {
		if ev.Status != 403 || ev.StatusText != "Forbidden" || ev.Result != "Success" {
			t.Errorf("related event on %s: status %d %q, result %q; want 403 Forbidden, result Success as logged", ev.Vault, ev.Status, ev.StatusText, ev.Result)
		}
	}
	if !strings.Contains(body, `"status":403,"status_text":"Forbidden"`) {
		t.Errorf("the answer lacks status_text beside status:\n%s", body)
	}
}
