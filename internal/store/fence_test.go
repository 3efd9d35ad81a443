package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// A write fenced by a term of a lease commits while the term holds, and is
// refused with ErrLeaseLost, writing nothing, once the lease passed to
// another holder, once it expired unrenewed, and under a stale token even
// by the same holder name; writes without a fence are not checked.
func TestFencedWritesStopWhenTheLeasePassesOn(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		const ttl = 30 * time.Second
		write := func(ctx context.Context, action string) error {
			return s.RecordAudit(ctx, AuditEntry{Actor: "system", Action: action})
		}

		a, _, err := s.AcquireLease(ctx, "scheduler", "replica-a", ttl, nil)
		if err != nil {
			t.Fatal(err)
		}
		termA := WithFence(ctx, Fence{Lease: "scheduler", Holder: "replica-a", Token: a.Token})
		if err := write(termA, "a.while-leading"); err != nil {
			t.Fatalf("a fenced write while leading: %v", err)
		}
		if err := s.CheckFence(termA); err != nil {
			t.Fatalf("CheckFence while leading: %v", err)
		}

		advance(ttl + time.Second) // a paused past its lease
		if err := write(termA, "a.expired"); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("a write on an expired lease: %v; want ErrLeaseLost", err)
		}
		b, mine, err := s.AcquireLease(ctx, "scheduler", "replica-b", ttl, nil)
		if err != nil || !mine {
			t.Fatalf("takeover: %v %v", mine, err)
		}
		termB := WithFence(ctx, Fence{Lease: "scheduler", Holder: "replica-b", Token: b.Token})
		if err := write(termA, "a.stale"); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("the old leader's write: %v; want ErrLeaseLost", err)
		}
		if err := s.CheckFence(termA); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("the old leader's CheckFence: %v; want ErrLeaseLost", err)
		}
		// A term of the same holder name under an older token is stale too
		// (a restarted process reusing its id).
		stale := WithFence(ctx, Fence{Lease: "scheduler", Holder: "replica-b", Token: a.Token})
		if err := write(stale, "b.stale-token"); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("a stale token's write: %v; want ErrLeaseLost", err)
		}
		// A fence of another lease name guards nothing of this one.
		other := WithFence(ctx, Fence{Lease: "source:files", Holder: "replica-b", Token: b.Token})
		if err := write(other, "b.other-lease"); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("a write under a lease never taken: %v; want ErrLeaseLost", err)
		}
		if err := write(termB, "b.leading"); err != nil {
			t.Errorf("the new leader's write: %v", err)
		}
		if err := write(ctx, "unfenced"); err != nil {
			t.Errorf("an unfenced write: %v", err)
		}
		es, err := s.ListAudit(ctx, AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// Newest first.
		if got, want := auditActions(es), "unfenced b.leading a.while-leading"; got != want {
			t.Errorf("audit trail %q; want %q", got, want)
		}
	})
}

// On PostgreSQL the fence holds against a takeover that races a fenced
// transaction: the takeover waits for the transaction to end (the check
// locked the lease row), so nothing the old holder's transaction writes
// lands after the new holder got the lease.
func TestTakeoverWaitsForAFencedTransaction(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		if s.Driver() != "postgres" {
			t.Skip("SQLite's single writer orders every transaction")
		}
		ctx := context.Background()
		a, _, err := s.AcquireLease(ctx, "scheduler", "replica-a", time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}
		term := WithFence(ctx, Fence{Lease: "scheduler", Holder: "replica-a", Token: a.Token})
		inside, finish := make(chan struct{}), make(chan struct{})
		fenced := make(chan error, 1)
		go func() {
			fenced <- s.tx(term, func(tx *sql.Tx) error {
				close(inside)
				<-finish
				_, err := tx.ExecContext(ctx, "INSERT INTO audit_log (at, actor, action, target, detail, remote_addr) VALUES ($1, 'system', 'a.racing', '', '', '')", micros(time.Now()))
				return err
			})
		}()
		<-inside
		// The lease is taken from a (known dead) while its transaction runs.
		took := make(chan Lease, 1)
		go func() {
			l, _, err := s.AcquireLease(ctx, "scheduler", "replica-b", time.Hour, func(string) bool { return true })
			if err != nil {
				t.Error(err)
			}
			took <- l
		}()
		waitForLockWaiter(t, s)
		select {
		case l := <-took:
			t.Fatalf("the takeover did not wait for the fenced transaction: %+v", l)
		default:
		}
		close(finish)
		if err := <-fenced; err != nil {
			t.Fatalf("the fenced transaction begun before the takeover: %v", err)
		}
		if l := <-took; l.Holder != "replica-b" {
			t.Fatalf("takeover after the transaction: %+v", l)
		}
		if err := s.RecordAudit(term, AuditEntry{Actor: "system", Action: "a.after"}); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("a's write after the takeover: %v; want ErrLeaseLost", err)
		}
	})
}

