package httpcanary

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// BenchmarkUseToHit measures from a request with a token to the hit
// stored (Sink.Hit returned), over loopback with a kept-alive connection.
func BenchmarkUseToHit(b *testing.B) {
	sink := canarytest.NewTimingSink()
	base := start(b, Config{PerAddress: canary.Limit{Rate: 1e9, Burst: 1 << 30}}, sink)
	c := clientFrom("127.0.0.1")
	url := base + "/services/T0001/B0002/" + canary.NewToken()
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			b.Fatalf("status %d", resp.StatusCode)
		}
		lat = append(lat, sink.Since(b, t0))
	}
	canarytest.ReportPercentiles(b, lat)
}
