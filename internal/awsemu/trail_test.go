package awsemu

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// jsonOf re-encodes a decoded value, for comparing record parts exactly.
func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The record of an IAM user's read, field by field.
func TestRecordOfAnIAMUsersRead(t *testing.T) {
	clock := testenv.NewClock(time.Date(2024, 7, 31, 12, 36, 52, 0, time.UTC))
	env := newTestEnv(t, Options{Now: clock.Now, AccountID: "111122223333"})
	c := env.client(t, env.admin, "eu-west-1")
	if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String("hunter2")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("prod/db")})
	if err != nil {
		t.Fatal(err)
	}
	reqID, _ := awsmw.GetRequestIDMetadata(out.ResultMetadata)
	recs := env.records(t)
	if len(recs) != 2 {
		t.Fatalf("%d records; want CreateSecret and GetSecretValue", len(recs))
	}
	r := recs[1]
	want := map[string]string{
		"eventVersion":       `"1.11"`,
		"eventTime":          `"2024-07-31T12:36:52Z"`,
		"eventSource":        `"secretsmanager.amazonaws.com"`,
		"eventName":          `"GetSecretValue"`,
		"awsRegion":          `"eu-west-1"`,
		"sourceIPAddress":    `"127.0.0.1"`,
		"requestParameters":  `{"secretId":"prod/db"}`,
		"responseElements":   `null`,
		"readOnly":           `true`,
		"eventType":          `"AwsApiCall"`,
		"managementEvent":    `true`,
		"recipientAccountId": `"111122223333"`,
		"eventCategory":      `"Management"`,
		"requestID":          `"` + reqID + `"`,
		"userIdentity": jsonOf(map[string]any{"type": "IAMUser", "principalId": env.e.users["admin"].principalID,
			"arn": "arn:aws:iam::111122223333:user/admin", "accountId": "111122223333", "accessKeyId": env.admin.AccessKeyID, "userName": "admin"}),
	}
	for k, w := range want {
		if got := jsonOf(r[k]); got != w {
			t.Errorf("%s = %s; want %s", k, got, w)
		}
	}
	if ua, _ := r["userAgent"].(string); !strings.HasPrefix(ua, "aws-sdk-go-v2/1.48.0 ") {
		t.Errorf("userAgent %q; want the SDK's", ua)
	}
	if id, _ := r["eventID"].(string); !uuidRE.MatchString(id) || reqID == "" {
		t.Errorf("eventID %q, requestID %q", id, reqID)
	}
	if _, ok := r["errorCode"]; ok {
		t.Errorf("a successful call has errorCode %v", r["errorCode"])
	}
	tlsd, _ := r["tlsDetails"].(map[string]any)
	if !strings.HasPrefix(jsonOf(tlsd["tlsVersion"]), `"TLSv1.`) || tlsd["cipherSuite"] == "" || tlsd["clientProvidedHostHeader"] != strings.TrimPrefix(env.e.URL(), "https://") {
		t.Errorf("tlsDetails = %v", tlsd)
	}
	// A write's record names what it made and never the value.
	cr := recs[0]
	if got := jsonOf(cr["requestParameters"]); strings.Contains(got, "hunter2") || !strings.Contains(got, `"name":"prod/db"`) || !strings.Contains(got, `"clientRequestToken"`) {
		t.Errorf("CreateSecret requestParameters = %s", got)
	}
	resp, _ := cr["responseElements"].(map[string]any)
	if arn, _ := resp["arn"].(string); resp["name"] != "prod/db" || !strings.HasPrefix(arn, "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-") || cr["readOnly"] != false {
		t.Errorf("CreateSecret responseElements = %v, readOnly %v", resp, cr["readOnly"])
	}
}

// A role session's refused read: AssumedRole with its session context,
// errorCode AccessDenied, the API's message, the SecretId as sent.
func TestRecordOfADeniedAssumedRoleRead(t *testing.T) {
	env := newTestEnv(t, Options{})
	if err := env.e.PutRole("Reader", Policy{Statements: []Statement{{Effect: Allow, Actions: []string{"secretsmanager:ListSecrets"}, Resources: []string{"*"}}}}); err != nil {
		t.Fatal(err)
	}
	creds, err := env.e.AssumeRole("Reader", "alice")
	if err != nil {
		t.Fatal(err)
	}
	const id = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"
	_, err = env.client(t, creds, "us-east-1").GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String(id)})
	_, msg := apiErr(t, err)
	recs := env.records(t)
	if len(recs) != 1 {
		t.Fatalf("%d records; want 1", len(recs))
	}
	r := recs[0]
	role := env.e.roles["Reader"]
	wantIdentity := jsonOf(map[string]any{
		"type": "AssumedRole", "principalId": role.principalID + ":alice", "arn": "arn:aws:sts::123456789012:assumed-role/Reader/alice",
		"accountId": "123456789012", "accessKeyId": creds.AccessKeyID,
		"sessionContext": map[string]any{
			"sessionIssuer": map[string]any{"type": "Role", "principalId": role.principalID, "arn": "arn:aws:iam::123456789012:role/Reader", "accountId": "123456789012", "userName": "Reader"},
			"attributes":    map[string]any{"creationDate": env.e.keys[creds.AccessKeyID].created.Format(trailTime), "mfaAuthenticated": "false"},
		},
	})
	if got := jsonOf(r["userIdentity"]); got != wantIdentity {
		t.Errorf("userIdentity = %s\nwant %s", got, wantIdentity)
	}
	if r["errorCode"] != "AccessDenied" || r["errorMessage"] != msg || !strings.Contains(msg, "on resource: "+id+" because") {
		t.Errorf("errorCode %v, errorMessage %v; API said %q", r["errorCode"], r["errorMessage"], msg)
	}
	if got := jsonOf(r["requestParameters"]); got != `{"secretId":"`+id+`"}` {
		t.Errorf("requestParameters = %s", got)
	}
}

