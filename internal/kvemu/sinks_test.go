package kvemu

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// routeTo points the AP vault's audit log at destination id (replacing
// the harness's storage setting).
func (env *testEnv) routeTo(t *testing.T, d DiagnosticSetting) {
	t.Helper()
	if _, err := env.e.deleteDiagnosticSetting(apVault, diagSettingN); err != nil {
		t.Fatal(err)
	}
	if err := env.e.SetDiagnosticSetting(apVault, d); err != nil {
		t.Fatal(err)
	}
}

// touch makes one audited request: a secret set by admin.
func (env *testEnv) touch(t *testing.T, name string) {
	t.Helper()
	if _, err := env.secrets(t, apVault, admin).SetSecret(ctxT(t), name, azsecrets.SetSecretParameters{Value: ptr("v")}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestFileSinkArchiveLayout(t *testing.T) {
	env := newTestEnv(t, Options{})
	dir := t.TempDir()
	const dest = "/subscriptions/" + testSub + "/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/starchive"
	if err := env.e.RegisterDestination(dest, NewFileSink(dir), DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	env.routeTo(t, DiagnosticSetting{Name: "archive", StorageAccountID: dest, Logs: []LogSettings{{Category: "AuditEvent", Enabled: true}}})
	env.touch(t, "one")
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "insights-logs-auditevent",
		"resourceId=", "SUBSCRIPTIONS", "11111111-2222-3333-4444-555555555555", "RESOURCEGROUPS", "RG-APP", "PROVIDERS",
		"MICROSOFT.KEYVAULT", "VAULTS", "KV-APP-PROD", "y=2026", "m=11", "d=20", "h=08", "m=00", "PT1H.json")
	f, err := os.Open(want)
	if err != nil {
		t.Fatalf("archive blob: %v", err)
	}
	defer f.Close()
	var ops []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ops = append(ops, r.OperationName)
	}
	if got, want := strings.Join(ops, ","), "Authentication,SecretSet"; got != want {
		t.Errorf("lines: got %s; want %s", got, want)
	}
}

func TestHTTPSinkWithDelay(t *testing.T) {
	env := newTestEnv(t, Options{})
	var mu sync.Mutex
	var bodies []Envelope
	var auth string
	var firstAt time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e Envelope
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &e); err != nil {
			http.Error(w, "bad", 400)
			return
		}
		mu.Lock()
		if firstAt.IsZero() {
			firstAt = time.Now()
		}
		bodies, auth = append(bodies, e), r.Header.Get("Authorization")
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	const dest = "/subscriptions/" + testSub + "/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law"
	if err := env.e.RegisterDestination(dest, &HTTPSink{URL: srv.URL, BearerToken: "ingest-token"}, DeliveryOptions{Delay: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	env.routeTo(t, DiagnosticSetting{Name: "la", WorkspaceID: dest, Logs: []LogSettings{{CategoryGroup: "allLogs", Enabled: true}}})
	// Every record is emitted after t0 and held back for the delay, so
	// none can arrive before t0 + delay, however slow the machine.
	t0 := time.Now()
	env.touch(t, "late")
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var n int
	for _, b := range bodies {
		n += len(b.Records)
	}
	if n != 2 || auth != "Bearer ingest-token" {
		t.Errorf("got %d records with %q", n, auth)
	}
	if early := firstAt.Sub(t0); early < 300*time.Millisecond {
		t.Errorf("the first record arrived %v after the request; the delay is 300ms", early)
	}
}

func TestSinkFailureRetriedThenDropped(t *testing.T) {
	env := newTestEnv(t, Options{})
	var calls int
	var mu sync.Mutex
	failing := SinkFunc(func(context.Context, Batch) error {
		mu.Lock()
		calls++
		mu.Unlock()
		return io.ErrUnexpectedEOF
	})
	const dest = "/subscriptions/" + testSub + "/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/broken"
	if err := env.e.RegisterDestination(dest, failing, DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	env.routeTo(t, DiagnosticSetting{Name: "broken", StorageAccountID: dest, Logs: []LogSettings{{Category: "AuditEvent", Enabled: true}}})
	env.touch(t, "x")
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := env.e.DeliveryStats().Dropped; got != 2 {
		t.Errorf("dropped: got %d; want 2", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls < 4 {
		t.Errorf("the sink was tried %d times; want retries", calls)
	}
}

// TestArchiveBlobs: records interleaved across hours and categories come
// out grouped by blob, blobs in order of first appearance, lines in order.
func TestArchiveBlobs(t *testing.T) {
	const vault = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V"
	at := func(h int) time.Time { return time.Date(2026, 11, 20, h, 30, 0, 0, time.UTC) }
	b := Batch{Records: []Record{
		{Category: CategoryAuditEvent, ResourceID: vault, Time: at(8), JSON: []byte(`{"n":1}`)},
		{Category: CategoryAuditEvent, ResourceID: vault, Time: at(9), JSON: []byte(`{"n":2}`)},
		{Category: CategoryAdministrative, ResourceID: "/SUBSCRIPTIONS/S", Time: at(8), JSON: []byte(`{"n":3}`)},
		{Category: CategoryAuditEvent, ResourceID: vault, Time: at(8), JSON: []byte(`{"n":4}`)},
	}}
	var got []string
	for _, blob := range b.ArchiveBlobs() {
		got = append(got, blob.Container+"/"+blob.Name+" "+strings.ReplaceAll(string(blob.Lines), "\n", ";"))
	}
	want := []string{
		"insights-logs-auditevent/resourceId=" + vault + `/y=2026/m=11/d=20/h=08/m=00/PT1H.json {"n":1};{"n":4};`,
		"insights-logs-auditevent/resourceId=" + vault + `/y=2026/m=11/d=20/h=09/m=00/PT1H.json {"n":2};`,
		`insights-activity-logs/resourceId=/SUBSCRIPTIONS/S/y=2026/m=11/d=20/h=08/m=00/PT1H.json {"n":3};`,
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, b Batch) error

// Write calls f.
func (f SinkFunc) Write(ctx context.Context, b Batch) error { return f(ctx, b) }
