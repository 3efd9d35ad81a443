package plant

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// CanaryTargets are the public names canary values point at: where
// honeyvault's listeners answer. A kind the planter uses needs its name.
type CanaryTargets struct {
	// HTTPURL is the base URL of the HTTP listener, such as
	// https://hooks.contoso-ops.net (a path is kept as a prefix).
	HTTPURL string
	// DNSZone is the zone delegated to the DNS listener, such as
	// svc.contoso-ops.net: canary hosts are one label under it.
	DNSZone string
	// PostgresHost is the PostgreSQL listener's public host[:port].
	PostgresHost string
}

// Validate checks that each kind in kinds has a usable public name: an
// http(s) URL with a host, a DNS zone of valid labels, a host with an
// optional port. A name with a giveaway word (see Giveaway) is refused:
// it would tell an intruder what the value is.
func (t CanaryTargets) Validate(kinds []canary.Kind) error {
	for _, k := range kinds {
		var name string
		var err error
		switch k {
		case canary.KindHTTP:
			name, err = t.HTTPURL, checkBaseURL(t.HTTPURL)
		case canary.KindDNS:
			name, err = t.DNSZone, checkZone(t.DNSZone)
		case canary.KindPostgres:
			name, err = t.PostgresHost, checkHostPort(t.PostgresHost)
		default:
			return fmt.Errorf("plant: unknown canary kind %q (want http, dns or postgres)", k)
		}
		if err != nil {
			return fmt.Errorf("plant: canary kind %s: %w", k, err)
		}
		if w, bad := Giveaway(name); bad {
			return fmt.Errorf("plant: canary kind %s: the public name %q contains %q, which would give the value away", k, name, w)
		}
	}
	return nil
}

func checkBaseURL(s string) error {
	if s == "" {
		return errors.New("no public URL set")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("public URL %q: want http(s)://HOST[:PORT][/PATH] with no credentials, query or fragment", s)
	}
	return nil
}

func checkZone(s string) error {
	if s == "" {
		return errors.New("no DNS zone set")
	}
	z := strings.TrimSuffix(strings.ToLower(s), ".")
	labels := strings.Split(z, ".")
	if len(labels) < 2 || len(z) > 200 {
		return fmt.Errorf("zone %q: want a delegated zone such as svc.contoso-ops.net", s)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || strings.Trim(l, lowerChars+digitChars+"-") != "" {
			return fmt.Errorf("zone %q: %q is not a DNS label", s, l)
		}
	}
	return nil
}

func checkHostPort(s string) error {
	if s == "" {
		return errors.New("no public host set")
	}
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("host %q: bad port", s)
		}
		host = h
	}
	if host == "" || strings.ContainsAny(host, "/@?#:; ") {
		return fmt.Errorf("host %q: want HOST or HOST:PORT", s)
	}
	return nil
}

// NewCanaryToken returns a new token (canary.NewToken) that holds no
// giveaway word: the token is part of a value, and random letters
// sometimes spell "test" or "trap".
func NewCanaryToken() string {
	for {
		if t := canary.NewToken(); !hasGiveaway(t) {
			return t
		}
	}
}

func hasGiveaway(s string) bool { _, bad := Giveaway(s); return bad }

// CanaryKindFor picks, among the kinds the planter uses, the one a secret
// of value kind vk carries most plausibly: a PostgreSQL connection string
// points at the PostgreSQL listener, another connection string at a host
// under the DNS zone, anything else is a URL; when the fitting kind is not
// in use, the first of kinds that is (in canary.Kinds order). "" when
// kinds is empty.
func CanaryKindFor(vk ValueKind, kinds []canary.Kind) canary.Kind {
	var prefer []canary.Kind
	switch {
	case vk == KindPostgresConnection:
		prefer = []canary.Kind{canary.KindPostgres, canary.KindDNS, canary.KindHTTP}
	case vk == KindStorageConnection:
		// A storage client signs its requests (SharedKey) and sends them
		// to the blob endpoint: the HTTP listener sees the account name
		// that names the decoy, where DNS would see only a lookup.
		prefer = []canary.Kind{canary.KindHTTP, canary.KindDNS, canary.KindPostgres}
	case vk.isConnection():
		prefer = []canary.Kind{canary.KindDNS, canary.KindPostgres, canary.KindHTTP}
	default:
		prefer = []canary.Kind{canary.KindHTTP, canary.KindDNS, canary.KindPostgres}
	}
	for _, k := range prefer {
		if slices.Contains(kinds, k) {
			return k
		}
	}
	return ""
}

