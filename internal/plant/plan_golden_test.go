package plant

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// updateGolden rewrites testdata/keyvault_plans.golden.json. The file was
// written by main's planner before Vault and Secrets Manager planting were
// added: Key Vault plans must stay exactly what they were.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/keyvault_plans.golden.json")

// goldenInventories are Key Vault inventories of the kinds tests cover
// elsewhere: empty, kebab with tags and expiry, .NET sections, mixed types.
func goldenInventories() []Inventory {
	created := testNow.AddDate(-1, 0, 0)
	tagged := func(name, ct string, tags map[string]string, expires time.Time) Object {
		return Object{Name: name, Type: registry.Secret, ContentType: ct, Tags: tags, Created: created, Expires: expires}
	}
	return []Inventory{
		{VaultID: testVaultID, TenantID: "tenant-guid"},
		{VaultID: testVaultID, TenantID: "tenant-guid", Objects: []Object{
			tagged("orders-db-password-prod", "text/plain", map[string]string{"owner": "team-orders", "env": "prod"}, created.AddDate(1, 0, 0)),
			tagged("orders-sql-connection-string-prod", "", map[string]string{"owner": "team-orders"}, time.Time{}),
			tagged("orders-stripe-api-key-prod", "", map[string]string{"owner": "team-orders", "created": "2025-01-02"}, time.Time{}),
			tagged("orders-smtp-password-prod", "text/plain", nil, created.AddDate(0, 6, 0)),
			{Name: "orders-signing", Type: registry.Key, KeyType: EC, Curve: "P-384", Created: created},
		}},
		{VaultID: "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-billing-uat", Objects: []Object{
			tagged("ConnectionStrings--Billing", "", nil, time.Time{}),
			tagged("Smtp--Password", "", nil, time.Time{}),
			tagged("Jwt--SigningKey", "", nil, time.Time{}),
			tagged("Stripe--ApiKey", "", nil, time.Time{}),
			{Name: "BillingCert", Type: registry.Certificate, Created: created, NotBefore: created, Expires: created.AddDate(2, 0, 0)},
		}},
	}
}

func goldenPlans(t *testing.T) []byte {
	t.Helper()
	p := newTestPlanner(t, Settings{Types: []registry.Type{registry.Secret, registry.Key, registry.Certificate}, Quantity: Quantity{P: 0.6, Max: 4}})
	var out []*VaultPlan
	for i, inv := range goldenInventories() {
		for seed := range uint64(3) {
			vp, err := p.Plan(inv, nil, SeededRand(seed+uint64(100*i)))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, vp)
		}
	}
	b, err := json.MarshalIndent(out, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestKeyVaultPlansUnchanged(t *testing.T) {
	got := goldenPlans(t)
	const file = "testdata/keyvault_plans.golden.json"
	if *updateGolden {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("Key Vault plans differ from main's (%s): %s", file, firstDiff(string(got), string(want)))
	}
}

func firstDiff(a, b string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			lo := max(0, i-80)
			return fmt.Sprintf("at byte %d: got …%s…; want …%s…", i, a[lo:min(len(a), i+80)], b[lo:min(len(b), i+80)])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(a), len(b))
}
