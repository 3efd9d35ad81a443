package web

import (
	"net/http"

	"github.com/honeyvault/honeyvault/internal/store"
)

// audit records an action of the request's principal in the audit trail:
// action is "noun.verb" (see store.AuditEntry), target what it was done to,
// detail anything a reviewer needs (never a secret). A failure to record is
// logged, not shown: the action itself already happened.
func (h *handler) audit(r *http.Request, action, target, detail string) {
	h.auditAs(r, principalFrom(r.Context()).Actor(), action, target, detail)
}

// auditAs is audit for requests without a principal yet: sign-in attempts.
func (h *handler) auditAs(r *http.Request, actor, action, target, detail string) {
	err := h.store.RecordAudit(r.Context(), store.AuditEntry{
		Actor: actor, Action: action, Target: target, Detail: detail, RemoteAddr: clientAddr(r),
	})
	if err != nil {
		h.log.Error("audit trail: unable to record", "action", action, "err", err)
	}
}
