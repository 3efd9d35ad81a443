package web

import (
	"encoding/json"
	"net/http"

	"github.com/honeyvault/honeyvault/internal/api"
)

// writeJSON sends v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// apiError is the one place API errors are answered: a JSON body
// {"error": msg}. msg is for the client and never carries internal details;
// failures of the server itself go through serverError, which logs them.
func (h *handler) apiError(w http.ResponseWriter, r *http.Request, code int, msg string) {
	writeJSON(w, code, api.Error{Error: msg})
}

// serverError logs err with the request's route pattern and answers 500
// without its details: JSON under /api/, an error page for the console. The
// raw path is never logged: it may name a decoy or carry a token.
func (h *handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("request failed", "method", r.Method, "route", routeOf(r), "err", err)
	if !isAPI(r) && h.views != nil {
		h.pageError(w, r, http.StatusInternalServerError, "Something went wrong on the server; it has been logged.")
		return
	}
	h.apiError(w, r, http.StatusInternalServerError, "internal error")
}

func (h *handler) apiNotFound(w http.ResponseWriter, r *http.Request) {
	h.apiError(w, r, http.StatusNotFound, "no such API route")
}

// routeOf is the pattern that matched r ("GET /api/v1/incidents/{id}"), safe
// to log and to use as a metric label, or "unmatched".
func routeOf(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	return r.Pattern
}
