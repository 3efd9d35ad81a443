package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/store"
)

// DiagnosticsChecker runs the diagnostics check for the API; the app's
// scheduled check is one.
type DiagnosticsChecker interface {
	// CheckDiagnostics lists the diagnostic settings of every vault holding
	// decoys now (after any run under way), records what it found and
	// reports the run. actor is who asked, for the log.
	CheckDiagnostics(ctx context.Context, actor string) (DiagnosticsReport, error)
}

// DiagnosticsReport is one run of the diagnostics check.
type DiagnosticsReport struct {
	Started, Finished time.Time
	Vaults            []store.AuditPath
	Errors            []string // of the run as a whole: sign-in, the store
}

func apiAuditPath(a store.AuditPath) api.VaultDiagnostics {
	return api.VaultDiagnostics{VaultID: a.VaultID, State: a.State, Reason: a.Reason, Fix: a.Fix, CheckedAt: a.CheckedAt}
}

// checkDiagnostics is POST /api/v1/diagnostics: run the check now and
// answer with its report. What Azure refused is in the report (200); a
// server without the check answers 503.
func (h *handler) checkDiagnostics(w http.ResponseWriter, r *http.Request) {
	if h.diagnostics == nil {
		h.apiError(w, r, http.StatusServiceUnavailable, "the diagnostics check is not configured on this server")
		return
	}
	rep, err := h.diagnostics.CheckDiagnostics(r.Context(), principalFrom(r.Context()).Actor())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := api.DiagnosticsReport{Started: rep.Started, Finished: rep.Finished, Vaults: []api.VaultDiagnostics{}, Errors: nonNil(rep.Errors)}
	doubted := 0
	for _, v := range rep.Vaults {
		out.Vaults = append(out.Vaults, apiAuditPath(v))
		if !v.OK() {
			doubted++
		}
	}
	h.audit(r, "diagnostics.run", "diagnostics", fmt.Sprintf("%d vaults checked, %d whose audit log may not reach honeyvault", len(rep.Vaults), doubted))
	writeJSON(w, http.StatusOK, out)
}
