package plant

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// formsOf renders a style's forms as "kebab:3 PascalCase:1" for comparison.
func formsOf(s *Style) string {
	var parts []string
	for _, f := range s.Forms {
		parts = append(parts, fmt.Sprintf("%s:%d", f.Value, f.Weight))
	}
	return strings.Join(parts, " ")
}

func affixesOf(as []Weighted[Affix]) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, a.Value.String())
	}
	return strings.Join(parts, " ")
}

func TestLearnStyle(t *testing.T) {
	tests := []struct {
		name      string
		names     []string
		forms     string
		prefixes  string
		suffixes  string
		envs      string
		heads     string
		digitRate float64
	}{
		{
			name:  "kebab",
			names: []string{"db-password", "storage-account-key", "redis-connection-string", "api-key"},
			forms: "kebab:4",
		},
		{
			name:  "lower run together",
			names: []string{"dbpassword", "storageaccountkey", "apikey", "password"},
			forms: "lower:4",
		},
		{
			name:  "UPPER-KEBAB",
			names: []string{"DB-PASSWORD", "API-KEY", "STORAGE-KEY"},
			forms: "UPPER-KEBAB:3",
		},
		{
			name:  "UPPER run together",
			names: []string{"DBPASSWORD", "APIKEY", "STORAGEKEY"},
			forms: "UPPER:3",
		},
		{
			name:  "PascalCase",
			names: []string{"DbPassword", "StorageAccountKey", "ApiKey", "Password"},
			forms: "PascalCase:4",
		},
		{
			name:  "camelCase",
			names: []string{"dbPassword", "storageAccountKey", "apiKey", "password"},
			forms: "camelCase:4",
		},
		{
			name:  "Title-Dashed",
			names: []string{"Db-Password", "Storage-Account-Key", "Api-Key"},
			forms: "Title-Dashed:3",
		},
		{
			name:  ".NET sections",
			names: []string{"ConnectionStrings--Default", "ConnectionStrings--Orders", "AzureAd--ClientSecret", "Smtp--Password"},
			forms: "Section--Key PascalCase:4",
			heads: "ConnectionStrings AzureAd Smtp",
		},
		{
			name:     "app and environment prefix",
			names:    []string{"orders-prod-db-password", "orders-prod-api-key", "orders-dev-db-password", "orders-dev-api-key", "other-thing"},
			forms:    "kebab:5",
			prefixes: "orders-{env}",
			envs:     "dev prod",
		},
		{
			name:     "environment and region suffix",
			names:    []string{"db-password-prod-weu", "api-key-prod-weu", "storage-key-prod-neu"},
			forms:    "kebab:3",
			suffixes: "{env}-{region}",
			envs:     "prod",
		},
		{
			name:     "UPPER environment prefix keeps its spelling",
			names:    []string{"PROD-DB-PASSWORD", "PROD-API-KEY", "UAT-API-KEY"},
			forms:    "UPPER-KEBAB:3",
			prefixes: "{env}",
			envs:     "PROD UAT",
		},
		{
			name:      "numbered",
			names:     []string{"sql-password-01", "sql-password-02", "api-key-01", "redis-key"},
			forms:     "kebab:4",
			digitRate: 0.75,
		},
		{
			name:      "environment suffix before a number",
			names:     []string{"SQL-PASSWORD-PRD-01", "SQL-PASSWORD-PRD-02", "API-KEY-PRD-01", "REDIS-KEY-PRD-03"},
			forms:     "UPPER-KEBAB:4",
			suffixes:  "{env}",
			envs:      "PRD",
			digitRate: 1,
		},
		{
			name:     "CAF-style app prefix",
			names:    []string{"app-payments-prod-db-connection-string", "app-payments-prod-api-key", "app-payments-dev-api-key", "tls-wildcard-contoso-com"},
			forms:    "kebab:4",
			prefixes: "app-payments-{env}",
			envs:     "prod dev",
		},
		{
			name:  "mixed keeps both, weighted",
			names: []string{"db-password", "api-key", "storage-key", "ClientSecret", "SqlPassword"},
			forms: "kebab:3 PascalCase:2",
		},
		{
			name:  "rare form dropped as noise",
			names: []string{"a-b-c", "db-password", "api-key", "storage-key", "redis-key", "sql-key", "smtp-password", "blob-key", "sas-token", "cosmos-key", "OddOne"},
			forms: "kebab:10",
		},
		{
			name:  "ambiguous single words follow the clear names",
			names: []string{"password", "token", "DbPassword", "ApiKey", "Secret"},
			forms: "PascalCase:3 kebab:2",
		},
		{
			name:     "giveaway words never become affixes",
			names:    []string{"test-db-password", "test-api-key", "test-sql-key"},
			forms:    "kebab:3",
			prefixes: "",
		},
		{
			name:  "invalid names and repeats are ignored",
			names: []string{"db-password", "DB-PASSWORD", "bad_name", "", "x y"},
			forms: "kebab:1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := LearnStyle(tt.names)
			if got, want := formsOf(s), tt.forms; got != want {
				t.Errorf("forms = %q; want %q", got, want)
			}
			if got, want := affixesOf(s.Prefixes), tt.prefixes; got != want {
				t.Errorf("prefixes = %q; want %q", got, want)
			}
			if got, want := affixesOf(s.Suffixes), tt.suffixes; got != want {
				t.Errorf("suffixes = %q; want %q", got, want)
			}
			var envs []string
			for _, e := range s.Envs {
				envs = append(envs, e.Value)
			}
			if got, want := strings.Join(envs, " "), tt.envs; got != want {
				t.Errorf("envs = %q; want %q", got, want)
			}
			var heads []string
			for _, h := range s.Heads {
				heads = append(heads, h.Value)
			}
			if got, want := strings.Join(heads, " "), tt.heads; got != want {
				t.Errorf("heads = %q; want %q", got, want)
			}
			if got, want := s.Digits.Rate, tt.digitRate; got != want {
				t.Errorf("digit rate = %v; want %v", got, want)
			}
		})
	}
}

