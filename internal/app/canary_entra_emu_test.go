package app

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The whole Entra ID canary with real parts: the deployer plants an app's
// client secret into an emulated vault; a thief reads it and signs in as
// the app with the real azidentity client-secret credential; the
// emulator's token endpoint refuses it and logs the sign-in, which its
// sink pushes to serve; serve raises exactly one canary:entra alert for
// the decoy, from the thief's address. The app cannot be planted twice.
func TestEntraCanaryPlantedThenSignedInAs(t *testing.T) {
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.AddSubscription(kvemu.Subscription{ID: invSubProd, DisplayName: "Contoso Production"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: invSubProd, ResourceGroup: "rg-sp", Name: "kv-orders-sp", Location: "westeurope",
		AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: invPlanter.ObjectID, Permissions: everyPermission}}}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken, cfg.IngestToken = adminToken, "ingest-token-for-entra"
	srv := serveInBackground(t, cfg, nil)
	const dest = "/subscriptions/" + invSubProd + "/resourceGroups/rg-sec/providers/Microsoft.EventHub/namespaces/evhns-aad/authorizationRules/RootManageSharedAccessKey"
	if err := e.RegisterDestination(dest, &kvemu.HTTPSink{URL: srv.url("/api/v1/ingest/azure-keyvault"), BearerToken: cfg.IngestToken}, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	e.SetSignInLogs(dest, "")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	co := e.ClientOptions()
	co.Cloud = e.Cloud()
	az, err := azure.New(azure.Options{Credential: e.Credential(invPlanter), ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	who, err := az.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vaults, _, err := deploy.Targets(ctx, az, nil, nil, true)
	if err != nil || len(vaults) != 1 {
		t.Fatalf("vaults %v, %v", vaults, err)
	}
	planner, err := plant.NewPlanner(plant.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	d := &deploy.Deployer{Azure: az, Store: srv.Store, Planner: planner, Planter: who}
	const appID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
	app := plant.EntraApp{AppID: appID, TenantID: kvemu.DefaultTenantID, Secret: "Q7b8Q~s0me.client-secret_value", DisplayName: "orders-reconcile"}
	dec, err := d.PlantEntra(ctx, vaults[0], "orders-reconcile-sp-secret", app)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.PlantEntra(ctx, vaults[0], "orders-reconcile-sp-secret-2", app); err == nil || !strings.Contains(err.Error(), "already names a decoy") {
		t.Errorf("the same app planted twice: %v", err)
	}
	if err := e.RegisterCanaryApp(appID); err != nil {
		t.Fatal(err)
	}

	// The thief's side: the value read, the credential built from it.
	raw, err := e.SecretValue("kv-orders-sp", dec.Name)
	if err != nil {
		t.Fatal(err)
	}
	var stolen struct{ AppID, Password, Tenant string }
	if err := json.Unmarshal([]byte(raw), &stolen); err != nil || stolen.Password != app.Secret {
		t.Fatalf("value %v: want the az create-for-rbac JSON with the secret", err)
	}
	cred, err := azidentity.NewClientSecretCredential(stolen.Tenant, stolen.AppID, stolen.Password,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://vault.azure.net/.default"}}); err == nil {
		t.Fatal("the canary app signed in: it is registered nowhere with a secret")
	}
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var got []store.Alert
	ingesttest.Eventually(t, 30*time.Second, "the sign-in's alert", func() bool {
		got, err = srv.Store.ListAlerts(ctx, store.AlertFilter{})
		return err == nil && len(got) > 0
	})
	if len(got) != 1 || got[0].Operation != "canary:entra" || got[0].Token != dec.Name || got[0].Caller.IP != "127.0.0.1" || got[0].IncidentID == 0 {
		t.Errorf("alerts %+v; want one canary:entra alert for %s from 127.0.0.1", got, dec.Name)
	}
}
