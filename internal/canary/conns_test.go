package canary

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// dialFrom connects to addr from the loopback address src.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: time.Minute}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Connections beyond a source's share, or beyond the total, are closed
// unserved and reported; a connection closed gives its place back. Each
// step waits for what the listener did with the connection just dialled:
// accepted or refused, in the order they came.
func TestLimitConnsPerAddressAndTotal(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := make(chan netip.Addr, 10)
	l := LimitConns(inner, ConnLimit{Total: 3, PerAddress: 2}, func(r netip.AddrPort) { refused <- r.Addr() })
	defer l.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	addr := inner.Addr().String()
	expect := func(src string, wantAccepted bool) net.Conn {
		t.Helper()
		dialFrom(t, src, addr)
		select {
		case c := <-accepted:
			if !wantAccepted {
				t.Fatalf("a connection from %s was accepted; want it refused", src)
			}
			if got := RemoteAddr(c.RemoteAddr().String()).Addr().String(); got != src {
				t.Fatalf("accepted a connection from %s; want %s", got, src)
			}
			return c
		case a := <-refused:
			if wantAccepted {
				t.Fatalf("a connection from %s was refused; want it accepted", a)
			}
			if a.String() != src {
				t.Fatalf("refused a connection from %s; want %s", a, src)
			}
			return nil
		case <-time.After(time.Minute): // a bound on failure, not a wait for success
			t.Fatalf("the connection from %s was neither accepted nor refused", src)
		}
		return nil
	}
	first := expect("127.0.0.2", true)
	expect("127.0.0.2", true)
	expect("127.0.0.2", false) // its share is 2
	expect("127.0.0.3", true)  // another source still gets in
	expect("127.0.0.4", false) // the total is 3
	first.Close()
	first.Close() // a second Close gives back nothing more
	expect("127.0.0.4", true)
	expect("127.0.0.5", false)
}
