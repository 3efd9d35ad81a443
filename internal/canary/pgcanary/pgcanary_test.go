package pgcanary

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// start runs a listener on 127.0.0.1 and returns its address (see
// canarytest.ServeTCP).
func start(t testing.TB, cfg Config, sink canary.Sink) string {
	t.Helper()
	return canarytest.ServeTCP(t, New(cfg, sink, nil).Serve)
}

// connect tries the decoy DSN from the loopback address src as pgx does,
// and returns the PostgreSQL error it failed with.
func connect(t testing.TB, dsn, src string) *pgconn.PgError {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	cfg.DialFunc = d.DialContext
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		conn.Close(ctx)
		t.Fatal("connected to the canary")
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("connect failed without a PostgreSQL error: %v", err)
	}
	return pgErr
}

func TestConnectionAttemptIsOneHit(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{}, sink)
	tok := canary.NewToken()
	dsn := "postgres://svc_billing:" + tok + "@" + addr + "/payments?application_name=billing-etl&connect_timeout=60"
	pgErr := connect(t, dsn, "127.0.0.1")
	if pgErr.Severity != "FATAL" || pgErr.Code != "28P01" || pgErr.Message != `password authentication failed for user "svc_billing"` {
		t.Errorf("error %s %s %q; want PostgreSQL's FATAL 28P01", pgErr.Severity, pgErr.Code, pgErr.Message)
	}
	hits := sink.Hits()
	if len(hits) != 1 {
		t.Fatalf("%d hits; want 1 (sslmode=prefer's refused TLS attempt is no use)", len(hits))
	}
	h := hits[0]
	if h.Kind != canary.KindPostgres || h.Token != tok || h.Remote.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("hit %q %q from %v; want postgres, %q, from 127.0.0.1", h.Kind, h.Token, h.Remote, tok)
	}
	want := map[string]string{"user": "svc_billing", "database": "payments", "application_name": "billing-etl", "password": "offered"}
	for k, v := range want {
		if h.Detail[k] != v {
			t.Errorf("detail %s = %q; want %q", k, h.Detail[k], v)
		}
	}
	for k, v := range h.Detail {
		if v == tok {
			t.Errorf("detail %s holds the password", k)
		}
	}
}

func TestTokenInUserName(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{}, sink)
	tok := canary.NewToken()
	connect(t, "host="+hostOf(addr)+" port="+portOf(addr)+" user=app_"+tok+" password=hunter2 dbname=orders sslmode=disable", "127.0.0.1")
	if hits := sink.Hits(); len(hits) != 1 || hits[0].Token != tok || hits[0].Detail["database"] != "orders" {
		t.Errorf("hits %+v; want one with token %q", hits, tok)
	}
}

func hostOf(addr string) string { h, _, _ := net.SplitHostPort(addr); return h }
func portOf(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

func TestNegotiationAndCancel(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{}, sink)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	fe := pgproto3.NewFrontend(conn, conn)
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.GSSEncRequest{}, &pgproto3.SSLRequest{}} {
		fe.Send(req)
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1)
		if _, err := io.ReadFull(conn, b); err != nil || b[0] != 'N' {
			t.Fatalf("%T answered %q, %v; want N", req, b, err)
		}
	}
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"database": "db_" + canary.NewToken()}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if e, ok := msg.(*pgproto3.ErrorResponse); err != nil || !ok || e.Code != "28000" {
		t.Fatalf("startup without a user answered %#v, %v; want FATAL 28000", msg, err)
	}
	if hits := sink.Hits(); len(hits) != 1 || hits[0].Token == "" {
		t.Errorf("hits %+v; want one, with the database's token", hits)
	}

	sink.Reset()
	cancelConn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelConn.Close()
	cancelConn.SetDeadline(time.Now().Add(time.Minute))
	fe = pgproto3.NewFrontend(cancelConn, cancelConn)
	fe.Send(&pgproto3.CancelRequest{ProcessID: 42, SecretKey: []byte{1, 2, 3, 4}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, err := cancelConn.Read(make([]byte, 16)); err != io.EOF {
		t.Errorf("CancelRequest answered %d bytes, %v; want the connection closed", n, err)
	}
	if n := len(sink.Hits()); n != 0 {
		t.Errorf("%d hits for a CancelRequest; want 0", n)
	}
}

func TestFloodFromOneAddressIsLimited(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{PerAddress: canary.Limit{Rate: 0.001, Burst: 3}}, sink)
	dsn := "postgres://app:" + canary.NewToken() + "@" + addr + "/db?sslmode=disable&connect_timeout=60"
	for range 8 {
		if e := connect(t, dsn, "127.0.0.2"); e.Code != "28P01" {
			t.Fatalf("limited attempt failed with %s; want the same 28P01", e.Code)
		}
	}
	connect(t, dsn, "127.0.0.1")
	from := map[string]int{}
	for _, h := range sink.Hits() {
		from[h.Remote.Addr().String()]++
	}
	if from["127.0.0.2"] != 3 || from["127.0.0.1"] != 1 {
		t.Errorf("hits by source %v; want 3 from the flooding 127.0.0.2 and 1 from 127.0.0.1", from)
	}
}

// A flood of connections from one address is capped at its share — the
// ones beyond are closed unserved — while another address still connects
// and its attempt is a hit; a connection closed frees its place.
func TestConnectionFloodFromOneAddressIsCapped(t *testing.T) {
	sink := &canarytest.Sink{}
	addr := start(t, Config{Conns: canary.ConnLimit{Total: 4, PerAddress: 2}}, sink)
	held := canarytest.HoldConns(t, "127.0.0.2", addr, 2) // each waits for its startup message
	for _, c := range canarytest.HoldConns(t, "127.0.0.2", addr, 3) {
		canarytest.Closed(t, c)
	}
	tok := canary.NewToken()
	if e := connect(t, "postgres://app:"+tok+"@"+addr+"/db?sslmode=disable&connect_timeout=60", "127.0.0.1"); e.Code != "28P01" {
		t.Fatalf("attempt from another address failed with %s; want 28P01", e.Code)
	}
	if hits := sink.Hits(); len(hits) != 1 || hits[0].Token != tok || hits[0].Remote.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("hits %+v; want one from 127.0.0.1 with its token", hits)
	}
	// A place freed is a place for the flooding address's next client.
	held[0].Close()
	deadline := time.Now().Add(time.Minute)
	for {
		c := canarytest.HoldConns(t, "127.0.0.2", addr, 1)[0]
		fe := pgproto3.NewFrontend(c, c)
		fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
		fe.Flush()
		c.SetDeadline(time.Now().Add(time.Minute))
		msg, err := fe.Receive()
		c.Close()
		if _, ok := msg.(*pgproto3.AuthenticationCleartextPassword); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place came free after one client left: %v", err)
		}
	}
}
