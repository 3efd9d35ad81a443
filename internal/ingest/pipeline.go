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
// bodies (SubmitBulk) are committed in groups of their own, sized so that
// one takes about BulkCommitTime (a chunk may be split over several), and
// only when no other batch waits (or after MaxBulkSkips groups went
// first): a decoy access arriving while large bodies are stored waits for
// one such short group, not for the bodies.
package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
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
	// partial is what is left of a bulk chunk split over transactions; it
	// goes before the bulk lane.
	partial *request
	// smallSettled is closed once the last group of Submit batches is
	// acknowledged (durable, or failed): a bulk group waits for it (see
	// awaitSmall).
	smallSettled chan struct{}
	// perRecord is the recent cost of one record in a bulk commit (seconds,
	// a moving average): what sizes the next bulk group.
	perRecord float64
	// stopped is closed when Run returns: Submit then fails at once.
	stopped chan struct{}
	// acks carries committed groups to acknowledge, once durable, from the
	// writer loop to acknowledge: the writer goes on to the next commit
	// while the disk makes this one durable (store.AcceptAsync).
	acks chan ack
	// MaxGroupRecords caps the records committed together.
	MaxGroupRecords int
	// MaxBulkGroupRecords caps the records of bulk chunks (SubmitBulk)
	// committed together, and MinBulkGroupRecords is the fewest a bulk
	// group holds when the lane has that many.
	MaxBulkGroupRecords, MinBulkGroupRecords int
	// BulkCommitTime is how long one bulk group should take to commit:
	// what a batch arriving meanwhile may wait for. Groups are sized from
	// the time recent bulk commits took per record.
	BulkCommitTime time.Duration
	// MaxBulkSkips is how many groups of Submit batches may go ahead of a
	// waiting bulk chunk, so that steady traffic cannot starve a large body.
	// Set these (like MaxGroupRecords) before Run.
	MaxBulkSkips int

	// stored counts the records acknowledged as stored (new and
	// duplicate), for the replica's load in GET /api/v1/cluster.
	stored atomic.Int64

	accepted   *prometheus.CounterVec
	deadLetter *prometheus.CounterVec
	commitTime prometheus.Histogram
	groupSize  prometheus.Histogram
}

type request struct {
	batch store.Batch
	done  chan result
	// sum is what the parts of a split chunk committed before this one
	// stored: the answer adds it.
	sum store.Accepted
}

type result struct {
	acc store.Accepted
	err error
}

// ack is a committed group waiting to be acknowledged: durable waits until
// the commit is on disk (nil when it is already, or when err says the
// commit failed).
type ack struct {
	group   []*request
	acc     []store.Accepted
	durable func() error
	err     error
	settled chan struct{} // closed once the group is acknowledged
}

