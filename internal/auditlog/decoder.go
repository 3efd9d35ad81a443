package auditlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
// that returned it goes on with the next record. Rest is set when the rest
// of a pretty-printed value could not be split into records (broken
// structure): the decoder skipped to the next line that starts with '{' or
// '[', or, in a CSV export, to the end of the input.
type RecordError struct {
	Pos  Position
	Err  error
	Rest bool
}

// Error formats the error for people.
func (e *RecordError) Error() string {
	msg := e.Pos.String() + ": " + e.Err.Error()
	if e.Rest {
		msg += " (" + RestSkipped + ")"
	}
	return msg
}

// RestSkipped says what a RecordError with Rest set cost.
const RestSkipped = "rest of the document skipped"

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *RecordError) Unwrap() error { return e.Err }

// Decoder reads records of every shape from a stream: raw records,
// {"records":[...]} documents (the whole stream, pretty-printed or not, or
// one per line), JSON lines, JSON arrays of Log Analytics rows, the query
// API's {"tables":[...]} answers and the portal's CSV exports of Log
// Analytics tables — gzip-compressed or not, detected from the first
// bytes. Memory stays bounded by MaxRecordSize plus a 64 KiB read buffer,
// whatever the input.
//
// The layout is decided per top-level value, from the line it starts on, so
// a stream may switch between layouts (concatenated Event Hubs captures
// do). A value whose line closes it — or ends with its closing bracket, or
// ends inside a string, or is an object followed by a line that starts
// another at its first column — is a JSON line: a record never spans
// lines, a line that ends inside one is reported and reading resumes on the
// next line, so one broken line costs one record. Any other value (an
// array, or an object whose line ends with '{' or '[' or is followed by an
// indented line) is pretty-printed, and newlines in it are only white
// space. In a pretty-printed value, a record that is valid JSON in balance
// but not a valid record costs only itself; broken structure (unbalanced
// brackets, a cut-off string) cannot be resynchronised inside the value:
// the decoder reports it with Rest set and resumes at the next line that
// starts with '{' or '['. A line that is not JSON and reads as the header
// of a Log Analytics CSV export (TimeGenerated and OperationName columns)
// starts CSV: every following row is a record, to the end of the input.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	// MaxRecordSize bounds one record; 0 means DefaultMaxRecordSize. Set it
	// before the first call to Next or NextRaw.
	MaxRecordSize int
	// JSONLines, set before the first call, reads every value as a JSON
	// line without looking at its layout (for callers that split lines
	// themselves).
	JSONLines bool
	// VaultCluster names the HashiCorp Vault / OpenBao cluster whose audit
	// device wrote the input (see ParseOptions); "" means
	// DefaultVaultCluster.
	VaultCluster string

	in      io.Reader
	body    []byte // in-memory input (NewDecoderBytes), read in place
	mem     bool   // body is the input
	mid     bool   // the input starts mid-stream (NewDecoderAt): no gzip, no byte-order mark
	base    Position
	started bool
	lines   bool  // the current top-level value is one JSON line
	lineEnd int64 // stream offset of the end of the line the last JSON-lines value started on

	buf      []byte
	pos, end int
	rerr     error // the source's error once it returned one (io.EOF at the end)
	line     int64 // line of buf[pos]
	off      int64 // stream offset of buf[pos]
	lineOff  int64 // stream offset of the start of the current line

	state    int
	wrapPos  Position // start of the current {"records":[...]}, {"tables":[...]} or array
	rec      []byte
	record   bool // copying consumed bytes to rec
	overflow bool // rec passed MaxRecordSize
	key      []byte
	stack    []byte
	done     bool
	err      error

	// parsed holds the events of the last record Next read; pending the
	// ones it has not returned yet.
	parsed, pending []Event

	table *tableState // inside a query answer's tables
	csv   *csvRows    // after a CSV export's header: every row is a record
	obj   []byte      // a table's or CSV row rendered as a JSON object
}

