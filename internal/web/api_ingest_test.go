package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

func auditRecord(i int) string {
	return fmt.Sprintf(`{"time":"2026-11-20T08:00:01.%07dZ","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY",`+
		`"operationName":"SecretGet","category":"AuditEvent","resultType":"Success","correlationId":"c-%d","callerIpAddress":"203.0.113.7",`+
		`"identity":{"claim":{"oid":"o-1"}},"properties":{"requestUri":"https://kv-pay.vault.azure.net/secrets/x-%d/","httpStatusCode":200}}`, i, i, i)
}

func newIngestServer(t *testing.T) (*httptest.Server, *store.Store) {
	t.Helper()
	st, p, a := ingestStack(t)
	a.AddBootstrap(adminToken, auth.Admin)
	srv := httptest.NewServer(New(Options{Store: st, Auth: a, Ingest: p}))
	t.Cleanup(srv.Close)
	return srv, st
}

func post(t *testing.T, url, token string, body []byte, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%d: body is not JSON: %q", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func TestIngestEveryShape(t *testing.T) {
	srv, st := newIngestServer(t)
	url := srv.URL + "/api/v1/ingest/azure-keyvault"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(auditRecord(5) + "\n" + auditRecord(6) + "\n"))
	zw.Close()
	tests := []struct {
		name string
		body []byte
		want float64
	}{
		{"one raw record", []byte(auditRecord(1)), 1},
		{"records document", []byte(`{"records":[` + auditRecord(2) + `,` + auditRecord(3) + `]}`), 2},
		{"JSON lines", []byte(auditRecord(4) + "\n" + auditRecord(40) + "\n"), 2},
		{"gzip JSON lines", gz.Bytes(), 2},
		{"AZKVAuditLogs array", []byte(`[{"TimeGenerated":"2026-11-20T08:00:09Z","OperationName":"SecretGet","CorrelationId":"c-9","RequestUri":"https://kv-pay.vault.azure.net/secrets/y/","_ResourceId":"/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-pay","Type":"AZKVAuditLogs","Identity":{"claim":{"oid":"o-1"}}}]`), 1},
	}
	total := 0.0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := post(t, url, ingestToken, tt.body, nil)
			if code != http.StatusAccepted || out["accepted"] != tt.want {
				t.Fatalf("got %d %v; want 202 accepted=%v", code, out, tt.want)
			}
			total += tt.want
			// The same body again changes nothing.
			code, out = post(t, url, ingestToken, tt.body, nil)
			if code != http.StatusAccepted || out["accepted"] != 0.0 || out["duplicates"] != tt.want {
				t.Errorf("resend: got %d %v; want 202, 0 accepted, %v duplicates", code, out, tt.want)
			}
		})
	}
	if n, _ := st.CountEvents(context.Background()); float64(n) != total {
		t.Errorf("%d events stored; want %v", n, total)
	}
}

func TestIngestBadInput(t *testing.T) {
	srv, st := newIngestServer(t)
	url := srv.URL + "/api/v1/ingest/azure-keyvault"
	tests := []struct {
		name  string
		token string
		body  []byte
		code  int
		inErr string
	}{
		{"no token", "", []byte(auditRecord(1)), 401, "authentication"},
		{"admin may ingest", adminToken, []byte(auditRecord(77)), 202, ""},
		{"not JSON", ingestToken, []byte("hello world"), 400, "not JSON"},
		{"empty", ingestToken, nil, 400, ""},
		{"only malformed", ingestToken, []byte(`{"hello":"world"}` + "\n" + `{"time":"x","operationName":"SecretGet"}` + "\n"), 400, "no valid record"},
		{"too large", ingestToken, bytes.Repeat([]byte(" "), MaxIngestBody+1), 413, "larger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := post(t, url, tt.token, tt.body, nil)
			if code != tt.code {
				t.Fatalf("got %d %v; want %d", code, out, tt.code)
			}
			if msg, _ := out["error"].(string); tt.inErr != "" && !strings.Contains(msg, tt.inErr) {
				t.Errorf("error %q does not mention %q", msg, tt.inErr)
			}
		})
	}
	if n, _ := st.CountEvents(context.Background()); n != 1 {
		t.Errorf("%d events stored; want only the admin's one", n)
	}
	if dl, _ := st.CountDeadLetters(context.Background()); len(dl) != 0 {
		t.Errorf("a rejected body left dead letters: %v", dl)
	}
}

func TestIngestMixedBodyDeadLettersTheBad(t *testing.T) {
	srv, st := newIngestServer(t)
	body := auditRecord(1) + "\n{broken\n" + auditRecord(2) + "\n"
	code, out := post(t, srv.URL+"/api/v1/ingest/azure-keyvault", ingestToken, []byte(body), nil)
	if code != 202 || out["accepted"] != 2.0 || out["dead_lettered"] != 1.0 {
		t.Fatalf("got %d %v", code, out)
	}
	errs, _ := out["errors"].([]any)
	if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), "line 2") {
		t.Errorf("errors: %v", errs)
	}
	dls, _ := st.ListDeadLetters(context.Background(), 0, 10)
	if len(dls) != 1 || dls[0].Raw != "{broken" || dls[0].Source != "http" {
		t.Errorf("dead letters: %+v", dls)
	}
}

