package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/store"
)

// Worker delivers the outbox. Create it with NewWorker, run Run in its own
// goroutine and call Wake after commits that may have queued messages.
type Worker struct {
	store    *store.Store
	channels map[string]*channelState
	names    []string
	log      *slog.Logger
	metrics  *metrics
	wake     chan struct{}
	freed    chan struct{}
	opts     WorkerOptions
	id       string
	instance string // see SetInstance
	// handoffs carries ids of rows claimed for this worker by committed
	// transactions (Handoff) to Run, which starts every delivery itself;
	// stopped is closed when Run takes no more.
	handoffs chan []int64
	stopped  chan struct{}
}

// WorkerOptions tune a Worker; the zero value is a working configuration.
type WorkerOptions struct {
	// BaseURL is where incident links point (external_url).
	BaseURL string
	// Lease is how long a claim holds unless renewed: a delivery renews it
	// every Lease/3 while it runs, so a claim outlives its worker by at
	// most Lease. 0: DefaultLease.
	Lease time.Duration
	// Poll is how often the outbox is read when nothing wakes the worker.
	// 0: 1s.
	Poll time.Duration
	// Backoff spaces the attempts of a failing message.
	Backoff Backoff
	// MaxAttempts gives up on a message after this many attempts. 0: 25
	// (about 1.5 hours with the default backoff).
	MaxAttempts int
	// PerChannel bounds one channel's messages in flight. 0: 4.
	PerChannel int
	// Registry receives the honeyvault_notify_* metrics; nil: none.
	Registry prometheus.Registerer
	// Log receives delivery failures; nil discards.
	Log *slog.Logger
}

// DefaultLease is how long a claim holds without renewal.
const DefaultLease = 15 * time.Second

// channelState is one channel and what this process saw of its health.
type channelState struct {
	Channel
	slots chan struct{} // free sending slots

	mu          sync.Mutex
	lastSuccess time.Time
	lastFailure time.Time
	lastError   string
	consecutive int
}

// NewWorker returns a worker for channels over st.
func NewWorker(st *store.Store, channels []Channel, o WorkerOptions) (*Worker, error) {
	if err := Validate(channels); err != nil {
		return nil, err
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 25
	}
	if o.PerChannel <= 0 {
		o.PerChannel = 4
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	w := &Worker{
		store: st, channels: make(map[string]*channelState), log: o.Log, metrics: newMetrics(),
		wake: make(chan struct{}, 1), freed: make(chan struct{}, 1), opts: o,
		handoffs: make(chan []int64), stopped: make(chan struct{}),
	}
	var b [4]byte
	rand.Read(b[:])
	w.SetInstance(fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:])))
	for _, c := range channels {
		cs := &channelState{Channel: c, slots: make(chan struct{}, o.PerChannel)}
		w.channels[c.Name] = cs
		w.names = append(w.names, c.Name)
		w.metrics.up.WithLabelValues(c.Name).Set(1)
	}
	if o.Registry != nil {
		w.metrics.register(o.Registry, st, channels)
	}
	return w, nil
}

// SetInstance names the process the worker runs in, stably across restarts
// and uniquely among live processes (the server uses its host name and the
// address it listens on; the default, made of the host name, the process id
// and a random part, is unique but not stable, so it takes nothing back). The worker claims rows as instance/<random>, and Run
// first releases the claims of earlier runs of the same instance — a
// process killed before it could release them — so that those rows are due
// at once rather than when their leases expire. Call it before Run.
func (w *Worker) SetInstance(instance string) {
	var b [4]byte
	rand.Read(b[:])
	w.instance, w.id = instance, instance+"/"+hex.EncodeToString(b[:])
}

// ID names this worker in the outbox's claims.
func (w *Worker) ID() string { return w.id }

