package app

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/store"
)

const (
	invSubProd = "3f9c2a71-5d4e-4b8a-9c1f-6e2d8a4b7c10"
	invSubDev  = "8b1d6e42-0a7c-4f93-b5e8-2c9f1d3a6e54"
	invSubNone = "44444444-4444-4444-4444-444444444444"
)

var invPlanter = kvemu.Identity{ObjectID: "aaaaaaaa-0000-4000-8000-000000000001", UPN: "planter@contoso.com", AppID: "11111111-0000-4000-8000-000000000001"}

// inventoryEstate is an emulator with two subscriptions and three vaults:
// kv-pay (access policies, the planter may list but not set secrets),
// kv-orders (RBAC) and kv-dev.
func inventoryEstate(t *testing.T) (*kvemu.Emulator, deploy.Overrides) {
	t.Helper()
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	for _, s := range []kvemu.Subscription{{ID: invSubProd, DisplayName: "Contoso Production"}, {ID: invSubDev, DisplayName: "Contoso Dev/Test"}} {
		if err := e.AddSubscription(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []kvemu.VaultSpec{
		{SubscriptionID: invSubProd, ResourceGroup: "rg-pay", Name: "kv-pay", Location: "westeurope", Tags: map[string]string{"team": "payments"},
			AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: invPlanter.ObjectID, Permissions: kvemu.Permissions{Secrets: []string{"list"}}}}},
		{SubscriptionID: invSubProd, ResourceGroup: "rg-orders", Name: "kv-orders", Location: "northeurope", EnableRBACAuthorization: true},
		{SubscriptionID: invSubDev, ResourceGroup: "rg-dev", Name: "kv-dev", Location: "eastus"},
	} {
		if _, err := e.CreateVault(s); err != nil {
			t.Fatal(err)
		}
	}
	co := e.ClientOptions()
	co.Cloud = e.Cloud()
	return e, deploy.Overrides{Credential: e.Credential(invPlanter), ClientOptions: &co}
}

