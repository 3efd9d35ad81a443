package kvemu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Record is one log record on its way to a sink.
type Record struct {
	Category   string    // CategoryAuditEvent or CategoryAdministrative
	ResourceID string    // UPPER-CASED ARM id the record is filed under (vault; subscription for the Activity log)
	Time       time.Time // the record's time, which picks its archive blob
	JSON       []byte    // the record exactly as Azure would write it
}

// Batch is what a sink receives: records of one category bound for one
// destination, in the order they happened.
type Batch struct {
	Category string
	// EventHub is the eventHubName of the diagnostic setting that sent the
	// records (may be empty: the hub named after the category is meant).
	EventHub string
	// Dedicated is true when the setting asked Log Analytics for
	// resource-specific tables (AZKVAuditLogs) rather than AzureDiagnostics.
	Dedicated bool
	Records   []Record
}

// Sink delivers batches of records somewhere. Write is called from one
// goroutine per destination; an error makes the emulator retry the batch a
// few times before dropping it.
type Sink interface {
	Write(ctx context.Context, b Batch) error
}

// DeliveryOptions tune how records reach one destination.
type DeliveryOptions struct {
	// Delay holds every record back this long (real time) before delivery,
	// to test late logs. Azure's own delay is seconds to ten minutes.
	Delay time.Duration
	// MaxBatch caps the records per Write; zero means 100.
	MaxBatch int
}

// RegisterDestination binds a diagnostic-setting destination (a storage
// account id, an Event Hubs authorization rule id or a Log Analytics
// workspace id, compared case-insensitively) to a sink. Records sent by a
// diagnostic setting to a destination nobody registered are dropped, as if
// nobody read that storage account.
func (e *Emulator) RegisterDestination(destinationID string, s Sink, opts DeliveryOptions) error {
	if strings.TrimSpace(destinationID) == "" {
		return errors.New("kvemu: destination id is empty")
	}
	if s == nil {
		return errors.New("kvemu: destination sink is nil")
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 100
	}
	d := e.delivery.newDestination(destinationID, s, opts)
	e.mu.Lock()
	old := e.destinations[strings.ToLower(destinationID)]
	e.destinations[strings.ToLower(destinationID)] = d
	e.mu.Unlock()
	if old != nil {
		old.stop()
	}
	return nil
}

// Flush waits until every record emitted so far has been delivered (or
// dropped after failed retries), or ctx ends. Records held by a paused
// destination are not delivered until it is resumed.
func (e *Emulator) Flush(ctx context.Context) error { return e.delivery.flush(ctx) }

// PauseDelivery holds back every record bound for a destination until
// ResumeDelivery: a deterministic way to make logs arrive late (move the
// emulator's clock on in between, and ingestion times move with it).
func (e *Emulator) PauseDelivery(destinationID string) error {
	return e.setPaused(destinationID, true)
}

// ResumeDelivery delivers what a paused destination held back, and goes on.
func (e *Emulator) ResumeDelivery(destinationID string) error {
	return e.setPaused(destinationID, false)
}

func (e *Emulator) setPaused(destinationID string, paused bool) error {
	e.mu.RLock()
	d := e.destinations[strings.ToLower(destinationID)]
	e.mu.RUnlock()
	if d == nil {
		return fmt.Errorf("kvemu: no destination %q", destinationID)
	}
	d.mu.Lock()
	d.paused = paused
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}

// DeliveryStats counts records per outcome since the emulator started.
type DeliveryStats struct {
	Delivered, Dropped int
}

// DeliveryStats reports how many records reached their sinks.
func (e *Emulator) DeliveryStats() DeliveryStats {
	e.delivery.mu.Lock()
	defer e.delivery.mu.Unlock()
	return e.delivery.stats
}

// target is one destination a record must reach.
type target struct {
	destinationID string
	eventHub      string
	dedicated     bool
}

// deliver queues rec for each target whose destination is registered.
func (e *Emulator) deliver(targets []target, rec Record) {
	if len(targets) == 0 {
		return
	}
	e.mu.RLock()
	ds := make([]*destination, 0, len(targets))
	ts := make([]target, 0, len(targets))
	for _, t := range targets {
		if d := e.destinations[strings.ToLower(t.destinationID)]; d != nil {
			ds = append(ds, d)
			ts = append(ts, t)
		}
	}
	e.mu.RUnlock()
	for i, d := range ds {
		d.enqueue(rec, ts[i])
	}
}

