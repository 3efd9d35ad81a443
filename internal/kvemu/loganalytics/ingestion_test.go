package loganalytics

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	ingestion "github.com/Azure/azure-sdk-for-go/sdk/monitor/ingestion/azlogs"
	"github.com/honeyvault/honeyvault/internal/kvemu"
)

const (
	testRule   = "dcr-0123456789abcdef0123456789abcdef"
	testStream = "Custom-HoneyvaultIncidents_CL"
	testTable  = "HoneyvaultIncidents_CL"
)

// newIngestionEnv is newTestEnv with a workspace and a rule whose stream
// lands in testTable; only admin may publish to it.
func newIngestionEnv(t *testing.T) *testEnv {
	t.Helper()
	env := newTestEnv(t)
	ws, err := env.la.CreateWorkspace(wsResource, wsID, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = env.la.CreateDataCollectionRule(DataCollectionRule{ImmutableID: testRule, Workspace: ws, Publishers: []string{admin.ObjectID},
		Streams: []Stream{{Name: testStream, Table: testTable, Columns: []Column{
			{"TimeGenerated", "datetime"}, {"IncidentId", "long"}, {"Vault", "string"}, {"Caller", "dynamic"}, {"High", "boolean"},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLogsIngestionRoundTrip uploads rows with the ingestion SDK, gzipped
// as the SDK's callers send them, and reads them back with the query SDK.
func TestLogsIngestionRoundTrip(t *testing.T) {
	env := newIngestionEnv(t)
	up, err := ingestion.NewClient(env.la.IngestionEndpoint(), env.e.Credential(admin), env.la.IngestionClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	rows := `[{"TimeGenerated":"2026-11-20T07:59:00Z","IncidentId":7,"Vault":"kv-app-prod","Caller":{"upn":"mallory@contoso.com"},"High":true,"Secret":"dropped"},
		{"IncidentId":8,"Vault":"kv-rbac-prod","High":"not a bool"}]`
	if _, err := up.Upload(ctxT(t), testRule, testStream, gzipped(t, []byte(rows)), &ingestion.UploadOptions{ContentEncoding: to.Ptr("gzip")}); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	tbl, err := query(t, env.logsClient(t), testTable+` | where Vault == "kv-app-prod"`, nil)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if len(tbl.Rows) != 1 {
		t.Fatalf("rows: got %d; want 1", len(tbl.Rows))
	}
	for col, want := range map[string]any{"IncidentId": 7.0, "TimeGenerated": "2026-11-20T07:59:00.0000000Z",
		"Caller": `{"upn":"mallory@contoso.com"}`, "High": true, "Type": testTable} {
		if got := column(t, tbl, 0, col); got != want {
			t.Errorf("%s: got %v; want %v", col, got, want)
		}
	}
	for _, c := range tbl.Columns {
		if *c.Name == "Secret" {
			t.Error("a column the stream does not declare was stored")
		}
	}
	// A row without TimeGenerated gets its ingestion time; a value of the
	// wrong type is dropped, not stored.
	tbl, err = query(t, env.logsClient(t), testTable+` | where IncidentId == 8 | project TimeGenerated, High`, nil)
	if err != nil || len(tbl.Rows) != 1 {
		t.Fatalf("row 8: %v %d rows", err, len(tbl.Rows))
	}
	if got, want := tbl.Rows[0][0], env.e.Now().UTC().Format(kvemu.TimeLayout); got != want || tbl.Rows[0][1] != nil {
		t.Errorf("row 8: got %v; want TimeGenerated %s and no High", tbl.Rows[0], want)
	}
}

// TestLogsIngestionRefusals: the endpoint's answers to what it cannot take,
// each leaving the table as it was.
func TestLogsIngestionRefusals(t *testing.T) {
	env := newIngestionEnv(t)
	token := func(id kvemu.Identity, audience string) string {
		tok, err := env.e.Token(id, audience)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := token(admin, "https://monitor.azure.com")
	big := "[" + strings.Repeat(`{"Vault":"kv"},`, MaxUploadBytes/15) + `{"Vault":"kv"}]`
	tests := []struct {
		name, token, rule, stream, encoding string
		body                                []byte
		wantStatus                          int
		wantCode                            string
	}{
		{"no token", "", testRule, testStream, "", []byte(`[]`), http.StatusUnauthorized, "InvalidToken"},
		{"a query API token", token(admin, "https://api.loganalytics.io"), testRule, testStream, "", []byte(`[]`), http.StatusUnauthorized, "InvalidToken"},
		{"not a publisher", token(nobody, "https://monitor.azure.com"), testRule, testStream, "", []byte(`[{}]`), http.StatusForbidden, "OperationFailed"},
		{"unknown rule", good, "dcr-ffffffffffffffffffffffffffffffff", testStream, "", []byte(`[{}]`), http.StatusNotFound, "NotFound"},
		{"unknown stream", good, testRule, "Custom-Other_CL", "", []byte(`[{}]`), http.StatusNotFound, "NotFound"},
		{"over 1 MB", good, testRule, testStream, "", []byte(big), http.StatusRequestEntityTooLarge, "ContentLengthLimitExceeded"},
		{"over 1 MB once gunzipped", good, testRule, testStream, "gzip", gzipped(t, []byte(big)), http.StatusRequestEntityTooLarge, "ContentLengthLimitExceeded"},
		{"an object", good, testRule, testStream, "", []byte(`{"Vault":"kv"}`), http.StatusBadRequest, "InvalidRequest"},
		{"an array of numbers", good, testRule, testStream, "", []byte(`[1,2]`), http.StatusBadRequest, "InvalidRequest"},
		{"a null row", good, testRule, testStream, "", []byte(`[{"Vault":"kv"},null]`), http.StatusBadRequest, "InvalidRequest"},
		{"null", good, testRule, testStream, "", []byte(`null`), http.StatusBadRequest, "InvalidRequest"},
		{"not JSON", good, testRule, testStream, "", []byte(`Vault=kv`), http.StatusBadRequest, "InvalidRequest"},
		{"gzip that is not", good, testRule, testStream, "gzip", []byte(`[{"Vault":"kv"}]`), http.StatusBadRequest, "InvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := env.la.IngestionEndpoint() + "/dataCollectionRules/" + tt.rule + "/streams/" + tt.stream + "?api-version=2023-01-01"
			req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, u, bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			if tt.encoding != "" {
				req.Header.Set("Content-Encoding", tt.encoding)
			}
			resp, err := env.e.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tt.wantStatus || body.Error.Code != tt.wantCode {
				t.Errorf("got %d %q (%s); want %d %q", resp.StatusCode, body.Error.Code, body.Error.Message, tt.wantStatus, tt.wantCode)
			}
		})
	}
	tbl, err := query(t, env.logsClient(t), testTable, nil)
	if err != nil || len(tbl.Rows) != 0 {
		t.Errorf("after refusals: %v, %d rows; want an empty table", err, len(tbl.Rows))
	}
}

// TestCreateDataCollectionRuleRefusals: a rule the service would not
// accept is refused with the reason.
func TestCreateDataCollectionRuleRefusals(t *testing.T) {
	env := newTestEnv(t)
	ws, err := env.la.CreateWorkspace(wsResource, wsID, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stream := Stream{Name: testStream, Table: testTable, Columns: []Column{{"Vault", "string"}}}
	tests := []struct {
		name string
		rule DataCollectionRule
		want string
	}{
		{"bad id", DataCollectionRule{ImmutableID: "rule-1", Workspace: ws, Streams: []Stream{stream}}, "want dcr-"},
		{"no workspace", DataCollectionRule{ImmutableID: testRule, Streams: []Stream{stream}}, "needs a workspace"},
		{"not a custom table", DataCollectionRule{ImmutableID: testRule, Workspace: ws, Streams: []Stream{{Name: testStream, Table: "AzureDiagnostics"}}}, "want Custom-NAME to NAME_CL"},
		{"unknown type", DataCollectionRule{ImmutableID: testRule, Workspace: ws, Streams: []Stream{{Name: testStream, Table: testTable, Columns: []Column{{"X", "decimal"}}}}}, `unknown type "decimal"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := env.la.CreateDataCollectionRule(tt.rule); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error with %q", err, tt.want)
			}
		})
	}
	if _, err := query(t, env.logsClient(t), testTable, nil); err == nil {
		t.Error("a refused rule created its table")
	}
}
