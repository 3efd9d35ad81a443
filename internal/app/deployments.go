package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// Defaults of the console's runs.
const (
	// planLifetime is how long a plan may wait for its confirmation: long
	// enough to read it, short enough that nobody applies a stale one.
	planLifetime = 15 * time.Minute
	// runsKept bounds the runs held in memory; the oldest that is over
	// (done or expired) makes room for a new one.
	runsKept = 50
)

// deployments runs the console's deploys and retires (web.Deployments)
// with the planter of `honeyvault plant`, signed in through the
// inventory's Azure client. Runs live in memory only: a restart forgets
// them (the audit trail and the registry keep what they did). One run at
// a time per vault, across deploys and retires.
type deployments struct {
	inv   *inventory
	st    *store.Store
	plant config.Plant
	// canaries are the canary kinds the planter puts into values (checked
	// at start: deploy.CanariesOf).
	canaries plant.Canaries
	log      *slog.Logger
	now      func() time.Time
	ttl      time.Duration
	keep     int

	ctx    context.Context // ends when serve stops: runs under way are cut short
	cancel context.CancelFunc
	wg     sync.WaitGroup

	baseMu sync.Mutex
	base   *deploy.Deployer // built at the first run that signs in

	mu    sync.Mutex
	next  int64
	runs  map[int64]*run
	order []int64          // ids, oldest first
	busy  map[string]int64 // vault key → the run running there

	// afterRun, if set, runs after each deploy or retire run has ended
	// (the KVReview upkeep: coverage changed).
	afterRun func(context.Context)
}

// run is one run and what executing it needs. Its web.Run is guarded by
// deployments.mu.
type run struct {
	web.Run
	seed   [2]uint64
	vaults []store.Vault    // deploy
	decoys []registry.Decoy // retire
	// ended, if set, gets the run once it is over, and whether it ever
	// started: auto-planting learns which vaults failed.
	ended func(r web.Run, started bool)
	// ctx is what the run works with: the deployments' own (ended when
	// serve stops), carrying the fence of the scheduler term that started
	// it when auto-planting did, so that a stale leader's run plants
	// nothing more once the lease passed on.
	ctx context.Context
}

func newDeployments(inv *inventory, st *store.Store, plant config.Plant, log *slog.Logger) *deployments {
	ctx, cancel := context.WithCancel(context.Background())
	return &deployments{inv: inv, st: st, plant: plant, log: log, now: time.Now, ttl: planLifetime, keep: runsKept,
		ctx: ctx, cancel: cancel, runs: map[int64]*run{}, busy: map[string]int64{}}
}

// stop waits until ctx ends (serve stopping), then cuts runs short and
// waits for them: temporary grants are removed and each run's last audit
// row written before the store closes.
func (ds *deployments) stop(ctx context.Context) {
	<-ctx.Done()
	ds.cancel()
	ds.wg.Wait()
}

// deployer is the planter's Deployer, built once it can sign in.
func (ds *deployments) deployer(ctx context.Context) (*deploy.Deployer, error) {
	ds.baseMu.Lock()
	defer ds.baseMu.Unlock()
	if ds.base != nil {
		return ds.base, nil
	}
	az, err := ds.inv.azureClient()
	if err != nil {
		return nil, fmt.Errorf("signing in to Azure: %w", err)
	}
	d, err := deploy.SetupWith(ctx, ds.plant, ds.st, az, ds.log)
	if err != nil {
		return nil, fmt.Errorf("signing in to Azure: %w", err)
	}
	d.Canaries = ds.canaries
	ds.base = d
	return d, nil
}

// PlanDeploy starts planning a deploy to vaults (web.Deployments).
func (ds *deployments) PlanDeploy(_ context.Context, by web.RunActor, vaults []store.Vault) (web.Run, error) {
	r := newDeployRun(vaults)
	return ds.add(r, by, func() { ds.planDeploy(r) })
}

// DeployUnconfirmed plans a deploy to vaults and confirms it as by as soon
// as the plan is ready, with nobody looking at it: auto-planting. The run
// is like any other (its page, the API, the audit trail, one run per
// vault). ended, if set, gets the run once it is over, also when its plan
// failed (started true: the vaults were tried) or it could not start
// (false).
func (ds *deployments) DeployUnconfirmed(ctx context.Context, by web.RunActor, vaults []store.Vault, ended func(r web.Run, started bool)) (web.Run, error) {
	r := newDeployRun(vaults)
	r.ended = ended
	if f, ok := store.FenceOf(ctx); ok {
		r.ctx = store.WithFence(ds.ctx, f)
	}
	return ds.add(r, by, func() {
		ds.planDeploy(r)
		if run, _ := ds.Run(r.ID); run.State != web.RunPlanned {
			ds.ended(r, true) // the plan failed as a whole
			return
		}
		err := r.ctx.Err()
		if err == nil {
			err = ds.st.CheckFence(r.ctx)
		}
		if err == nil {
			_, err = ds.Confirm(r.ctx, r.ID, by)
		}
		if err != nil {
			// A person's run took one of its vaults meanwhile, or serve
			// is stopping.
			ds.failPlan(r, fmt.Errorf("not started: %w", err))
			ds.ended(r, false)
		}
	})
}

