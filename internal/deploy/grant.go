package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Grant is a temporary access-policy change for the planter on one
// access-policy vault, undone by Release.
type Grant struct {
	VaultID string
	Vault   string
	// Added are the permissions the grant added.
	Added []Permission
	// Previous is the planter's entry before the grant; nil when it had
	// none (Release then removes the entry; else it restores this one).
	Previous *azure.AccessPolicy
	TenantID string
	ObjectID string
	Removed  bool
}

// grantPropagation bounds how long to wait for a new access policy to take
// effect (Azure applies them within seconds, rarely a minute).
const grantPropagation = 2 * time.Minute

// grantFor is what a temporary grant gives for planting types: list and
// create of each, list of the other types (to avoid their names) and
// keys/get (to read key types).
func grantFor(types []registry.Type) []Permission {
	planting := map[registry.Type]bool{}
	for _, t := range types {
		planting[t] = true
	}
	var out []Permission
	for _, t := range registry.Types {
		out = append(out, Permission{Type: t, Name: "list"})
		if planting[t] {
			out = append(out, Permission{Type: t, Name: createPermission(t)})
		}
	}
	if planting[registry.Key] || planting[registry.Certificate] {
		out = append(out, Permission{Type: registry.Key, Name: "get"})
	}
	return out
}

func permList(ps []Permission) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}

// grant adds what planting needs to the planter's access-policy entry of
// r's vault and waits until listing works. The grant is recorded on r
// before the change is sent, so Release undoes it even if the answer is
// lost.
func (d *Deployer) grant(ctx context.Context, r *VaultRun, types []registry.Type) error {
	v, err := d.Azure.Vault(ctx, r.Vault.ID)
	if err != nil {
		return fmt.Errorf("deploy: vault %s: reading its access policies for a temporary grant: %w", r.Vault.Name, err)
	}
	r.Vault = v
	prev, had := v.EntryFor(d.Planter)
	entry := azure.AccessPolicy{TenantID: v.TenantID, ObjectID: d.Planter.ObjectID}
	var added []Permission
	for _, p := range grantFor(types) {
		have := map[registry.Type][]string{registry.Secret: prev.Secrets, registry.Key: prev.Keys, registry.Certificate: prev.Certificates}[p.Type]
		if had && azure.Has(have, p.Name) {
			continue
		}
		added = append(added, p)
		switch p.Type {
		case registry.Secret:
			entry.Secrets = append(entry.Secrets, p.Name)
		case registry.Key:
			entry.Keys = append(entry.Keys, p.Name)
		case registry.Certificate:
			entry.Certificates = append(entry.Certificates, p.Name)
		}
	}
	if len(added) == 0 {
		return nil
	}
	g := &Grant{VaultID: v.ID, Vault: v.Name, Added: added, TenantID: v.TenantID, ObjectID: d.Planter.ObjectID}
	if had {
		p := prev
		g.Previous = &p
		entry.ApplicationID = prev.ApplicationID
	}
	if err := d.allowGrant(ctx, v.ID, v.Name, "temporary grant"); err != nil {
		return err
	}
	r.Grant = g
	d.log().Info("deploy: granting a temporary access policy", "vault", v.Name, "permissions", permList(added))
	if err := d.Azure.UpdateAccessPolicy(ctx, v.ID, azure.PolicyAdd, entry); err != nil {
		if !azure.Definite(err) {
			// It may have happened: Release undoes it, and the trail says so.
			d.audit(ctx, "vault.access_grant", v.ID, fmt.Sprintf("vault %s: tried to add %s to the planter's access policy for planting; no clear answer (%v)", v.Name, permList(added), err))
		}
		return fmt.Errorf("deploy: vault %s: temporary grant refused (it needs Microsoft.KeyVault/vaults/accessPolicies/write, e.g. the Key Vault Contributor role): %w", v.Name, err)
	}
	d.audit(ctx, "vault.access_grant", v.ID, fmt.Sprintf("vault %s: added %s to the planter's access policy for planting", v.Name, permList(added)))
	if fresh, err := d.Azure.Vault(ctx, v.ID); err == nil {
		r.Vault = fresh
	}
	// Wait until the data plane honours the new entry.
	t := types[0]
	deadline := time.Now().Add(grantPropagation)
	for {
		_, err := r.client.List(ctx, t)
		if err == nil {
			return nil
		}
		if !azure.IsForbidden(err) || time.Now().After(deadline) {
			return fmt.Errorf("deploy: vault %s: the temporary grant did not take effect: %w", v.Name, err)
		}
		if err := d.Limiter.sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}
}

// Release removes every temporary grant of runs that is still in place:
// an entry the planter did not have goes; an entry it had is put back as it
// was. Call it however the run ended (it is what Deploy defers); it uses
// its own context so that an interrupted run still cleans up, and returns
// the grants it could not remove.
func (d *Deployer) Release(ctx context.Context, runs []*VaultRun) error {
	var errs []error
	for _, r := range runs {
		g := r.Grant
		if g == nil || g.Removed {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		// Without its rule the removal alerts as a tamper: still better
		// than leaving the grant in place.
		err := d.allowGrant(cctx, g.VaultID, g.Vault, "temporary grant removal")
		if err != nil {
			d.log().Warn("deploy: the removal of the temporary access policy will alert", "vault", g.Vault, "err", err)
		}
		if g.Previous == nil {
			err = d.Azure.UpdateAccessPolicy(cctx, g.VaultID, azure.PolicyRemove, azure.AccessPolicy{TenantID: g.TenantID, ObjectID: g.ObjectID})
		} else {
			err = d.Azure.UpdateAccessPolicy(cctx, g.VaultID, azure.PolicyReplace, *g.Previous)
		}
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("deploy: vault %s: the temporary access policy for %s is still in place; %s: %w", g.Vault, g.ObjectID, undoCommand(g), err))
			continue
		}
		g.Removed = true
		d.log().Info("deploy: temporary access policy removed", "vault", g.Vault)
		what := "removed the planter's temporary access-policy entry"
		if g.Previous != nil {
			what = "put the planter's access-policy entry back as it was (without " + permList(g.Added) + ")"
		}
		d.audit(ctx, "vault.access_restore", g.VaultID, fmt.Sprintf("vault %s: %s", g.Vault, what))
	}
	return errors.Join(errs...)
}

// undoCommand is how a person removes a grant Release could not.
func undoCommand(g *Grant) string {
	if g.Previous == nil {
		return fmt.Sprintf("remove it: az keyvault delete-policy --name %s --object-id %s", g.Vault, g.ObjectID)
	}
	p := g.Previous
	list := func(ps []string) string {
		if len(ps) == 0 {
			return `""`
		}
		return strings.Join(ps, " ")
	}
	return fmt.Sprintf("restore it: az keyvault set-policy --name %s --object-id %s --secret-permissions %s --key-permissions %s --certificate-permissions %s",
		g.Vault, g.ObjectID, list(p.Secrets), list(p.Keys), list(p.Certificates))
}
