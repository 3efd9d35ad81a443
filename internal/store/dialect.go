package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is everything that differs between SQLite and PostgreSQL.
type dialect interface {
	name() string
	// schema rewrites the portable markers of a migration ({{id}}, {{blob}}).
	schema(sql string) string
	// isUniqueViolation reports a unique-constraint error.
	isUniqueViolation(err error) bool
	// isStorageFailure reports an error of the database itself rather than
	// of what was written: full disk, read-only database, I/O error, lost
	// connection. Readiness follows these (see Writable).
	isStorageFailure(err error) bool
	// isDataError reports the database refusing what was written (see
	// IsDataError).
	isDataError(err error) bool
	// placeholder is the n-th bound parameter, in a statement whose
	// parameters appear in order. SQL elsewhere is written with $n, which
	// both accept; statements with thousands of parameters use this, because
	// SQLite (and its driver) look $n and ?n up by linear search, which is
	// quadratic over a statement, and plain ? is not.
	placeholder(n int) string
	// insertIgnoring is the INSERT keyword and the trailing clause of an
	// INSERT that skips rows conflicting on the unique key conflictKey.
	// SQLite's INSERT OR IGNORE makes every constraint skip rather than
	// abort, so a multi-row INSERT needs no statement journal (which cost
	// a third of a large import's time); PostgreSQL's ON CONFLICT DO
	// NOTHING is its standard spelling.
	insertIgnoring(conflictKey string) (insert, onConflict string)
	// scanning readies conn for a read of a whole table, and scanned
	// undoes it and frees what conn cached: SQLite's page cache, which
	// such a read would fill to its bound; nothing on PostgreSQL, whose
	// cache is the server's.
	scanning(ctx context.Context, conn *sql.Conn)
	scanned(conn *sql.Conn)
	// snapshot is the options of a read transaction all of whose
	// statements see the same committed state: SQLite's deferred BEGIN
	// (nil), whose WAL snapshot is taken at the first read and kept to
	// the end; PostgreSQL's REPEATABLE READ, READ ONLY (READ COMMITTED,
	// its default, takes a snapshot per statement).
	snapshot() *sql.TxOptions
	// sorting readies conn, outside a transaction, for building indexes
	// of a large table, and returns what undoes it: SQLite's sorter keeps
	// everything it sorts in memory when temporary files are kept there
	// (temp_store MEMORY, set for the small temporary structures of
	// everyday queries), so for a build they go to disk; nothing on
	// PostgreSQL, whose sorts are the server's (maintenance_work_mem).
	sorting(ctx context.Context, conn *sql.Conn) (undo func())
	// bulkLoading readies tx, on a connection readied by sorting, for
	// appending rows to a table without indexes and building them after:
	// on SQLite a small page cache, since appends and a build's passes
	// touch few pages again, and the sorter holds runs of a page cache's
	// size (sorting's undo restores it); nothing on PostgreSQL.
	bulkLoading(ctx context.Context, tx *sql.Tx) error
	// unindexed writes column so that no index serves a condition on it,
	// where the planner would otherwise pick a worse plan (see
	// IncidentCharts): "+column" on SQLite; as is on PostgreSQL, whose
	// planner weighs the choice by its statistics.
	unindexed(column string) string
	// forUpdate is the clause that locks the rows a SELECT reads until the
	// transaction ends ("" where the single writer already serialises).
	forUpdate() string
	// forShare is the clause that keeps the rows a SELECT reads from
	// being changed until the transaction ends, while other readers may
	// keep them too ("" where the single writer already serialises).
	forShare() string
	// skipLocked is forUpdate, but rows another transaction has locked are
	// skipped rather than waited for (claiming work from a shared queue).
	skipLocked() string
	// lockInTx takes the lock named key until the transaction tx ends,
	// waiting for whoever holds it until ctx ends; a no-op where the single
	// writer already serialises.
	lockInTx(ctx context.Context, tx *sql.Tx, key int64) error
	// lockOnConn takes the lock named key on conn, across transactions,
	// until unlock is called: replicas starting together take turns.
	lockOnConn(ctx context.Context, conn *sql.Conn, key int64) (unlock func(), err error)
	// lazyCommit prepares tx, just begun, to commit without waiting for
	// the disk when lazy asks for it, and says whether it will: then the
	// commit is durable only once walSync says so. SQLite's writer always
	// commits so; PostgreSQL only when asked (synchronous_commit off).
	lazyCommit(ctx context.Context, tx *sql.Tx, lazy bool) (bool, error)
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) lazyCommit(context.Context, *sql.Tx, bool) (bool, error) { return true, nil }

