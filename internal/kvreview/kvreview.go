// Package kvreview keeps the KVReview tag of the original Sentinel solution
// on key vaults: ReviewNeeded on a vault that holds no active decoy,
// Reviewed on one that does, so that an Azure Policy audit (see the policy
// export) shows vault owners which of their vaults are not covered.
//
// A run is a plan (what each vault carries and should carry) and then an
// apply that merges the one tag into each vault that needs it, leaving its
// other tags alone.
package kvreview

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/honeyvault/honeyvault/internal/fanout"
)

// Settings name the tag and its two values (config.KVReview validates
// them).
type Settings struct {
	Tag          string // "KVReview"
	Reviewed     string // "Reviewed": the vault holds an active decoy
	ReviewNeeded string // "ReviewNeeded": it holds none
}

// DefaultSettings are the original solution's tag and values.
func DefaultSettings() Settings {
	return Settings{Tag: "KVReview", Reviewed: "Reviewed", ReviewNeeded: "ReviewNeeded"}
}

// Vault is what a plan needs of one vault.
type Vault struct {
	ID           string // ARM id
	Name         string
	Subscription string // id
	Tags         map[string]string
	Active       int // active decoys in the registry
}

// Change is one vault's tag: the value it carries and the one it should.
type Change struct {
	Vault
	Current string // "" when the vault has no such tag
	Has     bool   // the vault carries the tag (possibly with an empty value)
	Want    string
}

// Needed reports whether the vault's tag must be written.
func (c Change) Needed() bool { return !c.Has || c.Current != c.Want }

// current finds the tag on a vault: tag names are case-insensitive in
// Azure, values are kept as written.
func (s Settings) current(tags map[string]string) (string, bool) {
	if v, ok := tags[s.Tag]; ok {
		return v, true
	}
	for k, v := range tags {
		if strings.EqualFold(k, s.Tag) {
			return v, true
		}
	}
	return "", false
}

// Plan decides every vault's tag, sorted by subscription then name.
func Plan(s Settings, vaults []Vault) []Change {
	out := make([]Change, 0, len(vaults))
	for _, v := range vaults {
		c := Change{Vault: v, Want: s.ReviewNeeded}
		if v.Active > 0 {
			c.Want = s.Reviewed
		}
		c.Current, c.Has = s.current(v.Tags)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Change) int {
		if c := strings.Compare(strings.ToLower(a.Subscription), strings.ToLower(b.Subscription)); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

// Tagger merges tags into a vault's (azure.Client is one).
type Tagger interface {
	MergeVaultTags(ctx context.Context, vaultID string, tags map[string]string) (map[string]string, error)
}

// Result is what Apply did to one vault.
type Result struct {
	Change
	Written bool  // the tag was written
	Err     error // why it could not be
}

// Apply writes the tag of every change that needs it, at most concurrency
// vaults at a time (at least one), and reports each vault in the plan's
// order; progress (may be nil) hears of each vault done. A vault that fails
// does not stop the others; the context's end does.
func Apply(ctx context.Context, t Tagger, s Settings, plan []Change, concurrency int, progress func(done, total int)) []Result {
	res := make([]Result, len(plan))
	var todo []int
	for i, c := range plan {
		res[i].Change = c
		if c.Needed() {
			todo = append(todo, i)
		}
	}
	var mu sync.Mutex
	done := 0
	fanout.Each(ctx, len(todo), concurrency, func(j int) {
		r := &res[todo[j]]
		_, err := t.MergeVaultTags(ctx, r.ID, map[string]string{s.Tag: r.Want})
		r.Written, r.Err = err == nil, err
		mu.Lock()
		done++
		if progress != nil {
			progress(done, len(todo))
		}
		mu.Unlock()
	}, func(j int) { res[todo[j]].Err = ctx.Err() })
	return res
}

// Describe says in words what writing c's tag does, for the audit trail
// and the CLI: "KVReview: ReviewNeeded → Reviewed (2 active decoys)".
func Describe(s Settings, c Change) string {
	from := "(none)"
	if c.Has {
		from = c.Current
	}
	why := "no active decoy"
	switch {
	case c.Active == 1:
		why = "1 active decoy"
	case c.Active > 1:
		why = fmt.Sprintf("%d active decoys", c.Active)
	}
	return fmt.Sprintf("%s: %s → %s (%s)", s.Tag, from, c.Want, why)
}

// AuditAction is the audit trail's action for a tag written.
const AuditAction = "vault.tag"

// After is the vault's tags once c's tag is written.
func After(s Settings, c Change) map[string]string {
	tags := make(map[string]string, len(c.Tags)+1)
	for k, v := range c.Tags {
		if !strings.EqualFold(k, s.Tag) {
			tags[k] = v
		}
	}
	tags[s.Tag] = c.Want
	return tags
}
