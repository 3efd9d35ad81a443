package plant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Field is one named value of a secret that is a map: a field of a Vault
// KV v2 secret's data, a key of a Secrets Manager secret's JSON object.
type Field struct {
	Name  string
	Value any // a string, or an int for a port
}

// Fields is a secret's value as named fields, in the order people write
// them (an RDS secret starts with username and password).
type Fields []Field

// Map returns the fields as a map, the form Vault's client sends.
func (fs Fields) Map() map[string]any {
	m := make(map[string]any, len(fs))
	for _, f := range fs {
		m[f.Name] = f.Value
	}
	return m
}

// MarshalJSON writes the fields as one JSON object, in their order.
func (fs Fields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// VendorDatabase marks a password of a path-based store's secret whose
// name says it is a database's: its fields are a whole database login
// (engine, host, port, database), as AWS stores RDS credentials.
const VendorDatabase = "database"

// Fields makes a fresh value as fields, for a store whose secrets are maps
// or JSON objects: an RDS-style login for databases
// ({"username","password","engine","host","port","dbname"}), {"api_key"}
// for an API key, {"client_id","client_secret","tenant_id"} for a client
// secret, a one-field map of Generate's value for the other kinds. The
// same rules as Generate hold: pass CryptoRand (or nil) for anything that
// goes into a store; no field contains a giveaway word.
func (v ValueSpec) Fields(rng *rand.Rand) (Fields, error) {
	rng = orCrypto(rng)
	for range 32 {
		fs, err := v.fields(rng)
		if err != nil {
			return nil, err
		}
		if !fieldsGiveaway(fs) {
			return fs, nil
		}
	}
	return nil, errors.New("plant: could not make fields free of giveaway words")
}

// JSON makes a fresh value as one JSON object of Fields, the shape of a
// Secrets Manager SecretString.
func (v ValueSpec) JSON(rng *rand.Rand) (string, error) {
	fs, err := v.Fields(rng)
	if err != nil {
		return "", err
	}
	b, err := fs.MarshalJSON()
	return string(b), err
}

func fieldsGiveaway(fs Fields) bool {
	for _, f := range fs {
		if s, ok := f.Value.(string); ok {
			if _, bad := Giveaway(s); bad {
				return true
			}
		}
	}
	return false
}

func (v ValueSpec) fields(rng *rand.Rand) (Fields, error) {
	h := v.Hints.withDefaults(rng)
	switch v.Kind {
	case KindPassword:
		if v.Vendor == VendorDatabase {
			return dbLogin(rng, h, oneOf(rng, []string{"postgres", "postgres", "mysql"})), nil
		}
		return Fields{{"username", oneOf(rng, []string{h.App + "_svc", h.App, "svc-" + h.App, "admin"})}, {"password", password(rng)}}, nil
	case KindPostgresConnection:
		return dbLogin(rng, h, "postgres"), nil
	case KindSQLConnection:
		return dbLogin(rng, h, oneOf(rng, []string{"sqlserver", "mysql", "postgres"})), nil
	case KindMongoConnection:
		return dbLogin(rng, h, "mongo"), nil
	case KindRedisConnection:
		return Fields{{"host", serviceHost(rng, h, "redis")}, {"port", 6379}, {"password", randBase64(rng, 32)}}, nil
	case KindStorageKey:
		return Fields{{"account_name", storageAccountName(rng, h)}, {"account_key", randBase64(rng, 64)}}, nil
	case KindClientSecret:
		return Fields{{"client_id", uuid4(rng)}, {"client_secret", clientSecret(rng)}, {"tenant_id", cmpOr(h.TenantID, uuid4(rng))}}, nil
	case KindServicePrincipal:
		return servicePrincipalFields(rng, h)
	case KindAPIKey:
		if v.Vendor == "aws" {
			return Fields{{"aws_access_key_id", "AKIA" + randString(rng, upperChars+"234567", 16)}, {"aws_secret_access_key", apiKey(rng, "aws")}}, nil
		}
		return Fields{{"api_key", apiKey(rng, v.Vendor)}}, nil
	}
	s, err := v.generate(rng)
	if err != nil {
		return nil, err
	}
	return Fields{{singleFieldName(v), s}}, nil
}

// singleFieldName names the one field of the kinds that hold one string.
func singleFieldName(v ValueSpec) string {
	switch v.Kind {
	case KindSAS:
		return "sas_token"
	case KindPrivateKey, KindSSHKey:
		return "private_key"
	case KindSigningKey:
		if v.Vendor == "webhook" {
			return "webhook_secret"
		}
		return "signing_key"
	}
	return "connection_string"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// dbPorts are each engine's default port.
var dbPorts = map[string]int{"postgres": 5432, "mysql": 3306, "mariadb": 3306, "sqlserver": 1433, "oracle": 1521, "mongo": 27017}

// dbLogin is a database login as AWS's RDS and DocumentDB secrets hold one.
func dbLogin(rng *rand.Rand, h ValueHints, engine string) Fields {
	user := oneOf(rng, []string{h.App + "_app", h.App + "_svc", h.App + "admin", "dbadmin"})
	return Fields{
		{"username", user},
		{"password", password(rng)},
		{"engine", engine},
		{"host", serviceHost(rng, h, engine)},
		{"port", dbPorts[engine]},
		{"dbname", oneOf(rng, []string{h.App, h.App + "db", h.App + "_" + cmpOr(h.Env, "main")})},
	}
}

// serviceHost is where a database or cache of the application runs: an
// RDS, DocumentDB or ElastiCache endpoint in a Secrets Manager store's
// region, a host under .internal elsewhere.
func serviceHost(rng *rand.Rand, h ValueHints, engine string) string {
	base := h.App
	if h.Env != "" {
		base += "-" + h.Env
	}
	if h.AWSRegion != "" {
		id := randString(rng, lowerChars+digitChars, 12)
		switch engine {
		case "mongo":
			return fmt.Sprintf("%s.cluster-%s.%s.docdb.amazonaws.com", base, id, h.AWSRegion)
		case "redis":
			return fmt.Sprintf("master.%s.%s.%s.cache.amazonaws.com", base, randString(rng, lowerChars+digitChars, 6), shortRegion(h.AWSRegion))
		}
		return fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", base, id, h.AWSRegion)
	}
	short := map[string]string{"postgres": "pg", "sqlserver": "mssql", "mongo": "mongo", "redis": "redis"}[engine]
	return fmt.Sprintf("%s-%s%02d.%s.internal", base, cmpOr(short, engine), 1+rng.IntN(3), h.App)
}

// shortRegion is a region as ElastiCache endpoints write it: us-east-1 → use1.
func shortRegion(r string) string {
	var b strings.Builder
	for i, w := range strings.Split(r, "-") {
		switch {
		case i == 1 && len(w) > 0:
			b.WriteByte(w[0])
		default:
			b.WriteString(w)
		}
	}
	return b.String()
}

func servicePrincipalFields(rng *rand.Rand, h ValueHints) (Fields, error) {
	s, err := servicePrincipalJSON(rng, h)
	if err != nil {
		return nil, err
	}
	var sp servicePrincipal
	if err := json.Unmarshal([]byte(s), &sp); err != nil {
		return nil, err
	}
	return Fields{{"clientId", sp.ClientID}, {"clientSecret", sp.ClientSecret}, {"subscriptionId", sp.SubscriptionID}, {"tenantId", sp.TenantID}}, nil
}
