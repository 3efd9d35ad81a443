package api

import "time"

// Vault is a key vault of the inventory with its coverage, as GET
// /api/v1/vaults and GET /api/v1/vaults/{id} show it.
type Vault struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Provider is the kind of store: azure-keyvault, hashicorp-vault or
	// aws-secretsmanager.
	Provider       string `json:"provider"`
	SubscriptionID string `json:"subscription_id"`
	// Subscription is the subscription's display name, when known.
	Subscription    string            `json:"subscription,omitempty"`
	ResourceGroup   string            `json:"resource_group"`
	Location        string            `json:"location"`
	PermissionModel string            `json:"permission_model"` // rbac or access_policies
	Tags            map[string]string `json:"tags"`
	SoftDelete      bool              `json:"soft_delete"`
	PurgeProtection bool              `json:"purge_protection"`
	FirstSeen       time.Time         `json:"first_seen"`
	LastSeen        time.Time         `json:"last_seen"`
	GoneAt          *time.Time        `json:"gone_at,omitempty"`
	// LastRecord is the time of the vault's newest audit record stored.
	LastRecord *time.Time `json:"last_record,omitempty"`
	Coverage   Coverage   `json:"coverage"`
	// Diagnostics is the diagnostics check's latest outcome, when the
	// vault has been checked.
	Diagnostics *VaultDiagnostics `json:"diagnostics,omitempty"`
}

// Coverage is a vault's state and why.
type Coverage struct {
	State   string   `json:"state"`   // covered, at-risk or not-covered
	Reasons []string `json:"reasons"` // plain words, most important first
	Decoys  int      `json:"decoys"`  // active decoys
}

// CoverageCount tallies vaults by coverage state.
type CoverageCount struct {
	Total      int `json:"total"`
	Covered    int `json:"covered"`
	AtRisk     int `json:"at_risk"`
	NotCovered int `json:"not_covered"`
}

// SubscriptionCoverage is one subscription's discovery status and count.
type SubscriptionCoverage struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// ListedAt is the last complete listing of its vaults.
	ListedAt *time.Time `json:"listed_at,omitempty"`
	// Error is why the latest listing failed ("" when it worked).
	Error    string        `json:"error,omitempty"`
	Coverage CoverageCount `json:"coverage"`
}

// VaultList is GET /api/v1/vaults: a page of the vaults the filters
// select, ordered by id, and the coverage of every vault the caller may
// see, overall and per subscription (filters aside).
type VaultList struct {
	Vaults        []Vault                `json:"vaults"`
	Coverage      CoverageCount          `json:"coverage"`
	Subscriptions []SubscriptionCoverage `json:"subscriptions"`
	// NextAfter, when set, is the after= of the next page.
	NextAfter string `json:"next_after,omitempty"`
}

// VaultDetail is GET /api/v1/vaults/{id}: the vault and its decoys.
type VaultDetail struct {
	Vault       Vault        `json:"vault"`
	Honeytokens []Honeytoken `json:"honeytokens"`
}

// DiscoveryReport is POST /api/v1/vaults/discover: what one discovery run
// found and what it could not do.
type DiscoveryReport struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Subscriptions tried, and how many of them could not be listed.
	Subscriptions       int `json:"subscriptions"`
	FailedSubscriptions int `json:"failed_subscriptions"`
	Seen                int `json:"seen"`
	New                 int `json:"new"`
	Back                int `json:"back"`
	Gone                int `json:"gone"`
	// Errors of the run as a whole (sign-in, listing subscriptions); each
	// subscription's own is in GET /api/v1/vaults.
	Errors []string `json:"errors"`
}

// ReconcileReport is POST /api/v1/reconcile: what one reconcile run
// checked, found and raised.
type ReconcileReport struct {
	Started  time.Time        `json:"started"`
	Finished time.Time        `json:"finished"`
	Vaults   []ReconcileVault `json:"vaults"`
	// Findings are the ones this run added.
	Findings []ReconcileFinding `json:"findings"`
	// Alerted counts findings raised as alerts (one incident each) by this
	// run; Recovered, the recovery notes it added to their incidents.
	Alerted   int `json:"alerted"`
	Recovered int `json:"recovered"`
	// Errors of the run as a whole (sign-in, raising alerts).
	Errors []string `json:"errors"`
}

// ReconcileVault is what a reconcile run did in one vault.
type ReconcileVault struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Checked int    `json:"checked"`
	// Settled counts pending plantings completed or dropped.
	Settled int    `json:"settled"`
	Error   string `json:"error,omitempty"`
}

// ReconcileFinding is a finding a reconcile run added: a decoy deleted,
// purged, disabled or changed outside honeyvault.
type ReconcileFinding struct {
	ID      int64  `json:"id"`
	DecoyID int64  `json:"decoy_id"`
	Vault   string `json:"vault"`
	Kind    string `json:"kind"`
	Detail  string `json:"detail"`
}
