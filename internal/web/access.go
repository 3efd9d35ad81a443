package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
)

type identityKey struct{}

// identityFrom returns the identity that require stored in ctx.
func identityFrom(ctx context.Context) (auth.Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(auth.Identity)
	return id, ok
}

// principalFrom returns the principal that require stored in ctx.
func principalFrom(ctx context.Context) auth.Principal {
	id, _ := identityFrom(ctx)
	return id.Principal
}

// isAPI tells REST routes (JSON errors, 401) from console pages (HTML,
// redirects to /login).
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// unsafeMethod reports whether a request may change state.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// require authenticates the request (bearer token or session cookie) and
// checks perm before fn runs, so that nothing of the resource is read for a
// caller who may not have it. See the package documentation for what it
// answers when a check fails.
func (h *handler) require(perm auth.Permission, fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := h.auth.Identify(r)
		switch {
		case errors.Is(err, auth.ErrNoCredentials), errors.Is(err, auth.ErrBadCredentials):
			h.unauthenticated(w, r, err)
			return
		case err != nil:
			h.serverError(w, r, err)
			return
		}
		if !id.Allows(perm) {
			h.forbidden(w, r, "your role ("+string(id.Role)+") may not do this")
			return
		}
		// Only a session carries ambient authority: a bearer request needs
		// no CSRF token, and looking for one would parse its body as a form.
		if unsafeMethod(r.Method) && id.Method == auth.Session && !id.ValidCSRF(csrfFrom(r)) {
			h.forbidden(w, r, "missing or invalid CSRF token: reload the page and try again")
			return
		}
		if perm == auth.WriteRecords {
			if ok, wait := h.ingestLimit.Allow(id.Subject); !ok {
				tooMany(w, wait)
				h.apiError(w, r, http.StatusTooManyRequests, "too many requests for this token; retry later")
				return
			}
		}
		fn(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}

// unauthenticated answers a request without valid credentials: 401 JSON for
// the API, a redirect to the sign-in page for the console. A stale session
// cookie is cleared either way.
func (h *handler) unauthenticated(w http.ResponseWriter, r *http.Request, err error) {
	if c, cerr := r.Cookie(auth.SessionCookie); cerr == nil && c.Value != "" && errors.Is(err, auth.ErrBadCredentials) {
		h.clearCookie(w, r, auth.SessionCookie, "/")
	}
	if isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="honeyvault"`)
		msg := "authentication required"
		if errors.Is(err, auth.ErrBadCredentials) {
			msg = "invalid or expired credentials"
		}
		h.apiError(w, r, http.StatusUnauthorized, msg)
		return
	}
	next := r.URL.RequestURI()
	if unsafeMethod(r.Method) {
		next = "/" // never replay a form post after sign-in
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// forbidden answers 403 as JSON or as a page.
func (h *handler) forbidden(w http.ResponseWriter, r *http.Request, msg string) {
	if isAPI(r) {
		h.apiError(w, r, http.StatusForbidden, "forbidden: "+msg)
		return
	}
	h.pageError(w, r, http.StatusForbidden, msg)
}

// csrfFrom returns the CSRF token a session's request carries: the header
// (scripts, and every API call) or, on a console page, the field of a
// URL-encoded form. It never parses a multipart body: net/http would write
// its files to the temp directory, and on a copy of the request (as
// middleware makes) never remove them.
func csrfFrom(r *http.Request) string {
	if t := r.Header.Get(auth.CSRFHeader); t != "" {
		return t
	}
	if isAPI(r) || r.ParseForm() != nil {
		return ""
	}
	return r.PostForm.Get(auth.CSRFField)
}

// tooMany sets Retry-After for a 429.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(wait.Seconds(), 1)))))
}

// MaxRequestBody bounds every request body except the ingest endpoint's
// (MaxIngestBody): forms and JSON API calls are small.
const MaxRequestBody = 1 << 20

// limitBody caps request bodies, before anything reads them: at
// MaxIngestBody under /api/v1/ingest/, at MaxRequestBody elsewhere. A
// handler reading past it gets an error (forms: ParseForm fails) and should
// answer 413.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			limit := int64(MaxRequestBody)
			if strings.HasPrefix(r.URL.Path, "/api/v1/ingest/") {
				limit = MaxIngestBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// safeNext returns target if it is a path on this server, else "/": the
// sign-in page must not become an open redirect.
func safeNext(target string) string {
	if target == "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.ContainsAny(target, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if strings.HasPrefix(u.Path, "/login") || strings.HasPrefix(u.Path, "/logout") {
		return "/"
	}
	return target
}
