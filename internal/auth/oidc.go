package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDCConfig configures console sign-in with an OpenID Connect provider such
// as Microsoft Entra ID.
type OIDCConfig struct {
	Issuer         string   // e.g. https://login.microsoftonline.com/TENANT-ID/v2.0
	ClientID       string   // the application (client) id
	ClientSecret   string   // empty for a public client (PKCE alone)
	RedirectURL    string   // https://honeyvault.example.com/login/oidc/callback
	AllowedTenants []string // values of the "tid" claim accepted; empty: any
	AllowedGroups  []string // a person needs one of these groups or app roles; empty: any
	Roles          RoleMap  // groups and app roles → role; nobody without a role signs in
	HTTPClient     *http.Client
	Now            func() time.Time // the clock for token expiry and flow age; nil: time.Now
}

// CallbackPath is where the provider sends the browser back; RedirectURL
// must end with it.
const CallbackPath = "/login/oidc/callback"

// FlowTTL bounds how long a person may take at the provider's sign-in page.
const FlowTTL = 10 * time.Minute

// OIDC signs people in with the authorization code flow, PKCE (S256), state
// and nonce. Provider discovery happens on first use and is retried until it
// succeeds, so a provider that is down at start does not stop the server. It
// is safe for concurrent use.
type OIDC struct {
	cfg OIDCConfig

	mu       sync.Mutex
	provider *oidc.Provider
}

// NewOIDC checks cfg and returns the sign-in flow. It does not contact the
// provider.
func NewOIDC(cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("auth: OIDC needs an issuer, a client id and a redirect URL")
	}
	u, err := url.Parse(cfg.RedirectURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.HasSuffix(u.Path, CallbackPath) {
		return nil, fmt.Errorf("auth: OIDC redirect URL %q must be an http(s) URL ending in %s", cfg.RedirectURL, CallbackPath)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	return &OIDC{cfg: cfg}, nil
}

// Issuer returns the configured issuer URL.
func (o *OIDC) Issuer() string { return o.cfg.Issuer }

// Flow is one sign-in in progress: the secrets the browser keeps (in a
// short-lived HttpOnly cookie) between leaving for the provider and coming
// back. Keeping them in the browser rather than the server lets any replica
// finish a flow another one started.
type Flow struct {
	State    string // echoed by the provider; binds the callback to this browser
	Nonce    string // echoed inside the ID token; binds the token to this flow
	Verifier string // PKCE: proves the code exchange comes from who started
	Started  time.Time
}

// Encode writes f as a cookie value.
func (f Flow) Encode() string {
	return f.State + "." + f.Nonce + "." + f.Verifier + "." + strconv.FormatInt(f.Started.Unix(), 10)
}

// DecodeFlow reads a cookie value written by Encode.
func DecodeFlow(s string) (Flow, error) {
	p := strings.Split(s, ".")
	if len(p) != 4 {
		return Flow{}, errors.New("auth: malformed sign-in flow")
	}
	for _, part := range p[:3] {
		if len(part) < 16 || len(part) > 128 || strings.Trim(part, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return Flow{}, errors.New("auth: malformed sign-in flow")
		}
	}
	sec, err := strconv.ParseInt(p[3], 10, 64)
	if err != nil || sec <= 0 {
		return Flow{}, errors.New("auth: malformed sign-in flow")
	}
	return Flow{State: p[0], Nonce: p[1], Verifier: p[2], Started: time.Unix(sec, 0).UTC()}, nil
}

// LoginError is a refused sign-in: Reason says why (for the person, the
// log and the audit trail), Who names the identity the provider vouched for
// when the refusal came after the ID token was verified.
type LoginError struct {
	Reason string
	Who    string
}

// Error formats the error for people.
func (e *LoginError) Error() string { return "auth: sign-in refused: " + e.Reason }

func refuse(format string, a ...any) error { return &LoginError{Reason: fmt.Sprintf(format, a...)} }

func (o *OIDC) now() time.Time {
	if o.cfg.Now != nil {
		return o.cfg.Now()
	}
	return time.Now()
}

func (o *OIDC) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, o.cfg.HTTPClient), o.cfg.HTTPClient)
}

// discover returns the provider, fetching its discovery document once.
func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(o.ctx(ctx), o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: identity provider %s: %w", o.cfg.Issuer, err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
	}
}

// Begin starts a sign-in: it returns the provider URL to send the browser to
// and the flow to keep in the browser until the callback.
func (o *OIDC) Begin(ctx context.Context) (string, Flow, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return "", Flow{}, err
	}
	f := Flow{State: randomString("", 32), Nonce: randomString("", 32), Verifier: oauth2.GenerateVerifier(), Started: o.now()}
	return o.oauth(p).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), f, nil
}

