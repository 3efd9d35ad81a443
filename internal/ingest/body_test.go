package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

// recorder is a BulkSubmitter in front of a real pipeline that notes every
// chunk it is handed, and can fail the one numbered failAt (from 1).
type recorder struct {
	next   BulkSubmitter
	mu     sync.Mutex
	chunks []recorded
	failAt int
}

type recorded struct {
	bulk           bool
	events, deads  int
	deadLetterRaws []string
}

func (r *recorder) note(b store.Batch, bulk bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := recorded{bulk: bulk, events: len(b.Events), deads: len(b.DeadLetters)}
	for _, d := range b.DeadLetters {
		c.deadLetterRaws = append(c.deadLetterRaws, d.Raw)
	}
	r.chunks = append(r.chunks, c)
	if len(r.chunks) == r.failAt {
		return errors.New("disk full")
	}
	return nil
}

func (r *recorder) Submit(ctx context.Context, b store.Batch) (store.Accepted, error) {
	if err := r.note(b, false); err != nil {
		return store.Accepted{}, err
	}
	return r.next.Submit(ctx, b)
}

func (r *recorder) SubmitBulk(ctx context.Context, b store.Batch) (store.Accepted, error) {
	if err := r.note(b, true); err != nil {
		return store.Accepted{}, err
	}
	return r.next.SubmitBulk(ctx, b)
}

func lines(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(record(i) + "\n")
	}
	return b.String()
}

func TestStreamBodyStoresLargeBodiesInChunks(t *testing.T) {
	p, st := newPipeline(t, nil)
	rec := &recorder{next: p}
	res, err := StreamBody(context.Background(), "http", strings.NewReader(lines(0, 2500)), Chunking{Records: 1000}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted.New != 2500 || res.Chunks != 3 || res.Read != 2500 || !res.Complete {
		t.Errorf("result %+v; want 2,500 new in 3 chunks, read whole", res)
	}
	for i, c := range rec.chunks {
		if !c.bulk || c.events > 1000 {
			t.Errorf("chunk %d: %+v; want at most 1,000 events, submitted as bulk", i, c)
		}
	}
	if n, _ := st.CountEvents(context.Background()); n != 2500 {
		t.Errorf("%d events stored; want 2,500", n)
	}

	// A body that fits in one chunk goes with the small batches.
	rec.chunks = nil
	res, err = StreamBody(context.Background(), "http", strings.NewReader(lines(5000, 5010)), Chunking{Records: 1000}, rec)
	if err != nil || res.Accepted.New != 10 {
		t.Fatalf("small body: %+v, %v", res, err)
	}
	if len(rec.chunks) != 1 || rec.chunks[0].bulk {
		t.Errorf("small body went as %+v; want one Submit", rec.chunks)
	}
}

// A body of up to Chunking.Whole records goes whole, through Submit (group
// committed with everything else waiting); a larger one starts with a chunk
// of Whole records and goes on in chunks of Records, all through SubmitBulk.
// A body of exactly one chunk's size is stored whole too.
func TestStreamBodyStoresWholeBodiesUpToWhole(t *testing.T) {
	p, st := newPipeline(t, nil)
	tests := []struct {
		name  string
		from  int
		n     int
		c     Chunking
		sizes []int
		bulk  bool
	}{
		{"below whole", 0, 700, Chunking{Records: 250, Whole: 1000}, []int{700}, false},
		{"exactly whole", 1000, 1000, Chunking{Records: 250, Whole: 1000}, []int{1000}, false},
		{"exactly one chunk, no whole", 2000, 250, Chunking{Records: 250}, []int{250}, false},
		{"above whole", 3000, 1600, Chunking{Records: 250, Whole: 1000}, []int{1000, 250, 250, 100}, true},
		{"whole below records means records", 5000, 30, Chunking{Records: 10, Whole: 5}, []int{10, 10, 10}, true},
	}
	stored := 0
	for _, tt := range tests {
		rec := &recorder{next: p}
		res, err := StreamBody(context.Background(), "http", strings.NewReader(lines(tt.from, tt.from+tt.n)), tt.c, rec)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		stored += tt.n
		if res.Accepted.New != tt.n || res.Chunks != len(tt.sizes) || !res.Complete {
			t.Errorf("%s: result %+v; want %d new in %d chunks", tt.name, res, tt.n, len(tt.sizes))
		}
		var sizes []int
		for _, c := range rec.chunks {
			sizes = append(sizes, c.events)
			if c.bulk != tt.bulk {
				t.Errorf("%s: chunk %+v; want bulk=%v", tt.name, c, tt.bulk)
			}
		}
		if !slices.Equal(sizes, tt.sizes) {
			t.Errorf("%s: chunks of %v records; want %v", tt.name, sizes, tt.sizes)
		}
	}
	if n, _ := st.CountEvents(context.Background()); n != int64(stored) {
		t.Errorf("%d events stored; want %d", n, stored)
	}
}

// Large records fill a chunk by their bytes before its record count.
func TestStreamBodyBoundsChunkBytes(t *testing.T) {
	p, _ := newPipeline(t, nil)
	rec := &recorder{next: p}
	res, err := StreamBody(context.Background(), "http", strings.NewReader(lines(0, 100)), Chunking{Records: 1000, Bytes: int64(10 * len(record(0)))}, rec)
	if err != nil || res.Accepted.New != 100 {
		t.Fatalf("%+v, %v", res, err)
	}
	if len(rec.chunks) < 9 {
		t.Errorf("%d chunks; want about 10 of 10 records", len(rec.chunks))
	}
	for i, c := range rec.chunks {
		if c.events > 11 {
			t.Errorf("chunk %d holds %d records; want about 10", i, c.events)
		}
	}
}

func TestStreamBodyDeadLettersKeepTheRawRecord(t *testing.T) {
	p, st := newPipeline(t, nil)
	body := record(1) + "\n{broken\n" + `{"hello":"world"}` + "\n" + lines(2, 30) + "not json either\n" + record(30) + "\n"
	for _, gz := range []bool{false, true} {
		in := []byte(body)
		if gz {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(in)
			zw.Close()
			in = b.Bytes()
		}
		rec := &recorder{next: p}
		res, err := StreamBody(context.Background(), "http", bytes.NewReader(in), Chunking{Records: 10}, rec)
		if err != nil {
			t.Fatal(err)
		}
		var raws []string
		for _, c := range rec.chunks {
			raws = append(raws, c.deadLetterRaws...)
		}
		if want := []string{"{broken", `{"hello":"world"}`, "not json either"}; strings.Join(raws, "|") != strings.Join(want, "|") {
			t.Errorf("gzip %v: dead letters hold %q; want %q", gz, raws, want)
		}
		if len(res.Errors) != 3 || res.Errors[0].Position != "line 2" || res.Errors[2].Position != "line 32" {
			t.Errorf("gzip %v: reported errors %+v", gz, res.Errors)
		}
	}
	if dl, _ := st.ListDeadLetters(context.Background(), 0, 10); len(dl) != 6 || dl[0].Raw != "not json either" {
		t.Errorf("stored dead letters: %+v", dl)
	}
}

func TestStreamBodyRefusesBodiesWithoutValidRecords(t *testing.T) {
	malformed := strings.Repeat(`{"hello":"world"}`+"\n", 15) // under one chunk of 20
	tests := []struct {
		name     string
		body     string
		want     error
		complete bool
	}{
		{"not JSON", "hello world", auditlog.ErrNotJSON, false},
		{"empty", "", auditlog.ErrNotJSON, false},
		{"blank past the sniffed prefix", strings.Repeat(" ", 2*auditlog.SniffSize), ErrNoRecords, true},
		{"malformed only", malformed, ErrNoValidRecord, true},
		{"a first chunk of malformed records, then good ones", malformed + malformed + lines(0, 5), ErrNoValidRecord, false},
	}
	p, st := newPipeline(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{next: p}
			res, err := StreamBody(context.Background(), "http", strings.NewReader(tt.body), Chunking{Records: 20}, rec)
			if !errors.Is(err, tt.want) || res.Complete != tt.complete {
				t.Errorf("got %v (complete %v); want %v (complete %v)", err, res.Complete, tt.want, tt.complete)
			}
			if len(rec.chunks) != 0 {
				t.Errorf("%d chunks submitted; want none", len(rec.chunks))
			}
		})
	}
	if n, _ := st.CountEvents(context.Background()); n != 0 {
		t.Errorf("%d events stored", n)
	}
	if dl, _ := st.CountDeadLetters(context.Background()); len(dl) != 0 {
		t.Errorf("dead letters stored: %v", dl)
	}
}

