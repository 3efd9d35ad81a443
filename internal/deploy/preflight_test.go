package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestPreflightNamesTheMissingPermissionAndTheFix(t *testing.T) {
	const setPolicy = "az keyvault set-policy --subscription " + subA + " --resource-group rg-apps --name kv-pre --object-id " + "aaaaaaaa-1111-4111-8111-000000000001"
	tests := []struct {
		name    string
		spec    kvemu.VaultSpec
		role    string // RBAC role of the planter on the vault
		types   []registry.Type
		missing []string // in Problem
		fix     []string // exactly
		ok      bool
		notes   []string // in the run's notes
	}{
		{
			name:    "access policy without an entry",
			spec:    kvemu.VaultSpec{AccessPolicies: policyFor(ownerID, allPerms)},
			missing: []string{"secrets/list (observed: list call refused (403))", "secrets/set (inferred: no access-policy entry for aaaaaaaa-1111-4111-8111-000000000001)"},
			fix:     []string{setPolicy + " --secret-permissions delete list set"},
		},
		{
			name:    "access policy that can only list",
			spec:    kvemu.VaultSpec{AccessPolicies: policyFor(planterID, kvemu.Permissions{Secrets: []string{"List"}})},
			missing: []string{"secrets/set (inferred: not in the access-policy entry)"},
			fix:     []string{setPolicy + " --secret-permissions delete list set"},
		},
		{
			name:    "access policy for secrets, planting keys too",
			spec:    kvemu.VaultSpec{AccessPolicies: policyFor(planterID, kvemu.Permissions{Secrets: []string{"get", "list", "set"}, Certificates: []string{"list"}})},
			types:   []registry.Type{registry.Secret, registry.Key},
			missing: []string{"keys/list (observed", "keys/create (inferred"},
			fix:     []string{setPolicy + " --secret-permissions delete get list set --key-permissions create delete get list"},
		},
		{
			name:    "access policy missing certificate create",
			spec:    kvemu.VaultSpec{AccessPolicies: policyFor(planterID, kvemu.Permissions{Secrets: []string{"list"}, Keys: []string{"list"}, Certificates: []string{"list", "delete"}})},
			types:   []registry.Type{registry.Certificate},
			missing: []string{"certificates/create (inferred"},
			fix:     []string{setPolicy + " --certificate-permissions create delete list"},
		},
		{
			name:  "access policy with everything",
			spec:  kvemu.VaultSpec{AccessPolicies: policyFor(planterID, allPerms)},
			types: []registry.Type{registry.Secret, registry.Key, registry.Certificate},
			ok:    true,
		},
		{
			name:  "access policy without delete: a warning",
			spec:  kvemu.VaultSpec{AccessPolicies: policyFor(planterID, kvemu.Permissions{Secrets: []string{"list", "set"}})},
			ok:    true,
			notes: []string{"missing secrets/delete (inferred: not in the access-policy entry): planting works, but retire", setPolicy + " --secret-permissions delete list set"},
		},
		{
			name:    "RBAC without a role",
			spec:    kvemu.VaultSpec{EnableRBACAuthorization: true},
			missing: []string{"secrets/list (observed: list call refused (403))"},
			fix: []string{`az role assignment create --role "Key Vault Secrets Officer" --assignee-object-id aaaaaaaa-1111-4111-8111-000000000001 ` +
				`--assignee-principal-type User --scope /subscriptions/` + subA + `/resourceGroups/rg-apps/providers/Microsoft.KeyVault/vaults/kv-pre`},
		},
		{
			name:  "RBAC with a reader role: create is not verified",
			spec:  kvemu.VaultSpec{EnableRBACAuthorization: true},
			role:  "Key Vault Secrets User",
			types: []registry.Type{registry.Secret},
			ok:    true,
		},
		{
			name:    "RBAC with secrets only, planting keys",
			spec:    kvemu.VaultSpec{EnableRBACAuthorization: true},
			role:    "Key Vault Secrets Officer",
			types:   []registry.Type{registry.Key},
			missing: []string{"keys/list (observed"},
			fix: []string{`az role assignment create --role "Key Vault Crypto Officer" --assignee-object-id aaaaaaaa-1111-4111-8111-000000000001 ` +
				`--assignee-principal-type User --scope /subscriptions/` + subA + `/resourceGroups/rg-apps/providers/Microsoft.KeyVault/vaults/kv-pre`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.spec.Name = "kv-pre"
			v := e.vault(tt.spec, "db-password")
			if tt.role != "" {
				if err := e.emu.AssignRole(kvemu.RoleAssignment{PrincipalID: planterID.ObjectID, Role: tt.role, Scope: v.ID}); err != nil {
					t.Fatal(err)
				}
			}
			d := e.deployer(plant.Settings{Types: tt.types})
			runs, err := d.Prepare(context.Background(), []azure.Vault{v}, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := runs[0]
			if tt.ok {
				if r.Err != nil || r.Plan == nil || !r.Preflight.OK() {
					t.Fatalf("got %v; want a plan", r.Err)
				}
				for _, n := range tt.notes {
					if !strings.Contains(strings.Join(r.Notes, "\n"), n) {
						t.Errorf("notes %q lack %q", r.Notes, n)
					}
				}
				return
			}
			var pe *PermissionError
			if !errors.As(r.Err, &pe) {
				t.Fatalf("got %v; want a PermissionError", r.Err)
			}
			for _, m := range tt.missing {
				if !strings.Contains(r.Preflight.Problem(), m) {
					t.Errorf("problem %q does not say %q", r.Preflight.Problem(), m)
				}
			}
			if got, want := strings.Join(r.Preflight.Fix(), "\n"), strings.Join(tt.fix, "\n"); got != want {
				t.Errorf("fix:\ngot  %s\nwant %s", got, want)
			}
			if !strings.Contains(r.Err.Error(), tt.fix[0]) {
				t.Errorf("the error does not carry the fix: %v", r.Err)
			}
		})
	}
}

func TestRBACCreateRefusedNamesTheRole(t *testing.T) {
	e := newEnv(t)
	v := e.vault(kvemu.VaultSpec{Name: "kv-reader", EnableRBACAuthorization: true}, "db-password")
	if err := e.emu.AssignRole(kvemu.RoleAssignment{PrincipalID: planterID.ObjectID, Role: "Key Vault Secrets User", Scope: v.ID}); err != nil {
		t.Fatal(err)
	}
	d := e.deployer(plant.Settings{})
	runs, err := d.Deploy(context.Background(), []azure.Vault{v}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := runs[0]
	if r.Err == nil || !strings.Contains(r.Err.Error(), "secrets/set (observed: the create was refused (403))") ||
		!strings.Contains(r.Err.Error(), `--role "Key Vault Secrets Officer"`) {
		t.Fatalf("got %v; want the refused permission and the role", r.Err)
	}
	if got := e.decoys(v.Name); len(got) != 0 {
		t.Errorf("a refused create left %d registry rows", len(got))
	}
}
