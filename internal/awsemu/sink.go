package awsemu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Sink receives CloudTrail records. Write is called from one goroutine
// per sink with the records emitted since the last call (at most
// SinkOptions.MaxBatch), in the order the calls ended; an error makes the
// emulator retry the batch a few times before dropping it.
type Sink interface {
	Write(ctx context.Context, recs []Record) error
}

// Flusher is a Sink that buffers: Flush writes out what it holds (the S3
// and directory sinks write a partial log file). Emulator.Flush calls it.
type Flusher interface {
	Flush(ctx context.Context) error
}

// SinkOptions tune delivery to one sink.
type SinkOptions struct {
	// MaxBatch caps the records per Write; zero means 100.
	MaxBatch int
}

// AddSink delivers every record emitted from now on to s as well.
func (e *Emulator) AddSink(s Sink, opts SinkOptions) error {
	if s == nil {
		return errors.New("awsemu: sink is nil")
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 100
	}
	e.delivery.add(s, opts)
	return nil
}

// Flush waits until every record emitted so far has been handed to its
// sinks (or dropped after failed retries), then flushes the sinks that
// buffer, or returns when ctx ends.
func (e *Emulator) Flush(ctx context.Context) error {
	if err := e.delivery.drain(ctx); err != nil {
		return err
	}
	var errs []error
	for _, q := range e.delivery.list() {
		if f, ok := q.sink.(Flusher); ok {
			if err := f.Flush(ctx); err != nil {
				errs = append(errs, fmt.Errorf("awsemu: flush sink: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

// DeliveryStats counts records per outcome since the emulator started,
// over all sinks.
type DeliveryStats struct {
	Delivered, Dropped int
}

// DeliveryStats reports how many records reached their sinks.
func (e *Emulator) DeliveryStats() DeliveryStats {
	e.delivery.mu.Lock()
	defer e.delivery.mu.Unlock()
	return e.delivery.stats
}

// dispatcher hands records to every sink's queue and tracks those in
// flight.
type dispatcher struct {
	log *slog.Logger

	mu      sync.Mutex
	queues  []*sinkQueue
	pending int
	changed chan struct{} // closed and replaced whenever pending drops
	stats   DeliveryStats
}

func newDispatcher(log *slog.Logger) *dispatcher {
	return &dispatcher{log: log, changed: make(chan struct{})}
}

func (p *dispatcher) add(s Sink, opts SinkOptions) {
	q := &sinkQueue{sink: s, opts: opts, p: p, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	p.mu.Lock()
	p.queues = append(p.queues, q)
	p.mu.Unlock()
	go q.run()
}

func (p *dispatcher) list() []*sinkQueue {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*sinkQueue(nil), p.queues...)
}

// emit queues rec for every sink.
func (p *dispatcher) emit(rec Record) {
	for _, q := range p.list() {
		q.enqueue(rec)
	}
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

func (p *dispatcher) drain(ctx context.Context) error {
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
			return fmt.Errorf("awsemu: flush: %w", ctx.Err())
		}
	}
}

// close stops every sink's worker once its queue is empty.
func (p *dispatcher) close(ctx context.Context) error {
	for _, q := range p.list() {
		q.once.Do(func() { close(q.quit) })
		select {
		case <-q.done:
		case <-ctx.Done():
			return fmt.Errorf("awsemu: close deliveries: %w", ctx.Err())
		}
	}
	return nil
}

// sinkQueue is one sink's queue and worker.
type sinkQueue struct {
	sink Sink
	opts SinkOptions
	p    *dispatcher

	mu    sync.Mutex
	queue []Record

	wake, quit, done chan struct{}
	once             sync.Once
}

func (q *sinkQueue) enqueue(rec Record) {
	q.p.mu.Lock()
	q.p.pending++ // counted before it is queued, so Flush never misses it
	q.p.mu.Unlock()
	q.mu.Lock()
	q.queue = append(q.queue, rec)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *sinkQueue) run() {
	defer close(q.done)
	for {
		q.mu.Lock()
		n := min(len(q.queue), q.opts.MaxBatch)
		batch := append([]Record(nil), q.queue[:n]...)
		q.queue = q.queue[n:]
		q.mu.Unlock()
		if n == 0 {
			select {
			case <-q.wake:
				continue
			case <-q.quit:
				return
			}
		}
		q.send(batch)
	}
}

// send writes a batch, retrying a few times with a short backoff.
func (q *sinkQueue) send(batch []Record) {
	var err error
	for attempt := range 4 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = q.sink.Write(ctx, batch)
		cancel()
		var perm *permanentError
		if err == nil || errors.As(err, &perm) {
			break
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		case <-q.quit:
		}
	}
	if err != nil {
		q.p.log.Warn("awsemu: dropping CloudTrail records after failed deliveries", "records", len(batch), "err", err)
	}
	q.p.finish(len(batch), err == nil)
}
