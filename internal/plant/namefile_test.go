package plant

import (
	"errors"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestReadNames(t *testing.T) {
	tests := []struct {
		in       string
		want     string
		wantLine int // 0: no error
	}{
		{in: "a\nb\n", want: "a|b"},
		{in: "  db-password  \r\n\r\n\tApiKey\n\n", want: "db-password|ApiKey"},
		{in: "\ufeffdb-password\n", want: "db-password"},
		{in: "no-final-newline", want: "no-final-newline"},
		{in: "", want: ""},
		{in: "\n \n\t\n", want: ""},
		{in: "ok\nnot_ok\n", wantLine: 2},
		{in: "ok\n\nhas space\n", wantLine: 3},
		{in: strings.Repeat("k", 128) + "\n", wantLine: 1},
		{in: "ok\n" + strings.Repeat("k", 70000), wantLine: 2},
		{in: "ünïcode\n", wantLine: 1},
	}
	for _, tt := range tests {
		got, err := ReadNames(strings.NewReader(tt.in))
		if tt.wantLine != 0 {
			var le *LineError
			if !errors.As(err, &le) || le.Line != tt.wantLine {
				t.Errorf("ReadNames(%.20q) error = %v; want a LineError on line %d", tt.in, err, tt.wantLine)
			}
			if got != nil {
				t.Errorf("ReadNames(%.20q) returned names with an error", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("ReadNames(%.20q): %v", tt.in, err)
			continue
		}
		if got, want := strings.Join(got, "|"), tt.want; got != want {
			t.Errorf("ReadNames(%.20q) = %q; want %q", tt.in, got, want)
		}
	}
}

func FuzzReadNames(f *testing.F) {
	for _, s := range []string{"a\nb\n", "\ufeffx\r\n", " y \n\n", "bad name\n", "ConnectionStrings--Db\n", "", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		names, err := ReadNames(strings.NewReader(in))
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || le.Line < 1 {
				t.Fatalf("error %v is not a LineError with a line", err)
			}
			return
		}
		for _, n := range names {
			if !registry.ValidObjectName(n) {
				t.Fatalf("returned invalid name %q", n)
			}
		}
	})
}

// FuzzLearnStyle feeds arbitrary name lists to the style learner and the
// namer: they must not panic, and every name must be valid, free, unique and
// without a giveaway word.
func FuzzLearnStyle(f *testing.F) {
	for _, s := range []string{
		"orders-prod-db-password\norders-prod-api-key\norders-uat-key-01",
		"ConnectionStrings--Default\nAzureAd--ClientSecret",
		"DbPassword\nApiKey\nx\n---\n--a--\na--\n9\n",
		"TEST-KEY\nHONEY-1\nkey-999999999999\nk1\nk2",
		"",
	} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, in string, seed uint64) {
		lines := strings.Split(in, "\n")
		s := LearnStyle(lines)
		if len(s.Forms) == 0 {
			t.Fatal("style without forms")
		}
		_ = s.String()
		var existing []string
		for _, l := range lines {
			if registry.ValidObjectName(l) {
				existing = append(existing, l)
			}
		}
		namer, err := NewNamer(s, nil, existing)
		if err != nil {
			t.Fatal(err)
		}
		rng := SeededRand(seed)
		var names []string
		for range 5 {
			n, err := namer.Next(rng)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		checkNames(t, names, existing)
	})
}
