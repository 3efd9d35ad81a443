package dnscanary

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// respond answers req, asked by remote over TCP or UDP: nil when it gets
// no answer. A name under the zone is a hit, handed to the sink before
// the answer is made (nothing in the answer depends on the sink).
func (s *Server) respond(ctx context.Context, req *dns.Msg, remote netip.AddrPort, tcp bool) *dns.Msg {
	if req.Response || len(req.Question) != 1 {
		return nil // the server's accept check answers these itself; a caller here gets nothing
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = false // authoritative only: never recurse, say so
	size := dns.MinMsgSize
	opt := req.IsEdns0()
	if opt != nil {
		size = min(max(int(opt.UDPSize()), dns.MinMsgSize), maxUDPSize)
		m.SetEdns0(maxUDPSize, false)
	}
	if tcp {
		size = dns.MaxMsgSize
	}
	defer m.Truncate(size) // never more than the client may receive: TC rather than amplify
	switch {
	case opt != nil && opt.Version() != 0:
		m.SetRcode(req, dns.RcodeBadVers)
		return m
	case req.Opcode != dns.OpcodeQuery:
		m.SetRcode(req, dns.RcodeNotImplemented)
		return m
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY || !dns.IsSubDomain(s.zone, name) {
		m.Rcode = dns.RcodeRefused // not ours: no hit, no referral
		return m
	}
	m.Authoritative = true
	if name == s.zone {
		s.answerApex(m, q.Qtype)
		return m
	}
	if slices.Contains(s.ns, name) {
		m.Ns = append(m.Ns, s.soa()) // a name server's own name: exists, no hit (its address is the parent's glue)
		return m
	}
	if err := s.recordOnce(ctx, req, name, remote, tcp); errors.Is(err, canary.ErrRateLimited) {
		m.Authoritative = false
		m.Rcode = dns.RcodeRefused
		return m
	}
	m.Rcode = dns.RcodeNameError
	m.Ns = append(m.Ns, s.soa())
	return m
}

// recordOnce records the question as a hit unless it repeats a use the
// same resolver's earlier query of the same name recorded within the
// window (a resolver asks A and AAAA, and retries): one use, one alert.
// A repeat is answered as its first query was, and waits for that
// query's hit to be stored, so its answer never comes first.
func (s *Server) recordOnce(ctx context.Context, req *dns.Msg, name string, remote netip.AddrPort, tcp bool) error {
	k := useKey{resolver: remote.Addr().Unmap(), name: name}
	for {
		u, first := s.uses.claim(k)
		if first {
			err := s.rec.Record(ctx, s.hit(req, name, remote, tcp))
			s.uses.settle(u, err == nil)
			return err
		}
		if s.uses.wasRecorded(u) {
			s.log.Debug("dnscanary: a repeat of a recorded use, not recorded", "remote", remote, "qname", req.Question[0].Name)
			return nil
		}
		// Its first query's hit was not stored: this query is the use now.
	}
}

// answerApex answers a question about the zone itself.
func (s *Server) answerApex(m *dns.Msg, qtype uint16) {
	switch qtype {
	case dns.TypeSOA, dns.TypeANY: // ANY: one record is a full answer (RFC 8482)
		m.Answer = append(m.Answer, s.soa())
	case dns.TypeNS:
		for _, ns := range s.ns {
			m.Answer = append(m.Answer, &dns.NS{Hdr: s.header(dns.TypeNS), Ns: ns})
		}
	case dns.TypeAXFR, dns.TypeIXFR:
		m.Authoritative = false
		m.Rcode = dns.RcodeRefused
	default:
		m.Ns = append(m.Ns, s.soa())
	}
}

func (s *Server) header(rrtype uint16) dns.RR_Header {
	return dns.RR_Header{Name: s.zone, Rrtype: rrtype, Class: dns.ClassINET, Ttl: s.ttl}
}

// soa is the zone's SOA record. Its minimum (how long a resolver caches a
// name's absence) is the TTL, so a repeated lookup comes back soon.
func (s *Server) soa() dns.RR {
	return &dns.SOA{
		Hdr:     s.header(dns.TypeSOA),
		Ns:      s.ns[0],
		Mbox:    "hostmaster." + s.zone,
		Serial:  serial,
		Refresh: 7200,
		Retry:   3600,
		Expire:  1209600,
		Minttl:  s.ttl,
	}
}

// serial is the zone's serial number: the day the listener started, in
// the usual YYYYMMDDnn form. The zone has no secondaries to notice it.
var serial = func() uint32 {
	var n uint32
	fmt.Sscanf(time.Now().UTC().Format("20060102")+"01", "%d", &n)
	return n
}()

// hit records the question: the name asked (the token is in its labels
// left of the zone), its type, and the client subnet a resolver passed on.
func (s *Server) hit(req *dns.Msg, name string, remote netip.AddrPort, tcp bool) canary.Hit {
	q := req.Question[0]
	d := map[string]string{
		"qname": canary.Clip(q.Name),
		"qtype": dns.Type(q.Qtype).String(),
		"proto": "udp",
	}
	if tcp {
		d["proto"] = "tcp"
	}
	if opt := req.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if ecs, ok := o.(*dns.EDNS0_SUBNET); ok && ecs.Address != nil {
				d["client_subnet"] = canary.Clip(fmt.Sprintf("%s/%d", ecs.Address, ecs.SourceNetmask))
			}
		}
	}
	return canary.Hit{
		Kind:   canary.KindDNS,
		Token:  canary.FindToken(strings.TrimSuffix(name, s.zone)),
		Remote: remote,
		At:     time.Now(),
		Detail: d,
	}
}
