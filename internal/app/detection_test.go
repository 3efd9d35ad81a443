package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const vaultPay = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay"

type recorded struct {
	mu     sync.Mutex
	alerts []detect.Alert
}

func (r *recorded) Record(_ context.Context, tx *store.Tx, alerts []detect.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alerts = append(r.alerts, alerts...)
	return nil
}

func (r *recorded) snapshot() []detect.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]detect.Alert(nil), r.alerts...)
}

func hit(corr, object, oid string) []byte {
	return []byte(fmt.Sprintf(`{"time":"2026-11-20T08:00:01Z","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY",`+
		`"operationName":"SecretGet","category":"AuditEvent","resultType":"Success","correlationId":"%s","callerIpAddress":"203.0.113.7",`+
		`"identity":{"claim":{"oid":"%s"}},"properties":{"requestUri":"https://kv-pay.vault.azure.net/secrets/%s/?api-version=7.4","httpStatusCode":200}}`, corr, oid, object))
}

func TestDetectionMatchesLoadedSyncedAndWatchedDecoys(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.DecoySync = config.Duration(50 * time.Millisecond)
	cfg.Allow = []config.Allow{{Identity: "planter-oid"}}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	st.AddDecoy(ctx, &registry.Decoy{VaultID: vaultPay, Name: "at-start", Type: registry.Secret})
	st.Close()

	srv, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorded{}
	srv.SetAlertRecorder(rec)
	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, task := range srv.tasks {
		go task(bg)
	}
	defer srv.Store.Close()
	submit := func(body []byte) {
		t.Helper()
		b, err := ingest.BatchFromBody("test", body, auditlog.Position{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Pipeline.Submit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}

	submit(hit("c1", "at-start", "attacker"))
	submit(hit("c2", "not-a-decoy", "attacker"))
	submit(hit("c3", "AT-START", "planter-oid"))
	got := rec.snapshot()
	if len(got) != 2 || got[0].Decoy.Name != "at-start" || got[0].Suppressed || !got[1].Suppressed {
		t.Fatalf("alerts: %+v", got)
	}

	// A decoy added by another process is picked up by the periodic sync.
	d := registry.Decoy{VaultID: vaultPay, Name: "added-later", Type: registry.Secret}
	if err := srv.Store.AddDecoy(ctx, &d); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(srv.detection.matcher.Index().Lookup(&auditlog.Event{Kind: auditlog.KindAudit, VaultName: "kv-pay", ObjectType: registry.Secret, ObjectName: "added-later"})) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("decoy added to the store was never indexed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	submit(hit("c4", "added-later", "attacker"))

	// Retiring it stops detection after the next sync.
	if err := srv.Store.SetDecoyStatus(ctx, d.ID, registry.Retired, nil, store.AuditEntry{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	for len(srv.detection.matcher.Index().Lookup(&auditlog.Event{Kind: auditlog.KindAudit, VaultName: "kv-pay", ObjectType: registry.Secret, ObjectName: "added-later"})) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("retired decoy still indexed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	submit(hit("c5", "added-later", "attacker"))

	var names []string
	for _, a := range rec.snapshot() {
		names = append(names, a.Event.CorrelationID)
	}
	if fmt.Sprint(names) != "[c1 c3 c4]" {
		t.Errorf("alerts for %v; want [c1 c3 c4]", names)
	}
}

// honeyvault_detection_synced_timestamp_seconds says up to when registry
// changes are watched: once it passes the time a decoy was committed,
// detection matches that decoy (what plant --lab waits for).
func TestSyncedGaugeMeansWatched(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.DecoySync = config.Duration(50 * time.Millisecond)
	srv, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Store.Close()
	start := testutil.ToFloat64(srv.detection.syncedGauge)
	if start == 0 {
		t.Fatal("the gauge is not set at start")
	}
	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, task := range srv.tasks {
		go task(bg)
	}
	d := registry.Decoy{VaultID: vaultPay, Name: "planted-elsewhere", Type: registry.Secret}
	if err := srv.Store.AddDecoy(ctx, &d); err != nil {
		t.Fatal(err)
	}
	committed := float64(time.Now().UnixNano()) / 1e9
	deadline := time.Now().Add(20 * time.Second)
	for testutil.ToFloat64(srv.detection.syncedGauge) <= committed {
		if time.Now().After(deadline) {
			t.Fatal("the gauge never passed the decoy's commit")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ev := auditlog.Event{Kind: auditlog.KindAudit, VaultName: "kv-pay", ObjectType: registry.Secret, ObjectName: "planted-elsewhere"}
	if len(srv.detection.matcher.Index().Lookup(&ev)) != 1 {
		t.Error("the gauge passed the commit but the decoy is not watched")
	}
}
