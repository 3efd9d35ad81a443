package auditlog

import (
	"bytes"
	"fmt"
	"strconv"
)

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

// stringSpecial marks the bytes scanString must look at.
var stringSpecial = [256]bool{'"': true, '\\': true, '\n': true}

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
		for i < d.end && !stringSpecial[d.buf[i]] {
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
			// JSON strings never span lines: in a JSON line the record was
			// cut; in a pretty-printed value a string was, and reading on
			// would take the rest of the document for its content.
			return d.cutLine()
		case '\\':
			d.key = append(d.key, '\\') // an escaped name is not "records"
			if !d.more() {
				return errCutEOF
			}
			if d.take() == '\n' {
				return d.cutLine()
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
