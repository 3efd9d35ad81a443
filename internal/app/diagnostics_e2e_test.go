package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

const (
	// socNamespace is the Event Hubs namespace activityHub belongs to: the
	// one honeyvault reads (diagnostics.destinations).
	socNamespace = "/subscriptions/" + invSubProd + "/resourceGroups/rg-soc/providers/Microsoft.EventHub/namespaces/hv-soc"
	// exfilHub is a namespace honeyvault does not read.
	exfilHub = "/subscriptions/" + invSubDev + "/resourceGroups/rg-x/providers/Microsoft.EventHub/namespaces/exfil/authorizationRules/send"
)

// newDiagEnv is the tamper estate with serve knowing that it reads the SOC
// namespace, signed in to the emulator, discovery on, and the diagnostics
// check run only when asked (POST /api/v1/diagnostics).
func newDiagEnv(t *testing.T) *tamperEnv {
	t.Helper()
	return newDiagEnvOn(t, "")
}

// newDiagEnvOn is newDiagEnv with serve's database at db (SQLite in a
// temporary directory when empty).
func newDiagEnvOn(t *testing.T, db string) *tamperEnv {
	t.Helper()
	env := newTamperEnvWith(t, func(c *config.Config) {
		c.Diagnostics.Destinations = []string{socNamespace}
		c.Diagnostics.Interval, c.Reconcile.Interval = "off", "off"
		if db != "" {
			c.DB = db
		}
	})
	ingesttest.Eventually(t, time.Minute, "kv-pay discovered", func() bool {
		_, err := env.srv.Store.GetVault(context.Background(), kvPayID)
		return err == nil
	})
	return env
}

// check runs the diagnostics check through the API and returns kv-pay's
// outcome.
func (env *tamperEnv) check(t *testing.T) api.VaultDiagnostics {
	t.Helper()
	var rep api.DiagnosticsReport
	if code := apiCall(t, env.srv, "POST", "/api/v1/diagnostics", adminToken, &rep); code != http.StatusOK {
		t.Fatalf("POST /api/v1/diagnostics: %d", code)
	}
	if len(rep.Vaults) != 1 || !strings.EqualFold(rep.Vaults[0].VaultID, kvPayID) || len(rep.Errors) != 0 {
		t.Fatalf("report %+v; want kv-pay alone (kv-dev holds no decoy)", rep)
	}
	return rep.Vaults[0]
}

// vault reads kv-pay as GET /api/v1/vaults/{id} shows it.
func (env *tamperEnv) vault(t *testing.T) api.Vault {
	t.Helper()
	var d api.VaultDetail
	if code := apiCall(t, env.srv, "GET", "/api/v1/vaults"+kvPayID, adminToken, &d); code != http.StatusOK {
		t.Fatalf("GET vault: %d", code)
	}
	return d.Vault
}

// putSetting writes kv-pay's audit-to-soc setting through Resource Manager as id.
func (env *tamperEnv) putSetting(t *testing.T, id kvemu.Identity, rule string, logs []map[string]any) {
	t.Helper()
	body := map[string]any{"properties": map[string]any{"eventHubAuthorizationRuleId": rule, "logs": logs,
		"metrics": []map[string]any{{"category": "AllMetrics", "enabled": true}}}}
	if code := env.arm(t, id, "PUT", kvPayID+"/providers/Microsoft.Insights/diagnosticSettings/audit-to-soc", body); code != http.StatusOK {
		t.Fatalf("PUT setting: %d", code)
	}
}

var auditOn = []map[string]any{{"category": "AuditEvent", "enabled": true}}

// doubted reports whether kv-pay's coverage names the diagnostics check.
func doubted(v api.Vault) string {
	for _, r := range v.Coverage.Reasons {
		if strings.HasPrefix(r, "diagnostic settings: ") {
			return r
		}
	}
	return ""
}

