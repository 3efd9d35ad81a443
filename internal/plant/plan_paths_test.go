package plant

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

const (
	testMountID = "vault://corp-vault/secret"
	testSMID    = "arn:aws:secretsmanager:eu-west-1:123456789012"
)

func pathSecrets(tags map[string]string, names ...string) []Object {
	out := make([]Object, len(names))
	for i, n := range names {
		out[i] = Object{Name: n, Type: registry.Secret, Tags: tags, Created: testNow.AddDate(-1, 0, 0)}
	}
	return out
}

// vaultLayout is a KV mount as platform teams keep them: one directory per
// application, kebab-case leaves, most secrets under apps/payments/.
func vaultLayout() []Object {
	return pathSecrets(map[string]string{"owner": "platform", "rotated": "2025-11-02"},
		"apps/payments/stripe-api-key", "apps/payments/postgres-password", "apps/payments/jwt-signing-key",
		"apps/payments/smtp-password", "apps/payments/sendgrid-api-key", "apps/payments/redis-password",
		"apps/orders/rabbitmq-password", "apps/orders/datadog-api-key",
		"infra/terraform/github-token", "ci/jenkins/deploy-key")
}

// smLayout is a Secrets Manager account in AWS's {env}/{app}/ habit with
// snake_case leaves and CloudFormation's reserved tags on every secret.
func smLayout() []Object {
	tags := map[string]string{"team": "payments", "aws:cloudformation:stack-name": "payments-prod"}
	return pathSecrets(tags,
		"prod/payments/db_credentials", "prod/payments/stripe_api_key", "prod/payments/sendgrid_api_key",
		"prod/payments/webhook_signing_secret", "prod/orders/rds_master_password", "prod/orders/slack_bot_token",
		"staging/payments/db_credentials", "staging/payments/stripe_api_key")
}

func planStore(t *testing.T, p *Planner, id string, objs []Object, planted []registry.Decoy, seed uint64) *VaultPlan {
	t.Helper()
	vp, err := p.Plan(Inventory{VaultID: id, Objects: objs}, planted, SeededRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	return vp
}

// checkBlendsIn asserts what every decoy in a path store must be: a valid
// name of the provider, in a directory real secrets live in, with a leaf
// matching leafRE, colliding with no taken path even ignoring case.
func checkBlendsIn(t *testing.T, prov registry.Provider, vp *VaultPlan, objs []Object, planted []registry.Decoy, leafRE *regexp.Regexp) map[string]int {
	t.Helper()
	dirs, taken := map[string]bool{}, map[string]bool{}
	for _, o := range objs {
		d, _ := splitPath(o.Name)
		dirs[d] = true
		taken[strings.ToLower(o.Name)] = true
	}
	for _, d := range planted {
		taken[strings.ToLower(d.Name)] = true
	}
	used := map[string]int{}
	for _, d := range vp.Decoys {
		dir, leaf := splitPath(d.Name)
		used[dir]++
		if !prov.ValidName(d.Name) {
			t.Errorf("%q is not a valid %s name", d.Name, prov)
		}
		if len(objs) > 0 && !dirs[dir] {
			t.Errorf("%q is in %q, where no real secret lives", d.Name, dir)
		}
		if !leafRE.MatchString(leaf) {
			t.Errorf("leaf %q of %q does not match %s", leaf, d.Name, leafRE)
		}
		if taken[strings.ToLower(d.Name)] {
			t.Errorf("%q collides with a taken path (ignoring case)", d.Name)
		}
		taken[strings.ToLower(d.Name)] = true
		if d.Type != registry.Secret || d.Value == nil || d.Key != nil || d.Certificate != nil || d.ContentType != "" || !d.Expires.IsZero() {
			t.Errorf("decoy %+v: want a secret with a value spec only", d)
		}
		if _, bad := Giveaway(d.Name); bad {
			t.Errorf("%q has a giveaway word", d.Name)
		}
	}
	return used
}

var (
	kebabLeaf = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	snakeLeaf = regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)
)

