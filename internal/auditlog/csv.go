package auditlog

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/honeyvault/honeyvault/internal/bom"
)

// The Azure portal exports a Log Analytics query's results ("Export to
// CSV") as RFC 4180 CSV: a header of column names, datetime columns
// suffixed with their zone ("TimeGenerated [UTC]"), one row per record,
// fields quoted when they hold commas, quotes or newlines, times written
// "11/20/2026, 8:00:01.123 AM", dynamic columns (AZKVAuditLogs' Identity)
// as JSON text and empty fields for nulls. A header is recognised by its
// columns — TimeGenerated and OperationName (OperationNameValue for
// AzureActivity) — not by a file name; each row then becomes a record: an
// object of the column names and the row's non-empty fields, which
// ParseRecord reads like any Log Analytics row. A header repeated further
// down (concatenated exports) starts a new column list.

// csvRows reads the rows of a CSV export.
type csvRows struct {
	r        *csv.Reader
	src      *boundedReader
	base     Position // where the CSV's first header starts
	cols     [][]byte // JSON-quoted names of the current header's columns
	nextLine int64    // CSV line after the last record read (1-based)
}

// startCSV switches to CSV when the line the decoder stands at the start of
// is the header of a Log Analytics export, and reports whether it did.
func (d *Decoder) startCSV() bool {
	b := d.ahead(hasNewline)
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if d.rerr == nil {
			return false // a line longer than the buffer is no header
		}
		i = len(b)
	}
	if _, ok := exportHeader(b[:i]); !ok {
		return false
	}
	var src io.Reader = bytes.NewReader(b)
	if d.rerr == nil {
		src = io.MultiReader(src, d.in)
	}
	bounded := &boundedReader{r: src, limit: int64(d.maxRecord()) + readBufSize}
	r := csv.NewReader(&bomDropper{r: bufio.NewReader(bounded), bol: true})
	r.FieldsPerRecord = -1 // rows are checked against their header here
	r.ReuseRecord = true
	d.csv = &csvRows{r: r, src: bounded, base: d.here(), nextLine: 1}
	return true
}

// csvNext returns the next row as a record.
func (d *Decoder) csvNext() ([]byte, Position, error) {
	c := d.csv
	for {
		offset := c.r.InputOffset()
		c.src.n = 0
		fields, err := c.r.Read()
		pos := c.position(offset, c.nextLine)
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			d.done = true
			return nil, pos, io.EOF
		case errors.As(err, &pe):
			pos.Line = c.base.Line + int64(pe.StartLine) - 1
			c.nextLine = int64(pe.Line) + 1
			return nil, pos, &RecordError{Pos: pos, Err: fmt.Errorf("CSV: %v (column %d)", pe.Err, pe.Column)}
		case errors.Is(err, errCSVTooLarge):
			d.done = true
			return nil, pos, &RecordError{Pos: pos, Err: fmt.Errorf("CSV row larger than %d bytes (a quoted field never closed?)", d.maxRecord()), Rest: true}
		case err != nil:
			d.setReadErr(err)
			return nil, pos, d.err
		}
		line, _ := c.r.FieldPos(0)
		pos.Line = c.base.Line + int64(line) - 1
		lastLine, _ := c.r.FieldPos(len(fields) - 1)
		c.nextLine = int64(lastLine+strings.Count(fields[len(fields)-1], "\n")) + 1
		if cols, ok := exportColumns(fields); ok {
			c.cols = cols
			continue
		}
		if len(fields) != len(c.cols) {
			return nil, pos, &RecordError{Pos: pos, Err: fmt.Errorf("CSV row of %d fields under a header of %d columns", len(fields), len(c.cols))}
		}
		obj := append(d.obj[:0], '{')
		for i, f := range fields {
			if f == "" || c.cols[i] == nil {
				continue
			}
			if len(obj) > 1 {
				obj = append(obj, ',')
			}
			obj = append(obj, c.cols[i]...)
			obj = append(obj, ':')
			obj = appendJSONString(obj, f)
		}
		d.obj = append(obj, '}')
		return d.obj, pos, nil
	}
}

