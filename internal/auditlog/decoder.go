package auditlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	// 1.6× the standard library's decompression speed, same API; a gzip
	// archive is otherwise what bounds a retro-hunt.
	"github.com/klauspost/compress/gzip"
)

// DefaultMaxRecordSize bounds the bytes one record may take (1 MiB). A Key
// Vault audit record is 1–3 KB and an Activity-log record rarely over
// 64 KB; a {"records":[...]} document or an array is not a record — its
// elements are streamed one by one — so it may be of any size.
const DefaultMaxRecordSize = 1 << 20

// maxDepth bounds nesting inside one record.
const maxDepth = 1000

const readBufSize = 64 << 10

// RecordError reports a malformed record and where it starts. The decoder
// that returned it goes on with the next record, unless Rest is set: then
// the rest of the stream could not be split into records (a broken
// pretty-printed document) and the next call returns io.EOF.
type RecordError struct {
	Pos  Position
	Err  error
	Rest bool
}

// Error formats the error for people.
func (e *RecordError) Error() string {
	msg := e.Pos.String() + ": " + e.Err.Error()
	if e.Rest {
		msg += " (rest of input skipped)"
	}
	return msg
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *RecordError) Unwrap() error { return e.Err }

// Decoder reads records of every shape from a stream: raw records,
// {"records":[...]} documents (the whole stream, pretty-printed or not, or
// one per line), JSON lines, JSON arrays of Log Analytics rows — gzip-
// compressed or not, detected from the first bytes. Memory stays bounded by
// MaxRecordSize plus a 64 KiB read buffer, whatever the input.
//
// The layout is decided once from the first line. When the first line
// opens a value it does not close ("{", "[", `{"records": [`) the input is
// one pretty-printed document in which newlines are only white space; else
// it is JSON lines, where a record never spans lines: a line that ends
// inside a record is reported and reading resumes on the next line, so one
// broken line costs one record. In a pretty-printed document, a record that
// is valid JSON in balance but not a valid record costs only itself; broken
// structure (unbalanced brackets, a cut-off string) cannot be resynchronised
// and ends the stream with a RecordError whose Rest is set.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	// MaxRecordSize bounds one record; 0 means DefaultMaxRecordSize. Set it
	// before the first call to Next or NextRaw.
	MaxRecordSize int
	// JSONLines, set before the first call, reads the input as JSON lines
	// without looking at its first line (for callers that split lines
	// themselves).
	JSONLines bool

	in      io.Reader
	body    []byte // in-memory input (NewDecoderBytes), read in place
	mem     bool   // body is the input
	base    Position
	started bool
	lines   bool

	buf      []byte
	pos, end int
	rerr     error // the source's error once it returned one (io.EOF at the end)
	line     int64 // line of buf[pos]
	off      int64 // stream offset of buf[pos]

	state    int
	wrapPos  Position // start of the current {"records":[...]} or array
	rec      []byte
	record   bool // copying consumed bytes to rec
	overflow bool // rec passed MaxRecordSize
	key      []byte
	stack    []byte
	done     bool
	err      error
}

const (
	stTop         = iota
	stArray       // inside a top-level array: elements are records
	stRecords     // inside the records array of a wrapper
	stWrapperRest // after the records array, before the wrapper's '}'
)

// NewDecoder returns a decoder reading r; file names the input in positions.
func NewDecoder(r io.Reader, file string) *Decoder {
	return &Decoder{in: r, base: Position{File: file, Line: 1}, line: 1}
}

// NewDecoderBytes returns a decoder over an in-memory body without copying
// it; positions count from base (its Line is the body's first line, its
// Offset the body's first byte; Line 0 is taken as 1). Gzip is detected as
// for a stream.
func NewDecoderBytes(body []byte, base Position) *Decoder {
	if base.Line == 0 {
		base.Line = 1
	}
	return &Decoder{body: body, mem: true, base: base, line: base.Line, off: base.Offset}
}

// Lines reports whether the input is read as JSON lines (see Decoder). It
// is known after the first call to Next or NextRaw.
func (d *Decoder) Lines() bool { return d.lines }

