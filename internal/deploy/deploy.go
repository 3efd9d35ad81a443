package deploy

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/fanout"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Defaults of a Deployer.
const (
	DefaultConcurrency     = 8
	DefaultMaxThrottleWait = 5 * time.Minute
	// DefaultAllowFor is how long the planter's allow rule for a decoy's
	// create operation lasts, by the audit record's own time: the create
	// happens within seconds, and a rule that outlives it would hide the
	// planter's later tampering.
	DefaultAllowFor = time.Hour
)

// maxThrottleRetries bounds how often one operation is retried after 429s
// the SDK gave up on.
const maxThrottleRetries = 5

// Deployer plants decoys into vaults, records them in the registry and
// keeps the planter's create operations off the alarm. Fill in the fields,
// then call Deploy (or Prepare, Apply and Release for a plan shown before
// it is applied). A Deployer is safe for concurrent use.
type Deployer struct {
	Azure   *azure.Client
	Store   *store.Store
	Planner *plant.Planner
	// Planter is the identity the Azure client signs in as (Client.WhoAmI):
	// the registry's created-by, the allow rules' identity, whose access the
	// preflight checks.
	Planter azure.Principal
	// Actor is who the audit trail names for this deployer's changes: the
	// person or token that asked ("cli:alice", "token:12 (console)"); ""
	// names the planter. Every row also names the planter in its detail.
	Actor string
	// Limiter paces requests; nil means NewLimiter(DefaultLimits()).
	Limiter *Limiter
	// Canaries, when on, makes each decoy secret's value a canary of one
	// of its kinds (plant.CanaryKindFor), its token recorded with the
	// decoy (store.NewCanary); the zero value plants plain values.
	Canaries plant.Canaries
	// Hasher, when set, keeps a keyed hash of each secret's value so that
	// the value can be recognised later; nil keeps nothing.
	Hasher *plant.Hasher
	// Concurrency is how many vaults are worked on at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// MaxThrottleWait is the longest Retry-After honeyvault waits out (the
	// SDK gives up on more than 60 s); a vault asking for longer fails with
	// a message to run again later. 0 means DefaultMaxThrottleWait.
	MaxThrottleWait time.Duration
	// GrantTemporary adds the planter to an access-policy vault's policies
	// for what planting needs when it lacks it, and removes that again in
	// Release (the original solution's "Enable/Disable your user").
	GrantTemporary bool
	// AllowFor is how long allow rules for the planter's own operations
	// last; 0 means DefaultAllowFor.
	AllowFor time.Duration
	// Rand returns the generator that plans a vault (names, quantities,
	// metadata); nil means crypto randomness. Values always come from
	// crypto/rand.
	Rand func(vaultID string) *rand.Rand
	// Now returns the time; nil means time.Now.
	Now func() time.Time
	// Log receives diagnostics (never a value or, above debug, a decoy name).
	Log *slog.Logger

	initOnce sync.Once
	initErr  error
}

// Phase is where a vault's run stands, for progress reports.
type Phase string

// Phases of a vault's run.
const (
	PhaseChecking  Phase = "checking"  // preflight and inventory
	PhasePlanned   Phase = "planned"   // plan made
	PhasePlanting  Phase = "planting"  // a decoy was created (Done of Total)
	PhaseThrottled Phase = "throttled" // waiting out a 429 (Wait)
	PhaseDone      Phase = "done"
	PhaseFailed    Phase = "failed"
)

// Progress is one step of one vault, reported as it happens. Callbacks may
// come from several goroutines at once.
type Progress struct {
	Vault string
	Phase Phase
	Done  int // decoys created so far in this vault
	Total int // decoys planned in this vault
	Wait  time.Duration
	Err   error
}

// VaultRun is one vault's preparation and outcome.
type VaultRun struct {
	Vault     azure.Vault
	Preflight Preflight
	// Plan is nil when the vault could not be planned.
	Plan  *plant.VaultPlan
	Notes []string
	// Planted are the decoys created and recorded.
	Planted []registry.Decoy
	// Unsettled decoys were sent but got no answer (a network error, a
	// 5xx): they are recorded as pending and reconcile settles them.
	Unsettled []registry.Decoy
	// Err is what went wrong, if anything; other vaults carry on.
	Err error
	// Grant is the temporary access policy in place, if any.
	Grant *Grant

	client  *azure.VaultClient
	planned bool
}

