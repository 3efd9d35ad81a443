package web

import (
	"net/http"

	"github.com/honeyvault/honeyvault/internal/store"
)

type auditView struct {
	Actor, Action string
	Entries       []store.AuditEntry
	Older         int64 // id to page back from; 0 when this is the end
}

// auditPage is GET /audit: the newest audit entries, filterable, with
// export links.
func (h *handler) auditPage(w http.ResponseWriter, r *http.Request) {
	const pageSize = 200
	f, bad := auditFilter(r, pageSize)
	if bad != "" {
		h.pageError(w, r, http.StatusBadRequest, bad)
		return
	}
	entries, err := h.store.ListAudit(r.Context(), f)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := auditView{Actor: f.Actor, Action: f.Action, Entries: entries}
	if len(entries) == f.Limit {
		v.Older = entries[len(entries)-1].ID
	}
	h.render(w, r, http.StatusOK, "audit", "Audit trail", v)
}
