package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/testenv/browser"
)

// The home page in Chromium, under the real CSP: an admin and an owner each
// see their numbers at 1280 px and at phone width, where nothing is wider
// than the screen; a screenshot of each.
func TestHomeInABrowser(t *testing.T) {
	e := newEnv(t, withSources())
	e.seedHomeEstate()
	owner := e.token(auth.Owner, envSubPay)
	c := browser.Start(t, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	defer c.CheckProblems()
	desktop := chromedp.EmulateViewport(1280, 900)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))

	look := func(c *browser.Chrome, who string, wants ...string) {
		t.Helper()
		c.Step(who+" at 1280 px", desktop, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("home-coverage")))
		main := c.Read(who+"'s home", chromedp.Text(chromedp.CSS("main")))
		for _, w := range wants {
			if !strings.Contains(main, w) {
				t.Errorf("%s's home lacks %q:\n%s", who, w, main)
			}
		}
		c.Screenshot("home-" + who)
		c.Step(who+" on a phone", phone, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("home-coverage")))
		c.CheckFits(who + "'s home on a phone")
		c.Screenshot("home-" + who + "-phone")
	}

	c.Step("open the console", desktop, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	c.Step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("home-coverage")))
	look(c, "admin", "1 of 3 vaults covered", "3 open incidents (1 critical)", "trent@contoso.com read 3 decoy secrets in kv-pay", "1 source failing")

	o := c.Fresh()
	o.Step("open the console", desktop, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	o.Step("sign in as an owner", chromedp.SendKeys(chromedp.ID("token"), owner), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("home-coverage")))
	look(o, "owner", "1 of 2 vaults covered", "Accesses to your decoys")
	o.CheckProblems()
}
