package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/store"
)

// listAllowRules is GET /api/v1/allow-rules.
func (h *handler) listAllowRules(w http.ResponseWriter, r *http.Request) {
	list, err := h.allowRules(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// createAllowRule is POST /api/v1/allow-rules: 201 with the stored rule.
func (h *handler) createAllowRule(w http.ResponseWriter, r *http.Request) {
	var req api.CreateAllowRuleRequest
	if !h.decodeBody(w, r, &req, "{identity, operations, vault_id, note, expires}") {
		return
	}
	rule, msg := allowRuleFrom(req, h.now())
	if msg != "" {
		h.apiError(w, r, http.StatusBadRequest, msg)
		return
	}
	if err := h.addAllowRule(r.Context(), &rule, clientAddr(r)); err != nil {
		h.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, api.AllowRule{ID: rule.ID, Source: "stored", Identity: rule.Identity, Operations: nonNil(rule.Operations),
		VaultID: rule.VaultID, Note: rule.Note, CreatedBy: rule.CreatedBy, CreatedAt: optTime(rule.CreatedAt), ExpiresAt: optTime(rule.Expires)})
}

// deleteAllowRule is DELETE /api/v1/allow-rules/{id}: 204, or 404 for no
// such stored rule (the config file's rules are changed in the file).
func (h *handler) deleteAllowRule(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.apiError(w, r, http.StatusBadRequest, "id: want an allow rule id")
		return
	}
	err = h.removeAllowRule(r.Context(), id, clientAddr(r))
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.apiError(w, r, http.StatusNotFound, "no such stored allow rule")
	case err != nil:
		h.serverError(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
