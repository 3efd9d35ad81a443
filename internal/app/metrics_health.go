package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// vaultHealthCollector reports, per vault, how old its newest audit record
// is and whether its heartbeat comes back. Registered on the protected
// registry: which vaults hold decoys, and whether a vault's logging just
// went blind, tell an attacker where to look and when to act.
//
// Which vaults hold an active decoy comes from detection's index, which
// keeps a count per vault as the registry syncs (detect.Index's
// ActiveVaultNames): a scrape costs a step per vault, where counting the
// decoys by vault in the store read every decoy (a million rows) each time.
// It follows plant and retire as detection does, within a sync.
type vaultHealthCollector struct {
	store     *store.Store
	index     *detect.Index
	log       *slog.Logger
	age, beat *prometheus.Desc
}

func newVaultHealthCollector(s *store.Store, ix *detect.Index, log *slog.Logger) *vaultHealthCollector {
	return &vaultHealthCollector{store: s, index: ix, log: log,
		age: prometheus.NewDesc("honeyvault_vault_last_record_age_seconds",
			"Age of the newest audit record stored for each vault (vaults with none are left out).", []string{"vault"}, nil),
		beat: prometheus.NewDesc("honeyvault_vault_heartbeat_ok",
			"1 while a decoy vault's heartbeat comes back through ingestion within its SLA, 0 during a monitoring gap.", []string{"vault"}, nil),
	}
}

func (c *vaultHealthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.age
	ch <- c.beat
}

func (c *vaultHealthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	vaults, err := c.store.ListVaults(ctx, store.VaultFilter{})
	if err != nil {
		c.log.Warn("metrics: listing vaults", "err", err)
		return
	}
	now := time.Now()
	for _, v := range vaults {
		if !v.LastRecord.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, now.Sub(v.LastRecord).Seconds(), strings.ToLower(v.Name))
		}
	}
	gaps, err := c.store.HeartbeatGaps(ctx)
	if err != nil {
		c.log.Warn("metrics: reading monitoring gaps", "err", err)
		return
	}
	// By name, as the label is: a vault's name is its DNS name, unique.
	inGap := make(map[string]bool, len(gaps))
	for _, g := range gaps {
		if name, err := registry.VaultNameFromID(g.VaultKey); err == nil {
			inGap[strings.ToLower(name)] = true
		}
	}
	done := map[string]bool{}
	for _, name := range c.index.ActiveVaultNames() {
		if done[name] {
			continue
		}
		done[name] = true
		ok := 1.0
		if inGap[name] {
			ok = 0
		}
		ch <- prometheus.MustNewConstMetric(c.beat, prometheus.GaugeValue, ok, name)
	}
}
