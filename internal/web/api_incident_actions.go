package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// decodeBody reads a small JSON body into v, refusing unknown fields; it
// answers 400/413 itself.
func (h *handler) decodeBody(w http.ResponseWriter, r *http.Request, v any, want string) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.apiError(w, r, http.StatusRequestEntityTooLarge, "body too large")
			return false
		}
		h.apiError(w, r, http.StatusBadRequest, "body: want JSON "+want+": "+err.Error())
		return false
	}
	return true
}

// incidentChange runs one lifecycle change and answers with the incident,
// or 400 (bad input), 404 (no such incident), 409 (not in this status).
func (h *handler) incidentChange(w http.ResponseWriter, r *http.Request, do func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error)) {
	id, ok := h.incidentID(w, r)
	if !ok {
		return
	}
	by := incident.Actor{Name: principalFrom(r.Context()).Actor(), RemoteAddr: clientAddr(r)}
	in, err := do(&incident.Service{Store: h.store}, id, by)
	var ie *incident.InputError
	switch {
	case errors.As(err, &ie):
		h.apiError(w, r, http.StatusBadRequest, ie.Field+": "+ie.Reason)
	case errors.Is(err, incident.ErrNotFound):
		h.apiError(w, r, http.StatusNotFound, "no such incident")
	case errors.Is(err, incident.ErrState):
		h.apiError(w, r, http.StatusConflict, err.Error())
	case err != nil:
		h.serverError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, apiIncident(in))
	}
}

// closeIncident is POST /api/v1/incidents/{id}/close {classification, comment}.
func (h *handler) closeIncident(w http.ResponseWriter, r *http.Request) {
	var req api.CloseRequest
	if !h.decodeBody(w, r, &req, `{"classification": "true_positive|benign_positive|false_positive", "comment": "..."}`) {
		return
	}
	h.incidentChange(w, r, func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error) {
		return svc.Close(r.Context(), id, by, req.Classification, req.Comment)
	})
}

// commentIncident is POST /api/v1/incidents/{id}/comment {comment}.
func (h *handler) commentIncident(w http.ResponseWriter, r *http.Request) {
	var req api.CommentRequest
	if !h.decodeBody(w, r, &req, `{"comment": "..."}`) {
		return
	}
	h.incidentChange(w, r, func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error) {
		return svc.Comment(r.Context(), id, by, req.Comment)
	})
}

// assignIncident is POST /api/v1/incidents/{id}/assign {owner}.
func (h *handler) assignIncident(w http.ResponseWriter, r *http.Request) {
	var req api.AssignRequest
	if !h.decodeBody(w, r, &req, `{"owner": "..."}`) {
		return
	}
	h.incidentChange(w, r, func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error) {
		return svc.Assign(r.Context(), id, by, req.Owner)
	})
}

// reopenIncident is POST /api/v1/incidents/{id}/reopen {comment}.
func (h *handler) reopenIncident(w http.ResponseWriter, r *http.Request) {
	var req api.ReopenRequest
	if !h.decodeBody(w, r, &req, `{"comment": "..."}`) {
		return
	}
	h.incidentChange(w, r, func(svc *incident.Service, id int64, by incident.Actor) (store.Incident, error) {
		return svc.Reopen(r.Context(), id, by, req.Comment)
	})
}
