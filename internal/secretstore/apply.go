package secretstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Apply creates the planned decoys of every run planned without error,
// recording each in the registry first. A store's failure does not stop
// the others.
func (d *Deployer) Apply(ctx context.Context, runs []*Run, progress func(Progress)) {
	if err := d.init(ctx); err != nil {
		for _, r := range runs {
			r.Err = err
		}
		return
	}
	var todo []*Run
	for _, r := range runs {
		if r.Err == nil && r.Plan != nil && len(r.Planted)+len(r.Unsettled) == 0 {
			todo = append(todo, r)
		}
	}
	d.forEach(ctx, todo, func(ctx context.Context, r *Run) {
		d.apply(ctx, r, progress)
		total := len(r.Plan.Decoys)
		if r.Err != nil {
			report(progress, Progress{Store: r.Store.Name, Phase: PhaseFailed, Done: len(r.Planted), Total: total, Err: r.Err})
			return
		}
		report(progress, Progress{Store: r.Store.Name, Phase: PhaseDone, Done: len(r.Planted), Total: total})
	})
}

// apply creates r's planned decoys one by one, as deploy does for Key
// Vault: every decoy is recorded pending with the planter's allow rule
// before its create, so detection watches it from the moment it exists and
// none can exist unrecorded; the creates then complete their records in
// one commit, or take them back when the store refused (nothing exists).
func (d *Deployer) apply(ctx context.Context, r *Run, progress func(Progress)) {
	decoys := r.Plan.Decoys
	if len(decoys) == 0 {
		return
	}
	now := d.now()
	records := make([]registry.Decoy, len(decoys))
	ps := make([]store.NewPlanting, len(decoys))
	for i, dec := range decoys {
		records[i] = dec.Record(r.Store.ID, d.Planter.String(), now)
		ps[i] = store.NewPlanting{Decoy: &records[i], PlantedBy: d.Planter.Identity, Allow: &store.AllowRule{
			Identity: d.Planter.Identity, Operations: d.Provider.CreateOperations(),
			Expires: now.Add(d.allowFor()), Note: "honeyvault planting by " + d.Planter.String(),
		}}
	}
	if err := d.Store.BeginPlanting(ctx, ps); err != nil {
		r.Err = fmt.Errorf("secretstore: store %s: recording the decoys: %w", r.Store.Name, err)
		return
	}
	// Records must be settled even if ctx ends meanwhile.
	bg := context.WithoutCancel(ctx)
	var errs []error
	var done []store.Completed
	stop := false
	for i, dec := range decoys {
		rec := records[i]
		if !stop && ctx.Err() == nil {
			if err := d.Store.CheckFence(ctx); err != nil {
				errs = append(errs, fmt.Errorf("secretstore: store %s: stopped: %w", r.Store.Name, err))
				stop = true
			}
		}
		if stop || ctx.Err() != nil {
			// Never sent: the record is this run's own to take back.
			if err := d.Store.AbandonPlanting(store.WithoutFence(bg), rec.ID); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		obj, err := d.create(ctx, r.Store, dec)
		switch {
		case err == nil:
			done = append(done, store.Completed{DecoyID: rec.ID, Object: obj})
			r.Planted = append(r.Planted, rec)
			report(progress, Progress{Store: r.Store.Name, Phase: PhasePlanting, Done: len(r.Planted), Total: len(decoys)})
		case Definite(err):
			if aerr := d.Store.AbandonPlanting(store.WithoutFence(bg), rec.ID); aerr != nil {
				errs = append(errs, aerr)
			}
			errs = append(errs, fmt.Errorf("secretstore: store %s: creating a decoy: %w", r.Store.Name, err))
			// Refused for lack of permission or throttled: the rest
			// would be too.
			stop = errors.Is(err, ErrForbidden) || errors.Is(err, ErrThrottled)
		default:
			r.Unsettled = append(r.Unsettled, rec)
			errs = append(errs, fmt.Errorf("secretstore: store %s: creating a decoy got no clear answer (recorded as pending; reconcile settles it): %w", r.Store.Name, err))
		}
	}
	if err := d.Store.CompletePlantings(bg, done, d.who("")); err != nil {
		errs = append(errs, fmt.Errorf("secretstore: store %s: decoys created but their records not completed (reconcile settles them): %w", r.Store.Name, err))
		r.Unsettled = append(r.Unsettled, r.Planted...)
		r.Planted = nil
	}
	if len(errs) > 0 {
		r.Err = errors.Join(errs...)
	}
}

// create makes one decoy's value — fresh from crypto/rand — sends it and
// drops it: only its keyed hash (with a Hasher) is kept.
func (d *Deployer) create(ctx context.Context, s Store, dec plant.Decoy) (store.PlantedObject, error) {
	if dec.Type != registry.Secret || dec.Value == nil {
		return store.PlantedObject{}, fmt.Errorf("secretstore: a %s decoy without a value spec: only secrets can be planted here", dec.Type)
	}
	fields, err := dec.Value.Fields(plant.CryptoRand())
	if err != nil {
		return store.PlantedObject{}, err
	}
	var hash string
	if d.Hasher != nil {
		b, err := fields.MarshalJSON()
		if err != nil {
			return store.PlantedObject{}, err
		}
		hash = d.Hasher.Sum(string(b))
	}
	c, err := d.Provider.Create(ctx, s.ID, dec.Name, fields, dec.Tags)
	if err != nil {
		return store.PlantedObject{}, err
	}
	return store.PlantedObject{ValueHash: hash, Version: c.Version, Created: c.Created, Updated: c.Created, Enabled: true}, nil
}