const (
	stTop         = iota
	stArray       // inside a top-level array: elements are records
	stRecords     // inside the records array of a wrapper
	stWrapperRest // after a records or tables array, before the wrapper's '}'
	stTables      // inside a query answer's tables array: elements are tables
	stTable       // inside one table object
	stRows        // inside a table's rows array: elements are rows
)

// NewDecoder returns a decoder reading r; file names the input in positions.
func NewDecoder(r io.Reader, file string) *Decoder {
	return &Decoder{in: r, base: Position{File: file, Line: 1}, line: 1}
}

// NewDecoderAt returns a decoder reading r from the middle of a stream:
// base is where r's first byte is (its Line is taken as 1 when 0), r is
// already decompressed and starts at the beginning of a line, and there is
// no byte-order mark to skip.
func NewDecoderAt(r io.Reader, base Position) *Decoder {
	if base.Line == 0 {
		base.Line = 1
	}
	return &Decoder{in: r, mid: true, base: base, line: base.Line, off: base.Offset, lineOff: base.Offset}
}

// NewDecoderBytes returns a decoder over an in-memory body without copying
// it; positions count from base (its Line is the body's first line, its
// Offset the body's first byte; Line 0 is taken as 1). Gzip is detected as
// for a stream.
func NewDecoderBytes(body []byte, base Position) *Decoder {
	if base.Line == 0 {
		base.Line = 1
	}
	return &Decoder{body: body, mem: true, base: base, line: base.Line, off: base.Offset, lineOff: base.Offset}
}

// Next returns the next record as an Event. At the end of the input it
// returns io.EOF. For a malformed record it returns a *RecordError and may
// be called again. Any other error (a read or decompression error) ends the
// stream.
//
// A record that is several events (see AppendEvents) comes out as several
// calls' results, each with the record's position.
func (d *Decoder) Next() (Event, error) {
	if len(d.pending) > 0 {
		ev := d.pending[0]
		d.pending = d.pending[1:]
		return ev, nil
	}
	raw, pos, err := d.NextRaw()
	if err != nil {
		return Event{}, err
	}
	events, err := AppendEventsWith(d.parsed[:0], raw, ParseOptions{VaultCluster: d.VaultCluster})
	if err != nil {
		return Event{}, &RecordError{Pos: pos, Err: err}
	}
	for i := range events {
		events[i].Source = pos
	}
	d.parsed = events
	d.pending = events[1:]
	return events[0], nil
}

// NextRaw returns the next record's bytes, unparsed, and where it starts —
// for callers that filter records before parsing them. The bytes are valid
// until the next call. Errors are as for Next; a record NextRaw returns may
// still fail ParseRecord, and may be several events (AppendEvents). A
// decoder is read with Next or with NextRaw, not both: NextRaw skips the
// events of the last record Next has not returned yet.
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
		if d.csv != nil {
			return d.csvNext()
		}
		switch d.state {
		case stTop:
			if err := d.skipSpace(true); err != nil {
				return d.atEnd(err)
			}
			switch c := d.buf[d.pos]; c {
			case '{', '[':
				d.lines = d.JSONLines || d.oneLine()
				if c == '[' {
					d.wrapPos = d.here()
					d.take()
					d.state = stArray
					continue
				}
				raw, pos, err := d.topObject()
				if err != nil || raw != nil {
					return raw, pos, err
				}
			default:
				if !d.JSONLines && d.off == d.lineOff && d.startCSV() {
					continue
				}
				if d.off == d.lineOff && d.skipEntryPrefix() {
					continue
				}
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
			return d.element()
		case stWrapperRest:
			if err := d.wrapperRest(); err != nil {
				return d.broken(d.wrapPos, err)
			}
		case stTables, stTable, stRows:
			raw, pos, err := d.tableStep()
			if err != nil || raw != nil {
				return raw, pos, err
			}
		}
	}
}

// element reads one element of an array as a record.
func (d *Decoder) element() ([]byte, Position, error) {
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
}

