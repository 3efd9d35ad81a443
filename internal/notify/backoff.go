package notify

import (
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff between attempts: Initial after the first
// failure, times Factor after each further one, at most Max. The zero value
// means 1s, ×2, 5m.
type Backoff struct {
	Initial time.Duration
	Factor  float64
	Max     time.Duration
}

// Delay is the wait after the attempt-th failed attempt (1-based), without
// jitter.
func (b Backoff) Delay(attempt int) time.Duration {
	initial, factor, max := b.Initial, b.Factor, b.Max
	if initial <= 0 {
		initial = time.Second
	}
	if factor < 1 {
		factor = 2
	}
	if max <= 0 {
		max = 5 * time.Minute
	}
	d := float64(initial)
	for i := 1; i < attempt && d < float64(max); i++ {
		d *= factor
	}
	return min(time.Duration(d), max)
}

// jittered spreads d by ±20% so that replicas and channels retrying after
// one outage do not all come back in the same instant.
func jittered(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
