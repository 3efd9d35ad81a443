package e2e

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// A large body is stored in chunks as it arrives, and a decoy access sent
// while it is still being sent and stored is committed and alerted at once
// — not after the body, as before, when the whole body was read, parsed
// and committed as one transaction by the single writer (decoy alerts held
// back up to 10.8 s behind a 383,812-record body in the hostile run). The
// large body here does not end until the decoy's webhook has arrived, so
// the order is certain; how long the decoy waits is a benchmark
// (bench/notify, -bulk), not asserted here.
func TestIngestDecoyAlertsWhileALargeBodyIsStored(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		hook := newWebhook(t, nil)
		srv := startServer(t, dsn, "HONEYVAULT_NOTIFY_WEBHOOK="+hook.URL, "HONEYVAULT_LOG_LEVEL=warn")

		// The large body: gzip-compressed records, written until the decoy
		// has alerted (at most 10,000 before waiting for it).
		pr, pw := io.Pipe()
		alerted := make(chan struct{})
		written := make(chan int, 1)
		go func() {
			zw := gzip.NewWriter(pw)
			n := 0
			for ; n < 10_000 && !closed(alerted); n++ {
				if _, err := io.WriteString(zw, record("ordinary-secret", "bulk-sender", fmt.Sprintf("bulk-%06d", n))+"\n"); err != nil {
					pw.CloseWithError(err)
					written <- n
					return
				}
			}
			<-alerted
			zw.Close()
			pw.Close()
			written <- n
		}()
		type answer struct {
			code int
			body string
		}
		large := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/ingest/azure-keyvault", pr)
			req.Header.Set("Authorization", "Bearer "+ingestToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				pr.CloseWithError(err)
				large <- answer{body: err.Error()}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			large <- answer{resp.StatusCode, string(b)}
		}()

		// Its first chunks are stored while it is still being sent.
		eventually(t, "a chunk of the large body stored before the body ends", func() bool {
			var st struct{ Events int64 }
			apiGet(t, srv, "/api/v1/ingest/status", &st)
			return st.Events > 0
		})
		if code, msg := ingest(t, srv, record(decoys[0], "decoy-toucher", "decoy-during-bulk")); code != http.StatusAccepted {
			t.Fatalf("decoy access during the large body: %d %s", code, msg)
		}
		hook.next(t, "the decoy access sent while the large body was stored")
		close(alerted)

		n := <-written
		got := <-large
		var acc struct{ Accepted int }
		json.Unmarshal([]byte(got.body), &acc)
		if got.code != http.StatusAccepted || acc.Accepted != n {
			t.Fatalf("large body of %d records: %d %s; want 202 with all accepted", n, got.code, got.body)
		}
		var st struct{ Events int64 }
		apiGet(t, srv, "/api/v1/ingest/status", &st)
		if st.Events != int64(n+1) {
			t.Errorf("%d events stored; want the large body's %d and the decoy access", st.Events, n)
		}
		t.Logf("the decoy alerted while a body of %d records was being stored", n)
	})
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
