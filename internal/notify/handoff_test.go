package notify_test

import (
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/store"
)

// With Outbox.Worker set, a new incident's message is inserted claimed by
// the worker and sent by the hand-off after the commit, with no outbox read
// and no second write before the send: here the worker's loop never runs.
func TestHandoffSendsClaimedRowsAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		r := newReceiver(t, 200)
		ch := r.channel(t, "hook")
		e := newEnv(t, dsn, []notify.Channel{ch}, time.Hour)
		w, err := notify.NewWorker(e.st, []notify.Channel{ch}, notify.WorkerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ob := e.rec.Notifier.(*notify.Outbox)
		ob.Worker = w
		e.access(t, "mallory", "d1", false)
		ns := outbox(t, e.st, "hook")
		if len(ns) != 1 || ns[0].ClaimedBy != w.ID() || ns[0].Attempts != 1 {
			t.Fatalf("row not inserted claimed: %+v", ns)
		}
		ob.AfterCommit()
		eventually(t, "the handed-off message", func() bool { return len(r.messages()) == 1 })
		eventually(t, "the row marked sent", func() bool { return outbox(t, e.st, "hook")[0].State == store.StateSent })
		// A later alert of the incident is batched, not claimed.
		e.access(t, "mallory", "d2", false)
		ns = outbox(t, e.st, "hook")
		if len(ns) != 2 || ns[1].ClaimedBy != "" || ns[1].Kind != store.KindUpdate {
			t.Errorf("later alert: %+v", ns)
		}
		ob.AfterCommit()
		if len(r.messages()) != 1 {
			t.Error("a batched message was sent before its time")
		}
	})
}
