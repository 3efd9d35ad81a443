package store

import (
	"context"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// DecoyVault is a vault holding decoys, as DecoyVaultsAfter lists it.
type DecoyVault struct {
	Key string // registry.VaultKey of the vault
	ID  string // its ARM id as its decoys spell it (the least, where they differ)
	// Inventoried says discovery knows the vault: InventoryID and Name
	// are then the inventory's, and GoneAt when it found the vault gone
	// (zero: not gone).
	Inventoried       bool
	InventoryID, Name string
	GoneAt            time.Time
}

// DecoyVaultsAfter lists, ordered by key, at most limit vaults whose key
// sorts after after and which hold a decoy in one of statuses: a page of
// the scheduled per-vault work, so that it never holds every vault at once
// (a million decoys are 333,334 vaults in bench/scale). Pass the last
// key of a page as after to read the next; "" starts at the first.
func (s *Store) DecoyVaultsAfter(ctx context.Context, after string, limit int, statuses ...registry.Status) ([]DecoyVault, error) {
	if limit <= 0 || len(statuses) == 0 {
		return nil, fmt.Errorf("store: a page of decoy vaults needs a limit and a status")
	}
	var p params
	names := make([]string, len(statuses))
	for i, st := range statuses {
		names[i] = string(st)
	}
	after, in := p.add(after), list(&p, names)
	// The inner query walks the decoys_coverage index (vault_key, type,
	// status) in key order and stops after limit vaults.
	query := `SELECT d.vault_key, d.vault_id, v.vault_key IS NOT NULL, COALESCE(v.vault_id, ''), COALESCE(v.vault_name, ''), COALESCE(v.gone_at, 0)
		FROM (SELECT vault_key, MIN(vault_id) AS vault_id FROM decoys WHERE vault_key > ` + after + ` AND status IN (` + in + `)
			GROUP BY vault_key ORDER BY vault_key LIMIT ` + p.add(limit) + `) d
		LEFT JOIN vaults v ON v.vault_key = d.vault_key ORDER BY d.vault_key`
	return listRows(ctx, s, "decoy vaults", query, func(r scanner) (DecoyVault, error) {
		var v DecoyVault
		var gone int64
		err := r.Scan(&v.Key, &v.ID, &v.Inventoried, &v.InventoryID, &v.Name, &gone)
		if gone != 0 {
			v.GoneAt = fromMicros(gone)
		}
		return v, err
	}, p...)
}