// Next returns the next record as an Event. At the end of the input it
// returns io.EOF. For a malformed record it returns a *RecordError and may
// be called again. Any other error (a read or decompression error) ends the
// stream.
func (d *Decoder) Next() (Event, error) {
	raw, pos, err := d.NextRaw()
	if err != nil {
		return Event{}, err
	}
	ev, err := ParseRecord(raw)
	if err != nil {
		return Event{}, &RecordError{Pos: pos, Err: err}
	}
	ev.Source = pos
	return ev, nil
}

// NextRaw returns the next record's bytes, unparsed, and where it starts —
// for callers that filter records before parsing them. The bytes are valid
// until the next call. Errors are as for Next; a record NextRaw returns may
// still fail ParseRecord.
func (d *Decoder) NextRaw() ([]byte, Position, error) {
	if !d.started {
		d.start()
	}
	for {
		if d.err != nil {
			return nil, d.here(), d.err
		}
		if d.done {
			return nil, d.here(), io.EOF
		}
		switch d.state {
		case stTop:
			if err := d.skipSpace(true); err != nil {
				return d.atEnd(err)
			}
			switch c := d.buf[d.pos]; c {
			case '{':
				raw, pos, err := d.topObject()
				if err != nil || raw != nil {
					return raw, pos, err
				}
			case '[':
				d.wrapPos = d.here()
				d.take()
				d.state = stArray
			default:
				pos := d.here()
				d.skipLine()
				return nil, pos, &RecordError{Pos: pos, Err: fmt.Errorf("unexpected %s outside a JSON value", quoteByte(c))}
			}
		case stArray, stRecords:
			if err := d.skipSpace(!d.lines); err != nil {
				return d.broken(d.wrapPos, err)
			}
			switch d.buf[d.pos] {
			case ']':
				d.take()
				if d.state == stRecords {
					d.state = stWrapperRest
				} else {
					d.state = stTop
				}
				continue
			case ',':
				d.take()
				continue
			}
			pos := d.here()
			d.beginRecord()
			err := d.scanValue()
			d.record = false
			if err != nil {
				return d.broken(pos, err)
			}
			if d.overflow {
				return nil, pos, &RecordError{Pos: pos, Err: d.tooLarge()}
			}
			return d.rec, pos, nil
		case stWrapperRest:
			if err := d.wrapperRest(); err != nil {
				return d.broken(d.wrapPos, err)
			}
		}
	}
}

// topObject reads a top-level object: a record, returned whole, or a
// {"records":[...]} wrapper, entered (nil, no error) so that its elements
// come one by one. Members before "records" are buffered like a record's
// until the wrapper is recognised.
func (d *Decoder) topObject() ([]byte, Position, error) {
	pos := d.here()
	d.wrapPos = pos
	d.beginRecord()
	d.take() // '{'
	for {
		if err := d.skipSpace(!d.lines); err != nil {
			return d.broken(pos, err)
		}
		c := d.buf[d.pos]
		if c == '}' {
			d.take()
			return d.endRecord(pos)
		}
		if c != '"' {
			return d.broken(pos, fmt.Errorf("want a member name, found %s", quoteByte(c)))
		}
		if err := d.scanString(); err != nil {
			return d.broken(pos, err)
		}
		if err := d.colon(); err != nil {
			return d.broken(pos, err)
		}
		if bytes.EqualFold(d.key, recordsKey) && d.buf[d.pos] == '[' {
			d.record = false
			d.take()
			d.state = stRecords
			return nil, pos, nil
		}
		if err := d.scanValue(); err != nil {
			return d.broken(pos, err)
		}
		if err := d.skipSpace(!d.lines); err != nil {
			return d.broken(pos, err)
		}
		switch c := d.buf[d.pos]; c {
		case ',':
			d.take()
		case '}':
			d.take()
			return d.endRecord(pos)
		default:
			return d.broken(pos, fmt.Errorf("want ',' or '}' after a member, found %s", quoteByte(c)))
		}
	}
}