func TestLearnStyleEmptyIsHouseStyle(t *testing.T) {
	for _, names := range [][]string{nil, {}, {"", "not valid!", "under_score"}} {
		s := LearnStyle(names)
		if got, want := formsOf(s), "kebab:1"; got != want {
			t.Errorf("LearnStyle(%q) forms = %q; want %q", names, got, want)
		}
		if got, want := s.Names, 0; got != want {
			t.Errorf("LearnStyle(%q).Names = %d; want %d", names, got, want)
		}
	}
}

func TestLearnStyleIgnoresOrder(t *testing.T) {
	names := []string{"Orders-prod-DbPassword", "orders-prod-api-key", "ORDERS-dev-x", "orders-uat-y-01", "Smtp--Password", "key7"}
	want := LearnStyle(names).String() + fmt.Sprint(LearnStyle(names).Prefixes, LearnStyle(names).Vocabulary)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		s := LearnStyle(names)
		if got := s.String() + fmt.Sprint(s.Prefixes, s.Vocabulary); got != want {
			t.Fatalf("order %q learned %q; want %q", names, got, want)
		}
	}
}

func TestLearnStyleLengthAndDigits(t *testing.T) {
	s := LearnStyle([]string{"key1", "key2", "key10", "secret-20"})
	if got, want := s.Length, (LengthStats{Min: 4, P10: 4, Median: 4, P90: 5, Max: 9}); got != want {
		t.Errorf("length = %+v; want %+v", got, want)
	}
	if got, want := s.Digits, (DigitStyle{Rate: 1, Width: 1, Dashed: false, Min: 1, Max: 20}); got != want {
		t.Errorf("digits = %+v; want %+v", got, want)
	}
}
