package app

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// A stale leader writes nothing: replica a leads and its scheduled task
// is under way when its lease is taken behind its back (as after a pause
// past the lease: a's own clock has not ended its term yet, its task's
// context is still live). The task's retention prune and audit row are
// refused with ErrLeaseLost and leave the database as it was, on SQLite
// and PostgreSQL; the new leader's task then prunes.
func TestStaleLeadersTaskWritesNothing(t *testing.T) {
	dsns := map[string]func() string{
		"sqlite":   func() string { return "sqlite:" + filepath.Join(t.TempDir(), "hv.db") },
		"postgres": func() string { return testenv.Postgres(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			dsn := dsns[name]()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			open := func() *store.Store {
				st, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			stA, stB := open(), open()
			ev := auditlog.Event{Kind: auditlog.KindAudit, VaultName: "kv-pay", CorrelationID: "c-1", Time: time.Now().Add(-time.Hour)}
			if _, err := stA.Accept(ctx, []store.Batch{{Source: "test", Events: []auditlog.Event{ev}}}, nil); err != nil {
				t.Fatal(err)
			}
			log := slog.New(slog.DiscardHandler)
			a, b := newLeader(stA, log, time.Hour, "test"), newLeader(stB, log, time.Hour, "test")
			t.Cleanup(func() { liveHere.Delete(a.id); liveHere.Delete(b.id) })

			// Each replica's task hands its term's context to the test.
			terms := map[*leader]chan context.Context{a: make(chan context.Context, 2), b: make(chan context.Context, 2)}
			for l, ch := range terms {
				task := l.only(func(ctx context.Context) { ch <- ctx; <-ctx.Done() })
				go task(ctx)
			}
			a.step(ctx)
			termA := <-terms[a]

			// a "pauses"; its lease is freed and b takes it.
			if err := stB.ReleaseLease(ctx, schedulerLease, a.id, a.Lease().Token); err != nil {
				t.Fatal(err)
			}
			b.step(ctx)
			termB := <-terms[b]
			if !a.Leading() || termA.Err() != nil {
				t.Fatal("a's term ended by itself: the test wants a replica that believes it still leads")
			}

			// a resumes and carries on with its task.
			if n, err := stA.PruneEvents(termA, time.Now().Add(time.Minute), pruneChunk); !errors.Is(err, store.ErrLeaseLost) || n != 0 {
				t.Errorf("the stale leader's prune: %d, %v; want ErrLeaseLost", n, err)
			}
			if err := stA.RecordAudit(termA, store.AuditEntry{Actor: "system", Action: "stale.write"}); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("the stale leader's audit row: %v; want ErrLeaseLost", err)
			}
			if err := stA.CheckFence(termA); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("the stale leader's check before a call to Azure: %v; want ErrLeaseLost", err)
			}
			if got := stA.FenceRefusals()[schedulerLease]; got != 3 {
				t.Errorf("refusals counted: %d; want 3", got)
			}
			if n, err := stB.CountEvents(ctx); err != nil || n != 1 {
				t.Errorf("events after the stale prune: %d, %v; want 1", n, err)
			}
			if rows, err := stB.ListAudit(ctx, store.AuditFilter{}); err != nil || len(rows) != 0 {
				t.Errorf("audit rows after the stale write: %+v, %v; want none", rows, err)
			}

			// The new leader's task writes.
			if n, err := stB.PruneEvents(termB, time.Now().Add(time.Minute), pruneChunk); err != nil || n != 1 {
				t.Errorf("the new leader's prune: %d, %v; want 1", n, err)
			}
			// a learns at its next renewal and stops leading.
			a.step(ctx)
			if a.Leading() {
				t.Error("a still leads after its renewal was refused")
			}
			select {
			case <-termA.Done():
			case <-time.After(time.Minute):
				t.Error("a's task context lives on after a lost the lease")
			}
		})
	}
}
