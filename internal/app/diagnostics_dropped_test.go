package app

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// A setting changed to drop AuditEvent: exactly one alert, incident and
// notification naming the change; the next check finds the vault at risk
// with the fix; the owner putting AuditEvent back raises nothing and the
// next check clears the vault's finding. On SQLite and PostgreSQL.
func TestDiagnosticsSettingDroppedAndRestored(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { diagnosticsSettingDroppedAndRestored(t, newDiagEnv(t)) })
	t.Run("postgres", func(t *testing.T) { diagnosticsSettingDroppedAndRestored(t, newDiagEnvOn(t, testenv.Postgres(t))) })
}

// noWorseCoverage reports whether after is before's state with none but
// before's reasons: the records a change brings (its Activity records) may
// settle "no audit record of this vault has reached honeyvault", depending
// on when the vault's newest record is read, but must add nothing.
func noWorseCoverage(before, after api.Coverage) bool {
	if after.State != before.State {
		return false
	}
	for _, r := range after.Reasons {
		if !slices.Contains(before.Reasons, r) {
			return false
		}
	}
	return true
}

func diagnosticsSettingDroppedAndRestored(t *testing.T, env *tamperEnv) {
	t.Helper()
	if got := env.check(t); got.State != "ok" {
		t.Fatalf("healthy vault: %+v", got)
	}
	before := env.vault(t).Coverage

	env.putSetting(t, mallory, activityHub, []map[string]any{{"category": "AuditEvent", "enabled": false}})
	p := env.notification(t)
	if p.Incident.Title != "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed" || p.Incident.Severity != "high" ||
		len(p.Alerts) != 1 || p.Alerts[0].Caller.UPN != mallory.UPN || !strings.Contains(p.Alerts[0].Change, "no longer sends AuditEvent") {
		t.Fatalf("notification %+v", p)
	}
	env.stored(t, "kv-pay", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", 2)
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 1 {
		t.Fatalf("incidents %+v; want one of one alert", ins)
	}
	if got := env.check(t); got.State != "no-audit-event" || got.Fix == "" {
		t.Fatalf("check after the change: %+v", got)
	}
	if v := env.vault(t); v.Coverage.State != "at-risk" || !strings.Contains(doubted(v), "sends AuditEvent") {
		t.Errorf("coverage after the change: %+v", v.Coverage)
	}

	env.putSetting(t, invPlanter, activityHub, auditOn)
	env.stored(t, "kv-pay", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", 4)
	if got := env.check(t); got.State != "ok" || got.Fix != "" {
		t.Errorf("check after the owner's fix: %+v", got)
	}
	if after := env.vault(t).Coverage; doubted(env.vault(t)) != "" || !noWorseCoverage(before, after) {
		t.Errorf("coverage after the fix: %+v; want as before the change: %+v", after, before)
	}
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 1 {
		t.Errorf("incidents after the fix %+v; want still one of one alert", ins)
	}
	// Notifications are queued with their alert: one, whatever the
	// webhook has delivered by now.
	if n, err := env.srv.Store.ListNotifications(context.Background(), "", "", 100); err != nil || len(n) != 1 {
		t.Errorf("%d notifications queued (%v); want 1", len(n), err)
	}
}
