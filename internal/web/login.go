package web

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
)

// loginView is the sign-in page's data.
type loginView struct {
	Error, Notice string
	CSRF          string
	Next          string
	OIDC          bool
	OIDCLabel     string
}

// loginPage is GET /login: OIDC sign-in when configured, and a token field
// for first start and break-glass. Someone already signed in goes on.
func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if id, err := h.auth.Identify(r); err == nil && id.Method == auth.Session {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := loginView{Next: next}
	if r.URL.Query().Get("signed_out") != "" {
		v.Notice = "You are signed out."
	}
	h.renderLogin(w, r, http.StatusOK, v)
}

// renderLogin shows the sign-in page with a CSRF token bound to the
// pre-session cookie, creating the cookie when the browser has none.
func (h *handler) renderLogin(w http.ResponseWriter, r *http.Request, code int, v loginView) {
	secret := ""
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) >= 32 {
		secret = c.Value
	} else {
		secret = randomSecret()
		h.setCookie(w, r, loginCookie, secret, "/login", time.Hour)
	}
	v.CSRF = auth.CSRFToken(secret)
	v.OIDC = h.oidc != nil
	v.OIDCLabel = h.oidcLabel
	h.render(w, r, code, "login", "Sign in", v)
}

// loginCSRFValid checks the sign-in form's token against the pre-session
// cookie.
func loginCSRFValid(r *http.Request) bool {
	c, err := r.Cookie(loginCookie)
	return err == nil && auth.ValidCSRF(c.Value, r.PostForm.Get(auth.CSRFField))
}

// loginToken is POST /login: sign in with a bootstrap or API token of a
// console role. Every attempt counts against the client's rate limit and
// every outcome is audited (never the token): one entry per attempt the
// limit let through, and the ones it refused counted per client and window.
func (h *handler) loginToken(w http.ResponseWriter, r *http.Request) {
	if ok, wait := h.loginLimit.Allow(clientAddr(r)); !ok {
		tooMany(w, wait)
		h.auditRateLimited(r)
		h.renderLogin(w, r, http.StatusTooManyRequests, loginView{Error: "Too many sign-in attempts from your address. Wait a minute and try again."})
		return
	}
	if err := r.ParseForm(); err != nil {
		h.pageError(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if !loginCSRFValid(r) {
		h.renderLogin(w, r, http.StatusForbidden, loginView{Next: next, Error: "The sign-in form expired. Please try again."})
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	p, cred, err := h.auth.CheckToken(r.Context(), tok)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		h.auditAs(r, "anonymous", "auth.sign_in_failed", "", "invalid token")
		h.renderLogin(w, r, http.StatusUnauthorized, loginView{Next: next, Error: "That token is not valid."})
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	case !p.Allows(auth.UseConsole):
		h.auditAs(r, p.Actor(), "auth.sign_in_failed", p.Subject, "role "+string(p.Role)+" may not use the console")
		h.renderLogin(w, r, http.StatusForbidden, loginView{Next: next, Error: "A token with the " + string(p.Role) + " role cannot sign in to the console."})
		return
	}
	how := "API token"
	if strings.HasPrefix(cred, "bootstrap:") {
		how = "bootstrap token"
	}
	h.startSession(w, r, p, cred, how, next)
}

// auditRateLimited audits a sign-in attempt the rate limit refused: counted
// into one entry per client and window, so that a flood of attempts cannot
// grow the audit trail without limit.
func (h *handler) auditRateLimited(r *http.Request) {
	if h.loginRefusals == nil {
		h.auditAs(r, "anonymous", "auth.sign_in_failed", "", "rate limited")
		return
	}
	h.loginRefusals.Add(r.Context(), clientAddr(r))
}

// startSession opens a session for p, replacing any the browser had (a new
// secret at every sign-in, so a planted cookie is worthless), audits the
// sign-in and sends the browser on.
func (h *handler) startSession(w http.ResponseWriter, r *http.Request, p auth.Principal, cred, how, next string) {
	if old, err := r.Cookie(auth.SessionCookie); err == nil {
		h.auth.EndSession(r.Context(), old.Value)
	}
	value, err := h.auth.StartSession(r.Context(), p, auth.SessionMeta{
		Credential: cred, RemoteAddr: clientAddr(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.setCookie(w, r, auth.SessionCookie, value, "/", h.sessionMaxAge)
	h.clearCookie(w, r, loginCookie, "/login")
	h.auditAs(r, p.Actor(), "auth.sign_in", p.Subject, how+", role "+string(p.Role))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout is POST /logout (CSRF-checked by require): end the session.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if id, _ := identityFrom(r.Context()); id.Method == auth.Session {
		if c, err := r.Cookie(auth.SessionCookie); err == nil {
			if err := h.auth.EndSession(r.Context(), c.Value); err != nil {
				h.serverError(w, r, err)
				return
			}
		}
		h.audit(r, "auth.sign_out", id.Subject, "")
	}
	h.clearCookie(w, r, auth.SessionCookie, "/")
	http.Redirect(w, r, "/login?"+url.Values{"signed_out": {"1"}}.Encode(), http.StatusSeeOther)
}

// randomSecret is a cookie secret for the sign-in form (260 random bits).
func randomSecret() string { return rand.Text() + rand.Text() }
