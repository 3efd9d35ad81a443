package notify_test

import (
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/store"
)

// With Outbox.Worker set, a new incident's message is inserted claimed by
// the worker and handed to it when the transaction commits: it is sent with
// the one attempt counted at insert, not claimed again from the outbox.
func TestHandoffSendsClaimedRowsAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		r := newReceiver(t, 200)
		ch := r.channel(t, "hook")
		e := newEnv(t, dsn, []notify.Channel{ch}, time.Hour)
		w, _ := startWorker(t, e.st, []notify.Channel{ch}, notify.WorkerOptions{Poll: time.Hour})
		e.rec.Notifier.(*notify.Outbox).Worker = w
		e.access(t, "mallory", "d1", false)
		eventually(t, "the handed-off message", func() bool { return len(r.messages()) == 1 })
		eventually(t, "the row marked sent", func() bool { return outbox(t, e.st, "hook")[0].State == store.StateSent })
		if ns := outbox(t, e.st, "hook"); len(ns) != 1 || ns[0].ClaimedBy != w.ID() || ns[0].Attempts != 1 {
			t.Fatalf("row not inserted claimed and sent by the hand-off: %+v", ns)
		}
		// A later alert of the incident is batched, not claimed.
		e.access(t, "mallory", "d2", false)
		ns := outbox(t, e.st, "hook")
		if len(ns) != 2 || ns[1].ClaimedBy != "" || ns[1].Kind != store.KindUpdate {
			t.Errorf("later alert: %+v", ns)
		}
	})
}

// A hand-off that arrives after Run has returned starts no delivery (none
// may run once the worker's owner closes the store): the claim is released
// so that the next worker sends the message at once.
func TestHandoffAfterRunReturnedReleasesTheClaim(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		r := newReceiver(t, 200)
		ch := r.channel(t, "hook")
		e := newEnv(t, dsn, []notify.Channel{ch}, time.Hour)
		w, stop := startWorker(t, e.st, []notify.Channel{ch}, notify.WorkerOptions{Poll: time.Hour})
		e.rec.Notifier.(*notify.Outbox).Worker = w
		stop()
		e.access(t, "mallory", "d1", false) // commits, then hands off to the stopped worker
		ns := outbox(t, e.st, "hook")
		if len(ns) != 1 || ns[0].ClaimedBy != "" || ns[0].State != store.StatePending {
			t.Fatalf("the stopped worker's claim was not released: %+v", ns)
		}
		if got := len(r.messages()); got != 0 {
			t.Fatalf("a stopped worker delivered %d messages", got)
		}
		startWorker(t, e.st, []notify.Channel{ch}, notify.WorkerOptions{})
		eventually(t, "the next worker's delivery", func() bool { return len(r.messages()) == 1 })
	})
}
