package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// decoyCollector reports the registry's size by status. Counting it reads
// every decoy (a million rows, a fraction of a second), so the count is
// kept and taken again only when detection's index changed since
// (a decoy planted, retired, found missing: detect.Index.Changes) or
// after recount at the latest — a change the index does not see, such as a
// decoy stored already retired, shows within that. A scrape in between
// costs nothing.
type decoyCollector struct {
	store *store.Store
	index *detect.Index
	log   *slog.Logger
	desc  *prometheus.Desc
	now   func() time.Time

	mu      sync.Mutex
	counts  map[registry.Status]int
	changes uint64    // the index's Changes when counts were taken
	at      time.Time // when counts were taken; zero: never
}

// recount is how long decoyCollector keeps a count the index says nothing
// about.
const recount = time.Minute

func newDecoyCollector(s *store.Store, ix *detect.Index, log *slog.Logger) *decoyCollector {
	return &decoyCollector{store: s, index: ix, log: log, now: time.Now, desc: prometheus.NewDesc(
		"honeyvault_decoys", "Decoys in the registry by status.", []string{"status"}, nil)}
}

func (c *decoyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *decoyCollector) Collect(ch chan<- prometheus.Metric) {
	counts, ok := c.current()
	if !ok {
		return
	}
	for _, st := range []registry.Status{registry.Active, registry.Missing, registry.Retired} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}

// current returns the counts, taken again when stale; ok is false when
// they could not be.
func (c *decoyCollector) current() (map[registry.Status]int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Read before counting: a change landing during the count moves it
	// again, and the next scrape counts anew.
	changes, now := c.index.Changes(), c.now()
	if !c.at.IsZero() && changes == c.changes && now.Sub(c.at) < recount {
		return c.counts, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.store.CountDecoys(ctx)
	if err != nil {
		c.log.Warn("metrics: counting decoys", "err", err)
		return nil, false
	}
	c.counts, c.changes, c.at = counts, changes, now
	return counts, true
}

// walCollector reports how SQLite's write-ahead log is kept bounded (see
// store.WALStats); it reports nothing on PostgreSQL.
type walCollector struct {
	store                          *store.Store
	bytes, restarts, held, seconds *prometheus.Desc
}

func newWALCollector(s *store.Store) *walCollector {
	return &walCollector{store: s,
		bytes:    prometheus.NewDesc("honeyvault_sqlite_wal_bytes", "Size of SQLite's write-ahead log file.", nil, nil),
		restarts: prometheus.NewDesc("honeyvault_sqlite_wal_restarts_total", "Times the writer started the write-ahead log over to keep it bounded.", nil, nil),
		held:     prometheus.NewDesc("honeyvault_sqlite_wal_restarts_held_total", "Restarts of the write-ahead log that readers held up (tried again later).", nil, nil),
		seconds:  prometheus.NewDesc("honeyvault_sqlite_wal_restart_seconds_total", "Time the writer spent restarting the write-ahead log instead of committing.", nil, nil),
	}
}

func (c *walCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bytes
	ch <- c.restarts
	ch <- c.held
	ch <- c.seconds
}

func (c *walCollector) Collect(ch chan<- prometheus.Metric) {
	st, ok := c.store.WAL()
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(st.Bytes))
	ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(st.Restarts))
	ch <- prometheus.MustNewConstMetric(c.held, prometheus.CounterValue, float64(st.HeldUp))
	ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.CounterValue, st.Spent.Seconds())
}
