package emucert

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// A client trusting the CA completes a handshake with the leaf under each
// name and address it was made for, and refuses another name.
func TestLeafVerifiesUnderItsNames(t *testing.T) {
	a, err := New(time.Now(), "test CA", "svc.example", []string{"localhost", "svc.example"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{a.Leaf}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	for name, ok := range map[string]bool{"localhost": true, "svc.example": true, "127.0.0.1": true, "other.example": false} {
		c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: a.Pool, ServerName: name})
		if (err == nil) != ok {
			t.Errorf("%s: err %v, want ok=%v", name, err, ok)
		}
		if c != nil {
			c.Close()
		}
	}
	if _, _, err := net.SplitHostPort(l.Addr().String()); err != nil || len(a.CAPEM) == 0 {
		t.Errorf("CA PEM empty or bad address: %v", err)
	}
}
