package secretstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/fanout"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Defaults of a Deployer.
const (
	DefaultConcurrency = 4
	// DefaultAllowFor is how long the planter's allow rule for its own
	// create of a decoy lasts, by the audit record's time: the create
	// happens within seconds, and a longer rule would hide the planter's
	// later tampering.
	DefaultAllowFor = time.Hour
)

// Deployer plants decoys into the stores of one Provider, records them in
// the registry and keeps the planter's own creates off the alarm. Fill in
// the fields, then call Deploy (or Prepare and Apply, to show the plan
// first). A Deployer is safe for concurrent use.
type Deployer struct {
	Provider Provider
	Store    *store.Store
	Planner  *plant.Planner
	// Planter is who Provider's client is; the zero value asks
	// Provider.Planter once, at first use.
	Planter Planter
	// Actor is who the audit trail names for this deployer's changes
	// ("cli:alice"); "" names the planter.
	Actor string
	// Hasher, when set, keeps a keyed hash of each decoy's value (its JSON
	// form) so that it can be recognised later; nil keeps nothing.
	Hasher *plant.Hasher
	// Concurrency is how many stores are worked on at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// AllowFor is how long allow rules for the planter's own operations
	// last; 0 means DefaultAllowFor.
	AllowFor time.Duration
	// Rand returns the generator that plans a store (names, quantities,
	// tags); nil means crypto randomness. Values always come from
	// crypto/rand.
	Rand func(storeID string) *rand.Rand
	// Now returns the time; nil means time.Now.
	Now func() time.Time
	// Log receives diagnostics (never a value or, above debug, a decoy name).
	Log *slog.Logger

	initOnce sync.Once
	initErr  error
}

// Phase is where a store's run stands, for progress reports.
type Phase string

// Phases of a store's run.
const (
	PhaseChecking Phase = "checking" // inventory
	PhasePlanned  Phase = "planned"  // plan made
	PhasePlanting Phase = "planting" // a decoy was created (Done of Total)
	PhaseDone     Phase = "done"
	PhaseFailed   Phase = "failed"
)

// Progress is one step of one store, reported as it happens. Callbacks may
// come from several goroutines at once.
type Progress struct {
	Store string // the store's name
	Phase Phase
	Done  int // decoys created (or retired) so far in this store
	Total int
	Err   error
}

// Run is one store's preparation and outcome.
type Run struct {
	Store Store
	// Plan is nil when the store could not be planned.
	Plan *plant.VaultPlan
	// Planted are the decoys created and recorded.
	Planted []registry.Decoy
	// Unsettled decoys were sent but got no clear answer: they stay
	// pending and Reconcile settles them.
	Unsettled []registry.Decoy
	// Err is what went wrong, if anything; other stores carry on.
	Err error
}

// Failed reports whether the store ended with an error.
func (r *Run) Failed() bool { return r.Err != nil }

func (d *Deployer) init(ctx context.Context) error {
	d.initOnce.Do(func() {
		switch {
		case d.Provider == nil:
			d.initErr = errors.New("secretstore: deployer without a provider")
		case d.Store == nil:
			d.initErr = errors.New("secretstore: deployer without a store")
		case d.Planner == nil:
			d.initErr = errors.New("secretstore: deployer without a planner")
		}
		if d.initErr == nil && d.Planter.Identity == "" {
			d.Planter, d.initErr = d.Provider.Planter(ctx)
			if d.initErr == nil && d.Planter.Identity == "" {
				d.initErr = fmt.Errorf("secretstore: %s gave no planter identity", d.Provider.Kind().Label())
			}
		}
	})
	return d.initErr
}

