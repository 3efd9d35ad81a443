package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/fanout"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// DefaultRefreshFallback is the refresh interval of a vault with too few
// real secrets to learn one from.
const DefaultRefreshFallback = 90 * 24 * time.Hour

// RefreshResult is what a refresh did in one vault.
type RefreshResult struct {
	VaultID string
	Vault   string
	// Interval is how often the vault's real secrets change, as learned
	// (Learned) or the fallback.
	Interval time.Duration
	Learned  bool
	// Refreshed are the decoys given a new version.
	Refreshed []registry.Decoy
	// Skipped says why decoys due were left alone.
	Skipped []string
	Err     error
}

// Refresh gives each active decoy secret honeyvault planted a new version
// once its current one is older than its vault's habits say
// (plant.RefreshInterval, fallback for a vault with too few real secrets,
// stretched per decoy by plant.RefreshAfter), so that a decoy is not the
// one object untouched for years. It learns from list calls only. A new
// version has a new value of the same shape, content type and tags (and
// an expiry as far out as the old one was); a canary decoy's new value
// carries a new token of the same kind, recorded before the write (the
// old tokens keep naming the decoy). The planter's write is allow-listed
// by a rule for that decoy, also added before the write (its audit record
// may arrive before the vault's answer); a write that fails takes both
// back (settleFailedRefresh), and its new version becomes reconcile's
// baseline, audited as "decoy.refresh". A decoy the vault no longer holds
// as honeyvault left it (deleted, disabled, a version of someone else's)
// is left to reconcile.
func (d *Deployer) Refresh(ctx context.Context, fallback time.Duration) ([]RefreshResult, error) {
	if err := d.init(); err != nil {
		return nil, err
	}
	if fallback <= 0 {
		fallback = DefaultRefreshFallback
	}
	all, err := d.Store.PlantedDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		return nil, err
	}
	byVault := map[string][]store.PlantedDecoy{}
	names := map[string]map[string]bool{} // every decoy name of a vault, any status: not learned from
	var order []string
	for _, pd := range all {
		k := registry.VaultKey(pd.VaultID)
		if names[k] == nil {
			names[k] = map[string]bool{}
		}
		names[k][strings.ToLower(pd.Name)] = true
		if pd.Status != registry.Active || pd.Type != registry.Secret || pd.Planting == nil || pd.Planting.State != store.Planted ||
			registry.ProviderOf(pd.VaultID) != registry.AzureKeyVault {
			continue
		}
		if _, ok := byVault[k]; !ok {
			order = append(order, k)
		}
		byVault[k] = append(byVault[k], pd)
	}
	results := make([]RefreshResult, len(order))
	fanout.Each(ctx, len(order), cmp.Or(d.Concurrency, DefaultConcurrency), func(i int) {
		decoys := byVault[order[i]]
		results[i].VaultID, results[i].Vault = decoys[0].VaultID, decoys[0].VaultName
		d.refreshVault(ctx, &results[i], decoys, names[order[i]], fallback)
	}, func(i int) {
		results[i].Err = ctx.Err()
	})
	return results, nil
}

func (d *Deployer) refreshVault(ctx context.Context, res *RefreshResult, decoys []store.PlantedDecoy, names map[string]bool, fallback time.Duration) {
	v, err := d.Azure.Vault(ctx, res.VaultID)
	if err != nil {
		res.Err = err // a vault gone is reconcile's to report
		return
	}
	vc, err := d.Azure.DataPlane(v, d.Limiter.Policy(v))
	if err != nil {
		res.Err = err
		return
	}
	var live []azure.Object
	if err := d.throttled(ctx, v, func() (err error) {
		live, err = vc.List(ctx, registry.Secret)
		return err
	}); err != nil {
		res.Err = fmt.Errorf("deploy: vault %s: listing secrets: %w", v.Name, err)
		return
	}
	inv := plant.Inventory{VaultID: v.ID, TenantID: v.TenantID}
	byName := map[string]*azure.Object{}
	for i, o := range live {
		byName[strings.ToLower(o.Name)] = &live[i]
		inv.Objects = append(inv.Objects, plant.Object{Name: o.Name, Type: registry.Secret, ContentType: o.ContentType, Tags: o.Tags,
			Created: o.Created, Updated: o.Updated, Expires: o.Expires, Managed: o.Managed})
	}
	now := d.now()
	res.Interval, res.Learned = plant.RefreshInterval(inv.Objects, names, now, fallback)
	var errs []error
	for _, pd := range decoys {
		base := pd.Planting.Object
		born := cmp.Or(base.Created, pd.Planting.PlantedAt)
		if now.Sub(born) < plant.RefreshAfter(res.Interval, strconv.FormatInt(pd.ID, 10)+"/"+base.Version) {
			continue
		}
		o := byName[strings.ToLower(pd.Name)]
		if o == nil || !o.Enabled || !sameSecond(o.Created, base.Created) {
			res.Skipped = append(res.Skipped, fmt.Sprintf("decoy %d: not as honeyvault left it (reconcile reports it)", pd.ID))
			continue
		}
		if err := d.Store.CheckFence(ctx); err != nil {
			errs = append(errs, fmt.Errorf("deploy: vault %s: refresh stopped: %w", v.Name, err))
			break
		}
		skip, err := d.refreshDecoy(ctx, vc, v, inv, names, pd, o, now)
		switch {
		case err != nil:
			errs = append(errs, err)
		case skip != "":
			res.Skipped = append(res.Skipped, fmt.Sprintf("decoy %d: %s", pd.ID, skip))
		default:
			res.Refreshed = append(res.Refreshed, pd.Decoy)
		}
	}
	res.Err = errors.Join(errs...)
}

