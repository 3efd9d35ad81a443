package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/coverage"
)

// vaultsPageSize is how many vaults one page of /vaults shows.
const vaultsPageSize = 100

// stateView is a coverage state as the pages show it: never by colour
// alone, always with an icon and a word.
type stateView struct {
	Class string // covered, at-risk, not-covered: the CSS class
	Icon  string
	Label string
}

func viewState(s coverage.State) stateView {
	icon := map[coverage.State]string{coverage.Covered: "●", coverage.AtRisk: "▲", coverage.NotCovered: "○"}[s]
	return stateView{Class: string(s), Icon: icon, Label: s.Label()}
}

// vaultRow is one vault of the list.
type vaultRow struct {
	Link, Name, ResourceGroup, Location, Model string
	State                                      stateView
	Decoys                                     int
	LastRecord                                 timeView
	Why                                        string // the first reason
}

// timeView is a time as the pages show it: relative, exact UTC on hover.
type timeView struct {
	Set      bool
	Relative string // "3 h ago"
	UTC      string // "2026-12-03 12:00 UTC"
	ISO      string // for <time datetime>
}

func viewTime(t, now time.Time) timeView {
	if t.IsZero() {
		return timeView{}
	}
	rel := coverage.Span(now.Sub(t)) + " ago"
	if t.After(now) {
		rel = "just now"
	}
	return timeView{Set: true, Relative: rel, UTC: t.UTC().Format("2006-01-02 15:04 UTC"), ISO: t.UTC().Format(time.RFC3339)}
}

// vaultGroup is one subscription's vaults on the page.
type vaultGroup struct {
	Name, ID string
	Count    coverage.Count
	Headline string // "98 of 120 vaults covered"
	Error    string // its latest listing's error
	Listed   timeView
	Rows     []vaultRow
}

type stateChip struct {
	State   stateView
	Count   int
	Link    string
	Current bool
}

type vaultsView struct {
	Notice, Error string
	Headline      string
	Count         coverage.Count
	Chips         []stateChip
	AllLink       string
	Query         vaultQuery
	Sort          string
	Subscriptions []vaultGroup // every subscription, for the filter
	Failing       []vaultGroup // subscriptions whose latest listing failed
	Groups        []vaultGroup // this page's vaults, by subscription
	Shown         int
	Matching      int
	Prev, Next    string // page links, "" when none
	Empty         bool   // no vault in the inventory at all
	Filtered      bool   // filters are set
	Discovery     *DiscoveryReport
	CanDiscover   bool
	// CanDeploy shows "Plan deploy" for the vaults in view that are not
	// covered (DeployCount of them, every page).
	CanDeploy   bool
	DeployCount int
	Now         time.Time
}

// vaultsPage is GET /vaults: the inventory's coverage, grouped by
// subscription, filtered, sorted and paged by the URL.
func (h *handler) vaultsPage(w http.ResponseWriter, r *http.Request) {
	vq, bad := readVaultQuery(r)
	sortBy := r.URL.Query().Get("sort")
	switch sortBy {
	case "", "name", "state", "record":
	default:
		bad = "sort: want name, state or record"
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad = "page: want a page number"
		}
		page = n
	}
	if bad != "" {
		h.pageError(w, r, http.StatusBadRequest, bad)
		return
	}
	p := principalFrom(r.Context())
	all, total, perSub, err := h.estateCoverage(r.Context(), p)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	v := vaultsView{
		Headline: total.String(), Count: total, Query: vq, Sort: sortBy, Empty: len(all) == 0, Now: now,
		Filtered:    vq.Search != "" || vq.State != "" || vq.Subscription != "",
		CanDiscover: h.inventory != nil && p.Allows(auth.ManageSettings),
	}
	switch r.URL.Query().Get("discovered") {
	case "1":
		v.Notice = "Discovery ran: see its outcome below."
	}
	// The run's figures count the whole estate: not for an owner's eyes.
	if h.inventory != nil && p.DecoyScope() == nil {
		st := h.inventory.Status()
		if !st.Finished.IsZero() || st.Running {
			v.Discovery = &st
		}
	}
	v.AllLink = vaultsURL(vaultQuery{Search: vq.Search, Subscription: vq.Subscription}, sortBy, 1)
	for _, s := range coverage.States {
		q := vq
		q.State = s
		v.Chips = append(v.Chips, stateChip{State: viewState(s), Count: total.Of(s), Link: vaultsURL(q, sortBy, 1), Current: vq.State == s})
	}
	groupOf := map[string]vaultGroup{}
	for _, s := range perSub {
		g := vaultGroup{Name: cmp.Or(s.DisplayName, s.ID), ID: s.ID, Count: s.Count, Headline: s.Count.String(), Error: s.Error, Listed: viewTime(s.ListedAt, now)}
		groupOf[strings.ToLower(s.ID)] = g
		v.Subscriptions = append(v.Subscriptions, g)
		if g.Error != "" {
			v.Failing = append(v.Failing, g)
		}
	}
	slices.SortFunc(v.Subscriptions, func(a, b vaultGroup) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })

	match := make([]assessed, 0, len(all))
	for _, a := range all {
		if vq.match(a) {
			match = append(match, a)
		}
	}
	sortVaults(match, sortBy, groupOf)
	v.Matching = len(match)
	if h.deployments != nil && p.Allows(auth.ManageDecoys) {
		v.DeployCount = len(needDeploy(all, vq))
		v.CanDeploy = v.DeployCount > 0
	}
	from := (page - 1) * vaultsPageSize
	if from > len(match) {
		from = len(match)
	}
	to := min(from+vaultsPageSize, len(match))
	if page > 1 {
		v.Prev = vaultsURL(vq, sortBy, page-1)
	}
	if to < len(match) {
		v.Next = vaultsURL(vq, sortBy, page+1)
	}
	for _, a := range match[from:to] {
		k := strings.ToLower(a.SubscriptionID)
		if n := len(v.Groups); n == 0 || !strings.EqualFold(v.Groups[n-1].ID, a.SubscriptionID) {
			g := groupOf[k]
			g.Rows = nil
			v.Groups = append(v.Groups, g)
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Rows = append(g.Rows, viewVaultRow(h.explained(a), now))
		v.Shown++
	}
	h.render(w, r, http.StatusOK, "vaults", "Vaults", v)
}

