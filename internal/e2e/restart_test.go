package e2e

import (
	"strings"
	"testing"
)

// kill -9 while a notification is being sent: the restarted server sends it
// again at once — not when the dead process's claim would have expired —
// with the same idempotency key, and nothing that was sent and marked goes
// out twice.
func TestKilledWhileSendingRestartedServerResendsAtOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		held := make(chan struct{}) // never closed: the first delivery hangs until the kill
		hook := newWebhook(t, func(n int) <-chan struct{} {
			if n == 1 {
				return held
			}
			return nil
		})
		srv := startServer(t, dsn, "HONEYVAULT_NOTIFY_WEBHOOK="+hook.URL)
		if code, body := ingest(t, srv, record(decoys[0], "attacker-1", "corr-kill-1")); code != 202 {
			t.Fatalf("ingest: %d %s", code, body)
		}
		first := hook.next(t, "the first incident")
		srv.Kill()
		srv.Restart()
		if again := hook.next(t, "the incident after the restart"); again != first {
			t.Fatalf("resent with key %s; want the same key %s", again, first)
		}
		if !strings.Contains(srv.Logs(), "released claims an earlier run of this process left") {
			t.Errorf("the restarted server did not take back its predecessor's claim; logs:\n%s", srv.Logs())
		}
		// A second incident after the restart goes out once; the first is
		// not sent a third time.
		if code, body := ingest(t, srv, record(decoys[1], "attacker-2", "corr-kill-2")); code != 202 {
			t.Fatalf("ingest: %d %s", code, body)
		}
		second := hook.next(t, "the second incident")
		srv.Stop()
		got := hook.deliveries()
		if len(got) != 3 || got[0] != first || got[1] != first || got[2] != second || second == first {
			t.Errorf("deliveries %v; want %s twice (one cut off by the kill), then %s once", got, first, second)
		}
	})
}