// New returns a pipeline writing to st and running hook in each commit.
// reg may be nil.
func New(st *store.Store, hook Hook, log *slog.Logger, reg prometheus.Registerer) *Pipeline {
	p := &Pipeline{
		store: st, hook: hook, log: log, reqs: make(chan *request, 256), bulk: make(chan *request, 64),
		stopped: make(chan struct{}), acks: make(chan ack, 64), MaxGroupRecords: 20000, MaxBulkGroupRecords: 1000, MinBulkGroupRecords: 25,
		BulkCommitTime: 15 * time.Millisecond, MaxBulkSkips: 8,
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

// Stored is how many records this pipeline has stored since it was made,
// new and duplicate, from every source; safe from any goroutine.
func (p *Pipeline) Stored() int64 { return p.stored.Load() }

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
	acked := make(chan struct{})
	go func() {
		defer close(acked)
		p.acknowledge()
	}()
	defer p.drain()
	defer close(p.stopped)
	defer func() {
		close(p.acks)
		<-acked
	}()
	for {
		r, bulk := p.next(ctx)
		switch {
		case r == nil:
			return
		case bulk:
			p.awaitWAL(ctx)
			p.awaitSmall(ctx)
			p.commitBulk(ctx, r)
		default:
			p.commitSmall(ctx, gather(r, p.reqs, p.MaxGroupRecords))
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
	if r := p.partial; r != nil {
		if p.skipped < p.MaxBulkSkips {
			select {
			case q := <-p.reqs:
				p.skipped++
				return q, false
			default:
			}
		}
		p.partial, p.skipped = nil, 0
		return r, true
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

// awaitWAL holds a bulk group back while the store copies its write-ahead
// log for a restart (store.WALCatchUp), committing Submit batches
// meanwhile. The copy then runs beside small commits only and soon has
// nothing left to copy, so the log starts over without the writer copying
// anything in front of a decoy access; and the pause gives Submit batches
// an idle writer.
func (p *Pipeline) awaitWAL(ctx context.Context) {
	for done := p.store.WALCatchUp(); done != nil; done = p.store.WALCatchUp() {
		for waiting := true; waiting; {
			select {
			case <-done:
				waiting = false
			case <-ctx.Done():
				return
			case r := <-p.reqs:
				p.commitSmall(ctx, gather(r, p.reqs, p.MaxGroupRecords))
			}
		}
	}
}

// maxSmallWait bounds how long a bulk group waits for Submit batches to be
// durable (awaitSmall): a slow disk must not stall a large body.
const maxSmallWait = 100 * time.Millisecond

// commitSmall commits a group of Submit batches and notes it as the one
// bulk groups wait for.
func (p *Pipeline) commitSmall(ctx context.Context, group []*request) {
	_, settled, _ := p.commitAck(ctx, group)
	p.smallSettled = settled
}

// awaitSmall holds a bulk group back until the last group of Submit
// batches is durable, for at most maxSmallWait. A sync flushes every
// commit made before it: a bulk group committed while a decoy access waits
// for its sync would make that sync flush the group's megabytes too.
// Submit batches arriving meanwhile wait, as they would behind the bulk
// group (MaxBulkSkips still bounds how many go ahead of a waiting chunk).
func (p *Pipeline) awaitSmall(ctx context.Context) {
	if p.smallSettled == nil {
		return
	}
	t := time.NewTimer(maxSmallWait)
	defer t.Stop()
	select {
	case <-p.smallSettled:
	case <-t.C:
	case <-ctx.Done():
	}
}

// commitBulk commits first and the bulk chunks waiting behind it, up to
// bulkLimit records; a chunk larger than that alone is split, and its rest
// waits in p.partial (behind Submit batches) for the next bulk group. The
// chunk's submitter hears of it when its last part is stored, or when a
// part fails (the parts before are stored; sent again, they are
// duplicates).
func (p *Pipeline) commitBulk(ctx context.Context, first *request) {
	limit := p.bulkLimit()
	start := time.Now()
	if n := len(first.batch.Events); n > limit {
		head, tail := first.batch.Split(limit)
		// The head's own answer goes nowhere: the chunk's submitter hears
		// when the tail's last part is acknowledged, by which time the head
		// is durable too (a sync covers every commit before it), or of the
		// first failure.
		part := &request{batch: head, done: make(chan result, 1)}
		acc, err := p.commit(ctx, []*request{part})
		p.noteBulk(limit, time.Since(start))
		if err != nil {
			first.done <- result{err: err}
			return
		}
		a := first.sum
		p.partial = &request{batch: tail, done: first.done, sum: store.Accepted{
			New: a.New + acc[0].New, Duplicate: a.Duplicate + acc[0].Duplicate, DeadLetters: a.DeadLetters + acc[0].DeadLetters}}
		return
	}
	group := p.gatherBulk(first, limit)
	records := 0
	for _, r := range group {
		records += len(r.batch.Events) + len(r.batch.DeadLetters)
	}
	p.commit(ctx, group)
	p.noteBulk(records, time.Since(start))
}

// gatherBulk is gather for the bulk lane, never past limit records: the
// chunk that would take the group past it waits in p.partial.
func (p *Pipeline) gatherBulk(first *request, limit int) []*request {
	group := []*request{first}
	n := len(first.batch.Events)
	for n < limit {
		select {
		case r := <-p.bulk:
			if n+len(r.batch.Events) > limit {
				p.partial = r
				return group
			}
			group = append(group, r)
			n += len(r.batch.Events)
		default:
			return group
		}
	}
	return group
}

// bulkLimit is how many records the next bulk group may hold: as many as
// recent bulk commits took BulkCommitTime for, within MinBulkGroupRecords
// and MaxBulkGroupRecords (the cap wins).
func (p *Pipeline) bulkLimit() int {
	n := p.MaxBulkGroupRecords
	if p.perRecord > 0 {
		n = int(p.BulkCommitTime.Seconds() / p.perRecord)
	}
	return min(max(n, p.MinBulkGroupRecords), p.MaxBulkGroupRecords)
}

// noteBulk folds a bulk commit's time per record into the moving average.
func (p *Pipeline) noteBulk(records int, took time.Duration) {
	if records == 0 {
		return
	}
	c := took.Seconds() / float64(records)
	if p.perRecord == 0 {
		p.perRecord = c
		return
	}
	p.perRecord += (c - p.perRecord) / 4
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

// commit commits group in one transaction and hands it to acknowledge; it
// returns the commit's outcome (not yet durable). A group that fails is
// committed again batch by batch, and a batch the database refuses is
// isolated (isolate.go).
func (p *Pipeline) commit(ctx context.Context, group []*request) ([]store.Accepted, error) {
	acc, _, err := p.commitAck(ctx, group)
	return acc, err
}

// commitAck is commit, also returning a channel closed once acknowledge
// has answered the group's submitters.
func (p *Pipeline) commitAck(ctx context.Context, group []*request) ([]store.Accepted, chan struct{}, error) {
	batches := make([]store.Batch, len(group))
	for i, r := range group {
		batches[i] = r.batch
	}
	start := time.Now()
	acc, durable, err := p.store.AcceptAsync(ctx, batches, p.hookFunc())
	if err != nil && len(group) > 1 {
		// One batch may be the cause: commit each on its own so that the
		// others are not refused with it.
		p.log.Warn("ingest: group commit failed, retrying batches one by one", "batches", len(group), "err", err)
		var settled chan struct{}
		for _, r := range group {
			_, settled, _ = p.commitAck(ctx, []*request{r})
		}
		return nil, settled, err
	}
	if err != nil && p.store.IsDataError(err) {
		var a store.Accepted
		if a, err = p.isolate(ctx, group[0].batch, err); err == nil {
			acc, durable = []store.Accepted{a}, nil // isolate's commits wait for the disk
		}
	}
	p.commitTime.Observe(time.Since(start).Seconds())
	p.groupSize.Observe(float64(len(group)))
	if err != nil {
		p.log.Error("ingest: commit failed", "source", group[0].batch.Source, "err", err)
		durable = nil
	}
	settled := make(chan struct{})
	p.acks <- ack{group: group, acc: acc, durable: durable, err: err, settled: settled}
	return acc, settled, err
}

// acknowledge answers the submitters of each committed group once it is
// durable, in commit order, until Run closes p.acks.
func (p *Pipeline) acknowledge() {
	for a := range p.acks {
		err := a.err
		if err == nil && a.durable != nil {
			if err = a.durable(); err != nil {
				p.log.Error("ingest: commit not made durable", "source", a.group[0].batch.Source, "err", err)
			}
		}
		for i, r := range a.group {
			if err != nil {
				r.done <- result{err: err}
				continue
			}
			acc := a.acc[i]
			p.stored.Add(int64(acc.New + acc.Duplicate))
			p.accepted.WithLabelValues(r.batch.Source, "new").Add(float64(acc.New))
			p.accepted.WithLabelValues(r.batch.Source, "duplicate").Add(float64(acc.Duplicate))
			p.deadLetter.WithLabelValues(r.batch.Source).Add(float64(acc.DeadLetters))
			r.done <- result{acc: store.Accepted{New: r.sum.New + acc.New, Duplicate: r.sum.Duplicate + acc.Duplicate,
				DeadLetters: r.sum.DeadLetters + acc.DeadLetters}}
		}
		close(a.settled)
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
			if p.partial != nil {
				p.partial.done <- result{err: ErrStopped}
				p.partial = nil
			}
			return
		}
	}
}
