package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
)

func TestConfiguredSourcesRunAndReportOnMetrics(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	os.Mkdir(spool, 0o700)
	os.WriteFile(filepath.Join(spool, "a.json"), []byte(ingesttest.Lines(0, 25)), 0o600)
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	cfg.AdminToken = "admin-token-for-sources-test"
	cfg.Ingest.Files = []config.FileSource{
		{Name: "replay", Path: spool, PollInterval: config.Duration(20 * time.Millisecond)},
		{Name: "missing", Path: filepath.Join(dir, "nowhere"), PollInterval: config.Duration(20 * time.Millisecond)},
	}
	srv := serveInBackground(t, cfg, nil)

	status := func(name string) source.Status {
		for _, st := range srv.Sources() {
			if st.Name == name {
				return st
			}
		}
		t.Fatalf("no source %q in %+v", name, srv.Sources())
		return source.Status{}
	}
	ingesttest.Eventually(t, 20*time.Second, "25 records from the file source", func() bool { return status("replay").Records == 25 })
	ingesttest.Eventually(t, 20*time.Second, "errors from the missing path", func() bool { return status("missing").Errors > 0 })
	if st := status("missing"); st.State != source.StateBackoff || !strings.Contains(st.LastError, "no such file") {
		t.Errorf("missing source: got %+v; want backing off with the reason", st)
	}

	resp, err := http.Get(srv.url("/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`honeyvault_source_records_total{kind="file",source="replay"} 25`,
		`honeyvault_source_up{kind="file",source="missing"} 0`,
		`honeyvault_source_up{kind="file",source="replay"} 1`,
		`honeyvault_source_last_record_timestamp_seconds{kind="file",source="replay"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The console and API see the same state.
	req, _ := http.NewRequest("GET", srv.url("/api/v1/ingest/status"), nil)
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"name":"replay"`, `"kind":"file"`, `"records":25`, `"name":"missing"`, `"state":"backoff"`, `no such file`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/api/v1/ingest/status lacks %s: %s", want, body)
		}
	}

	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if st := status("replay"); st.State != source.StateStopped {
		t.Errorf("after shutdown: got state %q; want stopped", st.State)
	}
}

func TestNewNamesTheBadSourceSetting(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	on := true
	cfg.Ingest.EventHubs = []config.EventHubsSource{{Name: "eh", Brokers: []string{"127.0.0.1:9093"}, TLS: &on, CAFile: filepath.Join(dir, "none.pem")}}
	_, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Setting != "ingest.eventhubs[0]" || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("got %v; want a config error naming ingest.eventhubs[0] and ca_file", err)
	}
}
