package app

import (
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/receivers"
)

// setupIncidents turns detection's alerts into incidents and notifications:
// the recorder runs in the ingest transaction and queues notifications in
// the outbox there, claimed by this process's worker when due at once; once
// the transaction commits the worker sends those and reads the outbox for
// the rest, and it polls besides. The channels that call Azure sign in as
// az says, else as their settings say.
func (s *Server) setupIncidents(cfg config.Config, reg prometheus.Registerer, az deploy.Overrides) (*notify.Worker, error) {
	channels, err := receivers.FromConfig(cfg.Notify, os.Getenv, receivers.WithAzure(az.Credential, az.ClientOptions))
	if err != nil {
		return nil, err
	}
	g, err := incident.NewGrouping(cfg.Incidents.GroupBy)
	if err != nil {
		return nil, err
	}
	worker, err := notify.NewWorker(s.Store, channels, notify.WorkerOptions{BaseURL: externalURL(cfg, s.tls != nil), Registry: reg, Log: s.log})
	if err != nil {
		return nil, err
	}
	outbox := &notify.Outbox{Channels: channels, BatchInterval: time.Duration(cfg.Incidents.BatchInterval), Worker: worker}
	s.SetAlertRecorder(&incident.Recorder{Grouping: g, Window: time.Duration(cfg.Incidents.GroupWindow), Notifier: outbox})
	s.outbox = outbox
	s.tasks = append(s.tasks, worker.Run)
	s.worker = worker
	for _, c := range channels {
		s.log.Info("notification channel", "name", c.Name, "type", c.Type, "min_severity", c.Filter.MinSeverity)
	}
	return worker, nil
}

// externalURL is where links in notifications point: external_url, else
// the listen address.
func externalURL(cfg config.Config, tls bool) string {
	if cfg.ExternalURL != "" {
		return strings.TrimRight(cfg.ExternalURL, "/")
	}
	if tls {
		return "https://" + cfg.Listen
	}
	return "http://" + cfg.Listen
}
