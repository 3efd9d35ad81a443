package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// With plant.refresh, serve's refresher gives each decoy secret past its
// interval a new version through the SDK, as the planter: the audit trail
// says so, reconcile sees no drift, and a canary decoy's old token still
// raises an alert when used; keys are left alone.
func TestServeRefreshesDecoysPastTheirInterval(t *testing.T) {
	l := newDriftLabWith(t, func(c *config.Config) {
		c.Plant.Refresh = true
		c.Canary = config.Canary{Kinds: []string{"http"}, HTTP: config.CanaryHTTP{PublicURL: "https://hooks.contoso-ops.net"}}
	})
	ctx := context.Background()
	byType := l.plant(t)
	st := l.srv.Store
	oldTokens := map[int64]string{}
	for _, d := range byType[registry.Secret] {
		c, err := st.DecoyCanary(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		oldTokens[d.ID] = c.Token
	}
	r := l.srv.refresher
	if r == nil {
		t.Fatal("plant.refresh is on but serve has no refresher")
	}
	later := time.Now().Add(200 * 24 * time.Hour) // past the 90-day fallback and any jitter
	r.now = func() time.Time { return later }
	res, err := r.run(ctx)
	if err != nil || len(res) != 1 || res[0].Err != nil || len(res[0].Refreshed) != 2 {
		t.Fatalf("refresh: %v %+v; want both decoy secrets refreshed", err, res)
	}
	for _, d := range byType[registry.Secret] {
		c, err := st.DecoyCanary(ctx, d.ID)
		if err != nil || c.Token == oldTokens[d.ID] {
			t.Errorf("decoy %d: newest token unchanged (%v)", d.ID, err)
		}
	}
	entries, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	refreshes := 0
	for _, e := range entries {
		if e.Action == "decoy.refresh" && e.Actor == refreshActor {
			refreshes++
		}
	}
	if refreshes != 2 {
		t.Errorf("%d decoy.refresh rows by %q; want 2", refreshes, refreshActor)
	}
	if rep := reconcileNow(t, l.srv); len(rep.Findings) != 0 || rep.Alerted != 0 {
		t.Errorf("reconcile after refresh: %+v; want no drift", rep)
	}

	// The old value, stolen before the refresh, still alerts.
	d := byType[registry.Secret][0]
	hit := canaryHit(canary.KindHTTP, oldTokens[d.ID], "198.51.100.9:40000", time.Now().UTC(), map[string]string{"method": "GET"})
	if err := l.srv.CanarySink().Hit(ctx, hit); err != nil {
		t.Fatal(err)
	}
	alerts, err := st.ListAlerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, a := range alerts {
		if a.Operation == "canary:http" && strings.EqualFold(a.Token, d.Name) && a.IncidentID != 0 {
			used++
		}
	}
	if used != 1 {
		t.Errorf("%d canary:http alerts of decoy %d for its old token; want 1", used, d.ID)
	}
}

// Off by default: serve has no refresher, so nothing is ever written.
func TestServeRefreshIsOffByDefault(t *testing.T) {
	if config.Default().Plant.Refresh {
		t.Fatal("plant.refresh is on by default")
	}
	l := newDriftLab(t)
	if l.srv.refresher != nil {
		t.Error("serve has a refresher with plant.refresh off")
	}
}
