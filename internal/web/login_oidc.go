package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/honeyvault/honeyvault/internal/auth"
)

// loginOIDC is GET /login/oidc: start an OpenID Connect sign-in. The flow's
// secrets go into a short-lived cookie scoped to /login/oidc; the browser
// goes to the provider.
func (h *handler) loginOIDC(w http.ResponseWriter, r *http.Request) {
	if h.oidc == nil {
		h.pageError(w, r, http.StatusNotFound, "Single sign-on is not configured.")
		return
	}
	authURL, flow, err := h.oidc.Begin(r.Context())
	if err != nil {
		h.log.Error("oidc: unable to start sign-in", "err", err)
		h.renderLogin(w, r, http.StatusBadGateway, loginView{Next: "/", Error: "The identity provider cannot be reached. Try again shortly."})
		return
	}
	h.setCookie(w, r, flowCookie, flow.Encode(), "/login/oidc", auth.FlowTTL)
	// Escaped: a path may hold bytes a cookie value may not (quotes, semicolons).
	h.setCookie(w, r, nextCookie, url.QueryEscape(safeNext(r.URL.Query().Get("next"))), "/login/oidc", auth.FlowTTL)
	http.Redirect(w, r, authURL, http.StatusFound)
}

// loginOIDCCallback is GET /login/oidc/callback: the provider sends the
// browser back here. auth.OIDC.Complete checks state, PKCE, the ID token,
// nonce, tenant, groups and role; a refusal is audited with its reason.
func (h *handler) loginOIDCCallback(w http.ResponseWriter, r *http.Request) {
	if h.oidc == nil {
		h.pageError(w, r, http.StatusNotFound, "Single sign-on is not configured.")
		return
	}
	if ok, wait := h.loginLimit.Allow(clientAddr(r)); !ok {
		tooMany(w, wait)
		h.auditRateLimited(r)
		h.renderLogin(w, r, http.StatusTooManyRequests, loginView{Next: "/", Error: "Too many sign-in attempts from your address. Wait a minute and try again."})
		return
	}
	next := "/"
	if c, err := r.Cookie(nextCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			next = safeNext(v)
		}
	}
	// The flow is single use: whatever happens next, it is spent.
	h.clearCookie(w, r, flowCookie, "/login/oidc")
	h.clearCookie(w, r, nextCookie, "/login/oidc")
	c, err := r.Cookie(flowCookie)
	if err != nil {
		h.refuseSignIn(w, r, &auth.LoginError{Reason: "no sign-in in progress in this browser (expired, or started elsewhere)"}, next)
		return
	}
	flow, err := auth.DecodeFlow(c.Value)
	if err != nil {
		h.refuseSignIn(w, r, &auth.LoginError{Reason: "malformed sign-in cookie"}, next)
		return
	}
	p, err := h.oidc.Complete(r.Context(), flow, r.URL.Query())
	var refused *auth.LoginError
	switch {
	case errors.As(err, &refused):
		h.refuseSignIn(w, r, refused, next)
		return
	case err != nil:
		h.log.Error("oidc: unable to complete sign-in", "err", err)
		h.renderLogin(w, r, http.StatusBadGateway, loginView{Next: next, Error: "The identity provider cannot be reached. Try again shortly."})
		return
	}
	h.startSession(w, r, p, "oidc", "single sign-on", next)
}

// refuseSignIn audits a refused sign-in and tells the person why.
func (h *handler) refuseSignIn(w http.ResponseWriter, r *http.Request, e *auth.LoginError, next string) {
	who := e.Who
	if who == "" {
		who = "anonymous"
	}
	h.auditAs(r, who, "auth.sign_in_failed", "", "single sign-on: "+e.Reason)
	h.log.Info("sign-in refused", "who", who, "reason", e.Reason, "remote", clientAddr(r))
	h.renderLogin(w, r, http.StatusForbidden, loginView{Next: next, Error: "Sign-in refused: " + e.Reason + "."})
}
