package auth

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// TokenPrefix starts every API token, so that secret scanners and people
// recognise one; bootstrap tokens are whatever the operator chose.
const TokenPrefix = "hvt_"

// NewToken returns a fresh API token (256 random bits), the hash the store
// keeps and the prefix shown in lists.
func NewToken() (plain, hash, prefix string) {
	plain = randomString(TokenPrefix, 32)
	return plain, hashHex(plain), plain[:len(TokenPrefix)+6]
}

// TokenRequest is what an admin asks for when creating an API token.
type TokenRequest struct {
	Name      string    // a label; default "ROLE token"
	Role      Role      // required
	Scope     Scope     // required for Owner, refused for every other role
	ExpiresAt time.Time // zero: never
}

// Validate checks r against now and fills the default name.
func (r *TokenRequest) Validate(now time.Time) error {
	if _, err := ParseRole(string(r.Role)); err != nil {
		return err
	}
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		r.Name = string(r.Role) + " token"
	}
	if len(r.Name) > 100 {
		return errors.New("auth: token name longer than 100 characters")
	}
	switch {
	case r.Role == Owner && r.Scope.Empty():
		return errors.New("auth: an owner token needs a scope (subscriptions or vaults)")
	case r.Role != Owner && !r.Scope.Empty():
		return errors.New("auth: only owner tokens have a scope")
	}
	if !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now) {
		return errors.New("auth: the expiry is in the past")
	}
	return nil
}

// IssueToken validates req, creates the token and records "token.create"
// in the audit trail in the same transaction. audit says who asks and from
// where (Actor, RemoteAddr); IssueToken fills in the rest. The plain token is
// returned once and exists nowhere else: show it, never log it.
func IssueToken(ctx context.Context, st *store.Store, req TokenRequest, audit store.AuditEntry, now time.Time) (string, store.APIToken, error) {
	if err := req.Validate(now); err != nil {
		return "", store.APIToken{}, err
	}
	plain, hash, prefix := NewToken()
	t := store.APIToken{
		Name: req.Name, Hash: hash, Prefix: prefix, Role: string(req.Role),
		Subscriptions: req.Scope.Subscriptions, Vaults: req.Scope.Vaults,
		CreatedBy: audit.Actor, CreatedAt: now, ExpiresAt: req.ExpiresAt,
	}
	audit.Action = "token.create"
	audit.Time = now
	audit.Detail = tokenDetail(t)
	if err := st.CreateToken(ctx, &t, audit); err != nil {
		return "", store.APIToken{}, err
	}
	return plain, t, nil
}

// RevokeToken revokes token id and records "token.revoke" in the audit
// trail; sessions opened with the token end at their next request.
func RevokeToken(ctx context.Context, st *store.Store, id int64, audit store.AuditEntry, now time.Time) error {
	audit.Action = "token.revoke"
	audit.Time = now
	return st.RevokeToken(ctx, id, audit)
}

// tokenDetail describes a token for the audit trail (never its secret).
func tokenDetail(t store.APIToken) string {
	d := map[string]any{"name": t.Name, "role": t.Role, "prefix": t.Prefix}
	if len(t.Subscriptions) > 0 {
		d["subscriptions"] = t.Subscriptions
	}
	if len(t.Vaults) > 0 {
		d["vaults"] = t.Vaults
	}
	if !t.ExpiresAt.IsZero() {
		d["expires_at"] = t.ExpiresAt.Format(time.RFC3339)
	}
	b, _ := json.Marshal(d)
	return string(b)
}
