package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Two more decoys in kv-pay, so that one caller can read three decoys: a
// critical incident.
const (
	extraDecoyA = "Stripe-Live-Key"
	extraDecoyB = "Payroll-Api-Token"
)

// withSources gives the server one running and one failing live source.
func withSources() envOption {
	return func(e *env, o *Options) {
		o.Sources = func() []source.Status {
			return []source.Status{
				{Name: "eventhub-weu", Kind: "eventhubs", State: source.StateRunning},
				{Name: "archive", Kind: "blobs", State: source.StateBackoff, LastError: "list blobs: 403"},
			}
		}
	}
}

// seedHomeEstate stores three vaults (one covered, one at risk, one not),
// three open incidents (one critical, made last) and an unreadable record.
func (e *env) seedHomeEstate() {
	e.t.Helper()
	ctx := context.Background()
	e.seedVaults()
	e.recordFor(envVaultPay, "kv-pay")
	e.seedIncident()
	e.seedForeignIncident()
	if _, err := e.st.ImportDecoys(ctx, []registry.Decoy{
		{VaultID: envVaultPay, Name: extraDecoyA, Type: registry.Secret, CreatedBy: "test"},
		{VaultID: envVaultPay, Name: extraDecoyB, Type: registry.Secret, CreatedBy: "test"},
	}); err != nil {
		e.t.Fatal(err)
	}
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	trent := auditlog.Caller{ObjectID: "trent-oid", UPN: "trent@contoso.com", IP: "198.51.100.20"}
	var evs []auditlog.Event
	for i, d := range []string{ownDecoy, extraDecoyA, extraDecoyB} {
		evs = append(evs, auditlog.Event{Kind: auditlog.KindAudit, Time: at.Add(time.Duration(i) * time.Minute), VaultID: envVaultPay,
			VaultName: "kv-pay", ObjectType: registry.Secret, ObjectName: d, Operation: "SecretGet", HTTPStatus: 200,
			CorrelationID: fmt.Sprintf("corr-trent-%d", i), Caller: trent})
	}
	e.seedEvents(evs...)
	if _, err := e.st.Accept(ctx, []store.Batch{{Source: "test", DeadLetters: []store.DeadLetter{{Reason: "not JSON", Raw: "garbage"}}}}, nil); err != nil {
		e.t.Fatal(err)
	}
}

var (
	homeIncidentRE = regexp.MustCompile(`<a href="/incidents/(\d+)">([^<]*)</a>`)
	sentenceRE     = regexp.MustCompile(`<h1 class="sentence">([^<]*)</h1>`)
)

