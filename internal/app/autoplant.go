package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// autoPlantActor is who the audit trail and the run pages name for the
// runs auto-planting starts.
const autoPlantActor = "system (auto-plant)"

// autoRetryCap is the most discoveries a vault whose auto-plant keeps
// failing waits between tries: a day at the default inventory.interval, so
// a vault fixed by its owner is planted within a day without anyone asking.
const autoRetryCap = 24

// autoPlanter plants without a person confirming (plant.auto): after each
// discovery into every vault that holds no active decoy, and after each
// reconcile into a vault where a decoy was deleted or purged outside
// honeyvault and a type of plant.types has no active decoy left. Each
// batch is one console deploy run (deployments.DeployUnconfirmed), with the
// same preflight, rate limits and one-run-per-vault rule, audited as
// autoPlantActor. A vault whose run failed waits for discoveries, not
// reconciles, before it is tried again, and for more of them each time it
// fails (retryAfter): a vault nobody fixes is not tried on every run.
type autoPlanter struct {
	st    *store.Store
	runs  *deployments
	types []registry.Type
	log   *slog.Logger

	mu          sync.Mutex
	discoveries int64                  // discoveries seen so far
	failed      map[string]autoFailure // vault key → its failed tries
	// planting holds the vaults of this planter's runs not yet over: a
	// run's vaults count as busy only from its confirmation.
	planting map[string]bool
}

// autoFailure is what auto-planting remembers of a vault whose runs failed.
type autoFailure struct {
	times int   // consecutive failed runs
	next  int64 // the discovery from which it may be tried again
}

// newAutoPlanter is nil when plant.auto is off: its hooks then do nothing.
func newAutoPlanter(cfg config.Plant, st *store.Store, runs *deployments, types []registry.Type, log *slog.Logger) *autoPlanter {
	if !cfg.Auto {
		return nil
	}
	return &autoPlanter{st: st, runs: runs, types: types, log: log, failed: map[string]autoFailure{}, planting: map[string]bool{}}
}

// retryAfter is how many discoveries a vault waits after its n-th failed
// run in a row: 1 (the next discovery), 2, 4, … up to autoRetryCap.
func retryAfter(n int) int64 {
	wait := int64(1)
	for i := 1; i < n && wait < autoRetryCap; i++ {
		wait *= 2
	}
	return min(wait, autoRetryCap)
}

// AfterDiscover plants into the discovered vaults that hold no active
// decoy, are not known to be blocked and have no run under way.
func (a *autoPlanter) AfterDiscover(ctx context.Context) {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.discoveries++
	a.mu.Unlock()
	vaults, err := a.st.ListVaults(ctx, store.VaultFilter{})
	if err != nil {
		a.log.Error("autoplant: unable to list vaults", "err", err)
		return
	}
	active, err := a.st.ActiveDecoysByVault(ctx)
	if err != nil {
		a.log.Error("autoplant: unable to count decoys", "err", err)
		return
	}
	var pick []store.Vault
	for _, v := range vaults {
		if active[v.Key()] == 0 && a.mayPlant(v) {
			pick = append(pick, v)
		}
	}
	a.start(ctx, pick, "discovery")
}

// AfterReconcile plants replacements where decoys were deleted or purged
// outside honeyvault (an open finding) and a type of plant.types has no
// active decoy left. A decoy disabled or changed is left alone: its owner
// may be looking into it, and a replacement would bury the evidence.
func (a *autoPlanter) AfterReconcile(ctx context.Context) {
	if a == nil {
		return
	}
	findings, err := a.st.OpenFindingsByVault(ctx, store.VaultFilter{})
	if err != nil {
		a.log.Error("autoplant: unable to list findings", "err", err)
		return
	}
	lost := map[string]bool{}
	for _, f := range findings {
		if f.Kind == store.FindingDeleted || f.Kind == store.FindingGone {
			lost[f.VaultKey] = true
		}
	}
	if len(lost) == 0 {
		return
	}
	counts, err := a.st.CountDecoysByVault(ctx, store.VaultFilter{})
	if err != nil {
		a.log.Error("autoplant: unable to count decoys", "err", err)
		return
	}
	active := map[string]map[registry.Type]int{}
	for _, c := range counts {
		if c.Status == registry.Active {
			if active[c.VaultKey] == nil {
				active[c.VaultKey] = map[registry.Type]int{}
			}
			active[c.VaultKey][c.Type] += c.N
		}
	}
	vaults, err := a.st.ListVaults(ctx, store.VaultFilter{})
	if err != nil {
		a.log.Error("autoplant: unable to list vaults", "err", err)
		return
	}
	var pick []store.Vault
	for _, v := range vaults {
		if lost[v.Key()] && a.lacksType(active[v.Key()]) && a.mayPlant(v) {
			pick = append(pick, v)
		}
	}
	a.start(ctx, pick, "reconcile")
}

// lacksType says whether a type of plant.types has no active decoy.
func (a *autoPlanter) lacksType(active map[registry.Type]int) bool {
	for _, t := range a.types {
		if active[t] == 0 {
			return true
		}
	}
	return false
}

// mayPlant says whether v may be planted now: not known to be blocked, no
// run under way there, and not waiting after a failed run.
func (a *autoPlanter) mayPlant(v store.Vault) bool {
	// Auto-planting deploys into Key Vaults; other stores are planted with
	// honeyvault plant.
	if registry.ProviderOf(v.ID) != registry.AzureKeyVault || v.PlantingBlocked != "" || !v.GoneAt.IsZero() || a.runs.Busy(v.ID) {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.planting[v.Key()] {
		return false
	}
	f, ok := a.failed[v.Key()]
	return !ok || a.discoveries >= f.next
}

// start runs one unconfirmed deploy to vaults, fenced by ctx's term.
func (a *autoPlanter) start(ctx context.Context, vaults []store.Vault, after string) {
	if len(vaults) == 0 {
		return
	}
	a.mu.Lock()
	for _, v := range vaults {
		a.planting[v.Key()] = true
	}
	a.mu.Unlock()
	run, err := a.runs.DeployUnconfirmed(ctx, web.RunActor{Name: autoPlantActor}, vaults, a.ended)
	if err != nil {
		a.mu.Lock()
		for _, v := range vaults {
			delete(a.planting, v.Key())
		}
		a.mu.Unlock()
		a.log.Warn("autoplant: unable to start a run", "after", after, "vaults", len(vaults), "err", err)
		return
	}
	a.log.Info("autoplant: run started", "after", after, "run", run.ID, "vaults", len(vaults))
}

// ended learns from a run over which vaults failed (they wait) and which
// did not (forgotten). A run that never started (a person's run took a
// vault first) tells nothing of its vaults.
func (a *autoPlanter) ended(run web.Run, started bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	failed := 0
	for _, v := range run.Vaults {
		k := registry.VaultKey(v.ID)
		delete(a.planting, k)
		if !started {
			continue
		}
		if run.Error == "" && v.Error == "" && v.Phase != string(deploy.PhaseFailed) {
			delete(a.failed, k)
			continue
		}
		failed++
		f := a.failed[k]
		f.times++
		f.next = a.discoveries + retryAfter(f.times)
		a.failed[k] = f
	}
	level := slog.LevelInfo
	if failed > 0 {
		level = slog.LevelWarn
	}
	// Each vault's reason is on the run's page: failures can name what
	// was being created.
	a.log.Log(context.Background(), level, "autoplant: run ended", "run", run.ID, "vaults", len(run.Vaults), "failed", failed)
}
