package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

// record is a raw AuditEvent record as Key Vault writes it.
func record(i int) string {
	return fmt.Sprintf(`{"time":"2026-11-20T08:00:%02d.%07dZ","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-ONE",`+
		`"operationName":"SecretGet","category":"AuditEvent","resultType":"Success","resultSignature":"OK","callerIpAddress":"203.0.113.7",`+
		`"correlationId":"corr-%d","identity":{"claim":{"oid":"oid-1","upn":"mallory@contoso.com"}},`+
		`"properties":{"id":"https://kv-one.vault.azure.net/secrets/s-%d/abc","requestUri":"https://kv-one.vault.azure.net/secrets/s-%d/?api-version=7.4","httpStatusCode":200}}`,
		i%60, i, i, i, i)
}

func newPipeline(t *testing.T, hook Hook) (*Pipeline, *store.Store) {
	t.Helper()
	return newPipelineWith(t, hook, nil)
}

// newPipelineWith is newPipeline with set applied before the pipeline runs.
func newPipelineWith(t *testing.T, hook Hook, set func(*Pipeline)) (*Pipeline, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := New(st, hook, slog.New(slog.DiscardHandler), nil)
	if set != nil {
		set(p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return p, st
}

func TestSubmitConcurrentSourcesNothingLostNothingTwice(t *testing.T) {
	var mu sync.Mutex
	seen := make(map[string]int)
	p, st := newPipeline(t, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range fresh {
			seen[f.Event.CorrelationID]++
		}
		return nil
	})
	const sources, perSource = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, sources*2)
	for s := 0; s < sources; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			var body string
			for i := 0; i < perSource; i++ {
				body += record(s*perSource+i) + "\n"
			}
			// Every source sends its body twice, as an at-least-once sender would.
			for range 2 {
				b, err := BatchFromBody(fmt.Sprintf("src-%d", s), []byte(body), auditlog.Position{})
				if err != nil {
					errs <- err
					return
				}
				if _, err := p.Submit(context.Background(), b); err != nil {
					errs <- err
				}
			}
		}(s)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, _ := st.CountEvents(context.Background()); n != sources*perSource {
		t.Errorf("%d events stored; want %d", n, sources*perSource)
	}
	// Stored counts what was acknowledged, duplicates included: each body twice.
	if got, want := p.Stored(), int64(2*sources*perSource); got != want {
		t.Errorf("Stored() = %d; want %d", got, want)
	}
	if len(seen) != sources*perSource {
		t.Errorf("hook saw %d distinct events; want %d", len(seen), sources*perSource)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("hook saw %s %d times", id, n)
		}
	}
}

func TestPoisonBatchDoesNotFailOthers(t *testing.T) {
	poison := errors.New("poison")
	p, st := newPipeline(t, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		for _, f := range fresh {
			if f.Event.CorrelationID == "corr-13" {
				return poison
			}
		}
		return nil
	})
	var wg sync.WaitGroup
	results := make([]error, 20)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			b, _ := BatchFromBody("http", []byte(record(i)), auditlog.Position{})
			_, results[i] = p.Submit(context.Background(), b)
		}(i)
	}
	wg.Wait()
	for i, err := range results {
		if i == 13 && !errors.Is(err, poison) {
			t.Errorf("batch 13: got %v; want poison", err)
		}
		if i != 13 && err != nil {
			t.Errorf("batch %d: %v", i, err)
		}
	}
	if n, _ := st.CountEvents(context.Background()); n != 19 {
		t.Errorf("%d events; want 19", n)
	}
}

