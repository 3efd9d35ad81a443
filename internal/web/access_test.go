package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
)

// route is one registered route with a request that reaches it.
type route struct {
	method, path string
	body         string
}

// apiRoutes and pageRoutes are every protected route of the server. A new
// protected route belongs in one of these lists.
var (
	apiRoutes = []route{
		{"GET", "/api/v1/honeytokens", ""},
		{"GET", "/api/v1/honeytokens?vault_id=" + url.QueryEscape(envVaultHR), ""},
		{"GET", "/api/v1/honeytokens/watchlist.csv", ""},
		{"POST", "/api/v1/ingest/azure-keyvault", `{"records":[]}`},
		{"POST", "/api/v1/ingest/aws-cloudtrail", `{"Records":[]}`},
		{"GET", "/api/v1/ingest/status", ""},
		{"GET", "/api/v1/dead-letters", ""},
		{"GET", "/api/v1/tokens", ""},
		{"POST", "/api/v1/tokens", `{"role":"admin"}`},
		{"DELETE", "/api/v1/tokens/1", ""},
		{"GET", "/api/v1/audit", ""},
		{"GET", "/api/v1/audit?format=csv", ""},
		{"POST", "/api/v1/notify/channels/ops/test", ""},
		{"GET", "/api/v1/allow-rules", ""},
		{"POST", "/api/v1/allow-rules", `{"identity":"backup-sp"}`},
		{"DELETE", "/api/v1/allow-rules/1", ""},
	}
	pageRoutes = []route{
		{"GET", "/", ""},
		{"GET", "/tokens", ""},
		{"POST", "/tokens", "role=admin"},
		{"POST", "/tokens/1/revoke", ""},
		{"GET", "/audit", ""},
		{"POST", "/logout", ""},
		{"GET", "/settings", ""},
		{"GET", "/settings/sources", ""},
		{"GET", "/settings/notifications", ""},
		{"POST", "/settings/notifications/ops/test", ""},
		{"GET", "/settings/allow-rules", ""},
		{"POST", "/settings/allow-rules", "identity=backup-sp"},
		{"POST", "/settings/allow-rules/1/remove", ""},
		{"GET", "/settings/planting", ""},
	}
)

func (e *env) call(c *http.Client, rt route, bearer string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	var body *strings.Reader
	if rt.body != "" {
		body = strings.NewReader(rt.body)
		ct := "application/json"
		if !strings.HasPrefix(rt.body, "{") {
			ct = "application/x-www-form-urlencoded"
		}
		hdr = append(hdr, "Content-Type", ct)
	} else {
		body = strings.NewReader("")
	}
	return e.request(c, rt.method, rt.path, bearer, body, hdr...)
}

func TestNoCredentialsAPIAnswers401JSON(t *testing.T) {
	e := newEnv(t)
	for _, rt := range apiRoutes {
		for _, cred := range []string{"", "not-a-token-0123456789", auth.TokenPrefix + strings.Repeat("x", 43)} {
			resp, body := e.call(nil, rt, cred)
			what := rt.method + " " + rt.path
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with %q: got %d; want 401", what, cred, resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" || !strings.Contains(body, `"error"`) {
				t.Errorf("%s: got %s %q; want a JSON error", what, ct, body)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", what)
			}
			noDecoyIn(t, what, body)
		}
	}
}

