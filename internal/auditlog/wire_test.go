package auditlog

import "testing"

// \u escapes are read with encoding/hex: either case, surrogate pairs
// joined, a lone surrogate kept as written, a bad escape refused.
func TestUnquoteUnicodeEscapes(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`"caf\u00e9"`, "café", true},
		{`"caf\u00E9"`, "café", true},
		{`"\u0041\u0062"`, "Ab", true},
		{`"\ud83d\udd11 key"`, "🔑 key", true},
		{`"\uD83D\uDD11"`, "🔑", true},
		{`"lone \ud800!"`, `lone \ud800!`, true},
		{`"\u00g1"`, "", false},
		{`"\u00"`, "", false},
		{`"\u+041"`, "", false},
	}
	for _, tt := range tests {
		got, err := unquote([]byte(tt.in))
		if tt.ok && (err != nil || got != tt.want) || !tt.ok && err == nil {
			t.Errorf("unquote(%s) = %q, %v; want %q (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
