package web

import (
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/honeyvault/honeyvault/internal/auth"
)

// metricsHandler is GET /metrics. Anyone gets the operational metrics
// (process, HTTP, ingestion, sources, database): enough to watch the
// service, nothing about what it detected. The metrics that reveal
// detection (protected: decoys in the registry, decoy hits, notifications
// sent) go only to a principal allowed auth.ReadMetrics — an admin, an
// analyst or a metrics token — because an attacker who can scrape them
// learns whether the access just made tripped a decoy. Credentials that are
// not valid get 401 and a role without the permission 403, not the open
// part: a scraper set up with the wrong token shows as down instead of
// quietly missing the detection metrics.
func (h *handler) metricsHandler(open *prometheus.Registry, protected prometheus.Gatherer) http.Handler {
	openH := promhttp.HandlerFor(open, promhttp.HandlerOpts{Registry: open})
	fullH := promhttp.HandlerFor(prometheus.Gatherers{open, protected}, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := h.auth.Identify(r)
		switch {
		case errors.Is(err, auth.ErrNoCredentials):
			openH.ServeHTTP(w, r)
		case errors.Is(err, auth.ErrBadCredentials):
			w.Header().Set("WWW-Authenticate", `Bearer realm="honeyvault"`)
			h.apiError(w, r, http.StatusUnauthorized, "invalid or expired credentials")
		case err != nil:
			h.serverError(w, r, err)
		case !id.Allows(auth.ReadMetrics):
			h.apiError(w, r, http.StatusForbidden, "forbidden: your role ("+string(id.Role)+") may not read metrics; use a metrics, analyst or admin token, or none for the open ones")
		default:
			fullH.ServeHTTP(w, r)
		}
	})
}
