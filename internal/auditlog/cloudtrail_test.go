package auditlog

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

const (
	usEast1Store = "arn:aws:secretsmanager:us-east-1:111122223333"
	euWest1Store = "arn:aws:secretsmanager:eu-west-1:444455556666"
)

// decodeAll reads every event and malformed record of a stream.
func decodeAll(t *testing.T, r io.Reader) ([]Event, []*RecordError) {
	t.Helper()
	d := NewDecoder(r, "in")
	var events []Event
	var bad []*RecordError
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return events, bad
		}
		var re *RecordError
		if errors.As(err, &re) {
			bad = append(bad, re)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ctSummary is what a test checks of an event.
type ctSummary struct {
	Op, Store, StoreName, Name, URI, Result, Signature string
	Caller                                             Caller
}

func summarise(ev Event) ctSummary {
	return ctSummary{Op: ev.Operation, Store: ev.VaultID, StoreName: ev.VaultName, Name: ev.ObjectName, URI: ev.ObjectURI,
		Result: ev.ResultType, Signature: ev.ResultSignature, Caller: ev.Caller}
}

func TestCloudTrailLogFile(t *testing.T) {
	raw, err := os.ReadFile("testdata/cloudtrail-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	events, bad := decodeAll(t, bytes.NewReader(gzipped(t, raw)))
	if len(bad) != 0 {
		t.Fatalf("malformed: %v", bad)
	}
	role := Caller{ObjectID: "AROAEXAMPLEROLEID1234", UPN: "arn:aws:sts::111122223333:assumed-role/ci-deployer/build-42",
		AppID: "arn:aws:iam::111122223333:role/ci-deployer", TenantID: "111122223333", Name: "ASIAEXAMPLEKEY000001",
		IP: "203.0.113.7", ClientInfo: "aws-sdk-go-v2/1.30.0 os/linux"}
	user := Caller{ObjectID: "AIDAEXAMPLEUSERID5678", UPN: "arn:aws:iam::111122223333:user/jdoe", TenantID: "111122223333",
		Name: "AKIAEXAMPLEKEY000002", IP: "198.51.100.20", ClientInfo: "aws-cli/2.17.0"}
	fullARN := "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/admin-password-AbC123"
	want := []ctSummary{
		{Op: "GetSecretValue", Store: usEast1Store, StoreName: "111122223333/us-east-1", Name: "prod/payments/stripe-api-key", Result: "Success", Caller: role},
		{Op: "BatchGetSecretValue", Store: usEast1Store, StoreName: "111122223333/us-east-1", Name: "prod/payments/stripe-api-key", Result: "Success", Caller: user},
		{Op: "BatchGetSecretValue", Store: usEast1Store, StoreName: "111122223333/us-east-1", Name: "prod/db/admin-password-AbC123", URI: fullARN, Result: "Success", Caller: user},
		{Op: "BatchGetSecretValue", Store: usEast1Store, StoreName: "111122223333/us-east-1", Name: "not-a-decoy", Result: "Success", Caller: user},
		{Op: "GetSecretValue", Store: usEast1Store, StoreName: "111122223333/us-east-1", Result: "Failure", Signature: "AccessDenied", Caller: user},
		{Op: "RotationFailed", Store: usEast1Store, StoreName: "111122223333/us-east-1", Name: "prod/db/admin-password-AbC123", URI: fullARN, Result: "Success"},
		{Op: "ListSecrets", Store: usEast1Store, StoreName: "111122223333/us-east-1", Result: "Success", Caller: user},
		{Op: "GetBucketAcl", Result: "Success", Caller: user},
	}
	if len(events) != len(want) {
		for _, ev := range events {
			t.Logf("%+v", summarise(ev))
		}
		t.Fatalf("got %d events; want %d", len(events), len(want))
	}
	for i, ev := range events {
		if got := summarise(ev); got != want[i] {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got, want[i])
		}
		if ev.Kind != KindAudit || ev.Shape != ShapeCloudTrail {
			t.Errorf("event %d: kind %q shape %q", i, ev.Kind, ev.Shape)
		}
		if (ev.ObjectType == registry.Secret) != (want[i].Name != "") {
			t.Errorf("event %d: object type %q for name %q", i, ev.ObjectType, ev.ObjectName)
		}
	}
	first := events[0]
	if got, want := first.Time, time.Date(2024, 7, 31, 12, 36, 52, 0, time.UTC); !got.Equal(want) {
		t.Errorf("time %v; want %v", got, want)
	}
	if got, want := first.CorrelationID, "6c9b5f2e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"; got != want {
		t.Errorf("correlation id %q; want the requestID %q", got, want)
	}
	if got, want := events[5].CorrelationID, "3c4d5e6f-7081-92a3-b4c5-d6e7f8091a2b"; got != want {
		t.Errorf("service event's correlation id %q; want its eventID %q", got, want)
	}
	if !strings.Contains(events[4].ResultDescription, "is not authorized to perform: secretsmanager:GetSecretValue") {
		t.Errorf("denied event's description %q", events[4].ResultDescription)
	}
	// One record, three secrets: three events that deduplicate apart, and
	// the same record read again deduplicates with them.
	keys := map[string]bool{}
	for _, ev := range events[1:4] {
		keys[ev.DedupKey()] = true
	}
	if len(keys) != 3 {
		t.Errorf("a batch's events share dedup keys: %d distinct of 3", len(keys))
	}
}

// Every record of a log file is the same events whether it comes in the
// file, one a line, or as an EventBridge event's detail.
func TestCloudTrailWrappingsAgree(t *testing.T) {
	raw, err := os.ReadFile("testdata/cloudtrail-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Records []json.RawMessage }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	var lines, bridge bytes.Buffer
	bridge.WriteString("[")
	for i, rec := range file.Records {
		lines.Write(rec)
		lines.WriteString("\n")
		if i > 0 {
			bridge.WriteString(",\n")
		}
		bridge.WriteString(`{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager","account":"111122223333","time":"2024-07-31T12:36:53Z","region":"us-east-1","resources":[],"detail":`)
		bridge.Write(rec)
		bridge.WriteString("}")
	}
	bridge.WriteString("]")
	want, _ := decodeAll(t, bytes.NewReader(raw))
	for name, in := range map[string][]byte{"lines": lines.Bytes(), "eventbridge": bridge.Bytes()} {
		got, bad := decodeAll(t, bytes.NewReader(in))
		if len(bad) != 0 || len(got) != len(want) {
			t.Fatalf("%s: %d events, malformed %v; want %d", name, len(got), bad, len(want))
		}
		for i := range got {
			if g, w := summarise(got[i]), summarise(want[i]); g != w || got[i].DedupKey() != want[i].DedupKey() {
				t.Errorf("%s event %d:\n got %+v\nwant %+v", name, i, g, w)
			}
		}
	}
	// ParseBody, as an HTTP push reads an API destination's body.
	one, err := os.ReadFile("testdata/cloudtrail-eventbridge.json")
	if err != nil {
		t.Fatal(err)
	}
	events, bad, err := ParseBody(one)
	if err != nil || len(bad) != 0 || len(events) != 1 {
		t.Fatalf("ParseBody: %v %v %d events", err, bad, len(events))
	}
	want1 := ctSummary{Op: "DescribeSecret", Store: euWest1Store, StoreName: "444455556666/eu-west-1", Name: "ops/GitHubDeployKey",
		URI: "arn:aws:secretsmanager:eu-west-1:444455556666:secret:ops/GitHubDeployKey", Result: "Success",
		Caller: Caller{ObjectID: "AROAOTHERROLEID99999", UPN: "arn:aws:sts::777788889999:assumed-role/partner-access/attacker",
			AppID: "arn:aws:iam::777788889999:role/partner-access", TenantID: "777788889999", Name: "ASIAOTHERKEY00000003",
			IP: "192.0.2.44", ClientInfo: "Boto3/1.34.0"}}
	if got := summarise(events[0]); got != want1 {
		t.Errorf("EventBridge event:\n got %+v\nwant %+v", got, want1)
	}
}

// ctRecordWith returns a minimal Secrets Manager record with fields set
// or replaced (a nil value deletes the field).
func ctRecordWith(fields map[string]any) []byte {
	rec := map[string]any{
		"eventVersion": "1.09", "eventTime": "2024-07-31T12:36:52Z", "eventSource": SecretsManagerSource,
		"eventName": "GetSecretValue", "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
		"userIdentity":      map[string]any{"type": "IAMUser", "principalId": "AIDAX", "arn": "arn:aws:iam::111122223333:user/x", "accountId": "111122223333"},
		"requestParameters": map[string]any{"secretId": "app/key"}, "requestID": "r-1",
	}
	for k, v := range fields {
		if v == nil {
			delete(rec, k)
		} else {
			rec[k] = v
		}
	}
	b, _ := json.Marshal(rec)
	return b
}

func TestCloudTrailRecordFields(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]any
		want   []ctSummary // Op, Store, Name and URI checked
	}{
		{"minor versions are accepted", map[string]any{"eventVersion": "1.99"},
			[]ctSummary{{Op: "GetSecretValue", Store: usEast1Store, Name: "app/key"}}},
		{"no version is accepted", map[string]any{"eventVersion": nil},
			[]ctSummary{{Op: "GetSecretValue", Store: usEast1Store, Name: "app/key"}}},
		{"account from userIdentity without recipientAccountId", map[string]any{"recipientAccountId": nil},
			[]ctSummary{{Op: "GetSecretValue", Store: usEast1Store, Name: "app/key"}}},
		{"ARN names the store, not awsRegion", map[string]any{"awsRegion": "eu-west-1", "requestParameters": map[string]any{"secretId": "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/key-a1B2c3"}},
			[]ctSummary{{Op: "GetSecretValue", Store: usEast1Store, Name: "app/key-a1B2c3", URI: "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/key-a1B2c3"}}},
		{"China partition", map[string]any{"awsRegion": "cn-north-1"},
			[]ctSummary{{Op: "GetSecretValue", Store: "arn:aws-cn:secretsmanager:cn-north-1:111122223333", Name: "app/key"}}},
		{"resources when requestParameters name nothing", map[string]any{"eventName": "DeleteSecret", "requestParameters": map[string]any{},
			"resources": []any{map[string]any{"ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/key-a1B2c3"}, map[string]any{"ARN": "arn:aws:kms:us-east-1:111122223333:key/k"}}},
			[]ctSummary{{Op: "DeleteSecret", Store: usEast1Store, Name: "app/key-a1B2c3", URI: "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/key-a1B2c3"}}},
		{"CreateSecret names by name", map[string]any{"eventName": "CreateSecret", "requestParameters": map[string]any{"name": "app/new", "clientRequestToken": "t"}},
			[]ctSummary{{Op: "CreateSecret", Store: usEast1Store, Name: "app/new"}}},
		{"a batch by filters names none", map[string]any{"eventName": "BatchGetSecretValue", "requestParameters": map[string]any{"filters": []any{map[string]any{"key": "name", "values": []any{"app"}}}}},
			[]ctSummary{{Op: "BatchGetSecretValue", Store: usEast1Store}}},
		{"a batch names each id once", map[string]any{"eventName": "BatchGetSecretValue", "requestParameters": map[string]any{"secretIdList": []any{"a", "b", "a"}}},
			[]ctSummary{{Op: "BatchGetSecretValue", Store: usEast1Store, Name: "a"}, {Op: "BatchGetSecretValue", Store: usEast1Store, Name: "b"}}},
		{"an id no secret could have names no object", map[string]any{"requestParameters": map[string]any{"secretId": "has space"}},
			[]ctSummary{{Op: "GetSecretValue", Store: usEast1Store}}},
		{"another service's record names no store", map[string]any{"eventSource": "kms.amazonaws.com", "eventName": "Decrypt", "requestParameters": map[string]any{"secretId": "app/key"}},
			[]ctSummary{{Op: "Decrypt"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := AppendEvents(nil, ctRecordWith(tt.fields))
			if err != nil {
				t.Fatal(err)
			}
			var got []ctSummary
			for _, ev := range events {
				got = append(got, ctSummary{Op: ev.Operation, Store: ev.VaultID, Name: ev.ObjectName, URI: ev.ObjectURI})
			}
			if g, w := jsonOf(got), jsonOf(tt.want); g != w {
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestCloudTrailBadRecords(t *testing.T) {
	tests := []struct {
		name    string
		raw     []byte
		wantErr string
	}{
		{"another major version", ctRecordWith(map[string]any{"eventVersion": "2.0"}), `eventVersion "2.0": want 1.x`},
		{"no time", ctRecordWith(map[string]any{"eventTime": nil}), "eventTime: no time"},
		{"bad time", ctRecordWith(map[string]any{"eventTime": "yesterday"}), `eventTime: time "yesterday"`},
		{"no event name", ctRecordWith(map[string]any{"eventName": nil}), "without an eventName"},
		{"no store for a name", ctRecordWith(map[string]any{"awsRegion": nil}), "do not say which store"},
		{"userIdentity not an object", ctRecordWith(map[string]any{"userIdentity": []any{1}}), "userIdentity: an array where an object belongs"},
		{"secretIdList not a list", ctRecordWith(map[string]any{"requestParameters": map[string]any{"secretIdList": "a"}}), "secretIdList: want a list"},
		{"EventBridge without detail", []byte(`{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager"}`), "without a detail object"},
		{"EventBridge detail not CloudTrail", []byte(`{"version":"0","detail-type":"Secret Rotation","detail":{"a":1}}`), "no CloudTrail record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := AppendEvents(nil, tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, %d events; want an error containing %q", err, len(events), tt.wantErr)
			}
			if len(events) != 0 {
				t.Errorf("%d events with the error", len(events))
			}
		})
	}
	// A secret's id never reaches the error: it may be a decoy's name.
	_, err := AppendEvents(nil, ctRecordWith(map[string]any{"awsRegion": nil, "requestParameters": map[string]any{"secretId": "prod/decoy-name"}}))
	if err == nil || strings.Contains(err.Error(), "decoy-name") {
		t.Errorf("error %v names the secret", err)
	}
}

// A Key Vault record holding the word "eventSource" as a value is still a
// Key Vault record.
func TestKeyVaultRecordNamingEventSource(t *testing.T) {
	raw := []byte(`{"time":"2026-11-20T08:00:00Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","operationName":"SecretGet","correlationId":"eventSource","properties":{"requestUri":"https://kv1.vault.azure.net/secrets/db-pass"}}`)
	ev, err := ParseRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Shape != ShapeAuditEvent || ev.ObjectName != "db-pass" || ev.VaultName != "kv1" {
		t.Errorf("got %s %q in %q", ev.Shape, ev.ObjectName, ev.VaultName)
	}
}

// Azure's REST activity events spell eventSource as an object: such a
// record is no CloudTrail record and reads as before.
func TestAzureEventSourceObjectIsNoCloudTrail(t *testing.T) {
	raw := []byte(`{"eventTimestamp":"2026-11-20T08:00:00Z","eventSource":{"value":"Administrative","localizedValue":"Administrative"},` +
		`"operationName":{"value":"Microsoft.Insights/diagnosticSettings/delete"},"status":{"value":"Succeeded"},"caller":"a@contoso.com",` +
		`"resourceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1/providers/microsoft.insights/diagnosticSettings/x"}`)
	ev, err := ParseRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != KindActivity || ev.VaultName != "kv1" {
		t.Errorf("got %s %s %q", ev.Kind, ev.Shape, ev.VaultName)
	}
}
