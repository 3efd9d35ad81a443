package app

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// An access-policy grant and a role assignment on a decoy vault, each by
// the outsider, each through the emulator's Activity log delivered to
// serve: exactly one alert and one notification per change (on one
// incident: same vault, same caller), and the vault's coverage is what it
// was — the audit path is intact, so the grant is an incident to explain,
// not a blind vault. On SQLite and PostgreSQL.
func TestTamperGrantsAlertOnceAndLeaveCoverage(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { tamperGrantsAlertOnceAndLeaveCoverage(t, newDiagEnv(t)) })
	t.Run("postgres", func(t *testing.T) { tamperGrantsAlertOnceAndLeaveCoverage(t, newDiagEnvOn(t, testenv.Postgres(t))) })
}

func tamperGrantsAlertOnceAndLeaveCoverage(t *testing.T, env *tamperEnv) {
	t.Helper()
	if got := env.check(t); got.State != "ok" {
		t.Fatalf("healthy vault: %+v", got)
	}
	before := env.vault(t).Coverage

	env.grantSelf(t, mallory, invSubProd, "rg-pay", "kv-pay")
	p := env.notification(t)
	if p.Incident.Title != "HoneyTokens: KeyVault HoneyTokens vault access changed" || len(p.Alerts) != 1 ||
		p.Alerts[0].Operation != "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE" || p.Alerts[0].Caller.UPN != mallory.UPN {
		t.Fatalf("the grant's notification %+v", p)
	}
	env.stored(t, "kv-pay", "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE", 2)

	const assignment = kvPayID + "/providers/Microsoft.Authorization/roleAssignments/0c6b2f4e-1d3a-4e5f-9a7b-8c9d0e1f2a3b"
	if code := env.arm(t, mallory, "PUT", assignment, map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6", "principalId": mallory.ObjectID}}); code != http.StatusCreated {
		t.Fatalf("role assignment: %d", code)
	}
	p = env.notification(t)
	if len(p.Alerts) != 1 || p.Alerts[0].Operation != "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE" || p.Alerts[0].Caller.UPN != mallory.UPN ||
		!strings.EqualFold(p.Incident.VaultID, kvPayID) {
		t.Fatalf("the role assignment's notification %+v", p)
	}
	env.stored(t, "kv-pay", "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", 2)

	ctx := context.Background()
	no := false
	alerts, err := env.srv.Store.ListAlerts(ctx, store.AlertFilter{Suppressed: &no})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 2 {
		t.Errorf("%d alerts raised; want 2 (one per change)", len(alerts))
	}
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 2 {
		t.Errorf("incidents %+v; want one of two alerts", ins)
	}
	if n, err := env.srv.Store.ListNotifications(ctx, "", "", 100); err != nil || len(n) != 2 {
		t.Errorf("%d notifications queued (%v); want 2, one per change", len(n), err)
	}
	if got := env.check(t); got.State != "ok" {
		t.Errorf("check after the grants: %+v", got)
	}
	if after := env.vault(t).Coverage; !noWorseCoverage(before, after) {
		t.Errorf("coverage after the grants: %+v; want as before: %+v", after, before)
	}
}
