package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
	"github.com/honeyvault/honeyvault/internal/store"
)

const (
	archiveAccount = "/subscriptions/" + invSubProd + "/resourceGroups/rg-soc/providers/Microsoft.Storage/storageAccounts/stsocarchive"
	socWorkspace   = "/subscriptions/" + invSubProd + "/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/soc"
	socWorkspaceID = "5f0c3a1e-7d2b-4c9a-8e6f-1b2c3d4e5f60"
)

// Each shape of the Activity log, as a user hands it to honeyvault, raises
// its tamper alert through the ingest endpoint: the diagnostic export
// ({"records":[...]} from a storage archive), the REST API's events (what
// `az monitor activity-log list` prints) and Log Analytics' AzureActivity
// rows (queried with the azlogs SDK). The same change read in all three
// shapes is one alert.
func TestTamperEachActivityShape(t *testing.T) {
	env := newTamperEnv(t)
	ctx := context.Background()
	// The prod subscription's Activity log goes to an archive and a
	// workspace only, so each record reaches serve just as the test posts it.
	archive := kvemu.NewMemorySink(1000)
	if err := env.e.RegisterDestination(archiveAccount, archive, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	la, err := loganalytics.New(env.e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := la.CreateWorkspace(socWorkspace, socWorkspaceID, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := env.e.SetSubscriptionDiagnosticSetting(invSubProd, kvemu.DiagnosticSetting{Name: "activity-to-soc", StorageAccountID: archiveAccount,
		WorkspaceID: socWorkspace, Logs: []kvemu.LogSettings{{CategoryGroup: "allLogs", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}

	const (
		diagDelete = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE"
		policy     = "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE"
		roles      = "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"
	)
	if code := env.arm(t, mallory, "DELETE", kvPayID+"/providers/Microsoft.Insights/diagnosticSettings/audit-to-soc", nil); code != http.StatusOK {
		t.Fatalf("delete: %d", code)
	}
	env.grantSelf(t, mallory, invSubProd, "rg-pay", "kv-pay")
	if code := env.arm(t, mallory, "PUT", kvPayID+"/providers/Microsoft.Authorization/roleAssignments/6f1b6f5e-93c1-4a1e-8a5f-4d0f3f2b7c11",
		map[string]any{"properties": map[string]any{"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6", "principalId": mallory.ObjectID}}); code != http.StatusCreated {
		t.Fatalf("role assignment: %d", code)
	}
	if err := env.e.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// The diagnostic export: the archive's records of the deletion.
	var export [][]byte
	for _, r := range archive.Records() {
		if bytes.Contains(r.JSON, []byte(diagDelete)) {
			export = append(export, r.JSON)
		}
	}
	env.ingest(t, []byte(`{"records":[`+string(bytes.Join(export, []byte(",")))+`]}`))
	env.raised(t, diagDelete, 1)

	// The REST API's events of the access-policy change, as a JSON array.
	rest := env.activityEvents(t, mallory, invSubProd)
	var policyEvents []json.RawMessage
	for _, ev := range rest {
		if bytes.Contains(bytes.ToUpper(ev), []byte(policy)) {
			policyEvents = append(policyEvents, ev)
		}
	}
	b, _ := json.Marshal(policyEvents)
	env.ingest(t, b)
	env.raised(t, policy, 1)

	// Log Analytics' AzureActivity rows of the role assignment.
	rows := queryRows(t, env, la, `AzureActivity | where OperationNameValue == "`+roles+`"`)
	b, _ = json.Marshal(rows)
	env.ingest(t, b)
	env.raised(t, roles, 1)

	// The deletion again in the other two shapes: the same records.
	var again []json.RawMessage
	for _, ev := range rest {
		if bytes.Contains(bytes.ToUpper(ev), []byte(diagDelete)) {
			again = append(again, ev)
		}
	}
	b, _ = json.Marshal(again)
	env.ingest(t, b)
	b, _ = json.Marshal(queryRows(t, env, la, `AzureActivity | where OperationNameValue == "`+diagDelete+`"`))
	env.ingest(t, b)
	env.raised(t, diagDelete, 1)

	ins := env.incidents(t)
	if len(ins) != 1 || ins[0].AlertCount != 3 || ins[0].Title != "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed" {
		t.Errorf("incidents %+v; want one of 3 alerts (mallory on kv-pay)", ins)
	}
}

// ingest posts body to serve's ingest endpoint and wants 202.
func (env *tamperEnv) ingest(t *testing.T, body []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", env.srv.url("/api/v1/ingest/azure-keyvault"), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer ingest-token-for-tamper-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("ingest: %d %s", resp.StatusCode, answer)
	}
}

// raised checks that exactly n raised alerts of operation op are stored
// (the ingest answer came after they committed).
func (env *tamperEnv) raised(t *testing.T, op string, n int) {
	t.Helper()
	no := false
	alerts, err := env.srv.Store.ListAlerts(context.Background(), store.AlertFilter{Suppressed: &no})
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, a := range alerts {
		if a.Operation == op { // upper-cased whatever the shape
			got++
		}
	}
	if got != n {
		t.Errorf("%d raised alerts of %s; want %d", got, op, n)
	}
}

// activityEvents lists the subscription's Activity log through the REST
// API as the portal and the CLI read it.
func (env *tamperEnv) activityEvents(t *testing.T, id kvemu.Identity, sub string) []json.RawMessage {
	t.Helper()
	c, err := arm.NewClient("honeyvault-test", "v0.0.1", env.e.Credential(id), &env.over.co)
	if err != nil {
		t.Fatal(err)
	}
	req, err := runtime.NewRequest(context.Background(), "GET", runtime.JoinPaths(env.over.co.Cloud.Services[cloud.ResourceManager].Endpoint,
		"/subscriptions/"+sub+"/providers/Microsoft.Insights/eventtypes/management/values"))
	if err != nil {
		t.Fatal(err)
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", "2015-04-01")
	q.Set("$filter", "eventTimestamp ge '"+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)+"'")
	req.Raw().URL.RawQuery = q.Encode()
	resp, err := c.Pipeline().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("activity log: %d %v", resp.StatusCode, err)
	}
	return page.Value
}

// queryRows runs query in the workspace with the azlogs SDK and returns
// its rows as objects of column name → value: a portal JSON export.
func queryRows(t *testing.T, env *tamperEnv, la *loganalytics.Service, query string) []map[string]any {
	t.Helper()
	c, err := azlogs.NewClient(env.e.Credential(invPlanter), la.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	var resp azlogs.QueryWorkspaceResponse
	ingesttest.Eventually(t, time.Minute, "AzureActivity rows", func() bool {
		resp, err = c.QueryWorkspace(context.Background(), socWorkspaceID, azlogs.QueryBody{Query: to.Ptr(query)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.Tables) == 1 && len(resp.Tables[0].Rows) > 0
	})
	var rows []map[string]any
	tab := resp.Tables[0]
	for _, r := range tab.Rows {
		row := map[string]any{}
		for i, col := range tab.Columns {
			row[*col.Name] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}
