package plant

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// Object is one object of a vault as its list calls describe it; never a
// value. Key type and size are not in list results: fill them from the key's
// public part (GetKey) or a certificate's policy when they are at hand.
type Object struct {
	Name        string
	Type        registry.Type
	ContentType string // secrets; certificates: their secret's content type, if known
	Tags        map[string]string
	Created     time.Time // zero when unknown
	Updated     time.Time
	NotBefore   time.Time
	Expires     time.Time // zero: no expiry
	Managed     bool      // a secret or key that backs a certificate
	Deleted     bool      // soft-deleted and not purged: its name is still taken
	KeyType     KeyType   // keys and certificates, when known
	KeySize     int
	Curve       string
}

// Inventory is what honeyvault knows about a vault before planting.
type Inventory struct {
	VaultID  string   // ARM id
	TenantID string   // the vault's Entra tenant; optional
	Objects  []Object // every secret, key and certificate, deleted ones included
}

// Settings are the planting choices; the zero value plants one secret per
// vault with the default keywords.
type Settings struct {
	Types               []registry.Type // decoy types to plant, each independently; nil: secrets only
	SecretKeywords      []string        // nil: DefaultKeywords(registry.Secret)
	KeyKeywords         []string        // nil: DefaultKeywords(registry.Key)
	CertificateKeywords []string        // nil: DefaultKeywords(registry.Certificate)
	Quantity            Quantity
	DNSSuffix           string // domain of certificate subjects, e.g. "corp.contoso.com"; "": APP.internal
}

// CertificateSpec is a self-signed certificate for Key Vault to create.
type CertificateSpec struct {
	Subject        string // "CN=orders-api.corp.contoso.com"
	DNSNames       []string
	Key            KeySpec
	ValidityMonths int
	ContentType    string // application/x-pkcs12 or application/x-pem-file
}

// Decoy is one planned decoy. Exactly one of Value, Key and Certificate is
// set, matching Type.
type Decoy struct {
	Name        string
	Type        registry.Type
	ContentType string            // secrets
	Tags        map[string]string // nil: none
	Expires     time.Time         // secrets and keys; zero: none
	Value       *ValueSpec        // secrets: how to make the value when it is written
	Key         *KeySpec          // keys
	Certificate *CertificateSpec  // certificates
}

// Record is the registry row for this decoy once planted in vaultID.
func (d Decoy) Record(vaultID, createdBy string, at time.Time) registry.Decoy {
	name, _ := registry.VaultNameFromID(vaultID)
	return registry.Decoy{VaultID: vaultID, VaultName: name, Name: d.Name, Type: d.Type,
		CreatedBy: createdBy, CreatedAt: at, Status: registry.Active}
}

// VaultPlan is what to create in one vault.
type VaultPlan struct {
	VaultID   string
	VaultName string
	Decoys    []Decoy
	Covered   []registry.Type // types left out: the vault already has an active decoy of each
	Style     *Style          // how the vault names its secrets, for display
	// Unsupported are types left out because the store holds none: Vault
	// and Secrets Manager hold only secrets.
	Unsupported []registry.Type `json:",omitempty"`
}

// Planner plans decoys for vaults. It is safe for concurrent use as long as
// each call has its own rng.
type Planner struct {
	settings Settings
	// Now returns the current time (expiry dates, date tags); nil means time.Now.
	Now func() time.Time
}

// NewPlanner checks settings (types, keyword lists, quantity) and fills
// their defaults.
func NewPlanner(s Settings) (*Planner, error) {
	if err := s.Quantity.Validate(); err != nil {
		return nil, err
	}
	if s.Types == nil {
		s.Types = []registry.Type{registry.Secret}
	}
	if len(s.Types) == 0 {
		return nil, errors.New("plant: no decoy types to plant")
	}
	var types []registry.Type
	seen := map[registry.Type]bool{}
	for _, t := range s.Types {
		pt, err := registry.ParseType(string(t))
		if err != nil {
			return nil, err
		}
		if !seen[pt] {
			seen[pt] = true
			types = append(types, pt)
		}
	}
	s.Types = types
	for _, kws := range []*[]string{&s.SecretKeywords, &s.KeyKeywords, &s.CertificateKeywords} {
		if *kws != nil && len(*kws) == 0 {
			return nil, errors.New("plant: empty keyword list: leave it unset for the defaults")
		}
		if err := checkKeywords(*kws); err != nil {
			return nil, err
		}
	}
	if s.DNSSuffix != "" && !validDNSName(s.DNSSuffix) {
		return nil, fmt.Errorf("plant: DNS suffix %q is not a domain name", s.DNSSuffix)
	}
	if w, bad := Giveaway(s.DNSSuffix); bad {
		return nil, fmt.Errorf("plant: DNS suffix %q contains %q, a word that gives a decoy away", s.DNSSuffix, w)
	}
	return &Planner{settings: s}, nil
}

// Types returns the decoy types the planner plants.
func (p *Planner) Types() []registry.Type { return slices.Clone(p.settings.Types) }

