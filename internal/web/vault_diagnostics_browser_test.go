package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv/browser"
)

// A vault whose diagnostics check found AuditEvent going elsewhere is at
// risk on /vaults with the reason first, and its page shows the reason and
// the az fix, which wraps rather than widens the page at phone width.
func TestVaultDiagnosticsInABrowser(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	e.recordFor(envVaultPay, "kv-pay")
	const fix = "az monitor diagnostic-settings create --name honeyvault --resource " + envVaultPay +
		` --logs '[{"category":"AuditEvent","enabled":true}]' --event-hub insights-logs-auditevent --event-hub-rule ` +
		"/subscriptions/" + envSubPay + "/resourceGroups/rg-soc/providers/Microsoft.EventHub/namespaces/hv-soc/authorizationRules/RootManageSharedAccessKey"
	if err := e.st.RecordAuditPath(context.Background(), store.AuditPath{VaultID: envVaultPay, State: "elsewhere",
		Reason: "AuditEvent goes only to destinations honeyvault does not read (diagnostic setting exfil)", Fix: fix}); err != nil {
		t.Fatal(err)
	}
	c := browser.Start(t, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	c.Step("desktop width", chromedp.EmulateViewport(1280, 900))
	c.Step("open /vaults", chromedp.Navigate(e.srv.URL+"/vaults"), chromedp.WaitVisible(chromedp.ID("token")))
	c.Step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("coverage-headline")))
	list := c.Read("list", chromedp.Text(chromedp.CSS("main")))
	c.Step("open kv-pay", chromedp.Click(chromedp.CSS(`a[href$="/vaults/kv-pay"]`)), chromedp.WaitVisible(chromedp.ID("diagnostics-fix")))
	state := c.Read("state", chromedp.Text(chromedp.ID("vault-state")))
	why := c.Read("diagnostics", chromedp.Text(chromedp.ID("diagnostics-state")))
	shown := c.Read("fix", chromedp.Text(chromedp.ID("diagnostics-fix")))
	c.CheckFits("kv-pay's fix at 1280 px")
	c.Screenshot("vault-diagnostics")
	c.Step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	c.CheckFits("kv-pay's fix at 390 px")
	c.Screenshot("vault-diagnostics-phone")

	if !strings.Contains(list, "diagnostic settings: AuditEvent goes only to destinations honeyvault does not read") {
		t.Errorf("/vaults does not give the finding as kv-pay's reason:\n%s", list)
	}
	if !strings.Contains(state, "at risk") || !strings.Contains(why, "does not read") || shown != fix {
		t.Errorf("kv-pay's page: state %q, diagnostics %q, fix %q", state, why, shown)
	}
	c.CheckProblems()
}
