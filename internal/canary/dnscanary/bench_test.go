package dnscanary

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// BenchmarkUseToHit measures from a UDP lookup of a name with a token to
// the hit stored (Sink.Hit returned), over loopback.
func BenchmarkUseToHit(b *testing.B) {
	sink := canarytest.NewTimingSink()
	addr := start(b, Config{Zone: zone, NS: testNS, PerAddress: canary.Limit{Rate: 1e9, Burst: 1 << 30}}, sink)
	c := client("udp", "127.0.0.1")
	q := new(dns.Msg)
	q.SetQuestion(canary.NewToken()+"."+zone, dns.TypeA)
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		r, _, err := c.Exchange(q, addr)
		if err != nil {
			b.Fatal(err)
		}
		if r.Rcode != dns.RcodeNameError {
			b.Fatalf("rcode %s", dns.RcodeToString[r.Rcode])
		}
		lat = append(lat, sink.Since(b, t0))
	}
	canarytest.ReportPercentiles(b, lat)
}
