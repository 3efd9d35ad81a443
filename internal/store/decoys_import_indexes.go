package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
)

// watchlistRowBytes is what a watchlist row is taken to weigh when a
// file's size estimates its rows: genwatchlist's rows are ~217 bytes, a
// short vault id and name ~150. Erring long errs towards keeping the
// indexes.
const watchlistRowBytes = 256

// unknownRows is an import's estimate when nothing tells its size (a pipe).
const unknownRows = -1

// estimateRows is how many rows r probably holds: its size over
// watchlistRowBytes when it is a regular file (what the CLI and serve
// --watchlist pass), unknownRows otherwise.
func estimateRows(r io.Reader) int {
	f, ok := r.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return unknownRows
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return unknownRows
	}
	return int(fi.Size() / watchlistRowBytes)
}

// identityIndex is decoys' unique key of a decoy (migration 0001), the
// one an import's dedup needs: identityColumns are its columns.
const (
	identityIndex   = "decoys_identity"
	identityColumns = "vault_key, type, name_key"
)

// deferredIndexes are the indexes of decoys an import dropped, to build
// again before it commits.
type deferredIndexes struct {
	defs map[string]string // CREATE statement by name, the identity's among them
}

// deferIndexes decides whether an import of about estimate rows (or
// unknownRows) into decoys builds the table's indexes afresh rather than
// maintaining them row by row, and if so drops them in tx (nil when not).
// Keeping B-trees as rows arrive in no order of their keys is most of a
// large import's time on both databases (on PostgreSQL ON CONFLICT also
// probes the identity index for every row); CREATE INDEX sorts once.
// Only the primary key stays. Without the identity index nothing skips a
// repeated decoy as it goes in: rebuild removes the later copies before
// building it again. Both databases' DDL is transactional, so an import
// that fails restores the indexes with everything else.
//
// The rule: an import of at least a batch (or of an unknown number) of
// rows into an empty table, and on SQLite also one that at least doubles
// the table, since a build sorts what is there too. On PostgreSQL DROP
// INDEX locks the table (ACCESS EXCLUSIVE) until the import commits, so
// every other session's reads of decoys wait for it: that is done only to
// an empty table (the first fill, nothing to read yet), checked again
// under the lock so that two imports starting together do not both decide
// so. SQLite's readers keep their snapshot, indexes included, and are not
// held up.
func (s *Store) deferIndexes(ctx context.Context, tx *sql.Tx, estimate int) (*deferredIndexes, error) {
	if estimate != unknownRows && estimate < importBatch {
		return nil, nil
	}
	if s.dialect.name() != "postgres" {
		limit := estimate // more rows stored than the import brings: keep the indexes
		if estimate == unknownRows {
			limit = 0
		}
		if more, err := hasMoreRows(ctx, tx, limit); err != nil || more {
			return nil, err
		}
	} else {
		// Asked in the transaction before LOCK TABLE: its read holds
		// ACCESS SHARE until it is traded up, which two imports could
		// not both do at once — but imports never run at once here, as
		// each took the registry's change number first
		// (takeChangeSeq), which the other waits for. (Asked on
		// another connection instead, the check would wait for a free
		// one of the pool while this transaction holds the number every
		// other writer of decoys in the pool waits for.)
		if more, err := hasMoreRows(ctx, tx, 0); err != nil || more {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "LOCK TABLE decoys IN ACCESS EXCLUSIVE MODE"); err != nil {
			return nil, fmt.Errorf("store: unable to import decoys: %w", err)
		}
		if more, err := hasMoreRows(ctx, tx, 0); err != nil || more {
			return nil, err
		}
	}
	defs, err := s.rebuildableIndexes(ctx, tx)
	if err != nil {
		return nil, err
	}
	if _, ok := defs[identityIndex]; !ok {
		return nil, fmt.Errorf("store: unable to import decoys: index %s not found", identityIndex)
	}
	if err := s.dialect.bulkLoading(ctx, tx); err != nil {
		return nil, fmt.Errorf("store: unable to import decoys: %w", err)
	}
	for name := range defs {
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return nil, fmt.Errorf("store: unable to import decoys: dropping index %s: %w", name, err)
		}
	}
	return &deferredIndexes{defs: defs}, nil
}

