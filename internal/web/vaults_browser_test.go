package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/testenv/browser"
)

// A browser signs in, opens /vaults and a vault's page at desktop and
// phone width (and /vaults in a dark theme), under the real
// Content-Security-Policy: each page says what it must, nothing overflows
// sideways, and the browser reports no problem. Each view is saved as a
// PNG for review (see internal/testenv/browser).
func TestVaultPagesInABrowser(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	e.recordFor(envVaultPay, "kv-pay")
	e.plantCanary(ownDecoy, canary.KindDNS)
	c := browser.Start(t, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))

	c.Step("desktop width", chromedp.EmulateViewport(1280, 900))
	c.Step("open /vaults", chromedp.Navigate(e.srv.URL+"/vaults"), chromedp.WaitVisible(chromedp.ID("token")))
	c.Step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("coverage-headline")))
	headline := c.Read("headline", chromedp.Text(chromedp.ID("coverage-headline")))
	list := c.Read("list", chromedp.Text(chromedp.CSS("main")))
	color := c.Read("state colour", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("td .state.covered")).color`))
	c.CheckFits("/vaults at 1280 px")
	c.Screenshot("vaults")
	c.Step("phone width", phone)
	c.CheckFits("/vaults at 390 px")
	c.Screenshot("vaults-phone")

	c.Step("open kv-pay", chromedp.EmulateViewport(1280, 900), chromedp.Click(chromedp.CSS(`a[href$="/vaults/kv-pay"]`)), chromedp.WaitVisible(chromedp.ID("reasons")))
	state := c.Read("state", chromedp.Text(chromedp.ID("vault-state")))
	page := c.Read("vault page", chromedp.Text(chromedp.CSS("main")))
	c.CheckFits("kv-pay at 1280 px")
	c.Screenshot("vault")
	c.Step("phone width", phone)
	c.CheckFits("kv-pay at 390 px")
	c.Screenshot("vault-phone")

	if _, err := chromedp.Call(c.Ctx, emulation.SetEmulatedMedia,
		emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	c.Step("dark", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/vaults"), chromedp.WaitVisible(chromedp.ID("coverage-headline")))
	darkColor := c.Read("state colour, dark", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("td .state.covered")).color`))
	c.Screenshot("vaults-dark")

	if headline != "1 of 3 vaults covered" {
		t.Errorf("headline: %q", headline)
	}
	for _, want := range []string{"Contoso Payments", "Contoso HR", "covered", "at risk", "not covered", "kv-legacy-batch", "no decoy planted"} {
		if !strings.Contains(list, want) {
			t.Errorf("/vaults lacks %q", want)
		}
	}
	if color == "" || color == "rgb(29, 35, 48)" {
		t.Errorf("the covered state is not coloured (%q): the stylesheet did not apply", color)
	}
	if darkColor == color {
		t.Errorf("the covered state keeps its light colour %s in the dark theme", color)
	}
	if !strings.Contains(state, "covered") || !strings.Contains(page, "Why it is covered") || !strings.Contains(page, ownDecoy) ||
		!strings.Contains(page, "canary · dns") {
		t.Errorf("kv-pay's page: state %q\n%s", state, page)
	}
	c.CheckProblems()
	t.Logf("screenshots in %s", c.Shots)
}
