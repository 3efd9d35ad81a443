package web

import (
	"net/http"
	"strconv"

	"github.com/honeyvault/honeyvault/internal/api"
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
	out := api.IngestStatus{Events: events, DeadLetters: dead, Sources: []api.Source{}}
	if h.sources != nil {
		for _, st := range h.sources() {
			out.Sources = append(out.Sources, apiSource(st))
		}
	}
	writeJSON(w, http.StatusOK, out)
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
	out := api.DeadLetterList{DeadLetters: make([]api.DeadLetter, 0, len(dls))}
	for _, d := range dls {
		out.DeadLetters = append(out.DeadLetters, apiDeadLetter(d))
	}
	writeJSON(w, http.StatusOK, out)
}
