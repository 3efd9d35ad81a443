package dnscanary

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

const zone = "canary.example.com."

var testNS = []string{"ns1.example.net.", "ns2.example.net."}

// start runs a listener on 127.0.0.1 over UDP and TCP (the same port) and
// returns its address; it stops at the end of the test, and the test
// fails if Serve does not return nil.
func start(t testing.TB, cfg Config, sink canary.Sink) string {
	t.Helper()
	s, err := New(cfg, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, s)
}

// serve runs s as start does and returns its address.
func serve(t testing.TB, s *Server) string {
	t.Helper()
	var err error
	var udp net.PacketConn
	var tcp net.Listener
	for range 20 { // the UDP port may be taken for TCP: try another
		if udp, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if tcp, err = net.Listen("tcp", udp.LocalAddr().String()); err == nil {
			break
		}
		udp.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, udp, tcp) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve returned %v after its context ended; want nil", err)
		}
	})
	return udp.LocalAddr().String()
}

func client(proto, src string) *dns.Client {
	var local net.Addr = &net.UDPAddr{IP: net.ParseIP(src)}
	if proto == "tcp" {
		local = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	return &dns.Client{Net: proto, Timeout: 30 * time.Second, Dialer: &net.Dialer{LocalAddr: local, Timeout: 30 * time.Second}}
}

func exchange(t *testing.T, c *dns.Client, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	r, _, err := c.Exchange(q, addr)
	if err != nil {
		t.Fatalf("%s %s: %v", name, dns.Type(qtype), err)
	}
	if r.Id != q.Id || !r.Response || r.RecursionAvailable {
		t.Errorf("%s: id %d (asked %d), QR %v, RA %v; want the query's id, QR set, RA clear", name, r.Id, q.Id, r.Response, r.RecursionAvailable)
	}
	return r
}

func TestLookupsUnderTheZoneAreHits(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{Zone: "Canary.Example.com", NS: testNS}, sink)
	tok := canary.NewToken()
	scenarios := []struct {
		proto, name string
		qtype       uint16
	}{
		{"udp", tok + "." + zone, dns.TypeA},
		{"tcp", "db-" + strings.ToUpper(tok) + ".CANARY.example.com.", dns.TypeTXT},
		{"udp", "x." + tok + "." + zone, dns.TypeAAAA},
	}
	for _, sc := range scenarios {
		t.Run(sc.proto+" "+dns.Type(sc.qtype).String(), func(t *testing.T) {
			sink.Reset()
			r := exchange(t, client(sc.proto, "127.0.0.1"), addr, sc.name, sc.qtype)
			if r.Rcode != dns.RcodeNameError || !r.Authoritative || len(r.Answer) != 0 {
				t.Errorf("rcode %s, AA %v, %d answers; want an authoritative NXDOMAIN", dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Answer))
			}
			if len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA || r.Ns[0].Header().Name != zone {
				t.Errorf("authority %v; want the zone's SOA", r.Ns)
			}
			if r.Question[0].Name != sc.name {
				t.Errorf("question echoed as %q; want %q as asked", r.Question[0].Name, sc.name)
			}
			hits := sink.Hits()
			if len(hits) != 1 {
				t.Fatalf("%d hits; want 1", len(hits))
			}
			h := hits[0]
			if h.Kind != canary.KindDNS || h.Token != tok || h.Remote.Addr() != netip.MustParseAddr("127.0.0.1") {
				t.Errorf("hit %q %q from %v; want dns, %q, from 127.0.0.1", h.Kind, h.Token, h.Remote, tok)
			}
			if h.Detail["qname"] != sc.name || h.Detail["qtype"] != dns.Type(sc.qtype).String() || h.Detail["proto"] != sc.proto {
				t.Errorf("detail %v", h.Detail)
			}
		})
	}
}

