package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/awssm"
	"github.com/honeyvault/honeyvault/internal/secretstore/vault"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Store is a Vault mount or a Secrets Manager region of the lab, as the
// summary shows it.
type Store struct {
	ID       string
	Name     string // as honeyvault's inventory names it: {cluster}/{mount}, {account}/{region}
	Provider registry.Provider
	Group    string // the inventory's group: the Vault cluster's, the account's display name
	Existing int    // real secrets it held before planting
	Decoys   []registry.Decoy
	// Coverage and Why are honeyvault's assessment once the lab was up,
	// as for a Vault.
	Coverage string
	Why      string
}

// Display names of the stores' groups in honeyvault's inventory.
const (
	vaultGroupName = "Contoso Vault (vault-contoso)"
	awsGroupName   = "Contoso AWS (111122223333)"
)

// storeProviders are the lab's Vault and Secrets Manager providers as the
// planter: the real planting code's clients, pointed at the emulators.
func (l *Lab) storeProviders(ctx context.Context) ([]secretstore.Provider, error) {
	vp, err := vault.New(vault.Config{Cluster: vaultCluster, Address: l.vaultEmu.URL(), Token: l.vaultPlanterToken, CACert: l.vaultEmu.CACertPEM()})
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	ap, err := awssm.New(ctx, awssm.Config{Account: awsAccount, Regions: awsRegions, PrincipalARN: l.awsPlanter.ARN,
		AccessKeyID: l.awsPlanter.AccessKeyID, SecretAccessKey: l.awsPlanter.SecretAccessKey,
		Endpoint: l.awsEmu.URL(), CACert: l.awsEmu.CACertPEM()})
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	return []secretstore.Provider{vp, ap}, nil
}

// plantStores records the Vault mounts and Secrets Manager regions in
// honeyvault's inventory (secretstore.Discover, so that coverage lists
// them with the Key Vaults) and plants decoy secrets into each with
// secretstore.Deployer as the planter, whose own writes are allow-listed.
// It runs while honeyvault serves: the planter's writes reach it through
// the Vault socket device and the EventBridge push like any other.
func (l *Lab) plantStores(ctx context.Context) error {
	providers, err := l.storeProviders(ctx)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, l.dsn())
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	defer st.Close()
	planner, err := plant.NewPlanner(plant.Settings{Types: []registry.Type{registry.Secret}, Quantity: labSettings.Quantity})
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range providers {
		group := vaultGroupName
		if p.Kind() == registry.AWSSecretsManager {
			group = awsGroupName
		}
		if _, err := secretstore.Discover(ctx, p, st, group, time.Now()); err != nil {
			errs = append(errs, fmt.Errorf("lab: %w", err))
			continue
		}
		stores, err := p.Stores(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("lab: %w", err))
			continue
		}
		for _, s := range stores {
			ls := Store{ID: s.ID, Name: s.Name, Provider: p.Kind(), Group: group}
			if id, err := registry.ParseStoreID(s.ID); err == nil {
				ls.Existing = len(l.vaultSeeded[id.Mount+"/"]) + len(awsEstate[id.Region])
			}
			l.stores = append(l.stores, ls)
		}
		if l.opts.noPlant {
			continue
		}
		d := &secretstore.Deployer{Provider: p, Store: st, Planner: planner, Log: l.log.With("component", "plant")}
		runs, err := d.Deploy(ctx, stores, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("lab: planting into %s: %w", p.Kind().Label(), err))
			continue
		}
		for _, r := range runs {
			if r.Err != nil {
				errs = append(errs, fmt.Errorf("lab: planting into %s: %w", r.Store.Name, r.Err))
				continue
			}
			i := slices.IndexFunc(l.stores, func(s Store) bool { return s.ID == r.Store.ID })
			l.stores[i].Decoys = slices.Clone(r.Planted)
			slices.SortFunc(l.stores[i].Decoys, func(a, b registry.Decoy) int { return strings.Compare(a.Name, b.Name) })
		}
	}
	return errors.Join(errs...)
}

// stateStores are the stores as lab attack needs them.
func (l *Lab) stateStores() []stateStore {
	var out []stateStore
	for _, s := range l.stores {
		ss := stateStore{ID: s.ID, Name: s.Name}
		if id, err := registry.ParseStoreID(s.ID); err == nil {
			ss.Mount, ss.Region = id.Mount, id.Region
		}
		for _, d := range s.Decoys {
			ss.Decoys = append(ss.Decoys, d.Name)
		}
		out = append(out, ss)
	}
	return out
}

// Stores describes the lab's Vault mounts and Secrets Manager regions and
// the decoys planted into them.
func (l *Lab) Stores() []Store { return l.stores }

// isStore reports whether id is one of the lab's Vault mounts or Secrets
// Manager regions.
func (l *Lab) isStore(id string) bool {
	return slices.ContainsFunc(l.stores, func(s Store) bool { return strings.EqualFold(s.ID, id) })
}
