package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/slack"
	"github.com/honeyvault/honeyvault/internal/notify/syslog"
	"github.com/honeyvault/honeyvault/internal/notify/teams"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const seededSentence = "mallory@contoso.com read 1 decoy secret in kv-pay from 203.0.113.7"

func TestIncidentPageShowsTheInvestigation(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	c := e.browser()
	e.signIn(c, e.token(auth.Analyst))

	resp, body := e.request(c, "GET", "/incidents/1", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /incidents/1: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		seededSentence, // the plain-words first line
		`class="badge sev-high">high`, `class="badge st-new">new`, incident.TitleSecret,
		`<span class="op hot">SecretGet</span>`, ownDecoy, "203.0.113.7", // the timeline
		"mallory-oid",            // entities
		"SecretList", "kv-other", // the caller's related activity elsewhere
		`href="/incidents/1?window=168h"`, // other windows
		"<strong>system</strong> created", // history
		"https://portal.azure.com/#resource" + envVaultPay + "/overview",
		`action="/incidents/1/take"`, `action="/incidents/1/close"`, `name="csrf_token"`,
		`<time datetime="2026-11-20T08:00:00Z" title="2026-11-20 08:00:00 UTC">2026-11-20 08:00 UTC</time>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	if m := inlineCode.FindString(withoutScripts(body)); m != "" {
		t.Errorf("incident page has inline code %q", m)
	}

	// A one-hour window no longer reaches the SecretList an hour before.
	_, narrow := e.request(c, "GET", "/incidents/1?window=30m", "", nil)
	if strings.Contains(narrow, "SecretList") || !strings.Contains(narrow, `aria-current="true">±1 hour`) && !strings.Contains(narrow, "Every vault") {
		t.Errorf("?window=30m still shows the event an hour before")
	}

	for _, tt := range []struct {
		path string
		code int
	}{{"/incidents/99", 404}, {"/incidents/abc", 400}, {"/incidents/0", 400}, {"/incidents/1?window=9d", 400}, {"/incidents/1?window=10s", 400}} {
		if resp, body := e.request(c, "GET", tt.path, "", nil); resp.StatusCode != tt.code {
			t.Errorf("%s: got %d; want %d (%s)", tt.path, resp.StatusCode, tt.code, body)
		}
	}
	// Anonymous: to the sign-in page, and back here afterwards.
	if resp, _ := e.request(nil, "GET", "/incidents/1", "", nil); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/login?next=%2Fincidents%2F1" {
		t.Errorf("anonymous: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// A tamper alert (an Activity record: no decoy, no HTTP status) reads as
// the change it was, in the first line and in the timeline.
func TestIncidentPageShowsATamper(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	setting := envVaultPay + "/providers/microsoft.insights/diagnosticSettings/to-soc"
	e.seedEvents(auditlog.Event{Kind: auditlog.KindActivity, Time: at, VaultID: envVaultPay, VaultName: "kv-pay", ResourceID: setting,
		Operation: "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", ResultType: "Failure", Status: "Failure", CorrelationID: "corr-t",
		Caller: auditlog.Caller{ObjectID: "mallory-oid", UPN: "mallory@contoso.com", IP: "203.0.113.7"}})
	c := e.browser()
	e.signIn(c, e.token(auth.Analyst))
	resp, body := e.request(c, "GET", "/incidents/1", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /incidents/1: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		incident.TitleDiagnosticSettings, `class="badge sev-high">high`,
		"mallory@contoso.com tried and failed to delete a diagnostic setting of the vault (its audit log may no longer reach honeyvault) in kv-pay from 203.0.113.7",
		"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "<td>Failure</td>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
}

// The page's forms follow the REST API's rules: same errors, same codes,
// same history and audit trail.
func TestIncidentPageActions(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	c := e.browser()
	csrf := e.signIn(c, adminToken)
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		if form.Get("csrf_token") == "" {
			form.Set("csrf_token", csrf)
		}
		return e.postForm(c, path, form)
	}
	tests := []struct {
		path   string
		form   url.Values
		code   int
		inBody string
	}{
		{"/incidents/1/comment", url.Values{"csrf_token": {"forged"}, "comment": {"x"}}, 403, "CSRF"},
		{"/incidents/1/comment", url.Values{"comment": {"  "}}, 400, "comment: required"},
		{"/incidents/1/close", url.Values{"classification": {"maybe"}, "comment": {"kept text"}}, 400, "classification: want one of"},
		{"/incidents/9/comment", url.Values{"comment": {"x"}}, 404, "no incident 9"},
		{"/incidents/1/take", url.Values{}, 303, ""},
		{"/incidents/1/comment", url.Values{"comment": {"looked at <b>it</b>"}}, 303, ""},
		{"/incidents/1/close", url.Values{"classification": {"true_positive"}, "comment": {"done"}}, 303, ""},
		{"/incidents/1/close", url.Values{"classification": {"false_positive"}}, 409, "incident 1 is already closed"},
		{"/incidents/1/reopen", url.Values{}, 303, ""},
		{"/incidents/1/reopen", url.Values{}, 409, "incident 1 is not closed"},
	}
	for _, tt := range tests {
		resp, body := post(tt.path, tt.form)
		if resp.StatusCode != tt.code || !strings.Contains(body, tt.inBody) {
			t.Errorf("POST %s %v: got %d; want %d with %q\n%s", tt.path, tt.form, resp.StatusCode, tt.code, tt.inBody, body)
		}
		if tt.code == 303 && !strings.HasPrefix(resp.Header.Get("Location"), "/incidents/1?done=") {
			t.Errorf("POST %s: redirected to %q", tt.path, resp.Header.Get("Location"))
		}
	}
	// A refused change keeps what was typed.
	if _, body := post("/incidents/1/comment", url.Values{"comment": {strings.Repeat("x", incident.MaxComment+1)}}); !strings.Contains(body, "xxxxxxxx</textarea>") {
		t.Errorf("a refused comment is not kept in the form")
	}

	_, page := e.request(c, "GET", "/incidents/1?done=reopen", "", nil)
	for _, want := range []string{"Incident reopened.", "<strong>bootstrap:admin</strong>", "looked at &lt;b&gt;it&lt;/b&gt;", "true_positive", `action="/incidents/1/close"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page after the changes lacks %q", want)
		}
	}
	if strings.Contains(page, `action="/incidents/1/take"`) {
		t.Errorf("Take is offered to the incident's owner")
	}
	in, _ := e.st.GetIncident(context.Background(), 1)
	if in.Owner != "bootstrap:admin" || in.Status != incident.StatusActive {
		t.Errorf("incident after the changes: owner %q, status %q", in.Owner, in.Status)
	}
	if got := strings.Count(e.auditActions(), "incident.update"); got != 4 {
		t.Errorf("%d incident.update audit entries; want 4 (%s)", got, e.auditActions())
	}
}

