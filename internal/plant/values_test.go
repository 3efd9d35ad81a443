package plant

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		want ValueKind
	}{
		{"db-password", KindPassword},
		{"SqlAdminPwd", KindPassword},
		{"Orders--ConnectionStrings--Sql", KindSQLConnection},
		{"ConnectionStrings--DefaultConnection", KindSQLConnection},
		{"sql-connection-string", KindSQLConnection},
		{"StorageConnectionString", KindStorageConnection},
		{"blob-conn", KindStorageConnection},
		{"servicebus-connection-string", KindServiceBusConnection},
		{"EventHubConnectionString", KindServiceBusConnection},
		{"redis-connection", KindRedisConnection},
		{"PostgresConnectionString", KindPostgresConnection},
		{"cosmos-mongo-connection-string", KindMongoConnection},
		{"storage-account-key", KindStorageKey},
		{"StorageKey", KindStorageKey},
		{"sas-token", KindSAS},
		{"client-secret", KindClientSecret},
		{"AzureAd--ClientSecret", KindClientSecret},
		{"service-principal", KindServicePrincipal},
		{"AZURE-CREDENTIALS", KindServicePrincipal},
		{"private-key", KindPrivateKey},
		{"tls-key-pem", KindPrivateKey},
		{"ssh-key", KindSSHKey},
		{"jwt-signing-key", KindSigningKey},
		{"webhook-secret", KindSigningKey},
		{"api-key", KindAPIKey},
		{"StripeApiKey", KindAPIKey},
		{"deploy-token", KindAPIKey},
		{"whatever", KindAPIKey},
	}
	for _, tt := range tests {
		if got, want := KindOf(tt.name), tt.want; got != want {
			t.Errorf("KindOf(%q) = %q; want %q", tt.name, got, want)
		}
	}
}

// kv parses "k=v;k=v" (or another separator) and fails on a part without "=".
func kv(t *testing.T, s, sep string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, part := range strings.Split(strings.TrimSuffix(s, sep), sep) {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			t.Fatalf("%q: part %q is not key=value", s, part)
		}
		out[k] = v
	}
	return out
}

func mustB64(t *testing.T, s string, n int) {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != n {
		t.Errorf("%q: want base64 of %d bytes (got %d bytes, %v)", s, n, len(b), err)
	}
}

func gen(t *testing.T, spec ValueSpec, seed uint64) string {
	t.Helper()
	v, err := spec.Generate(SeededRand(seed))
	if err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	return v
}

var hints = ValueHints{App: "orders", Env: "prod", Region: "weu", TenantID: "11111111-2222-4333-8444-555555555555", SubscriptionID: "66666666-7777-4888-9999-000000000000"}

