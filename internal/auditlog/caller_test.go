package auditlog

import (
	"strings"
	"testing"
)

// Stored events and incidents are grouped by Caller.Key: these keys are
// pinned to the byte, so a change that would split a caller's history
// (another order, other folding, another bound) fails here first.
func TestCallerKeyIsPinned(t *testing.T) {
	tests := []struct {
		name   string
		caller Caller
		want   string
	}{
		{"nothing known", Caller{}, ""},
		{"object id first, trimmed and lower-cased",
			Caller{ObjectID: " 3F2504E0-4F89-11D3-9A0C-0305E82C3301 ", AppID: "app", UPN: "u@x", IP: "1.2.3.4"},
			"3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
		{"app id before the UPN", Caller{AppID: "04B07795-8DDB-461A-BBEE-02F9E1BF7B46", UPN: "a@b"}, "04b07795-8ddb-461a-bbee-02f9e1bf7b46"},
		{"blank app id skipped", Caller{AppID: "  ", UPN: "Alice@Contoso.COM", IP: "10.0.0.1"}, "alice@contoso.com"},
		{"activity caller name before the IP", Caller{Name: "Planter@Contoso.com", IP: "1.1.1.1"}, "planter@contoso.com"},
		{"IP last; tenant and client ignored", Caller{IP: " 203.0.113.7 ", ClientInfo: "curl", TenantID: "t"}, "203.0.113.7"},
		{"made storable", Caller{UPN: "Zoë\x00\xffMALLORY"}, `zoë\u0000\xffmallory`},
		{"bounded with a hash of the whole", Caller{UPN: strings.Repeat("Ab", 300) + "É"},
			strings.Repeat("ab", 235) + "…sha256:589df90cbec4bd630358a9aaee26453a"},
	}
	for _, tt := range tests {
		if got := tt.caller.Key(); got != tt.want {
			t.Errorf("%s: Key() = %q; want %q", tt.name, got, tt.want)
		}
	}
}