// dispatcher tracks the records in flight across destinations.
type dispatcher struct {
	log *slog.Logger

	mu      sync.Mutex
	pending int
	changed chan struct{} // closed and replaced whenever pending drops
	stats   DeliveryStats
	dests   []*destination
}

func newDispatcher(log *slog.Logger) *dispatcher {
	return &dispatcher{log: log, changed: make(chan struct{})}
}

func (p *dispatcher) newDestination(id string, s Sink, opts DeliveryOptions) *destination {
	d := &destination{id: id, sink: s, opts: opts, p: p, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	p.mu.Lock()
	p.dests = append(p.dests, d)
	p.mu.Unlock()
	go d.run()
	return d
}

func (p *dispatcher) add(n int) {
	p.mu.Lock()
	p.pending += n
	p.mu.Unlock()
}

func (p *dispatcher) finish(n int, delivered bool) {
	p.mu.Lock()
	p.pending -= n
	if delivered {
		p.stats.Delivered += n
	} else {
		p.stats.Dropped += n
	}
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

func (p *dispatcher) flush(ctx context.Context) error {
	for {
		p.mu.Lock()
		if p.pending == 0 {
			p.mu.Unlock()
			return nil
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("kvemu: flush: %w", ctx.Err())
		}
	}
}

// close delivers what is queued (without waiting out delays) and stops
// every destination's worker.
func (p *dispatcher) close(ctx context.Context) error {
	p.mu.Lock()
	dests := p.dests
	p.dests = nil
	p.mu.Unlock()
	for _, d := range dests {
		d.stop()
	}
	for _, d := range dests {
		select {
		case <-d.done:
		case <-ctx.Done():
			return fmt.Errorf("kvemu: close deliveries: %w", ctx.Err())
		}
	}
	return nil
}

// destination is one registered sink with its queue and worker goroutine.
type destination struct {
	id   string
	sink Sink
	opts DeliveryOptions
	p    *dispatcher

	mu       sync.Mutex
	queue    []queued
	stopping bool
	paused   bool
	// extraDelay and cut are SetDestinationDelivery's.
	extraDelay time.Duration
	cut        bool

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

type queued struct {
	rec Record
	to  target
	due time.Time
}

func (d *destination) enqueue(rec Record, to target) {
	d.mu.Lock()
	if d.stopping {
		d.mu.Unlock()
		return
	}
	if d.cut {
		d.mu.Unlock()
		d.p.add(1)
		d.p.finish(1, false)
		return
	}
	// Counted pending before it is queued (under d.mu): a cut dropping
	// the queue must never settle a record not yet counted.
	d.p.add(1)
	d.queue = append(d.queue, queued{rec: rec, to: to, due: time.Now().Add(d.opts.Delay + d.extraDelay)})
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *destination) stop() {
	d.once.Do(func() {
		d.mu.Lock()
		d.stopping = true
		d.mu.Unlock()
		close(d.quit)
	})
}

func (d *destination) run() {
	defer close(d.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		stopping, queued := d.stopping, len(d.queue) > 0 && (!d.paused || d.stopping)
		var wait time.Duration
		if queued && !stopping {
			wait = time.Until(d.queue[0].due)
		}
		d.mu.Unlock()
		switch {
		case !queued && stopping:
			return
		case !queued:
			select {
			case <-d.wake:
			case <-d.quit:
			}
			continue
		case wait > 0:
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-d.wake:
			case <-d.quit:
			}
			continue
		}
		d.sendDue(stopping)
	}
}

// sendDue writes the due records at the head of the queue that share a
// category and hub, as one batch.
func (d *destination) sendDue(flushAll bool) {
	now := time.Now()
	d.mu.Lock()
	first := d.queue[0]
	n := 0
	for n < len(d.queue) && n < d.opts.MaxBatch {
		q := d.queue[n]
		if q.rec.Category != first.rec.Category || q.to.eventHub != first.to.eventHub || q.to.dedicated != first.to.dedicated || (!flushAll && q.due.After(now)) {
			break
		}
		n++
	}
	batch := Batch{Category: first.rec.Category, EventHub: first.to.eventHub, Dedicated: first.to.dedicated, Records: make([]Record, n)}
	for i := range n {
		batch.Records[i] = d.queue[i].rec
	}
	d.queue = d.queue[n:]
	d.mu.Unlock()

	var err error
	for attempt := range 4 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = d.sink.Write(ctx, batch)
		cancel()
		if err == nil {
			break
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		case <-d.quit:
		}
	}
	if err != nil {
		d.p.log.Warn("kvemu: dropping records after failed deliveries", "destination", d.id, "records", n, "err", err)
	}
	d.p.finish(n, err == nil)
}
