package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// backgroundRateEnv sets the background ingest traffic of
// BenchmarkCanaryUseToWebhook, in records a second: SPEC's live goal is
// measured "under 1,000 records/s of background traffic" (the default); 0
// runs without. bench/canary/run.sh runs both.
const backgroundRateEnv = "HONEYVAULT_BENCH_BACKGROUND_RATE"

// backgroundRate reads backgroundRateEnv.
func backgroundRate(b *testing.B) int {
	s := os.Getenv(backgroundRateEnv)
	if s == "" {
		return 1000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a number of records a second, 0 for none", backgroundRateEnv, s)
	}
	return n
}

// backgroundIngest posts rate records a second to srv's ingest endpoint
// until the benchmark ends — reads of secrets that are no decoys, so they
// raise nothing but are stored, matched and acknowledged like any — ten
// posts a second, as a forwarder batching for 100 ms does. It reports the
// rate reached as the metric bg-records/s.
func backgroundIngest(b *testing.B, srv *background, ingestToken string, rate int) {
	if rate == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	var sent, failed atomic.Int64
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		per := max(rate/10, 1)
		tick := time.NewTicker(100 * time.Millisecond) // pacing the load, not waiting for a state
		defer tick.Stop()
		for seq := 0; ; {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			var body bytes.Buffer
			body.WriteString(`{"records":[`)
			for i := range per {
				if i > 0 {
					body.WriteByte(',')
				}
				body.Write(hit(fmt.Sprintf("bg-%09d", seq), fmt.Sprintf("app-setting-%d", seq%40), "5c3f1a2b-9d4e-4f6a-8b7c-000000000001"))
				seq++
			}
			body.WriteString(`]}`)
			req, _ := http.NewRequestWithContext(ctx, "POST", srv.url("/api/v1/ingest/azure-keyvault"), &body)
			req.Header.Set("Authorization", "Bearer "+ingestToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil && ctx.Err() != nil {
				return // the benchmark ended with this post in flight: not a failure
			}
			if err != nil || resp.StatusCode != http.StatusAccepted {
				failed.Add(1)
			} else {
				sent.Add(int64(per))
			}
			if resp != nil {
				resp.Body.Close()
			}
		}
	}()
	b.Cleanup(func() {
		cancel()
		<-done
		b.ReportMetric(float64(sent.Load())/time.Since(start).Seconds(), "bg-records/s")
		b.ReportMetric(float64(failed.Load()), "bg-failed-posts")
	})
}
