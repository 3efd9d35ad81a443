package plant

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// planPaths is Plan for the path-based stores (HashiCorp Vault KV v2 mounts
// and AWS Secrets Manager; see layout.go). Only secrets live there: other
// types in Settings.Types are listed in VaultPlan.Unsupported.
func (p *Planner) planPaths(inv Inventory, prov registry.Provider, planted []registry.Decoy, rng *rand.Rand) (*VaultPlan, error) {
	sid, err := registry.ParseStoreID(inv.VaultID)
	if err != nil {
		return nil, err
	}
	now := p.now()
	vid := registry.VaultKey(inv.VaultID)
	mine := map[string]bool{}
	active := false
	taken := pathTaken{exact: map[string]bool{}, folded: map[string]bool{}}
	for _, d := range planted {
		if registry.VaultKey(d.VaultID) != vid {
			continue
		}
		mine[d.Name] = true
		taken.add(d.Name)
		if d.Type == registry.Secret && (d.Status == registry.Active || d.Status == "") {
			active = true
		}
	}
	var real []Object
	var paths []string
	for _, o := range inv.Objects {
		taken.add(o.Name)
		if !mine[o.Name] && !o.Deleted && prov.ValidName(o.Name) {
			o.Type = registry.Secret
			real = append(real, o)
			paths = append(paths, o.Name)
		}
	}
	pp := &pathPlanner{prov: prov, sid: sid, lay: learnLayout(paths), real: real, taken: taken,
		keywords: p.keywords(registry.Secret), namers: map[string]*Namer{}}
	plan := &VaultPlan{VaultID: inv.VaultID, VaultName: sid.Name, Style: LearnStyle(dashedAll(pp.lay.all))}
	for _, t := range p.settings.Types {
		switch {
		case t != registry.Secret:
			plan.Unsupported = append(plan.Unsupported, t)
		case active:
			plan.Covered = append(plan.Covered, t)
		default:
			for range p.settings.Quantity.Draw(rng) {
				d, err := pp.decoy(rng, now)
				if err != nil {
					return nil, fmt.Errorf("plant: store %s: %w", sid.Name, err)
				}
				plan.Decoys = append(plan.Decoys, d)
			}
		}
	}
	return plan, nil
}

// arnSuffixLike reports a name ending in a dash and six characters, which
// AWS asks not to use (CreateSecret's Name): it reads as the random suffix
// of a secret's ARN, and a partial ARN naming the secret could resolve to
// another one.
func arnSuffixLike(name string) bool {
	i := strings.LastIndexByte(name, '-')
	return i >= 0 && len(name)-i-1 == 6
}

// pathTaken holds a store's taken paths: exactly, and lower-cased, as a
// path equal to another but for case reads as its copy even where the
// store tells them apart.
type pathTaken struct{ exact, folded map[string]bool }

func (t pathTaken) add(p string)      { t.exact[p], t.folded[strings.ToLower(p)] = true, true }
func (t pathTaken) has(p string) bool { return t.exact[p] || t.folded[strings.ToLower(p)] }

// pathPlanner makes the decoys of one path-based store.
type pathPlanner struct {
	prov     registry.Provider
	sid      registry.StoreID
	lay      *layout
	real     []Object
	taken    pathTaken
	keywords []string
	namers   map[string]*Namer // by directory
	house    string            // an empty store's directory, once chosen
}

// decoy places one decoy: a directory drawn by weight, a leaf in the style
// of its neighbours with their separator, tags learned from them.
func (pp *pathPlanner) decoy(rng *rand.Rand, now time.Time) (Decoy, error) {
	dir, ok := pp.lay.pickDir(rng)
	if !ok {
		if pp.house == "" {
			pp.house = houseDir(pp.prov, pp.sid, rng)
		}
		dir = pp.house
	}
	leaves := pp.lay.styleLeaves(dir)
	sep := pick(rng, separators(leaves))
	namer, err := pp.namer(dir, leaves)
	if err != nil {
		return Decoy{}, err
	}
	hints := pathHints(dir, pp.sid)
	for range 16 {
		leaf, err := namer.Next(rng)
		if err != nil {
			return Decoy{}, err
		}
		leaf = strings.ReplaceAll(leaf, "-", sep)
		if pp.prov == registry.AWSSecretsManager && arnSuffixLike(leaf) {
			// "api-secret" would read as the ARN suffix "-secret":
			// "api-secret-2" does not, and numbered names are common.
			leaf += sep + fmt.Sprint(2+rng.IntN(8))
		}
		name := dir + leaf
		if !pp.prov.ValidName(name) || pp.taken.has(name) || pp.prov == registry.AWSSecretsManager && arnSuffixLike(name) {
			continue
		}
		pp.taken.add(name)
		meta := learnMeta(pp.neighbours(dir), registry.Secret)
		v := pathValueSpec(leaf, hints)
		return Decoy{Name: name, Type: registry.Secret, Tags: storeTags(pp.prov, meta.tags(rng, now)), Value: &v}, nil
	}
	return Decoy{}, ErrNoName
}