// rebuild removes the rows that repeat a decoy stored before them (the
// first spelling, the lowest id, stays), builds the dropped indexes again
// and returns how many rows it removed. The identity index is built
// first, in a savepoint: it fails on a repeat, which a watchlist seldom
// holds, and only then are the repeats looked for (one more sort).
func (d *deferredIndexes) rebuild(ctx context.Context, s *Store, tx *sql.Tx) (removed int, err error) {
	// PostgreSQL's builds sort in maintenance_work_mem (64 MB by
	// default) and spill the rest to disk; 256 MB (SET LOCAL) made no
	// difference a million rows could measure, so the server's setting
	// stands.
	if removed, err = buildIdentity(ctx, s, tx, d.defs[identityIndex]); err != nil {
		return 0, err
	}
	for name, def := range d.defs {
		if name == identityIndex {
			continue
		}
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return 0, fmt.Errorf("store: unable to import decoys: rebuilding index %s: %w", name, err)
		}
	}
	return removed, nil
}

// buildIdentity creates the identity index with def, first deleting the
// rows that repeat a decoy if it cannot be built for them.
func buildIdentity(ctx context.Context, s *Store, tx *sql.Tx, def string) (removed int, err error) {
	fail := func(err error) (int, error) {
		return 0, fmt.Errorf("store: unable to import decoys: rebuilding index %s: %w", identityIndex, err)
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT import_identity"); err != nil {
		return fail(err)
	}
	_, err = tx.ExecContext(ctx, def)
	if err == nil {
		_, err = tx.ExecContext(ctx, "RELEASE SAVEPOINT import_identity")
		if err != nil {
			return fail(err)
		}
		return 0, nil
	}
	if !s.dialect.isUniqueViolation(err) {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT import_identity"); err != nil {
		return fail(err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM decoys WHERE id IN (SELECT id FROM
		(SELECT id, ROW_NUMBER() OVER (PARTITION BY `+identityColumns+` ORDER BY id) AS nth FROM decoys) AS numbered
		WHERE nth > 1)`)
	if err != nil {
		return fail(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, def); err != nil {
		return fail(err)
	}
	return int(n), nil
}

// hasMoreRows reports whether decoys holds more than limit rows, reading
// at most limit+1 of them.
func hasMoreRows(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, limit int) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM decoys LIMIT $1) AS stored", limit+1).Scan(&n); err != nil {
		return false, fmt.Errorf("store: unable to import decoys: %w", err)
	}
	return n > limit, nil
}

// rebuildableIndexes returns the statements that create decoys' indexes
// other than the primary key and constraints, by name, as the database
// holds them: what the migrations made, whatever they become. Of unique
// indexes only the identity is taken, the one rebuild knows how to
// restore after repeats.
func (s *Store) rebuildableIndexes(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	q := `SELECT m.name, m.sql FROM sqlite_master m JOIN pragma_index_list('decoys') l ON l.name = m.name
		WHERE m.type = 'index' AND l.origin = 'c' AND m.sql IS NOT NULL AND (l."unique" = 0 OR m.name = $1)`
	if s.dialect.name() == "postgres" {
		q = `SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
			WHERE x.indrelid = 'decoys'::regclass AND NOT x.indisprimary AND (NOT x.indisunique OR c.relname = $1)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)`
	}
	rows, err := tx.QueryContext(ctx, q, identityIndex)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the indexes of decoys: %w", err)
	}
	defer rows.Close()
	defs := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, fmt.Errorf("store: unable to list the indexes of decoys: %w", err)
		}
		defs[name] = def
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list the indexes of decoys: %w", err)
	}
	return defs, nil
}
