// Package auth decides who a request comes from and what they may do.
//
// Callers present a bearer token — a bootstrap token from the environment or
// an API token an admin created (stored only as a hash) — or the session
// cookie of a console sign-in (OIDC or a token typed into /login). The result
// is an Identity: a Principal with one Role and, for vault owners, a Scope,
// plus what the web layer needs for CSRF.
//
// Roles and what they may do:
//
//	admin    everything: decoys, incidents, settings, tokens, the audit trail
//	analyst  incidents (read and work), decoys and coverage (read); no settings
//	owner    decoys and coverage of the vaults in its Scope only
//	ingest   post audit records, nothing else
//	metrics  read every metric on /metrics (a Prometheus scraper), nothing else
//
// Decoy names are the crown jewel: every route that reveals one must check
// the principal with Allows before it reads the registry, and narrow what it
// reads with DecoyScope (lists) or CanSeeVault (single items).
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// Role is what a principal may do.
type Role string

// Roles, from most to least powerful.
const (
	// Admin may do everything.
	Admin Role = "admin"
	// Analyst works incidents and sees decoys and coverage; no settings.
	Analyst Role = "analyst"
	// Owner is a vault owner: decoys and coverage of the vaults in its Scope only.
	Owner Role = "owner"
	// Ingest may only post audit records.
	Ingest Role = "ingest"
	// Metrics may only read the metrics that reveal detection (a scraper's
	// token): whoever sees honeyvault_decoy_hits_total change learns that an
	// access tripped a decoy.
	Metrics Role = "metrics"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Admin, Analyst, Owner, Ingest, Metrics}

// ParseRole reads a role name in any case.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Roles {
		if r == known {
			return r, nil
		}
	}
	return "", fmt.Errorf("auth: unknown role %q (want admin, analyst, owner, ingest or metrics)", s)
}

// Permission is one thing a route does.
type Permission string

// Permissions checked by routes.
const (
	ReadDecoys      Permission = "decoys:read"
	ManageDecoys    Permission = "decoys:manage"
	ReadIncidents   Permission = "incidents:read"
	ManageIncidents Permission = "incidents:manage"
	WriteRecords    Permission = "records:write"
	ManageSettings  Permission = "settings:manage"
	ManageAccess    Permission = "access:manage" // create and revoke API tokens
	ReadAudit       Permission = "audit:read"    // read and export the audit trail
	UseConsole      Permission = "console:use"   // sign in to the console at all
	ReadMetrics     Permission = "metrics:read"  // the metrics that reveal detection
)

var grants = map[Role][]Permission{
	Admin:   {ReadDecoys, ManageDecoys, ReadIncidents, ManageIncidents, WriteRecords, ManageSettings, ManageAccess, ReadAudit, UseConsole, ReadMetrics},
	Analyst: {ReadDecoys, ReadIncidents, ManageIncidents, UseConsole, ReadMetrics},
	Owner:   {ReadDecoys, ManageDecoys, UseConsole},
	Ingest:  {WriteRecords},
	Metrics: {ReadMetrics},
}

// Principal is an authenticated caller.
type Principal struct {
	Subject string // stable id: "bootstrap:admin", "token:12", "oidc:SUBJECT"
	Name    string // for people: e-mail or display name; for tokens: the token's name
	Role    Role
	Scope   Scope // only for Owner
}

// Allows reports whether p has permission perm.
func (p Principal) Allows(perm Permission) bool {
	for _, g := range grants[p.Role] {
		if g == perm {
			return true
		}
	}
	return false
}

// Actor is how p appears in the audit trail: a person's name, or a token's
// subject with its name.
func (p Principal) Actor() string {
	switch {
	case strings.HasPrefix(p.Subject, "oidc:") && p.Name != "":
		return p.Name
	case strings.HasPrefix(p.Subject, "token:") && p.Name != "":
		return p.Subject + " (" + p.Name + ")"
	case p.Subject != "":
		return p.Subject
	}
	return "anonymous"
}

// ErrNoCredentials means the request carried no token or session.
var ErrNoCredentials = errors.New("auth: no credentials")

// ErrBadCredentials means the request carried a token or session that is not
// valid: unknown, revoked, expired or timed out.
var ErrBadCredentials = errors.New("auth: invalid credentials")

// Session timeouts used when the Authenticator's are zero.
const (
	DefaultIdleTimeout     = time.Hour
	DefaultAbsoluteTimeout = 12 * time.Hour
)