// CanaryValue makes a value for a secret of this spec that carries token
// as a canary of kind k, pointing at t, in the shape the spec's kind has
// where it can: a connection string where the vault's secrets are
// connection strings (a host under the DNS zone, the PostgreSQL listener
// as the server), a URL where they are URLs or keys (the token in the
// path, or as a basic-auth password). canary.FindToken finds token in
// every value it makes, and the value holds no giveaway word. Pass
// CryptoRand (or nil) for anything that goes into a vault.
func (v ValueSpec) CanaryValue(rng *rand.Rand, k canary.Kind, token string, t CanaryTargets) (string, error) {
	if !canary.ValidToken(token) || hasGiveaway(token) {
		return "", errors.New("plant: not a usable canary token (see NewCanaryToken)")
	}
	if err := t.Validate([]canary.Kind{k}); err != nil {
		return "", err
	}
	rng = orCrypto(rng)
	h := v.Hints.withDefaults(rng)
	for range 32 {
		var s string
		switch k {
		case canary.KindHTTP:
			s = httpCanary(rng, v.Kind, h, token, t.HTTPURL)
		case canary.KindDNS:
			s = dnsCanary(rng, v.Kind, h, token, strings.TrimSuffix(strings.ToLower(t.DNSZone), "."))
		case canary.KindPostgres:
			s = postgresCanary(rng, v.Kind, h, token, t.PostgresHost)
		}
		// The token must be the first token-shaped run, as listeners read
		// it: a hint word of exactly its length and alphabet could come first.
		if !hasGiveaway(s) && canary.FindToken(s) == token {
			return s, nil
		}
	}
	return "", errors.New("plant: could not make a canary value free of giveaway words")
}

// httpCanary is a webhook-style URL with the token as a path segment, or,
// where the vault holds storage connection strings, one whose blob
// endpoint is the listener, or, where it holds other connection strings
// and passwords, a basic-auth URL whose password is the token.
func httpCanary(rng *rand.Rand, vk ValueKind, h ValueHints, token, base string) string {
	u, _ := url.Parse(base) // checked by Validate
	prefix := strings.TrimRight(u.Path, "/")
	if vk == KindStorageConnection {
		// The token is the account name, which a storage client sends in
		// every request it signs ("Authorization: SharedKey NAME:SIG")
		// and, the endpoint being path-style, as the path's first
		// segment: the listener finds it whichever it reads. Account
		// names are 3-24 lowercase letters and digits: a token is one.
		u.Path = prefix + "/" + token
		return storageConnectionTo(token, randBase64(rng, 64), u.String())
	}
	if vk.isConnection() || vk == KindPassword || vk == KindClientSecret {
		u.User = url.UserPassword(oneOf(rng, []string{"svc-" + h.App, h.App + "-api", "deploy"}), token)
		u.Path = prefix + "/" + oneOf(rng, []string{"api/v1/", "v2/", h.App + "/"})
		return u.String()
	}
	// Slack's incoming-webhook shape: /services/T…/B…/secret — with the
	// token where the secret is, between slashes.
	u.Path = prefix + "/services/T" + randString(rng, upperChars+"0189", 8) + "/" + token + "/B" + randString(rng, upperChars+"0189", 10)
	return u.String()
}

// dnsCanary puts the token in the first label of a host under the zone:
// a server in a connection string, else the host of an endpoint URL.
func dnsCanary(rng *rand.Rand, vk ValueKind, h ValueHints, token, zone string) string {
	switch vk {
	case KindPostgresConnection:
		return fmt.Sprintf("Server=pg-%s.%s;Database=%s;Port=5432;User Id=%s;Password=%s;Ssl Mode=Require;",
			token, zone, h.App, oneOf(rng, []string{h.App + "_app", "pgadmin", h.App + "admin"}), password(rng))
	case KindRedisConnection:
		return fmt.Sprintf("cache-%s.%s:6380,password=%s,ssl=True,abortConnect=False", token, zone, randBase64(rng, 32))
	case KindServiceBusConnection:
		return fmt.Sprintf("Endpoint=sb://bus-%s.%s/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=%s",
			token, zone, randBase64(rng, 32))
	case KindMongoConnection:
		return fmt.Sprintf("mongodb://%s:%s@db-%s.%s:10255/?ssl=true&replicaSet=globaldb&retrywrites=false",
			h.App, url.QueryEscape(randBase64(rng, 32)), token, zone)
	case KindStorageConnection:
		return storageConnectionTo(storageAccountName(rng, h), randBase64(rng, 64), fmt.Sprintf("https://blob-%s.%s/", token, zone))
	case KindStorageKey, KindSAS, KindAPIKey, KindSigningKey:
		return fmt.Sprintf("https://api-%s.%s/%s/v1/", token, zone, h.App)
	}
	user := oneOf(rng, []string{h.App + "_app", h.App + "admin", "sqladmin", h.App + "_svc"})
	return fmt.Sprintf("Server=tcp:db-%s.%s,1433;Initial Catalog=%s;Persist Security Info=False;"+
		"User ID=%s;Password=%s;MultipleActiveResultSets=False;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;",
		token, zone, dbName(rng, h), user, password(rng))
}

