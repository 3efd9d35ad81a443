package app

// The serve-level harness of the heartbeat tests (heartbeat_e2e_test.go).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/health"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/kvemu/kafkasink"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

const (
	kvBeatID = "/subscriptions/" + invSubProd + "/resourceGroups/rg-beat/providers/Microsoft.KeyVault/vaults/kv-beat"
	// beatHub is the Event Hub kv-beat's diagnostic setting streams to; a
	// forwarder pushes its messages to honeyvault's ingest endpoint.
	beatHub = "/subscriptions/" + invSubProd + "/resourceGroups/rg-soc/providers/Microsoft.EventHub/namespaces/hv-beat/authorizationRules/RootManageSharedAccessKey"
	// beatMetricsToken reads the protected metrics.
	beatMetricsToken = "metrics-token-for-heartbeats"
)

// changes lists the operation and change of each alert of the i-th
// webhook delivery.
func (in *webhookInbox) changes(i int) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	var p struct {
		Alerts []struct{ Operation, Change string } `json:"alerts"`
	}
	json.Unmarshal(in.bodies[i], &p)
	var out []string
	for _, a := range p.Alerts {
		out = append(out, a.Operation+": "+a.Change)
	}
	return strings.Join(out, "; ")
}

// beatEnv is serve watching kv-beat (a secret and a key decoy, the
// planter allowed everything, secrets/get included), whose audit log the emulator streams
// to serve's push endpoint, with notifications to a webhook. The heartbeat
// schedule is off: the test beats and checks, on its own clock.
type beatEnv struct {
	e     *kvemu.Emulator
	srv   *background
	mon   *health.Monitor
	clock *testenv.Clock
	inbox *webhookInbox
}

func newBeatEnv(t *testing.T) *beatEnv { return newBeatEnvVia(t, false) }

