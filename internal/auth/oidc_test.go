package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth/oidctest"
)

const (
	clientID     = "honeyvault-test-client"
	clientSecret = "client-secret-0123456789"
	tenant       = "tenant-1"
)

func newOIDC(t *testing.T, edit func(*OIDCConfig)) (*OIDC, *oidctest.Provider) {
	t.Helper()
	idp := oidctest.New(t, clientID, clientSecret)
	idp.Claims = map[string]any{"preferred_username": "alice@contoso.com", "tid": tenant, "groups": []string{"grp-soc"}}
	cfg := OIDCConfig{
		Issuer: idp.Issuer, ClientID: clientID, ClientSecret: clientSecret,
		RedirectURL:    "http://127.0.0.1:1" + CallbackPath,
		AllowedTenants: []string{tenant},
		Roles: RoleMap{Admin: []string{"HoneyVault.Admin"}, Analyst: []string{"grp-soc"},
			Owners: []OwnerGrant{{Group: "grp-pay", Scope: Scope{Vaults: []string{"kv-pay"}}}}},
	}
	if edit != nil {
		edit(&cfg)
	}
	o, err := NewOIDC(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o, idp
}

// authorize follows the browser to the provider and returns the query the
// provider sends back to the callback.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc.Path, CallbackPath) {
		t.Fatalf("redirected to %s", loc)
	}
	return loc.Query()
}

func signIn(t *testing.T, o *OIDC, tamper func(*Flow, url.Values)) (Principal, error) {
	t.Helper()
	authURL, flow, err := o.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") != flow.Nonce || q.Get("state") != flow.State {
		t.Fatalf("authorize URL lacks PKCE, state or nonce: %s", authURL)
	}
	back := authorize(t, authURL)
	if tamper != nil {
		tamper(&flow, back)
	}
	return o.Complete(context.Background(), flow, back)
}

