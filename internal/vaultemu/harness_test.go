package vaultemu_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// start runs a TLS emulator for the test and returns it with an official
// client holding the root token.
func start(t *testing.T, opts vaultemu.Options) (*vaultemu.Server, *api.Client) {
	t.Helper()
	s, err := vaultemu.NewTLSServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, client(t, s, s.RootToken())
}

// client is an official client of s with token, over TLS trusting only
// the emulator's CA, with no retries (a 5xx must show, not be retried).
func client(t *testing.T, s *vaultemu.Server, token string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = s.URL()
	cfg.MaxRetries = 0
	cfg.Timeout = 30 * time.Second
	if err := cfg.ConfigureTLS(&api.TLSConfig{CACertBytes: s.CACertPEM()}); err != nil {
		t.Fatal(err)
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(token)
	return c
}

// statusOf is the HTTP status of a client error; 0 when it is not a
// response error.
func statusOf(err error) int {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// readEntries decodes every line of an audit file (after its prefix).
func readEntries(t *testing.T, path, prefix string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\n") {
			t.Fatalf("audit line without its newline: %q", line)
		}
		out = append(out, decodeLine(t, line, prefix))
	}
	return out
}

func decodeLine(t *testing.T, line, prefix string) map[string]any {
	t.Helper()
	rest, ok := strings.CutPrefix(line, prefix)
	if !ok {
		t.Fatalf("audit line %q lacks prefix %q", line, prefix)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(rest), &m); err != nil {
		t.Fatalf("audit line %q: %v", line, err)
	}
	return m
}

// get walks a decoded entry by keys ("request", "path").
func get(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// tcpCollector accepts audit connections on 127.0.0.1 and sends each line
// it reads on lines.
type tcpCollector struct {
	ln    net.Listener
	lines chan string
	conns chan struct{} // one value per accepted connection

	mu       sync.Mutex
	accepted []net.Conn
}

func newTCPCollector(t *testing.T) *tcpCollector {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &tcpCollector{ln: ln, lines: make(chan string, 1000), conns: make(chan struct{}, 100)}
	t.Cleanup(func() { ln.Close(); closeAccepted(c) })
	go c.accept(ln)
	return c
}

func (c *tcpCollector) accept(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		c.accepted = append(c.accepted, conn)
		c.mu.Unlock()
		c.conns <- struct{}{}
		go func() {
			defer conn.Close()
			sc := bufio.NewScanner(conn)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				c.lines <- sc.Text() + "\n"
			}
		}()
	}
}

// closeAccepted closes every connection the collector accepted so far, as
// a collector that restarts does.
func closeAccepted(c *tcpCollector) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.accepted {
		conn.Close()
	}
	c.accepted = nil
}

// next waits for the next line, failing the test after a generous bound
// (the entry was written before the call returned; only the reading
// goroutine may lag on a loaded machine).
func (c *tcpCollector) next(t *testing.T) string {
	t.Helper()
	select {
	case l := <-c.lines:
		return l
	case <-time.After(30 * time.Second):
		t.Fatal("no audit line arrived on the socket")
		return ""
	}
}

// jsonNumber is a number as the client decodes it (json.Number).
func jsonNumber(s string) any { return json.Number(s) }
