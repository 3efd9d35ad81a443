package pgcanary

import (
	"context"
	"io"
	"net"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// FuzzConn feeds raw startup and password bytes to a connection over
// net.Pipe: whatever they hold, the connection ends, at most one hit is
// recorded, and its token and Detail values are well formed.
func FuzzConn(f *testing.F) {
	startup := &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "svc", "database": "db", "application_name": "psql"}}
	b, err := startup.Encode(nil)
	if err != nil {
		f.Fatal(err)
	}
	b, err = (&pgproto3.PasswordMessage{Password: canary.NewToken()}).Encode(b)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	ssl, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	f.Add(append(ssl, b...))
	sink := &canarytest.Sink{}
	s := New(Config{PerAddress: canary.Limit{Rate: 1e9, Burst: 1 << 30}}, sink, nil)
	f.Fuzz(func(t *testing.T, raw []byte) {
		sink.Reset()
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.serveConn(context.Background(), server)
		}()
		go io.Copy(io.Discard, client) // the answers: 'N', requests, errors
		client.Write(raw)              // returns early when the server has hung up
		client.Close()
		<-done
		hits := sink.Hits()
		if len(hits) > 1 {
			t.Fatalf("%d hits from one connection", len(hits))
		}
		for _, h := range hits {
			if h.Token != "" && !canary.ValidToken(h.Token) {
				t.Fatalf("token %q has not a token's shape", h.Token)
			}
			for k, v := range h.Detail {
				if !utf8.ValidString(v) || len(v) > canary.MaxDetail+len("…") {
					t.Fatalf("detail %s: %d bytes, valid UTF-8 %v", k, len(v), utf8.ValidString(v))
				}
			}
		}
	})
}
