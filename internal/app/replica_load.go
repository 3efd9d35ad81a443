package app

import (
	"slices"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// loadWindow is the span of "records stored in the last minute".
const loadWindow = time.Minute

// replicaLoad is what this replica notes about its own work with its
// heartbeat row (store.Replica), for GET /api/v1/cluster and the console:
// the sources it runs, the largest lag among them, their Kafka consumer
// lag in records, and the records it stored in the last minute. Its zero
// value notes an idle replica.
type replicaLoad struct {
	sources func() []source.Status // nil: none
	stored  func() int64           // records stored since start; nil: none

	mu sync.Mutex
	// samples are (time, records stored) at each note, oldest first,
	// reaching back just past loadWindow: the count a minute ago is the
	// newest sample at least that old.
	samples []storedSample
}

type storedSample struct {
	at    time.Time
	total int64
}

func newReplicaLoad(started time.Time, sources func() []source.Status, stored func() int64) *replicaLoad {
	return &replicaLoad{sources: sources, stored: stored, samples: []storedSample{{at: started}}}
}

// fill sets r's load as of now.
func (l *replicaLoad) fill(now time.Time, r *store.Replica) {
	r.Sources, r.Lag, r.Backlog = nil, 0, 0
	if l.sources != nil {
		for _, st := range l.sources() {
			if !runsHere(st) {
				continue
			}
			r.Sources = append(r.Sources, st.Name)
			r.Lag = max(r.Lag, st.Lag)
			r.Backlog += st.Backlog
		}
	}
	slices.Sort(r.Sources)
	var total int64
	if l.stored != nil {
		total = l.stored()
	}
	r.StoredLastMinute = l.storedSince(now, total)
}

// runsHere reports whether this replica runs the source now: not a pull
// source whose lease another replica holds, nor one that stopped.
func runsHere(st source.Status) bool {
	return st.State != source.StateStandby && st.State != source.StateStopped
}

// storedSince records total at now and returns how many records were
// stored since a minute ago — to within one note's interval, measured from
// the newest sample at least a minute old (from the start while the
// replica is younger than that).
func (l *replicaLoad) storedSince(now time.Time, total int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	base := 0
	for i, s := range l.samples {
		if now.Sub(s.at) >= loadWindow {
			base = i
		}
	}
	l.samples = append(l.samples[base:], storedSample{at: now, total: total})
	return max(total-l.samples[0].total, 0)
}
