package auth

import (
	"strings"
	"testing"
	"time"
)

func TestCSRFTokens(t *testing.T) {
	a, b := CSRFToken("secret-a"), CSRFToken("secret-b")
	if a == b || a != CSRFToken("secret-a") || strings.Contains(a, "secret") {
		t.Fatalf("tokens %q %q: want stable, distinct and not the secret", a, b)
	}
	tests := []struct {
		secret, tok string
		want        bool
	}{
		{"secret-a", a, true},
		{"secret-a", b, false},
		{"secret-a", "", false},
		{"secret-a", a[:len(a)-1], false},
		{"", CSRFToken(""), false},
	}
	for _, tt := range tests {
		if got := ValidCSRF(tt.secret, tt.tok); got != tt.want {
			t.Errorf("ValidCSRF(%q, %q): got %v; want %v", tt.secret, tt.tok, got, tt.want)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	now := newClock().Now()
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "", want: time.Time{}},
		{in: "Never", want: time.Time{}},
		{in: "90d", want: now.Add(90 * 24 * time.Hour)},
		{in: "12h", want: now.Add(12 * time.Hour)},
		{in: "1h30m", want: now.Add(90 * time.Minute)},
		{in: "2027-01-31", want: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)},
		{in: "2027-01-31T18:00:00+01:00", want: time.Date(2027, 1, 31, 17, 0, 0, 0, time.UTC)},
		{in: "0d", wantErr: true},
		{in: "-5h", wantErr: true},
		{in: "2020-01-01", wantErr: true},
		{in: "4000d", wantErr: true},
		{in: "tomorrow", wantErr: true},
		{in: "d", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseExpiry(tt.in, now)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("ParseExpiry(%q): got %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"", "never", "90d", "12h", "2027-01-31", "2027-01-31T18:00:00Z", "-1d", "99999d"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseExpiry(in, now)
		if err != nil || got.IsZero() {
			return
		}
		if !got.After(now) || got.After(now.AddDate(10, 0, 0)) {
			t.Fatalf("%q accepted as %v", in, got)
		}
	})
}

func TestLimiter(t *testing.T) {
	clk := newClock()
	l := NewLimiter(1.0/60, 3) // three at once, then one a minute
	l.Now = clk.Now
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("10.0.0.1"); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("10.0.0.1")
	if ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("fourth attempt: %v, wait %v; want refused with a wait up to a minute", ok, wait)
	}
	if ok, _ := l.Allow("10.0.0.2"); !ok {
		t.Error("another client is limited by the first one's attempts")
	}
	clk.Advance(time.Minute)
	if ok, _ := l.Allow("10.0.0.1"); !ok {
		t.Error("refused after a minute")
	}
	if ok, _ := l.Allow("10.0.0.1"); ok {
		t.Error("a refused attempt counted as none: two allowed after one minute")
	}
	var unlimited *Limiter = NewLimiter(0, 0)
	if ok, _ := unlimited.Allow("x"); !ok || unlimited != nil {
		t.Error("a zero rate should mean no limit")
	}
}

func TestLimiterBoundsItsMemory(t *testing.T) {
	clk := newClock()
	l := NewLimiter(1, 1)
	l.Now = clk.Now
	for i := 0; i < maxBuckets+10; i++ {
		l.Allow(time.Duration(i).String())
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("%d buckets; want at most %d", n, maxBuckets)
	}
}

func TestRoleMapResolve(t *testing.T) {
	m := RoleMap{
		Admin:   []string{"HoneyVault.Admin", "grp-admins"},
		Analyst: []string{"grp-soc"},
		Owners: []OwnerGrant{
			{Group: "grp-pay", Scope: Scope{Vaults: []string{"kv-pay"}}},
			{Group: "grp-hr", Scope: Scope{Subscriptions: []string{"sub-hr"}}},
		},
	}
	tests := []struct {
		values []string
		role   Role
		scope  string
		ok     bool
	}{
		{[]string{"honeyvault.admin"}, Admin, "", true},
		{[]string{"grp-soc", "grp-admins"}, Admin, "", true},
		{[]string{"grp-soc", "grp-pay"}, Analyst, "", true},
		{[]string{"grp-pay"}, Owner, "kv-pay", true},
		{[]string{"grp-pay", "GRP-HR"}, Owner, "/subscriptions/sub-hr,kv-pay", true},
		{[]string{"grp-other"}, "", "", false},
		{nil, "", "", false},
		{[]string{""}, "", "", false},
	}
	for _, tt := range tests {
		role, scope, ok := m.Resolve(tt.values)
		if role != tt.role || scope.String() != tt.scope || ok != tt.ok {
			t.Errorf("Resolve(%q): got %q %q %v; want %q %q %v", tt.values, role, scope, ok, tt.role, tt.scope, tt.ok)
		}
	}
	if _, _, ok := (RoleMap{Admin: []string{""}}).Resolve([]string{""}); ok {
		t.Error("an empty mapping value matched an empty claim")
	}
}

func TestPrincipalActor(t *testing.T) {
	tests := []struct {
		p    Principal
		want string
	}{
		{Principal{Subject: "oidc:x", Name: "alice@contoso.com"}, "alice@contoso.com"},
		{Principal{Subject: "token:12", Name: "ci"}, "token:12 (ci)"},
		{Principal{Subject: "bootstrap:admin", Name: "bootstrap admin token"}, "bootstrap:admin"},
		{Principal{}, "anonymous"},
	}
	for _, tt := range tests {
		if got := tt.p.Actor(); got != tt.want {
			t.Errorf("got %q; want %q", got, tt.want)
		}
	}
}
