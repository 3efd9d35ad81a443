package sentinel_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/sentinel"
)

// settingRecord is an Activity-log record of an operation on a vault's
// diagnostic setting by the caller with claims.
func settingRecord(t *testing.T, id, vault, op, result string, claims map[string]string, at time.Time) []byte {
	t.Helper()
	setting := strings.ToUpper(vault) + "/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/TO-HUB"
	sig := map[string]string{"Start": "Started.", "Success": "Succeeded.OK", "Failure": "Failed.Forbidden"}[result]
	rec := kvemu.ActivityRecord{
		Time: at.UTC().Format(kvemu.TimeLayout), ResourceID: setting, OperationName: op, Category: kvemu.CategoryAdministrative,
		ResultType: result, ResultSignature: sig, CallerIPAddress: "192.0.2.99", CorrelationID: id,
		Identity: kvemu.ActivityIdentity{Authorization: kvemu.ActivityAuthorization{Scope: setting, Action: strings.ToLower(op)}, Claims: claims},
		Level:    "Information",
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func claims(oid, upn string) map[string]string {
	c := map[string]string{kvemu.ClaimOIDURI: oid}
	if upn != "" {
		c[kvemu.ClaimUPNURI] = upn
	}
	return c
}

// TestDiagnosticSettingsRuleAgreesWithDetector runs the diagnostic-settings
// rule whole over AzureActivity rows and checks that it reports exactly
// the changes honeyvault's tamper rules alert on: deletions of a decoy
// vault's setting, done or refused, and changes done; not refused
// changes, Start records, vaults without decoys, nor allow-listed callers
// (by UPN, or by object id when the caller also has a UPN).
func TestDiagnosticSettingsRuleAgreesWithDetector(t *testing.T) {
	const (
		del   = detect.OpDiagnosticSettingsDelete
		write = detect.OpDiagnosticSettingsWrite
		kvC   = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-c/providers/Microsoft.KeyVault/vaults/kv-c"
	)
	t0 := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	at := t0.Add(-2 * time.Minute)
	eve := claims("eeeeeeee-0000-4000-8000-000000000001", "eve@contoso.com")
	lines := [][]byte{
		settingRecord(t, "a0000000-0000-4000-8000-000000000001", vaultB, del, "Success", eve, at),
		settingRecord(t, "a0000000-0000-4000-8000-000000000002", vaultA, del, "Failure", eve, at),
		settingRecord(t, "a0000000-0000-4000-8000-000000000003", vaultA, write, "Success", claims("eeeeeeee-0000-4000-8000-000000000002", ""), at),
		settingRecord(t, "a0000000-0000-4000-8000-000000000004", vaultA, write, "Failure", eve, at),
		settingRecord(t, "a0000000-0000-4000-8000-000000000005", vaultA, del, "Start", eve, at),
		settingRecord(t, "a0000000-0000-4000-8000-000000000006", kvC, del, "Success", eve, at),
		settingRecord(t, "a0000000-0000-4000-8000-000000000007", vaultB, del, "Success", claims("pppppppp-0000-4000-8000-000000000001", "planter@contoso.com"), at),
		settingRecord(t, "a0000000-0000-4000-8000-000000000008", vaultB, del, "Success", claims(caseAllow[1], "guest@contoso.com"), at),
	}
	m := caseMatcher(t)
	want := map[string]access{}
	for _, line := range lines {
		ev, err := auditlog.ParseRecord(line)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Tamper(&ev) {
			if !a.Suppressed {
				want[ev.CorrelationID] = access{Vault: strings.ToLower(a.Decoy.VaultID), UPN: ev.Caller.UPN, ObjectID: ev.Caller.ObjectID}
			}
		}
	}
	if len(want) != 3 {
		t.Fatalf("the detector alerts on %d records; want 3 (the cases changed?)", len(want))
	}

	csv, rules := export(t)
	lab := newRuleLab(t, t0, csv)
	lab.ingest(t, kvemu.CategoryAdministrative, false, lines)
	var rule exportedRule
	for _, r := range rules {
		if r.Activity {
			rule = r
		}
	}
	if rule.Name != sentinel.DiagnosticSettingsTitle {
		t.Fatalf("the activity rule is %q; want the original's title", rule.Name)
	}
	got := map[string]access{}
	for _, row := range lab.run(t, rule) {
		var ids []string
		if err := json.Unmarshal([]byte(row["CorrelationIds"].(string)), &ids); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			got[id] = access{Vault: row["VaultResourceId"].(string), UPN: row["Caller"].(string)}
		}
	}
	for id, w := range want {
		g, ok := got[id]
		caller := w.UPN
		if caller == "" {
			caller = w.ObjectID // AzureActivity's Caller: the UPN, else the object id
		}
		if !ok || g.Vault != w.Vault || g.UPN != caller {
			t.Errorf("record %s: the rule reports %+v (%v); the detector says %s by %s", id, g, ok, w.Vault, caller)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("the rule reports record %s, on which the detector raises nothing", id)
		}
	}
	lab.clk.Advance(10 * time.Minute)
	if rows := lab.run(t, rule); len(rows) != 0 {
		t.Errorf("the next run reports %d rows again", len(rows))
	}
}
