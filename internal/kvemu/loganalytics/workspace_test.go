package loganalytics

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/honeyvault/honeyvault/internal/kvemu"
)

func query(t *testing.T, c *azlogs.Client, q string, ts *azlogs.TimeInterval) (azlogs.Table, error) {
	t.Helper()
	resp, err := c.QueryWorkspace(ctxT(t), wsID, azlogs.QueryBody{Query: &q, Timespan: ts}, nil)
	if err != nil {
		return azlogs.Table{}, err
	}
	if len(resp.Tables) != 1 {
		t.Fatalf("tables: %d", len(resp.Tables))
	}
	return resp.Tables[0], nil
}

func column(t *testing.T, tbl azlogs.Table, row int, name string) any {
	t.Helper()
	for i, c := range tbl.Columns {
		if *c.Name == name {
			return tbl.Rows[row][i]
		}
	}
	t.Fatalf("no column %s", name)
	return nil
}

// TestLogAnalyticsWorkspace sends AuditEvent records to a workspace in both
// table shapes and reads them back with the azlogs SDK, polling on
// ingestion time.
func TestLogAnalyticsWorkspace(t *testing.T) {
	env := newTestEnv(t)
	ws, err := env.la.CreateWorkspace(wsResource, wsID, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.e.SetDiagnosticSetting(apVault, kvemu.DiagnosticSetting{Name: "la", WorkspaceID: wsResource, Logs: []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := env.e.SetDiagnosticSetting(rbacVault, kvemu.DiagnosticSetting{Name: "la-dedicated", WorkspaceID: wsResource, LogAnalyticsDestinationType: "Dedicated",
		Logs: []kvemu.LogSettings{{Category: "AuditEvent", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.e.SeedSecret(apVault, kvemu.SecretSeed{Name: "db-password", Value: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.secrets(t, apVault, admin).GetSecret(ctxT(t), "db-password", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := env.secrets(t, rbacVault, nobody).GetSecret(ctxT(t), "db-password", "", nil); err == nil {
		t.Fatal("nobody read a secret of the RBAC vault")
	}
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := ws.Rows("AzureDiagnostics"); got != 2 {
		t.Errorf("AzureDiagnostics rows: %d", got)
	}
	c := env.logsClient(t)
	tbl, err := query(t, c, `AzureDiagnostics | where OperationName == "SecretGet" and ResourceProvider == "MICROSOFT.KEYVAULT" | where ingestion_time() > datetime(2026-11-20T00:00:00Z) | extend Ingested = ingestion_time() | order by TimeGenerated asc`, nil)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if got := len(tbl.Rows); got != 1 {
		t.Fatalf("rows: got %d; want 1", got)
	}
	checks := map[string]any{
		"requestUri_s": "https://kv-app-prod.vault.azure.net/secrets/db-password/?api-version=2026-04-01", "httpStatusCode_d": 200.0,
		"identity_claim_oid_g": admin.ObjectID, "identity_claim_upn_s": admin.UPN, "Resource": "KV-APP-PROD", "ResourceType": "VAULTS",
		"_ResourceId":   "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-app/providers/microsoft.keyvault/vaults/kv-app-prod",
		"TimeGenerated": "2026-11-20T08:00:01.1234567Z", "Ingested": "2026-11-20T08:00:01.1234567Z",
	}
	for col, want := range checks {
		if got := column(t, tbl, 0, col); got != want {
			t.Errorf("%s: got %v; want %v", col, got, want)
		}
	}

	tbl, err = query(t, c, `AZKVAuditLogs | where HttpStatusCode == 403 | project OperationName, RequestUri, IsRbacAuthorized, Identity`, nil)
	if err != nil {
		t.Fatalf("query AZKVAuditLogs: %v", err)
	}
	if len(tbl.Rows) != 1 || column(t, tbl, 0, "OperationName") != "SecretGet" || column(t, tbl, 0, "IsRbacAuthorized") != false || len(tbl.Columns) != 4 {
		t.Errorf("AZKVAuditLogs: %+v", tbl.Rows)
	}

	// The request's timespan filters TimeGenerated.
	ts := azlogs.NewTimeInterval(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	if tbl, err := query(t, c, `AzureDiagnostics`, &ts); err != nil || len(tbl.Rows) != 0 {
		t.Errorf("timespan: %v %d rows", err, len(tbl.Rows))
	}
	// Anything outside the subset is a clear 400, not a wrong answer.
	if _, err := query(t, c, `AzureDiagnostics | mv-expand OperationName`, nil); !isStatus(err, http.StatusBadRequest, "BadArgumentError") {
		t.Errorf("unsupported query: %v", err)
	}
}

// TestLogAnalyticsLateRecords shows the late-log trap: a record ingested
// after a poll window on TimeGenerated is missed, polling on ingestion
// time finds it.
func TestLogAnalyticsLateRecords(t *testing.T) {
	env := newTestEnv(t)
	if _, err := env.la.CreateWorkspace(wsResource, wsID, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := env.e.SetDiagnosticSetting(apVault, kvemu.DiagnosticSetting{Name: "la", WorkspaceID: wsResource, Logs: []kvemu.LogSettings{{Category: "AuditEvent", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	c := env.logsClient(t)
	// The record happens at 08:00:01 but is ingested at 08:07 (emulator clock).
	if err := env.e.PauseDelivery(wsResource); err != nil {
		t.Fatal(err)
	}
	secrets := env.secrets(t, apVault, admin)
	v := "v"
	if _, err := secrets.SetSecret(ctxT(t), "late", azsecrets.SetSecretParameters{Value: &v}, nil); err != nil {
		t.Fatal(err)
	}
	env.clk.Advance(7 * time.Minute)
	if err := env.e.ResumeDelivery(wsResource); err != nil {
		t.Fatal(err)
	}
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	tbl, err := query(t, c, `AzureDiagnostics | where TimeGenerated > ago(5m)`, nil)
	if err != nil || len(tbl.Rows) != 0 {
		t.Errorf("a TimeGenerated window misses late records: %v %d rows", err, len(tbl.Rows))
	}
	tbl, err = query(t, c, `AzureDiagnostics | where ingestion_time() > ago(5m) and OperationName == 'SecretSet'`, nil)
	if err != nil || len(tbl.Rows) != 1 {
		t.Errorf("an ingestion-time window finds them: %v %d rows", err, len(tbl.Rows))
	}
}

// TestQueryAPIRefusals: the query API wants a token minted for it and a
// workspace it holds, and says which is missing.
func TestQueryAPIRefusals(t *testing.T) {
	env := newTestEnv(t)
	if _, err := env.la.CreateWorkspace(wsResource, wsID, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	vaultToken, err := env.e.Token(admin, "https://vault.azure.net")
	if err != nil {
		t.Fatal(err)
	}
	laToken, err := env.e.Token(admin, "https://api.loganalytics.io")
	if err != nil {
		t.Fatal(err)
	}
	const query = `{"query":"AzureDiagnostics"}`
	tests := []struct {
		name, token, workspace string
		wantStatus             int
		wantCode               string
	}{
		{"no token", "", wsID, http.StatusUnauthorized, "AuthorizationRequiredError"},
		{"a vault's token", vaultToken, wsID, http.StatusUnauthorized, "InvalidTokenError"},
		{"a forged token", "e30.e30.e30", wsID, http.StatusUnauthorized, "InvalidTokenError"},
		{"an unknown workspace", laToken, "00000000-0000-0000-0000-000000000000", http.StatusNotFound, "WorkspaceNotFoundError"},
		{"a known one", laToken, wsID, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, "https://api.loganalytics.io/v1/workspaces/"+tt.workspace+"/query", strings.NewReader(query))
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := env.e.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code string } `json:"error"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tt.wantStatus || body.Error.Code != tt.wantCode {
				t.Errorf("got %d %q; want %d %q", resp.StatusCode, body.Error.Code, tt.wantStatus, tt.wantCode)
			}
		})
	}
}
