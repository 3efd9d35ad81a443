package auditlog

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// FuzzNameRules keeps the byte-loop name checks equal to the registry's.
func FuzzNameRules(f *testing.F) {
	for _, s := range []string{"kv1", "db-password", "a", "", "x_y", strings.Repeat("a", 127), strings.Repeat("a", 128),
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1",
		"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1/",
		"/subscriptions//resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1",
		"subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1/secrets/x", "k\u212a1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validObjectName(s), registry.ValidObjectName(s); got != want {
			t.Errorf("validObjectName(%q) = %v; registry says %v", s, got, want)
		}
		if got, want := validVaultName(s), registry.ValidVaultName(s); got != want {
			t.Errorf("validVaultName(%q) = %v; registry says %v", s, got, want)
		}
		want, err := registry.VaultNameFromID(s)
		if err != nil {
			want = ""
		}
		if got := vaultNameOfID(s); got != want {
			t.Errorf("vaultNameOfID(%q) = %q; registry says %q", s, got, want)
		}
	})
}
