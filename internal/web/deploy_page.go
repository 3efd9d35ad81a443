package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The console's deploy and retire: a form on /vaults or a vault's page
// plans (POST /deploys, POST /retires), the run's page shows the plan with
// one Confirm button, then the progress vault by vault (it reloads itself
// while something is under way: a meta refresh, no script needed), then
// the final table.

// runRefreshSeconds is how often a run's page reloads itself while the run
// is planning or running.
const runRefreshSeconds = 2

// planDeployForm is POST /deploys: vault=ID (repeatable), or view=1 with
// the /vaults filters (q, state, subscription) for every vault in view
// that is not covered.
func (h *handler) planDeployForm(w http.ResponseWriter, r *http.Request) {
	if !h.canDeploy(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.pageError(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
		return
	}
	p := principalFrom(r.Context())
	selectors := r.PostForm["vault"]
	if r.PostForm.Get("view") == "1" {
		ids, bad, err := h.vaultsInView(r)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		if bad != "" {
			h.pageError(w, r, http.StatusBadRequest, bad)
			return
		}
		selectors = ids
	}
	vaults, err := h.deployVaults(r.Context(), p, selectors)
	if err != nil {
		h.runPageError(w, r, err)
		return
	}
	run, err := h.deployments.PlanDeploy(r.Context(), runActor(r), vaults)
	if err != nil {
		h.runPageError(w, r, err)
		return
	}
	http.Redirect(w, r, runPageURL(run), http.StatusSeeOther)
}

// vaultsInView are the ids of the vaults the /vaults filters of the form
// show that are not covered (and not gone): "Plan deploy to N vaults in
// view".
func (h *handler) vaultsInView(r *http.Request) ([]string, string, error) {
	q := r.PostForm
	vq := vaultQuery{Search: strings.TrimSpace(q.Get("q")), Subscription: strings.TrimSpace(q.Get("subscription"))}
	if v := q.Get("state"); v != "" && v != "all" {
		st, err := coverage.ParseState(v)
		if err != nil {
			return nil, "state: want covered, at-risk or not-covered", nil
		}
		vq.State = st
	}
	all, err := h.assessVaults(r.Context(), principalFrom(r.Context()), store.VaultFilter{})
	if err != nil {
		return nil, "", err
	}
	var ids []string
	for _, a := range needDeploy(all, vq) {
		ids = append(ids, a.ID)
	}
	if len(ids) == 0 {
		return nil, "No vault in view lacks decoys: nothing to plan.", nil
	}
	return ids, "", nil
}

// needDeploy are the vaults vq selects that are not covered and still
// exist: what "deploy to all in view" plans for.
func needDeploy(all []assessed, vq vaultQuery) []assessed {
	var out []assessed
	for _, a := range all {
		if vq.match(a) && a.Coverage.State != coverage.Covered && a.GoneAt.IsZero() {
			out = append(out, a)
		}
	}
	return out
}

// planRetireForm is POST /retires: vault=ID and decoy=ID (repeatable; none
// checked is refused), purge=1 to purge.
func (h *handler) planRetireForm(w http.ResponseWriter, r *http.Request) {
	if !h.canDeploy(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.pageError(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
		return
	}
	var ids []int64
	for _, s := range r.PostForm["decoy"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			h.pageError(w, r, http.StatusBadRequest, "decoy: want decoy numbers")
			return
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		h.pageError(w, r, http.StatusBadRequest, "Choose at least one decoy to retire.")
		return
	}
	decoys, err := h.retireDecoys(r.Context(), principalFrom(r.Context()), r.PostForm["vault"], ids)
	if err != nil {
		h.runPageError(w, r, err)
		return
	}
	run, err := h.deployments.PlanRetire(r.Context(), runActor(r), decoys, r.PostForm.Get("purge") == "1")
	if err != nil {
		h.runPageError(w, r, err)
		return
	}
	http.Redirect(w, r, runPageURL(run), http.StatusSeeOther)
}

// runPage is GET /deploys/{id} and /retires/{id}.
func (h *handler) runPage(kind RunKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		run, ok := h.pageRunOf(w, r, kind)
		if ok {
			h.showRun(w, r, http.StatusOK, run, "")
		}
	}
}

// confirmRunForm is POST /deploys/{id}/confirm and /retires/{id}/confirm.
func (h *handler) confirmRunForm(kind RunKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		run, ok := h.pageRunOf(w, r, kind)
		if !ok {
			return
		}
		started, err := h.deployments.Confirm(r.Context(), run.ID, runActor(r))
		if err != nil {
			code, msg := runErrorStatus(err)
			if code == http.StatusInternalServerError {
				h.serverError(w, r, err)
				return
			}
			h.showRun(w, r, code, run, "Not started: "+msg)
			return
		}
		http.Redirect(w, r, runPageURL(started), http.StatusSeeOther)
	}
}

// pageRunOf is the run of the path's {id} that the viewer may see, or an
// error page.
func (h *handler) pageRunOf(w http.ResponseWriter, r *http.Request, kind RunKind) (Run, bool) {
	if !h.canDeploy(w, r) {
		return Run{}, false
	}
	id, ok := parseRunID(r.PathValue("id"))
	if !ok {
		h.pageError(w, r, http.StatusNotFound, "That is not a run number.")
		return Run{}, false
	}
	run, ok := h.runFor(principalFrom(r.Context()), id)
	if !ok || run.Kind != kind {
		h.pageError(w, r, http.StatusNotFound, "There is no such run. Runs are kept for a while, not for ever: plan again from the vaults.")
		return Run{}, false
	}
	return run, true
}

// runPageError shows a caller's error of a plan as a page.
func (h *handler) runPageError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := runErrorStatus(err)
	if code == http.StatusInternalServerError {
		h.serverError(w, r, err)
		return
	}
	h.pageError(w, r, code, msg)
}

// runPageURL is the console page of a run.
func runPageURL(run Run) string {
	return "/" + string(run.Kind) + "s/" + strconv.FormatInt(run.ID, 10)
}

// canDeploy reports whether the server runs deploys, answering 503 with
// a page itself when it does not.
func (h *handler) canDeploy(w http.ResponseWriter, r *http.Request) bool {
	if h.deployments == nil {
		h.pageError(w, r, http.StatusServiceUnavailable, "Deploying from the console is not configured on this server.")
		return false
	}
	return true
}
