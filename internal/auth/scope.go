package auth

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Scope limits an Owner to some subscriptions and vaults. The zero Scope
// contains nothing.
type Scope struct {
	Subscriptions []string // subscription ids
	Vaults        []string // vault names or ARM ids
}

// Empty reports whether s names nothing.
func (s Scope) Empty() bool { return len(s.Subscriptions) == 0 && len(s.Vaults) == 0 }

// String writes s as the values ParseScope reads.
func (s Scope) String() string {
	var parts []string
	for _, sub := range s.Subscriptions {
		parts = append(parts, "/subscriptions/"+sub)
	}
	return strings.Join(append(parts, s.Vaults...), ",")
}

// CanSeeVault reports whether p may see the vault with ARM id vaultID and
// its decoys. It is the one scope check: admins and analysts see every vault,
// owners the vaults of their Scope (by subscription, vault name or vault id,
// in any case), everyone else none. DecoyScope expresses the same rule as a
// store filter for listings.
func (p Principal) CanSeeVault(vaultID string) bool {
	switch p.Role {
	case Admin, Analyst:
		return true
	case Owner:
		return p.storeScope().Contains(vaultID)
	}
	return false
}

// DecoyScope is the store filter that narrows a decoy listing to what p may
// see: nil (everything) for admins and analysts, the owner's scope for
// owners, an empty scope (nothing) for everyone else. Set it as
// store.DecoyFilter.Scope on every listing a principal asks for.
func (p Principal) DecoyScope() *store.VaultScope {
	switch p.Role {
	case Admin, Analyst:
		return nil
	case Owner:
		sc := p.storeScope()
		return &sc
	}
	return &store.VaultScope{}
}

func (p Principal) storeScope() store.VaultScope {
	return store.VaultScope{Subscriptions: p.Scope.Subscriptions, Vaults: p.Scope.Vaults}
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ParseScope reads scope values, each one of
//
//	/subscriptions/ID                 a whole subscription
//	ID                                a subscription id (a GUID)
//	/subscriptions/.../vaults/NAME    one vault by ARM id
//	NAME                              one vault by name (vault names are globally unique)
//
// Values may also be comma-separated. It refuses anything else, naming it.
func ParseScope(values []string) (Scope, error) {
	var s Scope
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if err := s.add(item); err != nil {
				return Scope{}, err
			}
		}
	}
	return s, nil
}

func (s *Scope) add(item string) error {
	if strings.HasPrefix(item, "/") {
		if _, err := registry.VaultNameFromID(item); err == nil {
			s.Vaults = append(s.Vaults, strings.TrimRight(item, "/"))
			return nil
		}
		parts := strings.Split(strings.Trim(item, "/"), "/")
		if len(parts) == 2 && strings.EqualFold(parts[0], "subscriptions") && validSubscription(parts[1]) {
			s.Subscriptions = append(s.Subscriptions, parts[1])
			return nil
		}
		return fmt.Errorf("auth: scope %q is neither /subscriptions/ID nor a Key Vault resource id", item)
	}
	switch {
	case guidRE.MatchString(item):
		s.Subscriptions = append(s.Subscriptions, item)
	case registry.ValidVaultName(item):
		s.Vaults = append(s.Vaults, item)
	default:
		return fmt.Errorf("auth: scope %q is neither a subscription id, a vault name nor a resource id", item)
	}
	return nil
}

// validSubscription accepts the GUIDs Azure uses and the short ids of test
// estates, but nothing with separators or spaces.
func validSubscription(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
