package store

import (
	"context"
	"database/sql"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultWALLimit is the size under which SQLite's write-ahead log (the
// file beside the database, "-wal") is kept however long writes go on.
const DefaultWALLimit = 64 << 20

// checkpointInterval is how often committed pages are copied into the
// database file beside the writer.
const checkpointInterval = 250 * time.Millisecond

// walBound keeps the WAL file of a SQLite store under a limit while the
// writer commits back to back.
//
// Copying committed pages into the database (a checkpoint) does not shrink
// the log: SQLite writes it from the beginning again only when a write
// transaction begins while every frame has been copied and no reader is
// reading from the log. Checkpoints on another connection beside a writer
// that commits without pause almost never leave such a moment, so the file
// grew by some 4 KB per record stored, without end. So once the file passes
// restartAt (a quarter of the limit), the writer itself, between two
// transactions, copies what the background checkpoints left (a PASSIVE
// checkpoint: it waits for no reader), and its next transaction starts the
// log over; journal_size_limit (restartAt) then cuts the file back. SQLite
// lets one checkpoint run at a time and makes any other fail at once, so
// the writer's and the background ones take turns on ckMu: the writer waits
// for a background copy to finish (that work is then not its to do) rather
// than fail. A reader still reading from the log at the moment the
// transaction begins puts the restart off to the next one. From insistAt
// (half the limit) on, the writer runs a RESTART checkpoint instead, which
// waits (up to the writer's busy timeout) until no reader reads from the
// log: by then only a reader holding one snapshot for long stands between
// the file and the limit, and ingest waiting for it is better than a full
// disk.
//
// Below insistAt the writer does not copy the log itself in front of a
// transaction it is about to run: that copy took 55–130 ms, and a decoy
// access committed right after it waited as long. It asks the checkpointer
// for a round of copying instead (wal_catchup.go) and goes on committing.
// When a round has copied every frame and nothing was committed since, the
// next transaction starts the log over with no copying at all; the ingest
// pipeline holds bulk writes back during rounds (WALCatchUp) so that this
// happens. Only after maxCatchUpRounds rounds that writes kept behind does
// the writer copy what is left itself, as before.
type walBound struct {
	path      string
	restartAt int64
	insistAt  int64

	mu   sync.Mutex // held by the goroutine deciding on a restart
	ckMu sync.Mutex // held by whoever runs a checkpoint
	// pending is set by a finished checkpoint and cleared by the next
	// commit, which writes from the log's start: until then the file's
	// size says nothing new.
	pending atomic.Bool
	// restarts and busy count checkpoints that emptied the log and those
	// that could not; spent is the time the writer spent in them, in
	// nanoseconds.
	restarts, busy, spent atomic.Int64
	// catchUps counts the checkpointer's rounds for a restart, and
	// commits the write transactions committed.
	catchUps, commits atomic.Int64
	catchUp           catchUp // see wal_catchup.go
	kick              chan struct{}
}

func newWALBound(path string, limit int64) *walBound {
	return &walBound{path: path, restartAt: limit / 4, insistAt: limit / 2, kick: make(chan struct{}, 1)}
}

// boundWAL runs before every write transaction on SQLite. While the WAL
// file is under restartAt it costs one stat; above, it prepares a restart
// of the log (see walBound). It never fails the transaction: a restart
// that cannot happen now is tried before the next one.
func (s *Store) boundWAL(ctx context.Context) {
	b := s.wal
	if b == nil || b.pending.Load() || !b.mu.TryLock() {
		return // another goroutine is at it, or a restart awaits its commit
	}
	defer b.mu.Unlock()
	fi, err := os.Stat(b.path)
	if err != nil || fi.Size() <= b.restartAt {
		return
	}
	if fi.Size() < b.insistAt {
		restart, copyHere := b.plan()
		if restart {
			b.restarts.Add(1) // everything is copied: this transaction starts the log over
			b.pending.Store(true)
			return
		}
		if !copyHere {
			return // the checkpointer copies; this transaction goes on
		}
	}
	defer b.forget()
	mode := "PASSIVE"
	if fi.Size() >= b.insistAt {
		mode = "RESTART"
	}
	start := time.Now()
	var busy, frames, copied int
	b.ckMu.Lock()
	err = s.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &copied)
	b.ckMu.Unlock()
	b.spent.Add(int64(time.Since(start)))
	if err != nil || busy != 0 || copied < frames {
		b.busy.Add(1)
		return
	}
	b.restarts.Add(1)
	b.pending.Store(true)
}

// WALStats is what bounding SQLite's write-ahead log has cost so far.
type WALStats struct {
	Bytes    int64         // the WAL file's size now
	Restarts int64         // checkpoints by the writer that let it start the log over
	HeldUp   int64         // those that readers or a background checkpoint held up, tried again
	Spent    time.Duration // time the writer spent in them instead of committing
}

// WAL reports the write-ahead log's state; ok is false on PostgreSQL.
func (s *Store) WAL() (st WALStats, ok bool) {
	b := s.wal
	if b == nil {
		return WALStats{}, false
	}
	if fi, err := os.Stat(b.path); err == nil {
		st.Bytes = fi.Size()
	}
	st.Restarts, st.HeldUp, st.Spent = b.restarts.Load(), b.busy.Load(), time.Duration(b.spent.Load())
	return st, true
}

// committed tells the bound that a write transaction committed: a pending
// restart has taken effect.
func (b *walBound) committed() {
	if b != nil {
		b.pending.Store(false)
		b.commits.Add(1)
	}
}

// checkpointWAL runs passive checkpoints on its own connection until the
// store closes: they copy what readers no longer need and never block the
// writer or readers, so that the writer (boundWAL) finds little left to copy.
func (s *Store) checkpointWAL(ck *sql.DB) {
	defer close(s.checkpointsDone)
	defer ck.Close()
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	b := s.wal
	passive := func() {
		b.ckMu.Lock()
		defer b.ckMu.Unlock()
		ck.Exec("PRAGMA wal_checkpoint(PASSIVE)")
	}
	for {
		select {
		case <-s.stopCheckpoints:
			passive()
			b.stop()
			return
		case <-t.C:
			passive()
		case <-b.kick:
			b.copyForRestart(ck)
		}
	}
}
