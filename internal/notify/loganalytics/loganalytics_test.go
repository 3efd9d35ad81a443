package loganalytics

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/kvemu"
	laemu "github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
	"github.com/honeyvault/honeyvault/internal/notify"
)

const (
	wsResource = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/law-soc"
	wsID       = "6f1c2a9e-3b7d-4e5f-8a1b-2c3d4e5f6a7b"
	ruleID     = "dcr-0123456789abcdef0123456789abcdef"
	stream     = "Custom-HoneyvaultIncidents_CL"
	table      = "HoneyvaultIncidents_CL"
)

var (
	publisher = kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-0000000000aa", AppID: "aaaaaaaa-0000-0000-0000-0000000000ab"}
	stranger  = kvemu.Identity{ObjectID: "dddddddd-0000-0000-0000-0000000000dd", AppID: "dddddddd-0000-0000-0000-0000000000de"}
)

type testEnv struct {
	e  *kvemu.Emulator
	la *laemu.Service
}

// newTestEnv starts the emulator with a workspace and a rule whose stream
// declares Columns, publisher holding the role on it.
func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	la, err := laemu.New(e)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := la.CreateWorkspace(wsResource, wsID, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]laemu.Column, len(Columns))
	for i, c := range Columns {
		cols[i] = laemu.Column{Name: c.Name, Type: c.Type}
	}
	if err := la.CreateDataCollectionRule(laemu.DataCollectionRule{ImmutableID: ruleID, Workspace: ws, Publishers: []string{publisher.ObjectID},
		Streams: []laemu.Stream{{Name: stream, Table: table, Columns: cols}}}); err != nil {
		t.Fatal(err)
	}
	return &testEnv{e: e, la: la}
}

func (env *testEnv) notifier(t *testing.T, id kvemu.Identity, rule string) *Notifier {
	t.Helper()
	n, err := New(Config{Endpoint: env.la.IngestionEndpoint(), RuleID: rule, Stream: stream, Credential: env.e.Credential(id), ClientOptions: env.e.ClientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// message is an incident of two alerts, one a read by a user, one a key
// use by an application.
func message() *notify.Message {
	at := time.Date(2026, 11, 20, 8, 0, 1, 0, time.UTC)
	m := notify.TestMessage("https://hv.example.com", at)
	m.Kind, m.IdempotencyKey, m.Incident.ID, m.Incident.Title = "new", "incident-7-new", 7, "HoneyTokens: KeyVault HoneyTokens secret accessed"
	m.Incident.URL = notify.IncidentURL("https://hv.example.com", 7)
	m.Alerts[0].Caller = notify.CallerInfo{ObjectID: "bbbbbbbb-0000-0000-0000-00000000000b", UPN: "mallory@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", IP: "203.0.113.7"}
	m.Alerts = append(m.Alerts, notify.AlertInfo{CorrelationID: "c2", Time: at.Add(time.Second), Vault: "kv-example", Token: "signing-key",
		TokenType: "key", Operation: "KeySign", Class: "crypto", Status: 200, Severity: "high", Caller: notify.CallerInfo{AppID: "cccccccc-0000-0000-0000-00000000000c", IP: "198.51.100.9"}})
	return m
}

func query(t *testing.T, env *testEnv, q string) azlogs.Table {
	t.Helper()
	c, err := azlogs.NewClient(env.e.Credential(publisher), env.la.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.QueryWorkspace(ctxT(t), wsID, azlogs.QueryBody{Query: &q}, nil)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	return resp.Tables[0]
}

func cell(t *testing.T, tbl azlogs.Table, row int, name string) any {
	t.Helper()
	for i, c := range tbl.Columns {
		if *c.Name == name {
			return tbl.Rows[row][i]
		}
	}
	t.Fatalf("no column %s", name)
	return nil
}

// TestRowsArriveInWorkspace: each alert of a notification becomes a row of
// the custom table, read back with KQL through the query SDK.
func TestRowsArriveInWorkspace(t *testing.T) {
	env := newTestEnv(t)
	if retry, err := env.notifier(t, publisher, ruleID).Notify(ctxT(t), message()); err != nil {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	tbl := query(t, env, table+` | where IncidentId == 7 | order by TimeGenerated asc`)
	if got := len(tbl.Rows); got != 2 {
		t.Fatalf("rows: got %d; want 2", got)
	}
	want := []map[string]any{{
		"TimeGenerated": "2026-11-20T08:00:01.0000000Z", "IncidentId": 7.0, "IncidentTitle": "HoneyTokens: KeyVault HoneyTokens secret accessed",
		"Severity": "medium", "Status": "new", "Vault": "kv-example", "Token": "example-decoy", "TokenType": "secret", "Operation": "SecretGet",
		"Class": "read", "AlertSeverity": "high", "HttpStatusCode": 200.0, "CallerObjectId": "bbbbbbbb-0000-0000-0000-00000000000b",
		"CallerUpn": "mallory@contoso.com", "CallerAppId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "CallerIpAddress": "203.0.113.7",
		"CorrelationId": "00000000-0000-0000-0000-000000000000", "IncidentUrl": "https://hv.example.com/incidents/7",
		"VaultId": message().Incident.VaultID, "MessageKind": "new", "IdempotencyKey": "incident-7-new", "Type": table,
	}, {
		"TimeGenerated": "2026-11-20T08:00:02.0000000Z", "Token": "signing-key", "Operation": "KeySign", "Class": "crypto",
		"CallerAppId": "cccccccc-0000-0000-0000-00000000000c", "CallerIpAddress": "198.51.100.9", "CallerUpn": "", "CorrelationId": "c2",
	}}
	for i, w := range want {
		for col, v := range w {
			if got := cell(t, tbl, i, col); got != v {
				t.Errorf("row %d %s: got %v; want %v", i, col, got, v)
			}
		}
	}
}

// TestUnknownRuleIsPermanent: a rule id the endpoint does not know will
// never work; the error says so and what to check.
func TestUnknownRuleIsPermanent(t *testing.T) {
	env := newTestEnv(t)
	retry, err := env.notifier(t, publisher, "dcr-ffffffffffffffffffffffffffffffff").Notify(ctxT(t), message())
	if err == nil || retry {
		t.Fatalf("retry=%v err=%v; want a permanent error", retry, err)
	}
	for _, want := range []string{"404", "dcr-ffffffffffffffffffffffffffffffff", "rule_id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if tbl := query(t, env, table); len(tbl.Rows) != 0 {
		t.Errorf("rows: %d", len(tbl.Rows))
	}
}

// TestMissingRoleIsPermanent: an identity without Monitoring Metrics
// Publisher on the rule gets a 403 that names the role.
func TestMissingRoleIsPermanent(t *testing.T) {
	env := newTestEnv(t)
	retry, err := env.notifier(t, stranger, ruleID).Notify(ctxT(t), message())
	if err == nil || retry || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "Monitoring Metrics Publisher") {
		t.Fatalf("retry=%v err=%v; want a permanent 403 naming the role", retry, err)
	}
}

func TestClassifyStatuses(t *testing.T) {
	n := &Notifier{c: Config{Endpoint: "https://dce.westeurope-1.ingest.monitor.azure.com", RuleID: ruleID, Stream: stream}}
	tests := []struct {
		status    int
		wantRetry bool
	}{{400, false}, {401, false}, {403, false}, {404, false}, {413, false}, {408, true}, {429, true}, {500, true}, {503, true}}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.status, Header: http.Header{}, Body: http.NoBody,
			Request: &http.Request{Method: http.MethodPost, URL: mustURL(t, n.c.Endpoint)}}
		retry, err := n.classify(runtime.NewResponseError(resp))
		if retry != tt.wantRetry || err == nil {
			t.Errorf("%d: retry=%v err=%v; want retry=%v", tt.status, retry, err, tt.wantRetry)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Endpoint: "https://dce.westeurope-1.ingest.monitor.azure.com", RuleID: ruleID, Stream: stream, Credential: kvemuCredential(t)}
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"no endpoint", func(c *Config) { c.Endpoint = "" }, "endpoint is empty"},
		{"http endpoint", func(c *Config) { c.Endpoint = "http://dce.example.com" }, "endpoint"},
		{"endpoint with a query", func(c *Config) { c.Endpoint = "https://dce.example.com?x=1" }, "endpoint"},
		{"an ARM id as rule", func(c *Config) {
			c.RuleID = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/dcr-hv"
		}, "rule_id"},
		{"upper-case rule", func(c *Config) { c.RuleID = strings.ToUpper(ruleID) }, "rule_id"},
		{"a table as stream", func(c *Config) { c.Stream = "HoneyvaultIncidents_CL" }, "stream"},
		{"no credential", func(c *Config) { c.Credential = nil }, "credential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.change(&c)
			err := c.Validate()
			if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want %q", err, tt.want)
			}
		})
	}
}

