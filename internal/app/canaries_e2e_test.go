package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// canaryEnv is a serving honeyvault whose webhook deliveries land in got,
// with one decoy per canary kind planted before it started.
type canaryEnv struct {
	srv    *background
	got    chan []byte
	tokens map[canary.Kind]string // kind → token of its decoy
	names  map[canary.Kind]string // kind → decoy name
}

// Each of tweaks changes the configuration before the server starts.
func newCanaryEnv(t *testing.T, db string, tweaks ...func(*config.Config)) *canaryEnv {
	t.Helper()
	env := &canaryEnv{got: make(chan []byte, 20), tokens: map[canary.Kind]string{}, names: map[canary.Kind]string{}}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		env.got <- b
	}))
	t.Cleanup(hook.Close)
	cfg := config.Default()
	cfg.DB = db
	cfg.AdminToken, cfg.IngestToken = adminToken, "ingest-token-for-canary-test"
	cfg.Notify.Webhooks = []string{hook.URL + "/hv"}
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	var ps []store.NewPlanting
	for _, k := range canary.Kinds {
		env.tokens[k], env.names[k] = plant.NewCanaryToken(), "payments-"+string(k)+"-secret"
		ps = append(ps, store.NewPlanting{Decoy: &registry.Decoy{VaultID: vaultPay, Name: env.names[k], Type: registry.Secret},
			PlantedBy: "planter-oid", Canary: &store.NewCanary{Kind: k, Token: env.tokens[k]}})
	}
	if err := st.BeginPlanting(ctx, ps); err != nil {
		t.Fatal(err)
	}
	st.Close()
	env.srv = serveInBackground(t, cfg, nil)
	return env
}

// canaryDBs are the databases the canary tests run on.
var canaryDBs = map[string]func(t *testing.T) string{
	"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "hv.db") },
	"postgres": func(t *testing.T) string { return testenv.Postgres(t) },
}

func canaryHit(k canary.Kind, token, remote string, at time.Time, detail map[string]string) canary.Hit {
	return canary.Hit{Kind: k, Token: token, Remote: netip.MustParseAddrPort(remote), At: at, Detail: detail}
}

