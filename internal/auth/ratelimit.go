package auth

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a token bucket per key (a client address, a principal): each
// key may do burst things at once and rate things per second after that. A
// nil *Limiter allows everything. It is safe for concurrent use.
type Limiter struct {
	rate  rate.Limit
	burst int
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// maxBuckets bounds memory when many distinct keys arrive (a scan from many
// addresses): idle buckets are dropped first.
const maxBuckets = 10_000

// NewLimiter returns a limiter allowing perSecond on average and burst at
// once per key; perSecond <= 0 returns nil, which allows everything.
func NewLimiter(perSecond float64, burst int) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = int(math.Max(1, math.Ceil(perSecond)))
	}
	return &Limiter{rate: rate.Limit(perSecond), burst: burst, buckets: make(map[string]*bucket)}
}

// Allow takes one token from key's bucket. When there is none it returns
// false and how long until there will be.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.evictLocked(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// evictLocked drops the buckets that have refilled: forgetting them changes
// nothing. If every bucket is busy, it forgets them all — whoever can fill
// ten thousand buckets at once gains at most one more burst each.
func (l *Limiter) evictLocked(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.rate) * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}
