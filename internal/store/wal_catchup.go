package store

import (
	"database/sql"
	"os"
	"sync"
)

// maxCatchUpRounds is how many copies the checkpointer makes for one
// restart before the writer copies the rest itself: each round copies what
// was committed during the one before, and under steady writes some always
// is.
const maxCatchUpRounds = 3

// catchUp is the state of the copies the checkpointer makes so that the
// writer can start the log over without copying it itself (see walBound).
// A restart needs every frame copied and no commit since: a transaction
// that begins then writes from the log's start.
type catchUp struct {
	mu sync.Mutex
	// run is the round asked since the last restart (nil: none); done
	// says it finished, and cleanAt, when it copied every frame, the
	// commit count it began at (-1 otherwise).
	run     *catchUpRun
	done    bool
	cleanAt int64
	rounds  int
	stopped bool // the checkpointer has exited
}

// catchUpRun is one round; done is closed when it finished or is no longer
// needed (the writer tried the restart without it).
type catchUpRun struct {
	done chan struct{}
	once sync.Once
}

func (r *catchUpRun) finish() {
	if r != nil {
		r.once.Do(func() { close(r.done) })
	}
}

// clean reports whether the last round copied every frame and nothing was
// committed since. Call with c.mu held.
func (b *walBound) clean() bool {
	c := &b.catchUp
	return c.run != nil && c.done && c.cleanAt >= 0 && b.commits.Load() == c.cleanAt
}

// startRound asks the checkpointer for a round. Call with c.mu held.
func (b *walBound) startRound() {
	c := &b.catchUp
	c.run, c.done, c.cleanAt = &catchUpRun{done: make(chan struct{})}, false, -1
	c.rounds++
	if c.stopped {
		c.run.finish()
		c.done = true
		return
	}
	select {
	case b.kick <- struct{}{}:
	default: // a kick is already waiting: it serves this round
	}
}

// plan decides, below insistAt, what the write transaction about to begin
// does for a restart that is due: start the log over (everything is
// copied), copy the rest itself (the rounds did not catch up), or neither
// (a round is under way, or has just been asked for).
func (b *walBound) plan() (restart, copyHere bool) {
	c := &b.catchUp
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case b.clean():
		c.run.finish()
		c.run, c.rounds = nil, 0
		return true, false
	case c.run != nil && !c.done:
		return false, false
	case c.rounds < maxCatchUpRounds:
		b.startRound()
		return false, false
	}
	return false, true
}

// forget is called when the writer has tried a restart itself: no one
// need wait for a round any longer, and the next restart starts afresh.
func (b *walBound) forget() {
	c := &b.catchUp
	c.mu.Lock()
	defer c.mu.Unlock()
	c.run.finish()
	c.run, c.rounds = nil, 0
}

// WALCatchUp prepares a restart of SQLite's write-ahead log when one is
// due: it has the checkpointer copy the log into the database beside the
// writer, and returns a channel closed when that round is done; nil when
// no restart is due or none need be waited for (always on PostgreSQL). A
// writer that can wait (bulk ingest) should call it again until it returns
// nil, letting only what cannot wait commit meanwhile: once a round has
// copied everything with no commit since, the next transaction starts the
// log over, and the writer never spends time copying.
func (s *Store) WALCatchUp() <-chan struct{} {
	b := s.wal
	if b == nil || !b.due() {
		return nil
	}
	c := &b.catchUp
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case b.clean():
		return nil
	case c.run != nil && !c.done:
		return c.run.done
	case c.rounds < maxCatchUpRounds:
		b.startRound()
		return c.run.done
	}
	return nil
}

// copyForRestart is the checkpointer's round: a passive checkpoint, noting
// whether it copied every frame and how many commits there were before.
func (b *walBound) copyForRestart(ck *sql.DB) {
	c := &b.catchUp
	c.mu.Lock()
	run := c.run
	c.mu.Unlock()
	b.ckMu.Lock()
	before := b.commits.Load()
	var busy, frames, copied int
	err := ck.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	b.ckMu.Unlock()
	b.catchUps.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if run != nil && c.run == run {
		c.done = true
		if err == nil && busy == 0 && copied == frames {
			c.cleanAt = before
		}
	}
	run.finish()
}

// stop is called when the checkpointer exits: no round will run again.
func (b *walBound) stop() {
	c := &b.catchUp
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.run != nil {
		c.run.finish()
		c.done = true
	}
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
