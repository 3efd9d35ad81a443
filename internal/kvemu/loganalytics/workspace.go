package loganalytics

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// Workspace is an emulated Log Analytics workspace. As a diagnostic-setting
// destination it turns AuditEvent records into AzureDiagnostics rows (or
// AZKVAuditLogs rows when the setting asks for "Dedicated" tables) and
// Activity records into AzureActivity rows, stamping each row's ingestion
// time on the emulator's clock when it is delivered (after any delivery
// delay). The azlogs SDK queries it at
//
//	POST https://api.loganalytics.io/v1/workspaces/{workspace id}/query
//
// in the part of KQL query.go lists, over its tables and the watchlists
// SetWatchlist loads. Create one with Service.CreateWorkspace.
type Workspace struct {
	ID         string // the workspace (customer) id, a GUID, used by the query API
	ResourceID string // the workspace's ARM id, used in diagnostic settings

	e          *kvemu.Emulator
	mu         sync.Mutex
	tables     map[string][]laRow  // by table name
	custom     map[string][]Column // the custom tables' columns, by table name
	watchlists map[string]*table   // by lower-case alias (SetWatchlist)
}

// laRow is one stored row with its ingestion time.
type laRow struct {
	cols     map[string]any
	ingested time.Time
}

// Write implements kvemu.Sink: it ingests a batch as rows.
func (w *Workspace) Write(_ context.Context, b kvemu.Batch) error {
	now := w.e.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range b.Records {
		switch r.Category {
		case kvemu.CategoryAuditEvent:
			var a kvemu.AuditRecord
			if err := json.Unmarshal(r.JSON, &a); err != nil {
				return fmt.Errorf("loganalytics: workspace: %w", err)
			}
			if b.Dedicated {
				w.tables["AZKVAuditLogs"] = append(w.tables["AZKVAuditLogs"], laRow{AZKVAuditLogsRow(a, w.e.TenantID()), now})
			} else {
				w.tables["AzureDiagnostics"] = append(w.tables["AzureDiagnostics"], laRow{AzureDiagnosticsRow(a, w.e.TenantID()), now})
			}
		case kvemu.CategoryAdministrative:
			var a kvemu.ActivityRecord
			if err := json.Unmarshal(r.JSON, &a); err != nil {
				return fmt.Errorf("loganalytics: workspace: %w", err)
			}
			w.tables["AzureActivity"] = append(w.tables["AzureActivity"], laRow{AzureActivityRow(a), now})
		case kvemu.CategorySignIns:
			var s kvemu.SignInRecord
			if err := json.Unmarshal(r.JSON, &s); err != nil {
				return fmt.Errorf("loganalytics: workspace: %w", err)
			}
			w.tables["AADServicePrincipalSignInLogs"] = append(w.tables["AADServicePrincipalSignInLogs"], laRow{AADServicePrincipalSignInLogsRow(s), now})
		}
	}
	return nil
}

// Rows returns how many rows a table holds, for tests.
func (w *Workspace) Rows(table string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.tables[table])
}

var tableColumns = map[string][]Column{
	"AzureDiagnostics":              AzureDiagnosticsColumns,
	"AZKVAuditLogs":                 AZKVAuditLogsColumns,
	"AzureActivity":                 AzureActivityColumns,
	"AADServicePrincipalSignInLogs": AADServicePrincipalSignInLogsColumns,
}
