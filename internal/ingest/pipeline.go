// Package ingest is where audit records enter honeyvault. Every live source
// (HTTP push, Event Hubs, Storage archive, Log Analytics, files — one
// sub-package each) hands its records to one Pipeline, which stores them
// durably, deduplicated, together with the source's checkpoint and with
// whatever detection derives from them (alerts, incidents, notifications),
// in one transaction. A source acknowledges (HTTP 202, Kafka offset commit)
// only after Submit returns nil: at-least-once delivery from every source,
// exactly-once effect in honeyvault.
//
// The Pipeline commits in groups: one writer goroutine takes whatever
// batches are waiting and commits them together, so concurrent sources share
// a disk flush without anyone waiting for a timer. The chunks of large
// bodies (SubmitBulk) are committed in groups of their own, of at most
// MaxBulkGroupRecords, and only when no other batch waits (or after
// MaxBulkSkips groups went first): a decoy access arriving while large
// bodies are stored waits for one such group, not for the bodies.
package ingest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/store"
)

// Hook runs inside the acceptance transaction with the events stored for the
// first time. Detection plugs in here: what it writes commits (or fails)
// together with the events, and what it hands on after the commit it
// registers with tx.OnCommit. ctx ends when the pipeline stops: a hook that
// waits (for a lock, say) must give up then.
type Hook func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error

// Pipeline accepts batches from every source. Create it with New and start
// Run before calling Submit. It is safe for concurrent use.
type Pipeline struct {
	store *store.Store
	hook  Hook
	log   *slog.Logger
	reqs  chan *request
	bulk  chan *request // chunks of large bodies: see SubmitBulk
	// skipped counts the groups committed while a bulk chunk waited.
	skipped int
	// stopped is closed when Run returns: Submit then fails at once.
	stopped chan struct{}
	// MaxGroupRecords caps the records committed together.
	MaxGroupRecords int
	// MaxBulkGroupRecords caps the records of bulk chunks (SubmitBulk)
	// committed together: what a batch arriving meanwhile may wait for.
	MaxBulkGroupRecords int
	// MaxBulkSkips is how many groups of Submit batches may go ahead of a
	// waiting bulk chunk, so that steady traffic cannot starve a large body.
	// Set these (like MaxGroupRecords) before Run.
	MaxBulkSkips int

	accepted   *prometheus.CounterVec
	deadLetter *prometheus.CounterVec
	commitTime prometheus.Histogram
	groupSize  prometheus.Histogram
}

type request struct {
	batch store.Batch
	done  chan result
}

type result struct {
	acc store.Accepted
	err error
}

// New returns a pipeline writing to st and running hook in each commit.
// reg may be nil.
func New(st *store.Store, hook Hook, log *slog.Logger, reg prometheus.Registerer) *Pipeline {
	p := &Pipeline{
		store: st, hook: hook, log: log, reqs: make(chan *request, 256), bulk: make(chan *request, 64),
		stopped: make(chan struct{}), MaxGroupRecords: 20000, MaxBulkGroupRecords: 1000, MaxBulkSkips: 8,
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeyvault_ingest_records_total", Help: "Records accepted by source and outcome (new, duplicate).",
		}, []string{"source", "outcome"}),
		deadLetter: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeyvault_ingest_dead_letters_total", Help: "Unparseable records kept in the dead-letter table, by source.",
		}, []string{"source"}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "honeyvault_ingest_commit_seconds", Help: "Time to durably commit one group of batches.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		groupSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "honeyvault_ingest_group_batches", Help: "Batches committed together.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
	}
	if reg != nil {
		reg.MustRegister(p.accepted, p.deadLetter, p.commitTime, p.groupSize)
	}
	return p
}

// ErrStopped is returned by Submit once the pipeline has stopped.
var ErrStopped = errors.New("ingest: pipeline stopped")

// Submit stores b durably and returns what became of its records. When it
// returns nil the records are committed: the source may acknowledge them.
// A record the database refuses for good (a value it cannot hold: see
// store.IsDataError) is stored as a dead letter instead, and the rest of
// b as usual; ErrRefused means the database refuses b even so. Once Run has
// returned it fails with ErrStopped.
func (p *Pipeline) Submit(ctx context.Context, b store.Batch) (store.Accepted, error) {
	return p.submit(ctx, p.reqs, b)
}

// SubmitBulk is Submit for one chunk of a body too large for one
// transaction: the chunk is committed with other bulk chunks only (at most
// MaxBulkGroupRecords records together), after the Submit batches waiting
// (see MaxBulkSkips), so that bulk holds them back by at most one such
// commit. Each chunk is durable when SubmitBulk returns nil; a body is
// stored when all its chunks are.
func (p *Pipeline) SubmitBulk(ctx context.Context, b store.Batch) (store.Accepted, error) {
	return p.submit(ctx, p.bulk, b)
}

