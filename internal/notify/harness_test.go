package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/webhook"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

const vaultPay = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay"

// receiver is a real HTTP endpoint that records what it is sent and answers
// with the status it is told.
type receiver struct {
	*httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	got    []notify.Message
	times  []time.Time // of every attempt
	keys   []string    // every attempt's message idempotency key
	hits   chan struct{}
}

func newReceiver(t *testing.T, status int) *receiver {
	t.Helper()
	r := &receiver{hits: make(chan struct{}, 1000)}
	r.status.Store(int32(status))
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var m notify.Message
		json.Unmarshal(body, &m)
		r.mu.Lock()
		r.times = append(r.times, time.Now())
		r.keys = append(r.keys, m.IdempotencyKey)
		st := int(r.status.Load())
		if st < 300 {
			r.got = append(r.got, m)
		}
		r.mu.Unlock()
		r.hits <- struct{}{}
		w.WriteHeader(st)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) messages() []notify.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Message(nil), r.got...)
}

func (r *receiver) attempts() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.times...)
}

// attemptsByMessage returns the times of each message's attempts, by its
// idempotency key.
func (r *receiver) attemptsByMessage() map[string][]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]time.Time)
	for i, k := range r.keys {
		out[k] = append(out[k], r.times[i])
	}
	return out
}

func (r *receiver) channel(t *testing.T, name string) notify.Channel {
	n, err := webhook.New(webhook.Config{URL: r.URL + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	return notify.Channel{Name: name, Type: "webhook", Notifier: n}
}

type env struct {
	dsn     string
	st      *store.Store
	matcher *detect.Matcher
	rec     *incident.Recorder
	n       int
}

func eachStore(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	dsns := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "hv.db") },
		"postgres": func(t *testing.T) string { return testenv.Postgres(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { fn(t, dsns[name](t)) })
	}
}

func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newEnv opens dsn with four decoys in kv-pay and a recorder queueing for
// channels.
func newEnv(t *testing.T, dsn string, channels []notify.Channel, batch time.Duration) *env {
	t.Helper()
	st := openStore(t, dsn)
	var ds []registry.Decoy
	for _, name := range []string{"d1", "d2", "d3", "d4"} {
		ds = append(ds, registry.Decoy{VaultID: vaultPay, Name: name, Type: registry.Secret})
	}
	if _, err := st.ImportDecoys(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	ds, _ = st.ListDecoys(context.Background(), store.DecoyFilter{})
	ix, _ := detect.NewIndex(ds)
	g, _ := incident.NewGrouping([]string{"vault", "caller"})
	return &env{dsn: dsn, st: st, matcher: detect.NewMatcher(ix, nil),
		rec: &incident.Recorder{Grouping: g, Window: 5 * time.Hour, Notifier: &notify.Outbox{Channels: channels, BatchInterval: batch}}}
}

// access stores one event of caller reading decoy (or an update of it when
// medium) and records its alerts, as the ingest pipeline does.
func (e *env) access(t *testing.T, caller, decoy string, medium bool) {
	t.Helper()
	e.n++
	op := "SecretGet"
	if medium {
		op = "SecretUpdate"
	}
	ev := auditlog.Event{Kind: auditlog.KindAudit, Time: t0.Add(time.Duration(e.n) * time.Second), VaultID: vaultPay, VaultName: "kv-pay",
		ObjectType: registry.Secret, ObjectName: decoy, Operation: op, HTTPStatus: 200, CorrelationID: fmt.Sprintf("c%d", e.n),
		RequestURI: "https://kv-pay.vault.azure.net/secrets/" + decoy, Caller: auditlog.Caller{ObjectID: caller, IP: "203.0.113.9"}}
	_, err := e.st.Accept(context.Background(), []store.Batch{{Source: "test", Events: []auditlog.Event{ev}}}, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		var alerts []detect.Alert
		for _, f := range fresh {
			alerts = append(alerts, e.matcher.Match(f.Event)...)
		}
		return e.rec.Record(ctx, tx, alerts)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startWorker runs a worker until the test ends (or stop is called).
func startWorker(t *testing.T, st *store.Store, chs []notify.Channel, o notify.WorkerOptions) (w *notify.Worker, stop func()) {
	t.Helper()
	if o.Poll == 0 {
		o.Poll = 20 * time.Millisecond
	}
	w, err := notify.NewWorker(st, chs, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return w, stop
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func outbox(t *testing.T, st *store.Store, channel string) []store.Notification {
	t.Helper()
	ns, err := st.ListNotifications(context.Background(), channel, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(ns)-1; i < j; i, j = i+1, j-1 {
		ns[i], ns[j] = ns[j], ns[i]
	}
	return ns
}
