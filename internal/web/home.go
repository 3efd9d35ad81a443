package web

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// homeNewest is how many open incidents the home page words, newest first.
const homeNewest = 5

// homeView is what / shows: the numbers that matter at a glance, each part
// only for a principal allowed to follow its links (nil otherwise).
type homeView struct {
	Coverage  *homeCoverage
	Incidents *homeIncidents
	Ingestion *homeIngestion
	// CanDiscover offers "Discover vaults now" in the empty state, as on
	// /vaults.
	CanDiscover bool
	// Owner is set for a vault owner, who sees no incidents (README,
	// "Vault owners and incidents"): the page says where they go instead.
	Owner bool
}

// homeCoverage is the coverage of the vaults the principal may see.
type homeCoverage struct {
	Headline string // "6 of 7 vaults covered"
	Count    coverage.Count
	Chips    []stateChip // the states short of covered that have vaults, linking /vaults?state=
	Decoys   int         // active decoys in those vaults
}

// homeIncidents are the open incidents.
type homeIncidents struct {
	Headline   string // "3 open incidents (1 critical)"
	Open       int
	Closed     int
	BySeverity []severityCount // critical first; those with none left out
	Newest     []homeIncident
}

type severityCount struct {
	Severity string
	N        int
	Link     string
}

// homeIncident is an open incident in one line of plain words.
type homeIncident struct {
	ID       int64
	Severity string
	Status   string
	Sentence string // the same first line as its page's
	LastSeen timeView
}

// homeIngestion is the health of the live sources and what could not be read.
type homeIngestion struct {
	Sources     int
	Failing     int
	DeadLetters int64
}

// home is GET /: coverage, open incidents and ingestion health, as far as
// the principal's permissions reach, from the same queries as the pages
// they link to.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principalFrom(ctx)
	v := homeView{Owner: p.DecoyScope() != nil, CanDiscover: h.inventory != nil && p.Allows(auth.ManageSettings)}
	// The parts are independent, and coverage alone assesses the whole
	// estate: they run at once, on connections of the store's read pool.
	g, gctx := errgroup.WithContext(ctx)
	if p.Allows(auth.ReadDecoys) {
		g.Go(func() (err error) { v.Coverage, err = h.homeCoverage(gctx, p); return err })
	}
	if p.Allows(auth.ReadIncidents) {
		g.Go(func() (err error) { v.Incidents, err = h.homeIncidents(gctx); return err })
	}
	if p.Allows(auth.ManageSettings) {
		g.Go(func() (err error) { v.Ingestion, err = h.homeIngestion(gctx); return err })
	}
	if err := g.Wait(); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "home", "Home", v)
}

func (h *handler) homeCoverage(ctx context.Context, p auth.Principal) (*homeCoverage, error) {
	all, total, _, err := h.estateCoverage(ctx, p)
	if err != nil {
		return nil, err
	}
	c := &homeCoverage{Headline: total.String(), Count: total}
	for _, a := range all {
		c.Decoys += a.Coverage.Active
	}
	for _, s := range []coverage.State{coverage.AtRisk, coverage.NotCovered} {
		if n := total.Of(s); n > 0 {
			c.Chips = append(c.Chips, stateChip{State: viewState(s), Count: n, Link: vaultsURL(vaultQuery{State: s}, "", 1)})
		}
	}
	return c, nil
}

func (h *handler) homeIncidents(ctx context.Context) (*homeIncidents, error) {
	counts, err := h.store.IncidentCounts(ctx, store.IncidentFilter{})
	if err != nil {
		return nil, err
	}
	in := &homeIncidents{Open: counts[incident.StatusNew] + counts[incident.StatusActive], Closed: counts[incident.StatusClosed]}
	severities := []string{incident.Critical, incident.High, incident.Medium}
	open := make([]int, len(severities))
	if in.Open > 0 {
		g, gctx := errgroup.WithContext(ctx)
		for i, sev := range severities {
			g.Go(func() error {
				c, err := h.store.IncidentCounts(gctx, store.IncidentFilter{Severity: sev})
				open[i] = c[incident.StatusNew] + c[incident.StatusActive]
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	critical := 0
	for i, sev := range severities {
		n := open[i]
		if sev == incident.Critical {
			critical = n
		}
		if n > 0 {
			link := incidentsQuery{State: "open", Severity: sev}.url(nil)
			in.BySeverity = append(in.BySeverity, severityCount{sev, n, link})
		}
	}
	in.Headline = fmt.Sprintf("%d open incident", in.Open)
	if in.Open != 1 {
		in.Headline += "s"
	}
	if critical > 0 {
		in.Headline += fmt.Sprintf(" (%d critical)", critical)
	}
	if in.Open == 0 {
		return in, nil
	}
	list, err := h.store.ListIncidents(ctx, store.IncidentFilter{Status: "open", Limit: homeNewest})
	if err != nil {
		return nil, err
	}
	now := h.now()
	for _, x := range list {
		// The incident page's sentence comes from the same alerts.
		alerts, err := h.store.ListAlerts(ctx, store.AlertFilter{IncidentID: x.ID, Limit: maxDetailAlerts})
		if err != nil {
			return nil, err
		}
		in.Newest = append(in.Newest, homeIncident{ID: x.ID, Severity: x.Severity, Status: x.Status,
			Sentence: incidentSentence(x, alerts), LastSeen: viewTime(x.LastSeen, now)})
	}
	return in, nil
}

func (h *handler) homeIngestion(ctx context.Context) (*homeIngestion, error) {
	in := &homeIngestion{}
	for _, s := range h.sourceRows() {
		in.Sources++
		if s.Warn {
			in.Failing++
		}
	}
	perSource, err := h.store.CountDeadLetters(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range perSource {
		in.DeadLetters += n
	}
	return in, nil
}
