package storage

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

const waitFor = 30 * time.Second

// hourBlob is where Azure writes a vault's records for one hour.
func hourBlob(vault string, hour int, roll string) string {
	return fmt.Sprintf("resourceId=/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/%s/y=2026/m=11/d=20/h=%02d/m=00/PT1H%s.json",
		vault, hour, roll)
}

// account is an Azurite account reached through a proxy that can be cut.
type account struct {
	t         *testing.T
	client    *azblob.Client
	proxy     *ingesttest.Proxy
	container string
}

var containers int

func newAccount(t *testing.T, az *testenv.Azurite) *account {
	t.Helper()
	proxy := ingesttest.NewProxy(t, strings.TrimPrefix(strings.SplitN(az.BlobURL, "/"+testenv.AzuriteAccount, 2)[0], "http://"))
	conn := strings.Replace(az.ConnectionString, strings.SplitN(az.BlobURL, "/"+testenv.AzuriteAccount, 2)[0], "http://"+proxy.Addr, 1)
	client, err := azblob.NewClientFromConnectionString(conn, &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
		// No retries, so the source sees an outage at once; a try's
		// timeout is a failure bound for a loaded machine.
		Retry: policy.RetryOptions{MaxRetries: -1, TryTimeout: time.Minute},
	}})
	if err != nil {
		t.Fatal(err)
	}
	containers++
	a := &account{t: t, client: client, proxy: proxy, container: fmt.Sprintf("insights-logs-auditevent-%d", containers)}
	if _, err := client.CreateContainer(context.Background(), a.container, nil); err != nil {
		t.Fatal(err)
	}
	return a
}

// appendTo appends body to an append blob, creating it if need be.
func (a *account) appendTo(name, body string) {
	a.t.Helper()
	ctx := context.Background()
	ab := a.client.ServiceClient().NewContainerClient(a.container).NewAppendBlobClient(name)
	if _, err := ab.GetProperties(ctx, nil); err != nil {
		if _, err := ab.Create(ctx, nil); err != nil {
			a.t.Fatal(err)
		}
	}
	if _, err := ab.AppendBlock(ctx, streaming.NopCloser(bytes.NewReader([]byte(body))), nil); err != nil {
		a.t.Fatal(err)
	}
}

// upload writes a block blob whole (the pre-2018 format).
func (a *account) upload(name, body string) {
	a.t.Helper()
	if _, err := a.client.UploadBuffer(context.Background(), a.container, name, []byte(body), nil); err != nil {
		a.t.Fatal(err)
	}
}

func (a *account) source(env *ingesttest.Env) *Source {
	return New(Config{Name: "archive", Container: a.container, Settle: time.Hour}, a.client, env.Store, nil)
}

func poll(t *testing.T, s *Source, env *ingesttest.Env) {
	t.Helper()
	if _, err := s.Poll(context.Background(), env.Pipeline); err != nil {
		t.Fatal(err)
	}
}

func recordsDoc(from, to int) string {
	var b strings.Builder
	b.WriteString(`{"records": [`)
	for i := from; i < to; i++ {
		if i > from {
			b.WriteString(", ")
		}
		b.WriteString(ingesttest.Record(i))
	}
	b.WriteString("]}")
	return b.String()
}

// One Azurite serves every scenario (it takes seconds to start); each
// scenario has its own container and store.
func TestAgainstAzurite(t *testing.T) {
	az := testenv.StartAzurite(t)
	t.Run("GrowingBlobsReadIncrementally", func(t *testing.T) { testGrowingBlobs(t, newAccount(t, az)) })
	t.Run("OldDocumentFormatReadWholeAndAgainWhenChanged", func(t *testing.T) { testDocumentFormat(t, newAccount(t, az)) })
	t.Run("RestartResumesExactly", func(t *testing.T) { testRestart(t, newAccount(t, az)) })
	t.Run("MalformedRecordsDeadLettered", func(t *testing.T) { testMalformed(t, newAccount(t, az)) })
	t.Run("BrokenConnectionComesBack", func(t *testing.T) { testBrokenConnection(t, newAccount(t, az)) })
	t.Run("SettledLastLine", func(t *testing.T) { testSettled(t, newAccount(t, az)) })
	t.Run("DeletedBlobsAreForgotten", func(t *testing.T) { testForget(t, newAccount(t, az)) })
}

// A blob the account's lifecycle policy deleted loses its checkpoint; the
// others keep theirs, and nothing is read twice.
func testForget(t *testing.T, a *account) {
	env := ingesttest.New(t)
	s := a.source(env)
	old, cur := hourBlob("KV-ONE", 7, ""), hourBlob("KV-ONE", 8, "")
	a.appendTo(old, ingesttest.Lines(0, 3))
	a.appendTo(cur, ingesttest.Lines(3, 5))
	poll(t, s, env)
	if _, err := a.client.DeleteBlob(context.Background(), a.container, old, nil); err != nil {
		t.Fatal(err)
	}
	a.appendTo(cur, ingesttest.Lines(5, 6))
	poll(t, s, env)
	cps, _ := env.Store.Checkpoints(context.Background(), "archive")
	if _, kept := cps[old]; kept || len(cps) != 1 {
		t.Errorf("checkpoints after the hour-7 blob was deleted: %v; want only the hour-8 blob's", cps)
	}
	if got, want := env.Events(), int64(6); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
}

