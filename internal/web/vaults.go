package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The vault inventory and its coverage, shared by the API and the pages.

func (h *handler) setupVaults(o Options) {
	h.inventory = o.Inventory
	h.coverage = o.Coverage
	h.deployments = o.Deployments
	h.reconciler = o.Reconciler
	h.diagnostics = o.Diagnostics
	if len(h.coverage.Types) == 0 {
		h.coverage.Types = []registry.Type{registry.Secret}
	}
	if h.coverage.LateAfter <= 0 {
		h.coverage.LateAfter = 24 * time.Hour
	}
}

// assessed is a vault with its coverage. assessVaults fills in the state
// and the active decoys of every vault but words the reasons of none:
// explained adds them for the vaults a page or answer shows.
type assessed struct {
	store.Vault
	Coverage coverage.Assessment
	// AuditPath is the diagnostics check's latest outcome; nil: not checked.
	AuditPath *store.AuditPath
	facts     coverage.Facts // what Coverage was decided from
	at        time.Time      // and when
}

// explained returns a with its coverage's reasons, decided from the same
// facts at the same time as its state.
func (h *handler) explained(a assessed) assessed {
	if a.Coverage.Reasons == nil {
		a.Coverage = coverage.Assess(h.coverage, a.at, a.facts)
	}
	return a
}

