// Package store persists honeyvault's state — the decoy registry, events,
// incidents, the notification outbox, tokens — in SQLite (embedded, the
// default) or PostgreSQL (to run several replicas). One Store type serves both:
// the SQL is written once with $N placeholders and the few dialect
// differences live in dialect.go. Schema migrations are embedded and applied
// by Open.
//
// A Store is safe for concurrent use.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: already exists")
)

// IsDataError reports whether err is the database refusing what was
// written — a value it cannot hold (PostgreSQL's SQLSTATE class 22), a
// constraint (23), a limit such as the size of an index entry (54), or
// SQLite's equivalents — rather than failing to write it: the same write
// fails the same way every time, so retrying it is no use. A unique-key
// violation is not one: another writer may have won a race, and a retry
// sees its row.
func (s *Store) IsDataError(err error) bool { return s.dialect.isDataError(err) }

// Store is the database. Writes go through w; reads through r. For SQLite
// they are separate pools so that readers never wait behind the single
// writer; for PostgreSQL they are the same pool.
type Store struct {
	w, r    *sql.DB
	dialect dialect
	now     func() time.Time
	// SQLite only: the WAL's bound (wal.go), the checkpointer's stop
	// signal and its exit.
	wal                              *walBound
	walSync                          *walSync // makes commits durable (wal_sync.go)
	stopCheckpoints, checkpointsDone chan struct{}
	// health is the outcome of the last write, for readiness (health.go).
	health writeHealth
	// refusals counts what fences refused (fence.go).
	refusals  refusals
	closeOnce sync.Once
	// inserts are the prepared INSERTs of events, by row count (see
	// insertEventsStmt). They are prepared after the migrations, outside
	// any transaction: SQLite's writer pool has one connection, which a
	// transaction holds.
	inserts map[int]*sql.Stmt
}

// Open connects to dsn ("sqlite:PATH" or "postgres://..."), applies pending
// migrations and returns the Store.
func Open(ctx context.Context, dsn string) (*Store, error) {
	driver, rest, err := config.SplitDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var s *Store
	switch driver {
	case "sqlite":
		s, err = openSQLite(rest)
	case "postgres":
		s, err = openPostgres(rest)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepareInserts(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the database.
func (s *Store) Close() error {
	for _, stmt := range s.inserts {
		stmt.Close()
	}
	if s.stopCheckpoints != nil {
		s.closeOnce.Do(func() { close(s.stopCheckpoints) })
		<-s.checkpointsDone
	}
	err := s.w.Close()
	if s.walSync != nil {
		s.walSync.close()
	}
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Driver names the backend: "sqlite" or "postgres".
func (s *Store) Driver() string { return s.dialect.name() }

// Ready reports whether the database answers, every migration is applied
// and writes commit (Writable): whether records can be stored.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("store: database unreachable: %w", err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		return fmt.Errorf("store: unable to read schema version: %w", err)
	}
	if ms, err := loadMigrations(); err != nil || n < len(ms) {
		return fmt.Errorf("store: %d of %d migrations applied", n, len(ms))
	}
	if err := s.Writable(ctx); err != nil {
		return fmt.Errorf("store: database does not take writes: %w", err)
	}
	return nil
}

// tx runs fn in a write transaction, committing when fn returns nil, and
// returns once the commit is durable. Its outcome is what readiness goes by
// (see Writable).
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	durable, err := s.txAsync(ctx, fn, false)
	if err != nil {
		return err
	}
	return durable()
}

// txAsync is tx returning as soon as the commit is made, with a function
// that waits until it is durable. Nobody may learn of the commit (an
// answer, a message sent) before that function returned nil; if it fails,
// the commit may be lost. On SQLite every commit is made durable that way;
// on PostgreSQL only a lazy one (synchronous_commit off), the others are
// durable when they commit.
func (s *Store) txAsync(ctx context.Context, fn func(*sql.Tx) error, lazy bool) (durable func() error, err error) {
	return s.txAsyncOn(ctx, nil, fn, lazy)
}

// txOnConn is tx on a connection of its own, handed to fn with the
// transaction: what needs the driver's connection inside the transaction
// (PostgreSQL's COPY, through conn.Raw) reaches it there. Nothing else
// may use conn while fn runs.
func (s *Store) txOnConn(ctx context.Context, fn func(conn *sql.Conn, tx *sql.Tx) error) error {
	return s.txOnReadiedConn(ctx, nil, fn)
}

// txOnReadiedConn is txOnConn calling ready (when not nil) on conn before
// the transaction begins, for what cannot be set inside one, and what it
// returns after the transaction ended.
func (s *Store) txOnReadiedConn(ctx context.Context, ready func(*sql.Conn) (undo func()), fn func(conn *sql.Conn, tx *sql.Tx) error) error {
	// SQLite's writer pool has one connection: the WAL is bounded with it
	// before conn takes it (runTx would wait for it forever).
	s.boundWAL(ctx)
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to begin transaction: %w", err)
	}
	undo := func() {}
	if ready != nil {
		undo = ready(conn)
	}
	durable, err := s.txAsyncOn(ctx, conn, func(tx *sql.Tx) error { return fn(conn, tx) }, false)
	undo()
	conn.Close() // back to the pool before waiting for the disk, as tx does
	if err != nil {
		return err
	}
	return durable()
}

// txAsyncOn is txAsync on conn (nil: any connection of the pool).
func (s *Store) txAsyncOn(ctx context.Context, conn *sql.Conn, fn func(*sql.Tx) error, lazy bool) (durable func() error, err error) {
	s.startWrite()
	seq, err := s.runTx(ctx, conn, fn, lazy)
	s.noteWrite(err)
	if err != nil {
		return nil, err
	}
	return func() error { return s.durable(seq) }, nil
}

// durable waits until commit seq is durable (see walSync); 0 is a commit
// that was durable when it returned.
func (s *Store) durable(seq uint64) error {
	if seq == 0 {
		return nil
	}
	return s.walSync.wait(seq)
}

// runTx runs fn in a transaction on conn (nil: any of the pool's) and
// commits it; the number it returns identifies the commit to walSync (0:
// durable already).
func (s *Store) runTx(ctx context.Context, conn *sql.Conn, fn func(*sql.Tx) error, lazy bool) (uint64, error) {
	begin := s.w.BeginTx
	if conn != nil {
		begin = conn.BeginTx // txOnConn bounded the WAL
	} else {
		s.boundWAL(ctx)
	}
	tx, err := begin(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: unable to begin transaction: %w", err)
	}
	lazy, err = s.dialect.lazyCommit(ctx, tx, lazy)
	if err != nil {
		tx.Rollback()
		return 0, fmt.Errorf("store: unable to begin transaction: %w", err)
	}
	// Work under a lease writes only while the lease is still its own
	// (fence.go); the check comes first, so a refused transaction writes
	// nothing.
	if err := s.checkFence(ctx, tx); err != nil {
		tx.Rollback()
		return 0, err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: unable to commit: %w", err)
	}
	s.wal.committed()
	if !lazy {
		return 0, nil
	}
	return s.walSync.committed(), nil
}

// micros converts a time to the integer microseconds the schema stores.
// Integers sort, compare and index identically in both databases.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros is the inverse of micros, in UTC.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