// newBeatEnvVia is newBeatEnv; with eventHubs kv-beat's audit log goes to
// an event hub (Kafka, kfake) that serve reads as an Event Hubs source,
// instead of being pushed.
func newBeatEnvVia(t *testing.T, eventHubs bool) *beatEnv {
	t.Helper()
	return newBeatEnvOn(t, eventHubs, "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
}

// newBeatEnvOn is newBeatEnvVia with serve's database at db.
func newBeatEnvOn(t *testing.T, eventHubs bool, db string) *beatEnv {
	t.Helper()
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.AddSubscription(kvemu.Subscription{ID: invSubProd, DisplayName: "Contoso Production"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: invSubProd, ResourceGroup: "rg-beat", Name: "kv-beat", Location: "westeurope",
		AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: invPlanter.ObjectID, Permissions: everyPermission}}}); err != nil {
		t.Fatal(err)
	}
	env := &beatEnv{e: e, inbox: &webhookInbox{}, clock: testenv.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))}
	hook := httptest.NewServer(env.inbox)
	t.Cleanup(hook.Close)

	cfg := config.Default()
	cfg.DB = db
	cfg.AdminToken, cfg.IngestToken, cfg.MetricsToken = adminToken, "ingest-token-for-heartbeats", beatMetricsToken
	cfg.Notify.Webhooks = []string{hook.URL + "/hv"}
	cfg.Incidents.BatchInterval = 0 // the recovery's update is sent at once
	// Only the heartbeat decides coverage here: no reconcile, no
	// diagnostics check on a schedule.
	cfg.Reconcile.Interval, cfg.Heartbeat.Interval, cfg.Diagnostics.Interval = "off", "off", "off"
	var sink kvemu.Sink
	if eventHubs {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "kv-audit")) // listens on 127.0.0.1
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cluster.Close)
		producer, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(producer.Close)
		sink = &kafkasink.Sink{Client: producer, Topic: "kv-audit"}
		cfg.Ingest.EventHubs = []config.EventHubsSource{{Name: "hub", Brokers: cluster.ListenAddrs(), Topic: "kv-audit", Group: "honeyvault"}}
	}
	st, err := store.Open(context.Background(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []registry.Decoy{{VaultID: kvBeatID, Name: "orders-db-password", Type: registry.Secret}, {VaultID: kvBeatID, Name: "orders-signing", Type: registry.Key}} {
		if err := st.AddDecoy(context.Background(), &d); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	co := e.ClientOptions()
	co.Cloud = e.Cloud()
	env.srv = serveInBackground(t, cfg, nil, WithAzure(deploy.Overrides{Credential: e.Credential(invPlanter), ClientOptions: &co}))
	env.mon = env.srv.heartbeats.mon
	// The test's clock starts before serve did: judge every heartbeat.
	env.mon.Now, env.mon.Since = env.clock.Now, time.Time{}

	if sink == nil {
		sink = &kvemu.HTTPSink{URL: env.srv.url("/api/v1/ingest/azure-keyvault"), BearerToken: cfg.IngestToken}
	}
	if err := e.RegisterDestination(beatHub, sink, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetDiagnosticSetting("kv-beat", kvemu.DiagnosticSetting{Name: "audit-to-soc", EventHubAuthorizationRuleID: beatHub,
		Logs: []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	var list api.VaultList
	ingesttest.Eventually(t, 30*time.Second, "kv-beat discovered", func() bool {
		return apiCall(t, env.srv, "GET", "/api/v1/vaults", adminToken, &list) == 200 && len(list.Vaults) == 1
	})
	return env
}

// beat sends one heartbeat round (kv-beat's) and waits until the emulator
// has handed on every record it does not hold.
func (env *beatEnv) beat(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := env.mon.Beat(ctx)
	if err != nil || r.Sent != 1 || r.Failed != 0 {
		t.Fatalf("beat: %+v, %v; want one heartbeat answered", r, err)
	}
	if err := env.e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// check judges the heartbeats after d has passed on the heartbeats' clock.
func (env *beatEnv) check(t *testing.T, d time.Duration) health.Report {
	t.Helper()
	env.clock.Advance(d)
	r, err := env.mon.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// waitAllSeen waits until every heartbeat sent has come back.
func (env *beatEnv) waitAllSeen(t *testing.T) {
	t.Helper()
	ingesttest.Eventually(t, 30*time.Second, "every heartbeat back", func() bool {
		beats, err := env.srv.Store.ListHeartbeats(context.Background(), time.Time{})
		if err != nil || len(beats) == 0 {
			return false
		}
		for _, b := range beats {
			if b.SeenAt.IsZero() {
				return false
			}
		}
		return true
	})
}

// coverage is kv-beat's coverage as the API says it, the same in the
// vault's own answer and in the list (the coverage page's path).
func (env *beatEnv) coverage(t *testing.T) api.Coverage {
	t.Helper()
	var v api.VaultDetail
	if code := apiCall(t, env.srv, "GET", "/api/v1/vaults"+kvBeatID, adminToken, &v); code != http.StatusOK {
		t.Fatalf("GET the vault: %d", code)
	}
	var list api.VaultList
	if code := apiCall(t, env.srv, "GET", "/api/v1/vaults", adminToken, &list); code != http.StatusOK || len(list.Vaults) != 1 {
		t.Fatalf("GET the vaults: %d, %d vaults", code, len(list.Vaults))
	}
	if got, want := list.Vaults[0].Coverage.State, v.Vault.Coverage.State; got != want {
		t.Errorf("the list says %s, the vault %s", got, want)
	}
	return v.Vault.Coverage
}

// gapIncidents are the monitoring-gap incidents, with their alerts'
// operations.
func (env *beatEnv) gapIncidents(t *testing.T) map[int64][]string {
	t.Helper()
	ctx := context.Background()
	ins, err := env.srv.Store.ListIncidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64][]string{}
	for _, in := range ins {
		if !strings.HasPrefix(in.Title, "Monitoring gap: audit records of kv-beat") {
			t.Errorf("an incident that is not a monitoring gap: %q", in.Title)
			continue
		}
		alerts, err := env.srv.Store.ListAlerts(ctx, store.AlertFilter{IncidentID: in.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			out[in.ID] = append(out[in.ID], a.Operation)
		}
	}
	return out
}

// vaultPage is the console page of the vault with ARM id id.
func vaultPage(id string) string { return "/vaults" + id }

// heartbeatMetric is kv-beat's honeyvault_vault_heartbeat_ok as /metrics
// shows it with and without the metrics token.
func (env *beatEnv) heartbeatMetric(t *testing.T) (open, protected string) {
	t.Helper()
	scrape := func(token string) string {
		for _, line := range strings.Split(env.srv.metrics(t, token), "\n") {
			if strings.HasPrefix(line, `honeyvault_vault_heartbeat_ok{vault="kv-beat"}`) {
				return strings.Fields(line)[1]
			}
		}
		return ""
	}
	return scrape(""), scrape(beatMetricsToken)
}

// expectOneRecovery: the gap's incident got one recovery alert and note,
// its notification went out, and the vault is covered again.
func (env *beatEnv) expectOneRecovery(t *testing.T, restored int) {
	t.Helper()
	gaps := env.gapIncidents(t)
	if restored != 1 || len(gaps) != 1 {
		t.Fatalf("%d recoveries, incidents %v; want one of each", restored, gaps)
	}
	for id, ops := range gaps {
		if got := strings.Join(ops, " "); got != "heartbeat/missed heartbeat/restored" {
			t.Errorf("incident %d alerts: %s; want the gap and its recovery", id, got)
		}
		hist, _ := env.srv.Store.IncidentHistory(context.Background(), id)
		if h := historyOf(hist, "recovered"); strings.Count(h, "records flow again") != 1 {
			t.Errorf("recovery notes: %q; want one", h)
		}
	}
	ingesttest.Eventually(t, 30*time.Second, "the recovery's notification", func() bool { return len(env.inbox.titles()) == 2 })
	if got := env.inbox.changes(1); !strings.HasPrefix(got, "heartbeat/restored: found the vault's audit records reach honeyvault again") {
		t.Errorf("the recovery notification's alert: %q", got)
	}
	for id := range gaps {
		if body := env.srv.page(t, fmt.Sprintf("/incidents/%d", id)); !strings.Contains(body, "honeyvault&#39;s heartbeat found the vault&#39;s audit records reach honeyvault again") {
			t.Errorf("the incident page does not say the records flow again")
		}
	}
	if c := env.coverage(t); c.State != "covered" {
		t.Errorf("coverage after the recovery: %+v", c)
	}
	if _, protected := env.heartbeatMetric(t); protected != "1" {
		t.Errorf("heartbeat metric after the recovery: %q; want 1", protected)
	}
}

// beatBackThenRecover beats once, waits until that heartbeat is back and
// runs checks more: exactly one of them must end the gap.
func (env *beatEnv) beatBackThenRecover(t *testing.T, checks int) {
	t.Helper()
	env.beat(t)
	ingesttest.Eventually(t, 30*time.Second, "the new heartbeat back", func() bool {
		beats, _ := env.srv.Store.ListHeartbeats(context.Background(), time.Time{})
		return len(beats) > 0 && !beats[len(beats)-1].SeenAt.IsZero()
	})
	restored := 0
	for range checks {
		restored += env.check(t, time.Minute).Restored
	}
	env.expectOneRecovery(t, restored)
}
