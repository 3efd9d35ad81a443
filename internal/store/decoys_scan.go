package store

import (
	"context"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// EachDecoy calls fn with every decoy the registry holds, in id order,
// reading them as it goes instead of into a list: the matcher's index is
// built from a million of them at start. Only the identity fields are
// read (ID, VaultID, VaultName, Name, Type, Status). fn must not use the
// store: on SQLite the read holds a reader connection until it ends. An
// error from fn stops the read and is returned as it is.
func (s *Store) EachDecoy(ctx context.Context, fn func(registry.Decoy) error) error {
	rows, err := s.r.QueryContext(ctx, "SELECT id, vault_id, vault_name, name, type, status FROM decoys ORDER BY id")
	if err != nil {
		return fmt.Errorf("store: unable to read decoys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d registry.Decoy
		var typ, status string
		if err := rows.Scan(&d.ID, &d.VaultID, &d.VaultName, &d.Name, &typ, &status); err != nil {
			return fmt.Errorf("store: unable to read decoys: %w", err)
		}
		d.Type, d.Status = registry.Type(typ), registry.Status(status)
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read decoys: %w", err)
	}
	return nil
}
