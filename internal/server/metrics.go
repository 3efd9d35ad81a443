package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// decoyCollector reports the registry's size by status at scrape time.
type decoyCollector struct {
	store *store.Store
	log   *slog.Logger
	desc  *prometheus.Desc
}

func newDecoyCollector(s *store.Store, log *slog.Logger) *decoyCollector {
	return &decoyCollector{store: s, log: log, desc: prometheus.NewDesc(
		"honeyvault_decoys", "Decoys in the registry by status.", []string{"status"}, nil)}
}

func (c *decoyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *decoyCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.store.CountDecoys(ctx)
	if err != nil {
		c.log.Warn("metrics: counting decoys", "err", err)
		return
	}
	for _, st := range []registry.Status{registry.Active, registry.Missing, registry.Retired} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}
