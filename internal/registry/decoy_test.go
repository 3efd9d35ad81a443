package registry

import "testing"

// Decoys, findings and allow rules are stored by VaultKey: the keys are
// pinned, so a change that would hide stored rows from lookups fails here.
func TestVaultKey(t *testing.T) {
	const id = "/subscriptions/3f9c2a71-5d4e-4b8a-9c1f-6e2d8a4b7c10/resourcegroups/rg-pay/providers/microsoft.keyvault/vaults/kv-pay"
	for _, in := range []string{
		id,
		"/Subscriptions/3F9C2A71-5D4E-4B8A-9C1F-6E2D8A4B7C10/resourceGroups/RG-Pay/providers/Microsoft.KeyVault/vaults/KV-Pay",
		id + "/",
		id + "//",
	} {
		if got := VaultKey(in); got != id {
			t.Errorf("VaultKey(%q) = %q; want %q", in, got, id)
		}
	}
	if got := VaultKey("https://KV-Pay.vault.azure.net/"); got != "https://kv-pay.vault.azure.net" {
		t.Errorf("vault URL: %q", got)
	}
	if got := VaultKey(""); got != "" {
		t.Errorf("empty id: %q", got)
	}
	if got, want := KeyOf(id+"/", Secret, "DB-Password"), id+"|secret|db-password"; got != want {
		t.Errorf("KeyOf = %q; want %q", got, want)
	}
}