// waitForLockWaiter waits until a session of the database waits for a row
// lock: the takeover queued behind the fenced transaction.
func waitForLockWaiter(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		if err := s.r.QueryRow("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no session came to wait for the lease row")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A pull source's batch carries its lease's fence: Accept stores it, its
// checkpoint with it, while the lease is the source's term; once the
// lease passed on it refuses the batch with ErrLeaseLost and neither an
// event nor the checkpoint moves, while a batch of the new holder in the
// same group is the one refused with it (a group commits whole or not at
// all; the pipeline then commits its batches one by one). A checkpoint
// saved after an empty poll is fenced through the context.
func TestPullSourceBatchesAreFenced(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		const ttl = 30 * time.Second
		lease := "source:spool"
		a, _, err := s.AcquireLease(ctx, lease, "replica-a", ttl, nil)
		if err != nil {
			t.Fatal(err)
		}
		fa := Fence{Lease: lease, Holder: "replica-a", Token: a.Token}
		batch := func(f *Fence, id, offset string) Batch {
			return Batch{Source: "spool", Fence: f, Events: []auditlog.Event{{Kind: auditlog.KindAudit, VaultName: "kv-one", CorrelationID: id, Time: now}},
				Checkpoints: []Checkpoint{{Source: "spool", Item: "a.json", Value: offset}}}
		}
		if _, err := s.Accept(ctx, []Batch{batch(&fa, "c-1", "100")}, nil); err != nil {
			t.Fatalf("the holder's batch: %v", err)
		}

		mu.Lock()
		now = now.Add(ttl + time.Second) // a paused past its lease
		mu.Unlock()
		b, mine, err := s.AcquireLease(ctx, lease, "replica-b", ttl, nil)
		if err != nil || !mine {
			t.Fatalf("takeover: %v %v", mine, err)
		}
		fb := Fence{Lease: lease, Holder: "replica-b", Token: b.Token}
		if _, err := s.Accept(ctx, []Batch{batch(&fa, "c-2", "200")}, nil); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("the stale holder's batch: %v; want ErrLeaseLost", err)
		}
		if err := s.SaveCheckpoint(WithFence(ctx, fa), Checkpoint{Source: "spool", Item: "a.json", Value: "300"}); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("the stale holder's checkpoint: %v; want ErrLeaseLost", err)
		}
		if err := s.DeleteCheckpoints(WithFence(ctx, fa), "spool", []string{"a.json"}); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("the stale holder's forgetting: %v; want ErrLeaseLost", err)
		}
		if v, _, err := s.Checkpoint(ctx, "spool", "a.json"); err != nil || v != "100" {
			t.Errorf("checkpoint %q, %v; want the holder's 100", v, err)
		}
		if n, err := s.CountEvents(ctx); err != nil || n != 1 {
			t.Errorf("events %d, %v; want 1", n, err)
		}
		if _, err := s.Accept(ctx, []Batch{batch(&fb, "c-3", "150"), batch(&fa, "c-2", "200")}, nil); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("a group with a stale batch: %v; want ErrLeaseLost", err)
		}
		if _, err := s.Accept(ctx, []Batch{batch(&fb, "c-3", "150")}, nil); err != nil {
			t.Errorf("the new holder's batch: %v", err)
		}
		if v, _, err := s.Checkpoint(ctx, "spool", "a.json"); err != nil || v != "150" {
			t.Errorf("checkpoint %q, %v; want the new holder's 150", v, err)
		}
		if n, err := s.CountEvents(ctx); err != nil || n != 2 {
			t.Errorf("events %d, %v; want 2", n, err)
		}
	})
}
