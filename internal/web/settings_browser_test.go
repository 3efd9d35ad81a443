package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/testenv/browser"
)

// A browser signs in as an admin, follows Settings and opens each settings
// page at desktop and phone width (and one in a dark theme) under the real
// Content-Security-Policy, sends a test message and adds an allow rule with
// the keyboard's Enter. Each view is saved as a PNG for review.
func TestSettingsPagesInABrowser(t *testing.T) {
	ok, down := newHookReceiver(t, 200), newHookReceiver(t, 500)
	e := newEnv(t, withSettings(ok, down))
	c := browser.Start(t, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))
	desktop := chromedp.EmulateViewport(1280, 900)

	c.Step("desktop width", desktop)
	c.Step("open /settings", chromedp.Navigate(e.srv.URL+"/settings"), chromedp.WaitVisible(chromedp.ID("token")))
	c.Step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS(`ul.settings-list`)))
	overview := c.Read("overview", chromedp.Text(chromedp.CSS("main")))
	c.Screenshot("settings")
	for _, p := range []string{"sources", "notifications", "allow-rules", "planting"} {
		c.Step("open "+p, desktop, chromedp.Navigate(e.srv.URL+"/settings/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		c.CheckFits("/settings/" + p + " at 1280 px")
		c.Screenshot("settings-" + p)
		c.Step("phone width", phone)
		c.CheckFits("/settings/" + p + " at 390 px")
		c.Screenshot("settings-" + p + "-phone")
	}

	c.Step("send test", desktop, chromedp.Navigate(e.srv.URL+"/settings/notifications"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/notifications/ops/test"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.message.notice`)))
	notice := c.Read("notice", chromedp.Text(chromedp.CSS(`.message.notice`)))
	c.Screenshot("settings-notifications-sent")

	c.Step("add a rule", chromedp.Navigate(e.srv.URL+"/settings/allow-rules"), chromedp.WaitVisible(chromedp.ID("identity")),
		chromedp.SendKeys(chromedp.ID("identity"), "backup-sp"), chromedp.SendKeys(chromedp.ID("note"), "nightly backup\n"),
		chromedp.WaitVisible(chromedp.CSS(`.message.notice`)))
	rules := c.Read("rules", chromedp.Text(chromedp.CSS("main")))
	if _, err := chromedp.Call(c.Ctx, emulation.SetEmulatedMedia,
		emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	c.Step("dark", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.message.notice`)))
	c.Screenshot("settings-allow-rules-dark")

	for _, want := range []string{"Sources", "Notifications", "Allow rules", "Planting", "API tokens", "Audit trail", "Cluster", "1 failing"} {
		if !strings.Contains(overview, want) {
			t.Errorf("/settings lacks %q", want)
		}
	}
	if !strings.Contains(notice, "Test message sent through ops") {
		t.Errorf("after Send test: %q", notice)
	}
	if n, _ := ok.counts(); n != 1 {
		t.Errorf("receiver got %d messages; want 1", n)
	}
	if !strings.Contains(rules, "is stored") || !strings.Contains(rules, "backup-sp") || !strings.Contains(rules, "nightly backup") {
		t.Errorf("after adding a rule:\n%s", rules)
	}
	c.CheckProblems()
	t.Logf("screenshots in %s", c.Shots)
}