func viewVaultRow(a assessed, now time.Time) vaultRow {
	model := "access policies"
	if a.RBAC {
		model = "Azure RBAC"
	}
	return vaultRow{
		Link: vaultPageURL(a.ID), Name: a.Name, ResourceGroup: a.ResourceGroup, Location: a.Location, Model: model,
		State: viewState(a.Coverage.State), Decoys: a.Coverage.Active, LastRecord: viewTime(a.LastRecord, now), Why: a.Coverage.Reasons[0],
	}
}

// sortVaults orders vaults by subscription (name), then by name, by state
// (worst first) or by their newest record (oldest first); the groups stay
// together whatever the sort.
func sortVaults(vs []assessed, by string, groups map[string]vaultGroup) {
	rank := map[coverage.State]int{coverage.NotCovered: 0, coverage.AtRisk: 1, coverage.Covered: 2}
	// The keys are lower-cased once, not at every comparison, and an
	// index is sorted rather than the wide assessed values: sorting the
	// 2,000 vaults of an estate was a tenth of the page's time.
	type sortKey struct {
		group, sub, name string
		at               int
	}
	keys := make([]sortKey, len(vs))
	for i, a := range vs {
		sub := strings.ToLower(a.SubscriptionID)
		keys[i] = sortKey{strings.ToLower(groups[sub].Name), sub, strings.ToLower(a.Name), i}
	}
	slices.SortStableFunc(keys, func(x, y sortKey) int {
		if c := cmp.Compare(x.group, y.group); c != 0 {
			return c
		}
		if c := cmp.Compare(x.sub, y.sub); c != 0 {
			return c
		}
		a, b := &vs[x.at], &vs[y.at]
		switch by {
		case "state":
			if c := cmp.Compare(rank[a.Coverage.State], rank[b.Coverage.State]); c != 0 {
				return c
			}
		case "record":
			if c := a.LastRecord.Compare(b.LastRecord); c != 0 {
				return c
			}
		}
		return cmp.Compare(x.name, y.name)
	})
	sorted := make([]assessed, len(vs))
	for i, k := range keys {
		sorted[i] = vs[k.at]
	}
	copy(vs, sorted)
}

// vaultsURL is /vaults with the query's filters, the sort and the page.
func vaultsURL(vq vaultQuery, sortBy string, page int) string {
	q := url.Values{}
	if vq.Search != "" {
		q.Set("q", vq.Search)
	}
	if vq.State != "" {
		q.Set("state", string(vq.State))
	}
	if vq.Subscription != "" {
		q.Set("subscription", vq.Subscription)
	}
	if sortBy != "" {
		q.Set("sort", sortBy)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/vaults"
	}
	return "/vaults?" + q.Encode()
}

// vaultPageURL is the console page of the vault with ARM id id (or
// another provider's store id: a Vault store's "//" is closed up, as
// the router would clean it, and vaultIDFromPath opens it again).
func vaultPageURL(id string) string {
	if rest, ok := strings.CutPrefix(id, "vault://"); ok {
		id = "vault:/" + rest
	}
	return "/vaults" + (&url.URL{Path: "/" + strings.TrimPrefix(id, "/")}).EscapedPath()
}

// vaultsDiscover is POST /vaults/discover: the console's "discover now".
func (h *handler) vaultsDiscover(w http.ResponseWriter, r *http.Request) {
	if h.inventory == nil {
		h.pageError(w, r, http.StatusServiceUnavailable, "Vault discovery is not configured on this server.")
		return
	}
	if _, err := h.discover(r); err != nil {
		h.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/vaults?discovered=1", http.StatusSeeOther)
}
