// Package web serves honeyvault's HTTP interface: health and metrics, the REST
// API and (later) the console. Routes use the standard library's method
// patterns; each handler lives in its own file named after its route.
package web

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Options are what the server needs. Store and Auth are required.
type Options struct {
	Store    *store.Store
	Auth     *auth.Authenticator
	Logger   *slog.Logger         // nil: discard
	Registry *prometheus.Registry // nil: a new one; /metrics serves it
	Ingest   Submitter            // nil: the ingest endpoint answers 503
}

type handler struct {
	store   *store.Store
	auth    *auth.Authenticator
	log     *slog.Logger
	metrics *httpMetrics
	ingest  Submitter
}

// New returns the server's root handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	h := &handler{store: o.Store, auth: o.Auth, log: o.Logger, metrics: newHTTPMetrics(o.Registry), ingest: o.Ingest}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", h.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry}))
	mux.Handle("GET /api/v1/honeytokens", h.require(auth.ReadDecoys, h.listHoneytokens))
	mux.Handle("GET /api/v1/honeytokens/watchlist.csv", h.require(auth.ReadDecoys, h.exportWatchlist))
	mux.Handle("POST /api/v1/ingest/azure-keyvault", h.require(auth.WriteRecords, h.ingestRecords))
	mux.Handle("GET /api/v1/ingest/status", h.require(auth.ReadIncidents, h.ingestStatus))
	mux.Handle("GET /api/v1/dead-letters", h.require(auth.ManageSettings, h.listDeadLetters))
	mux.HandleFunc("/api/", h.apiNotFound)

	return h.observe(mux, securityHeaders(mux))
}