// A healthy vault has no finding; deleting its setting alerts once and the
// check then finds no setting, shows the fix in the API and on the vault
// page, and marks the vault at risk; putting the setting back clears it.
// On SQLite and PostgreSQL.
func TestDiagnosticsSettingDeletedAndFixed(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { diagnosticsSettingDeletedAndFixed(t, newDiagEnv(t)) })
	t.Run("postgres", func(t *testing.T) { diagnosticsSettingDeletedAndFixed(t, newDiagEnvOn(t, testenv.Postgres(t))) })
}

func diagnosticsSettingDeletedAndFixed(t *testing.T, env *tamperEnv) {
	t.Helper()
	if got := env.check(t); got.State != "ok" || got.Reason != "" || got.Fix != "" {
		t.Fatalf("healthy vault: %+v", got)
	}
	if v := env.vault(t); v.Diagnostics == nil || v.Diagnostics.State != "ok" || doubted(v) != "" {
		t.Fatalf("healthy vault's coverage: %+v", v)
	}

	if code := env.arm(t, mallory, "DELETE", kvPayID+"/providers/Microsoft.Insights/diagnosticSettings/audit-to-soc", nil); code != http.StatusOK {
		t.Fatalf("delete: %d", code)
	}
	if p := env.notification(t); len(p.Alerts) != 1 || p.Alerts[0].Operation != "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE" {
		t.Fatalf("notification %+v", p)
	}
	env.stored(t, "kv-pay", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", 2)
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 1 {
		t.Fatalf("incidents %+v; want one of one alert", ins)
	}

	got := env.check(t)
	wantFix := "az monitor diagnostic-settings create --name honeyvault --resource " + kvPayID +
		` --logs '[{"category":"AuditEvent","enabled":true}]' --event-hub insights-logs-auditevent --event-hub-rule ` + socNamespace + "/authorizationRules/RootManageSharedAccessKey"
	if got.State != "no-setting" || !strings.Contains(got.Reason, "no diagnostic setting") || got.Fix != wantFix {
		t.Fatalf("after the deletion: %+v\nwant fix %s", got, wantFix)
	}
	v := env.vault(t)
	if v.Coverage.State != "at-risk" || !strings.Contains(doubted(v), "no diagnostic setting") || v.Diagnostics == nil || v.Diagnostics.Fix != wantFix {
		t.Errorf("coverage after the deletion: %+v", v)
	}
	page := env.srv.page(t, "/vaults"+kvPayID)
	if !strings.Contains(page, "no diagnostic setting") || !strings.Contains(page, "az monitor diagnostic-settings create --name honeyvault --resource "+kvPayID) {
		t.Errorf("the vault page shows neither the finding nor the fix:\n%s", page)
	}

	// The owner puts it back: no alert (AuditEvent reaches honeyvault), and
	// the next check clears the finding.
	env.putSetting(t, invPlanter, activityHub, auditOn)
	if got := env.check(t); got.State != "ok" || got.Fix != "" {
		t.Errorf("after the fix: %+v", got)
	}
	if v := env.vault(t); doubted(v) != "" || v.Diagnostics.State != "ok" {
		t.Errorf("coverage after the fix: %+v", v.Coverage)
	}
	env.stored(t, "kv-pay", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", 2)
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 1 {
		t.Errorf("putting the setting back raised an alert: %+v", ins)
	}
}

// A setting changed to drop AuditEvent, then redirected to a namespace
// honeyvault does not read: each change alerts once, naming what it did,
// and each check says what is wrong.
func TestDiagnosticsSettingDroppedThenRedirected(t *testing.T) {
	env := newDiagEnv(t)
	env.putSetting(t, mallory, activityHub, []map[string]any{{"category": "AuditEvent", "enabled": false}})
	p := env.notification(t)
	if len(p.Alerts) != 1 || !strings.Contains(p.Alerts[0].Change, "no longer sends AuditEvent") {
		t.Fatalf("notification %+v", p)
	}
	if got := env.check(t); got.State != "no-audit-event" || !strings.Contains(got.Reason, "sends AuditEvent") || !strings.Contains(got.Fix, "--event-hub-rule") {
		t.Errorf("after dropping AuditEvent: %+v", got)
	}

	env.putSetting(t, mallory, exfilHub, auditOn)
	p = env.notification(t)
	if len(p.Alerts) != 1 || p.Alerts[0].Operation != "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE" ||
		!strings.Contains(p.Alerts[0].Change, "only to destinations honeyvault does not read") || p.Incident.Severity != "high" {
		t.Fatalf("notification %+v", p)
	}
	got := env.check(t)
	if got.State != "elsewhere" || !strings.Contains(got.Reason, "audit-to-soc") || got.Fix == "" {
		t.Errorf("after the redirect: %+v", got)
	}
	env.stored(t, "kv-pay", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", 4)
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 2 {
		t.Errorf("incidents %+v; want one of two alerts", ins)
	}
	select {
	case b := <-env.hooks:
		t.Errorf("a third notification: %s", b)
	default:
	}
}

// When Resource Manager refuses the listing, the finding says which role
// honeyvault's identity needs; once granted, the next check clears it.
func TestDiagnosticsListingRefused(t *testing.T) {
	env := newDiagEnv(t)
	env.e.DenyDiagnosticsRead(invPlanter.ObjectID, true)
	got := env.check(t)
	if got.State != "refused" || !strings.Contains(got.Reason, "Monitoring Reader") || got.Fix != "" {
		t.Fatalf("refused listing: %+v", got)
	}
	if v := env.vault(t); !strings.Contains(doubted(v), "Monitoring Reader") {
		t.Errorf("coverage: %+v", v.Coverage)
	}
	env.e.DenyDiagnosticsRead(invPlanter.ObjectID, false)
	if got := env.check(t); got.State != "ok" {
		t.Errorf("after the grant: %+v", got)
	}
}

// A decoy vault deleted since is a failed check that says so in a few
// words, not the Resource Manager's whole answer.
func TestDiagnosticsVaultGone(t *testing.T) {
	env := newDiagEnv(t)
	if code := env.arm(t, invPlanter, "DELETE", kvPayID, nil); code != http.StatusOK {
		t.Fatalf("delete kv-pay: %d", code)
	}
	if got := env.check(t); got.State != "failed" || !strings.HasSuffix(got.Reason, "Resource Manager does not find the vault (deleted?)") || got.Fix != "" {
		t.Errorf("gone vault: %+v", got)
	}
}

// Once a check has found which setting carries AuditEvent to honeyvault, a
// team adding and removing a setting of its own beside it raises nothing
// (the path never broke); deleting the route itself still alerts.
func TestDiagnosticsChangesBesideTheRouteRaiseNothing(t *testing.T) {
	env := newDiagEnv(t)
	if got := env.check(t); got.State != "ok" {
		t.Fatalf("healthy vault: %+v", got)
	}
	const teams = kvPayID + "/providers/Microsoft.Insights/diagnosticSettings/team-metrics"
	body := map[string]any{"properties": map[string]any{"eventHubAuthorizationRuleId": exfilHub,
		"metrics": []map[string]any{{"category": "AllMetrics", "enabled": true}}}}
	if code := env.arm(t, mallory, "PUT", teams, body); code != http.StatusOK {
		t.Fatalf("PUT team-metrics: %d", code)
	}
	if code := env.arm(t, mallory, "DELETE", teams, nil); code != http.StatusOK {
		t.Fatalf("DELETE team-metrics: %d", code)
	}
	// Detection runs in the transaction that stores a record: once both
	// are stored, any alert they raise exists.
	env.stored(t, "kv-pay", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", 2)
	env.stored(t, "kv-pay", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", 2)
	if ins := env.incidents(t); len(ins) != 0 {
		t.Fatalf("a setting beside the route raised %+v", ins)
	}

	if code := env.arm(t, mallory, "DELETE", kvPayID+"/providers/Microsoft.Insights/diagnosticSettings/audit-to-soc", nil); code != http.StatusOK {
		t.Fatalf("delete: %d", code)
	}
	if p := env.notification(t); len(p.Alerts) != 1 || p.Alerts[0].Operation != "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE" {
		t.Fatalf("notification %+v", p)
	}
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 1 {
		t.Errorf("incidents %+v; want one of one alert", ins)
	}
}
