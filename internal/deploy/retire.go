package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/fanout"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// RetireResult is what became of one decoy.
type RetireResult struct {
	Decoy   registry.Decoy
	Deleted bool // deleted now; false when it was gone already
	Purged  bool
	// Note says what else happened ("already retired", "vault gone", ...).
	Note string
	Err  error
}

// purgeWait bounds how long a purge waits for Key Vault to finish the
// deletion it follows (it answers 409 meanwhile).
const purgeWait = 60 * time.Second

// Retire deletes decoys from their vaults (soft delete; with purge, for
// good) and keeps their registry rows as retired. The planter's delete and
// purge of each decoy are allow-listed first. A decoy whose vault no longer
// exists is retired with a note. Decoys already retired are left alone.
// Vaults are worked on concurrently, each decoy's outcome on its own.
func (d *Deployer) Retire(ctx context.Context, decoys []registry.Decoy, purge bool, progress func(Progress)) ([]RetireResult, error) {
	if err := d.init(); err != nil {
		return nil, err
	}
	results := make([]RetireResult, len(decoys))
	byVault := map[string][]int{}
	var order []string
	for i, dec := range decoys {
		results[i].Decoy = dec
		if dec.Status == registry.Retired {
			results[i].Note = "already retired"
			continue
		}
		if p := dec.Provider(); p != registry.AzureKeyVault {
			results[i].Err = fmt.Errorf("deploy: decoy %s in %s is in %s, which this deployer does not reach: retire it with its provider's planter", dec.Name, dec.VaultName, p.Label())
			continue
		}
		k := registry.VaultKey(dec.VaultID)
		if _, ok := byVault[k]; !ok {
			order = append(order, k)
		}
		byVault[k] = append(byVault[k], i)
	}
	fanout.Each(ctx, len(order), cmp.Or(d.Concurrency, DefaultConcurrency), func(i int) {
		d.retireVault(ctx, results, byVault[order[i]], purge, progress)
	}, func(i int) {
		for _, j := range byVault[order[i]] {
			results[j].Err = ctx.Err() // never got to it
		}
	})
	return results, nil
}

func (d *Deployer) retireVault(ctx context.Context, results []RetireResult, idx []int, purge bool, progress func(Progress)) {
	first := results[idx[0]].Decoy
	name := first.VaultName
	report(progress, Progress{Vault: name, Phase: PhaseChecking, Total: len(idx)})
	bg := context.WithoutCancel(ctx)
	v, err := d.Azure.Vault(ctx, first.VaultID)
	if azure.IsNotFound(err) {
		for _, i := range idx {
			memo := joinMemo(results[i].Decoy.Memo, fmt.Sprintf("retired %s by %s: the vault no longer exists", d.now().UTC().Format(time.DateOnly), d.Planter))
			results[i].Err = d.Store.SetDecoyStatus(bg, results[i].Decoy.ID, registry.Retired, &memo, d.retireAudit("the vault no longer exists"))
			results[i].Note = "vault gone"
		}
		report(progress, Progress{Vault: name, Phase: PhaseDone, Done: len(idx), Total: len(idx)})
		return
	}
	var vc *azure.VaultClient
	if err == nil {
		vc, err = d.Azure.DataPlane(v, d.Limiter.Policy(v))
	}
	if err != nil {
		for _, i := range idx {
			results[i].Err = err
		}
		report(progress, Progress{Vault: name, Phase: PhaseFailed, Total: len(idx), Err: err})
		return
	}
	// Sign each client in with a list call first: a challenge naming a
	// decoy would be an alert (see azure.VaultClient.Authenticate).
	warm := map[registry.Type]error{}
	for _, i := range idx {
		t := results[i].Decoy.Type
		if _, ok := warm[t]; !ok {
			err := d.throttled(ctx, v, func() error { return vc.Authenticate(ctx, t) })
			if azure.IsForbidden(err) {
				err = nil // signed in all the same; the identity just may not list
			}
			warm[t] = err
		}
	}
	done := 0
	var errs []error
	for _, i := range idx {
		if err := warm[results[i].Decoy.Type]; err != nil {
			results[i].Err = err
			errs = append(errs, err)
			continue
		}
		r := &results[i]
		if ctx.Err() != nil {
			r.Err = ctx.Err()
			errs = append(errs, r.Err)
			continue
		}
		d.retireOne(ctx, vc, v, r, purge)
		if r.Err != nil {
			errs = append(errs, r.Err)
			continue
		}
		done++
		report(progress, Progress{Vault: name, Phase: PhasePlanting, Done: done, Total: len(idx)})
	}
	if len(errs) > 0 {
		report(progress, Progress{Vault: name, Phase: PhaseFailed, Done: done, Total: len(idx), Err: errors.Join(errs...)})
		return
	}
	report(progress, Progress{Vault: name, Phase: PhaseDone, Done: done, Total: len(idx)})
}