// assessVaults gathers every vault p may see among those f selects (with
// gone ones when asked), counts its decoys and open findings, and assesses
// each, in the store's order. It reads counts, not decoys, so that its
// cost follows the number of vaults.
func (h *handler) assessVaults(ctx context.Context, p auth.Principal, f store.VaultFilter) ([]assessed, error) {
	f.Scope = p.DecoyScope()
	// The three reads are independent, and the first two take most of the
	// coverage pages' time at a few thousand vaults: they run at once, on
	// connections of the store's read pool.
	var vaults []store.Vault
	var counts []store.DecoyCount
	var findings []store.OpenFinding
	var gaps map[string]time.Time
	var paths map[string]store.AuditPath
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { vaults, err = h.store.ListVaults(gctx, f); return err })
	g.Go(func() (err error) { counts, err = h.store.CountDecoysByVault(gctx, f); return err })
	g.Go(func() (err error) { findings, err = h.store.OpenFindingsByVault(gctx, f); return err })
	g.Go(func() (err error) { gaps, err = h.gapsByVault(gctx); return err })
	g.Go(func() (err error) { paths, err = h.store.AuditPaths(gctx); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// Sized up front: growing them a few thousand entries at a time was
	// a tenth of the assessment's CPU.
	decoysOf := make(map[string][]coverage.DecoyCount, len(vaults))
	for _, c := range counts {
		decoysOf[c.VaultKey] = append(decoysOf[c.VaultKey], coverage.DecoyCount{Type: c.Type, Status: c.Status, N: c.N})
	}
	findingsOf := map[string][]coverage.Finding{}
	for _, fd := range findings {
		findingsOf[fd.VaultKey] = append(findingsOf[fd.VaultKey], coverage.Finding{Type: fd.Type, Kind: string(fd.Kind)})
	}
	now := h.now()
	out := make([]assessed, len(vaults))
	for i, v := range vaults {
		k := v.Key()
		facts := coverage.Facts{Decoys: decoysOf[k], Findings: findingsOf[k], LastRecord: v.LastRecord,
			PlantingBlocked: v.PlantingBlocked, Gone: !v.GoneAt.IsZero(), Provider: registry.ProviderOf(v.ID)}
		facts.HeartbeatMissed = gaps[k]
		var path *store.AuditPath
		if ap, ok := paths[k]; ok {
			path, facts.AuditPath = &ap, auditPathDoubt(ap)
		}
		// Every vault is counted on each view, a page of them shown:
		// wording the reasons of all (thousands of Sprintf) is left to
		// explained.
		st, active := coverage.Decide(h.coverage, now, facts)
		out[i] = assessed{Vault: v, Coverage: coverage.Assessment{State: st, Active: active}, AuditPath: path, facts: facts, at: now}
	}
	return out, nil
}

// auditPathDoubt is coverage's AuditPath fact of a check's outcome: its
// reason unless the audit path works.
func auditPathDoubt(a store.AuditPath) string {
	if a.OK() {
		return ""
	}
	return a.Reason
}

// vaultQuery is the filter of a vault listing, as both the API and the
// page read it from the URL.
type vaultQuery struct {
	Subscription string         // one subscription id, any case
	State        coverage.State // "" for any
	Search       string         // in the name, resource group, location, subscription or a tag
	After        string         // paging: vault ids after this one (API)
}

// readVaultQuery reads subscription=, state= and q= (search=); a bad value
// is a message naming the parameter.
func readVaultQuery(r *http.Request) (vaultQuery, string) {
	q := r.URL.Query()
	vq := vaultQuery{Subscription: strings.TrimSpace(q.Get("subscription")), After: q.Get("after")}
	vq.Search = strings.TrimSpace(q.Get("q"))
	if vq.Search == "" {
		vq.Search = strings.TrimSpace(q.Get("search"))
	}
	if len(vq.Search) > 200 {
		return vq, "search: at most 200 characters"
	}
	if v := q.Get("state"); v != "" && v != "all" {
		st, err := coverage.ParseState(v)
		if err != nil {
			return vq, "state: want covered, at-risk or not-covered"
		}
		vq.State = st
	}
	return vq, ""
}

// match reports whether a passes the query's filters (paging aside).
func (vq vaultQuery) match(a assessed) bool {
	if vq.Subscription != "" && !strings.EqualFold(vq.Subscription, a.SubscriptionID) {
		return false
	}
	if vq.State != "" && a.Coverage.State != vq.State {
		return false
	}
	if vq.Search == "" {
		return true
	}
	needle := strings.ToLower(vq.Search)
	for _, hay := range []string{a.Name, a.ResourceGroup, a.Location, a.SubscriptionName, a.SubscriptionID} {
		if strings.Contains(strings.ToLower(hay), needle) {
			return true
		}
	}
	for k, v := range a.Tags {
		if strings.Contains(strings.ToLower(k+"="+v), needle) {
			return true
		}
	}
	return false
}

// subscriptionCoverage is one subscription's count and discovery status.
type subscriptionCoverage struct {
	store.Subscription
	Count coverage.Count
}

// estateCoverage assesses every vault p may see and counts their coverage
// overall and per subscription: what the coverage page and its JSON twin
// both start from.
func (h *handler) estateCoverage(ctx context.Context, p auth.Principal) ([]assessed, coverage.Count, []subscriptionCoverage, error) {
	all, err := h.assessVaults(ctx, p, store.VaultFilter{})
	if err != nil {
		return nil, coverage.Count{}, nil, err
	}
	subs, err := h.store.ListSubscriptions(ctx)
	if err != nil {
		return nil, coverage.Count{}, nil, err
	}
	total, perSub := countCoverage(all, subs, p.DecoyScope() != nil)
	return all, total, perSub, nil
}

// countCoverage tallies vs overall and per subscription; subs adds the
// discovery status (and subscriptions without a vault, such as those
// that failed to list). Owners see only subscriptions with a vault of
// theirs.
func countCoverage(vs []assessed, subs []store.Subscription, owner bool) (coverage.Count, []subscriptionCoverage) {
	var total coverage.Count
	idx := map[string]int{}
	var out []subscriptionCoverage
	if !owner {
		for _, s := range subs {
			idx[strings.ToLower(s.ID)] = len(out)
			out = append(out, subscriptionCoverage{Subscription: s})
		}
	}
	known := map[string]store.Subscription{}
	for _, s := range subs {
		known[strings.ToLower(s.ID)] = s
	}
	for _, v := range vs {
		total.Add(v.Coverage.State)
		k := strings.ToLower(v.SubscriptionID)
		i, ok := idx[k]
		if !ok {
			s, ok := known[k]
			if !ok {
				s = store.Subscription{ID: v.SubscriptionID, DisplayName: v.SubscriptionName}
			}
			i = len(out)
			idx[k] = i
			out = append(out, subscriptionCoverage{Subscription: s})
		}
		out[i].Count.Add(v.Coverage.State)
	}
	return total, out
}
