package auditlog

import (
	"strings"
	"testing"
)

// FuzzIndexFoldASCII checks indexFoldASCII against the copy it saves.
func FuzzIndexFoldASCII(f *testing.F) {
	for _, s := range []string{
		"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV",
		"/providers/Microsoft.KeyVault/vaults", "/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/\xff", "", "É/providers/microsoft.keyvault/vaults/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		const marker = "/providers/microsoft.keyvault/vaults/"
		if got, want := indexFoldASCII(s, marker), strings.Index(asciiLower(s), marker); got != want {
			t.Fatalf("indexFoldASCII(%q) = %d; want %d", s, got, want)
		}
		if got, want := asciiLower(s), string(asciiLowerReference([]byte(s))); got != want {
			t.Fatalf("asciiLower(%q) = %q; want %q", s, got, want)
		}
	})
}

func asciiLowerReference(b []byte) []byte {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}
