package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/awsemu/s3sink"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// TestSecretsManagerDecoysThroughEventBridgeAndS3 runs a real `honeyvault
// serve` watching Secrets Manager decoys in two emulated accounts
// (internal/awsemu): one delivers its CloudTrail records as an EventBridge
// rule with an API destination does (one POST per event, header
// Authorization: Bearer <ingest token>, rule state
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS), the other as a trail's
// log files in S3 (s3rver), read by the cloudtrail source of the
// configuration. An outside role reads a decoy in each (and look-alikes):
// each read becomes an incident naming the store, the decoy and
// GetSecretValue; the look-alikes none.
func TestSecretsManagerDecoysThroughEventBridgeAndS3(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const pushAccount, trailAccount = "111122223333", "444455556666"
	bucket := testenv.S3(t, "trail-logs")

	wl := filepath.Join(t.TempDir(), "HoneyTokens.csv")
	csv := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" +
		`AWS.SecretsManager,arn:aws:secretsmanager:us-east-1:` + pushAccount + `,prod/payments/stripe-api-key,"{""Type"":""secret""}"` + "\r\n" +
		`AWS.SecretsManager,arn:aws:secretsmanager:eu-west-1:` + trailAccount + `,ops/GitHubDeployKey,"{""Type"":""secret""}"` + "\r\n"
	if err := os.WriteFile(wl, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "honeyvault.yaml")
	// The planter's own creates are allow-listed by its user's ARN.
	yaml := fmt.Sprintf("allow:\n  - identity: arn:aws:iam::%s:user/planter\n  - identity: arn:aws:iam::%s:user/planter\n", pushAccount, trailAccount) +
		fmt.Sprintf("ingest:\n  cloudtrail:\n    - name: trail\n      bucket: trail-logs\n      prefix: org\n      region: us-east-1\n"+
			"      endpoint_url: %s\n      access_key_id: %s\n      secret_access_key: %s\n      poll_interval: 1s\n",
			bucket.URL, testenv.S3AccessKeyID, testenv.S3SecretAccessKey)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "hv.db"), "HONEYVAULT_WATCHLIST="+wl, "HONEYVAULT_CONFIG="+cfg)

	emulator := func(account, region string) *awsemu.Emulator {
		e, err := awsemu.New(awsemu.Options{AccountID: account, Regions: []string{region}})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close(context.Background()) })
		return e
	}
	push, trail := emulator(pushAccount, "us-east-1"), emulator(trailAccount, "eu-west-1")
	if err := push.AddSink(&awsemu.EventBridgeSink{URL: srv.URL + "/api/v1/ingest/aws-cloudtrail",
		APIKeyName: "Authorization", APIKeyValue: "Bearer " + ingestToken, AllManagementEvents: true}, awsemu.SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(sdkConfig(t, ctx, "us-east-1", awsemu.Credentials{AccessKeyID: testenv.S3AccessKeyID, SecretAccessKey: testenv.S3SecretAccessKey}, nil),
		func(o *s3.Options) { o.BaseEndpoint = aws.String(bucket.URL); o.UsePathStyle = true })
	sink, err := s3sink.New(s3sink.Options{Client: s3c, Bucket: "trail-logs", Prefix: "org", AccountID: trailAccount})
	if err != nil {
		t.Fatal(err)
	}
	if err := trail.AddSink(sink, awsemu.SinkOptions{}); err != nil {
		t.Fatal(err)
	}

	// In each account: the planter plants, then an outside role reads.
	read := func(e *awsemu.Emulator, region, decoy, lookalike string) {
		t.Helper()
		if err := e.PutUser("planter", awsemu.AllowAll()); err != nil {
			t.Fatal(err)
		}
		if err := e.PutRole("partner-access", awsemu.AllowAll()); err != nil {
			t.Fatal(err)
		}
		pk, _ := e.NewAccessKey("planter")
		ak, err := e.AssumeRole("partner-access", "attacker")
		if err != nil {
			t.Fatal(err)
		}
		planter := sm.NewFromConfig(sdkConfig(t, ctx, region, pk, e.CACertPEM()), func(o *sm.Options) { o.BaseEndpoint = aws.String(e.URL()) })
		attacker := sm.NewFromConfig(sdkConfig(t, ctx, region, ak, e.CACertPEM()), func(o *sm.Options) { o.BaseEndpoint = aws.String(e.URL()) })
		for _, name := range []string{decoy, lookalike} {
			if _, err := planter.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(`{"token":"x"}`)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{lookalike, decoy} {
			if _, err := attacker.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	read(push, "us-east-1", "prod/payments/stripe-api-key", "Prod/Payments/Stripe-Api-Key")
	read(trail, "eu-west-1", "ops/GitHubDeployKey", "ops/GitHubDeployKey-old")

	var list api.IncidentList
	eventually(t, "an incident in each account", func() bool {
		apiGet(t, srv, "/api/v1/incidents", &list)
		return len(list.Incidents) >= 2
	})
	var got []string
	for _, inc := range list.Incidents {
		var d api.IncidentDetail
		apiGet(t, srv, fmt.Sprintf("/api/v1/incidents/%d", inc.ID), &d)
		for _, a := range d.Alerts {
			got = append(got, fmt.Sprintf("%s %s %s", inc.VaultID, a.Token, a.Operation))
		}
	}
	slices.Sort(got)
	want := []string{
		"arn:aws:secretsmanager:eu-west-1:" + trailAccount + " ops/GitHubDeployKey GetSecretValue",
		"arn:aws:secretsmanager:us-east-1:" + pushAccount + " prod/payments/stripe-api-key GetSecretValue",
	}
	if !slices.Equal(got, want) || len(list.Incidents) != 2 {
		t.Errorf("%d incidents with alerts %q;\nwant 2 with %q", len(list.Incidents), got, want)
	}
}

func sdkConfig(t *testing.T, ctx context.Context, region string, c awsemu.Credentials, ca []byte) aws.Config {
	t.Helper()
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(region),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)),
		awsconfig.WithRetryMaxAttempts(1),
		awsconfig.WithSharedConfigFiles([]string{}), awsconfig.WithSharedCredentialsFiles([]string{}),
	}
	if ca != nil {
		opts = append(opts, awsconfig.WithCustomCABundle(bytes.NewReader(ca)))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
