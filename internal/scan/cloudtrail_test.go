package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
)

const awsStore = "arn:aws:secretsmanager:us-east-1:111122223333"

var awsDecoys = []registry.Decoy{
	{ID: 11, VaultID: awsStore, Name: "prod/payments/stripe-api-key", Type: registry.Secret},
	{ID: 12, VaultID: awsStore, Name: "AppKey", Type: registry.Secret},
	{ID: 13, VaultID: "arn:aws:secretsmanager:eu-west-1:444455556666", Name: "ops/GitHubDeployKey", Type: registry.Secret},
}

// trail generates n CloudTrail records of several services, with the
// secretIds accesses of decoys use among ordinary ones and look-alikes;
// want lists the request ids (with the decoy) that must alert.
func trail(seed uint64, n int) (records []json.RawMessage, want []string) {
	rng := rand.New(rand.NewPCG(seed, seed))
	arn := func(region, account, name string) string {
		return "arn:aws:secretsmanager:" + region + ":" + account + ":secret:" + name
	}
	type access struct {
		id, region, account string
		decoy               int64 // 0: none
	}
	accesses := []access{
		{"prod/payments/stripe-api-key", "us-east-1", "111122223333", 11},
		{arn("us-east-1", "111122223333", "prod/payments/stripe-api-key-Xy12Ab"), "us-east-1", "111122223333", 11},
		{arn("us-east-1", "111122223333", "AppKey"), "us-west-2", "111122223333", 12},
		{"ops/GitHubDeployKey", "eu-west-1", "444455556666", 13},
		{"prod/payments/stripe-api-key", "us-east-1", "999988887777", 0},
		{"Prod/Payments/Stripe-Api-Key", "us-east-1", "111122223333", 0},
		{"appkey", "us-east-1", "111122223333", 0},
		{"AppKey2", "us-east-1", "111122223333", 0},
		{"ops/GitHubDeployKey", "eu-west-2", "444455556666", 0},
	}
	for i := range n {
		rec := map[string]any{
			"eventVersion": "1.09", "eventTime": fmt.Sprintf("2024-07-31T12:%02d:%02dZ", i/60%60, i%60),
			"eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue", "awsRegion": "us-east-1",
			"recipientAccountId": "111122223333", "requestID": fmt.Sprintf("req-%d", i), "eventID": fmt.Sprintf("ev-%d", i),
			"sourceIPAddress": "198.51.100.20", "userAgent": "aws-cli/2.17.0", "readOnly": true, "eventType": "AwsApiCall",
			"managementEvent": true, "eventCategory": "Management",
			"userIdentity": map[string]any{"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/u",
				"accountId": "111122223333", "accessKeyId": "AKIAEXAMPLE"},
		}
		switch r := rng.IntN(100); {
		case r < 40:
			rec["eventSource"], rec["eventName"] = "s3.amazonaws.com", "GetObject"
			rec["requestParameters"] = map[string]any{"bucketName": "prod-data", "key": "prod/payments/stripe-api-key"}
		case r < 60:
			rec["requestParameters"] = map[string]any{"secretId": fmt.Sprintf("svc-%d/db-password", rng.IntN(500))}
		case r < 70:
			rec["eventName"] = "ListSecrets"
			rec["requestParameters"] = map[string]any{"maxResults": 100}
		case r < 95:
			a := accesses[rng.IntN(len(accesses))]
			rec["awsRegion"], rec["recipientAccountId"] = a.region, a.account
			rec["requestParameters"] = map[string]any{"secretId": a.id}
			if a.decoy != 0 {
				want = append(want, fmt.Sprintf("req-%d #%d", i, a.decoy))
			}
		default:
			rec["eventName"] = "BatchGetSecretValue"
			rec["requestParameters"] = map[string]any{"secretIdList": []string{"AppKey", "svc-1/db-password", arn("us-east-1", "111122223333", "prod/payments/stripe-api-key-Xy12Ab")}}
			want = append(want, fmt.Sprintf("req-%d #%d", i, 11), fmt.Sprintf("req-%d #%d", i, 12))
		}
		b, _ := json.Marshal(rec)
		records = append(records, b)
	}
	return records, want
}

// TestScanCloudTrail scans a trail as S3 writes it (one-line
// {"Records":[...]} documents, gzip), as JSON lines and as an array of
// EventBridge events, with and without the prefilter, and finds exactly
// the decoy accesses.
func TestScanCloudTrail(t *testing.T) {
	records, want := trail(7, 3000)
	slices.Sort(want)
	if len(want) < 100 {
		t.Fatalf("corpus has %d decoy accesses", len(want))
	}
	var s3, lines, bridge bytes.Buffer
	for i := 0; i < len(records); i += 500 { // a log file a line, 500 records each
		s3.WriteString(`{"Records":[`)
		for j, r := range records[i:min(i+500, len(records))] {
			if j > 0 {
				s3.WriteByte(',')
			}
			s3.Write(r)
		}
		s3.WriteString("]}\n")
	}
	bridge.WriteString("[\n")
	for i, r := range records {
		lines.Write(r)
		lines.WriteByte('\n')
		if i > 0 {
			bridge.WriteString(",\n")
		}
		fmt.Fprintf(&bridge, `  {"version":"0","id":"%d","detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager","account":"111122223333","time":"2024-07-31T12:00:00Z","region":"us-east-1","resources":[],"detail":%s}`, i, r)
	}
	bridge.WriteString("\n]\n")
	ix, err := detect.NewIndex(append(slices.Clone(decoys), awsDecoys...))
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"s3 log files": gz(t, s3.Bytes()), "json lines": lines.Bytes(), "eventbridge array": bridge.Bytes()} {
		for _, prefilter := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s prefilter=%v", name, prefilter), func(t *testing.T) {
				var got []string
				s := &Scanner{Matcher: detect.NewMatcher(ix, nil), BlockSize: 64 << 10,
					OnAlert: func(a detect.Alert) { got = append(got, fmt.Sprintf("%s #%d", a.Event.CorrelationID, a.Decoy.ID)) }}
				if prefilter {
					s.Prefilter = ix.Prefilter()
				}
				st, err := s.Scan(context.Background(), bytes.NewReader(in), name)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%d alerts, want %d; %s", len(got), len(want), firstDiff(got, want))
				}
				if st.Records != int64(len(records)) || st.Malformed != 0 {
					t.Errorf("stats %+v; want %d records", st, len(records))
				}
			})
		}
	}
}

// A trail holding no Secrets Manager record is a trail still: no alert,
// and not "the wrong file".
func TestScanCloudTrailOtherServicesOnly(t *testing.T) {
	ix, err := detect.NewIndex(awsDecoys)
	if err != nil {
		t.Fatal(err)
	}
	in := `{"Records":[{"eventVersion":"1.09","eventTime":"2024-07-31T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"key":"AppKey"}}]}`
	s := &Scanner{Matcher: detect.NewMatcher(ix, nil), Prefilter: ix.Prefilter(), OnAlert: func(a detect.Alert) { t.Errorf("alert %+v", a) }}
	if _, err := s.Scan(context.Background(), strings.NewReader(in), "trail"); err != nil {
		t.Fatal(err)
	}
}
