package notify

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/store"
)

// metrics are the worker's honeyvault_notify_* series.
type metrics struct {
	sent     *prometheus.CounterVec
	failures *prometheus.CounterVec
	gaveUp   *prometheus.CounterVec
	up       *prometheus.GaugeVec
	delay    *prometheus.HistogramVec
}

func newMetrics() *metrics {
	return &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeyvault_notify_sent_total", Help: "Notifications delivered, by channel.",
		}, []string{"channel"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeyvault_notify_failures_total", Help: "Failed delivery attempts, by channel and kind (retryable, permanent).",
		}, []string{"channel", "kind"}),
		gaveUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeyvault_notify_failed_total", Help: "Notifications given up on (permanent error or attempts exhausted), by channel.",
		}, []string{"channel"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "honeyvault_notify_channel_up", Help: "1 when the channel's last delivery attempt succeeded, 0 when it failed.",
		}, []string{"channel"}),
		delay: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "honeyvault_notify_delivery_seconds", Help: "Time from a notification falling due to its delivery, by channel.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60, 300},
		}, []string{"channel"}),
	}
}

func (m *metrics) register(reg prometheus.Registerer, st *store.Store, channels []Channel) {
	reg.MustRegister(m.sent, m.failures, m.gaveUp, m.up, m.delay, &backlogCollector{store: st, channels: channels,
		pending: prometheus.NewDesc("honeyvault_notify_pending", "Notifications waiting in the outbox, by channel.", []string{"channel"}, nil),
		oldest: prometheus.NewDesc("honeyvault_notify_oldest_pending_seconds", "Age of the oldest waiting notification, by channel (0: none).",
			[]string{"channel"}, nil),
	})
}

// backlogCollector reads the outbox at scrape time, so that every replica
// reports the shared backlog.
type backlogCollector struct {
	store           *store.Store
	channels        []Channel
	pending, oldest *prometheus.Desc
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.pending; ch <- c.oldest }

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := c.store.OutboxStatsByChannel(ctx)
	if err != nil {
		return
	}
	for _, chn := range c.channels {
		s := stats[chn.Name]
		age := 0.0
		if !s.OldestPending.IsZero() {
			age = time.Since(s.OldestPending).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(s.Pending), chn.Name)
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age, chn.Name)
	}
}