// refreshDecoy writes one new version of pd, whose current one is o. It
// returns why it did not when that is no error.
func (d *Deployer) refreshDecoy(ctx context.Context, vc *azure.VaultClient, v azure.Vault, inv plant.Inventory, names map[string]bool,
	pd store.PlantedDecoy, o *azure.Object, now time.Time) (string, error) {
	spec, err := plant.SecretValueSpec(inv, pd.Name, names)
	if err != nil {
		return "", err
	}
	var can *store.NewCanary
	switch old, err := d.Store.DecoyCanary(ctx, pd.ID); {
	case errors.Is(err, store.ErrNotFound): // a plain value stays plain
	case err != nil:
		return "", err
	case d.Canaries.Targets.Validate([]canary.Kind{old.Kind}) != nil:
		// Its kind's public name is no longer set: a new value could
		// point nowhere, and a plain one would drop the tripwire.
		return "its canary kind " + string(old.Kind) + " has no public name set now", nil
	default:
		can = &store.NewCanary{Kind: old.Kind, Token: plant.NewCanaryToken()}
	}
	var value string
	if can != nil {
		value, err = spec.CanaryValue(plant.CryptoRand(), can.Kind, can.Token, d.Canaries.Targets)
	} else {
		value, err = spec.Generate(plant.CryptoRand())
	}
	if err != nil {
		return "", err
	}
	// Both before the write: the new value may be used, and its SecretSet
	// logged, the moment it exists.
	if can != nil {
		if err := d.Store.AddCanary(ctx, pd.ID, *can); err != nil {
			return "", err
		}
	}
	allow := &store.AllowRule{Identity: d.Planter.ObjectID, Operations: []string{CreateOperation(registry.Secret)},
		VaultID: pd.VaultID, Type: pd.Type, Name: pd.Name, DecoyID: pd.ID,
		Expires: now.Add(cmp.Or(d.AllowFor, DefaultAllowFor)), Note: "honeyvault refreshing a decoy as " + d.Planter.String()}
	if err := d.Store.AddAllowRule(ctx, allow, d.who("refresh: the planter's new version of the decoy")); err != nil {
		if can != nil { // nothing written: the token must not stay
			err = errors.Join(err, d.Store.AbandonRefresh(context.WithoutCancel(ctx), pd.ID, can.Token, 0, "its allow rule could not be added", d.who("refresh: taken back")))
		}
		return "", err
	}
	params := azure.SecretParams{ContentType: o.ContentType, Tags: o.Tags}
	if !o.Expires.IsZero() && o.Expires.After(o.Created) {
		params.Expires = now.Add(o.Expires.Sub(o.Created)) // as long a life as the old version had
	}
	var hash string
	if d.Hasher != nil {
		hash = d.Hasher.Sum(value)
	}
	var nv azure.Object
	if err := d.throttled(ctx, v, func() (err error) {
		nv, err = vc.SetSecret(ctx, pd.Name, value, params)
		return err
	}); err != nil {
		landed, serr := d.settleFailedRefresh(ctx, vc, v, pd, o, can, allow, err)
		if serr != nil {
			return "", serr
		}
		nv = *landed
	}
	obj := store.PlantedObject{ValueHash: hash, Version: nv.Version, Created: nv.Created, Updated: nv.Updated, Enabled: nv.Enabled}
	if err := d.Store.CompleteRefresh(context.WithoutCancel(ctx), pd.ID, obj, d.who("refresh")); err != nil {
		return "", fmt.Errorf("deploy: vault %s: decoy %d has a new version but its baseline was not recorded (reconcile will report a new version): %w", v.Name, pd.ID, err)
	}
	d.log().Info("deploy: decoy refreshed", "vault", v.Name, "decoy_id", pd.ID, "canary", can != nil)
	return "", nil
}
