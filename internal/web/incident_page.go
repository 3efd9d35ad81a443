package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// incidentView is what /incidents/{id} shows.
type incidentView struct {
	In              store.Incident
	Sentence        string // the plain-words first line
	Alerts          []alertRow
	AlertsTruncated bool
	Entities        store.Entities
	Related         incident.Related
	Window          string // the related-activity window, as in the URL
	Windows         []choice
	History         []store.HistoryEntry
	PortalURL       string // the vault in the Azure portal; "" when the vault id is not an ARM id
	CanManage       bool
	Classifications []string
	Error, Notice   string
	Comment         string // what was typed, kept when a change is refused
}

// alertRow is one alert of the timeline.
type alertRow struct {
	store.Alert
	Hot bool // the operation took the value or material out (see hotOperation)
	// Change says what a tamper alert did to the vault (it names no decoy).
	Change string
}

// choice is one option of a set of links or a select.
type choice struct {
	Value, Label string
	Current      bool
}

// relatedWindows are the windows the page offers; ?window= takes any
// duration the API takes.
var relatedWindows = []choice{{"1h", "±1 hour", false}, {"6h", "±6 hours", false}, {"24h", "±24 hours", false},
	{"72h", "±3 days", false}, {"168h", "±7 days", false}}

// incidentNotices are the messages a change redirects with (?done=): fixed
// words, so that nothing from the URL is echoed.
var incidentNotices = map[string]string{
	"take":    "You took this incident.",
	"comment": "Comment added.",
	"close":   "Incident closed.",
	"reopen":  "Incident reopened.",
}

// parseWindow reads ?window= with the API's bounds; "" is the default.
func parseWindow(v string) (time.Duration, string, bool) {
	if v == "" {
		return incident.DefaultRelatedWindow, "24h", true
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute || d > incident.MaxRelatedWindow {
		return 0, "", false
	}
	return d, v, true
}

// portalURL links a vault's overview in the Azure portal.
func portalURL(vaultID string) string {
	if !strings.HasPrefix(strings.ToLower(vaultID), "/subscriptions/") || strings.ContainsAny(vaultID, " \"<>#?") {
		return ""
	}
	return "https://portal.azure.com/#resource" + vaultID + "/overview"
}

// incidentPage is GET /incidents/{id}: the investigation of one incident,
// from the same store queries as GET /api/v1/incidents/{id}.
func (h *handler) incidentPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.pageError(w, r, http.StatusBadRequest, "That is not an incident number.")
		return
	}
	window, wv, ok := parseWindow(r.URL.Query().Get("window"))
	if !ok {
		h.pageError(w, r, http.StatusBadRequest, "window: want a duration from 1m to 168h, such as 24h")
		return
	}
	v := incidentView{Window: wv, Notice: incidentNotices[r.URL.Query().Get("done")]}
	h.showIncident(w, r, http.StatusOK, id, window, v)
}

// showIncident loads incident id and renders its page with code; v carries
// the window and any message.
func (h *handler) showIncident(w http.ResponseWriter, r *http.Request, code int, id int64, window time.Duration, v incidentView) {
	inv, err := h.investigate(r.Context(), id, window, 500)
	if errors.Is(err, store.ErrNotFound) {
		h.pageError(w, r, http.StatusNotFound, "There is no incident "+strconv.FormatInt(id, 10)+".")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	in, alerts := inv.incident, inv.alerts
	v.AlertsTruncated, v.Entities, v.History, v.Related = inv.truncated, inv.entities, inv.history, inv.related
	v.In, v.Sentence, v.PortalURL = in, incidentSentence(in, alerts), portalURL(in.VaultID)
	for _, a := range alerts {
		row := alertRow{Alert: a, Hot: hotOperation(a.Class, a.Operation)}
		if c := detect.Class(a.Class); c.IsTamper() {
			row.Change = detect.DescribeTamper(c, detect.ChangeRefused(a.ResultType))
		}
		if words := incident.DescribeHealth(detect.Class(a.Class)); words != "" {
			row.Change = words
		}
		v.Alerts = append(v.Alerts, row)
	}
	for _, c := range relatedWindows {
		c.Current = c.Value == v.Window
		v.Windows = append(v.Windows, c)
	}
	v.CanManage = principalFrom(r.Context()).Allows(auth.ManageIncidents)
	v.Classifications = incident.Classifications
	h.render(w, r, code, "incident", "Incident "+strconv.FormatInt(id, 10), v)
}
