package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// trailBucket starts s3rver with a bucket and returns a client of it,
// made as serve makes it (NewClient from the configuration).
func trailBucket(t *testing.T) (*s3.Client, config.CloudTrailSource) {
	t.Helper()
	srv := testenv.S3(t, "trail-logs")
	c := config.CloudTrailSource{Name: "trail", Bucket: "trail-logs", Prefix: "org", Region: "us-east-1", EndpointURL: srv.URL,
		AccessKeyID: testenv.S3AccessKeyID, SecretAccessKey: testenv.S3SecretAccessKey}
	client, err := NewClient(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return client, c
}

func put(t *testing.T, c *s3.Client, key string, body []byte) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("trail-logs"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// logKey is a log file's key as CloudTrail names it, under the prefix.
func logKey(account, region, stamp, suffix string) string {
	day := stamp[0:4] + "/" + stamp[4:6] + "/" + stamp[6:8]
	return "org/AWSLogs/" + account + "/CloudTrail/" + region + "/" + day + "/" + account + "_CloudTrail_" + region + "_" + stamp + "_" + suffix + ".json.gz"
}

// oneRecord is a log file holding one GetSecretValue record of requestID id.
func oneRecord(id, secret string) []byte {
	return []byte(`{"Records":[{"eventVersion":"1.09","eventTime":"2024-07-31T12:20:00Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestID":"` + id + `","requestParameters":{"secretId":"` + secret + `"},"userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111122223333:user/x","accountId":"111122223333"}}]}`)
}

// TestReadsTrailLogFiles runs the source against s3rver: it reads every
// log file under the prefix once — an organisation trail's too, a file
// that arrives late with an earlier name as well — skips digest files and
// other keys, dead-letters a broken file once, and forgets the checkpoint
// of a file that is gone.
func TestReadsTrailLogFiles(t *testing.T) {
	client, cfg := trailBucket(t)
	fixture, err := os.ReadFile("../../auditlog/testdata/cloudtrail-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	put(t, client, logKey("111122223333", "us-east-1", "20240731T1235Z", "A1B2C3D4E5F6G7H8"), gz(t, fixture))
	put(t, client, "org/AWSLogs/o-exampleorg/444455556666/CloudTrail/eu-west-1/2024/07/31/444455556666_CloudTrail_eu-west-1_20240731T1240Z_ZZZZZZZZZZZZZZZZ.json.gz", gz(t, oneRecord("org-1", "ops/key")))
	put(t, client, "org/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/07/31/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20240731T123500Z.json.gz", gz(t, oneRecord("digest", "x")))
	put(t, client, "org/notes.txt", []byte("not a log file"))
	put(t, client, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/31/outside-the-prefix.json.gz", gz(t, oneRecord("outside", "x")))

	env := ingesttest.New(t)
	src := New(FromConfig(cfg), client, env.Store, nil)
	poll := func() {
		t.Helper()
		if _, err := src.Poll(context.Background(), env.Pipeline); err != nil {
			t.Fatal(err)
		}
	}
	poll()
	// The fixture's 6 records are 8 events (a batch names 3 secrets); the
	// organisation trail's file 1.
	if got, want := env.Events(), int64(9); got != want {
		t.Fatalf("got %d events; want %d", got, want)
	}
	cps, err := env.Store.Checkpoints(context.Background(), "trail")
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 2 {
		t.Errorf("checkpoints %v; want one per log file", cps)
	}

	// A file delivered late, named earlier than the ones read.
	put(t, client, logKey("111122223333", "us-east-1", "20240731T1225Z", "LATELATELATELATE"), gz(t, oneRecord("late-1", "app/key")))
	// A broken one.
	put(t, client, logKey("111122223333", "us-east-1", "20240731T1240Z", "BROKENBROKENBROK"), []byte("\x1f\x8bnot gzip at all"))
	poll()
	if got, want := env.Events(), int64(10); got != want {
		t.Fatalf("after a late file: got %d events; want %d", got, want)
	}
	dead := env.DeadLetters()
	if len(dead) != 1 || !strings.Contains(dead[0].Position, "BROKENBROKENBROK") {
		t.Fatalf("dead letters %+v; want the broken file's", dead)
	}
	poll()
	if got := len(env.DeadLetters()); got != 1 {
		t.Errorf("the broken file was dead-lettered %d times", got)
	}
	stored, err := env.Store.ListEvents(context.Background(), store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range stored {
		seen[e.Event.CorrelationID] = true
	}
	for _, id := range []string{"org-1", "late-1", "6c9b5f2e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"} {
		if !seen[id] {
			t.Errorf("no event of request %s", id)
		}
	}
	if seen["digest"] || seen["outside"] {
		t.Error("read a digest file or a file outside the prefix")
	}

	// A file deleted (a lifecycle rule): its checkpoint goes.
	key := logKey("111122223333", "us-east-1", "20240731T1225Z", "LATELATELATELATE")
	if _, err := client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("trail-logs"), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	poll()
	cps, _ = env.Store.Checkpoints(context.Background(), "trail")
	if _, ok := cps[key]; ok || len(cps) != 3 {
		t.Errorf("checkpoints after the delete: %v", cps)
	}
}

// Under the runner, polls go on with nothing read twice.
func TestRunnerReadsEachFileOnce(t *testing.T) {
	client, cfg := trailBucket(t)
	put(t, client, logKey("111122223333", "us-east-1", "20240731T1235Z", "A1B2C3D4E5F6G7H8"), gz(t, oneRecord("r-1", "app/key")))
	env := ingesttest.New(t)
	r := env.Runner("trail", "cloudtrail", New(FromConfig(cfg), client, env.Store, nil))
	stop := ingesttest.Start(t, r)
	ingesttest.Eventually(t, 30*time.Second, "the file's record", func() bool { return r.Status().New == 1 })
	before := r.Status().LastPoll
	ingesttest.Eventually(t, 30*time.Second, "two more polls", func() bool { return r.Status().LastPoll.After(before.Add(time.Millisecond)) })
	put(t, client, logKey("111122223333", "us-east-1", "20240731T1240Z", "B1B2C3D4E5F6G7H8"), gz(t, oneRecord("r-2", "app/key")))
	ingesttest.Eventually(t, 30*time.Second, "the second file's record", func() bool { return r.Status().New == 2 })
	stop()
	if got := r.Status(); got.Duplicates != 0 || got.New != 2 {
		t.Errorf("status: %d new, %d duplicates; want 2 new, none read twice", got.New, got.Duplicates)
	}
}
