package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

// collector is a BulkSubmitter that keeps what it is handed.
type collector struct{ batches []store.Batch }

func (c *collector) Submit(_ context.Context, b store.Batch) (store.Accepted, error) {
	c.batches = append(c.batches, b)
	return store.Accepted{New: len(b.Events), DeadLetters: len(b.DeadLetters)}, nil
}

func (c *collector) SubmitBulk(ctx context.Context, b store.Batch) (store.Accepted, error) {
	return c.Submit(ctx, b)
}

// FuzzStreamBody checks that a body streamed in chunks of three records,
// one byte at a time, yields what the same body parsed whole in memory
// does: the same events in the same order, the same malformed records with
// the same raw bytes, and a refusal only where the whole body (or its first
// chunk) holds no valid record. No chunk is ever larger than its bound.
func FuzzStreamBody(f *testing.F) {
	fixtures, _ := filepath.Glob("../auditlog/testdata/*.json")
	for _, name := range fixtures {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", " ", "{", `{"records":[`, record(1) + "\n{broken\n" + record(2), "x\n" + record(3),
		`{"hello":"world"}` + "\n" + record(4) + "\n" + record(5) + "\n" + record(6) + "\n" + record(7)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, bad, perr := auditlog.ParseBody(body)
		var c collector
		res, err := StreamBody(context.Background(), "fuzz", iotest.OneByteReader(bytes.NewReader(body)), Chunking{Records: 3}, &c)
		var got store.Batch
		for _, b := range c.batches {
			if len(b.Events)+len(b.DeadLetters) > 3 {
				t.Fatalf("a chunk of %d records", len(b.Events)+len(b.DeadLetters))
			}
			got.Events = append(got.Events, b.Events...)
			got.DeadLetters = append(got.DeadLetters, b.DeadLetters...)
		}
		switch {
		case perr != nil:
			if err == nil {
				t.Fatalf("stored a body ParseBody refuses (%v)", perr)
			}
			return
		case errors.Is(err, ErrNoRecords) || errors.Is(err, ErrNoValidRecord):
			if len(c.batches) > 0 || (res.Complete && len(events) > 0) {
				t.Fatalf("%v, but %d events in the body and %d chunks stored", err, len(events), len(c.batches))
			}
			return
		case err != nil:
			t.Fatalf("StreamBody: %v (ParseBody took it)", err)
		}
		if len(got.Events) != len(events) {
			t.Fatalf("%d events streamed; %d parsed whole", len(got.Events), len(events))
		}
		for i := range events {
			if a, b := fmt.Sprint(got.Events[i]), fmt.Sprint(events[i]); a != b {
				t.Fatalf("event %d:\nstreamed %s\nwhole    %s", i, a, b)
			}
		}
		// The stream keeps a malformed record's bytes from a gzip body too;
		// the whole-body path only from a plain one.
		plain := body
		if r, err := auditlog.DecompressLimit(bytes.NewReader(body), auditlog.MaxBodySize); err == nil {
			plain, _ = io.ReadAll(r)
		}
		want := DeadLetters("fuzz", plain, auditlog.Position{}, bad)
		if len(got.DeadLetters) != len(want) {
			t.Fatalf("%d dead letters streamed; %d parsed whole", len(got.DeadLetters), len(want))
		}
		for i := range want {
			if got.DeadLetters[i] != want[i] {
				t.Fatalf("dead letter %d:\nstreamed %+v\nwhole    %+v", i, got.DeadLetters[i], want[i])
			}
		}
	})
}
