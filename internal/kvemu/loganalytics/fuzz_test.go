package loganalytics

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// FuzzWorkspaceQuery runs arbitrary queries and timespans against a
// workspace with rows and the HoneyTokens watchlist: every query either
// runs, giving rows as wide as its columns that the API can encode, or is
// a queryError. testdata/fuzz holds the exported Sentinel rules as seeds.
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
		`let W = _GetWatchlist('HoneyTokens') | project K = tolower(ResourceId); AzureDiagnostics | where tolower(_ResourceId) in (W) | summarize count() by OperationName`,
		`AZKVAuditLogs | extend C = todynamic(Identity).claim | join kind=leftouter (_GetWatchlist('HoneyTokens')) on $left.OperationName == $right.HoneyToken | project-away Identity`,
		`union AzureDiagnostics, AZKVAuditLogs | summarize arg_max(TimeGenerated, *), make_set(OperationName) by Type`,
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
	if err := w.SetWatchlist("HoneyTokens", "ResourceId", []byte("ResourceProvider,ResourceId,HoneyToken,Properties\r\n"+
		`Microsoft.KeyVault,/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v,a|b,"{""Type"":""secret""}"`+"\r\n")); err != nil {
		f.Fatal(err)
	}
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
		if _, err := json.Marshal(laResponse{Tables: []laTable{tbl}}); err != nil {
			t.Fatalf("query %q: the answer cannot be encoded: %v", q, err)
		}
	})
}

// FuzzKQLParse parses arbitrary text as a query: it is parsed or refused
// with a queryError, never a panic, and parsing is deterministic (the
// same text gives the same statements). testdata/fuzz holds the exported
// Sentinel rules as seeds.
func FuzzKQLParse(f *testing.F) {
	for _, q := range []string{
		`T | where A == "x" and B in~ ("a", 'b') | project A, N = tolower(B)`,
		"let x = 5m; let T2 = T | where ingestion_time() > ago(x); T2 // comment\n| summarize count() by bin(TimeGenerated, 1h)",
		`T | join kind=leftanti (T | project K) on $left.A == $right.K, B | union T, (T | take 1)`,
		`T | extend D = dynamic({"a": [1, 2]}), S = @"c:\x" , H = h'secret', E = datetime(2026-11-20), P = timespan(1.5h)`,
		`T | where not(A has_any ("x")) and B !between (1 .. 2) or C matches regex "^a" | order by A asc nulls last | top 3 by B`,
		`T | project-away A* | project-rename X = B | project-keep X | distinct * | count`,
		`let`, `T |`, `T | where (((`, `"`, `@'`, `T | where x == 1e`, `5mins`, `T | where A == -(-1)`,
	} {
		f.Add(q)
	}
	isTable := func(name string) bool { return name == "T" }
	f.Fuzz(func(t *testing.T, q string) {
		stmts, err := parseQuery(q, isTable)
		if err != nil {
			var qe *queryError
			if !errors.As(err, &qe) {
				t.Fatalf("query %q: non-query error %v", q, err)
			}
			return
		}
		again, err := parseQuery(q, isTable)
		if err != nil || !reflect.DeepEqual(again, stmts) {
			t.Fatalf("query %q parses differently the second time: %v", q, err)
		}
	})
}
