package deploy

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// PolicyProblem speaks only about what the vault's policy shows: a
// planter entry lacking set, with the fix; nothing for an entry that has
// it, for no entry (a group may grant it) or for an RBAC vault.
func TestPolicyProblem(t *testing.T) {
	planter := azure.Principal{ObjectID: "aaaaaaaa-1111-4111-8111-000000000001"}
	vault := func(rbac bool, entries ...azure.AccessPolicy) azure.Vault {
		return azure.Vault{ID: "/subscriptions/" + subA + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-x", Name: "kv-x",
			SubscriptionID: subA, ResourceGroup: "rg", RBAC: rbac, AccessPolicies: entries}
	}
	listOnly := azure.AccessPolicy{ObjectID: planter.ObjectID, Secrets: []string{"list"}}
	full := azure.AccessPolicy{ObjectID: planter.ObjectID, Secrets: []string{"list", "set", "delete"}}
	other := azure.AccessPolicy{ObjectID: "bbbbbbbb-0000-0000-0000-000000000002", Secrets: []string{"list"}}
	secret := []registry.Type{registry.Secret}
	for _, c := range []struct {
		name string
		v    azure.Vault
		want []string // in the problem; nil: none
	}{
		{"entry without set", vault(false, listOnly), []string{"secrets/set", "az keyvault set-policy", "--secret-permissions delete list set"}},
		{"entry with set", vault(false, full), nil},
		{"no entry of its own", vault(false, other), nil},
		{"rbac", vault(true), nil},
	} {
		got := PolicyProblem(c.v, planter, secret)
		if c.want == nil && got != "" {
			t.Errorf("%s: got %q; want nothing", c.name, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: got %q; want it to contain %q", c.name, got, w)
			}
		}
	}
}
