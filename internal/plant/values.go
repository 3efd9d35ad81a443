package plant

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
)

// ValueHints are what a value borrows from its vault so it looks like it
// belongs there: a SQL server named after the vault's application and
// environment, a service principal in the vault's tenant and subscription.
// Every field may be empty.
type ValueHints struct {
	App            string // lower-case application name, e.g. "orders"
	Env            string // lower-case environment, e.g. "prod"
	Region         string // lower-case region, e.g. "weu"
	TenantID       string // the vault's Entra tenant id
	SubscriptionID string // the vault's subscription id
	// AWSRegion is a Secrets Manager store's region (us-east-1): hosts in
	// its values are AWS endpoints there.
	AWSRegion string `json:",omitempty"`
}

// ValueSpec says how to make a decoy secret's value. It holds no value: the
// deployer calls Generate when it writes the secret, and the value is never
// stored by honeyvault (keep a Hasher sum if it must be recognised later).
type ValueSpec struct {
	Kind   ValueKind
	Vendor string // API keys and signing keys: whose shape ("stripe", "github", "webhook"); "" for a generic one
	Hints  ValueHints
}

// String describes the spec without any value, for plans and logs.
func (v ValueSpec) String() string {
	if v.Vendor != "" {
		return string(v.Kind) + " (" + v.Vendor + ")"
	}
	return string(v.Kind)
}

// Generate makes a fresh value. Pass CryptoRand (or nil, which means the
// same) for anything that goes into a vault; a seeded generator only in
// tests. Values never contain a giveaway word.
func (v ValueSpec) Generate(rng *rand.Rand) (string, error) {
	rng = orCrypto(rng)
	for range 32 {
		s, err := v.generate(rng)
		if err != nil {
			return "", err
		}
		if _, bad := Giveaway(s); !bad {
			return s, nil
		}
	}
	return "", errors.New("plant: could not make a value free of giveaway words")
}

func (v ValueSpec) generate(rng *rand.Rand) (string, error) {
	h := v.Hints.withDefaults(rng)
	switch v.Kind {
	case KindPassword:
		return password(rng), nil
	case KindSQLConnection:
		return sqlConnection(rng, h), nil
	case KindStorageConnection:
		return storageConnection(rng, h), nil
	case KindServiceBusConnection:
		return serviceBusConnection(rng, h, v.Vendor == "eventhub"), nil
	case KindRedisConnection:
		return redisConnection(rng, h), nil
	case KindPostgresConnection:
		return postgresConnection(rng, h), nil
	case KindMongoConnection:
		return mongoConnection(rng, h), nil
	case KindStorageKey:
		return randBase64(rng, 64), nil
	case KindSAS:
		return sasToken(rng), nil
	case KindClientSecret:
		return clientSecret(rng), nil
	case KindServicePrincipal:
		return servicePrincipalJSON(rng, h)
	case KindPrivateKey:
		return privateKeyPEM(rng)
	case KindSSHKey:
		return sshKeyPEM(h)
	case KindSigningKey:
		if v.Vendor == "webhook" {
			return "whsec_" + randBase64(rng, 32), nil
		}
		return randBase64(rng, oneOf(rng, []int{32, 64})), nil
	case KindAPIKey:
		return apiKey(rng, v.Vendor), nil
	}
	return "", fmt.Errorf("plant: unknown value kind %q", v.Kind)
}

// withDefaults drops hints that would give a decoy away and fills an empty
// application name so that resource names in connection strings are never blank.
func (h ValueHints) withDefaults(rng *rand.Rand) ValueHints {
	h.App, h.Env, h.Region = hintWord(h.App), hintWord(h.Env), hintWord(h.Region)
	if h.App == "" {
		h.App = oneOf(rng, []string{"orders", "billing", "portal", "core", "payments", "crm", "inventory", "hr"})
	}
	return h
}

const (
	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars = "abcdefghijklmnopqrstuvwxyz"
	digitChars = "0123456789"
	alnumChars = upperChars + lowerChars + digitChars
	hexChars   = "0123456789abcdef"
	// passwordSymbols leaves out ; = " ' \ and space, which would need quoting
	// inside the connection strings that embed passwords.
	passwordSymbols = "!#$%*+-?@^_~."
)

func randString(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	return b[:n]
}

func randBase64(rng *rand.Rand, n int) string {
	return base64.StdEncoding.EncodeToString(randBytes(rng, n))
}

// uuid4 formats 16 random bytes as a version-4 UUID.
func uuid4(rng *rand.Rand) string {
	b := randBytes(rng, 16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// password is 20-28 characters with every class present, like a generated
// password from a password manager.
func password(rng *rand.Rand) string {
	n := 20 + rng.IntN(9)
	for {
		p := randString(rng, alnumChars+passwordSymbols, n)
		if strings.ContainsAny(p, upperChars) && strings.ContainsAny(p, lowerChars) &&
			strings.ContainsAny(p, digitChars) && strings.ContainsAny(p, passwordSymbols) {
			return p
		}
	}
}

// resourceName builds an Azure resource name in the Cloud Adoption
// Framework's shape: type prefix, application, environment, region.
func resourceName(prefix string, h ValueHints, limit int) string {
	parts := []string{prefix, h.App}
	if h.Env != "" {
		parts = append(parts, h.Env)
	}
	if h.Region != "" {
		parts = append(parts, h.Region)
	}
	s := strings.Join(parts, "-")
	if len(s) > limit {
		s = strings.TrimRight(s[:limit], "-")
	}
	return s
}
