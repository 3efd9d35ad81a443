// Package dnscanary is the DNS canary listener: an authoritative name
// server for one delegated zone. Decoy values carry host names under the
// zone (in connection strings, endpoints), so even a lookup — a tool
// resolving the host before it connects — is a use, seen from the
// resolver that asked. It never recurses, answers nothing outside its
// zone, and never answers with more bytes than the query allows.
package dnscanary

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// Bounds on the work queries can cause.
const (
	maxInFlight   = 256 // queries being answered at once; more are dropped unanswered
	ioTimeout     = 2 * time.Second
	tcpIdle       = 8 * time.Second
	maxTCPQueries = 128 // per TCP connection
	defaultTTL    = 60
	// maxUDPSize caps what an EDNS0 client may ask for: the size DNS
	// flag day 2020 settled on, below which no fragment is sent.
	maxUDPSize = 1232
)

// Config is the listener's settings.
type Config struct {
	// Zone is the delegated zone the listener is authoritative for,
	// e.g. "canary.example.com." (the final dot may be left out).
	Zone string
	// NS are the names of the zone's name servers, as the parent zone's
	// NS records name them; at least one.
	NS []string
	// TTL of the answers, and how long a resolver caches a name's
	// absence (the SOA minimum); 0 means 60 s, so a repeated use through
	// the same resolver is seen again soon.
	TTL uint32
	// PerAddress limits the hits one resolver address records; queries
	// beyond it are REFUSED and record nothing.
	PerAddress canary.Limit
	// RepeatWindow is how long the same resolver's queries of the same
	// name (case folded, any type) are one use, recorded once and all
	// answered alike; 0 means DefaultRepeatWindow.
	RepeatWindow time.Duration
}

// Server is a DNS canary listener.
type Server struct {
	zone     string // lowercase, fully qualified
	ns       []string
	ttl      uint32
	rec      *canary.Recorder
	uses     *recentUses
	log      *slog.Logger
	inFlight chan struct{}
}

// New returns a Server for cfg's zone handing its hits to sink, or an
// error naming what in cfg is wrong. A nil log discards.
func New(cfg Config, sink canary.Sink, log *slog.Logger) (*Server, error) {
	zone, err := fqdn("zone", cfg.Zone)
	if err != nil {
		return nil, err
	}
	if zone == "." {
		return nil, errors.New("dnscanary: zone: the root cannot be a canary zone")
	}
	if len(cfg.NS) == 0 {
		return nil, fmt.Errorf("dnscanary: zone %s: at least one name server name is needed (NS)", zone)
	}
	s := &Server{zone: zone, ttl: cfg.TTL, inFlight: make(chan struct{}, maxInFlight)}
	for _, n := range cfg.NS {
		name, err := fqdn("name server", n)
		if err != nil {
			return nil, err
		}
		s.ns = append(s.ns, name)
	}
	if s.ttl == 0 {
		s.ttl = defaultTTL
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.log = log
	s.rec = canary.NewRecorder(sink, cfg.PerAddress, log)
	s.uses = newRecentUses(cfg.RepeatWindow)
	return s, nil
}

// fqdn checks name is a domain name and returns it lowercase with its
// final dot.
func fqdn(what, name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return "", fmt.Errorf("dnscanary: %s: empty name", what)
	}
	if _, ok := dns.IsDomainName(name); !ok || strings.ContainsAny(name, " \\\"()") {
		return "", fmt.Errorf("dnscanary: %s %q: not a domain name", what, name)
	}
	return dns.Fqdn(name), nil
}

// Serve answers queries on udp and tcp (either may be nil, not both)
// until ctx ends, then returns nil. It returns another error when a
// socket fails.
func (s *Server) Serve(ctx context.Context, udp net.PacketConn, tcp net.Listener) error {
	if udp == nil && tcp == nil {
		return errors.New("dnscanary: Serve needs a UDP socket, a TCP listener or both")
	}
	errc := make(chan error, 2)
	var runs []*run
	if udp != nil {
		runs = append(runs, s.start(&dns.Server{PacketConn: udp, UDPSize: dns.MaxMsgSize}, errc))
	}
	if tcp != nil {
		runs = append(runs, s.start(&dns.Server{Listener: tcp}, errc))
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc: // a socket failed: stop the other too
		err = fmt.Errorf("dnscanary: %w", err)
	}
	for _, r := range runs {
		r.stop()
	}
	return err
}

// run is one dns.Server being served.
type run struct {
	srv      *dns.Server
	started  chan struct{}
	finished chan struct{}
}

// start serves srv, sending ActivateAndServe's error to errc when it ends.
func (s *Server) start(srv *dns.Server, errc chan<- error) *run {
	r := &run{srv: srv, started: make(chan struct{}), finished: make(chan struct{})}
	srv.Handler = dns.HandlerFunc(s.serveDNS)
	srv.ReadTimeout = ioTimeout
	srv.WriteTimeout = ioTimeout
	srv.IdleTimeout = func() time.Duration { return tcpIdle }
	srv.MaxTCPQueries = maxTCPQueries
	srv.NotifyStartedFunc = func() { close(r.started) }
	go func() {
		defer close(r.finished)
		if err := srv.ActivateAndServe(); err != nil {
			errc <- err
		}
	}()
	return r
}

// stop shuts r down once it has started (a shutdown before that is
// refused and would leave it serving) and waits for it to end.
func (r *run) stop() {
	select {
	case <-r.started:
		ctx, cancel := context.WithTimeout(context.Background(), canary.SinkTimeout)
		defer cancel()
		r.srv.ShutdownContext(ctx) // an error means it had stopped already
		<-r.finished
	case <-r.finished: // it failed before it started
	}
}

func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	select {
	case s.inFlight <- struct{}{}:
		defer func() { <-s.inFlight }()
	default:
		return // overloaded: dropping is the one answer that costs nothing
	}
	_, isTCP := w.RemoteAddr().(*net.TCPAddr)
	resp := s.respond(context.Background(), req, canary.RemoteAddr(w.RemoteAddr().String()), isTCP)
	if resp != nil {
		w.WriteMsg(resp) // a client gone is nothing to act on
	}
}
