package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// incidentsPageSize is how many incidents /incidents lists a page.
const incidentsPageSize = 50

// incidentRanges are the time ranges /incidents offers (?range=), by last
// alert; "" is all time.
var incidentRanges = []choice{{"24h", "24 hours", false}, {"7d", "7 days", false}, {"30d", "30 days", false}, {"", "all time", false}}

var rangeDurations = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// incidentsQuery is the list's state, all of it in the URL so that a view
// can be shared.
type incidentsQuery struct {
	State    string // open or closed
	Severity string // "" or medium, high, critical
	Vault    string
	Range    string // "" or a key of rangeDurations
	Before   int64
}

// parseIncidentsQuery reads ?state= ?severity= ?vault= ?range= ?before=; a
// bad value is an error naming the parameter.
func parseIncidentsQuery(q url.Values) (incidentsQuery, string) {
	iq := incidentsQuery{State: q.Get("state"), Severity: q.Get("severity"), Vault: strings.TrimSpace(q.Get("vault")), Range: q.Get("range")}
	switch iq.State {
	case "":
		iq.State = "open"
	case "open", incident.StatusClosed:
	default:
		return iq, "state: want open or closed"
	}
	switch iq.Severity {
	case "", incident.Medium, incident.High, incident.Critical:
	default:
		return iq, "severity: want medium, high or critical"
	}
	if len(iq.Vault) > 400 || strings.ContainsAny(iq.Vault, " \t\r\n") {
		return iq, "vault: want a vault name or ARM id"
	}
	if _, ok := rangeDurations[iq.Range]; !ok && iq.Range != "" {
		return iq, "range: want 24h, 7d or 30d"
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return iq, "before: want an incident id"
		}
		iq.Before = n
	}
	return iq, ""
}

// url is the list's address with q's state, changed by edit.
func (q incidentsQuery) url(edit func(*incidentsQuery)) string {
	if edit != nil {
		edit(&q)
	}
	v := url.Values{}
	if q.State != "open" {
		v.Set("state", q.State)
	}
	for k, s := range map[string]string{"severity": q.Severity, "vault": q.Vault, "range": q.Range} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Before > 0 {
		v.Set("before", strconv.FormatInt(q.Before, 10))
	}
	if len(v) == 0 {
		return "/incidents"
	}
	return "/incidents?" + v.Encode()
}

// incidentsView is what /incidents shows.
type incidentsView struct {
	Q                  incidentsQuery
	Open, Closed       int // in the filters, either state
	OpenCritical       int
	Tabs               []choice // Value: the link
	Ranges, Severities []choice
	Rows               []incidentListRow
	Older, Newest      string // paging links; "" when there is none
	Filtered           bool   // a filter other than the state is set
	None               bool   // no incident at all: the first-run empty state
	ClearFilters       string
	LiveNewest         int64 // the newest incident of all, for the live refresh; 0 off
	LiveEvery          int64 // milliseconds between the live refresh's polls
	Charts             incidentCharts
}

// incidentListRow is one incident of the list.
type incidentListRow struct {
	store.Incident
	Caller     string
	Operations []opCount
	Decoys     []string
	MoreDecoys int
}

// opCount is an operation and how many alerts did it.
type opCount struct {
	Operation string
	N         int
	Hot       bool
}

// listedDecoys bounds the decoy names a row shows.
const listedDecoys = 3

