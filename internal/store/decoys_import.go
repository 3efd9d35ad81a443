package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// importBatch is how many decoys one INSERT carries: 13 parameters each,
// well within both databases' bound on parameters per statement (SQLite
// 32,766, PostgreSQL 65,535), and few enough that the batches in flight
// stay a few hundred kilobytes whatever the size of the file.
const importBatch = 1000

// decoyImportColumns are the columns an import writes, in insertBatch's
// order (appendImportRow's); importColumnCount is how many.
const (
	decoyImportColumns = "vault_id, vault_key, vault_name, subscription_key, name, name_key, type, created_by, created_at, status, updated_at, memo, change_seq"
	importColumnCount  = 13
)

// ImportDecoys stores every decoy that is not there yet, in one transaction:
// all or nothing. Decoys already present (same vault, type and name in any
// case) are left as they are, so importing the same list twice adds nothing.
// It returns how many were added. It records nothing in the audit trail:
// what acts for a person imports with ImportWatchlist.
func (s *Store) ImportDecoys(ctx context.Context, decoys []registry.Decoy) (added int, err error) {
	return s.importDecoys(ctx, decoys, nil)
}

// importDecoys is ImportDecoys; then, inside the transaction, calls after
// (when not nil) with the number added.
func (s *Store) importDecoys(ctx context.Context, decoys []registry.Decoy, after func(*sql.Tx, int) error) (added int, err error) {
	for i := range decoys {
		if err := decoys[i].Validate(); err != nil {
			return 0, fmt.Errorf("store: decoy %d: %w", i+1, err)
		}
	}
	next := 0
	_, added, err = s.importFrom(ctx, len(decoys), func() (registry.Decoy, error) {
		if next == len(decoys) {
			return registry.Decoy{}, io.EOF
		}
		next++
		return decoys[next-1], nil
	}, func(tx *sql.Tx, _, added int) error {
		if after == nil {
			return nil
		}
		return after(tx, added)
	})
	return added, err
}

// ImportWatchlist reads a Sentinel HoneyTokens watchlist CSV from r and adds
// its decoys, recording createdBy on the new ones. It streams: rows are
// read, checked and inserted in batches inside one transaction, so memory
// stays bounded whatever the size of the file, and the import is still all
// or nothing — a malformed row anywhere fails it with a *registry.RowError
// naming its line, and nothing is added. It is idempotent: decoys already
// present (same vault, type and name in any case) are left as they are. An
// import that adds decoys is recorded in the audit trail in the same
// transaction, as "decoy.import" by who, with createdBy (the source) as
// target and the counts as detail (one row per import: a watchlist may hold
// a million decoys). It returns the number of rows read (repeats included)
// and of decoys added.
func (s *Store) ImportWatchlist(ctx context.Context, r io.Reader, createdBy string, who AuditEntry) (rows, added int, err error) {
	if err := checkActor(who); err != nil {
		return 0, 0, err
	}
	wr, err := registry.NewWatchlistReader(r)
	if err != nil {
		return 0, 0, err
	}
	return s.importFrom(ctx, estimateRows(r), func() (registry.Decoy, error) {
		d, err := wr.Next()
		d.CreatedBy = createdBy
		return d, err
	}, s.auditImport(ctx, createdBy, who))
}

// ImportWatchlistDecoys is ImportWatchlist for decoys already read from a
// watchlist (registry.ReadWatchlistRows, when invalid rows are skipped):
// it sets their CreatedBy to createdBy, adds those not there yet, all or
// nothing, and records an import that adds any in the audit trail.
func (s *Store) ImportWatchlistDecoys(ctx context.Context, decoys []registry.Decoy, createdBy string, who AuditEntry) (added int, err error) {
	if err := checkActor(who); err != nil {
		return 0, err
	}
	for i := range decoys {
		decoys[i].CreatedBy = createdBy
	}
	audit := s.auditImport(ctx, createdBy, who)
	return s.importDecoys(ctx, decoys, func(tx *sql.Tx, added int) error { return audit(tx, len(decoys), added) })
}

// auditImport returns what records an import in the audit trail, inside
// its transaction, when it added any decoy.
func (s *Store) auditImport(ctx context.Context, createdBy string, who AuditEntry) func(*sql.Tx, int, int) error {
	return func(tx *sql.Tx, rows, added int) error {
		if added == 0 {
			return nil // nothing changed
		}
		e := who
		e.Action, e.Target = "decoy.import", createdBy
		e.Detail = joinDetail(fmt.Sprintf("%d rows, %d new decoys", rows, added), who.Detail)
		if err := s.prepareAudit(&e); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	}
}