func TestApexAnswersAndOutsideIsRefused(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{Zone: zone, NS: testNS, TTL: 300}, sink)
	c := client("udp", "127.0.0.1")
	r := exchange(t, c, addr, zone, dns.TypeSOA)
	if len(r.Answer) != 1 || !r.Authoritative {
		t.Fatalf("SOA: %v, AA %v", r.Answer, r.Authoritative)
	}
	if soa, ok := r.Answer[0].(*dns.SOA); !ok || soa.Ns != testNS[0] || soa.Minttl != 300 || soa.Hdr.Ttl != 300 {
		t.Errorf("SOA %v; want mname %s, minimum and TTL 300", r.Answer[0], testNS[0])
	}
	r = exchange(t, c, addr, zone, dns.TypeNS)
	var got []string
	for _, rr := range r.Answer {
		got = append(got, rr.(*dns.NS).Ns)
	}
	if fmt.Sprint(got) != fmt.Sprint(testNS) {
		t.Errorf("NS %v; want %v", got, testNS)
	}
	if r = exchange(t, c, addr, zone, dns.TypeMX); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || len(r.Ns) != 1 {
		t.Errorf("MX at the apex: %s with %d answers; want NOERROR, no answer, the SOA", dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	for _, name := range []string{"example.com.", "www.example.org.", "xcanary.example.com.", "."} {
		if r = exchange(t, c, addr, name, dns.TypeA); r.Rcode != dns.RcodeRefused || len(r.Answer)+len(r.Ns) != 0 {
			t.Errorf("%s: %s with %d answers, %d authority; want a bare REFUSED", name, dns.RcodeToString[r.Rcode], len(r.Answer), len(r.Ns))
		}
	}
	if n := len(sink.Hits()); n != 0 {
		t.Errorf("%d hits for the apex and names outside the zone; want 0", n)
	}
}

// rawExchange sends q over UDP and returns the bytes that came back.
func rawExchange(t *testing.T, addr string, q *dns.Msg) []byte {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	b, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 65536)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func TestAnswersNeverExceedWhatTheQueryAllows(t *testing.T) {
	var many []string
	for i := range 60 { // an NS answer of ~3.5 KB
		many = append(many, fmt.Sprintf("a-rather-long-name-server-name-%02d.example.net.", i))
	}
	addr := start(t, Config{Zone: zone, NS: many}, &canarytest.Sink{})
	tests := []struct {
		edns    bool
		size    uint16
		wantMax int
	}{
		{false, 0, 512},
		{true, 100, 512}, // below 512 counts as 512 (RFC 6891)
		{true, 800, 800},
		{true, 4096, maxUDPSize},
	}
	for _, tt := range tests {
		q := new(dns.Msg)
		q.SetQuestion(zone, dns.TypeNS)
		if tt.edns {
			q.SetEdns0(tt.size, false)
		}
		raw := rawExchange(t, addr, q)
		r := new(dns.Msg)
		if err := r.Unpack(raw); err != nil {
			t.Fatalf("size %d: %v", tt.size, err)
		}
		if len(raw) > tt.wantMax || !r.Truncated {
			t.Errorf("EDNS %v size %d: %d bytes, TC %v; want at most %d, truncated", tt.edns, tt.size, len(raw), r.Truncated, tt.wantMax)
		}
	}
	// Over TCP the whole answer comes.
	r := exchange(t, client("tcp", "127.0.0.1"), addr, zone, dns.TypeNS)
	if len(r.Answer) != len(many) || r.Truncated {
		t.Errorf("TCP: %d answers, TC %v; want all %d", len(r.Answer), r.Truncated, len(many))
	}
}

func TestClientSubnetIsRecorded(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{Zone: zone, NS: testNS}, sink)
	q := new(dns.Msg)
	q.SetQuestion(canary.NewToken()+"."+zone, dns.TypeA)
	q.SetEdns0(1232, false)
	opt := q.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 24, Address: net.ParseIP("198.51.100.0").To4()})
	if _, _, err := client("udp", "127.0.0.1").Exchange(q, addr); err != nil {
		t.Fatal(err)
	}
	if hits := sink.Hits(); len(hits) != 1 || hits[0].Detail["client_subnet"] != "198.51.100.0/24" {
		t.Errorf("hits %+v; want one with client_subnet 198.51.100.0/24", hits)
	}
}

func TestFloodFromOneResolverIsLimited(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{Zone: zone, NS: testNS, PerAddress: canary.Limit{Rate: 0.001, Burst: 3}}, sink)
	flood := client("udp", "127.0.0.2")
	tok := canary.NewToken()
	var rcodes []string
	for i := range 10 { // ten uses: ten names (a repeated name is one use)
		rcodes = append(rcodes, dns.RcodeToString[exchange(t, flood, addr, fmt.Sprintf("h%d-%s.%s", i, tok, zone), dns.TypeA).Rcode])
	}
	if got, want := strings.Join(rcodes, " "), "NXDOMAIN NXDOMAIN NXDOMAIN"+strings.Repeat(" REFUSED", 7); got != want {
		t.Errorf("answers to the flood: %s; want %s", got, want)
	}
	if r := exchange(t, client("udp", "127.0.0.1"), addr, tok+"."+zone, dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("another resolver got %s; want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	from := map[string]int{}
	for _, h := range sink.Hits() {
		from[h.Remote.Addr().String()]++
	}
	if from["127.0.0.2"] != 3 || from["127.0.0.1"] != 1 {
		t.Errorf("hits by resolver %v; want 3 from the flooding 127.0.0.2 and 1 from 127.0.0.1", from)
	}
}

func TestBadConfigIsAClearError(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{NS: testNS}, "zone: empty name"},
		{Config{Zone: ".", NS: testNS}, "root"},
		{Config{Zone: "a..example.com", NS: testNS}, "not a domain name"},
		{Config{Zone: "bad name.example.com", NS: testNS}, "not a domain name"},
		{Config{Zone: zone}, "at least one name server"},
		{Config{Zone: zone, NS: []string{"ns1..example.net"}}, "name server"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg, &canarytest.Sink{}, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v; want an error with %q", tt.cfg, err, tt.want)
		}
	}
	s, err := New(Config{Zone: zone, NS: testNS}, &canarytest.Sink{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(context.Background(), nil, nil); err == nil {
		t.Error("Serve with neither socket returned nil")
	}
}

func TestNameServerInsideTheZoneIsNoHit(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{Zone: zone, NS: []string{"NS1." + zone}}, sink)
	r := exchange(t, client("udp", "127.0.0.1"), addr, "ns1."+zone, dns.TypeA)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || len(r.Ns) != 1 || !r.Authoritative {
		t.Errorf("A of the zone's own name server: %s, %d answers, %d authority; want NOERROR with no address and the SOA", dns.RcodeToString[r.Rcode], len(r.Answer), len(r.Ns))
	}
	if n := len(sink.Hits()); n != 0 {
		t.Errorf("%d hits for the name server's own name; want 0", n)
	}
}
