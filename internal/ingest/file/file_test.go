package file

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
)

const waitFor = 20 * time.Second

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path, body string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(body); err != nil {
		t.Fatal(err)
	}
}

// poll runs one poll and fails the test on error.
func poll(t *testing.T, s *Source, env *ingesttest.Env) {
	t.Helper()
	if _, err := s.Poll(context.Background(), env.Pipeline); err != nil {
		t.Fatal(err)
	}
}

func newSource(env *ingesttest.Env, path string) *Source {
	return New(Config{Name: "files", Path: path, Settle: time.Hour}, env.Store, nil)
}

func TestLinesAreReadIncrementallyAndOnlyWhenComplete(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.json")
	s := newSource(env, dir)

	whole := ingesttest.Lines(0, 3)
	rec3 := ingesttest.Record(3)
	write(t, path, whole+rec3[:40]) // the fourth line is still being written
	poll(t, s, env)
	if got, want := env.Events(), int64(3); got != want {
		t.Fatalf("after a partial line: got %d events; want %d", got, want)
	}
	appendTo(t, path, rec3[40:]+"\n"+ingesttest.Record(4)+"\n")
	poll(t, s, env)
	if got, want := env.Events(), int64(5); got != want {
		t.Fatalf("after the line was finished: got %d events; want %d", got, want)
	}
	if d := env.DeadLetters(); len(d) != 0 {
		t.Errorf("got dead letters %+v; want none (a partial line is not malformed)", d)
	}
	poll(t, s, env) // nothing new: nothing read again
	cps, _ := env.Store.Checkpoints(context.Background(), "files")
	cp, _ := parseCheckpoint(cps[path])
	fi, _ := os.Stat(path)
	if got, want := cp.Offset, fi.Size(); got != want {
		t.Errorf("checkpoint offset: got %d; want the file size %d", got, want)
	}
	if got, want := cp.Line, int64(6); got != want {
		t.Errorf("checkpoint line: got %d; want %d", got, want)
	}
}

func TestSettledLastLineWithoutLineEndIsRead(t *testing.T) {
	env := ingesttest.New(t)
	path := filepath.Join(t.TempDir(), "export.jsonl")
	write(t, path, ingesttest.Lines(0, 2)+ingesttest.Record(2)) // no final line end
	s := newSource(env, path)
	poll(t, s, env)
	if got, want := env.Events(), int64(2); got != want {
		t.Fatalf("before settling: got %d events; want %d", got, want)
	}
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	poll(t, s, env)
	if got, want := env.Events(), int64(3); got != want {
		t.Fatalf("after settling: got %d events; want %d", got, want)
	}
	poll(t, s, env)
	if got, want := env.Events(), int64(3); got != want {
		t.Errorf("polled again: got %d events; want %d", got, want)
	}
}

func TestMalformedLinesAreDeadLetteredWithPosition(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.json")
	write(t, path, ingesttest.Record(0)+"\n"+`{"time":"not a time","operationName":"SecretGet"}`+"\n"+"garbage line\n"+ingesttest.Record(1)+"\n")
	s := newSource(env, dir)
	poll(t, s, env)
	if got, want := env.Events(), int64(2); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
	d := env.DeadLetters()
	if got, want := len(d), 2; got != want {
		t.Fatalf("got %d dead letters (%+v); want %d", got, d, want)
	}
	for i, want := range []string{path + ":2", path + ":3"} {
		if got := d[i].Position; got != want {
			t.Errorf("dead letter %d position: got %q; want %q", i, got, want)
		}
		if d[i].Source != "files" || d[i].Reason == "" || d[i].Raw == "" {
			t.Errorf("dead letter %d: got %+v; want source, reason and raw record", i, d[i])
		}
	}
	// Positions continue across polls.
	appendTo(t, path, "{broken\n")
	poll(t, s, env)
	d = env.DeadLetters()
	if got, want := d[len(d)-1].Position, path+":5"; got != want {
		t.Errorf("dead letter after a second poll: got position %q; want %q", got, want)
	}
}

func TestRestartResumesExactlyNothingLostNothingTwice(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.json")
	write(t, path, ingesttest.Lines(0, 200))
	r := env.Runner("files", "file", newSource(env, dir))
	stop := ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "200 events", func() bool { return env.Events() == 200 })
	stop()
	appendTo(t, path, ingesttest.Lines(200, 300)) // written while honeyvault is down
	env.Reopen()

	r2 := env.Runner("files", "file", newSource(env, dir))
	ingesttest.Start(t, r2)
	appendTo(t, path, ingesttest.Lines(300, 350))
	ingesttest.Eventually(t, waitFor, "350 events", func() bool { return env.Events() == 350 })
	ingesttest.Eventually(t, waitFor, "the second runner's count", func() bool { return r2.Status().New == 150 })
	st := r2.Status()
	if st.Duplicates != 0 {
		t.Errorf("after the restart %d records were read twice; want 0 (resume from the checkpoint)", st.Duplicates)
	}
	if st.LastRecordTime.IsZero() || st.State != source.StateRunning {
		t.Errorf("status: got %+v; want running with a last record time", st)
	}
}