// position is where a record that starts at CSV input offset offset and
// (at the latest) CSV line line is. Blank lines before a row, which the CSV
// reader skips, are counted to it.
func (c *csvRows) position(offset, line int64) Position {
	return Position{File: c.base.File, Line: c.base.Line + line - 1, Offset: c.base.Offset + offset}
}

// exportHeader parses line as CSV and reports whether it is the header of
// a Log Analytics export.
func exportHeader(line []byte) ([][]byte, bool) {
	if !bytes.Contains(bytes.ToLower(line), []byte("timegenerated")) {
		return nil, false // the cheap test first: most lines that get here are junk
	}
	r := csv.NewReader(bytes.NewReader(line))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		return nil, false
	}
	return exportColumns(fields)
}

// exportColumns reports whether fields are the header of a Log Analytics
// export and returns its columns as JSON-quoted names.
func exportColumns(fields []string) ([][]byte, bool) {
	var hasTime, hasOp bool
	for _, f := range fields {
		n := exportColumn(f)
		hasTime = hasTime || strings.EqualFold(n, "TimeGenerated")
		hasOp = hasOp || strings.EqualFold(n, "OperationName") || strings.EqualFold(n, "OperationNameValue")
	}
	if !hasTime || !hasOp {
		return nil, false
	}
	cols := make([][]byte, len(fields))
	for i, f := range fields {
		if n := exportColumn(f); n != "" {
			cols[i] = appendJSONString(nil, n)
		}
	}
	return cols, true
}

// exportColumn is a header's column name without what the portal adds:
// the zone of a datetime column ("TimeGenerated [UTC]", "[Local Time]")
// and, on the first column, a byte-order mark.
func exportColumn(h string) string {
	h = strings.TrimSpace(bom.TrimString(h))
	if i := strings.LastIndex(h, " ["); i > 0 && strings.HasSuffix(h, "]") {
		h = strings.TrimSpace(h[:i])
	}
	return h
}

// IsCSVExport reports whether an input starts (after a byte-order mark and
// blank lines) with the header of a Log Analytics CSV export: its rows are
// records only under that header, so such an input must be read whole.
func IsCSVExport(prefix []byte) bool { return looksLikeCSVExport(prefix) }

// looksLikeCSVExport reports whether an input starts with the header of a
// Log Analytics CSV export.
func looksLikeCSVExport(prefix []byte) bool {
	prefix = bom.TrimBlank(prefix)
	if i := bytes.IndexByte(prefix, '\n'); i >= 0 {
		prefix = prefix[:i]
	}
	_, ok := exportHeader(prefix)
	return ok
}

var errCSVTooLarge = errors.New("CSV row too large")

// boundedReader fails once more than limit bytes are read since n was last
// reset: encoding/csv keeps a quoted field that never closes in memory to
// the end of the input, and the decoder's memory must stay bounded.
type boundedReader struct {
	r        io.Reader
	n, limit int64
	failed   bool
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.failed || b.n > b.limit {
		b.failed = true
		return 0, errCSVTooLarge
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// bomDropper drops a byte-order mark at the start of a line: each of
// several concatenated exports starts with one, which encoding/csv would
// take for the start of a field.
type bomDropper struct {
	r    *bufio.Reader
	bol  bool   // rest starts a line
	rest []byte // read, not yet returned
	err  error
}

func (b *bomDropper) Read(p []byte) (int, error) {
	if len(b.rest) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		chunk, err := b.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil
		}
		if b.bol {
			chunk = bom.Trim(chunk)
		}
		if len(chunk) > 0 {
			b.bol = chunk[len(chunk)-1] == '\n'
		}
		b.rest, b.err = chunk, err
	}
	n := copy(p, b.rest)
	b.rest = b.rest[n:]
	if n == 0 {
		return 0, b.err
	}
	return n, nil
}

// appendJSONString appends s as a JSON string. Bytes that are not UTF-8
// are copied as they are (encoding/json reads them, and flexString keeps
// them for Event.storable to show), where encoding/json would write U+FFFD
// and lose what was sent.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
