package azure

import (
	"context"
	"testing"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

const appProdID = "/subscriptions/" + sub1 + "/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app-prod"

// The listing reads every setting through Resource Manager over TLS; a
// refused read is a 403 the caller can tell; a bad id changes nothing.
func TestDiagnosticSettings(t *testing.T) {
	e := estate(t)
	ctx := context.Background()
	c := client(t, e, planter)
	got, err := c.DiagnosticSettings(ctx, appProdID)
	if err != nil || len(got) != 0 {
		t.Fatalf("a vault without settings: %+v, %v", got, err)
	}
	hub := "/subscriptions/" + sub1 + "/resourceGroups/rg-soc/providers/Microsoft.EventHub/namespaces/hv-soc/authorizationRules/r"
	for _, d := range []kvemu.DiagnosticSetting{
		{Name: "to-soc", EventHubAuthorizationRuleID: hub, EventHubName: "kv", Logs: []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}}},
		{Name: "metrics", WorkspaceID: "/subscriptions/" + sub1 + "/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/w",
			Logs: []kvemu.LogSettings{{Category: "AuditEvent"}}, Metrics: []kvemu.MetricSettings{{Category: "AllMetrics", Enabled: true}}},
	} {
		if err := e.SetDiagnosticSetting("kv-app-prod", d); err != nil {
			t.Fatal(err)
		}
	}
	got, err = c.DiagnosticSettings(ctx, appProdID)
	if err != nil || len(got) != 2 {
		t.Fatalf("settings %+v, %v", got, err)
	}
	if s := got[1]; s.Name != "to-soc" || s.EventHubAuthorizationRuleID != hub || s.EventHubName != "kv" || len(s.Logs) != 1 ||
		s.Logs[0].CategoryGroup != "audit" || !s.Logs[0].Enabled || !s.SendsAuditEvent() {
		t.Errorf("to-soc %+v", s)
	}
	if s := got[0]; s.Name != "metrics" || s.WorkspaceID == "" || s.SendsAuditEvent() {
		t.Errorf("metrics %+v", s)
	}

	e.DenyDiagnosticsRead(planter.ObjectID, true)
	if _, err := c.DiagnosticSettings(ctx, appProdID); !IsForbidden(err) {
		t.Errorf("refused read: %v; want a 403", err)
	}
	if _, err := c.DiagnosticSettings(ctx, "/subscriptions/x/resourceGroups/y"); err == nil {
		t.Error("a bad vault id was accepted")
	}
}
