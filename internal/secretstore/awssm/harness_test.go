package awssm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/secretstore/awssm"
)

const account = "111122223333"

// plantPolicy is the policy the package documentation gives the planter.
func plantPolicy() awsemu.Policy {
	return awsemu.Policy{Statements: []awsemu.Statement{
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:ListSecrets"}, Resources: []string{"*"}},
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret"},
			Resources: []string{"arn:aws:secretsmanager:*:" + account + ":secret:*"}},
	}}
}

// emu is a Secrets Manager emulator in two regions with small list pages,
// an admin, and a planter user holding plantPolicy.
type emu struct {
	*awsemu.Emulator
	trail   *awsemu.MemorySink
	admin   awsemu.Credentials
	planter awsemu.Credentials
}

func startEmu(t *testing.T) *emu {
	t.Helper()
	e, err := awsemu.New(awsemu.Options{AccountID: account, Regions: []string{"eu-west-1", "us-east-1"}, PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e.Close(ctx)
	})
	out := &emu{Emulator: e, trail: awsemu.NewMemorySink()}
	if err := e.AddSink(out.trail, awsemu.SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]awsemu.Policy{"admin": awsemu.AllowAll(), "honeyvault": plantPolicy()} {
		if err := e.PutUser(name, p); err != nil {
			t.Fatal(err)
		}
	}
	if out.admin, err = e.NewAccessKey("admin"); err != nil {
		t.Fatal(err)
	}
	if out.planter, err = e.NewAccessKey("honeyvault"); err != nil {
		t.Fatal(err)
	}
	return out
}

// provider is the provider under test with creds.
func (e *emu) provider(t *testing.T, creds awsemu.Credentials) *awssm.Provider {
	t.Helper()
	p, err := awssm.New(context.Background(), awssm.Config{Account: account, Regions: e.Regions(), PrincipalARN: creds.ARN,
		AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
		Endpoint: e.URL(), CACert: e.CACertPEM()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// client is an unchanged SDK client with creds, for the tests' own calls.
func (e *emu) client(t *testing.T, creds awsemu.Credentials, region string) *sm.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)),
		config.WithCustomCABundle(bytes.NewReader(e.CACertPEM())), config.WithRetryMaxAttempts(1),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	return sm.NewFromConfig(cfg, func(o *sm.Options) { o.BaseEndpoint = aws.String(e.URL()) })
}

// seed creates real secrets as the admin, tagged like a team's.
func (e *emu) seed(t *testing.T, region string, names ...string) {
	t.Helper()
	c := e.client(t, e.admin, region)
	for _, n := range names {
		if _, err := c.CreateSecret(context.Background(), &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String(`{"password":"real"}`),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// trailRecord is what the tests read of a CloudTrail record.
type trailRecord struct {
	EventName    string `json:"eventName"`
	ErrorCode    string `json:"errorCode"`
	UserIdentity struct {
		ARN string `json:"arn"`
	} `json:"userIdentity"`
	RequestParameters map[string]any `json:"requestParameters"`
}

// records flushes the trail and returns the records made by arn.
func (e *emu) records(t *testing.T, arn string) []trailRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var out []trailRecord
	for _, r := range e.trail.Records() {
		var rec trailRecord
		if err := json.Unmarshal(r.JSON, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.UserIdentity.ARN == arn {
			out = append(out, rec)
		}
	}
	return out
}
