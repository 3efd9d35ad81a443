package web

import (
	"net/http"
	"regexp"
	"time"

	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// sourceRow is a live source as the sources page shows it.
type sourceRow struct {
	source.Status
	StateWord string // what State means, in words
	Badge     string // the badge's class: ok, warn, bad, idle
	Warn      bool   // needs attention: say what to do
	LagWords  string
}

// sourceRows describes every live source; those that need attention first.
func (h *handler) sourceRows() []sourceRow {
	if h.sources == nil {
		return nil
	}
	var ok, warn []sourceRow
	for _, st := range h.sources() {
		row := sourceRow{Status: st, LagWords: "—"}
		if st.Lag > 0 {
			row.LagWords = st.Lag.Round(time.Second).String()
		}
		switch st.State {
		case source.StateRunning:
			row.StateWord, row.Badge = "running", "ok"
		case source.StateBackoff:
			row.StateWord, row.Badge, row.Warn = "failing, retrying", "bad", true
		case source.StateStopped:
			row.StateWord, row.Badge, row.Warn = "stopped", "bad", true
		case source.StateStandby:
			row.StateWord, row.Badge = "run by another replica", "idle"
		default:
			row.StateWord, row.Badge = "starting", "idle"
		}
		if row.Warn {
			warn = append(warn, row)
		} else {
			ok = append(ok, row)
		}
	}
	return append(warn, ok...)
}

// deadLetterRow is a dead letter without its raw record: the page says why
// a record was refused, not what it held.
type deadLetterRow struct {
	ReceivedAt     time.Time
	Source, Reason string
}

type sourcesView struct {
	Sources     []sourceRow
	Failing     int
	Events      int64
	DeadLetters int64
	Recent      []deadLetterRow
}

// recentDeadLetters is how many of the newest dead letters the page lists;
// GET /api/v1/dead-letters pages through all of them.
const recentDeadLetters = 5

// settingsSources is GET /settings/sources: each live source's state, the
// events stored and the records that could not be read.
func (h *handler) settingsSources(w http.ResponseWriter, r *http.Request) {
	v := sourcesView{Sources: h.sourceRows()}
	for _, s := range v.Sources {
		if s.Warn {
			v.Failing++
		}
	}
	var err error
	if v.Events, err = h.store.CountEvents(r.Context()); err != nil {
		h.serverError(w, r, err)
		return
	}
	perSource, err := h.store.CountDeadLetters(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, n := range perSource {
		v.DeadLetters += n
	}
	var dls []store.DeadLetter
	if dls, err = h.store.ListDeadLetters(r.Context(), 0, recentDeadLetters); err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, d := range dls {
		v.Recent = append(v.Recent, deadLetterRow{ReceivedAt: d.ReceivedAt, Source: d.Source, Reason: shortReason(d.Reason)})
	}
	h.render(w, r, http.StatusOK, "settings_sources", "Sources", v)
}

// quotedRE is a quoted value inside a parse error.
var quotedRE = regexp.MustCompile(`"[^"]*"|'[^']*'`)

// shortReason cuts a parse error to a line, enough to say what was wrong,
// and blanks what it quotes: a parser quotes the offending value, which
// may be a request URI naming a decoy, and this page shows reasons, not
// records (GET /api/v1/dead-letters has those).
func shortReason(s string) string {
	s = quotedRE.ReplaceAllString(s, `"…"`)
	if r := []rune(s); len(r) > 160 {
		return string(r[:160]) + "…"
	}
	return s
}
