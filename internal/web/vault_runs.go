package web

import (
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// vaultRun is one run of a vault as its page lists it: the run, and how
// it went for this vault.
type vaultRun struct {
	ID int64
	// Link is the run's page; "" when the viewer may not see every vault
	// of the run (an owner, a run a person or auto-planting made wider).
	Link         string
	Kind, State  string
	By           string
	Created      timeView
	Phase, Error string
	Result       int // decoys created or retired here
}

// vaultRuns are the runs kept that include vault id, newest first, as the
// viewer p sees them; nil when the server runs none.
func (h *handler) vaultRuns(p auth.Principal, id string, now time.Time) []vaultRun {
	if h.deployments == nil {
		return nil
	}
	var out []vaultRun
	for _, run := range h.deployments.RunsOf(id) {
		vr := vaultRun{ID: run.ID, Kind: string(run.Kind), State: string(run.State), By: run.PlannedBy, Created: viewTime(run.Created, now), Error: run.Error}
		if _, ok := h.runFor(p, run.ID); ok {
			vr.Link = runPageURL(run)
		}
		for _, v := range run.Vaults {
			if registry.VaultKey(v.ID) == registry.VaultKey(id) {
				vr.Phase, vr.Result = v.Phase, len(v.Result)
				vr.Error = joinNonEmpty(vr.Error, v.Error)
			}
		}
		out = append(out, vr)
	}
	return out
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
