package app

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	mrand "math/rand/v2"
	"strings"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/web"
)

// planDeploy checks and plans every vault of r as `honeyvault plant
// --dry-run` does: nothing is granted, recorded or created.
func (ds *deployments) planDeploy(r *run) {
	d, err := ds.deployer(r.ctx)
	if err != nil {
		ds.failPlan(r, err)
		return
	}
	dep := d.As(r.PlannedBy, r.rand)
	vaults := ds.azureVaults(r)
	runs, err := dep.Prepare(r.ctx, vaults, true, ds.progress(r))
	if err != nil {
		ds.failPlan(r, err)
		return
	}
	ds.update(r, func(r *run) {
		for _, vr := range runs {
			i := r.vaultIndex(vr.Vault.ID)
			if i < 0 {
				continue
			}
			v := &r.Vaults[i]
			v.Planned, v.Covered, v.Notes = nil, nil, vr.Notes
			if vr.Plan != nil {
				for _, dec := range vr.Plan.Decoys {
					v.Planned = append(v.Planned, web.RunDecoy{Type: string(dec.Type), Name: dec.Name, What: describe(dec)})
				}
				for _, t := range vr.Plan.Covered {
					v.Covered = append(v.Covered, string(t))
				}
			}
			v.Total = len(v.Planned)
			v.Findings, v.Error = findings(dep, vr)
		}
	})
	ds.planned(r)
}

// azureVaults reads r's vaults from Resource Manager as they are now (the
// preflight needs their access policies); a vault that cannot be read is
// marked failed on r and left out.
func (ds *deployments) azureVaults(r *run) []azure.Vault {
	az, clientErr := ds.inv.azureClient()
	var out []azure.Vault
	for _, sv := range r.vaults {
		v, err := azure.Vault{}, clientErr
		if err == nil {
			v, err = az.Vault(r.ctx, sv.ID)
		}
		if err != nil {
			msg := err.Error()
			if azure.IsNotFound(err) {
				msg = "the vault no longer exists (or honeyvault's identity may not read it)"
			}
			ds.update(r, func(r *run) {
				if i := r.vaultIndex(sv.ID); i >= 0 {
					r.Vaults[i].Phase, r.Vaults[i].Error = string(deploy.PhaseFailed), msg
				}
			})
			continue
		}
		out = append(out, v)
	}
	return out
}

// findings are a vault's preflight problems with their fixes, and its
// error when that is something else. With grant_temporary an
// access-policy vault's missing permissions are granted for the run, so
// they do not block.
func findings(d *deploy.Deployer, vr *deploy.VaultRun) ([]web.Finding, string) {
	var out []web.Finding
	pre := vr.Preflight
	if p := pre.Problem(); p != "" {
		out = append(out, web.Finding{Problem: p, Fix: pre.Fix(), Blocking: !(d.GrantTemporary && !vr.Vault.RBAC)})
	}
	var pe *deploy.PermissionError
	if vr.Err == nil || errors.As(vr.Err, &pe) {
		return out, ""
	}
	return out, vr.Err.Error()
}

// deploy plants r's vaults: Prepare (granting what grant_temporary allows),
// Apply, Release, as `honeyvault plant` does, with r's seed so that a
// vault unchanged since the plan gets the decoys the plan showed.
func (ds *deployments) deploy(r *run, by web.RunActor) {
	d, err := ds.deployer(r.ctx)
	if err != nil {
		ds.update(r, func(r *run) { r.Error = err.Error() })
		return
	}
	shown := map[string]string{}
	ds.update(r, func(r *run) {
		for _, v := range r.Vaults {
			shown[registry.VaultKey(v.ID)] = decoyNames(v.Planned)
		}
	})
	vaults := ds.azureVaults(r)
	runs, err := d.As(by.Name, r.rand).Deploy(r.ctx, vaults, ds.progress(r))
	ds.update(r, func(r *run) {
		if err != nil {
			r.Error = err.Error()
		}
		for _, vr := range runs {
			i := r.vaultIndex(vr.Vault.ID)
			if i < 0 {
				continue
			}
			v := &r.Vaults[i]
			v.Notes = vr.Notes
			if vr.Plan != nil {
				var now []web.RunDecoy
				for _, dec := range vr.Plan.Decoys {
					now = append(now, web.RunDecoy{Type: string(dec.Type), Name: dec.Name})
				}
				if decoyNames(now) != shown[registry.VaultKey(vr.Vault.ID)] {
					v.Notes = append(v.Notes, "planned afresh: the vault or its permissions changed since the plan was shown")
				}
			}
			v.Result = nil
			for _, dec := range vr.Planted {
				v.Result = append(v.Result, web.RunDecoy{ID: dec.ID, Type: string(dec.Type), Name: dec.Name, What: "planted"})
			}
			for _, dec := range vr.Unsettled {
				v.Result = append(v.Result, web.RunDecoy{ID: dec.ID, Type: string(dec.Type), Name: dec.Name, What: "sent, no clear answer: pending until reconcile"})
			}
			v.Findings, v.Error = findings(d, vr)
			if vr.Err != nil {
				v.Error, v.Phase = vr.Err.Error(), string(deploy.PhaseFailed)
			} else if v.Phase != string(deploy.PhaseFailed) {
				v.Phase = string(deploy.PhaseDone)
			}
			if g := vr.Grant; g != nil {
				v.Notes = append(v.Notes, "a temporary access policy was granted for the run and removed at its end")
			}
		}
	})
}

