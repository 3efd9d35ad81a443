package web

import (
	"errors"
	"net/http"

	"github.com/honeyvault/honeyvault/internal/api"
)

// The REST twins of the console's deploy and retire: plan (202, the run
// planning), read (poll until planned, then until done), confirm (202).

const notConfigured = "deploying from the console is not configured on this server"

// planDeployAPI is POST /api/v1/deploys {"vaults": [...]}.
func (h *handler) planDeployAPI(w http.ResponseWriter, r *http.Request) {
	if h.deployments == nil {
		h.apiError(w, r, http.StatusServiceUnavailable, notConfigured)
		return
	}
	var req api.DeployRequest
	if !h.decodeBody(w, r, &req, `{"vaults": ["vault ARM id or name", ...]}`) {
		return
	}
	p := principalFrom(r.Context())
	vaults, err := h.deployVaults(r.Context(), p, req.Vaults)
	if err != nil {
		h.runAPIError(w, r, err)
		return
	}
	run, err := h.deployments.PlanDeploy(r.Context(), runActor(r), vaults)
	if err != nil {
		h.runAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apiRun(run))
}

// planRetireAPI is POST /api/v1/retires {"vaults", "decoys", "purge"}.
func (h *handler) planRetireAPI(w http.ResponseWriter, r *http.Request) {
	if h.deployments == nil {
		h.apiError(w, r, http.StatusServiceUnavailable, notConfigured)
		return
	}
	var req api.RetireRequest
	if !h.decodeBody(w, r, &req, `{"vaults": [...], "decoys": [ids], "purge": false}`) {
		return
	}
	decoys, err := h.retireDecoys(r.Context(), principalFrom(r.Context()), req.Vaults, req.Decoys)
	if err != nil {
		h.runAPIError(w, r, err)
		return
	}
	run, err := h.deployments.PlanRetire(r.Context(), runActor(r), decoys, req.Purge)
	if err != nil {
		h.runAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apiRun(run))
}

// getRunAPI is GET /api/v1/deploys/{id} and /api/v1/retires/{id}.
func (h *handler) getRunAPI(kind RunKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.deployments == nil {
			h.apiError(w, r, http.StatusServiceUnavailable, notConfigured)
			return
		}
		run, ok := h.apiRunOf(w, r, kind)
		if ok {
			writeJSON(w, http.StatusOK, apiRun(run))
		}
	}
}

// confirmRunAPI is POST /api/v1/deploys/{id}/confirm and
// /api/v1/retires/{id}/confirm: start the planned run.
func (h *handler) confirmRunAPI(kind RunKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.deployments == nil {
			h.apiError(w, r, http.StatusServiceUnavailable, notConfigured)
			return
		}
		run, ok := h.apiRunOf(w, r, kind)
		if !ok {
			return
		}
		run, err := h.deployments.Confirm(r.Context(), run.ID, runActor(r))
		if err != nil {
			h.runAPIError(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, apiRun(run))
	}
}

// apiRunOf is the run of the path's {id}, of kind, that the caller may
// see; it answers 400 or 404 itself.
func (h *handler) apiRunOf(w http.ResponseWriter, r *http.Request, kind RunKind) (Run, bool) {
	id, ok := parseRunID(r.PathValue("id"))
	if !ok {
		h.apiError(w, r, http.StatusBadRequest, "id: want a run number")
		return Run{}, false
	}
	run, ok := h.runFor(principalFrom(r.Context()), id)
	if !ok || run.Kind != kind {
		h.apiError(w, r, http.StatusNotFound, "no such "+string(kind)+" run (plans are kept for a while, not for ever)")
		return Run{}, false
	}
	return run, true
}

// runAPIError answers a Deployments or selection error: 400 bad input,
// 404 unknown run, 409 a run in the wrong state or a busy vault, 503 too
// many runs; anything else is the server's.
func (h *handler) runAPIError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := runErrorStatus(err)
	if code == http.StatusInternalServerError {
		h.serverError(w, r, err)
		return
	}
	h.apiError(w, r, code, msg)
}

// runErrorStatus is the status and message of a caller's error of a run,
// or 500.
func runErrorStatus(err error) (int, string) {
	var se *selectionError
	switch {
	case errors.As(err, &se):
		return http.StatusBadRequest, se.msg
	case errors.Is(err, ErrRunNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, ErrRunState), errors.Is(err, ErrVaultBusy):
		return http.StatusConflict, err.Error()
	case errors.Is(err, ErrTooManyRuns):
		return http.StatusServiceUnavailable, err.Error()
	}
	return http.StatusInternalServerError, ""
}

func runActor(r *http.Request) RunActor {
	return RunActor{Name: principalFrom(r.Context()).Actor(), RemoteAddr: clientAddr(r)}
}

func apiRun(run Run) api.Run {
	out := api.Run{
		ID: run.ID, Kind: string(run.Kind), State: string(run.State), PlannedBy: run.PlannedBy, ConfirmedBy: run.ConfirmedBy,
		Purge: run.Purge, Created: run.Created, Expires: run.Expires, Started: optTime(run.Started), Finished: optTime(run.Finished),
		Error: run.Error, Vaults: []api.RunVault{},
	}
	for _, v := range run.Vaults {
		av := api.RunVault{ID: v.ID, Name: v.Name, Phase: v.Phase, Done: v.Done, Total: v.Total, Planned: apiRunDecoys(v.Planned),
			Covered: nonNil(v.Covered), Findings: []api.RunFinding{}, Notes: nonNil(v.Notes), Result: apiRunDecoys(v.Result), Error: v.Error}
		for _, f := range v.Findings {
			av.Findings = append(av.Findings, api.RunFinding{Problem: f.Problem, Fix: nonNil(f.Fix), Blocking: f.Blocking})
		}
		out.Vaults = append(out.Vaults, av)
	}
	return out
}

func apiRunDecoys(ds []RunDecoy) []api.RunDecoy {
	out := []api.RunDecoy{}
	for _, d := range ds {
		out = append(out, api.RunDecoy{ID: d.ID, Type: d.Type, Name: d.Name, What: d.What})
	}
	return out
}
