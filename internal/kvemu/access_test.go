package kvemu

import (
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

func TestAccessPolicyDenied(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	if _, err := env.e.SeedSecret(apVault, SecretSeed{Name: "db-password", Value: "x"}); err != nil {
		t.Fatal(err)
	}
	_, err := env.secrets(t, apVault, nobody).GetSecret(ctx, "db-password", "", nil)
	if !isStatus(err, http.StatusForbidden, "Forbidden") || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("nobody's get: %v", err)
	}
	r := env.lastAudit(t, "SecretGet")
	if r.Properties.HTTPStatusCode != 403 || r.ResultSignature != "Forbidden" || r.Properties.ID != "" ||
		r.Properties.IsAccessPolicyMatch == nil || *r.Properties.IsAccessPolicyMatch || r.Identity.Claim["oid"] != nobody.ObjectID ||
		!strings.Contains(r.ResultDescription, "does not have secrets get permission") {
		t.Errorf("denied record: %+v", r)
	}
	// app may get but not set or list.
	appc := env.secrets(t, apVault, app)
	if _, err := appc.GetSecret(ctx, "db-password", "", nil); err != nil {
		t.Errorf("app get: %v", err)
	}
	if _, err := appc.SetSecret(ctx, "x", azsecrets.SetSecretParameters{Value: ptr("v")}, nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("app set: %v", err)
	}
	// Permission is checked before existence, as in Azure.
	if _, err := appc.GetSecret(ctx, "missing", "", nil); !isStatus(err, http.StatusNotFound, "SecretNotFound") {
		t.Errorf("app get of a missing secret: %v", err)
	}
	if _, err := env.secrets(t, apVault, nobody).GetSecret(ctx, "missing", "", nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("nobody's get of a missing secret: %v", err)
	}
	if _, err := env.keys(t, apVault, app).CreateKey(ctx, "k", azkeys.CreateKeyParameters{Kty: ptr(azkeys.KeyTypeEC)}, nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("app key create: %v", err)
	}
}

func TestRBACDenied(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	for _, name := range []string{"db-password", "api-key"} {
		if _, err := env.e.SeedSecret(rbacVault, SecretSeed{Name: name, Value: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	appc := env.secrets(t, rbacVault, app)
	// app's Secrets User assignment is scoped to one secret.
	if _, err := appc.GetSecret(ctx, "DB-PASSWORD", "", nil); err != nil {
		t.Errorf("app get of its secret: %v", err)
	}
	r := env.lastAudit(t, "SecretGet")
	if r.Properties.IsRbacAuthorized == nil || !*r.Properties.IsRbacAuthorized || r.Properties.IsAccessPolicyMatch != nil {
		t.Errorf("allowed RBAC record: %+v", r.Properties)
	}
	_, err := appc.GetSecret(ctx, "api-key", "", nil)
	if !isStatus(err, http.StatusForbidden, "Forbidden") || !strings.Contains(err.Error(), "ForbiddenByRbac") {
		t.Errorf("app get of another secret: %v", err)
	}
	r = env.lastAudit(t, "SecretGet")
	if r.Properties.IsRbacAuthorized == nil || *r.Properties.IsRbacAuthorized || r.Properties.ID != "" ||
		!strings.Contains(r.ResultDescription, "Microsoft.KeyVault/vaults/secrets/getSecret/action") {
		t.Errorf("denied RBAC record: %+v", r)
	}
	if _, err := appc.NewListSecretPropertiesPager(nil).NextPage(ctx); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("app list: %v", err)
	}
	// The administrator may do anything; a reader may list but not read values.
	if _, err := env.secrets(t, rbacVault, admin).SetSecret(ctx, "new", azsecrets.SetSecretParameters{Value: ptr("v")}, nil); err != nil {
		t.Errorf("admin set: %v", err)
	}
	v, _ := env.e.Vault(rbacVault)
	if err := env.e.AssignRole(RoleAssignment{PrincipalID: nobody.ObjectID, Role: "Key Vault Reader", Scope: "/subscriptions/" + testSub}); err != nil {
		t.Fatal(err)
	}
	rc := env.secrets(t, rbacVault, nobody)
	if _, err := rc.NewListSecretPropertiesPager(nil).NextPage(ctx); err != nil {
		t.Errorf("reader list: %v", err)
	}
	if _, err := rc.GetSecret(ctx, "api-key", "", nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("reader get: %v", err)
	}
	if n := env.e.removeRoleAssignments(nobody.ObjectID, "/subscriptions/"+testSub); n != 1 {
		t.Errorf("removed %d assignments", n)
	}
	if _, err := rc.NewListSecretPropertiesPager(nil).NextPage(ctx); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("list after removal: %v", err)
	}
	_ = v
}

func TestActionMatches(t *testing.T) {
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{"Microsoft.KeyVault/vaults/*", "Microsoft.KeyVault/vaults/secrets/getSecret/action", true},
		{"Microsoft.KeyVault/vaults/secrets/*", "microsoft.keyvault/vaults/secrets/delete", true},
		{"Microsoft.KeyVault/vaults/secrets/*", "Microsoft.KeyVault/vaults/keys/read", false},
		{"Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/keys/read", true},
		{"Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/getSecret/action", false},
		{"Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/read", true},
	}
	for _, tt := range tests {
		if got := actionMatches(tt.pattern, tt.action); got != tt.want {
			t.Errorf("actionMatches(%q, %q): got %v; want %v", tt.pattern, tt.action, got, tt.want)
		}
	}
}
