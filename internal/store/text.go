package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/honeyvault/honeyvault/internal/storable"
)

// Text from outside (records, names people type, errors receivers send)
// is written in its storable form (see package storable) before it reaches
// either database: PostgreSQL refuses a NUL or bytes that are not UTF-8,
// SQLite does not, and both must hold the same thing. Records are made
// storable when they are parsed; the store does it again for every text it
// writes, so that nothing it is handed can make a write fail for good.

// maxKey bounds the text of an indexed column whose value comes from
// outside (a caller key, an incident's group key). PostgreSQL refuses an
// index entry over 2,704 bytes (SQLSTATE 54000) where SQLite takes any, so
// a forged record naming a 10 KB caller would be refused by one only.
const maxKey = 512

// boundKey returns s when it is at most maxKey bytes, else its beginning
// and a hash of the whole: equal values still make equal keys, and a
// person still recognises the value.
func boundKey(s string) string {
	if len(s) <= maxKey {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	suffix := "…sha256:" + hex.EncodeToString(sum[:16])
	cut := maxKey - len(suffix)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + suffix
}

// cleanText makes s storable (see package storable), trims it and bounds
// it to max bytes, cut at a character and marked with "…".
func cleanText(s string, max int) string {
	s = strings.TrimSpace(storable.Text(s))
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
