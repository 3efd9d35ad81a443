package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// SetVaultTags records a vault's tags as honeyvault has just written them
// (the KVReview upkeep), so that the inventory says what the vault carries
// before the next discovery lists it again. A vault the inventory does not
// hold is no error: discovery will record it.
func (s *Store) SetVaultTags(ctx context.Context, vaultID string, tags map[string]string) error {
	if tags == nil {
		tags = map[string]string{}
	}
	tagJSON, err := json.Marshal(tags)
	if err != nil {
		return fmt.Errorf("store: vault tags: %w", err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE vaults SET tags = $1 WHERE vault_key = $2",
			storable.Text(string(tagJSON)), registry.VaultKey(vaultID)); err != nil {
			return fmt.Errorf("store: unable to record the tags of vault %s: %w", vaultID, err)
		}
		return nil
	})
}
