package web

import (
	"context"
	"github.com/honeyvault/honeyvault/internal/testenv"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/auth/oidctest"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The estate every access test runs against: one decoy in each of two
// subscriptions. foreignDecoy must never reach an owner of s1 only.
const (
	envSubPay    = "aaaaaaaa-0000-0000-0000-000000000001"
	envSubHR     = "bbbbbbbb-0000-0000-0000-000000000002"
	envVaultPay  = "/subscriptions/" + envSubPay + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay"
	envVaultHR   = "/subscriptions/" + envSubHR + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-hr"
	ownDecoy     = "PaymentsDb-ConnectionString"
	foreignDecoy = "HrPayroll-ApiKey"
	oidcClient   = "honeyvault-web-test"
	oidcSecret   = "web-test-client-secret-0123"
)

// env is a running server with a real store, bootstrap tokens, a clock the
// test moves and, with withOIDC, a local OpenID Connect provider.
type env struct {
	t   *testing.T
	srv *httptest.Server
	st  *store.Store
	a   *auth.Authenticator
	clk *testenv.Clock
	idp *oidctest.Provider
}

type envOption func(*env, *Options)

// withOIDC starts a local identity provider and enables single sign-on.
func withOIDC(edit func(*auth.OIDCConfig)) envOption {
	return func(e *env, o *Options) {
		e.idp = oidctest.New(e.t, oidcClient, oidcSecret)
		e.idp.Claims = map[string]any{"preferred_username": "alice@contoso.com", "tid": "tenant-1", "groups": []string{"grp-soc"}}
		cfg := auth.OIDCConfig{
			Issuer: e.idp.Issuer, ClientID: oidcClient, ClientSecret: oidcSecret,
			RedirectURL:    e.srv.URL + auth.CallbackPath,
			AllowedTenants: []string{"tenant-1"},
			Roles: auth.RoleMap{Admin: []string{"grp-admins"}, Analyst: []string{"grp-soc"},
				Owners: []auth.OwnerGrant{{Group: "grp-pay", Scope: auth.Scope{Subscriptions: []string{envSubPay}}}}},
			Now: e.clk.Now,
		}
		if edit != nil {
			edit(&cfg)
		}
		oidc, err := auth.NewOIDC(cfg)
		if err != nil {
			e.t.Fatal(err)
		}
		o.OIDC = oidc
	}
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.ImportDecoys(context.Background(), []registry.Decoy{
		{VaultID: envVaultPay, Name: ownDecoy, Type: registry.Secret, CreatedBy: "test"},
		{VaultID: envVaultHR, Name: foreignDecoy, Type: registry.Secret, CreatedBy: "test"},
	}); err != nil {
		t.Fatal(err)
	}
	clk := testenv.NewClock(time.Now().UTC().Truncate(time.Second))
	a := &auth.Authenticator{Store: st, Now: clk.Now, IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 8 * time.Hour}
	a.AddBootstrap(adminToken, auth.Admin)
	a.AddBootstrap(ingestToken, auth.Ingest)
	e := &env{t: t, st: st, a: a, clk: clk}
	e.srv = httptest.NewServer(nil)
	t.Cleanup(e.srv.Close)
	o := Options{Store: st, Auth: a, Now: clk.Now}
	for _, opt := range opts {
		opt(e, &o)
	}
	e.srv.Config.Handler = New(o)
	return e
}

// token creates an API token directly in the store.
func (e *env) token(role auth.Role, scope ...string) string {
	e.t.Helper()
	sc, err := auth.ParseScope(scope)
	if err != nil {
		e.t.Fatal(err)
	}
	plain, _, err := auth.IssueToken(context.Background(), e.st, auth.TokenRequest{Role: role, Scope: sc}, store.AuditEntry{Actor: "test"}, e.clk.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return plain
}

// browser is a client with a cookie jar that does not follow redirects, so
// tests see each one.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// request sends method path with an optional bearer token, form or JSON
// body and headers, and returns the response and its body.
func (e *env) request(c *http.Client, method, path, bearer string, body io.Reader, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	if c == nil {
		c = e.browser()
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = e.srv.URL + path
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// postForm posts form values as a browser would.
func (e *env) postForm(c *http.Client, path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	return e.request(c, "POST", path, "", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfIn returns the CSRF token of the first form in page.
func csrfIn(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", page)
	}
	return m[1]
}

// signIn signs a browser in with a token through the login form and
// returns the CSRF token of its session.
func (e *env) signIn(c *http.Client, tok string) string {
	e.t.Helper()
	_, page := e.request(c, "GET", "/login", "", nil)
	resp, body := e.postForm(c, "/login", url.Values{"csrf_token": {csrfIn(e.t, page)}, "token": {tok}, "next": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	_, home := e.request(c, "GET", "/", "", nil)
	return csrfIn(e.t, home)
}

// audit returns the audit trail's actions, newest first, joined by spaces.
func (e *env) auditActions() string {
	e.t.Helper()
	entries, err := e.st.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	var a []string
	for _, x := range entries {
		a = append(a, x.Action)
	}
	return strings.Join(a, " ")
}

// noDecoyIn fails the test if body names any decoy.
func noDecoyIn(t *testing.T, what, body string) {
	t.Helper()
	for _, d := range []string{ownDecoy, foreignDecoy} {
		if strings.Contains(strings.ToLower(body), strings.ToLower(d)) {
			t.Errorf("%s reveals decoy %s:\n%s", what, d, body)
		}
	}
}
