//go:build unix

package app

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/loadrecord"
)

// BenchmarkHTTPIngest measures serve's whole HTTP ingest path on SQLite:
// 8 clients POST bodies of 500 JSON-lines AuditEvent records shaped like
// bench/ingest's loadgen's (built before the clock starts) over loopback,
// each answered 202 once durable. One iteration is one body. Besides the
// wall rate (noise on a shared machine) it reports the process's CPU time
// per record (user+sys, server and clients together): the figure that
// holds on a loaded machine.
//
//	go test ./internal/app/ -run '^$' -bench HTTPIngest -benchtime 200x -cpuprofile cpu.out
func BenchmarkHTTPIngest(b *testing.B) {
	const size, clients = 500, 8
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(b.TempDir(), "hv.db")
	cfg.AdminToken, cfg.IngestToken = adminToken, "ingest-token-for-ingest-bench"
	srv := serveInBackground(b, cfg, nil)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		var body bytes.Buffer
		for j := range size {
			loadrecord.Write(&body, i*size+j)
		}
		bodies[i] = body.Bytes()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	next := make(chan []byte)
	var wg sync.WaitGroup
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range next {
				req, _ := http.NewRequest("POST", srv.url("/api/v1/ingest/azure-keyvault"), bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+cfg.IngestToken)
				req.Header.Set("Content-Type", "application/x-ndjson")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					continue
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					b.Errorf("status %d: %s", resp.StatusCode, msg)
				}
			}
		}()
	}
	for _, body := range bodies {
		next <- body
	}
	close(next)
	wg.Wait()
	b.StopTimer()
	records := float64(b.N * size)
	b.ReportMetric(float64(cpuTime(b)-cpu0)/records, "cpu-ns/record")
	b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
