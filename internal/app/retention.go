package app

import (
	"context"
	"time"
)

// pruneInterval is how often events older than the retention are removed.
const pruneInterval = 10 * time.Minute

// pruneChunk rows are deleted per transaction, so pruning a large backlog
// never holds the database writer long enough to stall ingestion.
const pruneChunk = 5000

// pruneEvents removes events older than the retention period, now and then
// every pruneInterval, until ctx ends.
func (s *Server) pruneEvents(ctx context.Context) {
	t := time.NewTicker(pruneInterval)
	defer t.Stop()
	for {
		cutoff := time.Now().Add(-time.Duration(s.cfg.Retention))
		total := 0
		for ctx.Err() == nil {
			n, err := s.Store.PruneEvents(ctx, cutoff, pruneChunk)
			if err != nil {
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
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
