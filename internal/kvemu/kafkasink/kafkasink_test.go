package kafkasink

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	vaultName = "kv-app-prod"
	rule      = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-logs/providers/Microsoft.EventHub/namespaces/ehns/authorizationRules/RootManageSharedAccessKey"
)

var admin = kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "alice@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}

// TestSink streams a vault's audit log through a diagnostic setting that
// names an event hub, and reads the records back as a consumer.
func TestSink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "kv-audit")) // listens on 127.0.0.1
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	producer, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	emu := newEmulator(t)
	if err := emu.RegisterDestination(rule, &Sink{Client: producer}, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := emu.SetDiagnosticSetting(vaultName, kvemu.DiagnosticSetting{Name: "hub", EventHubAuthorizationRuleID: rule, EventHubName: "kv-audit",
		Logs: []kvemu.LogSettings{{Category: "AuditEvent", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	secrets, err := azsecrets.NewClient(emu.VaultURL(vaultName), emu.Credential(admin), &azsecrets.ClientOptions{ClientOptions: emu.ClientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	v := "v"
	if _, err := secrets.SetSecret(ctx, "streamed", azsecrets.SetSecretParameters{Value: &v}, nil); err != nil {
		t.Fatal(err)
	}
	if err := emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics("kv-audit"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	var ops []string
	for len(ops) < 2 {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %v before timing out", ops)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			var e struct {
				Records []kvemu.AuditRecord `json:"records"`
			}
			if err := json.Unmarshal(r.Value, &e); err != nil {
				t.Errorf("message %s: %v", r.Value, err)
			}
			for _, rec := range e.Records {
				ops = append(ops, rec.OperationName)
			}
		})
	}
	if got, want := strings.Join(ops, ","), "Authentication,SecretSet"; got != want {
		t.Errorf("records: got %s; want %s", got, want)
	}
}

// newEmulator starts an emulator holding one vault that admin may use.
func newEmulator(t *testing.T) *kvemu.Emulator {
	t.Helper()
	emu, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := emu.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if _, err := emu.CreateVault(kvemu.VaultSpec{SubscriptionID: "11111111-2222-3333-4444-555555555555", ResourceGroup: "rg-app", Name: vaultName,
		AccessPolicies: []kvemu.AccessPolicy{{ObjectID: admin.ObjectID, Permissions: kvemu.Permissions{Secrets: []string{"set"}}}}}); err != nil {
		t.Fatal(err)
	}
	return emu
}