// TestChunkUnderLimit: rows are split into arrays under the limit, none
// lost.
func TestChunkUnderLimit(t *testing.T) {
	rows := make([]Row, 50)
	for i := range rows {
		rows[i] = Row{IncidentTitle: strings.Repeat("x", 200), IncidentID: int64(i)}
	}
	chunks, err := chunk(rows, 4096)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range chunks {
		var got []Row
		if len(c) > 4096 || json.Unmarshal(c, &got) != nil {
			t.Fatalf("chunk of %d bytes: %s", len(c), c[:40])
		}
		total += len(got)
	}
	if total != len(rows) || len(chunks) < 2 {
		t.Errorf("%d rows in %d chunks; want %d in several", total, len(chunks), len(rows))
	}
	if _, err := chunk([]Row{{IncidentTitle: strings.Repeat("x", 5000)}}, 4096); err == nil {
		t.Error("a row over the limit was not refused")
	}
}

// TestColumnsMatchRow: the stream declaration lists exactly Row's fields.
func TestColumnsMatchRow(t *testing.T) {
	rt := reflect.TypeOf(Row{})
	if rt.NumField() != len(Columns) {
		t.Fatalf("Row has %d fields, Columns %d", rt.NumField(), len(Columns))
	}
	for i, c := range Columns {
		if tag := rt.Field(i).Tag.Get("json"); tag != c.Name {
			t.Errorf("column %d: Row says %s, Columns %s", i, tag, c.Name)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// kvemuCredential is a credential for tests that never sign in.
func kvemuCredential(t *testing.T) azcore.TokenCredential {
	t.Helper()
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e.Credential(publisher)
}

// TestREADMEDeclaresColumns: the table and the stream declaration README.md
// tells people to create list exactly Columns, so uploads fit them.
func TestREADMEDeclaresColumns(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, c := range Columns {
		for _, want := range []string{c.Name + "=" + c.Type, `{"name": "` + c.Name + `", "type": "` + c.Type + `"}`} {
			if !strings.Contains(readme, want) {
				t.Errorf("README.md lacks %s", want)
			}
		}
	}
}
