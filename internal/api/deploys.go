package api

import "time"

// DeployRequest is POST /api/v1/deploys: plan a deploy to these vaults
// (ARM ids or names of discovered vaults).
type DeployRequest struct {
	Vaults []string `json:"vaults"`
}

// RetireRequest is POST /api/v1/retires: plan retiring these decoys
// (registry ids) or every active decoy of these vaults, purged or not.
type RetireRequest struct {
	Vaults []string `json:"vaults,omitempty"`
	Decoys []int64  `json:"decoys,omitempty"`
	Purge  bool     `json:"purge,omitempty"`
}

// Run is a deploy or retire started from the console or the API: its plan,
// then its progress vault by vault, then the outcome.
type Run struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`  // deploy or retire
	State       string     `json:"state"` // planning, planned, expired, running or done
	PlannedBy   string     `json:"planned_by"`
	ConfirmedBy string     `json:"confirmed_by,omitempty"`
	Purge       bool       `json:"purge,omitempty"`
	Created     time.Time  `json:"created"`
	Expires     time.Time  `json:"expires"`
	Started     *time.Time `json:"started,omitempty"`
	Finished    *time.Time `json:"finished,omitempty"`
	Error       string     `json:"error,omitempty"`
	Vaults      []RunVault `json:"vaults"`
}

// RunVault is one vault of a run.
type RunVault struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Phase    string       `json:"phase,omitempty"` // checking, planned, planting, throttled, done or failed
	Done     int          `json:"done"`
	Total    int          `json:"total"`
	Planned  []RunDecoy   `json:"planned"`
	Covered  []string     `json:"covered"`
	Findings []RunFinding `json:"findings"`
	Notes    []string     `json:"notes"`
	Result   []RunDecoy   `json:"result"`
	Error    string       `json:"error,omitempty"`
}

// RunDecoy is a decoy a run would create or retire, or did.
type RunDecoy struct {
	ID   int64  `json:"id,omitempty"`
	Type string `json:"type"`
	Name string `json:"name"`
	What string `json:"what,omitempty"`
}

// RunFinding is a permission the planter lacks in a vault, and the fix.
type RunFinding struct {
	Problem  string   `json:"problem"`
	Fix      []string `json:"fix"`
	Blocking bool     `json:"blocking"`
}
