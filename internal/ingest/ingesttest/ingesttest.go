// Package ingesttest is what the live sources' tests share: a real store
// and pipeline in a temp dir, realistic audit records, a runner started for
// the length of a test, and polling with a deadline instead of sleeps.
package ingesttest

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Env is a real SQLite store with a running pipeline.
type Env struct {
	t        testing.TB
	dsn      string
	Store    *store.Store
	Pipeline *ingest.Pipeline
	stop     func()
}

// New opens a store in a temp dir and runs a pipeline on it until the test ends.
func New(t testing.TB) *Env {
	t.Helper()
	return NewOn(t, "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
}

// NewOn is New on the database dsn names (a PostgreSQL test database, say).
func NewOn(t testing.TB, dsn string) *Env {
	t.Helper()
	e := &Env{t: t, dsn: dsn}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *Env) open() {
	st, err := store.Open(context.Background(), e.dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	p := ingest.New(st, nil, slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	e.Store, e.Pipeline = st, p
	e.stop = func() { cancel(); <-done; st.Close() }
}

func (e *Env) close() {
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
}

// Reopen stops the pipeline, closes the store and opens both again on the
// same database, as a restarted honeyvault would.
func (e *Env) Reopen() {
	e.close()
	e.open()
}

// Events returns how many events are stored.
func (e *Env) Events() int64 {
	e.t.Helper()
	n, err := e.Store.CountEvents(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// DeadLetters returns the stored dead letters, oldest first.
func (e *Env) DeadLetters() []store.DeadLetter {
	e.t.Helper()
	d, err := e.Store.ListDeadLetters(context.Background(), 0, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(d)-1; i < j; i, j = i+1, j-1 {
		d[i], d[j] = d[j], d[i]
	}
	return d
}

// Record returns a raw AuditEvent record, one line, unique by i (its
// correlation id is corr-i), at time base+i seconds.
func Record(i int) string {
	return RecordAt(i, time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Second))
}

// RecordAt is Record at time t.
func RecordAt(i int, t time.Time) string {
	return fmt.Sprintf(`{"time":%q,"resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-ONE",`+
		`"operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK",`+
		`"durationMs":"12","callerIpAddress":"203.0.113.7","correlationId":"corr-%d","identity":{"claim":{"oid":"oid-1","upn":"mallory@contoso.com"}},`+
		`"properties":{"id":"https://kv-one.vault.azure.net/secrets/s-%d/0123456789abcdef0123456789abcdef","clientInfo":"test",`+
		`"requestUri":"https://kv-one.vault.azure.net/secrets/s-%d/?api-version=7.4","httpStatusCode":200}}`,
		t.UTC().Format("2006-01-02T15:04:05.0000000Z"), i, i, i)
}

// Lines returns records from..to-1, one per line.
func Lines(from, to int) string {
	var s string
	for i := from; i < to; i++ {
		s += Record(i) + "\n"
	}
	return s
}

// Eventually polls cond every few milliseconds until it holds or the
// deadline passes, then fails the test with what.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Start runs r in the background; the returned stop cancels it and waits
// for it to return (also done when the test ends).
func Start(t testing.TB, r *source.Runner) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// Runner returns a runner for p with short intervals and backoffs, feeding e.
func (e *Env) Runner(name, kind string, p source.Poller) *source.Runner {
	return &source.Runner{Name: name, Kind: kind, Poller: p, Submitter: e.Pipeline,
		Interval: 10 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
}

// Flaky is a Submitter that fails its next Fail calls, then passes batches on.
type Flaky struct {
	Next  source.Submitter
	Fail  atomic.Int32
	Calls atomic.Int32
}

// Submit implements source.Submitter.
func (f *Flaky) Submit(ctx context.Context, b store.Batch) (store.Accepted, error) {
	f.Calls.Add(1)
	if f.Fail.Add(-1) >= 0 {
		return store.Accepted{}, fmt.Errorf("ingesttest: injected store failure")
	}
	return f.Next.Submit(ctx, b)
}
