package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// op is an audit record of operation on object by oid at time at.
func op(corr, operation, object, oid, at string) []byte {
	return []byte(fmt.Sprintf(`{"time":"%s","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY",`+
		`"operationName":"%s","category":"AuditEvent","resultType":"Success","correlationId":"%s","callerIpAddress":"203.0.113.7",`+
		`"identity":{"claim":{"oid":"%s"}},"properties":{"requestUri":"https://kv-pay.vault.azure.net/secrets/%s?api-version=7.4","httpStatusCode":200}}`,
		at, operation, corr, oid, object))
}

func TestStoredAllowRulesCoverOnlyTheirDecoyAndOperation(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	planted := registry.Decoy{VaultID: vaultPay, Name: "orders-db-password", Type: registry.Secret}
	other := registry.Decoy{VaultID: vaultPay, Name: "orders-api-key", Type: registry.Secret}
	// Rules are loaded by the wall clock (those expired over a day ago are
	// not), and judged by each record's own time.
	expires := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	if err := st.BeginPlanting(ctx, []store.NewPlanting{{Decoy: &planted, PlantedBy: "planter-oid",
		Allow: &store.AllowRule{Identity: "planter-oid", Operations: []string{"SecretSet"}, Expires: expires}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddDecoy(ctx, &other); err != nil {
		t.Fatal(err)
	}
	st.Close()

	srv, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Store.Close()
	rec := &recorded{}
	srv.SetAlertRecorder(rec)
	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, task := range srv.tasks {
		go task(bg)
	}
	before := expires.Add(-time.Hour).Format(time.RFC3339)
	after := expires.Add(time.Second).Format(time.RFC3339)
	for _, body := range [][]byte{
		op("set-own", "SecretSet", "orders-db-password", "planter-oid", before),  // the planting itself: suppressed
		op("get-own", "SecretGet", "orders-db-password", "planter-oid", before),  // a read by the planter: alerts
		op("set-other", "SecretSet", "orders-api-key", "planter-oid", before),    // another decoy: alerts
		op("set-stranger", "SecretSet", "orders-db-password", "someone", before), // another identity: alerts
		op("set-late", "SecretSet", "orders-db-password", "planter-oid", after),  // after the rule expired: alerts
	} {
		b, err := ingest.BatchFromBody("test", body, auditlog.Position{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Pipeline.Submit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for _, a := range rec.snapshot() {
		got[a.Event.CorrelationID] = a.Suppressed
	}
	want := map[string]bool{"set-own": true, "get-own": false, "set-other": false, "set-stranger": false, "set-late": false}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("suppressed: got %v; want %v", got, want)
	}
}

// A rule stored while the server runs covers the next record at once, not
// after the next registry sync: retire stores the planter's delete rule and
// sends the delete straight away, and its record may arrive in
// milliseconds.
func TestAllowRuleStoredWhileRunningCoversTheNextRecord(t *testing.T) {
	ctx := context.Background()
	srv, rec, decoy := serveOneDecoy(t)

	at := time.Now().UTC().Truncate(time.Second)
	if err := srv.Store.AddAllowRule(ctx, &store.AllowRule{Identity: "planter-oid", Operations: []string{"SecretDelete"},
		VaultID: decoy.VaultID, Type: decoy.Type, Name: decoy.Name, DecoyID: decoy.ID, Expires: at.Add(time.Hour)},
		store.AuditEntry{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, body := range [][]byte{
		op("delete-own", "SecretDelete", "orders-db-password", "planter-oid", at.Format(time.RFC3339)),
		op("get-own", "SecretGet", "orders-db-password", "planter-oid", at.Format(time.RFC3339)),
	} {
		b, err := ingest.BatchFromBody("test", body, auditlog.Position{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Pipeline.Submit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for _, a := range rec.snapshot() {
		got[a.Event.CorrelationID] = a.Suppressed
	}
	if want := map[string]bool{"delete-own": true, "get-own": false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("suppressed: got %v; want %v", got, want)
	}
}

// A rule removed while the server runs (the console's Remove) silences
// nothing more from the next record on: detection reads the committed rules
// before it decides any alert, suppressed or not.
func TestAllowRuleRemovedWhileRunningNoLongerSuppresses(t *testing.T) {
	ctx := context.Background()
	srv, rec, _ := serveOneDecoy(t)
	submit := func(corr string) {
		t.Helper()
		b, err := ingest.BatchFromBody("test", op(corr, "SecretGet", "orders-db-password", "backup-sp", time.Now().UTC().Format(time.RFC3339)), auditlog.Position{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Pipeline.Submit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}

	rule := store.AllowRule{Identity: "backup-sp", Note: "nightly backup"}
	if err := srv.Store.AddAllowRule(ctx, &rule, store.AuditEntry{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	submit("while-allowed")
	if err := srv.Store.DeleteAllowRule(ctx, rule.ID, store.AuditEntry{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	submit("after-removal")
	got := map[string]bool{}
	for _, a := range rec.snapshot() {
		got[a.Event.CorrelationID] = a.Suppressed
	}
	if want := map[string]bool{"while-allowed": true, "after-removal": false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("suppressed: got %v; want %v", got, want)
	}
}

// serveOneDecoy runs a server (its background tasks, no registry sync
// during the test) over a fresh SQLite store holding one decoy secret,
// orders-db-password in kv-pay, and records the alerts it raises.
func serveOneDecoy(t *testing.T) (*Server, *recorded, registry.Decoy) {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.DecoySync = config.Duration(time.Hour) // no sync during the test
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	decoy := registry.Decoy{VaultID: vaultPay, Name: "orders-db-password", Type: registry.Secret}
	if err := st.AddDecoy(ctx, &decoy); err != nil {
		t.Fatal(err)
	}
	st.Close()
	srv, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Store.Close() })
	rec := &recorded{}
	srv.SetAlertRecorder(rec)
	bg, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	for _, task := range srv.tasks {
		go task(bg)
	}
	return srv, rec, decoy
}
