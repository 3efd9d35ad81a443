package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/store"
)

// ingestStack is a SQLite store, a running pipeline over it and an
// authenticator that knows ingestToken: what an ingest endpoint stands on.
func ingestStack(t *testing.T) (*store.Store, *ingest.Pipeline, *auth.Authenticator) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := ingest.New(st, nil, slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithCancel(context.Background())
	go p.Run(ctx)
	t.Cleanup(cancel)
	a := &auth.Authenticator{}
	a.AddBootstrap(ingestToken, auth.Ingest)
	return st, p, a
}

// heldSubmitter stores through a pipeline, but holds every Submit until
// release is closed, telling entered when one arrives.
type heldSubmitter struct {
	*ingest.Pipeline
	entered chan struct{}
	release chan struct{}
}

func (s *heldSubmitter) Submit(ctx context.Context, b store.Batch) (store.Accepted, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.Pipeline.Submit(ctx, b)
}

// Beyond IngestLimits.Concurrent requests at once, the endpoint answers
// 429 with Retry-After without reading the body (after waiting up to
// slotWait for a slot); once a request is done, the next is served.
func TestIngestBeyondConcurrencyIs429(t *testing.T) {
	st, p, a := ingestStack(t)
	sub := &heldSubmitter{Pipeline: p, entered: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(New(Options{Store: st, Auth: a, Ingest: sub, IngestLimits: IngestLimits{Concurrent: 1}}))
	t.Cleanup(srv.Close)
	url := srv.URL + "/api/v1/ingest/azure-keyvault"

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if code, out := post(t, url, ingestToken, []byte(auditRecord(1)), nil); code != http.StatusAccepted {
			t.Errorf("first request: %d %v", code, out)
		}
	}()
	<-sub.entered // the first request holds the only slot
	req, _ := http.NewRequest("POST", url, strings.NewReader(auditRecord(2)))
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("second request at once: %d, Retry-After %q; want 429, 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(sub.release)
	wg.Wait()
	go func() { <-sub.entered }()
	if code, out := post(t, url, ingestToken, []byte(auditRecord(2)), nil); code != http.StatusAccepted {
		t.Errorf("after the first: %d %v", code, out)
	}
	if n, _ := st.CountEvents(context.Background()); n != 2 {
		t.Errorf("%d events stored; want 2", n)
	}
}

// heldBulk stores through a pipeline but holds every SubmitBulk until
// release is closed, telling entered when one arrives.
type heldBulk struct {
	*ingest.Pipeline
	entered chan struct{}
	release chan struct{}
}

func (s *heldBulk) SubmitBulk(ctx context.Context, b store.Batch) (store.Accepted, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.Pipeline.SubmitBulk(ctx, b)
}

// At most half the slots go to bodies larger than one chunk: another large
// body is refused (429, nothing of it stored) while small posts are still
// served.
func TestIngestLargeBodiesTakeAtMostHalfTheSlots(t *testing.T) {
	st, p, a := ingestStack(t)
	sub := &heldBulk{Pipeline: p, entered: make(chan struct{}, 16), release: make(chan struct{})}
	limits := IngestLimits{Concurrent: 2, Chunking: ingest.Chunking{Records: 10}}
	srv := httptest.NewServer(New(Options{Store: st, Auth: a, Ingest: sub, IngestLimits: limits}))
	t.Cleanup(srv.Close)
	url := srv.URL + "/api/v1/ingest/azure-keyvault"
	body := func(from, n int) []byte {
		var b strings.Builder
		for i := from; i < from+n; i++ {
			b.WriteString(auditRecord(i) + "\n")
		}
		return []byte(b.String())
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if code, out := post(t, url, ingestToken, body(0, 25), nil); code != http.StatusAccepted || out["accepted"] != 25.0 {
			t.Errorf("first large body: %d %v", code, out)
		}
	}()
	<-sub.entered // its first chunk waits: it holds the one large-body slot
	second := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(second)
		code, out := post(t, url, ingestToken, body(100, 25), nil)
		if msg, _ := out["error"].(string); code != http.StatusTooManyRequests || !strings.Contains(msg, "large bodies") {
			t.Errorf("second large body: %d %v; want 429", code, out)
		}
	}()
	select {
	case <-second:
	case <-time.After(time.Minute): // a bound for failing, not a wait
		t.Error("the second large body is being stored with the first; want it refused")
	}
	if code, out := post(t, url, ingestToken, body(200, 5), nil); code != http.StatusAccepted || out["accepted"] != 5.0 {
		t.Errorf("small body meanwhile: %d %v; want 202", code, out)
	}
	close(sub.release)
	wg.Wait()
	if n, _ := st.CountEvents(context.Background()); n != 30 {
		t.Errorf("%d events stored; want the first large body's 25 and the small one's 5", n)
	}
}

// refusingBulk stores through a pipeline but has the database refuse every
// bulk chunk after the first for good, as Pipeline.Submit reports a batch
// it could not store even with its unstorable records dead-lettered.
type refusingBulk struct {
	*ingest.Pipeline
	chunks int
}

func (s *refusingBulk) SubmitBulk(ctx context.Context, b store.Batch) (store.Accepted, error) {
	if s.chunks++; s.chunks > 1 {
		return store.Accepted{}, fmt.Errorf("%w: a value the database cannot hold", ingest.ErrRefused)
	}
	return s.Pipeline.SubmitBulk(ctx, b)
}

// A chunk the database refuses for good is a 422 without Retry-After (a
// forwarder must not retry it in a loop), saying how much of the body was
// stored before it; a 503 is only for what a retry may get past.
func TestIngestChunkRefusedForGoodIs422(t *testing.T) {
	st, p, a := ingestStack(t)
	limits := IngestLimits{Chunking: ingest.Chunking{Records: 10}}
	srv := httptest.NewServer(New(Options{Store: st, Auth: a, Ingest: &refusingBulk{Pipeline: p}, IngestLimits: limits}))
	t.Cleanup(srv.Close)
	var b strings.Builder
	for i := range 25 {
		b.WriteString(auditRecord(i) + "\n")
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/ingest/azure-keyvault", strings.NewReader(b.String()))
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("Retry-After") != "" ||
		!strings.Contains(string(msg), "cannot be stored") || !strings.Contains(string(msg), "first 10 records were stored") {
		t.Errorf("got %d, Retry-After %q, %s; want 422 without Retry-After, saying 10 records were stored", resp.StatusCode, resp.Header.Get("Retry-After"), msg)
	}
	if n, _ := st.CountEvents(context.Background()); n != 10 {
		t.Errorf("%d events stored; want the first chunk's 10", n)
	}
}
