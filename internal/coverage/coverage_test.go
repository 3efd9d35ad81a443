package coverage

import (
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestAssess(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	policy := Policy{Types: []registry.Type{registry.Secret, registry.Key}, LateAfter: 24 * time.Hour}
	secret := registry.Decoy{ID: 1, Type: registry.Secret, Status: registry.Active, Name: "PaymentsDb-ConnectionString"}
	key := registry.Decoy{ID: 2, Type: registry.Key, Status: registry.Active, Name: "payments-cmk"}
	retired := func(d registry.Decoy) registry.Decoy { d.Status = registry.Retired; return d }
	missing := func(d registry.Decoy) registry.Decoy { d.Status = registry.Missing; return d }
	recent := now.Add(-40 * time.Second)

	scenarios := []struct {
		name    string
		facts   Facts
		want    State
		reasons []string // each in one of the reasons
	}{
		{"every type active and records arriving", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key}), LastRecord: recent},
			Covered, []string{"2 active decoys (secret, key)", "40s ago"}},
		{"no decoy", Facts{LastRecord: recent}, NotCovered, []string{"no decoy planted"}},
		{"no decoy, planting blocked", Facts{PlantingBlocked: "missing secrets/set; fix: az keyvault set-policy"},
			NotCovered, []string{"no decoy planted", "planting cannot work here yet: missing secrets/set"}},
		{"only retired decoys", Facts{Decoys: CountDecoys([]registry.Decoy{retired(secret)}), LastRecord: recent},
			NotCovered, []string{"every decoy planted here has been retired"}},
		{"only missing decoys", Facts{Decoys: CountDecoys([]registry.Decoy{missing(secret), missing(key)}), LastRecord: recent},
			NotCovered, []string{"2 decoys are missing"}},
		{"a type missing", Facts{Decoys: CountDecoys([]registry.Decoy{secret}), LastRecord: recent},
			AtRisk, []string{"no active key decoy (plant.types asks for secret and key)"}},
		{"records never seen", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key})},
			AtRisk, []string{"no audit record of this vault has reached honeyvault", "diagnostic setting"}},
		{"audit path doubted, records arriving", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key}), LastRecord: recent,
			AuditPath: "the vault has no diagnostic setting: its audit log goes nowhere"},
			AtRisk, []string{"diagnostic settings: the vault has no diagnostic setting"}},
		{"records late", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key}), LastRecord: now.Add(-3 * 24 * time.Hour)},
			AtRisk, []string{"no audit record for 3 days (late after 24 h)"}},
		{"records just within the bound", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key}), LastRecord: now.Add(-24 * time.Hour)},
			Covered, nil},
		{"a decoy drifted", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key}), LastRecord: recent, Findings: []Finding{{Type: registry.Key, Kind: "disabled"}}},
			AtRisk, []string{"a key decoy was disabled outside honeyvault"}},
		{"a retired decoy does not count", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key, retired(registry.Decoy{ID: 3, Type: registry.Secret})}),
			LastRecord: recent}, Covered, []string{"2 active decoys"}},
		{"one of two missing", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key, missing(registry.Decoy{ID: 3, Type: registry.Key})}), LastRecord: recent},
			AtRisk, []string{"1 decoy is missing from the vault"}},
		{"planting blocked with decoys", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key}), LastRecord: recent, PlantingBlocked: "missing keys/create"},
			AtRisk, []string{"planting cannot work here: missing keys/create"}},
		{"gone", Facts{Decoys: CountDecoys([]registry.Decoy{secret, key}), LastRecord: recent, Gone: true},
			NotCovered, []string{"no longer exists"}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			a := Assess(policy, now, s.facts)
			if st, n := Decide(policy, now, s.facts); st != a.State || n != a.Active {
				t.Errorf("Decide: %s with %d active; Assess: %s with %d", st, n, a.State, a.Active)
			}
			if a.State != s.want {
				t.Errorf("state: got %s; want %s (reasons %q)", a.State, s.want, a.Reasons)
			}
			if len(a.Reasons) == 0 {
				t.Errorf("no reason given")
			}
			all := strings.Join(a.Reasons, " | ")
			for _, r := range s.reasons {
				if !strings.Contains(all, r) {
					t.Errorf("reasons %q; want one containing %q", a.Reasons, r)
				}
			}
			for _, name := range []string{secret.Name, key.Name} {
				if strings.Contains(all, name) {
					t.Errorf("a reason names decoy %s: %q", name, all)
				}
			}
		})
	}
}

