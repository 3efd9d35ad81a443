package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/testenv/browser"
)

// A real browser signs in through the console, creates a token and signs
// out, under the real Content-Security-Policy: the stylesheet must apply and
// the browser must report no violation or error on the way.
func TestConsoleInABrowser(t *testing.T) {
	e := newEnv(t)
	c := browser.Start(t, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	c.Step("open /tokens", chromedp.Navigate(e.srv.URL+"/tokens"), chromedp.WaitVisible(chromedp.ID("token")))
	url := c.Read("location", chromedp.Location())
	c.Step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("name"))) // back on /tokens, signed in
	headerBG := c.Read("header style", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.top")).backgroundColor`))
	home := c.Read("header", chromedp.Text(chromedp.CSS("header.top")))
	c.Step("create a token", chromedp.SendKeys(chromedp.ID("name"), "browser-made"),
		chromedp.SetValue(chromedp.ID("role"), "ingest"), chromedp.Submit(chromedp.ID("name")),
		chromedp.WaitVisible(chromedp.CSS("input.secret")))
	token := c.Read("token", chromedp.Value(chromedp.CSS("input.secret")))
	created := c.Read("page", chromedp.Text(chromedp.CSS("main")))
	c.Step("sign out", chromedp.Click(chromedp.CSS("header.top form button")), chromedp.WaitVisible(chromedp.CSS(`input[type="password"]`)))

	if !strings.Contains(url, "/login?next=") {
		t.Errorf("anonymous browser landed on %s; want the sign-in page", url)
	}
	if headerBG == "" || headerBG == "rgba(0, 0, 0, 0)" {
		t.Errorf("the stylesheet did not apply (header background %q)", headerBG)
	}
	if !strings.Contains(home, "admin") || !strings.Contains(home, "Sign out") {
		t.Errorf("header after sign-in: %q", home)
	}
	if !strings.HasPrefix(token, "hvt_") || !strings.Contains(created, "shown only this once") {
		t.Errorf("token page: %q, token %q", created, token)
	}
	if got, want := e.auditActions(), "auth.sign_out token.create auth.sign_in"; got != want {
		t.Errorf("audit: got %q; want %q", got, want)
	}
	c.CheckProblems()
}
