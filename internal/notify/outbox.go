package notify

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Outbox queues notifications inside the ingest transaction; it is the
// incident recorder's Notifier. Set the fields before use.
type Outbox struct {
	Channels []Channel
	// BatchInterval delays an incident's later messages so that its alerts
	// go out together (the first message is due at once).
	BatchInterval time.Duration
	// Worker, if set, takes the messages due at once straight after the
	// commit (see Handoff): they are inserted already claimed by it.
	Worker *Worker

	queued  atomic.Bool
	mu      sync.Mutex
	claimed []store.Notification // inserted claimed by Worker, not yet handed off
}

// Enqueue adds c's alerts to the outbox of every channel whose filter takes
// the incident.
func (o *Outbox) Enqueue(ctx context.Context, tx *store.Tx, c incident.Change) error {
	for _, ch := range o.Channels {
		if !ch.Filter.Matches(c.Incident, c.Vaults) {
			continue
		}
		var worker string
		var lease time.Duration
		if o.Worker != nil {
			worker, lease = o.Worker.ID(), o.Worker.opts.Lease
		}
		n, err := tx.EnqueueClaimed(ctx, ch.Name, c.Incident.ID, c.LastAlertID, o.BatchInterval, worker, lease)
		if err != nil {
			return err
		}
		o.queued.Store(true)
		if worker != "" && n.ClaimedBy == worker {
			o.mu.Lock()
			o.claimed = append(o.claimed, n)
			o.mu.Unlock()
		}
	}
	return nil
}

// TakeQueued reports whether Enqueue queued anything since the last call.
// The ingest pipeline asks after each commit and wakes the worker only
// then: a wake before the commit would find nothing to send.
func (o *Outbox) TakeQueued() bool { return o.queued.Swap(false) }

// AfterCommit is for the ingest pipeline's AfterCommit: it hands the
// messages this commit queued claimed to the Worker, which sends them at
// once, and wakes it for the rest. Messages of a transaction that rolled
// back may be handed off with the next commit's: their incident does not
// exist, so the worker drops them.
func (o *Outbox) AfterCommit() {
	o.mu.Lock()
	claimed := o.claimed
	o.claimed = nil
	o.mu.Unlock()
	if o.Worker == nil {
		return
	}
	o.Worker.Handoff(claimed)
	if o.TakeQueued() {
		o.Worker.Wake()
	}
}
