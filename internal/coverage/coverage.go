// Package coverage decides, for each vault of the inventory, whether
// honeyvault covers it: covered (an active decoy of every configured type,
// and the vault's audit records arriving), at risk (decoys present, but
// records late or never seen, a decoy missing or changed outside
// honeyvault, or planting known not to work there) or not covered (no
// active decoy), each with its reasons in plain words. It is pure: the
// caller gathers the facts from the store, so the rules are tested without
// a database or HTTP.
//
// Reasons never name a decoy: they are shown wherever the vault's state
// is, and a decoy's name is the one thing an attacker must not learn.
package coverage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// State is a vault's coverage.
type State string

// The states, best first.
const (
	Covered    State = "covered"
	AtRisk     State = "at-risk"
	NotCovered State = "not-covered"
)

// States lists every state, best first.
var States = []State{Covered, AtRisk, NotCovered}

// ParseState reads a state as the API and the console's URLs write it.
func ParseState(s string) (State, error) {
	for _, st := range States {
		if strings.EqualFold(strings.TrimSpace(s), string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("coverage: %q: want covered, at-risk or not-covered", s)
}

// Label is the state in words for people.
func (s State) Label() string { return strings.ReplaceAll(string(s), "-", " ") }

// Policy is what coverage asks of a vault.
type Policy struct {
	// Types are the decoy types every vault should hold (plant.types).
	Types []registry.Type
	// LateAfter is how old a vault's newest record may be before its
	// logging is called late.
	LateAfter time.Duration
}

// DecoyCount is how many of the vault's decoys have one type and status.
type DecoyCount struct {
	Type   registry.Type
	Status registry.Status
	N      int
}

// CountDecoys tallies a list of decoys as Facts.Decoys wants them.
func CountDecoys(decoys []registry.Decoy) []DecoyCount {
	var out []DecoyCount
	idx := map[DecoyCount]int{}
	for _, d := range decoys {
		k := DecoyCount{Type: d.Type, Status: d.Status}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, k)
		}
		out[i].N++
	}
	return out
}

// Finding is an open reconcile finding on one of the vault's decoys that
// is not retired.
type Finding struct {
	Type registry.Type // the decoy's
	Kind string        // store.FindingKind: deleted, gone, vault-gone, disabled, new-version, changed, never-placed
}

// Facts are what is known of one vault.
type Facts struct {
	Decoys     []DecoyCount // the vault's decoys, any status
	Findings   []Finding    // open findings on those not retired
	LastRecord time.Time    // newest audit record of the vault; zero: none
	// PlantingBlocked says why planting cannot work there ("" for
	// nothing known), with the fix.
	PlantingBlocked string
	Gone            bool // the vault no longer exists
	// HeartbeatMissed is when the vault's open monitoring gap began (its
	// first missed heartbeat was due back); zero: none open.
	HeartbeatMissed time.Time
	// AuditPath says why the diagnostics check doubts that the vault's
	// AuditEvent reaches honeyvault ("" for OK or not checked).
	AuditPath string
	// Provider is the store's kind ("" for a Key Vault): it decides which
	// of the policy's decoy types the store can hold (only secrets outside
	// Key Vault) and how the reasons name its audit path.
	Provider registry.Provider
}

// wants reports whether the policy asks a store of f's provider for a
// decoy of type t: Vault and Secrets Manager hold only secrets.
func (f Facts) wants(t registry.Type) bool {
	return f.Provider == "" || slices.Contains(f.Provider.Types(), t)
}

// auditPathWords names where a store's audit records come from, for the
// reasons that say none arrive.
func (f Facts) auditPathWords() string {
	switch f.Provider {
	case registry.HashiCorpVault:
		return "its audit device (file or socket)"
	case registry.AWSSecretsManager:
		return "its CloudTrail trail (read events included) and the S3 or EventBridge path"
	}
	return "its diagnostic setting"
}

// Assessment is a vault's coverage and why.
type Assessment struct {
	State   State
	Reasons []string // plain words, most important first; at least one
	Active  int      // active decoys
}

// Decide is Assess's state and count of active decoys without the
// reasons: no allocation, so that a page can count a whole estate on each
// view and word only the vaults it shows. It always agrees with Assess.
func Decide(p Policy, now time.Time, f Facts) (State, int) {
	active, missing := 0, 0
	for _, c := range f.Decoys {
		switch c.Status {
		case registry.Active:
			active += c.N
		case registry.Missing:
			missing += c.N
		}
	}
	if f.Gone || active == 0 {
		return NotCovered, active
	}
	if missing > 0 || len(f.Findings) > 0 || f.PlantingBlocked != "" || f.AuditPath != "" || f.LastRecord.IsZero() || now.Sub(f.LastRecord) > p.LateAfter {
		return AtRisk, active
	}
	if !f.HeartbeatMissed.IsZero() {
		return AtRisk, active
	}
	for _, t := range p.Types {
		if f.wants(t) && !holdsActive(f.Decoys, t) {
			return AtRisk, active
		}
	}
	return Covered, active
}

// holdsActive reports whether counts hold an active decoy of type t.
func holdsActive(counts []DecoyCount, t registry.Type) bool {
	for _, c := range counts {
		if c.Type == t && c.Status == registry.Active && c.N > 0 {
			return true
		}
	}
	return false
}

