package config

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Plant configures planting: `honeyvault plant`, `retire`, `reconcile` and
// the console's deploy. Keyword lists and probability are the original
// solution's "Secrets Keywords", "Keys Keywords" and "Additional HoneyToken
// Probability". The identity fields choose who honeyvault acts as; all
// empty means DefaultAzureCredential (AZURE_* variables, workload or
// managed identity, Azure CLI).
type Plant struct {
	// Subscriptions to look for vaults in; empty: every one the identity sees.
	Subscriptions       []string `yaml:"subscriptions"`
	Types               []string `yaml:"types"` // secret, key, certificate
	SecretKeywords      []string `yaml:"secret_keywords"`
	KeyKeywords         []string `yaml:"key_keywords"`
	CertificateKeywords []string `yaml:"certificate_keywords"`
	// Probability of each additional decoy of a type (0 to 1), up to Max.
	Probability float64 `yaml:"probability"`
	Max         int     `yaml:"max"`
	// DNSSuffix is the domain of certificate decoys' subjects.
	DNSSuffix   string `yaml:"dns_suffix"`
	Concurrency int    `yaml:"concurrency"` // vaults worked on at once
	// RateHeadroom is the share of Key Vault's service limits used.
	RateHeadroom float64 `yaml:"rate_headroom"`
	// MaxThrottleWait is the longest Retry-After waited out.
	MaxThrottleWait Duration `yaml:"max_throttle_wait"`
	// GrantTemporary adds honeyvault's identity to access-policy vaults'
	// policies for as long as planting takes, when it lacks a permission.
	GrantTemporary bool `yaml:"grant_temporary"`
	// Auto has serve plant, with no person confirming, into discovered
	// vaults that hold no active decoy and replace decoys deleted or
	// purged outside honeyvault. Off by default: it writes to vaults.
	Auto bool `yaml:"auto"`
	// Refresh has serve give each active decoy secret a new version when
	// its current one is older than its vault's real secrets usually get
	// (README "Canary values"). Off by default: it writes to vaults.
	Refresh bool `yaml:"refresh"`
	// RefreshDefault is the refresh interval of a vault with too few real
	// secrets to learn one from; 0 means 90 days.
	RefreshDefault Duration `yaml:"refresh_default"`
	// ValueHashKey (hex, at least 32 bytes) keys the hash kept of each
	// secret decoy's value; empty keeps none.
	ValueHashKey      string `yaml:"value_hash_key"`
	TenantID          string `yaml:"tenant_id"`
	ClientID          string `yaml:"client_id"`
	ClientSecret      string `yaml:"client_secret"`
	ClientCertificate string `yaml:"client_certificate"` // PEM or PKCS#12 file
	ManagedIdentity   bool   `yaml:"managed_identity"`
	Cloud             string `yaml:"cloud"` // public, china or usgovernment
}

// DefaultPlant is what planting does when nothing is configured: a secret
// and a key per vault (as the original deploys them: its own test downloads
// a decoy key's public key), Azure's limits with 10% headroom, the public
// cloud.
func DefaultPlant() Plant {
	return Plant{
		Types: []string{"secret", "key"}, Max: 3, Concurrency: 8, RateHeadroom: 0.9,
		MaxThrottleWait: Duration(5 * time.Minute), Cloud: "public",
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate checks the planting settings, naming the setting that is wrong.
// Keywords are checked fully when planting starts (internal/plant).
func (p Plant) Validate() error {
	bad := func(key string, format string, args ...any) error {
		return &Error{Setting: "plant." + key, Err: fmt.Errorf(format, args...)}
	}
	for _, s := range p.Subscriptions {
		if !guidRE.MatchString(s) {
			return bad("subscriptions", "%q is not a subscription id (a GUID)", s)
		}
	}
	if len(p.Types) == 0 {
		return bad("types", "empty: want secret, key and/or certificate")
	}
	for _, t := range p.Types {
		switch strings.ToLower(t) {
		case "secret", "key", "certificate":
		default:
			return bad("types", "%q: want secret, key or certificate", t)
		}
	}
	for key, list := range map[string][]string{"secret_keywords": p.SecretKeywords, "key_keywords": p.KeyKeywords, "certificate_keywords": p.CertificateKeywords} {
		for _, kw := range list {
			if strings.TrimSpace(kw) == "" || strings.ContainsAny(kw, ", ") {
				return bad(key, "%q is not a keyword (letters, digits and dashes)", kw)
			}
		}
	}
	if p.Probability < 0 || p.Probability > 1 {
		return bad("probability", "%v: want 0 to 1", p.Probability)
	}
	if p.Max < 1 || p.Max > 50 {
		return bad("max", "%d: want 1 to 50", p.Max)
	}
	if p.Concurrency < 1 || p.Concurrency > 256 {
		return bad("concurrency", "%d: want 1 to 256", p.Concurrency)
	}
	if p.RateHeadroom <= 0 || p.RateHeadroom > 1 {
		return bad("rate_headroom", "%v: want more than 0 and at most 1", p.RateHeadroom)
	}
	if p.MaxThrottleWait < 0 || p.MaxThrottleWait > Duration(24*time.Hour) {
		return bad("max_throttle_wait", "%s: want 0 to 24h", p.MaxThrottleWait)
	}
	if p.RefreshDefault != 0 && (p.RefreshDefault < Duration(24*time.Hour) || p.RefreshDefault > Duration(2*365*24*time.Hour)) {
		return bad("refresh_default", "%s: want 24h to 17520h (two years), or leave it unset for 90 days", p.RefreshDefault)
	}
	if p.ValueHashKey != "" {
		k, err := hex.DecodeString(p.ValueHashKey)
		if err != nil || len(k) < 32 {
			return bad("value_hash_key", "want at least 32 random bytes in hex (openssl rand -hex 32)")
		}
	}
	switch {
	case p.ClientSecret != "" && p.ClientCertificate != "":
		return bad("client_secret", "set a client secret or a client certificate, not both")
	case (p.ClientSecret != "" || p.ClientCertificate != "") && (p.TenantID == "" || p.ClientID == ""):
		return bad("client_id", "a client secret or certificate needs plant.tenant_id and plant.client_id")
	case p.ManagedIdentity && (p.ClientSecret != "" || p.ClientCertificate != ""):
		return bad("managed_identity", "a managed identity takes no client secret or certificate")
	}
	switch p.Cloud {
	case "public", "china", "usgovernment":
	default:
		return bad("cloud", "%q: want public, china or usgovernment", p.Cloud)
	}
	return nil
}

func (p *Plant) normalize() {
	for _, l := range []*[]string{&p.Subscriptions, &p.SecretKeywords, &p.KeyKeywords, &p.CertificateKeywords} {
		if len(*l) == 0 {
			*l = nil
		}
	}
}
