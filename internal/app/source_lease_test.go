package app

import (
	"context"
	"io"
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
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// sourceStatus is the state of b's live source name.
func sourceStatus(t *testing.T, b *background, name string) source.Status {
	t.Helper()
	for _, st := range b.Sources() {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no source %q in %+v", name, b.Sources())
	return source.Status{}
}

// Two replicas on one PostgreSQL with one file source over one directory:
// only the replica holding the source's lease reads it (the other stands
// by), GET /api/v1/cluster names the holder; when that replica stops, the
// other takes the source over from its checkpoint: it reads only what was
// written since, so no record is stored twice.
func TestPullSourceRunsOnOneReplicaAndIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	if err := os.Mkdir(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(spool, "a.json")
	if err := os.WriteFile(log, []byte(ingesttest.Lines(0, 25)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DB = testenv.Postgres(t)
	cfg.AdminToken = adminToken
	cfg.Inventory.Interval, cfg.Reconcile.Interval, cfg.Heartbeat.Interval, cfg.Diagnostics.Interval = "off", "off", "off", "off"
	cfg.Ingest.Files = []config.FileSource{{Name: "spool", Path: spool, PollInterval: config.Duration(20 * time.Millisecond)}}
	// A lease as long as the default: the hand-over here is the owner's
	// release at its stop, and no renewal comes late under load.
	a := serveInBackground(t, cfg, nil, WithLeaseTTL(30*time.Second))
	b := serveInBackground(t, cfg, nil, WithLeaseTTL(30*time.Second))

	var owner, other *background
	ingesttest.Eventually(t, time.Minute, "one replica reading the 25 records", func() bool {
		sa, sb := sourceStatus(t, a, "spool"), sourceStatus(t, b, "spool")
		switch {
		case sa.Records == 25:
			owner, other = a, b
		case sb.Records == 25:
			owner, other = b, a
		default:
			return false
		}
		return true
	})
	if st := sourceStatus(t, other, "spool"); st.State != source.StateStandby || st.Records != 0 {
		t.Errorf("the other replica's source: %+v; want standing by, nothing read", st)
	}
	if n, err := owner.Store.CountEvents(context.Background()); err != nil || n != 25 {
		t.Errorf("events: %d, %v; want 25", n, err)
	}
	var cl api.Cluster
	if code := apiCall(t, other, "GET", "/api/v1/cluster", adminToken, &cl); code != http.StatusOK {
		t.Fatalf("GET /api/v1/cluster: %d", code)
	}
	holders := map[string]string{}
	for _, l := range cl.Leases {
		holders[l.Name] = l.Holder
	}
	if got, want := holders["source:spool"], owner.leader.id; got != want {
		t.Errorf("source:spool held by %q in %+v; want %q", got, cl.Leases, want)
	}

	for b, want := range map[*background]string{owner: "1", other: "0"} {
		resp, err := http.Get(b.url("/metrics"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if line := `honeyvault_lease_held{lease="source:spool"} ` + want; !strings.Contains(string(body), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}

	// The owner stops (releasing the lease); more is written meanwhile.
	if err := owner.stop(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(ingesttest.Lines(25, 50)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ingesttest.Eventually(t, time.Minute, "the other replica reading the 25 new records", func() bool {
		return sourceStatus(t, other, "spool").Records >= 25
	})
	if st := sourceStatus(t, other, "spool"); st.New != 25 || st.Duplicates != 0 || st.State != source.StateRunning {
		t.Errorf("after the takeover: %+v; want 25 new records, none read twice", st)
	}
	if n, err := other.Store.CountEvents(context.Background()); err != nil || n != 50 {
		t.Errorf("events: %d, %v; want 50", n, err)
	}
}
