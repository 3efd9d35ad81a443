package canarytest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// TimingSink stamps the time each Hit returns, for a benchmark measuring
// from a client's use to the hit stored. Its listener calls Hit before it
// answers, so the stamp of a use is waiting once the client has its
// answer.
type TimingSink struct{ stamps chan time.Time }

// NewTimingSink returns a TimingSink for one use at a time.
func NewTimingSink() *TimingSink { return &TimingSink{stamps: make(chan time.Time, 1)} }

// Hit stamps the time.
func (s *TimingSink) Hit(context.Context, canary.Hit) error {
	s.stamps <- time.Now()
	return nil
}

// Since returns the time from start to the hit's stamp, failing b when no
// hit came.
func (s *TimingSink) Since(b *testing.B, start time.Time) time.Duration {
	select {
	case at := <-s.stamps:
		return at.Sub(start)
	default:
		b.Fatal("the client had its answer and no hit was stored")
		return 0
	}
}

// ReportPercentiles reports the 50th and 99th percentiles of d, in
// microseconds, as the benchmark's metrics.
func ReportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}
