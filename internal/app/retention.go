package app

import (
	"context"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/store"
)

// pruneChunk rows are deleted per transaction, so pruning a large backlog
// never holds the database writer long enough to stall ingestion.
const pruneChunk = 5000

// pruneEvents removes events older than the retention period, now and then
// every retention_interval, until ctx ends.
func (s *Server) pruneEvents(ctx context.Context) {
	every := time.Duration(s.cfg.RetentionInterval)
	if every <= 0 {
		every = time.Duration(config.Default().RetentionInterval)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		cutoff := time.Now().Add(-time.Duration(s.cfg.Retention))
		total, ok := 0, true
		for ctx.Err() == nil {
			n, err := s.Store.PruneEvents(ctx, cutoff, pruneChunk)
			if err != nil {
				ok = false
				s.log.Warn("retention: pruning events failed", "err", err)
				break
			}
			total += n
			if n < pruneChunk {
				break
			}
		}
		if total > 0 {
			s.log.Info("retention: pruned events", "count", total, "older_than", cutoff)
		}
		if ok && ctx.Err() == nil {
			// Which term pruned: the failover test tells a stale leader's
			// work from the new leader's by it.
			f, _ := store.FenceOf(ctx)
			s.log.Debug("retention: prune run", "lease_token", f.Token)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
