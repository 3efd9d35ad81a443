package store

import (
	"context"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// The SQL condition and VaultScope.Contains must agree on every decoy for
// every scope, or an owner would see different things in a list and a check.
func TestVaultScopeSQLAgreesWithContains(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		vaultC := "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-c/providers/Microsoft.KeyVault/vaults/KV-Cee"
		if _, err := s.ImportDecoys(ctx, []registry.Decoy{
			{VaultID: vaultA, Name: "a1", Type: registry.Secret},
			{VaultID: vaultB, Name: "b1", Type: registry.Secret},
			{VaultID: vaultC, Name: "c1", Type: registry.Key},
		}); err != nil {
			t.Fatal(err)
		}
		scopes := []struct {
			name string
			sc   VaultScope
			want string
		}{
			{"empty", VaultScope{}, ""},
			{"blank entries", VaultScope{Subscriptions: []string{" "}, Vaults: []string{""}}, ""},
			{"subscription any case", VaultScope{Subscriptions: []string{"11111111-1111-1111-1111-111111111111"}}, "a1 c1"},
			{"vault name any case", VaultScope{Vaults: []string{"kv-cee"}}, "c1"},
			{"vault id any case, trailing slash", VaultScope{Vaults: []string{strings.ToUpper(vaultB) + "/"}}, "b1"},
			{"union", VaultScope{Subscriptions: []string{"22222222-2222-2222-2222-222222222222"}, Vaults: []string{"kv-a"}}, "a1 b1"},
			{"name is not a prefix", VaultScope{Vaults: []string{"kv"}}, ""},
			{"sql metacharacters", VaultScope{Vaults: []string{"' OR 1=1 --"}, Subscriptions: []string{"%"}}, ""},
		}
		all, _ := s.ListDecoys(ctx, DecoyFilter{})
		for _, tt := range scopes {
			sc := tt.sc
			got, err := s.ListDecoys(ctx, DecoyFilter{Scope: &sc})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range got {
				names = append(names, d.Name)
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("%s: SQL got %q; want %q", tt.name, got, tt.want)
			}
			var inMemory []string
			for _, d := range all {
				if sc.Contains(d.VaultID) {
					inMemory = append(inMemory, d.Name)
				}
			}
			if got := strings.Join(inMemory, " "); got != tt.want {
				t.Errorf("%s: Contains got %q; want %q", tt.name, got, tt.want)
			}
		}
	})
}