func TestValueShapes(t *testing.T) {
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	t.Run("password", func(t *testing.T) {
		p := gen(t, ValueSpec{Kind: KindPassword}, 1)
		if len(p) < 20 || len(p) > 28 || !strings.ContainsAny(p, upperChars) || !strings.ContainsAny(p, lowerChars) ||
			!strings.ContainsAny(p, digitChars) || !strings.ContainsAny(p, passwordSymbols) || strings.ContainsAny(p, ";=\"' ") {
			t.Errorf("password %q: want 20-28 characters of every class, none that needs quoting", p)
		}
	})
	t.Run("sql", func(t *testing.T) {
		m := kv(t, gen(t, ValueSpec{Kind: KindSQLConnection, Hints: hints}, 1), ";")
		if got, want := m["Server"], "tcp:sql-orders-prod-weu.database.windows.net,1433"; got != want {
			t.Errorf("Server = %q; want %q", got, want)
		}
		for _, k := range []string{"Initial Catalog", "User ID", "Password", "Encrypt"} {
			if m[k] == "" {
				t.Errorf("no %s in %v", k, m)
			}
		}
	})
	t.Run("storage", func(t *testing.T) {
		m := kv(t, gen(t, ValueSpec{Kind: KindStorageConnection, Hints: hints}, 1), ";")
		if !regexp.MustCompile(`^stordersprod[a-z0-9]{3,4}$`).MatchString(m["AccountName"]) {
			t.Errorf("AccountName %q is not a storage account name for orders/prod", m["AccountName"])
		}
		// AccountKey ends in "==", which kv keeps since it cuts at the first "=".
		mustB64(t, m["AccountKey"], 64)
		if got, want := m["DefaultEndpointsProtocol"], "https"; got != want {
			t.Errorf("protocol %q; want %q", got, want)
		}
	})
	t.Run("servicebus", func(t *testing.T) {
		m := kv(t, gen(t, ValueSpec{Kind: KindServiceBusConnection, Hints: hints}, 1), ";")
		if got, want := m["Endpoint"], "sb://sb-orders-prod-weu.servicebus.windows.net/"; got != want {
			t.Errorf("Endpoint = %q; want %q", got, want)
		}
		mustB64(t, m["SharedAccessKey"], 32)
		m = kv(t, gen(t, ValueSpec{Kind: KindServiceBusConnection, Vendor: "eventhub", Hints: hints}, 1), ";")
		if m["EntityPath"] == "" {
			t.Errorf("event hub connection string without EntityPath: %v", m)
		}
	})
	t.Run("redis", func(t *testing.T) {
		v := gen(t, ValueSpec{Kind: KindRedisConnection, Hints: hints}, 1)
		host, rest, _ := strings.Cut(v, ",")
		if got, want := host, "redis-orders-prod-weu.redis.cache.windows.net:6380"; got != want {
			t.Errorf("host %q; want %q", got, want)
		}
		mustB64(t, kv(t, rest, ",")["password"], 32)
	})
	t.Run("postgres", func(t *testing.T) {
		m := kv(t, gen(t, ValueSpec{Kind: KindPostgresConnection, Hints: hints}, 1), ";")
		if got, want := m["Server"], "psql-orders-prod-weu.postgres.database.azure.com"; got != want {
			t.Errorf("Server = %q; want %q", got, want)
		}
		if m["Password"] == "" || m["Ssl Mode"] != "Require" {
			t.Errorf("postgres connection string %v", m)
		}
	})
	t.Run("mongodb", func(t *testing.T) {
		u, err := url.Parse(gen(t, ValueSpec{Kind: KindMongoConnection, Hints: hints}, 1))
		if err != nil {
			t.Fatal(err)
		}
		pw, _ := u.User.Password()
		if u.Scheme != "mongodb" || u.Port() != "10255" || u.User.Username() != "cosmos-orders-prod-weu" || u.Query().Get("ssl") != "true" {
			t.Errorf("mongodb url %v", u)
		}
		mustB64(t, pw, 64)
	})
	t.Run("storage key", func(t *testing.T) {
		mustB64(t, gen(t, ValueSpec{Kind: KindStorageKey}, 1), 64)
	})
	t.Run("sas", func(t *testing.T) {
		q, err := url.ParseQuery(gen(t, ValueSpec{Kind: KindSAS}, 1))
		if err != nil {
			t.Fatal(err)
		}
		mustB64(t, q.Get("sig"), 32)
		if q.Get("sv") == "" || q.Get("se") == "" || q.Get("spr") != "https" {
			t.Errorf("sas %v", q)
		}
	})
	t.Run("client secret", func(t *testing.T) {
		if v := gen(t, ValueSpec{Kind: KindClientSecret}, 1); !regexp.MustCompile(`^[A-Za-z0-9]{3}[0-9]Q~[A-Za-z0-9_.~-]{34}$`).MatchString(v) {
			t.Errorf("client secret %q has not the Entra shape", v)
		}
	})
	t.Run("service principal", func(t *testing.T) {
		var sp map[string]string
		if err := json.Unmarshal([]byte(gen(t, ValueSpec{Kind: KindServicePrincipal, Hints: hints}, 1)), &sp); err != nil {
			t.Fatal(err)
		}
		if !guid.MatchString(sp["clientId"]) || sp["tenantId"] != hints.TenantID || sp["subscriptionId"] != hints.SubscriptionID || sp["clientSecret"] == "" {
			t.Errorf("service principal %v", sp)
		}
		if err := json.Unmarshal([]byte(gen(t, ValueSpec{Kind: KindServicePrincipal}, 1)), &sp); err != nil || !guid.MatchString(sp["tenantId"]) {
			t.Errorf("service principal without hints: %v, %v", sp, err)
		}
	})
	t.Run("pem", func(t *testing.T) {
		for seed := range uint64(4) { // both algorithms
			block, rest := pem.Decode([]byte(gen(t, ValueSpec{Kind: KindPrivateKey}, seed)))
			if block == nil || block.Type != "PRIVATE KEY" || len(strings.TrimSpace(string(rest))) != 0 {
				t.Fatalf("not one PEM private key block")
			}
			if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("ssh", func(t *testing.T) {
		if _, err := ssh.ParseRawPrivateKey([]byte(gen(t, ValueSpec{Kind: KindSSHKey, Hints: hints}, 1))); err != nil {
			t.Error(err)
		}
	})
	t.Run("signing key", func(t *testing.T) {
		v := gen(t, ValueSpec{Kind: KindSigningKey}, 1)
		if b, err := base64.StdEncoding.DecodeString(v); err != nil || len(b) < 32 {
			t.Errorf("signing key %q: want base64 of 32 or 64 bytes", v)
		}
		if v := gen(t, ValueSpec{Kind: KindSigningKey, Vendor: "webhook"}, 1); !strings.HasPrefix(v, "whsec_") {
			t.Errorf("webhook secret %q", v)
		}
	})
	t.Run("api keys", func(t *testing.T) {
		shapes := map[string]string{
			"stripe":   `^sk_live_[A-Za-z0-9]{99}$`,
			"sendgrid": `^SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$`,
			"github":   `^ghp_[A-Za-z0-9]{36}$`,
			"slack":    `^xoxb-\d{13}-\d{13}-[A-Za-z0-9]{24}$`,
			"google":   `^AIza[A-Za-z0-9_-]{35}$`,
			"":         `^([0-9a-f]{32}|[A-Za-z0-9]{40}|[A-Za-z0-9+/]{43}=|[A-Za-z0-9_-]{43})$`,
		}
		for vendor, shape := range shapes {
			for seed := range uint64(8) {
				if v := gen(t, ValueSpec{Kind: KindAPIKey, Vendor: vendor}, seed); !regexp.MustCompile(shape).MatchString(v) {
					t.Errorf("%s key %q does not match %s", vendor, v, shape)
				}
			}
		}
	})
}

func TestValueUnknownKind(t *testing.T) {
	if _, err := (ValueSpec{Kind: "nonsense"}).Generate(SeededRand(1)); err == nil {
		t.Error("Generate of an unknown kind: no error")
	}
}

// TestValuesNeverGiveAway checks many values of every cheap kind, including
// hints that would give a decoy away if they were used unchecked.
func TestValuesNeverGiveAway(t *testing.T) {
	kinds := []ValueKind{KindPassword, KindSQLConnection, KindStorageConnection, KindServiceBusConnection,
		KindRedisConnection, KindPostgresConnection, KindMongoConnection, KindStorageKey, KindSAS,
		KindClientSecret, KindServicePrincipal, KindSigningKey, KindAPIKey}
	bad := ValueHints{App: "latest", Env: "test", Region: "Honey-Region"}
	for _, k := range kinds {
		for seed := range uint64(300) {
			h := hints
			if seed%2 == 1 {
				h = bad
			}
			v := gen(t, ValueSpec{Kind: k, Hints: h}, seed)
			if w, bad := Giveaway(v); bad {
				t.Fatalf("%s value %q contains %q", k, v, w)
			}
		}
	}
}

func TestValueSpecStringHoldsNoValue(t *testing.T) {
	if got, want := (ValueSpec{Kind: KindAPIKey, Vendor: "stripe", Hints: hints}).String(), "api-key (stripe)"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
