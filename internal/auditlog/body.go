package auditlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/honeyvault/honeyvault/internal/bom"
)

// MaxBodySize bounds what ParseBody will decompress and hold (256 MiB): a
// small gzip body must not expand without limit in memory.
const MaxBodySize = 256 << 20

// maxBodySize is MaxBodySize, smaller in tests.
var maxBodySize = MaxBodySize

// ErrNotJSON is returned (wrapped, with what the body looks like) by
// ParseBody for a body that is neither JSON nor a Log Analytics CSV export.
var ErrNotJSON = errors.New("auditlog: body is not JSON audit records or a Log Analytics CSV export")

// ErrBodyTooLarge is returned by ParseBody for a body that decompresses to
// more than MaxBodySize bytes.
var ErrBodyTooLarge = fmt.Errorf("auditlog: body larger than %d bytes", MaxBodySize)

// ParseBody parses one in-memory body of any shape (see Decoder: records,
// documents, JSON lines, arrays of rows, query API answers, CSV exports),
// gzip or not: the HTTP ingest endpoint and message-based sources call it.
// It returns the events and the malformed records with their positions and
// reasons; the error is ErrNotJSON when the body starts like neither JSON
// nor a CSV export, ErrBodyTooLarge, or a decompression error, and then
// nothing else is returned.
func ParseBody(body []byte) ([]Event, []*RecordError, error) {
	return ParseBodyAt(body, Position{})
}

// ParseBodyAt is ParseBody with positions counted from base: its File, its
// Line as the body's first line and its Offset as the body's first byte.
func ParseBodyAt(body []byte, base Position) ([]Event, []*RecordError, error) {
	if IsGzip(body) {
		src, err := Decompress(bytes.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		plain, err := io.ReadAll(io.LimitReader(src, int64(maxBodySize)+1))
		if err != nil {
			return nil, nil, fmt.Errorf("auditlog: gzip: %w", err)
		}
		if len(plain) > maxBodySize {
			return nil, nil, ErrBodyTooLarge
		}
		body = plain
	}
	if len(body) > maxBodySize {
		return nil, nil, ErrBodyTooLarge
	}
	trimmed := bom.TrimBlank(body)
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') && !looksLikeCSVExport(trimmed) {
		return nil, nil, fmt.Errorf("%w: %s", ErrNotJSON, DescribeInput(body))
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
