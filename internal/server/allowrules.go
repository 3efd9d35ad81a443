package server

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/store"
)

// allowLateness is how long after a stored allow rule expires it is still
// loaded: a rule is judged by each record's own time, and records arrive
// late.
const allowLateness = 24 * time.Hour

// storedRules are the allow rules kept in the database — planting stores
// one per decoy for the planter's own create operation — next to the config
// file's. Each may be scoped to one decoy (vault, type, name), which the
// config's rules cannot be. Safe for concurrent use.
type storedRules struct {
	rules atomic.Pointer[[]store.AllowRule]
}

// load replaces the rules with the database's.
func (s *storedRules) load(ctx context.Context, st *store.Store) error {
	rules, err := st.AllowRules(ctx, time.Now().Add(-allowLateness))
	if err != nil {
		return err
	}
	s.rules.Store(&rules)
	return nil
}

// reloadFor re-reads the rules inside the ingest transaction when some
// alert is about to be raised. A rule stored since the last sync — retire
// stores the planter's delete rule just before it sends the delete, whose
// record may arrive within milliseconds — then covers it all the same.
// Alerts are rare, so the extra read costs nothing in the common case.
func (s *storedRules) reloadFor(ctx context.Context, tx *store.Tx, alerts []detect.Alert) error {
	for _, a := range alerts {
		if a.Suppressed {
			continue
		}
		rules, err := tx.AllowRules(ctx, time.Now().Add(-allowLateness))
		if err != nil {
			return err
		}
		s.rules.Store(&rules)
		s.apply(alerts)
		return nil
	}
	return nil
}

// apply suppresses the alerts a stored rule covers.
func (s *storedRules) apply(alerts []detect.Alert) {
	p := s.rules.Load()
	if p == nil || len(*p) == 0 {
		return
	}
	for i := range alerts {
		a := &alerts[i]
		if a.Suppressed {
			continue
		}
		for _, r := range *p {
			rule := detect.AllowRule{Identity: r.Identity, Operations: r.Operations, Expires: r.Expires, Note: r.Note}
			if covers(r, a) && rule.Matches(a.Event.Caller, a.Event.Operation, a.Class, a.Event.Time) {
				a.Suppressed, a.AllowedBy = true, &rule
				break
			}
		}
	}
}

// covers reports whether the rule's scope includes the alert's decoy.
func covers(r store.AllowRule, a *detect.Alert) bool {
	if r.VaultID != "" && !strings.EqualFold(strings.TrimRight(a.Decoy.VaultID, "/"), r.VaultID) {
		return false
	}
	if r.Type != "" && r.Type != a.Decoy.Type {
		return false
	}
	return r.Name == "" || strings.EqualFold(r.Name, a.Decoy.Name)
}
