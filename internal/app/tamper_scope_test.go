package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
)

// A role assigned to an outsider on a whole subscription covers its decoy
// vaults: the emulator's ARM call raises one alert, one incident and one
// notification for each of kv-pay and kv-orders (incidents group per vault
// and caller), and the same change read again as the REST API's event and
// as an AzureActivity row is the same alerts. One on a resource group
// without decoy vaults raises nothing.
func TestTamperRoleAssignedOnSubscription(t *testing.T) {
	kvOrdersID := "/subscriptions/" + invSubProd + "/resourceGroups/rg-orders/providers/Microsoft.KeyVault/vaults/kv-orders"
	env := newTamperEnv(t, kvOrdersID)
	la, err := loganalytics.New(env.e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := la.CreateWorkspace(socWorkspace, socWorkspaceID, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	// The prod Activity log goes to the hub serve reads and to a workspace.
	if err := env.e.SetSubscriptionDiagnosticSetting(invSubProd, kvemu.DiagnosticSetting{Name: "activity-to-soc", EventHubAuthorizationRuleID: activityHub,
		WorkspaceID: socWorkspace, Logs: []kvemu.LogSettings{{CategoryGroup: "allLogs", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	const roles = "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"
	assign := func(scope, guid string) {
		t.Helper()
		body := map[string]any{"properties": map[string]any{"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
			"principalId": mallory.ObjectID}}
		if code := env.arm(t, mallory, "PUT", scope+"/providers/Microsoft.Authorization/roleAssignments/"+guid, body); code != http.StatusCreated {
			t.Fatalf("role assignment on %s: %d", scope, code)
		}
	}

	assign("/subscriptions/"+invSubDev+"/resourceGroups/rg-dev", "0d7c5a3e-1b2f-4c6d-9e8f-7a6b5c4d3e21")
	env.stored(t, "", roles, 2) // Start and Success, on no vault
	if ins := env.incidents(t); len(ins) != 0 {
		t.Fatalf("a role on a resource group without decoy vaults raised %+v", ins[0])
	}
	assign("/subscriptions/"+invSubProd, "6f1b6f5e-93c1-4a1e-8a5f-4d0f3f2b7c11")
	notified := map[string]bool{}
	for range 2 {
		p := env.notification(t)
		if p.Incident.Title != "HoneyTokens: KeyVault HoneyTokens vault access changed" || len(p.Alerts) != 1 {
			t.Fatalf("notification %+v", p)
		}
		notified[strings.ToLower(p.Incident.VaultID)] = true
		if a := p.Alerts[0]; a.Operation != roles || a.Caller.UPN != mallory.UPN || !strings.Contains(a.Change, "subscription") ||
			!strings.HasPrefix(strings.ToLower(a.Resource), strings.ToLower("/subscriptions/"+invSubProd+"/providers/")) {
			t.Errorf("alert %+v", a)
		}
	}
	if !notified[strings.ToLower(kvPayID)] || !notified[strings.ToLower(kvOrdersID)] {
		t.Errorf("notified for %v; want kv-pay and kv-orders", notified)
	}
	env.raised(t, roles, 2)

	// The REST API's event and the AzureActivity row of the same change.
	var rest []json.RawMessage
	for _, ev := range env.activityEvents(t, mallory, invSubProd) {
		if bytes.Contains(bytes.ToUpper(ev), []byte(roles)) {
			rest = append(rest, ev)
		}
	}
	if len(rest) == 0 {
		t.Fatal("the REST API lists no role assignment")
	}
	b, _ := json.Marshal(rest)
	env.ingest(t, b)
	b, _ = json.Marshal(queryRows(t, env, la, `AzureActivity | where OperationNameValue == "`+roles+`"`))
	env.ingest(t, b)
	env.raised(t, roles, 2)
	if ins := env.incidents(t); len(ins) != 2 || ins[0].AlertCount != 1 || ins[1].AlertCount != 1 {
		t.Errorf("incidents %+v; want two of one alert each", ins)
	}
	select {
	case b := <-env.hooks:
		t.Errorf("a third notification: %s", b)
	default:
	}
}
