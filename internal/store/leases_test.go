package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// Leases on both databases: one holder at a time, renewals keep the token,
// a lease let expire passes to another holder with a new token and the old
// holder's renewal then fails, a release frees it at once, and holders
// racing for a free lease get exactly one winner.
func TestLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		const ttl = 30 * time.Second

		if _, _, err := s.AcquireLease(ctx, "scheduler", "", ttl, nil); err == nil {
			t.Error("a lease without a holder was taken")
		}
		a, mine, err := s.AcquireLease(ctx, "scheduler", "replica-a", ttl, nil)
		if err != nil || !mine || a.Token != 1 || a.Holder != "replica-a" || !a.Expires.Equal(now.Add(ttl)) {
			t.Fatalf("first take: %+v %v %v", a, mine, err)
		}
		if b, mine, err := s.AcquireLease(ctx, "scheduler", "replica-b", ttl, nil); err != nil || mine || b.Holder != "replica-a" {
			t.Fatalf("a held lease went to b: %+v %v %v", b, mine, err)
		}
		advance(20 * time.Second)
		if r, err := s.RenewLease(ctx, "scheduler", "replica-a", a.Token, ttl); err != nil || r.Token != 1 || !r.Expires.Equal(now.Add(ttl)) {
			t.Fatalf("renewal: %+v %v", r, err)
		}
		advance(20 * time.Second) // still a's: renewed 20 s ago
		if _, mine, _ := s.AcquireLease(ctx, "scheduler", "replica-b", ttl, nil); mine {
			t.Fatal("b took a lease a had renewed")
		}

		advance(ttl) // a paused past its lease
		b, mine, err := s.AcquireLease(ctx, "scheduler", "replica-b", ttl, nil)
		if err != nil || !mine || b.Token != 2 || b.Holder != "replica-b" {
			t.Fatalf("takeover: %+v %v %v", b, mine, err)
		}
		if _, err := s.RenewLease(ctx, "scheduler", "replica-a", a.Token, ttl); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("the old holder renewed: %v", err)
		}
		if _, mine, _ := s.AcquireLease(ctx, "scheduler", "replica-a", ttl, nil); mine {
			t.Error("the old holder took it back while b holds it")
		}

		if err := s.ReleaseLease(ctx, "scheduler", "replica-a", a.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RenewLease(ctx, "scheduler", "replica-b", b.Token, ttl); err != nil {
			t.Errorf("a stale release freed b's lease: %v", err)
		}
		if err := s.ReleaseLease(ctx, "scheduler", "replica-b", b.Token); err != nil {
			t.Fatal(err)
		}
		if c, mine, err := s.AcquireLease(ctx, "scheduler", "replica-c", ttl, nil); err != nil || !mine || c.Token != 3 {
			t.Errorf("after a release: %+v %v %v", c, mine, err)
		}

		// A holder known to be gone loses its lease at once.
		d, mine, err := s.AcquireLease(ctx, "scheduler", "replica-d", ttl, func(h string) bool { return h == "replica-c" })
		if err != nil || !mine || d.Token != 4 {
			t.Errorf("taking a dead holder's lease: %+v %v %v", d, mine, err)
		}
		if _, mine, _ := s.AcquireLease(ctx, "scheduler", "replica-e", ttl, func(h string) bool { return h == "replica-c" }); mine {
			t.Error("a live holder's lease was taken")
		}

		// Racing for a new lease: one winner.
		var wg sync.WaitGroup
		wins := make(chan string, 8)
		for _, h := range []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, mine, err := s.AcquireLease(ctx, "race", h, ttl, nil); err != nil {
					t.Errorf("%s: %v", h, err)
				} else if mine {
					wins <- h
				}
			}()
		}
		wg.Wait()
		close(wins)
		if n := len(wins); n != 1 {
			t.Errorf("%d holders won the race; want one", n)
		}
		ls, err := s.Leases(ctx)
		if err != nil || len(ls) != 2 || ls[0].Name != "race" || ls[1].Name != "scheduler" || ls[1].Holder != "replica-d" {
			t.Errorf("leases %+v %v", ls, err)
		}
	})
}

