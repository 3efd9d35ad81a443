package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func testEvent(i int, caller string) auditlog.Event {
	return auditlog.Event{
		Kind: auditlog.KindAudit, Shape: auditlog.ShapeAuditEvent,
		Time:       time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
		VaultID:    "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-A",
		VaultName:  "kv-a",
		ObjectType: registry.Secret, ObjectName: fmt.Sprintf("secret-%d", i),
		Operation: "SecretGet", ResultType: "Success", HTTPStatus: 200,
		CorrelationID: fmt.Sprintf("corr-%d", i),
		RequestURI:    fmt.Sprintf("https://kv-a.vault.azure.net/secrets/secret-%d/?api-version=7.4", i),
		Caller:        auditlog.Caller{ObjectID: caller, UPN: caller + "@contoso.com", IP: "203.0.113.7"},
	}
}

func TestAcceptDedupesAcrossAndWithinBatches(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		evs := []auditlog.Event{testEvent(1, "u1"), testEvent(2, "u1"), testEvent(1, "u1")}
		var hooked []Fresh
		got, err := s.Accept(ctx, []Batch{{Source: "http", Events: evs}}, func(ctx context.Context, tx *Tx, f []Fresh) error {
			hooked = f
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].New != 2 || got[0].Duplicate != 1 || len(hooked) != 2 {
			t.Fatalf("first accept: %+v, %d fresh; want 2 new, 1 duplicate", got[0], len(hooked))
		}
		if hooked[0].ID == 0 || hooked[0].Event.ObjectName != "secret-1" {
			t.Errorf("fresh: %+v", hooked[0])
		}
		// The same records again, from another source, plus one new record.
		got, err = s.Accept(ctx, []Batch{{Source: "kafka", Events: append(evs, testEvent(3, "u2"))}}, func(ctx context.Context, tx *Tx, f []Fresh) error {
			hooked = f
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].New != 1 || got[0].Duplicate != 3 || len(hooked) != 1 || hooked[0].Event.ObjectName != "secret-3" {
			t.Fatalf("second accept: %+v, fresh %+v", got[0], hooked)
		}
		if n, _ := s.CountEvents(ctx); n != 3 {
			t.Errorf("%d events stored; want 3", n)
		}
	})
}

func TestAcceptHookFailureStoresNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		_, err := s.Accept(ctx, []Batch{{
			Source:      "http",
			Events:      []auditlog.Event{testEvent(1, "u1")},
			DeadLetters: []DeadLetter{{Position: "line 2", Reason: "invalid JSON", Raw: "{"}},
			Checkpoints: []Checkpoint{{Source: "http", Item: "x", Value: "1"}},
		}}, func(context.Context, *Tx, []Fresh) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("got %v; want boom", err)
		}
		n, _ := s.CountEvents(ctx)
		dl, _ := s.CountDeadLetters(ctx)
		_, ok, _ := s.Checkpoint(ctx, "http", "x")
		if n != 0 || len(dl) != 0 || ok {
			t.Errorf("after failed hook: %d events, dead letters %v, checkpoint %v; want nothing", n, dl, ok)
		}
		// And the same batch succeeds afterwards.
		if _, err := s.Accept(ctx, []Batch{{Source: "http", Events: []auditlog.Event{testEvent(1, "u1")}}}, nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountEvents(ctx); n != 1 {
			t.Errorf("%d events; want 1", n)
		}
	})
}

