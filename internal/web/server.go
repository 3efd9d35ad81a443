package web

import (
	"cmp"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Options are what the server needs. Store and Auth are required.
type Options struct {
	Store    *store.Store
	Auth     *auth.Authenticator
	Logger   *slog.Logger         // nil: discard
	Registry *prometheus.Registry // nil: a new one; /metrics serves it to anyone
	// Protected are the metrics that reveal detection; /metrics adds them
	// for principals allowed auth.ReadMetrics (see metricsHandler). nil: none.
	Protected prometheus.Gatherer
	Ingest    Submitter              // nil: the ingest endpoint answers 503
	Notify    NotifyStatus           // nil: no notification channels to report
	Sources   func() []source.Status // the live ingestion sources' state; nil: none
	// IngestLimits bound the ingest endpoint: requests at once, chunks,
	// the client's time to send.
	IngestLimits IngestLimits
	// TrustedProxies are reverse proxies whose X-Forwarded-For is believed
	// (see resolveClient); empty: the connection's peer is the client.
	TrustedProxies []netip.Prefix

	// OIDC enables single sign-on; nil shows the token sign-in only.
	OIDC *auth.OIDC
	// Secure marks cookies Secure and sends HSTS even when TLS ends in front
	// of honeyvault (an https external URL). Requests over TLS get both anyway.
	Secure bool
	// LoginLimit and IngestLimit rate-limit sign-in attempts per client
	// address and ingest requests per principal; nil: no limit.
	LoginLimit, IngestLimit *auth.Limiter
	// LoginRefusals audits the sign-in attempts LoginLimit refuses, one
	// entry per client and window (its owner runs it); nil: one entry per
	// refused attempt.
	LoginRefusals *auth.Refusals
	// Now is the clock for token expiry shown and set; nil: time.Now.
	Now func() time.Time
	// LiveRefresh is how often the incident list's script asks for new
	// incidents; 0: every 15 seconds.
	LiveRefresh time.Duration

	// Inventory runs vault discovery on demand; nil: POST
	// /api/v1/vaults/discover answers 503.
	Inventory Inventory
	// Coverage is what a vault needs to count as covered (zero Types:
	// a secret; zero LateAfter: a day).
	Coverage coverage.Policy

	// NotifyTest sends a channel's test message (the settings page's "Send
	// test"); nil: the button is not shown and the API answers 503.
	NotifyTest NotifyTester
	// AllowConfig are the config file's allow rules, shown read-only beside
	// the stored ones.
	AllowConfig []config.Allow
	// Plant are the effective planting settings, shown read-only (never
	// their secrets); nil: the planting page says there are none.
	Plant *config.Plant
	// Deployments plans and runs deploys and retires from the console
	// and the API; nil: their buttons are not shown and their routes
	// answer 503.
	Deployments Deployments
	// Reconciler runs reconcile on demand; nil: POST /api/v1/reconcile
	// answers 503.
	Reconciler Reconciler
	// Diagnostics runs the diagnostics check on demand; nil: POST
	// /api/v1/diagnostics answers 503.
	Diagnostics DiagnosticsChecker
	// Cluster says who the replicas are and who holds which lease; nil:
	// GET /api/v1/cluster answers 503.
	Cluster ClusterStatus
}

type handler struct {
	store   *store.Store
	auth    *auth.Authenticator
	log     *slog.Logger
	metrics *httpMetrics
	ingest  Submitter
	notify  NotifyStatus
	sources func() []source.Status

	views         views
	oidc          *auth.OIDC
	oidcLabel     string
	secure        bool
	loginLimit    *auth.Limiter
	loginRefusals *auth.Refusals
	ingestLimit   *auth.Limiter
	ingestLimits  IngestLimits
	ingestSlots   chan struct{} // a token per ingest request being read and stored
	largeSlots    chan struct{} // a token per one of them larger than one chunk
	ingestWaiting atomic.Int64  // requests waiting for an ingest slot
	sessionMaxAge time.Duration
	now           func() time.Time
	liveRefresh   time.Duration

	inventory   Inventory
	coverage    coverage.Policy
	deployments Deployments
	reconciler  Reconciler
	diagnostics DiagnosticsChecker

	clusterStatus ClusterStatus

	notifyTest NotifyTester
	settings   settingsConfig
}

// New returns the server's root handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	h := &handler{store: o.Store, auth: o.Auth, log: o.Logger, metrics: newHTTPMetrics(o.Registry), ingest: o.Ingest, notify: o.Notify, sources: o.Sources}
	h.setupAccess(o)
	h.liveRefresh = cmp.Or(o.LiveRefresh, 15*time.Second)
	h.setupVaults(o)
	h.clusterStatus = o.Cluster
	h.setupSettings(o)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", h.readyz)
	if o.Protected == nil {
		o.Protected = prometheus.NewRegistry()
	}
	mux.Handle("GET /metrics", h.metricsHandler(o.Registry, o.Protected))
	mux.Handle("GET /api/v1/honeytokens", h.require(auth.ReadDecoys, h.listHoneytokens))
	mux.Handle("GET /api/v1/honeytokens/watchlist.csv", h.require(auth.ReadDecoys, h.exportWatchlist))
	mux.Handle("POST /api/v1/ingest/azure-keyvault", h.require(auth.WriteRecords, h.ingestRecords))
	// The same endpoint under a name that says AWS, for EventBridge API
	// destinations and CloudTrail forwarders: every shape goes to either.
	mux.Handle("POST /api/v1/ingest/aws-cloudtrail", h.require(auth.WriteRecords, h.ingestRecords))
	mux.Handle("GET /api/v1/ingest/status", h.require(auth.ReadIncidents, h.ingestStatus))
	mux.Handle("GET /api/v1/cluster", h.require(auth.ReadMetrics, h.cluster))
	mux.Handle("GET /api/v1/dead-letters", h.require(auth.ManageSettings, h.listDeadLetters))
	mux.Handle("GET /api/v1/incidents", h.require(auth.ReadIncidents, h.listIncidents))
	mux.Handle("GET /api/v1/incidents/{id}", h.require(auth.ReadIncidents, h.getIncident))
	mux.Handle("POST /api/v1/incidents/{id}/close", h.require(auth.ManageIncidents, h.closeIncident))
	mux.Handle("POST /api/v1/incidents/{id}/comment", h.require(auth.ManageIncidents, h.commentIncident))
	mux.Handle("POST /api/v1/incidents/{id}/assign", h.require(auth.ManageIncidents, h.assignIncident))
	mux.Handle("POST /api/v1/incidents/{id}/reopen", h.require(auth.ManageIncidents, h.reopenIncident))
	mux.Handle("GET /api/v1/alerts", h.require(auth.ReadIncidents, h.listAlerts))
	mux.Handle("GET /api/v1/notify/channels", h.require(auth.ReadIncidents, h.listChannels))
	mux.Handle("POST /api/v1/notify/channels/{name}/test", h.require(auth.ManageSettings, h.sendTestAPI))
	mux.Handle("GET /api/v1/allow-rules", h.require(auth.ManageSettings, h.listAllowRules))
	mux.Handle("POST /api/v1/allow-rules", h.require(auth.ManageSettings, h.createAllowRule))
	mux.Handle("DELETE /api/v1/allow-rules/{id}", h.require(auth.ManageSettings, h.deleteAllowRule))
	mux.Handle("GET /api/v1/vaults", h.require(auth.ReadDecoys, h.listVaults))
	mux.Handle("GET /api/v1/vaults/{id...}", h.require(auth.ReadDecoys, h.getVault))
	mux.Handle("POST /api/v1/vaults/discover", h.require(auth.ManageSettings, h.discoverVaults))
	mux.Handle("POST /api/v1/reconcile", h.require(auth.ManageSettings, h.reconcileNow))
	mux.Handle("POST /api/v1/diagnostics", h.require(auth.ManageSettings, h.checkDiagnostics))
	// Deploy and retire (api_deploys.go, deploy_page.go).
	mux.Handle("POST /api/v1/deploys", h.require(auth.ManageDecoys, h.planDeployAPI))
	mux.Handle("GET /api/v1/deploys/{id}", h.require(auth.ManageDecoys, h.getRunAPI(KindDeploy)))
	mux.Handle("POST /api/v1/deploys/{id}/confirm", h.require(auth.ManageDecoys, h.confirmRunAPI(KindDeploy)))
	mux.Handle("POST /api/v1/retires", h.require(auth.ManageDecoys, h.planRetireAPI))
	mux.Handle("GET /api/v1/retires/{id}", h.require(auth.ManageDecoys, h.getRunAPI(KindRetire)))
	mux.Handle("POST /api/v1/retires/{id}/confirm", h.require(auth.ManageDecoys, h.confirmRunAPI(KindRetire)))
	mux.HandleFunc("/api/", h.apiNotFound)

	// Identity and access, and the console frame (see doc.go).
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.loginToken)
	mux.HandleFunc("GET /login/oidc", h.loginOIDC)
	mux.HandleFunc("GET /login/oidc/callback", h.loginOIDCCallback)
	mux.Handle("POST /logout", h.require(auth.UseConsole, h.logout))
	mux.Handle("GET /{$}", h.require(auth.UseConsole, h.home))
	mux.Handle("GET /tokens", h.require(auth.ManageAccess, h.tokensPage))
	mux.Handle("POST /tokens", h.require(auth.ManageAccess, h.tokensCreate))
	mux.Handle("POST /tokens/{id}/revoke", h.require(auth.ManageAccess, h.tokensRevoke))
	mux.Handle("GET /audit", h.require(auth.ReadAudit, h.auditPage))
	// Incidents and decoys (incident_page.go, incidents_page.go, honeytokens_page.go).
	mux.Handle("GET /incidents", h.require(auth.ReadIncidents, h.incidentsPage))
	mux.Handle("GET /honeytokens", h.require(auth.ReadDecoys, h.honeytokensPage))
	mux.Handle("GET /incidents/{id}", h.require(auth.ReadIncidents, h.incidentPage))
	mux.Handle("POST /incidents/{id}/take", h.require(auth.ManageIncidents, h.incidentTake))
	mux.Handle("POST /incidents/{id}/comment", h.require(auth.ManageIncidents, h.incidentComment))
	mux.Handle("POST /incidents/{id}/close", h.require(auth.ManageIncidents, h.incidentClose))
	mux.Handle("POST /incidents/{id}/reopen", h.require(auth.ManageIncidents, h.incidentReopen))
	mux.Handle("GET /vaults", h.require(auth.ReadDecoys, h.vaultsPage))
	mux.Handle("GET /vaults/{id...}", h.require(auth.ReadDecoys, h.vaultPage))
	mux.Handle("POST /vaults/discover", h.require(auth.ManageSettings, h.vaultsDiscover))
	// The cluster (cluster_page.go): whoever may read GET /api/v1/cluster.
	mux.Handle("GET /cluster", h.require(auth.ReadMetrics, h.clusterPage))
	// Settings (settings_*.go): admins only.
	mux.Handle("GET /settings", h.require(auth.ManageSettings, h.settingsPage))
	mux.Handle("GET /settings/sources", h.require(auth.ManageSettings, h.settingsSources))
	mux.Handle("GET /settings/notifications", h.require(auth.ManageSettings, h.settingsNotifications))
	mux.Handle("POST /settings/notifications/{name}/test", h.require(auth.ManageSettings, h.settingsNotificationsTest))
	mux.Handle("GET /settings/allow-rules", h.require(auth.ManageSettings, h.settingsAllowRules))
	mux.Handle("POST /settings/allow-rules", h.require(auth.ManageSettings, h.settingsAllowRulesAdd))
	mux.Handle("POST /settings/allow-rules/{id}/remove", h.require(auth.ManageSettings, h.settingsAllowRulesRemove))
	mux.Handle("GET /settings/planting", h.require(auth.ManageSettings, h.settingsPlanting))
	mux.Handle("POST /deploys", h.require(auth.ManageDecoys, h.planDeployForm))
	mux.Handle("GET /deploys/{id}", h.require(auth.ManageDecoys, h.runPage(KindDeploy)))
	mux.Handle("POST /deploys/{id}/confirm", h.require(auth.ManageDecoys, h.confirmRunForm(KindDeploy)))
	mux.Handle("POST /retires", h.require(auth.ManageDecoys, h.planRetireForm))
	mux.Handle("GET /retires/{id}", h.require(auth.ManageDecoys, h.runPage(KindRetire)))
	mux.Handle("POST /retires/{id}/confirm", h.require(auth.ManageDecoys, h.confirmRunForm(KindRetire)))
	mux.Handle("GET /api/v1/tokens", h.require(auth.ManageAccess, h.listTokens))
	mux.Handle("POST /api/v1/tokens", h.require(auth.ManageAccess, h.createToken))
	mux.Handle("DELETE /api/v1/tokens/{id}", h.require(auth.ManageAccess, h.revokeToken))
	mux.Handle("GET /api/v1/audit", h.require(auth.ReadAudit, h.listAudit))

	return h.observe(mux, resolveClient(o.TrustedProxies, h.securityHeaders(limitBody(mux))))
}
