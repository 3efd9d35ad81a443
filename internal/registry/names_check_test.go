package registry

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// ValidObjectName and ValidVaultName say what the expressions they
// replaced said, on names of every length around the bounds and every
// byte that matters.
func TestNameChecksAgreeWithTheExpressions(t *testing.T) {
	objectRE := regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)
	vaultRE := regexp.MustCompile(`^[a-zA-Z0-9-]{3,24}$`)
	alphabet := "aZ09-_./ \n\x00é"
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		n := r.IntN(130)
		for range n {
			if r.IntN(20) == 0 {
				b.WriteString(string(alphabet[r.IntN(len(alphabet))]))
			} else {
				b.WriteByte("abcXYZ019-"[r.IntN(10)])
			}
		}
		s := b.String()
		if got, want := ValidObjectName(s), objectRE.MatchString(s); got != want {
			t.Errorf("ValidObjectName(%q) = %v; the expression says %v", s, got, want)
		}
		if got, want := ValidVaultName(s), vaultRE.MatchString(s); got != want {
			t.Errorf("ValidVaultName(%q) = %v; the expression says %v", s, got, want)
		}
	}
}

func TestSubscriptionFromID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "s1"},
		{"/SUBSCRIPTIONS/S1/", "S1"},
		{"subscriptions/s1", "s1"},
		{"/subscriptions/", ""},
		{"/subscriptions", ""},
		{"/tenants/t1/subscriptions/s1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := SubscriptionFromID(tt.in); got != tt.want {
			t.Errorf("SubscriptionFromID(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
