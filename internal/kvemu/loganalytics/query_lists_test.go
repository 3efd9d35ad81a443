package loganalytics

import (
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// TestQueryListOperators checks the list operators (in, in~, has_any and
// their negations) and endswith/!has on rows whose values are known,
// including a column a row lacks.
func TestQueryListOperators(t *testing.T) {
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := &Workspace{ID: wsID, e: e, tables: map[string][]laRow{}}
	for _, r := range []kvemu.AuditRecord{
		{OperationName: "SecretGet", Identity: &kvemu.AuditIdentity{Claim: map[string]string{"oid": "AAAA"}}, CorrelationID: "1"},
		{OperationName: "KeySign", Identity: &kvemu.AuditIdentity{Claim: map[string]string{kvemu.ClaimOIDURI: "bbbb"}}, CorrelationID: "2"},
		{OperationName: "SecretNearExpiryEventGridNotification", CorrelationID: "3"},
	} {
		w.tables["AzureDiagnostics"] = append(w.tables["AzureDiagnostics"], laRow{AzureDiagnosticsRow(r, "t"), time.Now()})
		w.tables["AZKVAuditLogs"] = append(w.tables["AZKVAuditLogs"], laRow{AZKVAuditLogsRow(r, "t"), time.Now()})
	}
	tests := []struct {
		q    string
		want string // correlation ids, in row order
	}{
		{`AzureDiagnostics | where OperationName in ("SecretGet", "keysign")`, "1"},
		{`AzureDiagnostics | where OperationName in~ ("SecretGet", "keysign")`, "12"},
		{`AzureDiagnostics | where OperationName !in~ (dynamic(["secretget"]))`, "23"},
		{`AzureDiagnostics | where OperationName !in~ dynamic(["secretget"])`, "23"},
		{`AzureDiagnostics | where identity_claim_oid_g !in~ ("aaaa")`, "23"}, // a missing claim is in no list
		{`AzureDiagnostics | where identity_claim_oid_g in~ ("aaaa")`, "1"},
		{`AZKVAuditLogs | where Identity has_any ("BBBB", "zz")`, "2"},
		{`AZKVAuditLogs | where not(Identity has_any ("bbbb"))`, "13"},
		{`AZKVAuditLogs | where Identity has_all ("bbbb", "claim")`, "2"},
		{`AZKVAuditLogs | where OperationName !endswith "eventgridnotification"`, "12"},
		{`AZKVAuditLogs | where OperationName endswith "EventGridNotification"`, "3"},
		// has matches whole terms: KeySign has no term "key".
		{`AZKVAuditLogs | where OperationName !has "key" and OperationName !contains 'event'`, "12"},
		{`AZKVAuditLogs | where OperationName has "keysign" or OperationName contains 'key'`, "2"},
		{`AZKVAuditLogs | where OperationName in ()`, ""},
		{`AzureDiagnostics | where column_ifexists("identity_claim_oid_g", "") in~ ("aaaa")`, "1"},
		{`AzureDiagnostics | where column_ifexists("NoSuchColumn_s", "") !in~ ("aaaa")`, "123"},
	}
	for _, tt := range tests {
		tbl, err := w.query(tt.q+" | order by CorrelationId asc | project CorrelationId", "")
		if err != nil {
			t.Errorf("%s: %v", tt.q, err)
			continue
		}
		got := ""
		for _, r := range tbl.Rows {
			got += r[0].(string)
		}
		if got != tt.want {
			t.Errorf("%s: got rows %q; want %q", tt.q, got, tt.want)
		}
	}
	for _, bad := range []string{
		`AzureDiagnostics | where OperationName in~ "SecretGet"`,
		`AzureDiagnostics | where OperationName in~ (SecretGet)`,
		`AzureDiagnostics | where OperationName ==`,
		`AZKVAuditLogs | where Identity !has_any ("bbbb")`, // not KQL: not(Identity has_any (...)) is
		`AzureDiagnostics | where NoSuchColumn == "a"`,
	} {
		if _, err := w.query(bad, ""); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
