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
// to catch up instead (catchUp), goes on committing, and copies only what
// it committed meanwhile, once the catch-up is done. The ingest pipeline
// holds bulk writes back during a catch-up (WALCatchUp), so that what is
// left for the writer to copy is a few small commits.
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
	// catchUps counts the copies the checkpointer made for a restart.
	catchUps atomic.Int64

	// kick asks the checkpointer for a copy now. catching is closed when
	// the copy asked since the last restart is done (nil: none asked), and
	// caught says it is; stopped is set when the checkpointer has exited.
	kick     chan struct{}
	catchMu  sync.Mutex
	catching *catchUpRun
	caught   bool
	stopped  bool
}

// catchUpRun is one copy asked of the checkpointer; done is closed when it
// is done or no longer needed (the writer tried the restart without it).
type catchUpRun struct {
	done chan struct{}
	once sync.Once
}

func (c *catchUpRun) finish() {
	if c != nil {
		c.once.Do(func() { close(c.done) })
	}
}

func newWALBound(path string, limit int64) *walBound {
	return &walBound{path: path, restartAt: limit / 4, insistAt: limit / 2, kick: make(chan struct{}, 1)}
}

// due reports whether the log has grown past restartAt with no restart
// awaiting its commit.
func (b *walBound) due() bool {
	if b.pending.Load() {
		return false
	}
	fi, err := os.Stat(b.path)
	return err == nil && fi.Size() > b.restartAt
}

// catchUp asks the checkpointer to copy the log into the database, unless
// it was asked since the last restart, and returns the channel closed when
// that copy is done.
func (b *walBound) catchUp() <-chan struct{} {
	b.catchMu.Lock()
	defer b.catchMu.Unlock()
	if b.catching == nil {
		b.catching = &catchUpRun{done: make(chan struct{})}
		if b.stopped {
			b.catching.finish()
			b.caught = true
		}
		select {
		case b.kick <- struct{}{}:
		default: // a kick is already waiting: it serves this copy too
		}
	}
	return b.catching.done
}

// caughtUp reports whether the copy asked for is done.
func (b *walBound) caughtUp() bool {
	b.catchMu.Lock()
	defer b.catchMu.Unlock()
	return b.caught
}

// caughtUpTo marks the copy asked for before the checkpointer started as
// done (ch is what catching was then).
func (b *walBound) caughtUpTo(ch *catchUpRun) {
	if ch == nil {
		return
	}
	b.catchMu.Lock()
	defer b.catchMu.Unlock()
	ch.finish()
	if b.catching == ch {
		b.caught = true
	}
}

// forgetCatchUp is called when the writer has tried a restart: no one
// need wait for the copy any longer, and the next restart needs its own.
func (b *walBound) forgetCatchUp() {
	b.catchMu.Lock()
	defer b.catchMu.Unlock()
	b.catching.finish()
	b.catching, b.caught = nil, false
}

// WALCatchUp prepares a restart of SQLite's write-ahead log when one is
// due: it has the checkpointer copy the log into the database beside the
// writer and returns a channel closed when that copy is done, or nil when
// no restart is due (always on PostgreSQL). A writer that can wait (bulk
// ingest) should wait for it and let only what cannot wait commit
// meanwhile: the writer copies whatever was committed after the copy
// began itself, in front of its next transaction, before the restart.
func (s *Store) WALCatchUp() <-chan struct{} {
	b := s.wal
	if b == nil || !b.due() {
		return nil
	}
	return b.catchUp()
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
	if fi.Size() < b.insistAt && !b.caughtUp() {
		b.catchUp() // the checkpointer copies; this transaction goes on
		return
	}
	defer b.forgetCatchUp()
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
			b.catchMu.Lock()
			b.stopped = true
			if b.catching != nil {
				b.catching.finish()
				b.caught = true
			}
			b.catchMu.Unlock()
			return
		case <-t.C:
			passive()
		case <-b.kick:
			b.catchMu.Lock()
			ch := b.catching
			b.catchMu.Unlock()
			passive()
			b.catchUps.Add(1)
			b.caughtUpTo(ch)
		}
	}
}
