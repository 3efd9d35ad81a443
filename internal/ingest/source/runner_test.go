package source

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestBackoffGrowsWithJitterWithinBounds(t *testing.T) {
	r := &Runner{MinBackoff: time.Second, MaxBackoff: 16 * time.Second}
	tests := []struct {
		failures int
		lo, hi   time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{5, 8 * time.Second, 16 * time.Second},
		{50, 8 * time.Second, 16 * time.Second},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := r.backoff(tt.failures)
			if d < tt.lo || d > tt.hi {
				t.Fatalf("backoff(%d) = %v; want within [%v, %v]", tt.failures, d, tt.lo, tt.hi)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("backoff(%d) is always %v; want jitter", tt.failures, r.backoff(tt.failures))
		}
	}
}

// script is a Poller that fails while fail > 0 and otherwise submits one
// event per poll.
type script struct {
	fail  atomic.Int32
	polls atomic.Int32
}

func (s *script) Poll(ctx context.Context, sub Submitter) (bool, error) {
	n := s.polls.Add(1)
	if s.fail.Add(-1) >= 0 {
		return false, errors.New("upstream unavailable")
	}
	ev := auditlog.Event{Kind: auditlog.KindAudit, Time: time.Date(2026, 11, 20, 8, 0, int(n%60), 0, time.UTC), CorrelationID: "c"}
	_, err := sub.Submit(ctx, store.Batch{Events: []auditlog.Event{ev}})
	return false, err
}

// sink accepts everything, counting every event as new.
type sink struct{ batches atomic.Int32 }

func (s *sink) Submit(_ context.Context, b store.Batch) (store.Accepted, error) {
	s.batches.Add(1)
	return store.Accepted{New: len(b.Events), DeadLetters: len(b.DeadLetters)}, nil
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // a failure bound for a loaded machine
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAFailingSourceDoesNotStopTheOthers(t *testing.T) {
	broken, healthy := &script{}, &script{}
	broken.fail.Store(1 << 30)
	out := &sink{}
	now := time.Date(2026, 11, 20, 8, 1, 0, 0, time.UTC)
	mk := func(name string, p Poller) *Runner {
		return &Runner{Name: name, Kind: "test", Poller: p, Submitter: out, Interval: time.Millisecond,
			MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, now: func() time.Time { return now }}
	}
	a, b := mk("broken", broken), mk("healthy", healthy)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	for _, r := range []*Runner{a, b} {
		go func() { r.Run(ctx); done <- struct{}{} }()
	}
	waitUntil(t, "both sources to poll many times", func() bool { return broken.polls.Load() > 5 && healthy.polls.Load() > 5 })
	cancel()
	<-done
	<-done
	sa, sb := a.Status(), b.Status()
	if sa.Errors < 5 || sa.LastError != "upstream unavailable" || sa.Records != 0 {
		t.Errorf("broken source: got %+v; want errors counted and no records", sa)
	}
	if sb.Errors != 0 || sb.Records < 5 || sb.LastRecordTime.IsZero() || sb.LastPoll.IsZero() {
		t.Errorf("healthy source: got %+v; want records and no errors", sb)
	}
	if sb.Lag <= 0 || sb.Lag > time.Minute {
		t.Errorf("healthy source lag: got %v; want the age of its newest record (under a minute)", sb.Lag)
	}
	if sa.State != StateStopped || sb.State != StateStopped {
		t.Errorf("states after stop: got %q, %q; want stopped", sa.State, sb.State)
	}
}

func TestRecoversAfterFailures(t *testing.T) {
	p := &script{}
	p.fail.Store(3)
	r := &Runner{Name: "s", Kind: "test", Poller: p, Submitter: &sink{}, Interval: time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	// The records are counted while the successful poll is still under way;
	// the state turns to running only when that poll has returned. Wait for
	// the state, not for the records.
	waitUntil(t, "the source to run again with records", func() bool {
		st := r.Status()
		return st.State == StateRunning && st.Records > 0
	})
	st := r.Status()
	if st.Errors != 3 || st.LastError != "upstream unavailable" || st.NextRetry != (time.Time{}) {
		t.Errorf("got %d errors, last %q, next retry %v; want 3, the upstream's error and no retry pending",
			st.Errors, st.LastError, st.NextRetry)
	}
}

func TestCollectorExportsEverySource(t *testing.T) {
	p := &script{}
	r := &Runner{Name: "eh-prod", Kind: "eventhubs", Poller: p, Submitter: &sink{}, Interval: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	waitUntil(t, "a record", func() bool { return r.Status().Records > 0 })
	cancel()
	<-done
	idle := &Runner{Name: "law", Kind: "loganalytics"}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(r, idle))
	n, err := testutil.GatherAndCount(reg)
	if err != nil {
		t.Fatal(err)
	}
	if n < 12 {
		t.Errorf("got %d series; want at least 6 per source", n)
	}
	want := `
# HELP honeyvault_source_errors_total Failed polls of the source.
# TYPE honeyvault_source_errors_total counter
honeyvault_source_errors_total{kind="eventhubs",source="eh-prod"} 0
honeyvault_source_errors_total{kind="loganalytics",source="law"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "honeyvault_source_errors_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.CollectAndCount(NewCollector(r), "honeyvault_source_last_record_timestamp_seconds"); got != 1 {
		t.Errorf("got %d last-record series; want 1", got)
	}
}
