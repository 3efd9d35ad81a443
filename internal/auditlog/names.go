package auditlog

import "strings"

// The registry's rules for names, as byte loops: these run for every
// record, and regular expressions cost a third of a record's parse.

// nameByte reports the bytes of Key Vault object and vault names.
var nameByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	t['-'] = true
	return t
}()

func allNameBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if !nameByte[s[i]] {
			return false
		}
	}
	return true
}

// validObjectName is registry.ValidObjectName.
func validObjectName(s string) bool { return len(s) >= 1 && len(s) <= 127 && allNameBytes(s) }

// validVaultName is registry.ValidVaultName.
func validVaultName(s string) bool { return len(s) >= 3 && len(s) <= 24 && allNameBytes(s) }

// vaultNameOfID returns the vault name of a Key Vault ARM id
// (/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name},
// any case), "" for anything else — registry.VaultNameFromID without
// allocating.
func vaultNameOfID(id string) string {
	if !strings.HasPrefix(id, "/") {
		return ""
	}
	rest := strings.Trim(id, "/")
	var p [8]string
	for i := range p {
		seg, after, found := strings.Cut(rest, "/")
		if found == (i == 7) {
			return ""
		}
		p[i], rest = seg, after
	}
	if !strings.EqualFold(p[0], "subscriptions") || !strings.EqualFold(p[2], "resourceGroups") ||
		!strings.EqualFold(p[4], "providers") || !strings.EqualFold(p[5], "Microsoft.KeyVault") ||
		!strings.EqualFold(p[6], "vaults") || p[1] == "" || p[3] == "" || !validVaultName(p[7]) {
		return ""
	}
	return p[7]
}
