package web

import (
	"context"
	"errors"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Deployments plans, runs and reports deploys and retires started from the
// console or the API; the app's is one, on the same planter as `honeyvault
// plant`. A run is planned first (nothing changes), shown, and confirmed
// once; then it runs in the background and its progress is read with Run.
// The handlers check who may act on which vault before calling it.
type Deployments interface {
	// PlanDeploy starts planning a deploy to vaults (inventory vaults the
	// caller may act on): preflight and plan, changing nothing.
	PlanDeploy(ctx context.Context, by RunActor, vaults []store.Vault) (Run, error)
	// PlanRetire plans retiring decoys (of the vaults the caller may act
	// on), purged or not.
	PlanRetire(ctx context.Context, by RunActor, decoys []registry.Decoy, purge bool) (Run, error)
	// Confirm starts a planned run. ErrRunNotFound, ErrRunState (expired,
	// still planning, confirmed already) and ErrVaultBusy are the caller's
	// errors.
	Confirm(ctx context.Context, id int64, by RunActor) (Run, error)
	// Run is a run as it stands; false when there is none (or no longer).
	Run(id int64) (Run, bool)
	// RunsOf lists the runs kept that include the vault with ARM id
	// vaultID (any case), newest first: the vault page's history, where
	// the runs auto-planting started show with their reasons.
	RunsOf(vaultID string) []Run
}

// Errors of Deployments that are the caller's, not the server's.
var (
	ErrRunNotFound = errors.New("no such run")
	ErrRunState    = errors.New("run not in a state for this")
	ErrVaultBusy   = errors.New("vault busy")
	// ErrTooManyRuns: every run kept is planned or running.
	ErrTooManyRuns = errors.New("too many runs")
)

// RunActor is who asked, for the run and the audit trail.
type RunActor struct {
	Name       string // auth.Principal.Actor()
	RemoteAddr string
}

// RunKind tells deploys from retires.
type RunKind string

// Kinds of run.
const (
	KindDeploy RunKind = "deploy"
	KindRetire RunKind = "retire"
)

// RunState is where a run stands.
type RunState string

// States of a run, in order.
const (
	RunPlanning RunState = "planning" // preflight and plan under way
	RunPlanned  RunState = "planned"  // waiting for a confirmation
	RunExpired  RunState = "expired"  // not confirmed in time: plan again
	RunRunning  RunState = "running"
	RunDone     RunState = "done" // every vault ended (some may have failed)
)

// Run is one deploy or retire: its plan, then its progress and outcome.
type Run struct {
	ID          int64
	Kind        RunKind
	State       RunState
	PlannedBy   string
	ConfirmedBy string
	Purge       bool // retire: purge after deleting
	Created     time.Time
	Expires     time.Time // a plan not confirmed by then is not run
	Started     time.Time
	Finished    time.Time
	Vaults      []RunVault
	// Error is what stopped the run as a whole (sign-in, the registry),
	// "" when nothing did; each vault's own error is on the vault.
	Error string
}

// VaultIDs are the ARM ids of the run's vaults.
func (r Run) VaultIDs() []string {
	out := make([]string, len(r.Vaults))
	for i, v := range r.Vaults {
		out[i] = v.ID
	}
	return out
}

// RunVault is one vault of a run.
type RunVault struct {
	ID, Name string
	// Phase is the deployer's (checking, planned, planting, throttled,
	// done, failed), or "" before it starts.
	Phase       string
	Done, Total int
	// Planned are the decoys the plan would create (deploy) or retire.
	Planned []RunDecoy
	// Covered are types the vault has an active decoy of already.
	Covered []string
	// Findings are what the preflight found missing, each with its fix.
	Findings []Finding
	Notes    []string
	// Result are the decoys created or retired, once the run got there.
	Result []RunDecoy
	Error  string
}

// RunDecoy is a decoy of a plan or of a run's outcome.
type RunDecoy struct {
	ID   int64 // registry id, once known
	Type string
	Name string
	// What describes it (value kind, key type, expiry), never a value; for
	// a retired decoy what happened to it.
	What string
}

// Finding is a permission the planter lacks in a vault, and the fix.
type Finding struct {
	Problem string
	Fix     []string
	// Blocking findings stop planting; the others only retire or
	// reading key types.
	Blocking bool
}
