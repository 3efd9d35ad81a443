package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testHash(c byte) string { return strings.Repeat(string(c), 64) }

func TestTokenLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		created := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		tok := APIToken{Name: " ci ", Hash: testHash('a'), Prefix: "hvt_abcd", Role: "owner",
			Subscriptions: []string{"sub-1"}, Vaults: []string{"kv-pay"}, CreatedBy: "alice",
			CreatedAt: created, ExpiresAt: created.Add(24 * time.Hour)}
		if err := s.CreateToken(ctx, &tok, AuditEntry{Actor: "alice", Action: "token.create", RemoteAddr: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		if tok.ID == 0 {
			t.Fatal("no id")
		}
		got, err := s.TokenByHash(ctx, testHash('a'))
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "ci" || got.Role != "owner" || got.Prefix != "hvt_abcd" || !got.CreatedAt.Equal(created) ||
			!got.ExpiresAt.Equal(created.Add(24*time.Hour)) || !got.LastUsedAt.IsZero() || !got.RevokedAt.IsZero() ||
			strings.Join(got.Subscriptions, ",") != "sub-1" || strings.Join(got.Vaults, ",") != "kv-pay" {
			t.Errorf("got %+v", got)
		}
		if !got.Usable(created.Add(time.Hour)) || got.Usable(created.Add(25*time.Hour)) {
			t.Error("Usable ignores the expiry")
		}
		if _, err := s.TokenByHash(ctx, testHash('b')); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown hash: got %v; want ErrNotFound", err)
		}

		used := created.Add(2 * time.Hour)
		if err := s.TouchToken(ctx, tok.ID, used); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchToken(ctx, tok.ID, used.Add(-time.Hour)); err != nil { // late request: no move back
			t.Fatal(err)
		}
		if got, _ := s.GetToken(ctx, tok.ID); !got.LastUsedAt.Equal(used) {
			t.Errorf("last used: got %v; want %v", got.LastUsedAt, used)
		}

		if err := s.RevokeToken(ctx, tok.ID, AuditEntry{Actor: "bob", Action: "token.revoke"}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetToken(ctx, tok.ID)
		if got.RevokedAt.IsZero() || got.RevokedBy != "bob" || got.Usable(created) {
			t.Errorf("after revoke: %+v", got)
		}
		if err := s.RevokeToken(ctx, tok.ID, AuditEntry{Actor: "bob", Action: "token.revoke"}); !errors.Is(err, ErrConflict) {
			t.Errorf("second revoke: got %v; want ErrConflict", err)
		}
		if err := s.RevokeToken(ctx, tok.ID+100, AuditEntry{Actor: "bob", Action: "token.revoke"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id: got %v; want ErrNotFound", err)
		}
		// One audit row for the create and one for the revoke that happened.
		trail, _ := s.ListAudit(ctx, AuditFilter{})
		if got, want := auditActions(trail), "token.revoke token.create"; got != want {
			t.Fatalf("audit: got %q; want %q", got, want)
		}
		target := "token:" + strconv.FormatInt(tok.ID, 10)
		if trail[0].Target != target || trail[1].Target != target || trail[1].RemoteAddr != "10.0.0.1" {
			t.Errorf("audit targets: %+v", trail)
		}
	})
}

func TestCreateTokenRejectsBadInputAndChangesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		audit := AuditEntry{Actor: "alice", Action: "token.create"}
		bad := []APIToken{
			{Name: "x", Hash: "plaintext-token", Role: "admin"},
			{Name: "x", Hash: strings.ToUpper(testHash('a')), Role: "admin"},
			{Name: "", Hash: testHash('a'), Role: "admin"},
			{Name: strings.Repeat("n", 101), Hash: testHash('a'), Role: "admin"},
			{Name: "x", Hash: testHash('a')},
		}
		for _, tok := range bad {
			if err := s.CreateToken(ctx, &tok, audit); err == nil {
				t.Errorf("CreateToken(%+v) succeeded", tok)
			}
		}
		if err := s.CreateToken(ctx, &APIToken{Name: "ok", Hash: testHash('a'), Role: "admin"}, AuditEntry{Action: "token.create"}); err == nil {
			t.Error("token with an actorless audit entry accepted")
		}
		ok := APIToken{Name: "ok", Hash: testHash('a'), Role: "admin"}
		if err := s.CreateToken(ctx, &ok, audit); err != nil {
			t.Fatal(err)
		}
		dup := APIToken{Name: "dup", Hash: testHash('a'), Role: "admin"}
		if err := s.CreateToken(ctx, &dup, audit); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate hash: got %v; want ErrConflict", err)
		}
		list, err := s.ListTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		trail, _ := s.ListAudit(ctx, AuditFilter{})
		if len(list) != 1 || len(trail) != 1 {
			t.Errorf("%d tokens and %d audit rows after one good create; want 1 and 1", len(list), len(trail))
		}
	})
}

func TestListTokensNewestFirst(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, c := range "abc" {
			tok := APIToken{Name: string(c), Hash: testHash(byte(c)), Role: "ingest"}
			if err := s.CreateToken(ctx, &tok, AuditEntry{Actor: "t", Action: "token.create"}); err != nil {
				t.Fatal(err)
			}
		}
		list, _ := s.ListTokens(ctx)
		var names []string
		for _, tok := range list {
			names = append(names, tok.Name)
			if tok.Subscriptions != nil || tok.Vaults != nil {
				t.Errorf("%s: empty scope read back as %q %q", tok.Name, tok.Subscriptions, tok.Vaults)
			}
		}
		if got, want := strings.Join(names, " "), "c b a"; got != want {
			t.Errorf("got %q; want %q", got, want)
		}
	})
}
