package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// Sustained ingest into SQLite keeps the write-ahead log under its 64 MB
// bound while a reader queries the database all along: before, the file
// grew by a few KB per record (275 MB for these 100,000, more per record as
// the database grows) and shrank only when writes stopped. PostgreSQL manages its own WAL; this is SQLite's. The full
// million-record measurement is bench/ingest/run.sh.
func TestSQLiteWALStaysBoundedUnderSustainedIngest(t *testing.T) {
	const (
		records, perPost, senders = 100_000, 500, 8
		bound                     = 64 << 20
	)
	dir := t.TempDir()
	wal := filepath.Join(dir, "hv.db-wal")
	srv := startServer(t, "sqlite:"+filepath.Join(dir, "hv.db"), "HONEYVAULT_LOG_LEVEL=warn")

	var peak atomic.Int64
	stop := make(chan struct{})
	var watchers sync.WaitGroup
	watchers.Add(2)
	go func() { // the file's size, often enough to see it before a restart cuts it
		defer watchers.Done()
		for {
			if fi, err := os.Stat(wal); err == nil && fi.Size() > peak.Load() {
				peak.Store(fi.Size())
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var reads atomic.Int64
	go func() { // a reader beside the writer: counting events reads the whole table
		defer watchers.Done()
		for {
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/ingest/status", nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					reads.Add(1)
				}
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()

	posts := make(chan int)
	var sent sync.WaitGroup
	for range senders {
		sent.Add(1)
		go func() {
			defer sent.Done()
			for first := range posts {
				var b strings.Builder
				for i := first; i < first+perPost; i++ {
					writeBusyRecord(&b, i)
				}
				if code, body := postAsForwarder(srv, b.String()); code != 202 {
					t.Errorf("ingest: %d %s", code, body)
				}
			}
		}()
	}
	for first := 0; first < records; first += perPost {
		posts <- first
	}
	close(posts)
	sent.Wait()
	close(stop)
	watchers.Wait()

	var st struct{ Events int64 }
	apiGet(t, srv, "/api/v1/ingest/status", &st)
	if st.Events != records {
		t.Fatalf("stored %d events; want %d", st.Events, records)
	}
	if got := peak.Load(); got > bound {
		t.Errorf("the WAL reached %.1f MB; want at most %d MB", float64(got)/(1<<20), bound>>20)
	}
	if reads.Load() == 0 {
		t.Error("no read ran beside the ingest")
	}
	t.Logf("WAL peak %.1f MB for %d records, %d reads beside", float64(peak.Load())/(1<<20), records, reads.Load())
}

// writeBusyRecord writes the i-th record of an estate's everyday traffic, as
// the ingest benchmark does: 200 vaults, 1,000 callers, reads and lists of
// ordinary secrets, one millisecond apart. Spread over vaults and callers,
// the records' index entries land on many pages, as in production.
func writeBusyRecord(b *strings.Builder, i int) {
	vault := fmt.Sprintf("kv-app%03d-prod", i%200)
	ops := [...]string{"SecretGet", "SecretList", "KeySign", "SecretGet", "VaultGet"}
	t := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	fmt.Fprintf(b, `{"time":"%s","resourceId":"/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-APPS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/%s",`+
		`"operationName":"%s","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK",`+
		`"callerIpAddress":"10.1.%d.%d","correlationId":"%08x-5d0f-4c59-9f4b-0b3a4f0d2b11",`+
		`"identity":{"claim":{"oid":"5c3f1a2b-9d4e-4f6a-8b7c-%012x","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
		`"properties":{"clientInfo":"azsdk-go-azsecrets/v1.5.1","requestUri":"https://%s.vault.azure.net/secrets/app-setting-%d/?api-version=7.4","httpStatusCode":200}}`+"\n",
		t.Format("2006-01-02T15:04:05.0000000Z"), vault, ops[i%len(ops)], (i/250)%250, i%250, i, i%1000, vault, i%40)
}

// postAsForwarder posts body to the ingest endpoint as a log forwarder
// does: a 429 or 503 is sent again after its Retry-After, up to a failure
// bound of ten minutes (the server refuses more large bodies than it
// stores at once, so eight senders of 500 records each meet 429s).
func postAsForwarder(srv *testenv.Serve, body string) (int, string) {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/ingest/azure-keyvault", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+ingestToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
		if !retry || time.Now().After(deadline) {
			return resp.StatusCode, string(answer)
		}
		wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || wait < 1 {
			wait = 1
		}
		time.Sleep(time.Duration(wait) * time.Second) // what the server asked for, as a forwarder honours it
	}
}
