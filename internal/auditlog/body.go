package auditlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/honeyvault/honeyvault/internal/bom"
)

// MaxBodySize bounds what a body may decompress to (256 MiB), for
// ParseBody, which holds it, and for OpenBody, which streams it: a small
// gzip body must not expand without limit, in memory or in work.
const MaxBodySize = 256 << 20

// maxBodySize is MaxBodySize, smaller in tests.
var maxBodySize = MaxBodySize

// ErrNotJSON is returned (wrapped, with what the body looks like) by
// ParseBody and OpenBody for a body that is neither JSON nor a Log
// Analytics CSV export.
var ErrNotJSON = errors.New("auditlog: body is not JSON audit records or a Log Analytics CSV export")

// ErrBodyTooLarge is returned by ParseBody, and by reads of an OpenBody
// stream, for a body that decompresses to more than MaxBodySize bytes.
var ErrBodyTooLarge = fmt.Errorf("auditlog: body larger than %d bytes", MaxBodySize)

// ParseBody parses one in-memory body of any shape (see Decoder: records,
// documents, JSON lines, arrays of rows, query API answers, CSV exports),
// gzip or not: message-based sources call it. It returns the events and
// the malformed records with their positions and reasons; the error is
// ErrNotJSON when the body starts like neither JSON nor a CSV export,
// ErrBodyTooLarge, or a decompression error, and then nothing else is
// returned.
func ParseBody(body []byte) ([]Event, []*RecordError, error) {
	return ParseBodyAt(body, Position{})
}

// ParseBodyAt is ParseBody with positions counted from base: its File, its
// Line as the body's first line and its Offset as the body's first byte.
func ParseBodyAt(body []byte, base Position) ([]Event, []*RecordError, error) {
	if IsGzip(body) {
		src, err := DecompressLimit(bytes.NewReader(body), int64(maxBodySize))
		if err != nil {
			return nil, nil, err
		}
		plain, err := io.ReadAll(src)
		if errors.Is(err, ErrBodyTooLarge) {
			return nil, nil, err
		}
		if err != nil {
			return nil, nil, fmt.Errorf("auditlog: gzip: %w", err)
		}
		body = plain
	}
	if len(body) > maxBodySize {
		return nil, nil, ErrBodyTooLarge
	}
	if err := SniffBody(body, true); err != nil {
		return nil, nil, err
	}
	var events []Event
	var bad []*RecordError
	d := NewDecoderBytes(body, base)
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return events, bad, nil
		}
		var re *RecordError
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

// SniffBody checks a body's first decompressed bytes: nil when they start
// like JSON or a Log Analytics CSV export, else ErrNotJSON saying what the
// body looks like. whole says prefix is the entire body; when it is not, a
// prefix of white space only decides nothing (nil), since the rest of the
// body may still start a value.
func SniffBody(prefix []byte, whole bool) error {
	t := bom.TrimBlank(prefix)
	switch {
	case len(t) == 0 && !whole:
		return nil
	case len(t) > 0 && (t[0] == '{' || t[0] == '[' || looksLikeCSVExport(t)):
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNotJSON, DescribeInput(prefix))
}

// SniffSize is how many leading bytes of a body SniffBody needs to decide.
const SniffSize = 64 << 10

// DecompressLimit returns a reader of r's bytes, decompressed when r starts
// with the gzip magic number, whose reads fail with ErrBodyTooLarge once
// more than limit bytes would come out: the bound holds as the body
// streams, whatever it expands to.
func DecompressLimit(r io.Reader, limit int64) (io.Reader, error) {
	src, err := Decompress(r)
	if err != nil {
		return nil, err
	}
	return &sizeLimit{r: src, left: limit}, nil
}

// sizeLimit is io.LimitReader that fails instead of ending at the limit.
type sizeLimit struct {
	r    io.Reader
	left int64
	err  error
}

func (l *sizeLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		n, l.err = int(l.left), ErrBodyTooLarge
		l.left = 0
		return n, l.err
	}
	l.left -= int64(n)
	return n, err
}

// OpenBody returns a decoder of a body streamed from r (any shape, gzip or
// not) that never holds more than its bounded buffers: reads past limit
// decompressed bytes fail with ErrBodyTooLarge (limit 0 means MaxBodySize).
// It reads the body's first bytes (up to SniffSize) to fail early, with
// ErrNotJSON, on a body that is neither JSON nor a CSV export. wrap, when
// not nil, is put between the decompressed stream and the decoder (to keep
// recent bytes for dead letters, say).
func OpenBody(r io.Reader, limit int64, wrap func(io.Reader) io.Reader) (*Decoder, error) {
	if limit <= 0 {
		limit = int64(maxBodySize)
	}
	src, err := DecompressLimit(r, limit)
	if err != nil {
		return nil, err
	}
	if wrap != nil {
		src = wrap(src)
	}
	br := bufio.NewReaderSize(src, SniffSize)
	// A read error here is left for the decoder to report with the first
	// record; only what was read decides.
	if prefix, err := br.Peek(SniffSize); err == nil || err == io.EOF {
		if err := SniffBody(prefix, err == io.EOF); err != nil {
			return nil, err
		}
	}
	return NewDecoder(br, ""), nil
}
