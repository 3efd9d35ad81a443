package dnscanary

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// clock is a time tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func hitsFrom(hits []canary.Hit) map[string]int {
	from := map[string]int{}
	for _, h := range hits {
		from[h.Remote.Addr().String()]++
	}
	return from
}

func TestOneUseIsOneHit(t *testing.T) {
	sink := &canarytest.Sink{}
	s, err := New(Config{Zone: zone, NS: testNS}, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.uses.now = clk.now
	addr := serve(t, s)
	tok := canary.NewToken()
	name := "db-" + tok + "." + zone
	c := client("udp", "127.0.0.1")

	// A then AAAA, a retry, and the name in another case: one use.
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{name, dns.TypeA}, {name, dns.TypeAAAA}, {name, dns.TypeA}, {strings.ToUpper(name), dns.TypeAAAA}} {
		r := exchange(t, c, addr, q.name, q.qtype)
		if r.Rcode != dns.RcodeNameError || !r.Authoritative || len(r.Ns) != 1 {
			t.Errorf("%s %s: %s, AA %v, %d authority; want every query of the use answered as the first (NXDOMAIN with the SOA)",
				q.name, dns.Type(q.qtype), dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Ns))
		}
	}
	hits := sink.Hits()
	if len(hits) != 1 {
		t.Fatalf("%d hits for A, AAAA and retries of one name from one resolver; want 1", len(hits))
	}
	if h := hits[0]; h.Token != tok || h.Detail["qtype"] != "A" {
		t.Errorf("hit %q %v; want the first query's (token %q, type A)", h.Token, h.Detail, tok)
	}

	// Another resolver asking the same name is a use of its own.
	exchange(t, client("udp", "127.0.0.2"), addr, name, dns.TypeA)
	if got := hitsFrom(sink.Hits()); got["127.0.0.1"] != 1 || got["127.0.0.2"] != 1 {
		t.Errorf("hits by resolver %v; want one each from 127.0.0.1 and 127.0.0.2", got)
	}

	// Once the window has passed, the same question is a new use.
	clk.add(DefaultRepeatWindow)
	exchange(t, c, addr, name, dns.TypeAAAA)
	if got := hitsFrom(sink.Hits()); got["127.0.0.1"] != 2 {
		t.Errorf("hits by resolver %v after the window; want a second from 127.0.0.1", got)
	}
}

func TestQueriesAtOnceRecordOneHit(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{Zone: zone, NS: testNS}, sink)
	name := canary.NewToken() + "." + zone
	var wg sync.WaitGroup
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeHTTPS, dns.TypeA} {
		wg.Add(1)
		go func() { // as a stub resolver sends A and AAAA together
			defer wg.Done()
			q := new(dns.Msg)
			q.SetQuestion(name, qtype)
			r, _, err := client("udp", "127.0.0.1").Exchange(q, addr)
			if err != nil || r.Rcode != dns.RcodeNameError {
				t.Errorf("%s: %v, %v; want NXDOMAIN", dns.Type(qtype), r, err)
			}
		}()
	}
	wg.Wait()
	if n := len(sink.Hits()); n != 1 {
		t.Errorf("%d hits for four queries of one name sent at once; want 1", n)
	}
}

func TestUseOverTheLimitIsRefusedOnEveryQuery(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{Zone: zone, NS: testNS, PerAddress: canary.Limit{Rate: 0.001, Burst: 1}}, sink)
	c := client("udp", "127.0.0.3")
	tok := canary.NewToken()
	exchange(t, c, addr, "a-"+tok+"."+zone, dns.TypeA) // uses the burst
	name := "b-" + tok + "." + zone
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		if r := exchange(t, c, addr, name, qtype); r.Rcode != dns.RcodeRefused {
			t.Errorf("%s over the limit: %s; want REFUSED, as the first query of the use was", dns.Type(qtype), dns.RcodeToString[r.Rcode])
		}
	}
	if n := len(sink.Hits()); n != 1 {
		t.Errorf("%d hits; want only the one within the limit", n)
	}
}

func TestRecentUsesStayBounded(t *testing.T) {
	r := newRecentUses(time.Hour)
	for i := range maxRecentUses + 10 {
		u, first := r.claim(useKey{resolver: netip.MustParseAddr("192.0.2.1"), name: fmt.Sprintf("n%d.%s", i, zone)})
		if !first {
			t.Fatalf("name %d claimed before", i)
		}
		r.settle(u, true)
	}
	if got := len(r.byKey); got != maxRecentUses || r.order.Len() != maxRecentUses {
		t.Errorf("%d uses remembered (%d in order); want at most %d", got, r.order.Len(), maxRecentUses)
	}
	if _, first := r.claim(useKey{resolver: netip.MustParseAddr("192.0.2.1"), name: "n0." + zone}); !first {
		t.Error("the oldest use is still remembered; want it forgotten to make room")
	}
}
