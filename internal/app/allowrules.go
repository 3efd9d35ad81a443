package app

import (
	"context"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/store"
)

// allowLateness is how long after a stored allow rule expires it is still
// loaded: a rule is judged by each record's own time, and records arrive
// late.
const allowLateness = 24 * time.Hour

// ruleSource is where stored allow rules are read from: the store, or the
// ingest transaction.
type ruleSource interface {
	AllowRules(ctx context.Context, since time.Time) ([]store.AllowRule, error)
}

// loadRules gives the matcher the configuration's allow rules followed by
// the database's (planting stores one per decoy, scoped to it, for the
// planter's own create); the matcher indexes them by scope.
func (d *detection) loadRules(ctx context.Context, src ruleSource) error {
	stored, err := src.AllowRules(ctx, time.Now().Add(-allowLateness))
	if err != nil {
		return err
	}
	l := make(detect.AllowList, 0, len(d.configRules)+len(stored))
	l = append(l, d.configRules...)
	for _, r := range stored {
		l = append(l, detect.AllowRule{Identity: r.Identity, Operations: r.Operations, Expires: r.Expires, Note: r.Note,
			Scope: detect.Scope{VaultID: r.VaultID, Type: r.Type, Name: r.Name}})
	}
	d.matcher.SetAllowList(l)
	return nil
}

func allowList(rules []config.Allow) detect.AllowList {
	out := make(detect.AllowList, 0, len(rules))
	for _, r := range rules {
		out = append(out, detect.AllowRule{Identity: r.Identity, Operations: r.Operations, Expires: r.Expires, Note: r.Note})
	}
	return out
}