func (d *Deployer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deployer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (d *Deployer) allowFor() time.Duration { return cmp.Or(d.AllowFor, DefaultAllowFor) }

func (d *Deployer) concurrency() int { return cmp.Or(d.Concurrency, DefaultConcurrency) }

func report(progress func(Progress), p Progress) {
	if progress != nil {
		progress(p)
	}
}

// who is the audit entry for a change this deployer makes.
func (d *Deployer) who(detail string) store.AuditEntry {
	actor := cmp.Or(d.Actor, d.Planter.String())
	by := fmt.Sprintf("as planter %s (%s)", d.Planter, d.Planter.Identity)
	if detail != "" {
		by = detail + "; " + by
	}
	return store.AuditEntry{Actor: actor, Detail: by}
}

// Deploy plants decoys into every store (Prepare, then Apply). Errors of
// single stores are in their runs; the error returned is for the run as a
// whole (bad settings, the planter unknown, the registry unreadable).
func (d *Deployer) Deploy(ctx context.Context, stores []Store, progress func(Progress)) ([]*Run, error) {
	runs, err := d.Prepare(ctx, stores, progress)
	if err != nil {
		return runs, err
	}
	d.Apply(ctx, runs, progress)
	return runs, nil
}

// Prepare inventories and plans every store: the dry run. It writes
// nothing to the registry and creates nothing.
func (d *Deployer) Prepare(ctx context.Context, stores []Store, progress func(Progress)) ([]*Run, error) {
	if err := d.init(ctx); err != nil {
		return nil, err
	}
	for _, s := range stores {
		if p := registry.ProviderOf(s.ID); p != d.Provider.Kind() {
			return nil, fmt.Errorf("secretstore: store %q is not a %s store", s.ID, d.Provider.Kind().Label())
		}
	}
	byStore, err := d.registryByStore(ctx)
	if err != nil {
		return nil, err
	}
	runs := make([]*Run, len(stores))
	for i, s := range stores {
		runs[i] = &Run{Store: s}
	}
	d.forEach(ctx, runs, func(ctx context.Context, r *Run) {
		report(progress, Progress{Store: r.Store.Name, Phase: PhaseChecking})
		d.prepare(ctx, r, byStore[registry.VaultKey(r.Store.ID)])
		if r.Err != nil {
			report(progress, Progress{Store: r.Store.Name, Phase: PhaseFailed, Err: r.Err})
			return
		}
		report(progress, Progress{Store: r.Store.Name, Phase: PhasePlanned, Total: len(r.Plan.Decoys)})
	})
	return runs, nil
}

func (d *Deployer) registryByStore(ctx context.Context) (map[string][]registry.Decoy, error) {
	all, err := d.Store.ListDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		return nil, err
	}
	out := map[string][]registry.Decoy{}
	for _, dec := range all {
		k := registry.VaultKey(dec.VaultID)
		out[k] = append(out[k], dec)
	}
	return out, nil
}

func (d *Deployer) prepare(ctx context.Context, r *Run, planted []registry.Decoy) {
	mine := map[string]bool{}
	for _, dec := range planted {
		mine[dec.Name] = true
	}
	secrets, err := d.Provider.Inventory(ctx, r.Store.ID, func(name string) bool { return mine[name] })
	if err != nil {
		r.Err = fmt.Errorf("secretstore: store %s: inventory: %w", r.Store.Name, err)
		return
	}
	inv := plant.Inventory{VaultID: r.Store.ID}
	for _, s := range secrets {
		inv.Objects = append(inv.Objects, plant.Object{Name: s.Name, Type: registry.Secret, Tags: s.Tags,
			Created: s.Created, Updated: s.Updated, Deleted: s.Deleted})
	}
	var rng *rand.Rand
	if d.Rand != nil {
		rng = d.Rand(r.Store.ID)
	}
	r.Plan, r.Err = d.Planner.Plan(inv, planted, rng)
}

// forEach runs fn for every run with bounded concurrency; a run never
// reached because ctx ended carries ctx's error.
func (d *Deployer) forEach(ctx context.Context, runs []*Run, fn func(context.Context, *Run)) {
	fanout.Each(ctx, len(runs), d.concurrency(), func(i int) {
		fn(ctx, runs[i])
	}, func(i int) {
		if runs[i].Err == nil {
			runs[i].Err = ctx.Err()
		}
	})
}
