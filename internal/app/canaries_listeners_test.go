package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/store"
)

// canaryZone is the zone serve's DNS listener answers for in these tests.
const canaryZone = "svc.contoso-ops.net"

// withListeners turns on serve's three canary listeners on free loopback
// ports.
func withListeners(cfg *config.Config) {
	cfg.Canary.HTTP.Listen = "127.0.0.1:0"
	cfg.Canary.DNS.Listen = "127.0.0.1:0"
	cfg.Canary.DNS.Zone = canaryZone
	cfg.Canary.DNS.NS = []string{"ns-svc.contoso-ops.net"}
	cfg.Canary.Postgres.Listen = "127.0.0.1:0"
}

// The whole loop with real parts: values made by the planter for each
// kind, used by real clients (net/http, a miekg/dns resolver query, pgx)
// against the listeners serve starts on loopback: each use is exactly one
// alert with its operation, from the client's address.
func TestCanaryValuesUsedAgainstTheListeners(t *testing.T) {
	env := newCanaryEnv(t, canaryDBs["sqlite"](t), withListeners)
	addr := func(k canary.Kind) string {
		a := env.srv.CanaryAddr(k)
		if a == "" {
			t.Fatalf("serve started no %s listener", k)
		}
		return a
	}
	const zone = canaryZone
	hlAddr, plAddr, dnsAddr := addr(canary.KindHTTP), addr(canary.KindPostgres), addr(canary.KindDNS)

	targets := plant.CanaryTargets{HTTPURL: "http://" + hlAddr, DNSZone: zone, PostgresHost: plAddr}
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
	r, _, err := (&dns.Client{Timeout: 30 * time.Second}).Exchange(q, dnsAddr)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeNameError {
		t.Errorf("dns: rcode %s; want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	// The same address answers over TCP; a name with no token is no use
	// of a decoy, so the one alert below stays one.
	tq := new(dns.Msg)
	tq.SetQuestion("www."+zone+".", dns.TypeA)
	if r, _, err := (&dns.Client{Net: "tcp", Timeout: 30 * time.Second}).Exchange(tq, dnsAddr); err != nil || r.Rcode != dns.RcodeNameError {
		t.Errorf("dns over tcp: %v, %v; want NXDOMAIN", r, err)
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

// A canary listener whose address is taken stops the start with an error
// naming its setting, before the database is opened: nothing changes, and
// the listeners bound before it are let go.
func TestCanaryListenerBindFailureStopsTheStart(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpAddr := free.Addr().String()
	free.Close()
	dbFile := filepath.Join(t.TempDir(), "hv.db")
	cfg := config.Default()
	cfg.DB = "sqlite:" + dbFile
	cfg.Canary.HTTP.Listen = httpAddr
	cfg.Canary.Postgres.Listen = taken.Addr().String()
	srv, err := New(context.Background(), cfg, nil)
	if err == nil {
		srv.Store.Close()
		t.Fatal("started with the postgres listener's address taken")
	}
	if !strings.Contains(err.Error(), "canary.postgres.listen") {
		t.Errorf("error %q does not name canary.postgres.listen", err)
	}
	if _, err := os.Stat(dbFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the database was created: %v", err)
	}
	l, err := net.Listen("tcp", httpAddr)
	if err != nil {
		t.Errorf("the http listener's address is still held: %v", err)
	} else {
		l.Close()
	}
}
