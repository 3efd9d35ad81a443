package api

import "time"

// Token is an API token as GET and POST /api/v1/tokens show it: never its
// hash, and the token itself only in the answer that creates it.
type Token struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	Prefix        string     `json:"prefix"`
	Role          string     `json:"role"`
	Subscriptions []string   `json:"subscriptions,omitempty"`
	Vaults        []string   `json:"vaults,omitempty"`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	LastUsedAt    *time.Time `json:"last_used_at,omitempty"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedBy     string     `json:"revoked_by,omitempty"`
	Status        string     `json:"status"` // active, expired or revoked
	Token         string     `json:"token,omitempty"`
}

// TokenList is GET /api/v1/tokens.
type TokenList struct {
	Tokens []Token `json:"tokens"`
}

// CreateTokenRequest is the body of POST /api/v1/tokens.
type CreateTokenRequest struct {
	Name    string   `json:"name"`
	Role    string   `json:"role"`
	Scope   []string `json:"scope"`   // owners: subscription ids, vault names or vault ids
	Expires string   `json:"expires"` // "90d", "2027-01-31", "never" (default)
}
