package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/cloudtrail"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// A configured cloudtrail source reads its bucket (s3rver) under its
// lease and shows on /settings/sources with its kind; one whose bucket
// does not exist backs off, saying so.
func TestCloudTrailSourceRunsAndShows(t *testing.T) {
	bucket := testenv.S3(t, "trail-logs")
	src := func(name, b string) config.CloudTrailSource {
		return config.CloudTrailSource{Name: name, Bucket: b, Region: "us-east-1", EndpointURL: bucket.URL,
			AccessKeyID: testenv.S3AccessKeyID, SecretAccessKey: testenv.S3SecretAccessKey, PollInterval: config.Duration(time.Second)}
	}
	client, err := cloudtrail.NewClient(context.Background(), src("x", "trail-logs"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../auditlog/testdata/cloudtrail-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	key := "AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/31/111122223333_CloudTrail_us-east-1_20240731T1235Z_A1B2C3D4E5F6G7H8.json.gz"
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("trail-logs"), Key: aws.String(key), Body: bytes.NewReader(gz.Bytes())}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	cfg.AdminToken = adminToken
	cfg.Ingest.CloudTrail = []config.CloudTrailSource{src("trail", "trail-logs"), src("no-bucket", "no-such-bucket")}
	srv := serveInBackground(t, cfg, nil)
	status := func(name string) source.Status {
		for _, st := range srv.Sources() {
			if st.Name == name {
				return st
			}
		}
		t.Fatalf("no source %q in %+v", name, srv.Sources())
		return source.Status{}
	}
	// The log file's 6 records are 8 events (a batch of 3 secrets).
	ingesttest.Eventually(t, 30*time.Second, "the log file's events", func() bool { return status("trail").New == 8 })
	ingesttest.Eventually(t, 30*time.Second, "errors from the missing bucket", func() bool { return status("no-bucket").Errors > 0 })
	if st := status("no-bucket"); !strings.Contains(st.LastError, "no-such-bucket") {
		t.Errorf("missing bucket: %+v; want an error naming it", st)
	}
	page := srv.page(t, "/settings/sources")
	for _, want := range []string{"trail", "no-bucket", "cloudtrail"} {
		if !strings.Contains(page, want) {
			t.Errorf("/settings/sources lacks %q", want)
		}
	}
}
