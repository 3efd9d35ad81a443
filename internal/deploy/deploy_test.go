package deploy

import (
	"math/rand/v2"

	"context"
	"errors"
	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/plant"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestDeployBlendsInRecordsAndIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	kebab := e.vault(kvemu.VaultSpec{Name: "kv-orders-prod", AccessPolicies: policyFor(planterID, allPerms)},
		"orders-db-password", "orders-api-key", "orders-storage-connection-string", "orders-smtp-password", "orders-jwt-signing-key")
	dotnet := e.vault(kvemu.VaultSpec{Name: "kv-billing-prod", SubscriptionID: subB, EnableRBACAuthorization: true},
		"Billing--ConnectionStrings--Sql", "Billing--Stripe--ApiKey", "Billing--Smtp--Password", "Billing--Jwt--SigningKey", "Billing--Redis--Password")
	if err := e.emu.AssignRole(kvemu.RoleAssignment{PrincipalID: planterID.ObjectID, Role: "Key Vault Administrator", Scope: dotnet.ID}); err != nil {
		t.Fatal(err)
	}
	// A soft-deleted name stays taken.
	if _, err := e.emu.SeedKey(kebab.Name, kvemu.KeySeed{Name: "orders-signing-key", Type: "EC", Curve: "P-384"}); err != nil {
		t.Fatal(err)
	}
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret, registry.Key, registry.Certificate}, Quantity: plant.Quantity{P: 0.5, Max: 3}})
	hasher, err := plant.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	d.Hasher = hasher
	var mu sync.Mutex
	phases := map[Phase]int{}
	runs, err := d.Deploy(ctx, []azure.Vault{kebab, dotnet}, func(p Progress) {
		mu.Lock()
		phases[p.Phase]++
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Vault.Name, r.Err)
		}
		if len(r.Planted) < 3 || len(r.Planted) != len(r.Plan.Decoys) || len(r.Unsettled) != 0 {
			t.Errorf("%s: planted %d of %d", r.Vault.Name, len(r.Planted), len(r.Plan.Decoys))
		}
	}
	if phases[PhaseChecking] != 2 || phases[PhasePlanned] != 2 || phases[PhaseDone] != 2 || phases[PhasePlanting] < 6 {
		t.Errorf("progress: got %v", phases)
	}

	styles := map[string]*regexp.Regexp{
		kebab.Name:  regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`),
		dotnet.Name: regexp.MustCompile(`^[A-Z][A-Za-z0-9]*(--[A-Z][A-Za-z0-9]*)+$`),
	}
	for vault, style := range styles {
		existing, err := e.emu.Objects(vault)
		if err != nil {
			t.Fatal(err)
		}
		decoys := e.decoys(vault)
		types := map[registry.Type]int{}
		for _, pd := range decoys {
			types[pd.Type]++
			if !style.MatchString(pd.Name) {
				t.Errorf("%s: %s %q is not in the vault's style", vault, pd.Type, pd.Name)
			}
			if !usesKeyword(pd.Name, plant.DefaultKeywords(pd.Type)) {
				t.Errorf("%s: %s %q uses none of the %s keywords", vault, pd.Type, pd.Name, pd.Type)
			}
			if w, bad := plant.Giveaway(pd.Name); bad {
				t.Errorf("%s: %q gives itself away (%q)", vault, pd.Name, w)
			}
			if pd.CreatedBy != "planter@contoso.com" || pd.Status != registry.Active {
				t.Errorf("%s: record %+v", vault, pd.Decoy)
			}
			p := pd.Planting
			if p == nil || p.State != store.Planted || p.PlantedBy != planterID.ObjectID {
				t.Fatalf("%s: planting %+v", vault, p)
			}
			switch pd.Type {
			case registry.Secret:
				value, err := e.emu.SecretValue(vault, pd.Name)
				if err != nil {
					t.Fatal(err)
				}
				if hasher.Sum(value) != p.Object.ValueHash || strings.Contains(p.Object.ValueHash, value) {
					t.Errorf("%s: the stored hash does not match the value written", pd.Name)
				}
				if len(p.Object.Version) != 32 || p.Object.Created.IsZero() {
					t.Errorf("%s: baseline %+v", pd.Name, p.Object)
				}
			case registry.Key:
				if len(p.Object.Version) != 32 || p.Object.ValueHash != "" {
					t.Errorf("%s: baseline %+v", pd.Name, p.Object)
				}
			case registry.Certificate:
				if len(p.Object.Fingerprint) != 40 {
					t.Errorf("%s: certificate baseline %+v", pd.Name, p.Object)
				}
			}
			// No collision with anything that was there (case and dashes ignored).
			for _, o := range existing {
				if o.Managed || strings.EqualFold(o.Name, pd.Name) && o.Type == string(pd.Type) {
					continue
				}
				if squash(o.Name) == squash(pd.Name) && !isDecoy(decoys, o.Name) {
					t.Errorf("%s: decoy %q collides with %s %q", vault, pd.Name, o.Type, o.Name)
				}
			}
			if _, found, _ := e.emu.Object(vault, string(pd.Type), pd.Name); !found {
				t.Errorf("%s: %s %q is in the registry but not in the vault", vault, pd.Type, pd.Name)
			}
		}
		if types[registry.Secret] == 0 || types[registry.Key] == 0 || types[registry.Certificate] == 0 {
			t.Errorf("%s: types planted %v; want each", vault, types)
		}
	}
	// The planter's allow rules cover its creates only, one per decoy.
	rules, err := e.store.AllowRules(ctx, d.now().Add(-24*60*60*1e9))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := e.store.ListDecoys(ctx, store.DecoyFilter{})
	if len(rules) != len(all) {
		t.Errorf("%d allow rules for %d decoys", len(rules), len(all))
	}
	for _, r := range rules {
		if r.Identity != planterID.ObjectID || len(r.Operations) != 1 || r.DecoyID == 0 || r.Expires.IsZero() ||
			!strings.HasSuffix(r.Operations[0], "Set") && !strings.HasSuffix(r.Operations[0], "Create") {
			t.Errorf("allow rule %+v", r)
		}
	}
	// Only list calls, the creates and key reads of real keys: never a
	// secret's value, never a decoy touched but by its create.
	decoyNames := map[string]bool{}
	for _, dec := range all {
		decoyNames[strings.ToLower(dec.Name)] = true
	}
	for _, op := range e.auditOps() {
		switch {
		case op.op == "SecretGet" || op.op == "SecretBackup" || op.op == "KeyBackup":
			t.Errorf("planting made a %s (%s)", op.op, op.name)
		case decoyNames[op.name] && op.op != "SecretSet" && op.op != "KeyCreate" && op.op != "CertificateCreate":
			t.Errorf("planting touched decoy %s with %s", op.name, op.op)
		}
	}

	// Again: every type is covered, nothing is created.
	before := len(all)
	runs, err = d.Deploy(ctx, []azure.Vault{kebab, dotnet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Err != nil || len(r.Plan.Decoys) != 0 || len(r.Covered()) != 3 {
			t.Errorf("%s again: err %v, planned %d, covered %v", r.Vault.Name, r.Err, len(r.Plan.Decoys), r.Covered())
		}
	}
	all, _ = e.store.ListDecoys(ctx, store.DecoyFilter{})
	if len(all) != before {
		t.Errorf("a second run added decoys: %d, was %d", len(all), before)
	}
}

func usesKeyword(name string, kws []string) bool {
	for _, kw := range kws {
		if strings.Contains(squash(name), squash(kw)) {
			return true
		}
	}
	return false
}

func isDecoy(ds []store.PlantedDecoy, name string) bool {
	for _, d := range ds {
		if strings.EqualFold(d.Name, name) {
			return true
		}
	}
	return false
}

func TestDryRunChangesNothingAndIsDeterministic(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.vault(kvemu.VaultSpec{Name: "kv-pay-dev", AccessPolicies: policyFor(planterID, allPerms)}, "PaymentsApiKey", "PaymentsDbPassword", "StripeWebhookSecret")
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret, registry.Key}, Quantity: plant.Quantity{P: 0.7, Max: 4}})
	d.Rand = func(string) *rand.Rand { return plant.SeededRand(42) }
	names := func() []string {
		runs, err := d.Prepare(ctx, []azure.Vault{v}, true, nil)
		if err != nil || runs[0].Err != nil {
			t.Fatal(err, runs[0].Err)
		}
		var out []string
		for _, dec := range runs[0].Plan.Decoys {
			out = append(out, string(dec.Type)+":"+dec.Name)
		}
		return out
	}
	first, second := names(), names()
	if strings.Join(first, ",") != strings.Join(second, ",") || len(first) < 2 {
		t.Errorf("dry runs differ or are empty: %v vs %v", first, second)
	}
	for _, n := range first {
		if !regexp.MustCompile(`:[A-Z][a-z0-9]*([A-Z][a-z0-9]*)+$`).MatchString(n) {
			t.Errorf("%s is not PascalCase like the vault", n)
		}
	}
	if all, _ := e.store.ListDecoys(ctx, store.DecoyFilter{}); len(all) != 0 {
		t.Errorf("a dry run recorded %d decoys", len(all))
	}
	objs, _ := e.emu.Objects(v.Name)
	if len(objs) != 3 {
		t.Errorf("a dry run created objects: %d", len(objs))
	}
}

func TestPartialFailureOtherVaultsCarryOn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ok1 := e.vault(kvemu.VaultSpec{Name: "kv-ok-one", AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	denied := e.vault(kvemu.VaultSpec{Name: "kv-denied", AccessPolicies: policyFor(ownerID, allPerms)}, "db-password")
	ok2 := e.vault(kvemu.VaultSpec{Name: "kv-ok-two", SubscriptionID: subB, AccessPolicies: policyFor(planterID, allPerms)}, "api-key")
	d := e.deployer(plant.Settings{})
	runs, err := d.Deploy(ctx, []azure.Vault{ok1, denied, ok2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		switch r.Vault.Name {
		case denied.Name:
			var pe *PermissionError
			if !errors.As(r.Err, &pe) || len(r.Planted) != 0 {
				t.Errorf("denied vault: got %v, planted %d", r.Err, len(r.Planted))
			}
		default:
			if r.Err != nil || len(r.Planted) != 1 {
				t.Errorf("%s: got %v, planted %d", r.Vault.Name, r.Err, len(r.Planted))
			}
		}
	}
	if got := e.decoys(denied.Name); len(got) != 0 {
		t.Errorf("the denied vault has %d registry rows", len(got))
	}
}
