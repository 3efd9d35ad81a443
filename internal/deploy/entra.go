package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// PlantEntra plants app's client secret into vault v as decoy secret name:
// an Entra ID canary (canary.KindEntra), whose token is the app id. As
// planting does, the decoy, the planter's allow rule for its SecretSet and
// the canary are recorded first (pending), so that detection watches the
// decoy — and a sign-in as the app alerts — from the moment it exists;
// the write then completes the record, or removes it when the vault
// refused (nothing was created). An app already naming a decoy, a name
// already a decoy's, a bad app or name is an error that changes nothing.
func (d *Deployer) PlantEntra(ctx context.Context, v azure.Vault, name string, app plant.EntraApp) (registry.Decoy, error) {
	if err := d.init(); err != nil {
		return registry.Decoy{}, err
	}
	app = app.Normalize()
	if err := app.Validate(); err != nil {
		return registry.Decoy{}, err
	}
	if !registry.ValidObjectName(name) {
		return registry.Decoy{}, fmt.Errorf("deploy: %q is not a valid secret name (1-127 letters, digits and dashes)", name)
	}
	if _, _, err := d.Store.CanaryByToken(ctx, app.AppID); err == nil {
		return registry.Decoy{}, fmt.Errorf("deploy: app %s already names a decoy: one app registration per decoy, so that a sign-in says which leaked", app.AppID)
	} else if !errors.Is(err, store.ErrNotFound) {
		return registry.Decoy{}, err
	}
	vc, err := d.Azure.DataPlane(v, d.Limiter.Policy(v))
	if err != nil {
		return registry.Decoy{}, err
	}
	now := d.now()
	rec := plant.Decoy{Name: name, Type: registry.Secret}.Record(v.ID, d.Planter.String(), now)
	p := store.NewPlanting{Decoy: &rec, PlantedBy: d.Planter.ObjectID,
		Allow: &store.AllowRule{Identity: d.Planter.ObjectID, Operations: []string{CreateOperation(registry.Secret)},
			Expires: now.Add(DefaultAllowFor), Note: "honeyvault planting an Entra ID canary by " + d.Planter.String()},
		Canary: &store.NewCanary{Kind: canary.KindEntra, Token: app.AppID}}
	if d.AllowFor > 0 {
		p.Allow.Expires = now.Add(d.AllowFor)
	}
	if err := d.Store.BeginPlanting(ctx, []store.NewPlanting{p}); err != nil {
		return registry.Decoy{}, fmt.Errorf("deploy: vault %s: recording the decoy: %w", v.Name, err)
	}
	bg := context.WithoutCancel(ctx) // the record is settled however ctx ends
	value := app.Value()
	var hash string
	if d.Hasher != nil {
		hash = d.Hasher.Sum(value)
	}
	var o azure.Object
	err = d.throttled(ctx, v, func() (err error) {
		o, err = vc.SetSecret(ctx, name, value, azure.SecretParams{ContentType: "application/json"})
		return err
	})
	switch {
	case err == nil:
	case azure.Definite(err) || isTooLong(err):
		return registry.Decoy{}, errors.Join(fmt.Errorf("deploy: vault %s: the vault refused the decoy: %w", v.Name, err),
			d.Store.AbandonPlanting(store.WithoutFence(bg), rec.ID))
	default:
		return registry.Decoy{}, fmt.Errorf("deploy: vault %s: writing the decoy got no clear answer (recorded as pending; reconcile settles it): %w", v.Name, err)
	}
	done := []store.Completed{{DecoyID: rec.ID, Object: store.PlantedObject{ValueHash: hash, Version: o.Version, Created: o.Created, Updated: o.Updated, Enabled: o.Enabled}}}
	if err := d.Store.CompletePlantings(bg, done, d.who("an Entra ID canary")); err != nil {
		return registry.Decoy{}, fmt.Errorf("deploy: vault %s: the decoy was written but its record not completed (reconcile settles it): %w", v.Name, err)
	}
	d.log().Info("deploy: Entra ID canary planted", "vault", v.Name, "decoy_id", rec.ID)
	return rec, nil
}
