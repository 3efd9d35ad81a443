package plant

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// generate makes n names like existing with a seeded generator.
func generate(t testing.TB, existing, keywords []string, n int, seed uint64) []string {
	t.Helper()
	namer, err := NewNamer(LearnStyle(existing), keywords, existing)
	if err != nil {
		t.Fatal(err)
	}
	rng := SeededRand(seed)
	out := make([]string, n)
	for i := range out {
		if out[i], err = namer.Next(rng); err != nil {
			t.Fatalf("name %d: %v", i, err)
		}
	}
	return out
}

// checkNames fails t unless every name is a valid Key Vault name without a
// giveaway word, distinct from existing and from each other even ignoring
// case and dashes.
func checkNames(t testing.TB, names, existing []string) {
	t.Helper()
	seen := map[string]string{}
	for _, e := range existing {
		seen[squash(e)] = e
	}
	for _, n := range names {
		if !registry.ValidObjectName(n) {
			t.Errorf("%q is not a valid Key Vault name", n)
		}
		if w, bad := Giveaway(n); bad {
			t.Errorf("%q contains the giveaway word %q", n, w)
		}
		if prev, dup := seen[squash(n)]; dup {
			t.Errorf("%q collides with %q", n, prev)
		}
		seen[squash(n)] = n
	}
}

