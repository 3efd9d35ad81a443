package plant

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func fieldNames(fs Fields) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func TestFieldsShapes(t *testing.T) {
	rds := []string{"username", "password", "engine", "host", "port", "dbname"}
	tests := []struct {
		leaf string
		h    ValueHints
		want []string
	}{
		{"db_credentials", ValueHints{App: "payments", Env: "prod", AWSRegion: "eu-west-1"}, rds},
		{"orders-db-password", ValueHints{}, rds},
		{"postgres-connection-string", ValueHints{}, rds},
		{"smtp-password", ValueHints{}, []string{"username", "password"}},
		{"stripe_api_key", ValueHints{}, []string{"api_key"}},
		{"aws-credentials", ValueHints{}, []string{"aws_access_key_id", "aws_secret_access_key"}},
		{"azure-sp-credentials", ValueHints{}, []string{"clientId", "clientSecret", "subscriptionId", "tenantId"}},
		{"graph-client-secret", ValueHints{}, []string{"client_id", "client_secret", "tenant_id"}},
		{"redis-connection-string", ValueHints{}, []string{"host", "port", "password"}},
		{"webhook-secret", ValueHints{}, []string{"webhook_secret"}},
		{"jwt-signing-key", ValueHints{}, []string{"signing_key"}},
		{"deploy-ssh-key", ValueHints{}, []string{"private_key"}},
		{"storage-account-key", ValueHints{}, []string{"account_name", "account_key"}},
	}
	for _, tt := range tests {
		t.Run(tt.leaf, func(t *testing.T) {
			v := pathValueSpec(tt.leaf, tt.h)
			fs, err := v.Fields(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := fieldNames(fs); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("%s (%s): fields %v; want %v", tt.leaf, v, got, tt.want)
			}
			for _, f := range fs {
				switch x := f.Value.(type) {
				case string:
					if x == "" {
						t.Errorf("field %s is empty", f.Name)
					}
				case int:
					if f.Name != "port" || x <= 0 {
						t.Errorf("field %s = %d: only ports are numbers", f.Name, x)
					}
				default:
					t.Errorf("field %s is a %T", f.Name, x)
				}
			}
			// The JSON form is one object with the same fields, in order.
			s, err := fs.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(s, &back); err != nil || len(back) != len(fs) {
				t.Fatalf("JSON %s: %v, %d keys; want %d", s, err, len(back), len(fs))
			}
			if !strings.HasPrefix(string(s), `{"`+fs[0].Name+`":`) {
				t.Errorf("JSON %s does not start with %s", s, fs[0].Name)
			}
		})
	}
}

func TestFieldsDatabaseLogin(t *testing.T) {
	v := pathValueSpec("db_credentials", ValueHints{App: "payments", Env: "prod", AWSRegion: "eu-west-1"})
	fs, err := v.Fields(SeededRand(4))
	if err != nil {
		t.Fatal(err)
	}
	m := fs.Map()
	if !regexp.MustCompile(`^payments-prod\.[a-z0-9]{12}\.eu-west-1\.rds\.amazonaws\.com$`).MatchString(m["host"].(string)) {
		t.Errorf("host %q: want an RDS endpoint of the store's region", m["host"])
	}
	if port, engine := m["port"].(int), m["engine"].(string); dbPorts[engine] != port {
		t.Errorf("engine %s on port %d", engine, port)
	}
	// In a Vault store (no AWS region) the host is an internal name.
	v.Hints.AWSRegion = ""
	fs, _ = v.Fields(SeededRand(4))
	if h := fs.Map()["host"].(string); !strings.HasSuffix(h, ".payments.internal") {
		t.Errorf("host %q: want an internal host of the application", h)
	}
}

func TestFieldsFreshAndClean(t *testing.T) {
	// Crypto randomness: two values are never the same; no field carries a
	// word that gives a decoy away, whatever the hints say.
	v := pathValueSpec("honeytoken-db-password", ValueHints{App: "honeypot", Env: "prod"})
	seen := map[string]bool{}
	for range 20 {
		s, err := v.JSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatalf("value repeated: %s", s)
		}
		seen[s] = true
		if w, bad := Giveaway(s); bad {
			t.Fatalf("value %s contains %q", s, w)
		}
	}
	// A seeded generator gives the same fields (tests only).
	a, _ := v.JSON(SeededRand(9))
	b, _ := v.JSON(SeededRand(9))
	if a != b {
		t.Errorf("seeded fields differ: %s, %s", a, b)
	}
	if _, err := (ValueSpec{Kind: "nonsense"}).Fields(nil); err == nil {
		t.Error("an unknown kind made fields")
	}
}