func TestNoCredentialsPagesRedirectToLogin(t *testing.T) {
	e := newEnv(t)
	for _, rt := range pageRoutes {
		resp, body := e.call(nil, rt, "")
		what := rt.method + " " + rt.path
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("%s: got %d to %q; want 303 to /login?next=", what, resp.StatusCode, loc)
		}
		noDecoyIn(t, what, body)
	}
	// The page asked for is where sign-in leads back to; a form post is not replayed.
	resp, _ := e.request(nil, "GET", "/audit?actor=x", "", nil)
	if got, want := resp.Header.Get("Location"), "/login?next="+url.QueryEscape("/audit?actor=x"); got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	resp, _ = e.postForm(nil, "/tokens", url.Values{"role": {"admin"}})
	if got, want := resp.Header.Get("Location"), "/login?next=%2F"; got != want {
		t.Errorf("after a form post: got %q; want %q", got, want)
	}
	// A stale session cookie is refused the same way and cleared.
	c := e.browser()
	e.signIn(c, adminToken)
	e.clk.Advance(time.Hour)
	resp, body := e.request(c, "GET", "/tokens", "", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Set-Cookie"), auth.SessionCookie+"=;") {
		t.Errorf("expired session: got %d, Set-Cookie %q; want 303 clearing the cookie", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	noDecoyIn(t, "expired session", body)
	resp, body = e.request(c, "GET", "/api/v1/honeytokens", "", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired session on the API: got %d; want 401", resp.StatusCode)
	}
	noDecoyIn(t, "expired session on the API", body)
}

func TestWrongRoleIsForbidden(t *testing.T) {
	e := newEnv(t)
	analyst, owner := e.token(auth.Analyst), e.token(auth.Owner, envSubPay)
	tests := []struct {
		who   string
		token string
		rt    route
	}{
		{"ingest", ingestToken, route{"GET", "/api/v1/honeytokens", ""}},
		{"ingest", ingestToken, route{"GET", "/api/v1/honeytokens/watchlist.csv", ""}},
		{"ingest", ingestToken, route{"GET", "/api/v1/ingest/status", ""}},
		{"ingest", ingestToken, route{"GET", "/api/v1/tokens", ""}},
		{"ingest", ingestToken, route{"GET", "/api/v1/audit", ""}},
		{"ingest", ingestToken, route{"GET", "/", ""}},
		{"analyst", analyst, route{"POST", "/api/v1/ingest/azure-keyvault", `{"records":[]}`}},
		{"analyst", analyst, route{"GET", "/api/v1/dead-letters", ""}},
		{"analyst", analyst, route{"GET", "/api/v1/tokens", ""}},
		{"analyst", analyst, route{"POST", "/api/v1/tokens", `{"role":"admin"}`}},
		{"analyst", analyst, route{"DELETE", "/api/v1/tokens/1", ""}},
		{"analyst", analyst, route{"GET", "/api/v1/audit", ""}},
		{"analyst", analyst, route{"GET", "/tokens", ""}},
		{"analyst", analyst, route{"GET", "/audit", ""}},
		{"owner", owner, route{"GET", "/api/v1/ingest/status", ""}},
		{"owner", owner, route{"GET", "/api/v1/tokens", ""}},
		{"owner", owner, route{"POST", "/api/v1/tokens", `{"role":"admin"}`}},
		{"owner", owner, route{"GET", "/api/v1/audit", ""}},
		{"owner", owner, route{"GET", "/tokens", ""}},
	}
	for _, tt := range tests {
		resp, body := e.call(nil, tt.rt, tt.token)
		what := tt.who + " " + tt.rt.method + " " + tt.rt.path
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: got %d; want 403", what, resp.StatusCode)
		}
		noDecoyIn(t, what, body)
	}
	// The same through a console session: an error page, not the resource.
	c := e.browser()
	e.signIn(c, analyst)
	for _, p := range []string{"/tokens", "/audit"} {
		resp, body := e.request(c, "GET", p, "", nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("analyst session %s: got %d %s; want a 403 page", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		noDecoyIn(t, p, body)
	}
}

// An owner sees its own decoys through every listing, never another scope's.
func TestOwnerSeesOnlyItsScope(t *testing.T) {
	e := newEnv(t)
	owners := map[string]string{
		"by subscription": e.token(auth.Owner, envSubPay),
		"by vault name":   e.token(auth.Owner, "kv-pay"),
		"by vault id":     e.token(auth.Owner, envVaultPay),
	}
	for name, tok := range owners {
		t.Run(name, func(t *testing.T) {
			for _, p := range []string{"/api/v1/honeytokens", "/api/v1/honeytokens/watchlist.csv", "/api/v1/honeytokens?status=active&type=secret"} {
				resp, body := e.request(nil, "GET", p, tok, nil)
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, ownDecoy) {
					t.Errorf("%s: got %d; want 200 with the owner's decoy:\n%s", p, resp.StatusCode, body)
				}
				if strings.Contains(body, foreignDecoy) || strings.Contains(body, "kv-hr") {
					t.Errorf("%s: an owner sees another scope's decoy:\n%s", p, body)
				}
			}
			for _, vault := range []string{envVaultHR, strings.ToUpper(envVaultHR)} {
				resp, body := e.request(nil, "GET", "/api/v1/honeytokens?vault_id="+url.QueryEscape(vault), tok, nil)
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("foreign vault: got %d; want 404", resp.StatusCode)
				}
				noDecoyIn(t, "foreign vault", body)
			}
			// The same through a console session.
			c := e.browser()
			e.signIn(c, tok)
			resp, body := e.request(c, "GET", "/api/v1/honeytokens", "", nil)
			if resp.StatusCode != http.StatusOK || strings.Contains(body, foreignDecoy) || !strings.Contains(body, ownDecoy) {
				t.Errorf("owner session: got %d:\n%s", resp.StatusCode, body)
			}
		})
	}
	// Admins and analysts see everything.
	for _, tok := range []string{adminToken, e.token(auth.Analyst)} {
		_, body := e.request(nil, "GET", "/api/v1/honeytokens", tok, nil)
		if !strings.Contains(body, ownDecoy) || !strings.Contains(body, foreignDecoy) {
			t.Errorf("admin/analyst listing incomplete:\n%s", body)
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	tok := e.signIn(c, adminToken)
	tests := []struct {
		name string
		csrf string
		code int
	}{
		{"missing", "", http.StatusForbidden},
		{"wrong", strings.Repeat("A", len(tok)), http.StatusForbidden},
		{"another session's", func() string { return e.signIn(e.browser(), adminToken) }(), http.StatusForbidden},
		{"right", tok, http.StatusOK},
	}
	for _, tt := range tests {
		form := url.Values{"role": {"ingest"}, "name": {"csrf-" + tt.name}}
		if tt.csrf != "" {
			form.Set("csrf_token", tt.csrf)
		}
		resp, body := e.postForm(c, "/tokens", form)
		if resp.StatusCode != tt.code {
			t.Errorf("form with %s token: got %d; want %d", tt.name, resp.StatusCode, tt.code)
		}
		if tt.code == http.StatusForbidden && strings.Contains(body, auth.TokenPrefix) {
			t.Errorf("form with %s token created a token", tt.name)
		}
	}
	list, _ := e.st.ListTokens(t.Context())
	if len(list) != 1 || list[0].Name != "csrf-right" {
		t.Errorf("tokens after the CSRF tests: %+v; want only csrf-right", list)
	}

	// A session calling the API must send the token in a header; a bearer needs none.
	body := `{"role":"ingest"}`
	if resp, _ := e.request(c, "POST", "/api/v1/tokens", "", strings.NewReader(body), "Content-Type", "application/json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("session API call without CSRF header: got %d; want 403", resp.StatusCode)
	}
	if resp, _ := e.request(c, "POST", "/api/v1/tokens", "", strings.NewReader(body), "Content-Type", "application/json", auth.CSRFHeader, tok); resp.StatusCode != http.StatusCreated {
		t.Errorf("session API call with CSRF header: got %d; want 201", resp.StatusCode)
	}
	if resp, _ := e.request(nil, "POST", "/api/v1/tokens", adminToken, strings.NewReader(body), "Content-Type", "application/json"); resp.StatusCode != http.StatusCreated {
		t.Errorf("bearer API call: got %d; want 201", resp.StatusCode)
	}
	// The API never reads the token from a form (its body is not a form),
	// and no route parses a multipart body: net/http would spill it to disk.
	form := url.Values{"csrf_token": {tok}}.Encode()
	if resp, _ := e.request(c, "POST", "/api/v1/tokens", "", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("session API call with the CSRF token as a form field: got %d; want 403", resp.StatusCode)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("csrf_token", tok)
	mw.WriteField("role", "ingest")
	mw.WriteField("name", "csrf-multipart")
	mw.Close()
	if resp, _ := e.request(c, "POST", "/tokens", "", &mp, "Content-Type", mw.FormDataContentType()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("console form sent as multipart: got %d; want 403", resp.StatusCode)
	}

	// Sign-out is a state change too.
	if resp, _ := e.postForm(c, "/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without CSRF: got %d; want 403", resp.StatusCode)
	}
	// And the sign-in form, before any session (login CSRF).
	fresh := e.browser()
	e.request(fresh, "GET", "/login", "", nil)
	for _, bad := range []string{"", "forged"} {
		resp, _ := e.postForm(fresh, "/login", url.Values{"csrf_token": {bad}, "token": {adminToken}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-in with CSRF %q: got %d; want 403", bad, resp.StatusCode)
		}
	}
	if strings.Contains(e.auditActions(), "auth.sign_in auth.sign_in auth.sign_in") {
		t.Error("a sign-in with a bad CSRF token succeeded")
	}
}

func TestIngestIsRateLimitedPerToken(t *testing.T) {
	e := newEnv(t, func(e *env, o *Options) {
		o.IngestLimit = auth.NewLimiter(1.0/60, 2)
		o.IngestLimit.Now = e.clk.Now
	})
	rt := route{"POST", "/api/v1/ingest/azure-keyvault", `{"records":[]}`}
	for i := 0; i < 2; i++ {
		if resp, _ := e.call(nil, rt, ingestToken); resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("request %d limited within the burst", i+1)
		}
	}
	resp, body := e.call(nil, rt, ingestToken)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"error"`) {
		t.Errorf("third request: got %d, Retry-After %q, %s; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if resp, _ := e.call(nil, rt, e.token(auth.Ingest)); resp.StatusCode == http.StatusTooManyRequests {
		t.Error("another token is limited by the first one's requests")
	}
}

func TestRequestBodiesAreBounded(t *testing.T) {
	e := newEnv(t)
	big := `{"name":"` + strings.Repeat("x", MaxRequestBody) + `","role":"admin"}`
	resp, _ := e.request(nil, "POST", "/api/v1/tokens", adminToken, strings.NewReader(big), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized API body: got %d; want 413", resp.StatusCode)
	}
	c := e.browser()
	e.request(c, "GET", "/login", "", nil)
	resp, _ = e.postForm(c, "/login", url.Values{"token": {strings.Repeat("x", MaxRequestBody)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized sign-in form: got %d; want 413", resp.StatusCode)
	}
	if list, _ := e.st.ListTokens(t.Context()); len(list) != 0 {
		t.Errorf("an oversized request created %d tokens", len(list))
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/incidents/7?tab=x", "/incidents/7?tab=x"},
		{"//evil.example.com", "/"},
		{"/\\evil.example.com", "/"},
		{"https://evil.example.com/", "/"},
		{"evil", "/"},
		{"/login?next=/x", "/"},
		{"/logout", "/"},
		{"/a\r\nSet-Cookie: x", "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q): got %q; want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/incidents/7", "//evil", "/\\evil", "https://evil/", "/login", "/%2F%2Fevil", "/a?b=//c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeNext(in)
		u, err := url.Parse(got)
		if err != nil || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || u.Host != "" || u.Scheme != "" || strings.ContainsAny(got, "\\\r\n") {
			t.Fatalf("safeNext(%q) = %q leaves this server", in, got)
		}
	})
}
