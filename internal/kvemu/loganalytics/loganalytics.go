// Package loganalytics emulates Log Analytics workspaces beside the Key
// Vault emulator (internal/kvemu): a workspace is a diagnostic-setting
// destination that stores records as AzureDiagnostics or AZKVAuditLogs rows
// (and AzureActivity), and the query API the azlogs SDK calls answers a
// documented subset of KQL (query.go) over them, on the emulator's own
// listener.
//
// The package also holds the Log Analytics shapes of a record (rows.go),
// which tests of the retro-hunt use to build portal exports and query
// answers.
//
// All methods are safe for concurrent use.
package loganalytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// hosts are the query API's host names; it accepts tokens for either.
var hosts = []string{"api.loganalytics.io", "api.loganalytics.azure.com"}

// Service is the query API of one emulator's workspaces. Make it with New.
type Service struct {
	e *kvemu.Emulator

	mu         sync.RWMutex
	workspaces map[string]*Workspace          // by lower-case workspace id
	rules      map[string]*DataCollectionRule // by immutable id
}

// New serves the query API
//
//	POST https://api.loganalytics.io/v1/workspaces/{workspace id}/query
//
// and the Logs Ingestion API of one data collection endpoint (see
// IngestionEndpoint) on e's listener; one Service per emulator.
func New(e *kvemu.Emulator) (*Service, error) {
	s := &Service{e: e, workspaces: map[string]*Workspace{}, rules: map[string]*DataCollectionRule{}}
	if err := e.Mount(http.HandlerFunc(s.serveQuery), hosts...); err != nil {
		return nil, fmt.Errorf("loganalytics: %w", err)
	}
	if err := e.Mount(http.HandlerFunc(s.serveIngestion), IngestionHost); err != nil {
		return nil, fmt.Errorf("loganalytics: %w", err)
	}
	return s, nil
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// CreateWorkspace adds a workspace and registers it with the emulator as
// the destination resourceID with opts (a delay makes records arrive late).
func (s *Service) CreateWorkspace(resourceID, workspaceID string, opts kvemu.DeliveryOptions) (*Workspace, error) {
	if !guidRE.MatchString(workspaceID) {
		return nil, fmt.Errorf("loganalytics: workspace id %q is not a GUID", workspaceID)
	}
	w := &Workspace{ID: workspaceID, ResourceID: resourceID, e: s.e, tables: map[string][]laRow{}}
	if err := s.e.RegisterDestination(resourceID, w, opts); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.workspaces[strings.ToLower(workspaceID)] = w
	s.mu.Unlock()
	return w, nil
}

// ClientOptions returns options for azlogs.NewClient that reach the
// emulated query API: the emulator's transport and short retry delays, and
// a cloud whose Log Analytics endpoint is Azure's own host name.
func (s *Service) ClientOptions() *azlogs.ClientOptions {
	co := s.e.ClientOptions()
	co.Cloud = s.e.Cloud()
	co.Cloud.Services[azlogs.ServiceName] = cloud.ServiceConfiguration{
		Audience: "https://" + hosts[0],
		Endpoint: "https://" + hosts[0] + "/v1",
	}
	return &azlogs.ClientOptions{ClientOptions: co}
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

// serveQuery serves the workspace query API.
func (s *Service) serveQuery(w http.ResponseWriter, r *http.Request) {
	audience, err := s.e.Authenticate(r)
	switch {
	case errors.Is(err, kvemu.ErrNoBearerToken):
		fail(w, http.StatusUnauthorized, "AuthorizationRequiredError", "", "Valid authentication was not provided")
		return
	case err != nil || !ours(audience):
		fail(w, http.StatusUnauthorized, "InvalidTokenError", "", "The provided authentication is not valid for this resource")
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) != 4 || segs[0] != "v1" || segs[1] != "workspaces" || segs[3] != "query" || r.Method != http.MethodPost {
		fail(w, http.StatusNotFound, "PathNotFoundError", "", "The requested path does not exist")
		return
	}
	s.mu.RLock()
	ws := s.workspaces[strings.ToLower(segs[2])]
	s.mu.RUnlock()
	if ws == nil {
		fail(w, http.StatusNotFound, "WorkspaceNotFoundError", "", "The workspace could not be found")
		return
	}
	var body struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || body.Query == "" {
		fail(w, http.StatusBadRequest, "BadArgumentError", "", "The request had some invalid properties: a query is required")
		return
	}
	table, err := ws.query(body.Query, body.Timespan)
	if err != nil {
		var qe *queryError
		if errors.As(err, &qe) {
			fail(w, http.StatusBadRequest, "BadArgumentError", "SyntaxError", err.Error())
			return
		}
		fail(w, http.StatusInternalServerError, "InternalServerError", "", err.Error())
		return
	}
	b, err := json.Marshal(laResponse{Tables: []laTable{table}})
	if err != nil {
		fail(w, http.StatusInternalServerError, "InternalServerError", "", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// ours reports whether a token's audience is the query API.
func ours(audience string) bool {
	u, err := url.Parse(audience)
	return err == nil && slices.ContainsFunc(hosts, func(h string) bool { return strings.EqualFold(u.Hostname(), h) })
}

// fail answers an error the way the query API does:
// {"error":{"code","message","innererror":{"code"}}}.
func fail(w http.ResponseWriter, status int, code, inner, message string) {
	type innerError struct {
		Code string `json:"code"`
	}
	var body struct {
		Error struct {
			Code       string      `json:"code"`
			Message    string      `json:"message"`
			InnerError *innerError `json:"innererror,omitempty"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Message = code, message
	if inner != "" {
		body.Error.InnerError = &innerError{Code: inner}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
