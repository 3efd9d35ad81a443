package dnscanary

import (
	"context"
	"net/netip"
	"testing"

	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// FuzzRespond feeds a DNS message's bytes through the handler as a UDP
// query: whatever they hold, the answer packs within what the query
// allows, never recurses, and a hit comes only from a name in the zone.
func FuzzRespond(f *testing.F) {
	for _, q := range []struct {
		name  string
		qtype uint16
		edns  uint16
	}{
		{canary.NewToken() + "." + zone, dns.TypeA, 0},
		{zone, dns.TypeNS, 1232},
		{"example.org.", dns.TypeTXT, 4096},
	} {
		m := new(dns.Msg)
		m.SetQuestion(q.name, q.qtype)
		if q.edns != 0 {
			m.SetEdns0(q.edns, true)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	sink := &canarytest.Sink{}
	s, err := New(Config{Zone: zone, NS: testNS, PerAddress: canary.Limit{Rate: 1e9, Burst: 1 << 30}}, sink, nil)
	if err != nil {
		f.Fatal(err)
	}
	remote := netip.MustParseAddrPort("192.0.2.53:5353")
	f.Fuzz(func(t *testing.T, raw []byte) {
		req := new(dns.Msg)
		if req.Unpack(raw) != nil {
			return
		}
		sink.Reset()
		resp := s.respond(context.Background(), req, remote, false)
		hits := sink.Hits()
		if resp == nil {
			if len(hits) != 0 {
				t.Fatal("a hit for a query left unanswered")
			}
			return
		}
		b, err := resp.Pack()
		if err != nil {
			t.Fatalf("answer does not pack: %v", err)
		}
		limit := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			limit = max(limit, min(int(opt.UDPSize()), maxUDPSize))
		}
		if len(b) > limit {
			t.Fatalf("answer of %d bytes to a query allowing %d", len(b), limit)
		}
		if resp.RecursionAvailable {
			t.Fatal("RA set")
		}
		if len(hits) > 1 || len(hits) == 1 && !dns.IsSubDomain(zone, dns.CanonicalName(req.Question[0].Name)) {
			t.Fatalf("%d hits for %q", len(hits), req.Question[0].Name)
		}
	})
}
