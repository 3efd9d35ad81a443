package awsemu

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// ebReceiver is an API destination's endpoint: it keeps each event's
// envelope and key header, and answers 503 to the first failFirst posts.
type ebReceiver struct {
	mu        sync.Mutex
	events    []EventEnvelope
	keys      []string
	failFirst int
	posts     int
}

func (rc *ebReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.posts++
	if rc.posts <= rc.failFirst {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var ev EventEnvelope
	if r.Method != http.MethodPost || json.Unmarshal(body, &ev) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.events = append(rc.events, ev)
	rc.keys = append(rc.keys, r.Header.Get("X-Honeyvault-Key"))
}

func (rc *ebReceiver) snapshot() ([]EventEnvelope, []string, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.events), slices.Clone(rc.keys), rc.posts
}

// EventBridge pushes each write event in its envelope with the API key;
// read-only events only in the all-management-events rule state; a 5xx
// answer is retried.
func TestEventBridgeSink(t *testing.T) {
	for _, all := range []bool{false, true} {
		t.Run(map[bool]string{false: "ENABLED", true: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}[all], func(t *testing.T) {
			rc := &ebReceiver{failFirst: 2}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			env := newTestEnv(t, Options{})
			if err := env.e.AddSink(&EventBridgeSink{URL: srv.URL + "/ingest", APIKeyName: "X-Honeyvault-Key", APIKeyValue: "k-123", AllManagementEvents: all}, SinkOptions{}); err != nil {
				t.Fatal(err)
			}
			c := env.client(t, env.admin, "eu-west-1")
			if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String("pw")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("prod/db")}); err != nil {
				t.Fatal(err)
			}
			env.records(t) // flushes
			events, keys, posts := rc.snapshot()
			want := []string{"CreateSecret"}
			if all {
				want = append(want, "GetSecretValue")
			}
			var got []string
			for i, ev := range events {
				var detail map[string]any
				if err := json.Unmarshal(ev.Detail, &detail); err != nil {
					t.Fatal(err)
				}
				got = append(got, detail["eventName"].(string))
				if ev.Version != "0" || ev.DetailType != "AWS API Call via CloudTrail" || ev.Source != "aws.secretsmanager" ||
					ev.Account != "123456789012" || ev.Region != "eu-west-1" || ev.Resources == nil || len(ev.Resources) != 0 ||
					!uuidRE.MatchString(ev.ID) || ev.Time != detail["eventTime"] || keys[i] != "k-123" {
					t.Errorf("event %d = %+v (key %q)", i, ev, keys[i])
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("events %v; want %v", got, want)
			}
			if posts != len(want)+2 {
				t.Errorf("%d posts; want %d events after 2 refusals", posts, len(want))
			}
		})
	}
}

// A 4xx answer drops the event without retrying it.
func TestEventBridgeSinkDropsOnClientError(t *testing.T) {
	var posts int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posts++
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	env := newTestEnv(t, Options{})
	if err := env.e.AddSink(&EventBridgeSink{URL: srv.URL}, SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	c := env.client(t, env.admin, "us-east-1")
	if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("x"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	env.records(t)
	mu.Lock()
	defer mu.Unlock()
	if posts != 1 || env.e.DeliveryStats().Dropped != 1 {
		t.Errorf("%d posts, stats %+v; want 1 post and 1 dropped", posts, env.e.DeliveryStats())
	}
}

// The directory sink writes the S3 layout on disk, gzip {"Records":[...]}.
func TestDirSink(t *testing.T) {
	clock := testenv.NewClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	env := newTestEnv(t, Options{Now: clock.Now})
	dir := t.TempDir()
	ds, err := NewDirSink(dir, env.e.AccountID(), "", 0, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.e.AddSink(ds, SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	c := env.client(t, env.admin, "us-east-1")
	_, _ = c.ListSecrets(ctxT(t), &sm.ListSecretsInput{})
	_, _ = c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("missing")})
	env.records(t)
	files, _ := filepath.Glob(filepath.Join(dir, "AWSLogs", "123456789012", "CloudTrail", "us-east-1", "2025", "01", "02", "123456789012_CloudTrail_us-east-1_20250102T0304Z_*.json.gz"))
	if len(files) != 1 || len(strings.TrimSuffix(filepath.Base(files[0]), ".json.gz")) != len("123456789012_CloudTrail_us-east-1_20250102T0304Z_")+16 {
		all, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*", "*", "*", "*", "*", "*"))
		t.Fatalf("files %v (all: %v)", files, all)
	}
	f, _ := os.Open(files[0])
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Records []map[string]any }
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Records) != 2 || doc.Records[1]["errorCode"] != "ResourceNotFoundException" {
		t.Errorf("records %v", doc.Records)
	}
}

func TestLogFileKey(t *testing.T) {
	got := LogFileKey("my/prefix", "111122223333", "ap-southeast-2", time.Date(2024, 7, 31, 12, 36, 52, 0, time.FixedZone("x", 3600)), "ABCDEFGHIJKLMNOP")
	want := "my/prefix/AWSLogs/111122223333/CloudTrail/ap-southeast-2/2024/07/31/111122223333_CloudTrail_ap-southeast-2_20240731T1136Z_ABCDEFGHIJKLMNOP.json.gz"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// A log file that cannot be written stays buffered: Flush reports the
// failure, and once the directory can be written every record lands
// exactly once.
func TestLogFileSinkKeepsWhatItCouldNotWrite(t *testing.T) {
	env := newTestEnv(t, Options{})
	root := t.TempDir()
	blocker := filepath.Join(root, "AWSLogs")
	if err := os.WriteFile(blocker, []byte("a file where a directory must go"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := NewDirSink(root, env.e.AccountID(), "", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.e.AddSink(ds, SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	c := env.client(t, env.admin, "us-east-1")
	for range 5 {
		_, _ = c.ListSecrets(ctxT(t), &sm.ListSecretsInput{})
	}
	if err := env.e.Flush(ctxT(t)); err == nil {
		t.Fatal("Flush reported no error though no file could be written")
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "AWSLogs", "*", "CloudTrail", "us-east-1", "*", "*", "*", "*.json.gz"))
	total := 0
	for _, f := range files {
		fh, _ := os.Open(f)
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Records []json.RawMessage }
		if err := json.NewDecoder(zr).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		if len(doc.Records) > 2 {
			t.Errorf("%s holds %d records; files hold at most 2", f, len(doc.Records))
		}
		total += len(doc.Records)
	}
	if total != 5 || len(files) != 3 {
		t.Errorf("%d records in %d files; want 5 in 3", total, len(files))
	}
}
