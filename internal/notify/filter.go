package notify

import (
	"slices"
	"strings"

	"github.com/honeyvault/honeyvault/internal/store"
)

// Filter chooses the incidents a channel hears of. The zero value takes
// every incident.
type Filter struct {
	// MinSeverity: only incidents at least this severe (medium, high,
	// critical); "" for all. An incident whose severity rises past it is
	// sent then, with all its alerts so far.
	MinSeverity string
	// Vaults: only changes with alerts on these vaults (names, any case);
	// empty for all.
	Vaults []string
}

var severityRank = map[string]int{"medium": 1, "high": 2, "critical": 3}

// Matches reports whether the channel takes a change to in whose new alerts
// are on vaults.
func (f Filter) Matches(in store.Incident, vaults []string) bool {
	if f.MinSeverity != "" && severityRank[in.Severity] < severityRank[f.MinSeverity] {
		return false
	}
	if len(f.Vaults) == 0 {
		return true
	}
	for _, v := range append(slices.Clip(vaults), in.VaultName) {
		for _, want := range f.Vaults {
			if strings.EqualFold(strings.TrimSpace(want), v) {
				return true
			}
		}
	}
	return false
}
