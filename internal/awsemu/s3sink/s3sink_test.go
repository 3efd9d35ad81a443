package s3sink_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/awsemu/s3sink"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

func sdkConfig(t *testing.T, region, id, secret, token string, ca []byte) aws.Config {
	t.Helper()
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, token)),
		config.WithRetryMaxAttempts(1),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
	}
	if ca != nil {
		opts = append(opts, config.WithCustomCABundle(bytes.NewReader(ca)))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// keyRE is CloudTrail's log file key under the prefix "org" for the test's
// account and clock (2025-03-01 12:34 UTC).
var keyRE = regexp.MustCompile(`^org/AWSLogs/210987654321/CloudTrail/(us-east-1|eu-west-1)/2025/03/01/210987654321_CloudTrail_(us-east-1|eu-west-1)_20250301T1234Z_[A-Z2-7]{16}\.json\.gz$`)

// The emulator's trail writes gzip {"Records":[...]} files to s3rver with
// the SDK's PutObject: a region's file as soon as its batch fills, the
// rest on Flush, each under CloudTrail's key layout; the SDK reads them
// back whole.
func TestTrailToS3rver(t *testing.T) {
	srv := testenv.S3(t, "trail")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s3c := s3.NewFromConfig(sdkConfig(t, "us-east-1", testenv.S3AccessKeyID, testenv.S3SecretAccessKey, "", nil), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
	})
	clock := testenv.NewClock(time.Date(2025, 3, 1, 12, 34, 56, 0, time.UTC))
	e, err := awsemu.New(awsemu.Options{AccountID: "210987654321", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	sink, err := s3sink.New(s3sink.Options{Client: s3c, Bucket: "trail", Prefix: "org", AccountID: e.AccountID(), FileRecords: 3, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.AddSink(sink, awsemu.SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.PutUser("ci", awsemu.AllowAll()); err != nil {
		t.Fatal(err)
	}
	creds, _ := e.NewAccessKey("ci")
	client := func(region string) *sm.Client {
		return sm.NewFromConfig(sdkConfig(t, region, creds.AccessKeyID, creds.SecretAccessKey, "", e.CACertPEM()), func(o *sm.Options) {
			o.BaseEndpoint = aws.String(e.URL())
		})
	}
	us, eu := client("us-east-1"), client("eu-west-1")
	if _, err := us.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String("pw-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := us.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("prod/db")}); err != nil {
		t.Fatal(err)
	}
	if _, err := eu.ListSecrets(ctx, &sm.ListSecretsInput{}); err != nil {
		t.Fatal(err)
	}
	_, _ = us.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("absent")})
	_, _ = us.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("prod/db")})

	// us-east-1 filled a 3-record file without a Flush.
	for list(t, ctx, s3c) == nil {
		if ctx.Err() != nil {
			t.Fatal("no log file before Flush though a batch filled")
		}
		time.Sleep(20 * time.Millisecond) // polling s3rver, not waiting for time to pass
	}
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	keys := list(t, ctx, s3c)
	if len(keys) != 3 {
		t.Fatalf("keys %v; want 3 files (us-east-1: 3 + 1 records, eu-west-1: 1)", keys)
	}
	var events []string
	for _, k := range keys {
		m := keyRE.FindStringSubmatch(k)
		if m == nil || m[1] != m[2] {
			t.Errorf("key %q does not match %s", k, keyRE)
			continue
		}
		obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("trail"), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(obj.Body)
		if err != nil {
			t.Fatalf("%s is not gzip: %v", k, err)
		}
		raw, err := io.ReadAll(zr)
		obj.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Records []struct {
				EventName string `json:"eventName"`
				AWSRegion string `json:"awsRegion"`
				ErrorCode string `json:"errorCode"`
			}
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v\n%s", k, err, raw)
		}
		for _, r := range doc.Records {
			if r.AWSRegion != m[1] {
				t.Errorf("%s holds a %s record", k, r.AWSRegion)
			}
			events = append(events, r.AWSRegion+" "+r.EventName+" "+r.ErrorCode)
		}
	}
	slices.Sort(events)
	want := []string{"eu-west-1 ListSecrets ", "us-east-1 CreateSecret ", "us-east-1 DescribeSecret ",
		"us-east-1 GetSecretValue ", "us-east-1 GetSecretValue ResourceNotFoundException"}
	if !slices.Equal(events, want) {
		t.Errorf("records %q; want %q", events, want)
	}
}

func list(t *testing.T, ctx context.Context, c *s3.Client) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("trail")})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
	}
	return keys
}
