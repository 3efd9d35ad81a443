package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
)

func TestTargets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.vault(kvemu.VaultSpec{Name: "kv-one", AccessPolicies: policyFor(planterID, allPerms)})
	e.vault(kvemu.VaultSpec{Name: "kv-two", EnableRBACAuthorization: true})
	c := e.vault(kvemu.VaultSpec{Name: "kv-three", SubscriptionID: subB})
	names := func(vs []azure.Vault) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Name)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name      string
		subs, sel []string
		all       bool
		want      string
		wantErr   error
	}{
		{name: "all", all: true, want: "kv-one,kv-two,kv-three"},
		{name: "all of one subscription", subs: []string{subB}, all: true, want: "kv-three"},
		{name: "by name, any case", sel: []string{"KV-THREE", "kv-one"}, want: "kv-three,kv-one"},
		{name: "by id", sel: []string{strings.ToUpper(a.ID)}, want: "kv-one"},
		{name: "name and id of the same vault", sel: []string{"kv-three", c.ID}, want: "kv-three"},
		{name: "unknown name", sel: []string{"kv-nowhere"}, wantErr: ErrNoSuchVault},
		{name: "unknown id", sel: []string{"/subscriptions/" + subA + "/resourceGroups/rg-apps/providers/Microsoft.KeyVault/vaults/kv-nowhere"}, wantErr: ErrNoSuchVault},
		{name: "name outside the subscriptions", subs: []string{subB}, sel: []string{"kv-one"}, wantErr: ErrNoSuchVault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := Targets(ctx, e.az, tt.subs, tt.sel, tt.all)
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("got %v; want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := names(got); g != tt.want {
				t.Errorf("got %s; want %s", g, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		sel []string
		all bool
	}{{nil, false}, {[]string{"kv-one"}, true}, {[]string{"not a vault!"}, false}} {
		if _, _, err := Targets(ctx, e.az, nil, bad.sel, bad.all); err == nil || errors.Is(err, ErrNoSuchVault) {
			t.Errorf("Targets(%v, all=%v): got %v; want a usage error", bad.sel, bad.all, err)
		}
	}
}
