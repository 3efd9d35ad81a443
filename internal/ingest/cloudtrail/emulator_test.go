package cloudtrail_test

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/awsemu/s3sink"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/ingest/cloudtrail"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// capture passes batches on and keeps their events, as the pipeline's
// detection hook sees them.
type capture struct {
	next interface {
		Submit(context.Context, store.Batch) (store.Accepted, error)
	}
	mu     sync.Mutex
	events []auditlog.Event
}

func (c *capture) Submit(ctx context.Context, b store.Batch) (store.Accepted, error) {
	acc, err := c.next.Submit(ctx, b)
	if err == nil {
		c.mu.Lock()
		c.events = append(c.events, b.Events...)
		c.mu.Unlock()
	}
	return acc, err
}

// TestEmulatorTrailThroughS3 is the cross-check with the Secrets Manager
// emulator (internal/awsemu, built from the same reference, not from this
// parser): the unchanged SDK plants decoys and reads them — by name, full
// and partial ARN, in a batch, refused — and reads look-alikes; the
// emulator's trail writes its log files to s3rver; the S3 source reads
// them and the matcher alerts on exactly the decoy accesses.
func TestEmulatorTrailThroughS3(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := testenv.S3(t, "trail-logs")
	cfg := config.CloudTrailSource{Name: "trail", Bucket: "trail-logs", Prefix: "org", Region: "us-east-1", EndpointURL: srv.URL,
		AccessKeyID: testenv.S3AccessKeyID, SecretAccessKey: testenv.S3SecretAccessKey}
	s3c, err := cloudtrail.NewClient(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := testenv.NewClock(time.Date(2025, 3, 1, 12, 34, 56, 0, time.UTC))
	e, err := awsemu.New(awsemu.Options{AccountID: "210987654321", Regions: []string{"us-east-1", "eu-west-1"}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	sink, err := s3sink.New(s3sink.Options{Client: s3c, Bucket: "trail-logs", Prefix: "org", AccountID: e.AccountID(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.AddSink(sink, awsemu.SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.PutUser("planter", awsemu.AllowAll()); err != nil {
		t.Fatal(err)
	}
	if err := e.PutRole("partner-access", awsemu.Policy{Statements: []awsemu.Statement{
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:*"}, Resources: []string{"*"}},
		{Effect: awsemu.Deny, Actions: []string{"secretsmanager:DeleteSecret"}, Resources: []string{"*"}},
	}}); err != nil {
		t.Fatal(err)
	}
	planterKey, _ := e.NewAccessKey("planter")
	attackerKey, err := e.AssumeRole("partner-access", "attacker")
	if err != nil {
		t.Fatal(err)
	}
	client := func(c awsemu.Credentials, region string) *sm.Client {
		conf, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region),
			awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)),
			awsconfig.WithCustomCABundle(bytes.NewReader(e.CACertPEM())), awsconfig.WithRetryMaxAttempts(1),
			awsconfig.WithSharedConfigFiles([]string{}), awsconfig.WithSharedCredentialsFiles([]string{}))
		if err != nil {
			t.Fatal(err)
		}
		return sm.NewFromConfig(conf, func(o *sm.Options) { o.BaseEndpoint = aws.String(e.URL()) })
	}
	planter, attacker, attackerEU := client(planterKey, "us-east-1"), client(attackerKey, "us-east-1"), client(attackerKey, "eu-west-1")

	// The planter's decoys, and secrets that only look like them.
	arns := map[string]string{}
	for _, c := range []struct{ region, name string }{
		{"us-east-1", "prod/payments/stripe-api-key"}, {"us-east-1", "AppKey"},
		{"us-east-1", "Prod/Payments/Stripe-Api-Key"}, {"us-east-1", "prod/payments/stripe-api-key-v2"}, {"eu-west-1", "AppKey"},
	} {
		c2 := planter
		if c.region == "eu-west-1" {
			c2 = client(planterKey, "eu-west-1")
		}
		out, err := c2.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(c.name), SecretString: aws.String(`{"password":"x"}`)})
		if err != nil {
			t.Fatal(err)
		}
		arns[c.region+" "+c.name] = aws.ToString(out.ARN)
	}
	store := "arn:aws:secretsmanager:us-east-1:210987654321"
	decoys := []registry.Decoy{
		{ID: 1, VaultID: store, Name: "prod/payments/stripe-api-key", Type: registry.Secret},
		{ID: 2, VaultID: store, Name: "AppKey", Type: registry.Secret},
	}

	// The attacker's calls, each with the decoys it must alert on.
	var want []string
	call := func(what string, alerts []string, f func() error) {
		t.Helper()
		_ = f() // refused calls are part of the test
		want = append(want, alerts...)
	}
	full := arns["us-east-1 AppKey"]
	call("by name", []string{"GetSecretValue #1"}, func() error {
		_, err := attacker.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("prod/payments/stripe-api-key")})
		return err
	})
	call("by full ARN", []string{"GetSecretValue #2"}, func() error {
		_, err := attacker.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(full)})
		return err
	})
	call("by partial ARN", []string{"DescribeSecret #2"}, func() error {
		_, err := attacker.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(store + ":secret:AppKey")})
		return err
	})
	// The batch's own record names both decoys; the emulator also writes
	// a GetSecretValue record per secret, as AWS documents.
	call("batch", []string{"BatchGetSecretValue #1", "BatchGetSecretValue #2", "GetSecretValue #1", "GetSecretValue #2"}, func() error {
		_, err := attacker.BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{SecretIdList: []string{"prod/payments/stripe-api-key", full}})
		return err
	})
	call("refused", []string{"DeleteSecret #2"}, func() error {
		_, err := attacker.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("AppKey")})
		if err == nil {
			t.Error("the role's DeleteSecret was not refused")
		}
		return err
	})
	call("look-alike in case", nil, func() error {
		_, err := attacker.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("Prod/Payments/Stripe-Api-Key")})
		return err
	})
	call("look-alike by suffix", nil, func() error {
		_, err := attacker.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arns["us-east-1 prod/payments/stripe-api-key-v2"])})
		return err
	})
	call("same name, other region", nil, func() error {
		_, err := attackerEU.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("AppKey")})
		return err
	})
	call("list", nil, func() error {
		_, err := attacker.ListSecrets(ctx, &sm.ListSecretsInput{})
		return err
	})
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	env := ingesttest.New(t)
	got := &capture{next: env.Pipeline}
	src := cloudtrail.New(cloudtrail.FromConfig(cfg), s3c, env.Store, nil)
	if _, err := src.Poll(ctx, got); err != nil {
		t.Fatal(err)
	}
	if d := env.DeadLetters(); len(d) != 0 {
		t.Fatalf("dead letters: %+v", d)
	}
	ix, err := detect.NewIndex(decoys)
	if err != nil {
		t.Fatal(err)
	}
	// The planter (its user's ARN) is allow-listed: its creates are
	// suppressed, not raised.
	m := detect.NewMatcher(ix, detect.AllowList{{Identity: planterKey.ARN}})
	var alerts, suppressed []string
	for i := range got.events {
		for _, a := range m.Match(&got.events[i]) {
			s := a.Event.Operation + " #" + strconv.FormatInt(a.Decoy.ID, 10)
			if a.Suppressed {
				suppressed = append(suppressed, s)
				continue
			}
			alerts = append(alerts, s)
			if a.Event.Caller.AppID != "arn:aws:iam::210987654321:role/partner-access" {
				t.Errorf("%s: caller %+v", s, a.Event.Caller)
			}
		}
	}
	slices.Sort(alerts)
	slices.Sort(want)
	if !slices.Equal(alerts, want) {
		t.Errorf("alerts %q;\nwant   %q", alerts, want)
	}
	if !slices.Equal(suppressed, []string{"CreateSecret #1", "CreateSecret #2"}) {
		t.Errorf("suppressed %q; want the planter's two creates", suppressed)
	}
}