// AtLineStart reports whether the decoder stands between top-level values
// at the start of a line — after skipping the blanks and the newline that
// end the current one — and where that line starts. A caller that reads
// lines itself (the retro-hunt's parallel path) may take over from there.
// It is false inside a document and after a CSV header.
func (d *Decoder) AtLineStart() (Position, bool) {
	if !d.started || d.err != nil || d.csv != nil || d.state != stTop || len(d.pending) > 0 {
		return Position{}, false
	}
	for d.off != d.lineOff {
		if !d.more() {
			return d.here(), d.err == nil
		}
		switch d.buf[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.take()
		default:
			return Position{}, false
		}
	}
	return d.here(), true
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
		if st, ok := d.wrapperArray(); ok {
			d.record = false
			d.take()
			d.enter(st)
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

// wrapperArray reports whether the member just named opens the records
// array of a {"records":[...]} wrapper or the tables array of a query
// answer, and the state that reads it.
func (d *Decoder) wrapperArray() (int, bool) {
	if d.buf[d.pos] != '[' {
		return 0, false
	}
	switch {
	case bytes.EqualFold(d.key, recordsKey):
		return stRecords, true
	case bytes.EqualFold(d.key, tablesKey):
		return stTables, true
	}
	return 0, false
}

// enter starts reading a wrapper's array.
func (d *Decoder) enter(state int) {
	d.state = state
	if state == stTables {
		d.table = &tableState{}
	}
}

// wrapperRest skips a wrapper's members after its records or tables array;
// another such array is read like the first.
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
	if st, ok := d.wrapperArray(); ok {
		d.take()
		d.enter(st)
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

var (
	recordsKey = []byte("records")
	tablesKey  = []byte("tables")
)

var (
	errCutLine   = errors.New("line ends inside a record")
	errCutEOF    = errors.New("input ends inside a record")
	errCutString = errors.New("line ends inside a string")
)

// cutLine is the error for a newline inside a string.
func (d *Decoder) cutLine() error {
	if d.lines {
		return errCutLine
	}
	return errCutString
}

// broken reports a structural error in the value that started at pos and
// resynchronises: on the next line for a JSON line; for a pretty-printed
// value, whose structure is lost, at the next line that starts with '{' or
// '[' (the next document of a concatenation, or JSON lines).
func (d *Decoder) broken(pos Position, err error) ([]byte, Position, error) {
	d.record = false
	if d.err != nil { // a read error, not a syntax error
		return nil, pos, d.err
	}
	d.state = stTop
	d.table = nil
	if errors.Is(err, errCutEOF) {
		d.done = true
		return nil, pos, &RecordError{Pos: pos, Err: err}
	}
	if !d.lines {
		d.resync()
		return nil, pos, &RecordError{Pos: pos, Err: err, Rest: true}
	}
	if !errors.Is(err, errCutLine) {
		d.skipLine()
	}
	return nil, pos, &RecordError{Pos: pos, Err: err}
}

// resync skips to the next line that starts with '{' or '[' — the current
// one when the decoder stands at its start.
func (d *Decoder) resync() {
	for d.more() {
		if d.off == d.lineOff && (d.buf[d.pos] == '{' || d.buf[d.pos] == '[') {
			return
		}
		d.skipLine()
	}
}

// atEnd turns the end of input at the top level into io.EOF or a read error.
func (d *Decoder) atEnd(err error) ([]byte, Position, error) {
	if d.err != nil {
		return nil, d.here(), d.err
	}
	d.done = true
	return nil, d.here(), io.EOF
}

// Offset returns the stream offset of the next byte the decoder will
// consume: what lies before it, the decoder is done with. It may read
// ahead of it by its buffer (64 KiB), or in a CSV export by up to a row of
// MaxRecordSize and 8 KiB.
func (d *Decoder) Offset() int64 {
	if d.csv != nil {
		return d.csv.base.Offset + d.csv.r.InputOffset()
	}
	return d.off
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
