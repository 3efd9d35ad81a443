package loganalytics

import (
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	ingestion "github.com/Azure/azure-sdk-for-go/sdk/monitor/ingestion/azlogs"
	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// IngestionHost is the host of the emulator's data collection endpoint
// (DCE) for the Logs Ingestion API, shaped like Azure's
// {name}.{region}-1.ingest.monitor.azure.com.
const IngestionHost = "dce-honeyvault-lab.westeurope-1.ingest.monitor.azure.com"

// MaxUploadBytes is the Logs Ingestion API's limit on one call, compressed
// or not: 1 MB.
const MaxUploadBytes = 1 << 20

// ingestionAudiences are the token audiences the Logs Ingestion API takes,
// one per cloud.
var ingestionAudiences = []string{"monitor.azure.com", "monitor.azure.cn", "monitor.azure.us"}

// Stream is a stream a data collection rule declares: the columns its rows
// carry and the custom table of the workspace they land in.
type Stream struct {
	Name    string   // Custom-{name}, as the upload names it
	Table   string   // a custom table, {name}_CL
	Columns []Column // the stream declaration; the table adds TimeGenerated and Type
}

// DataCollectionRule is a DCR whose destination is one workspace: uploads
// name it by its immutable id.
type DataCollectionRule struct {
	ImmutableID string // dcr- and 32 hex digits
	Workspace   *Workspace
	Streams     []Stream
	// Publishers are the object ids holding Monitoring Metrics Publisher
	// on the rule; empty lets every identity of the tenant upload.
	Publishers []string
}

var (
	dcrIDRE       = regexp.MustCompile(`^dcr-[0-9a-f]{32}$`)
	customTableRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,40}_CL$`)
)

// declarableTypes are the column types a stream declaration may use, with
// the type Log Analytics answers queries with.
var declarableTypes = map[string]string{
	"string": "string", "int": "int", "long": "long", "real": "real", "boolean": "bool", "bool": "bool",
	"datetime": "datetime", "dynamic": "dynamic", "guid": "guid",
}

// IngestionEndpoint is the data collection endpoint's URL, what the
// ingestion SDK's NewClient takes.
func (s *Service) IngestionEndpoint() string { return "https://" + IngestionHost }

// IngestionClientOptions returns options for the ingestion SDK's
// NewClient (with IngestionEndpoint) that reach the emulated endpoint: the
// emulator's transport and short retry delays, and a cloud whose Logs
// Ingestion audience is Azure's own.
func (s *Service) IngestionClientOptions() *ingestion.ClientOptions {
	co := s.e.ClientOptions()
	co.Cloud = s.e.Cloud()
	co.Cloud.Services[ingestion.ServiceNameIngestion] = cloud.ServiceConfiguration{Audience: "https://" + ingestionAudiences[0]}
	return &ingestion.ClientOptions{ClientOptions: co}
}

// CreateDataCollectionRule registers r: its streams' tables are created in
// its workspace (queryable at once, empty) and uploads to
//
//	POST {IngestionEndpoint}/dataCollectionRules/{ImmutableID}/streams/{stream}
//
// land there.
func (s *Service) CreateDataCollectionRule(r DataCollectionRule) error {
	if !dcrIDRE.MatchString(r.ImmutableID) {
		return fmt.Errorf("loganalytics: rule id %q: want dcr- and 32 lower-case hex digits", r.ImmutableID)
	}
	if r.Workspace == nil || len(r.Streams) == 0 {
		return errors.New("loganalytics: a data collection rule needs a workspace and a stream")
	}
	tables := map[string][]Column{}
	for _, st := range r.Streams {
		if !strings.HasPrefix(st.Name, "Custom-") || !customTableRE.MatchString(st.Table) {
			return fmt.Errorf("loganalytics: stream %q to table %q: want Custom-NAME to NAME_CL", st.Name, st.Table)
		}
		cols := []Column{{Name: "TimeGenerated", Type: "datetime"}}
		for _, c := range st.Columns {
			typ, ok := declarableTypes[c.Type]
			if !ok {
				return fmt.Errorf("loganalytics: stream %s: column %s has unknown type %q", st.Name, c.Name, c.Type)
			}
			if c.Name != "TimeGenerated" && c.Name != "Type" {
				cols = append(cols, Column{Name: c.Name, Type: typ})
			}
		}
		tables[st.Table] = append(cols, Column{Name: "Type", Type: "string"})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rules[r.ImmutableID] != nil {
		return fmt.Errorf("loganalytics: rule %s exists already", r.ImmutableID)
	}
	for table, cols := range tables {
		if err := r.Workspace.createTable(table, cols); err != nil {
			return err
		}
	}
	s.rules[r.ImmutableID] = &r
	return nil
}

// serveIngestion serves the Logs Ingestion API: 204 when every row landed,
// the service's JSON error otherwise; a failed call stores nothing.
func (s *Service) serveIngestion(w http.ResponseWriter, r *http.Request) {
	caller, err := s.e.AuthenticateCaller(r)
	switch {
	case errors.Is(err, kvemu.ErrNoBearerToken):
		fail(w, http.StatusUnauthorized, "InvalidToken", "", "An authentication token was not provided")
		return
	case err != nil || !ingestionAudience(caller.Audience):
		fail(w, http.StatusUnauthorized, "InvalidToken", "", "The authentication token provided is not valid for this endpoint")
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) != 4 || segs[0] != "dataCollectionRules" || segs[2] != "streams" || r.Method != http.MethodPost {
		fail(w, http.StatusNotFound, "NotFound", "", "The requested path does not exist")
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		fail(w, http.StatusBadRequest, "MissingApiVersionParameter", "", "The api-version query parameter is required")
		return
	}
	ruleID, _ := url.PathUnescape(segs[1])
	streamName, _ := url.PathUnescape(segs[3])
	s.mu.RLock()
	rule := s.rules[ruleID]
	s.mu.RUnlock()
	if rule == nil {
		fail(w, http.StatusNotFound, "NotFound", "", fmt.Sprintf("Data collection rule with immutable Id '%s' not found", ruleID))
		return
	}
	if len(rule.Publishers) > 0 && !slices.Contains(rule.Publishers, caller.ObjectID) {
		fail(w, http.StatusForbidden, "OperationFailed", "", fmt.Sprintf("The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '%s'", ruleID))
		return
	}
	i := slices.IndexFunc(rule.Streams, func(st Stream) bool { return st.Name == streamName })
	if i < 0 {
		fail(w, http.StatusNotFound, "NotFound", "", fmt.Sprintf("Stream '%s' is not declared by data collection rule '%s'", streamName, ruleID))
		return
	}
	body, status, msg := readUpload(r)
	if status != 0 {
		code := map[int]string{http.StatusRequestEntityTooLarge: "ContentLengthLimitExceeded"}[status]
		fail(w, status, cmp.Or(code, "InvalidRequest"), "", msg)
		return
	}
	var rows []map[string]any
	if err := json.Unmarshal(body, &rows); err != nil || rows == nil || slices.ContainsFunc(rows, func(m map[string]any) bool { return m == nil }) {
		fail(w, http.StatusBadRequest, "InvalidRequest", "", "The request body must be a JSON array of objects")
		return
	}
	rule.Workspace.ingest(rule.Streams[i], rows)
	w.WriteHeader(http.StatusNoContent)
}

// readUpload reads a request body, gunzipping it as Content-Encoding says,
// within MaxUploadBytes either way. A non-zero status says why it could not.
func readUpload(r *http.Request) (body []byte, status int, msg string) {
	tooLarge := fmt.Sprintf("The maximum allowed size of a request is %d bytes", MaxUploadBytes)
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadBytes+1))
	switch {
	case err != nil:
		return nil, http.StatusBadRequest, "The request body could not be read"
	case len(raw) > MaxUploadBytes:
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	switch strings.ToLower(r.Header.Get("Content-Encoding")) {
	case "":
		return raw, 0, ""
	case "gzip":
	default:
		return nil, http.StatusBadRequest, "Content-Encoding must be gzip or absent"
	}
	zr, err := gzip.NewReader(strings.NewReader(string(raw)))
	if err != nil {
		return nil, http.StatusBadRequest, "The request body is not valid gzip"
	}
	plain, err := io.ReadAll(io.LimitReader(zr, MaxUploadBytes+1))
	switch {
	case err != nil:
		return nil, http.StatusBadRequest, "The request body is not valid gzip"
	case len(plain) > MaxUploadBytes:
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	return plain, 0, ""
}

func ingestionAudience(audience string) bool {
	u, err := url.Parse(audience)
	return err == nil && slices.ContainsFunc(ingestionAudiences, func(h string) bool { return strings.EqualFold(u.Hostname(), h) })
}
