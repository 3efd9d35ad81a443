package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/fanout"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// settledNote explains a "decoy.plant" row that reconcile writes.
const settledNote = "reconcile: its create got no clear answer when planted; the vault has it"

// pendingGrace is how old a pending planting must be before reconcile
// decides its create never happened: a planting run may be sending it right
// now.
const pendingGrace = 10 * time.Minute

// ReconcileResult is what reconcile found in one vault.
type ReconcileResult struct {
	VaultID string
	Vault   string
	Checked int
	// Findings are the new ones (open findings are not repeated).
	Findings []store.Finding
	// Settled counts pending plantings reconcile completed (the decoy is in
	// the vault) or dropped (its create never happened).
	Settled int
	Err     error
}

// Reconcile compares the registry with the vaults, through list calls
// only (they name no decoy, so they raise no alert): a decoy deleted,
// purged, disabled, replaced by a new version or changed outside honeyvault
// becomes a finding, and deleted or purged ones (or all of a vault that is
// gone) become missing. A missing decoy that is back becomes active and its
// findings are resolved. vaultIDs limits it to some vaults (nil: all with
// decoys). Retired decoys are not checked.
func (d *Deployer) Reconcile(ctx context.Context, vaultIDs []string, progress func(Progress)) ([]ReconcileResult, error) {
	if err := d.init(); err != nil {
		return nil, err
	}
	all, err := d.Store.PlantedDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		return nil, err
	}
	only := map[string]bool{}
	for _, id := range vaultIDs {
		only[registry.VaultKey(id)] = true
	}
	byVault := map[string][]store.PlantedDecoy{}
	var order []string
	for _, pd := range all {
		k := registry.VaultKey(pd.VaultID)
		if pd.Status == registry.Retired || len(only) > 0 && !only[k] || registry.ProviderOf(pd.VaultID) != registry.AzureKeyVault {
			continue // this deployer's list calls are Key Vault's
		}
		if _, ok := byVault[k]; !ok {
			order = append(order, k)
		}
		byVault[k] = append(byVault[k], pd)
	}
	results := make([]ReconcileResult, len(order))
	for i, k := range order {
		first := byVault[k][0]
		results[i].VaultID, results[i].Vault = first.VaultID, first.VaultName
	}
	fanout.Each(ctx, len(order), cmp.Or(d.Concurrency, DefaultConcurrency), func(i int) {
		decoys := byVault[order[i]]
		res := &results[i]
		report(progress, Progress{Vault: res.Vault, Phase: PhaseChecking, Total: len(decoys)})
		d.reconcileVault(ctx, res, decoys)
		if res.Err != nil {
			report(progress, Progress{Vault: res.Vault, Phase: PhaseFailed, Done: res.Checked, Total: len(decoys), Err: res.Err})
		} else {
			report(progress, Progress{Vault: res.Vault, Phase: PhaseDone, Done: res.Checked, Total: len(decoys)})
		}
	}, func(i int) {
		results[i].Err = ctx.Err() // never got to it
	})
	return results, nil
}

// seen is what the vault lists of one decoy's name and type.
type seen struct {
	live, deleted *azure.Object
}

