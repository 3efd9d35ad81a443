package source

import (
	"bytes"
	"errors"
	"io"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/bom"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Layout is how an object (a blob, a file) holds its records.
type Layout int

// Layouts.
const (
	// LayoutUnknown: nothing to decide from yet (empty or blank).
	LayoutUnknown Layout = iota
	// LayoutLines: JSON lines, read incrementally up to the last complete
	// line (storage PT1H.json since late 2018, forwarders' files).
	LayoutLines
	// LayoutDocument: one document — {"records":[...]} (storage blobs
	// before late 2018), a pretty-printed file, a Log Analytics export
	// array or CSV export (whose rows mean something only under its
	// header) — read whole, as a stream, and again whenever it changes.
	LayoutDocument
)

// ChunkSize is how much of an object a file-like source reads at a time.
// Records are at most auditlog.DefaultMaxRecordSize, so a chunk holds at
// least one complete line unless the object is not JSON lines or a line
// holds a whole document (a query API answer, {"records":[...]}), which
// must then be streamed (see DecodeStreamAt).
const ChunkSize = 4 << 20

// DetectLayout decides an object's layout from its first bytes (up to
// ChunkSize of them). A first line that leaves a value open is a
// pretty-printed document; a first chunk with no line end at all is a
// one-line document (or a line still being written, which the document
// reader recognises as incomplete).
func DetectLayout(prefix []byte) Layout {
	t := bom.TrimBlank(prefix)
	switch {
	case len(t) == 0:
		return LayoutUnknown
	case bytes.IndexByte(t, '\n') < 0 || !auditlog.LooksLikeJSONLines(t) || auditlog.IsCSVExport(t):
		return LayoutDocument
	}
	return LayoutLines
}

// CompleteLines returns the part of chunk up to and including its last
// line end: what can be parsed now without cutting a record being written.
func CompleteLines(chunk []byte) []byte {
	return chunk[:bytes.LastIndexByte(chunk, '\n')+1]
}

// DocumentComplete reports whether a document's bytes end like a JSON
// value (a closing brace or bracket): a document still being written does
// not, and is left for a later poll.
func DocumentComplete(b []byte) bool {
	t := bytes.TrimRight(b, " \t\r\n")
	return len(t) > 0 && (t[len(t)-1] == '}' || t[len(t)-1] == ']')
}

// Decoding says how a source's records are decoded: the source's name
// (dead letters carry it) and what the records cannot say themselves
// (the Vault cluster whose audit device wrote them). The zero Options
// are the defaults.
type Decoding struct {
	Source  string
	Options auditlog.ParseOptions
}

// DecodeChunk is Decoding{Source: source}.Chunk.
func DecodeChunk(source string, chunk []byte, base auditlog.Position) ([]auditlog.Event, []store.DeadLetter, error) {
	return Decoding{Source: source}.Chunk(chunk, base)
}

// Chunk parses an in-memory chunk of records (JSON lines or a whole
// document) into events and dead letters, with positions counted from
// base. It fails only on a decompression error.
func (c Decoding) Chunk(chunk []byte, base auditlog.Position) ([]auditlog.Event, []store.DeadLetter, error) {
	d := auditlog.NewDecoderBytes(chunk, base)
	d.VaultCluster = c.Options.VaultCluster
	var events []auditlog.Event
	var bad []*auditlog.RecordError
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return events, ingest.DeadLetters(c.Source, chunk, base, bad), nil
		}
		var re *auditlog.RecordError
		if errors.As(err, &re) {
			bad = append(bad, re)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		events = append(events, ev)
	}
}

// StreamBatch is how many events DecodeStream hands over at a time.
const StreamBatch = 5000

// DecodeStream is Decoding{Source: source}.Stream.
func DecodeStream(source string, r io.Reader, file string, emit func(events []auditlog.Event, dead []store.DeadLetter, last bool) error) error {
	return Decoding{Source: source}.Stream(r, file, emit)
}

// Stream parses a stream of records of any shape (gzip or not) with
// bounded memory, calling emit with at most StreamBatch events at a time
// and once more, with last set, at the end (possibly empty). Dead letters
// carry position and reason but not the raw record, which the stream no
// longer holds.
func (c Decoding) Stream(r io.Reader, file string, emit func(events []auditlog.Event, dead []store.DeadLetter, last bool) error) error {
	return c.decode(auditlog.NewDecoder(r, file), emit)
}

// StreamAt is Stream for a part of an object that starts at a line, at
// base (see auditlog.NewDecoderAt): r is not compressed and has no
// byte-order mark.
func (c Decoding) StreamAt(r io.Reader, base auditlog.Position, emit func(events []auditlog.Event, dead []store.DeadLetter, last bool) error) error {
	return c.decode(auditlog.NewDecoderAt(r, base), emit)
}

func (c Decoding) decode(d *auditlog.Decoder, emit func(events []auditlog.Event, dead []store.DeadLetter, last bool) error) error {
	d.VaultCluster = c.Options.VaultCluster
	var events []auditlog.Event
	var dead []store.DeadLetter
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return emit(events, dead, true)
		}
		var re *auditlog.RecordError
		switch {
		case errors.As(err, &re):
			dead = append(dead, store.DeadLetter{Source: c.Source, Position: re.Pos.String(), Reason: re.Err.Error()})
		case err != nil:
			return err
		default:
			events = append(events, ev)
		}
		if len(events) >= StreamBatch {
			if err := emit(events, dead, false); err != nil {
				return err
			}
			events, dead = nil, nil
		}
	}
}
