package incident

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// rendezvous lets two goroutines wait for each other, or for a while when
// the other cannot come (it is blocked on a lock the waiter holds).
type rendezvous struct{ a, b chan struct{} }

func (r rendezvous) meet(me int) {
	mine, theirs := r.a, r.b
	if me == 1 {
		mine, theirs = r.b, r.a
	}
	close(mine)
	select {
	case <-theirs:
	case <-time.After(500 * time.Millisecond):
	}
}

// Two replicas on PostgreSQL record the first alerts of one caller on one
// vault in overlapping transactions: one incident results, holding both.
// Without the group lock each transaction would see no incident (the
// other's is not committed) and create its own.
func TestConcurrentReplicasCreateOneIncident(t *testing.T) {
	e := newEnv(t, testenv.Postgres(t))
	evs := []auditlog.Event{
		e.event(access{caller: "mallory", vault: "kv-pay", object: "db-password"}),
		e.event(access{at: time.Second, caller: "mallory", vault: "kv-pay", object: "api-key"}),
	}
	begun := rendezvous{make(chan struct{}), make(chan struct{})}
	recorded := rendezvous{make(chan struct{}), make(chan struct{})}
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
