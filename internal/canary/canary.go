// Package canary holds what honeyvault's canary values share: the kinds of
// tripwire a decoy's value can carry, the token that names one decoy
// inside such a value, and a Hit — one use of a canary seen by one of the
// listeners (sub-packages httpcanary, dnscanary, pgcanary) that serve
// runs. A hit becomes an alert of its own operation class ("used outside
// Key Vault") through the same detect → incident path as a vault read.
package canary

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"net/netip"
	"strings"
	"time"
)

// Kind is the kind of tripwire a canary value carries.
type Kind string

// The kinds of canary. Each has a listener of its own.
const (
	// KindHTTP is a URL with an embedded credential (a webhook URL, an
	// API endpoint with a key in its path or query, a basic-auth URL):
	// any request to it is a use.
	KindHTTP Kind = "http"
	// KindDNS is a hostname under the delegated canary zone (in a
	// connection string or an endpoint): even a lookup is a use.
	KindDNS Kind = "dns"
	// KindPostgres is a PostgreSQL connection string whose host is the
	// canary listener: a connection attempt is a use.
	KindPostgres Kind = "postgres"
)

// Kinds lists every kind a listener catches, in a stable order (KindEntra
// is known too, but no listener's).
var Kinds = []Kind{KindHTTP, KindDNS, KindPostgres}

// Valid reports whether k is a known kind: one of Kinds, or KindEntra.
func (k Kind) Valid() bool {
	if k == KindEntra {
		return true
	}
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Operation is the operation an alert of a hit of this kind carries, as
// the SPEC's stable interfaces name it: "canary:http", "canary:dns",
// "canary:postgres" (and "canary:entra").
func (k Kind) Operation() string { return "canary:" + string(k) }

// TokenLen is the length of a token: 20 characters of lowercase base32
// (100 random bits), which fits a DNS label, a URL path segment, a query
// value, a PostgreSQL user name and a password alike.
const TokenLen = 20

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewToken returns a new random token.
func NewToken() string {
	b := make([]byte, TokenLen*5/8)
	rand.Read(b) // never fails (crypto/rand)
	return tokenEncoding.EncodeToString(b)
}

// ValidToken reports whether s has a token's shape. It says nothing of
// whether the token names a decoy: the registry does.
func ValidToken(s string) bool {
	if len(s) != TokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// FindToken returns the first substring of s that has a token's shape and
// is delimited by a character outside the token alphabet (or s's ends),
// case folded: DNS names arrive in any case. It returns "" when there is
// none.
func FindToken(s string) string {
	s = strings.ToLower(s)
	in := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '2' && c <= '7' }
	for i := 0; i < len(s); {
		if !in(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && in(s[j]) {
			j++
		}
		if j-i == TokenLen {
			return s[i:j]
		}
		i = j
	}
	return ""
}

// Hit is one use of a canary, as a listener saw it.
type Hit struct {
	Kind Kind
	// Token is the token the use carried; "" when it carried none the
	// listener could find (a probe of the listener, not of a decoy).
	Token string
	// Remote is who used it: the client's address (for DNS, the resolver
	// that asked).
	Remote netip.AddrPort
	// At is when the listener saw the use.
	At time.Time
	// Detail is what the listener recorded, for the investigation:
	// method, path and user agent; the name asked and its type; the user,
	// database and application name. Keys are lowercase words; values are
	// as received (callers escape them where they show them), truncated
	// by the listener. A whole canary value never appears here: a
	// credential offered is recorded as the token it holds.
	Detail map[string]string
}

// Sink takes hits from the listeners. Hit returns once the hit is stored
// (or refused): a listener answers its client only after, so that a hit
// acknowledged is never lost.
type Sink interface {
	Hit(ctx context.Context, h Hit) error
}

// ErrRateLimited is a Sink's or listener's error for a hit dropped
// because its source address sent too many: the listener still answers
// as the service it imitates.
var ErrRateLimited = errors.New("canary: too many uses from this address")

// MaxDetail bounds the length of one Detail value, in bytes.
const MaxDetail = 512

// Clip cuts s to MaxDetail bytes for a Detail value, dropping a rune cut
// in two (and any other invalid UTF-8).
func Clip(s string) string {
	if len(s) <= MaxDetail {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(s[:MaxDetail], "") + "…"
}
