package bom

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestTrim(t *testing.T) {
	tests := []struct {
		in, trim, blank string
	}{
		{"", "", ""},
		{UTF8, "", ""},
		{UTF8 + "a,b\n", "a,b\n", "a,b\n"},
		{UTF8 + UTF8 + "x", UTF8 + "x", UTF8 + "x"}, // one mark, not every one
		{"\xef\xbb", "\xef\xbb", "\xef\xbb"},        // a mark cut short is content
		{" \r\n" + UTF8 + "\t{}", " \r\n" + UTF8 + "\t{}", "{}"},
		{"\n\n{}\n", "\n\n{}\n", "{}\n"},
		{"x" + UTF8, "x" + UTF8, "x" + UTF8},
	}
	for _, tt := range tests {
		if got := string(Trim([]byte(tt.in))); got != tt.trim {
			t.Errorf("Trim(%q) = %q; want %q", tt.in, got, tt.trim)
		}
		if got := TrimString(tt.in); got != tt.trim {
			t.Errorf("TrimString(%q) = %q; want %q", tt.in, got, tt.trim)
		}
		if got := string(TrimBlank([]byte(tt.in))); got != tt.blank {
			t.Errorf("TrimBlank(%q) = %q; want %q", tt.in, got, tt.blank)
		}
		if got, want := Len([]byte(tt.in)), len(tt.in)-len(tt.trim); got != want {
			t.Errorf("Len(%q) = %d; want %d", tt.in, got, want)
		}
	}
}

func TestReader(t *testing.T) {
	for _, in := range []string{"", "a", "ab", "abc", "abcd", UTF8, UTF8 + "a,b\n", "\xef\xbb", "\xef\xbbx,y", UTF8 + UTF8} {
		want := TrimString(in)
		// One byte a read: the mark must be recognised however it arrives.
		got, err := io.ReadAll(Reader(iotest.OneByteReader(strings.NewReader(in))))
		if err != nil || string(got) != want {
			t.Errorf("Reader(%q) read %q, %v; want %q", in, got, err, want)
		}
	}
	boom := errors.New("boom")
	if _, err := io.ReadAll(Reader(iotest.ErrReader(boom))); !errors.Is(err, boom) {
		t.Errorf("a read error became %v; want it passed on", err)
	}
}

// Whatever the input, the byte and string forms and the reader agree, at
// most one mark goes, and TrimBlank leaves no blank in front.
func FuzzTrim(f *testing.F) {
	for _, s := range []string{"", UTF8, UTF8 + "x", " " + UTF8 + " x", "\xef\xbb", "\xef\xbb\xbf\xef\xbb\xbf"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		trimmed := Trim(b)
		if string(trimmed) != TrimString(string(b)) || len(b)-len(trimmed) != Len(b) || Len(b) != 0 && Len(b) != len(UTF8) {
			t.Fatalf("Trim %q, TrimString %q, Len %d disagree", trimmed, TrimString(string(b)), Len(b))
		}
		if got, err := io.ReadAll(Reader(iotest.HalfReader(strings.NewReader(string(b))))); err != nil || string(got) != string(trimmed) {
			t.Fatalf("Reader read %q, %v; want %q", got, err, trimmed)
		}
		if blank := TrimBlank(b); len(blank) > 0 && strings.IndexByte(" \t\r\n", blank[0]) >= 0 {
			t.Fatalf("TrimBlank left %q", blank)
		}
	})
}
