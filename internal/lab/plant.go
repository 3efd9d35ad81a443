package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Vault is one vault of the lab, as the summary shows it.
type Vault struct {
	Name           string
	ID             string
	SubscriptionID string
	Subscription   string // its display name
	RBAC           bool   // Azure RBAC; false: access policies
	Style          string // how the vault's own names are written
	Existing       int    // objects it held before planting
	Decoys         []registry.Decoy
	// Notes say what else planting did there.
	Notes []string
	// Coverage is the vault's state as honeyvault assessed it once the lab
	// was up (covered, at-risk or not-covered), Why its first reason.
	Coverage string
	Why      string

	outsidersDenied bool
	noDiagnostics   bool                   // the vault has no diagnostic setting (estate.go)
	canaries        map[string]canary.Kind // decoy (lowercase name) → the canary its value carries
}

// Model names the vault's permission model.
func (v Vault) Model() string {
	if v.RBAC {
		return "Azure RBAC"
	}
	return "access policies"
}

// labSettings are the lab's planting choices: like the original, a secret
// and a key per vault, sometimes one more of each.
var labSettings = plant.Settings{
	Types:     []registry.Type{registry.Secret, registry.Key},
	Quantity:  plant.Quantity{P: 0.3, Max: 2},
	DNSSuffix: "contoso.com",
}

// plant discovers the vaults through Resource Manager and plants decoys into
// each with honeyvault's deployer, as the planter, recording them (and the
// planter's allow rules) in honeyvault's registry.
func (l *Lab) plant(ctx context.Context, plans []vaultTemplate) error {
	// Grouped by subscription for the summary, in plan order within each.
	plans = slices.Clone(plans)
	slices.SortStableFunc(plans, func(a, b vaultTemplate) int { return a.sub - b.sub })
	l.vaults = make([]Vault, len(plans))
	index := map[string]int{}
	for i, p := range plans {
		l.vaults[i] = Vault{
			Name: p.name, ID: l.vaultID(p.name), SubscriptionID: subscriptions[p.sub].ID, Subscription: subscriptions[p.sub].DisplayName,
			RBAC: p.rbac, Style: p.style, Existing: len(p.secrets) + len(p.keys) + len(p.certificates), outsidersDenied: p.outsidersDenied, noDiagnostics: p.noDiagnostics,
		}
		index[strings.ToLower(p.name)] = i
	}
	if l.opts.noPlant {
		return nil
	}
	co := l.emu.ClientOptions()
	co.Cloud = l.emu.Cloud()
	az, err := azure.New(azure.Options{Credential: l.emu.Credential(planter), ClientOptions: co})
	if err != nil {
		return err
	}
	who, err := az.WhoAmI(ctx)
	if err != nil {
		return fmt.Errorf("lab: planter sign-in: %w", err)
	}
	vaults, warnings, err := deploy.Targets(ctx, az, nil, nil, true)
	if err = errors.Join(append(warnings, err)...); err != nil {
		return fmt.Errorf("lab: vault discovery: %w", err)
	}
	// The registry is honeyvault's database, opened here before the server
	// starts (see Start).
	st, err := store.Open(ctx, l.dsn())
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	defer st.Close()
	d := &deploy.Deployer{
		Azure: az, Store: st, Planter: who,
		GrantTemporary: true, Log: l.log.With("component", "plant"),
	}
	// One deploy per set of canary kinds (canariesFor), vaults in order,
	// each with as many secrets as its kinds need (secretsFor).
	var runs []*deploy.VaultRun
	var errs []error
	var order []string
	groups := map[string][]azure.Vault{}
	canaries := map[string]plant.Canaries{}
	for _, v := range vaults {
		c := l.canariesFor(plans, v.Name)
		key := fmt.Sprint(c.Kinds, c.EveryKind)
		if _, ok := groups[key]; !ok {
			order = append(order, key)
			canaries[key] = c
		}
		groups[key] = append(groups[key], v)
	}
	for _, key := range order {
		settings := labSettings
		if n := secretsFor(canaries[key]); n > 0 {
			settings.Quantity = plant.Quantity{P: 1, Max: n} // exactly n: one secret per kind
		}
		if d.Planner, err = plant.NewPlanner(settings); err != nil {
			return err
		}
		d.Canaries = canaries[key]
		rs, err := d.Deploy(ctx, groups[key], nil)
		runs, errs = append(runs, rs...), append(errs, err)
	}
	if l.canaryCfg.HTTP.Listen != "" { // the lab runs its canaries: an Entra ID one too
		errs = append(errs, l.plantEntra(ctx, d, vaults, plans, runs))
	}
	for _, r := range runs {
		i, ok := index[strings.ToLower(r.Vault.Name)]
		switch {
		case r.Err != nil:
			errs = append(errs, fmt.Errorf("lab: planting into %s: %w", r.Vault.Name, r.Err))
			continue
		case !ok:
			errs = append(errs, fmt.Errorf("lab: discovery found vault %s, which the lab did not create", r.Vault.Name))
			continue
		}
		v := &l.vaults[i]
		v.Decoys = slices.Clone(r.Planted)
		if v.canaries, err = canaryKinds(ctx, st, v.Decoys); err != nil {
			errs = append(errs, err)
		}
		slices.SortFunc(v.Decoys, func(a, b registry.Decoy) int { return strings.Compare(string(a.Type)+a.Name, string(b.Type)+b.Name) })
		if g := r.Grant; g != nil {
			perms := make([]string, len(g.Added))
			for i, p := range g.Added {
				perms[i] = p.String()
			}
			v.Notes = append(v.Notes, fmt.Sprintf("the planter had no access policy here: granted %s for planting, removed afterwards", strings.Join(perms, ", ")))
		}
	}
	return errors.Join(errs...)
}

func (l *Lab) vaultID(name string) string {
	if v, ok := l.emu.Vault(name); ok {
		return v.ID
	}
	return ""
}

// canaryKinds maps each decoy (by lowercase name) whose value carries a
// canary to its kind.
func canaryKinds(ctx context.Context, st *store.Store, decoys []registry.Decoy) (map[string]canary.Kind, error) {
	out := map[string]canary.Kind{}
	for _, d := range decoys {
		if d.Type != registry.Secret {
			continue
		}
		c, err := st.DecoyCanary(ctx, d.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("lab: %w", err)
		}
		out[strings.ToLower(d.Name)] = c.Kind
	}
	return out, nil
}