// settled waits until the outbox has nothing pending and returns every
// delivery the webhook received by then.
func (env *canaryEnv) settled(t *testing.T, want int) [][]byte {
	t.Helper()
	var out [][]byte
	deadline := time.Now().Add(30 * time.Second)
	for {
		stats, err := env.srv.Store.OutboxStatsByChannel(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pending, sent := 0, 0
		for _, s := range stats {
			pending, sent = pending+s.Pending, sent+s.Sent
		}
		for drained := false; !drained; {
			select {
			case b := <-env.got:
				out = append(out, b)
			default:
				drained = true
			}
		}
		if pending == 0 && sent >= want && len(out) >= sent {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox: %d pending, %d sent, %d delivered; want %d sent", pending, sent, len(out), want)
		}
		time.Sleep(10 * time.Millisecond) // polling the state asserted, with a deadline
	}
}

// A hit of each kind for a planted canary, through the real sink, pipeline
// and store, is exactly one alert and one incident with operation
// canary:<kind>, notified once; the listener retrying the same hit adds
// nothing; a hit with an unknown token or none raises nothing; a malformed
// hit is refused.
func TestCanaryHitsBecomeIncidents(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			env := newCanaryEnv(t, canaryDBs[name](t))
			sink := env.srv.CanarySink()
			ctx := context.Background()
			at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
			remotes := map[canary.Kind]string{canary.KindHTTP: "198.51.100.1:40000", canary.KindDNS: "198.51.100.2:53", canary.KindPostgres: "[::ffff:198.51.100.3]:5555"}
			details := map[canary.Kind]map[string]string{
				canary.KindHTTP:     {"method": "GET", "path": "/services/T0/" + env.tokens[canary.KindHTTP] + "/B1", "user_agent": "curl/8.5.0"},
				canary.KindDNS:      {"qname": "db-" + env.tokens[canary.KindDNS] + ".svc.contoso-ops.net.", "qtype": "A"},
				canary.KindPostgres: {"user": "svc_" + env.tokens[canary.KindPostgres], "database": "orders", "application_name": "psql"},
			}
			for _, k := range canary.Kinds {
				h := canaryHit(k, env.tokens[k], remotes[k], at, details[k])
				for range 2 { // the second is a listener's retry of the same hit
					if err := sink.Hit(ctx, h); err != nil {
						t.Fatalf("%s: %v", k, err)
					}
				}
			}
			for _, h := range []canary.Hit{
				canaryHit(canary.KindHTTP, canary.NewToken(), "198.51.100.9:1", at, nil), // a guess
				canaryHit(canary.KindDNS, "", "198.51.100.9:2", at, map[string]string{"qname": "www.svc.contoso-ops.net."}),
			} {
				if err := sink.Hit(ctx, h); err != nil {
					t.Errorf("probe: %v", err)
				}
			}
			if got := sink.Probes(); len(got) != 2 || got[0].Kind != canary.KindHTTP || got[1].Token != "" {
				t.Errorf("probes: %+v", got)
			}
			for _, bad := range []canary.Hit{
				canaryHit("smtp", env.tokens[canary.KindHTTP], "198.51.100.1:1", at, nil),
				canaryHit(canary.KindHTTP, env.tokens[canary.KindHTTP], "198.51.100.1:1", time.Time{}, nil),
				{Kind: canary.KindHTTP, Token: env.tokens[canary.KindHTTP], At: at},
			} {
				if err := sink.Hit(ctx, bad); err == nil {
					t.Errorf("hit %+v accepted", bad)
				}
			}

			alerts, err := env.srv.Store.ListAlerts(ctx, store.AlertFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(alerts) != 3 {
				t.Fatalf("%d alerts; want one per kind: %+v", len(alerts), alerts)
			}
			incidents := map[int64]bool{}
			for _, a := range alerts {
				k := canary.Kind(strings.TrimPrefix(a.Operation, "canary:"))
				if a.Operation != k.Operation() || !k.Valid() || a.Class != string(detect.ClassCanary) || a.Severity != "high" ||
					a.Token != env.names[k] || a.Caller.IP != netip.MustParseAddrPort(remotes[k]).Addr().Unmap().String() || a.Suppressed {
					t.Errorf("alert: %+v", a)
				}
				if !strings.Contains(a.Caller.ClientInfo, "port=") || !strings.Contains(a.Caller.ClientInfo, details[k][sortedKeys(details[k])[0]]) {
					t.Errorf("%s: detail not kept: %q", k, a.Caller.ClientInfo)
				}
				incidents[a.IncidentID] = true
			}
			if len(incidents) != 3 {
				t.Errorf("alerts in %d incidents; want 3", len(incidents))
			}
			for id := range incidents {
				in, err := env.srv.Store.GetIncident(ctx, id)
				if err != nil || in.Title != incident.TitleCanary || in.Severity != "high" {
					t.Errorf("incident %d: %+v %v", id, in, err)
				}
			}

			deliveries := env.settled(t, 3)
			var ops []string
			for _, b := range deliveries {
				var p struct {
					Alerts []struct{ Operation, Token string } `json:"alerts"`
				}
				if err := json.Unmarshal(b, &p); err != nil || len(p.Alerts) != 1 {
					t.Fatalf("delivery %s: %v", b, err)
				}
				ops = append(ops, p.Alerts[0].Operation)
			}
			slices.Sort(ops)
			if want := []string{"canary:dns", "canary:http", "canary:postgres"}; !slices.Equal(ops, want) {
				t.Errorf("deliveries: %q; want one each of %q", ops, want)
			}
		})
	}
}

// A decoy read in its vault, then its canary value used days later from
// elsewhere: the use joins the read's open incident, whatever the caller
// and the window. A canary of a decoy with no incident opens its own. The
// listener's detail shows in the investigation, escaped.
func TestCanaryHitJoinsTheDecoysIncident(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { testCanaryHitJoins(t, canaryDBs[name](t)) })
	}
}

