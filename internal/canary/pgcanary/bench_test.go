package pgcanary

import (
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// BenchmarkUseToHit measures from pgx starting to connect with a decoy
// DSN to the hit stored (Sink.Hit returned), over loopback. sslmode=disable:
// one connection per use, as a client that does not try TLS first makes.
func BenchmarkUseToHit(b *testing.B) {
	sink := canarytest.NewTimingSink()
	addr := start(b, Config{PerAddress: canary.Limit{Rate: 1e9, Burst: 1 << 30}}, sink)
	dsn := "postgres://svc:" + canary.NewToken() + "@" + addr + "/db?sslmode=disable&connect_timeout=60"
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if e := connect(b, dsn, "127.0.0.1"); e.Code != "28P01" {
			b.Fatalf("code %s", e.Code)
		}
		lat = append(lat, sink.Since(b, t0))
	}
	canarytest.ReportPercentiles(b, lat)
}
