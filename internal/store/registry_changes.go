package store

import (
	"context"
	"database/sql"
	"fmt"
)

// takeChangeSeq takes the registry's next change number (migration 0023)
// in tx, for tx to stamp on every decoy it inserts or updates
// (decoys.change_seq). A transaction that writes decoys calls it once,
// before any other read or write of decoys: the row it updates stays
// locked until tx ends, so writers take their numbers in commit order,
// which is what makes EachDecoyChangedAfter exact. Taking it first, every
// time, keeps one lock order for all writers: a writer that already held
// a lock on decoys (a read's, on PostgreSQL) while waiting here for an
// import that waits for that lock (LOCK TABLE decoys) would deadlock.
func takeChangeSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var seq int64
	if err := tx.QueryRowContext(ctx, "UPDATE registry_changes SET seq = seq + 1 WHERE id = 1 RETURNING seq").Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: unable to take a registry change number: %w", err)
	}
	return seq, nil
}
