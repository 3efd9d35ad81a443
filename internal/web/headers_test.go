package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auth"
)

func checkSecurityHeaders(t *testing.T, what string, h http.Header, wantHSTS bool) {
	t.Helper()
	want := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "no-referrer",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s %q; want %q", what, k, got, v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP allows inline code: %q", what, csp)
	}
	if got := h.Get("Strict-Transport-Security") != ""; got != wantHSTS {
		t.Errorf("%s: HSTS present %v; want %v", what, got, wantHSTS)
	}
}

func TestSecurityHeadersOnEveryRouteClass(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.signIn(c, adminToken)
	paths := []string{"/healthz", "/metrics", "/login", "/", "/tokens", "/audit", "/static/style.css", "/api/v1/honeytokens", "/api/v1/nope", "/nope"}
	for _, p := range paths {
		resp, _ := e.request(c, "GET", p, "", nil)
		checkSecurityHeaders(t, p, resp.Header, false)
		resp, _ = e.request(nil, "GET", p, "", nil) // and without credentials
		checkSecurityHeaders(t, p+" (anonymous)", resp.Header, false)
	}
	resp, _ := e.request(nil, "GET", "/tokens", adminToken, nil)
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a page with data may be cached: %q", resp.Header.Get("Cache-Control"))
	}
	resp, css := e.request(nil, "GET", "/static/style.css", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(css, "body") {
		t.Errorf("stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestTLSAddsHSTSAndSecureCookies(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewTLSServer(e.srv.Config.Handler)
	defer srv.Close()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	checkSecurityHeaders(t, "TLS /login", resp.Header, true)
	for _, ck := range resp.Cookies() {
		if !ck.Secure {
			t.Errorf("cookie %s over TLS is not Secure", ck.Name)
		}
	}
	// Behind a TLS-terminating proxy (Options.Secure) the same holds over HTTP.
	behind := newEnv(t, func(_ *env, o *Options) { o.Secure = true })
	resp, _ = behind.request(nil, "GET", "/login", "", nil)
	checkSecurityHeaders(t, "behind TLS proxy", resp.Header, true)
	for _, ck := range resp.Cookies() {
		if !ck.Secure {
			t.Errorf("cookie %s behind a TLS proxy is not Secure", ck.Name)
		}
	}
}

var inlineCode = regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)

// Every page must render and stay within the CSP: no inline script or style.
func TestEveryPageRendersWithinTheCSP(t *testing.T) {
	e := newEnv(t, withOIDC(nil), withCluster())
	e.seedIncident()
	e.seedVaults()
	c := e.browser()
	csrf := e.signIn(c, adminToken)
	_, created := e.postForm(c, "/tokens", url.Values{"csrf_token": {csrf}, "role": {"owner"}, "scope": {"kv-pay"}, "expires": {"90d"}})
	pages := map[string]string{"token_created": created}
	for _, p := range []string{"/", "/tokens", "/audit", "/nope-page", "/incidents/1", "/incidents", "/honeytokens", "/vaults", "/vaults" + envVaultPay,
		"/settings", "/settings/sources", "/settings/notifications", "/settings/allow-rules", "/settings/planting", "/cluster"} {
		_, body := e.request(c, "GET", p, "", nil)
		pages[p] = body
	}
	_, pages["login"] = e.request(nil, "GET", "/login", "", nil)
	pages["run"] = renderedRun(t)
	_, pages["forbidden"] = e.request(nil, "GET", "/tokens", e.token(auth.Analyst), nil)
	for name, body := range pages {
		if m := inlineCode.FindString(withoutScripts(body)); m != "" {
			t.Errorf("%s has inline code %q", name, m)
		}
	}
	// Every page template is among those rendered above: a new page needs
	// a case here, so that a broken or CSP-breaking template fails a test.
	covered := map[string]bool{"home": true, "tokens": true, "audit": true, "error": true, "login": true, "token_created": true,
		"incident": true, "incidents": true, "honeytokens": true, "vaults": true, "vault": true,
		"settings": true, "settings_sources": true, "settings_notifications": true, "settings_allow_rules": true, "settings_planting": true, "run": true,
		"cluster": true}
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	for name := range v {
		if !covered[name] {
			t.Errorf("page template %s is not rendered by this test: add it", name)
		}
	}
}