func TestNamesFollowStyle(t *testing.T) {
	tests := []struct {
		name  string
		like  []string
		match string // every generated name matches
	}{
		{"kebab", []string{"db-password", "storage-account-key", "api-key"}, `^[a-z0-9]+(-[a-z0-9]+)*$`},
		{"PascalCase", []string{"DbPassword", "StorageAccountKey", "ApiKey"}, `^([A-Z][a-z0-9]*)+$`},
		{"camelCase", []string{"dbPassword", "storageAccountKey", "apiKey"}, `^[a-z][a-z0-9]*([A-Z][a-z0-9]*)*$`},
		{"UPPER-KEBAB", []string{"DB-PASSWORD", "STORAGE-KEY", "API-KEY"}, `^[A-Z0-9]+(-[A-Z0-9]+)*$`},
		{"lower", []string{"dbpassword", "storageaccountkey", "apikey"}, `^[a-z0-9]+$`},
		{".NET sections", []string{"ConnectionStrings--Default", "AzureAd--ClientSecret", "Smtp--Password"}, `^[A-Z][A-Za-z0-9]*--[A-Z][A-Za-z0-9]*$`},
		{"app and environment prefix", []string{"orders-prod-db-password", "orders-prod-api-key", "orders-uat-api-key"}, `^orders-(prod|uat)-[a-z0-9-]+$`},
		{"environment and region suffix", []string{"db-password-prod-weu", "api-key-prod-weu", "storage-key-prod-weu"}, `^[a-z0-9-]+-prod-weu$`},
		{"suffix and number", []string{"SQL-PASSWORD-PRD-01", "API-KEY-PRD-02", "REDIS-KEY-PRD-03"}, `^[A-Z-]+-PRD-0[0-5]$`},
		{"numbered", []string{"sql-password-01", "api-key-02", "storage-key-03"}, `^[a-z-]+-0[0-5]$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re := regexp.MustCompile(tt.match)
			names := generate(t, tt.like, nil, 40, 1)
			checkNames(t, names, tt.like)
			for _, n := range names {
				if !re.MatchString(n) {
					t.Errorf("%q does not match %s", n, tt.match)
				}
			}
		})
	}
}

func TestNamesMixedStyleIsWeighted(t *testing.T) {
	like := []string{"db-password", "api-key", "storage-key", "redis-key", "smtp-password", "sql-key", "ClientSecret", "SqlPassword"}
	names := generate(t, like, nil, 400, 3)
	pascal := 0
	for _, n := range names {
		if n[0] >= 'A' && n[0] <= 'Z' {
			pascal++
		}
	}
	// 2 of 8 names are PascalCase: about a quarter of the decoys should be.
	if pascal < 60 || pascal > 140 {
		t.Errorf("%d of %d names PascalCase; want about 100", pascal, len(names))
	}
}

func TestNamesUseKeywords(t *testing.T) {
	names := generate(t, []string{"db-password", "api-key"}, []string{"Warehouse-Login"}, 20, 5)
	for _, n := range names {
		if !strings.Contains(n, "warehouse-login") {
			t.Errorf("%q does not use the keyword", n)
		}
	}
}

func TestNamesDeterministic(t *testing.T) {
	like := []string{"orders-prod-db-password", "orders-prod-api-key", "OrdersKey"}
	a := generate(t, like, nil, 50, 42)
	b := generate(t, like, nil, 50, 42)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different names:\n%q\n%q", a, b)
	}
	// A longer run starts with the shorter one.
	if c := generate(t, like, nil, 10, 42); !slices.Equal(c, a[:10]) {
		t.Errorf("--count 10 gave %q; want the first ten of --count 50, %q", c, a[:10])
	}
	if c := generate(t, like, nil, 50, 43); slices.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same names")
	}
}

func TestNamesNeverCollide(t *testing.T) {
	// A single keyword and a vault that already holds it in every spelling:
	// names must still come out, all different.
	like := []string{"api-key", "API-KEY", "ApiKey", "apikey", "api-key-2", "api-key-3"}
	names := generate(t, like, []string{"api-key"}, 200, 9)
	checkNames(t, names, like)
	for _, n := range names {
		if strings.EqualFold(n, "api-key") || squash(n) == "apikey" {
			t.Errorf("%q collides with an existing name", n)
		}
	}
}

func TestNamesNoFreeName(t *testing.T) {
	long := strings.Repeat("k", 64)
	style := HouseStyle()
	style.Prefixes = []Weighted[Affix]{{Affix{long}, 1}}
	style.PrefixRate = 1
	namer, err := NewNamer(style, []string{long}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := namer.Next(SeededRand(1)); !errors.Is(err, ErrNoName) {
		t.Errorf("Next with only over-long candidates: error %v; want ErrNoName", err)
	}
}

func TestNamesRejectBadStyle(t *testing.T) {
	for _, s := range []*Style{
		{},
		{Forms: []Weighted[Form]{{Form{}, 0}}},
		{Forms: HouseStyle().Forms, Envs: []Weighted[string]{{"prod", -1}}},
	} {
		if _, err := NewNamer(s, nil, nil); err == nil {
			t.Errorf("NewNamer(%+v): no error", s)
		}
	}
	// Odd digit ranges still give names.
	s := HouseStyle()
	s.Digits = DigitStyle{Rate: 1, Width: 9, Min: 100, Max: 1}
	namer, err := NewNamer(s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := namer.Next(SeededRand(1)); err != nil || !regexp.MustCompile(`[a-z]00010[0-2]$`).MatchString(n) {
		t.Errorf("Next = %q, %v; want a name ending in a 6-digit number from 100", n, err)
	}
}

func TestNamesRejectBadKeywords(t *testing.T) {
	for _, kws := range [][]string{{}, {"honeypot"}, {"under_score"}, {"api-key", "latest"}} {
		if _, err := NewNamer(nil, kws, nil); err == nil {
			t.Errorf("NewNamer with keywords %q: no error", kws)
		}
	}
}

// TestNamesNeverGiveAway is a property test: over many seeds and vaults whose
// own names are full of giveaway words (which must not leak into decoys), and
// keywords that could form one when run together, no name gives itself away.
func TestNamesNeverGiveAway(t *testing.T) {
	vaults := [][]string{
		nil,
		{"test-db-password", "test-api-key", "latest-token", "bootstrap-secret", "sample-key"},
		{"TestDbPassword", "HoneyApiKey", "CanaryKey", "DecoySecret"},
		{"Example--ApiKey", "Sentinel--Password", "Failure--Webhook"},
		{"prod-fake-key", "prod-dummy-password", "prod-mock-token", "prod-bait-secret"},
		{"tes-a", "tes-b", "tes-c", "la-x", "la-y"},
		{"SAM", "PLE", "HON", "EY"},
		// Fragments that become qualifier words and meet keyword fragments in
		// run-together names: "Sam"+"Ple", "Hon"+"Ey", "Tes"+"T".
		{"sam-api-key", "hon-db-password", "tes-key", "lu-x", "StorageKey", "ApiKey", "DbPassword", "SasToken"},
	}
	keywordSets := [][]string{nil, {"t", "est", "tes"}, {"hon", "ey", "sam", "ple", "de", "coy"}, {"ca", "nary", "lu", "re", "ple"}}
	for vi, like := range vaults {
		for ki, kws := range keywordSets {
			for seed := range uint64(25) {
				names := generate(t, like, kws, 20, seed)
				checkNames(t, names, like)
				if t.Failed() {
					t.Fatalf("vault %d, keywords %d, seed %d", vi, ki, seed)
				}
			}
		}
	}
}

// The namer never proposes a name in the heartbeat's reserved space: its
// giveaway list already keeps "honey" out, and acceptable refuses the
// prefix itself, so that a change to that list cannot let one through.
func TestNamerAvoidsHeartbeatPrefix(t *testing.T) {
	namer, err := NewNamer(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if namer.acceptable(registry.HeartbeatPrefix + "password") {
		t.Error("acceptable took a heartbeat name")
	}
}
