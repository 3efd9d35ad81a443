package plant

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/canary"
)

var testTargets = CanaryTargets{HTTPURL: "https://hooks.contoso-ops.net/in", DNSZone: "svc.contoso-ops.net", PostgresHost: "pg.contoso-ops.net:6432"}

// Every kind of canary in every value kind's shape: the shape fits what the
// vault holds, the value points at the configured public name, FindToken
// recovers the token, and no giveaway word slips in.
func TestCanaryValueShapes(t *testing.T) {
	tests := []struct {
		vk   ValueKind
		kind canary.Kind
		want *regexp.Regexp // TOKEN stands for the token
	}{
		{KindSQLConnection, canary.KindDNS, regexp.MustCompile(`^Server=tcp:db-TOKEN\.svc\.contoso-ops\.net,1433;Initial Catalog=[^;]+;.*User ID=[^;]+;Password=[^;]+;`)},
		{KindPostgresConnection, canary.KindDNS, regexp.MustCompile(`^Server=pg-TOKEN\.svc\.contoso-ops\.net;Database=[^;]+;Port=5432;`)},
		{KindRedisConnection, canary.KindDNS, regexp.MustCompile(`^cache-TOKEN\.svc\.contoso-ops\.net:6380,password=`)},
		{KindServiceBusConnection, canary.KindDNS, regexp.MustCompile(`^Endpoint=sb://bus-TOKEN\.svc\.contoso-ops\.net/;SharedAccessKeyName=`)},
		{KindMongoConnection, canary.KindDNS, regexp.MustCompile(`^mongodb://[a-z0-9]+:[^@]+@db-TOKEN\.svc\.contoso-ops\.net:10255/`)},
		{KindAPIKey, canary.KindDNS, regexp.MustCompile(`^https://api-TOKEN\.svc\.contoso-ops\.net/[a-z0-9]+/v1/$`)},
		{KindPassword, canary.KindDNS, regexp.MustCompile(`^Server=tcp:db-TOKEN\.svc\.contoso-ops\.net,1433;`)},
		{KindPostgresConnection, canary.KindPostgres, regexp.MustCompile(`^Server=pg\.contoso-ops\.net;Database=[a-z0-9]+;Port=6432;User Id=svc_TOKEN;Password=[0189]TOKEN[!#.~][0-9]{4};Ssl Mode=Prefer;$`)},
		{KindSQLConnection, canary.KindPostgres, regexp.MustCompile(`^postgres://svc_TOKEN:[0189]TOKEN[^@]+@pg\.contoso-ops\.net:6432/[a-z0-9]+\?connect_timeout=10$`)},
		{KindAPIKey, canary.KindPostgres, regexp.MustCompile(`^postgres://svc_TOKEN:`)},
		{KindAPIKey, canary.KindHTTP, regexp.MustCompile(`^https://hooks\.contoso-ops\.net/in/services/T[A-Z0189]{8}/TOKEN/B[A-Z0189]{10}$`)},
		{KindSigningKey, canary.KindHTTP, regexp.MustCompile(`^https://hooks\.contoso-ops\.net/in/services/T[A-Z0189]{8}/TOKEN/`)},
		{KindSQLConnection, canary.KindHTTP, regexp.MustCompile(`^https://[a-z0-9-]+:TOKEN@hooks\.contoso-ops\.net/in/[a-z0-9/]+$`)},
		{KindPassword, canary.KindHTTP, regexp.MustCompile(`^https://[a-z0-9-]+:TOKEN@hooks\.contoso-ops\.net/`)},
		{KindStorageConnection, canary.KindHTTP, regexp.MustCompile(`^DefaultEndpointsProtocol=https;AccountName=TOKEN;AccountKey=[A-Za-z0-9+/]{86}==;` +
			`BlobEndpoint=https://hooks\.contoso-ops\.net/in/TOKEN;EndpointSuffix=core\.windows\.net$`)},
		{KindStorageConnection, canary.KindDNS, regexp.MustCompile(`^DefaultEndpointsProtocol=https;AccountName=st[a-z0-9]{4,22};AccountKey=[A-Za-z0-9+/]{86}==;` +
			`BlobEndpoint=https://blob-TOKEN\.svc\.contoso-ops\.net/;EndpointSuffix=core\.windows\.net$`)},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+"/"+string(tc.vk), func(t *testing.T) {
			for seed := range uint64(50) {
				tok := NewCanaryToken()
				spec := ValueSpec{Kind: tc.vk, Hints: ValueHints{App: "orders", Env: "prod"}}
				if seed%2 == 1 {
					spec.Hints = ValueHints{} // an app drawn from the defaults
				}
				v, err := spec.CanaryValue(SeededRand(seed), tc.kind, tok, testTargets)
				if err != nil {
					t.Fatal(err)
				}
				re := regexp.MustCompile(strings.ReplaceAll(tc.want.String(), "TOKEN", tok))
				if !re.MatchString(v) {
					t.Fatalf("value %q does not match %s", v, re)
				}
				if got := canary.FindToken(v); got != tok {
					t.Fatalf("FindToken(%q) = %q; want %q", v, got, tok)
				}
				if w, bad := Giveaway(v); bad {
					t.Fatalf("value %q holds the giveaway word %q", v, w)
				}
				if strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "postgres://") {
					if _, err := url.Parse(v); err != nil {
						t.Fatalf("value %q is not a URL: %v", v, err)
					}
				}
			}
		})
	}
}

