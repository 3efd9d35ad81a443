package vaultemu

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"
)

// An estate is what a mount of a real organisation holds: secrets in one
// consistent layout per mount (see LayoutGroups and LayoutEnvs), with
// realistic values, owners in custom_metadata and a few old versions. It
// is deterministic from the seed and the mount's path, so a planter's
// decoys can be checked against the same layout in every run.

var (
	estateApps  = []string{"payments", "checkout", "orders", "search", "auth", "notifications", "billing", "inventory", "catalog", "shipping"}
	estateKinds = []string{"db", "redis", "api-key", "jwt-signing", "sentry", "rabbitmq"}
	estateCI    = map[string][]string{
		"github":  {"deploy-key", "actions-token"},
		"gitlab":  {"runner-token"},
		"jenkins": {"admin"},
		"argocd":  {"admin"},
	}
	estateTeams = map[string][]string{
		"data":     {"snowflake", "bigquery", "databricks"},
		"ml":       {"openai", "huggingface"},
		"platform": {"pagerduty", "datadog"},
		"security": {"crowdstrike"},
	}
	estateInfra = map[string][]string{
		"aws":        {"terraform"},
		"gcp":        {"service-account"},
		"cloudflare": {"api-token"},
	}
)

// Estate layouts: how the team that owns a mount names its paths. Each
// mount keeps to one, so a planter has a style to blend into.
const (
	// LayoutGroups: apps/{app}/{kind}, ci/{system}/{kind},
	// teams/{team}/{kind}, infra/{provider}/{kind}.
	LayoutGroups = "groups"
	// LayoutEnvs: {env}/{app}/{kind} (prod/payments/db,
	// staging/payments/db), the same apps and kinds in every environment.
	LayoutEnvs = "envs"
)

// EstateLayout is the layout EstateSecrets uses for the mount and seed.
func EstateLayout(mountPath string, seed uint64) string {
	if newEstateGen(mountPath, seed).r.IntN(3) == 0 {
		return LayoutEnvs
	}
	return LayoutGroups
}

func newEstateGen(mountPath string, seed uint64) estateGen {
	h := fnv.New64a()
	h.Write([]byte(mountPath))
	return estateGen{r: rand.New(rand.NewPCG(seed, h.Sum64()))}
}

// EstateSecrets generates a mount's estate: the same seed and mount path
// give the same secrets, a different mount a different (but alike) set,
// in the layout EstateLayout names.
func EstateSecrets(mountPath string, seed uint64) []SecretSeed {
	g := newEstateGen(mountPath, seed)
	if g.r.IntN(3) == 0 { // the draw EstateLayout makes
		return g.envEstate()
	}
	return g.groupEstate()
}

// appKinds picks the secrets an app keeps: always its database, one or
// two more, and Stripe keys where money moves.
func (g estateGen) appKinds(app string) []string {
	kinds := append([]string{"db"}, g.pick(estateKinds[1:], 1+g.r.IntN(2))...)
	if app == "payments" || app == "billing" || app == "checkout" {
		kinds = append(kinds, "stripe")
	}
	return kinds
}

func (g estateGen) envEstate() []SecretSeed {
	envs := []string{"prod", "staging"}
	if g.r.IntN(2) == 0 {
		envs = append(envs, "dev")
	}
	var out []SecretSeed
	apps := g.pick(estateApps, 2+g.r.IntN(3))
	kinds := make([][]string, len(apps))
	for i, app := range apps {
		kinds[i] = g.appKinds(app)
	}
	for _, env := range envs {
		for i, app := range apps {
			for _, k := range kinds[i] {
				out = append(out, g.secret(env+"/"+app+"/"+k, k, app))
			}
		}
	}
	return out
}

func (g estateGen) groupEstate() []SecretSeed {
	var out []SecretSeed
	for _, app := range g.pick(estateApps, 3+g.r.IntN(3)) {
		for _, k := range g.appKinds(app) {
			out = append(out, g.secret("apps/"+app+"/"+k, k, app))
		}
	}
	for _, group := range []struct {
		prefix string
		m      map[string][]string
		n      int
	}{{"ci/", estateCI, 2}, {"teams/", estateTeams, 2}, {"infra/", estateInfra, 1}} {
		keys := make([]string, 0, len(group.m))
		for k := range group.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, owner := range g.pick(keys, group.n+g.r.IntN(2)) {
			for _, k := range group.m[owner] {
				out = append(out, g.secret(group.prefix+owner+"/"+k, k, owner))
			}
		}
	}
	return out
}

// SeedEstate seeds every mount with its estate and returns the paths
// seeded, by mount.
func (s *Server) SeedEstate(seed uint64) (map[string][]string, error) {
	out := map[string][]string{}
	for _, m := range s.Mounts() {
		seeds := EstateSecrets(m, seed)
		if err := s.Seed(m, seeds...); err != nil {
			return nil, err
		}
		for _, sd := range seeds {
			out[m] = append(out[m], sd.Path)
		}
	}
	return out, nil
}

