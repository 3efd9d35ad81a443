package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestTokenSignInAndOut(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	resp, page := e.request(c, "GET", "/login?next=/audit", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `type="password"`) || strings.Contains(page, "/login/oidc") {
		t.Fatalf("login page: %d\n%s", resp.StatusCode, page)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == loginCookie && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Errorf("login cookie %+v: want HttpOnly and SameSite=Lax", ck)
		}
	}
	csrf := csrfIn(t, page)
	resp, _ = e.postForm(c, "/login", url.Values{"csrf_token": {csrf}, "token": {adminToken}, "next": {"/audit"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/audit" {
		t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == auth.SessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", session)
	}
	if strings.Contains(session.Value, adminToken) {
		t.Fatal("the session cookie carries the token")
	}
	resp, page = e.request(c, "GET", "/audit", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "auth.sign_in") || !strings.Contains(page, "bootstrap:admin") {
		t.Fatalf("audit page after sign-in: %d\n%s", resp.StatusCode, page)
	}
	// Signed in, /login sends the browser on.
	if resp, _ := e.request(c, "GET", "/login?next=/tokens", "", nil); resp.Header.Get("Location") != "/tokens" {
		t.Errorf("login page when signed in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	resp, _ = e.postForm(c, "/logout", url.Values{"csrf_token": {csrfIn(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("sign-out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The old cookie is dead even if a browser kept it.
	stale := e.browser()
	u, _ := url.Parse(e.srv.URL)
	stale.Jar.SetCookies(u, []*http.Cookie{session})
	if resp, _ := e.request(stale, "GET", "/audit", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("cookie after sign-out: got %d; want a redirect to /login", resp.StatusCode)
	}
	if got, want := e.auditActions(), "auth.sign_out auth.sign_in"; got != want {
		t.Errorf("audit: got %q; want %q", got, want)
	}
}

func TestTokenSignInRefusals(t *testing.T) {
	e := newEnv(t)
	revoked := e.token(auth.Analyst)
	list, _ := e.st.ListTokens(context.Background())
	auth.RevokeToken(context.Background(), e.st, list[0].ID, store.AuditEntry{Actor: "test"}, e.clk.Now())
	tests := []struct {
		name  string
		token string
		code  int
	}{
		{"wrong token", "wrong-token-0123456789", http.StatusUnauthorized},
		{"revoked token", revoked, http.StatusUnauthorized},
		{"empty", "", http.StatusUnauthorized},
		{"ingest token", ingestToken, http.StatusForbidden},
	}
	for _, tt := range tests {
		c := e.browser()
		_, page := e.request(c, "GET", "/login", "", nil)
		resp, body := e.postForm(c, "/login", url.Values{"csrf_token": {csrfIn(t, page)}, "token": {tt.token}})
		if resp.StatusCode != tt.code {
			t.Errorf("%s: got %d; want %d", tt.name, resp.StatusCode, tt.code)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == auth.SessionCookie && ck.Value != "" {
				t.Errorf("%s: got a session", tt.name)
			}
		}
		if tt.token != "" && strings.Contains(body, tt.token) {
			t.Errorf("%s: the page echoes the token", tt.name)
		}
	}
	entries, _ := e.st.ListAudit(context.Background(), store.AuditFilter{Action: "auth.sign_in_failed"})
	if len(entries) != len(tests) {
		t.Fatalf("%d failed sign-ins audited; want %d", len(entries), len(tests))
	}
	for _, x := range entries {
		for _, tt := range tests {
			if tt.token != "" && (strings.Contains(x.Detail, tt.token) || strings.Contains(x.Actor, tt.token) || strings.Contains(x.Target, tt.token)) {
				t.Errorf("audit entry %+v holds a token", x)
			}
		}
		if x.RemoteAddr != "127.0.0.1" {
			t.Errorf("audit entry without the client address: %+v", x)
		}
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	e := newEnv(t, func(e *env, o *Options) {
		o.LoginLimit = auth.NewLimiter(1.0/60, 3)
		o.LoginLimit.Now = e.clk.Now
	})
	c := e.browser()
	_, page := e.request(c, "GET", "/login", "", nil)
	csrf := csrfIn(t, page)
	for i := 0; i < 3; i++ {
		if resp, _ := e.postForm(c, "/login", url.Values{"csrf_token": {csrf}, "token": {"guess-0123456789-" + string(rune('a'+i))}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got %d; want 401", i+1, resp.StatusCode)
		}
	}
	// The fourth attempt is refused even with the right token.
	resp, _ := e.postForm(c, "/login", url.Values{"csrf_token": {csrf}, "token": {adminToken}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth attempt: got %d, Retry-After %q; want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clk.Advance(time.Minute)
	if resp, _ := e.postForm(c, "/login", url.Values{"csrf_token": {csrf}, "token": {adminToken}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after a minute: got %d; want 303", resp.StatusCode)
	}
}

func TestSessionTimeoutsOverHTTP(t *testing.T) {
	e := newEnv(t) // idle 30m, absolute 8h
	c := e.browser()
	e.signIn(c, adminToken)
	for i := 0; i < 3; i++ {
		e.clk.Advance(25 * time.Minute)
		if resp, _ := e.request(c, "GET", "/", "", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("active session after %d × 25 minutes: %d", i+1, resp.StatusCode)
		}
	}
	e.clk.Advance(31 * time.Minute)
	if resp, _ := e.request(c, "GET", "/", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("idle session: got %d; want a redirect to /login", resp.StatusCode)
	}
}

// signInOIDC runs a browser through single sign-on: honeyvault → provider →
// callback, with tamper applied to the provider's redirect back.
func (e *env) signInOIDC(c *http.Client, next string, tamper func(q url.Values)) (*http.Response, string) {
	e.t.Helper()
	resp, _ := e.request(c, "GET", "/login/oidc?next="+url.QueryEscape(next), "", nil)
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("start: %d", resp.StatusCode)
	}
	resp, _ = e.request(c, "GET", resp.Header.Get("Location"), "", nil) // the provider
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("provider: %d", resp.StatusCode)
	}
	back, _ := url.Parse(resp.Header.Get("Location"))
	if tamper != nil {
		q := back.Query()
		tamper(q)
		back.RawQuery = q.Encode()
	}
	return e.request(c, "GET", back.String(), "", nil)
}

func TestOIDCSignInOverHTTP(t *testing.T) {
	e := newEnv(t, withOIDC(nil))
	c := e.browser()
	_, page := e.request(c, "GET", "/login", "", nil)
	if !strings.Contains(page, `href="/login/oidc?next=%2f"`) && !strings.Contains(page, `href="/login/oidc?next=%2F"`) {
		t.Errorf("login page lacks the single sign-on link:\n%s", page)
	}
	resp, _ := e.signInOIDC(c, `/audit?actor="a; b"`, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != `/audit?actor="a; b"` {
		t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, home := e.request(c, "GET", "/", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(home, "alice@contoso.com") || !strings.Contains(home, "analyst") {
		t.Fatalf("home after single sign-on: %d\n%s", resp.StatusCode, home)
	}
	entries, _ := e.st.ListAudit(context.Background(), store.AuditFilter{Action: "auth.sign_in"})
	if len(entries) != 1 || entries[0].Actor != "alice@contoso.com" || !strings.Contains(entries[0].Detail, "single sign-on") {
		t.Errorf("audit: %+v", entries)
	}
	// A callback can be used once: replayed, its flow cookie is spent.
	c3 := e.browser()
	resp, _ = e.request(c3, "GET", "/login/oidc", "", nil)
	resp, _ = e.request(c3, "GET", resp.Header.Get("Location"), "", nil)
	callback := resp.Header.Get("Location")
	if resp, _ := e.request(c3, "GET", callback, "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first callback: %d", resp.StatusCode)
	}
	if resp, body := e.request(c3, "GET", callback, "", nil); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "no sign-in in progress") {
		t.Errorf("replayed callback: got %d; want 403", resp.StatusCode)
	}
	// Members of an owner group sign in as owners of their scope.
	e.idp.Claims["groups"] = []string{"grp-pay"}
	c2 := e.browser()
	resp, _ = e.signInOIDC(c2, "/", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner sign-in: %d", resp.StatusCode)
	}
	_, body := e.request(c2, "GET", "/api/v1/honeytokens", "", nil)
	if !strings.Contains(body, ownDecoy) || strings.Contains(body, foreignDecoy) {
		t.Errorf("owner by single sign-on sees the wrong decoys:\n%s", body)
	}
}

func TestOIDCRefusalsOverHTTP(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*auth.OIDCConfig)
		claims map[string]any
		tamper func(url.Values)
		reason string
		actor  string
	}{
		{name: "state mismatch", tamper: func(q url.Values) { q.Set("state", "forged-state-0123456789abcdef") }, reason: "state mismatch", actor: "anonymous"},
		{name: "nonce mismatch", claims: map[string]any{"nonce": "someone-elses-nonce"}, reason: "nonce mismatch", actor: "anonymous"},
		{name: "wrong audience", claims: map[string]any{"aud": "another-app"}, reason: "invalid ID token", actor: "anonymous"},
		{name: "expired ID token", claims: map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}, reason: "expired", actor: "anonymous"},
		{name: "disallowed tenant", claims: map[string]any{"tid": "tenant-evil"}, reason: "not allowed", actor: "alice@contoso.com"},
		{name: "disallowed group", edit: func(c *auth.OIDCConfig) { c.AllowedGroups = []string{"grp-hv-users"} }, reason: "not in an allowed group", actor: "alice@contoso.com"},
		{name: "no role", claims: map[string]any{"groups": []string{"grp-everyone"}}, reason: "no honeyvault role", actor: "alice@contoso.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withOIDC(tt.edit))
			if tt.claims != nil {
				e.idp.Edit = func(c map[string]any) {
					for k, v := range tt.claims {
						c[k] = v
					}
				}
			}
			c := e.browser()
			resp, body := e.signInOIDC(c, "/", tt.tamper)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, tt.reason) {
				t.Errorf("got %d; want 403 naming %q:\n%s", resp.StatusCode, tt.reason, body)
			}
			for _, ck := range resp.Cookies() {
				if ck.Name == auth.SessionCookie && ck.Value != "" {
					t.Error("a refused sign-in got a session")
				}
			}
			noDecoyIn(t, tt.name, body)
			entries, _ := e.st.ListAudit(context.Background(), store.AuditFilter{Action: "auth."})
			if len(entries) != 1 || entries[0].Action != "auth.sign_in_failed" || entries[0].Actor != tt.actor || !strings.Contains(entries[0].Detail, tt.reason) {
				t.Errorf("audit: %+v; want one auth.sign_in_failed by %s naming %q", entries, tt.actor, tt.reason)
			}
		})
	}
}

func TestOIDCCallbackWithoutFlow(t *testing.T) {
	e := newEnv(t, withOIDC(nil))
	resp, body := e.request(nil, "GET", auth.CallbackPath+"?code=x&state=y", "", nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "no sign-in in progress") {
		t.Errorf("got %d:\n%s", resp.StatusCode, body)
	}
	// Without OIDC configured the routes do not exist.
	plain := newEnv(t)
	for _, p := range []string{"/login/oidc", auth.CallbackPath} {
		if resp, _ := plain.request(nil, "GET", p, "", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s without OIDC: got %d; want 404", p, resp.StatusCode)
		}
	}
}