func TestIngestStatusAndDeadLetters(t *testing.T) {
	srv, _ := newIngestServer(t)
	post(t, srv.URL+"/api/v1/ingest/azure-keyvault", ingestToken, []byte(auditRecord(1)+"\n{broken\n"), nil)
	resp, body := get(t, srv.URL+"/api/v1/ingest/status", adminToken)
	if resp.StatusCode != 200 || !strings.Contains(body, `"events":1`) || !strings.Contains(body, `"http":1`) {
		t.Errorf("status: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, srv.URL+"/api/v1/dead-letters", adminToken)
	if resp.StatusCode != 200 || !strings.Contains(body, `"raw":"{broken"`) || !strings.Contains(body, `"position":"line 2"`) {
		t.Errorf("dead letters: %d %s", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/v1/ingest/status", "/api/v1/dead-letters"} {
		if resp, _ := get(t, srv.URL+path, ingestToken); resp.StatusCode != 403 {
			t.Errorf("%s with the ingest token: %d; want 403", path, resp.StatusCode)
		}
	}
	if resp, _ := get(t, srv.URL+"/api/v1/dead-letters?limit=0", adminToken); resp.StatusCode != 400 {
		t.Errorf("bad limit: %d", resp.StatusCode)
	}
}

// TestIngestLogAnalyticsExports posts three accesses as raw records, then
// as the portal's CSV export of AZKVAuditLogs and as the query API's answer
// over AzureDiagnostics: the exports are read into the very same events
// (the same idempotency keys: nothing new is stored).
func TestIngestLogAnalyticsExports(t *testing.T) {
	srv, st := newIngestServer(t)
	url := srv.URL + "/api/v1/ingest/azure-keyvault"
	const rid = "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY"
	uri := func(i int) string {
		return fmt.Sprintf("https://kv-pay.vault.azure.net/secrets/db-%d/?api-version=7.4", i)
	}
	var raw, csvBody, rows strings.Builder
	csvBody.WriteString("\xef\xbb\xbf" + `TenantId,"TimeGenerated [UTC]",OperationName,ResultType,HttpStatusCode,CallerIpAddress,CorrelationId,RequestUri,Identity,_ResourceId,Type` + "\r\n")
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&raw, `{"time":"2026-11-20T08:00:0%d.%d23Z","resourceId":%q,"operationName":"SecretGet","category":"AuditEvent","resultType":"Success",`+
			`"correlationId":"c-%d","callerIpAddress":"203.0.113.7","identity":{"claim":{"oid":"o-%d","upn":"u%d@contoso.com"}},`+
			`"properties":{"requestUri":%q,"httpStatusCode":200}}`+"\n", i, i, rid, i, i, i, uri(i))
		fmt.Fprintf(&csvBody, `t1,"11/20/2026, 8:00:0%d.%d23 AM",SecretGet,Success,200,203.0.113.7,c-%d,%s,"{""claim"":{""oid"":""o-%d"",""upn"":""u%d@contoso.com""}}",%s,AZKVAuditLogs`+"\r\n",
			i, i, i, uri(i), i, i, strings.ToLower(rid))
		if i > 1 {
			rows.WriteString(",")
		}
		fmt.Fprintf(&rows, `["2026-11-20T08:00:0%d.%d23Z",%q,"SecretGet",200,"c-%d",%q,"o-%d",null,"AzureDiagnostics"]`, i, i, rid, i, uri(i), i)
	}
	tables := `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"ResourceId","type":"string"},` +
		`{"name":"OperationName","type":"string"},{"name":"httpStatusCode_d","type":"real"},{"name":"CorrelationId","type":"string"},` +
		`{"name":"requestUri_s","type":"string"},{"name":"identity_claim_oid_g","type":"guid"},{"name":"clientInfo_s","type":"string"},` +
		`{"name":"Type","type":"string"}],"rows":[` + rows.String() + `]}]}`

	if code, out := post(t, url, ingestToken, []byte(raw.String()), nil); code != 202 || out["accepted"] != 3.0 {
		t.Fatalf("raw records: %d %v", code, out)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csvBody.String()))
	zw.Close()
	for name, body := range map[string][]byte{"CSV export": []byte(csvBody.String()), "gzip CSV export": gz.Bytes(), "query API answer": []byte(tables)} {
		code, out := post(t, url, ingestToken, body, nil)
		if code != 202 || out["accepted"] != 0.0 || out["duplicates"] != 3.0 || out["dead_lettered"] != 0.0 {
			t.Errorf("%s: got %d %v; want 202 with the 3 records known already", name, code, out)
		}
	}
	if n, _ := st.CountEvents(context.Background()); n != 3 {
		t.Errorf("%d events stored; want 3", n)
	}
	// A CSV file that is no export is refused, saying what it looks like.
	code, out := post(t, url, ingestToken, []byte("name,value\nx,1\n"), nil)
	if msg, _ := out["error"].(string); code != 400 || !strings.Contains(msg, "lacks the TimeGenerated and OperationName columns") {
		t.Errorf("other CSV: got %d %v", code, out)
	}
}