func TestPlanVaultBlendsIntoLayout(t *testing.T) {
	p := newTestPlanner(t, Settings{Quantity: Quantity{P: 0.5, Max: 3}})
	objs := vaultLayout()
	used := map[string]int{}
	for seed := range uint64(80) {
		vp := planStore(t, p, testMountID, objs, nil, seed)
		if got, want := vp.VaultName, "corp-vault/secret"; got != want {
			t.Fatalf("VaultName = %q; want %q", got, want)
		}
		for d, n := range checkBlendsIn(t, registry.HashiCorpVault, vp, objs, nil, kebabLeaf) {
			used[d] += n
		}
		for _, d := range vp.Decoys {
			if d.Tags["owner"] != "platform" {
				t.Errorf("%q tags %v: want the owner every neighbour has", d.Name, d.Tags)
			}
			if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(d.Tags["rotated"]) || d.Tags["rotated"] == "2025-11-02" {
				t.Errorf("%q rotated tag %q: want a fresh date like the neighbours'", d.Name, d.Tags["rotated"])
			}
			if dir, _ := splitPath(d.Name); dir == "apps/payments/" && d.Value.Hints.App != "payments" {
				t.Errorf("%q hints %+v: want the application of its directory", d.Name, d.Value.Hints)
			}
		}
	}
	// Six of the ten secrets live in apps/payments/: it gets most decoys.
	if used["apps/payments/"] <= used["apps/orders/"] || used["apps/orders/"] == 0 || used["apps/payments/"]*10 < 4*sum(used) {
		t.Errorf("decoys per directory %v: want them weighted by the secrets living there", used)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestPlanSecretsManagerBlendsIntoLayout(t *testing.T) {
	p := newTestPlanner(t, Settings{Quantity: Quantity{P: 0.5, Max: 3}})
	objs := smLayout()
	for seed := range uint64(60) {
		vp := planStore(t, p, testSMID, objs, nil, seed)
		if got, want := vp.VaultName, "123456789012/eu-west-1"; got != want {
			t.Fatalf("VaultName = %q; want %q", got, want)
		}
		checkBlendsIn(t, registry.AWSSecretsManager, vp, objs, nil, snakeLeaf)
		for _, d := range vp.Decoys {
			if d.Tags["team"] != "payments" {
				t.Errorf("%q tags %v: want the team every neighbour has", d.Name, d.Tags)
			}
			for k := range d.Tags {
				if strings.HasPrefix(k, "aws:") {
					t.Errorf("%q has the reserved tag %q, which Secrets Manager refuses", d.Name, k)
				}
			}
			h := d.Value.Hints
			if h.AWSRegion != "eu-west-1" {
				t.Errorf("%q hints %+v: want the store's region", d.Name, h)
			}
			if strings.HasPrefix(d.Name, "prod/payments/") && (h.Env != "prod" || h.App != "payments") {
				t.Errorf("%q hints %+v: want env prod and app payments from its directory", d.Name, h)
			}
		}
	}
}

// TestPlanPathsHeldOutStyle learns from part of a directory and checks the
// decoys read like the part held out: same separator, case and directory.
func TestPlanPathsHeldOutStyle(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		learn   []string
		heldOut []string
		leaf    *regexp.Regexp
	}{
		{"vault PascalCase", testMountID,
			[]string{"teams/data/WarehousePassword", "teams/data/SnowflakeApiKey", "teams/data/AirflowAdminPassword", "teams/data/DbtCloudToken"},
			[]string{"teams/data/LookerClientSecret", "teams/data/FivetranApiKey"},
			regexp.MustCompile(`^([A-Z][a-z0-9]*)+$`)},
		{"vault dotted", testMountID,
			[]string{"config/billing/db.password", "config/billing/smtp.password", "config/billing/stripe.api.key"},
			[]string{"config/billing/jwt.signing.key"},
			regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9]+)*$`)},
		{"secrets manager UPPER_SNAKE", testSMID,
			[]string{"prod/ledger/DB_PASSWORD", "prod/ledger/STRIPE_API_KEY", "prod/ledger/SMTP_PASSWORD", "prod/ledger/JWT_SECRET"},
			[]string{"prod/ledger/SENDGRID_API_KEY", "prod/ledger/REDIS_PASSWORD"},
			regexp.MustCompile(`^[A-Z0-9]+(_[A-Z0-9]+)*$`)},
		{"secrets manager kebab", testSMID,
			[]string{"orders-api/prod/db-password", "orders-api/prod/stripe-key", "orders-api/prod/smtp-password"},
			[]string{"orders-api/prod/redis-password"},
			kebabLeaf},
	}
	p := newTestPlanner(t, Settings{Quantity: Quantity{P: 0.7, Max: 4}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prov := registry.ProviderOf(tt.id)
			learn := pathSecrets(nil, tt.learn...)
			heldDir, _ := splitPath(tt.heldOut[0])
			for _, h := range tt.heldOut {
				if _, leaf := splitPath(h); !tt.leaf.MatchString(leaf) {
					t.Fatalf("held-out %q does not match %s: the test is wrong", h, tt.leaf)
				}
			}
			for seed := range uint64(30) {
				vp := planStore(t, p, tt.id, learn, nil, seed)
				checkBlendsIn(t, prov, vp, learn, nil, tt.leaf)
				for _, d := range vp.Decoys {
					if dir, _ := splitPath(d.Name); dir != heldDir {
						t.Errorf("%q: want it in %q, like the held-out secrets", d.Name, heldDir)
					}
				}
			}
		})
	}
}

func TestPlanPathsNeverCollide(t *testing.T) {
	// Few keywords, a directory full of their spellings in other cases and
	// separators, and decoys honeyvault planted there before.
	objs := pathSecrets(nil, "apps/api/api-key", "apps/api/API_KEY", "apps/api/ApiKey2", "apps/api/api.key.3", "apps/api/api-key/")
	objs = objs[:4]
	objs = append(objs, Object{Name: "apps/api/old/api-key-4", Type: registry.Secret})
	planted := []registry.Decoy{
		{VaultID: testMountID, Name: "apps/api/api-key-5", Type: registry.Secret, Status: registry.Retired},
		{VaultID: testMountID, Name: "apps/api/Api-Key-6", Type: registry.Secret, Status: registry.Missing},
	}
	p := newTestPlanner(t, Settings{SecretKeywords: []string{"api-key"}, Quantity: Quantity{P: 1, Max: 8}})
	for seed := range uint64(20) {
		vp := planStore(t, p, testMountID, objs, planted, seed)
		if len(vp.Decoys) != 8 {
			t.Fatalf("%d decoys; want 8", len(vp.Decoys))
		}
		checkBlendsIn(t, registry.HashiCorpVault, vp, objs, planted, regexp.MustCompile(`.`))
		for _, d := range vp.Decoys {
			dir, leaf := splitPath(d.Name)
			if dir == "apps/api/" && (squash(dashed(leaf)) == "apikey" || strings.EqualFold(leaf, "old")) {
				t.Errorf("%q repeats a neighbour once case and separators are ignored", d.Name)
			}
		}
	}
}

func TestPlanPathsDeterministic(t *testing.T) {
	p := newTestPlanner(t, Settings{Quantity: Quantity{P: 0.6, Max: 4}})
	for _, id := range []string{testMountID, testSMID} {
		objs := vaultLayout()
		if id == testSMID {
			objs = smLayout()
		}
		a, b := planStore(t, p, id, objs, nil, 7), planStore(t, p, id, objs, nil, 7)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the same seed gave different plans:\n%+v\n%+v", id, a.Decoys, b.Decoys)
		}
		// Input order is not part of the store.
		rev := append([]Object(nil), objs...)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		if c := planStore(t, p, id, rev, nil, 7); !reflect.DeepEqual(names(a), names(c)) {
			t.Errorf("%s: inventory order changed the names: %v, %v", id, names(a), names(c))
		}
		differ := false
		for seed := range uint64(10) {
			differ = differ || !reflect.DeepEqual(names(a), names(planStore(t, p, id, objs, nil, 100+seed)))
		}
		if !differ {
			t.Errorf("%s: ten other seeds all gave %v", id, names(a))
		}
	}
}

func names(vp *VaultPlan) []string {
	var out []string
	for _, d := range vp.Decoys {
		out = append(out, d.Name)
	}
	return out
}

func TestPlanPathsEmptyStore(t *testing.T) {
	p := newTestPlanner(t, Settings{Quantity: Quantity{P: 1, Max: 3}})
	tests := []struct {
		id  string
		dir *regexp.Regexp
	}{
		{testMountID, regexp.MustCompile(`^apps/[a-z]+/$`)},
		{"vault://corp-vault/kv-billing", regexp.MustCompile(`^apps/billing/$`)},
		{testSMID, regexp.MustCompile(`^prod/[a-z]+/$`)},
	}
	for _, tt := range tests {
		vp := planStore(t, p, tt.id, nil, nil, 3)
		if len(vp.Decoys) != 3 {
			t.Fatalf("%s: %d decoys; want 3", tt.id, len(vp.Decoys))
		}
		first, _ := splitPath(vp.Decoys[0].Name)
		checkBlendsIn(t, registry.ProviderOf(tt.id), vp, nil, nil, kebabLeaf)
		for _, d := range vp.Decoys {
			if dir, _ := splitPath(d.Name); !tt.dir.MatchString(dir) || dir != first {
				t.Errorf("%s: %q: want every decoy in one house directory matching %s", tt.id, d.Name, tt.dir)
			}
			if d.Tags != nil {
				t.Errorf("%s: %q got tags %v in an empty store", tt.id, d.Name, d.Tags)
			}
		}
	}
}

func TestPlanPathsCoveredAndUnsupported(t *testing.T) {
	p := newTestPlanner(t, Settings{Types: []registry.Type{registry.Secret, registry.Key, registry.Certificate}})
	vp := planStore(t, p, testSMID, smLayout(), nil, 1)
	if got, want := vp.Unsupported, []registry.Type{registry.Key, registry.Certificate}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unsupported = %v; want %v", got, want)
	}
	if len(vp.Decoys) != 1 || vp.Decoys[0].Type != registry.Secret {
		t.Errorf("decoys %v: want one secret", names(vp))
	}
	// An active decoy covers the store; one in another store does not.
	planted := []registry.Decoy{{VaultID: testSMID, Name: "prod/payments/ledger_api_key", Type: registry.Secret, Status: registry.Active},
		{VaultID: "arn:aws:secretsmanager:us-east-1:123456789012", Name: "x", Type: registry.Secret, Status: registry.Active}}
	vp = planStore(t, p, testSMID, smLayout(), planted, 1)
	if len(vp.Decoys) != 0 || !reflect.DeepEqual(vp.Covered, []registry.Type{registry.Secret}) {
		t.Errorf("decoys %v, covered %v: want none, secret covered", names(vp), vp.Covered)
	}
	// Vault mounts are case-sensitive: a decoy in mount "Secret" is another store's.
	planted = []registry.Decoy{{VaultID: "vault://corp-vault/Secret", Name: "apps/payments/x", Type: registry.Secret, Status: registry.Active}}
	if vp := planStore(t, p, testMountID, vaultLayout(), planted, 1); len(vp.Decoys) != 1 {
		t.Errorf("decoys %v: a decoy of mount Secret covered mount secret", names(vp))
	}
}

func TestPlanPathsIgnoresDecoysAndDeleted(t *testing.T) {
	// Only honeyvault's own decoy and a deleted secret live in other/: no
	// decoy goes there.
	objs := append(vaultLayout(), Object{Name: "other/legacy-password", Type: registry.Secret, Deleted: true},
		Object{Name: "other/mine-api-key", Type: registry.Secret})
	planted := []registry.Decoy{{VaultID: testMountID, Name: "other/mine-api-key", Type: registry.Secret, Status: registry.Retired}}
	p := newTestPlanner(t, Settings{Quantity: Quantity{P: 0.8, Max: 5}})
	for seed := range uint64(40) {
		for _, d := range planStore(t, p, testMountID, objs, planted, seed).Decoys {
			if strings.HasPrefix(d.Name, "other/") {
				t.Fatalf("%q: placed beside a decoy and a deleted secret only", d.Name)
			}
		}
	}
}

func TestPlanSecretsManagerAvoidsARNSuffixLookalikes(t *testing.T) {
	// Kebab leaves with six-letter last words ("api-secret", "db-tokens")
	// are common; in Secrets Manager a name ending in -XXXXXX reads as an
	// ARN's random suffix, so no decoy ends like that there.
	objs := pathSecrets(nil, "prod/web/api-secret", "prod/web/db-access", "prod/web/stripe-tokens", "prod/web/smtp-passwd")
	p := newTestPlanner(t, Settings{SecretKeywords: []string{"api-secret", "signing-secret", "client-secret", "access-tokens"}, Quantity: Quantity{P: 0.8, Max: 6}})
	vaultSeen := false
	for seed := range uint64(40) {
		for _, d := range planStore(t, p, testSMID, objs, nil, seed).Decoys {
			if arnSuffixLike(d.Name) {
				t.Errorf("%q ends like an ARN's random suffix", d.Name)
			}
		}
		for _, d := range planStore(t, p, testMountID, objs, nil, seed).Decoys {
			vaultSeen = vaultSeen || arnSuffixLike(d.Name)
		}
	}
	if !vaultSeen {
		t.Error("no Vault decoy ended in -XXXXXX: the keywords do not exercise the rule")
	}
}
