package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// CreateOperation is the audit operation that creates a decoy of type t,
// the only operation the planter's allow rule for that decoy covers.
func CreateOperation(t registry.Type) string {
	switch t {
	case registry.Key:
		return "KeyCreate"
	case registry.Certificate:
		return "CertificateCreate"
	}
	return "SecretSet"
}

// apply creates r's planned decoys one by one. They are recorded in the
// registry first (pending, with the planter's allow rule), so detection
// watches each from the moment it exists and no decoy can exist unrecorded;
// each create then completes its record, or removes it when the vault
// refused (nothing was created).
func (d *Deployer) apply(ctx context.Context, r *VaultRun, progress func(Progress)) {
	decoys := r.Plan.Decoys
	if len(decoys) == 0 {
		return
	}
	now := d.now()
	allowFor := d.AllowFor
	if allowFor <= 0 {
		allowFor = DefaultAllowFor
	}
	records := make([]registry.Decoy, len(decoys))
	ps := make([]store.NewPlanting, len(decoys))
	kinds := d.Canaries.Taker()
	for i, dec := range decoys {
		records[i] = dec.Record(r.Vault.ID, d.Planter.String(), now)
		ps[i] = store.NewPlanting{Decoy: &records[i], PlantedBy: d.Planter.ObjectID, Allow: &store.AllowRule{
			Identity: d.Planter.ObjectID, Operations: []string{CreateOperation(dec.Type)},
			Expires: now.Add(allowFor), Note: "honeyvault planting by " + d.Planter.String(),
		}, Canary: d.canaryFor(dec, kinds)}
	}
	if err := d.Store.BeginPlanting(ctx, ps); err != nil {
		r.Err = fmt.Errorf("deploy: vault %s: recording the decoys: %w", r.Vault.Name, err)
		return
	}
	// Records must be settled even if ctx ends meanwhile.
	bg := context.WithoutCancel(ctx)
	var errs []error
	var done []store.Completed
	stop := false
	for i, dec := range decoys {
		rec := records[i]
		// Planting under a lease (auto-planting) stops when the lease
		// passed on: the database cannot fence a call to Azure, so the
		// lease is checked right before each, leaving a window as long
		// as one create. A decoy created in it stays pending (its
		// completion is fenced) until the new leader's reconcile settles it.
		if !stop && ctx.Err() == nil {
			if err := d.Store.CheckFence(ctx); err != nil {
				errs = append(errs, fmt.Errorf("deploy: vault %s: stopped: %w", r.Vault.Name, err))
				stop = true
			}
		}
		if stop || ctx.Err() != nil {
			// Never sent: nothing to settle later, whoever holds the
			// lease now (the record is this run's own to take back).
			if err := d.Store.AbandonPlanting(store.WithoutFence(bg), rec.ID); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		obj, err := d.create(ctx, r, dec, ps[i].Canary, progress)
		switch {
		case err == nil:
			done = append(done, store.Completed{DecoyID: rec.ID, Object: obj})
			r.Planted = append(r.Planted, rec)
			report(progress, Progress{Vault: r.Vault.Name, Phase: PhasePlanting, Done: len(r.Planted), Total: len(decoys)})
		case azure.Definite(err) || isTooLong(err):
			// The vault turned the create away: nothing exists.
			if aerr := d.Store.AbandonPlanting(store.WithoutFence(bg), rec.ID); aerr != nil {
				errs = append(errs, aerr)
			}
			errs = append(errs, d.explain(r, dec.Type, err))
			// Refused for lack of permission or throttled for long: the
			// rest would be too.
			stop = azure.IsForbidden(err) || isTooLong(err) || azure.IsThrottled(err)
		default:
			r.Unsettled = append(r.Unsettled, rec)
			errs = append(errs, fmt.Errorf("deploy: vault %s: creating a %s got no clear answer (recorded as pending; reconcile settles it): %w", r.Vault.Name, dec.Type, err))
		}
	}
	// The vault's view of each new decoy goes into the registry in one
	// commit per vault (the rows exist already, pending).
	d.baselineCertificates(bg, r, done)
	if err := d.Store.CompletePlantings(bg, done, d.who("")); err != nil {
		errs = append(errs, fmt.Errorf("deploy: vault %s: decoys created but their records not completed (reconcile settles them): %w", r.Vault.Name, err))
		r.Unsettled = append(r.Unsettled, r.Planted...)
		r.Planted = nil
	}
	if len(errs) > 0 {
		r.Err = errors.Join(errs...)
	}
}

// create makes one decoy, waiting out 429s the SDK gave up on (a
// Retry-After over its 60 s cap, or retries used up) up to MaxThrottleWait
// each time.
func (d *Deployer) create(ctx context.Context, r *VaultRun, dec plant.Decoy, can *store.NewCanary, progress func(Progress)) (store.PlantedObject, error) {
	maxWait := d.MaxThrottleWait
	if maxWait <= 0 {
		maxWait = DefaultMaxThrottleWait
	}
	for attempt := 0; ; attempt++ {
		obj, err := d.createOnce(ctx, r.client, dec, can)
		if !azure.IsThrottled(err) {
			return obj, err
		}
		wait := azure.RetryAfter(err)
		if wait <= 0 {
			wait = time.Second << min(attempt, 5)
		}
		if wait > maxWait {
			return obj, &tooLongError{wait: wait, max: maxWait, err: err}
		}
		if attempt == maxThrottleRetries {
			return obj, err
		}
		d.Limiter.Hold(r.Vault, wait)
		report(progress, Progress{Vault: r.Vault.Name, Phase: PhaseThrottled, Done: len(r.Planted), Total: len(r.Plan.Decoys), Wait: wait})
		if err := d.Limiter.sleep(ctx, wait); err != nil {
			return obj, err
		}
	}
}

// tooLongError is a 429 whose Retry-After is longer than honeyvault waits.
type tooLongError struct {
	wait, max time.Duration
	err       error
}

func (e *tooLongError) Error() string {
	return fmt.Sprintf("throttled: Key Vault asks to wait %s, longer than the %s honeyvault waits (plant.max_throttle_wait); run again later", e.wait.Round(time.Second), e.max)
}

func (e *tooLongError) Unwrap() error { return e.err }

func isTooLong(err error) bool {
	var t *tooLongError
	return errors.As(err, &t)
}

// canaryFor is the canary a planned decoy's value carries: a new token of
// the kind kinds hands out for its value (the one that fits it, or with
// plant.Canaries.EveryKind the next in turn), for a secret when canaries
// are on; nil otherwise.
func (d *Deployer) canaryFor(dec plant.Decoy, kinds *plant.KindTaker) *store.NewCanary {
	if dec.Type != registry.Secret || dec.Value == nil || !d.Canaries.On() {
		return nil
	}
	return &store.NewCanary{Kind: kinds.Next(dec.Value.Kind), Token: plant.NewCanaryToken()}
}

// createOnce sends one create. A secret's value is made here — carrying
// can's token when it has a canary — sent, and dropped: only its keyed
// hash (with a Hasher) is kept.
func (d *Deployer) createOnce(ctx context.Context, vc *azure.VaultClient, dec plant.Decoy, can *store.NewCanary) (store.PlantedObject, error) {
	switch dec.Type {
	case registry.Secret:
		if dec.Value == nil {
			return store.PlantedObject{}, errors.New("deploy: a secret decoy without a value spec")
		}
		var value string
		var err error
		if can != nil {
			value, err = dec.Value.CanaryValue(plant.CryptoRand(), can.Kind, can.Token, d.Canaries.Targets)
		} else {
			value, err = dec.Value.Generate(plant.CryptoRand())
		}
		if err != nil {
			return store.PlantedObject{}, err
		}
		var hash string
		if d.Hasher != nil {
			hash = d.Hasher.Sum(value)
		}
		o, err := vc.SetSecret(ctx, dec.Name, value, azure.SecretParams{ContentType: dec.ContentType, Tags: dec.Tags, Expires: dec.Expires})
		if err != nil {
			return store.PlantedObject{}, err
		}
		return store.PlantedObject{ValueHash: hash, Version: o.Version, Created: o.Created, Updated: o.Updated, Enabled: o.Enabled}, nil
	case registry.Key:
		if dec.Key == nil {
			return store.PlantedObject{}, errors.New("deploy: a key decoy without a key spec")
		}
		o, err := vc.CreateKey(ctx, dec.Name, keyParams(*dec.Key, dec.Tags, dec.Expires))
		if err != nil {
			return store.PlantedObject{}, err
		}
		return store.PlantedObject{Version: o.Version, Created: o.Created, Updated: o.Updated, Enabled: o.Enabled}, nil
	case registry.Certificate:
		c := dec.Certificate
		if c == nil {
			return store.PlantedObject{}, errors.New("deploy: a certificate decoy without a certificate spec")
		}
		err := vc.CreateCertificate(ctx, dec.Name, azure.CertificateParams{
			Subject: c.Subject, DNSNames: c.DNSNames, Key: keyParams(c.Key, nil, time.Time{}),
			ValidityMonths: c.ValidityMonths, ContentType: c.ContentType, Tags: dec.Tags,
		})
		// Issuance runs in the vault; the baseline comes from a list call.
		return store.PlantedObject{Enabled: true}, err
	}
	return store.PlantedObject{}, fmt.Errorf("deploy: unknown decoy type %q", dec.Type)
}

func keyParams(k plant.KeySpec, tags map[string]string, expires time.Time) azure.KeyParams {
	return azure.KeyParams{Type: string(k.Type), Size: k.Size, Curve: k.Curve, Tags: tags, Expires: expires}
}

// baselineCertificates fills in the thumbprint and times of certificates
// just created, from one list call (a get would name the decoy and alert).
// Certificates still being issued get their baseline at the first
// reconcile.
func (d *Deployer) baselineCertificates(ctx context.Context, r *VaultRun, done []store.Completed) {
	want := map[string]int{}
	for i, rec := range r.Planted {
		if rec.Type == registry.Certificate && done[i].DecoyID == rec.ID {
			want[strings.ToLower(rec.Name)] = i
		}
	}
	if len(want) == 0 {
		return
	}
	var certs []azure.Object
	err := d.throttled(ctx, r.Vault, func() (err error) {
		certs, err = r.client.List(ctx, registry.Certificate)
		return err
	})
	if err != nil {
		d.log().Warn("deploy: certificate baseline deferred to reconcile", "vault", r.Vault.Name, "err", err)
		return
	}
	for _, c := range certs {
		i, ok := want[strings.ToLower(c.Name)]
		if !ok || c.Thumbprint == "" {
			continue
		}
		done[i].Object = store.PlantedObject{Fingerprint: c.Thumbprint, Created: c.Created, Updated: c.Updated, Enabled: c.Enabled}
	}
}

// explain turns a refused create into a message with the fix.
func (d *Deployer) explain(r *VaultRun, t registry.Type, err error) error {
	if !azure.IsForbidden(err) {
		return fmt.Errorf("deploy: vault %s: creating a %s: %w", r.Vault.Name, t, err)
	}
	pre := r.Preflight
	pre.Types = []registry.Type{t}
	pre.Checks = []Check{{Permission: Permission{Type: t, Name: createPermission(t)}, Needed: true, Status: Missing,
		Source: "observed: the create was refused (403)"}}
	return fmt.Errorf("deploy: %s; fix: %s", pre.Problem(), strings.Join(pre.Fix(), " && "))
}
