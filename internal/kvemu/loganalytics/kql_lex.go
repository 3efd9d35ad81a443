package loganalytics

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// tokKind is the kind of a KQL token.
type tokKind int

const (
	tkEOF      tokKind = iota
	tkIdent            // names, keywords and word operators (!in~, has_any, $left)
	tkString           // a string literal, unquoted
	tkNumber           // 42, 1.5
	tkTimespan         // 5m, 1h, 30s: a number with a unit
	tkRaw              // the text inside datetime(...), timespan(...) or dynamic(...)
	tkPunct            // == != =~ !~ <= >= < > = ( ) [ ] , ; | . .. + - * / %
)

// token is one lexed token; pos and end are byte offsets in the query, so
// the parser can tell that project-away is one word.
type token struct {
	kind     tokKind
	text     string // the ident, the punctuation, the raw text or the unquoted string
	num      float64
	isInt    bool
	span     time.Duration
	pos, end int
	// rawOf names the literal whose inside tkRaw holds: datetime, timespan or dynamic.
	rawOf string
}

// rawLiterals take their inside as text, not tokens: datetime(2026-11-20T00:00:00Z)
// is not an expression.
var rawLiterals = map[string]bool{"datetime": true, "timespan": true, "time": true, "dynamic": true}

// timespanUnits are the units of timespan literals (5m, 1.5h, 100ms).
var timespanUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"tick": 100 * time.Nanosecond, "ticks": 100 * time.Nanosecond,
}

// isIdentStart: names start with a letter, _ or $ ($left); a word
// operator's ! is lexed with it, so !in~ is one token.
func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || ('0' <= c && c <= '9') }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// lex splits a query into tokens.
func lex(q string) ([]token, error) {
	if !utf8.ValidString(q) {
		return nil, qerr("the query is not valid UTF-8")
	}
	var toks []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(q) && q[i+1] == '/':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			s, n, err := lexString(q[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tkString, text: s, pos: i, end: i + n})
			i += n
		case (c == '@' || c == 'h' || c == 'H') && i+1 < len(q) && (q[i+1] == '"' || q[i+1] == '\''):
			var s string
			var n int
			var err error
			if c == '@' {
				s, n, err = lexVerbatim(q[i+1:])
			} else { // h"..." is an obfuscated string: the same value
				s, n, err = lexString(q[i+1:])
			}
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tkString, text: s, pos: i, end: i + 1 + n})
			i += 1 + n
		case isDigit(c):
			t, err := lexNumber(q, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = t.end
		case isIdentStart(c) || (c == '!' && i+1 < len(q) && isIdentStart(q[i+1]) && q[i+1] != '$'):
			j := i + 1
			for j < len(q) && isIdentChar(q[j]) {
				j++
			}
			if j < len(q) && q[j] == '~' && (strings.EqualFold(q[i:j], "in") || strings.EqualFold(q[i:j], "!in")) {
				j++
			}
			word := q[i:j]
			if rawLiterals[strings.ToLower(word)] {
				if k := skipSpace(q, j); k < len(q) && q[k] == '(' {
					inner, end, err := lexRaw(q, k)
					if err != nil {
						return nil, err
					}
					toks = append(toks, token{kind: tkRaw, text: inner, rawOf: strings.ToLower(word), pos: i, end: end})
					i = end
					continue
				}
			}
			toks = append(toks, token{kind: tkIdent, text: word, pos: i, end: j})
			i = j
		default:
			p := lexPunct(q[i:])
			if p == "" {
				return nil, qerr("unexpected character %q at %d", q[i:i+1], i)
			}
			toks = append(toks, token{kind: tkPunct, text: p, pos: i, end: i + len(p)})
			i += len(p)
		}
	}
	return append(toks, token{kind: tkEOF, pos: len(q), end: len(q)}), nil
}

func skipSpace(q string, i int) int {
	for i < len(q) && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r') {
		i++
	}
	return i
}

// puncts, longest first.
var puncts = []string{"==", "!=", "=~", "!~", "<=", ">=", "..", "<>", "<", ">", "=", "(", ")", "[", "]", ",", ";", "|", ".", "+", "-", "*", "/", "%"}

func lexPunct(s string) string {
	for _, p := range puncts {
		if strings.HasPrefix(s, p) {
			if p == "<>" { // not KQL
				return ""
			}
			return p
		}
	}
	return ""
}

// lexString reads a quoted string with backslash escapes; n is its length
// with the quotes.
func lexString(s string) (string, int, error) {
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == quote:
			return b.String(), i + 1, nil
		case c == '\n':
			return "", 0, qerr("a string literal ends at the end of a line")
		case c == '\\':
			if i+1 >= len(s) {
				return "", 0, qerr("unterminated string literal")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\', '"', '\'':
				b.WriteByte(s[i])
			default:
				return "", 0, qerr("unknown escape \\%c in a string literal", s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, qerr("unterminated string literal")
}

// lexVerbatim reads @"..." (s starts at the quote): no escapes, a doubled
// quote is one quote.
func lexVerbatim(s string) (string, int, error) {
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == quote {
			if i+1 < len(s) && s[i+1] == quote {
				b.WriteByte(quote)
				i++
				continue
			}
			return b.String(), i + 1, nil
		}
		b.WriteByte(s[i])
	}
	return "", 0, qerr("unterminated verbatim string literal")
}

// lexNumber reads a number, or a timespan when a unit follows at once.
func lexNumber(q string, i int) (token, error) {
	j := i
	for j < len(q) && isDigit(q[j]) {
		j++
	}
	isInt := true
	if j+1 < len(q) && q[j] == '.' && isDigit(q[j+1]) {
		isInt = false
		j++
		for j < len(q) && isDigit(q[j]) {
			j++
		}
	}
	if j < len(q) && (q[j] == 'e' || q[j] == 'E') {
		k := j + 1
		if k < len(q) && (q[k] == '+' || q[k] == '-') {
			k++
		}
		if k < len(q) && isDigit(q[k]) {
			isInt = false
			for j = k; j < len(q) && isDigit(q[j]); j++ {
			}
		}
	}
	f, err := strconv.ParseFloat(q[i:j], 64)
	if err != nil {
		return token{}, qerr("bad number %q", q[i:j])
	}
	t := token{kind: tkNumber, text: q[i:j], num: f, isInt: isInt, pos: i, end: j}
	if j < len(q) && isIdentStart(q[j]) {
		k := j
		for k < len(q) && isIdentChar(q[k]) {
			k++
		}
		unit, ok := timespanUnits[strings.ToLower(q[j:k])]
		if !ok {
			return token{}, qerr("bad literal %q", q[i:k])
		}
		t.kind, t.span, t.end, t.text = tkTimespan, time.Duration(f*float64(unit)), k, q[i:k]
	}
	return t, nil
}

// lexRaw reads the parenthesised text at q[open] up to its matching
// parenthesis, skipping quoted parts.
func lexRaw(q string, open int) (inner string, end int, err error) {
	depth := 0
	var quote byte
	for i := open; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
			if depth == 0 {
				if c != ')' {
					return "", 0, qerr("unbalanced brackets in a literal at %d", open)
				}
				return strings.TrimSpace(q[open+1 : i]), i + 1, nil
			}
		}
	}
	return "", 0, qerr("unterminated literal at %d", open)
}
