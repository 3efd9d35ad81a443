package app

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// The records stored "in the last minute" are counted from the newest
// note at least a minute old, or from the start while there is none.
func TestReplicaLoadCountsTheLastMinute(t *testing.T) {
	start := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	l := newReplicaLoad(start, nil, nil)
	tests := []struct {
		after time.Duration // since start
		total int64
		want  int64
	}{
		{10 * time.Second, 100, 100},   // younger than a minute: since the start
		{50 * time.Second, 400, 400},   // still
		{70 * time.Second, 450, 350},   // from the note at 10 s
		{120 * time.Second, 450, 50},   // from the note at 50 s: 400 → 450
		{125 * time.Second, 450, 50},   // still from the note at 50 s
		{135 * time.Second, 450, 0},    // from the note at 70 s: nothing since
		{10 * time.Minute, 1450, 1000}, // a long silence: from the last note
	}
	for _, tt := range tests {
		if got := l.storedSince(start.Add(tt.after), tt.total); got != tt.want {
			t.Errorf("at %v with %d stored: %d in the last minute; want %d", tt.after, tt.total, got, tt.want)
		}
	}
	if n := len(l.samples); n > 3 {
		t.Errorf("%d samples kept; want only those reaching back a minute", n)
	}
}

// A replica runs the sources not standing by nor stopped, its lag is the
// largest of theirs and its backlog their sum.
func TestReplicaLoadNamesTheSourcesItRuns(t *testing.T) {
	statuses := []source.Status{
		{Name: "hub", State: source.StateRunning, Lag: 4 * time.Second, Backlog: 120, BacklogKnown: true},
		{Name: "hub-2", State: source.StateRunning, Backlog: 30, BacklogKnown: true},
		{Name: "archive", State: source.StateBackoff, Lag: 95 * time.Second},
		{Name: "workspace", State: source.StateStandby, Lag: 600 * time.Second, Backlog: 9}, // another replica's
		{Name: "tail", State: source.StateStopped, Lag: 700 * time.Second},
		{Name: "new", State: source.StateStarting},
	}
	l := newReplicaLoad(time.Now(), func() []source.Status { return statuses }, func() int64 { return 7 })
	var r store.Replica
	l.fill(time.Now(), &r)
	if got, want := strings.Join(r.Sources, ","), "archive,hub,hub-2,new"; got != want {
		t.Errorf("sources %q; want %q", got, want)
	}
	if r.Lag != 95*time.Second || r.StoredLastMinute != 7 || r.Backlog != 150 {
		t.Errorf("lag %v, stored %d, backlog %d; want 1m35s, 7, 150", r.Lag, r.StoredLastMinute, r.Backlog)
	}
}

// Two replicas on one PostgreSQL with one file source: GET
// /api/v1/cluster says which replica runs it, that it stored its 25
// records in the last minute, and how far behind they were; the other
// runs nothing and stored nothing.
func TestClusterShowsEachReplicasLoad(t *testing.T) {
	spool := filepath.Join(t.TempDir(), "spool")
	if err := os.Mkdir(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(spool, "a.json"), []byte(ingesttest.Lines(0, 25)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DB = testenv.Postgres(t)
	cfg.AdminToken = adminToken
	cfg.Ingest.Files = []config.FileSource{{Name: "spool", Path: spool, PollInterval: config.Duration(20 * time.Millisecond)}}
	// Notes every 3 s; long enough that no renewal comes late under load.
	const ttl = 9 * time.Second
	a := serveInBackground(t, cfg, nil, WithLeaseTTL(ttl))
	b := serveInBackground(t, cfg, nil, WithLeaseTTL(ttl))

	var cl api.Cluster
	ingesttest.Eventually(t, 2*time.Minute, "the source's replica noting its 25 records", func() bool {
		if code := apiCall(t, a, "GET", "/api/v1/cluster", adminToken, &cl); code != http.StatusOK {
			t.Fatalf("GET /api/v1/cluster: %d", code)
		}
		for _, m := range cl.Replicas {
			if strings.Join(m.Sources, ",") == "spool" && m.StoredLastMinute == 25 {
				return len(cl.Replicas) == 2
			}
		}
		return false
	})
	holder := ""
	for _, l := range cl.Leases {
		if l.Name == "source:spool" {
			holder = l.Holder
		}
	}
	for _, m := range cl.Replicas {
		if m.ID == holder {
			// The records are from November: stored weeks after their time.
			if strings.Join(m.Sources, ",") != "spool" || m.StoredLastMinute != 25 || m.LagSeconds < 24*3600 {
				t.Errorf("the source's replica %+v; want spool, 25 stored, a lag of days", m)
			}
			continue
		}
		if m.ID != a.leader.id && m.ID != b.leader.id || len(m.Sources) != 0 || m.StoredLastMinute != 0 || m.LagSeconds != 0 {
			t.Errorf("the other replica %+v; want no source, nothing stored, no lag", m)
		}
	}
}