func (d *Deployer) retireOne(ctx context.Context, vc *azure.VaultClient, v azure.Vault, r *RetireResult, purge bool) {
	dec := r.Decoy
	bg := context.WithoutCancel(ctx)
	ops := []string{deleteOperation(dec.Type)}
	if purge {
		ops = append(ops, purgeOperation(dec.Type))
	}
	allowFor := d.AllowFor
	if allowFor <= 0 {
		allowFor = DefaultAllowFor
	}
	if err := d.Store.AddAllowRule(ctx, &store.AllowRule{Identity: d.Planter.ObjectID, Operations: ops, VaultID: dec.VaultID,
		Type: dec.Type, Name: dec.Name, DecoyID: dec.ID, Expires: d.now().Add(allowFor), Note: "honeyvault retire by " + d.Planter.String()}, d.who("retire")); err != nil {
		r.Err = err
		return
	}
	err := d.throttled(ctx, v, func() error { return vc.Delete(ctx, dec.Type, dec.Name) })
	switch {
	case err == nil:
		r.Deleted = true
	case azure.IsNotFound(err):
		r.Note = "not in the vault any more"
	default:
		r.Err = d.explainRetire(v, dec, "delete", err)
		return
	}
	if purge {
		if v.PurgeProtected {
			r.Note = joinNote(r.Note, "not purged: the vault has purge protection (Azure purges it when retention ends)")
		} else if err := d.purge(ctx, vc, v, dec); err != nil {
			r.Err = d.explainRetire(v, dec, "purge", err)
			return
		} else {
			r.Purged = true
		}
	}
	memo := fmt.Sprintf("retired %s by %s", d.now().UTC().Format(time.DateOnly), d.Planter)
	if r.Purged {
		memo += " (purged)"
	}
	memo = joinMemo(dec.Memo, memo)
	what := ""
	switch {
	case r.Purged:
		what = "deleted and purged"
	case r.Deleted:
		what = "deleted"
	}
	r.Err = d.Store.SetDecoyStatus(bg, dec.ID, registry.Retired, &memo, d.retireAudit(joinNote(what, r.Note)))
}

// retireAudit is the audit entry of one decoy retired: what happened to it
// in the vault.
func (d *Deployer) retireAudit(what string) store.AuditEntry {
	e := d.who(what)
	e.Action = "decoy.retire"
	return e
}

// purge purges a just-deleted object, retrying while Key Vault is still
// deleting it (409, or 404 before the deleted object shows).
func (d *Deployer) purge(ctx context.Context, vc *azure.VaultClient, v azure.Vault, dec registry.Decoy) error {
	deadline := time.Now().Add(purgeWait)
	for wait := 250 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		err := d.throttled(ctx, v, func() error { return vc.Purge(ctx, dec.Type, dec.Name) })
		if err == nil {
			return nil
		}
		s := azure.StatusCode(err)
		if (s != http.StatusConflict && s != http.StatusNotFound) || time.Now().After(deadline) {
			if s == http.StatusNotFound {
				return nil // nothing left to purge
			}
			return err
		}
		if err := d.Limiter.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// throttled runs op, waiting out 429s up to MaxThrottleWait.
func (d *Deployer) throttled(ctx context.Context, v azure.Vault, op func() error) error {
	maxWait := d.MaxThrottleWait
	if maxWait <= 0 {
		maxWait = DefaultMaxThrottleWait
	}
	for attempt := 0; ; attempt++ {
		err := op()
		if !azure.IsThrottled(err) || attempt == maxThrottleRetries {
			return err
		}
		wait := max(azure.RetryAfter(err), time.Second)
		if wait > maxWait {
			return &tooLongError{wait: wait, max: maxWait, err: err}
		}
		d.Limiter.Hold(v, wait)
		if err := d.Limiter.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (d *Deployer) explainRetire(v azure.Vault, dec registry.Decoy, what string, err error) error {
	if !azure.IsForbidden(err) {
		return fmt.Errorf("deploy: vault %s: %s %s %d: %w", v.Name, what, dec.Type, dec.ID, err)
	}
	pre := Preflight{Vault: v, Planter: d.Planter, Types: []registry.Type{dec.Type}, Checks: []Check{{Permission: Permission{Type: dec.Type, Name: what}, Needed: true,
		Status: Missing, Source: "observed: the " + what + " was refused (403)"}}}
	return fmt.Errorf("deploy: %s; fix: %s", pre.Problem(), strings.Join(pre.Fix(), " && "))
}

func deleteOperation(t registry.Type) string {
	return map[registry.Type]string{registry.Secret: "SecretDelete", registry.Key: "KeyDelete", registry.Certificate: "CertificateDelete"}[t]
}

func purgeOperation(t registry.Type) string {
	return map[registry.Type]string{registry.Secret: "SecretPurge", registry.Key: "KeyPurge", registry.Certificate: "CertificatePurge"}[t]
}

func joinMemo(old, add string) string {
	if strings.TrimSpace(old) == "" {
		return add
	}
	return old + "; " + add
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
