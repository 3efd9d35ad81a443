package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// gatedSync replaces a walSync's fsync with one that announces itself on
// entered and finishes when release gets a value (the error it returns).
func gatedSync(w *walSync) (entered chan struct{}, release chan error) {
	entered, release = make(chan struct{}, 16), make(chan error)
	w.fsync = func() error {
		entered <- struct{}{}
		return <-release
	}
	return entered, release
}

// waitIn runs w.wait(n) in a goroutine and returns where its result lands.
func waitIn(w *walSync, n uint64) chan error {
	c := make(chan error, 1)
	go func() { c <- w.wait(n) }()
	return c
}

func TestWALSyncOneSyncCoversTheCommitsMadeBeforeIt(t *testing.T) {
	w := newWALSync(filepath.Join(t.TempDir(), "hv.db-wal"))
	entered, release := gatedSync(w)
	first := w.committed()
	a := waitIn(w, first)
	<-entered // a leads a sync covering commit 1 only
	second, third := w.committed(), w.committed()
	b, c := waitIn(w, second), waitIn(w, third)
	select {
	case err := <-b:
		t.Fatalf("commit 2 acknowledged (%v) before any sync began after it", err)
	default:
	}
	release <- nil
	if err := <-a; err != nil {
		t.Fatal(err)
	}
	<-entered // one of b and c leads the next sync, for both
	release <- nil
	for _, ch := range []chan error{b, c} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if got := w.syncs.Load(); got != 2 {
		t.Errorf("%d syncs for three commits, want 2 (one shared by commits 2 and 3)", got)
	}
	if err := w.wait(third); err != nil || w.syncs.Load() != 2 {
		t.Errorf("waiting again for a durable commit: err %v, syncs %d (want no new sync)", err, w.syncs.Load())
	}
}

func TestWALSyncFailureIsFinal(t *testing.T) {
	w := newWALSync(filepath.Join(t.TempDir(), "hv.db-wal"))
	entered, release := gatedSync(w)
	a := waitIn(w, w.committed())
	<-entered
	release <- errors.New("input/output error")
	if err := <-a; err == nil {
		t.Fatal("a failed sync acknowledged its commit")
	}
	// A later commit may not be acknowledged either: after a failed fsync
	// the kernel may have dropped what the earlier one wrote.
	if err := w.wait(w.committed()); err == nil {
		t.Fatal("a commit after a failed sync was acknowledged")
	}
	if w.failed() == nil {
		t.Error("failed() forgot the failure")
	}
}

// TestAcceptAsyncCommitsBeforeTheDiskSyncs: the commit is made (the writer
// is free) while the sync is under way; durable returns, and the hook's
// OnCommit callbacks run, only once the sync is done.
func TestAcceptAsyncCommitsBeforeTheDiskSyncs(t *testing.T) {
	eachStore(t, testAcceptAsyncCommitsBeforeTheDiskSyncs)
}

func testAcceptAsyncCommitsBeforeTheDiskSyncs(t *testing.T, s *Store) {
	ctx := context.Background()
	entered, release := gatedSync(s.walSync)
	var handedOn atomic.Bool
	hook := func(ctx context.Context, tx *Tx, f []Fresh) error {
		tx.OnCommit(func() { handedOn.Store(true) })
		return nil
	}
	acc, durable, err := s.AcceptAsync(ctx, []Batch{{Source: "http", Events: []auditlog.Event{testEvent(1, "u1")}}}, hook)
	if err != nil || acc[0].New != 1 {
		t.Fatalf("AcceptAsync: %v %+v", err, acc)
	}
	done := make(chan error, 1)
	go func() { done <- durable() }()
	<-entered
	// The writer is free while the disk syncs: another transaction commits.
	other, _, err := s.AcceptAsync(ctx, []Batch{{Source: "http", Events: []auditlog.Event{testEvent(2, "u2")}}}, nil)
	if err != nil || other[0].New != 1 {
		t.Fatalf("second commit during the sync: %v %+v", err, other)
	}
	if handedOn.Load() {
		t.Fatal("OnCommit callback ran before the commit was durable")
	}
	select {
	case err := <-done:
		t.Fatalf("durable returned (%v) before the sync finished", err)
	default:
	}
	release <- nil
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !handedOn.Load() {
		t.Error("OnCommit callback did not run once durable")
	}
}

// TestFailedSyncStopsAcknowledgements: Accept fails and nothing is handed
// on. On SQLite the store then says it cannot take writes (a failed fsync
// is final); on PostgreSQL a failed flush (a lost connection) fails only the
// commits it was to cover, and the next flush that works acknowledges again.
func TestFailedSyncStopsAcknowledgements(t *testing.T) {
	eachStore(t, testFailedSyncStopsAcknowledgements)
}

func testFailedSyncStopsAcknowledgements(t *testing.T, s *Store) {
	ctx := context.Background()
	flush := s.walSync.fsync
	s.walSync.fsync = func() error { return errors.New("input/output error") }
	var handedOn atomic.Bool
	_, err := s.Accept(ctx, []Batch{{Source: "http", Events: []auditlog.Event{testEvent(1, "u1")}}}, func(ctx context.Context, tx *Tx, f []Fresh) error {
		tx.OnCommit(func() { handedOn.Store(true) })
		return nil
	})
	if err == nil {
		t.Fatal("Accept acknowledged records the disk did not sync")
	}
	if handedOn.Load() {
		t.Error("work handed on from a commit that was not made durable")
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if s.Driver() == "sqlite" {
		if err := s.Writable(wctx); err == nil {
			t.Error("Writable says records can be stored after a failed fsync")
		}
		return
	}
	s.walSync.fsync = flush
	acc, err := s.Accept(ctx, []Batch{{Source: "http", Events: []auditlog.Event{testEvent(1, "u1"), testEvent(2, "u2")}}}, nil)
	if err != nil {
		t.Fatalf("PostgreSQL after the connection came back: %v", err)
	}
	if acc[0].New != 1 || acc[0].Duplicate != 1 {
		t.Errorf("sent again: %+v, want the unacknowledged record a duplicate and the other new", acc[0])
	}
}
