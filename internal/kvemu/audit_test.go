package kvemu

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

var timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)

// TestAuditRecordShape compares the record of one SDK call field by field
// with the documented AuditEvent shape (reference §5).
func TestAuditRecordShape(t *testing.T) {
	env := newTestEnv(t, Options{})
	id, err := env.e.SeedSecret(apVault, SecretSeed{Name: "db-password", Value: "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	const correl = "5f2b6a8e-1d3c-4b7a-9e0f-123456789abc"
	ctx := policy.WithHTTPHeader(ctxT(t), http.Header{"x-ms-client-request-id": {correl}})
	if _, err := env.secrets(t, apVault, admin).GetSecret(ctx, "db-password", "", nil); err != nil {
		t.Fatal(err)
	}
	recs := env.auditRecords(t)
	if got, want := len(recs), 2; got != want {
		t.Fatalf("records: got %d; want %d (challenge + get)", got, want)
	}
	// The SDK's first request elicits the challenge, which Azure logs.
	ch := recs[0]
	if ch.OperationName != "Authentication" || ch.Properties.HTTPStatusCode != 401 || ch.ResultSignature != "Unauthorized" || ch.Identity != nil || ch.Properties.ID != "" {
		t.Errorf("challenge record: %+v", ch)
	}
	r := recs[1]
	tests := []struct{ field, got, want string }{
		{"time", r.Time, "2026-11-20T08:00:01.1234567Z"},
		{"resourceId", r.ResourceID, "/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-APP-PROD"},
		{"operationName", r.OperationName, "SecretGet"},
		{"operationVersion", r.OperationVersion, "2026-04-01"},
		{"category", r.Category, "AuditEvent"},
		{"resultType", r.ResultType, "Success"},
		{"resultSignature", r.ResultSignature, "OK"},
		{"resultDescription", r.ResultDescription, ""},
		{"callerIpAddress", r.CallerIPAddress, "127.0.0.1"},
		{"correlationId", r.CorrelationID, correl},
		{"identity.claim.oid", r.Identity.Claim["oid"], admin.ObjectID},
		{"identity.claim.upn", r.Identity.Claim["upn"], admin.UPN},
		{"identity.claim.appid", r.Identity.Claim["appid"], admin.AppID},
		{"properties.id", r.Properties.ID, id},
		{"properties.requestUri", r.Properties.RequestURI, "https://kv-app-prod.vault.azure.net/secrets/db-password/?api-version=2026-04-01"},
		{"properties.tlsVersion", r.Properties.TLSVersion, "TLS1_3"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.field, tt.got, tt.want)
		}
	}
	if !regexp.MustCompile(`^\d+$`).MatchString(r.DurationMs) {
		t.Errorf("durationMs %q is not a number string", r.DurationMs)
	}
	if got, want := r.Properties.HTTPStatusCode, 200; got != want {
		t.Errorf("httpStatusCode: got %d; want %d", got, want)
	}
	if r.Properties.IsAccessPolicyMatch == nil || !*r.Properties.IsAccessPolicyMatch || r.Properties.IsRbacAuthorized != nil {
		t.Errorf("access check fields: %+v", r.Properties)
	}
	if !strings.Contains(r.Properties.ClientInfo, "azsdk-go-azsecrets") {
		t.Errorf("clientInfo %q is not the SDK's user agent", r.Properties.ClientInfo)
	}

	// The raw JSON: exact key set, 7-digit time.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(env.audit.Records()[1].JSON, &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	want := "callerIpAddress,category,correlationId,durationMs,identity,operationName,operationVersion,properties,resourceId,resultDescription,resultSignature,resultType,time"
	slices.Sort(keys)
	if got := strings.Join(keys, ","); got != want {
		t.Errorf("keys: got %s; want %s", got, want)
	}
	if !timeRE.MatchString(r.Time) {
		t.Errorf("time %q lacks 7 fractional digits", r.Time)
	}
}

// TestChallenge checks the body-less first request gets Key Vault's exact
// challenge, and that bad tokens are rejected and logged.
func TestChallenge(t *testing.T) {
	env := newTestEnv(t, Options{})
	hc := env.e.HTTPClient()
	do := func(auth, uri string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, uri, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := do("", "https://kv-app-prod.vault.azure.net/secrets/Decoy%2Dname/?api-version=7.4")
	if got, want := resp.StatusCode, 401; got != want {
		t.Fatalf("status: got %d; want %d", got, want)
	}
	if got, want := resp.Header.Get("WWW-Authenticate"), `Bearer authorization="https://login.microsoftonline.com/`+DefaultTenantID+`", resource="https://vault.azure.net"`; got != want {
		t.Errorf("WWW-Authenticate: got %s; want %s", got, want)
	}
	forged := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJvaWQiOiJ4In0.AAAA"
	if got := do("Bearer "+forged, "https://kv-app-prod.vault.azure.net/secrets?api-version=7.4").StatusCode; got != 401 {
		t.Errorf("forged token: got %d; want 401", got)
	}
	armTok, err := env.e.Token(admin, "https://management.azure.com/")
	if err != nil {
		t.Fatal(err)
	}
	if got := do("Bearer "+armTok, "https://kv-app-prod.vault.azure.net/secrets?api-version=7.4").StatusCode; got != 401 {
		t.Errorf("token for the wrong audience: got %d; want 401", got)
	}
	other := admin
	other.TenantID = "99999999-9999-9999-9999-999999999999"
	otherTok, _ := env.e.Token(other, "https://vault.azure.net")
	if got := do("Bearer "+otherTok, "https://kv-app-prod.vault.azure.net/secrets?api-version=7.4").StatusCode; got != 401 {
		t.Errorf("token of another tenant: got %d; want 401", got)
	}
	recs := env.auditRecords(t)
	if got, want := len(recs), 4; got != want {
		t.Fatalf("records: got %d; want %d", got, want)
	}
	for _, r := range recs {
		if r.OperationName != "Authentication" || r.Properties.HTTPStatusCode != 401 || r.Identity != nil || r.ResultDescription == "" {
			t.Errorf("record: %+v", r)
		}
	}
	if got, want := recs[0].Properties.RequestURI, "https://kv-app-prod.vault.azure.net/secrets/Decoy%2Dname/?api-version=7.4"; got != want {
		t.Errorf("requestUri not as sent: got %s; want %s", got, want)
	}
	// An unknown vault does not resolve.
	if _, err := hc.Get("https://no-such-vault.vault.azure.net/secrets?api-version=7.4"); err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Errorf("unknown vault: %v", err)
	}
}

func TestAuditOnlyWhenDiagnosticsEnabled(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	if ok, err := env.e.deleteDiagnosticSetting(apVault, diagSettingN); !ok || err != nil {
		t.Fatalf("delete setting: %v %v", ok, err)
	}
	c := env.secrets(t, apVault, admin)
	if _, err := c.SetSecret(ctx, "quiet", azsecrets.SetSecretParameters{Value: ptr("x")}, nil); err != nil {
		t.Fatal(err)
	}
	if got := len(env.auditRecords(t)); got != 0 {
		t.Errorf("records without a diagnostic setting: %d", got)
	}
	// A setting with only metrics, or with the category disabled, sends nothing either.
	if err := env.e.SetDiagnosticSetting(apVault, DiagnosticSetting{Name: "metrics", StorageAccountID: logsStorage,
		Logs: []LogSettings{{Category: "AuditEvent", Enabled: false}}, Metrics: []MetricSettings{{Category: "AllMetrics", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret(ctx, "quiet", "", nil); err != nil {
		t.Fatal(err)
	}
	if got := len(env.auditRecords(t)); got != 0 {
		t.Errorf("records with AuditEvent disabled: %d", got)
	}
	if err := env.e.SetDiagnosticSetting(apVault, DiagnosticSetting{Name: "all", StorageAccountID: logsStorage, Logs: []LogSettings{{CategoryGroup: "allLogs", Enabled: true}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret(ctx, "quiet", "", nil); err != nil {
		t.Fatal(err)
	}
	if got := len(env.auditRecords(t)); got != 1 {
		t.Errorf("records with allLogs: got %d; want 1", got)
	}
}

func TestURIClaimSpelling(t *testing.T) {
	env := newTestEnv(t, Options{URIClaims: true})
	if _, err := env.e.SeedSecret(apVault, SecretSeed{Name: "s", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.secrets(t, apVault, app).GetSecret(ctxT(t), "s", "", nil); err != nil {
		t.Fatal(err)
	}
	r := env.lastAudit(t, "SecretGet")
	if got, want := r.Identity.Claim[ClaimOIDURI], app.ObjectID; got != want {
		t.Errorf("objectidentifier claim: got %q; want %q", got, want)
	}
	if _, ok := r.Identity.Claim["oid"]; ok {
		t.Error("short oid claim present with URIClaims")
	}
	if got, want := r.CallerIPAddress, app.IPAddress; got != want {
		t.Errorf("callerIpAddress: got %q; want %q", got, want)
	}
}

// TestRequestURIAsSent sends URIs in the odd forms detection must handle
// and checks each is logged exactly as sent.
func TestRequestURIAsSent(t *testing.T) {
	env := newTestEnv(t, Options{})
	if _, err := env.e.SeedSecret(apVault, SecretSeed{Name: "Decoy-Name", Value: "x"}); err != nil {
		t.Fatal(err)
	}
	uris := []string{
		"https://KV-APP-PROD.vault.azure.net:443/secrets/decoy-name?api-version=7.4",
		"https://kv-app-prod.vault.azure.net/secrets/Decoy%2Dname/?api-version=7.4",
		"https://kv-app-prod.vault.azure.net//secrets/DECOY-NAME?api-version=7.4&x=1",
	}
	for _, u := range uris {
		resp, err := env.e.Request(ctxT(t), admin, http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
	}
	var got []string
	for _, r := range env.auditRecords(t) {
		if r.OperationName == "SecretGet" {
			got = append(got, r.Properties.RequestURI)
			if !strings.HasSuffix(r.Properties.ID, "/secrets/Decoy-Name/"+r.Properties.ID[len(r.Properties.ID)-32:]) {
				t.Errorf("id %s", r.Properties.ID)
			}
		}
	}
	if !slices.Equal(got, uris) {
		t.Errorf("request URIs:\n got %q\nwant %q", got, uris)
	}
}