// Wake makes the worker read the outbox now. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for the messages in flight and
// releases the claims it still holds. Every delivery, handed off or read
// from the outbox, runs in a goroutine Run started and waits for: none
// outlives it. Call it once.
func (w *Worker) Run(ctx context.Context) {
	var inflight sync.WaitGroup
	takerDone := make(chan struct{})
	go func() {
		defer close(takerDone)
		w.takeHandoffs(ctx, &inflight)
	}()
	defer func() {
		<-takerDone // no more inflight.Add after this
		inflight.Wait()
		w.releaseClaims()
	}()
	if n, err := w.store.ReleaseEarlierClaims(ctx, w.instance+"/", w.id); err != nil {
		w.log.Warn("notify: releasing claims of an earlier run", "err", err)
	} else if n > 0 {
		w.log.Info("notify: released claims an earlier run of this process left; sending them now", "messages", n)
	}
	for ctx.Err() == nil {
		wait := w.opts.Poll
		next, ok, err := w.store.NextNotificationDue(ctx, w.names)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("notify: reading the outbox", "err", err)
		}
		if ok && !next.After(time.Now()) {
			n, err := w.claimAndSend(ctx, &inflight)
			if err != nil && ctx.Err() == nil {
				w.log.Warn("notify: claiming from the outbox", "err", err)
			}
			if n > 0 {
				continue // more may be due
			}
			// Due rows of busy channels: wait for a free slot (or a poll).
		} else if ok {
			wait = min(wait, max(time.Until(next), time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-w.freed:
		case <-t.C:
		}
		t.Stop()
	}
}

// Handoff gives Run the ids of messages this worker already holds claims on
// (inserted claimed by a transaction that has committed), to send at once
// without waiting for the next read of the outbox. Once Run has stopped it
// releases their claims instead, so that the next worker sends them without
// waiting for the claims to expire. It blocks only until Run takes them.
func (w *Worker) Handoff(ids []int64) {
	select {
	case w.handoffs <- ids:
	case <-w.stopped:
		w.releaseClaims()
	}
}

// takeHandoffs starts a delivery for every handed-off message until ctx
// ends, then closes w.stopped. A channel with no free slot still gets its
// message sent: it is the first alert of a new incident, and the send is
// bounded by the channel's timeout.
func (w *Worker) takeHandoffs(ctx context.Context, inflight *sync.WaitGroup) {
	defer close(w.stopped)
	for {
		select {
		case <-ctx.Done():
			return
		case ids := <-w.handoffs:
			for _, id := range ids {
				inflight.Add(1)
				go func() {
					defer inflight.Done()
					w.deliverHandedOff(id)
				}()
			}
		}
	}
}

// deliverHandedOff sends handed-off row id as the database holds it, if
// this worker still holds its claim.
func (w *Worker) deliverHandedOff(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	n, err := w.store.GetNotification(ctx, id)
	cancel()
	if err != nil {
		// The claim expires and the row is sent by whoever takes it then.
		w.log.Warn("notify: reading a handed-off message", "notification", id, "err", err)
		return
	}
	cs, ok := w.channels[n.Channel]
	if !ok || n.ClaimedBy != w.id || n.State != store.StatePending {
		return
	}
	w.deliver(cs, n)
}

// releaseClaims drops this worker's claims on messages it has not sent.
func (w *Worker) releaseClaims() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.store.ReleaseNotifications(ctx, w.id); err != nil {
		w.log.Warn("notify: releasing claims", "err", err)
	}
}

// claimAndSend claims due rows for every channel with free slots, never
// more than it has slots for, and starts sending them; it returns how many
// it claimed. A busy channel is skipped, so it never holds up the others.
func (w *Worker) claimAndSend(ctx context.Context, inflight *sync.WaitGroup) (int, error) {
	claimed := 0
	for _, name := range w.names {
		cs := w.channels[name]
		free := cap(cs.slots) - len(cs.slots) // only this goroutine fills slots
		if free == 0 {
			continue
		}
		rows, err := w.store.ClaimNotifications(ctx, w.id, []string{name}, w.opts.Lease, free)
		if err != nil {
			return claimed, err
		}
		claimed += len(rows)
		for _, n := range rows {
			cs.slots <- struct{}{} // never blocks: at most free rows
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				defer func() {
					<-cs.slots
					select {
					case w.freed <- struct{}{}:
					default:
					}
				}()
				w.deliver(cs, n)
			}()
		}
	}
	return claimed, nil
}

