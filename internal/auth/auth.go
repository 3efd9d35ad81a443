// Package auth decides who a request comes from and what they may do. Callers
// present a bearer token (bootstrap tokens from the environment, API tokens)
// or a session cookie; the result is a Principal with one Role and, for vault
// owners, a Scope.
//
// Decoy names are the crown jewel: every route that reveals one must check the
// principal with Allows before it reads the registry.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
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
)

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
)

var grants = map[Role][]Permission{
	Admin:   {ReadDecoys, ManageDecoys, ReadIncidents, ManageIncidents, WriteRecords, ManageSettings},
	Analyst: {ReadDecoys, ReadIncidents, ManageIncidents},
	Owner:   {ReadDecoys, ManageDecoys},
	Ingest:  {WriteRecords},
}

// Principal is an authenticated caller.
type Principal struct {
	Subject string // stable id: "bootstrap:admin", "token:12", an OIDC subject
	Name    string // for people: e-mail or display name
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

// Scope limits an Owner to some subscriptions and vaults. The zero Scope
// contains nothing.
type Scope struct {
	Subscriptions []string // subscription ids
	Vaults        []string // vault names or ARM ids
}

// ErrNoCredentials means the request carried no token or session.
var ErrNoCredentials = errors.New("auth: no credentials")

// ErrBadCredentials means the request carried a token or session that is not valid.
var ErrBadCredentials = errors.New("auth: invalid credentials")

// Authenticator resolves requests to principals. Add bootstrap tokens with
// AddBootstrap before serving; it is then safe for concurrent use.
type Authenticator struct {
	bootstrap []bootstrapToken
}

type bootstrapToken struct {
	hash [sha256.Size]byte
	p    Principal
}

// AddBootstrap accepts token as a bearer token for a principal with role.
// Only its hash is kept.
func (a *Authenticator) AddBootstrap(token string, role Role) {
	if token == "" {
		return
	}
	a.bootstrap = append(a.bootstrap, bootstrapToken{
		hash: sha256.Sum256([]byte(token)),
		p:    Principal{Subject: "bootstrap:" + string(role), Name: "bootstrap " + string(role) + " token", Role: role},
	})
}

// Authenticate returns the principal behind r's credentials.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	tok, ok := BearerToken(r)
	if !ok {
		return Principal{}, ErrNoCredentials
	}
	return a.authenticateToken(tok)
}

// authenticateToken compares hashes in constant time, and compares against
// every bootstrap token so that timing reveals nothing about which matched.
func (a *Authenticator) authenticateToken(tok string) (Principal, error) {
	h := sha256.Sum256([]byte(tok))
	var found *Principal
	for i := range a.bootstrap {
		if subtle.ConstantTimeCompare(h[:], a.bootstrap[i].hash[:]) == 1 {
			found = &a.bootstrap[i].p
		}
	}
	if found == nil {
		return Principal{}, ErrBadCredentials
	}
	return *found, nil
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