func (d *Deployer) reconcileVault(ctx context.Context, res *ReconcileResult, decoys []store.PlantedDecoy) {
	now := d.now()
	v, err := d.Azure.Vault(ctx, res.VaultID)
	if azure.IsNotFound(err) {
		for _, pd := range decoys {
			d.find(ctx, res, pd, store.FindingVaultGone, "the vault no longer exists", true)
		}
		res.Checked = len(decoys)
		d.markReconciled(ctx, res, decoys, now)
		return
	}
	if err != nil {
		res.Err = err
		return
	}
	vc, err := d.Azure.DataPlane(v, d.Limiter.Policy(v))
	if err != nil {
		res.Err = err
		return
	}
	types := map[registry.Type]bool{}
	for _, pd := range decoys {
		types[pd.Type] = true
	}
	objects := map[string]*seen{}
	listed := map[registry.Type]bool{}
	var errs []error
	for _, t := range registry.Types {
		if !types[t] {
			continue
		}
		var live, deleted []azure.Object
		err := d.throttled(ctx, v, func() (err error) {
			live, err = vc.List(ctx, t)
			return err
		})
		if err == nil {
			err = d.throttled(ctx, v, func() (err error) {
				deleted, err = vc.ListDeleted(ctx, t)
				return err
			})
			for i := range deleted {
				key := string(t) + "/" + strings.ToLower(deleted[i].Name)
				objects[key] = &seen{deleted: &deleted[i]}
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for i := range live {
			key := string(t) + "/" + strings.ToLower(live[i].Name)
			if objects[key] == nil {
				objects[key] = &seen{}
			}
			objects[key].live = &live[i]
		}
		listed[t] = true
	}
	var checked []store.PlantedDecoy
	for _, pd := range decoys {
		if !listed[pd.Type] {
			continue
		}
		d.reconcileDecoy(ctx, res, pd, objects[string(pd.Type)+"/"+strings.ToLower(pd.Name)], now)
		checked = append(checked, pd)
	}
	res.Checked = len(checked)
	d.markReconciled(ctx, res, checked, now)
	if len(errs) > 0 {
		res.Err = errors.Join(append([]error{fmt.Errorf("deploy: vault %s: some decoys could not be checked", v.Name)}, errs...)...)
	}
}

func (d *Deployer) reconcileDecoy(ctx context.Context, res *ReconcileResult, pd store.PlantedDecoy, s *seen, now time.Time) {
	pending := pd.Planting != nil && pd.Planting.State == store.PlantPending
	switch {
	case s != nil && s.live != nil:
		o := s.live
		if pending {
			if err := d.Store.CompletePlanting(ctx, pd.ID, baselineOf(o), d.who(settledNote)); err != nil {
				res.Err = errors.Join(res.Err, err)
			}
			res.Settled++
			return
		}
		if pd.Status == registry.Missing {
			d.setStatus(ctx, res, pd, registry.Active)
			if _, err := d.Store.ResolveFindings(ctx, pd.ID, now, d.who("reconcile: the decoy is back"), store.FindingDeleted, store.FindingGone, store.FindingVaultGone); err != nil {
				res.Err = errors.Join(res.Err, err)
			}
		}
		if !o.Enabled {
			d.find(ctx, res, pd, store.FindingDisabled, fmt.Sprintf("%s is disabled", pd.Type), false)
			return
		}
		enabled, err := d.Store.ResolveFindings(ctx, pd.ID, now, d.who("reconcile: the decoy is enabled"), store.FindingDisabled)
		if err != nil {
			res.Err = errors.Join(res.Err, err)
		}
		if pd.Planting == nil {
			return // imported from a watchlist: existence is all we know
		}
		base := pd.Planting.Object
		if enabled > 0 && sameObject(pd.Type, base, o) {
			// Enabling it again moved its updated time: that undoes the
			// finding just resolved rather than being a change of its own
			// (drift would raise it as one). The enabled object is the new
			// baseline.
			if err := d.Store.SetPlantedObject(ctx, pd.ID, baselineOf(o)); err != nil {
				res.Err = errors.Join(res.Err, err)
			}
			return
		}
		if base.Created.IsZero() && base.Fingerprint == "" {
			// Planting could not take a baseline (a certificate still being
			// issued): take it now.
			if err := d.Store.SetPlantedObject(ctx, pd.ID, baselineOf(o)); err != nil {
				res.Err = errors.Join(res.Err, err)
			}
			return
		}
		switch {
		case pd.Type == registry.Certificate && base.Fingerprint != "" && !strings.EqualFold(o.Thumbprint, base.Fingerprint):
			d.find(ctx, res, pd, store.FindingNewVersion, "a new certificate version replaced honeyvault's (thumbprint changed)", false)
		case pd.Type != registry.Certificate && !sameSecond(o.Created, base.Created):
			d.find(ctx, res, pd, store.FindingNewVersion, fmt.Sprintf("a new version replaced honeyvault's (created %s, was %s)", stamp(o.Created), stamp(base.Created)), false)
		case !sameSecond(o.Updated, base.Updated):
			d.find(ctx, res, pd, store.FindingChanged, fmt.Sprintf("attributes or tags updated at %s", stamp(o.Updated)), false)
		}
	case s != nil && s.deleted != nil:
		if pending {
			// Created, then deleted before anyone settled it.
			if err := d.Store.CompletePlanting(ctx, pd.ID, baselineOf(s.deleted), d.who(settledNote)); err != nil {
				res.Err = errors.Join(res.Err, err)
			}
			res.Settled++
		}
		d.find(ctx, res, pd, store.FindingDeleted, fmt.Sprintf("%s deleted outside honeyvault (still recoverable)", pd.Type), true)
	default:
		if pending {
			if now.Sub(pd.Planting.PlantedAt) < pendingGrace {
				return
			}
			// Its create never reached the vault: forget it.
			if err := d.Store.AbandonPlanting(ctx, pd.ID); err != nil {
				res.Err = errors.Join(res.Err, err)
				return
			}
			res.Settled++
			return
		}
		d.find(ctx, res, pd, store.FindingGone, fmt.Sprintf("%s neither in the vault nor among its deleted objects (purged)", pd.Type), true)
	}
}

// find records a finding (once while open) and, when missing, marks the
// decoy missing.
func (d *Deployer) find(ctx context.Context, res *ReconcileResult, pd store.PlantedDecoy, kind store.FindingKind, detail string, missing bool) {
	f := store.Finding{DecoyID: pd.ID, VaultID: pd.VaultID, Kind: kind, Detail: detail, FoundAt: d.now()}
	added, err := d.Store.AddFinding(ctx, &f, d.who("reconcile"))
	if err != nil {
		res.Err = errors.Join(res.Err, err)
		return
	}
	if added {
		res.Findings = append(res.Findings, f)
		d.log().Warn("deploy: reconcile finding", "vault", pd.VaultName, "decoy_id", pd.ID, "kind", kind)
	}
	if missing && pd.Status != registry.Missing {
		d.setStatus(ctx, res, pd, registry.Missing)
	}
}

func (d *Deployer) setStatus(ctx context.Context, res *ReconcileResult, pd store.PlantedDecoy, st registry.Status) {
	if err := d.Store.SetDecoyStatus(ctx, pd.ID, st, nil, d.who("reconcile")); err != nil {
		res.Err = errors.Join(res.Err, err)
	}
}

func (d *Deployer) markReconciled(ctx context.Context, res *ReconcileResult, decoys []store.PlantedDecoy, at time.Time) {
	var ids []int64
	for _, pd := range decoys {
		if pd.Planting != nil {
			ids = append(ids, pd.ID)
		}
	}
	if err := d.Store.MarkReconciled(ctx, ids, at); err != nil {
		res.Err = errors.Join(res.Err, err)
	}
}

func baselineOf(o *azure.Object) store.PlantedObject {
	return store.PlantedObject{Version: o.Version, Fingerprint: o.Thumbprint, Created: o.Created, Updated: o.Updated, Enabled: o.Enabled}
}

// sameObject reports whether o is still the version honeyvault planted.
func sameObject(t registry.Type, base store.PlantedObject, o *azure.Object) bool {
	if t == registry.Certificate {
		return base.Fingerprint != "" && strings.EqualFold(o.Thumbprint, base.Fingerprint)
	}
	return sameSecond(o.Created, base.Created)
}

// sameSecond compares times at Key Vault's resolution (Unix seconds).
func sameSecond(a, b time.Time) bool { return a.Unix() == b.Unix() }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
