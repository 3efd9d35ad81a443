package kvemu

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Subscription is an emulated Azure subscription.
type Subscription struct {
	ID          string // a GUID
	DisplayName string
	TenantID    string // empty means the emulator's tenant
}

type subscription struct {
	Subscription
	groups map[string]*resourceGroup     // by lower-case name
	diag   map[string]*DiagnosticSetting // subscription (Activity log) settings, by lower-case name
}

type resourceGroup struct {
	name     string
	location string
	tags     map[string]string
}

// VaultSpec describes a vault to create.
type VaultSpec struct {
	SubscriptionID string // required; created when the estate lacks it
	ResourceGroup  string // required; created when the subscription lacks it
	Name           string // required; 3-24 of [a-zA-Z0-9-], globally unique
	Location       string // empty means "eastus"
	TenantID       string // empty means the subscription's tenant
	SKU            string // "standard" (default) or "premium" (allows -HSM keys)
	Tags           map[string]string
	// EnableRBACAuthorization selects the Azure RBAC permission model;
	// false selects access policies.
	EnableRBACAuthorization bool
	AccessPolicies          []AccessPolicy
	// DNSSuffix is the vault's host suffix: "vault.azure.net" (default),
	// "vault.azure.cn" or "vault.usgovcloudapi.net".
	DNSSuffix string
	// SoftDeleteRetentionDays is how long deleted objects stay recoverable;
	// zero means 90.
	SoftDeleteRetentionDays int
	PurgeProtection         bool
}

// VaultInfo is a snapshot of a vault's management-plane state.
type VaultInfo struct {
	Name                    string
	ID                      string // ARM id, as created
	URI                     string // "https://{name}.vault.azure.net/"
	SubscriptionID          string
	ResourceGroup           string
	Location                string
	TenantID                string
	SKU                     string
	Tags                    map[string]string
	EnableRBACAuthorization bool
	AccessPolicies          []AccessPolicy
	SoftDeleteRetentionDays int
	PurgeProtection         bool
	Created                 time.Time
}

// vault is one emulated vault. mu guards every field below it.
type vault struct {
	mu          sync.Mutex
	name        string
	sub, rg     string
	location    string
	tenant      string
	sku         string
	tags        map[string]string
	rbac        bool
	policies    []AccessPolicy
	dnsSuffix   string
	retention   int
	purgeProt   bool
	created     time.Time
	diag        map[string]*DiagnosticSetting // by lower-case name
	delivery    DeliveryControl               // how its audit records leave it (SetVaultDelivery)
	held        []heldRecord                  // records held while delivery is paused
	faults      Faults
	limiter     limiter
	faultCounts faultCounters
	rng         *rand.Rand // the faults' generator when Faults.Seed is set

	secrets, deletedSecrets map[string]*secretObj
	keys, deletedKeys       map[string]*keyObj
	certs, deletedCerts     map[string]*certObj
}

func (v *vault) id() string {
	return "/subscriptions/" + v.sub + "/resourceGroups/" + v.rg + "/providers/Microsoft.KeyVault/vaults/" + v.name
}

// uri is the vault's base URI as ARM reports it, with a trailing slash.
func (v *vault) uri() string { return "https://" + v.host() + "/" }

// host is the vault's DNS name, lower-cased as Azure reports it.
func (v *vault) host() string { return strings.ToLower(v.name) + "." + v.dnsSuffix }

func (v *vault) infoLocked() VaultInfo {
	return VaultInfo{
		Name: v.name, ID: v.id(), URI: v.uri(), SubscriptionID: v.sub, ResourceGroup: v.rg,
		Location: v.location, TenantID: v.tenant, SKU: v.sku, Tags: maps.Clone(v.tags),
		EnableRBACAuthorization: v.rbac, AccessPolicies: clonePolicies(v.policies),
		SoftDeleteRetentionDays: v.retention, PurgeProtection: v.purgeProt, Created: v.created,
	}
}