// postgresCanary names the token twice — the user and the password — so
// that the listener knows the decoy whichever of them an intruder keeps:
// in the ADO.NET shape where the vault's secret is one, else as a URL.
// TLS is preferred, never required: the listener declines TLS (pgcanary),
// and a client told to require it would hang up before sending the user
// and password that name the decoy.
func postgresCanary(rng *rand.Rand, vk ValueKind, h ValueHints, token, host string) string {
	user := "svc_" + token
	pw := oneOf(rng, []string{"0", "1", "8", "9"}) + token + oneOf(rng, []string{"!", "#", ".", "~"}) + randString(rng, digitChars, 4)
	if vk == KindPostgresConnection {
		server, port := host, "5432"
		if h, p, err := net.SplitHostPort(host); err == nil {
			server, port = h, p
		}
		return fmt.Sprintf("Server=%s;Database=%s;Port=%s;User Id=%s;Password=%s;Ssl Mode=Prefer;", server, h.App, port, user, pw)
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, pw), Host: host, Path: "/" + h.App, RawQuery: "connect_timeout=10"}
	return u.String()
}

// Canaries says which kinds of canary the planter puts into decoy
// secrets' values, and where they point. The zero value plants none.
type Canaries struct {
	Kinds   []canary.Kind
	Targets CanaryTargets
	// EveryKind makes a vault's decoy secrets take the kinds in turn: each
	// the best fit (CanaryKindFor) among the kinds not yet given in that
	// vault, all of them again once each is used. A vault with as many
	// decoy secrets as kinds then carries each. Off, each secret takes the
	// kind that fits it best, whatever its neighbours took.
	EveryKind bool
}

// KindTaker hands out the kinds of one vault's decoy secrets, one secret
// after another, as c says (EveryKind or not). The zero value is not
// usable: get one from c.Taker.
type KindTaker struct {
	c    Canaries
	used []canary.Kind
}

// Taker returns a KindTaker for one vault's decoy secrets.
func (c Canaries) Taker() *KindTaker { return &KindTaker{c: c} }

// Next is the kind of the next decoy secret, whose value is of kind vk.
func (t *KindTaker) Next(vk ValueKind) canary.Kind {
	if !t.c.EveryKind {
		return CanaryKindFor(vk, t.c.Kinds)
	}
	var left []canary.Kind
	for _, k := range t.c.Kinds {
		if !slices.Contains(t.used, k) {
			left = append(left, k)
		}
	}
	if len(left) == 0 {
		t.used, left = nil, t.c.Kinds
	}
	k := CanaryKindFor(vk, left)
	t.used = append(t.used, k)
	return k
}

// NewCanaries checks kinds (canary.kinds) and their public names.
func NewCanaries(kinds []string, t CanaryTargets) (Canaries, error) {
	c := Canaries{Targets: t}
	for _, k := range kinds {
		if canary.Kind(k) == canary.KindEntra {
			return Canaries{}, errors.New("plant: canary kind entra is planted with honeyvault plant entra, one app registration per decoy, not through canary.kinds (want http, dns or postgres)")
		}
		if !canary.Kind(k).Valid() {
			return Canaries{}, fmt.Errorf("plant: unknown canary kind %q (want http, dns or postgres)", k)
		}
		c.Kinds = append(c.Kinds, canary.Kind(k))
	}
	if err := t.Validate(c.Kinds); err != nil {
		return Canaries{}, err
	}
	return c, nil
}

// On reports whether any kind is planted.
func (c Canaries) On() bool { return len(c.Kinds) > 0 }
