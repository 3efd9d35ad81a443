package vaultemu

import (
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Token is a service token: who it names in audit entries (DisplayName,
// EntityID, Metadata) and what its policies allow.
type Token struct {
	ID          string // the secret value clients send ("hvs.…")
	Accessor    string // names the token without being it; audit entries HMAC it
	DisplayName string
	Policies    []string // sorted, as Vault lists them
	EntityID    string
	Metadata    map[string]string
	IssueTime   time.Time
}

// TokenOptions describe a token to create.
type TokenOptions struct {
	// ID is the token's value; empty means a random "hvs." token.
	ID string
	// DisplayName names the caller in audit entries; empty means "token".
	DisplayName string
	// Policies are the token's policy names; each must exist (or be
	// "root" or "default"). "root" grants everything; "default" (added
	// unless NoDefaultPolicy) grants auth/token/lookup-self.
	Policies []string
	// EntityID is the identity entity the token belongs to; empty for a
	// token of no entity (as the token store's own tokens are).
	EntityID string
	// Metadata is shown, in clear, in audit entries' auth.metadata.
	Metadata map[string]string
	// NoDefaultPolicy leaves out the "default" policy Vault attaches to
	// every token but root's (its -no-default-policy flag).
	NoDefaultPolicy bool
}

// CreateToken makes a token from the emulator's Go API (there is no
// auth/token/create endpoint). Policies must already be set.
func (s *Server) CreateToken(o TokenOptions) (Token, error) {
	s.mu.Lock()
	for _, p := range o.Policies {
		if _, ok := s.policies[p]; !ok && p != "root" && p != "default" {
			s.mu.Unlock()
			return Token{}, fmt.Errorf("vaultemu: token policy %q does not exist", p)
		}
	}
	s.mu.Unlock()
	t, err := s.newToken(o)
	if err != nil {
		return Token{}, err
	}
	return t.clone(), nil
}

// LookupToken returns the token whose value is id (its accessor, entity
// and policies: what an allow-list or a test needs), false when none.
func (s *Server) LookupToken(id string) (Token, bool) {
	t := s.lookupToken(id)
	if t == nil {
		return Token{}, false
	}
	return t.clone(), true
}

// RevokeToken forgets a token: later requests with it are denied.
func (s *Server) RevokeToken(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, id)
}

func (s *Server) newToken(o TokenOptions) (*Token, error) {
	if o.ID == "" {
		o.ID = "hvs." + randomString(24)
	}
	if strings.ContainsAny(o.ID, " \t\r\n") {
		return nil, errors.New("vaultemu: a token must not contain white space")
	}
	if o.DisplayName == "" {
		o.DisplayName = "token"
	}
	pols := slices.Clone(o.Policies)
	if !o.NoDefaultPolicy && !slices.Contains(pols, "root") {
		pols = append(pols, "default")
	}
	slices.Sort(pols)
	t := &Token{
		ID: o.ID, Accessor: randomString(24), DisplayName: o.DisplayName, Policies: slices.Compact(pols),
		EntityID: o.EntityID, Metadata: maps.Clone(o.Metadata), IssueTime: s.Now(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.tokens[t.ID]; dup {
		return nil, errors.New("vaultemu: a token with that value exists")
	}
	s.tokens[t.ID] = t
	return t, nil
}

func (t *Token) clone() Token {
	c := *t
	c.Policies = slices.Clone(t.Policies)
	c.Metadata = maps.Clone(t.Metadata)
	return c
}

// lookupToken finds the token a request names; nil when none or unknown.
func (s *Server) lookupToken(id string) *Token {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[id]
}

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomBytes is n bytes from crypto/rand.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

// randomString is n random alphanumeric characters (crypto/rand: tokens
// are credentials).
func randomString(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = alphanumeric[int(b[i])%len(alphanumeric)]
	}
	return string(b)
}

// newUUID is a random version-4 UUID, the form of Vault's request ids.
func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
