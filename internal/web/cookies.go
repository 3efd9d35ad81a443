package web

import (
	"net/http"
	"time"
)

// Cookies besides the session cookie (auth.SessionCookie):
const (
	// loginCookie holds a random secret for the sign-in form's CSRF token
	// before there is a session.
	loginCookie = "hv_login"
	// flowCookie holds an OIDC sign-in in progress (state, nonce, PKCE
	// verifier) between leaving for the provider and coming back.
	flowCookie = "hv_oidc"
	// nextCookie holds where to go after an OIDC sign-in.
	nextCookie = "hv_oidc_next"
)

// setCookie sets an HttpOnly cookie, Secure when the browser reached us
// over HTTPS. SameSite=Lax: sent on top-level navigations from elsewhere
// (links in alerts, the identity provider's redirect back), never on
// cross-site form posts or subresource requests; CSRF tokens cover the rest.
func (h *handler) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: r.TLS != nil || h.secure, SameSite: http.SameSiteLaxMode,
	})
}

// clearCookie removes a cookie set with setCookie.
func (h *handler) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil || h.secure, SameSite: http.SameSiteLaxMode,
	})
}
