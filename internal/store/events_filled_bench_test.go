package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// benchFilledEvents is how many events the filled benchmarks' table holds
// before the clock starts: the writer's cost per record grows with the
// table (the caller and vault index inserts land on ever more distinct
// pages), and what ingest sustains is the rate on a large table.
const benchFilledEvents = 1_000_000

// benchAuditBody returns count realistic AuditEvent records, one a line, the
// n-th (from first) timed base + n ms: 200 vaults, 1,000 callers, long ids
// and URIs, each record distinct.
func benchAuditBody(first, count int, base time.Time) []byte {
	var body strings.Builder
	for n := first; n < first+count; n++ {
		fmt.Fprintf(&body, `{"time":"%s","resourceId":"/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-APPS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-APP%03d-PROD",`+
			`"operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"11",`+
			`"callerIpAddress":"10.1.2.3","correlationId":"%08x-5d0f-4c59-9f4b-0b3a4f0d2b11","identity":{"claim":{"oid":"5c3f1a2b-9d4e-4f6a-8b7c-%012x","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
			`"properties":{"id":"https://kv-app%03d-prod.vault.azure.net/secrets/app-setting-%d/9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c","clientInfo":"azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)",`+
			`"requestUri":"https://kv-app%03d-prod.vault.azure.net/secrets/app-setting-%d/?api-version=7.4","httpStatusCode":200}}`+"\n",
			base.Add(time.Duration(n)*time.Millisecond).Format("2006-01-02T15:04:05.0000000Z"),
			n%200, n, n%1000, n%200, n%40, n%200, n%40)
	}
	return []byte(body.String())
}

// filledDB returns the path of a copy, in dir, of a SQLite database whose
// events table holds benchFilledEvents events timed before 2026-11-20
// 08:00 (where BenchmarkAcceptSQLite's records start). The filled file is
// kept at $HONEYVAULT_BENCH_FILLED_DB when that is set (built there by the
// first run, copied by the next ones: filling takes minutes), else built
// in dir each time.
func filledDB(b *testing.B, dir string) string {
	b.Helper()
	dst := filepath.Join(dir, "hv.db")
	cache := os.Getenv("HONEYVAULT_BENCH_FILLED_DB")
	if cache == "" {
		fillEvents(b, dst)
		return dst
	}
	if _, err := os.Stat(cache); err != nil {
		fillEvents(b, cache)
	}
	if err := copyFile(cache, dst); err != nil {
		b.Fatal(err)
	}
	return dst
}

// fillEvents creates the database at path with benchFilledEvents events,
// stored through Accept as ingestion stores them, then closed (so that the
// file holds everything, its WAL checkpointed away).
func fillEvents(b *testing.B, path string) {
	b.Helper()
	b.Logf("filling %s with %d events", path, benchFilledEvents)
	s, err := Open(context.Background(), "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(-benchFilledEvents * 2 * time.Millisecond)
	const batch = 5000
	for first := 0; first < benchFilledEvents; first += batch {
		evs, bad, err := auditlog.ParseBody(benchAuditBody(first, batch, base))
		if err != nil || len(bad) > 0 || len(evs) != batch {
			b.Fatalf("corpus: %v %v %d", err, bad, len(evs))
		}
		if _, err := s.Accept(context.Background(), []Batch{{Source: "fill", Events: evs}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		b.Fatalf("%s-wal left after closing the filled database", path)
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BenchmarkAcceptSQLiteFilled is BenchmarkAcceptSQLite on a table that
// already holds a million events: the sustained case.
// `HONEYVAULT_BENCH_FILLED_DB=/tmp/filled.db go test ./internal/store -run XXX -bench AcceptSQLiteFilled -benchtime 400x`.
func BenchmarkAcceptSQLiteFilled(b *testing.B) {
	s, err := Open(context.Background(), "sqlite:"+filledDB(b, b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchAccept(b, s)
}