// namer is dir's Namer: its style learned from leaves (mapped to dashes),
// its taken names the directory's leaves and subdirectories.
func (pp *pathPlanner) namer(dir string, leaves []string) (*Namer, error) {
	if n, ok := pp.namers[dir]; ok {
		return n, nil
	}
	taken := takenSet{}
	for _, l := range pp.lay.leaves[dir] {
		taken.add(dashed(l))
	}
	for _, s := range pp.lay.subdirs[dir] {
		taken.add(dashed(s))
	}
	for p := range pp.taken.exact {
		if d, l := splitPath(p); strings.EqualFold(d, dir) {
			taken.add(dashed(l))
		}
	}
	n, err := newNamer(LearnStyle(dashedAll(leaves)), pp.keywords, taken)
	if err != nil {
		return nil, err
	}
	pp.namers[dir] = n
	return n, nil
}

// neighbours are the secrets whose metadata a decoy in dir imitates: the
// directory's when it has enough, else the store's.
func (pp *pathPlanner) neighbours(dir string) []Object {
	var in []Object
	for _, o := range pp.real {
		if d, _ := splitPath(o.Name); d == dir {
			in = append(in, o)
		}
	}
	if len(in) >= minStyleNames {
		return in
	}
	return pp.real
}

// pathValueSpec is valueSpecOf for a leaf of a path-based store, where
// "credentials" are rarely an Azure service principal: they are a login
// (a database's when the leaf names one) or, named after AWS, an access key.
func pathValueSpec(leaf string, h ValueHints) ValueSpec {
	v := valueSpecOf(leaf, h)
	words := splitWords(leaf)
	if v.Kind == KindServicePrincipal && !anyIn(words, azureWords) && !strings.Contains(strings.Join(words, ""), "serviceprincipal") {
		v.Kind, v.Vendor = KindPassword, ""
		if vendorOf(words) == "aws" {
			v.Kind, v.Vendor = KindAPIKey, "aws"
		}
	}
	if v.Kind == KindPassword && anyIn(words, dbWords) {
		v.Vendor = VendorDatabase
	}
	return v
}

// azureWords say credentials are an Azure service principal's.
var azureWords = set("azure", "az", "sp", "spn", "aad", "entra", "sdkauth")

// dbWords say a password is a database's.
var dbWords = set("db", "database", "sql", "mysql", "mariadb", "postgres", "postgresql", "pg", "psql", "rds", "aurora", "mssql", "oracle")

func anyIn(words []string, in map[string]bool) bool {
	for _, w := range words {
		if in[w] {
			return true
		}
	}
	return false
}

func dashedAll(leaves []string) []string {
	out := make([]string, len(leaves))
	for i, l := range leaves {
		out[i] = dashed(l)
	}
	return out
}

// storeTags drops what the store would refuse: Secrets Manager reserves
// tag keys starting with "aws:" (CloudFormation's, on real secrets, are
// learned like any other).
func storeTags(prov registry.Provider, tags map[string]string) map[string]string {
	if prov != registry.AWSSecretsManager {
		return tags
	}
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			delete(tags, k)
		}
	}
	if len(tags) == 0 {
		return nil
	}
	return tags
}

// houseApps name an empty store's application when its own name names none.
var houseApps = []string{"payments", "orders", "billing", "platform", "integrations", "reporting"}

// houseDir is where decoys go in a store with no secrets to learn from:
// Vault teams keep apps/{app}/, Secrets Manager users {env}/{app}/ (the
// layout AWS's own examples use, "prod/AppBeta/MySql").
func houseDir(prov registry.Provider, sid registry.StoreID, rng *rand.Rand) string {
	h := pathHints("", sid)
	app := h.App
	if app == "" {
		app = oneOf(rng, houseApps)
	}
	if prov == registry.AWSSecretsManager {
		env := h.Env
		if env == "" {
			env = "prod"
		}
		return env + "/" + app + "/"
	}
	return "apps/" + app + "/"
}

// layoutWords are directory words that say how secrets are filed, not
// what application they belong to.
var layoutWords = union(vaultWords, set("apps", "app", "applications", "services", "service", "svc", "teams", "team",
	"projects", "project", "env", "envs", "environments", "kv", "kv2", "kvv2", "data", "config", "configs", "infra"))

// pathHints reads an application, environment and region from a
// directory ("prod/payments/", "apps/orders/eu/") and the store's own name
// (a mount "kv-prod"); the deepest application word wins, as directories
// narrow down from teams to applications.
func pathHints(dir string, sid registry.StoreID) ValueHints {
	var h ValueHints
	if sid.Provider == registry.AWSSecretsManager {
		h.AWSRegion = sid.Region
	}
	var words []string
	for _, seg := range strings.Split(sid.Mount+"/"+dir, "/") {
		words = append(words, splitWords(seg)...)
	}
	for _, w := range words {
		switch {
		case envWords[w]:
			h.Env = w
		case regionWords[w]:
			h.Region = w
		case !layoutWords[w] && !semanticWords[w] && len(w) >= 2 && hasLetter(w) && safeHint(w):
			h.App = w
		}
	}
	return h
}
