package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
)

// Reconciler runs reconcile for the API; the app's drift check is one.
type Reconciler interface {
	// Reconcile runs reconcile now (after any run under way), raises an
	// alert for every new finding, notes recoveries, and reports the run.
	// actor is who asked, for the audit trail.
	Reconcile(ctx context.Context, actor string) (ReconcileReport, error)
}

// ReconcileReport is one reconcile run.
type ReconcileReport struct {
	Started, Finished time.Time
	Vaults            []ReconcileVault
	// Findings are those the run added.
	Findings []ReconcileFinding
	// Alerted counts findings raised as alerts by this run (its own, and
	// any an earlier run or honeyvault reconcile left unalerted).
	Alerted int
	// Recovered counts the recovery notes the run added to incidents: one
	// per alerted finding resolved (by this run, or by honeyvault reconcile
	// in the last day), once.
	Recovered int
	Errors    []string // of the run as a whole: sign-in, raising alerts
}

// ReconcileVault is what a run did in one vault.
type ReconcileVault struct {
	ID, Name string
	Checked  int
	Settled  int
	Error    string
}

// ReconcileFinding is a finding a run added. Detail never holds a value
// or a decoy's name.
type ReconcileFinding struct {
	ID, DecoyID int64
	Vault       string
	Kind        string
	Detail      string
}

func apiReconcile(r ReconcileReport) api.ReconcileReport {
	out := api.ReconcileReport{Started: r.Started, Finished: r.Finished, Alerted: r.Alerted, Recovered: r.Recovered,
		Vaults: []api.ReconcileVault{}, Findings: []api.ReconcileFinding{}, Errors: nonNil(r.Errors)}
	for _, v := range r.Vaults {
		out.Vaults = append(out.Vaults, api.ReconcileVault{ID: v.ID, Name: v.Name, Checked: v.Checked, Settled: v.Settled, Error: v.Error})
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, api.ReconcileFinding{ID: f.ID, DecoyID: f.DecoyID, Vault: f.Vault, Kind: f.Kind, Detail: f.Detail})
	}
	return out
}

// reconcileNow is POST /api/v1/reconcile: run reconcile now and answer
// with its report. What Azure refused is in the report (200); a server
// without reconcile answers 503.
func (h *handler) reconcileNow(w http.ResponseWriter, r *http.Request) {
	if h.reconciler == nil {
		h.apiError(w, r, http.StatusServiceUnavailable, "reconcile is not configured on this server")
		return
	}
	rep, err := h.reconciler.Reconcile(r.Context(), principalFrom(r.Context()).Actor())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	failed := 0
	for _, v := range rep.Vaults {
		if v.Error != "" {
			failed++
		}
	}
	h.audit(r, "reconcile.run", "reconcile", fmt.Sprintf("%d vaults checked (%d failed), %d new findings, %d alerted, %d recovered",
		len(rep.Vaults), failed, len(rep.Findings), rep.Alerted, rep.Recovered))
	writeJSON(w, http.StatusOK, apiReconcile(rep))
}