func newDeployRun(vaults []store.Vault) *run {
	r := &run{vaults: vaults}
	r.Kind = web.KindDeploy
	for _, v := range vaults {
		r.Vaults = append(r.Vaults, web.RunVault{ID: v.ID, Name: v.Name})
	}
	return r
}

// ended hands r, over, to its ended callback.
func (ds *deployments) ended(r *run, started bool) {
	if r.ended == nil {
		return
	}
	ds.mu.Lock()
	over := cloneRun(r.Run)
	ds.mu.Unlock()
	r.ended(over, started)
}

// RunsOf lists the runs kept that include the vault with ARM id id,
// newest first (web.Deployments).
func (ds *deployments) RunsOf(id string) []web.Run {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	var out []web.Run
	for i := len(ds.order) - 1; i >= 0; i-- {
		r := ds.runs[ds.order[i]]
		if r.vaultIndex(id) >= 0 {
			ds.expireLocked(r)
			out = append(out, cloneRun(r.Run))
		}
	}
	return out
}

// Busy says whether the vault with ARM id id has a run under way.
func (ds *deployments) Busy(id string) bool {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	_, ok := ds.busy[registry.VaultKey(id)]
	return ok
}

// PlanRetire starts planning the retirement of decoys (web.Deployments).
func (ds *deployments) PlanRetire(_ context.Context, by web.RunActor, decoys []registry.Decoy, purge bool) (web.Run, error) {
	r := &run{decoys: decoys}
	r.Kind, r.Purge = web.KindRetire, purge
	for _, d := range decoys {
		i := r.vaultIndex(d.VaultID)
		if i < 0 {
			r.Vaults = append(r.Vaults, web.RunVault{ID: d.VaultID, Name: d.VaultName})
			i = len(r.Vaults) - 1
		}
		v := &r.Vaults[i]
		v.Planned = append(v.Planned, web.RunDecoy{ID: d.ID, Type: string(d.Type), Name: d.Name, What: string(d.Status)})
		v.Total = len(v.Planned)
	}
	// Nothing to ask Azure before confirming: the plan is the registry's.
	return ds.add(r, by, func() { ds.planned(r) })
}

// add registers r as planning (refusing busy vaults and a full memory)
// and plans it in the background.
func (ds *deployments) add(r *run, by web.RunActor, plan func()) (web.Run, error) {
	seed, err := newSeed()
	if err != nil {
		return web.Run{}, err
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if err := ds.busyLocked(r); err != nil {
		return web.Run{}, err
	}
	if len(ds.runs) >= ds.keep && !ds.evictLocked() {
		return web.Run{}, fmt.Errorf("%w: %d runs are planned or running; confirm or wait for some", web.ErrTooManyRuns, len(ds.runs))
	}
	ds.next++
	r.ID, r.seed = ds.next, seed
	if r.ctx == nil {
		r.ctx = ds.ctx
	}
	r.State, r.PlannedBy, r.Created = web.RunPlanning, by.Name, ds.now().UTC()
	r.Expires = r.Created.Add(ds.ttl)
	ds.runs[r.ID] = r
	ds.order = append(ds.order, r.ID)
	ds.wg.Add(1)
	go func() {
		defer ds.wg.Done()
		plan()
	}()
	return cloneRun(r.Run), nil
}

// busyLocked refuses r when a vault of it has a run under way.
func (ds *deployments) busyLocked(r *run) error {
	for _, v := range r.Vaults {
		if id, ok := ds.busy[registry.VaultKey(v.ID)]; ok && id != r.ID {
			other := ds.runs[id]
			return fmt.Errorf("%w: %s has a %s under way (run %d); wait for it to end", web.ErrVaultBusy, v.Name, other.Kind, id)
		}
	}
	return nil
}

// evictLocked forgets the oldest run that is over, if there is one.
func (ds *deployments) evictLocked() bool {
	for i, id := range ds.order {
		r := ds.runs[id]
		ds.expireLocked(r)
		if r.State == web.RunDone || r.State == web.RunExpired {
			delete(ds.runs, id)
			ds.order = slices.Delete(ds.order, i, i+1)
			return true
		}
	}
	return false
}

// expireLocked turns a plan left unconfirmed past its time into an
// expired one.
func (ds *deployments) expireLocked(r *run) {
	if r.State == web.RunPlanned && ds.now().After(r.Expires) {
		r.State = web.RunExpired
	}
}

// Run is a copy of run id as it stands (web.Deployments).
func (ds *deployments) Run(id int64) (web.Run, bool) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	r, ok := ds.runs[id]
	if !ok {
		return web.Run{}, false
	}
	ds.expireLocked(r)
	return cloneRun(r.Run), true
}