// Two decoys (or two versions of one) get different tokens, so different
// values, even from the same generator state.
func TestCanaryValuesUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := range 200 {
		k := canary.Kinds[i%len(canary.Kinds)]
		v, err := ValueSpec{Kind: KindSQLConnection}.CanaryValue(SeededRand(1), k, NewCanaryToken(), testTargets)
		if err != nil {
			t.Fatal(err)
		}
		if seen[v] {
			t.Fatalf("value %q made twice", v)
		}
		seen[v] = true
	}
}

// The kind that fits the value: a PostgreSQL connection string wants the
// PostgreSQL listener, a storage connection string the HTTP listener as
// its blob endpoint, other connection strings a DNS name, the rest a URL;
// a kind not in use is never picked.
func TestCanaryKindFor(t *testing.T) {
	all := canary.Kinds
	tests := []struct {
		vk    ValueKind
		kinds []canary.Kind
		want  canary.Kind
	}{
		{KindPostgresConnection, all, canary.KindPostgres},
		{KindSQLConnection, all, canary.KindDNS},
		{KindStorageConnection, all, canary.KindHTTP},
		{KindStorageConnection, []canary.Kind{canary.KindDNS, canary.KindPostgres}, canary.KindDNS},
		{KindRedisConnection, all, canary.KindDNS},
		{KindAPIKey, all, canary.KindHTTP},
		{KindPassword, all, canary.KindHTTP},
		{KindSQLConnection, []canary.Kind{canary.KindHTTP}, canary.KindHTTP},
		{KindAPIKey, []canary.Kind{canary.KindPostgres, canary.KindDNS}, canary.KindDNS},
		{KindAPIKey, nil, ""},
	}
	for _, tc := range tests {
		if got := CanaryKindFor(tc.vk, tc.kinds); got != tc.want {
			t.Errorf("CanaryKindFor(%s, %v) = %q; want %q", tc.vk, tc.kinds, got, tc.want)
		}
	}
}