// Authenticator resolves requests to identities. The zero value accepts
// bootstrap tokens only; set Store to accept API tokens and sessions. Set the
// fields and add bootstrap tokens with AddBootstrap before serving; it is then
// safe for concurrent use.
type Authenticator struct {
	// Store holds API tokens and sessions; nil accepts bootstrap tokens only.
	Store *store.Store
	// IdleTimeout ends a session nobody used for this long;
	// AbsoluteTimeout ends any session this long after sign-in.
	IdleTimeout, AbsoluteTimeout time.Duration
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
	// Log receives store failures on the request path; nil discards.
	Log *slog.Logger

	bootstrap []bootstrapToken

	mu      sync.Mutex
	touched map[string]time.Time // token id or session hash → last time written
}

type bootstrapToken struct {
	hash [sha256.Size]byte
	p    Principal
}

// AddBootstrap accepts token as a bearer token for a principal with role.
// Only its hash is kept. An empty token is ignored.
func (a *Authenticator) AddBootstrap(token string, role Role) {
	if token == "" {
		return
	}
	a.bootstrap = append(a.bootstrap, bootstrapToken{
		hash: sha256.Sum256([]byte(token)),
		p:    Principal{Subject: "bootstrap:" + string(role), Name: "bootstrap " + string(role) + " token", Role: role},
	})
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Authenticator) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (a *Authenticator) idle() time.Duration {
	if a.IdleTimeout > 0 {
		return a.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (a *Authenticator) absolute() time.Duration {
	if a.AbsoluteTimeout > 0 {
		return a.AbsoluteTimeout
	}
	return DefaultAbsoluteTimeout
}

// Identify returns who r comes from. A bearer token wins over a session
// cookie: a request with a bad token fails even if it also has a good
// cookie. Errors other than ErrNoCredentials and ErrBadCredentials mean the
// store failed.
func (a *Authenticator) Identify(r *http.Request) (Identity, error) {
	if tok, ok := BearerToken(r); ok {
		p, cred, err := a.CheckToken(r.Context(), tok)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Principal: p, Method: Bearer, Credential: cred}, nil
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return a.resolveSession(r.Context(), c.Value)
	}
	return Identity{}, ErrNoCredentials
}

// CheckToken returns the principal behind a bearer token and the credential
// it counts as ("bootstrap:ROLE:FINGERPRINT" or "token:ID"). Bootstrap tokens
// are compared in constant time, against every one so that timing reveals
// nothing about which matched; API tokens are found by their hash.
func (a *Authenticator) CheckToken(ctx context.Context, tok string) (Principal, string, error) {
	h := sha256.Sum256([]byte(tok))
	var found *Principal
	for i := range a.bootstrap {
		if subtle.ConstantTimeCompare(h[:], a.bootstrap[i].hash[:]) == 1 {
			found = &a.bootstrap[i].p
		}
	}
	if found != nil {
		return *found, bootstrapCredential(found.Role, h), nil
	}
	if a.Store == nil || !strings.HasPrefix(tok, TokenPrefix) {
		return Principal{}, "", ErrBadCredentials
	}
	t, err := a.Store.TokenByHash(ctx, hex.EncodeToString(h[:]))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, "", ErrBadCredentials
	}
	if err != nil {
		return Principal{}, "", err
	}
	now := a.now()
	role, err := ParseRole(t.Role)
	if err != nil || !t.Usable(now) {
		return Principal{}, "", ErrBadCredentials
	}
	cred := fmt.Sprintf("token:%d", t.ID)
	if a.due(cred, now, time.Minute) {
		if err := a.Store.TouchToken(ctx, t.ID, now); err != nil {
			a.log().Warn("auth: unable to record token use", "token", t.ID, "err", err)
		}
	}
	return Principal{Subject: cred, Name: t.Name, Role: role,
		Scope: Scope{Subscriptions: t.Subscriptions, Vaults: t.Vaults}}, cred, nil
}

// bootstrapCredential names a bootstrap token by role and a short
// fingerprint of its hash, so that sessions opened with it end when the
// token is changed.
func bootstrapCredential(role Role, h [sha256.Size]byte) string {
	return "bootstrap:" + string(role) + ":" + hex.EncodeToString(h[:8])
}

// due reports whether the last-used time of key should be written at now,
// at most once per every: a token used for every ingest request must not
// turn each request into a database write.
func (a *Authenticator) due(key string, now time.Time, every time.Duration) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.touched == nil {
		a.touched = make(map[string]time.Time)
	}
	if last, ok := a.touched[key]; ok && now.Sub(last) < every && !now.Before(last) {
		return false
	}
	if len(a.touched) > 100_000 { // bounded: forget everything rather than grow
		clear(a.touched)
	}
	a.touched[key] = now
	return true
}

// BearerToken returns the token of an "Authorization: Bearer ..." header.
func BearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