// wrapperRest skips a wrapper's members after its records array; another
// "records" array is read like the first.
func (d *Decoder) wrapperRest() error {
	if err := d.skipSpace(!d.lines); err != nil {
		return err
	}
	switch c := d.buf[d.pos]; c {
	case '}':
		d.take()
		d.state = stTop
		return nil
	case ',':
		d.take()
	default:
		return fmt.Errorf("want ',' or '}' after the records array, found %s", quoteByte(c))
	}
	if err := d.skipSpace(!d.lines); err != nil {
		return err
	}
	if d.buf[d.pos] != '"' {
		return fmt.Errorf("want a member name, found %s", quoteByte(d.buf[d.pos]))
	}
	if err := d.scanString(); err != nil {
		return err
	}
	if err := d.colon(); err != nil {
		return err
	}
	if bytes.EqualFold(d.key, recordsKey) && d.buf[d.pos] == '[' {
		d.take()
		d.state = stRecords
		return nil
	}
	return d.scanValue()
}

func (d *Decoder) colon() error {
	if err := d.skipSpace(!d.lines); err != nil {
		return err
	}
	if c := d.buf[d.pos]; c != ':' {
		return fmt.Errorf("want ':' after a member name, found %s", quoteByte(c))
	}
	d.take()
	return d.skipSpace(!d.lines)
}

func (d *Decoder) endRecord(pos Position) ([]byte, Position, error) {
	d.record = false
	if d.overflow {
		return nil, pos, &RecordError{Pos: pos, Err: d.tooLarge()}
	}
	return d.rec, pos, nil
}

func (d *Decoder) tooLarge() error {
	return fmt.Errorf("record larger than %d bytes", d.maxRecord())
}

var recordsKey = []byte("records")

var (
	errCutLine = errors.New("line ends inside a record")
	errCutEOF  = errors.New("input ends inside a record")
)

// broken reports a structural error in the value that started at pos and
// resynchronises: on the next line for JSON lines; for a pretty-printed
// document there is nowhere to resume, so the rest is skipped.
func (d *Decoder) broken(pos Position, err error) ([]byte, Position, error) {
	d.record = false
	if d.err != nil { // a read error, not a syntax error
		return nil, pos, d.err
	}
	d.state = stTop
	if errors.Is(err, errCutEOF) {
		d.done = true
		return nil, pos, &RecordError{Pos: pos, Err: err}
	}
	if !d.lines {
		d.done = true
		return nil, pos, &RecordError{Pos: pos, Err: err, Rest: true}
	}
	if !errors.Is(err, errCutLine) {
		d.skipLine()
	}
	return nil, pos, &RecordError{Pos: pos, Err: err}
}

// atEnd turns the end of input at the top level into io.EOF or a read error.
func (d *Decoder) atEnd(err error) ([]byte, Position, error) {
	if d.err != nil {
		return nil, d.here(), d.err
	}
	d.done = true
	return nil, d.here(), io.EOF
}

func (d *Decoder) here() Position {
	return Position{File: d.base.File, Line: d.line, Offset: d.off}
}

func (d *Decoder) maxRecord() int {
	if d.MaxRecordSize > 0 {
		return d.MaxRecordSize
	}
	return DefaultMaxRecordSize
}

func (d *Decoder) beginRecord() {
	d.rec = d.rec[:0]
	d.record = true
	d.overflow = false
}

// keep appends consumed bytes to the record, up to the size bound.
func (d *Decoder) keep(b []byte) {
	if !d.record || d.overflow {
		return
	}
	if len(d.rec)+len(b) > d.maxRecord() {
		d.overflow = true
		d.rec = d.rec[:0]
		return
	}
	d.rec = append(d.rec, b...)
}

