package loganalytics

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

const waitFor = 20 * time.Second

func (w *workspace) source(t *testing.T, env *ingesttest.Env, cfg Config) *Source {
	cfg.Name, cfg.WorkspaceID = "law", w.id
	if cfg.Table == "" {
		cfg.Table = w.table
	}
	return New(cfg, w.client(t, w.token), env.Store, nil)
}

func poll(t *testing.T, s *Source, env *ingesttest.Env) bool {
	t.Helper()
	more, err := s.Poll(context.Background(), env.Pipeline)
	if err != nil {
		t.Fatal(err)
	}
	return more
}

func TestLateRecordsAreNotLost(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAZKVAuditLogs)
	now := time.Now().UTC()
	for i := 0; i < 5; i++ {
		w.add(now.Add(-10*time.Minute+time.Duration(i)*time.Minute), azkvRow(i, now.Add(-12*time.Minute+time.Duration(i)*time.Minute)))
	}
	s := w.source(t, env, Config{Overlap: 5 * time.Minute})
	poll(t, s, env)
	if got, want := env.Events(), int64(5); got != want {
		t.Fatalf("first poll: got %d events; want %d", got, want)
	}
	// Late, the way Sentinel's 5-minute windows lose them: generated three
	// hours ago, ingested just now.
	w.add(now.Add(time.Second), azkvRow(100, now.Add(-3*time.Hour)))
	// Visible late: ingested before the newest row already read (within
	// the overlap), but only queryable now.
	w.add(now.Add(-7*time.Minute-30*time.Second), azkvRow(101, now.Add(-8*time.Minute)))
	poll(t, s, env)
	if got, want := env.Events(), int64(7); got != want {
		t.Fatalf("after late records: got %d events; want %d", got, want)
	}
	for _, corr := range []string{"corr-100", "corr-101"} {
		if !hasEvent(t, env, corr) {
			t.Errorf("late record %s not stored", corr)
		}
	}
	// The overlap re-reads rows: they are counted once.
	poll(t, s, env)
	if got, want := env.Events(), int64(7); got != want {
		t.Errorf("after re-reading the overlap: got %d events; want %d", got, want)
	}
	for _, q := range w.queries {
		if strings.Contains(q, "TimeGenerated > ago(") {
			t.Errorf("query filters on TimeGenerated relative to now:\n%s", q)
		}
	}
}

func hasEvent(t *testing.T, env *ingesttest.Env, corr string) bool {
	evs, err := env.Store.ListEvents(context.Background(), store.EventFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Event.CorrelationID == corr {
			return true
		}
	}
	return false
}

func TestRestartResumesFromTheWatermark(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAZKVAuditLogs)
	base := time.Now().UTC().Add(-2 * time.Hour)
	for i := 0; i < 100; i++ {
		w.add(base.Add(time.Duration(i)*time.Second), azkvRow(i, base.Add(time.Duration(i)*time.Second-time.Minute)))
	}
	r := env.Runner("law", "loganalytics", w.source(t, env, Config{Overlap: time.Second, MaxRows: 30}))
	stop := ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "100 events", func() bool { return env.Events() == 100 })
	stop()
	for i := 100; i < 150; i++ { // ingested while honeyvault was down
		w.add(base.Add(time.Duration(i)*time.Second), azkvRow(i, base.Add(time.Duration(i)*time.Second-time.Minute)))
	}
	env.Reopen()
	w.mu.Lock()
	w.queries = nil
	w.mu.Unlock()
	r2 := env.Runner("law", "loganalytics", w.source(t, env, Config{Overlap: time.Second, MaxRows: 30}))
	ingesttest.Start(t, r2)
	ingesttest.Eventually(t, waitFor, "150 events", func() bool { return env.Events() == 150 })
	ingesttest.Eventually(t, waitFor, "the second runner's new records", func() bool { return r2.Status().New == 50 })
	// It resumed from the watermark, not from the initial lookback: the
	// first query starts one overlap before the last row stored.
	w.mu.Lock()
	first := w.queries[0]
	w.mu.Unlock()
	if want := kqlTime(base.Add(99*time.Second - time.Second)); !strings.Contains(first, want) {
		t.Errorf("first query after the restart does not start at the watermark minus the overlap (%s):\n%s", want, first)
	}
}

