package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// SessionCookie is the name of the console's session cookie. Its value is a
// random secret; the store keeps only its hash.
const SessionCookie = "hv_session"

// Method is how a request proved who it is.
type Method string

// Methods of authentication.
const (
	Bearer  Method = "bearer"  // an Authorization header: no ambient authority, no CSRF risk
	Session Method = "session" // a session cookie: state changes need a CSRF token
)

// Identity is an authenticated request: the principal, how it proved itself
// and, for sessions, the secret its CSRF tokens derive from.
type Identity struct {
	Principal
	Method     Method
	Credential string  // "oidc", "token:12", "bootstrap:admin:FINGERPRINT"
	session    *secret // behind a pointer so that fmt and loggers print an address, not the cookie
}

// secret is a session cookie value.
type secret struct{ value string }

// CSRFToken is the token a session's forms must send back. It is empty for
// bearer requests, which need none.
func (id Identity) CSRFToken() string {
	if id.Method != Session || id.session == nil {
		return ""
	}
	return CSRFToken(id.session.value)
}

// ValidCSRF reports whether tok is this session's CSRF token. Bearer
// requests carry no ambient authority, so for them any token is valid.
func (id Identity) ValidCSRF(tok string) bool {
	if id.Method != Session {
		return true
	}
	return id.session != nil && ValidCSRF(id.session.value, tok)
}

// SessionMeta is what is recorded about where a session was opened.
type SessionMeta struct {
	Credential string // what it was opened with: "oidc", "token:12", ...
	RemoteAddr string
	UserAgent  string
}

// StartSession opens a console session for p and returns the cookie value.
// Only its hash is stored.
func (a *Authenticator) StartSession(ctx context.Context, p Principal, meta SessionMeta) (string, error) {
	if a.Store == nil {
		return "", errors.New("auth: sessions need a store")
	}
	if !p.Allows(UseConsole) {
		return "", fmt.Errorf("auth: role %q may not use the console", p.Role)
	}
	value := randomString("hvs_", 32)
	now := a.now()
	err := a.Store.CreateSession(ctx, store.Session{
		IDHash: hashHex(value), Subject: p.Subject, Name: p.Name, Role: string(p.Role),
		Subscriptions: p.Scope.Subscriptions, Vaults: p.Scope.Vaults, Credential: meta.Credential,
		CreatedAt: now, LastSeenAt: now, RemoteAddr: meta.RemoteAddr, UserAgent: meta.UserAgent,
	})
	if err != nil {
		return "", err
	}
	return value, nil
}

// EndSession signs the session with cookie value out. Unknown values are
// ignored.
func (a *Authenticator) EndSession(ctx context.Context, value string) error {
	if a.Store == nil || value == "" {
		return nil
	}
	return a.Store.DeleteSession(ctx, hashHex(value))
}

// SweepSessions deletes sessions past either timeout: housekeeping, since
// resolveSession refuses them anyway.
func (a *Authenticator) SweepSessions(ctx context.Context) (int64, error) {
	if a.Store == nil {
		return 0, nil
	}
	now := a.now()
	return a.Store.DeleteStaleSessions(ctx, now.Add(-a.idle()), now.Add(-a.absolute()))
}

// resolveSession turns a cookie value into an identity: the session must
// exist, be within both timeouts and its credential must still be good (a
// revoked token or a changed bootstrap token ends the sessions it opened).
func (a *Authenticator) resolveSession(ctx context.Context, value string) (Identity, error) {
	if a.Store == nil {
		return Identity{}, ErrBadCredentials
	}
	h := hashHex(value)
	se, err := a.Store.SessionByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, ErrBadCredentials
	}
	if err != nil {
		return Identity{}, err
	}
	now := a.now()
	role, roleErr := ParseRole(se.Role)
	if now.Sub(se.LastSeenAt) > a.idle() || now.Sub(se.CreatedAt) > a.absolute() || roleErr != nil {
		a.Store.DeleteSession(ctx, h)
		return Identity{}, fmt.Errorf("%w: session expired", ErrBadCredentials)
	}
	if ok, err := a.credentialValid(ctx, se.Credential, now); err != nil {
		return Identity{}, err
	} else if !ok {
		a.Store.DeleteSession(ctx, h)
		return Identity{}, fmt.Errorf("%w: the session's credential is no longer valid", ErrBadCredentials)
	}
	// Writing last-seen on every click would make every page a write; a
	// granularity of a tenth of the idle timeout (at most a minute) keeps
	// the timeout accurate to within that.
	if now.Sub(se.LastSeenAt) >= min(a.idle()/10, time.Minute) {
		if err := a.Store.TouchSession(ctx, h, now); err != nil {
			a.log().Warn("auth: unable to record session activity", "err", err)
		}
	}
	return Identity{
		Principal: Principal{Subject: se.Subject, Name: se.Name, Role: role,
			Scope: Scope{Subscriptions: se.Subscriptions, Vaults: se.Vaults}},
		Method: Session, Credential: se.Credential, session: &secret{value},
	}, nil
}

func (a *Authenticator) credentialValid(ctx context.Context, cred string, now time.Time) (bool, error) {
	switch {
	case strings.HasPrefix(cred, "token:"):
		id, err := strconv.ParseInt(strings.TrimPrefix(cred, "token:"), 10, 64)
		if err != nil {
			return false, nil
		}
		t, err := a.Store.GetToken(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return t.Usable(now), nil
	case strings.HasPrefix(cred, "bootstrap:"):
		ok := 0
		for _, b := range a.bootstrap {
			ok |= subtle.ConstantTimeCompare([]byte(cred), []byte(bootstrapCredential(b.p.Role, b.hash)))
		}
		return ok == 1, nil
	}
	return cred == "oidc", nil
}

// randomString returns prefix + n random bytes in unpadded base64url.
func randomString(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics if the system source is broken)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashHex is the stored form of a token or session secret.
func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
