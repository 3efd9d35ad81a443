package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// leaders counts the servers that hold the scheduler lease now.
func leaders(bs ...*background) (n int, which *background) {
	for _, b := range bs {
		if b.leader.Leading() {
			n++
			which = b
		}
	}
	return n, which
}

// Three replicas on one PostgreSQL: exactly one does the scheduled work
// and GET /api/v1/cluster says who; when it stops, another takes over;
// when its lease is taken behind its back (as after a pause past its
// lease), it stops leading at its next renewal and the new holder leads
// alone; a restarted process of the same host takes its dead
// predecessor's lease at once.
func TestOneReplicaLeadsAndHandsOver(t *testing.T) {
	cfg := config.Default()
	cfg.DB = testenv.Postgres(t)
	cfg.AdminToken = adminToken
	const ttl = 3 * time.Second
	a := serveInBackground(t, cfg, nil, WithLeaseTTL(ttl))
	b := serveInBackground(t, cfg, nil, WithLeaseTTL(ttl))
	c := serveInBackground(t, cfg, nil, WithLeaseTTL(ttl))
	var first *background
	ingesttest.Eventually(t, time.Minute, "one leader", func() bool {
		n, w := leaders(a, b, c)
		first = w
		return n == 1
	})
	// Each replica notes itself at its first step: wait for all three.
	var cl api.Cluster
	ingesttest.Eventually(t, time.Minute, "three replicas listed", func() bool {
		if code := apiCall(t, b, "GET", "/api/v1/cluster", adminToken, &cl); code != http.StatusOK {
			t.Fatalf("GET /api/v1/cluster: %d", code)
		}
		return len(cl.Replicas) == 3
	})
	if len(cl.Replicas) != 3 || len(cl.Leases) != 1 || cl.Leases[0].Name != schedulerLease || cl.Leases[0].Holder != first.leader.id || !cl.Leases[0].Held {
		t.Errorf("cluster %+v; want three replicas and the leader's lease", cl)
	}
	if cl.Replica != b.leader.id || cl.Leader != (first == b) {
		t.Errorf("cluster answered as %s (leader %v)", cl.Replica, cl.Leader)
	}
	if code := apiCall(t, b, "GET", "/api/v1/cluster", "", nil); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/cluster without a token: %d", code)
	}

	// The leader stops: it releases the lease, and another leads.
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	rest := []*background{}
	for _, x := range []*background{a, b, c} {
		if x != first {
			rest = append(rest, x)
		}
	}
	var second *background
	ingesttest.Eventually(t, time.Minute, "a new leader", func() bool {
		n, w := leaders(rest...)
		second = w
		return n == 1
	})
	token := second.leader.Lease().Token

	// Its lease is taken behind its back: the database frees it (as if it
	// had expired while the replica was paused) and the other replica
	// takes it; the old leader finds out at its next renewal.
	if err := second.Store.ReleaseLease(context.Background(), schedulerLease, second.leader.id, token); err != nil {
		t.Fatal(err)
	}
	// The other replica takes it now (its own loop would within a second,
	// but so might the old holder's, after noticing the loss).
	for _, x := range rest {
		if x != second {
			x.leader.step(context.Background())
		}
	}
	ingesttest.Eventually(t, time.Minute, "the other replica leading alone", func() bool {
		n, w := leaders(rest...)
		return n == 1 && w != second
	})
	ls, err := second.Store.Leases(context.Background())
	if err != nil || len(ls) != 1 || ls[0].Token <= token {
		t.Errorf("leases %+v %v; want a new token", ls, err)
	}
}

// A process of this host that no longer runs holds no lease: a restarted
// serve takes it at once, where another host's replica would wait for it
// to expire.
func TestDeadLocalHolderIsJudgedDead(t *testing.T) {
	l := newLeader(nil, nil, time.Minute, "test")
	sibling := newLeader(nil, nil, time.Minute, "test")
	host, _, _ := strings.Cut(l.id, ":")
	cases := map[string]bool{
		"other-host:1:abcdef":                         false, // another host: never judged
		"garbage":                                     false,
		host + ":999999999:abcdef":                    true,  // no such process
		host + ":1:abcdef":                            false, // pid 1 runs (init)
		host + ":notapid:abcdef":                      false,
		host + fmt.Sprintf(":%d:ffffff", os.Getpid()): true,  // this very pid: a predecessor in this container
		sibling.id:                                    false, // a replica this process runs now
	}
	for holder, want := range cases {
		if got := deadHere(l.id, holder); got != want {
			t.Errorf("deadHere(%q) = %v; want %v", holder, got, want)
		}
	}
}

// A scheduled task runs only during a term: it starts when the replica
// leads, its context ends when the term does (the lease lost), and it
// starts again at the next term.
func TestScheduledTaskRunsOnlyWhileLeading(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := newLeader(st, slog.New(slog.DiscardHandler), time.Minute, "test")
	started, ended := make(chan struct{}, 4), make(chan struct{}, 4)
	task := l.only(func(ctx context.Context) {
		started <- struct{}{}
		<-ctx.Done()
		ended <- struct{}{}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { task(ctx); close(done) }()

	select {
	case <-started:
		t.Fatal("the task ran before the replica led")
	default:
	}
	l.step(ctx) // takes the lease
	<-started
	l.lose(slog.LevelWarn, "test")
	<-ended
	l.step(ctx) // still this replica's lease in the database: renewed as a new term
	<-started
	cancel()
	<-ended
	<-done
	if !l.Leading() {
		t.Error("the replica stopped leading when a task's context ended")
	}
}
