package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// copyTable is the import's staging table: temporary, so private to the
// transaction's session, and dropped at its commit or rollback.
const copyTable = "decoys_import"

// importByCopy is importFrom on PostgreSQL. Rows go by COPY into a
// temporary table, then into decoys by one INSERT ... SELECT ... ON
// CONFLICT DO NOTHING, all in the import's one transaction: the server
// parses no statement per batch and maintains the table's indexes in one
// pass, where a thousand-row INSERT a batch cost it most of the import.
// Into an empty table whose indexes deferIndexes dropped, COPY writes to
// decoys itself: nothing is there to conflict with, and rebuild removes
// the file's own repeats.
//
// Rows are added in file order, so that of rows repeating a decoy the
// first is kept and ids follow the file, as on SQLite: a plain read of
// the staging table returns them in the order COPY wrote them, because a
// temporary table (local buffers) is never read in parallel nor by a
// synchronized scan that starts mid-table, and is written once, by COPY,
// appending. An ORDER BY over a sequence column said so explicitly but
// sorted the whole file on disk (work_mem is 4 MB): 2.3 s of a 5.7 s
// INSERT ... SELECT of 300,000 rows. TestImportWatchlistKeepsFileOrder
// checks the order. The client
// holds a batch or two, whatever the file's size; the staging rows are
// the server's (temp_buffers, then disk).
func (s *Store) importByCopy(ctx context.Context, estimate int, batches <-chan decoyBatch, now time.Time, after func(tx *sql.Tx, rows, added int) error) (rows, added int, err error) {
	err = s.txOnConn(ctx, func(conn *sql.Conn, tx *sql.Tx) error {
		// The change number first, before deferIndexes' LOCK TABLE:
		// every writer of decoys queues on it in that order.
		seq, err := takeChangeSeq(ctx, tx)
		if err != nil {
			return err
		}
		deferred, err := s.deferIndexes(ctx, tx, estimate)
		if err != nil {
			return err
		}
		target := "decoys"
		if deferred == nil {
			target = copyTable
			if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE "+copyTable+" ON COMMIT DROP AS SELECT "+
				decoyImportColumns+" FROM decoys WITH NO DATA"); err != nil {
				return fmt.Errorf("store: unable to import decoys: %w", err)
			}
		}
		src := &copySource{batches: batches, now: now, seq: seq}
		err = conn.Raw(func(dc any) error {
			pc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("store: import by COPY needs pgx's connection, not %T", dc)
			}
			_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{target}, strings.Split(decoyImportColumns, ", "), src)
			return err
		})
		// The reader's error (a bad row naming its line) is the one to
		// report: COPY only says it was aborted.
		if src.err != nil {
			return src.err
		}
		if err != nil {
			return fmt.Errorf("store: unable to import decoys: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rows, added = src.rows, src.rows
		if deferred != nil {
			removed, err := deferred.rebuild(ctx, s, tx)
			if err != nil {
				return err
			}
			added -= removed
		} else {
			res, err := tx.ExecContext(ctx, "INSERT INTO decoys ("+decoyImportColumns+") SELECT "+decoyImportColumns+" FROM "+copyTable+
				" ON CONFLICT ("+identityColumns+") DO NOTHING")
			if err != nil {
				return fmt.Errorf("store: unable to import decoys: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("store: unable to import decoys: %w", err)
			}
			added = int(n)
		}
		if after != nil {
			return after(tx, rows, added)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return rows, added, nil
}

// copySource feeds COPY from the reader's batches (pgx.CopyFromSource),
// one row of decoyImportColumns at a time.
type copySource struct {
	batches <-chan decoyBatch
	now     time.Time
	seq     int64 // the import's change number
	batch   []registry.Decoy
	rows    int // rows handed to COPY so far
	err     error
	values  []any
}

func (c *copySource) Next() bool {
	if len(c.batch) > 1 {
		c.batch = c.batch[1:]
		return true
	}
	for b := range c.batches {
		if b.err != nil {
			c.err = b.err
			return false
		}
		if len(b.decoys) > 0 {
			c.batch = b.decoys
			return true
		}
	}
	c.batch = nil
	return false
}

func (c *copySource) Values() ([]any, error) {
	c.rows++
	c.values = appendImportRow(c.values[:0], c.batch[0], c.now, c.seq)
	return c.values, nil
}

func (c *copySource) Err() error { return c.err }