func TestOIDCSignIn(t *testing.T) {
	o, idp := newOIDC(t, nil)
	p, err := signIn(t, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != Analyst || p.Name != "alice@contoso.com" || p.Subject != "oidc:user-1" {
		t.Errorf("got %+v", p)
	}
	idp.Claims["groups"] = nil
	idp.Claims["roles"] = []string{"grp-pay"}
	p, err = signIn(t, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != Owner || p.Scope.String() != "kv-pay" {
		t.Errorf("owner by app role: got %+v", p)
	}
}

func TestOIDCRefusals(t *testing.T) {
	past := time.Now().Add(-2 * time.Hour)
	tests := []struct {
		name   string
		config func(*OIDCConfig)
		idp    func(*oidctest.Provider)
		tamper func(*Flow, url.Values)
		reason string
		who    string
	}{
		{name: "state mismatch", tamper: func(f *Flow, q url.Values) { q.Set("state", "attacker-state-0123456789") }, reason: "state mismatch"},
		{name: "no state", tamper: func(f *Flow, q url.Values) { q.Del("state") }, reason: "state mismatch"},
		{name: "flow from another browser", tamper: func(f *Flow, q url.Values) { f.State = "other-browser-state-012345" }, reason: "state mismatch"},
		{name: "nonce mismatch", idp: func(p *oidctest.Provider) {
			p.Edit = func(c map[string]any) { c["nonce"] = "replayed-nonce" }
		}, reason: "nonce mismatch"},
		{name: "wrong audience", idp: func(p *oidctest.Provider) {
			p.Edit = func(c map[string]any) { c["aud"] = "some-other-app" }
		}, reason: "invalid ID token"},
		{name: "several audiences without azp", idp: func(p *oidctest.Provider) {
			p.Edit = func(c map[string]any) { c["aud"] = []string{clientID, "some-other-app"} }
		}, reason: "another party", who: "alice@contoso.com"},
		{name: "expired token", idp: func(p *oidctest.Provider) {
			p.Edit = func(c map[string]any) { c["exp"] = past.Unix(); c["iat"] = past.Add(-time.Hour).Unix() }
		}, reason: "expired"},
		{name: "wrong issuer", idp: func(p *oidctest.Provider) {
			p.Edit = func(c map[string]any) { c["iss"] = "https://login.example.com/evil" }
		}, reason: "invalid ID token"},
		{name: "PKCE verifier of another flow", tamper: func(f *Flow, q url.Values) { f.Verifier = strings.Repeat("v", 43) }, reason: "refused the code"},
		{name: "code used twice", tamper: func(f *Flow, q url.Values) { q.Set("code", "unknown-code") }, reason: "refused the code"},
		{name: "no code", tamper: func(f *Flow, q url.Values) { q.Del("code") }, reason: "no authorization code"},
		{name: "provider error", tamper: func(f *Flow, q url.Values) {
			q.Set("error", "access_denied")
			q.Set("error_description", "user cancelled")
		}, reason: "access_denied: user cancelled"},
		{name: "stale flow", tamper: func(f *Flow, q url.Values) { f.Started = f.Started.Add(-FlowTTL - time.Second) }, reason: "longer than"},
		{name: "disallowed tenant", idp: func(p *oidctest.Provider) { p.Claims["tid"] = "tenant-evil" }, reason: `tenant "tenant-evil" is not allowed`, who: "alice@contoso.com"},
		{name: "no tenant claim", idp: func(p *oidctest.Provider) { delete(p.Claims, "tid") }, reason: "is not allowed", who: "alice@contoso.com"},
		{name: "disallowed group", config: func(c *OIDCConfig) { c.AllowedGroups = []string{"grp-honeyvault-users"} }, reason: "not in an allowed group", who: "alice@contoso.com"},
		{name: "no role mapped", idp: func(p *oidctest.Provider) { p.Claims["groups"] = []string{"grp-everyone"} }, reason: "no honeyvault role", who: "alice@contoso.com"},
		{name: "groups overage", idp: func(p *oidctest.Provider) {
			p.Claims["groups"] = nil
			p.Claims["_claim_names"] = map[string]string{"groups": "src1"}
			p.Claims["_claim_sources"] = map[string]any{"src1": map[string]string{"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}}
		}, reason: "too many", who: "alice@contoso.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, idp := newOIDC(t, tt.config)
			if tt.idp != nil {
				tt.idp(idp)
			}
			p, err := signIn(t, o, tt.tamper)
			var le *LoginError
			if !errors.As(err, &le) {
				t.Fatalf("got %+v, %v; want a LoginError", p, err)
			}
			if !strings.Contains(le.Reason, tt.reason) {
				t.Errorf("reason %q; want it to mention %q", le.Reason, tt.reason)
			}
			if le.Who != tt.who {
				t.Errorf("who %q; want %q", le.Who, tt.who)
			}
			if p.Role != "" {
				t.Errorf("refused sign-in returned role %q", p.Role)
			}
		})
	}
}

func TestOIDCWrongClientSecret(t *testing.T) {
	o, _ := newOIDC(t, func(c *OIDCConfig) { c.ClientSecret = "wrong-secret" })
	_, err := signIn(t, o, nil)
	var le *LoginError
	if !errors.As(err, &le) || !strings.Contains(le.Reason, "invalid_client") {
		t.Errorf("got %v; want a refusal naming invalid_client", err)
	}
}

func TestOIDCProviderDownIsNotARefusal(t *testing.T) {
	o, err := NewOIDC(OIDCConfig{Issuer: "http://127.0.0.1:1", ClientID: "x", RedirectURL: "http://127.0.0.1:2" + CallbackPath,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = o.Begin(context.Background())
	var le *LoginError
	if err == nil || errors.As(err, &le) {
		t.Errorf("got %v; want a plain error for an unreachable provider", err)
	}
}

func TestNewOIDCChecksConfig(t *testing.T) {
	tests := []OIDCConfig{
		{ClientID: "x", RedirectURL: "https://hv.example.com" + CallbackPath},
		{Issuer: "https://idp", RedirectURL: "https://hv.example.com" + CallbackPath},
		{Issuer: "https://idp", ClientID: "x"},
		{Issuer: "https://idp", ClientID: "x", RedirectURL: "https://hv.example.com/callback"},
		{Issuer: "https://idp", ClientID: "x", RedirectURL: "ftp://hv.example.com" + CallbackPath},
	}
	for _, c := range tests {
		if _, err := NewOIDC(c); err == nil {
			t.Errorf("NewOIDC(%+v) accepted", c)
		}
	}
}

func TestFlowRoundTrip(t *testing.T) {
	f := Flow{State: strings.Repeat("s", 43), Nonce: strings.Repeat("n", 43), Verifier: strings.Repeat("v", 43), Started: time.Unix(1800000000, 0).UTC()}
	got, err := DecodeFlow(f.Encode())
	if err != nil || got != f {
		t.Errorf("got %+v, %v; want %+v", got, err, f)
	}
	for _, bad := range []string{"", "a.b.c.1", f.Encode() + ".x", strings.Replace(f.Encode(), "sss", "s s", 1), strings.TrimSuffix(f.Encode(), "1800000000") + "-5"} {
		if _, err := DecodeFlow(bad); err == nil {
			t.Errorf("DecodeFlow(%q) accepted", bad)
		}
	}
}

func FuzzDecodeFlow(f *testing.F) {
	f.Add(Flow{State: strings.Repeat("s", 43), Nonce: strings.Repeat("n", 43), Verifier: strings.Repeat("v", 43), Started: time.Unix(1800000000, 0)}.Encode())
	f.Add("a.b.c.d")
	f.Add("....")
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := DecodeFlow(s)
		if err != nil {
			return
		}
		if fl.State == "" || fl.Nonce == "" || fl.Verifier == "" || strings.ContainsAny(fl.State+fl.Nonce+fl.Verifier, ".; ") {
			t.Fatalf("%q decoded to %+v", s, fl)
		}
		if again, err := DecodeFlow(fl.Encode()); err != nil || again != fl {
			t.Fatalf("%q does not round-trip: %+v %v", s, again, err)
		}
	})
}