func (p *Pipeline) submit(ctx context.Context, lane chan *request, b store.Batch) (store.Accepted, error) {
	b.Prepare() // here, in the source's goroutine, not in the single writer
	r := &request{batch: b, done: make(chan result, 1)}
	select {
	case lane <- r:
	case <-p.stopped:
		return store.Accepted{}, ErrStopped
	case <-ctx.Done():
		return store.Accepted{}, ctx.Err()
	}
	select {
	case res := <-r.done:
		return res.acc, res.err
	case <-p.stopped:
		// The writer answers every request it took before it stops, so
		// an answer is there now if one will ever be.
		select {
		case res := <-r.done:
			return res.acc, res.err
		default:
			return store.Accepted{}, ErrStopped
		}
	case <-ctx.Done():
		// The writer may still commit it; the source will send it again
		// and dedupe makes that harmless.
		return store.Accepted{}, ctx.Err()
	}
}

// Run is the writer loop; it returns when ctx ends, after failing whatever
// is still queued. Call it once.
func (p *Pipeline) Run(ctx context.Context) {
	defer p.drain()
	defer close(p.stopped)
	for {
		r, bulk := p.next(ctx)
		switch {
		case r == nil:
			return
		case bulk:
			p.commit(ctx, gather(r, p.bulk, p.MaxBulkGroupRecords))
		default:
			p.commit(ctx, gather(r, p.reqs, p.MaxGroupRecords))
		}
	}
}

// next waits for the next request to commit and says whether it is a bulk
// chunk. Submit batches go first, unless a bulk chunk has already let
// MaxBulkSkips groups pass. It returns nil when ctx ends.
func (p *Pipeline) next(ctx context.Context) (*request, bool) {
	if ctx.Err() != nil {
		return nil, false
	}
	if p.skipped >= p.MaxBulkSkips {
		select {
		case r := <-p.bulk:
			p.skipped = 0
			return r, true
		default:
		}
	}
	select {
	case r := <-p.reqs:
		if len(p.bulk) > 0 {
			p.skipped++
		}
		return r, false
	default:
	}
	select {
	case <-ctx.Done():
		return nil, false
	case r := <-p.reqs:
		return r, false
	case r := <-p.bulk:
		p.skipped = 0
		return r, true
	}
}

// gather takes first and whatever else is already waiting in its lane,
// until the group holds limit records or more.
func gather(first *request, lane chan *request, limit int) []*request {
	group := []*request{first}
	n := len(first.batch.Events)
	for n < limit {
		select {
		case r := <-lane:
			group = append(group, r)
			n += len(r.batch.Events)
		default:
			return group
		}
	}
	return group
}

func (p *Pipeline) commit(ctx context.Context, group []*request) {
	batches := make([]store.Batch, len(group))
	for i, r := range group {
		batches[i] = r.batch
	}
	start := time.Now()
	acc, err := p.store.Accept(ctx, batches, p.hookFunc())
	if err != nil && len(group) > 1 {
		// One batch may be the cause: commit each on its own so that the
		// others are not refused with it.
		p.log.Warn("ingest: group commit failed, retrying batches one by one", "batches", len(group), "err", err)
		for _, r := range group {
			p.commit(ctx, []*request{r})
		}
		return
	}
	if err != nil && p.store.IsDataError(err) {
		var a store.Accepted
		if a, err = p.isolate(ctx, group[0].batch, err); err == nil {
			acc = []store.Accepted{a}
		}
	}
	p.commitTime.Observe(time.Since(start).Seconds())
	p.groupSize.Observe(float64(len(group)))
	for i, r := range group {
		if err != nil {
			r.done <- result{err: err}
			continue
		}
		p.accepted.WithLabelValues(r.batch.Source, "new").Add(float64(acc[i].New))
		p.accepted.WithLabelValues(r.batch.Source, "duplicate").Add(float64(acc[i].Duplicate))
		p.deadLetter.WithLabelValues(r.batch.Source).Add(float64(acc[i].DeadLetters))
		r.done <- result{acc: acc[i]}
	}
	if err != nil {
		p.log.Error("ingest: commit failed", "source", group[0].batch.Source, "err", err)
	}
}

// hookFunc is the hook as Accept takes it.
func (p *Pipeline) hookFunc() func(context.Context, *store.Tx, []store.Fresh) error {
	return func(ctx context.Context, tx *store.Tx, f []store.Fresh) error {
		if p.hook == nil || len(f) == 0 {
			return nil
		}
		return p.hook(ctx, tx, f)
	}
}

// drain fails the requests queued when Run stopped (a request queued later
// is failed by its Submit, which sees p.stopped).
func (p *Pipeline) drain() {
	for {
		select {
		case r := <-p.reqs:
			r.done <- result{err: ErrStopped}
		case r := <-p.bulk:
			r.done <- result{err: ErrStopped}
		default:
			return
		}
	}
}