func testCanaryHitJoins(t *testing.T, db string) {
	env := newCanaryEnv(t, db)
	ctx := context.Background()
	read := hit("corr-read", env.names[canary.KindHTTP], "attacker-oid") // 2026-11-20T08:00:01Z
	req, _ := http.NewRequest("POST", env.srv.url("/api/v1/ingest/azure-keyvault"), strings.NewReader(string(read)))
	req.Header.Set("Authorization", "Bearer ingest-token-for-canary-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("ingest: %d", resp.StatusCode)
	}
	first, err := env.srv.Store.ListIncidents(ctx, store.IncidentFilter{})
	if err != nil || len(first) != 1 {
		t.Fatalf("after the read: %+v %v", first, err)
	}

	later := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) // days past the group window
	ua := `<script>alert(1)</script>`
	sink := env.srv.CanarySink()
	if err := sink.Hit(ctx, canaryHit(canary.KindHTTP, env.tokens[canary.KindHTTP], "192.0.2.44:41000", later,
		map[string]string{"method": "POST", "path": "/services/T0/x", "user_agent": ua})); err != nil {
		t.Fatal(err)
	}
	if err := sink.Hit(ctx, canaryHit(canary.KindDNS, env.tokens[canary.KindDNS], "192.0.2.44:53", later, map[string]string{"qname": "x"})); err != nil {
		t.Fatal(err)
	}
	incidents, err := env.srv.Store.ListIncidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(incidents) != 2 {
		t.Fatalf("%d incidents; want the read's (joined by its canary) and the other decoy's", len(incidents))
	}
	byID := map[int64]store.Incident{}
	for _, in := range incidents {
		byID[in.ID] = in
	}
	joined := byID[first[0].ID]
	if joined.AlertCount != 2 || joined.DecoyCount != 1 || !joined.LastSeen.Equal(later) || joined.Title != incident.TitleSecret {
		t.Errorf("the read's incident: %+v", joined)
	}
	alerts, _ := env.srv.Store.ListAlerts(ctx, store.AlertFilter{IncidentID: joined.ID})
	if len(alerts) != 2 || alerts[1].Operation != "canary:http" || alerts[1].Caller.IP != "192.0.2.44" {
		t.Errorf("alerts of the read's incident: %+v", alerts)
	}

	page := env.srv.page(t, "/incidents/"+strconv.FormatInt(joined.ID, 10))
	if strings.Contains(page, ua) || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(page, "canary:http") {
		t.Errorf("the investigation does not show the detail escaped:\n%s", page)
	}

	// Once the analyst closed it, a new use opens an incident of its own.
	err = env.srv.Store.Update(ctx, func(tx *store.Tx) error {
		in, err := tx.IncidentForUpdate(ctx, joined.ID)
		if err != nil {
			return err
		}
		in.Status, in.Classification = incident.StatusClosed, "true_positive"
		return tx.SaveIncident(ctx, in)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Hit(ctx, canaryHit(canary.KindHTTP, env.tokens[canary.KindHTTP], "192.0.2.45:41000", later.Add(time.Hour), nil)); err != nil {
		t.Fatal(err)
	}
	if in, _ := env.srv.Store.GetIncident(ctx, joined.ID); in.AlertCount != 2 || in.Status != incident.StatusClosed {
		t.Errorf("a closed incident took a use: %+v", in)
	}
	if all, _ := env.srv.Store.ListIncidents(ctx, store.IncidentFilter{}); len(all) != 3 {
		t.Errorf("%d incidents after a use of a closed incident's decoy; want 3", len(all))
	}
}

// A retired decoy's canary value, stolen before, still raises an alert
// when used.
func TestCanaryOfARetiredDecoyStillAlerts(t *testing.T) {
	env := newCanaryEnv(t, canaryDBs["sqlite"](t))
	ctx := context.Background()
	c, d, err := env.srv.Store.CanaryByToken(ctx, env.tokens[canary.KindDNS])
	if err != nil {
		t.Fatal(err)
	}
	if err := env.srv.Store.SetDecoyStatus(ctx, c.DecoyID, registry.Retired, nil, store.AuditEntry{Actor: "cli:test"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	if err := env.srv.CanarySink().Hit(ctx, canaryHit(canary.KindDNS, c.Token, "198.51.100.7:53", at, map[string]string{"qname": "x"})); err != nil {
		t.Fatal(err)
	}
	alerts, err := env.srv.Store.ListAlerts(ctx, store.AlertFilter{})
	if err != nil || len(alerts) != 1 || alerts[0].Token != d.Name || alerts[0].Operation != "canary:dns" || alerts[0].IncidentID == 0 {
		t.Fatalf("alerts: %+v %v", alerts, err)
	}
}