func TestBatchFromBodyDeadLettersMalformed(t *testing.T) {
	body := record(1) + "\nnot json at all\n" + record(2) + "\n"
	b, err := BatchFromBody("file", []byte(body), auditlog.Position{File: "x.json"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Events) != 2 || len(b.DeadLetters) != 1 {
		t.Fatalf("%d events, %d dead letters; want 2, 1", len(b.Events), len(b.DeadLetters))
	}
	if d := b.DeadLetters[0]; d.Position != "x.json:2" || d.Raw != "not json at all" || d.Reason == "" || d.Source != "file" {
		t.Errorf("dead letter: %+v", d)
	}
	if _, err := BatchFromBody("http", []byte("hello"), auditlog.Position{}); !errors.Is(err, auditlog.ErrNotJSON) {
		t.Errorf("not JSON: got %v", err)
	}
}

func TestSubmitAfterStopFails(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := New(st, nil, slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Submit(ctx, store.Batch{Source: "x"}); err == nil {
		t.Error("Submit on a stopped pipeline with a cancelled context succeeded")
	}
}

// Submit after the pipeline stopped returns ErrStopped at once, instead of
// queueing where no writer will ever read and waiting on the caller's
// context (which an HTTP handler's may never end).
func TestSubmitAfterStopReturnsErrStopped(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := New(st, nil, slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	cancel()
	<-done
	ev, err := auditlog.ParseRecord([]byte(record(1)))
	if err != nil {
		t.Fatal(err)
	}
	// The caller's context never ends: only ErrStopped can end the call.
	// Several calls, since the request channel has room for some.
	for i := range 300 {
		if _, err := p.Submit(context.Background(), store.Batch{Source: "test", Events: []auditlog.Event{ev}}); !errors.Is(err, ErrStopped) {
			t.Fatalf("submit %d after stop: got %v; want ErrStopped", i, err)
		}
	}
	if n, _ := st.CountEvents(context.Background()); n != 0 {
		t.Errorf("%d events stored after the pipeline stopped", n)
	}
}

// A batch submitted while a bulk chunk waits is committed first, so a
// decoy access never queues behind a large body's remaining chunks; and
// after MaxBulkSkips groups, the chunk goes next, so steady traffic cannot
// starve a large body.
func TestSubmitGoesAheadOfWaitingBulkChunks(t *testing.T) {
	entered := make(chan string)
	release := make(chan struct{})
	p, _ := newPipelineWith(t, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		entered <- fresh[0].Event.CorrelationID
		<-release
		return nil
	}, func(p *Pipeline) { p.MaxBulkSkips = 1 })
	var wg sync.WaitGroup
	defer wg.Wait()
	submit := func(i int, bulk bool) { submitInBackground(t, p, &wg, i, bulk) }
	queued := func(reqs, bulk int) { t.Helper(); waitQueued(t, p, reqs, bulk) }
	var order []string
	submit(0, false) // holds the writer in its hook
	order = append(order, <-entered)
	submit(1, true)
	queued(0, 1)
	submit(2, false)
	queued(1, 1)
	release <- struct{}{}
	order = append(order, <-entered) // 2 went ahead of the chunk…
	submit(3, false)
	queued(1, 1)
	release <- struct{}{}
	order = append(order, <-entered) // …but after one group the chunk goes
	release <- struct{}{}
	order = append(order, <-entered)
	release <- struct{}{}
	if got, want := strings.Join(order, " "), "corr-0 corr-2 corr-1 corr-3"; got != want {
		t.Errorf("committed in the order %s; want %s", got, want)
	}
}

// The chunks of large bodies waiting together are committed in one
// transaction of at most MaxBulkGroupRecords records, and never with
// Submit batches: a decoy access waits for one bounded bulk commit, and
// concurrent large bodies do not pay a disk flush per chunk.
func TestBulkChunksCommitTogetherUpToTheirCap(t *testing.T) {
	entered := make(chan string)
	release := make(chan struct{})
	done := make(chan struct{})
	p, _ := newPipelineWith(t, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		ids := make([]string, len(fresh))
		for i, f := range fresh {
			ids[i] = f.Event.CorrelationID
		}
		slices.Sort(ids)
		select {
		case entered <- strings.Join(ids, "+"):
			<-release
		case <-done: // the test has seen what it asserts
		}
		return nil
	}, func(p *Pipeline) { p.MaxBulkGroupRecords = 2 })
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)
	submit := func(i int, bulk bool) { submitInBackground(t, p, &wg, i, bulk) }
	queued := func(reqs, bulk int) { t.Helper(); waitQueued(t, p, reqs, bulk) }
	var groups []string
	submit(0, false) // holds the writer in its hook
	groups = append(groups, <-entered)
	for i := 1; i <= 3; i++ {
		submit(i, true)
		queued(0, i)
	}
	submit(4, false)
	queued(1, 3)
	for range 3 {
		release <- struct{}{}
		groups = append(groups, <-entered)
	}
	release <- struct{}{}
	// The bulk chunks queued in the order 1, 2, 3; the first two go together.
	if got, want := strings.Join(groups, " "), "corr-0 corr-4 corr-1+corr-2 corr-3"; got != want {
		t.Errorf("committed in the groups %s; want %s", got, want)
	}
}

