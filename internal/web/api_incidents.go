package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// incidentFilter reads the filters of GET /api/v1/incidents; a bad value is
// a 400 naming the parameter.
func incidentFilter(r *http.Request) (store.IncidentFilter, string) {
	q := r.URL.Query()
	f := store.IncidentFilter{Limit: 100}
	switch v := q.Get("status"); v {
	case "", incident.StatusNew, incident.StatusActive, incident.StatusClosed, "open":
		f.Status = v
	default:
		return f, "status: want new, active, closed or open"
	}
	switch v := q.Get("severity"); v {
	case "", incident.Medium, incident.High, incident.Critical:
		f.Severity = v
	default:
		return f, "severity: want medium, high or critical"
	}
	if v := strings.TrimSpace(q.Get("vault")); v != "" {
		if len(v) > 400 || strings.ContainsAny(v, " \t\r\n") {
			return f, "vault: want a vault name or ARM id"
		}
		f.Vault = v
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			return f, "limit: want 1 to " + strconv.Itoa(maxPage)
		}
		f.Limit = n
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, "before: want an incident id"
		}
		f.BeforeID = n
	}
	return f, ""
}

// listIncidents is GET /api/v1/incidents: newest first, a page at a time
// (?limit=, ?before=ID; next_before is set when there may be more).
func (h *handler) listIncidents(w http.ResponseWriter, r *http.Request) {
	f, bad := incidentFilter(r)
	if bad != "" {
		h.apiError(w, r, http.StatusBadRequest, bad)
		return
	}
	list, err := h.store.ListIncidents(r.Context(), f)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := api.IncidentList{Incidents: make([]api.Incident, 0, len(list))}
	for _, in := range list {
		out.Incidents = append(out.Incidents, apiIncident(in))
	}
	if len(list) == f.Limit {
		out.NextBefore = list[len(list)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

// maxDetailAlerts bounds the alerts GET /api/v1/incidents/{id} lists.
const maxDetailAlerts = 500

// incidentID reads {id}; it answers 400 itself when it is not one.
func (h *handler) incidentID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.apiError(w, r, http.StatusBadRequest, "id: want an incident id")
		return 0, false
	}
	return id, true
}

// getIncident is GET /api/v1/incidents/{id}: the incident, its alerts,
// entities, history and related activity (?window= around it, default 24h,
// at most 7 days; ?events= at most, default 500).
func (h *handler) getIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := h.incidentID(w, r)
	if !ok {
		return
	}
	window := incident.DefaultRelatedWindow
	if v := r.URL.Query().Get("window"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > incident.MaxRelatedWindow {
			h.apiError(w, r, http.StatusBadRequest, "window: want a duration from 1m to 168h")
			return
		}
		window = d
	}
	events := 500
	if v := r.URL.Query().Get("events"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			h.apiError(w, r, http.StatusBadRequest, "events: want 1 to 5000")
			return
		}
		events = n
	}
	inv, err := h.investigate(r.Context(), id, window, events)
	if errors.Is(err, store.ErrNotFound) {
		h.apiError(w, r, http.StatusNotFound, "no such incident")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	alerts, hist := inv.alerts, inv.history
	out := api.IncidentDetail{Incident: apiIncident(inv.incident), Entities: apiEntities(inv.entities), Related: apiRelated(inv.related),
		Alerts: make([]api.Alert, 0, len(alerts)), History: make([]api.HistoryEntry, 0, len(hist)), AlertsTruncated: inv.truncated}
	for _, a := range alerts {
		out.Alerts = append(out.Alerts, apiAlert(a))
	}
	for _, e := range hist {
		out.History = append(out.History, apiHistory(e))
	}
	writeJSON(w, http.StatusOK, out)
}

// listAlerts is GET /api/v1/alerts: decoy hits, raised or suppressed
// (?suppressed=true for the allow-listed ones), ?vault=, ?after=ID, ?limit=.
func (h *handler) listAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AlertFilter{Limit: 100, Vault: q.Get("vault")}
	switch v := q.Get("suppressed"); v {
	case "":
	case "true", "false":
		b := v == "true"
		f.Suppressed = &b
	default:
		h.apiError(w, r, http.StatusBadRequest, "suppressed: want true or false")
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			h.apiError(w, r, http.StatusBadRequest, "limit: want 1 to "+strconv.Itoa(maxPage))
			return
		}
		f.Limit = n
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			h.apiError(w, r, http.StatusBadRequest, "after: want an alert id")
			return
		}
		f.AfterID = n
	}
	alerts, err := h.store.ListAlerts(r.Context(), f)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := api.AlertList{Alerts: make([]api.Alert, 0, len(alerts))}
	for _, a := range alerts {
		out.Alerts = append(out.Alerts, apiAlert(a))
	}
	if len(alerts) == f.Limit {
		out.NextAfter = alerts[len(alerts)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

// investigation is what the incident page and GET /api/v1/incidents/{id}
// show of one incident.
type investigation struct {
	incident  store.Incident
	alerts    []store.Alert // the first maxDetailAlerts
	truncated bool          // there are more
	entities  store.Entities
	history   []store.HistoryEntry
	related   incident.Related
}

// investigate loads incident id with its alerts, entities, history and at
// most events records of related activity within window of it;
// store.ErrNotFound when there is no such incident.
func (h *handler) investigate(ctx context.Context, id int64, window time.Duration, events int) (investigation, error) {
	var inv investigation
	var err error
	if inv.incident, err = h.store.GetIncident(ctx, id); err != nil {
		return inv, err
	}
	// The rest are independent reads (related activity needs the
	// entities): they run at once on the store's read pool.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		inv.alerts, err = h.store.ListAlerts(gctx, store.AlertFilter{IncidentID: id, Limit: maxDetailAlerts + 1})
		return err
	})
	g.Go(func() (err error) {
		if inv.entities, err = h.store.IncidentEntities(gctx, id); err != nil {
			return err
		}
		inv.related, err = incident.RelatedTo(gctx, h.store, inv.incident, inv.entities, window, events)
		return err
	})
	g.Go(func() (err error) { inv.history, err = h.store.IncidentHistory(gctx, id); return err })
	if err := g.Wait(); err != nil {
		return inv, err
	}
	if len(inv.alerts) > maxDetailAlerts {
		inv.alerts, inv.truncated = inv.alerts[:maxDetailAlerts], true
	}
	return inv, nil
}
