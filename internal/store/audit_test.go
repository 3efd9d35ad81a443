package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRecordAndListAudit(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		base := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		entries := []AuditEntry{
			{Time: base, Actor: "alice@contoso.com", Action: "auth.sign_in", Detail: "oidc", RemoteAddr: "10.0.0.1"},
			{Time: base.Add(time.Minute), Actor: "alice@contoso.com", Action: "token.create", Target: "token:1", Detail: `{"role":"ingest"}`},
			{Time: base.Add(2 * time.Minute), Actor: "bob@contoso.com", Action: "auth.sign_in_failed", Detail: "no role"},
			{Time: base.Add(3 * time.Minute), Actor: "Alice@Contoso.com", Action: "auth.sign_out"},
		}
		for _, e := range entries {
			if err := s.RecordAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			f    AuditFilter
			want string // actions, newest first
		}{
			{"all", AuditFilter{}, "auth.sign_out auth.sign_in_failed token.create auth.sign_in"},
			{"actor any case", AuditFilter{Actor: "ALICE@contoso.com"}, "auth.sign_out token.create auth.sign_in"},
			{"action exact", AuditFilter{Action: "auth.sign_in"}, "auth.sign_in"},
			{"action prefix", AuditFilter{Action: "auth."}, "auth.sign_out auth.sign_in_failed auth.sign_in"},
			{"since until", AuditFilter{Since: base.Add(time.Minute), Until: base.Add(3 * time.Minute)}, "auth.sign_in_failed token.create"},
			{"limit", AuditFilter{Limit: 2}, "auth.sign_out auth.sign_in_failed"},
		}
		for _, tt := range tests {
			got, err := s.ListAudit(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := auditActions(got), tt.want; got != want {
				t.Errorf("%s: got %q; want %q", tt.name, got, want)
			}
		}
		page, _ := s.ListAudit(ctx, AuditFilter{Limit: 2})
		rest, _ := s.ListAudit(ctx, AuditFilter{BeforeID: page[1].ID})
		if got, want := auditActions(rest), "token.create auth.sign_in"; got != want {
			t.Errorf("second page: got %q; want %q", got, want)
		}
		first := rest[len(rest)-1]
		if !first.Time.Equal(base) || first.Actor != "alice@contoso.com" || first.Detail != "oidc" || first.RemoteAddr != "10.0.0.1" {
			t.Errorf("round trip: got %+v", first)
		}
		var asc []AuditEntry
		if err := s.EachAudit(ctx, AuditFilter{}, func(e AuditEntry) error { asc = append(asc, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if got, want := auditActions(asc), "auth.sign_in token.create auth.sign_in_failed auth.sign_out"; got != want {
			t.Errorf("EachAudit order: got %q; want %q", got, want)
		}
		stop := errors.New("stop")
		n := 0
		if err := s.EachAudit(ctx, AuditFilter{}, func(AuditEntry) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Errorf("EachAudit did not stop at the callback's error: %v after %d", err, n)
		}
	})
}

func TestRecordAuditRejectsAndCleans(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.RecordAudit(ctx, AuditEntry{Action: "x.y"}); err == nil {
			t.Error("entry without actor accepted")
		}
		if err := s.RecordAudit(ctx, AuditEntry{Actor: "a"}); err == nil {
			t.Error("entry without action accepted")
		}
		if got, _ := s.ListAudit(ctx, AuditFilter{}); len(got) != 0 {
			t.Fatalf("rejected entries stored: %+v", got)
		}
		// What an identity provider or a client sends may be anything.
		weird := "eve\x00\xff" + strings.Repeat("é", 5000)
		if err := s.RecordAudit(ctx, AuditEntry{Actor: weird, Action: "auth.sign_in_failed", Detail: weird}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.ListAudit(ctx, AuditFilter{})
		if len(got) != 1 {
			t.Fatalf("got %d entries", len(got))
		}
		e := got[0]
		if strings.Contains(e.Actor, "\x00") || !strings.HasPrefix(e.Actor, `eve\u0000\xffé`) || len(e.Actor) > maxAuditField || len(e.Detail) > maxAuditDetail {
			t.Errorf("not cleaned: actor %q (%d bytes), detail %d bytes", e.Actor[:16], len(e.Actor), len(e.Detail))
		}
		if e.Time.IsZero() {
			t.Error("time not filled in")
		}
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"  plain ", 10, "plain"},
		{"a\x00b", 10, `a\u0000b`}, // as sent, in a form PostgreSQL stores
		{"mall\xf6ry", 12, `mall\xf6ry`},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 9, "ééé…"},
		{"ééééé", 8, "éé…"}, // never cut inside a character
	}
	for _, tt := range tests {
		if got := cleanText(tt.in, tt.max); got != tt.want {
			t.Errorf("cleanText(%q, %d): got %q; want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func auditActions(es []AuditEntry) string {
	var a []string
	for _, e := range es {
		a = append(a, e.Action)
	}
	return strings.Join(a, " ")
}
