package loganalytics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// The test estate: a vault per permission model, an identity with access
// and one without, and a workspace the vaults' settings can name.
const (
	testSub    = "11111111-2222-3333-4444-555555555555"
	apVault    = "kv-app-prod"  // access policies: admin may get and set secrets
	rbacVault  = "kv-rbac-prod" // RBAC, no role assignments
	wsResource = "/subscriptions/" + testSub + "/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-soc"
	wsID       = "6f1c2a9e-3b7d-4e5f-8a1b-2c3d4e5f6a7b"
)

var (
	admin  = kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "alice@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
	nobody = kvemu.Identity{ObjectID: "dddddddd-0000-0000-0000-000000000004", UPN: "mallory@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
)

type testEnv struct {
	e   *kvemu.Emulator
	clk *testenv.Clock
	la  *Service
}

// newTestEnv starts an emulator with the test estate and its query API.
func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	clk := testenv.NewClock(time.Date(2026, 11, 20, 8, 0, 1, 123456700, time.UTC))
	e, err := kvemu.New(kvemu.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: testSub, ResourceGroup: "rg-app", Name: apVault,
		AccessPolicies: []kvemu.AccessPolicy{{ObjectID: admin.ObjectID, Permissions: kvemu.Permissions{Secrets: []string{"get", "set"}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: testSub, ResourceGroup: "rg-app", Name: rbacVault, EnableRBACAuthorization: true}); err != nil {
		t.Fatal(err)
	}
	la, err := New(e)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{e: e, clk: clk, la: la}
}

func (env *testEnv) secrets(t *testing.T, vault string, id kvemu.Identity) *azsecrets.Client {
	t.Helper()
	c, err := azsecrets.NewClient(env.e.VaultURL(vault), env.e.Credential(id), &azsecrets.ClientOptions{ClientOptions: env.e.ClientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (env *testEnv) logsClient(t *testing.T) *azlogs.Client {
	t.Helper()
	c, err := azlogs.NewClient(env.e.Credential(admin), env.la.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func isStatus(err error, status int, code string) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == status && re.ErrorCode == code
}
