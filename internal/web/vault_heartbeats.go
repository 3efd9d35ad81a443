package web

import (
	"context"
	"time"
)

// gapsByVault is when each vault's open monitoring gap began (the
// heartbeat's, internal/health), by vault key: few rows, read whole.
func (h *handler) gapsByVault(ctx context.Context) (map[string]time.Time, error) {
	gaps, err := h.store.HeartbeatGaps(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(gaps))
	for _, g := range gaps {
		out[g.VaultKey] = g.Since
	}
	return out, nil
}
