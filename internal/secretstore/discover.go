package secretstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Discover lists the stores p reaches and records them in the inventory,
// as discovery records Key Vaults: each store is a vault of its group (a
// Vault cluster, an AWS account: registry.StoreID.Group) shown to people
// as groupName, so that coverage lists them with the Key Vaults. A store
// of a listed group that p no longer lists is marked gone. A listing that
// fails records nothing and changes nothing; so does one that lists no
// store at all (there is no group to judge).
func Discover(ctx context.Context, p Provider, st *store.Store, groupName string, now time.Time) (store.DiscoveryResult, error) {
	stores, err := p.Stores(ctx)
	if err != nil {
		return store.DiscoveryResult{}, fmt.Errorf("secretstore: listing %s stores: %w", p.Kind().Label(), err)
	}
	d := store.Discovery{At: now}
	seen := map[string]bool{}
	for _, s := range stores {
		id, err := registry.ParseStoreID(s.ID)
		if err != nil || id.Provider != p.Kind() {
			return store.DiscoveryResult{}, fmt.Errorf("secretstore: %s listed store %q, which is not one of its ids", p.Kind().Label(), s.ID)
		}
		if !seen[strings.ToLower(id.Group)] {
			seen[strings.ToLower(id.Group)] = true
			d.Subscriptions = append(d.Subscriptions, store.Subscription{ID: id.Group, DisplayName: groupName})
		}
		d.Vaults = append(d.Vaults, store.Vault{ID: s.ID, Name: id.Name, Location: id.Region})
	}
	if len(d.Vaults) == 0 {
		return store.DiscoveryResult{}, nil
	}
	return st.RecordDiscovery(ctx, d)
}
