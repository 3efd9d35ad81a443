package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Readiness costs at most one small write per writeFresh on an idle store
// and none while writes come and go: the last outcome answers while it is
// recent or another write is under way; a storage failure answers until a
// write succeeds; a write stuck for long is a failure.
func TestWritableGoesByTheLastWrite(t *testing.T) {
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	tick := int64(0)
	s.now = func() time.Time { tick++; return time.UnixMicro(tick).UTC() }
	probed := func() int64 {
		t.Helper()
		var at int64
		if err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(at), 0) FROM write_probe").Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	age := func(d time.Duration) {
		s.health.mu.Lock()
		s.health.at = s.health.at.Add(-d)
		s.health.mu.Unlock()
	}

	before := probed() // Open's migrations wrote nothing through tx: the first check probes
	if err := s.Writable(ctx); err != nil {
		t.Fatal(err)
	}
	first := probed()
	if first == before {
		t.Fatal("no probe written on a store with no recent write")
	}
	if err := s.Writable(ctx); err != nil || probed() != first {
		t.Errorf("a second check right after: %v, probe %d → %d; want the first outcome, no write", err, first, probed())
	}
	age(writeFresh + time.Second)
	if err := s.Writable(ctx); err != nil || probed() == first {
		t.Errorf("a check after %s without writes: %v; want a new probe", writeFresh, err)
	}

	// A storage failure answers without a probe while it is recent.
	full := errors.New("store: unable to commit: database or disk is full")
	s.health.mu.Lock()
	s.health.at, s.health.err = time.Now(), full
	s.health.mu.Unlock()
	last := probed()
	if err := s.Writable(ctx); !errors.Is(err, full) || probed() != last {
		t.Errorf("after a failure: %v; want it again without a probe", err)
	}
	// A write under way: its outcome is awaited rather than probed for,
	// unless it has been running for longer than writeStuck.
	age(time.Minute)
	s.startWrite()
	if err := s.Writable(ctx); !errors.Is(err, full) || probed() != last {
		t.Errorf("with a write under way: %v; want the last outcome, no probe", err)
	}
	s.health.mu.Lock()
	s.health.since = time.Now().Add(-writeStuck - time.Second)
	s.health.mu.Unlock()
	if err := s.Writable(ctx); err == nil || !strings.Contains(err.Error(), "a write has been running for") {
		t.Errorf("with a write under way for %s: %v; want an error", writeStuck, err)
	}
	s.noteWrite(nil) // it commits
	if err := s.Writable(ctx); err != nil {
		t.Errorf("after a commit: %v", err)
	}
}

// Storage failures are told from refusals of what was written.
func TestIsStorageFailure(t *testing.T) {
	pg := postgresDialect{}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"disk full", &pgconn.PgError{Code: "53100"}, true},
		{"read-only transaction", fmt.Errorf("store: x: %w", &pgconn.PgError{Code: "25006"}), true},
		{"I/O error", &pgconn.PgError{Code: "58030"}, true},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"connection lost", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"bad text", &pgconn.PgError{Code: "22021"}, false},
		{"ours", ErrConflict, false},
		{"caller gave up", context.Canceled, false},
	}
	for _, tt := range tests {
		if got := pg.isStorageFailure(tt.err); got != tt.want {
			t.Errorf("postgres %s: got %v; want %v", tt.name, got, tt.want)
		}
	}

	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	_, readOnly := s.r.Exec("INSERT INTO write_probe (id, at) VALUES (2, 0)") // the readers' pool is query_only
	_, err = s.w.Exec("INSERT INTO write_probe (id, at) VALUES (3, 0)")
	_, unique := s.w.Exec("INSERT INTO write_probe (id, at) VALUES (3, 0)")
	if err != nil || readOnly == nil || unique == nil {
		t.Fatalf("setup: %v, %v, %v", err, readOnly, unique)
	}
	if lite := (sqliteDialect{}); !lite.isStorageFailure(readOnly) || lite.isStorageFailure(unique) || lite.isStorageFailure(ErrNotFound) {
		t.Errorf("sqlite: read-only %v, unique %v: want only the first a storage failure", readOnly, unique)
	}
}
