package incident

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// rendezvous lets two transactions wait for each other, or for the other to
// be blocked on a lock the waiter holds (blocked says when): then waiting on
// would deadlock.
type rendezvous struct {
	t       *testing.T
	a, b    chan struct{}
	blocked func() bool
}

func newRendezvous(t *testing.T, blocked func() bool) rendezvous {
	return rendezvous{t: t, a: make(chan struct{}), b: make(chan struct{}), blocked: blocked}
}

func (r rendezvous) meet(me int) {
	mine, theirs := r.a, r.b
	if me == 1 {
		mine, theirs = r.b, r.a
	}
	close(mine)
	giveUp := time.After(time.Minute) // a failure bound, not an expectation
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-theirs:
			return
		case <-giveUp:
			r.t.Errorf("replica %d: the other neither came nor blocked within a minute", me)
			return
		case <-tick.C:
			if r.blocked() {
				return
			}
		}
	}
}

// lockWaits reports whether a session of dsn's database waits on a lock
// (the group's advisory lock, a row lock), as PostgreSQL shows it.
func lockWaits(t *testing.T, dsn string) func() bool {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return func() bool {
		var n int
		err := db.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n)
		if err != nil {
			t.Errorf("pg_stat_activity: %v", err)
			return true
		}
		return n > 0
	}
}

// Two replicas on PostgreSQL record the first alerts of one caller on one
// vault in overlapping transactions: one incident results, holding both.
// Without the group lock each transaction would see no incident (the
// other's is not committed) and create its own.
func TestConcurrentReplicasCreateOneIncident(t *testing.T) {
	dsn := testenv.Postgres(t)
	e := newEnv(t, dsn)
	evs := []auditlog.Event{
		e.event(access{caller: "mallory", vault: "kv-pay", object: "db-password"}),
		e.event(access{at: time.Second, caller: "mallory", vault: "kv-pay", object: "api-key"}),
	}
	waits := lockWaits(t, dsn)
	begun, recorded := newRendezvous(t, waits), newRendezvous(t, waits)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.st.Accept(t.Context(), []store.Batch{{Source: "replica", Events: evs[i : i+1]}}, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
				begun.meet(i) // both transactions are open
				var alerts []detect.Alert
				for _, f := range fresh {
					alerts = append(alerts, e.matcher.Match(f.Event)...)
				}
				err := e.rec.Record(ctx, tx, alerts)
				recorded.meet(i) // neither commits before both recorded, unless one is blocked
				return err
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	in := e.incidents(t)
	if len(in) != 1 || in[0].AlertCount != 2 || in[0].DecoyCount != 2 {
		t.Fatalf("got %d incidents (%+v); want one with both alerts", len(in), in)
	}
}