// A bulk chunk larger than a bulk group may hold is committed in parts,
// and a batch submitted meanwhile goes between two parts: a decoy access
// waits for one part, not for the chunk. The chunk's submitter hears once,
// when the last part is stored, of all its records.
func TestBulkChunkSplitLetsSubmitBetweenItsParts(t *testing.T) {
	entered := make(chan string)
	release := make(chan struct{})
	done := make(chan struct{})
	p, _ := newPipelineWith(t, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		ids := make([]string, len(fresh))
		for i, f := range fresh {
			ids[i] = f.Event.CorrelationID
		}
		select {
		case entered <- strings.Join(ids, "+"):
			<-release
		case <-done: // the test has seen what it asserts
		}
		return nil
	}, func(p *Pipeline) {
		// Groups sized by the cap alone: the hook holds each commit for as
		// long as the test takes, which sizing by time would read as slow
		// records and split further (one record a group on a loaded machine).
		p.MaxBulkGroupRecords, p.MinBulkGroupRecords, p.BulkCommitTime = 2, 1, time.Hour
	})
	batch := func(from, to int) store.Batch {
		var lines []string
		for i := from; i <= to; i++ {
			lines = append(lines, record(i))
		}
		b, err := BatchFromBody("http", []byte(strings.Join(lines, "\n")), auditlog.Position{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)
	next := func() string {
		t.Helper()
		select {
		case g := <-entered:
			return g
		case <-time.After(time.Minute):
			t.Fatalf("no further group was committed")
			return ""
		}
	}
	submit := func(b store.Batch, f func(context.Context, store.Batch) (store.Accepted, error), out chan<- store.Accepted) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc, err := f(context.Background(), b)
			if err != nil {
				t.Error(err)
			}
			if out != nil {
				out <- acc
			}
		}()
	}
	var groups []string
	submit(batch(0, 0), p.Submit, nil) // holds the writer in its hook
	groups = append(groups, next())
	bulk := make(chan store.Accepted, 1)
	submit(batch(1, 5), p.SubmitBulk, bulk)
	for deadline := time.Now().Add(time.Minute); len(p.bulk) != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the chunk was never queued")
		}
	}
	release <- struct{}{}
	groups = append(groups, next()) // the chunk's first part
	submit(batch(6, 6), p.Submit, nil)
	for deadline := time.Now().Add(time.Minute); len(p.reqs) != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the batch was never queued")
		}
	}
	for range 3 {
		release <- struct{}{}
		groups = append(groups, next())
	}
	select {
	case <-bulk:
		t.Fatal("the chunk was acknowledged before its last part was stored")
	default:
	}
	release <- struct{}{}
	if got, want := strings.Join(groups, " "), "corr-0 corr-1+corr-2 corr-6 corr-3+corr-4 corr-5"; got != want {
		t.Fatalf("committed in the groups %s; want %s", got, want) // the chunk's answer would never come
	}
	if acc := <-bulk; acc.New != 5 {
		t.Errorf("the chunk's answer counts %d new records; want 5", acc.New)
	}
}

// submitInBackground submits record i (with SubmitBulk when bulk) from a
// goroutine wg waits for.
func submitInBackground(t *testing.T, p *Pipeline, wg *sync.WaitGroup, i int, bulk bool) {
	b, err := BatchFromBody("http", []byte(record(i)), auditlog.Position{})
	if err != nil {
		t.Error(err)
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		f := p.Submit
		if bulk {
			f = p.SubmitBulk
		}
		if _, err := f(context.Background(), b); err != nil {
			t.Error(err)
		}
	}()
}

// waitQueued waits until p's queues hold reqs Submit and bulk SubmitBulk
// requests; a minute is a failure bound.
func waitQueued(t *testing.T, p *Pipeline, reqs, bulk int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); len(p.reqs) != reqs || len(p.bulk) != bulk; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("queues hold %d and %d bulk; want %d and %d", len(p.reqs), len(p.bulk), reqs, bulk)
		}
	}
}
