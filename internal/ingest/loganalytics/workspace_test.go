package loganalytics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/config"
)

// workspace is a Log Analytics query endpoint over TLS that speaks the
// query API's JSON and evaluates the parts of KQL this source sends: the
// table, the TimeGenerated and ingestion_time() bounds, the extended
// ingestion-time column, the order and the take; the request's timespan
// bounds TimeGenerated as the real service does.
type workspace struct {
	t       *testing.T
	srv     *httptest.Server
	id      string
	token   string
	columns []column // the table's schema

	mu       sync.Mutex
	table    string
	rows     []wsRow
	failNext int      // answer this many queries with 503
	partial  bool     // answer with a partial-result error
	queries  []string // every query received
}

type column struct{ name, typ string }

type wsRow struct {
	ingested time.Time
	values   map[string]any
}

// azkvColumns is the AZKVAuditLogs schema (the columns this test fills).
var azkvColumns = []column{
	{"TenantId", "string"}, {"TimeGenerated", "datetime"}, {"OperationName", "string"}, {"OperationVersion", "string"},
	{"ResultType", "string"}, {"ResultSignature", "string"}, {"HttpStatusCode", "int"}, {"DurationMs", "long"},
	{"CallerIpAddress", "string"}, {"ClientInfo", "string"}, {"CorrelationId", "string"}, {"Id", "string"},
	{"RequestUri", "string"}, {"Identity", "dynamic"}, {"IsAccessPolicyMatch", "bool"}, {"IsRbacAuthorized", "bool"},
	{"_ResourceId", "string"}, {"_SubscriptionId", "string"}, {"Type", "string"},
}

// diagColumns is part of the AzureDiagnostics schema.
var diagColumns = []column{
	{"TimeGenerated", "datetime"}, {"ResourceId", "string"}, {"Category", "string"}, {"ResourceProvider", "string"},
	{"Resource", "string"}, {"ResourceType", "string"}, {"OperationName", "string"}, {"ResultType", "string"},
	{"CorrelationId", "string"}, {"ResultSignature", "string"}, {"CallerIPAddress", "string"}, {"DurationMs", "long"},
	{"requestUri_s", "string"}, {"id_s", "string"}, {"httpStatusCode_d", "real"},
	{"identity_claim_oid_g", "string"}, {"identity_claim_upn_s", "string"}, {"Type", "string"},
}

func newWorkspace(t *testing.T, table string) *workspace {
	w := &workspace{t: t, id: "00000000-0000-0000-0000-0000000000aa", token: "test-token", table: table, columns: azkvColumns}
	if table == TableAzureDiagnostics {
		w.columns = diagColumns
	}
	w.srv = httptest.NewTLSServer(http.HandlerFunc(w.serve))
	t.Cleanup(w.srv.Close)
	return w
}

// add stores a row ingested at ingested.
func (w *workspace) add(ingested time.Time, values map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rows = append(w.rows, wsRow{ingested: ingested.UTC(), values: values})
}

// azkvRow is an AZKVAuditLogs row for record i, generated at tg.
func azkvRow(i int, tg time.Time) map[string]any {
	return map[string]any{
		"TenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "TimeGenerated": tg.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"OperationName": "SecretGet", "OperationVersion": "7.4", "ResultType": "Success", "ResultSignature": "OK",
		"HttpStatusCode": 200, "DurationMs": 9, "CallerIpAddress": "198.51.100.77", "ClientInfo": "azsdk-go",
		"CorrelationId": fmt.Sprintf("corr-%d", i),
		"Id":            fmt.Sprintf("https://kv-web.vault.azure.net/secrets/s-%d/aabbccddeeff00112233445566778899", i),
		"RequestUri":    fmt.Sprintf("https://kv-web.vault.azure.net/secrets/s-%d/?api-version=7.4", i),
		// Dynamic columns come back from the query API as JSON text.
		"Identity":            `{"claim":{"oid":"99999999-8888-7777-6666-555555555555","upn":"trent@contoso.com"}}`,
		"IsAccessPolicyMatch": false, "IsRbacAuthorized": true,
		"_ResourceId":     "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/rg-web/providers/microsoft.keyvault/vaults/kv-web",
		"_SubscriptionId": "0b1f6471-1bf0-4dda-aec3-cb9272f09590", "Type": "AZKVAuditLogs",
	}
}

