package receivers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	laemu "github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/loganalytics"
)

// TestLogAnalyticsSignsInAsConfigured: a loganalytics channel signs in with
// its tenant_id, client_id and client_secret_env at the emulator's token
// endpoint (through azidentity, as against Entra ID) and its test row lands;
// a wrong secret fails at once with Entra ID's code and without the secret.
func TestLogAnalyticsSignsInAsConfigured(t *testing.T) {
	const (
		wsID   = "6f1c2a9e-3b7d-4e5f-8a1b-2c3d4e5f6a7b"
		ruleID = "dcr-0123456789abcdef0123456789abcdef"
		stream = "Custom-HoneyvaultIncidents_CL"
	)
	app := kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-0000000000aa", AppID: "aaaaaaaa-0000-0000-0000-0000000000ab"}
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	if err := e.RegisterApp(app, "correct-horse-battery"); err != nil {
		t.Fatal(err)
	}
	la, err := laemu.New(e)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := la.CreateWorkspace("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law", wsID, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var cols []laemu.Column
	for _, c := range loganalytics.Columns {
		cols = append(cols, laemu.Column{Name: c.Name, Type: c.Type})
	}
	if err := la.CreateDataCollectionRule(laemu.DataCollectionRule{ImmutableID: ruleID, Workspace: ws, Publishers: []string{app.ObjectID},
		Streams: []laemu.Stream{{Name: stream, Table: "HoneyvaultIncidents_CL", Columns: cols}}}); err != nil {
		t.Fatal(err)
	}
	co := e.ClientOptions()
	co.Cloud = e.Cloud()
	channel := func(secretEnv string) notify.Channel {
		t.Helper()
		cfg := config.Notify{Channels: []config.Channel{{Name: "sentinel", Type: "loganalytics", Endpoint: la.IngestionEndpoint(), RuleID: ruleID,
			Stream: stream, TenantID: kvemu.DefaultTenantID, ClientID: app.AppID, ClientSecretEnv: secretEnv}}}
		env := map[string]string{"GOOD": "correct-horse-battery", "BAD": "wrong-horse-battery"}
		chs, err := FromConfig(cfg, func(k string) string { return env[k] }, WithAzure(nil, &co))
		if err != nil {
			t.Fatal(err)
		}
		return chs[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := notify.SendTest(ctx, channel("GOOD"), "https://hv.example.com", time.Now().UTC()); err != nil {
		t.Fatalf("send test: %v", err)
	}
	q, err := azlogs.NewClient(e.Credential(app), la.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	kql := `HoneyvaultIncidents_CL | where MessageKind == "test"`
	resp, err := q.QueryWorkspace(ctx, wsID, azlogs.QueryBody{Query: &kql}, nil)
	if err != nil || len(resp.Tables[0].Rows) != 1 {
		t.Fatalf("test rows: %v %+v", err, resp.Tables)
	}

	retry, err := channel("BAD").Send(ctx, notify.TestMessage("https://hv.example.com", time.Now().UTC()))
	if err == nil || retry || !strings.Contains(err.Error(), "AADSTS7000215") || strings.Contains(err.Error(), "wrong-horse-battery") {
		t.Errorf("wrong secret: retry=%v err=%v; want a permanent error with AADSTS7000215 and no secret", retry, err)
	}
}
