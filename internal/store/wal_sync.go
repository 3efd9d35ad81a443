package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// walSync makes SQLite commits durable outside the writer connection.
//
// The writer commits with synchronous=NORMAL: a commit writes its frames
// to the write-ahead log and returns without waiting for the disk, so the
// single writer goes straight on to the next transaction. What makes a
// commit durable is an fsync of the log that starts after the commit
// returned (fsync flushes every write made to the file before it, through
// any descriptor), and no caller learns of a commit before that: store
// writes wait for it before they return (Store.tx), and the ingest
// pipeline waits for it before it acknowledges a batch or hands anything
// on (AcceptAsync). With synchronous=FULL the writer waited for the disk
// inside every commit, and a decoy access arriving behind a large body's
// commit waited for two syncs instead of sharing one.
//
// Syncs are shared: whoever waits while no sync runs becomes the leader and
// syncs for every commit made so far; the others wait for it. A kill -9 loses
// nothing either way (the operating system holds what was written);
// synchronous=NORMAL alone would lose the last commits to a power cut, the
// sync here does not. A sync that fails is final: after a failed fsync the
// kernel may have dropped the pages, so every later wait fails too and the
// store reports itself unable to store records (Writable) until restarted.
//
// On PostgreSQL the same scheme serves the ingest pipeline only: its
// transactions commit with synchronous_commit off (AcceptAsync), and the
// sync is a small transaction committed synchronously (flushCommits), whose
// flush covers every commit before it in the server's log. There a failed
// sync (a lost connection) fails the commits it was to cover and no more.
type walSync struct {
	path string
	// fsync syncs the log; tests replace it.
	fsync func() error
	// final says a failed sync stops every later acknowledgement (SQLite);
	// otherwise it fails only the commits it was to cover (PostgreSQL,
	// where it is a lost connection or a server restart).
	final bool

	mu      sync.Mutex
	cond    *sync.Cond
	written uint64 // commits made
	synced  uint64 // commits known durable
	syncing bool
	err     error // the failed sync, final
	// lost is the last failed sync that was not final, covering commits
	// up to lostUpTo; lostGen counts such failures.
	lost     error
	lostUpTo uint64
	lostGen  uint64

	f     *os.File // the log, opened at the first sync
	syncs atomic.Int64
}

func newWALSync(path string) *walSync {
	w := &walSync{path: path, final: true}
	w.cond = sync.NewCond(&w.mu)
	w.fsync = w.syncFile
	return w
}

// newCommitSync is walSync for PostgreSQL: the pipeline's transactions
// commit with synchronous_commit off, and sync (a small transaction
// committed synchronously, whose flush covers every commit before it in the
// server's log) makes them durable.
func newCommitSync(flush func() error) *walSync {
	w := &walSync{path: "PostgreSQL's write-ahead log", fsync: flush}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// committed records a commit and returns its number, to wait for.
func (w *walSync) committed() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.written++
	return w.written
}

// wait returns once commit n is durable, syncing the log itself if no
// other goroutine is. It does not watch a context: a sync is bounded by
// the disk, and abandoning it would leave the commit's fate unknown.
func (w *walSync) wait(n uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.synced < n {
		if w.err != nil {
			return w.err
		}
		if w.syncing {
			gen := w.lostGen
			w.cond.Wait()
			if w.lostGen != gen && n <= w.lostUpTo {
				return w.lost
			}
			continue
		}
		w.syncing = true
		target := w.written
		w.mu.Unlock()
		err := w.fsync()
		w.mu.Lock()
		w.syncing = false
		w.syncs.Add(1)
		if err != nil {
			err = fmt.Errorf("store: unable to sync %s: %w", w.path, err)
		}
		switch {
		case err == nil:
			w.synced = max(w.synced, target)
		case w.final:
			w.err = err
		default:
			w.lost, w.lostUpTo = err, target
			w.lostGen++
		}
		w.cond.Broadcast()
		if err != nil && !w.final {
			return err
		}
	}
	return nil
}

// failed is the sync failure that stops the store, if any.
func (w *walSync) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// syncFile fsyncs the log file. The first time, it also syncs the
// directory, so that the file's entry survives a power cut with it.
func (w *walSync) syncFile() error {
	if w.f == nil {
		f, err := os.OpenFile(w.path, os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			return nil // nothing committed through a log yet
		}
		if err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(w.path)); err != nil {
			f.Close()
			return err
		}
		w.f = f
	}
	return w.f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// close releases the log file.
func (w *walSync) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
}

// flushCommitTimeout bounds flushCommits: a server that does not answer
// within it fails the acknowledgements waiting (the sources send again).
const flushCommitTimeout = 30 * time.Second

// flushCommits makes every lazy PostgreSQL commit made so far durable: it
// commits one small transaction synchronously, and the server flushes its
// log in order, so the flush of that commit covers every commit before it.
func (s *Store) flushCommits() error {
	ctx, cancel := context.WithTimeout(context.Background(), flushCommitTimeout)
	defer cancel()
	_, err := s.w.ExecContext(ctx, "INSERT INTO write_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at", micros(s.now()))
	return err
}
