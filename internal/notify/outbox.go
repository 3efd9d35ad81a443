package notify

import (
	"context"
	"time"

	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Outbox queues notifications inside the ingest transaction; it is the
// incident recorder's Notifier. Set the fields before use; it is then safe
// for concurrent use (it keeps no state of its own between transactions).
type Outbox struct {
	Channels []Channel
	// BatchInterval delays an incident's later messages so that its alerts
	// go out together (the first message is due at once).
	BatchInterval time.Duration
	// Worker, if set, takes the messages due at once straight after the
	// commit: they are inserted already claimed by it and handed to it
	// (Worker.Handoff) when, and only when, the transaction commits; it is
	// woken then for the rest.
	Worker *Worker
}

// Enqueue adds c's alerts to the outbox of every channel whose filter takes
// the incident.
func (o *Outbox) Enqueue(ctx context.Context, tx *store.Tx, c incident.Change) error {
	var claimed []int64
	queued := false
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
		queued = true
		if worker != "" && n.ClaimedBy == worker {
			claimed = append(claimed, n.ID)
		}
	}
	if !queued || o.Worker == nil {
		return nil
	}
	// Only a commit makes these rows real: a rolled-back transaction's
	// callbacks never run, so nothing it queued is ever sent.
	w := o.Worker
	tx.OnCommit(func() {
		if len(claimed) > 0 {
			w.Handoff(claimed)
		}
		w.Wake()
	})
	return nil
}
