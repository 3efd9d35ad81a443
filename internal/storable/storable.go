// Package storable makes text from outside storable alike in every database
// honeyvault supports. PostgreSQL's text refuses a NUL and bytes that are
// not UTF-8 (SQLSTATE 22021) where SQLite takes them, so a record holding
// either used to be refused by one backend and stored by the other.
//
// Text escapes those bytes instead of dropping or replacing them, so an
// analyst still sees what was sent: a NUL becomes the six characters
// \u0000 (its spelling in JSON, where records come from), and each byte
// that is not part of valid UTF-8 becomes \xNN. Everything else, including
// other control characters and backslashes, is kept as it is: the escapes
// are for reading, not a reversible encoding.
package storable

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Is reports whether s can be stored as it is: valid UTF-8 without a NUL.
func Is(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// Text returns s with every NUL written \u0000 and every byte that is not
// valid UTF-8 written \xNN (lower-case hex); s itself when it holds
// neither, without allocating.
func Text(s string) string {
	if Is(s) {
		return s
	}
	const digits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0:
			b.WriteString(`\u0000`)
			i++
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\x`)
				b.WriteByte(digits[c>>4])
				b.WriteByte(digits[c&0xf])
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
		}
	}
	return b.String()
}

// Cut returns Text(s) cut to at most n bytes, at a character boundary (an
// escape may be cut short, which leaves it readable).
func Cut(s string, n int) string {
	s = Text(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// MaxKey bounds the text of an indexed column whose value comes from
// outside (a caller key, an incident's group key). PostgreSQL refuses an
// index entry over 2,704 bytes (SQLSTATE 54000) where SQLite takes any, so
// a forged record naming a 10 KB caller would be refused by one only.
const MaxKey = 512

// Key returns s when it is at most MaxKey bytes, else its beginning and a
// hash of the whole: equal values still make equal keys, and a person
// still recognises the value. s should be storable already (see Text).
func Key(s string) string {
	if len(s) <= MaxKey {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	suffix := "…sha256:" + hex.EncodeToString(sum[:16])
	cut := MaxKey - len(suffix)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + suffix
}
