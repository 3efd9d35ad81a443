package auditlog

import (
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestParseObjectURI(t *testing.T) {
	tests := []struct {
		in   string
		want ObjectRef
	}{
		// The forms the SDKs send.
		{"https://kv1.vault.azure.net/secrets/db-pass/?api-version=7.4", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/secrets/db-pass/0123456789abcdef0123456789abcdef", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass", Version: "0123456789abcdef0123456789abcdef"}},
		{"https://kv1.vault.azure.net/secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/keys/k1/create?api-version=7.4", ObjectRef{VaultName: "kv1", Type: registry.Key, Name: "k1", Action: "create"}},
		{"https://kv1.vault.azure.net/keys/k1/abc123/sign?api-version=7.4", ObjectRef{VaultName: "kv1", Type: registry.Key, Name: "k1", Version: "abc123", Action: "sign"}},
		{"https://kv1.vault.azure.net/secrets/db-pass/versions?maxresults=25", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass", Action: "versions"}},
		{"https://kv1.vault.azure.net/secrets/db-pass/backup", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass", Action: "backup"}},
		{"https://kv1.vault.azure.net/certificates/web/pending", ObjectRef{VaultName: "kv1", Type: registry.Certificate, Name: "web", Action: "pending"}},
		// Deleted objects.
		{"https://kv1.vault.azure.net/deletedsecrets/db-pass?api-version=7.4", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass", Deleted: true}},
		{"https://kv1.vault.azure.net/deletedkeys/k1/recover", ObjectRef{VaultName: "kv1", Type: registry.Key, Name: "k1", Deleted: true, Action: "recover"}},
		{"https://kv1.vault.azure.net/DeletedCertificates/Web", ObjectRef{VaultName: "kv1", Type: registry.Certificate, Name: "Web", Deleted: true}},
		// Evasions: case, port, cloud, encoding, slashes, dot segments.
		{"HTTPS://KV1.VAULT.AZURE.NET/SECRETS/DB-PASS/", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "DB-PASS"}},
		{"https://kv1.vault.azure.net:443/secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net./secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.cn/secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.usgovcloudapi.net/secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.microsoftazure.de/secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.privatelink.vaultcore.azure.net/secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/secrets/%64b-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/%73%65%63%72%65%74%73/%64%62%2D%70%61%73%73", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/secrets%2Fdb-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/secrets%2fdb-pass%2F", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net//secrets//db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/keys/../secrets/./db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/secrets\\db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/secrets/db-pass?x=%zz", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://kv1.vault.azure.net/secrets/db-pass#frag", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"https://user@kv1.vault.azure.net/secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"kv1.vault.azure.net/secrets/db-pass", ObjectRef{VaultName: "kv1", Type: registry.Secret, Name: "db-pass"}},
		{"/secrets/db-pass/", ObjectRef{Type: registry.Secret, Name: "db-pass"}},
		{"secrets/db-pass", ObjectRef{Type: registry.Secret, Name: "db-pass"}},
		// No object.
		{"https://kv1.vault.azure.net/secrets?api-version=7.4", ObjectRef{VaultName: "kv1"}},
		{"https://kv1.vault.azure.net/", ObjectRef{VaultName: "kv1"}},
		{"https://kv1.vault.azure.net/secrets/db_pass", ObjectRef{VaultName: "kv1"}},      // invalid name
		{"https://kv1.vault.azure.net/secrets/db-pass%3F", ObjectRef{VaultName: "kv1"}},   // '?' is part of the name then
		{"https://kv1.vault.azure.net/secrets/db-pa\u212As", ObjectRef{VaultName: "kv1"}}, // Kelvin sign is not 'K'
		{"https://kv1.vault.azure.net/storage/db-pass", ObjectRef{VaultName: "kv1"}},
		{"https://kv1.vault.azure.net/secrets/db-pass/..", ObjectRef{VaultName: "kv1"}},
		{"https://example.com/secrets/db-pass", ObjectRef{Type: registry.Secret, Name: "db-pass"}}, // unknown host: no vault
		{"https://kv1.vault.azure.net.evil.com/secrets/x", ObjectRef{Type: registry.Secret, Name: "x"}},
		{"", ObjectRef{}},
	}
	for _, tt := range tests {
		if got := ParseObjectURI(tt.in); got != tt.want {
			t.Errorf("ParseObjectURI(%q) = %+v; want %+v", tt.in, got, tt.want)
		}
	}
}

func TestVaultIDOf(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1", "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1"},
		{"/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1/", "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1"},
		{"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/D", "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1"},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa", ""},
		{"/providers/microsoft.keyvault/vaults/kv1", ""},
		{"/SUBSCRIPTIONS/0B5k\xbdK\xfc\xb8\xa7\xcb1F/RESOURCEGROUPS/RG-B/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-B", "/SUBSCRIPTIONS/0B5k\xbdK\xfc\xb8\xa7\xcb1F/RESOURCEGROUPS/RG-B/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-B"},
		{"/SUBSCRIPTIONS/\xff\xfe/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-B/PROVIDERS/X", "/SUBSCRIPTIONS/\xff\xfe/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-B"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := VaultIDOf(tt.in); got != tt.want {
			t.Errorf("VaultIDOf(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// Escapes are decoded once with encoding/hex; an invalid one is kept as it
// is, so that one bad escape cannot hide a name.
func TestPercentDecode(t *testing.T) {
	for in, want := range map[string]string{
		"db-pass":            "db-pass",
		"%64b-pass":          "db-pass",
		"secrets%2Fx%2fy":    "secrets/x/y",
		"%2525":              "%25",
		"%zz%4g%g4":          "%zz%4g%g4",
		"end%4":              "end%4",
		"end%":               "end%",
		"%C3%A9%FF%00":       "é\xff\x00",
		"mixed%2d%2Dcase%":   "mixed--case%",
		"%%41":               "%A",
		"%41%42%43, no more": "ABC, no more",
	} {
		if got := percentDecode(in); got != want {
			t.Errorf("percentDecode(%q) = %q; want %q", in, got, want)
		}
	}
}
