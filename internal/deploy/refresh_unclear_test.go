package deploy

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// A refresh whose write gets no clear answer (a 5xx, after the SDK's
// retries) asks the vault with a list call: when the write did not run,
// the new token and allow rule are taken back as for a refusal; when it
// ran and only its answer was lost, they stay — the value exists and may
// be used — and the new version is recorded as the refresh.
func TestRefreshWithAnUnclearAnswerAsksTheVault(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults kvemu.Faults
		landed bool
	}{
		{"the write did not run", kvemu.Faults{CreateErrorNext: 100}, false},
		{"the write ran, its answer was lost", kvemu.Faults{CreateAnswerLostNext: 100}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var skew atomic.Int64 // the emulator's clock runs ahead by this many seconds
			e := newEnvOpts(t, kvemu.Options{Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load()) * time.Second) }})
			ctx := context.Background()
			v := e.vault(kvemu.VaultSpec{Name: "kv-billing-prod", AccessPolicies: policyFor(planterID, allPerms)}, "billing-webhook-url")
			d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret}, Quantity: plant.Quantity{P: 0, Max: 1}})
			cans, err := CanariesOf(config.Canary{Kinds: []string{"http"}, HTTP: config.CanaryHTTP{PublicURL: "https://hooks.contoso-ops.net"}})
			if err != nil {
				t.Fatal(err)
			}
			d.Canaries = cans
			if runs, err := d.Deploy(ctx, []azure.Vault{v}, nil); err != nil || runs[0].Err != nil {
				t.Fatalf("%v %v", err, runs)
			}
			dec := e.decoys(v.Name)[0]
			before, err := e.store.DecoyCanary(ctx, dec.ID)
			if err != nil {
				t.Fatal(err)
			}
			skew.Store(5) // Key Vault's times have seconds: a later version is a later second
			if err := e.emu.SetFaults(v.Name, tc.faults); err != nil {
				t.Fatal(err)
			}
			later := time.Now().Add(100 * 24 * time.Hour)
			d.Now = func() time.Time { return later }
			res, err := d.Refresh(ctx, 30*24*time.Hour)
			if err != nil || len(res) != 1 {
				t.Fatalf("refresh: %v %+v", err, res)
			}
			after, err := e.store.DecoyCanary(ctx, dec.ID)
			if err != nil {
				t.Fatal(err)
			}
			value, err := e.emu.SecretValue(v.Name, dec.Name)
			if err != nil {
				t.Fatal(err)
			}
			rules, err := e.store.AllowRules(ctx, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			refreshRules := 0
			for _, r := range rules {
				if r.DecoyID == dec.ID && strings.Contains(r.Note, "refresh") {
					refreshRules++
				}
			}
			if !tc.landed {
				if res[0].Err == nil || len(res[0].Refreshed) != 0 || after.Token != before.Token || refreshRules != 0 {
					t.Errorf("err %v, refreshed %d, newest token the planted one %v, %d refresh rules; want an error, nothing left behind",
						res[0].Err, len(res[0].Refreshed), after.Token == before.Token, refreshRules)
				}
				return
			}
			// Landed: the vault's value carries the new token, which names
			// the decoy, and the write's rule stays.
			if res[0].Err != nil || len(res[0].Refreshed) != 1 || after.Token == before.Token || !strings.Contains(value, after.Token) || refreshRules != 1 {
				t.Errorf("err %v, refreshed %d, new token in the value %v, %d refresh rules; want the refresh recorded with its token and rule",
					res[0].Err, len(res[0].Refreshed), strings.Contains(value, after.Token), refreshRules)
			}
			if _, got, err := e.store.CanaryByToken(ctx, after.Token); err != nil || got.ID != dec.ID {
				t.Errorf("the new token names %d, %v; want decoy %d", got.ID, err, dec.ID)
			}
		})
	}
}