// deliver sends one claimed row and records the outcome. It is not cut
// short by shutdown: an attempt is bounded by the channel's timeout.
func (w *Worker) deliver(cs *channelState, n store.Notification) {
	ctx, cancel := context.WithTimeout(context.Background(), cs.timeout()+30*time.Second)
	defer cancel()
	defer w.renewClaim(n.ID)()
	m, err := Render(ctx, w.store, n, w.opts.BaseURL)
	retry := true
	if err == nil {
		retry, err = cs.Send(ctx, m)
	} else if errors.Is(err, store.ErrNotFound) {
		retry = false
	}
	now := time.Now()
	if err == nil {
		if err := w.store.MarkNotificationSent(ctx, n.ID); err != nil {
			w.log.Error("notify: sent but not marked; it will be sent again", "channel", n.Channel, "notification", n.ID, "err", err)
		}
		w.metrics.sent.WithLabelValues(n.Channel).Inc()
		w.metrics.up.WithLabelValues(n.Channel).Set(1)
		w.metrics.delay.WithLabelValues(n.Channel).Observe(now.Sub(n.DueAt).Seconds())
		cs.mu.Lock()
		cs.lastSuccess, cs.consecutive = now, 0
		cs.mu.Unlock()
		return
	}
	kind := "permanent"
	if retry {
		kind = "retryable"
	}
	w.metrics.failures.WithLabelValues(n.Channel, kind).Inc()
	w.metrics.up.WithLabelValues(n.Channel).Set(0)
	cs.mu.Lock()
	cs.lastFailure, cs.lastError = now, err.Error()
	cs.consecutive++
	cs.mu.Unlock()
	if retry && n.Attempts < w.opts.MaxAttempts {
		delay := jittered(w.opts.Backoff.Delay(n.Attempts))
		w.log.Warn("notify: delivery failed, will retry", "channel", n.Channel, "incident", n.IncidentID,
			"attempt", n.Attempts, "retry_in", delay.Round(time.Millisecond), "err", err)
		if err := w.store.RetryNotification(ctx, n.ID, w.id, now.Add(delay), err.Error()); err != nil {
			w.log.Error("notify: rescheduling", "notification", n.ID, "err", err)
		}
		return
	}
	w.log.Error("notify: delivery failed for good", "channel", n.Channel, "incident", n.IncidentID, "attempts", n.Attempts, "err", err)
	w.metrics.gaveUp.WithLabelValues(n.Channel).Inc()
	if err := w.store.FailNotification(ctx, n.ID, err.Error()); err != nil {
		w.log.Error("notify: marking failed", "notification", n.ID, "err", err)
	}
}

// renewClaim keeps this worker's claim on row id alive until the returned
// function is called.
func (w *Worker) renewClaim(id int64) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(w.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), w.opts.Lease/3)
				held, err := w.store.RenewNotificationClaim(ctx, id, w.id, w.opts.Lease)
				cancel()
				if err == nil && !held {
					return // sent, rescheduled, or taken over: nothing to keep
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// ChannelStatus is one channel's health for the console (web turns it
// into api.Channel, the shape GET /api/v1/notify/channels shows).
type ChannelStatus struct {
	Name                string
	Type                string
	Target              string // see Channel.Target: never a secret
	MinSeverity         string
	Vaults              []string
	Healthy             bool // the last attempt this process made worked, or none failed
	ConsecutiveFailures int
	LastSuccess         time.Time
	LastFailure         time.Time
	LastError           string
	Pending             int
	OldestPending       time.Time
	Sent                int
	Failed              int
}

// Status reports every channel's health: this process's view of its last
// attempts and the shared outbox's counts.
func (w *Worker) Status(ctx context.Context) ([]ChannelStatus, error) {
	stats, err := w.store.OutboxStatsByChannel(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ChannelStatus, 0, len(w.names))
	for _, name := range w.names {
		cs := w.channels[name]
		s := stats[name]
		cs.mu.Lock()
		st := ChannelStatus{
			Name: name, Type: cs.Type, Target: cs.Target, MinSeverity: cs.Filter.MinSeverity, Vaults: cs.Filter.Vaults,
			Healthy: cs.consecutive == 0, ConsecutiveFailures: cs.consecutive, LastSuccess: cs.lastSuccess,
			LastFailure: cs.lastFailure, LastError: cs.lastError,
			Pending: s.Pending, OldestPending: s.OldestPending, Sent: s.Sent, Failed: s.Failed,
		}
		cs.mu.Unlock()
		if st.LastError == "" && s.LastError != "" {
			st.LastError, st.LastFailure = s.LastError, s.LastErrorAt
		}
		out = append(out, st)
	}
	return out, nil
}
