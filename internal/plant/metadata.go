package plant

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// maxTags is Key Vault's limit of tags on one object.
const maxTags = 15

// metaModel is what a vault's objects of one type say about content types,
// tags, expiry and key types, learned from list-call metadata only.
type metaModel struct {
	ctByKind   map[ValueKind]map[string]int // secrets' content types by the kind their name suggests
	ctAll      map[string]int               // all content types of the type ("" counts: no content type)
	tagObjects int                          // objects the tag statistics come from
	tagKeys    map[string]int               // objects using each tag key
	tagValues  map[string]map[string]int    // values of each tag key
	dated      int                          // objects with a created (or updated) time
	offsets    []time.Duration              // their expiry minus created, when set and later
	keys       map[string]int               // KeySpec.String() counts
	keySpecs   map[string]KeySpec           // the specs those strings stand for
	validity   []int                        // certificates: months from not-before to expiry
}

func learnMeta(real []Object, t registry.Type) *metaModel {
	m := &metaModel{
		ctByKind: map[ValueKind]map[string]int{}, ctAll: map[string]int{},
		tagKeys: map[string]int{}, tagValues: map[string]map[string]int{},
		keys: map[string]int{}, keySpecs: map[string]KeySpec{},
	}
	var same []Object
	for _, o := range real {
		if o.Type == t && !o.Managed {
			same = append(same, o)
		}
	}
	// Tags and expiry follow vault-wide habits: with no objects of this type,
	// learn them from the others.
	base := same
	if len(base) == 0 {
		base = real
	}
	for _, o := range same {
		ct := strings.TrimSpace(o.ContentType)
		k := KindOf(o.Name)
		if m.ctByKind[k] == nil {
			m.ctByKind[k] = map[string]int{}
		}
		m.ctByKind[k][ct]++
		m.ctAll[ct]++
		if ks, ok := (KeySpec{Type: o.KeyType, Size: o.KeySize, Curve: o.Curve}).normalize(); ok && o.KeyType != "" {
			m.keys[ks.String()]++
			m.keySpecs[ks.String()] = ks
		}
		if t == registry.Certificate {
			start := o.NotBefore
			if start.IsZero() {
				start = o.Created
			}
			if !start.IsZero() && o.Expires.After(start) {
				months := int(o.Expires.Sub(start).Hours()/24/30.44 + 0.5)
				m.validity = append(m.validity, min(max(months, 1), 120))
			}
		}
	}
	for _, o := range base {
		m.tagObjects++
		for k, v := range o.Tags {
			m.tagKeys[k]++
			if m.tagValues[k] == nil {
				m.tagValues[k] = map[string]int{}
			}
			m.tagValues[k][v]++
		}
		start := o.Created
		if start.IsZero() {
			start = o.Updated
		}
		if start.IsZero() {
			continue
		}
		m.dated++
		if o.Expires.After(start) {
			m.offsets = append(m.offsets, o.Expires.Sub(start))
		}
	}
	sort.Slice(m.offsets, func(i, j int) bool { return m.offsets[i] < m.offsets[j] })
	sort.Ints(m.validity)
	return m
}

// contentType is the most common content type among the vault's secrets of
// the same kind, else among all its secrets (which may well be none); only
// a vault without secrets gets the kind's conventional type.
func (m *metaModel) contentType(k ValueKind) string {
	if cts := m.ctByKind[k]; len(cts) > 0 {
		return ranked(cts)[0].Value
	}
	if len(m.ctAll) > 0 {
		return ranked(m.ctAll)[0].Value
	}
	switch k {
	case KindServicePrincipal:
		return "application/json"
	case KindPrivateKey, KindSSHKey:
		return "application/x-pem-file"
	}
	return ""
}

// certContentType is how the vault's certificates are stored, PKCS#12 unless
// they say PEM.
func (m *metaModel) certContentType() string {
	for _, w := range ranked(m.ctAll) {
		if w.Value == "application/x-pem-file" || w.Value == "application/x-pkcs12" {
			return w.Value
		}
	}
	return "application/x-pkcs12"
}

