package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// EachDecoy calls fn with every decoy the registry holds, in id order,
// reading them as it goes instead of into a list: the matcher's index is
// built from a million of them at start. It returns the registry's change
// number (migration 0023) as of the read: every change numbered up to it
// was read, none after; EachDecoyChangedAfter with it reads what changed
// since. Only the identity fields are read (ID, VaultID, VaultName, Name,
// Type, Status). fn must not use the store: on SQLite the read holds a
// reader connection until it ends. An error from fn stops the read and is
// returned as it is.
func (s *Store) EachDecoy(ctx context.Context, fn func(registry.Decoy) error) (seq int64, err error) {
	return s.eachDecoy(ctx, selectDecoyIdentities+" ORDER BY id", nil, fn)
}

// selectDecoyIdentities reads the columns eachDecoy scans.
const selectDecoyIdentities = "SELECT id, vault_id, vault_name, name, type, status FROM decoys"

// EachDecoyChangedAfter is EachDecoy for the decoys added or changed by
// transactions numbered after seq (a number EachDecoy or this returned),
// in no order. It is exact: a transaction that took its number before the
// last read and committed after it is read now, and a change already read
// is not read again, however long ago it was made. Decoys removed are not
// reported. Decoys written without a number — by an older honeyvault
// still running beside this one during a rolling upgrade, which leaves
// change_seq 0 — are read by time instead, when updated after
// unnumberedAfter (the caller leaves room for commits slower than its
// syncs); an older release's status change to a numbered decoy is not
// seen until the next start.
func (s *Store) EachDecoyChangedAfter(ctx context.Context, seq int64, unnumberedAfter time.Time, fn func(registry.Decoy) error) (int64, error) {
	// Both by the (change_seq, updated_at) index: a sync's few changes,
	// not the table, however many decoys still carry 0 from before the
	// migration (their updated_at is older).
	return s.eachDecoy(ctx, selectDecoyIdentities+" WHERE change_seq > $1 UNION ALL "+selectDecoyIdentities+" WHERE change_seq = 0 AND updated_at > $2",
		[]any{seq, micros(unnumberedAfter)}, fn)
}

// eachDecoy runs q (whose columns are EachDecoy's) and reads the change
// number in one read transaction, so that both come from the same
// snapshot of the database (dialect.snapshot).
func (s *Store) eachDecoy(ctx context.Context, q string, args []any, fn func(registry.Decoy) error) (int64, error) {
	// A read of the whole table on one connection, whose page cache is
	// kept small meanwhile (a sequential read gains nothing from it) and
	// emptied after, once the transaction has ended: SQLite keeps each
	// reader's cache until it closes.
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: unable to read decoys: %w", err)
	}
	defer conn.Close()
	defer s.dialect.scanned(conn)
	s.dialect.scanning(ctx, conn)
	tx, err := conn.BeginTx(ctx, s.dialect.snapshot())
	if err != nil {
		return 0, fmt.Errorf("store: unable to read decoys: %w", err)
	}
	defer tx.Rollback() // read only: nothing to commit
	var seq int64
	if err := tx.QueryRowContext(ctx, "SELECT seq FROM registry_changes WHERE id = 1").Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: unable to read the registry's change number: %w", err)
	}
	if err := scanDecoyIdentities(ctx, tx, q, args, fn); err != nil {
		return 0, err
	}
	return seq, nil
}

func scanDecoyIdentities(ctx context.Context, tx *sql.Tx, q string, args []any, fn func(registry.Decoy) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
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
