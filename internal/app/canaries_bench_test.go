package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// benchBurst is the listeners' default per-address burst: beyond it one
// hit a second is recorded, so the benchmark paces its uses to that rate.
const benchBurst = 20

// BenchmarkCanaryUseToWebhook measures, for each kind, the time from a
// real client's use of a planted canary value against serve's listener on
// loopback (SQLite) to the webhook receiving the incident. Each use names
// a decoy of its own vault, so it opens an incident whose first alert is
// sent at once (README "Notifications"). Background ingest traffic runs
// meanwhile, 1,000 records a second unless HONEYVAULT_BENCH_BACKGROUND_RATE
// says otherwise (0: none). Run it with a fixed count, e.g.
//
//	go test ./internal/app/ -run '^$' -bench CanaryUseToWebhook -benchtime 60x
//
// or bench/canary/run.sh, which runs it with and without the traffic.
func BenchmarkCanaryUseToWebhook(b *testing.B) {
	for _, k := range canary.Kinds {
		b.Run(string(k), func(b *testing.B) { benchCanaryKind(b, k) })
	}
}

func benchCanaryKind(b *testing.B, k canary.Kind) {
	arrived := newArrivals()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		var msg struct {
			Alerts []struct{ Token string } `json:"alerts"`
		}
		if json.Unmarshal(body, &msg) == nil {
			for _, a := range msg.Alerts {
				arrived.mark(a.Token, at)
			}
		}
	}))
	b.Cleanup(hook.Close)

	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(b.TempDir(), "hv.db")
	cfg.AdminToken, cfg.IngestToken = adminToken, "ingest-token-for-canary-bench"
	cfg.Notify.Webhooks = []string{hook.URL + "/hv"}
	withListeners(&cfg)
	names, tokens := plantBenchDecoys(b, cfg.DB, k, b.N)
	srv := serveInBackground(b, cfg, nil)
	backgroundIngest(b, srv, cfg.IngestToken, backgroundRate(b))
	targets := plant.CanaryTargets{HTTPURL: "http://" + srv.CanaryAddr(canary.KindHTTP), DNSZone: canaryZone, PostgresHost: srv.CanaryAddr(canary.KindPostgres)}

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if i >= benchBurst {
			// Pacing, not waiting for state: the listener records one hit a
			// second from an address once its burst is spent.
			time.Sleep(time.Second)
		}
		v, err := plant.ValueSpec{Kind: plant.KindSQLConnection}.CanaryValue(nil, k, tokens[i], targets)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := useValue(k, v, srv.CanaryAddr(canary.KindDNS)); err != nil {
			b.Fatal(err)
		}
		at, err := arrived.wait(names[i], 30*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, at.Sub(start))
	}
	b.StopTimer()
	canarytest.ReportPercentiles(b, lat)
}

// plantBenchDecoys records n decoys with canaries of kind k, each in a
// vault of its own, before the server starts.
func plantBenchDecoys(b *testing.B, db string, k canary.Kind, n int) (names, tokens []string) {
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var ps []store.NewPlanting
	for i := range n {
		name, token := fmt.Sprintf("orders-db-%s-%d", k, i), plant.NewCanaryToken()
		vault := fmt.Sprintf("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-bench-%d", i)
		names, tokens = append(names, name), append(tokens, token)
		ps = append(ps, store.NewPlanting{Decoy: &registry.Decoy{VaultID: vault, Name: name, Type: registry.Secret},
			PlantedBy: "planter-oid", Canary: &store.NewCanary{Kind: k, Token: token}})
	}
	if err := st.BeginPlanting(ctx, ps); err != nil {
		b.Fatal(err)
	}
	return names, tokens
}

// useValue uses a canary value as a client would: connect with it, look
// its host up at the DNS listener, or request it.
func useValue(k canary.Kind, v, dnsAddr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch k {
	case canary.KindHTTP:
		resp, err := http.Get(regexp.MustCompile(`https?://\S+`).FindString(v))
		if err != nil {
			return err
		}
		return resp.Body.Close()
	case canary.KindDNS:
		host := regexp.MustCompile(`Server=tcp:([^,]+),`).FindStringSubmatch(v)[1]
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(host), dns.TypeA)
		_, _, err := (&dns.Client{Timeout: 30 * time.Second}).ExchangeContext(ctx, q, dnsAddr)
		return err
	}
	conn, err := pgx.Connect(ctx, v)
	if err == nil {
		conn.Close(ctx)
		return errors.New("connected to the canary")
	}
	return nil
}

// arrivals are when the webhook received each decoy's alert.
type arrivals struct {
	mu   sync.Mutex
	at   map[string]time.Time
	news chan struct{}
}

func newArrivals() *arrivals {
	return &arrivals{at: map[string]time.Time{}, news: make(chan struct{}, 1)}
}

func (a *arrivals) mark(token string, at time.Time) {
	a.mu.Lock()
	if _, ok := a.at[token]; !ok {
		a.at[token] = at
	}
	a.mu.Unlock()
	select {
	case a.news <- struct{}{}:
	default:
	}
}

// wait returns when token's alert arrived, waiting for it up to limit.
func (a *arrivals) wait(token string, limit time.Duration) (time.Time, error) {
	deadline := time.After(limit)
	for {
		a.mu.Lock()
		at, ok := a.at[token]
		a.mu.Unlock()
		if ok {
			return at, nil
		}
		select {
		case <-a.news:
		case <-deadline:
			return time.Time{}, fmt.Errorf("no webhook for %s within %s", token, limit)
		}
	}
}
