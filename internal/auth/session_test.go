package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

func withCookie(a *Authenticator, value string) (Identity, error) {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: SessionCookie, Value: value})
	return a.Identify(r)
}

var alice = Principal{Subject: "oidc:alice", Name: "alice@contoso.com", Role: Owner, Scope: Scope{Subscriptions: []string{"sub-1"}}}

func TestSessionIdleAndAbsoluteTimeouts(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		a := &Authenticator{Store: st, Now: clk.Now, IdleTimeout: 10 * time.Minute, AbsoluteTimeout: time.Hour}
		value, err := a.StartSession(ctx, alice, SessionMeta{Credential: "oidc", RemoteAddr: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := withCookie(a, value)
		if err != nil {
			t.Fatal(err)
		}
		if id.Method != Session || id.Subject != alice.Subject || id.Name != alice.Name || id.Role != Owner ||
			strings.Join(id.Scope.Subscriptions, ",") != "sub-1" || id.Credential != "oidc" {
			t.Errorf("identity %+v", id)
		}
		// Activity keeps the session alive past the idle timeout...
		for i := 0; i < 5; i++ {
			clk.Advance(9 * time.Minute)
			if _, err := withCookie(a, value); err != nil {
				t.Fatalf("after %d × 9 minutes of activity: %v", i+1, err)
			}
		}
		// ...but not past the absolute one (45 minutes so far).
		clk.Advance(9 * time.Minute)
		if _, err := withCookie(a, value); err != nil {
			t.Fatalf("at 54 minutes: %v", err)
		}
		clk.Advance(7 * time.Minute)
		if _, err := withCookie(a, value); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("past the absolute timeout: got %v; want ErrBadCredentials", err)
		}

		value, _ = a.StartSession(ctx, alice, SessionMeta{Credential: "oidc"})
		clk.Advance(10*time.Minute + time.Second)
		if _, err := withCookie(a, value); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("idle past the timeout: got %v; want ErrBadCredentials", err)
		}
		// A refused session is gone for good, even if the clock went back.
		clk.Advance(-time.Hour)
		if _, err := withCookie(a, value); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("expired session came back: %v", err)
		}
	})
}

func TestSessionEndsWithSignOutAndSweep(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		a := &Authenticator{Store: st, Now: clk.Now, IdleTimeout: 10 * time.Minute, AbsoluteTimeout: time.Hour}
		v1, _ := a.StartSession(ctx, alice, SessionMeta{Credential: "oidc"})
		v2, _ := a.StartSession(ctx, alice, SessionMeta{Credential: "oidc"})
		if v1 == v2 {
			t.Fatal("two sessions share a cookie value")
		}
		if err := a.EndSession(ctx, v1); err != nil {
			t.Fatal(err)
		}
		if _, err := withCookie(a, v1); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("after sign-out: got %v", err)
		}
		if _, err := withCookie(a, v2); err != nil {
			t.Errorf("the other session ended too: %v", err)
		}
		clk.Advance(11 * time.Minute)
		if n, err := a.SweepSessions(ctx); err != nil || n != 1 {
			t.Errorf("sweep: %d, %v; want 1, nil", n, err)
		}
	})
}

func TestSessionEndsWhenItsCredentialDoes(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		a := &Authenticator{Store: st, Now: clk.Now}
		a.AddBootstrap("bootstrap-admin-0123456789", Admin)

		// A session opened with an API token ends when the token is revoked.
		plain, tok, err := IssueToken(ctx, st, TokenRequest{Role: Analyst}, store.AuditEntry{Actor: "t"}, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		p, cred, err := a.CheckToken(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		sv, _ := a.StartSession(ctx, p, SessionMeta{Credential: cred})
		if _, err := withCookie(a, sv); err != nil {
			t.Fatal(err)
		}
		RevokeToken(ctx, st, tok.ID, store.AuditEntry{Actor: "t"}, clk.Now())
		if _, err := withCookie(a, sv); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("session of a revoked token: got %v; want ErrBadCredentials", err)
		}

		// A session opened with a bootstrap token ends when the token changes.
		p, cred, err = a.CheckToken(ctx, "bootstrap-admin-0123456789")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(cred, "bootstrap-admin") {
			t.Fatalf("credential %q holds the token", cred)
		}
		bv, _ := a.StartSession(ctx, p, SessionMeta{Credential: cred})
		if id, err := withCookie(a, bv); err != nil || id.Role != Admin {
			t.Fatalf("bootstrap session: %v %v", id, err)
		}
		rotated := &Authenticator{Store: st, Now: clk.Now}
		rotated.AddBootstrap("another-admin-token-0123456789", Admin)
		if _, err := withCookie(rotated, bv); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("session of a rotated bootstrap token: got %v; want ErrBadCredentials", err)
		}
	})
}

func TestStartSessionRefusesIngest(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		a := &Authenticator{Store: st}
		if _, err := a.StartSession(context.Background(), Principal{Subject: "bootstrap:ingest", Role: Ingest}, SessionMeta{}); err == nil {
			t.Error("an ingest principal got a console session")
		}
	})
}

func TestIdentifyPrefersBearerAndNeverLeaksTheCookie(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a := &Authenticator{Store: st}
		a.AddBootstrap("bootstrap-admin-0123456789", Admin)
		value, _ := a.StartSession(ctx, alice, SessionMeta{Credential: "oidc"})

		r := httptest.NewRequest("POST", "/", nil)
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: value})
		r.Header.Set("Authorization", "Bearer wrong-token-0123456789")
		if _, err := a.Identify(r); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("bad bearer with good cookie: got %v; want ErrBadCredentials", err)
		}
		r.Header.Set("Authorization", "Bearer bootstrap-admin-0123456789")
		id, err := a.Identify(r)
		if err != nil || id.Method != Bearer || id.Role != Admin || id.CSRFToken() != "" || !id.ValidCSRF("") {
			t.Errorf("bearer identity %+v, %v: want admin by bearer needing no CSRF token", id, err)
		}
		if _, err := withCookie(a, "hvs_not-a-session"); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("unknown cookie: got %v", err)
		}
		id, err = withCookie(a, value)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{fmt.Sprintf("%v", id), fmt.Sprintf("%+v", id), fmt.Sprintf("%#v", id)} {
			if strings.Contains(s, value) {
				t.Errorf("formatting an identity shows the session cookie: %s", s)
			}
		}
		if tok := id.CSRFToken(); tok == "" || strings.Contains(tok, value) || !id.ValidCSRF(tok) || id.ValidCSRF("") || id.ValidCSRF(tok+"x") {
			t.Errorf("session CSRF token %q misbehaves", tok)
		}
	})
}
