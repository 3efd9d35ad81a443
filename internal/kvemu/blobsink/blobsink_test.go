package blobsink

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

const (
	vaultName = "kv-app-prod"
	storage   = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/devstoreaccount1"
)

var admin = kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "alice@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}

// TestSinkAzurite archives a vault's audit log to Azurite through a
// diagnostic setting, twice into the same hourly blob, and reads it back.
func TestSinkAzurite(t *testing.T) {
	az := testenv.StartAzurite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Date(2026, 11, 20, 8, 0, 1, 123456700, time.UTC) // the emulator's clock stands still: both requests land in one hour's blob
	emu, err := kvemu.New(kvemu.Options{Now: func() time.Time { return now }})
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
	v, err := emu.CreateVault(kvemu.VaultSpec{SubscriptionID: "11111111-2222-3333-4444-555555555555", ResourceGroup: "rg-app", Name: vaultName,
		AccessPolicies: []kvemu.AccessPolicy{{ObjectID: admin.ObjectID, Permissions: kvemu.Permissions{Secrets: []string{"set"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := azblob.NewClientFromConnectionString(az.ConnectionString, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.RegisterDestination(storage, New(client), kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := emu.SetDiagnosticSetting(vaultName, kvemu.DiagnosticSetting{Name: "blob", StorageAccountID: storage,
		Logs: []kvemu.LogSettings{{Category: "AuditEvent", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"first", "second"} { // the second appends to the first's blob
		// A new client each time: each meets the bearer challenge.
		secrets, err := azsecrets.NewClient(emu.VaultURL(vaultName), emu.Credential(admin), &azsecrets.ClientOptions{ClientOptions: emu.ClientOptions()})
		if err != nil {
			t.Fatal(err)
		}
		val := "v"
		if _, err := secrets.SetSecret(ctx, name, azsecrets.SetSecretParameters{Value: &val}, nil); err != nil {
			t.Fatal(err)
		}
		if err := emu.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	container, blobName := kvemu.ArchivePath(kvemu.CategoryAuditEvent, strings.ToUpper(v.ID), now)
	resp, err := client.DownloadStream(ctx, container, blobName, nil)
	if err != nil {
		t.Fatalf("download %s/%s: %v", container, blobName, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ops []string
	for _, l := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		var r kvemu.AuditRecord
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		ops = append(ops, r.OperationName)
	}
	if got, want := strings.Join(ops, ","), "Authentication,SecretSet,Authentication,SecretSet"; got != want {
		t.Errorf("blob lines: got %s; want %s", got, want)
	}
	if got := emu.DeliveryStats().Dropped; got != 0 {
		t.Errorf("dropped %d records", got)
	}
}
