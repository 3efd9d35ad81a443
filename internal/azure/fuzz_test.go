package azure

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

func FuzzParseVaultID(f *testing.F) {
	for _, s := range []string{
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
		"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV/",
		"kv-app", "", "/", "//////", "/subscriptions//resourceGroups//providers/Microsoft.KeyVault/vaults/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		sub, rg, name, err := ParseVaultID(id)
		if err != nil {
			return
		}
		if sub == "" || rg == "" || name == "" || strings.Contains(sub+rg+name, "/") {
			t.Errorf("ParseVaultID(%q) = %q, %q, %q", id, sub, rg, name)
		}
	})
}

func FuzzPrincipalOf(f *testing.F) {
	enc := base64.RawURLEncoding.EncodeToString
	f.Add("h." + enc([]byte(`{"oid":"o","upn":"a@b","appid":"x","tid":"t"}`)) + ".s")
	f.Add("h." + enc([]byte(`{"oid":"o","idtyp":"app","upn":"a@b"}`)) + ".s")
	f.Add("h." + enc([]byte(`{"oid":1}`)) + ".s")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := principalOf(tok)
		if err == nil && p.ObjectID == "" {
			t.Errorf("principalOf(%q) accepted a token without an object id", tok)
		}
	})
}

func FuzzRetryAfterHeader(f *testing.F) {
	f.Add("7", "")
	f.Add("7", "250")
	f.Add("Sat, 28 Nov 2026 16:00:00 GMT", "")
	f.Add("-1", "-5")
	f.Add("99999999999999999999", "99999999999999999")
	f.Fuzz(func(t *testing.T, ra, ms string) {
		h := http.Header{}
		h.Set("Retry-After", ra)
		h.Set("x-ms-retry-after-ms", ms)
		if d := RetryAfterHeader(h, time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)); d < 0 {
			t.Errorf("Retry-After %q / %q: negative wait %v", ra, ms, d)
		}
	})
}
