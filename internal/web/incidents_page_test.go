package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// seedRecentIncident stores a purge of ownDecoy an hour before the test's
// clock by another caller: incident 3, critical-free, in the last 24 hours.
func (e *env) seedRecentIncident() {
	e.t.Helper()
	e.seedEvents(auditlog.Event{Kind: auditlog.KindAudit, Time: e.clk.Now().Add(-time.Hour), VaultID: envVaultPay, VaultName: "kv-pay",
		ObjectType: registry.Secret, ObjectName: ownDecoy, Operation: "SecretPurge", HTTPStatus: 204, CorrelationID: "corr-recent",
		Caller: auditlog.Caller{ObjectID: "trent-oid", UPN: "trent@contoso.com", IP: "192.0.2.44"}})
}

func TestIncidentsPageListsFiltersAndCharts(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	e.seedForeignIncident()
	e.seedRecentIncident()
	c := e.browser()
	e.signIn(c, e.token(auth.Analyst))

	resp, body := e.request(c, "GET", "/incidents", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /incidents: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`<strong>3</strong> open`, `href="/incidents?state=closed"`, `aria-current="true">Open <span class="count">3</span>`,
		`<a href="/incidents/1" title="` + incident.TitleSecret + `">Incident 1</a>`, `<a href="/incidents/3" title="` + incident.TitleSecret + `">Incident 3</a>`,
		`<span class="op hot">SecretGet</span>`, `<span class="op hot">SecretBackup</span>`, `<span class="op hot">SecretPurge</span>`,
		"<code>" + ownDecoy + "</code>", "mallory@contoso.com", "app eve-app", "trent@contoso.com",
		`aria-label="Incidents by vault"`, `<rect class="bar"`, `<a href="/incidents?vault=kv-pay">kv-pay</a>`, `<title>kv-pay: 2</title>`,
		`aria-label="Incidents per day, last 30 days"`, `data-live-newest="3"`, `<a href="/incidents" aria-current="page">Incidents</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/incidents lacks %q", want)
		}
	}
	if m := inlineCode.FindString(withoutScripts(body)); m != "" {
		t.Errorf("/incidents has inline code %q", m)
	}
	if i, j := strings.Index(body, "Incident 3<"), strings.Index(body, "Incident 1<"); i < 0 || j < i {
		t.Errorf("the newest incident is not first")
	}

	for _, tt := range []struct {
		query      string
		want, lack []string
	}{
		{"?vault=kv-hr", []string{"Incident 2<", "<strong>1</strong> open", "in these filters", "Clear filters"}, []string{"Incident 1<", "Incident 3<"}},
		{"?range=24h", []string{"Incident 3<", `<option value="24h" selected>`, `aria-label="Incidents per day"`}, []string{"Incident 1<", "Incident 2<"}},
		{"?range=30d&severity=high", []string{"Incident 1<", "Incident 2<"}, []string{"Incident 3<"}},
		{"?before=2", []string{"Incident 1<", `<a href="/incidents">Newest</a>`}, []string{"Incident 2<", "Incident 3<", "data-live-newest"}},
		{"?state=closed", []string{"No closed incidents here.", `aria-current="true">Closed`}, []string{"Incident 1<"}},
		{"?severity=critical", []string{"match these filters", `<a href="/incidents">Clear the filters</a>`}, []string{"Incident 1<"}},
	} {
		resp, body := e.request(c, "GET", "/incidents"+tt.query, "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", tt.query, resp.StatusCode)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: lacks %q", tt.query, w)
			}
		}
		for _, l := range tt.lack {
			if strings.Contains(body, l) {
				t.Errorf("%s: has %q", tt.query, l)
			}
		}
	}
	for _, q := range []string{"?state=done", "?severity=low", "?range=1y", "?before=x", "?before=0", "?vault=kv%20pay"} {
		if resp, _ := e.request(c, "GET", "/incidents"+q, "", nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d; want 400", q, resp.StatusCode)
		}
	}
}

func TestIncidentsPagePages(t *testing.T) {
	e := newEnv(t)
	var evs []auditlog.Event
	for i := range incidentsPageSize + 1 {
		evs = append(evs, auditlog.Event{Kind: auditlog.KindAudit, Time: e.clk.Now().Add(-time.Duration(i) * time.Minute), VaultID: envVaultPay,
			VaultName: "kv-pay", ObjectType: registry.Secret, ObjectName: ownDecoy, Operation: "SecretGet", HTTPStatus: 200,
			CorrelationID: fmt.Sprint("corr-", i), Caller: auditlog.Caller{ObjectID: fmt.Sprint("caller-", i)}})
	}
	e.seedEvents(evs...)
	c := e.browser()
	e.signIn(c, adminToken)
	_, first := e.request(c, "GET", "/incidents?severity=high", "", nil)
	if !strings.Contains(first, `<a href="/incidents?before=2&amp;severity=high">Older incidents</a>`) || strings.Contains(first, "Incident 1<") {
		t.Fatalf("first page: no link to the older incident, or it is already shown")
	}
	_, older := e.request(c, "GET", "/incidents?before=2&severity=high", "", nil)
	if !strings.Contains(older, "Incident 1<") || strings.Contains(older, "Older incidents") || !strings.Contains(older, `<a href="/incidents?severity=high">Newest</a>`) {
		t.Errorf("second page: %s", older)
	}
}

func TestIncidentsPageEmptyStateTeaches(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.signIn(c, adminToken)
	_, body := e.request(c, "GET", "/incidents", "", nil)
	for _, want := range []string{"No incidents yet", "honeyvault plant", `href="/honeytokens"`, "ingest status", "honeyvault lab"} {
		if !strings.Contains(body, want) {
			t.Errorf("empty /incidents lacks %q", want)
		}
	}
	if strings.Contains(body, "<svg") {
		t.Errorf("empty /incidents draws charts")
	}
}

func TestDayChart(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	all := drawDays(map[time.Time]int{day(20): 4, day(19): 1, day(1).AddDate(0, -1, 0): 9}, time.Time{}, now)
	if len(all.Bars) != 30 || all.First != "Oct 22" || all.Last != "Nov 20" {
		t.Fatalf("all time: %d bars, %s to %s", len(all.Bars), all.First, all.Last)
	}
	last := all.Bars[29]
	if last.H != 90 || last.Y != 10 || last.Title != "2026-11-20: 4 incidents" {
		t.Errorf("the busiest day: %+v", last)
	}
	if b := all.Bars[28]; b.H != 22 || b.Title != "2026-11-19: 1 incident" {
		t.Errorf("a quiet day: %+v", b)
	}
	if b := all.Bars[0]; b.H != 0 {
		t.Errorf("an empty day: %+v", b)
	}
	week := drawDays(nil, now.Add(-7*24*time.Hour), now)
	if len(week.Bars) != 8 || week.Caption != "Incidents per day" {
		t.Errorf("7 days: %d bars, %q", len(week.Bars), week.Caption)
	}
	r := drawRanking("x", []store.Bucket{{Key: "a", N: 10}, {Key: "a-very-long-vault-name-indeed", N: 1}}, nil)
	if r.Bars[0].W != maxBarWidth || r.Bars[1].W != 12 || r.Bars[1].Label != "a-very-long-vau…" || r.Height != 2*rowHeight {
		t.Errorf("ranking: %+v", r)
	}
}
