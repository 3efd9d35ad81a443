package auditlog

// jsonScan walks one JSON text in a single pass, checking its syntax as
// encoding/json does (json.Valid), for the fast path (fastaudit.go). Its
// methods report false on anything they do not handle with certainty —
// invalid JSON, or nesting deeper than maxFastDepth — and the fast path
// then gives the record to encoding/json, which says what is wrong.
type jsonScan struct {
	b []byte
	i int
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
func (s *jsonScan) str() (lit []byte, escaped, nonASCII, ok bool) {
	if s.peek() != '"' {
		return nil, false, false, false
	}
	start := s.i
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start:s.i], escaped, nonASCII, true
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return nil, false, false, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					return nil, false, false, false
				}
				s.i += 6
			default:
				return nil, false, false, false
			}
		case c < 0x20:
			return nil, false, false, false
		default:
			if c >= 0x80 {
				nonASCII = true
			}
			s.i++
		}
	}
	return nil, false, false, false
}

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
		_, _, _, ok := s.str()
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
		if _, _, _, ok := s.str(); !ok || !s.eat(':') || !s.skip(depth) {
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
		lit, escaped, nonASCII, ok := s.str()
		if !ok || escaped || nonASCII || !s.eat(':') || !member(lit[1:len(lit)-1]) {
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

// text consumes a string value and returns its text as encoding/json hands
// it to a flexString (see unquote); any other value is not handled.
func (s *jsonScan) text() (string, bool) {
	lit, escaped, _, ok := s.str()
	if !ok {
		return "", false
	}
	if !escaped {
		return string(lit[1 : len(lit)-1]), true
	}
	t, err := unquote(lit)
	return t, err == nil
}
