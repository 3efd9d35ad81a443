package app

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/cloudtrail"
	"github.com/honeyvault/honeyvault/internal/ingest/eventhubs"
	"github.com/honeyvault/honeyvault/internal/ingest/file"
	"github.com/honeyvault/honeyvault/internal/ingest/loganalytics"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/ingest/storage"
	"github.com/honeyvault/honeyvault/internal/ingest/vaultsocket"
)

// Poll intervals of the sources that poll, when the file sets none.
const (
	defaultStorageInterval      = 30 * time.Second
	defaultLogAnalyticsInterval = time.Minute
	defaultFileInterval         = 5 * time.Second
	// CloudTrail delivers a region's log file about every five minutes.
	defaultCloudTrailInterval = time.Minute
)

// sourceLeasePrefix names a pull source's lease: source:NAME.
const sourceLeasePrefix = "source:"

// setupSources builds a runner for every configured live source, feeding
// the pipeline, each run as a background task, their state exported as
// honeyvault_source_* metrics. Nothing connects yet: a source that cannot
// reach its service backs off and reports it, without stopping the start.
//
// Event Hubs/Kafka sources run on every replica: the consumer group shares
// the partitions among them. So do Vault socket listeners: Vault connects
// to whichever replica its address names, and a listener holds no
// checkpoint another could race for. The pull sources — storage containers, Log
// Analytics queries, files, CloudTrail buckets — cannot be shared (two readers would read
// each item twice and race for its checkpoint), so each runs on the one
// replica holding its lease, source:NAME, and passes to another when that
// replica stops or its lease expires; what it stores is fenced by the
// lease (store.Batch.Fence), so a replica paused past it moves no
// checkpoint once another took the source over.
func (s *Server) setupSources(reg prometheus.Registerer) error {
	in := s.cfg.Ingest
	add := func(name, kind string, p source.Poller, interval config.Duration, def time.Duration) {
		iv := time.Duration(interval)
		if iv <= 0 {
			iv = def
		}
		r := &source.Runner{Name: name, Kind: kind, Poller: p, Submitter: s.Pipeline, Interval: iv, Log: s.log}
		s.sources = append(s.sources, r)
		if kind == "eventhubs" || kind == "vaultsocket" {
			s.tasks = append(s.tasks, r.Run)
			return
		}
		lease := newLeaseRunner(s.Store, s.log, sourceLeasePrefix+name, s.leader.id, s.leader.ttl)
		s.leases = append(s.leases, lease)
		r.Standby()
		// Run goes again at each term: these pollers keep nothing open
		// between polls (none is an io.Closer, which Run would close).
		s.tasks = append(s.tasks, lease.Run, func(ctx context.Context) {
			lease.only(func(term context.Context) {
				r.Run(term)
				if ctx.Err() == nil { // the term ended, not serve
					r.Standby()
				}
			})(ctx)
		})
	}
	for i, c := range in.EventHubs {
		cfg, err := eventhubs.FromConfig(c)
		if err == nil {
			var src *eventhubs.Source
			if src, err = eventhubs.New(cfg, s.log); err == nil {
				add(c.Name, "eventhubs", src, 0, -1) // a poll waits for records
			}
		}
		if err != nil {
			return &config.Error{Setting: fmt.Sprintf("ingest.eventhubs[%d]", i), Err: err}
		}
	}
	for i, c := range in.Storage {
		client, err := storage.NewClient(c, nil)
		if err != nil {
			return &config.Error{Setting: fmt.Sprintf("ingest.storage[%d]", i), Err: err}
		}
		add(c.Name, "storage", storage.New(storage.FromConfig(c), client, s.Store, s.log), c.PollInterval, defaultStorageInterval)
	}
	for i, c := range in.LogAnalytics {
		client, err := loganalytics.NewClient(c, nil, nil)
		if err != nil {
			return &config.Error{Setting: fmt.Sprintf("ingest.loganalytics[%d]", i), Err: err}
		}
		add(c.Name, "loganalytics", loganalytics.New(loganalytics.FromConfig(c), client, s.Store, s.log), c.PollInterval, defaultLogAnalyticsInterval)
	}
	for i, c := range in.CloudTrail {
		client, err := cloudtrail.NewClient(context.Background(), c)
		if err != nil {
			return &config.Error{Setting: fmt.Sprintf("ingest.cloudtrail[%d]", i), Err: err}
		}
		add(c.Name, "cloudtrail", cloudtrail.New(cloudtrail.FromConfig(c), client, s.Store, s.log), c.PollInterval, defaultCloudTrailInterval)
	}
	for _, c := range in.Files {
		cfg := file.Config{Name: c.Name, Path: c.Path, Patterns: c.Patterns, Settle: time.Duration(c.Settle), VaultCluster: c.VaultCluster}
		add(c.Name, "file", file.New(cfg, s.Store, s.log), c.PollInterval, defaultFileInterval)
	}
	for _, c := range in.VaultSockets {
		cfg := vaultsocket.Config{Name: c.Name, Network: c.Network, Addr: c.Listen, VaultCluster: c.VaultCluster,
			MaxConnections: c.MaxConnections, MaxLineBytes: c.MaxLineBytes, AllowFrom: c.AllowFromPrefixes()}
		add(c.Name, "vaultsocket", vaultsocket.New(cfg, s.log), 0, -1) // a poll waits for entries
	}
	if len(s.sources) > 0 {
		reg.MustRegister(source.NewCollector(s.sources...))
		for _, r := range s.sources {
			s.log.Info("ingest source configured", "source", r.Name, "kind", r.Kind)
		}
	}
	return nil
}

// Sources reports the state of every configured live source (records,
// errors, last record time, lag), for the console.
func (s *Server) Sources() []source.Status {
	out := make([]source.Status, len(s.sources))
	for i, r := range s.sources {
		out[i] = r.Status()
	}
	return out
}