func (p *Planner) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// keywords returns the keyword list for type t: the configured one, or
// that type's defaults (a Namer given nil would use the secret defaults).
func (p *Planner) keywords(t registry.Type) []string {
	kws := p.settings.SecretKeywords
	switch t {
	case registry.Key:
		kws = p.settings.KeyKeywords
	case registry.Certificate:
		kws = p.settings.CertificateKeywords
	}
	if kws == nil {
		return DefaultKeywords(t)
	}
	return kws
}

// Plan decides which decoys to create in the vault. planted is the
// registry's decoys (for this vault; others are ignored): a type with an
// active one is covered and gets nothing, and no planted name, whatever its
// status, is learned from or reused. New names also avoid every object name
// in the vault whatever its type, deleted ones included (a soft-deleted name
// cannot be reused until purged, and a certificate's name is a secret's and
// a key's too). A nil rng means crypto randomness. Plan makes no Azure call.
//
// For a HashiCorp Vault or Secrets Manager store (inv.VaultID of its form;
// Object names are paths, Tags its custom metadata or tags) a decoy goes
// into a directory real secrets live in, drawn by how many do, with a leaf
// in their style and separator; names differ from every taken path even
// ignoring case. Only secrets are planned there; the store's metadata has
// no content type or expiry.
func (p *Planner) Plan(inv Inventory, planted []registry.Decoy, rng *rand.Rand) (*VaultPlan, error) {
	rng = orCrypto(rng)
	if prov := registry.ProviderOf(inv.VaultID); prov == registry.HashiCorpVault || prov == registry.AWSSecretsManager {
		return p.planPaths(inv, prov, planted, rng)
	}
	vaultName, err := registry.VaultNameFromID(inv.VaultID)
	if err != nil {
		return nil, err
	}
	now := p.now()
	vid := registry.VaultKey(inv.VaultID)
	mine := map[string]bool{}
	active := map[registry.Type]bool{}
	taken := takenSet{}
	for _, d := range planted {
		if registry.VaultKey(d.VaultID) != vid {
			continue
		}
		mine[strings.ToLower(d.Name)] = true
		taken.add(d.Name)
		if d.Status == registry.Active || d.Status == "" {
			active[d.Type] = true
		}
	}
	var real []Object
	for _, o := range inv.Objects {
		taken.add(o.Name)
		if !mine[strings.ToLower(o.Name)] && !o.Deleted && registry.ValidObjectName(o.Name) {
			real = append(real, o)
		}
	}
	styles := newStyles(real)
	plan := &VaultPlan{VaultID: inv.VaultID, VaultName: vaultName, Style: styles.of(registry.Secret)}
	hints := vaultHints(inv, vaultName, styles.of(""))
	for _, t := range p.settings.Types {
		if active[t] {
			plan.Covered = append(plan.Covered, t)
			continue
		}
		namer, err := newNamer(styles.of(t), p.keywords(t), taken)
		if err != nil {
			return nil, err
		}
		meta := learnMeta(real, t)
		for range p.settings.Quantity.Draw(rng) {
			name, err := namer.Next(rng)
			if err != nil {
				return nil, fmt.Errorf("plant: vault %s: %w", vaultName, err)
			}
			plan.Decoys = append(plan.Decoys, p.decoy(name, t, meta, hints, rng, now))
		}
	}
	return plan, nil
}

func (p *Planner) decoy(name string, t registry.Type, m *metaModel, h ValueHints, rng *rand.Rand, now time.Time) Decoy {
	d := Decoy{Name: name, Type: t, Tags: m.tags(rng, now)}
	switch t {
	case registry.Secret:
		v := valueSpecOf(name, h)
		d.Value, d.ContentType, d.Expires = &v, m.contentType(v.Kind), m.expires(rng, now)
	case registry.Key:
		k := m.keySpec()
		d.Key, d.Expires = &k, m.expires(rng, now)
	case registry.Certificate:
		host := certHost(name, h, p.settings.DNSSuffix)
		d.Certificate = &CertificateSpec{
			Subject:        "CN=" + host,
			DNSNames:       []string{host},
			Key:            m.keySpec(),
			ValidityMonths: m.validityMonths(),
			ContentType:    m.certContentType(),
		}
	}
	return d
}

// objectNames lists the names of objects of type t ("" for all types),
// leaving out the secrets and keys that only back certificates.
func objectNames(objs []Object, t registry.Type) []string {
	var out []string
	for _, o := range objs {
		if !o.Managed && (t == "" || o.Type == t) {
			out = append(out, o.Name)
		}
	}
	return out
}

// minStyleNames is how many names of its own type a style needs; with fewer,
// a type borrows the style of all the vault's names.
const minStyleNames = 3

// styles learns each style of a vault once: per type, and for all types.
type styles struct {
	real  []Object
	all   int
	cache map[registry.Type]*Style
}

func newStyles(real []Object) *styles {
	return &styles{real: real, all: len(objectNames(real, "")), cache: map[registry.Type]*Style{}}
}

// of returns the style of type t's names ("" for all names), or the style of
// all names when t has too few of its own or no others exist.
func (s *styles) of(t registry.Type) *Style {
	names := objectNames(s.real, t)
	if t != "" && (len(names) < minStyleNames || len(names) == s.all) {
		t, names = "", objectNames(s.real, "")
	}
	if st, ok := s.cache[t]; ok {
		return st
	}
	st := LearnStyle(names)
	s.cache[t] = st
	return st
}
