package ingest

import (
	"context"
	"errors"
	"io"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Chunking bounds the chunks StreamBody stores a body in. The zero value
// takes the defaults.
type Chunking struct {
	// Records is the most records (events and dead letters) in one chunk;
	// 0: DefaultChunkRecords.
	Records int
	// Whole is the most records a body may hold and still be stored whole,
	// as one batch through Submit, where it is committed together with
	// whatever else waits (group commit); 0: Records. A larger body is
	// stored in chunks of Records through SubmitBulk, whose commits are
	// sized to keep the writer free for small batches. Typical forwarder
	// batches (hundreds of records) fit whole; only large uploads pay for
	// chunking.
	Whole int
	// Bytes is the most decompressed body bytes one chunk is read from;
	// 0: DefaultChunkBytes. It bounds a chunk of large records.
	Bytes int64
	// MaxBody bounds what the body decompresses to; 0: auditlog.MaxBodySize.
	MaxBody int64
}

// DefaultChunkRecords is how many records a chunk holds unless told
// otherwise: a few tens of milliseconds of the single writer's time at
// most, which is what a decoy access arriving meanwhile may have to wait.
const DefaultChunkRecords = 250

// DefaultChunkBytes bounds the body bytes of one chunk (1 MiB, 350 to
// 1,000 Key Vault records; a record may take it past by its own size):
// with the events parsed from them, what one chunk holds in memory.
const DefaultChunkBytes = 1 << 20

// MaxReportedErrors bounds the malformed records a BodyResult lists.
const MaxReportedErrors = 100

// BulkSubmitter stores batches durably: a body that fits in one chunk with
// Submit, the chunks of a larger one with SubmitBulk. *Pipeline is one.
type BulkSubmitter interface {
	Submit(ctx context.Context, b store.Batch) (store.Accepted, error)
	SubmitBulk(ctx context.Context, b store.Batch) (store.Accepted, error)
}

// BodyResult is what StreamBody stored of a body.
type BodyResult struct {
	// Accepted sums what the chunks stored came to.
	Accepted store.Accepted
	// Chunks is how many chunks were stored.
	Chunks int
	// Errors are the first MaxReportedErrors malformed records (position
	// and reason; Raw is not set), stored as dead letters unless the body
	// was refused.
	Errors []store.DeadLetter
	// Read is how many records (events and malformed ones) were read, and
	// Complete whether the body was read to its end.
	Read     int
	Complete bool
}

// ErrNoRecords is StreamBody's error for a body holding no record at all,
// and ErrNoValidRecord for one whose first chunk holds malformed records
// only (the whole body, when BodyResult.Complete). Nothing of such a body
// is stored.
var (
	ErrNoRecords     = errors.New("ingest: no records in body")
	ErrNoValidRecord = errors.New("ingest: no valid record in body")
)

// SubmitError is StreamBody's error when the store did not take a chunk:
// the client should send the body again (chunks stored before it are
// deduplicated).
type SubmitError struct{ Err error }

func (e *SubmitError) Error() string { return "ingest: chunk not stored: " + e.Err.Error() }

// Unwrap returns the store's error.
func (e *SubmitError) Unwrap() error { return e.Err }

// StreamBody reads a body of any shape (gzip or not) from r and stores it
// through sub in chunks of at most c.Records records and c.Bytes bytes,
// each durable before the next is submitted; the next chunk is parsed
// while one is stored. Memory stays bounded by two chunks and the
// decoder's buffers whatever the body holds; reads past c.MaxBody
// decompressed bytes fail with auditlog.ErrBodyTooLarge.
//
// Its errors: auditlog.ErrNotJSON (nothing stored), ErrNoRecords and
// ErrNoValidRecord (nothing stored), a read or decompression error or
// ErrBodyTooLarge (the chunks before it are stored: see the result), or a
// *SubmitError.
func StreamBody(ctx context.Context, source string, r io.Reader, c Chunking, sub BulkSubmitter) (BodyResult, error) {
	c = c.withDefaults()
	raw := &recentBytes{max: auditlog.DefaultMaxRecordSize + 4*auditlog.SniffSize}
	d, err := auditlog.OpenBody(r, c.MaxBody, func(src io.Reader) io.Reader { raw.r = src; return raw })
	if err != nil {
		return BodyResult{}, err
	}
	p := &chunker{source: source, c: c, d: d, raw: raw, out: make(chan chunk), stop: make(chan struct{})}
	errc := make(chan error, 1)
	go func() { errc <- p.run(); close(p.out) }()

	var res BodyResult
	var subErr error
	first := true
	for ch := range p.out {
		if subErr != nil {
			continue // drain: the producer stops at its next chunk
		}
		submit := sub.SubmitBulk
		if first && ch.last {
			submit = sub.Submit // the whole body is one chunk
		}
		first = false
		acc, err := submit(ctx, ch.batch)
		if err != nil {
			subErr = &SubmitError{Err: err}
			close(p.stop)
			continue
		}
		res.Chunks++
		res.Accepted.New += acc.New
		res.Accepted.Duplicate += acc.Duplicate
		res.Accepted.DeadLetters += acc.DeadLetters
	}
	err = <-errc // the producer has returned: r is no longer read
	res.Errors, res.Read, res.Complete = p.errors, p.read, p.complete
	if subErr != nil {
		return res, subErr
	}
	return res, err
}

func (c Chunking) withDefaults() Chunking {
	if c.Records <= 0 {
		c.Records = DefaultChunkRecords
	}
	if c.Whole < c.Records {
		c.Whole = c.Records
	}
	if c.Bytes <= 0 {
		c.Bytes = DefaultChunkBytes
	}
	if c.MaxBody <= 0 {
		c.MaxBody = auditlog.MaxBodySize
	}
	return c
}

type chunk struct {
	batch store.Batch
	last  bool
}

// chunker parses a body into chunks in its own goroutine (run).
type chunker struct {
	source string
	c      Chunking
	d      *auditlog.Decoder
	raw    *recentBytes
	out    chan chunk
	stop   chan struct{} // closed when the consumer wants no more
	errors []store.DeadLetter
	sent   bool // a chunk went out
	// read counts the records read; complete is set at the body's end.
	read     int
	complete bool
}

// run reads the body to its end, sending each full chunk and the last. A
// full chunk goes out when the record after it is read, so that a body
// that ends there is sent as its last (a body of exactly one chunk is
// stored whole). The first chunk may hold up to c.Whole records, so that a
// body of that many goes whole; the ones after it hold c.Records.
func (p *chunker) run() error {
	var b store.Batch
	start := int64(0) // body offset where the current chunk starts
	held := 0         // bytes of raw records the chunk's dead letters hold
	for {
		before := p.d.Offset()
		ev, err := p.d.Next()
		if err == io.EOF {
			p.complete = true
			return p.send(b, true)
		}
		var re *auditlog.RecordError
		if err != nil && !errors.As(err, &re) {
			return err
		}
		if p.full(b, before-start+int64(held)) {
			if err := p.send(b, false); err != nil {
				return err
			}
			b, start, held = store.Batch{}, before, 0
		}
		if re != nil {
			dl := store.DeadLetter{Source: p.source, Position: re.Pos.String(), Reason: re.Err.Error(), Raw: p.raw.line(re.Pos.Offset, store.MaxDeadLetterRaw)}
			b.DeadLetters = append(b.DeadLetters, dl)
			held += len(dl.Raw)
			if len(p.errors) < MaxReportedErrors {
				p.errors = append(p.errors, store.DeadLetter{Position: dl.Position, Reason: dl.Reason})
			}
		} else {
			b.Events = append(b.Events, ev)
		}
		p.read++
	}
}

// full reports whether chunk b, read from size bytes of the body, takes
// no more records.
func (p *chunker) full(b store.Batch, size int64) bool {
	limit := p.c.Records
	if !p.sent {
		limit = p.c.Whole
	}
	return len(b.Events)+len(b.DeadLetters) >= limit || size >= p.c.Bytes
}

// errStopped ends the producer when the consumer stopped taking chunks.
var errStopped = errors.New("ingest: body no longer read")

// send hands a chunk to the consumer. Until a chunk with an event has
// gone out, a body is not known to hold records: its first chunk is
// refused rather than stored if it holds only malformed ones.
func (p *chunker) send(b store.Batch, last bool) error {
	if !p.sent && len(b.Events) == 0 {
		switch {
		case len(b.DeadLetters) == 0:
			return ErrNoRecords
		case last:
			return ErrNoValidRecord
		}
		return ErrNoValidRecord
	}
	if len(b.Events)+len(b.DeadLetters) == 0 {
		return nil // the body ended with its last chunk
	}
	b.Source = p.source
	select {
	case p.out <- chunk{batch: b, last: last}:
		p.sent = true
		return nil
	case <-p.stop:
		return errStopped
	}
}
