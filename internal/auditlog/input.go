package auditlog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	// 1.6× the standard library's decompression speed, same API; a gzip
	// archive is otherwise what bounds a retro-hunt.
	"github.com/klauspost/compress/gzip"

	"github.com/honeyvault/honeyvault/internal/bom"
)

// start detects gzip and skips a byte-order mark.
func (d *Decoder) start() {
	d.started = true
	switch {
	case d.mem && !IsGzip(d.body):
		d.buf, d.end, d.rerr = d.body, len(d.body), io.EOF
	case d.mid:
		d.buf = make([]byte, readBufSize)
		return
	default:
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
		d.ahead(func(b []byte) bool { return len(b) >= len(bom.UTF8) })
	}
	if n := bom.Len(d.buf[d.pos:d.end]); n > 0 {
		d.pos += n
		d.off += int64(n)
		d.lineOff = d.off
	}
}

// ahead returns the unread buffered bytes once enough says they suffice,
// reading more — after moving them to the front of the buffer — until
// then, until the input ends or until the buffer is full.
func (d *Decoder) ahead(enough func([]byte) bool) []byte {
	for !enough(d.buf[d.pos:d.end]) && d.rerr == nil {
		if d.pos > 0 {
			d.end = copy(d.buf, d.buf[d.pos:d.end])
			d.pos = 0
		}
		if d.end == len(d.buf) {
			break
		}
		n, err := d.in.Read(d.buf[d.end:])
		d.end += n
		if err != nil {
			d.setReadErr(err)
		}
	}
	return d.buf[d.pos:d.end]
}

func hasNewline(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }

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
		d.lineOff = d.off
	}
	return c
}

// takeSpan consumes n buffered bytes that hold no newline.
func (d *Decoder) takeSpan(n int) {
	d.keep(d.buf[d.pos : d.pos+n])
	d.pos += n
	d.off += int64(n)
}

// Decompress returns r, or a reader of its decompressed bytes when r starts
// with the gzip magic number. Concatenated gzip members are read as one
// stream.
func Decompress(r io.Reader) (io.Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBufSize)
	}
	if magic, _ := br.Peek(2); !IsGzip(magic) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("auditlog: gzip: %w", err)
	}
	return zr, nil
}

// IsGzip reports whether b starts with the gzip magic number: whether an
// input (a body, a file, a blob) is to be read through Decompress.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }
