package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

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
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := New(st, hook, slog.New(slog.DiscardHandler), nil)
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
