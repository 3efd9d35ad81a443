package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// writeFresh is how long the outcome of the last write answers for the
// database's ability to take writes. Older than that, Writable writes a
// probe, so that readiness checks cost at most one small write per period
// on an idle server, and none on a busy one, whose own commits tell.
const writeFresh = 5 * time.Second

// writeStuck is how long a write may run before readiness stops waiting
// for its outcome and says the database does not take writes: a commit
// that long holds every source back.
const writeStuck = 30 * time.Second

// writeHealth is the outcome of the last write transaction that said
// anything about the storage: a commit, or a failure of the storage itself
// (disk full, read-only, I/O error, connection lost). Refusals of bad data
// (a unique violation, a validation error) say nothing and leave it as it
// was.
type writeHealth struct {
	mu  sync.Mutex
	at  time.Time // zero: no write yet
	err error     // nil: the last write committed
	// running counts write transactions under way, since when one has
	// been: while one runs, its outcome is awaited rather than a probe
	// queued behind it.
	running int
	since   time.Time

	probing sync.Mutex // one probe at a time; the others wait for its outcome
}

// startWrite notes that a write transaction begins.
func (s *Store) startWrite() {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.running == 0 {
		s.health.since = time.Now()
	}
	s.health.running++
}

// noteWrite records the outcome of a write transaction: err is what tx
// returns (nil for a commit).
func (s *Store) noteWrite(err error) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	s.health.running--
	if s.health.running > 0 {
		s.health.since = time.Now() // the next one has run at most this long
	}
	if err != nil && !s.dialect.isStorageFailure(err) {
		return
	}
	s.health.at, s.health.err = time.Now(), err
}

// lastWrite returns whether the last outcome answers for the database now
// — it is recent, or a write under way will soon replace it — and the
// outcome; a write under way for longer than writeStuck is the outcome.
func (s *Store) lastWrite() (fresh bool, err error) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.running > 0 {
		if d := time.Since(s.health.since); d > writeStuck {
			return true, fmt.Errorf("store: a write has been running for %s", d.Round(time.Second))
		}
		if !s.health.at.IsZero() {
			return true, s.health.err
		}
	}
	return !s.health.at.IsZero() && time.Since(s.health.at) < writeFresh, s.health.err
}

// Writable reports whether the database takes writes now: the outcome of
// the last write if it is recent or another is under way, else of a probe
// written for the purpose (one row of the write_probe table rewritten). On a full disk, a database
// made read-only or a lost connection it returns the failure, so that
// readiness says what clients of the ingest endpoint would find.
func (s *Store) Writable(ctx context.Context) error {
	if s.walSync != nil {
		if err := s.walSync.failed(); err != nil {
			return err // final: see walSync
		}
	}
	if fresh, err := s.lastWrite(); fresh {
		return err
	}
	s.health.probing.Lock()
	defer s.health.probing.Unlock()
	if fresh, err := s.lastWrite(); fresh { // another caller just probed
		return err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO write_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at", micros(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: write probe: %w", err)
	}
	return nil
}
