package notify_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestFirstAlertAtOnceLaterAlertsBatched(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		r := newReceiver(t, 200)
		ch := r.channel(t, "hook")
		e := newEnv(t, dsn, []notify.Channel{ch}, time.Hour)
		startWorker(t, e.st, []notify.Channel{ch}, notify.WorkerOptions{BaseURL: "https://hv.example.com"})
		e.access(t, "mallory", "d1", false)
		// The receiver has the message before the worker marks its row
		// sent: wait for the row, which the outbox checks below read.
		eventually(t, "the first message sent", func() bool {
			ns := outbox(t, e.st, "hook")
			return len(ns) == 1 && ns[0].State == store.StateSent
		})
		if got := len(r.messages()); got != 1 {
			t.Fatalf("the receiver got %d messages; want 1", got)
		}
		m := r.messages()[0]
		if m.Kind != "new" || len(m.Alerts) != 1 || m.Alerts[0].Token != "d1" || m.Incident.URL != "https://hv.example.com/incidents/1" {
			t.Errorf("first message: %+v", m)
		}
		e.access(t, "mallory", "d2", false)
		e.access(t, "mallory", "d3", false)
		ns := outbox(t, e.st, "hook")
		if len(ns) != 2 || ns[0].State != store.StateSent || ns[1].State != store.StatePending || ns[1].Kind != store.KindUpdate {
			t.Fatalf("outbox: %+v", ns)
		}
		if ns[1].LastAlertID-ns[1].FirstAlertID != 1 || !ns[1].DueAt.After(time.Now().Add(50*time.Minute)) {
			t.Errorf("later alerts not batched into one message due later: %+v", ns[1])
		}
		// Render covers exactly the batched alerts.
		msg, err := notify.Render(context.Background(), e.st, ns[1], "https://hv.example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(msg.Alerts) != 2 || msg.Alerts[0].Token != "d2" || msg.Alerts[1].Token != "d3" || msg.Incident.AlertCount != 3 {
			t.Errorf("batched message: %+v", msg)
		}
	})
}

func TestChannelFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		all := newReceiver(t, 200)
		high := newReceiver(t, 200)
		other := newReceiver(t, 200)
		chs := []notify.Channel{all.channel(t, "all"), high.channel(t, "high"), other.channel(t, "other")}
		chs[1].Filter = notify.Filter{MinSeverity: "high"}
		chs[2].Filter = notify.Filter{Vaults: []string{"kv-hr"}}
		e := newEnv(t, dsn, chs, 0)
		startWorker(t, e.st, chs, notify.WorkerOptions{})
		e.access(t, "eve", "d1", true) // medium
		eventually(t, "the medium incident", func() bool { return len(all.messages()) == 1 })
		e.access(t, "eve", "d2", false) // now high
		eventually(t, "the high incident", func() bool { return len(high.messages()) == 1 && len(all.messages()) == 2 })
		m := high.messages()[0]
		if m.Kind != "new" || len(m.Alerts) != 2 || m.Incident.Severity != "high" {
			t.Errorf("a channel that hears of an incident late gets all its alerts: %+v", m)
		}
		if got := len(other.messages()); got != 0 {
			t.Errorf("channel for kv-hr got %d messages about kv-pay", got)
		}
	})
}

func TestOutboxSurvivesARestartAndSendsEachOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		r := newReceiver(t, 200)
		ch := r.channel(t, "hook")
		e := newEnv(t, dsn, []notify.Channel{ch}, 0)
		for _, c := range []string{"c1", "c2", "c3", "c4", "c5"} {
			e.access(t, c, "d1", false)
		}
		// A worker that died mid-send left two rows claimed; nothing was sent.
		claimed, err := e.st.ClaimNotifications(context.Background(), "dead-worker", []string{"hook"}, 300*time.Millisecond, 2)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		e.st.Close()
		st := openStore(t, dsn) // the restart
		startWorker(t, st, []notify.Channel{ch}, notify.WorkerOptions{})
		eventually(t, "all five sent", func() bool {
			ns := outbox(t, st, "hook")
			for _, n := range ns {
				if n.State != store.StateSent {
					return false
				}
			}
			return len(ns) == 5
		})
		keys := make(map[string]int)
		for _, m := range r.messages() {
			keys[m.IdempotencyKey]++
		}
		if len(keys) != 5 || len(r.messages()) != 5 {
			t.Errorf("received %d messages with %d keys; want each of 5 exactly once", len(r.messages()), len(keys))
		}
	})
}

func TestStoppedWorkerReleasesItsClaims(t *testing.T) {
	r := newReceiver(t, 503)
	ch := r.channel(t, "hook")
	e := newEnv(t, "sqlite:"+t.TempDir()+"/hv.db", []notify.Channel{ch}, 0)
	e.access(t, "c1", "d1", false)
	_, stop := startWorker(t, e.st, []notify.Channel{ch}, notify.WorkerOptions{Backoff: notify.Backoff{Initial: time.Hour}})
	<-r.hits
	stop()
	ns := outbox(t, e.st, "hook")
	if len(ns) != 1 || ns[0].ClaimedBy != "" || ns[0].State != store.StatePending || !strings.Contains(ns[0].LastError, "503") {
		t.Errorf("after stop: %+v", ns)
	}
}