// Vault owners see no incidents, neither on their vaults nor elsewhere
// (README, "Vault owners and incidents"); an analyst reads but an ingest
// token does not even sign in.
func TestIncidentPagesRefuseOwners(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	e.seedForeignIncident()
	for _, scope := range [][]string{{envSubPay}, {"kv-hr"}} {
		c := e.browser()
		csrf := e.signIn(c, e.token(auth.Owner, scope...))
		for _, path := range []string{"/incidents", "/incidents/1", "/incidents/2"} {
			resp, body := e.request(c, "GET", path, "", nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("owner of %v: GET %s: %d; want 403", scope, path, resp.StatusCode)
			}
			noDecoyIn(t, "owner GET "+path, body)
		}
		for _, path := range []string{"/incidents/1/take", "/incidents/2/comment"} {
			resp, _ := e.postForm(c, path, url.Values{"csrf_token": {csrf}, "comment": {"mine"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("owner of %v: POST %s: %d; want 403", scope, path, resp.StatusCode)
			}
		}
	}
	if hist, _ := e.st.IncidentHistory(context.Background(), 1); len(hist) != 2 {
		t.Errorf("owners changed incident 1: %+v", hist)
	}
}

// seedForeignIncident stores a read of foreignDecoy (kv-hr, subscription
// envSubHR): incident 2.
func (e *env) seedForeignIncident() {
	e.t.Helper()
	e.seedEvents(auditlog.Event{Kind: auditlog.KindAudit, Time: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), VaultID: envVaultHR,
		VaultName: "kv-hr", ObjectType: registry.Secret, ObjectName: foreignDecoy, Operation: "SecretBackup", HTTPStatus: 200,
		CorrelationID: "corr-hr", Caller: auditlog.Caller{AppID: "eve-app", ObjectID: "eve-oid", IP: "198.51.100.9"}})
}

// Every link a notification carries — Slack, Teams, webhook JSON, syslog,
// mail (whose body is Text) — opens the incident's page for someone signed
// in, and the test message's opens the list.
func TestNotificationLinksOpenTheIncident(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	m, err := notify.Render(context.Background(), e.st, store.Notification{Kind: store.KindNew, IncidentID: 1, FirstAlertID: 1, LastAlertID: 1}, e.srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	var carried []string
	for name, v := range map[string]any{"slack": slack.Build(m), "teams": teams.Build(m), "webhook": m} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		carried = append(carried, name+" "+string(b))
	}
	for _, format := range []string{syslog.RFC5424, syslog.CEF} {
		carried = append(carried, "syslog-"+format+" "+strings.Join(syslog.Records(m, format, "hv", time.Now()), "\n"))
	}
	carried = append(carried, "mail "+m.Text(), "test-message "+notify.TestMessage(e.srv.URL, time.Now()).Text())
	link := regexp.MustCompile(regexp.QuoteMeta(e.srv.URL) + `[^\s"<>|\\]*`)
	c := e.browser()
	e.signIn(c, e.token(auth.Analyst))
	for _, msg := range carried {
		name, _, _ := strings.Cut(msg, " ")
		urls := link.FindAllString(msg, -1)
		if len(urls) == 0 {
			t.Errorf("%s message carries no link to the console: %s", name, msg)
		}
		for _, u := range urls {
			resp, body := e.request(c, "GET", u, "", nil)
			want := seededSentence
			if name == "test-message" {
				want = "<h1>Incidents</h1>" // the test message links the list
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("%s link %s: %d, page has the incident: %v", name, u, resp.StatusCode, strings.Contains(body, want))
			}
		}
	}
}

// withoutScripts drops the console's own script tags (files served from
// /static/, which the CSP allows) so that inlineCode finds inline code only.
func withoutScripts(page string) string {
	return consoleScript.ReplaceAllString(page, "")
}

var consoleScript = regexp.MustCompile(`<script src="/static/[a-z]+\.js" defer></script>`)

// A request without a token (the SDK's auth challenge) is logged with an
// address and no identity: "others on the vault" shows it as unauthenticated
// requests from that address, after the callers with an identity, in the
// page and in the API alike — never as a caller named by its IP.
func TestOthersOnTheVaultGroupUnauthenticatedRequests(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	at := time.Date(2026, 11, 20, 7, 30, 0, 0, time.UTC)
	other := func(at time.Time, c auditlog.Caller, status int) auditlog.Event {
		return auditlog.Event{Kind: auditlog.KindAudit, Time: at, VaultID: envVaultPay, VaultName: "kv-pay", ObjectType: registry.Secret,
			ObjectName: "app-setting", Operation: "SecretGet", ResultType: "Success", HTTPStatus: status,
			CorrelationID: "corr-" + at.Format("150405") + c.IP, Caller: c}
	}
	challenge := auditlog.Caller{IP: "127.0.0.1", ClientInfo: "azsdk-go-azsecrets/v1.5.1"}
	e.seedEvents(other(at, challenge, 401), other(at.Add(time.Minute), challenge, 401),
		other(at.Add(2*time.Minute), auditlog.Caller{ObjectID: "bob-oid", UPN: "bob@contoso.com", IP: "192.0.2.10"}, 200))

	c := e.browser()
	e.signIn(c, e.token(auth.Analyst))
	_, page := e.request(c, "GET", "/incidents/1", "", nil)
	side := page[strings.Index(page, "Others on the vault"):]
	for _, want := range []string{"bob@contoso.com", "Unauthenticated requests from 127.0.0.1", "2 requests without a token"} {
		if !strings.Contains(side, want) {
			t.Errorf("others on the vault lack %q:\n%s", want, side)
		}
	}
	if strings.Contains(side, "<li>127.0.0.1") {
		t.Errorf("others on the vault name an address as a caller:\n%s", side)
	}
	if b, u := strings.Index(side, "bob@contoso.com"), strings.Index(side, "Unauthenticated"); b > u {
		t.Errorf("unauthenticated requests come before bob")
	}

	_, body := e.request(nil, "GET", "/api/v1/incidents/1", e.token(auth.Analyst), nil)
	var d api.IncidentDetail
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Related.Others) != 1 {
		t.Fatalf("others: %+v", d.Related.Others)
	}
	var got []string
	for _, o := range d.Related.Others[0].Callers {
		got = append(got, fmt.Sprintf("%s %s %d %v", o.Caller, o.IP, o.Events, o.Unauthenticated))
	}
	if want := "[bob-oid 192.0.2.10 1 false 127.0.0.1 127.0.0.1 2 true]"; fmt.Sprint(got) != want {
		t.Errorf("API others: got %v; want %s", got, want)
	}
}
