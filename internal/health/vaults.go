package health

import (
	"context"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// pageVaults is how many vaults Beat and Check hold at once: with 333,334
// vaults (a million decoys) holding them all, with their beats, took
// hundreds of megabytes.
const pageVaults = 1000

// decoyVaultsAfter lists the next page of vaults after key after holding
// an active decoy that discovery has not found gone, with the ids the
// inventory spells them with where it knows them; next is the key to pass
// for the page after it, "" when this was the last.
func (m *Monitor) decoyVaultsAfter(ctx context.Context, after string) (out []Vault, next string, err error) {
	page, err := m.Store.DecoyVaultsAfter(ctx, after, m.pageVaults(), registry.Active)
	if err != nil || len(page) == 0 {
		return nil, "", err
	}
	for _, d := range page {
		if d.Inventoried && !d.GoneAt.IsZero() || registry.ProviderOf(d.Key) != registry.AzureKeyVault {
			continue // heartbeats are Key Vault GETs
		}
		v := Vault{Key: d.Key, ID: d.InventoryID, Name: d.Name}
		if !d.Inventoried {
			name, err := registry.VaultNameFromID(d.Key)
			if err != nil {
				continue
			}
			v = Vault{Key: d.Key, ID: d.Key, Name: name}
		}
		out = append(out, v)
	}
	if len(page) == m.pageVaults() {
		next = page[len(page)-1].Key
	}
	return out, next, nil
}

func (m *Monitor) pageVaults() int {
	if m.PageVaults > 0 {
		return m.PageVaults
	}
	return pageVaults
}
