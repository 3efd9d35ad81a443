package store

import (
	"context"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// Retention pages by id (migration 0022 dropped the received_at index):
// among the oldest ids it deletes what was received before the cutoff,
// never a younger event (one received after the clock stepped back).
func TestPruneEventsNeverDeletesAYoungEvent(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i, received := range []time.Time{base, base.Add(48 * time.Hour), base} {
			s.now = func() time.Time { return received }
			evs := []auditlog.Event{testEvent(2*i, "u"), testEvent(2*i+1, "u")}
			if _, err := s.Accept(ctx, []Batch{{Source: "http", Events: evs}}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.PruneEvents(ctx, base.Add(24*time.Hour), 100); err != nil || n != 4 {
			t.Fatalf("pruned %d, %v; want the 4 received before the cutoff", n, err)
		}
		left, err := s.ListEvents(ctx, EventFilter{ByID: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 || !left[0].ReceivedAt.Equal(base.Add(48*time.Hour)) || !left[1].ReceivedAt.Equal(base.Add(48*time.Hour)) {
			t.Fatalf("left: %+v; want the 2 young events", left)
		}
		if n, err := s.PruneEvents(ctx, base.Add(72*time.Hour), 100); err != nil || n != 2 {
			t.Errorf("pruned %d, %v once all are old; want 2", n, err)
		}
	})
}

// Events stored before migration 0022 stay findable, deduplicated and
// prunable after it.
func TestEventsMigratedToRetentionByID(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		evs := []auditlog.Event{testEvent(1, "u1"), testEvent(2, "u2"), testEvent(3, "u1")}
		received := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		// Back to the schema before 0022, then the events, as a
		// database of an older release holds them.
		for _, q := range []string{"CREATE INDEX events_received ON events (received_at)", "DELETE FROM schema_migrations WHERE version = 22"} {
			if _, err := s.w.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		s.now = func() time.Time { return received }
		if got, err := s.Accept(ctx, []Batch{{Source: "http", Events: evs}}, nil); err != nil || got[0].New != 3 {
			t.Fatalf("accept before the migration: %+v, %v", got, err)
		}
		s.Close()

		s, err = Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if v, err := s.SchemaVersion(ctx); err != nil || v < 22 {
			t.Fatalf("schema version %d, %v; want 0022 applied", v, err)
		}
		got, err := s.Accept(ctx, []Batch{{Source: "http", Events: append(evs, testEvent(4, "u1"))}}, nil)
		if err != nil || got[0].New != 1 || got[0].Duplicate != 3 {
			t.Fatalf("accept after the migration: %+v, %v; want the old 3 duplicates, 1 new", got, err)
		}
		byCaller, err := s.ListEvents(ctx, EventFilter{CallerKey: evs[0].Caller.Key()})
		if err != nil || len(byCaller) != 3 {
			t.Fatalf("caller u1: %d events, %v; want 3", len(byCaller), err)
		}
		if n, err := s.PruneEvents(ctx, received.Add(time.Hour), 100); err != nil || n != 3 {
			t.Errorf("pruned %d, %v; want the 3 received before the migration", n, err)
		}
	})
}