// start detects gzip and the layout from the first bytes.
func (d *Decoder) start() {
	d.started = true
	if d.mem && !isGzip(d.body) {
		d.buf, d.end, d.rerr = d.body, len(d.body), io.EOF
	} else {
		if d.mem {
			d.in = bytes.NewReader(d.body)
		}
		src, err := Decompress(d.in)
		if err != nil {
			d.err = err
			return
		}
		d.in = src
		d.buf = make([]byte, readBufSize)
		// Read until the first line is in (or the buffer is full): enough to
		// decide the layout without waiting on a slow stream for more.
		for d.end < len(d.buf) && d.rerr == nil && !firstLineIn(d.buf[:d.end]) {
			n, err := d.in.Read(d.buf[d.end:])
			d.end += n
			if err != nil {
				d.setReadErr(err)
			}
		}
	}
	if bytes.HasPrefix(d.buf[:d.end], []byte("\xef\xbb\xbf")) {
		d.pos, d.off = 3, d.off+3
	}
	d.lines = d.JSONLines || LooksLikeJSONLines(d.buf[d.pos:d.end])
}

func (d *Decoder) setReadErr(err error) {
	d.rerr = err
	if err != io.EOF {
		name := d.base.File
		if name == "" {
			name = "input"
		}
		d.err = fmt.Errorf("auditlog: reading %s: %w", name, err)
	}
}

// more makes sure at least one unread byte is buffered.
func (d *Decoder) more() bool {
	if d.pos < d.end {
		return true
	}
	for d.rerr == nil {
		d.pos, d.end = 0, 0
		n, err := d.in.Read(d.buf)
		d.end = n
		if err != nil {
			d.setReadErr(err)
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// take consumes one buffered byte.
func (d *Decoder) take() byte {
	c := d.buf[d.pos]
	d.keep(d.buf[d.pos : d.pos+1])
	d.pos++
	d.off++
	if c == '\n' {
		d.line++
	}
	return c
}

// takeSpan consumes n buffered bytes that hold no newline.
func (d *Decoder) takeSpan(n int) {
	d.keep(d.buf[d.pos : d.pos+n])
	d.pos += n
	d.off += int64(n)
}

// skipSpace consumes white space up to the next byte, which stays buffered.
// A newline is an error when newlineOK is false (inside a JSON-lines record).
func (d *Decoder) skipSpace(newlineOK bool) error {
	for {
		if !d.more() {
			return errCutEOF
		}
		switch d.buf[d.pos] {
		case ' ', '\t', '\r':
			d.take()
		case '\n':
			if !newlineOK {
				d.take()
				return errCutLine
			}
			d.take()
		default:
			return nil
		}
	}
}

// skipLine consumes everything up to and including the next newline.
func (d *Decoder) skipLine() {
	rec := d.record
	d.record = false
	for d.more() {
		i := bytes.IndexByte(d.buf[d.pos:d.end], '\n')
		if i >= 0 {
			d.takeSpan(i)
			d.take()
			break
		}
		d.takeSpan(d.end - d.pos)
	}
	d.record = rec
}

// scanValue consumes one JSON value starting at the buffered byte.
func (d *Decoder) scanValue() error {
	switch d.buf[d.pos] {
	case '"':
		return d.scanString()
	case '{', '[':
		return d.scanComposite()
	}
	return d.scanScalar()
}

// special marks the bytes scanComposite must look at.
var special = [256]bool{'{': true, '}': true, '[': true, ']': true, '"': true, '\n': true}

func (d *Decoder) scanComposite() error {
	d.stack = d.stack[:0]
	for {
		if !d.more() {
			return errCutEOF
		}
		i := d.pos
		for i < d.end && !special[d.buf[i]] {
			i++
		}
		if i > d.pos {
			d.takeSpan(i - d.pos)
			continue
		}
		switch c := d.buf[d.pos]; c {
		case '"':
			if err := d.scanString(); err != nil {
				return err
			}
		case '{', '[':
			if len(d.stack) == maxDepth {
				return fmt.Errorf("nested deeper than %d", maxDepth)
			}
			d.stack = append(d.stack, c+2) // '{'+2 == '}', '['+2 == ']'
			d.take()
		case '}', ']':
			if top := d.stack[len(d.stack)-1]; top != c {
				return fmt.Errorf("%s closed by %s", quoteByte(top-2), quoteByte(c))
			}
			d.stack = d.stack[:len(d.stack)-1]
			d.take()
			if len(d.stack) == 0 {
				return nil
			}
		case '\n':
			d.take()
			if d.lines {
				return errCutLine
			}
		}
	}
}

// scanString consumes a string, leaving its first bytes in d.key (enough to
// recognise "records").
func (d *Decoder) scanString() error {
	d.key = d.key[:0]
	d.take() // opening quote
	for {
		if !d.more() {
			return errCutEOF
		}
		i := d.pos
		for i < d.end {
			if c := d.buf[i]; c == '"' || c == '\\' || c == '\n' {
				break
			}
			i++
		}
		if n := i - d.pos; n > 0 {
			if room := 16 - len(d.key); room > 0 {
				d.key = append(d.key, d.buf[d.pos:d.pos+min(n, room)]...)
			}
			d.takeSpan(n)
			continue
		}
		switch d.take() {
		case '"':
			return nil
		case '\n':
			if d.lines {
				return errCutLine
			}
		case '\\':
			d.key = append(d.key, '\\') // an escaped name is not "records"
			if !d.more() {
				return errCutEOF
			}
			if d.take() == '\n' && d.lines {
				return errCutLine
			}
		}
	}
}

// scanScalar consumes a number, true, false or null (or junk of that kind,
// left for the JSON parser to name).
func (d *Decoder) scanScalar() error {
	n := 0
	for d.more() {
		switch d.buf[d.pos] {
		case ',', ']', '}', ' ', '\t', '\r', '\n':
			if n == 0 {
				return fmt.Errorf("unexpected %s", quoteByte(d.buf[d.pos]))
			}
			return nil
		case '{', '[', '"', ':':
			if n == 0 {
				return fmt.Errorf("unexpected %s", quoteByte(d.buf[d.pos]))
			}
			return nil
		}
		d.take()
		n++
	}
	if n == 0 {
		return errCutEOF
	}
	return nil
}

func quoteByte(c byte) string {
	if c == '\n' {
		return "end of line"
	}
	return strconv.QuoteRune(rune(c))
}

// Decompress returns r, or a reader of its decompressed bytes when r starts
// with the gzip magic number. Concatenated gzip members are read as one
// stream.
func Decompress(r io.Reader) (io.Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBufSize)
	}
	if magic, _ := br.Peek(2); !isGzip(magic) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("auditlog: gzip: %w", err)
	}
	return zr, nil
}