// idClaims are the claims honeyvault reads from an ID token.
type idClaims struct {
	Subject           string            `json:"sub"`
	Name              string            `json:"name"`
	PreferredUsername string            `json:"preferred_username"`
	Email             string            `json:"email"`
	Tenant            string            `json:"tid"`
	AuthorizedParty   string            `json:"azp"`
	Groups            []string          `json:"groups"`
	Roles             []string          `json:"roles"`
	ClaimNames        map[string]string `json:"_claim_names"`
}

func (c idClaims) who() string {
	for _, s := range []string{c.PreferredUsername, c.Email, c.Name} {
		if s != "" {
			return s
		}
	}
	return c.Subject
}

// Complete finishes a sign-in from the callback's query q and the flow the
// browser kept. It checks, in order: the provider's error, the state, the
// flow's age, the code exchange (with the PKCE verifier), the ID token
// (signature, issuer, audience, expiry), the nonce, the tenant, the groups
// and the role mapping. A refusal is a *LoginError; other errors mean the
// provider could not be reached.
func (o *OIDC) Complete(ctx context.Context, f Flow, q url.Values) (Principal, error) {
	if e := q.Get("error"); e != "" {
		desc := q.Get("error_description")
		if len(desc) > 200 {
			desc = desc[:200]
		}
		return Principal{}, refuse("the identity provider answered %s: %s", e, desc)
	}
	if st := q.Get("state"); st == "" || subtle.ConstantTimeCompare([]byte(st), []byte(f.State)) != 1 {
		return Principal{}, refuse("state mismatch (the sign-in was not started by this browser)")
	}
	if age := o.now().Sub(f.Started); age > FlowTTL || age < -time.Minute {
		return Principal{}, refuse("the sign-in took longer than %s; start again", FlowTTL)
	}
	code := q.Get("code")
	if code == "" {
		return Principal{}, refuse("no authorization code in the callback")
	}
	p, err := o.discover(ctx)
	if err != nil {
		return Principal{}, err
	}
	tok, err := o.oauth(p).Exchange(o.ctx(ctx), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return Principal{}, refuse("the identity provider refused the code: %s", re.ErrorCode)
		}
		return Principal{}, fmt.Errorf("auth: code exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Principal{}, refuse("the identity provider sent no ID token")
	}
	idt, err := p.VerifierContext(o.ctx(ctx), &oidc.Config{ClientID: o.cfg.ClientID, Now: o.now}).Verify(o.ctx(ctx), raw)
	if err != nil {
		return Principal{}, refuse("invalid ID token: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return Principal{}, refuse("nonce mismatch (the ID token was not issued for this sign-in)")
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return Principal{}, refuse("unreadable ID token claims: %v", err)
	}
	// With several audiences the token must have been issued to us (OIDC Core 3.1.3.7).
	if len(idt.Audience) > 1 && c.AuthorizedParty != o.cfg.ClientID {
		return Principal{}, &LoginError{Reason: "ID token issued to another party (azp)", Who: c.who()}
	}
	return o.principal(c)
}

// principal applies the tenant, group and role rules to verified claims.
func (o *OIDC) principal(c idClaims) (Principal, error) {
	who := c.who()
	if len(o.cfg.AllowedTenants) > 0 && !containsFold(o.cfg.AllowedTenants, c.Tenant) {
		return Principal{}, &LoginError{Reason: fmt.Sprintf("tenant %q is not allowed", c.Tenant), Who: who}
	}
	values := append(slices.Clone(c.Groups), c.Roles...)
	overage := ""
	if _, ok := c.ClaimNames["groups"]; ok && len(c.Groups) == 0 {
		// Entra ID leaves out the groups of people in more than 200 and points
		// at Graph instead; honeyvault does not call Graph.
		overage = " (the token lists no groups because the person is in too many: assign app roles, or emit only groups assigned to the application)"
	}
	if len(o.cfg.AllowedGroups) > 0 && !slices.ContainsFunc(values, func(v string) bool { return containsFold(o.cfg.AllowedGroups, v) }) {
		return Principal{}, &LoginError{Reason: "not in an allowed group" + overage, Who: who}
	}
	role, scope, ok := o.cfg.Roles.Resolve(values)
	if !ok {
		return Principal{}, &LoginError{Reason: "no honeyvault role is mapped to this person's groups or app roles" + overage, Who: who}
	}
	return Principal{Subject: "oidc:" + c.Subject, Name: who, Role: role, Scope: scope}, nil
}

func containsFold(list []string, v string) bool {
	if v == "" {
		return false
	}
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s), v) {
			return true
		}
	}
	return false
}