// importFrom inserts every decoy next yields (until io.EOF; each already
// valid) in one transaction, importBatch at a time, leaving those already
// stored alone; then calls after, in the transaction, with the number of
// decoys read and added. Every decoy added is stamped with the
// transaction's change number, taken first (takeChangeSeq). estimate is about how many next will yield
// (unknownRows: not known), which decides whether the table's indexes are
// built afresh at the end (deferIndexes). Any error from next or the
// database rolls everything back. next runs in a goroutine of its own, a
// batch ahead of the inserts, so that reading a file and writing the
// database overlap.
func (s *Store) importFrom(ctx context.Context, estimate int, next func() (registry.Decoy, error), after func(tx *sql.Tx, rows, added int) error) (rows, added int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := readBatches(ctx, next)
	defer func() {
		cancel()
		for range batches { // let the reader end
		}
	}()
	now := s.now()
	if s.dialect.name() == "postgres" {
		return s.importByCopy(ctx, estimate, batches, now, after)
	}
	ready := func(conn *sql.Conn) func() { return s.dialect.sorting(ctx, conn) }
	err = s.txOnReadiedConn(ctx, ready, func(_ *sql.Conn, tx *sql.Tx) error {
		var full *sql.Stmt // the INSERT of a whole batch, prepared once
		defer func() {
			if full != nil {
				full.Close()
			}
		}()
		rows, added = 0, 0
		seq, err := takeChangeSeq(ctx, tx)
		if err != nil {
			return err
		}
		deferred, err := s.deferIndexes(ctx, tx, estimate)
		if err != nil {
			return err
		}
		for b := range batches {
			if b.err != nil {
				return b.err
			}
			if len(b.decoys) == importBatch && full == nil {
				var err error
				if full, err = tx.PrepareContext(ctx, s.insertDecoysSQL(importBatch)); err != nil {
					return fmt.Errorf("store: unable to import decoys: %w", err)
				}
			}
			n, err := s.insertBatch(ctx, tx, full, b.decoys, now, seq)
			if err != nil {
				return fmt.Errorf("store: unable to import decoys: %w", err)
			}
			rows += len(b.decoys)
			added += n
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if deferred != nil {
			removed, err := deferred.rebuild(ctx, s, tx)
			if err != nil {
				return err
			}
			added -= removed
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

// decoyBatch is up to importBatch decoys read, or the error that ended
// the reading.
type decoyBatch struct {
	decoys []registry.Decoy
	err    error
}

// readBatches calls next until io.EOF, an error or the end of ctx, and
// sends what it reads in batches; the channel is closed at the end. One
// batch waits in the channel while the next is read: memory is a few
// batches, not the file.
func readBatches(ctx context.Context, next func() (registry.Decoy, error)) <-chan decoyBatch {
	out := make(chan decoyBatch, 1)
	go func() {
		defer close(out)
		send := func(b decoyBatch) bool {
			select {
			case out <- b:
				return true
			case <-ctx.Done():
				return false
			}
		}
		batch := make([]registry.Decoy, 0, importBatch)
		for {
			d, err := next()
			if errors.Is(err, io.EOF) {
				if len(batch) > 0 {
					send(decoyBatch{decoys: batch})
				}
				return
			}
			if err != nil {
				send(decoyBatch{err: err})
				return
			}
			batch = append(batch, d)
			if len(batch) == importBatch {
				if !send(decoyBatch{decoys: batch}) {
					return
				}
				batch = make([]registry.Decoy, 0, importBatch)
			}
		}
	}()
	return out
}

// insertDecoysSQL is the INSERT of n decoys that skips those already
// stored. Placeholders come from the dialect: SQLite's driver looks $N up
// by linear search, quadratic over a statement of thousands.
func (s *Store) insertDecoysSQL(n int) string {
	insert, onConflict := s.dialect.insertIgnoring(identityColumns)
	var b strings.Builder
	b.WriteString(insert + " INTO decoys (" + decoyImportColumns + ") VALUES ")
	p := 0
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := 0; c < importColumnCount; c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			p++
			b.WriteString(s.dialect.placeholder(p))
		}
		b.WriteByte(')')
	}
	b.WriteString(onConflict)
	return b.String()
}

// insertBatch inserts decoys, with full (prepared for a whole batch) when
// they are one, each stamped with the change number seq, and returns how
// many were new.
func (s *Store) insertBatch(ctx context.Context, tx *sql.Tx, full *sql.Stmt, decoys []registry.Decoy, now time.Time, seq int64) (int, error) {
	args := make([]any, 0, importColumnCount*len(decoys))
	for _, d := range decoys {
		args = appendImportRow(args, d, now, seq)
	}
	var res sql.Result
	var err error
	if full != nil && len(decoys) == importBatch {
		res, err = full.ExecContext(ctx, args...)
	} else {
		res, err = tx.ExecContext(ctx, s.insertDecoysSQL(len(decoys)), args...)
	}
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// appendImportRow appends d's values for decoyImportColumns, in order, to
// args: now is the import's time (created_at when d has none, updated_at),
// seq its change number.
func appendImportRow(args []any, d registry.Decoy, now time.Time, seq int64) []any {
	created := d.CreatedAt
	if created.IsZero() {
		created = now
	}
	return append(args, d.VaultID, registry.VaultKey(d.VaultID), d.VaultName,
		strings.ToLower(registry.SubscriptionFromID(d.VaultID)), d.Name, registry.NameKey(d.VaultID, d.Name), string(d.Type),
		storable.Text(d.CreatedBy), micros(created), string(d.Status), micros(now), storable.Text(d.Memo), seq)
}