func TestRotationAndTruncationStartOver(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	write(t, path, ingesttest.Lines(0, 10))
	s := newSource(env, dir)
	poll(t, s, env)

	// Rotation: the old file is renamed away (out of the patterns) and a
	// new, shorter-lived file takes its name.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	write(t, path, ingesttest.Lines(10, 12))
	poll(t, s, env)
	if got, want := env.Events(), int64(12); got != want {
		t.Fatalf("after rotation: got %d events; want %d", got, want)
	}

	// Truncation in place (shorter than what was read).
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, ingesttest.Lines(12, 13))
	poll(t, s, env)
	if got, want := env.Events(), int64(13); got != want {
		t.Fatalf("after truncation: got %d events; want %d", got, want)
	}

	// copytruncate that grew past the old offset before the poll: same
	// inode, larger, but different first bytes.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(ingesttest.Lines(13, 20))
	f.Close()
	poll(t, s, env)
	if got, want := env.Events(), int64(20); got != want {
		t.Fatalf("after copytruncate: got %d events; want %d", got, want)
	}
}

func TestGzipAndDocumentsAreReadWholeOnce(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(ingesttest.Lines(0, 50)))
	zw.Close()
	write(t, filepath.Join(dir, "2026-11-20.json.gz"), gz.String())
	var doc strings.Builder
	doc.WriteString("{\n  \"records\": [\n")
	for i := 50; i < 60; i++ {
		if i > 50 {
			doc.WriteString(",\n")
		}
		doc.WriteString("    " + ingesttest.Record(i))
	}
	doc.WriteString("\n  ]\n}\n")
	write(t, filepath.Join(dir, "old.json"), doc.String())
	write(t, filepath.Join(dir, "notes.txt"), "not matched by the patterns\n")

	s := newSource(env, dir)
	r := env.Runner("files", "file", s)
	stop := ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "60 events", func() bool { return r.Status().New == 60 })
	ingesttest.Eventually(t, waitFor, "a poll", func() bool { return !r.Status().LastPoll.IsZero() })
	before := r.Status().LastPoll
	ingesttest.Eventually(t, waitFor, "another poll", func() bool { return r.Status().LastPoll.After(before) })
	stop()
	if got := r.Status(); got.Duplicates != 0 || got.New != 60 {
		t.Errorf("status: got %d new, %d duplicates; want 60 new and no re-read", got.New, got.Duplicates)
	}
	if d := env.DeadLetters(); len(d) != 0 {
		t.Errorf("got dead letters %+v; want none", d)
	}
}

func TestCorruptGzipIsDeadLetteredNotRetriedForever(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(ingesttest.Lines(0, 100)))
	zw.Close()
	cut := gz.Bytes()[:gz.Len()/2]
	path := filepath.Join(dir, "cut.json.gz")
	write(t, path, string(cut))
	s := newSource(env, dir)
	poll(t, s, env) // not settled: perhaps still being written
	if d := env.DeadLetters(); len(d) != 0 {
		t.Fatalf("got dead letters %+v before the file settled; want none", d)
	}
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	poll(t, s, env)
	poll(t, s, env)
	d := env.DeadLetters()
	if len(d) != 1 || d[0].Position != path {
		t.Fatalf("got dead letters %+v; want one for %s", d, path)
	}
}

func TestStoreFailureBacksOffThenCatchesUp(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.json"), ingesttest.Lines(0, 30)+ingesttest.Lines(0, 30)) // every record twice
	flaky := &ingesttest.Flaky{Next: env.Pipeline}
	flaky.Fail.Store(3)
	r := env.Runner("files", "file", newSource(env, dir))
	r.Submitter = flaky
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "30 events", func() bool { return r.Status().New == 30 })
	if got, want := env.Events(), int64(30); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
	st := r.Status()
	if st.Errors != 3 {
		t.Errorf("got %d failed polls; want 3", st.Errors)
	}
	if !strings.Contains(st.LastError, "injected") {
		t.Errorf("last error: got %q; want the store's", st.LastError)
	}
	if st.Duplicates != 30 {
		t.Errorf("got %d duplicates; want 30 (each record was in the file twice)", st.Duplicates)
	}
}

func TestMissingPathIsAnErrorThatRecovers(t *testing.T) {
	env := ingesttest.New(t)
	dir := filepath.Join(t.TempDir(), "later")
	r := env.Runner("files", "file", newSource(env, dir))
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "an error", func() bool { return r.Status().Errors > 0 })
	if st := r.Status(); !strings.Contains(st.LastError, "no such file") {
		t.Errorf("last error: got %q; want it to say the path is missing", st.LastError)
	}
	os.Mkdir(dir, 0o700)
	write(t, filepath.Join(dir, "a.json"), ingesttest.Lines(0, 5))
	ingesttest.Eventually(t, waitFor, "5 events", func() bool { return env.Events() == 5 })
	ingesttest.Eventually(t, waitFor, "running", func() bool { return r.Status().State == source.StateRunning })
}

func TestCheckpointsOfDeletedFilesAreForgotten(t *testing.T) {
	env := ingesttest.New(t)
	dir := t.TempDir()
	old, cur := filepath.Join(dir, "audit-1.json"), filepath.Join(dir, "audit-2.json")
	write(t, old, ingesttest.Lines(0, 3))
	write(t, cur, ingesttest.Lines(3, 6))
	s := newSource(env, dir)
	poll(t, s, env)
	saved, _ := env.Store.Checkpoints(context.Background(), "files")
	if len(saved) != 2 {
		t.Fatalf("checkpoints: %v; want one per file", saved)
	}
	if err := os.Remove(old); err != nil {
		t.Fatal(err)
	}
	poll(t, s, env)
	saved, _ = env.Store.Checkpoints(context.Background(), "files")
	if _, kept := saved[old]; kept || len(saved) != 1 {
		t.Errorf("checkpoints after %s was deleted: %v; want only %s's", old, saved, cur)
	}
	if got, want := env.Events(), int64(6); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
}