func apiCall(t *testing.T, b *background, method, path, token string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, b.url(path), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func vaultNames(l api.VaultList) string {
	var names []string
	for _, v := range l.Vaults {
		names = append(names, v.Name)
	}
	return strings.Join(names, " ")
}

// serve discovers the estate at start (the schedule's first run), keeps
// each subscription's display name and the vaults' properties, says where
// the planter's access policy blocks planting, and an admin's "discover
// now" marks a deleted vault gone.
func TestServeDiscoversVaults(t *testing.T) {
	_, over := inventoryEstate(t)
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken = adminToken
	cfg.Inventory.Interval = "1h"
	srv := serveInBackground(t, cfg, nil, WithAzure(over))

	var list api.VaultList
	ingesttest.Eventually(t, 30*time.Second, "three vaults discovered", func() bool {
		return apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list) == 200 && len(list.Vaults) == 3
	})
	if got, want := vaultNames(list), "kv-orders kv-pay kv-dev"; got != want {
		t.Errorf("vaults: got %q; want %q (by id: subscription, resource group)", got, want)
	}
	if len(list.Subscriptions) != 2 || list.Subscriptions[0].Name != "Contoso Production" || list.Subscriptions[0].Coverage.Total != 2 ||
		list.Subscriptions[1].Name != "Contoso Dev/Test" || list.Coverage.NotCovered != 3 {
		t.Errorf("subscriptions %+v, coverage %+v", list.Subscriptions, list.Coverage)
	}
	pay := list.Vaults[1]
	if pay.PermissionModel != "access_policies" || pay.Tags["team"] != "payments" || !pay.SoftDelete || pay.Location != "westeurope" ||
		pay.Subscription != "Contoso Production" || pay.Coverage.State != "not-covered" {
		t.Errorf("kv-pay: %+v", pay)
	}
	if reasons := strings.Join(pay.Coverage.Reasons, " | "); !strings.Contains(reasons, "missing secrets/set") || !strings.Contains(reasons, "az keyvault set-policy") {
		t.Errorf("kv-pay's reasons do not say planting is blocked: %q", reasons)
	}
	if list.Vaults[0].PermissionModel != "rbac" || len(list.Vaults[0].Coverage.Reasons) != 1 {
		t.Errorf("kv-orders: %+v", list.Vaults[0])
	}

	// kv-orders is deleted; an admin asks for discovery now.
	cl, err := armkeyvault.NewVaultsClient(invSubProd, over.Credential, &arm.ClientOptions{ClientOptions: *over.ClientOptions})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Delete(context.Background(), "rg-orders", "kv-orders", nil); err != nil {
		t.Fatal(err)
	}
	analyst, _, err := auth.IssueToken(context.Background(), srv.Store, auth.TokenRequest{Role: auth.Analyst}, store.AuditEntry{Actor: "test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code := apiCall(t, srv, "POST", "/api/v1/vaults/discover", analyst, nil); code != http.StatusForbidden {
		t.Errorf("analyst's discover: %d; want 403", code)
	}
	var rep api.DiscoveryReport
	if code := apiCall(t, srv, "POST", "/api/v1/vaults/discover", adminToken, &rep); code != 200 {
		t.Fatalf("discover: %d", code)
	}
	if rep.Gone != 1 || rep.Seen != 2 || rep.Subscriptions != 2 || len(rep.Errors) != 0 {
		t.Errorf("report: %+v", rep)
	}
	apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list)
	if got, want := vaultNames(list), "kv-pay kv-dev"; got != want {
		t.Errorf("after the delete: got %q; want %q", got, want)
	}
	var detail api.VaultDetail
	if code := apiCall(t, srv, "GET", "/api/v1/vaults/subscriptions/"+invSubProd+"/resourceGroups/rg-orders/providers/Microsoft.KeyVault/vaults/kv-orders", adminToken, &detail); code != 200 || detail.Vault.GoneAt == nil {
		t.Errorf("kv-orders: %d, %+v; want it marked gone", code, detail.Vault)
	}
	audit, err := srv.Store.ListAudit(context.Background(), store.AuditFilter{Action: "vaults.discover"})
	if err != nil || len(audit) != 1 || audit[0].Actor != "bootstrap:admin" {
		t.Errorf("audit: %+v, %v", audit, err)
	}
}

// A subscription that cannot be listed is kept with its error; the
// others are discovered. With the schedule off, nothing runs by itself.
func TestDiscoveryKeepsEachSubscriptionsError(t *testing.T) {
	_, over := inventoryEstate(t)
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken = adminToken
	cfg.Inventory.Interval = "off"
	cfg.Plant.Subscriptions = []string{invSubDev, invSubNone}
	srv := serveInBackground(t, cfg, nil, WithAzure(over))

	var list api.VaultList
	apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list)
	if len(list.Vaults) != 0 || len(list.Subscriptions) != 0 {
		t.Fatalf("discovered with the schedule off: %+v", list)
	}
	var rep api.DiscoveryReport
	if code := apiCall(t, srv, "POST", "/api/v1/vaults/discover", adminToken, &rep); code != 200 {
		t.Fatalf("discover: %d", code)
	}
	if rep.Subscriptions != 2 || rep.FailedSubscriptions != 1 || rep.Seen != 1 {
		t.Errorf("report: %+v", rep)
	}
	apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list)
	if got, want := vaultNames(list), "kv-dev"; got != want {
		t.Errorf("vaults: got %q; want %q", got, want)
	}
	var failed *api.SubscriptionCoverage
	for i, s := range list.Subscriptions {
		if s.ID == invSubNone {
			failed = &list.Subscriptions[i]
		}
	}
	if failed == nil || failed.Error == "" || failed.ListedAt != nil {
		t.Errorf("the unknown subscription: %+v; want its error kept", list.Subscriptions)
	}
}
