package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// incidentForm runs one change posted from an incident's page with the
// rules and errors of the REST API (api_incident_actions.go): bad input is
// 400 and a change that does not apply in the incident's status is 409,
// both shown on the page with what was typed kept; success redirects back
// to the page (post/redirect/get).
func (h *handler) incidentForm(w http.ResponseWriter, r *http.Request, done string, do func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error)) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.pageError(w, r, http.StatusBadRequest, "That is not an incident number.")
		return
	}
	if err := r.ParseForm(); err != nil {
		h.pageError(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
		return
	}
	by := incident.Actor{Name: principalFrom(r.Context()).Actor(), RemoteAddr: clientAddr(r)}
	_, err = do(&incident.Service{Store: h.store}, id, by)
	v := incidentView{Window: "24h", Comment: r.PostFormValue("comment")}
	var ie *incident.InputError
	switch {
	case err == nil:
		http.Redirect(w, r, "/incidents/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
	case errors.As(err, &ie):
		v.Error = ie.Field + ": " + ie.Reason
		h.showIncident(w, r, http.StatusBadRequest, id, incident.DefaultRelatedWindow, v)
	case errors.Is(err, incident.ErrNotFound):
		h.pageError(w, r, http.StatusNotFound, "There is no incident "+strconv.FormatInt(id, 10)+".")
	case errors.Is(err, incident.ErrState):
		v.Error = "Not done: " + strings.TrimPrefix(err.Error(), incident.ErrState.Error()+": ")
		h.showIncident(w, r, http.StatusConflict, id, incident.DefaultRelatedWindow, v)
	default:
		h.serverError(w, r, err)
	}
}

// incidentTake is POST /incidents/{id}/take: assign it to oneself.
func (h *handler) incidentTake(w http.ResponseWriter, r *http.Request) {
	h.incidentForm(w, r, "take", func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error) {
		return svc.Assign(r.Context(), id, by, by.Name)
	})
}

// incidentComment is POST /incidents/{id}/comment (comment).
func (h *handler) incidentComment(w http.ResponseWriter, r *http.Request) {
	h.incidentForm(w, r, "comment", func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error) {
		return svc.Comment(r.Context(), id, by, r.PostFormValue("comment"))
	})
}

// incidentClose is POST /incidents/{id}/close (classification, comment).
func (h *handler) incidentClose(w http.ResponseWriter, r *http.Request) {
	h.incidentForm(w, r, "close", func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error) {
		return svc.Close(r.Context(), id, by, r.PostFormValue("classification"), r.PostFormValue("comment"))
	})
}

// incidentReopen is POST /incidents/{id}/reopen (comment).
func (h *handler) incidentReopen(w http.ResponseWriter, r *http.Request) {
	h.incidentForm(w, r, "reopen", func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error) {
		return svc.Reopen(r.Context(), id, by, r.PostFormValue("comment"))
	})
}
