package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// csvExport is the portal's CSV export of AZKVAuditLogs with rows from..to-1
// (correlation id corr-i): a byte-order mark, a header naming the zone of
// the time column, and quoted JSON in the Identity column. Every tenth row
// has a client info that spans lines, as a quoted CSV field may.
func csvExport(from, to int) string {
	var b strings.Builder
	b.WriteString("\ufeffTenantId,\"TimeGenerated [UTC]\",OperationName,ResultType,ResultSignature,HttpStatusCode,CallerIpAddress," +
		"ClientInfo,CorrelationId,Id,RequestUri,Identity,_ResourceId,Type\r\n")
	for i := from; i < to; i++ {
		client := "azsdk-go-azsecrets/v1.5.1"
		if i%10 == 0 {
			client = "\"multi\r\nline, \"\"quoted\"\" client\""
		}
		t := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
		fmt.Fprintf(&b, "72f988bf-86f1-41af-91ab-2d7cd011db47,\"%s\",SecretGet,Success,OK,200,198.51.100.7,%s,corr-%d,"+
			"https://kv-one.vault.azure.net/secrets/s-%d/0123456789abcdef,https://kv-one.vault.azure.net/secrets/s-%d/?api-version=7.4,"+
			"\"{\"\"claim\"\":{\"\"oid\"\":\"\"oid-1\"\",\"\"upn\"\":\"\"mallory@contoso.com\"\"}}\","+
			"/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-one,AZKVAuditLogs\r\n",
			t.Format("1/2/2006, 3:04:05.000 PM"), client, i, i, i)
	}
	return b.String()
}

// A Log Analytics CSV export bigger than a chunk is read whole: every row,
// under its header. The file source read it in chunks like JSON lines, and
// every chunk after the first lost the header: its rows were dead letters.
func TestCSVExportBiggerThanAChunkIsReadWhole(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	body := csvExport(0, 300)
	write(t, filepath.Join(dir, "AZKVAuditLogs.csv"), body)
	s := New(Config{Name: "files", Path: dir, Settle: time.Hour}, env.Store, nil)
	s.chunk = 4096
	if len(body) < 10*s.chunk {
		t.Fatalf("export of %d bytes: want many chunks", len(body))
	}
	poll(t, s, env)
	if n := env.Events(); n != 0 {
		t.Fatalf("%d events before the export settled; want none (a CSV export has no end to recognise)", n)
	}
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	poll(t, s, env)
	poll(t, s, env) // read once
	if got, want := env.Events(), int64(300); got != want {
		t.Errorf("%d events; want %d", got, want)
	}
	if d := env.DeadLetters(); len(d) != 0 {
		t.Errorf("dead letters %+v; want none", d[:min(3, len(d))])
	}
}

// A query API answer written on one line longer than a chunk, after other
// lines of a JSON-lines file, is read record by record: every row. The
// chunked reader cut it and dead-lettered the pieces.
func TestLineLongerThanAChunkIsStreamed(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	var answer strings.Builder
	answer.WriteString(`{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},` +
		`{"name":"OperationName","type":"string"},{"name":"CorrelationId","type":"string"},{"name":"RequestUri","type":"string"},` +
		`{"name":"_ResourceId","type":"string"},{"name":"Type","type":"string"}],"rows":[`)
	for i := 100; i < 6100; i++ {
		if i > 100 {
			answer.WriteByte(',')
		}
		fmt.Fprintf(&answer, `["2026-11-20T09:00:%02d.%03dZ","SecretGet","corr-%d","https://kv-one.vault.azure.net/secrets/s-%d/?api-version=7.4",`+
			`"/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-one","AZKVAuditLogs"]`, i%60, i, i, i)
	}
	answer.WriteString("]}]}")
	path := filepath.Join(dir, "mixed.json")
	write(t, path, ingesttest.Lines(0, 5)+answer.String()+"\n"+ingesttest.Lines(5, 10))
	s := New(Config{Name: "files", Path: dir, Settle: time.Hour}, env.Store, nil)
	s.chunk = 4096
	if answer.Len() < auditlog.DefaultMaxRecordSize {
		t.Fatalf("answer of %d bytes: want more than a record may hold, so that only streaming reads it", answer.Len())
	}
	poll(t, s, env)
	poll(t, s, env)
	if got, want := env.Events(), int64(6010); got != want {
		t.Errorf("%d events; want %d", got, want)
	}
	if d := env.DeadLetters(); len(d) != 0 {
		t.Errorf("dead letters %+v; want none", d[:min(3, len(d))])
	}

	// A line still being written waits for its end.
	appendTo(t, path, answer.String()[:3*s.chunk])
	poll(t, s, env)
	if d := env.DeadLetters(); len(d) != 0 {
		t.Errorf("a line still being written was dead-lettered: %+v", d[:min(3, len(d))])
	}
}

// A .csv file that is not a Log Analytics export (a watchlist, a
// spreadsheet) costs one dead letter saying what it looks like, not one
// per line — and never lists its lines.
func TestOtherCSVIsOneDeadLetter(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("ResourceProvider,ResourceId,HoneyToken,Properties\r\n")
	for i := range 50 {
		fmt.Fprintf(&csv, "Microsoft.KeyVault,/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv,decoy-%d,\"{\"\"Type\"\":\"\"secret\"\"}\"\r\n", i)
	}
	path := filepath.Join(dir, "HoneyTokens.csv")
	write(t, path, csv.String())
	s := New(Config{Name: "files", Path: dir, Settle: time.Hour}, env.Store, nil)
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	poll(t, s, env)
	poll(t, s, env)
	d := env.DeadLetters()
	if len(d) != 1 || d[0].Position != path || strings.Contains(d[0].Raw+d[0].Reason, "decoy-") {
		t.Fatalf("dead letters %+v; want one for %s naming no row", d, path)
	}
	if env.Events() != 0 {
		t.Errorf("events stored from a watchlist")
	}
}

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// A file whose name is not UTF-8 is read once, on PostgreSQL too: its
// checkpoint is kept under the name's storable form (see package
// storable). PostgreSQL refused the name, so the file's batch failed on
// every poll, and the files after it in the directory were never read.
func TestFileNameNotUTF8IsReadOnce(t *testing.T) {
	env := ingesttest.NewOn(t, testenv.Postgres(t))
	dir := t.TempDir()
	write(t, filepath.Join(dir, "caf\xe9-audit.json"), ingesttest.Lines(0, 5))
	write(t, filepath.Join(dir, "later.json"), ingesttest.Lines(5, 8))
	s := New(Config{Name: "files", Path: dir, Settle: time.Hour}, env.Store, nil)
	sub := &countingSubmitter{Submitter: env.Pipeline}
	for range 2 {
		if _, err := s.Poll(context.Background(), sub); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := env.Events(), int64(8); got != want || sub.events != 8 {
		t.Errorf("%d events stored, %d read; want %d, each read once", got, sub.events, want)
	}
	cps, err := env.Store.Checkpoints(context.Background(), "files")
	if _, ok := cps[filepath.Join(dir, `caf\xe9-audit.json`)]; err != nil || !ok || len(cps) != 2 {
		t.Errorf("checkpoints %v, %v; want one under the escaped name", cps, err)
	}
}

// countingSubmitter counts the events a source submits.
type countingSubmitter struct {
	source.Submitter
	events int
}

func (c *countingSubmitter) Submit(ctx context.Context, b store.Batch) (store.Accepted, error) {
	c.events += len(b.Events)
	return c.Submitter.Submit(ctx, b)
}
