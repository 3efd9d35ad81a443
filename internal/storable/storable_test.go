package storable

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii", "azsdk-go/1.5 (go1.26)", "azsdk-go/1.5 (go1.26)"},
		{"utf-8 kept", "Zoë 🔑 ÿ", "Zoë 🔑 ÿ"},
		{"other control characters kept", "a\tb\x01c\x1b[0m", "a\tb\x01c\x1b[0m"},
		{"backslashes kept", `CONTOSO\alice \u0000`, `CONTOSO\alice \u0000`},
		{"nul", "a\x00b", `a\u0000b`},
		{"only nuls", "\x00\x00", `\u0000\u0000`},
		{"latin-1 byte", "mall\xf6ry", `mall\xf6ry`},
		{"cut sequence at the end", "ab\xe2\x82", `ab\xe2\x82`},
		{"bad continuation", "\xc3\x28", `\xc3(`},
		{"utf-8 surrogate", "\xed\xa0\x80", `\xed\xa0\x80`},
		{"beyond U+10FFFF", "\xf4\x90\x80\x80", `\xf4\x90\x80\x80`},
		{"mixed", "\x00é\xff", `\u0000é\xff`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in)
			if got != tt.want {
				t.Errorf("Text(%q) = %q; want %q", tt.in, got, tt.want)
			}
			if !Is(got) {
				t.Errorf("Text(%q) = %q is not storable", tt.in, got)
			}
			if Is(tt.in) != (tt.in == tt.want) {
				t.Errorf("Is(%q) = %v", tt.in, Is(tt.in))
			}
		})
	}
}

func TestTextDoesNotAllocateForStorableText(t *testing.T) {
	s := strings.Repeat("https://kv-orders.vault.azure.net/secrets/x/?api-version=7.4 ", 4)
	if n := testing.AllocsPerRun(100, func() { _ = Text(s) }); n != 0 {
		t.Errorf("%v allocations; want 0", n)
	}
}

func TestCut(t *testing.T) {
	if got, want := Cut("aé\x00", 2), "a"; got != want { // é is 2 bytes: not cut in half
		t.Errorf("got %q; want %q", got, want)
	}
	if got, want := Cut("a\x00", 4), `a\u0`; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if got := Cut("short", 100); got != "short" {
		t.Errorf("got %q", got)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "a\x00b", "\xff", "é", "\xed\xa0\x80", `\u0000`} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := Text(s)
		if !Is(got) || !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Fatalf("Text(%q) = %q is not storable", s, got)
		}
		if Is(s) && got != s {
			t.Fatalf("Text(%q) changed storable text to %q", s, got)
		}
		if n >= 0 && n < 1<<16 {
			if c := Cut(s, n); len(c) > n || !Is(c) || !strings.HasPrefix(got, c) {
				t.Fatalf("Cut(%q, %d) = %q", s, n, c)
			}
		}
	})
}

func TestKey(t *testing.T) {
	if got := Key("caller@contoso.com"); got != "caller@contoso.com" {
		t.Errorf("short key changed to %q", got)
	}
	exact := strings.Repeat("k", MaxKey)
	if got := Key(exact); got != exact {
		t.Errorf("a key of exactly MaxKey bytes changed to %q", got)
	}
	// Pinned: incidents found again by their stored group key depend on it.
	long := strings.Repeat("é", 400) // 800 bytes
	want := strings.Repeat("é", 235) + "…sha256:fc377241c748e4454a131383f00393cb"
	got := Key(long)
	if got != want {
		t.Errorf("Key(800 bytes) = %q; want %q", got, want)
	}
	if len(got) > MaxKey || !utf8.ValidString(got) {
		t.Errorf("bounded key is %d bytes, valid UTF-8 %v; want at most %d, valid", len(got), utf8.ValidString(got), MaxKey)
	}
	if Key(long+"x") == got {
		t.Error("two long values with the same beginning make the same key")
	}
}
