package web

import (
	"net/http"

	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"strconv"
	"time"
)

// ingestStatus is GET /api/v1/ingest/status: how many events are stored and
// how many records each source dead-lettered.
func (h *handler) ingestStatus(w http.ResponseWriter, r *http.Request) {
	events, err := h.store.CountEvents(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	dead, err := h.store.CountDeadLetters(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	sources := []sourceJSON{}
	if h.sources != nil {
		for _, st := range h.sources() {
			sources = append(sources, sourceStatusJSON(st))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events, "dead_letters": dead, "sources": sources})
}

// sourceJSON is a live source's state as the API shows it.
type sourceJSON struct {
	Name           string     `json:"name"`
	Kind           string     `json:"kind"`
	State          string     `json:"state"`
	Records        int64      `json:"records"`
	New            int64      `json:"new"`
	Duplicates     int64      `json:"duplicates"`
	DeadLetters    int64      `json:"dead_letters"`
	Errors         int64      `json:"errors"`
	LastError      string     `json:"last_error,omitempty"`
	LastErrorAt    *time.Time `json:"last_error_at,omitempty"`
	LastPoll       *time.Time `json:"last_poll,omitempty"`
	LastRecordTime *time.Time `json:"last_record_time,omitempty"`
	LagSeconds     float64    `json:"lag_seconds"`
}

func sourceStatusJSON(st source.Status) sourceJSON {
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return sourceJSON{
		Name: st.Name, Kind: st.Kind, State: st.State, Records: st.Records, New: st.New, Duplicates: st.Duplicates,
		DeadLetters: st.DeadLetters, Errors: st.Errors, LastError: st.LastError, LastErrorAt: at(st.LastErrorAt),
		LastPoll: at(st.LastPoll), LastRecordTime: at(st.LastRecordTime), LagSeconds: st.Lag.Seconds(),
	}
}

type deadLetterJSON struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Source     string    `json:"source"`
	Position   string    `json:"position"`
	Reason     string    `json:"reason"`
	Raw        string    `json:"raw"`
}

// listDeadLetters is GET /api/v1/dead-letters: unparseable records, newest
// first (?before=ID&limit=N to page).
func (h *handler) listDeadLetters(w http.ResponseWriter, r *http.Request) {
	var before int64
	limit := 100
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			h.apiError(w, r, http.StatusBadRequest, "before: want a dead-letter id")
			return
		}
		before = n
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			h.apiError(w, r, http.StatusBadRequest, "limit: want 1 to "+strconv.Itoa(maxPage))
			return
		}
		limit = n
	}
	dls, err := h.store.ListDeadLetters(r.Context(), before, limit)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := make([]deadLetterJSON, 0, len(dls))
	for _, d := range dls {
		out = append(out, deadLetterJSON{ID: d.ID, ReceivedAt: d.ReceivedAt, Source: d.Source, Position: d.Position, Reason: d.Reason, Raw: d.Raw})
	}
	writeJSON(w, http.StatusOK, map[string]any{"dead_letters": out})
}
