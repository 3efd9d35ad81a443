package kvemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// activityEvents lists the test subscription's Activity events on resource,
// newest first.
func (env *testEnv) activityEvents(t *testing.T, resource string) []ActivityEvent {
	t.Helper()
	path := "/subscriptions/" + testSub + "/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$filter=" +
		url.QueryEscape("eventTimestamp ge '2026-11-20T00:00:00Z' and resourceUri eq '"+resource+"'")
	status, body := env.armDo(t, admin, http.MethodGet, path, nil)
	var out struct {
		Value []ActivityEvent `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || status != 200 {
		t.Fatalf("activity: %d %s", status, body)
	}
	return out.Value
}

// A write's Start record carries the request body and its outcome the
// answer, as Azure logs them: what a tamper rule judges a change by.
func TestActivityCarriesBodies(t *testing.T) {
	env := newTestEnv(t, Options{})
	v, _ := env.e.Vault(apVault)
	setting := v.ID + "/providers/Microsoft.Insights/diagnosticSettings/metrics-only"
	put := map[string]any{"properties": map[string]any{"workspaceId": "/subscriptions/" + testSub + "/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w",
		"logs": []any{map[string]any{"category": "AuditEvent", "enabled": false}}, "metrics": []any{map[string]any{"category": "AllMetrics", "enabled": true}}}}
	if status, body := env.armDo(t, admin, http.MethodPut, setting+"?api-version=2021-05-01-preview", put); status != 200 {
		t.Fatalf("put: %d %s", status, body)
	}
	evs := env.activityEvents(t, setting)
	if len(evs) != 2 {
		t.Fatalf("%d events; want Start and Succeeded", len(evs))
	}
	end, start := evs[0], evs[1]
	if !strings.Contains(start.Properties["requestbody"], `"enabled":false`) || start.Properties["responseBody"] != "" {
		t.Errorf("Start properties %v; want the request body only", start.Properties)
	}
	var answer struct {
		Properties struct {
			Logs []struct {
				Category string `json:"category"`
				Enabled  bool   `json:"enabled"`
			} `json:"logs"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(end.Properties["responseBody"]), &answer); err != nil || len(answer.Properties.Logs) != 1 ||
		answer.Properties.Logs[0].Category != "AuditEvent" || answer.Properties.Logs[0].Enabled || end.Properties["requestbody"] != "" {
		t.Errorf("Succeeded properties %v (%v); want the setting as stored", end.Properties, err)
	}
}

// A principal denied management changes gets 403 AuthorizationFailed, the
// change is not made, and the Activity log records the failed attempt;
// reads still work, and lifting the denial lets the change through.
func TestDenyManagement(t *testing.T) {
	env := newTestEnv(t, Options{})
	v, _ := env.e.Vault(apVault)
	setting := v.ID + "/providers/Microsoft.Insights/diagnosticSettings/" + diagSettingN
	env.e.DenyManagement(admin.ObjectID, true)
	status, body := env.armDo(t, admin, http.MethodDelete, setting+"?api-version=2021-05-01-preview", nil)
	if status != http.StatusForbidden || !strings.Contains(string(body), "AuthorizationFailed") ||
		!strings.Contains(string(body), "Microsoft.Insights/diagnosticSettings/delete") {
		t.Fatalf("denied delete: %d %s", status, body)
	}
	if status, _ := env.armDo(t, admin, http.MethodGet, setting+"?api-version=2021-05-01-preview", nil); status != 200 {
		t.Errorf("the setting after a refused delete: %d", status)
	}
	evs := env.activityEvents(t, setting)
	if len(evs) != 2 || evs[0].Status.Value != "Failed" || evs[0].SubStatus.Value != "Forbidden" ||
		!strings.EqualFold(evs[0].OperationName.Value, "Microsoft.Insights/diagnosticSettings/delete") {
		t.Fatalf("events %+v; want Start and Failed", evs)
	}
	if status, _ := env.armDo(t, admin, http.MethodPut, v.ID+"/accessPolicies/add?api-version=2023-07-01",
		map[string]any{"properties": map[string]any{"accessPolicies": []any{}}}); status != http.StatusForbidden {
		t.Errorf("denied access-policy change: %d", status)
	}
	if evs := env.activityEvents(t, v.ID); len(evs) == 0 || !strings.EqualFold(evs[0].OperationName.Value, "Microsoft.KeyVault/vaults/accessPolicies/write") {
		t.Errorf("access-policy attempt logged as %+v", evs)
	}
	env.e.DenyManagement(admin.ObjectID, false)
	if status, _ := env.armDo(t, admin, http.MethodDelete, setting+"?api-version=2021-05-01-preview", nil); status != 200 {
		t.Errorf("delete after the denial was lifted: %d", status)
	}
}
