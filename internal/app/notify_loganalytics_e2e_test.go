package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	laemu "github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
	"github.com/honeyvault/honeyvault/internal/notify/loganalytics"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const (
	laWorkspace = "6f1c2a9e-3b7d-4e5f-8a1b-2c3d4e5f6a7b"
	laRule      = "dcr-00112233445566778899aabbccddeeff"
	laStream    = "Custom-HoneyvaultIncidents_CL"
	laTable     = "HoneyvaultIncidents_CL"
)

// laEnv is serve with a loganalytics channel "sentinel" to the emulated
// workspace's rule, signed in (WithAzure) as a publisher of the rule.
type laEnv struct {
	e   *kvemu.Emulator
	la  *laemu.Service
	id  kvemu.Identity
	cfg config.Config
	srv *background
}

// newLAEnv starts it; the channel names ruleID, which the emulator knows
// when it is laRule.
func newLAEnv(t *testing.T, ruleID string) *laEnv {
	t.Helper()
	env := &laEnv{id: kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-0000000000aa", AppID: "aaaaaaaa-0000-0000-0000-0000000000ab"}}
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
	ws, err := la.CreateWorkspace("/subscriptions/s1/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/law-soc", laWorkspace, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var cols []laemu.Column
	for _, c := range loganalytics.Columns {
		cols = append(cols, laemu.Column{Name: c.Name, Type: c.Type})
	}
	if err := la.CreateDataCollectionRule(laemu.DataCollectionRule{ImmutableID: laRule, Workspace: ws, Publishers: []string{env.id.ObjectID},
		Streams: []laemu.Stream{{Name: laStream, Table: laTable, Columns: cols}}}); err != nil {
		t.Fatal(err)
	}
	env.e, env.la = e, la

	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken, cfg.IngestToken = adminToken, "ingest-token-for-la-test"
	cfg.ExternalURL = "https://hv.example.com"
	cfg.Notify.Channels = []config.Channel{{Name: "sentinel", Type: "loganalytics", Endpoint: la.IngestionEndpoint(), RuleID: ruleID, Stream: laStream}}
	// The emulator signs the channel in; nothing else of serve calls it.
	cfg.Inventory.Interval, cfg.Reconcile.Interval, cfg.Heartbeat.Interval, cfg.Diagnostics.Interval = "off", "off", "off", "off"
	st, err := store.Open(context.Background(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddDecoy(context.Background(), &registry.Decoy{VaultID: vaultPay, Name: "payments-db-password", Type: registry.Secret}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	co := e.ClientOptions()
	env.cfg = cfg
	env.srv = serveInBackground(t, cfg, nil, WithAzure(deploy.Overrides{Credential: e.Credential(env.id), ClientOptions: &co}))
	return env
}

// rows runs KQL on the workspace through the query SDK and returns its
// rows keyed by column.
func (env *laEnv) rows(t *testing.T, kql string) []map[string]any {
	t.Helper()
	q, err := azlogs.NewClient(env.e.Credential(env.id), env.la.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := q.QueryWorkspace(context.Background(), laWorkspace, azlogs.QueryBody{Query: &kql}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range resp.Tables[0].Rows {
		row := map[string]any{}
		for i, c := range resp.Tables[0].Columns {
			row[*c.Name] = r[i]
		}
		out = append(out, row)
	}
	return out
}

// TestDecoyAccessLandsInLogAnalytics: a decoy access posted to the ingest
// endpoint becomes an incident whose row the loganalytics channel uploads
// through the Logs Ingestion API to the emulated workspace, exactly once,
// read back with KQL through the query SDK.
func TestDecoyAccessLandsInLogAnalytics(t *testing.T) {
	env := newLAEnv(t, laRule)
	post := func() {
		t.Helper()
		req, _ := http.NewRequest("POST", env.srv.url("/api/v1/ingest/azure-keyvault"), strings.NewReader(string(hit("corr-la", "Payments-DB-Password", "attacker-oid"))))
		req.Header.Set("Authorization", "Bearer "+env.cfg.IngestToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("ingest: %d", resp.StatusCode)
		}
	}
	post()
	waitOutboxSent(t, env.srv, "sentinel", 1)
	// The record again is a duplicate: no new alert, nothing more to send
	// (a notification would be in the outbox before the 202).
	post()
	waitOutboxSent(t, env.srv, "sentinel", 1)

	rows := env.rows(t, laTable+` | where CorrelationId == "corr-la"`)
	if len(rows) != 1 {
		t.Fatalf("rows: got %d; want exactly 1", len(rows))
	}
	row := rows[0]
	for col, want := range map[string]any{
		"IncidentId": 1.0, "IncidentTitle": "HoneyTokens: KeyVault HoneyTokens secret accessed", "Severity": "high", "Status": "new",
		"Vault": "kv-pay", "Token": "payments-db-password", "TokenType": "secret", "Operation": "SecretGet", "Class": "read",
		"CallerObjectId": "attacker-oid", "CallerIpAddress": "203.0.113.7", "IncidentUrl": "https://hv.example.com/incidents/1",
		"TimeGenerated": "2026-11-20T08:00:01.0000000Z", "MessageKind": "new",
	} {
		if got := row[col]; got != want {
			t.Errorf("%s: got %v; want %v", col, got, want)
		}
	}
	if v, _ := row["VaultId"].(string); !strings.EqualFold(v, vaultPay) {
		t.Errorf("VaultId: %v", row["VaultId"])
	}
}

// TestLogAnalyticsChannelSendTest: the console's (and notify test's) test
// message lands as a row marked as a test; a rule id the endpoint does not
// know fails with an error that says what to check.
func TestLogAnalyticsChannelSendTest(t *testing.T) {
	sendTest := func(env *laEnv) api.ChannelTest {
		t.Helper()
		req, _ := http.NewRequest("POST", env.srv.url("/api/v1/notify/channels/sentinel/test"), nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res api.ChannelTest
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("send test: %d %v", resp.StatusCode, err)
		}
		return res
	}
	env := newLAEnv(t, laRule)
	if res := sendTest(env); !res.OK || res.Type != "loganalytics" {
		t.Fatalf("send test: %+v", res)
	}
	rows := env.rows(t, laTable+` | where MessageKind == "test"`)
	if len(rows) != 1 || rows[0]["IncidentTitle"] != "honeyvault test notification (not an incident)" {
		t.Errorf("test rows: %v", rows)
	}

	bad := newLAEnv(t, "dcr-ffffffffffffffffffffffffffffffff")
	res := sendTest(bad)
	if res.OK || !strings.Contains(res.Error, "404") || !strings.Contains(res.Error, "rule_id") {
		t.Errorf("unknown rule: %+v; want a failure naming 404 and rule_id", res)
	}
	t.Logf("an unknown rule: %s", res.Error)
}

// waitOutboxSent waits until channel has want notifications, all sent.
func waitOutboxSent(t *testing.T, srv *background, channel string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ns, err := srv.Store.ListNotifications(context.Background(), channel, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, n := range ns {
			if n.State == store.StateSent {
				sent++
			}
		}
		if len(ns) == want && sent == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox of %s: %+v; want %d sent", channel, ns, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