func (sqliteDialect) schema(s string) string {
	return strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{blob}}", "BLOB").Replace(s)
}

func (sqliteDialect) isUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func (sqliteDialect) placeholder(int) string { return "?" }

func (sqliteDialect) insertIgnoring(string) (string, string) { return "INSERT OR IGNORE", "" }

// Page caches, in KiB (negative, as PRAGMA cache_size takes it):
// sqliteReaderCache is a reader's (the console's queries), sqliteScanCache
// a reader's during a whole-table read, sqliteWriterCache the writer's and
// the checkpointer's. The writer's is small because a larger one buys
// nothing: in WAL mode the pages it drops are read back from the WAL or
// the database through the OS's cache, and with 64 MB a million-record
// ingest ran no faster (31,077–31,896 records/s against 32,056–33,674 with
// 16 MB) while the process held ~95 MB more, all of it SQLite's C memory
// outside Go's heap and its memory target (bench/BENCHMARKS.md, "Fifth pass"
// under "One replica at scale").
const (
	sqliteScanCache   = "-2048"
	sqliteReaderCache = "-65536"
	sqliteWriterCache = "-16384"
)

func (sqliteDialect) scanning(ctx context.Context, conn *sql.Conn) {
	conn.ExecContext(ctx, "PRAGMA cache_size = "+sqliteScanCache)
}

func (sqliteDialect) scanned(conn *sql.Conn) {
	conn.ExecContext(context.Background(), "PRAGMA cache_size = "+sqliteReaderCache)
	conn.ExecContext(context.Background(), "PRAGMA shrink_memory")
}

func (sqliteDialect) snapshot() *sql.TxOptions { return nil }

// sqliteImportCache is the writer's page cache during an import: one that
// keeps the indexes up row by row (into a registry it does not double)
// inserts into them at random pages, and keeps the cache the writer had
// before its own became small; one that builds them afterwards lowers it
// again (bulkLoading).
const sqliteImportCache = "-65536"

func (sqliteDialect) sorting(ctx context.Context, conn *sql.Conn) func() {
	conn.ExecContext(ctx, "PRAGMA temp_store = FILE")
	conn.ExecContext(ctx, "PRAGMA cache_size = "+sqliteImportCache)
	return func() {
		conn.ExecContext(context.Background(), "PRAGMA temp_store = MEMORY")
		conn.ExecContext(context.Background(), "PRAGMA cache_size = "+sqliteWriterCache) // sorting readies the writer
	}
}

// sqliteBulkCache is the page cache of an import that builds its indexes
// afterwards, in KiB (see bulkLoading).
const sqliteBulkCache = "-16384"

func (sqliteDialect) bulkLoading(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "PRAGMA cache_size = "+sqliteBulkCache)
	return err
}

func (sqliteDialect) forUpdate() string { return "" }
func (sqliteDialect) forShare() string  { return "" }

func (sqliteDialect) unindexed(column string) string { return "+" + column }
func (sqliteDialect) skipLocked() string             { return "" }

func (sqliteDialect) lockInTx(context.Context, *sql.Tx, int64) error { return nil }

func (sqliteDialect) lockOnConn(context.Context, *sql.Conn, int64) (func(), error) {
	return func() {}, nil
}

func (sqliteDialect) isStorageFailure(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PERM,
		sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}

func (sqliteDialect) isDataError(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT:
		return se.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE && se.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	case sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH:
		return true
	}
	return false
}

type postgresDialect struct{}

func (postgresDialect) isDataError(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	// 22: data exception (22021: a NUL or bytes that are not UTF-8 in
	// text); 23: integrity constraint violation; 54: program limit
	// exceeded (54000: an index entry over 2,704 bytes).
	switch {
	case pe.Code == "23505":
		return false
	case strings.HasPrefix(pe.Code, "22"), strings.HasPrefix(pe.Code, "23"), strings.HasPrefix(pe.Code, "54"):
		return true
	}
	return false
}

func (postgresDialect) placeholder(n int) string { return "$" + strconv.Itoa(n) }

func (postgresDialect) scanning(context.Context, *sql.Conn) {}
func (postgresDialect) scanned(*sql.Conn)                   {}

