package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/webhook"
	"github.com/honeyvault/honeyvault/internal/store"
)

// A restarted process takes back at once what its killed predecessor (same
// instance) had claimed, without waiting for the claims to expire, and
// leaves the claims of other instances alone.
func TestRestartedInstanceTakesBackItsClaimsAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		r := newReceiver(t, 200)
		ch := r.channel(t, "hook")
		e := newEnv(t, dsn, []notify.Channel{ch}, 0)
		e.access(t, "c1", "d1", false)
		e.access(t, "c2", "d1", false)
		ctx := context.Background()
		// The predecessor claimed one for an hour and was killed; another
		// live instance holds the other.
		if got, err := e.st.ClaimNotifications(ctx, "host/127.0.0.1:8080/dead", []string{"hook"}, time.Hour, 1); err != nil || len(got) != 1 {
			t.Fatalf("claim: %v %v", got, err)
		}
		if got, err := e.st.ClaimNotifications(ctx, "host/127.0.0.1:8081/alive", []string{"hook"}, time.Hour, 1); err != nil || len(got) != 1 {
			t.Fatalf("claim: %v %v", got, err)
		}
		w, err := notify.NewWorker(e.st, []notify.Channel{ch}, notify.WorkerOptions{Poll: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		w.SetInstance("host/127.0.0.1:8080")
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { w.Run(runCtx); close(done) }()
		defer func() { cancel(); <-done }()
		eventually(t, "the predecessor's message sent", func() bool { return outbox(t, e.st, "hook")[0].State == store.StateSent })
		if got := len(r.messages()); got != 1 {
			t.Errorf("received %d messages; want the predecessor's one", got)
		}
		if n := outbox(t, e.st, "hook")[1]; n.State != store.StatePending || n.ClaimedBy != "host/127.0.0.1:8081/alive" {
			t.Errorf("the other instance's claim was touched: %+v", n)
		}
	})
}

// A send that outlasts the lease keeps its claim (it is renewed while the
// send runs): another worker polling all along never takes the row, and
// the receiver gets the message once.
func TestClaimIsRenewedWhileTheSendRuns(t *testing.T) {
	release := make(chan struct{})
	got := make(chan string, 10)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got <- req.Header.Get("Idempotency-Key")
		<-release
	}))
	defer slow.Close()
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock() // before slow.Close, which waits for its handlers
	n, err := webhook.New(webhook.Config{URL: slow.URL})
	if err != nil {
		t.Fatal(err)
	}
	ch := notify.Channel{Name: "slow", Type: "webhook", Notifier: n, Timeout: time.Minute}
	e := newEnv(t, "sqlite:"+t.TempDir()+"/hv.db", []notify.Channel{ch}, 0)
	e.access(t, "c1", "d1", false)
	const lease = 3 * time.Second
	first, _ := startWorker(t, e.st, []notify.Channel{ch}, notify.WorkerOptions{Lease: lease})
	<-got // the first worker is sending
	claimed := outbox(t, e.st, "slow")[0].ClaimedUntil
	startWorker(t, e.st, []notify.Channel{ch}, notify.WorkerOptions{Lease: lease})
	// Wait until the claim has been renewed past the end of the original
	// lease twice over: without renewal the second worker takes the row
	// as soon as the first lease ends.
	eventually(t, "the claim renewed", func() bool {
		n := outbox(t, e.st, "slow")[0]
		return n.ClaimedBy == first.ID() && n.ClaimedUntil.After(claimed.Add(lease))
	})
	unblock()
	eventually(t, "the row sent", func() bool { return outbox(t, e.st, "slow")[0].State == store.StateSent })
	select {
	case key := <-got:
		t.Fatalf("the message was sent a second time (key %s) while the first send ran", key)
	default:
	}
}