func TestCountAndStates(t *testing.T) {
	var c Count
	for _, s := range []State{Covered, AtRisk, Covered, NotCovered} {
		c.Add(s)
	}
	if got, want := c.String(), "2 of 4 vaults covered"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if c.Of(AtRisk) != 1 || c.Of(NotCovered) != 1 || c.Of(Covered) != 2 {
		t.Errorf("counts: %+v", c)
	}
	var one Count
	one.Add(NotCovered)
	if got, want := one.String(), "0 of 1 vault covered"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	for _, s := range States {
		if got, err := ParseState(strings.ToUpper(string(s))); err != nil || got != s {
			t.Errorf("ParseState(%s): %v, %v", s, got, err)
		}
	}
	if _, err := ParseState("green"); err == nil {
		t.Errorf("ParseState(green) succeeded")
	}
	if got, want := AtRisk.Label(), "at risk"; got != want {
		t.Errorf("label: got %q; want %q", got, want)
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 40 * time.Second: "40s", 3 * time.Minute: "3 min", 5 * time.Hour: "5 h", 47 * time.Hour: "47 h", 72 * time.Hour: "3 days",
	} {
		if got := Span(d); got != want {
			t.Errorf("Span(%v): got %q; want %q", d, got, want)
		}
	}
}

// TestDecideAgreesWithAssess: over every combination of decoys (each type
// in each status, or none), findings, newest record, planting and policy,
// Decide gives Assess's state and active count.
func TestDecideAgreesWithAssess(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	late := 24 * time.Hour
	statuses := []registry.Status{registry.Active, registry.Missing, registry.Retired}
	var kinds []DecoyCount
	for _, ty := range registry.Types {
		for _, st := range statuses {
			kinds = append(kinds, DecoyCount{Type: ty, Status: st, N: 2})
		}
	}
	policies := []Policy{{LateAfter: late}, {Types: []registry.Type{registry.Secret}, LateAfter: late},
		{Types: []registry.Type{registry.Secret, registry.Key}, LateAfter: late}}
	records := []time.Time{{}, now.Add(-time.Minute), now.Add(-late), now.Add(-late - time.Second)}
	cases := 0
	for set := 0; set < 1<<len(kinds); set++ {
		var decoys []DecoyCount
		for i, k := range kinds {
			if set&(1<<i) != 0 {
				decoys = append(decoys, k)
			}
		}
		for _, findings := range [][]Finding{nil, {{Type: registry.Key, Kind: "changed"}}} {
			for _, last := range records {
				for _, blocked := range []string{"", "missing secrets/set"} {
					for _, gone := range []bool{false, true} {
						for _, p := range policies {
							f := Facts{Decoys: decoys, Findings: findings, LastRecord: last, PlantingBlocked: blocked, Gone: gone}
							a := Assess(p, now, f)
							if st, n := Decide(p, now, f); st != a.State || n != a.Active {
								t.Fatalf("%+v under %+v: Decide %s with %d active; Assess %s with %d (%q)", f, p, st, n, a.State, a.Active, a.Reasons)
							}
							cases++
						}
					}
				}
			}
		}
	}
	if cases == 0 {
		t.Fatal("no case")
	}
}

// A Vault or Secrets Manager store holds only secrets: a policy that asks
// for keys too does not put it at risk for lacking one, and its reasons
// name its own audit path, not a diagnostic setting.
func TestAssessOtherProviders(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := Policy{Types: []registry.Type{registry.Secret, registry.Key}, LateAfter: time.Hour}
	secrets := []DecoyCount{{Type: registry.Secret, Status: registry.Active, N: 2}}
	for _, c := range []struct {
		provider registry.Provider
		words    string
	}{
		{registry.HashiCorpVault, "audit device"},
		{registry.AWSSecretsManager, "CloudTrail"},
	} {
		f := Facts{Decoys: secrets, LastRecord: now.Add(-time.Minute), Provider: c.provider}
		if a := Assess(p, now, f); a.State != Covered {
			t.Errorf("%s with a fresh record: %s %v", c.provider, a.State, a.Reasons)
		}
		if s, _ := Decide(p, now, f); s != Covered {
			t.Errorf("%s: Decide = %s", c.provider, s)
		}
		f.LastRecord = time.Time{}
		a := Assess(p, now, f)
		if a.State != AtRisk || len(a.Reasons) != 1 || !strings.Contains(a.Reasons[0], c.words) || strings.Contains(a.Reasons[0], "diagnostic") {
			t.Errorf("%s with no record: %s %q", c.provider, a.State, a.Reasons)
		}
	}
	// A Key Vault still needs its key decoy.
	kv := Facts{Decoys: secrets, LastRecord: now.Add(-time.Minute)}
	if a := Assess(p, now, kv); a.State != AtRisk {
		t.Errorf("Key Vault without a key decoy: %s", a.State)
	}
}