// BatchGetSecretValue makes its own record and one GetSecretValue record
// per secret, failures included; no record anywhere holds a value.
func TestBatchGetRecordsAndNoValues(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	values := map[string]string{"a": "value-aaa-1", "b": "value-bbb-2"}
	for n, v := range values {
		if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String(v),
			Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("tagvalue")}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutSecretValue(ctxT(t), &sm.PutSecretValueInput{SecretId: aws.String("a"), SecretString: aws.String("value-aaa-3")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSecret(ctxT(t), &sm.UpdateSecretInput{SecretId: aws.String("b"), SecretBinary: []byte("value-bbb-4")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BatchGetSecretValue(ctxT(t), &sm.BatchGetSecretValueInput{SecretIdList: []string{"a", "b", "missing"}}); err != nil {
		t.Fatal(err)
	}
	recs := env.records(t)
	var names []string
	for _, r := range recs {
		names = append(names, r["eventName"].(string))
	}
	tail := names[len(names)-4:]
	if jsonOf(tail) != `["BatchGetSecretValue","GetSecretValue","GetSecretValue","GetSecretValue"]` {
		t.Fatalf("events %v", names)
	}
	batch, per := recs[len(recs)-4], recs[len(recs)-3:]
	if got := jsonOf(batch["requestParameters"]); got != `{"secretIdList":["a","b","missing"]}` {
		t.Errorf("batch requestParameters = %s", got)
	}
	for i, id := range []string{"a", "b", "missing"} {
		r := per[i]
		if jsonOf(r["requestParameters"]) != `{"secretId":"`+id+`"}` || r["requestID"] != batch["requestID"] || r["eventID"] == batch["eventID"] || r["readOnly"] != true {
			t.Errorf("per-secret record %d = %v", i, r)
		}
		if _, failed := r["errorCode"]; failed != (id == "missing") {
			t.Errorf("per-secret record for %s: errorCode %v", id, r["errorCode"])
		}
	}
	for _, r := range env.sink.Records() {
		for _, v := range []string{"value-aaa", "value-bbb", "dmFsdWUtYmJi"} { // "value-bbb" in base64 too
			if strings.Contains(string(r.JSON), v) {
				t.Errorf("record holds a secret value: %s", r.JSON)
			}
		}
	}
}

// A call with an unknown key is recorded too, as Unknown with the key as
// sent; a call scoped to a region not emulated has no trail.
func TestRecordOfAnUnknownKey(t *testing.T) {
	env := newTestEnv(t, Options{})
	bad := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	_, _ = env.client(t, bad, "us-east-1").DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("prod/db")})
	_, _ = env.client(t, env.admin, "ap-south-1").DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("prod/db")})
	recs := env.records(t)
	if len(recs) != 1 {
		t.Fatalf("%d records; want 1", len(recs))
	}
	if got := jsonOf(recs[0]["userIdentity"]); got != `{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","type":"Unknown"}` {
		t.Errorf("userIdentity = %s", got)
	}
	if recs[0]["errorCode"] != "UnrecognizedClientException" || jsonOf(recs[0]["requestParameters"]) != `{"secretId":"prod/db"}` {
		t.Errorf("record = %v", recs[0])
	}
}

// A failed write has no responseElements; with LegacyARNSpelling a
// write's ARN is "aRN", the pre-2024 spelling.
func TestWriteResponseElements(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		env := newTestEnv(t, Options{LegacyARNSpelling: legacy})
		c := env.client(t, env.admin, "us-east-1")
		for range 2 { // the second is refused: the secret exists
			_, _ = c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("w"), SecretString: aws.String("v")})
		}
		_, _ = c.DeleteSecret(ctxT(t), &sm.DeleteSecretInput{SecretId: aws.String("w"), RecoveryWindowInDays: aws.Int64(7)})
		recs := env.records(t)
		if len(recs) != 3 {
			t.Fatalf("%d records", len(recs))
		}
		key, other := "arn", "aRN"
		if legacy {
			key, other = other, key
		}
		for _, i := range []int{0, 2} {
			resp, _ := recs[i]["responseElements"].(map[string]any)
			if arn, _ := resp[key].(string); !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:w-") || resp[other] != nil || resp["name"] != "w" {
				t.Errorf("legacy %v: %s responseElements = %v", legacy, recs[i]["eventName"], resp)
			}
		}
		if recs[1]["errorCode"] != "ResourceExistsException" || recs[1]["responseElements"] != nil {
			t.Errorf("refused CreateSecret: errorCode %v, responseElements %v", recs[1]["errorCode"], recs[1]["responseElements"])
		}
		if _, ok := recs[2]["responseElements"].(map[string]any)["deletionDate"]; !ok {
			t.Errorf("DeleteSecret responseElements lack deletionDate: %v", recs[2]["responseElements"])
		}
	}
}