type estateGen struct{ r *rand.Rand }

// pick returns n distinct elements of from, in from's order.
func (g estateGen) pick(from []string, n int) []string {
	idx := g.r.Perm(len(from))
	if n > len(from) {
		n = len(from)
	}
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]string, n)
	for i, j := range idx {
		out[i] = from[j]
	}
	return out
}

func (g estateGen) alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphanumeric[g.r.IntN(len(alphanumeric))]
	}
	return string(b)
}

func (g estateGen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

// secret is one estate secret with 1–3 versions (older ones with other
// credentials, as after a rotation).
func (g estateGen) secret(path, kind, owner string) SecretSeed {
	n := 1 + g.r.IntN(3)
	sd := SecretSeed{
		Path: path,
		CustomMetadata: map[string]string{
			"owner":      "team-" + owner,
			"managed-by": []string{"terraform", "manual", "vault-secrets-operator"}[g.r.IntN(3)],
			"rotation":   []string{"30d", "90d", "365d"}[g.r.IntN(3)],
		},
		Age: time.Duration(30+g.r.IntN(700)) * 24 * time.Hour,
	}
	for range n {
		sd.Versions = append(sd.Versions, g.value(kind, owner))
	}
	return sd
}

// value is a realistic value of a secret of kind (fake, never a working
// credential).
func (g estateGen) value(kind, owner string) map[string]string {
	switch kind {
	case "db":
		return map[string]string{"username": owner + "_app", "password": g.alnum(24), "host": owner + "-db.internal.example.com", "port": "5432", "database": owner}
	case "redis":
		return map[string]string{"url": fmt.Sprintf("rediss://default:%s@%s-cache.internal.example.com:6380/0", g.alnum(32), owner)}
	case "rabbitmq":
		return map[string]string{"username": owner, "password": g.alnum(20), "vhost": "/" + owner}
	case "api-key":
		return map[string]string{"api_key": g.alnum(40)}
	case "jwt-signing":
		return map[string]string{"secret": base64.StdEncoding.EncodeToString([]byte(g.alnum(48))), "algorithm": "HS256"}
	case "sentry":
		return map[string]string{"dsn": fmt.Sprintf("https://%s@o%d.ingest.sentry.io/%d", g.hex(32), 100000+g.r.IntN(900000), 1000000+g.r.IntN(9000000))}
	case "stripe":
		return map[string]string{"publishable_key": "pk_live_" + g.alnum(99), "secret_key": "sk_live_" + g.alnum(99), "webhook_secret": "whsec_" + g.alnum(32)}
	case "deploy-key":
		return map[string]string{"private_key": g.opensshKey(), "known_hosts": "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}
	case "actions-token":
		return map[string]string{"token": "ghp_" + g.alnum(36)}
	case "runner-token":
		return map[string]string{"token": "glrt-" + g.alnum(20)}
	case "admin":
		return map[string]string{"username": "admin", "password": g.alnum(20)}
	case "snowflake":
		return map[string]string{"account": "xy" + g.alnum(5) + ".eu-west-1", "user": "SVC_" + owner, "password": g.alnum(28), "warehouse": "ANALYTICS_WH", "role": "LOADER"}
	case "bigquery", "service-account":
		return map[string]string{"project_id": owner + "-prod-" + g.hex(6), "client_email": "svc-" + owner + "@example-prod.iam.gserviceaccount.com", "private_key_id": g.hex(40)}
	case "databricks":
		return map[string]string{"host": "https://adb-" + g.hex(16) + ".azuredatabricks.net", "token": "dapi" + g.hex(32)}
	case "openai":
		return map[string]string{"api_key": "sk-proj-" + g.alnum(48)}
	case "huggingface":
		return map[string]string{"token": "hf_" + g.alnum(34)}
	case "pagerduty":
		return map[string]string{"integration_key": g.hex(32)}
	case "datadog":
		return map[string]string{"api_key": g.hex(32), "app_key": g.hex(40)}
	case "terraform":
		return map[string]string{"aws_access_key_id": "AKIA" + g.alnum(16), "aws_secret_access_key": g.alnum(40)}
	case "api-token", "crowdstrike":
		return map[string]string{"client_id": g.hex(32), "client_secret": g.alnum(40)}
	}
	return map[string]string{"value": g.alnum(32)}
}

func (g estateGen) opensshKey() string {
	body := base64.StdEncoding.EncodeToString([]byte("openssh-key-v1\x00" + g.alnum(300)))
	out := "-----BEGIN OPENSSH PRIVATE KEY-----\n"
	for len(body) > 70 {
		out += body[:70] + "\n"
		body = body[70:]
	}
	return out + body + "\n-----END OPENSSH PRIVATE KEY-----\n"
}