// incidentsPage is GET /incidents: incidents by state, newest first, with
// filters, counts and charts.
func (h *handler) incidentsPage(w http.ResponseWriter, r *http.Request) {
	q, bad := parseIncidentsQuery(r.URL.Query())
	if bad != "" {
		h.pageError(w, r, http.StatusBadRequest, bad)
		return
	}
	f := store.IncidentFilter{Status: q.State, Severity: q.Severity, Vault: q.Vault, BeforeID: q.Before, Limit: incidentsPageSize}
	if d, ok := rangeDurations[q.Range]; ok {
		f.SeenSince = h.now().Add(-d)
	}
	crit := f
	crit.Status, crit.Severity = "open", incident.Critical
	cf := f
	cf.Status = "" // the charts count every incident in the filters, open or closed
	// The page's reads are independent (but for the rows' digests, which
	// follow the list): they run at once, on connections of the store's
	// read pool, so that the page waits for the slowest, not for the sum.
	var (
		list             []store.Incident
		digests          map[int64]*store.IncidentDigest
		counts, critical map[string]int
		newest           []store.Incident
		charts           store.IncidentCharts
	)
	g, ctx := errgroup.WithContext(r.Context())
	g.Go(func() (err error) {
		if list, err = h.store.ListIncidents(ctx, f); err != nil {
			return err
		}
		digests, err = h.store.IncidentDigests(ctx, incidentIDs(list))
		return err
	})
	g.Go(func() (err error) { counts, err = h.store.IncidentCounts(ctx, f); return err })
	g.Go(func() (err error) { critical, err = h.store.IncidentCounts(ctx, crit); return err })
	if q.Before == 0 {
		g.Go(func() (err error) {
			newest, err = h.store.ListIncidents(ctx, store.IncidentFilter{Limit: 1})
			return err
		})
	}
	g.Go(func() (err error) { charts, err = h.store.IncidentCharts(ctx, cf); return err })
	if err := g.Wait(); err != nil {
		h.serverError(w, r, err)
		return
	}
	v := incidentsView{Q: q, Open: counts[incident.StatusNew] + counts[incident.StatusActive], Closed: counts[incident.StatusClosed],
		Filtered: q.Severity != "" || q.Vault != "" || q.Range != "",
		ClearFilters: q.url(func(q *incidentsQuery) {
			q.Severity, q.Vault, q.Range, q.Before = "", "", "", 0
		})}
	v.None = !v.Filtered && v.Open+v.Closed == 0
	v.OpenCritical = critical[incident.StatusNew] + critical[incident.StatusActive]
	v.addChoices()
	v.incidentRows(list, digests)
	if len(list) == incidentsPageSize {
		last := list[len(list)-1].ID
		v.Older = q.url(func(q *incidentsQuery) { q.Before = last })
	}
	if q.Before > 0 {
		v.Newest = q.url(func(q *incidentsQuery) { q.Before = 0 })
	} else if len(newest) == 1 {
		v.LiveNewest = newest[0].ID
	}
	v.LiveEvery = h.liveRefresh.Milliseconds()
	v.Charts = drawIncidentCharts(charts, f.SeenSince, h.now(), q)
	h.render(w, r, http.StatusOK, "incidents", "Incidents", v)
}

// addChoices fills the state tabs and the filters' options from v.Q.
func (v *incidentsView) addChoices() {
	q := v.Q
	for _, s := range []struct{ state, label string }{{"open", "Open"}, {incident.StatusClosed, "Closed"}} {
		v.Tabs = append(v.Tabs, choice{q.url(func(q *incidentsQuery) { q.State, q.Before = s.state, 0 }), s.label, s.state == q.State})
	}
	for _, c := range incidentRanges {
		c.Current = c.Value == q.Range
		v.Ranges = append(v.Ranges, c)
	}
	for _, s := range []string{"", incident.Critical, incident.High, incident.Medium} {
		label := s
		if s == "" {
			label = "any severity"
		}
		v.Severities = append(v.Severities, choice{s, label, s == q.Severity})
	}
}

// incidentIDs are the ids of list, in its order.
func incidentIDs(list []store.Incident) []int64 {
	ids := make([]int64, len(list))
	for i, in := range list {
		ids[i] = in.ID
	}
	return ids
}

// incidentRows fills v.Rows from list and its alerts' digests.
func (v *incidentsView) incidentRows(list []store.Incident, digests map[int64]*store.IncidentDigest) {
	for _, in := range list {
		row := incidentListRow{Incident: in, Caller: in.CallerKey}
		if d := digests[in.ID]; d != nil {
			row.Caller = callerName(d.Caller)
			for _, o := range d.Operations {
				row.Operations = append(row.Operations, opCount{o.Key, o.N, hotOperation(o.Class, o.Key)})
			}
			row.Decoys = d.Decoys
			if len(row.Decoys) > listedDecoys {
				row.Decoys, row.MoreDecoys = row.Decoys[:listedDecoys], len(row.Decoys)-listedDecoys
			}
		}
		v.Rows = append(v.Rows, row)
	}
}
