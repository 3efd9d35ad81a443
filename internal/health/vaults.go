package health

import (
	"context"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// decoyVaults lists the vaults holding an active decoy that discovery has
// not found gone, with the ids the inventory spells them with where it
// knows them.
func (m *Monitor) decoyVaults(ctx context.Context) ([]Vault, error) {
	counts, err := m.Store.CountDecoysByVault(ctx, store.VaultFilter{})
	if err != nil {
		return nil, err
	}
	known, err := m.Store.ListVaults(ctx, store.VaultFilter{IncludeGone: true})
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]store.Vault, len(known))
	for _, v := range known {
		byKey[v.Key()] = v
	}
	seen := map[string]bool{}
	var out []Vault
	for _, c := range counts {
		if c.Status != registry.Active || c.N == 0 || seen[c.VaultKey] {
			continue
		}
		seen[c.VaultKey] = true
		v, ok := byKey[c.VaultKey]
		if ok && !v.GoneAt.IsZero() {
			continue
		}
		if !ok {
			name, err := registry.VaultNameFromID(c.VaultKey)
			if err != nil {
				continue
			}
			v = store.Vault{ID: c.VaultKey, Name: name}
		}
		out = append(out, Vault{Key: c.VaultKey, ID: v.ID, Name: v.Name})
	}
	return out, nil
}
