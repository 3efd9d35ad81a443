package source

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the state of a set of runners as honeyvault_source_*
// metrics labelled {source, kind}, read at scrape time.
type Collector struct {
	runners []*Runner

	up, records, newRecs, dups, dead, errs, lastRecord, lastPoll, lag *prometheus.Desc
}

// NewCollector returns a collector for runners; register it once.
func NewCollector(runners ...*Runner) *Collector {
	labels := []string{"source", "kind"}
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("honeyvault_source_"+name, help, labels, nil)
	}
	return &Collector{
		runners:    runners,
		up:         d("up", "1 when the source's last poll succeeded, 0 while it backs off after a failure."),
		records:    d("records_total", "Records the source delivered and honeyvault stored (new and duplicate)."),
		newRecs:    d("new_records_total", "Records the source delivered that were stored for the first time."),
		dups:       d("duplicate_records_total", "Records the source delivered that were already stored (overlaps, redeliveries)."),
		dead:       d("dead_letters_total", "Unparseable records from the source kept in the dead-letter table."),
		errs:       d("errors_total", "Failed polls of the source."),
		lastRecord: d("last_record_timestamp_seconds", "Event time of the newest record the source delivered."),
		lastPoll:   d("last_success_timestamp_seconds", "When the source last polled successfully."),
		lag:        d("lag_seconds", "Age of the newest record of the source's last delivery when it was stored."),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.records, c.newRecs, c.dups, c.dead, c.errs, c.lastRecord, c.lastPoll, c.lag} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.runners {
		s := r.Status()
		up := 0.0
		if s.State == StateRunning {
			up = 1
		}
		l := []string{s.Name, s.Kind}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, l...)
		ch <- prometheus.MustNewConstMetric(c.records, prometheus.CounterValue, float64(s.Records), l...)
		ch <- prometheus.MustNewConstMetric(c.newRecs, prometheus.CounterValue, float64(s.New), l...)
		ch <- prometheus.MustNewConstMetric(c.dups, prometheus.CounterValue, float64(s.Duplicates), l...)
		ch <- prometheus.MustNewConstMetric(c.dead, prometheus.CounterValue, float64(s.DeadLetters), l...)
		ch <- prometheus.MustNewConstMetric(c.errs, prometheus.CounterValue, float64(s.Errors), l...)
		if !s.LastRecordTime.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastRecord, prometheus.GaugeValue, float64(s.LastRecordTime.UnixNano())/1e9, l...)
			ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, s.Lag.Seconds(), l...)
		}
		if !s.LastPoll.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastPoll, prometheus.GaugeValue, float64(s.LastPoll.UnixNano())/1e9, l...)
		}
	}
}
