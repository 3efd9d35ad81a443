package notify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// A transaction that claimed a message and then rolled back must send
// nothing; the retry that commits sends its message once. On SQLite the
// retry even reuses the rolled-back rows' ids, so a stale hand-off would be
// indistinguishable from the real one but for its idempotency key.
func TestRolledBackClaimIsNeverSent(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		r := newReceiver(t, 200)
		ch := r.channel(t, "hook")
		e := newEnv(t, dsn, []notify.Channel{ch}, time.Hour)
		w, stop := startWorker(t, e.st, []notify.Channel{ch}, notify.WorkerOptions{Poll: time.Hour})
		ob := e.rec.Notifier.(*notify.Outbox)
		ob.Worker = w

		ev := auditlog.Event{Kind: auditlog.KindAudit, Time: t0, VaultID: vaultPay, VaultName: "kv-pay",
			ObjectType: registry.Secret, ObjectName: "d1", Operation: "SecretGet", HTTPStatus: 200, CorrelationID: "c-rollback",
			RequestURI: "https://kv-pay.vault.azure.net/secrets/d1", Caller: auditlog.Caller{ObjectID: "mallory", IP: "203.0.113.9"}}
		record := func(fail bool) error {
			_, err := e.st.Accept(context.Background(), []store.Batch{{Source: "test", Events: []auditlog.Event{ev}}},
				func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
					var alerts []detect.Alert
					for _, f := range fresh {
						alerts = append(alerts, e.matcher.Match(f.Event)...)
					}
					if err := e.rec.Record(ctx, tx, alerts); err != nil {
						return err
					}
					if fail {
						return errors.New("forced rollback after the claim")
					}
					return nil
				})
			return err
		}
		if err := record(true); err == nil {
			t.Fatal("the forced rollback did not fail Accept")
		}
		if ns := outbox(t, e.st, "hook"); len(ns) != 0 {
			t.Fatalf("rolled-back rows are in the outbox: %+v", ns)
		}
		if err := record(false); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the committed message sent", func() bool {
			ns := outbox(t, e.st, "hook")
			return len(ns) == 1 && ns[0].State == store.StateSent
		})
		// Stopping the worker waits for everything it was handed: a stale
		// hand-off has reached the receiver by then too.
		stop()
		got := r.messages()
		if len(got) != 1 {
			t.Fatalf("got %d deliveries, want exactly 1: %+v", len(got), got)
		}
		if want := outbox(t, e.st, "hook")[0].IdempotencyKey; got[0].IdempotencyKey != want {
			t.Errorf("delivered key %s; the stored row's is %s", got[0].IdempotencyKey, want)
		}
	})
}