// Assess decides one vault's coverage at time now, with its reasons.
func Assess(p Policy, now time.Time, f Facts) Assessment {
	a := Assessment{}
	activeTypes := map[registry.Type]int{}
	missing, total := 0, 0
	for _, c := range f.Decoys {
		total += c.N
		switch c.Status {
		case registry.Active:
			a.Active += c.N
			activeTypes[c.Type] += c.N
		case registry.Missing:
			missing += c.N
		}
	}
	if f.Gone {
		a.State = NotCovered
		a.Reasons = append(a.Reasons, "the vault no longer exists: discovery did not find it in its subscription")
		return a
	}
	if a.Active == 0 {
		a.State = NotCovered
		switch {
		case missing > 0:
			a.Reasons = append(a.Reasons, fmt.Sprintf("no active decoy: %s missing from the vault", count(missing, "decoy is", "decoys are")))
		case total > 0:
			a.Reasons = append(a.Reasons, "no active decoy: every decoy planted here has been retired")
		default:
			a.Reasons = append(a.Reasons, "no decoy planted: nobody touching this vault would be noticed")
		}
		if f.PlantingBlocked != "" {
			a.Reasons = append(a.Reasons, "planting cannot work here yet: "+f.PlantingBlocked)
		}
		return a
	}

	var risks []string
	if f.AuditPath != "" {
		// First: a vault whose audit log goes nowhere honeyvault reads is
		// blind, whatever else is true of it.
		risks = append(risks, "diagnostic settings: "+f.AuditPath)
	}
	for _, t := range p.Types {
		if f.wants(t) && activeTypes[t] == 0 {
			risks = append(risks, fmt.Sprintf("no active %s decoy (plant.types asks for %s)", t, typeList(p.Types)))
		}
	}
	if missing > 0 {
		risks = append(risks, fmt.Sprintf("%s missing from the vault", count(missing, "decoy is", "decoys are")))
	}
	for _, fd := range f.Findings {
		risks = append(risks, findingWords(fd.Type, fd.Kind))
	}
	switch age := now.Sub(f.LastRecord); {
	case f.LastRecord.IsZero():
		if f.Provider == "" || f.Provider == registry.AzureKeyVault {
			risks = append(risks, "no audit record of this vault has reached honeyvault: check that its diagnostic setting sends AuditEvent logs to a source honeyvault reads")
		} else {
			risks = append(risks, "no audit record of this vault has reached honeyvault: check that "+f.auditPathWords()+" reaches a source honeyvault reads")
		}
	case age > p.LateAfter:
		risks = append(risks, fmt.Sprintf("no audit record for %s (late after %s): %s or the source that reads it may have stopped",
			Span(age), Span(p.LateAfter), f.auditPathWords()))
	}
	if !f.HeartbeatMissed.IsZero() {
		risks = append(risks, heartbeatWords(now, f.HeartbeatMissed))
	}
	if f.PlantingBlocked != "" {
		risks = append(risks, "planting cannot work here: "+f.PlantingBlocked)
	}
	if len(risks) > 0 {
		a.State, a.Reasons = AtRisk, slices.Compact(risks)
		return a
	}
	a.State = Covered
	a.Reasons = []string{fmt.Sprintf("%s (%s), and its newest audit record arrived %s ago",
		count(a.Active, "active decoy", "active decoys"), typesHeld(activeTypes), Span(now.Sub(f.LastRecord)))}
	return a
}

func findingWords(t registry.Type, kind string) string {
	what := "a " + string(t) + " decoy"
	switch kind {
	case "deleted":
		return what + " was deleted outside honeyvault (still recoverable)"
	case "gone":
		return what + " was deleted and purged outside honeyvault"
	case "vault-gone":
		return "reconcile found the vault itself gone"
	case "disabled":
		return what + " was disabled outside honeyvault"
	case "new-version":
		return what + " has a new version written outside honeyvault"
	case "changed":
		return what + " had its attributes or tags changed outside honeyvault"
	case "never-placed":
		return what + " was never placed: its create did not reach the vault"
	}
	return what + " has an open finding: " + kind
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func typeList(ts []registry.Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	switch len(s) {
	case 0:
		return "none"
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func typesHeld(m map[registry.Type]int) string {
	var out []string
	for _, t := range registry.Types {
		if m[t] > 0 {
			out = append(out, string(t))
		}
	}
	return strings.Join(out, ", ")
}

// Span writes a duration for people, coarsely: "40s", "3 min", "5 h",
// "2 days".
func Span(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

// Count tallies vaults by state.
type Count struct {
	Total, Covered, AtRisk, NotCovered int
}

// Add counts one vault in state s.
func (c *Count) Add(s State) {
	c.Total++
	switch s {
	case Covered:
		c.Covered++
	case AtRisk:
		c.AtRisk++
	case NotCovered:
		c.NotCovered++
	}
}

// Of is how many vaults are in state s.
func (c Count) Of(s State) int {
	switch s {
	case Covered:
		return c.Covered
	case AtRisk:
		return c.AtRisk
	case NotCovered:
		return c.NotCovered
	}
	return 0
}

// String is the headline: "3 of 5 vaults covered".
func (c Count) String() string {
	return fmt.Sprintf("%d of %s covered", c.Covered, count(c.Total, "vault", "vaults"))
}