// Bad public names and tokens get a clear error and no value.
func TestCanaryValueRefuses(t *testing.T) {
	tok := NewCanaryToken()
	bad := []struct {
		name string
		kind canary.Kind
		tok  string
		t    CanaryTargets
		want string
	}{
		{"no URL", canary.KindHTTP, tok, CanaryTargets{}, "no public URL"},
		{"ftp URL", canary.KindHTTP, tok, CanaryTargets{HTTPURL: "ftp://hooks.contoso-ops.net"}, "want http(s)"},
		{"URL with a credential", canary.KindHTTP, tok, CanaryTargets{HTTPURL: "https://a:b@hooks.contoso-ops.net"}, "no credentials"},
		{"giveaway zone", canary.KindDNS, tok, CanaryTargets{DNSZone: "canary.contoso-ops.net"}, `"canary"`},
		{"one-label zone", canary.KindDNS, tok, CanaryTargets{DNSZone: "net"}, "delegated zone"},
		{"bad label", canary.KindDNS, tok, CanaryTargets{DNSZone: "svc_x.contoso-ops.net"}, "not a DNS label"},
		{"bad port", canary.KindPostgres, tok, CanaryTargets{PostgresHost: "pg.contoso-ops.net:99999"}, "bad port"},
		{"no host", canary.KindPostgres, tok, CanaryTargets{}, "no public host"},
		{"unknown kind", "smtp", tok, testTargets, "unknown canary kind"},
		{"entra: no value of the planter's", canary.KindEntra, tok, testTargets, "unknown canary kind"},
		{"bad token", canary.KindHTTP, "short", testTargets, "not a usable canary token"},
	}
	for _, tc := range bad {
		v, err := ValueSpec{Kind: KindAPIKey}.CanaryValue(nil, tc.kind, tc.tok, tc.t)
		if err == nil || !strings.Contains(err.Error(), tc.want) || v != "" {
			t.Errorf("%s: got %q, %v; want an error with %q", tc.name, v, err, tc.want)
		}
	}
}

// NewCanaryToken never spells a giveaway word.
func TestNewCanaryToken(t *testing.T) {
	for range 2000 {
		tok := NewCanaryToken()
		if !canary.ValidToken(tok) || hasGiveaway(tok) {
			t.Fatalf("token %q", tok)
		}
	}
}

// With EveryKind a vault's secrets take the kinds in turn, each the best
// fit among those not yet given, then all again; without, each the best
// fit whatever the others took.
func TestKindTaker(t *testing.T) {
	vks := []ValueKind{KindSQLConnection, KindSQLConnection, KindSQLConnection, KindSQLConnection}
	tests := []struct {
		c    Canaries
		want []canary.Kind
	}{
		{Canaries{Kinds: canary.Kinds, EveryKind: true}, []canary.Kind{canary.KindDNS, canary.KindPostgres, canary.KindHTTP, canary.KindDNS}},
		{Canaries{Kinds: canary.Kinds}, []canary.Kind{canary.KindDNS, canary.KindDNS, canary.KindDNS, canary.KindDNS}},
		{Canaries{Kinds: []canary.Kind{canary.KindHTTP, canary.KindPostgres}, EveryKind: true}, []canary.Kind{canary.KindPostgres, canary.KindHTTP, canary.KindPostgres, canary.KindHTTP}},
	}
	for _, tc := range tests {
		taker := tc.c.Taker()
		var got []canary.Kind
		for _, vk := range vks {
			got = append(got, taker.Next(vk))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: kinds %v; want %v", tc.c, got, tc.want)
		}
	}
}

// canary.kinds takes the listeners' kinds only: entra is planted one app
// at a time (plant entra), and saying so beats "unknown".
func TestNewCanariesRefusesEntra(t *testing.T) {
	if _, err := NewCanaries([]string{"http", "entra"}, testTargets); err == nil || !strings.Contains(err.Error(), "plant entra") {
		t.Errorf("got %v; want entra refused, pointing at plant entra", err)
	}
	if _, err := NewCanaries([]string{"smtp"}, testTargets); err == nil || !strings.Contains(err.Error(), "unknown canary kind") {
		t.Errorf("got %v; want smtp unknown", err)
	}
}
