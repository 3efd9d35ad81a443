// Package app assembles a running honeyvault from its configuration: the
// store, the registry import, authentication and the HTTP server. honeyvault
// serve and honeyvault lab both start one.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// Server is a configured honeyvault, ready to serve.
// wholeBodyChunks is how many chunks' worth of records an ingest body may
// hold and still be stored whole, as one batch group-committed with
// everything else waiting (a forwarder's batch of hundreds of records):
// chunking, whose commits are sized to keep the writer free for small
// batches, costs throughput and is kept for large uploads.
const wholeBodyChunks = 4

type Server struct {
	cfg   config.Config
	log   *slog.Logger
	Store *store.Store
	http  *http.Server
	// Pipeline is where every source's records are stored and detected.
	Pipeline  *ingest.Pipeline
	detection *detection
	// canaries takes the canary listeners' hits (CanarySink).
	canaries *CanarySink
	// canaryListeners are the listeners' sockets (never nil once New
	// returns; each nil when off).
	canaryListeners *CanaryListeners
	worker          *notify.Worker
	// outbox queues the notifications of incidents, detection's and
	// drift's alike.
	outbox *notify.Outbox
	// tls, when set, makes Serve speak HTTPS (config tls.cert_file/key_file).
	tls *tls.Config
	// sources are the live ingestion sources from the configuration.
	sources []*source.Runner
	// heartbeats sends and judges the per-vault heartbeats.
	heartbeats *heartbeats
	// runs are the console's deploys and retires; autoPlant starts some
	// of them itself (nil unless plant.auto).
	runs      *deployments
	autoPlant *autoPlanter
	// refresher gives decoys new versions (plant.refresh); nil when off.
	refresher *refresher
	// leader holds the scheduler lease: scheduled work runs only while it
	// does, on one replica of those sharing the database.
	leader *leader
	// leases are every lease this replica takes part in: the scheduler's
	// and each pull source's.
	leases []*leaseRunner
	// tasks run in the background while the server serves; they stop after
	// the HTTP server has drained, so in-flight requests still reach them.
	tasks []func(context.Context)
}

// Option changes how New assembles a Server.
type Option func(*options)

type options struct {
	azure    deploy.Overrides
	leaseTTL time.Duration
	canaries *CanaryListeners
}

// WithAzure points vault discovery at another Azure than the plant
// settings' (the lab's emulator, as its planter), and the notification
// channels that call Azure (loganalytics) with it.
func WithAzure(o deploy.Overrides) Option { return func(opts *options) { opts.azure = o } }

// WithLeaseTTL sets how long this replica's leases last unrenewed, over
// the configuration's cluster.lease_ttl: tests of hand-over use a short one.
func WithLeaseTTL(d time.Duration) Option { return func(opts *options) { opts.leaseTTL = d } }

