package notify

import (
	"context"
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

	queued atomic.Bool
}

// Enqueue adds c's alerts to the outbox of every channel whose filter takes
// the incident.
func (o *Outbox) Enqueue(ctx context.Context, tx *store.Tx, c incident.Change) error {
	for _, ch := range o.Channels {
		if !ch.Filter.Matches(c.Incident, c.Vaults) {
			continue
		}
		if _, err := tx.EnqueueNotification(ctx, ch.Name, c.Incident.ID, c.LastAlertID, o.BatchInterval); err != nil {
			return err
		}
		o.queued.Store(true)
	}
	return nil
}

// TakeQueued reports whether Enqueue queued anything since the last call.
// The ingest pipeline asks after each commit and wakes the worker only
// then: a wake before the commit would find nothing to send.
func (o *Outbox) TakeQueued() bool { return o.queued.Swap(false) }
