package loganalytics

import (
	"errors"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// FuzzWorkspaceQuery runs arbitrary queries and timespans against a
// workspace with rows: every query either runs or is a queryError.
func FuzzWorkspaceQuery(f *testing.F) {
	for _, q := range []string{
		`AzureDiagnostics`,
		`AzureDiagnostics | where OperationName == "SecretGet" and httpStatusCode_d >= 200 | take 5`,
		`AZKVAuditLogs | where ingestion_time() > ago(5m) | extend I = ingestion_time() | order by I asc | project I, Id`,
		`AzureActivity | where OperationNameValue has 'diagnostic' | sort by TimeGenerated`,
		`AzureDiagnostics | where requestUri_s contains "a|b" and id_s startswith 'x'`,
		`AzureDiagnostics | where TimeGenerated between (ago(1d) .. now())`,
		`AzureDiagnostics | where OperationName in~ ("secretget", 'KeyGet') and identity_claim_oid_g !in~ ("o")`,
		`AZKVAuditLogs | where not(Identity has_any (dynamic(["x", "y"]))) and OperationName !endswith "EventGridNotification"`,
		`AzureDiagnostics | where OperationName in () and requestUri_s !has "a" and id_s !contains 'x'`,
		`AzureDiagnostics | where column_ifexists("identity_claim_upn_s", "") !in~ ("a") and column_ifexists("x", "") == "y"`,
		`| | |`,
	} {
		f.Add(q, "")
		f.Add(q, "PT5M")
		f.Add(q, "2026-11-20T00:00:00Z/2026-11-21T00:00:00Z")
	}
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		f.Fatal(err)
	}
	w := &Workspace{ID: wsID, e: e, tables: map[string][]laRow{}}
	rec := kvemu.AuditRecord{Time: "2026-11-20T08:00:01.1234567Z", ResourceID: "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V",
		OperationName: "SecretGet", DurationMs: "3", Identity: &kvemu.AuditIdentity{Claim: map[string]string{"oid": "o"}},
		Properties: kvemu.AuditProperties{ID: "x", RequestURI: "https://v.vault.azure.net/secrets/a|b", HTTPStatusCode: 200}}
	w.tables["AzureDiagnostics"] = []laRow{{AzureDiagnosticsRow(rec, "t"), time.Now()}}
	w.tables["AZKVAuditLogs"] = []laRow{{AZKVAuditLogsRow(rec, "t"), time.Now()}}
	f.Fuzz(func(t *testing.T, q, ts string) {
		tbl, err := w.query(q, ts)
		if err != nil {
			var qe *queryError
			if !errors.As(err, &qe) {
				t.Fatalf("query %q: non-query error %v", q, err)
			}
			return
		}
		for _, r := range tbl.Rows {
			if len(r) != len(tbl.Columns) {
				t.Fatalf("row of %d values for %d columns", len(r), len(tbl.Columns))
			}
		}
	})
}
