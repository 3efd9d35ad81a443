package awsemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// testEnv is a started emulator with a memory sink and an admin user.
type testEnv struct {
	e     *Emulator
	sink  *MemorySink
	admin Credentials
}

func newTestEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	sink := NewMemorySink()
	if err := e.AddSink(sink, SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.PutUser("admin", AllowAll()); err != nil {
		t.Fatal(err)
	}
	admin, err := e.NewAccessKey("admin")
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{e: e, sink: sink, admin: admin}
}

// client is the unchanged SDK client for creds in region.
func (env *testEnv) client(t *testing.T, creds Credentials, region string) *secretsmanager.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)),
		// The CA bundle, not an *http.Client: an AWS_CA_BUNDLE in the
		// environment makes the SDK refuse a client it cannot add CAs to.
		config.WithCustomCABundle(bytes.NewReader(env.e.CACertPEM())),
		config.WithRetryMaxAttempts(1),
		// Keep the SDK's shared config files and environment out of it.
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(env.e.URL()) })
}

// records flushes and decodes every record delivered so far.
func (env *testEnv) records(t *testing.T) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := env.e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range env.sink.Records() {
		var m map[string]any
		if err := json.Unmarshal(r.JSON, &m); err != nil {
			t.Fatalf("record is not JSON: %v\n%s", err, r.JSON)
		}
		out = append(out, m)
	}
	return out
}

// apiErr is the code and message of an SDK error, fatal when err is not
// an API error.
func apiErr(t *testing.T, err error) (code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v; want an API error", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
