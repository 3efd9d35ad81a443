package file

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/store"
)

// TestCloudTrailFiles follows a directory holding a CloudTrail log file
// as S3 names and writes it (gzip of {"Records":[...]}) and a JSON-lines
// file of records a forwarder appends to: every Secrets Manager record
// becomes an event per secret it names, stored under its store.
func TestCloudTrailFiles(t *testing.T) {
	raw, err := os.ReadFile("../../auditlog/testdata/cloudtrail-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	env := ingesttest.New(t)
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	write(t, filepath.Join(dir, "111122223333_CloudTrail_us-east-1_20240731T1235Z_a1b2c3d4e5f6g7h8.json.gz"), gz.String())
	var file struct{ Records []json.RawMessage }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	lines := filepath.Join(dir, "cloudtrail.jsonl")
	write(t, lines, string(file.Records[0])+"\n")
	s := newSource(env, dir)
	poll(t, s, env)
	// The log file's 6 records are 8 events (a batch of 3 secrets); the
	// line is the log file's first record again, a duplicate.
	if got, want := env.Events(), int64(8); got != want {
		t.Fatalf("got %d events; want %d", got, want)
	}
	appendTo(t, lines, string(file.Records[1])+"\n")
	poll(t, s, env)
	if got, want := env.Events(), int64(8); got != want {
		t.Fatalf("after a batch record again: got %d events; want %d (duplicates)", got, want)
	}
	if d := env.DeadLetters(); len(d) != 0 {
		t.Errorf("dead letters %+v", d)
	}
	stored, err := env.Store.ListEvents(context.Background(), store.EventFilter{VaultName: "111122223333/us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range stored {
		if e.Event.VaultID != "arn:aws:secretsmanager:us-east-1:111122223333" {
			t.Errorf("event %+v: store %q", e.Event, e.Event.VaultID)
		}
		names = append(names, e.Event.Operation+" "+e.Event.ObjectName)
	}
	want := []string{"GetSecretValue prod/payments/stripe-api-key", "BatchGetSecretValue prod/payments/stripe-api-key",
		"BatchGetSecretValue prod/db/admin-password-AbC123", "BatchGetSecretValue not-a-decoy", "GetSecretValue ",
		"ListSecrets ", "RotationFailed prod/db/admin-password-AbC123"}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("stored %q;\nwant %q", names, want)
	}
}
