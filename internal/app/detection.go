package app

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/health"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// AlertRecorder turns alerts into incidents and notifications inside the
// ingest transaction, so that an alert is never lost and never recorded
// twice however often its record is delivered.
type AlertRecorder interface {
	Record(ctx context.Context, tx *store.Tx, alerts []detect.Alert) error
}

// detection keeps the matcher's index in step with the registry and runs the
// matcher over every fresh event.
type detection struct {
	matcher  *detect.Matcher
	recorder AlertRecorder
	synced   time.Time // registry changes committed before this are indexed
	// seq is the registry's change number the last read saw: every
	// change numbered up to it is indexed, and the next sync reads those
	// after it (store.EachDecoyChangedAfter), each change exactly once.
	seq int64
	// syncedGauge publishes synced, so that a process that just changed the
	// registry (plant --lab) can wait until detection watches the change.
	syncedGauge prometheus.Gauge
	hits        *prometheus.CounterVec
	configRules detect.AllowList // the configuration's; the database's are loaded after them
}

// unnumberedOverlap is how far back before the last sync a sync reads
// decoys written without a change number (by an older honeyvault during a
// rolling upgrade; store.EachDecoyChangedAfter): their time stamps are
// taken before their transactions commit.
const unnumberedOverlap = time.Minute

// newDetection builds the index from the registry. The sync time is
// registered on reg (open: a process that planted waits on it); the hits on
// detected (protected: they say when a decoy was touched).
func newDetection(ctx context.Context, st *store.Store, allow []config.Allow, reg, detected prometheus.Registerer) (*detection, error) {
	ix, err := detect.NewIndex(nil)
	if err != nil {
		return nil, err
	}
	d := &detection{
		matcher:     detect.NewMatcher(ix, nil),
		configRules: allowList(allow),
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeyvault_decoy_hits_total", Help: "Accesses to decoys by severity and whether an allow rule suppressed them.",
		}, []string{"severity", "suppressed"}),
	}
	d.syncedGauge = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "honeyvault_detection_synced_timestamp_seconds",
		Help: "Registry changes committed before this time are watched by detection (start of the last registry sync).",
	})
	reg.MustRegister(d.syncedGauge)
	detected.MustRegister(d.hits)
	if err := d.loadRules(ctx, st); err != nil {
		return nil, err
	}
	start := time.Now()
	// The index is built with the heap kept a fixed headroom above what
	// is live (detection_pace.go), and the pages the read's garbage took
	// are given back after, rather than carried while ingesting.
	pace := startBuildPacing()
	d.seq, _, err = loadIndex(ctx, st.EachDecoy, ix, pace.step)
	pace.stop()
	if err != nil {
		return nil, err
	}
	debug.FreeOSMemory()
	d.setSynced(start)
	return d, nil
}

// hook is the ingest pipeline's hook: match every fresh event, record the
// alerts in the same transaction. Before it decides any alert it reads the
// stored allow rules again, inside the transaction, so that the rules in
// force are the committed ones: a rule stored since the last sync — retire
// stores the planter's delete rule just before it sends the delete, whose
// record may arrive within milliseconds; an admin adds one in the console —
// covers its record all the same, and a rule removed since (the console's
// Remove) silences nothing more. Decoy accesses are rare, so the read costs
// nothing in the common case.
func (d *detection) hook(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
	// honeyvault's own heartbeats come back here: marked, and never
	// matched (internal/health).
	fresh, err := health.Recognize(ctx, tx, fresh)
	if err != nil {
		return err
	}
	// Sign-ins of an Entra ID canary's app are uses of its decoy.
	if fresh, err = d.resolveEntraSignIns(ctx, tx, fresh); err != nil {
		return err
	}
	alerts := d.match(fresh)
	if len(alerts) > 0 {
		if err := d.loadRules(ctx, tx); err != nil {
			return err
		}
		alerts = d.match(fresh)
	}
	if len(alerts) == 0 {
		return nil
	}
	for _, a := range alerts {
		d.hits.WithLabelValues(string(a.Severity), fmt.Sprint(a.Suppressed)).Inc()
	}
	if d.recorder == nil {
		return nil
	}
	return d.recorder.Record(ctx, tx, alerts)
}

func (d *detection) match(fresh []store.Fresh) []detect.Alert {
	var alerts []detect.Alert
	for _, f := range fresh {
		alerts = append(alerts, d.matcher.Match(f.Event)...)
		alerts = append(alerts, d.matcher.Tamper(f.Event)...)
	}
	return alerts
}

// sync indexes the registry changes committed since the last read, and
// returns how many decoys it read. The allow rules are reloaded first:
// planting commits a decoy's rule with (or before) the decoy, so a decoy
// is never watched before the rule that covers its own creation is known.
func (d *detection) sync(ctx context.Context, st *store.Store) (read int, err error) {
	start := time.Now()
	if err := d.loadRules(ctx, st); err != nil {
		return 0, err
	}
	// Streamed, not listed: after an import of a million decoys every one
	// of them is a change (once: the sync after reads none of them).
	changedAfter := func(ctx context.Context, fn func(registry.Decoy) error) (int64, error) {
		return st.EachDecoyChangedAfter(ctx, d.seq, d.synced.Add(-unnumberedOverlap), fn)
	}
	seq, read, err := loadIndex(ctx, changedAfter, d.matcher.Index(), nil)
	if err != nil {
		return 0, err
	}
	d.seq = seq
	d.setSynced(start)
	return read, nil
}

func (d *detection) setSynced(t time.Time) {
	d.synced = t
	d.syncedGauge.Set(float64(t.UnixNano()) / 1e9)
}

// syncDecoys runs sync every interval until ctx ends.
func (s *Server) syncDecoys(ctx context.Context) {
	t := time.NewTicker(time.Duration(s.cfg.DecoySync))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.detection.sync(ctx, s.Store); err != nil && ctx.Err() == nil {
				s.log.Warn("detection: registry sync failed", "err", err)
			}
		}
	}
}

// SetAlertRecorder plugs in what turns alerts into incidents.
func (s *Server) SetAlertRecorder(r AlertRecorder) { s.detection.recorder = r }
