package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

// tokenStatus says what became of a token at now.
func tokenStatus(t store.APIToken, now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !t.Usable(now):
		return "expired"
	}
	return "active"
}

// listTokens is GET /api/v1/tokens.
func (h *handler) listTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := h.store.ListTokens(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	out := api.TokenList{Tokens: make([]api.Token, 0, len(tokens))}
	for _, t := range tokens {
		out.Tokens = append(out.Tokens, apiToken(t, now))
	}
	writeJSON(w, http.StatusOK, out)
}

// createToken is POST /api/v1/tokens: 201 with the token, shown this once.
func (h *handler) createToken(w http.ResponseWriter, r *http.Request) {
	var req api.CreateTokenRequest
	if !h.decodeBody(w, r, &req, "{name, role, scope, expires}") {
		return
	}
	tr, msg := tokenRequest(req, h.now())
	if msg != "" {
		h.apiError(w, r, http.StatusBadRequest, msg)
		return
	}
	plain, t, err := h.issueToken(r, tr)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := apiToken(t, h.now())
	out.Token = plain
	writeJSON(w, http.StatusCreated, out)
}

// tokenRequest turns what a person typed into a TokenRequest, or says what
// is wrong with it.
func tokenRequest(req api.CreateTokenRequest, now time.Time) (auth.TokenRequest, string) {
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return auth.TokenRequest{}, "role: want admin, analyst, owner, ingest or metrics"
	}
	scope, err := auth.ParseScope(req.Scope)
	if err != nil {
		return auth.TokenRequest{}, "scope: " + trimAuth(err.Error())
	}
	exp, err := auth.ParseExpiry(req.Expires, now)
	if err != nil {
		return auth.TokenRequest{}, "expires: " + trimAuth(err.Error())
	}
	tr := auth.TokenRequest{Name: req.Name, Role: role, Scope: scope, ExpiresAt: exp}
	if err := tr.Validate(now); err != nil {
		return auth.TokenRequest{}, trimAuth(err.Error())
	}
	return tr, ""
}

// issueToken creates a token for the request's principal, audited.
func (h *handler) issueToken(r *http.Request, tr auth.TokenRequest) (string, store.APIToken, error) {
	return auth.IssueToken(r.Context(), h.store, tr, store.AuditEntry{
		Actor: principalFrom(r.Context()).Actor(), RemoteAddr: clientAddr(r),
	}, h.now())
}

// trimAuth drops the package prefix from an auth error shown to a person.
func trimAuth(msg string) string { return strings.TrimPrefix(msg, "auth: ") }

// revokeToken is DELETE /api/v1/tokens/{id}.
func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.apiError(w, r, http.StatusBadRequest, "id: want a token id")
		return
	}
	err = h.revoke(r, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.apiError(w, r, http.StatusNotFound, "no such token")
	case errors.Is(err, store.ErrConflict):
		h.apiError(w, r, http.StatusConflict, "token already revoked")
	case err != nil:
		h.serverError(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// revoke revokes token id for the request's principal, audited.
func (h *handler) revoke(r *http.Request, id int64) error {
	return auth.RevokeToken(r.Context(), h.store, id, store.AuditEntry{
		Actor: principalFrom(r.Context()).Actor(), RemoteAddr: clientAddr(r),
	}, h.now())
}
