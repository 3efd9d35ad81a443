package app

import (
	"context"
	"errors"
	"net"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/dnscanary"
	"github.com/honeyvault/honeyvault/internal/canary/httpcanary"
	"github.com/honeyvault/honeyvault/internal/canary/pgcanary"
	"github.com/honeyvault/honeyvault/internal/config"
)

// CanaryListeners are the sockets of the canary listeners (README "Canary
// listeners"): nil where the listener is off. BindCanaryListeners opens
// them from the settings; a caller that needs their addresses before the
// server exists (the lab plants values pointing at them first) binds them
// itself and hands them to New with WithCanaryListeners.
type CanaryListeners struct {
	HTTP     net.Listener
	DNSUDP   net.PacketConn // the DNS listener answers on UDP and TCP, same address
	DNSTCP   net.Listener
	Postgres net.Listener
}

// WithCanaryListeners makes New serve the canary listeners on ls instead
// of binding the canary.*.listen settings. The Server owns them from then
// on, even when New fails.
func WithCanaryListeners(ls *CanaryListeners) Option {
	return func(opts *options) { opts.canaries = ls }
}

// BindCanaryListeners binds every canary listener whose listen address c
// sets. A bind failure closes what was bound and is an error naming the
// setting.
func BindCanaryListeners(c config.Canary) (_ *CanaryListeners, err error) {
	ls := &CanaryListeners{}
	defer func() {
		if err != nil {
			ls.Close()
		}
	}()
	if c.HTTP.Listen != "" {
		if ls.HTTP, err = net.Listen("tcp", c.HTTP.Listen); err != nil {
			return nil, &config.Error{Setting: "canary.http.listen", Err: err}
		}
	}
	if c.DNS.Listen != "" {
		if ls.DNSUDP, ls.DNSTCP, err = bindDNS(c.DNS.Listen); err != nil {
			return nil, &config.Error{Setting: "canary.dns.listen", Err: err}
		}
	}
	if c.Postgres.Listen != "" {
		if ls.Postgres, err = net.Listen("tcp", c.Postgres.Listen); err != nil {
			return nil, &config.Error{Setting: "canary.postgres.listen", Err: err}
		}
	}
	return ls, nil
}

// dnsBindTries bounds the search for a port free on both UDP and TCP when
// the setting leaves the port to the system (port 0).
const dnsBindTries = 20

// bindDNS binds UDP and TCP on the same address. With port 0 the UDP port
// the system picks may be taken on TCP: then another is tried.
func bindDNS(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	for try := 0; ; try++ {
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		_, got, _ := net.SplitHostPort(udp.LocalAddr().String())
		tcp, err := net.Listen("tcp", net.JoinHostPort(host, got))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if port != "0" || try == dnsBindTries {
			return nil, nil, err
		}
	}
}

// Close closes every socket held.
func (ls *CanaryListeners) Close() error {
	var errs []error
	for _, c := range []interface{ Close() error }{ls.HTTP, ls.DNSUDP, ls.DNSTCP, ls.Postgres} {
		if c != nil { // a nil socket converts to a nil interface
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// Addr returns the address kind k's listener listens on, "" when it is
// off. For DNS it is the UDP address; TCP has the same port.
func (ls *CanaryListeners) Addr(k canary.Kind) string {
	switch {
	case k == canary.KindHTTP && ls.HTTP != nil:
		return ls.HTTP.Addr().String()
	case k == canary.KindDNS && ls.DNSUDP != nil:
		return ls.DNSUDP.LocalAddr().String()
	case k == canary.KindPostgres && ls.Postgres != nil:
		return ls.Postgres.Addr().String()
	}
	return ""
}

// CanaryAddr returns where the Server's canary listener of kind k
// listens, "" when it is off.
func (s *Server) CanaryAddr(k canary.Kind) string {
	if s.canaryListeners == nil {
		return ""
	}
	return s.canaryListeners.Addr(k)
}

// canaryTasks turns the listeners into tasks serving them until the
// server stops, each handing its hits to s.canaries. Every replica runs
// them: a use can reach any.
func (s *Server) canaryTasks(c config.Canary, ls *CanaryListeners) ([]func(context.Context), error) {
	var tasks []func(context.Context)
	run := func(kind canary.Kind, serve func(context.Context) error) {
		addr := ls.Addr(kind)
		tasks = append(tasks, func(ctx context.Context) {
			s.log.Info("canary listener listening", "kind", kind, "addr", addr)
			if err := serve(ctx); err != nil {
				s.log.Error("canary listener stopped", "kind", kind, "addr", addr, "err", err)
			}
		})
	}
	log := s.log.With("component", "canary")
	if ls.HTTP != nil {
		h := httpcanary.New(httpcanary.Config{}, s.canaries, log)
		run(canary.KindHTTP, func(ctx context.Context) error { return h.Serve(ctx, ls.HTTP) })
	}
	if ls.DNSUDP != nil || ls.DNSTCP != nil {
		d, err := dnscanary.New(dnscanary.Config{Zone: c.DNS.Zone, NS: c.DNS.NS}, s.canaries, log)
		if err != nil {
			return nil, &config.Error{Setting: "canary.dns", Err: err}
		}
		run(canary.KindDNS, func(ctx context.Context) error { return d.Serve(ctx, ls.DNSUDP, ls.DNSTCP) })
	}
	if ls.Postgres != nil {
		p := pgcanary.New(pgcanary.Config{}, s.canaries, log)
		run(canary.KindPostgres, func(ctx context.Context) error { return p.Serve(ctx, ls.Postgres) })
	}
	return tasks, nil
}
