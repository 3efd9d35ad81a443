package detect

import (
	"fmt"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// A scoped rule covers only the decoys in its scope: an event touching the
// certificate web-tls (read as its secret) touches one decoy, and whether the
// planter's read of it is suppressed depends on the rule's scope alone.
func TestAllowRuleScope(t *testing.T) {
	scenarios := []struct {
		name  string
		scope Scope
		want  bool
	}{
		{"no scope", Scope{}, true},
		{"its vault", Scope{VaultID: vaultPay}, true},
		{"its vault, other spelling", Scope{VaultID: "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-PAY/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY/"}, true},
		{"another vault", Scope{VaultID: vaultHR}, false},
		{"the same vault name elsewhere", Scope{VaultID: vaultPayElsewhere}, false},
		{"its type", Scope{Type: registry.Certificate}, true},
		{"another type", Scope{Type: registry.Secret}, false},
		{"its name in another case", Scope{Name: "WEB-TLS"}, true},
		{"another name", Scope{Name: "db-password"}, false},
		{"the decoy exactly", Scope{VaultID: vaultPay, Type: registry.Certificate, Name: "web-tls"}, true},
		{"its name in another vault", Scope{VaultID: vaultHR, Type: registry.Certificate, Name: "web-tls"}, false},
	}
	ix, _ := NewIndex(testDecoys())
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m := NewMatcher(ix, AllowList{{Identity: "oid-mallory", Scope: sc.scope}})
			ev := event(t, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/web-tls", 200)
			alerts := m.Match(&ev)
			if len(alerts) != 1 {
				t.Fatalf("%d alerts (%s); want 1", len(alerts), alertsOf(alerts))
			}
			if got := alerts[0].Suppressed; got != sc.want {
				t.Errorf("suppressed = %v; want %v", got, sc.want)
			}
		})
	}
}

// Among rules of different scopes the first in list order wins, whichever
// scope bucket it sits in, as with an unindexed list.
func TestAllowRuleFirstInListWins(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	byName := AllowRule{Identity: "oid-mallory", Note: "by name", Scope: Scope{Name: "db-password"}}
	byVault := AllowRule{Identity: "oid-mallory", Note: "by vault", Scope: Scope{VaultID: vaultPay}}
	any := AllowRule{Identity: "oid-mallory", Note: "any"}
	for _, order := range [][]AllowRule{{byName, byVault, any}, {byVault, any, byName}, {any, byName, byVault}} {
		m := NewMatcher(ix, order)
		ev := event(t, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
		a := m.Match(&ev)
		if len(a) != 1 || a[0].AllowedBy == nil || a[0].AllowedBy.Note != order[0].Note {
			t.Errorf("rules %q, %q, %q: allowed by %+v; want the first", order[0].Note, order[1].Note, order[2].Note, a)
		}
	}
}

// Planting keeps a rule per decoy: with one for each of 100,000 decoys the
// matcher still picks the one rule for the touched decoy.
func TestManyScopedRules(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	var l AllowList
	for i := range 100_000 {
		l = append(l, AllowRule{Identity: "oid-mallory", Note: fmt.Sprint(i), Scope: Scope{VaultID: vaultPay, Type: registry.Secret, Name: fmt.Sprintf("decoy-%d", i)}})
	}
	m := NewMatcher(ix, append(l, AllowRule{Identity: "oid-mallory", Note: "db", Scope: Scope{VaultID: vaultPay, Name: "db-password"}}))
	ev := event(t, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
	if a := m.Match(&ev); len(a) != 1 || a[0].AllowedBy == nil || a[0].AllowedBy.Note != "db" {
		t.Errorf("got %+v; want suppressed by the db-password rule", a)
	}
	ev = event(t, vaultPay, "KeyGet", "", "https://kv-pay.vault.azure.net/keys/Signing-Key", 200)
	if a := m.Match(&ev); len(a) != 1 || a[0].Suppressed {
		t.Errorf("got %+v; want raised: no rule is scoped to Signing-Key", alertsOf(a))
	}
}

// BenchmarkMatchScopedRules measures a decoy hit against N per-decoy rules
// (planting's): the cost should not grow with N.
func BenchmarkMatchScopedRules(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ix, _ := NewIndex(testDecoys())
			var l AllowList
			for i := range n {
				l = append(l, AllowRule{Identity: "oid-planter", Scope: Scope{VaultID: vaultPay, Type: registry.Secret, Name: fmt.Sprintf("decoy-%d", i)}})
			}
			m := NewMatcher(ix, l)
			ev := event(b, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
			b.ResetTimer()
			for b.Loop() {
				if a := m.Match(&ev); len(a) != 1 || a[0].Suppressed {
					b.Fatal("wrong match")
				}
			}
		})
	}
}
