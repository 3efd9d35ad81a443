package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/store"
)

// clusterCollector reports this replica's leases: which it holds now, and
// how many writes their fences refused (work attempted under a lease the
// replica had lost, as after a pause past it: each one a write the
// database kept from happening twice).
type clusterCollector struct {
	store         *store.Store
	leases        func() []*leaseRunner
	held, refused *prometheus.Desc
}

func newClusterCollector(s *store.Store, leases func() []*leaseRunner) *clusterCollector {
	return &clusterCollector{store: s, leases: leases,
		held: prometheus.NewDesc("honeyvault_lease_held", "1 while this replica holds the lease (scheduler: the scheduled work; source:NAME: that pull source), else 0.",
			[]string{"lease"}, nil),
		refused: prometheus.NewDesc("honeyvault_lease_fenced_writes_refused_total", "Writes of work under a lease the database refused because the lease had passed on.",
			[]string{"lease"}, nil),
	}
}

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.held
	ch <- c.refused
}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	refused := c.store.FenceRefusals()
	for _, l := range c.leases() {
		held := 0.0
		if l.Holding() {
			held = 1
		}
		ch <- prometheus.MustNewConstMetric(c.held, prometheus.GaugeValue, held, l.name)
		ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(refused[l.name]), l.name)
	}
}
