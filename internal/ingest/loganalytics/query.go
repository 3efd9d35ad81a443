package loganalytics

import (
	"fmt"
	"strings"
	"time"
)

// Tables the source can read.
const (
	TableAZKVAuditLogs    = "AZKVAuditLogs"
	TableAzureDiagnostics = "AzureDiagnostics"
	// TableAADServicePrincipalSignInLogs holds Entra ID's service-principal
	// sign-ins: what an Entra ID canary's use leaves (README "Entra ID
	// canary"; auditlog/signin.go reads its rows).
	TableAADServicePrincipalSignInLogs = "AADServicePrincipalSignInLogs"
)

// ingestionColumn is the column the query adds with each row's ingestion
// time; it is not part of the record.
const ingestionColumn = "HvIngestionTime"

// kqlTime formats t as a KQL datetime literal, to the 100 ns tick Log
// Analytics keeps.
func kqlTime(t time.Time) string {
	return "datetime(" + t.UTC().Format("2006-01-02T15:04:05.0000000Z") + ")"
}

// buildQuery returns the KQL that reads rows ingested at or after from,
// oldest ingestion first, at most limit of them, with TimeGenerated no
// older than notBefore.
func buildQuery(table, filter string, from, notBefore time.Time, limit int) string {
	var b strings.Builder
	b.WriteString(table + "\n")
	fmt.Fprintf(&b, "| where TimeGenerated >= %s\n", kqlTime(notBefore))
	fmt.Fprintf(&b, "| where ingestion_time() >= %s\n", kqlTime(from))
	if table == TableAzureDiagnostics {
		b.WriteString("| where ResourceProvider == \"MICROSOFT.KEYVAULT\" and Category == \"AuditEvent\"\n")
	}
	if filter = strings.TrimSpace(filter); filter != "" {
		fmt.Fprintf(&b, "| where %s\n", filter)
	}
	fmt.Fprintf(&b, "| extend %s = ingestion_time()\n", ingestionColumn)
	fmt.Fprintf(&b, "| order by %s asc\n", ingestionColumn)
	fmt.Fprintf(&b, "| take %d", limit)
	return b.String()
}