// Confirm starts a planned run (web.Deployments): its vaults are busy
// until it ends, and the audit trail gets a row now and one at the end.
func (ds *deployments) Confirm(ctx context.Context, id int64, by web.RunActor) (web.Run, error) {
	ds.mu.Lock()
	r, ok := ds.runs[id]
	if !ok {
		ds.mu.Unlock()
		return web.Run{}, fmt.Errorf("%w: %d", web.ErrRunNotFound, id)
	}
	ds.expireLocked(r)
	var err error
	switch r.State {
	case web.RunPlanning:
		err = fmt.Errorf("%w: the plan is not ready yet; wait for it", web.ErrRunState)
	case web.RunExpired:
		err = fmt.Errorf("%w: the plan expired at %s, unconfirmed; plan again", web.ErrRunState, r.Expires.Format("15:04:05 UTC"))
	case web.RunRunning, web.RunDone:
		err = fmt.Errorf("%w: this run was confirmed already (by %s)", web.ErrRunState, r.ConfirmedBy)
	}
	if err == nil {
		err = ds.busyLocked(r)
	}
	if err != nil {
		ds.mu.Unlock()
		return web.Run{}, err
	}
	for _, v := range r.Vaults {
		ds.busy[registry.VaultKey(v.ID)] = r.ID
	}
	r.State, r.ConfirmedBy, r.Started = web.RunRunning, by.Name, ds.now().UTC()
	for i := range r.Vaults {
		r.Vaults[i].Phase, r.Vaults[i].Done = "", 0
	}
	started := cloneRun(r.Run)
	ds.mu.Unlock()

	ds.audit(ctx, by, r.Kind, "start", r.ID, startDetail(started))
	ds.wg.Add(1)
	go func() {
		defer ds.wg.Done()
		if r.Kind == web.KindRetire {
			ds.retire(r, by)
		} else {
			ds.deploy(r, by)
		}
		// Told before the run shows done, so that whoever sees it done
		// sees what auto-planting learnt from it.
		ds.ended(r, true)
		ds.finish(r, by)
		if ds.afterRun != nil {
			ds.afterRun(r.ctx)
		}
	}()
	return started, nil
}

// finish records r's outcome, then marks it done and frees its vaults:
// whoever sees it done finds its row in the audit trail.
func (ds *deployments) finish(r *run, by web.RunActor) {
	ds.mu.Lock()
	done := cloneRun(r.Run)
	ds.mu.Unlock()
	// Fenced like the run: a stale leader's auto-plant run leaves its end
	// to the new leader's reconcile.
	ds.audit(r.ctx, by, r.Kind, "finish", r.ID, finishDetail(done))
	ds.mu.Lock()
	defer ds.mu.Unlock()
	r.State, r.Finished = web.RunDone, ds.now().UTC()
	for _, v := range r.Vaults {
		if ds.busy[registry.VaultKey(v.ID)] == r.ID {
			delete(ds.busy, registry.VaultKey(v.ID))
		}
	}
}

// planned makes r a plan waiting for its confirmation.
func (ds *deployments) planned(r *run) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	r.State = web.RunPlanned
	r.Expires = ds.now().UTC().Add(ds.ttl)
}

// failPlan ends a plan that could not be made at all.
func (ds *deployments) failPlan(r *run, err error) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	r.State, r.Error, r.Finished = web.RunDone, err.Error(), ds.now().UTC()
}

// update changes r under the lock.
func (ds *deployments) update(r *run, change func(*run)) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	change(r)
}

// audit records one row of a run: who, which run, what.
func (ds *deployments) audit(ctx context.Context, by web.RunActor, kind web.RunKind, what string, id int64, detail string) {
	err := ds.st.RecordAudit(context.WithoutCancel(ctx), store.AuditEntry{Actor: by.Name, Action: string(kind) + "." + what,
		Target: fmt.Sprintf("run:%d", id), Detail: detail, RemoteAddr: by.RemoteAddr})
	if err != nil {
		ds.log.Error("deployments: audit trail: unable to record", "action", string(kind)+"."+what, "err", err)
	}
}

// vaultIndex is the index of the vault with ARM id id in r, or -1.
func (r *run) vaultIndex(id string) int {
	k := registry.VaultKey(id)
	for i, v := range r.Vaults {
		if registry.VaultKey(v.ID) == k {
			return i
		}
	}
	return -1
}

// vaultNamed is the index of the vault named name in r, or -1 (progress
// reports name vaults; names are unique across Azure).
func (r *run) vaultNamed(name string) int {
	for i, v := range r.Vaults {
		if strings.EqualFold(v.Name, name) {
			return i
		}
	}
	return -1
}

// cloneRun copies r deeply enough that the copy never changes under its
// reader.
func cloneRun(r web.Run) web.Run {
	r.Vaults = slices.Clone(r.Vaults)
	for i := range r.Vaults {
		v := &r.Vaults[i]
		v.Planned, v.Covered, v.Findings = slices.Clone(v.Planned), slices.Clone(v.Covered), slices.Clone(v.Findings)
		v.Notes, v.Result = slices.Clone(v.Notes), slices.Clone(v.Result)
	}
	return r
}
