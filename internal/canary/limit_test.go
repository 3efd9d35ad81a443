package canary

import (
	"net/netip"
	"testing"
	"time"
)

func newTestLimiter(l Limit, max int) (*Limiter, *time.Time) {
	lim := NewLimiter(l, max)
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	lim.now = func() time.Time { return now }
	return lim, &now
}

func TestLimiterBurstThenRate(t *testing.T) {
	lim, now := newTestLimiter(Limit{Rate: 2, Burst: 3}, 0)
	a := netip.MustParseAddr("192.0.2.1")
	for i := range 3 {
		if !lim.Allow(a) {
			t.Fatalf("hit %d of the burst refused", i+1)
		}
	}
	if lim.Allow(a) {
		t.Fatal("a hit beyond the burst allowed")
	}
	if !lim.Allow(netip.MustParseAddr("192.0.2.2")) {
		t.Fatal("another address refused while the first is limited")
	}
	*now = now.Add(500 * time.Millisecond) // one token at 2/s
	if !lim.Allow(a) {
		t.Fatal("refused after the rate refilled a token")
	}
	if lim.Allow(a) {
		t.Fatal("two hits allowed for one refilled token")
	}
}

func TestLimiterDefaults(t *testing.T) {
	lim, _ := newTestLimiter(Limit{}, 0)
	a := netip.MustParseAddr("192.0.2.1")
	n := 0
	for lim.Allow(a) {
		n++
		if n > 1000 {
			t.Fatal("the zero Limit does not limit")
		}
	}
	if got, want := n, DefaultLimit.Burst; got != want {
		t.Errorf("zero Limit allowed a burst of %d; want %d", got, want)
	}
	if lim.max != DefaultMaxAddresses {
		t.Errorf("max addresses %d; want %d", lim.max, DefaultMaxAddresses)
	}
}

func TestLimiterIPv6ByPrefixAndMapped(t *testing.T) {
	lim, _ := newTestLimiter(Limit{Rate: 1, Burst: 1}, 0)
	if !lim.Allow(netip.MustParseAddr("2001:db8:1:2::1")) {
		t.Fatal("first IPv6 hit refused")
	}
	if lim.Allow(netip.MustParseAddr("2001:db8:1:2:ffff::9")) {
		t.Error("another address of the same /64 has a bucket of its own")
	}
	if !lim.Allow(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Error("another /64 shares the bucket")
	}
	if !lim.Allow(netip.MustParseAddr("198.51.100.7")) {
		t.Fatal("IPv4 hit refused")
	}
	if lim.Allow(netip.MustParseAddr("::ffff:198.51.100.7")) {
		t.Error("an IPv4-mapped address escapes its IPv4 bucket")
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	lim, _ := newTestLimiter(Limit{Rate: 1, Burst: 1}, 100)
	first := netip.MustParseAddr("10.0.0.1")
	lim.Allow(first)
	for i := range 10000 {
		lim.Allow(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}))
		if len(lim.buckets) > 100 || lim.recent.Len() > 100 {
			t.Fatalf("after %d addresses: %d buckets, %d in order; want at most 100", i+1, len(lim.buckets), lim.recent.Len())
		}
	}
	// The first address was evicted long ago: it starts afresh.
	if !lim.Allow(first) {
		t.Error("an evicted address is still limited")
	}
	// The most recent one is kept and still limited.
	if lim.Allow(netip.AddrFrom4([4]byte{10, 1, 39, 15})) {
		t.Error("the most recently heard address was evicted")
	}
}

func TestRemoteAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.2:5353", "127.0.0.2:5353"},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1:80"},
		{"[2001:db8::1]:443", "[2001:db8::1]:443"},
		{"pipe", "invalid AddrPort"},
	}
	for _, tt := range tests {
		if got := RemoteAddr(tt.in).String(); got != tt.want {
			t.Errorf("RemoteAddr(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
