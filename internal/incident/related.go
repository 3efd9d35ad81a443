package incident

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// DefaultRelatedWindow is how far around an incident related activity is
// looked for, as the original's investigation workbook defaulted to a day.
const DefaultRelatedWindow = 24 * time.Hour

// MaxRelatedWindow bounds the window (the original offered up to 7 days).
const MaxRelatedWindow = 7 * 24 * time.Hour

// Related is the investigation around an incident: everything its callers
// did anywhere, and who else acted on its vaults, in [From, To).
type Related struct {
	From, To time.Time
	// Events are the stored events of the incident's callers across all
	// vaults, in time order, at most the limit asked for.
	Events    []store.StoredEvent
	Truncated bool // more events exist than were returned
	// Others are the other callers on each of the incident's vaults.
	Others []VaultOthers
}

// VaultOthers is who else acted on one vault.
type VaultOthers struct {
	Vault   string
	Callers []store.VaultCaller
}

// maxRelatedCallers bounds the callers whose activity is gathered (an
// incident grouped by vault alone can have many).
const maxRelatedCallers = 20

// RelatedActivity gathers the related activity of incident in: events of
// its alerts' callers from window before its first alert to window after its
// last, at most limit (0: 1000), and who else acted on its vaults then.
// Events are kept for the retention period only, so for old incidents this
// may be empty.
func RelatedActivity(ctx context.Context, st *store.Store, in store.Incident, window time.Duration, limit int) (Related, error) {
	ent, err := st.IncidentEntities(ctx, in.ID)
	if err != nil {
		return Related{}, err
	}
	return RelatedTo(ctx, st, in, ent, window, limit)
}

// RelatedTo is RelatedActivity for a caller that has read the incident's
// entities already (the investigation page shows them too): ent must be
// st.IncidentEntities of in.
func RelatedTo(ctx context.Context, st *store.Store, in store.Incident, ent store.Entities, window time.Duration, limit int) (Related, error) {
	if window <= 0 {
		window = DefaultRelatedWindow
	}
	if limit <= 0 {
		limit = 1000
	}
	r := Related{From: in.FirstSeen.Add(-window), To: in.LastSeen.Add(window)}
	keys := ent.CallerKeys
	if len(keys) == 0 && in.CallerKey != "" {
		keys = []string{in.CallerKey}
	}
	if len(keys) > maxRelatedCallers {
		keys = keys[:maxRelatedCallers]
	}
	for _, k := range keys {
		evs, err := st.ListEvents(ctx, store.EventFilter{CallerKey: k, From: r.From, To: r.To, Limit: limit + 1})
		if err != nil {
			return Related{}, err
		}
		r.Events = append(r.Events, evs...)
	}
	sortEvents(r.Events)
	if len(r.Events) > limit {
		r.Events, r.Truncated = r.Events[:limit], true
	}
	exclude := ""
	if len(keys) == 1 {
		exclude = keys[0]
	}
	vaults := ent.VaultNames
	if len(vaults) == 0 && in.VaultName != "" {
		vaults = []string{in.VaultName}
	}
	for _, v := range vaults {
		cs, err := st.VaultCallers(ctx, v, r.From, r.To, exclude, 100)
		if err != nil {
			return Related{}, err
		}
		r.Others = append(r.Others, VaultOthers{Vault: v, Callers: cs})
	}
	return r, nil
}

func sortEvents(evs []store.StoredEvent) {
	slices.SortFunc(evs, func(a, b store.StoredEvent) int {
		if c := a.Event.Time.Compare(b.Event.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
