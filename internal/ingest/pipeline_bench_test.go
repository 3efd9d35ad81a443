package ingest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

// benchBatches parses n batches of size realistic AuditEvent records (200
// vaults, 1,000 callers, long ids and URIs), all distinct.
func benchBatches(b *testing.B, n, size int) []store.Batch {
	b.Helper()
	out := make([]store.Batch, n)
	for i := range out {
		var body strings.Builder
		for j := 0; j < size; j++ {
			k := i*size + j
			fmt.Fprintf(&body, `{"time":"%s","resourceId":"/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-APPS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-APP%03d-PROD",`+
				`"operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"11",`+
				`"callerIpAddress":"10.1.2.3","correlationId":"%08x-5d0f-4c59-9f4b-0b3a4f0d2b11","identity":{"claim":{"oid":"5c3f1a2b-9d4e-4f6a-8b7c-%012x","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
				`"properties":{"id":"https://kv-app%03d-prod.vault.azure.net/secrets/app-setting-%d/9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c","clientInfo":"azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)",`+
				`"requestUri":"https://kv-app%03d-prod.vault.azure.net/secrets/app-setting-%d/?api-version=7.4","httpStatusCode":200}}`+"\n",
				time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(k)*time.Millisecond).Format("2006-01-02T15:04:05.0000000Z"),
				k%200, k, k%1000, k%200, k%40, k%200, k%40)
		}
		evs, bad, err := auditlog.ParseBody([]byte(body.String()))
		if err != nil || len(bad) > 0 || len(evs) != size {
			b.Fatalf("corpus: %v %v %d", err, bad, len(evs))
		}
		out[i] = store.Batch{Source: "bench", Events: evs}
	}
	return out
}

// BenchmarkPipelineSQLite measures the write path of serve's ingestion on
// SQLite: 8 sources submitting batches of 500 records at once, as
// bench/ingest's loadgen posts them, committed in groups by the one
// writer, each acknowledged once durable. Parsing is done before the
// clock starts; no hook (detection) runs.
// `go test ./internal/ingest -run XXX -bench PipelineSQLite -benchtime 100x`;
// with HONEYVAULT_BENCH_FILLED_DB set, on a copy of that database (one
// BenchmarkAcceptSQLiteFilled of internal/store built, a million events
// already stored): the sustained case.
func BenchmarkPipelineSQLite(b *testing.B) {
	const size, sources = 500, 8
	path := filepath.Join(b.TempDir(), "hv.db")
	if filled := os.Getenv("HONEYVAULT_BENCH_FILLED_DB"); filled != "" {
		copyFilled(b, filled, path)
	}
	st, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p := New(st, nil, slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	batches := benchBatches(b, b.N, size)
	b.ResetTimer()
	var wg sync.WaitGroup
	next := make(chan store.Batch)
	for range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range next {
				if acc, err := p.Submit(ctx, batch); err != nil || acc.New != size {
					b.Errorf("submit: %+v, %v", acc, err)
				}
			}
		}()
	}
	for _, batch := range batches {
		next <- batch
	}
	close(next)
	wg.Wait()
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "records/s")
}

// copyFilled copies the database file src to dst.
func copyFilled(b *testing.B, src, dst string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}
