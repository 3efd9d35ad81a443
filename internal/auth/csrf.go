package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// CSRF protection is a synchronizer token derived from a secret the browser
// holds in an HttpOnly cookie — the session cookie once signed in, a
// pre-session cookie on the sign-in form. The token is an HMAC of that
// secret, so it can be put in a page without revealing the cookie, needs no
// storage, and changes with every new session. A cross-site page can make
// the browser send the cookie but cannot read the token.

// CSRFField is the form field (and CSRFHeader the header, for scripts) that
// carries the token.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

var csrfLabel = []byte("honeyvault csrf v1")

// CSRFToken returns the CSRF token bound to secret.
func CSRFToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(csrfLabel)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ValidCSRF reports, in constant time, whether tok is the CSRF token bound
// to secret. An empty secret has no valid token.
func ValidCSRF(secret, tok string) bool {
	if secret == "" || tok == "" {
		return false
	}
	return hmac.Equal([]byte(CSRFToken(secret)), []byte(tok))
}
