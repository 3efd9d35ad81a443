package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/testenv/browser"
)

// An analyst signs in with a token, opens the incident list and an
// incident, takes it and comments through the forms, sees a new incident
// arrive in the list without a reload, and opens the decoys — at 1280 px
// and at phone width, under the real CSP, with a screenshot of each page.
func TestIncidentsInABrowser(t *testing.T) {
	e := newEnv(t, func(_ *env, o *Options) { o.LiveRefresh = 200 * time.Millisecond })
	e.seedIncident()
	e.seedForeignIncident()
	e.seedRecentIncident()
	c := browser.Start(t, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	defer c.CheckProblems()

	c.Step("desktop size", chromedp.EmulateViewport(1280, 900))
	c.Step("open /incidents", chromedp.Navigate(e.srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.ID("token")))
	c.Step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("table.incidents")))
	list := c.Read("list", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"3 open", "Open 3", "Incident 1", "Incident 3", "mallory@contoso.com", "SecretGet", "Incidents by vault"} {
		if !strings.Contains(list, want) {
			t.Errorf("/incidents in the browser lacks %q:\n%s", want, list)
		}
	}
	// The console script ran under the CSP: times are in the viewer's zone,
	// the recent one relative, the exact UTC value still on hover.
	c.WaitFor("local times", `document.querySelector("td time").textContent.indexOf("UTC") < 0`)
	if got := c.Read("recent time", chromedp.Text(chromedp.CSS("td time"))); got != "1 h ago" {
		t.Errorf("the newest incident's first seen reads %q; want 1 h ago", got)
	}
	c.Screenshot("incidents")

	// A new incident appears without a reload.
	e.seedEvents(auditlog.Event{Kind: auditlog.KindAudit, Time: e.clk.Now().Add(-time.Minute), VaultID: envVaultHR, VaultName: "kv-hr",
		ObjectType: registry.Secret, ObjectName: foreignDecoy, Operation: "SecretGet", HTTPStatus: 403, CorrelationID: "corr-live",
		Caller: auditlog.Caller{ObjectID: "oscar-oid", UPN: "oscar@contoso.com", IP: "192.0.2.99"}})
	c.WaitFor("the new incident", `document.querySelector('a[href="/incidents/4"]') !== null`)
	if list := c.Read("list", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(list, "oscar@contoso.com") || !strings.Contains(list, "4 open") {
		t.Errorf("the list after a new incident:\n%s", list)
	}

	c.Step("open incident 1", chromedp.Click(chromedp.CSS(`a[href="/incidents/1"]`)), chromedp.WaitVisible(chromedp.CSS("h1.sentence")))
	if got := c.Read("sentence", chromedp.Text(chromedp.CSS("h1.sentence"))); got != seededSentence {
		t.Errorf("first line %q; want %q", got, seededSentence)
	}
	c.Screenshot("incident")
	c.Step("take it", chromedp.Click(chromedp.ID("take")))
	c.WaitFor("taken", `(document.querySelector("p.message.notice") || {}).textContent === "You took this incident."`)
	c.Step("comment", chromedp.SendKeys(chromedp.ID("comment"), "Checked with the payments team: not them."),
		chromedp.Click(chromedp.ID("add-comment")))
	c.WaitFor("commented", `(document.querySelector("p.message.notice") || {}).textContent === "Comment added."`)
	page := c.Read("incident", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"owner bootstrap:admin", "active", "Checked with the payments team: not them.", "SecretList", "kv-other"} {
		if !strings.Contains(page, want) {
			t.Errorf("incident page after take and comment lacks %q:\n%s", want, page)
		}
	}
	c.Screenshot("incident-worked")

	c.Step("open the decoys", chromedp.Navigate(e.srv.URL+"/honeytokens"), chromedp.WaitVisible(chromedp.CSS("table.decoys")))
	if got := c.Read("decoys", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, ownDecoy) || !strings.Contains(got, "Export Sentinel watchlist") {
		t.Errorf("/honeytokens in the browser:\n%s", got)
	}
	c.Screenshot("honeytokens")

	// At phone width every page fits: wide tables scroll inside the page.
	c.Step("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, p := range []struct{ path, name, ready string }{
		{"/incidents", "incidents-phone", "table.incidents"}, {"/incidents/1", "incident-phone", "h1.sentence"}, {"/honeytokens", "honeytokens-phone", "table.decoys"},
	} {
		c.Step("open "+p.path, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
		c.CheckFits(p.path + " on a phone")
		c.Screenshot(p.name)
	}

	// In a dark theme when the system asks for one.
	if _, err := chromedp.Call(c.Ctx, emulation.SetEmulatedMedia,
		emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	c.Step("dark", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/incidents/1"), chromedp.WaitVisible(chromedp.CSS("h1.sentence")))
	if bg := c.Read("background", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); bg != "rgb(20, 23, 28)" {
		t.Errorf("dark theme: body background %s", bg)
	}
	c.Screenshot("incident-dark")
	t.Logf("screenshots in %s", c.Shots)
}
