package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSessionLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		se := Session{IDHash: testHash('1'), Subject: "oidc:abc", Name: "alice@contoso.com", Role: "owner",
			Subscriptions: []string{"sub-1"}, Credential: "oidc", CreatedAt: t0, RemoteAddr: "10.0.0.1", UserAgent: "test"}
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		got, err := s.SessionByHash(ctx, testHash('1'))
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != "oidc:abc" || got.Name != "alice@contoso.com" || got.Role != "owner" || got.Credential != "oidc" ||
			!got.CreatedAt.Equal(t0) || !got.LastSeenAt.Equal(t0) || strings.Join(got.Subscriptions, ",") != "sub-1" || got.Vaults != nil {
			t.Errorf("got %+v", got)
		}
		if err := s.CreateSession(ctx, se); !errors.Is(err, ErrConflict) {
			t.Errorf("same id twice: got %v; want ErrConflict", err)
		}
		if err := s.TouchSession(ctx, testHash('1'), t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		s.TouchSession(ctx, testHash('1'), t0.Add(time.Second)) // out of order: ignored
		if got, _ := s.SessionByHash(ctx, testHash('1')); !got.LastSeenAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("last seen: got %v", got.LastSeenAt)
		}
		if err := s.DeleteSession(ctx, testHash('1')); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, testHash('1')); err != nil {
			t.Errorf("second delete: %v", err)
		}
		if _, err := s.SessionByHash(ctx, testHash('1')); !errors.Is(err, ErrNotFound) {
			t.Errorf("after delete: got %v; want ErrNotFound", err)
		}
		for _, bad := range []Session{{IDHash: "cookie-value", Subject: "x", Role: "admin"}, {IDHash: testHash('2'), Role: "admin"}, {IDHash: testHash('2'), Subject: "x"}} {
			if err := s.CreateSession(ctx, bad); err == nil {
				t.Errorf("CreateSession(%+v) succeeded", bad)
			}
		}
	})
}

func TestDeleteStaleSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		add := func(c byte, created, seen time.Time) {
			if err := s.CreateSession(ctx, Session{IDHash: testHash(c), Subject: string(c), Role: "admin", CreatedAt: created, LastSeenAt: seen}); err != nil {
				t.Fatal(err)
			}
		}
		add('a', t0, t0.Add(5*time.Hour))                    // fresh
		add('b', t0, t0.Add(time.Hour))                      // idle too long
		add('c', t0.Add(-24*time.Hour), t0.Add(5*time.Hour)) // too old
		n, err := s.DeleteStaleSessions(ctx, t0.Add(2*time.Hour), t0.Add(-12*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("got %d, %v; want 2, nil", n, err)
		}
		if _, err := s.SessionByHash(ctx, testHash('a')); err != nil {
			t.Errorf("fresh session gone: %v", err)
		}
	})
}