// The home page answers at a glance: how much is covered (linking the
// states short of it), the open incidents by severity and the newest in
// plain words, and, for admins, whether ingestion is healthy.
func TestHomeAtAGlance(t *testing.T) {
	e := newEnv(t, withSources())
	e.seedHomeEstate()

	resp, page := e.request(nil, "GET", "/", adminToken, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	mustContain(t, "admin home", page,
		`id="home-coverage">1 of 3 vaults covered</a>`, `<meter min="0" max="3" value="1"`,
		`href="/vaults?state=at-risk"`, "1 at risk", `href="/vaults?state=not-covered"`, "1 not covered", "4 active decoys in them",
		`id="home-incidents">3 open incidents (1 critical)</a>`,
		`href="/incidents?severity=critical"><span class="badge sev-critical">critical</span> <span class="count">1</span>`,
		`href="/incidents?severity=high"><span class="badge sev-high">high</span> <span class="count">2</span>`,
		`id="home-ingestion">1 source failing</a>`, "1 unreadable record</a>")
	mustNotContain(t, "admin home", page, `severity=medium`, "All 3 open incidents")
	noDecoyIn(t, "admin home", page)
	mustNotContain(t, "admin home", page, extraDecoyA, extraDecoyB)
	if strings.Index(page, "sev-critical") > strings.Index(page, "sev-high") {
		t.Errorf("critical does not come first")
	}
	if m := inlineCode.FindString(page); m != "" {
		t.Errorf("home page has inline code %q", m)
	}

	// The newest first, each in the words its own page leads with.
	c := e.browser()
	e.signIn(c, e.token(auth.Analyst))
	lines := homeIncidentRE.FindAllStringSubmatch(page, -1)
	var ids []string
	for _, l := range lines {
		ids = append(ids, l[1])
		_, incident := e.request(c, "GET", "/incidents/"+l[1], "", nil)
		m := sentenceRE.FindStringSubmatch(incident)
		if m == nil || m[1] != l[2] {
			t.Errorf("home says %q of incident %s; its page %q", html.UnescapeString(l[2]), l[1], m)
		}
	}
	if got, want := strings.Join(ids, " "), "3 2 1"; got != want {
		t.Errorf("incidents on the home page: %s; want %s", got, want)
	}
	if len(lines) > 0 && !strings.HasPrefix(html.UnescapeString(lines[0][2]), "trent@contoso.com read 3 decoy secrets in kv-pay") {
		t.Errorf("the newest incident reads %q", lines[0][2])
	}

	// An analyst: coverage and incidents, no settings.
	_, page = e.request(nil, "GET", "/", e.token(auth.Analyst), nil)
	mustContain(t, "analyst home", page, "1 of 3 vaults covered", "3 open incidents (1 critical)")
	mustNotContain(t, "analyst home", page, "home-ingestion", "/settings/sources", "unreadable")

	// An owner of the payments subscription: its vaults only, no incident
	// (not even a count), and where accesses to its decoys are told.
	_, page = e.request(nil, "GET", "/", e.token(auth.Owner, envSubPay), nil)
	mustContain(t, "owner home", page, `id="home-coverage">1 of 2 vaults covered</a>`, "1 not covered", "3 active decoys in them", "Accesses to your decoys",
		"notification channel", "subscriptions "+envSubPay)
	mustNotContain(t, "owner home", page, "open incident", `href="/incidents`, "home-ingestion", "kv-hr", "critical", "at risk")
	noDecoyIn(t, "owner home", page)
}

// A new install's home page teaches: how to connect a subscription and
// plant, what an incident is, where records come from; an owner is told
// to ask an admin.
func TestHomeEmptyStatesTeach(t *testing.T) {
	e := newEnv(t)
	_, page := e.request(nil, "GET", "/", adminToken, nil)
	mustContain(t, "new install's home", page, "No vault discovered yet", "<strong>Reader</strong> role", "honeyvault plant --all --dry-run",
		"0 open incidents", "No incident yet", "honeyvault lab --selftest", "Records arrive by HTTP push", "No unreadable record")
	_, page = e.request(nil, "GET", "/", e.token(auth.Owner, envSubPay), nil)
	mustContain(t, "owner's empty home", page, "No vault of your scope is known yet", "ask your honeyvault admin")
	mustNotContain(t, "owner's empty home", page, "Reader", "Discover vaults now")

	// Every vault not covered: say how to plant. A closed incident only:
	// nothing open, and where the closed ones are.
	e.seedVaults()
	e.seedIncident()
	for _, id := range []int64{1, 2} {
		if err := e.st.SetDecoyStatus(context.Background(), id, registry.Retired, nil, store.AuditEntry{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.browser()
	csrf := e.signIn(c, adminToken)
	if resp, _ := e.postForm(c, "/incidents/1/close", map[string][]string{"csrf_token": {csrf}, "classification": {"true_positive"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("closing incident 1: %d", resp.StatusCode)
	}
	_, page = e.request(c, "GET", "/", "", nil)
	mustContain(t, "home with nothing covered", page, "0 of 3 vaults covered", "3 not covered", "No vault holds a decoy yet",
		"0 open incidents", "no incident is open", `href="/incidents?state=closed">1 closed</a>`)
}
