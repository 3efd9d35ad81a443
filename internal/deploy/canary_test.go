package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// With canary kinds on, every decoy secret planted through the SDK into the
// emulator carries a token that the registry records with it, of the kind
// that fits its value, pointing at the configured public names; keys carry
// none, and no two decoys share a token.
func TestDeployPlantsCanaryValues(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.vault(kvemu.VaultSpec{Name: "kv-orders-prod", AccessPolicies: policyFor(planterID, allPerms)},
		"orders-db-connection-string", "orders-postgres-connection-string", "orders-api-key", "orders-webhook-url")
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret, registry.Key}, Quantity: plant.Quantity{P: 0.9, Max: 3}})
	cans, err := CanariesOf(config.Canary{Kinds: []string{"http", "dns", "postgres"},
		HTTP: config.CanaryHTTP{PublicURL: "https://hooks.contoso-ops.net"}, DNS: config.CanaryDNS{Zone: "svc.contoso-ops.net"},
		Postgres: config.CanaryPostgres{PublicHost: "pg.contoso-ops.net"}})
	if err != nil {
		t.Fatal(err)
	}
	d.Canaries = cans
	runs, err := d.Deploy(ctx, []azure.Vault{v}, nil)
	if err != nil || runs[0].Err != nil {
		t.Fatalf("%v %v", err, runs[0].Err)
	}
	tokens := map[string]bool{}
	secrets := 0
	for _, pd := range e.decoys(v.Name) {
		c, err := e.store.DecoyCanary(ctx, pd.ID)
		if pd.Type != registry.Secret {
			if err == nil {
				t.Errorf("%s %s carries a canary", pd.Type, pd.Name)
			}
			continue
		}
		secrets++
		if err != nil {
			t.Fatalf("secret %s: %v", pd.Name, err)
		}
		value, err := e.emu.SecretValue(v.Name, pd.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got := canary.FindToken(value); got != c.Token || tokens[c.Token] {
			t.Errorf("secret %s: value carries %q; registry has %q (seen before: %v)", pd.Name, got, c.Token, tokens[c.Token])
		}
		tokens[c.Token] = true
		if want := plant.CanaryKindFor(plant.KindOf(pd.Name), cans.Kinds); c.Kind != want {
			t.Errorf("secret %s: kind %s; want %s", pd.Name, c.Kind, want)
		}
		host := map[canary.Kind]string{canary.KindHTTP: "hooks.contoso-ops.net", canary.KindDNS: ".svc.contoso-ops.net", canary.KindPostgres: "pg.contoso-ops.net"}[c.Kind]
		if !strings.Contains(value, host) {
			t.Errorf("secret %s: %s value does not point at %s", pd.Name, c.Kind, host)
		}
		if _, d, err := e.store.CanaryByToken(ctx, c.Token); err != nil || d.ID != pd.ID {
			t.Errorf("CanaryByToken: %v %v", d, err)
		}
	}
	if secrets == 0 {
		t.Fatal("no secret planted")
	}
}

// A public name that would give the values away stops the setup.
func TestCanariesOfRefusesGiveaways(t *testing.T) {
	_, err := CanariesOf(config.Canary{Kinds: []string{"dns"}, DNS: config.CanaryDNS{Zone: "canary.contoso-ops.net"}})
	if err == nil || !strings.Contains(err.Error(), "give") {
		t.Errorf("got %v; want the giveaway refused", err)
	}
	if c, err := CanariesOf(config.Canary{}); err != nil || c.On() {
		t.Errorf("off by default: %+v %v", c, err)
	}
}
