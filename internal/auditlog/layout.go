package auditlog

import (
	"bytes"

	"github.com/honeyvault/honeyvault/internal/bom"
)

// oneLine decides the layout of the top-level value that starts at the
// buffered byte (see Decoder): true for a JSON line.
func (d *Decoder) oneLine() bool {
	if d.off < d.lineEnd {
		return true // another value on a JSON line
	}
	b := d.ahead(hasNewline)
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		// The input ends on this line, or the line is longer than the
		// buffer: either way a line.
		d.lineEnd = d.off + int64(len(b))
		return true
	}
	one := valueOnOneLine(b[:i], func() byte {
		rest := d.ahead(func(b []byte) bool { return len(bytes.TrimLeft(b[i+1:], "\r\n")) > 0 })
		if rest = bytes.TrimLeft(rest[i+1:], "\r\n"); len(rest) > 0 {
			return rest[0]
		}
		return 0
	})
	if one {
		d.lineEnd = d.off + int64(i)
	}
	return one
}

// valueOnOneLine decides how the top-level value that starts line (the
// rest of its line, without the newline) is laid out: true for a JSON line,
// false for a value spread over lines. next returns the first byte of the
// next non-blank line (0 at the end of the input); it is called only when
// the line alone cannot tell.
//
// A line that ends with the closing bracket of the value's opening one is
// a JSON line without further ado: that is what the retro-hunt's parallel
// path takes for one too, and it must agree with this decoder.
func valueOnOneLine(line []byte, next func() byte) bool {
	line = bytes.TrimRight(line, " \t\r")
	if len(line) == 0 {
		return true
	}
	first, last := line[0], line[len(line)-1]
	if first == '{' && last == '}' || first == '[' && last == ']' {
		return true
	}
	depth, inString := nesting(line)
	switch {
	case depth <= 0 && !inString:
		return true // the line closes the value (and holds more after it)
	case inString:
		return true // a JSON string never spans lines: a record cut short
	case first == '[':
		return false // an array spread over lines
	case last == '{' || last == '[':
		return false // a pretty-printed object or array
	}
	// The line stops inside the object, outside a string: a record cut
	// short when the next line starts another object at its first column,
	// else a value pretty-printed with more than brackets on its first line.
	return next() == '{'
}

// nesting returns how many objects and arrays line leaves open (negative
// when it closes more than it opens) and whether it ends inside a string.
func nesting(line []byte) (depth int, inString bool) {
	escaped := false
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
	return depth, inString
}

// LooksLikeJSONLines reports how the first value of an (uncompressed)
// input is laid out (see Decoder): true when its first non-blank line holds
// it whole (JSON lines, or a whole document on one line) or when the input
// does not start with JSON; false for a pretty-printed document or an
// array spread over lines. A Decoder decides this for every top-level
// value; callers that must choose a reading strategy up front (a file
// source reading a growing file) ask it of the first.
func LooksLikeJSONLines(prefix []byte) bool {
	prefix = bom.TrimBlank(prefix)
	if len(prefix) == 0 || (prefix[0] != '{' && prefix[0] != '[') {
		return true
	}
	i := bytes.IndexByte(prefix, '\n')
	if i < 0 {
		return true
	}
	return valueOnOneLine(prefix[:i], func() byte {
		if next := bytes.TrimLeft(prefix[i+1:], "\r\n"); len(next) > 0 {
			return next[0]
		}
		return 0
	})
}