// New opens the store (applying migrations), imports the configured
// watchlists and builds the HTTP handler. It does not listen yet.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (_ *Server, err error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	// The canary listeners bind first: a taken address stops the start
	// before anything else is opened.
	cls := o.canaries
	if cls == nil {
		if cls, err = BindCanaryListeners(cfg.Canary); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			cls.Close()
		}
	}()
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	s := &Server{cfg: cfg, log: log, Store: st}
	for _, path := range cfg.Watchlist {
		if err := s.importWatchlist(ctx, path); err != nil {
			return nil, err
		}
	}
	acc, err := newAccess(cfg, st, log)
	if err != nil {
		return nil, err
	}
	s.tls = acc.tls

	// Two registries: /metrics serves reg to anyone and adds detected only
	// for a token allowed to see it (web.Options.Protected): the size of
	// the registry, decoy hits and notifications sent tell an attacker
	// whether the access just made tripped a decoy.
	reg, detected := prometheus.NewRegistry(), prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(newWALCollector(st))
	if s.detection, err = newDetection(ctx, st, cfg.Allow, reg, detected); err != nil {
		return nil, err
	}
	detected.MustRegister(newDecoyCollector(st, s.detection.matcher.Index(), log))
	// One view of where honeyvault reads audit logs, for the tamper rules
	// and the diagnostics check alike.
	dest := auditpath.FromConfig(cfg)
	s.detection.matcher.SetDestinations(dest)
	s.Pipeline = ingest.New(st, s.detection.hook, log, reg)
	s.canaries = newCanarySink(st, s.Pipeline, s.detection.matcher.Index(), log, detected)
	s.canaryListeners = cls
	canaryTasks, err := s.canaryTasks(cfg.Canary, cls)
	if err != nil {
		return nil, err
	}
	s.tasks = append(s.tasks, canaryTasks...)
	// Scheduled work runs on the replica holding the scheduler lease;
	// pull sources each on the replica holding theirs.
	ttl := o.leaseTTL
	if ttl <= 0 {
		ttl = time.Duration(cfg.Cluster.LeaseTTL)
	}
	s.leader = newLeader(st, log, ttl, buildVersion())
	s.leases = append(s.leases, s.leader.leaseRunner)
	reg.MustRegister(newClusterCollector(st, func() []*leaseRunner { return s.leases }))
	if err := s.setupSources(reg); err != nil {
		return nil, err
	}
	s.leader.load = newReplicaLoad(s.leader.started, s.Sources, s.Pipeline.Stored)
	worker, err := s.setupIncidents(cfg, detected, o.azure)
	if err != nil {
		return nil, err
	}
	scheduled := s.leader.only
	s.tasks = append(s.tasks, s.leader.Run, s.Pipeline.Run, scheduled(s.pruneEvents), s.syncDecoys, acc.sweepSessions, acc.loginRefusals.Run)
	inv, err := newInventory(cfg, st, o.azure, log)
	if err != nil {
		return nil, err
	}
	if inv.every > 0 {
		s.tasks = append(s.tasks, scheduled(inv.loop))
	}
	// The console's deploys sign in as discovery does, with one client.
	runs := newDeployments(inv, st, cfg.Plant, log)
	if runs.canaries, err = deploy.CanariesOf(cfg.Canary); err != nil {
		return nil, &config.Error{Setting: "canary", Err: err}
	}
	s.tasks = append(s.tasks, runs.stop)
	// KVReview tags follow coverage: after discovery and after each run.
	// Auto-planting (plant.auto) plants after discovery too, as a run.
	tags := newTagUpkeep(cfg.KVReview, st, inv, log)
	s.autoPlant = newAutoPlanter(cfg.Plant, st, runs, inv.types, log)
	inv.afterDiscover = func(ctx context.Context) {
		tags.Run(ctx)
		s.autoPlant.AfterDiscover(ctx)
	}
	runs.afterRun = tags.Run
	// Drift: reconcile as the same planter, its findings raised as alerts
	// and, with plant.auto, the decoys lost replaced.
	dr, err := newDrift(cfg, st, runs, s.outbox, log)
	if err != nil {
		return nil, err
	}
	dr.afterReconcile = s.autoPlant.AfterReconcile
	s.runs = runs
	if dr.every > 0 {
		s.tasks = append(s.tasks, scheduled(dr.loop))
	}
	if s.refresher = newRefresher(cfg.Plant, runs, dr, log); s.refresher != nil {
		s.tasks = append(s.tasks, scheduled(s.refresher.loop))
	}
	// Heartbeats: through the same Azure client, their gaps raised as alerts.
	if s.heartbeats, err = newHeartbeats(cfg, st, inv, s.outbox, log); err != nil {
		return nil, err
	}
	if s.heartbeats.every > 0 {
		s.tasks = append(s.tasks, scheduled(s.heartbeats.loop))
	}
	detected.MustRegister(newVaultHealthCollector(st, s.detection.matcher.Index(), log))
	diag, err := newDiagnostics(cfg, st, inv, dest, log)
	if err != nil {
		return nil, err
	}
	// The tamper rules learn each vault's routes to honeyvault from the
	// checks: those recorded before this start, then each new one.
	diag.onRoutes = s.detection.matcher.SetAuditRoutes
	if err := diag.publishRoutes(context.Background()); err != nil {
		return nil, err
	}
	if diag.every > 0 {
		s.tasks = append(s.tasks, scheduled(diag.loop))
	}
	trusted, _ := cfg.TrustedProxyPrefixes() // validated by config.Load
	ingestLimits := web.IngestLimits{
		Concurrent:  cfg.Limits.IngestConcurrent,
		Chunking:    ingest.Chunking{Records: cfg.Limits.IngestChunkRecords, Whole: wholeBodyChunks * cfg.Limits.IngestChunkRecords},
		ReadTimeout: readTimeout,
	}
	s.http = &http.Server{
		Handler: web.New(acc.apply(web.Options{Store: st, Logger: log, Registry: reg, Protected: detected,
			Ingest: s.Pipeline, IngestLimits: ingestLimits, Notify: worker, Sources: s.Sources, TrustedProxies: trusted,
			Inventory: inv, Deployments: runs, Reconciler: dr, Diagnostics: diag, Coverage: coverage.Policy{Types: inv.types, LateAfter: time.Duration(cfg.Inventory.LateAfter)},
			NotifyTest: worker, AllowConfig: cfg.Allow, Plant: &cfg.Plant, Cluster: s.leader})),
		TLSConfig:         acc.tls,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       readTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// readTimeout is how long a client may take to send a request. The ingest
// endpoint adds the time it spends storing a body's chunks as it reads them.
const readTimeout = 2 * time.Minute

func (s *Server) importWatchlist(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("watchlist: %w", err)
	}
	defer f.Close()
	rows, added, err := s.Store.ImportWatchlist(ctx, f, "watchlist:"+path, store.AuditEntry{Actor: "system", Detail: "serve --watchlist at start"})
	if err != nil {
		return fmt.Errorf("watchlist %s: %w", path, err)
	}
	s.log.Info("watchlist imported", "file", path, "rows", rows, "added", added)
	return nil
}

// Serve answers requests on l until ctx ends, then shuts down gracefully
// within the configured timeout and closes the store.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	defer s.Store.Close()
	// The address this process holds names it stably across restarts and
	// uniquely among live processes: a restarted server takes back at once
	// the notifications its killed predecessor had claimed.
	host, _ := os.Hostname()
	s.worker.SetInstance(host + "/" + l.Addr().String())
	bg, stopTasks := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, task := range s.tasks {
		wg.Add(1)
		go func() { defer wg.Done(); task(bg) }()
	}
	defer wg.Wait()
	defer stopTasks()
	scheme := "http"
	if s.tls != nil {
		l, scheme = tls.NewListener(l, s.tls), "https"
	}
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(l) }()
	s.log.Info("honeyvault serving", "addr", l.Addr().String(), "scheme", scheme, "db", s.Store.Driver())
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), time.Duration(s.cfg.Shutdown))
	defer cancel()
	if err := s.http.Shutdown(sctx); err != nil {
		// Handlers still running past the timeout are cut off, so that
		// none is left parked while the tasks stop and the store closes.
		s.http.Close()
		<-errc
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// ListenAndServe listens on the configured address and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	l, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		s.Store.Close()
		s.canaryListeners.Close()
		return fmt.Errorf("server: %w", err)
	}
	return s.Serve(ctx, l)
}
