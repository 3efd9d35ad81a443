package canary

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := NewToken()
		if !ValidToken(tok) || seen[tok] {
			t.Fatalf("token %q: valid %v, seen before %v", tok, ValidToken(tok), seen[tok])
		}
		seen[tok] = true
	}
	for _, bad := range []string{"", "abc", strings.Repeat("a", TokenLen-1), strings.Repeat("a", TokenLen+1), strings.Repeat("A", TokenLen), strings.Repeat("1", TokenLen)} {
		if ValidToken(bad) {
			t.Errorf("ValidToken(%q) = true", bad)
		}
	}
}

func TestFindToken(t *testing.T) {
	tok := NewToken()
	cases := map[string]string{
		"https://hooks.example.net/services/" + tok + "/x": tok,
		strings.ToUpper(tok) + ".canary.example.com.":      tok,
		"Host=db-" + tok + ".example.com;Password=x":       tok,
		"postgres://svc_" + tok + ":pw@h/db":               tok,
		"prefix" + tok:                                     "", // not delimited: one longer run
		tok + "x":                                          "",
		"no token here":                                    "",
		strings.Repeat("a", TokenLen-1) + "." + tok:        tok,
	}
	for in, want := range cases {
		if got := FindToken(in); got != want {
			t.Errorf("FindToken(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestKinds(t *testing.T) {
	for _, k := range Kinds {
		if !k.Valid() || !strings.HasPrefix(k.Operation(), "canary:") {
			t.Errorf("kind %q: valid %v, operation %q", k, k.Valid(), k.Operation())
		}
	}
	if Kind("smtp").Valid() {
		t.Error("an unknown kind is valid")
	}
	if KindHTTP.Operation() != "canary:http" || KindDNS.Operation() != "canary:dns" || KindPostgres.Operation() != "canary:postgres" {
		t.Error("operations differ from the SPEC's")
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", MaxDetail) // two bytes each: a cut falls inside one
	got := Clip(long)
	if !utf8.ValidString(got) || len(got) > MaxDetail+len("…") {
		t.Errorf("Clip: %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if Clip("short\xff") != "short\uFFFD" {
		t.Errorf("Clip keeps invalid UTF-8: %q", Clip("short\xff"))
	}
}
