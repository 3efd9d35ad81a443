package secretstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/fanout"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// pendingGrace is how old a pending planting must be before Reconcile
// decides its create never happened: a planting run may be sending it
// right now.
const pendingGrace = 10 * time.Minute

// settledNote explains a "decoy.plant" row that Reconcile writes.
const settledNote = "reconcile: its create got no clear answer when planted; the store has it"

// ReconcileResult is what Reconcile found in one store.
type ReconcileResult struct {
	StoreID string
	Store   string
	Checked int
	// Findings are the new ones (open findings are not repeated).
	Findings []store.Finding
	// Settled counts pending plantings completed (the store has the
	// decoy) or dropped (its create never happened).
	Settled int
	Err     error
}

// Reconcile compares the registry with the stores of this provider
// through Inventory (list and metadata calls of the store, never a read
// of a decoy): a pending decoy is completed when its store has it and
// dropped when it has not after pendingGrace; a decoy deleted or gone
// becomes a finding and missing, one back becomes active again, one with a
// new version a finding. storeIDs limits it to some stores (nil: all with
// decoys). Retired decoys are not checked.
func (d *Deployer) Reconcile(ctx context.Context, storeIDs []string) ([]ReconcileResult, error) {
	if err := d.init(ctx); err != nil {
		return nil, err
	}
	all, err := d.Store.PlantedDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		return nil, err
	}
	only := map[string]bool{}
	for _, id := range storeIDs {
		only[registry.VaultKey(id)] = true
	}
	by := map[string][]store.PlantedDecoy{}
	var order []string
	for _, pd := range all {
		k := registry.VaultKey(pd.VaultID)
		if pd.Status == registry.Retired || registry.ProviderOf(pd.VaultID) != d.Provider.Kind() || len(only) > 0 && !only[k] {
			continue
		}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], pd)
	}
	results := make([]ReconcileResult, len(order))
	fanout.Each(ctx, len(order), d.concurrency(), func(i int) {
		d.reconcileStore(ctx, &results[i], by[order[i]])
	}, func(i int) {
		first := by[order[i]][0]
		results[i] = ReconcileResult{StoreID: first.VaultID, Store: first.VaultName, Err: ctx.Err()}
	})
	return results, nil
}

func (d *Deployer) reconcileStore(ctx context.Context, res *ReconcileResult, decoys []store.PlantedDecoy) {
	first := decoys[0]
	res.StoreID, res.Store = first.VaultID, first.VaultName
	mine := map[string]bool{}
	for _, pd := range decoys {
		mine[pd.Name] = true
	}
	// Decoys are listed by name only: whether one is deleted or has a
	// new version shows only where the listing says it without a call
	// naming the decoy.
	secrets, err := d.Provider.Inventory(ctx, first.VaultID, func(name string) bool { return mine[name] })
	if err != nil {
		res.Err = fmt.Errorf("secretstore: store %s: inventory: %w", first.VaultName, err)
		return
	}
	byName := map[string]*Secret{}
	for i := range secrets {
		byName[secrets[i].Name] = &secrets[i]
	}
	now := d.now()
	var ids []int64
	for _, pd := range decoys {
		d.reconcileDecoy(ctx, res, pd, byName[pd.Name], now)
		if pd.Planting != nil {
			ids = append(ids, pd.ID)
		}
	}
	res.Checked = len(decoys)
	if err := d.Store.MarkReconciled(ctx, ids, now); err != nil {
		res.Err = errors.Join(res.Err, err)
	}
}

func (d *Deployer) reconcileDecoy(ctx context.Context, res *ReconcileResult, pd store.PlantedDecoy, s *Secret, now time.Time) {
	pending := pd.Planting != nil && pd.Planting.State == store.PlantPending
	switch {
	case s != nil && pending:
		if err := d.Store.CompletePlanting(ctx, pd.ID, store.PlantedObject{Version: s.Version, Created: s.Created, Updated: s.Updated, Enabled: true}, d.who(settledNote)); err != nil {
			res.Err = errors.Join(res.Err, err)
		}
		res.Settled++
		if s.Deleted {
			d.find(ctx, res, pd, store.FindingDeleted, "deleted outside honeyvault (still recoverable)", true)
		}
	case s != nil && s.Deleted:
		d.find(ctx, res, pd, store.FindingDeleted, "deleted outside honeyvault (still recoverable)", true)
	case s != nil:
		if pd.Status == registry.Missing {
			if err := d.Store.SetDecoyStatus(ctx, pd.ID, registry.Active, nil, d.who("reconcile: the decoy is back")); err != nil {
				res.Err = errors.Join(res.Err, err)
			}
			if _, err := d.Store.ResolveFindings(ctx, pd.ID, now, d.who("reconcile: the decoy is back"), store.FindingDeleted, store.FindingGone); err != nil {
				res.Err = errors.Join(res.Err, err)
			}
		}
		if pd.Planting != nil && pd.Planting.Object.Version != "" && s.Version != "" && s.Version != pd.Planting.Object.Version {
			d.find(ctx, res, pd, store.FindingNewVersion, fmt.Sprintf("a new version replaced honeyvault's (version %s, was %s)", s.Version, pd.Planting.Object.Version), false)
		}
	case pending:
		if now.Sub(pd.Planting.PlantedAt) < pendingGrace {
			return
		}
		// Its create never reached the store: forget it.
		if err := d.Store.AbandonPlanting(ctx, pd.ID); err != nil {
			res.Err = errors.Join(res.Err, err)
			return
		}
		res.Settled++
	default:
		d.find(ctx, res, pd, store.FindingGone, "no longer in the store (destroyed or deleted for good)", true)
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
		d.log().Warn("secretstore: reconcile finding", "store", pd.VaultName, "decoy_id", pd.ID, "kind", kind)
	}
	if missing && pd.Status != registry.Missing {
		if err := d.Store.SetDecoyStatus(ctx, pd.ID, registry.Missing, nil, d.who("reconcile")); err != nil {
			res.Err = errors.Join(res.Err, err)
		}
	}
}