var (
	reFrom      = regexp.MustCompile(`ingestion_time\(\) >= datetime\(([^)]+)\)`)
	reNotBefore = regexp.MustCompile(`TimeGenerated >= datetime\(([^)]+)\)`)
	reExtend    = regexp.MustCompile(`extend (\w+) = ingestion_time\(\)`)
	reOrder     = regexp.MustCompile(`order by (\w+) asc`)
	reTake      = regexp.MustCompile(`take (\d+)`)
)

func (w *workspace) serve(rw http.ResponseWriter, r *http.Request) {
	fail := func(code int, errCode, msg string) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(code)
		json.NewEncoder(rw).Encode(map[string]any{"error": map[string]any{"code": errCode, "message": msg}})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/workspaces/"+w.id+"/query" {
		fail(http.StatusNotFound, "PathNotFoundError", "no such path "+r.URL.Path)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+w.token {
		fail(http.StatusUnauthorized, "InvalidTokenError", "The provided authentication is not valid for this resource")
		return
	}
	var body struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fail(http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queries = append(w.queries, body.Query)
	if w.failNext > 0 {
		w.failNext--
		fail(http.StatusServiceUnavailable, "ServiceUnavailableError", "try again later")
		return
	}
	table := strings.TrimSpace(strings.SplitN(body.Query, "\n", 2)[0])
	if table != w.table {
		fail(http.StatusBadRequest, "BadArgumentError", fmt.Sprintf("'%s' could not be resolved to a table", table))
		return
	}
	parseDT := func(re *regexp.Regexp) (time.Time, bool) {
		m := re.FindStringSubmatch(body.Query)
		if m == nil {
			return time.Time{}, false
		}
		t, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			w.t.Errorf("workspace: bad datetime literal %q", m[1])
		}
		return t, err == nil
	}
	from, okFrom := parseDT(reFrom)
	notBefore, okNB := parseDT(reNotBefore)
	ext := reExtend.FindStringSubmatch(body.Query)
	order := reOrder.FindStringSubmatch(body.Query)
	take := reTake.FindStringSubmatch(body.Query)
	if !okFrom || !okNB || ext == nil || order == nil || order[1] != ext[1] || take == nil {
		fail(http.StatusBadRequest, "BadArgumentError", "query not understood by the test workspace:\n"+body.Query)
		return
	}
	limit, _ := strconv.Atoi(take[1])
	spanFrom, spanTo, err := azlogs.TimeInterval(body.Timespan).Values()
	if err != nil {
		fail(http.StatusBadRequest, "BadArgumentError", "timespan: "+err.Error())
		return
	}
	var out []wsRow
	for _, row := range w.rows {
		tg, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(row.values["TimeGenerated"]))
		inSpan := tg.IsZero() || (!tg.Before(spanFrom) && tg.Before(spanTo) && !tg.Before(notBefore))
		if inSpan && !row.ingested.Before(from) {
			out = append(out, row)
		}
	}
	slices.SortStableFunc(out, func(a, b wsRow) int { return a.ingested.Compare(b.ingested) })
	if len(out) > limit {
		out = out[:limit]
	}
	cols := []map[string]string{}
	for _, c := range w.columns {
		cols = append(cols, map[string]string{"name": c.name, "type": c.typ})
	}
	cols = append(cols, map[string]string{"name": ext[1], "type": "datetime"})
	rows := [][]any{}
	for _, row := range out {
		vals := make([]any, 0, len(w.columns)+1)
		for _, c := range w.columns {
			vals = append(vals, row.values[c.name])
		}
		rows = append(rows, append(vals, row.ingested.Format("2006-01-02T15:04:05.0000000Z")))
	}
	resp := map[string]any{"tables": []any{map[string]any{"name": "PrimaryResult", "columns": cols, "rows": rows}}}
	if w.partial {
		resp["error"] = map[string]any{"code": "PartialError", "message": "There were some errors when processing your query."}
	}
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(resp)
}

// staticToken is a credential that always has the workspace's token.
type staticToken struct{ token string }

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: s.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// client returns an azlogs client aimed at the workspace through the cloud
// configuration, as a sovereign cloud would be, with no SDK retries so that
// the source's own backoff is what is tested.
func (w *workspace) client(t *testing.T, token string) *azlogs.Client {
	t.Helper()
	c, err := NewClient(config.LogAnalyticsSource{}, staticToken{token}, &azlogs.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azlogs.ServiceName: {Audience: "https://api.loganalytics.io", Endpoint: w.srv.URL + "/v1"},
		}},
		Transport: w.srv.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
