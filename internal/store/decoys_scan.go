package store

import (
	"context"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// EachDecoy calls fn with every decoy the registry holds, reading them as it goes instead of into a list: the matcher's index is
// built from a million of them at start, and after an import of a million
// the next sync reads them all again. With changedAfter not zero, only
// decoys changed after that time. Only the identity fields are read (ID,
// VaultID, VaultName, Name, Type, Status). fn must not use the store: on
// SQLite the read holds a reader connection until it ends. An error from
// fn stops the read and is returned as it is.
func (s *Store) EachDecoy(ctx context.Context, changedAfter time.Time, fn func(registry.Decoy) error) error {
	// A sync's few changes come by the updated_at index, in no order: in
	// id order SQLite would scan the whole table every few seconds, and
	// fill a reader's page cache with it.
	q, args := "SELECT id, vault_id, vault_name, name, type, status FROM decoys ORDER BY id", []any(nil)
	if !changedAfter.IsZero() {
		q, args = "SELECT id, vault_id, vault_name, name, type, status FROM decoys WHERE updated_at > $1", []any{micros(changedAfter)}
	}
	// A read of the whole table on one connection, whose page cache is
	// kept small meanwhile (a sequential read gains nothing from it) and
	// emptied after: SQLite keeps each reader's cache until it closes.
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to read decoys: %w", err)
	}
	defer conn.Close()
	defer s.dialect.scanned(conn)
	s.dialect.scanning(ctx, conn)
	rows, err := conn.QueryContext(ctx, q, args...)
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