// LooksLikeJSONLines decides the layout from the first bytes of an
// (uncompressed) input. It is true when the first non-blank line holds
// complete values — JSON lines, or a whole document on one line. When the
// first line leaves a value open it is false — a pretty-printed document or
// an array spread over lines — except when that line starts an object, does
// not end with '{' or '[', and the next line starts another object at its
// first column: JSON lines whose first record is cut off.
func LooksLikeJSONLines(prefix []byte) bool {
	prefix = skipBlank(prefix)
	i := bytes.IndexByte(prefix, '\n')
	if i < 0 || len(prefix) == 0 || (prefix[0] != '{' && prefix[0] != '[') {
		return true
	}
	line := bytes.TrimSpace(prefix[:i])
	if closesValues(line) {
		return true
	}
	if last := line[len(line)-1]; prefix[0] == '[' || last == '{' || last == '[' {
		return false
	}
	next := bytes.TrimLeft(prefix[i+1:], "\r\n")
	return len(next) > 0 && next[0] == '{'
}

// closesValues reports whether line ends outside any object, array or string.
func closesValues(line []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range line {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	return depth <= 0 && !inString
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// firstLineIn reports whether b holds enough for LooksLikeJSONLines: the
// first non-blank line and, when that line leaves a value open, the first
// byte of the next one.
func firstLineIn(b []byte) bool {
	b = skipBlank(b)
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return false
	}
	return closesValues(b[:i]) || len(bytes.TrimLeft(b[i:], " \t\r\n")) > 0
}

// skipBlank skips leading white space and a byte-order mark.
func skipBlank(b []byte) []byte {
	b = bytes.TrimPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("\xef\xbb\xbf"))
	return bytes.TrimLeft(b, " \t\r\n")
}