func (postgresDialect) snapshot() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (postgresDialect) sorting(context.Context, *sql.Conn) func() { return func() {} }

func (postgresDialect) bulkLoading(context.Context, *sql.Tx) error { return nil }

func (postgresDialect) insertIgnoring(conflictKey string) (string, string) {
	return "INSERT", " ON CONFLICT (" + conflictKey + ") DO NOTHING"
}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) lazyCommit(ctx context.Context, tx *sql.Tx, lazy bool) (bool, error) {
	if !lazy {
		return false, nil
	}
	_, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit = off")
	return err == nil, err
}

func (postgresDialect) forUpdate() string { return " FOR UPDATE" }
func (postgresDialect) forShare() string  { return " FOR SHARE" }

func (postgresDialect) unindexed(column string) string { return column }
func (postgresDialect) skipLocked() string             { return " FOR UPDATE SKIP LOCKED" }

func (postgresDialect) lockInTx(ctx context.Context, tx *sql.Tx, key int64) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", key)
	return err
}

func (postgresDialect) lockOnConn(ctx context.Context, conn *sql.Conn, key int64) (func(), error) {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return nil, err
	}
	return func() { conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", key) }, nil
}

func (postgresDialect) schema(s string) string {
	return strings.NewReplacer("{{id}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "{{blob}}", "BYTEA").Replace(s)
}

func (postgresDialect) isStorageFailure(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 53: insufficient resources (disk full, out of memory, too many
		// connections); 58: system error (I/O); 57P: the server shutting
		// down or starting; 08: connection exception; XX: internal error;
		// 25006: read-only transaction; 42501: writing not permitted.
		for _, prefix := range []string{"53", "58", "57P", "08", "XX", "25006", "42501"} {
			if strings.HasPrefix(pe.Code, prefix) {
				return true
			}
		}
		return false
	}
	// No answer from the server at all: the connection failed or broke.
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err)
}

func (postgresDialect) isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// openSQLite opens path with one writer connection (SQLite has one writer at
// a time; a single connection turns lock waits into queueing) and a pool of
// readers. WAL lets readers run beside the writer. The writer commits with
// synchronous=NORMAL and walSync makes each commit durable before anyone
// learns of it (the ingest endpoint's 202 promises that), with one sync
// shared by the commits made meanwhile.
func openSQLite(path string) (*Store, error) {
	return openSQLiteBounded(path, DefaultWALLimit)
}

// openSQLiteBounded is openSQLite with the WAL kept under walLimit bytes
// (see wal.go); tests use a small bound.
func openSQLiteBounded(path string, walLimit int64) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: unable to create directory for %s: %w", path, err)
		}
	}
	wal := newWALBound(path+"-wal", walLimit)
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=temp_store(MEMORY)"
	writerCache, readerCache := "&_pragma=cache_size("+sqliteWriterCache+")", "&_pragma=cache_size("+sqliteReaderCache+")"
	// The writer never checkpoints the WAL by itself (wal_autocheckpoint(0)):
	// a checkpoint copies pages into the database and syncs it, and doing
	// that inside an ingest commit would stall every source. checkpointWAL
	// copies beside the writer instead, and the writer only starts the log
	// over between transactions (restartWAL), after which journal_size_limit
	// cuts the file back to where restarts begin.
	w, err := sql.Open("sqlite", base+writerCache+"&_txlock=immediate&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit("+strconv.FormatInt(wal.restartAt, 10)+")")
	if err != nil {
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+readerCache+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	ck, err := sql.Open("sqlite", base+writerCache+"&_pragma=synchronous(FULL)")
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	ck.SetMaxOpenConns(1)
	s := &Store{w: w, r: r, dialect: sqliteDialect{}, now: nowUTC, wal: wal, walSync: newWALSync(path + "-wal"), stopCheckpoints: make(chan struct{}), checkpointsDone: make(chan struct{})}
	go s.checkpointWAL(ck)
	return s, nil
}

func openPostgres(dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: unable to open PostgreSQL: %w", err)
	}
	db.SetMaxOpenConns(16)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: unable to reach PostgreSQL: %w", err)
	}
	s := &Store{w: db, r: db, dialect: postgresDialect{}, now: nowUTC}
	s.walSync = newCommitSync(s.flushCommits)
	return s, nil
}