func TestDeadLettersAndCheckpoints(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		big := make([]byte, MaxDeadLetterRaw+100)
		for i := range big {
			big[i] = 'x'
		}
		_, err := s.Accept(ctx, []Batch{{
			Source:      "blob",
			DeadLetters: []DeadLetter{{Position: "PT1H.json:3", Reason: "invalid JSON", Raw: string(big)}, {Position: "PT1H.json:9", Reason: "bad", Raw: "\xff\xfe"}},
			Checkpoints: []Checkpoint{{Source: "blob", Item: "a/PT1H.json", Value: "100"}},
		}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveCheckpoint(ctx, Checkpoint{Source: "blob", Item: "a/PT1H.json", Value: "250"}); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := s.Checkpoint(ctx, "blob", "a/PT1H.json"); err != nil || !ok || v != "250" {
			t.Errorf("checkpoint: %q %v %v; want 250", v, ok, err)
		}
		all, _ := s.Checkpoints(ctx, "blob")
		if len(all) != 1 {
			t.Errorf("checkpoints: %v", all)
		}
		dls, err := s.ListDeadLetters(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(dls) != 2 || dls[1].Position != "PT1H.json:3" || len(dls[1].Raw) != MaxDeadLetterRaw || dls[0].Reason != "bad" {
			t.Errorf("dead letters: %d, %+v", len(dls), dls[0])
		}
		counts, _ := s.CountDeadLetters(ctx)
		if counts["blob"] != 2 {
			t.Errorf("counts: %v", counts)
		}
	})
}

func TestListEventsByCallerAndVault(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		evs := []auditlog.Event{testEvent(1, "u1"), testEvent(2, "u2"), testEvent(3, "U1")}
		evs[1].VaultName = "kv-b"
		if _, err := s.Accept(ctx, []Batch{{Source: "http", Events: evs}}, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListEvents(ctx, EventFilter{CallerKey: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Event.ObjectName != "secret-1" || got[1].Event.ObjectName != "secret-3" {
			t.Errorf("by caller: %+v", got)
		}
		if e := got[0].Event; e.Caller.UPN != "u1@contoso.com" || e.Operation != "SecretGet" || e.ObjectType != registry.Secret ||
			!e.Time.Equal(evs[0].Time) || got[0].Source != "http" {
			t.Errorf("stored event: %+v", got[0])
		}
		got, _ = s.ListEvents(ctx, EventFilter{VaultName: "KV-B"})
		if len(got) != 1 || got[0].Event.ObjectName != "secret-2" {
			t.Errorf("by vault: %+v", got)
		}
		got, _ = s.ListEvents(ctx, EventFilter{From: evs[1].Time, To: evs[2].Time})
		if len(got) != 1 || got[0].Event.ObjectName != "secret-2" {
			t.Errorf("by time: %+v", got)
		}
		got, _ = s.ListEvents(ctx, EventFilter{VaultName: "kv-a", Newest: true, Limit: 1})
		if len(got) != 1 || got[0].Event.ObjectName != "secret-3" {
			t.Errorf("the newest of kv-a: %+v", got)
		}
	})
}

func TestPruneEventsInChunks(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var evs []auditlog.Event
		for i := 0; i < 25; i++ {
			evs = append(evs, testEvent(i, "u"))
		}
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return base }
		s.Accept(ctx, []Batch{{Source: "http", Events: evs[:20]}}, nil)
		s.now = func() time.Time { return base.Add(48 * time.Hour) }
		s.Accept(ctx, []Batch{{Source: "http", Events: evs[20:]}}, nil)
		total := 0
		for {
			n, err := s.PruneEvents(ctx, base.Add(24*time.Hour), 7)
			if err != nil {
				t.Fatal(err)
			}
			if n > 7 {
				t.Fatalf("pruned %d in one call; limit 7", n)
			}
			if n == 0 {
				break
			}
			total += n
		}
		if left, _ := s.CountEvents(ctx); total != 20 || left != 5 {
			t.Errorf("pruned %d, %d left; want 20, 5", total, left)
		}
	})
}

// BenchmarkAcceptSQLite measures durable acceptance into SQLite, in batches
// of 500 records as the HTTP endpoint receives them. The events are parsed
// from realistic AuditEvent records (long ARM ids, URIs, client info) before
// the clock starts.
func BenchmarkAcceptSQLite(b *testing.B) {
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "hv.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchAccept(b, s)
}

