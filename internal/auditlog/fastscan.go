package auditlog

// jsonScan walks one JSON text in a single pass, checking its syntax as
// encoding/json does (json.Valid), for the fast path (fastaudit.go). Its
// methods report false on anything they do not handle with certainty —
// invalid JSON, or nesting deeper than maxFastDepth — and the fast path
// then gives the record to encoding/json, which says what is wrong.
type jsonScan struct {
	b []byte
	i int
	// otherShape is set when a string ends like a key the general path
	// looks for before reading a record as Key Vault's (see str).
	otherShape bool
	// text is b as a string, made once (see value): the text of a value without
	// escapes is a slice of it, so that a record costs one allocation for
	// all of them (and keeps the record's bytes while any is held).
	text string
}

// maxFastDepth bounds the nesting the fast path walks through; deeper
// records (none are real) take the general path.
const maxFastDepth = 64

// space skips JSON white space.
func (s *jsonScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (s *jsonScan) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// eat consumes c, the next byte after white space, and reports whether it
// was there.
func (s *jsonScan) eat(c byte) bool {
	if s.peek() != c {
		return false
	}
	s.i++
	return true
}

// str consumes a string literal at the next byte and returns its bounds,
// quotes included, whether it holds escapes and whether it holds bytes
// that are not ASCII. Control characters are invalid JSON; bytes that are
// not UTF-8 are not (encoding/json takes them).
func (s *jsonScan) str() (start, end int, escaped, nonASCII, ok bool) {
	if s.peek() != '"' {
		return 0, 0, false, false, false
	}
	start = s.i
	s.i++
	for {
		for s.i < len(s.b) && !strStop[s.b[s.i]] {
			s.i++
		}
		if s.i >= len(s.b) {
			return 0, 0, false, false, false
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			if tail := s.b[max(start, s.i-len(ctSourceLiteral)):s.i]; hasSuffix(tail, vaultRequestKey) || string(tail) == ctSourceLiteral {
				s.otherShape = true
			}
			return start, s.i, escaped, nonASCII, true
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return 0, 0, false, false, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					return 0, 0, false, false, false
				}
				s.i += 6
			default:
				return 0, 0, false, false, false
			}
		case c < 0x20:
			return 0, 0, false, false, false
		default: // not ASCII
			nonASCII = true
			s.i++
		}
	}
}

// ctSourceLiteral is what isCloudTrail finds.
const ctSourceLiteral = `"eventSource"`

// hasSuffix is bytes.HasSuffix, inlined.
func hasSuffix(b, suffix []byte) bool {
	return len(b) >= len(suffix) && string(b[len(b)-len(suffix):]) == string(suffix)
}

// strStop marks the bytes str must look at: the end of the string, an
// escape, a control character (invalid) and bytes that are not ASCII.
var strStop = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80
	}
	return t
}()

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number consumes a number at the next byte (JSON's grammar exactly) and
// returns its text.
func (s *jsonScan) number() ([]byte, bool) {
	s.space()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return nil, false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return nil, false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return nil, false
		}
	}
	return s.b[start:s.i], true
}

// digits consumes one or more digits and reports whether there was one.
func (s *jsonScan) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// literal consumes word (true, false, null) at the next byte.
func (s *jsonScan) literal(word string) bool {
	s.space()
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// skip consumes any JSON value at the next byte, checking it; depth is the
// nesting of the value's container.
func (s *jsonScan) skip(depth int) bool {
	switch s.peek() {
	case '"':
		_, _, _, _, ok := s.str()
		return ok
	case '{':
		return s.skipObject(depth + 1)
	case '[':
		return s.skipArray(depth + 1)
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	_, ok := s.number()
	return ok
}

func (s *jsonScan) skipObject(depth int) bool {
	if depth > maxFastDepth || !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	for {
		if _, _, _, _, ok := s.str(); !ok || !s.eat(':') || !s.skip(depth) {
			return false
		}
		if s.eat('}') {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

func (s *jsonScan) skipArray(depth int) bool {
	if depth > maxFastDepth || !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		if !s.skip(depth) {
			return false
		}
		if s.eat(']') {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// members walks the object at the next byte, calling member for each
// member's name (a plain key: ASCII, no escapes — any other key ends the
// walk with false, since encoding/json would match it to a field by
// Unicode case folding) with the scanner at its value; member consumes the
// value and reports whether the walk goes on.
func (s *jsonScan) members(member func(key []byte) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	for {
		start, end, escaped, nonASCII, ok := s.str()
		if !ok || escaped || nonASCII || !s.eat(':') || !member(s.b[start+1:end-1]) {
			return false
		}
		if s.eat('}') {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// value consumes a string value and returns its text as encoding/json
// hands it to a flexString (see unquote); any other value is not handled.
func (s *jsonScan) value() (string, bool) {
	start, end, escaped, _, ok := s.str()
	if !ok {
		return "", false
	}
	if !escaped {
		if s.text == "" { // made at the first value: most records declined are declined by a key before
			s.text = string(s.b)
		}
		return s.text[start+1 : end-1], true
	}
	t, err := unquote(s.b[start:end])
	return t, err == nil
}
