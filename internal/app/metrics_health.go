package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// vaultHealthCollector reports, per vault, how old its newest audit record
// is and whether its heartbeat comes back. Registered on the protected
// registry: which vaults hold decoys, and whether a vault's logging just
// went blind, tell an attacker where to look and when to act.
type vaultHealthCollector struct {
	store     *store.Store
	log       *slog.Logger
	age, beat *prometheus.Desc
}

func newVaultHealthCollector(s *store.Store, log *slog.Logger) *vaultHealthCollector {
	return &vaultHealthCollector{store: s, log: log,
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
	nameOf := make(map[string]string, len(vaults))
	for _, v := range vaults {
		nameOf[v.Key()] = strings.ToLower(v.Name)
		if !v.LastRecord.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, now.Sub(v.LastRecord).Seconds(), strings.ToLower(v.Name))
		}
	}
	counts, err := c.store.CountDecoysByVault(ctx, store.VaultFilter{})
	if err != nil {
		c.log.Warn("metrics: counting decoys", "err", err)
		return
	}
	gaps, err := c.store.HeartbeatGaps(ctx)
	if err != nil {
		c.log.Warn("metrics: reading monitoring gaps", "err", err)
		return
	}
	inGap := make(map[string]bool, len(gaps))
	for _, g := range gaps {
		inGap[g.VaultKey] = true
	}
	done := map[string]bool{}
	for _, dc := range counts {
		if dc.Status != registry.Active || dc.N == 0 || done[dc.VaultKey] {
			continue
		}
		done[dc.VaultKey] = true
		name := nameOf[dc.VaultKey]
		if name == "" {
			if name, err = registry.VaultNameFromID(dc.VaultKey); err != nil {
				continue
			}
		}
		ok := 1.0
		if inGap[dc.VaultKey] {
			ok = 0
		}
		ch <- prometheus.MustNewConstMetric(c.beat, prometheus.GaugeValue, ok, strings.ToLower(name))
	}
}
