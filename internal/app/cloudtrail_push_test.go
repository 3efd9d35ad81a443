package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
)

const cloudTrailIngestToken = "ingest-token-for-cloudtrail-test"

// ebEvent is an EventBridge event as an API destination POSTs it: the
// envelope with a Secrets Manager CloudTrail record as detail.
func ebEvent(requestID, eventName, secretID, errorCode string) string {
	detail := map[string]any{
		"eventVersion": "1.11", "eventTime": "2025-03-02T09:15:06Z", "eventSource": "secretsmanager.amazonaws.com",
		"eventName": eventName, "awsRegion": "eu-west-1", "recipientAccountId": "444455556666", "sourceIPAddress": "192.0.2.44",
		"userAgent": "Boto3/1.34.0", "requestID": requestID, "eventID": "e-" + requestID, "readOnly": true,
		"eventType": "AwsApiCall", "managementEvent": true, "eventCategory": "Management",
		"userIdentity": map[string]any{"type": "AssumedRole", "principalId": "AROAOTHERROLEID99999:attacker",
			"arn": "arn:aws:sts::777788889999:assumed-role/partner-access/attacker", "accountId": "777788889999",
			"accessKeyId": "ASIAOTHERKEY00000003", "sessionContext": map[string]any{"sessionIssuer": map[string]any{
				"type": "Role", "principalId": "AROAOTHERROLEID99999", "arn": "arn:aws:iam::777788889999:role/partner-access"}}},
		"requestParameters": map[string]any{"secretId": secretID},
	}
	if errorCode != "" {
		detail["errorCode"], detail["errorMessage"] = errorCode, "not authorized"
	}
	b, _ := json.Marshal(map[string]any{"version": "0", "id": "id-" + requestID, "detail-type": "AWS API Call via CloudTrail",
		"source": "aws.secretsmanager", "account": "444455556666", "time": "2025-03-02T09:15:07Z", "region": "eu-west-1",
		"resources": []string{}, "detail": detail})
	return string(b)
}

// TestEventBridgeAPIDestinationPush posts EventBridge events as an API
// destination does (one event a request, the API key connection's header
// Authorization: Bearer <ingest token>) to both ingest routes of a real
// server, and finds the incident naming the Secrets Manager decoy.
func TestEventBridgeAPIDestinationPush(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "HoneyTokens.csv")
	os.WriteFile(csv, []byte("ResourceProvider,ResourceId,HoneyToken,Properties\r\n"+
		`AWS.SecretsManager,arn:aws:secretsmanager:eu-west-1:444455556666,ops/GitHubDeployKey,"{""Type"":""secret""}"`+"\r\n"), 0o600)
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	cfg.Watchlist = []string{csv}
	cfg.AdminToken = adminToken
	cfg.IngestToken = cloudTrailIngestToken
	srv := serveInBackground(t, cfg, nil)

	post := func(path, body, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.url(path), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	scenarios := []struct {
		name, path, body, token string
		wantCode                int
	}{
		{"decoy read, the stable route", "/api/v1/ingest/azure-keyvault", ebEvent("r1", "GetSecretValue", "ops/GitHubDeployKey", ""), cloudTrailIngestToken, http.StatusAccepted},
		{"decoy denied, the AWS route", "/api/v1/ingest/aws-cloudtrail", ebEvent("r2", "GetSecretValue", "arn:aws:secretsmanager:eu-west-1:444455556666:secret:ops/GitHubDeployKey-AbC123", "AccessDeniedException"), cloudTrailIngestToken, http.StatusAccepted},
		{"look-alike", "/api/v1/ingest/aws-cloudtrail", ebEvent("r3", "GetSecretValue", "ops/githubdeploykey", ""), cloudTrailIngestToken, http.StatusAccepted},
		{"list", "/api/v1/ingest/aws-cloudtrail", ebEvent("r4", "ListSecrets", "", ""), cloudTrailIngestToken, http.StatusAccepted},
		{"no detail", "/api/v1/ingest/aws-cloudtrail", `{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager"}`, cloudTrailIngestToken, http.StatusBadRequest},
		{"wrong token", "/api/v1/ingest/aws-cloudtrail", ebEvent("r5", "GetSecretValue", "ops/GitHubDeployKey", ""), "nope", http.StatusUnauthorized},
	}
	for _, sc := range scenarios {
		if code, body := post(sc.path, sc.body, sc.token); code != sc.wantCode {
			t.Errorf("%s: %d %s; want %d", sc.name, code, body, sc.wantCode)
		}
	}

	// One incident (one store, one caller) with the two decoy alerts.
	var detail api.IncidentDetail
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list api.IncidentList
		getJSON(t, srv.url("/api/v1/incidents"), &list)
		if len(list.Incidents) > 0 {
			getJSON(t, srv.url(fmt.Sprintf("/api/v1/incidents/%d", list.Incidents[0].ID)), &detail)
			if len(detail.Alerts) >= 2 {
				if len(list.Incidents) != 1 {
					t.Errorf("%d incidents; want 1", len(list.Incidents))
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no incident with two alerts within 30 s: %+v", detail)
		}
		time.Sleep(20 * time.Millisecond)
	}
	inc := detail.Incident
	if inc.VaultID != "arn:aws:secretsmanager:eu-west-1:444455556666" || inc.Caller != "aroaotherroleid99999" {
		t.Errorf("incident %+v", inc)
	}
	got := map[string]bool{}
	for _, a := range detail.Alerts {
		got[a.CorrelationID+" "+a.Token+" "+a.Operation+" "+a.Result] = true
	}
	for _, w := range []string{"r1 ops/GitHubDeployKey GetSecretValue ", "r2 ops/GitHubDeployKey GetSecretValue AccessDeniedException"} {
		if !got[w] {
			t.Errorf("alerts %v lack %q", got, w)
		}
	}
	if len(detail.Alerts) != 2 {
		t.Errorf("%d alerts; want 2: %v", len(detail.Alerts), got)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
