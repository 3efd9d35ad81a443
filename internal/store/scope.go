package store

import (
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// VaultScope is the part of the estate a vault owner may see: whole
// subscriptions and single vaults. A decoy is inside when its subscription
// or its vault is listed. The zero VaultScope contains nothing.
//
// It must agree with auth.Principal.CanSeeVault, which decides the same
// question for one vault in memory; a test in package auth holds them to it.
type VaultScope struct {
	Subscriptions []string // subscription ids, any case
	Vaults        []string // vault names or vault ARM ids, any case
}

// where returns the SQL condition selecting decoys inside sc, binding its
// arguments in p.
func (sc VaultScope) where(p *params) string {
	var or []string
	var subs, ids, names []string
	for _, s := range sc.Subscriptions {
		if s = strings.TrimSpace(s); s != "" {
			subs = append(subs, p.add(strings.ToLower(s)))
		}
	}
	for _, v := range sc.Vaults {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
		case strings.HasPrefix(v, "/"):
			ids = append(ids, p.add(registry.VaultKey(v)))
		default:
			names = append(names, p.add(strings.ToLower(v)))
		}
	}
	if len(subs) > 0 {
		or = append(or, "subscription_key IN ("+strings.Join(subs, ", ")+")")
	}
	if len(ids) > 0 {
		or = append(or, "vault_key IN ("+strings.Join(ids, ", ")+")")
	}
	if len(names) > 0 {
		or = append(or, "LOWER(vault_name) IN ("+strings.Join(names, ", ")+")")
	}
	if len(or) == 0 {
		return "1 = 0"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// Contains reports whether the vault with ARM id vaultID is inside sc, by
// the same rules as the SQL condition.
func (sc VaultScope) Contains(vaultID string) bool {
	sub := registry.SubscriptionFromID(vaultID)
	name, _ := registry.VaultNameFromID(vaultID)
	for _, s := range sc.Subscriptions {
		if s = strings.TrimSpace(s); s != "" && sub != "" && strings.EqualFold(s, sub) {
			return true
		}
	}
	for _, v := range sc.Vaults {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
		case strings.HasPrefix(v, "/"):
			if registry.VaultKey(v) == registry.VaultKey(vaultID) {
				return true
			}
		case name != "" && strings.EqualFold(v, name):
			return true
		}
	}
	return false
}
