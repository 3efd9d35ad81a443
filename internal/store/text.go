package store

import (
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
