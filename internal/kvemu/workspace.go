package kvemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
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
// in a small subset of KQL (see query.go). Create one with
// Emulator.CreateWorkspace.
type Workspace struct {
	ID         string // the workspace (customer) id, a GUID, used by the query API
	ResourceID string // the workspace's ARM id, used in diagnostic settings

	e      *Emulator
	mu     sync.Mutex
	tables map[string][]laRow // by table name
}

// laRow is one stored row with its ingestion time.
type laRow struct {
	cols     map[string]any
	ingested time.Time
}

// CreateWorkspace adds a Log Analytics workspace and registers it as the
// destination resourceID with opts (a delay makes records arrive late).
func (e *Emulator) CreateWorkspace(resourceID, workspaceID string, opts DeliveryOptions) (*Workspace, error) {
	if !guidRE.MatchString(workspaceID) {
		return nil, fmt.Errorf("kvemu: workspace id %q is not a GUID", workspaceID)
	}
	w := &Workspace{ID: workspaceID, ResourceID: resourceID, e: e, tables: map[string][]laRow{}}
	if err := e.RegisterDestination(resourceID, w, opts); err != nil {
		return nil, err
	}
	e.mu.Lock()
	if e.workspaces == nil {
		e.workspaces = map[string]*Workspace{}
	}
	e.workspaces[strings.ToLower(workspaceID)] = w
	e.mu.Unlock()
	return w, nil
}

// Write implements Sink: it ingests a batch as rows.
func (w *Workspace) Write(_ context.Context, b Batch) error {
	now := w.e.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range b.Records {
		switch r.Category {
		case CategoryAuditEvent:
			var a AuditRecord
			if err := json.Unmarshal(r.JSON, &a); err != nil {
				return fmt.Errorf("kvemu: workspace: %w", err)
			}
			if b.Dedicated {
				w.tables["AZKVAuditLogs"] = append(w.tables["AZKVAuditLogs"], laRow{a.AZKVAuditLogsRow(w.e.opts.TenantID), now})
			} else {
				w.tables["AzureDiagnostics"] = append(w.tables["AzureDiagnostics"], laRow{a.AzureDiagnosticsRow(w.e.opts.TenantID), now})
			}
		case CategoryAdministrative:
			var a ActivityRecord
			if err := json.Unmarshal(r.JSON, &a); err != nil {
				return fmt.Errorf("kvemu: workspace: %w", err)
			}
			w.tables["AzureActivity"] = append(w.tables["AzureActivity"], laRow{a.AzureActivityRow(), now})
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
	"AzureDiagnostics": AzureDiagnosticsColumns,
	"AZKVAuditLogs":    AZKVAuditLogsColumns,
	"AzureActivity":    AzureActivityColumns,
}

// laResponse is the query API's answer.
type laResponse struct {
	Tables []laTable `json:"tables"`
}

type laTable struct {
	Name    string   `json:"name"`
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// laAudiences are the token audiences the query API accepts.
var laAudienceHosts = map[string]bool{"api.loganalytics.io": true, "api.loganalytics.azure.com": true}

// serveLogAnalytics serves the workspace query API.
func (e *Emulator) serveLogAnalytics(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, inner, msg string) {
		writeError(w, &apiError{status: status, code: code, inner: inner, message: msg})
	}
	raw, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		fail(http.StatusUnauthorized, "AuthorizationRequiredError", "", "Valid authentication was not provided")
		return
	}
	claims, err := e.parseToken(raw, e.now())
	if err != nil {
		fail(http.StatusUnauthorized, "InvalidTokenError", "", "The provided authentication is not valid for this resource")
		return
	}
	if aud, err := url.Parse(claims.Audience); err != nil || !laAudienceHosts[strings.ToLower(aud.Hostname())] {
		fail(http.StatusUnauthorized, "InvalidTokenError", "", "The provided authentication is not valid for this resource")
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) != 4 || segs[0] != "v1" || segs[1] != "workspaces" || segs[3] != "query" || r.Method != http.MethodPost {
		fail(http.StatusNotFound, "PathNotFoundError", "", "The requested path does not exist")
		return
	}
	e.mu.RLock()
	ws := e.workspaces[strings.ToLower(segs[2])]
	e.mu.RUnlock()
	if ws == nil {
		fail(http.StatusNotFound, "WorkspaceNotFoundError", "", "The workspace could not be found")
		return
	}
	var body struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || body.Query == "" {
		fail(http.StatusBadRequest, "BadArgumentError", "", "The request had some invalid properties: a query is required")
		return
	}
	table, err := ws.query(body.Query, body.Timespan)
	if err != nil {
		var qe *queryError
		if errors.As(err, &qe) {
			fail(http.StatusBadRequest, "BadArgumentError", "SyntaxError", err.Error())
			return
		}
		fail(http.StatusInternalServerError, "InternalServerError", "", err.Error())
		return
	}
	b, err := json.Marshal(laResponse{Tables: []laTable{table}})
	if err != nil {
		fail(http.StatusInternalServerError, "InternalServerError", "", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, b)
}
