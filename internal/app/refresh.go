package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// refreshActor is who the audit trail names for scheduled refreshes.
const refreshActor = "system (scheduled refresh)"

// refreshEvery is how often the refresher looks for decoys due a new
// version: intervals are days at least, so an hour late is nothing, and a
// look costs one list call per vault holding decoys.
const refreshEvery = time.Hour

// refresher gives decoy secrets new versions as often as their vaults'
// real secrets change (plant.refresh; deploy.Deployer.Refresh), as the
// console's planter, on the scheduler lease's holder.
type refresher struct {
	runs     *deployments
	drift    *drift
	log      *slog.Logger
	fallback time.Duration
	now      func() time.Time // nil: the time; tests move it
}

// newRefresher returns nil when plant.refresh is off: nothing is ever
// written then.
func newRefresher(cfg config.Plant, runs *deployments, dr *drift, log *slog.Logger) *refresher {
	if !cfg.Refresh {
		return nil
	}
	return &refresher{runs: runs, drift: dr, log: log, fallback: time.Duration(cfg.RefreshDefault)}
}

// run refreshes the decoys due now. It holds reconcile's run lock: a
// reconcile listing a vault between a new version's write and its new
// baseline would take honeyvault's own version for drift.
func (r *refresher) run(ctx context.Context) ([]deploy.RefreshResult, error) {
	// Without decoys there is nothing to refresh: no need to sign in.
	if some, err := r.runs.st.ListDecoys(ctx, store.DecoyFilter{Type: registry.Secret, Status: registry.Active, Limit: 1}); err != nil || len(some) == 0 {
		return nil, err
	}
	base, err := r.runs.deployer(ctx)
	if err != nil {
		return nil, err
	}
	d := base.As(refreshActor, nil)
	if r.now != nil {
		d.Now = r.now
	}
	r.drift.run.Lock()
	defer r.drift.run.Unlock()
	res, err := d.Refresh(ctx, r.fallback)
	refreshed, skipped := 0, 0
	var errs []error
	for _, v := range res {
		refreshed += len(v.Refreshed)
		skipped += len(v.Skipped)
		if v.Err != nil {
			errs = append(errs, v.Err)
		}
	}
	level := slog.LevelInfo
	if err != nil || len(errs) > 0 {
		level = slog.LevelWarn
	}
	r.log.Log(ctx, level, "refresh: done", "vaults", len(res), "refreshed", refreshed, "skipped", skipped, "err", errors.Join(append(errs, err)...))
	return res, err
}

// loop refreshes now and then every refreshEvery until ctx ends.
func (r *refresher) loop(ctx context.Context) {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		r.run(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
