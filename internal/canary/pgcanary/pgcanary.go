// Package pgcanary is the PostgreSQL canary listener: decoy connection
// strings point at it, and a connection attempt is a use. It speaks the
// wire protocol as far as authentication: it declines TLS and GSSAPI
// encryption, takes the startup message, asks for the password in clear
// text, hands a Hit to a Sink and then fails the login exactly as
// PostgreSQL does (FATAL 28P01).
//
// It asks for a cleartext password, not MD5 or SCRAM, because only the
// cleartext password carries the token that names the decoy: an MD5 or
// SCRAM answer is a salted hash the listener could match only by trying
// every token it knows. Clients send a cleartext password when asked
// unless told not to (libpq's require_auth, pgx's channel binding): a
// client that refuses still records its user and database.
package pgcanary

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// Bounds on the work one client can cause.
const (
	defaultMaxConns = 128     // in all, when Config.Conns sets none
	maxBodyLen      = 4 << 10 // a password message; startup packets are bounded by pgproto3 (10,000 bytes)
	connTimeout     = 10 * time.Second
	maxNegotiates   = 4 // SSLRequest/GSSENCRequest rounds before a startup message
)

// Config is the listener's settings. The zero value is a valid
// configuration.
type Config struct {
	// PerAddress limits the hits one source address records; attempts
	// beyond it fail the same way and record nothing.
	PerAddress canary.Limit
	// Conns bounds the connections served at once, in all and per source
	// address (128 in all and canary.DefaultConnLimit's share when
	// zero); one beyond is closed unserved, as an overloaded server would.
	Conns canary.ConnLimit
}

// Server is a PostgreSQL canary listener.
type Server struct {
	rec   *canary.Recorder
	log   *slog.Logger
	conns canary.ConnLimit
}

// New returns a Server handing its hits to sink. A nil log discards.
func New(cfg Config, sink canary.Sink, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Conns.Total <= 0 {
		cfg.Conns.Total = defaultMaxConns
	}
	return &Server{rec: canary.NewRecorder(sink, cfg.PerAddress, log), log: log, conns: cfg.Conns}
}

// Serve accepts connections on l until ctx ends, then closes l, waits for
// the connections under way (each bounded by a deadline) and returns nil.
// It returns another error when l fails.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	// Wrapped before the closer is armed: the closer runs on another
	// goroutine and must see the listener it closes already set.
	l = canary.LimitConns(l, s.conns, func(remote netip.AddrPort) {
		s.log.Debug("pgcanary: connection refused, over the limit", "remote", remote)
	})
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	var backoff time.Duration
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors and the like: wait as net/http
			// does, rather than spin or give up.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("pgcanary: accept failed", "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return nil
			}
			continue
		}
		backoff = 0
		wg.Go(func() {
			s.serveConn(context.WithoutCancel(ctx), conn)
		})
	}
}