func (w *workspace) queriesSnapshot() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.queries...)
}

func TestPagesAndRowsSharingOneIngestionTime(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAZKVAuditLogs)
	base := time.Now().UTC().Add(-time.Hour)
	for i := 0; i < 35; i++ {
		w.add(base.Add(time.Duration(i)*time.Second), azkvRow(i, base))
	}
	burst := base.Add(time.Minute) // 25 rows ingested in one batch, more than a page
	for i := 35; i < 60; i++ {
		w.add(burst, azkvRow(i, base))
	}
	s := w.source(t, env, Config{MaxRows: 10})
	for n := 0; poll(t, s, env); n++ {
		if n > 20 {
			t.Fatal("still more after 20 polls: paging does not advance")
		}
	}
	if got, want := env.Events(), int64(60); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
	if got, want := s.limit, 10; got != want {
		t.Errorf("page size after catching up: got %d; want it back to %d", got, want)
	}
}

func TestMalformedRowsAreDeadLettered(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAZKVAuditLogs)
	now := time.Now().UTC()
	w.add(now.Add(-time.Minute), azkvRow(1, now.Add(-time.Minute)))
	bad := azkvRow(2, now)
	bad["TimeGenerated"] = "yesterday-ish"
	w.add(now.Add(-30*time.Second), bad)
	poll(t, w.source(t, env, Config{}), env)
	if got, want := env.Events(), int64(1); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
	d := env.DeadLetters()
	if len(d) != 1 {
		t.Fatalf("got dead letters %+v; want 1", d)
	}
	if !strings.HasPrefix(d[0].Position, "AZKVAuditLogs row 2 ingested ") || !strings.Contains(d[0].Raw, "yesterday-ish") || d[0].Reason == "" {
		t.Errorf("dead letter: got %+v; want the row's position, reason and JSON", d[0])
	}
}

func TestAzureDiagnosticsTable(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAzureDiagnostics)
	now := time.Now().UTC()
	w.add(now.Add(-time.Minute), map[string]any{
		"TimeGenerated": now.Add(-2 * time.Minute).Format(time.RFC3339Nano), "Category": "AuditEvent",
		"ResourceId":       "/SUBSCRIPTIONS/0B1F/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY",
		"ResourceProvider": "MICROSOFT.KEYVAULT", "Resource": "KV-PAY", "ResourceType": "VAULTS", "OperationName": "SecretGet",
		"ResultType": "Success", "CorrelationId": "diag-1", "ResultSignature": "OK", "CallerIPAddress": "203.0.113.50",
		"DurationMs": 10, "requestUri_s": "https://kv-pay.vault.azure.net/secrets/STRIPE-KEY?api-version=7.4",
		"httpStatusCode_d": 200.0, "identity_claim_oid_g": "5c3f", "identity_claim_upn_s": "mallory@contoso.com", "Type": "AzureDiagnostics",
	})
	poll(t, w.source(t, env, Config{Table: "azurediagnostics"}), env)
	evs, err := env.Store.ListEvents(context.Background(), store.EventFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("got %d events; want 1", len(evs))
	}
	e := evs[0].Event
	if e.VaultName != "kv-pay" || e.ObjectName != "STRIPE-KEY" || e.Caller.UPN != "mallory@contoso.com" || e.HTTPStatus != 200 {
		t.Errorf("event: got %+v; want the row's vault, object, caller and status", e)
	}
	if q := w.queriesSnapshot()[0]; !strings.Contains(q, `ResourceProvider == "MICROSOFT.KEYVAULT"`) {
		t.Errorf("AzureDiagnostics query does not select Key Vault rows:\n%s", q)
	}
}

func TestServerFailuresBackOffThenCatchUp(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAZKVAuditLogs)
	now := time.Now().UTC()
	for i := 0; i < 20; i++ {
		w.add(now.Add(-time.Duration(20-i)*time.Second), azkvRow(i, now.Add(-time.Minute)))
	}
	w.mu.Lock()
	w.failNext = 4
	w.mu.Unlock()
	r := env.Runner("law", "loganalytics", w.source(t, env, Config{}))
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "20 events", func() bool { return env.Events() == 20 })
	st := r.Status()
	if st.Errors != 4 || !strings.Contains(st.LastError, "503") {
		t.Errorf("status: got %d errors, last %q; want 4 errors from the 503s", st.Errors, st.LastError)
	}
	ingesttest.Eventually(t, waitFor, "running", func() bool { return r.Status().State == source.StateRunning })
}

