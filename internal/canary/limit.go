package canary

import (
	"container/list"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is how many hits one source address may make: Rate hits a second
// on average, Burst at once. The zero value is DefaultLimit; a field left
// zero (or negative) takes its default.
type Limit struct {
	Rate  float64
	Burst int
}

// DefaultLimit lets a source record a burst of 20 hits and then one a
// second: enough for a tool retrying a stolen value, too few for a flood
// to fill the incident store.
var DefaultLimit = Limit{Rate: 1, Burst: 20}

// DefaultMaxAddresses is the number of source addresses a Limiter keeps
// when its caller gives none.
const DefaultMaxAddresses = 10000

func (l Limit) orDefault() Limit {
	if l.Rate <= 0 {
		l.Rate = DefaultLimit.Rate
	}
	if l.Burst <= 0 {
		l.Burst = DefaultLimit.Burst
	}
	return l
}

// Limiter limits hits per source address. It keeps at most maxAddresses
// addresses, forgetting the one heard from least recently when a new one
// comes: memory stays bounded whatever the number of sources, and a
// forgotten source only regains its burst. IPv6 sources are keyed by their
// /64, the block one host usually controls. It is safe for concurrent use.
type Limiter struct {
	limit Limit
	max   int
	now   func() time.Time // tests control time

	mu      sync.Mutex
	buckets map[netip.Addr]*list.Element // of *bucket
	recent  *list.List                   // most recently heard first
}

type bucket struct {
	key netip.Addr
	lim *rate.Limiter
}

// NewLimiter returns a Limiter allowing l per source address, keeping at
// most maxAddresses of them (DefaultMaxAddresses when maxAddresses ≤ 0).
func NewLimiter(l Limit, maxAddresses int) *Limiter {
	if maxAddresses <= 0 {
		maxAddresses = DefaultMaxAddresses
	}
	return &Limiter{
		limit:   l.orDefault(),
		max:     maxAddresses,
		now:     time.Now,
		buckets: make(map[netip.Addr]*list.Element),
		recent:  list.New(),
	}
}

// Allow reports whether a hit from addr may be recorded now, and counts
// it if so. An invalid addr (a connection with no IP address) shares one
// bucket with every other.
func (l *Limiter) Allow(addr netip.Addr) bool {
	key := limitKey(addr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.buckets[key]; ok {
		l.recent.MoveToFront(e)
		return e.Value.(*bucket).lim.AllowN(now, 1)
	}
	if l.recent.Len() >= l.max {
		oldest := l.recent.Back()
		l.recent.Remove(oldest)
		delete(l.buckets, oldest.Value.(*bucket).key)
	}
	b := &bucket{key: key, lim: rate.NewLimiter(rate.Limit(l.limit.Rate), l.limit.Burst)}
	l.buckets[key] = l.recent.PushFront(b)
	return b.lim.AllowN(now, 1)
}

// limitKey is the key addr is counted under: an IPv4 address (mapped or
// not) itself, an IPv6 address its /64.
func limitKey(addr netip.Addr) netip.Addr {
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.WithZone("").Prefix(64)
		return p.Addr()
	}
	return addr
}

// RemoteAddr is the address a listener limits and records a hit under,
// from a net.Addr's string form ("ip:port"); the zero AddrPort when it
// has none (a pipe in a test).
func RemoteAddr(s string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
