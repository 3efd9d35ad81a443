package source

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// Submitter stores a batch durably; *ingest.Pipeline is one. A source may
// acknowledge the batch's records only after Submit returned nil.
type Submitter interface {
	Submit(ctx context.Context, b store.Batch) (store.Accepted, error)
}

// Poller is one live source. Poll reads what is available now, submits it
// through sub and acknowledges it to its origin. It returns more when
// records are still waiting (the runner polls again at once) and an error
// when it could not go on (the runner backs off, then polls again: the
// Poller resumes from what it last acknowledged). A Poller that also
// implements io.Closer is closed when its runner stops.
type Poller interface {
	Poll(ctx context.Context, sub Submitter) (more bool, err error)
}

// Defaults for a Runner's zero fields.
const (
	DefaultInterval   = 30 * time.Second
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 2 * time.Minute
)

// Runner runs one Poller until its context ends. Set the exported fields
// before Run; Status may be called from any goroutine.
type Runner struct {
	Name      string // the source's name: Batch.Source and the metrics label
	Kind      string // eventhubs, storage, loganalytics, file
	Poller    Poller
	Submitter Submitter
	// Interval is the pause between polls that found nothing more to read;
	// 0 means DefaultInterval, a negative value no pause (for a Poller that
	// blocks until records arrive, such as Event Hubs).
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the pause after a failed poll; it
	// doubles with each failure in a row, with jitter.
	MinBackoff, MaxBackoff time.Duration
	Log                    *slog.Logger

	now func() time.Time

	mu sync.Mutex
	st Status
}

// Run polls until ctx ends, then closes the Poller if it is an io.Closer.
func (r *Runner) Run(ctx context.Context) {
	if c, ok := r.Poller.(io.Closer); ok {
		defer func() {
			if err := c.Close(); err != nil {
				r.logger().Warn("source: close", "source", r.Name, "err", err)
			}
		}()
	}
	r.update(func(s *Status) { s.State = StateRunning })
	failures := 0
	sub := &counting{r: r, next: r.Submitter}
	for ctx.Err() == nil {
		more, err := r.Poller.Poll(ctx, sub)
		if ctx.Err() != nil {
			break
		}
		var wait time.Duration
		if err != nil {
			failures++
			wait = r.backoff(failures)
			r.logger().Warn("source: poll failed, backing off", "source", r.Name, "kind", r.Kind,
				"err", err, "failures", failures, "retry_in", wait.Round(time.Millisecond))
			r.update(func(s *Status) {
				s.State, s.Errors, s.LastError, s.LastErrorAt = StateBackoff, s.Errors+1, err.Error(), r.clock()
				s.NextRetry = r.clock().Add(wait)
			})
		} else {
			if failures > 0 {
				r.logger().Info("source: recovered", "source", r.Name, "kind", r.Kind, "after_failures", failures)
			}
			failures = 0
			r.update(func(s *Status) { s.State, s.LastPoll, s.NextRetry = StateRunning, r.clock(), time.Time{} })
			if more {
				continue
			}
			wait = r.Interval
			if wait == 0 {
				wait = DefaultInterval
			}
		}
		if wait <= 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	r.update(func(s *Status) { s.State = StateStopped })
}

// Standby marks the source as run by another replica: it cannot be shared
// (a storage container, a Log Analytics query, files) and another replica
// holds its lease. Run marks it running again when this one takes over.
func (r *Runner) Standby() {
	r.update(func(s *Status) { s.State, s.NextRetry = StateStandby, time.Time{} })
}

// backoff returns the pause after n failures in a row: MinBackoff doubled
// n-1 times, capped at MaxBackoff, then jittered down by up to half so
// that sources failing together (a network outage) do not retry in step.
func (r *Runner) backoff(n int) time.Duration {
	lo, hi := r.MinBackoff, r.MaxBackoff
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = DefaultMaxBackoff
	}
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + rand.N(d/2+1)
}

func (r *Runner) logger() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

func (r *Runner) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

func (r *Runner) update(fn func(*Status)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st.Name, r.st.Kind = r.Name, r.Kind
	fn(&r.st)
}

// Status returns a snapshot of the source's state.
func (r *Runner) Status() Status {
	r.mu.Lock()
	st := r.st
	r.mu.Unlock()
	st.Name, st.Kind = r.Name, r.Kind
	if st.State == "" {
		st.State = StateStarting
	}
	// Outside r.mu: the Poller takes its own lock.
	if b, ok := r.Poller.(Backlogger); ok {
		st.Backlog, st.BacklogKnown = b.Backlog()
	}
	return st
}

// counting passes batches on to the pipeline and keeps the runner's
// counters, so that every source reports the same way.
type counting struct {
	r    *Runner
	next Submitter
}

func (c *counting) Submit(ctx context.Context, b store.Batch) (store.Accepted, error) {
	if c.next == nil {
		return store.Accepted{}, errors.New("source: no submitter")
	}
	if b.Source == "" {
		b.Source = c.r.Name
	}
	// A source run under a lease (one replica at a time) stores what it
	// read, checkpoints included, only while the lease is its own.
	if f, ok := store.FenceOf(ctx); ok && b.Fence == nil {
		b.Fence = &f
	}
	acc, err := c.next.Submit(ctx, b)
	if err != nil {
		return acc, err
	}
	var newest time.Time
	for i := range b.Events {
		if t := b.Events[i].Time; t.After(newest) {
			newest = t
		}
	}
	now := c.r.clock()
	c.r.update(func(s *Status) {
		s.Records += int64(acc.New + acc.Duplicate)
		s.New += int64(acc.New)
		s.Duplicates += int64(acc.Duplicate)
		s.DeadLetters += int64(acc.DeadLetters)
		if !newest.IsZero() {
			s.Lag = max(now.Sub(newest), 0)
			if newest.After(s.LastRecordTime) {
				s.LastRecordTime = newest
			}
			s.LastReceived = now
		}
	})
	return acc, nil
}
