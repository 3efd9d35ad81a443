package plant

import "strings"

// Case is how a name spells its words.
type Case uint8

// The cases a Key Vault name can use. Key Vault allows only letters, digits
// and dashes, so "snake_case" appears as kebab and PascalCase words are either
// run together or dashed (Title-Dashed).
const (
	Lower Case = iota // orders-db-password, ordersdbpassword
	Upper             // ORDERS-DB-PASSWORD
	Title             // OrdersDbPassword, Orders-Db-Password
	Camel             // ordersDbPassword
)

// String names the case style (kebab, lower, UPPER-KEBAB, PascalCase, ...).
func (c Case) String() string {
	switch c {
	case Lower:
		return "lower"
	case Upper:
		return "upper"
	case Title:
		return "title"
	case Camel:
		return "camel"
	}
	return "unknown"
}

func isLower(b byte) bool { return b >= 'a' && b <= 'z' }
func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }
func isAlnum(b byte) bool { return isLower(b) || isUpper(b) || isDigit(b) }

// splitCamel cuts a dash-free segment where the case changes and where
// letters meet digits: "OrdersDBPassword2" → Orders DB Password 2.
func splitCamel(s string) []string {
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		a, b := s[i-1], s[i]
		cut := isDigit(a) != isDigit(b) ||
			isLower(a) && isUpper(b) ||
			isUpper(a) && isUpper(b) && i+1 < len(s) && isLower(s[i+1])
		if cut {
			out = append(out, s[start:i])
			start = i
		}
	}
	return append(out, s[start:])
}

// splitWords returns the lower-case words of a name, segment or keyword:
// split at dashes and anything else that is not a letter or digit, at case
// changes, and inside run-together words the vocabulary knows.
func splitWords(s string) []string {
	var out []string
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r > 0x7f || !isAlnum(byte(r)) }) {
		for _, w := range splitCamel(seg) {
			out = append(out, segmentKnown(strings.ToLower(w))...)
		}
	}
	return out
}

// segmentKnown cuts a lower-case run into the fewest vocabulary words that
// cover it exactly ("connectionstring" → connection string), or returns it
// whole when no such cut exists.
func segmentKnown(w string) []string {
	n := len(w)
	if n < 4 || n > 64 || segmentVocab[w] {
		return []string{w}
	}
	// best[i] = fewest words covering w[:i]; from[i] = where the last word starts.
	best := make([]int, n+1)
	from := make([]int, n+1)
	for i := 1; i <= n; i++ {
		best[i] = -1
		for j := max(0, i-20); j <= i-2; j++ {
			if best[j] < 0 || !segmentVocab[w[j:i]] {
				continue
			}
			if c := best[j] + 1; best[i] < 0 || c < best[i] {
				best[i], from[i] = c, j
			}
		}
	}
	if best[n] < 2 {
		return []string{w}
	}
	var parts []string
	for i := n; i > 0; i = from[i] {
		parts = append(parts, w[from[i]:i])
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return parts
}

// caseOf classifies a segment by its letters; ok is false for segments that
// say nothing (no letters, or a single capital letter).
func caseOf(seg string) (c Case, ok bool) {
	var lo, up int
	first := byte(0)
	for i := 0; i < len(seg); i++ {
		b := seg[i]
		if isLower(b) || isUpper(b) {
			if first == 0 {
				first = b
			}
			if isLower(b) {
				lo++
			} else {
				up++
			}
		}
	}
	switch {
	case lo+up == 0:
		return 0, false
	case up == 0:
		return Lower, true
	case lo == 0:
		return Upper, up >= 2
	case isUpper(first):
		return Title, true
	default:
		return Camel, true
	}
}

// render spells lower-case words in case c, joined with dashes or not.
func render(words []string, c Case, dashed bool) string {
	parts := make([]string, 0, len(words))
	for i, w := range words {
		switch c {
		case Upper:
			w = strings.ToUpper(w)
		case Title:
			w = title(w)
		case Camel:
			if i > 0 {
				w = title(w)
			}
		}
		parts = append(parts, w)
	}
	sep := ""
	if dashed {
		sep = "-"
	}
	return strings.Join(parts, sep)
}

func title(w string) string {
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// squash is the form two names are compared in: lower-case, dashes removed.
// Key Vault itself compares case-insensitively; ignoring dashes as well keeps
// a decoy from being a near-copy ("DbPassword" next to "db-password") that a
// real workload could pick up by mistake.
func squash(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "-", ""))
}
