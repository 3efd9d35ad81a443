package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// A healthy vault: its heartbeat comes back through the push endpoint, it
// stays covered, and nothing is raised.
func TestHeartbeatHealthyVault(t *testing.T) {
	env := newBeatEnv(t)
	for range 3 {
		env.beat(t)
		env.waitAllSeen(t)
		if r := env.check(t, 5*time.Minute); r.Opened != 0 || r.Restored != 0 {
			t.Fatalf("check: %+v", r)
		}
	}
	if c := env.coverage(t); c.State != "covered" {
		t.Errorf("coverage: %+v; want covered", c)
	}
	if got := env.gapIncidents(t); len(got) != 0 {
		t.Errorf("incidents: %v; want none", got)
	}
	if open, protected := env.heartbeatMetric(t); open != "" || protected != "1" {
		t.Errorf("heartbeat metric: open %q, with the token %q; want none and 1", open, protected)
	}
	// The heartbeat's records were stored as events, like any record.
	if ev, err := env.srv.Store.ListEvents(context.Background(), store.EventFilter{VaultName: "kv-beat"}); err != nil || len(ev) == 0 {
		t.Errorf("events of kv-beat: %d, %v", len(ev), err)
	}
}

// A heartbeat-shaped name can be no decoy, so nothing honeyvault did not
// send is silenced by its shape, and nothing of that shape alerts: eve
// asking kv-beat for a heartbeat name with a nonce honeyvault never sent
// is stored and goes through detection, raising nothing, and leaves the
// heartbeats as they were.
func TestHeartbeatShapedNamesNeverAlert(t *testing.T) {
	env := newBeatEnv(t)
	env.beat(t)
	env.waitAllSeen(t)
	beats, _ := env.srv.Store.ListHeartbeats(context.Background(), time.Time{})
	if len(beats) != 1 {
		t.Fatalf("heartbeats: %+v", beats)
	}
	taken := registry.HeartbeatPrefix + beats[0].Nonce
	if err := env.srv.Store.AddDecoy(context.Background(), &registry.Decoy{VaultID: kvBeatID, Name: taken, Type: registry.Secret}); err == nil {
		t.Fatal("a decoy took the name of a heartbeat")
	}
	co := env.e.ClientOptions()
	secrets, err := azsecrets.NewClient(env.e.VaultURL("kv-beat"), env.e.Credential(invPlanter), &azsecrets.ClientOptions{ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	forged := registry.HeartbeatPrefix + "00000000000000000000000000000000"
	if _, err := secrets.GetSecret(context.Background(), forged, "", nil); err == nil {
		t.Fatal("the forged heartbeat's secret exists")
	}
	if err := env.e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ingesttest.Eventually(t, 30*time.Second, "the forged request stored", func() bool {
		evs, _ := env.srv.Store.ListEvents(context.Background(), store.EventFilter{VaultName: "kv-beat"})
		for _, ev := range evs {
			if strings.EqualFold(ev.Event.ObjectName, forged) && ev.Event.Operation == "SecretGet" {
				return true
			}
		}
		return false
	})
	if got := env.gapIncidents(t); len(got) != 0 {
		t.Errorf("incidents: %v; want none", got)
	}
	if hits, _ := env.srv.Store.ListAlerts(context.Background(), store.AlertFilter{}); len(hits) != 0 {
		t.Errorf("alerts: %+v; want none", hits)
	}
	after, _ := env.srv.Store.ListHeartbeats(context.Background(), time.Time{})
	if len(after) != 1 || !after[0].SeenAt.Equal(beats[0].SeenAt) {
		t.Errorf("heartbeats changed: %+v", after)
	}
}

// Logs cut: several heartbeats missed make one monitoring gap — one
// alert, one incident, one notification — and the vault at risk; when
// the records flow again, one recovery notice. On SQLite and PostgreSQL.
func TestHeartbeatLogsCut(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { heartbeatLogsCut(t, newBeatEnv(t)) })
	t.Run("postgres", func(t *testing.T) { heartbeatLogsCut(t, newBeatEnvOn(t, false, testenv.Postgres(t))) })
}

func heartbeatLogsCut(t *testing.T, env *beatEnv) {
	t.Helper()
	env.beat(t)
	env.waitAllSeen(t)
	env.check(t, 5*time.Minute)
	if err := env.e.SetVaultDelivery("kv-beat", kvemu.DeliveryControl{Cut: true}); err != nil {
		t.Fatal(err)
	}
	opened := 0
	for range 4 {
		env.beat(t)
		opened += env.check(t, 5*time.Minute).Opened
	}
	gaps := env.gapIncidents(t)
	if opened != 1 || len(gaps) != 1 {
		t.Fatalf("after four missed heartbeats: %d gaps opened, incidents %v; want one", opened, gaps)
	}
	c := env.coverage(t)
	if c.State != "at-risk" || !strings.Contains(strings.Join(c.Reasons, " "), "heartbeat has not come back") {
		t.Errorf("coverage: %+v; want at risk for the heartbeat", c)
	}
	if _, protected := env.heartbeatMetric(t); protected != "0" {
		t.Errorf("heartbeat metric during the gap: %q; want 0", protected)
	}
	for _, page := range []string{"/vaults", vaultPage(kvBeatID)} {
		if body := env.srv.page(t, page); !strings.Contains(body, "heartbeat has not come back through ingestion") {
			t.Errorf("%s does not say why the vault is at risk", page)
		}
	}
	ingesttest.Eventually(t, 30*time.Second, "the gap's notification", func() bool { return len(env.inbox.titles()) == 1 })
	if got := env.inbox.titles()[0]; !strings.Contains(got, "Monitoring gap: audit records of kv-beat") {
		t.Errorf("notification: %q", got)
	}
	if got := env.inbox.changes(0); got != "heartbeat/missed: found the vault's audit records no longer reach honeyvault: a heartbeat did not come back through ingestion in time" {
		t.Errorf("the notification's alert: %q", got)
	}

	if err := env.e.SetVaultDelivery("kv-beat", kvemu.DeliveryControl{}); err != nil {
		t.Fatal(err)
	}
	env.beatBackThenRecover(t, 3)
}

// Through an Event Hubs source: the heartbeat comes back, the hub cut
// makes one gap, and records flowing again one recovery.
func TestHeartbeatThroughEventHubs(t *testing.T) {
	env := newBeatEnvVia(t, true)
	env.beat(t)
	env.waitAllSeen(t)
	if r := env.check(t, 3*time.Minute); r.Opened != 0 {
		t.Fatalf("check: %+v", r)
	}
	if err := env.e.SetDestinationDelivery(beatHub, kvemu.DeliveryControl{Cut: true}); err != nil {
		t.Fatal(err)
	}
	opened := 0
	for range 3 {
		env.beat(t)
		opened += env.check(t, 5*time.Minute).Opened
	}
	if c := env.coverage(t); opened != 1 || c.State != "at-risk" {
		t.Fatalf("hub cut: %d gaps, coverage %+v; want one gap, at risk", opened, c)
	}
	if err := env.e.SetDestinationDelivery(beatHub, kvemu.DeliveryControl{}); err != nil {
		t.Fatal(err)
	}
	env.beatBackThenRecover(t, 2)
}

// Logs late: the sink holds the heartbeat's record past its SLA (a gap,
// one alert), then delivers it: the late record ends the gap.
func TestHeartbeatLogsLate(t *testing.T) {
	env := newBeatEnv(t)
	if err := env.e.SetDestinationDelivery(beatHub, kvemu.DeliveryControl{Paused: true}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if r, err := env.mon.Beat(ctx); err != nil || r.Sent != 1 {
		t.Fatalf("beat: %+v, %v", r, err)
	}
	if r := env.check(t, 3*time.Minute); r.Opened != 1 {
		t.Fatalf("past the SLA: %+v; want a gap", r)
	}
	if c := env.coverage(t); c.State != "at-risk" {
		t.Errorf("coverage while late: %+v", c)
	}
	if err := env.e.SetDestinationDelivery(beatHub, kvemu.DeliveryControl{}); err != nil {
		t.Fatal(err)
	}
	if err := env.e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	env.waitAllSeen(t)
	restored := 0
	for range 2 {
		restored += env.check(t, time.Minute).Restored
	}
	env.expectOneRecovery(t, restored)
}

// Logs paused at the vault for several heartbeats come back all at once:
// one gap, one recovery.
func TestHeartbeatLogsBackAfterPause(t *testing.T) {
	env := newBeatEnv(t)
	if err := env.e.SetVaultDelivery("kv-beat", kvemu.DeliveryControl{Paused: true}); err != nil {
		t.Fatal(err)
	}
	opened := 0
	for range 3 {
		env.beat(t)
		opened += env.check(t, 5*time.Minute).Opened
	}
	if opened != 1 {
		t.Fatalf("%d gaps opened; want 1", opened)
	}
	if err := env.e.SetVaultDelivery("kv-beat", kvemu.DeliveryControl{}); err != nil {
		t.Fatal(err)
	}
	env.waitAllSeen(t)
	restored := 0
	for range 2 {
		restored += env.check(t, time.Minute).Restored
	}
	env.expectOneRecovery(t, restored)
	if got := fmt.Sprint(len(env.inbox.titles())); got != "2" {
		t.Errorf("notifications: %s; want 2", got)
	}
}

// A heartbeat that never reaches Key Vault (here: the vault's host is
// down) was logged nowhere: it is forgotten, not waited for, so that
// honeyvault's own trouble is not reported as the vault's records
// stopping.
func TestHeartbeatNotSentIsNotAGap(t *testing.T) {
	env := newBeatEnv(t)
	env.e.Close()
	r, err := env.mon.Beat(context.Background())
	if err != nil || r.Sent != 1 || r.Failed != 1 {
		t.Fatalf("beat with the vault unreachable: %+v, %v; want one sent and failed", r, err)
	}
	if beats, _ := env.srv.Store.ListHeartbeats(context.Background(), time.Time{}); len(beats) != 0 {
		t.Errorf("heartbeats kept: %+v", beats)
	}
	if r := env.check(t, 10*time.Minute); r.Opened != 0 {
		t.Errorf("check: %+v; want no gap", r)
	}
}
