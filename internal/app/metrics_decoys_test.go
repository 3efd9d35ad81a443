package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// decoyGauges gathers c's honeyvault_decoys by status.
func decoyGauges(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out
}

// honeyvault_decoys counts the registry once, then again only when
// detection's index changed (a plant, a retirement synced) or the count
// is a minute old: scrapes in between read no decoy, and the count is
// exact after every change the index sees.
func TestDecoyCountKeptUntilTheIndexChanges(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	add := func(name string, status registry.Status) registry.Decoy {
		t.Helper()
		d := registry.Decoy{VaultID: healthVaultID("kv-count"), Name: name, Type: registry.Secret, Status: status}
		if err := st.AddDecoy(ctx, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := add("orders-db-password", registry.Active)
	add("orders-api-key", registry.Active)
	add("legacy-token", registry.Missing)
	add("old-password", registry.Retired)
	ix, err := detect.NewIndex(nil)
	if err != nil {
		t.Fatal(err)
	}
	sync := func() {
		t.Helper()
		if _, _, err := loadIndex(ctx, st.EachDecoy, ix, nil); err != nil {
			t.Fatal(err)
		}
	}
	sync()
	clock := testenv.NewClock(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	c := newDecoyCollector(st, ix, slog.New(slog.DiscardHandler))
	c.now = clock.Now
	want := func(step string, active, missing, retired float64) {
		t.Helper()
		got := decoyGauges(t, c)
		if got["active"] != active || got["missing"] != missing || got["retired"] != retired {
			t.Errorf("%s: %v; want active %v, missing %v, retired %v", step, got, active, missing, retired)
		}
	}
	want("first scrape", 2, 1, 1)

	// Retired in the store, not yet synced: the count is kept (no read).
	if err := st.SetDecoyStatus(ctx, first.ID, registry.Retired, nil, store.AuditEntry{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)
	want("before the sync", 2, 1, 1)
	sync()
	want("after the retirement synced", 1, 1, 2)

	// Planted and synced: counted at once.
	add("billing-secret", registry.Active)
	sync()
	want("after the plant synced", 2, 1, 2)

	// Read again unchanged: nothing moved, the count is kept.
	add("stored-retired", registry.Retired) // a change the index never sees
	sync()
	want("a sync that changed nothing", 2, 1, 2)
	clock.Advance(recount)
	want("a minute later", 2, 1, 3)
}
