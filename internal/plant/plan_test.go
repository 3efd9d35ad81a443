package plant

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

const testVaultID = "/subscriptions/66666666-7777-4888-9999-000000000000/resourceGroups/rg-orders/providers/Microsoft.KeyVault/vaults/kv-orders-prod-weu"

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestPlanner(t *testing.T, s Settings) *Planner {
	t.Helper()
	p, err := NewPlanner(s)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return testNow }
	return p
}

func plan(t *testing.T, p *Planner, objs []Object, planted []registry.Decoy, seed uint64) *VaultPlan {
	t.Helper()
	vp, err := p.Plan(Inventory{VaultID: testVaultID, TenantID: "tenant-guid", Objects: objs}, planted, SeededRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	return vp
}

func secret(name, ct string, tags map[string]string) Object {
	return Object{Name: name, Type: registry.Secret, ContentType: ct, Tags: tags, Created: testNow.AddDate(-1, 0, 0)}
}

func TestPlanEmptyVault(t *testing.T) {
	vp := plan(t, newTestPlanner(t, Settings{}), nil, nil, 1)
	if got, want := len(vp.Decoys), 1; got != want {
		t.Fatalf("%d decoys; want %d", got, want)
	}
	d := vp.Decoys[0]
	if d.Type != registry.Secret || d.Value == nil || d.Key != nil || d.Certificate != nil {
		t.Errorf("decoy %+v: want a secret with a value spec only", d)
	}
	if !regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`).MatchString(d.Name) {
		t.Errorf("name %q is not in the kebab house style", d.Name)
	}
	if d.Tags != nil || !d.Expires.IsZero() {
		t.Errorf("decoy in an empty vault got tags %v, expiry %v", d.Tags, d.Expires)
	}
	if got, want := vp.VaultName, "kv-orders-prod-weu"; got != want {
		t.Errorf("VaultName = %q; want %q", got, want)
	}
	if got, want := d.Value.Hints, (ValueHints{App: "orders", Env: "prod", Region: "weu", TenantID: "tenant-guid", SubscriptionID: "66666666-7777-4888-9999-000000000000"}); got != want {
		t.Errorf("hints = %+v; want %+v", got, want)
	}
	if got, want := vp.Style.Names, 0; got != want {
		t.Errorf("style learned from %d names; want %d", got, want)
	}
}

func TestPlanContentTypes(t *testing.T) {
	objs := []Object{
		secret("db-password", "text/plain", nil),
		secret("smtp-password", "text/plain", nil),
		secret("admin-password", "", nil),
		secret("sql-connection-string", "", nil),
		secret("redis-connection-string", "", nil),
		secret("orders-api-key", "", nil),
		secret("ci-credentials", "application/json", nil),
	}
	tests := []struct {
		keyword string
		want    string
	}{
		{"root-password", "text/plain"},           // like the other passwords
		{"storage-connection-string", ""},         // connection strings here have none
		{"service-principal", "application/json"}, // like ci-credentials
		{"client-secret", ""},                     // nothing similar: the vault's most common (none)
	}
	for _, tt := range tests {
		p := newTestPlanner(t, Settings{SecretKeywords: []string{tt.keyword}})
		d := plan(t, p, objs, nil, 1).Decoys[0]
		if got, want := d.ContentType, tt.want; got != want {
			t.Errorf("%s (%s): content type %q; want %q", d.Name, d.Value.Kind, got, want)
		}
	}
	// In an empty vault, kinds with a conventional content type get it.
	p := newTestPlanner(t, Settings{SecretKeywords: []string{"service-principal"}})
	if got, want := plan(t, p, nil, nil, 1).Decoys[0].ContentType, "application/json"; got != want {
		t.Errorf("empty vault, service principal: content type %q; want %q", got, want)
	}
}

func TestPlanTags(t *testing.T) {
	var objs []Object
	for i, n := range []string{"db-password", "api-key", "smtp-password", "storage-key"} {
		tags := map[string]string{"env": "prod", "owner": "team-orders", "created": "2024-0" + string(rune('1'+i)) + "-02",
			"ticket": "11111111-2222-4333-8444-55555555555" + string(rune('0'+i)), "purpose": "testing"}
		if i%2 == 0 {
			tags["costcenter"] = "cc-42"
		}
		objs = append(objs, secret(n, "", tags))
	}
	p := newTestPlanner(t, Settings{})
	withCostCenter := 0
	const plans = 400
	for seed := range uint64(plans) {
		d := plan(t, p, objs, nil, seed).Decoys[0]
		if got, want := d.Tags["env"], "prod"; got != want {
			t.Fatalf("env tag %q; want %q", got, want)
		}
		if got, want := d.Tags["owner"], "team-orders"; got != want {
			t.Fatalf("owner tag %q; want %q", got, want)
		}
		if got, want := d.Tags["created"], "2026-03-01"; got != want {
			t.Fatalf("date tag %q; want today, %q", got, want)
		}
		if got := d.Tags["ticket"]; !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(got) || strings.HasPrefix(got, "11111111") {
			t.Fatalf("GUID tag %q; want a fresh GUID", got)
		}
		if v, ok := d.Tags["purpose"]; ok {
			t.Fatalf("tag purpose=%q copied a giveaway value", v)
		}
		if d.Tags["costcenter"] != "" {
			withCostCenter++
		}
	}
	// Half the secrets carry costcenter, so about half the decoys should.
	if withCostCenter < plans*35/100 || withCostCenter > plans*65/100 {
		t.Errorf("%d of %d decoys tagged costcenter; want about half", withCostCenter, plans)
	}
}

func TestPlanExpiry(t *testing.T) {
	var objs []Object
	for _, n := range []string{"db-password", "api-key", "smtp-password"} {
		o := secret(n, "", nil)
		o.Expires = o.Created.AddDate(0, 0, 180)
		objs = append(objs, o)
	}
	d := plan(t, newTestPlanner(t, Settings{}), objs, nil, 1).Decoys[0]
	if got, want := d.Expires, testNow.AddDate(0, 0, 180); !got.Equal(want) {
		t.Errorf("expiry %v; want %v, as far out as the vault's", got, want)
	}
	for i := range objs {
		objs[i].Expires = time.Time{}
	}
	if d := plan(t, newTestPlanner(t, Settings{}), objs, nil, 1).Decoys[0]; !d.Expires.IsZero() {
		t.Errorf("expiry %v in a vault that sets none", d.Expires)
	}
}

func TestPlanKeys(t *testing.T) {
	key := func(name string, kt KeyType, size int, curve string) Object {
		return Object{Name: name, Type: registry.Key, KeyType: kt, KeySize: size, Curve: curve}
	}
	tests := []struct {
		name string
		objs []Object
		want KeySpec
	}{
		{"no keys", nil, KeySpec{Type: RSA, Size: 2048}},
		{"EC P-384 prevails", []Object{key("a", EC, 0, "P-384"), key("b", EC, 0, "p-384"), key("c", RSA, 4096, "")}, KeySpec{Type: EC, Curve: "P-384"}},
		{"RSA 3072", []Object{key("a", RSA, 3072, ""), key("b", "rsa", 3072, "")}, KeySpec{Type: RSA, Size: 3072}},
		{"HSM kept", []Object{key("a", RSAHSM, 4096, "")}, KeySpec{Type: RSAHSM, Size: 4096}},
		{"unknown types ignored", []Object{key("a", "oct-HSM", 256, ""), key("b", "", 0, "")}, KeySpec{Type: RSA, Size: 2048}},
	}
	p := newTestPlanner(t, Settings{Types: []registry.Type{registry.Key}})
	for _, tt := range tests {
		d := plan(t, p, tt.objs, nil, 1).Decoys[0]
		if d.Type != registry.Key || d.Key == nil || d.Value != nil {
			t.Fatalf("%s: decoy %+v: want a key", tt.name, d)
		}
		if got, want := *d.Key, tt.want; got != want {
			t.Errorf("%s: key %v; want %v", tt.name, got, want)
		}
	}
}

func TestPlanCertificates(t *testing.T) {
	start := testNow.AddDate(-1, 0, 0)
	objs := []Object{
		{Name: "orders-api", Type: registry.Certificate, NotBefore: start, Expires: start.AddDate(2, 0, 0), ContentType: "application/x-pem-file"},
		{Name: "orders-api", Type: registry.Secret, Managed: true},
		{Name: "portal-web", Type: registry.Certificate, NotBefore: start, Expires: start.AddDate(2, 0, 0)},
	}
	p := newTestPlanner(t, Settings{Types: []registry.Type{registry.Certificate}, CertificateKeywords: []string{"payments-gateway-tls"}, DNSSuffix: "corp.contoso.com"})
	d := plan(t, p, objs, nil, 1).Decoys[0]
	c := d.Certificate
	if d.Type != registry.Certificate || c == nil {
		t.Fatalf("decoy %+v: want a certificate", d)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(c.Subject, "CN="), ".corp.contoso.com")
	if !strings.Contains(host, "payments-gateway") || strings.Contains(host, "tls") || len(c.DNSNames) != 1 || "CN="+c.DNSNames[0] != c.Subject {
		t.Errorf("certificate subject %q, DNS names %q", c.Subject, c.DNSNames)
	}
	if got, want := c.ValidityMonths, 24; got != want {
		t.Errorf("validity %d months; want %d", got, want)
	}
	if got, want := c.ContentType, "application/x-pem-file"; got != want {
		t.Errorf("content type %q; want %q", got, want)
	}
	if got, want := c.Key, (KeySpec{Type: RSA, Size: 2048}); got != want {
		t.Errorf("key %v; want %v", got, want)
	}
}

func TestPlanIdempotent(t *testing.T) {
	objs := []Object{secret("DbPassword", "", nil), secret("ApiKey", "", nil), secret("StorageKey", "", nil),
		secret("legacy-admin-password", "", nil), secret("orders-sas-token", "", nil), secret("old-api-key", "", nil)}
	mine := func(name string, st registry.Status) registry.Decoy {
		return registry.Decoy{VaultID: strings.ToUpper(testVaultID) + "/", Name: name, Type: registry.Secret, Status: st}
	}
	p := newTestPlanner(t, Settings{Types: []registry.Type{registry.Secret, registry.Key}})

	// An active secret decoy covers secrets; keys still get one.
	vp := plan(t, p, objs, []registry.Decoy{mine("legacy-admin-password", registry.Active)}, 1)
	if got, want := vp.Covered, []registry.Type{registry.Secret}; !reflect.DeepEqual(got, want) {
		t.Errorf("covered %v; want %v", got, want)
	}
	if len(vp.Decoys) != 1 || vp.Decoys[0].Type != registry.Key {
		t.Errorf("decoys %+v; want one key", vp.Decoys)
	}

	// Retired and missing decoys do not cover; their names are neither
	// learned (the three kebab decoys would make kebab the vault's style)
	// nor reused.
	planted := []registry.Decoy{mine("legacy-admin-password", registry.Retired), mine("orders-sas-token", registry.Missing),
		mine("old-api-key", registry.Retired), mine("gone-password", registry.Retired)}
	for seed := range uint64(30) {
		vp := plan(t, p, objs, planted, seed)
		if len(vp.Covered) != 0 {
			t.Fatalf("covered %v by retired and missing decoys", vp.Covered)
		}
		if got, want := formsOf(vp.Style), "PascalCase:3"; got != want {
			t.Fatalf("style %q learned from decoys; want %q", got, want)
		}
		for _, d := range vp.Decoys {
			if d.Type == registry.Secret && !regexp.MustCompile(`^([A-Z][a-z0-9]*)+$`).MatchString(d.Name) {
				t.Errorf("secret decoy %q not in the vault's PascalCase", d.Name)
			}
			for _, pd := range planted {
				if squash(d.Name) == squash(pd.Name) {
					t.Errorf("decoy %q reuses planted name %q", d.Name, pd.Name)
				}
			}
		}
	}

	// Decoys of other vaults neither cover nor count.
	other := mine("legacy-admin-password", registry.Active)
	other.VaultID = registry.VaultID("sub", "rg", "kv-elsewhere")
	if vp := plan(t, p, objs, []registry.Decoy{other}, 1); len(vp.Covered) != 0 {
		t.Errorf("a decoy in another vault covered this one: %v", vp.Covered)
	}
}

// TestPlanNames is a property test over seeds: decoy names never collide
// with any object (deleted and certificate-backing ones included), with
// planted names or with each other, are valid and give nothing away.
func TestPlanNames(t *testing.T) {
	objs := []Object{
		secret("api-key", "", nil),
		{Name: "client-secret", Type: registry.Secret, Deleted: true},
		{Name: "private-key", Type: registry.Key},
		{Name: "access-key", Type: registry.Certificate},
		{Name: "access-key", Type: registry.Secret, Managed: true},
		secret("test-password", "", nil),
	}
	planted := []registry.Decoy{{VaultID: testVaultID, Name: "sas-token", Type: registry.Secret, Status: registry.Retired}}
	p := newTestPlanner(t, Settings{
		Types:          []registry.Type{registry.Secret, registry.Key, registry.Certificate},
		SecretKeywords: []string{"api-key", "client-secret", "sas-token", "password"},
		KeyKeywords:    []string{"private-key", "access-key"},
		Quantity:       Quantity{P: 0.7, Max: 4},
	})
	var existing []string
	for _, o := range objs {
		existing = append(existing, o.Name)
	}
	existing = append(existing, "sas-token")
	for seed := range uint64(200) {
		vp := plan(t, p, objs, planted, seed)
		var names []string
		count := map[registry.Type]int{}
		for _, d := range vp.Decoys {
			names = append(names, d.Name)
			count[d.Type]++
		}
		checkNames(t, names, existing)
		for _, typ := range registry.Types {
			if count[typ] < 1 || count[typ] > 4 {
				t.Errorf("seed %d: %d %s decoys; want 1 to 4", seed, count[typ], typ)
			}
		}
		if t.Failed() {
			t.Fatalf("seed %d: %q", seed, names)
		}
	}
}

func TestPlanDeterministic(t *testing.T) {
	objs := []Object{secret("orders-prod-db-password", "text/plain", map[string]string{"env": "prod"}), secret("orders-prod-api-key", "", nil)}
	p := newTestPlanner(t, Settings{Types: []registry.Type{registry.Secret, registry.Key, registry.Certificate}, Quantity: Quantity{P: 0.5}})
	a, b := plan(t, p, objs, nil, 11), plan(t, p, objs, nil, 11)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, different plans:\n%+v\n%+v", a.Decoys, b.Decoys)
	}
}

func TestPlanValuesGenerate(t *testing.T) {
	p := newTestPlanner(t, Settings{SecretKeywords: DefaultKeywords(registry.Secret), Quantity: Quantity{P: 1, Max: 20}})
	for _, d := range plan(t, p, nil, nil, 3).Decoys {
		v, err := d.Value.Generate(nil)
		if err != nil || v == "" {
			t.Errorf("%s (%s): value %q, %v", d.Name, d.Value, v, err)
		}
	}
}

func TestNewPlannerRejects(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
	}{
		{"unknown type", Settings{Types: []registry.Type{"blob"}}},
		{"no types", Settings{Types: []registry.Type{}}},
		{"empty keyword list", Settings{KeyKeywords: []string{}}},
		{"giveaway keyword", Settings{SecretKeywords: []string{"canary-key"}}},
		{"unsafe keyword", Settings{CertificateKeywords: []string{"tls cert"}}},
		{"probability over 1", Settings{Quantity: Quantity{P: 2}}},
		{"max too high", Settings{Quantity: Quantity{Max: 1000}}},
		{"bad DNS suffix", Settings{DNSSuffix: "not a domain"}},
		{"giveaway DNS suffix", Settings{DNSSuffix: "test.contoso.com"}},
	}
	for _, tt := range tests {
		if _, err := NewPlanner(tt.s); err == nil {
			t.Errorf("%s: NewPlanner(%+v): no error", tt.name, tt.s)
		}
	}
	p := newTestPlanner(t, Settings{Types: []registry.Type{"Secret", "secret", "KEY"}})
	if got, want := p.settings.Types, []registry.Type{registry.Secret, registry.Key}; !reflect.DeepEqual(got, want) {
		t.Errorf("types %v; want %v", got, want)
	}
	if _, err := p.Plan(Inventory{VaultID: "not-an-id"}, nil, nil); err == nil {
		t.Error("Plan with a bad vault id: no error")
	}
}

func TestDecoyRecord(t *testing.T) {
	d := Decoy{Name: "orders-api-key", Type: registry.Secret}
	r := d.Record(testVaultID, "honeyvault@contoso.com", testNow)
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	want := registry.Decoy{VaultID: testVaultID, VaultName: "kv-orders-prod-weu", Name: "orders-api-key", Type: registry.Secret,
		CreatedBy: "honeyvault@contoso.com", CreatedAt: testNow, Status: registry.Active}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Record = %+v; want %+v", r, want)
	}
}

// BenchmarkPlan plans a vault of 40 objects in three styles, every type.
func BenchmarkPlan(b *testing.B) {
	patterns := []string{"orders-prod-db-password-%02d", "OrdersApiKey%d", "ConnectionStrings--Db%d"}
	var objs []Object
	for i := range 40 {
		objs = append(objs, secret(fmt.Sprintf(patterns[i%3], i), "text/plain", map[string]string{"env": "prod"}))
	}
	p, err := NewPlanner(Settings{Types: registry.Types, Quantity: Quantity{P: 0.5}})
	if err != nil {
		b.Fatal(err)
	}
	rng := SeededRand(1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Plan(Inventory{VaultID: testVaultID, Objects: objs}, nil, rng); err != nil {
			b.Fatal(err)
		}
	}
}