func TestPartialResultsAndBadTokensAreErrorsThatChangeNothing(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAZKVAuditLogs)
	now := time.Now().UTC()
	w.add(now.Add(-time.Minute), azkvRow(1, now.Add(-time.Minute)))

	wrong := New(Config{Name: "law", WorkspaceID: w.id}, w.client(t, "stolen-token"), env.Store, nil)
	if _, err := wrong.Poll(context.Background(), env.Pipeline); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: got %v; want a 401 error", err)
	}
	w.mu.Lock()
	w.partial = true
	w.mu.Unlock()
	s := w.source(t, env, Config{})
	if _, err := s.Poll(context.Background(), env.Pipeline); !errors.Is(err, errPartial) {
		t.Errorf("partial result: got %v; want errPartial", err)
	}
	if n := env.Events(); n != 0 {
		t.Errorf("got %d events after failed queries; want 0", n)
	}
	if cps, _ := env.Store.Checkpoints(context.Background(), "law"); len(cps) != 0 {
		t.Errorf("got checkpoints %v after failed queries; want none", cps)
	}
	w.mu.Lock()
	w.partial = false
	w.mu.Unlock()
	poll(t, s, env)
	if got, want := env.Events(), int64(1); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
}

func TestBuildQuery(t *testing.T) {
	from := time.Date(2026, 11, 20, 8, 0, 0, 123456789, time.UTC)
	got := buildQuery(TableAZKVAuditLogs, `_ResourceId has "kv-prod"`, from, from.Add(-48*time.Hour), 500)
	want := "AZKVAuditLogs\n" +
		"| where TimeGenerated >= datetime(2026-11-18T08:00:00.1234567Z)\n" +
		"| where ingestion_time() >= datetime(2026-11-20T08:00:00.1234567Z)\n" +
		"| where _ResourceId has \"kv-prod\"\n" +
		"| extend HvIngestionTime = ingestion_time()\n" +
		"| order by HvIngestionTime asc\n" +
		"| take 500"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A row that becomes queryable late, after a long catch-up has already
// paged past its ingestion time, is still read: while the watermark is
// within the overlap of now, queries start at the overlap's beginning.
func TestLateRowDuringALongCatchUpIsNotLost(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAZKVAuditLogs)
	start := time.Now().UTC().Add(-time.Hour)
	clock := start
	s := w.source(t, env, Config{Overlap: 5 * time.Minute, MaxRows: 10, InitialLookback: time.Minute})
	s.now = func() time.Time { return clock }
	row := 0
	addMinute := func() { // ten rows a minute: every page is full for as long as this goes on
		for i := 0; i < 10; i++ {
			at := clock.Add(-time.Minute + time.Duration(i)*6*time.Second)
			w.add(at, azkvRow(row, at.Add(-time.Minute)))
			row++
		}
	}
	var late time.Time
	for minute := 0; minute < 12; minute++ {
		clock = clock.Add(time.Minute)
		addMinute()
		for n := 0; poll(t, s, env); n++ {
			if n > 50 {
				t.Fatal("paging does not advance")
			}
		}
		if minute == 2 {
			// Ingested just behind what has been read, queryable only now.
			var wm watermark
			v, _, _ := env.Store.Checkpoint(context.Background(), "law", checkpointItem)
			json.Unmarshal([]byte(v), &wm)
			late = wm.Ingested.Add(-time.Second)
			w.add(late, azkvRow(9999, late.Add(-time.Minute)))
		}
	}
	if late.IsZero() {
		t.Fatal("the late row was never added")
	}
	if !hasEvent(t, env, "corr-9999") {
		t.Errorf("the row ingested at %s, visible only after the watermark passed it, was lost", late)
	}
	if got, want := env.Events(), int64(row+1); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
}
