package vaultsocket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/store"
)

const waitFor = 20 * time.Second // a loaded CI machine; never reached when things work

// entry is a Vault audit entry, unique by conn and i.
func entry(conn, i int) string {
	t := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC).Add(time.Duration(conn*100000+i) * time.Millisecond)
	return fmt.Sprintf(`{"time":%q,"type":"response","auth":{"accessor":"hmac-sha256:ab","display_name":"token"},"request":{"id":"c%d-%d","operation":"read","mount_point":"secret/","mount_type":"kv","path":"secret/data/app/s-%d","remote_address":"203.0.113.7"}}`,
		t.Format(time.RFC3339Nano), conn, i, i)
}

// start runs a source on a free loopback port until the test ends.
func start(t *testing.T, env *ingesttest.Env, cfg Config, sub func(*ingesttest.Env) *ingesttest.Flaky) (*Source, string) {
	t.Helper()
	cfg.Name, cfg.Addr = "vault", "127.0.0.1:0"
	s := New(cfg, nil)
	r := env.Runner("vault", "vaultsocket", s)
	if sub != nil {
		r.Submitter = sub(env)
	}
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "the listener", func() bool { return s.Addr() != nil })
	return s, s.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, c net.Conn, lines ...string) {
	t.Helper()
	if _, err := io.WriteString(c, strings.Join(lines, "\n")+"\n"); err != nil {
		t.Fatal(err)
	}
}

func TestEntriesFromSeveralConnectionsAndReconnects(t *testing.T) {
	env := ingesttest.New(t)
	_, addr := start(t, env, Config{VaultCluster: "prod"}, nil)
	conns := []net.Conn{dial(t, addr), dial(t, addr), dial(t, addr)}
	for n, c := range conns {
		for i := range 200 {
			send(t, c, entry(n, i))
		}
	}
	ingesttest.Eventually(t, waitFor, "600 entries stored", func() bool { return env.Events() == 600 })
	// Vault reconnects after an error: a new connection goes on.
	conns[0].Close()
	c := dial(t, addr)
	send(t, c, entry(0, 199), entry(0, 200)) // the last entry again, and a new one
	ingesttest.Eventually(t, waitFor, "601 entries stored", func() bool { return env.Events() == 601 })

	evs, err := env.Store.ListEvents(context.Background(), store.EventFilter{Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatal(evs, err)
	}
	if got, want := evs[0].Event.VaultName, "prod/secret"; got != want {
		t.Errorf("stored under store %q; want %q (the source's cluster)", got, want)
	}
}

func TestLongLineIsDeadLetteredAndTheConnectionGoesOn(t *testing.T) {
	env := ingesttest.New(t)
	_, addr := start(t, env, Config{MaxLineBytes: 1024}, nil)
	c := dial(t, addr)
	send(t, c, entry(1, 1), `{"type":"request","x":"`+strings.Repeat("a", 5000)+`"}`, entry(1, 2), "not json")
	ingesttest.Eventually(t, waitFor, "2 entries and 2 dead letters", func() bool {
		return env.Events() == 2 && len(env.DeadLetters()) == 2
	})
	dl := env.DeadLetters()
	if !strings.Contains(dl[0].Reason, "line longer than 1024 bytes") || dl[0].Raw != "" || !strings.Contains(dl[0].Position, ":2") {
		t.Errorf("long line dead letter %+v", dl[0])
	}
	if !strings.Contains(dl[1].Position, ":4") {
		t.Errorf("malformed line dead letter at %q; want line 4", dl[1].Position)
	}
}

func TestConnectionsAreBounded(t *testing.T) {
	env := ingesttest.New(t)
	s, addr := start(t, env, Config{MaxConnections: 1}, nil)
	first := dial(t, addr)
	ingesttest.Eventually(t, waitFor, "one connection served", func() bool { return s.Connections() == 1 })
	second := dial(t, addr)
	second.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := second.Read(make([]byte, 1)); !closedByPeer(err) {
		t.Fatalf("a connection over the bound: read %v; want it closed by the source", err)
	}
	first.Close()
	ingesttest.Eventually(t, waitFor, "the connection gone", func() bool { return s.Connections() == 0 })
	send(t, dial(t, addr), entry(2, 1))
	ingesttest.Eventually(t, waitFor, "the entry of a connection in the freed slot", func() bool { return env.Events() == 1 })
}

func TestAllowFrom(t *testing.T) {
	env := ingesttest.New(t)
	_, addr := start(t, env, Config{AllowFrom: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, nil)
	c := dial(t, addr)
	send(t, c, entry(3, 1))
	c.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := c.Read(make([]byte, 1)); !closedByPeer(err) {
		t.Fatalf("a connection from outside allow_from: read %v; want it closed by the source", err)
	}
	if n := env.Events(); n != 0 {
		t.Errorf("%d entries stored from a refused peer", n)
	}
}

// TestFailedStoreKeepsTheBatch checks that entries whose store failed are
// offered again, not dropped, and stored once.
func TestFailedStoreKeepsTheBatch(t *testing.T) {
	env := ingesttest.New(t)
	var flaky *ingesttest.Flaky
	_, addr := start(t, env, Config{}, func(e *ingesttest.Env) *ingesttest.Flaky {
		flaky = &ingesttest.Flaky{Next: e.Pipeline}
		flaky.Fail.Store(3)
		return flaky
	})
	c := dial(t, addr)
	for i := range 50 {
		send(t, c, entry(4, i))
	}
	ingesttest.Eventually(t, waitFor, "50 entries stored", func() bool { return env.Events() == 50 })
	if flaky.Calls.Load() < 4 {
		t.Errorf("%d submits; the 3 failures were not retried", flaky.Calls.Load())
	}
}

// closedByPeer reports whether a read failed because the source closed
// the connection: EOF, or a reset when unread bytes were pending.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// TestLineLikeGzipCostsItself checks that a line starting with gzip's
// magic bytes (which make the decoder read a chunk as compressed) is a
// dead letter and the connection goes on.
func TestLineLikeGzipCostsItself(t *testing.T) {
	env := ingesttest.New(t)
	_, addr := start(t, env, Config{}, nil)
	c := dial(t, addr)
	send(t, c, "\x1f\x8bnot gzip")
	ingesttest.Eventually(t, waitFor, "a dead letter", func() bool { return len(env.DeadLetters()) == 1 })
	send(t, c, entry(7, 1))
	ingesttest.Eventually(t, waitFor, "the next entry stored", func() bool { return env.Events() == 1 })
}