// benchAccept stores b.N commits of 500 realistic records into s, parsed
// before the clock starts.
func benchAccept(b *testing.B, s *Store) {
	const batch = 500
	batches := make([][]auditlog.Event, b.N)
	for i := range batches {
		evs, bad, err := auditlog.ParseBody(benchAuditBody(i*batch, batch, time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)))
		if err != nil || len(bad) > 0 || len(evs) != batch {
			b.Fatalf("corpus: %v %v %d", err, bad, len(evs))
		}
		batches[i] = evs
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Accept(context.Background(), []Batch{{Source: "bench", Events: batches[i]}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "records/s")
}

// A batch larger than one INSERT chunk goes through the statement prepared
// at Open (full chunks) and one prepared in the transaction (the rest).
func TestAcceptBatchesLargerThanAChunk(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		n := 2*eventChunk + 37
		evs := make([]auditlog.Event, n)
		for i := range evs {
			evs[i] = testEvent(i, fmt.Sprintf("u%d", i%7))
		}
		for round, want := range []Accepted{{New: n}, {Duplicate: n}} {
			got, err := s.Accept(ctx, []Batch{{Source: "http", Events: evs}, {Source: "kafka", Events: evs[:eventChunk]}}, nil)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if got[0] != want || got[1].New != 0 || got[1].Duplicate != eventChunk {
				t.Errorf("round %d: %+v; want %+v then all duplicates", round, got, want)
			}
		}
		if c, _ := s.CountEvents(ctx); c != int64(n) {
			t.Errorf("%d events; want %d", c, n)
		}
	})
}

func TestDeleteCheckpoints(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, c := range []Checkpoint{{"blob", "a", "1"}, {"blob", "b", "2"}, {"file", "a", "3"}} {
			if err := s.SaveCheckpoint(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteCheckpoints(ctx, "blob", []string{"a", "missing"}); err != nil {
			t.Fatal(err)
		}
		blob, _ := s.Checkpoints(ctx, "blob")
		file, _ := s.Checkpoints(ctx, "file")
		if len(blob) != 1 || blob["b"] != "2" || file["a"] != "3" {
			t.Errorf("after deleting blob/a: blob %v, file %v", blob, file)
		}
	})
}

// A commit of any size goes as full chunks and then as INSERTs of
// power-of-two sizes, all prepared at Open: every row stored once, each
// fresh id the id of its own event's row.
func TestAcceptAnyNumberOfRows(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		next := 0
		for _, n := range []int{1, 2, 3, 255, 257, eventChunk - 1, eventChunk, eventChunk + 1, 3*eventChunk + 237} {
			evs := make([]auditlog.Event, n)
			for i := range evs {
				evs[i] = testEvent(next, fmt.Sprintf("u%d", next%5))
				next++
			}
			var fresh []Fresh
			got, err := s.Accept(ctx, []Batch{{Source: "http", Events: append(evs, evs[n/2])}}, func(_ context.Context, _ *Tx, f []Fresh) error {
				fresh = f
				return nil
			})
			if err != nil {
				t.Fatalf("%d rows: %v", n, err)
			}
			if got[0].New != n || got[0].Duplicate != 1 || len(fresh) != n {
				t.Fatalf("%d rows: %+v, %d fresh; want %d new, 1 duplicate", n, got[0], len(fresh), n)
			}
			first := fresh[0].ID
			for _, f := range fresh {
				first = min(first, f.ID)
			}
			stored, err := s.ListEvents(ctx, EventFilter{ByID: true, AfterID: first - 1, Limit: 2 * n})
			if err != nil {
				t.Fatal(err)
			}
			byID := make(map[int64]string, len(stored))
			for _, se := range stored {
				byID[se.ID] = se.Event.ObjectName
			}
			for _, f := range fresh {
				if got, want := byID[f.ID], f.Event.ObjectName; got != want {
					t.Fatalf("%d rows: id %d holds %q; fresh says %q", n, f.ID, got, want)
				}
			}
		}
		if c, _ := s.CountEvents(ctx); c != int64(next) {
			t.Errorf("%d events; want %d", c, next)
		}
	})
}