// Failed reports whether the vault ended with an error.
func (r *VaultRun) Failed() bool { return r.Err != nil }

// Covered returns the types the vault already had active decoys of.
func (r *VaultRun) Covered() []registry.Type {
	if r.Plan == nil {
		return nil
	}
	return r.Plan.Covered
}

func (d *Deployer) init() error {
	d.initOnce.Do(func() {
		switch {
		case d.Azure == nil:
			d.initErr = errors.New("deploy: deployer without an Azure client")
		case d.Store == nil:
			d.initErr = errors.New("deploy: deployer without a store")
		case d.Planner == nil:
			d.initErr = errors.New("deploy: deployer without a planner")
		case d.Planter.ObjectID == "":
			d.initErr = errors.New("deploy: deployer without the planter's identity (azure.Client.WhoAmI)")
		}
		if d.Limiter == nil && d.initErr == nil {
			d.Limiter, d.initErr = NewLimiter(DefaultLimits())
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

func report(progress func(Progress), p Progress) {
	if progress != nil {
		progress(p)
	}
}

// Deploy plants decoys into every vault (Prepare, Apply, then Release of
// temporary grants, which runs however the rest ends). Errors of single
// vaults are in their runs; the error returned is for the run as a whole
// (bad settings, the registry unreadable, grants that could not be
// removed).
func (d *Deployer) Deploy(ctx context.Context, vaults []azure.Vault, progress func(Progress)) (runs []*VaultRun, err error) {
	runs, err = d.Prepare(ctx, vaults, false, progress)
	defer func() {
		if rerr := d.Release(context.WithoutCancel(ctx), runs); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	if err != nil {
		return runs, err
	}
	d.Apply(ctx, runs, progress)
	return runs, nil
}

// Prepare checks and plans every vault: preflight, the temporary grant
// (unless dryRun), inventory through list calls, and a plan. It writes
// nothing to the registry and creates nothing. When it returns runs with
// grants, the caller must call Release, whatever happens next.
func (d *Deployer) Prepare(ctx context.Context, vaults []azure.Vault, dryRun bool, progress func(Progress)) ([]*VaultRun, error) {
	if err := d.init(); err != nil {
		return nil, err
	}
	registryByVault, err := d.registryByVault(ctx)
	if err != nil {
		return nil, err
	}
	runs := make([]*VaultRun, len(vaults))
	for i, v := range vaults {
		runs[i] = &VaultRun{Vault: v.Clone()}
	}
	d.forEach(ctx, runs, func(ctx context.Context, r *VaultRun) {
		report(progress, Progress{Vault: r.Vault.Name, Phase: PhaseChecking})
		d.prepare(ctx, r, registryByVault[registry.VaultKey(r.Vault.ID)], dryRun)
		switch {
		case r.Err != nil:
			report(progress, Progress{Vault: r.Vault.Name, Phase: PhaseFailed, Err: r.Err})
		case r.Plan != nil:
			report(progress, Progress{Vault: r.Vault.Name, Phase: PhasePlanned, Total: len(r.Plan.Decoys)})
		}
	})
	return runs, nil
}

func (d *Deployer) registryByVault(ctx context.Context) (map[string][]registry.Decoy, error) {
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

func (d *Deployer) prepare(ctx context.Context, r *VaultRun, planted []registry.Decoy, dryRun bool) {
	vc, err := d.Azure.DataPlane(r.Vault, d.Limiter.Policy(r.Vault))
	if err != nil {
		r.Err = err
		return
	}
	r.client = vc
	types := d.Planner.Types()
	if d.GrantTemporary && !r.Vault.RBAC {
		pre := checkPermissions(r.Vault, d.Planter, types, nil)
		if !pre.OK() {
			if dryRun {
				r.Notes = append(r.Notes, "would grant "+d.Planter.String()+" a temporary access policy: "+permList(grantFor(types)))
			} else if err := d.grant(ctx, r, types); err != nil {
				r.Err = err
				return
			}
		}
	}
	retry := func(op func() error) error { return d.throttled(ctx, r.Vault, op) }
	l := listLive(ctx, vc, retry)
	r.Preflight = checkPermissions(r.Vault, d.Planter, types, l.outcomes)
	if r.Grant != nil {
		r.Preflight.Granted = r.Grant.Added
	}
	if ctx.Err() != nil {
		r.Err = ctx.Err()
		return
	}
	if !r.Preflight.OK() {
		r.Err = &PermissionError{Preflight: r.Preflight}
		return
	}
	if w := r.Preflight.Warning(); w != "" {
		r.Notes = append(r.Notes, w)
	}
	needKeys := slices.Contains(types, registry.Key) || slices.Contains(types, registry.Certificate)
	inv, notes := inventory(ctx, vc, r.Vault, l, planted, needKeys, retry)
	r.Notes = append(r.Notes, notes...)
	if ctx.Err() != nil {
		r.Err = ctx.Err()
		return
	}
	var rng *rand.Rand
	if d.Rand != nil {
		rng = d.Rand(r.Vault.ID)
	}
	plan, err := d.Planner.Plan(inv, planted, rng)
	if err != nil {
		r.Err = err
		return
	}
	r.Plan, r.planned = plan, true
}

// PermissionError is a vault the planter lacks permissions in; its
// message names them and the fix.
type PermissionError struct {
	Preflight Preflight
}

// Error says what is missing, how it is known and the fix, on one line.
func (e *PermissionError) Error() string {
	msg := e.Preflight.Problem()
	if fix := e.Preflight.Fix(); len(fix) > 0 {
		msg += "; fix: " + strings.Join(fix, " && ")
	}
	return msg
}

// Apply creates the planned decoys of every run that was planned without
// error, recording each in the registry at once. A vault's failure does not
// stop the others.
func (d *Deployer) Apply(ctx context.Context, runs []*VaultRun, progress func(Progress)) {
	if err := d.init(); err != nil {
		for _, r := range runs {
			r.Err = err
		}
		return
	}
	d.forEach(ctx, runs, func(ctx context.Context, r *VaultRun) {
		if r.Err != nil || !r.planned {
			return
		}
		d.apply(ctx, r, progress)
		if r.Err != nil {
			report(progress, Progress{Vault: r.Vault.Name, Phase: PhaseFailed, Done: len(r.Planted), Total: len(r.Plan.Decoys), Err: r.Err})
			return
		}
		report(progress, Progress{Vault: r.Vault.Name, Phase: PhaseDone, Done: len(r.Planted), Total: len(r.Plan.Decoys)})
	})
}

// forEach runs fn for every run with bounded concurrency. Vaults are
// taken round-robin across subscriptions so that workers spread over
// subscriptions, each of which has its own rate budget. A run never
// reached because ctx ended carries ctx's error.
func (d *Deployer) forEach(ctx context.Context, runs []*VaultRun, fn func(context.Context, *VaultRun)) {
	order := interleave(runs)
	fanout.Each(ctx, len(order), cmp.Or(d.Concurrency, DefaultConcurrency), func(i int) {
		fn(ctx, order[i])
	}, func(i int) {
		if r := order[i]; r.Err == nil && (!r.planned || !r.done()) {
			r.Err = ctx.Err() // never got to it
		}
	})
}

// done reports whether a planned run has nothing left to create.
func (r *VaultRun) done() bool {
	return r.Plan == nil || len(r.Planted)+len(r.Unsettled) == len(r.Plan.Decoys)
}

// interleave orders runs round-robin across subscriptions, keeping each
// subscription's order.
func interleave(runs []*VaultRun) []*VaultRun {
	var subs []string
	by := map[string][]*VaultRun{}
	for _, r := range runs {
		k := strings.ToLower(r.Vault.SubscriptionID)
		if _, ok := by[k]; !ok {
			subs = append(subs, k)
		}
		by[k] = append(by[k], r)
	}
	out := make([]*VaultRun, 0, len(runs))
	for i := 0; len(out) < len(runs); i++ {
		for _, s := range subs {
			if i < len(by[s]) {
				out = append(out, by[s][i])
			}
		}
	}
	return out
}