func testGrowingBlobs(t *testing.T, a *account) {
	env := ingesttest.New(t)
	s := a.source(env)
	name := hourBlob("KV-ONE", 8, "")
	rec3 := ingesttest.Record(3)
	a.appendTo(name, ingesttest.Lines(0, 3)+rec3[:50])
	a.appendTo(hourBlob("KV-TWO", 8, ""), ingesttest.Lines(100, 102))
	a.upload("other/PT1H.json", ingesttest.Lines(200, 210)) // outside the prefix
	poll(t, s, env)
	if got, want := env.Events(), int64(5); got != want {
		t.Fatalf("first poll: got %d events; want %d (3 complete lines + 2 in another vault)", got, want)
	}
	a.appendTo(name, rec3[50:]+"\n"+ingesttest.Record(4)+"\n")
	// The hour's blob filled up: Azure goes on in PT1H_1.json.
	a.appendTo(hourBlob("KV-ONE", 8, "_1"), ingesttest.Lines(5, 8))
	poll(t, s, env)
	if got, want := env.Events(), int64(10); got != want {
		t.Fatalf("second poll: got %d events; want %d", got, want)
	}
	if d := env.DeadLetters(); len(d) != 0 {
		t.Errorf("got dead letters %+v; want none", d)
	}
	cps, _ := env.Store.Checkpoints(context.Background(), "archive")
	cp, _ := parseCheckpoint(cps[name])
	if got, want := cp.Offset, int64(len(ingesttest.Lines(0, 5))); got != want {
		t.Errorf("checkpoint offset: got %d; want %d (the blob's size)", got, want)
	}
	if len(cps) != 3 {
		t.Errorf("got checkpoints for %d blobs; want 3 (%v)", len(cps), cps)
	}
}

func testDocumentFormat(t *testing.T, a *account) {
	env := ingesttest.New(t)
	s := a.source(env)
	r := env.Runner("archive", "storage", s)
	name := hourBlob("KV-OLD", 7, "")
	a.upload(name, recordsDoc(0, 20))
	poll(t, s, env)
	poll(t, s, env) // unchanged: not read again
	if got, want := env.Events(), int64(20); got != want {
		t.Fatalf("got %d events; want %d", got, want)
	}
	a.upload(name, recordsDoc(0, 25)) // rewritten with five more
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "25 events", func() bool { return r.Status().Records == 25 })
	if got, want := env.Events(), int64(25); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
	if got, want := r.Status().Duplicates, int64(20); got != want {
		t.Errorf("got %d duplicates; want %d (the changed document is re-read whole)", got, want)
	}
}

func testRestart(t *testing.T, a *account) {
	env := ingesttest.New(t)
	name := hourBlob("KV-ONE", 9, "")
	for i := 0; i < 10; i++ {
		a.appendTo(name, ingesttest.Lines(i*20, i*20+20))
	}
	r := env.Runner("archive", "storage", a.source(env))
	stop := ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "200 events", func() bool { return env.Events() == 200 })
	stop()
	a.appendTo(name, ingesttest.Lines(200, 260)) // while honeyvault is down
	env.Reopen()
	r2 := env.Runner("archive", "storage", a.source(env))
	ingesttest.Start(t, r2)
	a.appendTo(name, ingesttest.Lines(260, 300))
	ingesttest.Eventually(t, waitFor, "the second runner's 100 records", func() bool { return r2.Status().Records == 100 })
	if got, want := env.Events(), int64(300); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
	if got := r2.Status().Duplicates; got != 0 {
		t.Errorf("after the restart %d records were read twice; want 0", got)
	}
}

func testMalformed(t *testing.T, a *account) {
	env := ingesttest.New(t)
	name := hourBlob("KV-BAD", 8, "")
	a.appendTo(name, ingesttest.Record(0)+"\n{\"operationName\": \n"+ingesttest.Record(1)+"\nnot json\n")
	poll(t, a.source(env), env)
	if got, want := env.Events(), int64(2); got != want {
		t.Errorf("got %d events; want %d", got, want)
	}
	d := env.DeadLetters()
	if len(d) != 2 {
		t.Fatalf("got dead letters %+v; want 2", d)
	}
	for i, want := range []string{name + ":2", name + ":4"} {
		if got := d[i].Position; got != want {
			t.Errorf("dead letter %d: got position %q; want %q", i, got, want)
		}
		if d[i].Source != "archive" || d[i].Reason == "" {
			t.Errorf("dead letter %d: got %+v; want source and reason", i, d[i])
		}
	}
}

func testBrokenConnection(t *testing.T, a *account) {
	env := ingesttest.New(t)
	name := hourBlob("KV-ONE", 10, "")
	a.appendTo(name, ingesttest.Lines(0, 10))
	r := env.Runner("archive", "storage", a.source(env))
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "10 events", func() bool { return env.Events() == 10 })

	a.proxy.Down()
	ingesttest.Eventually(t, waitFor, "failed polls", func() bool { return r.Status().Errors >= 2 })
	if st := r.Status(); st.State != source.StateBackoff && st.State != source.StateRunning {
		t.Errorf("state: got %q; want backoff", st.State)
	}
	a.proxy.Up(t)
	a.appendTo(name, ingesttest.Lines(10, 40))
	ingesttest.Eventually(t, waitFor, "40 events after the connection came back", func() bool { return env.Events() == 40 })
	ingesttest.Eventually(t, waitFor, "running", func() bool { return r.Status().State == source.StateRunning })
	if got := r.Status().Duplicates; got != 0 {
		t.Errorf("got %d duplicates; want 0", got)
	}
}

func testSettled(t *testing.T, a *account) {
	env := ingesttest.New(t)
	s := a.source(env)
	a.appendTo(hourBlob("KV-ONE", 11, ""), ingesttest.Lines(0, 2)+ingesttest.Record(2))
	poll(t, s, env)
	if got, want := env.Events(), int64(2); got != want {
		t.Fatalf("before settling: got %d events; want %d", got, want)
	}
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	poll(t, s, env)
	poll(t, s, env)
	if got, want := env.Events(), int64(3); got != want {
		t.Fatalf("after settling: got %d events; want %d", got, want)
	}
}