func TestReplicas(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		start := now.Add(-time.Hour)
		for _, id := range []string{"host-a:1", "host-b:2"} {
			if err := s.NoteReplica(ctx, Replica{ID: id, StartedAt: start, Version: "v1"}); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(25 * time.Hour)
		if err := s.NoteReplica(ctx, Replica{ID: "host-b:2", StartedAt: start, Version: "v2"}); err != nil {
			t.Fatal(err)
		}
		rs, err := s.Replicas(ctx)
		if err != nil || len(rs) != 1 || rs[0].ID != "host-b:2" || rs[0].Version != "v2" || !rs[0].LastSeen.Equal(now) || !rs[0].StartedAt.Equal(start) {
			t.Errorf("replicas %+v %v; want host-b alone (host-a unseen for a day)", rs, err)
		}
		if len(rs) == 1 && (rs[0].Lag != 0 || rs[0].StoredLastMinute != 0 || rs[0].Sources == nil || len(rs[0].Sources) != 0) {
			t.Errorf("a replica noted without load reads %+v; want idle, no sources", rs[0])
		}
	})
}

// Each replica's load — its largest source lag, the records it stored in
// the last minute, the sources it runs — is stored with its heartbeat row,
// replaced by the next note, and bad values are refused without a write.
func TestReplicaLoad(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		busy := Replica{ID: "host-a:1", StartedAt: now, Version: "v1", Lag: 93*time.Second + 500*time.Millisecond,
			StoredLastMinute: 41250, Backlog: 1780, Sources: []string{"archive", "hub-weu", "caf\u00e9 \"tail\""}}
		if err := s.NoteReplica(ctx, busy); err != nil {
			t.Fatal(err)
		}
		if err := s.NoteReplica(ctx, Replica{ID: "host-b:2", StartedAt: now, Version: "v1", Sources: []string{"hub-weu"}}); err != nil {
			t.Fatal(err)
		}
		rs, err := s.Replicas(ctx)
		if err != nil || len(rs) != 2 {
			t.Fatalf("replicas %+v %v", rs, err)
		}
		a := rs[0] // same last_seen: by id
		if a.ID != "host-a:1" || a.Lag != busy.Lag || a.StoredLastMinute != 41250 || a.Backlog != 1780 || strings.Join(a.Sources, "|") != strings.Join(busy.Sources, "|") {
			t.Errorf("busy replica reads %+v; want %+v", a, busy)
		}

		// The next note replaces the load: nothing run, nothing stored.
		now = now.Add(10 * time.Second)
		if err := s.NoteReplica(ctx, Replica{ID: "host-a:1", StartedAt: busy.StartedAt, Version: "v1"}); err != nil {
			t.Fatal(err)
		}
		rs, _ = s.Replicas(ctx)
		if rs[0].ID != "host-a:1" || rs[0].Lag != 0 || rs[0].StoredLastMinute != 0 || rs[0].Backlog != 0 || len(rs[0].Sources) != 0 {
			t.Errorf("after an idle note %+v; want no lag, nothing stored, no sources", rs[0])
		}

		bad := []Replica{
			{ID: " ", StartedAt: now},
			{ID: "host-c:3", StartedAt: now, Lag: -time.Second},
			{ID: "host-c:3", StartedAt: now, StoredLastMinute: -1},
			{ID: "host-c:3", StartedAt: now, Backlog: -1},
		}
		for _, r := range bad {
			if err := s.NoteReplica(ctx, r); err == nil {
				t.Errorf("NoteReplica(%+v) accepted", r)
			}
		}
		if rs, _ := s.Replicas(ctx); len(rs) != 2 {
			t.Errorf("bad notes wrote replicas: %+v", rs)
		}
	})
}