var (
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
	guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// tags gives each tag key the vault uses with the probability it is used,
// and a value like the vault's: one of its values, or a fresh date or GUID
// where its values are all dates or GUIDs (a copied one would stand out).
func (m *metaModel) tags(rng *rand.Rand, now time.Time) map[string]string {
	var out map[string]string
	for _, kc := range ranked(m.tagKeys) {
		if len(out) == maxTags {
			break
		}
		key := kc.Value
		if _, bad := Giveaway(key); bad || !chance(rng, float64(kc.Weight)/float64(m.tagObjects)) {
			continue
		}
		values := map[string]int{}
		for v, n := range m.tagValues[key] {
			if _, bad := Giveaway(v); !bad {
				values[v] = n
			}
		}
		if len(values) == 0 {
			continue
		}
		v := pick(rng, ranked(values))
		switch {
		case allMatch(values, dateRE):
			v = now.Format("2006-01-02")
		case allMatch(values, timeRE):
			v = now.UTC().Format(time.RFC3339)
		case allMatch(values, guidRE):
			v = uuid4(rng)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[key] = v
	}
	return out
}

func allMatch(values map[string]int, re *regexp.Regexp) bool {
	for v := range values {
		if !re.MatchString(v) {
			return false
		}
	}
	return true
}

// expires sets an expiry as often as the vault's objects have one, as far
// from now as one of theirs is from its creation, in whole days.
func (m *metaModel) expires(rng *rand.Rand, now time.Time) time.Time {
	if m.dated == 0 || len(m.offsets) == 0 || !chance(rng, float64(len(m.offsets))/float64(m.dated)) {
		return time.Time{}
	}
	const day = 24 * time.Hour
	d := max((oneOf(rng, m.offsets)+day/2)/day*day, day)
	return now.Add(d).Truncate(time.Second)
}

// keySpec is the vault's most common key type and size, RSA 2048 without any.
func (m *metaModel) keySpec() KeySpec {
	if len(m.keys) == 0 {
		return KeySpec{Type: RSA, Size: 2048}
	}
	return m.keySpecs[ranked(m.keys)[0].Value]
}

// validityMonths is the median validity of the vault's certificates, 12
// months without any.
func (m *metaModel) validityMonths() int {
	if len(m.validity) == 0 {
		return 12
	}
	return m.validity[len(m.validity)/2]
}

// KeyType is a Key Vault key type, as the REST API spells it.
type KeyType string

// The key types honeyvault plants. oct-HSM keys exist only in Managed HSM.
const (
	RSA    KeyType = "RSA"
	RSAHSM KeyType = "RSA-HSM"
	EC     KeyType = "EC"
	ECHSM  KeyType = "EC-HSM"
)

// KeySpec is a key's type and size or curve.
type KeySpec struct {
	Type  KeyType
	Size  int    // RSA: 2048, 3072 or 4096; 0 for EC
	Curve string // EC: P-256, P-384, P-521 or P-256K; "" for RSA
}

// String describes the key, e.g. "RSA 2048" or "EC P-256".
func (k KeySpec) String() string {
	if k.Curve != "" {
		return fmt.Sprintf("%s %s", k.Type, k.Curve)
	}
	return fmt.Sprintf("%s %d", k.Type, k.Size)
}

// normalize fills defaults (RSA 2048, P-256) and reports whether k is a key
// type honeyvault can plant.
func (k KeySpec) normalize() (KeySpec, bool) {
	switch KeyType(strings.ToUpper(string(k.Type))) {
	case RSA, RSAHSM, "":
		k.Type = KeyType(strings.ToUpper(string(k.Type)))
		if k.Type == "" {
			k.Type = RSA
		}
		if k.Size != 2048 && k.Size != 3072 && k.Size != 4096 {
			k.Size = 2048
		}
		k.Curve = ""
		return k, true
	case EC, ECHSM:
		k.Type = KeyType(strings.ToUpper(string(k.Type)))
		switch strings.ToUpper(k.Curve) {
		case "P-256", "P-384", "P-521", "P-256K":
			k.Curve = strings.ToUpper(k.Curve)
		default:
			k.Curve = "P-256"
		}
		k.Size = 0
		return k, true
	}
	return KeySpec{}, false
}
