package vaultemu

import "testing"

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"kv/data/apps/payments/db", "kv/data/apps/payments/db", true},
		{"kv/data/apps/payments/db", "kv/data/apps/payments/db2", false},
		{"kv/data/apps/*", "kv/data/apps/payments/db", true},
		{"kv/data/apps/*", "kv/data/apps", false},
		{"kv/data/apps*", "kv/data/apps-legacy/x", true},
		{"kv/data/+/db", "kv/data/payments/db", true},
		{"kv/data/+/db", "kv/data/a/b/db", false},
		{"kv/data/+/db*", "kv/data/x/dbs/old", true},
		{"kv/metadata/apps/+", "kv/metadata/apps/", true}, // a list of the folder: the segment is empty
		{"+/+", "a/b", true},
		{"+/+", "a", false},
		{"*", "anything/at/all", true},
	}
	for _, tt := range tests {
		p, err := parsePattern(tt.pattern)
		if err != nil {
			t.Fatalf("parsePattern(%q): %v", tt.pattern, err)
		}
		if got := p.match(tt.path); got != tt.want {
			t.Errorf("%q matches %q = %v; want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

// Vault's documented priority rules, one case each.
func TestPatternPriority(t *testing.T) {
	tests := []struct{ low, high string }{
		{"secret/*", "secret/foo"},                    // the first wildcard earlier
		{"secret/+/bar", "secret/foo/+"},              // the first wildcard earlier
		{"secret/foo*", "secret/foo"},                 // a glob against none
		{"secret/+/+/baz", "secret/+/bar/baz"},        // more + segments
		{"secret/+/*", "secret/+/foo*"},               // shorter
		{"secret/+/bar*", "secret/+/baz*"},            // smaller
		{"kv/data/apps/*", "kv/data/apps/payments/*"}, // the first wildcard earlier
	}
	for _, tt := range tests {
		lo, err1 := parsePattern(tt.low)
		hi, err2 := parsePattern(tt.high)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !lo.lowerThan(hi) || hi.lowerThan(lo) {
			t.Errorf("%q should rank below %q", tt.low, tt.high)
		}
	}
}