func TestFailingChannelRetriesWithBackoffAndDoesNotBlockOthers(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		good := newReceiver(t, 200)
		down := newReceiver(t, 503)
		gone := newReceiver(t, 404)
		chs := []notify.Channel{good.channel(t, "good"), down.channel(t, "down"), gone.channel(t, "gone")}
		e := newEnv(t, dsn, chs, 0)
		reg := prometheus.NewRegistry()
		w, _ := startWorker(t, e.st, chs, notify.WorkerOptions{Registry: reg, MaxAttempts: 4,
			Backoff: notify.Backoff{Initial: 40 * time.Millisecond, Factor: 2, Max: time.Second}})
		for _, c := range []string{"c1", "c2", "c3"} {
			e.access(t, c, "d1", false)
		}
		eventually(t, "the good channel", func() bool { return len(good.messages()) == 3 })
		eventually(t, "the failing channels to give up", func() bool {
			for _, n := range append(outbox(t, e.st, "down"), outbox(t, e.st, "gone")...) {
				if n.State != store.StateFailed {
					return false
				}
			}
			return true
		})
		if got, want := len(down.attempts()), 3*4; got != want {
			t.Errorf("attempts at the 503 channel: got %d; want %d", got, want)
		}
		if got, want := len(gone.attempts()), 3; got != want {
			t.Errorf("attempts at the 404 channel: got %d; want %d (no retry)", got, want)
		}
		// Attempts of one message are spaced by at least 0.8 × the backoff.
		n := outbox(t, e.st, "down")[0]
		if n.Attempts != 4 || !strings.Contains(n.LastError, "503") {
			t.Errorf("failed row: %+v", n)
		}
		// Each message's own attempts (the three messages' attempts
		// interleave in whatever order their goroutines ran).
		byMessage := down.attemptsByMessage()
		if len(byMessage) != 3 {
			t.Fatalf("attempts at the 503 channel came from %d messages; want 3", len(byMessage))
		}
		for key, ts := range byMessage {
			if len(ts) != 4 {
				t.Errorf("message %s: %d attempts; want 4", key, len(ts))
				continue
			}
			for i, want := range []time.Duration{40, 80, 160} {
				if gap := ts[i+1].Sub(ts[i]); gap < want*time.Millisecond*8/10 {
					t.Errorf("message %s, gap %d: %v; want at least 0.8 × %dms", key, i, gap, want)
				}
			}
		}

		wants := []string{
			`honeyvault_notify_sent_total{channel="good"} 3`,
			`honeyvault_notify_failures_total{channel="down",kind="retryable"} 12`,
			`honeyvault_notify_failures_total{channel="gone",kind="permanent"} 3`,
			`honeyvault_notify_failed_total{channel="down"} 3`,
			`honeyvault_notify_channel_up{channel="down"} 0`,
			`honeyvault_notify_channel_up{channel="good"} 1`,
			`honeyvault_notify_pending{channel="good"} 0`,
		}
		// A sender counts a message sent after its row is marked, so the
		// good channel's counters may lag what the receiver got: wait for them.
		eventually(t, "metrics with "+strings.Join(wants, ", "), func() bool {
			metrics := scrape(t, reg)
			for _, want := range wants {
				if !strings.Contains(metrics, want) {
					return false
				}
			}
			return true
		})
		status, err := w.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(status) != 3 || !status[0].Healthy || status[0].Sent != 3 || status[1].Healthy || status[1].Failed != 3 ||
			status[1].ConsecutiveFailures != 12 || !strings.Contains(status[2].LastError, "404") {
			t.Errorf("status: %+v", status)
		}
	})
}

// A channel that hangs holds only its own slots.
func TestHangingChannelDoesNotBlockOthers(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(nil)
	hang.Config.Handler = httpHandlerFunc(func() { <-release })
	defer hang.Close()
	defer close(release)
	good := newReceiver(t, 200)
	hangCh := good.channel(t, "hang")
	hangCh.Notifier = mustWebhook(t, hang.URL)
	chs := []notify.Channel{hangCh, good.channel(t, "good")}
	e := newEnv(t, "sqlite:"+t.TempDir()+"/hv.db", chs, 0)
	startWorker(t, e.st, chs, notify.WorkerOptions{PerChannel: 1})
	for _, c := range []string{"c1", "c2", "c3"} {
		e.access(t, c, "d1", false)
	}
	eventually(t, "the good channel", func() bool { return len(good.messages()) == 3 })
}

func scrape(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestBackoffDelays(t *testing.T) {
	tests := []struct {
		b       notify.Backoff
		attempt int
		want    time.Duration
	}{
		{notify.Backoff{}, 1, time.Second},
		{notify.Backoff{}, 2, 2 * time.Second},
		{notify.Backoff{}, 5, 16 * time.Second},
		{notify.Backoff{}, 30, 5 * time.Minute},
		{notify.Backoff{Initial: 100 * time.Millisecond, Factor: 3, Max: time.Second}, 3, 900 * time.Millisecond},
		{notify.Backoff{Initial: 100 * time.Millisecond, Factor: 3, Max: time.Second}, 4, time.Second},
	}
	for _, tt := range tests {
		if got := tt.b.Delay(tt.attempt); got != tt.want {
			t.Errorf("%+v.Delay(%d): got %v; want %v", tt.b, tt.attempt, got, tt.want)
		}
	}
}
