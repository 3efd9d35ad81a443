//go:build unix

package app

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
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
			writeLoadgenRecord(&body, i*size+j)
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

// writeLoadgenRecord writes record i as bench/ingest/loadgen does: a JSON
// line shaped like a real AuditEvent, 200 vaults, 1,000 callers, gets,
// lists and key operations, every record distinct.
func writeLoadgenRecord(b *bytes.Buffer, i int) {
	vault := fmt.Sprintf("kv-app%03d-prod", i%200)
	ops := [...]string{"SecretGet", "SecretList", "KeySign", "SecretGet", "VaultGet"}
	op := ops[i%len(ops)]
	t := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	fmt.Fprintf(b, `{"time":"%s","resourceId":"/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-APPS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/%s",`+
		`"operationName":"%s","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","resultDescription":"",`+
		`"durationMs":"11","callerIpAddress":"10.1.%d.%d","correlationId":"%08x-5d0f-4c59-9f4b-0b3a4f0d2b11",`+
		`"identity":{"claim":{"oid":"5c3f1a2b-9d4e-4f6a-8b7c-%012x","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
		`"properties":{"id":"https://%s.vault.azure.net/secrets/app-setting-%d/9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c","clientInfo":"azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)",`+
		`"requestUri":"https://%s.vault.azure.net/secrets/app-setting-%d/?api-version=7.4","httpStatusCode":200,"isAccessPolicyMatch":true}}`+"\n",
		t.Format("2006-01-02T15:04:05.0000000Z"), vault, op, (i/250)%250, i%250, i, i%1000, vault, i%40, vault, i%40)
}
