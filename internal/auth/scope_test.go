package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const (
	subA   = "11111111-1111-1111-1111-111111111111"
	subB   = "22222222-2222-2222-2222-222222222222"
	vaultA = "/subscriptions/" + subA + "/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-pay"
	vaultB = "/subscriptions/" + subB + "/resourceGroups/rg-b/providers/Microsoft.KeyVault/vaults/kv-hr"
	vaultC = "/subscriptions/" + subB + "/resourceGroups/rg-c/providers/Microsoft.KeyVault/vaults/KV-Ops"
)

var scopeCases = []struct {
	name string
	p    Principal
	want string // visible vaults among A B C
}{
	{"admin", Principal{Role: Admin}, "A B C"},
	{"analyst", Principal{Role: Analyst}, "A B C"},
	{"ingest", Principal{Role: Ingest}, ""},
	{"no role", Principal{}, ""},
	{"admin scope is ignored", Principal{Role: Admin, Scope: Scope{Vaults: []string{"kv-pay"}}}, "A B C"},
	{"owner without scope", Principal{Role: Owner}, ""},
	{"owner of a subscription", Principal{Role: Owner, Scope: Scope{Subscriptions: []string{strings.ToUpper(subB)}}}, "B C"},
	{"owner of a vault by name", Principal{Role: Owner, Scope: Scope{Vaults: []string{"kv-ops"}}}, "C"},
	{"owner of a vault by id", Principal{Role: Owner, Scope: Scope{Vaults: []string{strings.ToLower(vaultA) + "/"}}}, "A"},
	{"owner of both", Principal{Role: Owner, Scope: Scope{Subscriptions: []string{subA}, Vaults: []string{"kv-hr"}}}, "A B"},
	{"owner of a name prefix", Principal{Role: Owner, Scope: Scope{Vaults: []string{"kv"}}}, ""},
	{"owner of another resource group's vault id", Principal{Role: Owner, Scope: Scope{Vaults: []string{strings.Replace(vaultA, "rg-a", "rg-x", 1)}}}, ""},
	{"owner of a subscription id prefix", Principal{Role: Owner, Scope: Scope{Subscriptions: []string{"11111111"}}}, ""},
}

func TestCanSeeVault(t *testing.T) {
	for _, tt := range scopeCases {
		var got []string
		for i, v := range []string{vaultA, vaultB, vaultC} {
			if tt.p.CanSeeVault(v) {
				got = append(got, string(rune('A'+i)))
			}
		}
		if got := strings.Join(got, " "); got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
		if tt.p.CanSeeVault("not-a-vault-id") && tt.p.Role == Owner {
			t.Errorf("%s: an owner sees a malformed vault id", tt.name)
		}
	}
}

// A listing narrowed with DecoyScope must show exactly the decoys whose
// vault CanSeeVault allows: one rule, two forms.
func TestDecoyScopeAgreesWithCanSeeVault(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.ImportDecoys(ctx, []registry.Decoy{
			{VaultID: vaultA, Name: "A", Type: registry.Secret},
			{VaultID: vaultB, Name: "B", Type: registry.Secret},
			{VaultID: vaultC, Name: "C", Type: registry.Key},
		}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range scopeCases {
			got, err := st.ListDecoys(ctx, store.DecoyFilter{Scope: tt.p.DecoyScope()})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range got {
				names = append(names, d.Name)
				if !tt.p.CanSeeVault(d.VaultID) {
					t.Errorf("%s: listing shows %s, which CanSeeVault hides", tt.name, d.Name)
				}
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("%s: listing got %q; want %q", tt.name, got, tt.want)
			}
		}
	})
}

func TestParseScope(t *testing.T) {
	tests := []struct {
		in      []string
		subs    string
		vaults  string
		wantErr bool
	}{
		{in: nil},
		{in: []string{subA}, subs: subA},
		{in: []string{"/subscriptions/" + subB + "/"}, subs: subB},
		{in: []string{"/subscriptions/s1"}, subs: "s1"},
		{in: []string{"kv-pay, kv-hr"}, vaults: "kv-pay kv-hr"},
		{in: []string{vaultA + "/", subB}, subs: subB, vaults: vaultA},
		{in: []string{" , "}},
		{in: []string{"kv_pay"}, wantErr: true},
		{in: []string{"ab"}, wantErr: true},
		{in: []string{"/subscriptions/"}, wantErr: true},
		{in: []string{"/subscriptions/s1/resourceGroups/rg"}, wantErr: true},
		{in: []string{"/subscriptions/a b"}, wantErr: true},
		{in: []string{"https://kv-pay.vault.azure.net"}, wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseScope(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseScope(%q): error %v; want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if s, v := strings.Join(got.Subscriptions, " "), strings.Join(got.Vaults, " "); s != tt.subs || v != tt.vaults {
			t.Errorf("ParseScope(%q): got %q / %q; want %q / %q", tt.in, s, v, tt.subs, tt.vaults)
		}
		if !tt.wantErr {
			again, err := ParseScope([]string{got.String()})
			if err != nil || again.String() != got.String() {
				t.Errorf("ParseScope(%q).String() = %q does not read back: %v", tt.in, got.String(), err)
			}
		}
	}
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{subA, "kv-pay,kv-hr", vaultA, "/subscriptions/s1", "/subscriptions/", ",,", "ab", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := ParseScope([]string{in})
		if err != nil {
			return
		}
		// Whatever is accepted reads back the same and names real things.
		again, err := ParseScope([]string{sc.String()})
		if err != nil || again.String() != sc.String() {
			t.Fatalf("%q → %q does not read back: %v", in, sc.String(), err)
		}
		for _, v := range sc.Vaults {
			if !registry.ValidVaultName(v) {
				if _, err := registry.VaultNameFromID(v); err != nil {
					t.Fatalf("%q accepted vault %q", in, v)
				}
			}
		}
	})
}
