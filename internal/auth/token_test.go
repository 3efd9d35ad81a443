package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

func bearer(a *Authenticator, tok string) (Principal, error) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	id, err := a.Identify(r)
	return id.Principal, err
}

func TestAPITokenIsHashedAndAuthenticates(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		a := &Authenticator{Store: st, Now: clk.Now}
		plain, tok, err := IssueToken(ctx, st, TokenRequest{Name: "pay team", Role: Owner, Scope: Scope{Vaults: []string{"kv-pay"}},
			ExpiresAt: clk.Now().Add(48 * time.Hour)}, store.AuditEntry{Actor: "alice", RemoteAddr: "10.0.0.1"}, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, TokenPrefix) || len(plain) != len(TokenPrefix)+43 {
			t.Errorf("token %q: want hvt_ and 43 base64url characters", plain[:8])
		}
		sum := sha256.Sum256([]byte(plain))
		stored, err := st.GetToken(ctx, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Hash != hex.EncodeToString(sum[:]) || !strings.HasPrefix(plain, stored.Prefix) || len(stored.Prefix) != 10 {
			t.Errorf("stored hash %q prefix %q: want the SHA-256 of the token and its first 10 characters", stored.Hash, stored.Prefix)
		}
		for _, field := range []string{stored.Hash, stored.Name, stored.Prefix, stored.CreatedBy} {
			if strings.Contains(field, plain[len(TokenPrefix):]) {
				t.Fatal("the store holds the token itself")
			}
		}
		trail, _ := st.ListAudit(ctx, store.AuditFilter{Action: "token.create"})
		if len(trail) != 1 || trail[0].Actor != "alice" || strings.Contains(trail[0].Detail, plain) || !strings.Contains(trail[0].Detail, `"role":"owner"`) {
			t.Errorf("audit trail: %+v", trail)
		}

		p, err := bearer(a, plain)
		if err != nil {
			t.Fatal(err)
		}
		if p.Role != Owner || p.Subject != "token:"+strconv.FormatInt(tok.ID, 10) || p.Name != "pay team" || strings.Join(p.Scope.Vaults, ",") != "kv-pay" {
			t.Errorf("principal %+v", p)
		}
		used, _ := st.GetToken(ctx, tok.ID)
		if !used.LastUsedAt.Equal(clk.Now()) {
			t.Errorf("last used %v; want %v", used.LastUsedAt, clk.Now())
		}
		// Within a minute the use is not written again; after it, it is.
		clk.Advance(30 * time.Second)
		bearer(a, plain)
		if again, _ := st.GetToken(ctx, tok.ID); !again.LastUsedAt.Equal(used.LastUsedAt) {
			t.Errorf("last used written twice within a minute")
		}
		clk.Advance(time.Minute)
		bearer(a, plain)
		if again, _ := st.GetToken(ctx, tok.ID); !again.LastUsedAt.Equal(clk.Now()) {
			t.Errorf("last used %v; want %v", again.LastUsedAt, clk.Now())
		}

		for _, bad := range []string{plain + "x", plain[:len(plain)-1], TokenPrefix + strings.Repeat("A", 43), "nothvt_" + plain} {
			if _, err := bearer(a, bad); !errors.Is(err, ErrBadCredentials) {
				t.Errorf("%.12s...: got %v; want ErrBadCredentials", bad, err)
			}
		}

		clk.Advance(48 * time.Hour)
		if _, err := bearer(a, plain); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("expired token: got %v; want ErrBadCredentials", err)
		}
	})
}

func TestRevokedTokenIsRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := newClock()
		a := &Authenticator{Store: st, Now: clk.Now}
		plain, tok, err := IssueToken(ctx, st, TokenRequest{Role: Ingest}, store.AuditEntry{Actor: "cli:root"}, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if tok.Name != "ingest token" {
			t.Errorf("default name %q", tok.Name)
		}
		if p, err := bearer(a, plain); err != nil || p.Role != Ingest {
			t.Fatalf("before revoke: %v %v", p, err)
		}
		if err := RevokeToken(ctx, st, tok.ID, store.AuditEntry{Actor: "alice"}, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := bearer(a, plain); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("revoked token: got %v; want ErrBadCredentials", err)
		}
		trail, _ := st.ListAudit(ctx, store.AuditFilter{Action: "token."})
		if got, want := len(trail), 2; got != want || trail[0].Action != "token.revoke" || trail[0].Actor != "alice" {
			t.Errorf("audit: %+v", trail)
		}
	})
}

func TestTokenRequestValidate(t *testing.T) {
	now := newClock().Now()
	tests := []struct {
		name    string
		req     TokenRequest
		wantErr string
	}{
		{"admin", TokenRequest{Role: Admin}, ""},
		{"owner with scope", TokenRequest{Role: Owner, Scope: Scope{Subscriptions: []string{"s"}}}, ""},
		{"unknown role", TokenRequest{Role: "root"}, "unknown role"},
		{"no role", TokenRequest{}, "unknown role"},
		{"owner without scope", TokenRequest{Role: Owner}, "needs a scope"},
		{"scoped analyst", TokenRequest{Role: Analyst, Scope: Scope{Vaults: []string{"kv"}}}, "only owner"},
		{"expired", TokenRequest{Role: Admin, ExpiresAt: now}, "past"},
		{"long name", TokenRequest{Role: Admin, Name: strings.Repeat("x", 101)}, "100"},
	}
	for _, tt := range tests {
		err := tt.req.Validate(now)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: got %v; want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestIssueTokenRefusesBadRequestAndStoresNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := newClock().Now()
		if _, _, err := IssueToken(ctx, st, TokenRequest{Role: Owner}, store.AuditEntry{Actor: "a"}, now); err == nil {
			t.Fatal("owner token without scope issued")
		}
		list, _ := st.ListTokens(ctx)
		trail, _ := st.ListAudit(ctx, store.AuditFilter{})
		if len(list) != 0 || len(trail) != 0 {
			t.Errorf("%d tokens, %d audit rows after a refused request", len(list), len(trail))
		}
	})
}
