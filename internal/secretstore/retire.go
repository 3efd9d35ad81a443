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

// RetireResult is what became of one decoy.
type RetireResult struct {
	Decoy   registry.Decoy
	Deleted bool   // deleted now; false when it was gone already
	Note    string // "already retired", "not in the store any more", ...
	Err     error
}

// Retire deletes decoys from their stores for good and keeps their
// registry rows as retired. The planter's delete of each decoy is
// allow-listed first. Decoys already retired, or of another provider, are
// left alone. Stores are worked on concurrently, each decoy's outcome on
// its own.
func (d *Deployer) Retire(ctx context.Context, decoys []registry.Decoy, progress func(Progress)) ([]RetireResult, error) {
	if err := d.init(ctx); err != nil {
		return nil, err
	}
	results := make([]RetireResult, len(decoys))
	byStore := map[string][]int{}
	var order []string
	for i, dec := range decoys {
		results[i].Decoy = dec
		switch {
		case dec.Status == registry.Retired:
			results[i].Note = "already retired"
			continue
		case registry.ProviderOf(dec.VaultID) != d.Provider.Kind():
			results[i].Err = fmt.Errorf("secretstore: decoy %d is not in a %s store", dec.ID, d.Provider.Kind().Label())
			continue
		}
		k := registry.VaultKey(dec.VaultID)
		if _, ok := byStore[k]; !ok {
			order = append(order, k)
		}
		byStore[k] = append(byStore[k], i)
	}
	fanout.Each(ctx, len(order), d.concurrency(), func(i int) {
		d.retireStore(ctx, results, byStore[order[i]], progress)
	}, func(i int) {
		for _, j := range byStore[order[i]] {
			results[j].Err = ctx.Err() // never got to it
		}
	})
	return results, nil
}

func (d *Deployer) retireStore(ctx context.Context, results []RetireResult, idx []int, progress func(Progress)) {
	name := results[idx[0]].Decoy.VaultName
	report(progress, Progress{Store: name, Phase: PhaseChecking, Total: len(idx)})
	done := 0
	var errs []error
	for _, i := range idx {
		r := &results[i]
		if ctx.Err() != nil {
			r.Err = ctx.Err()
		} else {
			d.retireOne(ctx, r)
		}
		if r.Err != nil {
			errs = append(errs, r.Err)
			continue
		}
		done++
		report(progress, Progress{Store: name, Phase: PhasePlanting, Done: done, Total: len(idx)})
	}
	if len(errs) > 0 {
		report(progress, Progress{Store: name, Phase: PhaseFailed, Done: done, Total: len(idx), Err: errors.Join(errs...)})
		return
	}
	report(progress, Progress{Store: name, Phase: PhaseDone, Done: done, Total: len(idx)})
}

func (d *Deployer) retireOne(ctx context.Context, r *RetireResult) {
	dec := r.Decoy
	if err := d.Store.AddAllowRule(ctx, &store.AllowRule{Identity: d.Planter.Identity, Operations: d.Provider.DeleteOperations(),
		VaultID: dec.VaultID, Type: dec.Type, Name: dec.Name, DecoyID: dec.ID, Expires: d.now().Add(d.allowFor()),
		Note: "honeyvault retire by " + d.Planter.String()}, d.who("retire")); err != nil {
		r.Err = err
		return
	}
	err := d.Provider.Delete(ctx, dec.VaultID, dec.Name)
	switch {
	case err == nil:
		r.Deleted = true
	case errors.Is(err, ErrNotFound):
		r.Note = "not in the store any more"
	default:
		r.Err = fmt.Errorf("secretstore: store %s: deleting decoy %d: %w", dec.VaultName, dec.ID, err)
		return
	}
	memo := fmt.Sprintf("retired %s by %s", d.now().UTC().Format(time.DateOnly), d.Planter)
	if dec.Memo != "" {
		memo = dec.Memo + "; " + memo
	}
	what := "deleted"
	if !r.Deleted {
		what = r.Note
	}
	e := d.who(what)
	e.Action = "decoy.retire"
	r.Err = d.Store.SetDecoyStatus(context.WithoutCancel(ctx), dec.ID, registry.Retired, &memo, e)
}
