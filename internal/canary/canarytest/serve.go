package canarytest

import (
	"context"
	"net"
	"testing"
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