// A body that decompresses past the bound fails when the bound is reached,
// after storing the chunks before it, and says how many records those were.
func TestStreamBodyStopsAtTheDecompressedBound(t *testing.T) {
	p, st := newPipeline(t, nil)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, lines(0, 100))
	zw.Close()
	limit := int64(50*len(record(10)) + 40)
	res, err := StreamBody(context.Background(), "http", &gz, Chunking{Records: 10, MaxBody: limit}, &recorder{next: p})
	if !errors.Is(err, auditlog.ErrBodyTooLarge) {
		t.Fatalf("got %v; want ErrBodyTooLarge", err)
	}
	n, _ := st.CountEvents(context.Background())
	if n == 0 || n > 50 || int64(res.Accepted.New) != n {
		t.Errorf("%d events stored, %d reported; want the chunks before the bound", n, res.Accepted.New)
	}
}

// When the store refuses a chunk, reading stops: the body's reader is not
// read after StreamBody returns, and the chunks before stay stored.
func TestStreamBodyStopsOnAStoreFailure(t *testing.T) {
	p, st := newPipeline(t, nil)
	rec := &recorder{next: p, failAt: 2}
	body := &watchedReader{r: strings.NewReader(lines(0, 5000))}
	res, err := StreamBody(context.Background(), "http", body, Chunking{Records: 100}, rec)
	var se *SubmitError
	if !errors.As(err, &se) || res.Chunks != 1 || res.Accepted.New != 100 {
		t.Fatalf("got %+v, %v; want a SubmitError after one chunk", res, err)
	}
	body.close()
	if n, _ := st.CountEvents(context.Background()); n != 100 {
		t.Errorf("%d events stored; want the first chunk's 100", n)
	}
	if len(rec.chunks) > 3 {
		t.Errorf("%d chunks parsed; want reading to stop after the failure", len(rec.chunks))
	}
}

// watchedReader fails the test if read after close.
type watchedReader struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
}

func (w *watchedReader) Read(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		panic("body read after StreamBody returned")
	}
	return w.r.Read(p)
}

func (w *watchedReader) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}
