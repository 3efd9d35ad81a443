// Package httpcanary is the HTTP canary listener: decoy values that are
// URLs with an embedded credential (a webhook URL, an API endpoint with a
// key in its path or query, a basic-auth URL) point at it, and any request
// to it is a use. It records the request, hands a Hit to a Sink and then
// answers as a plausible service would: the same answer whether the
// request carried a token or not, so a caller learns nothing.
package httpcanary

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// Bounds on the work one client can cause.
const (
	maxHeaderBytes = 8 << 10
	maxBodyBytes   = 4 << 10 // read (and thrown away) so keep-alive works; more closes the connection
	readTimeout    = 10 * time.Second
	writeTimeout   = 10 * time.Second
	idleTimeout    = 30 * time.Second
	shutdownGrace  = 5 * time.Second
)

// Config is the listener's settings. The zero value is a valid
// configuration.
type Config struct {
	// PerAddress limits the hits one source address records; requests
	// beyond it get the same answer and record nothing.
	PerAddress canary.Limit
	// Conns bounds the connections served at once, in all and per source
	// address (canary.DefaultConnLimit when zero); one beyond is closed
	// unserved.
	Conns canary.ConnLimit
	// ServerName, when set, is sent as the Server header (e.g. "nginx"),
	// so the listener looks like the service its URLs imitate.
	ServerName string
}

// Server is an HTTP canary listener.
type Server struct {
	cfg Config
	rec *canary.Recorder
	log *slog.Logger
}

// New returns a Server handing its hits to sink. A nil log discards.
func New(cfg Config, sink canary.Sink, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, rec: canary.NewRecorder(sink, cfg.PerAddress, log), log: log}
}

// Serve answers requests on l until ctx ends, then shuts down (letting
// requests under way finish for a few seconds) and returns nil. It
// returns another error only when l fails.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: readTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()
	err := srv.Serve(canary.LimitConns(l, s.cfg.Conns, func(remote netip.AddrPort) {
		s.log.Debug("httpcanary: connection refused, over the limit", "remote", remote)
	}))
	close(done)
	<-stopped
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
