package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// scheduledActor is who the audit trail names for scheduled runs.
const scheduledActor = "system (scheduled reconcile)"

// drift runs reconcile with the console's planter (the deployments'
// Deployer, signed in through the inventory's Azure client): on a schedule
// and when an admin asks (web.Reconciler). Every finding becomes one alert
// and incident, with its notifications, in the transaction that marks it
// alerted; a finding a later run resolves gets a recovery note on its
// incident. One run at a time.
type drift struct {
	st       *store.Store
	log      *slog.Logger
	runs     *deployments
	recorder *incident.DriftRecorder
	every    time.Duration // 0: not on a schedule
	// afterReconcile, if set, runs after each run, its alerts raised
	// (auto-planting's replacements: the alert comes first).
	afterReconcile func(context.Context)

	run sync.Mutex // held for a whole run
}

func newDrift(cfg config.Config, st *store.Store, runs *deployments, n incident.Notifier, log *slog.Logger) (*drift, error) {
	every, err := cfg.Reconcile.Every()
	if err != nil {
		return nil, err // config.Validate has refused it already
	}
	return &drift{st: st, log: log, runs: runs, recorder: incident.NewDriftRecorder(n), every: every}, nil
}

// Reconcile runs reconcile now, after any run under way, raises the
// alerts and notes the recoveries, and reports the run (web.Reconciler).
// The error is the store's: what Azure refused is in the report.
func (dr *drift) Reconcile(ctx context.Context, actor string) (web.ReconcileReport, error) {
	dr.run.Lock()
	defer dr.run.Unlock()
	r := web.ReconcileReport{Started: time.Now().UTC()}
	err := dr.reconcile(ctx, actor, &r)
	if dr.afterReconcile != nil {
		dr.afterReconcile(ctx)
	}
	r.Finished = time.Now().UTC()
	level := slog.LevelInfo
	if err != nil || len(r.Errors) > 0 || len(r.Findings) > 0 {
		level = slog.LevelWarn
	}
	dr.log.Log(ctx, level, "drift: reconcile done", "vaults", len(r.Vaults), "new_findings", len(r.Findings),
		"alerted", r.Alerted, "recovered", r.Recovered, "errors", strings.Join(r.Errors, "; "), "err", err)
	return r, err
}

func (dr *drift) reconcile(ctx context.Context, actor string, r *web.ReconcileReport) error {
	// Without decoys there is nothing to check: no need to sign in.
	if some, err := dr.st.ListDecoys(ctx, store.DecoyFilter{Limit: 1}); err != nil || len(some) == 0 {
		return err
	}
	d, err := dr.runs.deployer(ctx)
	if err != nil {
		r.Errors = append(r.Errors, err.Error())
		return nil
	}
	res, err := d.As(actor, nil).Reconcile(ctx, nil, nil)
	if err != nil {
		return err
	}
	for _, v := range res {
		rv := web.ReconcileVault{ID: v.VaultID, Name: v.Vault, Checked: v.Checked, Settled: v.Settled}
		if v.Err != nil {
			rv.Error = v.Err.Error()
		}
		r.Vaults = append(r.Vaults, rv)
		for _, f := range v.Findings {
			r.Findings = append(r.Findings, web.ReconcileFinding{ID: f.ID, DecoyID: f.DecoyID, Vault: v.Vault, Kind: string(f.Kind), Detail: f.Detail})
		}
	}
	var errs []error
	if r.Alerted, err = dr.raise(ctx, r.Started); err != nil {
		errs = append(errs, err)
	}
	if r.Recovered, err = dr.noteRecoveries(ctx, r.Started); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// raise turns every open finding no alert was raised for into one — this
// run's, and any an earlier run, honeyvault reconcile or a failed
// transaction left — each in its own transaction with its claim, so that
// none is raised twice and a rolled-back one is raised by the next run.
// A finding closed by retiring its decoy before any alert was raised for
// it (honeyvault reconcile found it, a person retired the decoy before
// serve's next run) is raised too: the change still happened.
func (dr *drift) raise(ctx context.Context, started time.Time) (int, error) {
	fs, err := dr.st.ListFindings(ctx, store.FindingFilter{OpenOnly: true, Unalerted: true})
	if err != nil {
		return 0, err
	}
	closed, err := dr.st.ListFindings(ctx, store.FindingFilter{Unalerted: true, ResolvedAfter: started.Add(-recoveryLookback)})
	if err != nil {
		return 0, err
	}
	fs = append(fs, closed...)
	raised := 0
	var errs []error
	for _, f := range fs {
		if !incident.Drifts(f.Kind) {
			continue
		}
		d, err := dr.st.GetDecoy(ctx, f.DecoyID)
		if errors.Is(err, store.ErrNotFound) {
			continue // no longer in the registry: nothing to tell about
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !f.ResolvedAt.IsZero() && d.Status != registry.Retired {
			continue // the decoy came back before anyone was told: as before
		}
		var in store.Incident
		var claimed bool
		err = dr.st.Update(ctx, func(tx *store.Tx) (err error) {
			// Set afresh on every attempt: the store may retry fn.
			if claimed, err = tx.ClaimFindingAlert(ctx, f.ID, tx.Now()); err != nil || !claimed {
				return err
			}
			in, err = dr.recorder.Raise(ctx, tx, f, d)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("drift: finding %d: %w", f.ID, err))
			continue
		}
		if claimed {
			raised++
			dr.log.Info("drift: alert raised", "finding", f.ID, "kind", f.Kind, "vault", d.VaultName, "incident", in.ID)
		}
	}
	return raised, errors.Join(errs...)
}

// recoveryLookback is how far back noteRecoveries looks for resolved
// findings: those this run resolved, and those honeyvault reconcile or
// another replica resolved meanwhile. A note is written once, so looking
// again costs a read.
const recoveryLookback = 24 * time.Hour

// noteRecoveries adds a recovery note to the incident of every alerted
// finding resolved since recoveryLookback before the run started.
func (dr *drift) noteRecoveries(ctx context.Context, started time.Time) (int, error) {
	resolved, err := dr.st.ListFindings(ctx, store.FindingFilter{ResolvedAfter: started.Add(-recoveryLookback)})
	if err != nil {
		return 0, err
	}
	noted := 0
	var errs []error
	for _, f := range resolved {
		if f.AlertedAt.IsZero() {
			continue
		}
		d, err := dr.st.GetDecoy(ctx, f.DecoyID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var wrote bool
		if err := dr.st.Update(ctx, func(tx *store.Tx) (err error) {
			wrote, err = dr.recorder.Recovered(ctx, tx, f, d)
			return err
		}); err != nil {
			errs = append(errs, fmt.Errorf("drift: finding %d: %w", f.ID, err))
			continue
		}
		if wrote {
			noted++
		}
	}
	return noted, errors.Join(errs...)
}

// loop reconciles now and then every dr.every until ctx ends: at start
// too, so that a server restarted more often than the interval still
// checks.
func (dr *drift) loop(ctx context.Context) {
	t := time.NewTicker(dr.every)
	defer t.Stop()
	for {
		dr.Reconcile(ctx, scheduledActor)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