// retire deletes (and purges) r's decoys as `honeyvault retire` does.
func (ds *deployments) retire(r *run, by web.RunActor) {
	d, err := ds.deployer(r.ctx)
	if err != nil {
		ds.update(r, func(r *run) { r.Error = err.Error() })
		return
	}
	results, err := d.As(by.Name, nil).Retire(r.ctx, r.decoys, r.Purge, ds.progress(r))
	ds.update(r, func(r *run) {
		if err != nil {
			r.Error = err.Error()
		}
		failed := map[int]bool{}
		for i := range r.Vaults {
			r.Vaults[i].Result, r.Vaults[i].Error = nil, ""
		}
		for _, res := range results {
			i := r.vaultIndex(res.Decoy.VaultID)
			if i < 0 {
				continue
			}
			v := &r.Vaults[i]
			if res.Err != nil {
				failed[i] = true
				v.Error = joinErr(v.Error, res.Err.Error())
				continue
			}
			what := "deleted"
			if res.Purged {
				what = "deleted and purged"
			}
			if !res.Deleted {
				what = ""
			}
			if res.Note != "" {
				what = strings.TrimPrefix(what+"; "+res.Note, "; ")
			}
			v.Result = append(v.Result, web.RunDecoy{ID: res.Decoy.ID, Type: string(res.Decoy.Type), Name: res.Decoy.Name, What: what})
		}
		for i := range r.Vaults {
			r.Vaults[i].Phase = string(deploy.PhaseDone)
			if failed[i] || r.Vaults[i].Error != "" {
				r.Vaults[i].Phase = string(deploy.PhaseFailed)
			}
		}
	})
}

// progress follows the deployer's reports on r, vault by vault.
func (ds *deployments) progress(r *run) func(deploy.Progress) {
	return func(p deploy.Progress) {
		ds.update(r, func(r *run) {
			i := r.vaultNamed(p.Vault)
			if i < 0 {
				return
			}
			v := &r.Vaults[i]
			v.Phase, v.Done = string(p.Phase), p.Done
			if p.Total > 0 {
				v.Total = p.Total
			}
		})
	}
}

// rand plans a vault of r: seeded by the run, so that planning the same
// vault again in the same state picks the same names.
func (r *run) rand(vaultID string) *mrand.Rand {
	h := fnv.New64a()
	h.Write([]byte(registry.VaultKey(vaultID)))
	return mrand.New(mrand.NewPCG(r.seed[0], r.seed[1]^h.Sum64()))
}

func newSeed() ([2]uint64, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return [2]uint64{}, err
	}
	return [2]uint64{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}, nil
}

// describe says what a planned decoy will look like, never its value.
func describe(d plant.Decoy) string {
	var parts []string
	switch {
	case d.Value != nil:
		parts = append(parts, d.Value.String())
	case d.Key != nil:
		parts = append(parts, d.Key.String())
	case d.Certificate != nil:
		parts = append(parts, d.Certificate.Subject)
	}
	if d.ContentType != "" {
		parts = append(parts, "content type "+d.ContentType)
	}
	if !d.Expires.IsZero() {
		parts = append(parts, "expires "+d.Expires.UTC().Format("2006-01-02"))
	}
	return strings.Join(parts, ", ")
}

// decoyNames is a plan's decoys in one comparable string.
func decoyNames(ds []web.RunDecoy) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s/%s;", d.Type, strings.ToLower(d.Name))
	}
	return b.String()
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// startDetail is the audit trail's row of a run confirmed: which vaults
// and what was planned (types and counts; the deployer's own rows name
// each decoy).
func startDetail(r web.Run) string {
	var parts []string
	for _, v := range r.Vaults {
		s := v.Name + ": "
		switch {
		case len(v.Planned) > 0:
			s += web.DecoysByType(v.Planned)
		case v.Error != "":
			s += "failed in the plan"
		default:
			s += "nothing planned"
		}
		parts = append(parts, s)
	}
	purge := ""
	if r.Purge {
		purge = " (purge)"
	}
	return fmt.Sprintf("run %d%s planned by %s: %s", r.ID, purge, r.PlannedBy, strings.Join(parts, "; "))
}

// finishDetail is the audit trail's row of a run ended: per vault what was
// created or retired, and the result.
func finishDetail(r web.Run) string {
	var parts []string
	failed := 0
	for _, v := range r.Vaults {
		s := v.Name + ": "
		if len(v.Result) > 0 {
			s += web.DecoysByType(v.Result)
		} else {
			s += "nothing"
		}
		if v.Phase == string(deploy.PhaseFailed) || v.Error != "" {
			failed++
			s += ", failed: " + v.Error
		}
		parts = append(parts, s)
	}
	result := "ok"
	switch {
	case r.Error != "":
		result = "stopped: " + r.Error
	case failed > 0:
		result = fmt.Sprintf("%d of %d vaults failed", failed, len(r.Vaults))
	}
	return fmt.Sprintf("run %d %s; %s", r.ID, result, strings.Join(parts, "; "))
}
