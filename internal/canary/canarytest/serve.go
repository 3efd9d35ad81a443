package canarytest

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// ServeTCP runs serve on a listener on 127.0.0.1 and returns its address;
// it stops at the end of the test, which fails if serve does not return
// nil once its context ended.
func ServeTCP(t testing.TB, serve func(context.Context, net.Listener) error) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve returned %v after its context ended; want nil", err)
		}
	})
	return l.Addr().String()
}

// HoldConns opens n connections from the loopback address src to addr
// and sends nothing on them, as a flood of idle clients does; they close
// when the test ends.
func HoldConns(t testing.TB, src, addr string, n int) []net.Conn {
	t.Helper()
	var out []net.Conn
	for range n {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: time.Minute}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		out = append(out, c)
	}
	return out
}

// Closed waits until the server closes c, having sent nothing: what a
// listener does with a connection over its limits. It fails the test if
// the server sends anything, or has not closed c within a minute.
func Closed(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(time.Minute)) // a bound on failure, not a wait for success
	n, err := c.Read(make([]byte, 1))
	if n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection from %s: read %d bytes, %v; want it closed unserved", c.LocalAddr(), n, err)
	}
}
