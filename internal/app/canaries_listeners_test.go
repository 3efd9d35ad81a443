package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/dnscanary"
	"github.com/honeyvault/honeyvault/internal/canary/httpcanary"
	"github.com/honeyvault/honeyvault/internal/canary/pgcanary"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/store"
)

// runListener serves until the test ends.
func runListener(t *testing.T, serve func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listener: %v", err)
		}
	})
}

// The whole loop with real parts: values made by the planter for each
// kind, used by real clients (net/http, a miekg/dns resolver query, pgx)
// against the real listeners on loopback, handed to serve's sink: each use
// is exactly one alert with its operation, from the client's address.
func TestCanaryValuesUsedAgainstTheListeners(t *testing.T) {
	env := newCanaryEnv(t, canaryDBs["sqlite"](t))
	sink := env.srv.CanarySink()

	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	runListener(t, func(ctx context.Context) error { return httpcanary.New(httpcanary.Config{}, sink, nil).Serve(ctx, hl) })
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	runListener(t, func(ctx context.Context) error { return pgcanary.New(pgcanary.Config{}, sink, nil).Serve(ctx, pl) })
	const zone = "svc.contoso-ops.net"
	ds, err := dnscanary.New(dnscanary.Config{Zone: zone, NS: []string{"ns-svc.contoso-ops.net"}}, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	runListener(t, func(ctx context.Context) error { return ds.Serve(ctx, udp, dl) })

	targets := plant.CanaryTargets{HTTPURL: "http://" + hl.Addr().String(), DNSZone: zone, PostgresHost: pl.Addr().String()}
	value := func(vk plant.ValueKind, k canary.Kind) string {
		v, err := plant.ValueSpec{Kind: vk}.CanaryValue(nil, k, env.tokens[k], targets)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ctx := context.Background()
	used := func(k canary.Kind) []store.Alert {
		t.Helper()
		alerts, err := env.srv.Store.ListAlerts(ctx, store.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []store.Alert
		for _, a := range alerts {
			if a.Operation == k.Operation() {
				out = append(out, a)
			}
		}
		return out
	}

	// HTTP: the webhook URL, posted to.
	resp, err := http.Post(value(plant.KindAPIKey, canary.KindHTTP), "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("http: %d; want the listener's 403", resp.StatusCode)
	}

	// DNS: the SQL server's host in the connection string, looked up.
	host := regexp.MustCompile(`Server=tcp:([^,]+),`).FindStringSubmatch(value(plant.KindSQLConnection, canary.KindDNS))[1]
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(host), dns.TypeA)
	r, _, err := (&dns.Client{Timeout: 30 * time.Second}).Exchange(q, udp.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeNameError {
		t.Errorf("dns: rcode %s; want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}

	// PostgreSQL: the connection string, connected with.
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(pctx, value(plant.KindAPIKey, canary.KindPostgres))
	if err == nil {
		conn.Close(pctx)
		t.Fatal("connected to the canary")
	}
	var pgErr interface{ SQLState() string }
	if !errors.As(err, &pgErr) || pgErr.SQLState() != "28P01" {
		t.Errorf("postgres: %v; want a failed password authentication", err)
	}

	// Each listener answers once the sink stored the use — or after
	// canary.SinkTimeout, which a loaded machine may reach: wait for the
	// state, with a deadline.
	for _, k := range canary.Kinds {
		got := used(k)
		for deadline := time.Now().Add(30 * time.Second); len(got) == 0 && time.Now().Before(deadline); got = used(k) {
			time.Sleep(10 * time.Millisecond)
		}
		if len(got) != 1 || got[0].Token != env.names[k] || got[0].Caller.IP != "127.0.0.1" || got[0].IncidentID == 0 {
			t.Errorf("%s: alerts %+v; want one for %s from 127.0.0.1", k, got, env.names[k])
		}
	}
}
