package kvemu

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// The test estate: one subscription, one resource group, a vault per
// permission model, identities with and without access.
const (
	testSub      = "11111111-2222-3333-4444-555555555555"
	testRG       = "rg-app"
	apVault      = "kv-app-prod"  // access policies
	rbacVault    = "kv-rbac-prod" // RBAC
	logsStorage  = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stlogs"
	actStorage   = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stactivity"
	diagSettingN = "audit-to-storage"
)

var (
	admin  = Identity{ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "alice@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
	app    = Identity{ObjectID: "bbbbbbbb-0000-0000-0000-000000000002", AppID: "cccccccc-0000-0000-0000-000000000003", IPAddress: "203.0.113.7"}
	nobody = Identity{ObjectID: "dddddddd-0000-0000-0000-000000000004", UPN: "mallory@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
)

type testEnv struct {
	e     *Emulator
	clk   *testenv.Clock
	audit *MemorySink
	act   *MemorySink
}

// newTestEnv starts an emulator with the test estate, audit logging of
// both vaults to a memory sink and the Activity log to another.
func newTestEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	clk := testenv.NewClock(time.Date(2026, 11, 20, 8, 0, 1, 123456700, time.UTC))
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	if opts.PageSize == 0 {
		opts.PageSize = 2 // small pages so lists exercise nextLink
	}
	e, err := New(opts)
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
	all := Permissions{
		Keys:         []string{"all"},
		Secrets:      []string{"get", "list", "set", "delete", "recover", "backup", "restore", "purge"},
		Certificates: []string{"all"},
	}
	if _, err := e.CreateVault(VaultSpec{
		SubscriptionID: testSub, ResourceGroup: testRG, Name: apVault, Location: "westeurope",
		Tags: map[string]string{"env": "prod"},
		AccessPolicies: []AccessPolicy{
			{TenantID: DefaultTenantID, ObjectID: admin.ObjectID, Permissions: all},
			{TenantID: DefaultTenantID, ObjectID: app.ObjectID, Permissions: Permissions{Secrets: []string{"get"}}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateVault(VaultSpec{SubscriptionID: testSub, ResourceGroup: testRG, Name: rbacVault, EnableRBACAuthorization: true}); err != nil {
		t.Fatal(err)
	}
	v, _ := e.Vault(rbacVault)
	for _, ra := range []RoleAssignment{
		{PrincipalID: admin.ObjectID, Role: "Key Vault Administrator", Scope: v.ID},
		{PrincipalID: app.ObjectID, Role: "Key Vault Secrets User", Scope: v.ID + "/secrets/db-password"},
	} {
		if err := e.AssignRole(ra); err != nil {
			t.Fatal(err)
		}
	}
	env := &testEnv{e: e, clk: clk, audit: NewMemorySink(0), act: NewMemorySink(0)}
	if err := e.RegisterDestination(logsStorage, env.audit, DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.RegisterDestination(actStorage, env.act, DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{apVault, rbacVault} {
		if err := e.SetDiagnosticSetting(name, DiagnosticSetting{
			Name: diagSettingN, StorageAccountID: logsStorage, Logs: []LogSettings{{CategoryGroup: "audit", Enabled: true}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.SetSubscriptionDiagnosticSetting(testSub, DiagnosticSetting{
		Name: "activity", StorageAccountID: actStorage, Logs: []LogSettings{{Category: "Administrative", Enabled: true}},
	}); err != nil {
		t.Fatal(err)
	}
	return env
}

func (env *testEnv) clientOptions() azcore.ClientOptions {
	return env.e.ClientOptions()
}

func (env *testEnv) secrets(t *testing.T, vault string, id Identity) *azsecrets.Client {
	t.Helper()
	c, err := azsecrets.NewClient(env.e.VaultURL(vault), env.e.Credential(id), &azsecrets.ClientOptions{ClientOptions: env.clientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (env *testEnv) keys(t *testing.T, vault string, id Identity) *azkeys.Client {
	t.Helper()
	c, err := azkeys.NewClient(env.e.VaultURL(vault), env.e.Credential(id), &azkeys.ClientOptions{ClientOptions: env.clientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (env *testEnv) certs(t *testing.T, vault string, id Identity) *azcertificates.Client {
	t.Helper()
	c, err := azcertificates.NewClient(env.e.VaultURL(vault), env.e.Credential(id), &azcertificates.ClientOptions{ClientOptions: env.clientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// auditRecords flushes deliveries and decodes every AuditEvent record
// received so far.
func (env *testEnv) auditRecords(t *testing.T) []AuditRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var out []AuditRecord
	for _, r := range env.audit.Records() {
		var a AuditRecord
		if err := json.Unmarshal(r.JSON, &a); err != nil {
			t.Fatalf("audit record %s: %v", r.JSON, err)
		}
		out = append(out, a)
	}
	return out
}

// lastAudit returns the newest audit record with operation op.
func (env *testEnv) lastAudit(t *testing.T, op string) AuditRecord {
	t.Helper()
	recs := env.auditRecords(t)
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].OperationName == op {
			return recs[i]
		}
	}
	t.Fatalf("no %s audit record among %d", op, len(recs))
	return AuditRecord{}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

var _ = policy.RetryOptions{}

// The test-side counterparts of estate changes the emulator's users make
// through ARM (or not at all): tests use them to set a scene directly.

// removeRoleAssignments removes every role assignment of principalID at
// scope and reports how many it removed.
func (e *Emulator) removeRoleAssignments(principalID, scope string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.roles)
	e.roles = slices.DeleteFunc(e.roles, func(ra RoleAssignment) bool {
		return strings.EqualFold(ra.PrincipalID, principalID) && strings.EqualFold(ra.Scope, scope)
	})
	return n - len(e.roles)
}

// deleteDiagnosticSetting removes a vault's diagnostic setting by name and
// reports whether it existed.
func (e *Emulator) deleteDiagnosticSetting(vaultName, name string) (bool, error) {
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return false, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.diag[strings.ToLower(name)]
	delete(v.diag, strings.ToLower(name))
	return ok, nil
}

// diagnosticSettings lists a vault's diagnostic settings, ordered by name.
func (e *Emulator) diagnosticSettings(vaultName string) ([]DiagnosticSetting, error) {
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return sortedDiag(v.diag), nil
}
