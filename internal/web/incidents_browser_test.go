package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// chrome is a headless Chromium for one test, with what it reported: errors
// in its log (a CSP violation is one), console errors and exceptions.
type chrome struct {
	t        *testing.T
	ctx      context.Context
	mu       sync.Mutex
	problems []string
	shots    string // the directory screenshots go to
}

// newChrome starts Chromium (skipping where it is not installed, failing
// in CI) and watches what it reports.
func newChrome(t *testing.T) *chrome {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Unavailable(t, "chromium: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	t.Cleanup(cancel)
	c := &chrome{t: t, ctx: ctx, shots: os.Getenv("HONEYVAULT_SCREENSHOTS")}
	if c.shots == "" {
		c.shots = t.TempDir()
	} else if err := os.MkdirAll(c.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Listen(ctx, func(ev any) {
		c.mu.Lock()
		defer c.mu.Unlock()
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError && !strings.Contains(ev.Entry.URL, "favicon") {
				c.problems = append(c.problems, ev.Entry.Source.String()+": "+ev.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				c.problems = append(c.problems, "console error")
			}
		case *runtime.EventExceptionThrown:
			c.problems = append(c.problems, "exception: "+ev.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *chrome) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, actions...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

func (c *chrome) read(what string, a chromedp.Action[string]) string {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, a)
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor waits until the expression is true in the page: the state, not a
// time.
func (c *chrome) waitFor(what, expr string) {
	c.t.Helper()
	var err error
	for range 20 {
		// A form's answer may replace the page under the poll ("navigated
		// or closed", "cannot find context"): ask the new page.
		if _, err = chromedp.Run(c.ctx, chromedp.Poll[bool](expr)); err == nil || c.ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		c.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// screenshot saves the whole page as name.png.
func (c *chrome) screenshot(name string) {
	c.t.Helper()
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(c.shots, name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// checkProblems fails the test for anything the browser reported.
func (c *chrome) checkProblems() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.problems {
		c.t.Errorf("browser reported: %s", p)
	}
}

// An analyst signs in with a token, opens the incident list and an
// incident, takes it and comments through the forms, sees a new incident
// arrive in the list without a reload, and opens the decoys — at 1280 px
// and at phone width, under the real CSP, with a screenshot of each page.
func TestIncidentsInABrowser(t *testing.T) {
	e := newEnv(t, func(_ *env, o *Options) { o.LiveRefresh = 200 * time.Millisecond })
	e.seedIncident()
	e.seedForeignIncident()
	e.seedRecentIncident()
	c := newChrome(t)
	defer c.checkProblems()

	c.step("desktop size", chromedp.EmulateViewport(1280, 900))
	c.step("open /incidents", chromedp.Navigate(e.srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.ID("token")))
	c.step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("table.incidents")))
	list := c.read("list", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"3 open", "Open 3", "Incident 1", "Incident 3", "mallory@contoso.com", "SecretGet", "Incidents by vault"} {
		if !strings.Contains(list, want) {
			t.Errorf("/incidents in the browser lacks %q:\n%s", want, list)
		}
	}
	// The console script ran under the CSP: times are in the viewer's zone,
	// the recent one relative, the exact UTC value still on hover.
	c.waitFor("local times", `document.querySelector("td time").textContent.indexOf("UTC") < 0`)
	if got := c.read("recent time", chromedp.Text(chromedp.CSS("td time"))); got != "1 h ago" {
		t.Errorf("the newest incident's first seen reads %q; want 1 h ago", got)
	}
	c.screenshot("incidents")

	// A new incident appears without a reload.
	e.seedEvents(auditlog.Event{Kind: auditlog.KindAudit, Time: e.clk.Now().Add(-time.Minute), VaultID: envVaultHR, VaultName: "kv-hr",
		ObjectType: registry.Secret, ObjectName: foreignDecoy, Operation: "SecretGet", HTTPStatus: 403, CorrelationID: "corr-live",
		Caller: auditlog.Caller{ObjectID: "oscar-oid", UPN: "oscar@contoso.com", IP: "192.0.2.99"}})
	c.waitFor("the new incident", `document.querySelector('a[href="/incidents/4"]') !== null`)
	if list := c.read("list", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(list, "oscar@contoso.com") || !strings.Contains(list, "4 open") {
		t.Errorf("the list after a new incident:\n%s", list)
	}

	c.step("open incident 1", chromedp.Click(chromedp.CSS(`a[href="/incidents/1"]`)), chromedp.WaitVisible(chromedp.CSS("h1.sentence")))
	if got := c.read("sentence", chromedp.Text(chromedp.CSS("h1.sentence"))); got != seededSentence {
		t.Errorf("first line %q; want %q", got, seededSentence)
	}
	c.screenshot("incident")
	c.step("take it", chromedp.Click(chromedp.ID("take")))
	c.waitFor("taken", `(document.querySelector("p.message.notice") || {}).textContent === "You took this incident."`)
	c.step("comment", chromedp.SendKeys(chromedp.ID("comment"), "Checked with the payments team: not them."),
		chromedp.Click(chromedp.ID("add-comment")))
	c.waitFor("commented", `(document.querySelector("p.message.notice") || {}).textContent === "Comment added."`)
	page := c.read("incident", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"owner bootstrap:admin", "active", "Checked with the payments team: not them.", "SecretList", "kv-other"} {
		if !strings.Contains(page, want) {
			t.Errorf("incident page after take and comment lacks %q:\n%s", want, page)
		}
	}
	c.screenshot("incident-worked")

	c.step("open the decoys", chromedp.Navigate(e.srv.URL+"/honeytokens"), chromedp.WaitVisible(chromedp.CSS("table.decoys")))
	if got := c.read("decoys", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, ownDecoy) || !strings.Contains(got, "Export Sentinel watchlist") {
		t.Errorf("/honeytokens in the browser:\n%s", got)
	}
	c.screenshot("honeytokens")

	// At phone width every page fits: wide tables scroll inside the page.
	c.step("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, p := range []struct{ path, name, ready string }{
		{"/incidents", "incidents-phone", "table.incidents"}, {"/incidents/1", "incident-phone", "h1.sentence"}, {"/honeytokens", "honeytokens-phone", "table.decoys"},
	} {
		c.step("open "+p.path, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
		if fits := c.read("width", chromedp.Evaluate[string](`String(document.documentElement.scrollWidth <= window.innerWidth)`)); fits != "true" {
			w := c.read("width", chromedp.Evaluate[string](`document.documentElement.scrollWidth + " > " + window.innerWidth`))
			t.Errorf("%s is wider than a phone: %s", p.path, w)
		}
		c.screenshot(p.name)
	}

	// In a dark theme when the system asks for one.
	if _, err := chromedp.Call(c.ctx, emulation.SetEmulatedMedia,
		emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	c.step("dark", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/incidents/1"), chromedp.WaitVisible(chromedp.CSS("h1.sentence")))
	if bg := c.read("background", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); bg != "rgb(20, 23, 28)" {
		t.Errorf("dark theme: body background %s", bg)
	}
	c.screenshot("incident-dark")
	t.Logf("screenshots in %s", c.shots)
}