var (
	vaultNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$`)
	guidRE      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	rgNameRE    = regexp.MustCompile(`^[-\w._()]{1,90}$`)
)

// vaultDNSSuffixes are the vault host suffixes the emulator serves, with
// the login host that issues tokens for each cloud.
var vaultDNSSuffixes = map[string]string{
	"vault.azure.net":         "https://login.microsoftonline.com",
	"vault.azure.cn":          "https://login.chinacloudapi.cn",
	"vault.usgovcloudapi.net": "https://login.microsoftonline.us",
}

// splitVaultHost splits "name.vault.azure.net" into its vault name and DNS
// suffix. host must be lower-case and without a port.
func splitVaultHost(host string) (name, suffix string, ok bool) {
	name, suffix, found := strings.Cut(host, ".")
	if !found || name == "" {
		return "", "", false
	}
	if _, known := vaultDNSSuffixes[suffix]; !known {
		return "", "", false
	}
	return name, suffix, true
}

// AddSubscription adds a subscription to the estate.
func (e *Emulator) AddSubscription(s Subscription) error {
	if !guidRE.MatchString(s.ID) {
		return fmt.Errorf("kvemu: subscription id %q is not a GUID", s.ID)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.subs[strings.ToLower(s.ID)]; dup {
		return fmt.Errorf("kvemu: subscription %s already exists", s.ID)
	}
	e.addSubscriptionLocked(s)
	return nil
}

func (e *Emulator) addSubscriptionLocked(s Subscription) *subscription {
	if s.TenantID == "" {
		s.TenantID = e.opts.TenantID
	}
	if s.DisplayName == "" {
		s.DisplayName = "Subscription " + s.ID[:8]
	}
	sub := &subscription{Subscription: s, groups: map[string]*resourceGroup{}, diag: map[string]*DiagnosticSetting{}}
	e.subs[strings.ToLower(s.ID)] = sub
	return sub
}

// Subscriptions lists the estate's subscriptions, ordered by id.
func (e *Emulator) Subscriptions() []Subscription {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Subscription, 0, len(e.subs))
	for _, s := range e.subs {
		out = append(out, s.Subscription)
	}
	slices.SortFunc(out, func(a, b Subscription) int { return strings.Compare(strings.ToLower(a.ID), strings.ToLower(b.ID)) })
	return out
}

// CreateVault adds a vault to the estate, creating its subscription and
// resource group when they are new. No audit or activity record is written:
// this is how a test or the lab builds its starting estate.
func (e *Emulator) CreateVault(spec VaultSpec) (VaultInfo, error) {
	v, err := e.newVault(spec)
	if err != nil {
		return VaultInfo{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.insertVaultLocked(v); err != nil {
		return VaultInfo{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.infoLocked(), nil
}

// newVault validates spec and builds the vault (not yet in the estate).
func (e *Emulator) newVault(spec VaultSpec) (*vault, error) {
	if !guidRE.MatchString(spec.SubscriptionID) {
		return nil, fmt.Errorf("kvemu: subscription id %q is not a GUID", spec.SubscriptionID)
	}
	if !rgNameRE.MatchString(spec.ResourceGroup) {
		return nil, fmt.Errorf("kvemu: invalid resource group name %q", spec.ResourceGroup)
	}
	if !vaultNameRE.MatchString(spec.Name) || strings.Contains(spec.Name, "--") {
		return nil, fmt.Errorf("kvemu: invalid vault name %q (3-24 letters, digits and single hyphens, starting with a letter)", spec.Name)
	}
	sku := strings.ToLower(orDefault(spec.SKU, "standard"))
	if sku != "standard" && sku != "premium" {
		return nil, fmt.Errorf("kvemu: unknown SKU %q (want standard or premium)", spec.SKU)
	}
	suffix := strings.ToLower(orDefault(spec.DNSSuffix, "vault.azure.net"))
	if _, ok := vaultDNSSuffixes[suffix]; !ok {
		return nil, fmt.Errorf("kvemu: unknown vault DNS suffix %q", spec.DNSSuffix)
	}
	for i, p := range spec.AccessPolicies {
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("kvemu: access policy %d: %w", i, err)
		}
	}
	retention := spec.SoftDeleteRetentionDays
	if retention == 0 {
		retention = 90
	}
	if retention < 7 || retention > 90 {
		return nil, fmt.Errorf("kvemu: soft-delete retention %d days is outside 7-90", retention)
	}
	return &vault{
		name: spec.Name, sub: spec.SubscriptionID, rg: spec.ResourceGroup,
		location: strings.ToLower(orDefault(spec.Location, "eastus")), tenant: spec.TenantID, sku: sku,
		tags: cloneTags(spec.Tags), rbac: spec.EnableRBACAuthorization, policies: clonePolicies(spec.AccessPolicies),
		dnsSuffix: suffix, retention: retention, purgeProt: spec.PurgeProtection, created: e.Now(),
		diag:    map[string]*DiagnosticSetting{},
		secrets: map[string]*secretObj{}, deletedSecrets: map[string]*secretObj{},
		keys: map[string]*keyObj{}, deletedKeys: map[string]*keyObj{},
		certs: map[string]*certObj{}, deletedCerts: map[string]*certObj{},
	}, nil
}

// insertVaultLocked adds v, creating its subscription and resource group.
// It fills the vault's tenant from the subscription. Needs e.mu held.
func (e *Emulator) insertVaultLocked(v *vault) error {
	if _, dup := e.vaults[strings.ToLower(v.name)]; dup {
		return fmt.Errorf("kvemu: vault name %q is already in use", v.name)
	}
	sub := e.subs[strings.ToLower(v.sub)]
	if sub == nil {
		sub = e.addSubscriptionLocked(Subscription{ID: v.sub})
	}
	v.sub = sub.ID
	rg := sub.groups[strings.ToLower(v.rg)]
	if rg == nil {
		rg = &resourceGroup{name: v.rg, location: v.location, tags: map[string]string{}}
		sub.groups[strings.ToLower(v.rg)] = rg
	}
	v.rg = rg.name
	if v.tenant == "" {
		v.tenant = sub.TenantID
	}
	e.vaults[strings.ToLower(v.name)] = v
	return nil
}

// lookupVault finds a vault by name, case-insensitively.
func (e *Emulator) lookupVault(name string) (*vault, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	v, ok := e.vaults[strings.ToLower(name)]
	return v, ok
}

// ErrNoVault is returned when the estate holds no vault of the given name.
var ErrNoVault = errors.New("kvemu: no such vault")

func (e *Emulator) vaultNamed(name string) (*vault, error) {
	v, ok := e.lookupVault(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoVault, name)
	}
	return v, nil
}

// Vault returns a snapshot of the named vault.
func (e *Emulator) Vault(name string) (VaultInfo, bool) {
	v, ok := e.lookupVault(name)
	if !ok {
		return VaultInfo{}, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.infoLocked(), true
}

// Vaults lists snapshots of every vault, ordered by name.
func (e *Emulator) Vaults() []VaultInfo {
	vs := e.allVaults()
	out := make([]VaultInfo, 0, len(vs))
	for _, v := range vs {
		v.mu.Lock()
		out = append(out, v.infoLocked())
		v.mu.Unlock()
	}
	return out
}

// allVaults returns the vaults ordered by lower-case name.
func (e *Emulator) allVaults() []*vault {
	e.mu.RLock()
	vs := make([]*vault, 0, len(e.vaults))
	for _, v := range e.vaults {
		vs = append(vs, v)
	}
	e.mu.RUnlock()
	slices.SortFunc(vs, func(a, b *vault) int { return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)) })
	return vs
}

// VaultURL is the data-plane URL of a vault, "https://{name}.vault.azure.net"
// for the public cloud, without a trailing slash (as SDK clients take it).
func (e *Emulator) VaultURL(name string) string {
	if v, ok := e.lookupVault(name); ok {
		return "https://" + v.host()
	}
	return "https://" + strings.ToLower(name) + ".vault.azure.net"
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func cloneTags(t map[string]string) map[string]string {
	if t == nil {
		return map[string]string{}
	}
	return maps.Clone(t)
}

// SetVaultTag sets one tag on a vault directly, as someone editing it in
// the portal would (no Activity record; use ARM's Tags API for that).
func (e *Emulator) SetVaultTag(vaultName, tag, value string) error {
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.tags[tag] = value
	return nil
}
