package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
)

// background is a Server serving on a free 127.0.0.1 port until stop is
// called or the test ends.
type background struct {
	*Server
	addr string // host:port it listens on

	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// serveInBackground starts cfg's Server, logging to log (nothing when nil),
// with vault discovery and reconcile off unless opts point them somewhere
// (WithAzure).
func serveInBackground(t testing.TB, cfg config.Config, log *slog.Logger, opts ...Option) *background {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(opts) == 0 {
		// Without an emulator to discover (WithAzure), no test reaches
		// Azure: DefaultAzureCredential would probe for one.
		cfg.Inventory.Interval = "off"
		cfg.Reconcile.Interval = "off"
		cfg.Heartbeat.Interval = "off"
		cfg.Diagnostics.Interval = "off"
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg, log, opts...)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		srv.Store.Close()
		t.Fatal(err)
	}
	b := &background{Server: srv, addr: l.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() { b.stop() })
	return b
}

// errServeHung is stop's answer when Serve does not return.
var errServeHung = errors.New("Serve did not return within a minute of its context ending")

// url is path on the server over plain HTTP.
func (b *background) url(path string) string { return "http://" + b.addr + path }

// page fetches a console page as the admin sees it, failing the test
// unless it answers 200. path is escaped (decoy names may hold any
// character a page path carries).
func (b *background) page(t *testing.T, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", b.url((&url.URL{Path: path}).EscapedPath()), nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	return string(body)
}

// metrics is a scrape of /metrics with token ("" for none): with the
// metrics token it holds the series that reveal detection too.
func (b *background) metrics(t *testing.T, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", b.url("/metrics"), nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// stop ends Serve's context and returns what Serve returned. A minute is
// a failure bound: a Serve that has not returned by then never will.
func (b *background) stop() error {
	b.once.Do(func() {
		b.cancel()
		select {
		case b.err = <-b.done:
		case <-time.After(time.Minute):
			b.err = errServeHung
		}
	})
	return b.err
}
