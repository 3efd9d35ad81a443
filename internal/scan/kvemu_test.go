package scan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
)

// TestEmulatorShapes cross-checks the parser with the emulator, written
// apart from it: one access in the emulator's three shapes (the raw record
// and its two Log Analytics rows) reads as the same event, with the same
// idempotency key, and touches the same decoy.
func TestEmulatorShapes(t *testing.T) {
	ok := true
	rec := kvemu.AuditRecord{
		Time: "2026-11-20T08:00:01.1234567Z", ResourceID: "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-B/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-B",
		OperationName: "SecretGet", OperationVersion: "7.4", Category: kvemu.CategoryAuditEvent, ResultType: "Success",
		ResultSignature: "OK", DurationMs: "12", CallerIPAddress: "203.0.113.7", CorrelationID: "0d0e0f00-0000-4000-8000-000000000001",
		Identity: &kvemu.AuditIdentity{Claim: map[string]string{
			"http://schemas.microsoft.com/identity/claims/objectidentifier": "5c3f1a2b-9d4e-4f6a-8b7c-1d2e3f4a5b6c",
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":     "mallory@contoso.com",
			"appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
		}},
		Properties: kvemu.AuditProperties{
			ID:         "https://kv-b.vault.azure.net/secrets/web-tls/00112233445566778899aabbccddeeff",
			ClientInfo: "azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)", RequestURI: "https://kv-b.vault.azure.net/secrets/web-tls/?api-version=7.4",
			HTTPStatusCode: 200, IsAccessPolicyMatch: &ok,
		},
	}
	shapes := map[auditlog.Shape]any{
		auditlog.ShapeAuditEvent:       rec,
		auditlog.ShapeAzureDiagnostics: loganalytics.AzureDiagnosticsRow(rec, "72f988bf-86f1-41af-91ab-2d7cd011db47"),
		auditlog.ShapeAZKVAuditLogs:    loganalytics.AZKVAuditLogsRow(rec, "72f988bf-86f1-41af-91ab-2d7cd011db47"),
	}
	ix, err := detect.NewIndex(decoys)
	if err != nil {
		t.Fatal(err)
	}
	m := detect.NewMatcher(ix, nil)
	var key string
	for shape, v := range shapes {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := auditlog.ParseRecord(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", shape, err, b)
		}
		if ev.Shape != shape {
			t.Errorf("read as %s; want %s", ev.Shape, shape)
		}
		if got, want := ev.Caller.UPN, "mallory@contoso.com"; got != want {
			t.Errorf("%s: UPN %q; want %q", shape, got, want)
		}
		if got, want := ev.Caller.ObjectID, "5c3f1a2b-9d4e-4f6a-8b7c-1d2e3f4a5b6c"; got != want {
			t.Errorf("%s: object id %q; want %q", shape, got, want)
		}
		if got, want := ev.HTTPStatus, 200; got != want {
			t.Errorf("%s: status %d; want %d", shape, got, want)
		}
		if key == "" {
			key = ev.DedupKey()
		} else if ev.DedupKey() != key {
			t.Errorf("%s: idempotency key differs from another shape's", shape)
		}
		alerts := m.Match(&ev)
		if len(alerts) != 1 || alerts[0].Decoy.Name != "web-tls" || alerts[0].Class != detect.ClassRead {
			t.Errorf("%s: alerts %+v; want a read of certificate web-tls", shape, alerts)
		}
	}
}

// TestEmulatorActivity does the same for an Activity-log record: a decoy
// vault's diagnostic setting deleted, as tamper rules will read it.
func TestEmulatorActivity(t *testing.T) {
	const setting = "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-B/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-B/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/TO-HUB"
	rec := kvemu.ActivityRecord{
		Time: "2026-11-20T09:00:00.0000000Z", ResourceID: setting, OperationName: "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE",
		Category: kvemu.CategoryAdministrative, ResultType: "Success", ResultSignature: "Succeeded.OK",
		CallerIPAddress: "192.0.2.99", CorrelationID: "0d0e0f00-0000-4000-8000-000000000002",
		Identity: kvemu.ActivityIdentity{
			Authorization: kvemu.ActivityAuthorization{Scope: setting, Action: "microsoft.insights/diagnosticSettings/delete"},
			Claims: map[string]string{
				"http://schemas.microsoft.com/identity/claims/objectidentifier": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
				"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":     "eve@contoso.com",
			},
		},
		Level: "Information",
	}
	for name, v := range map[string]any{"record": rec, "AzureActivity row": loganalytics.AzureActivityRow(rec)} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := auditlog.ParseRecord(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		if ev.Kind != auditlog.KindActivity || !strings.EqualFold(ev.Operation, rec.OperationName) || ev.VaultName != "kv-b" ||
			ev.Caller.UPN != "eve@contoso.com" || ev.Caller.ObjectID != "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" || ev.Status != "Success" {
			t.Errorf("%s: read as %+v", name, ev)
		}
		if !strings.EqualFold(ev.ResourceID, setting) {
			t.Errorf("%s: resource %q; want %q", name, ev.ResourceID, setting)
		}
	}
}
