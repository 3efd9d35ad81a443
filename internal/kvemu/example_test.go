package kvemu_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// An estate with one vault, its audit log routed to a memory sink, and the
// unchanged SDK reading a secret.
func Example() {
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := e.Start(); err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	alice := kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "alice@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
	if _, err := e.CreateVault(kvemu.VaultSpec{
		SubscriptionID: "11111111-2222-3333-4444-555555555555", ResourceGroup: "rg-app", Name: "kv-example",
		AccessPolicies: []kvemu.AccessPolicy{{ObjectID: alice.ObjectID, Permissions: kvemu.Permissions{Secrets: []string{"get"}}}},
	}); err != nil {
		log.Fatal(err)
	}
	if _, err := e.SeedSecret("kv-example", kvemu.SecretSeed{Name: "db-password", Value: "hunter2"}); err != nil {
		log.Fatal(err)
	}
	const storage = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stlogs"
	sink := kvemu.NewMemorySink(0)
	if err := e.RegisterDestination(storage, sink, kvemu.DeliveryOptions{}); err != nil {
		log.Fatal(err)
	}
	if err := e.SetDiagnosticSetting("kv-example", kvemu.DiagnosticSetting{
		Name: "audit", StorageAccountID: storage, Logs: []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}},
	}); err != nil {
		log.Fatal(err)
	}

	opts := &azsecrets.ClientOptions{ClientOptions: e.ClientOptions()}
	client, err := azsecrets.NewClient(e.VaultURL("kv-example"), e.Credential(alice), opts)
	if err != nil {
		log.Fatal(err)
	}
	s, err := client.GetSecret(context.Background(), "db-password", "", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*s.Value)

	if err := e.Flush(context.Background()); err != nil {
		log.Fatal(err)
	}
	for _, r := range sink.Records() {
		var a kvemu.AuditRecord
		if err := json.Unmarshal(r.JSON, &a); err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.OperationName, a.Properties.HTTPStatusCode, a.Properties.RequestURI)
	}
	// Output:
	// hunter2
	// Authentication 401 https://kv-example.vault.azure.net/secrets/db-password/?api-version=2026-04-01
	// SecretGet 200 https://kv-example.vault.azure.net/secrets/db-password/?api-version=2026-04-01
}
