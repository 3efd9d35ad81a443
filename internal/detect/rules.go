package detect

import (
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// rules is an AllowList indexed by scope, so that an alert is checked only
// against the rules that can cover its decoy: planting keeps one rule per
// decoy it created, which makes a list of them as long as the registry.
// Rules keep their list order within each bucket; the first match wins.
type rules struct {
	all     AllowList
	any     []int            // rules with no name and no vault in scope
	byName  map[string][]int // lower-cased decoy name → rules scoped to it
	byVault map[string][]int // lower-cased vault id → rules scoped to it but to no name
}

func newRules(l AllowList) *rules {
	r := &rules{all: append(AllowList(nil), l...), byName: map[string][]int{}, byVault: map[string][]int{}}
	for i, rule := range r.all {
		switch s := rule.Scope; {
		case s.Name != "":
			k := strings.ToLower(s.Name)
			r.byName[k] = append(r.byName[k], i)
		case s.VaultID != "":
			k := registry.VaultKey(s.VaultID)
			r.byVault[k] = append(r.byVault[k], i)
		default:
			r.any = append(r.any, i)
		}
	}
	return r
}

// allowed returns the first rule, in list order, covering an access to d.
func (r *rules) allowed(d registry.Decoy, c auditlog.Caller, op string, class Class, at time.Time) (AllowRule, bool) {
	best := -1
	for _, bucket := range [...][]int{r.any, r.byVault[registry.VaultKey(d.VaultID)], r.byName[strings.ToLower(d.Name)]} {
		for _, i := range bucket {
			if best >= 0 && i > best {
				break // buckets are in list order: nothing later in this one can win
			}
			rule := &r.all[i]
			if rule.Scope.Covers(d) && rule.Matches(c, op, class, at) {
				best = i
				break
			}
		}
	}
	if best < 0 {
		return AllowRule{}, false
	}
	return r.all[best], true
}
