package vaultemu

import (
	"errors"
	"strings"
)

// pathPattern is a policy path in Vault's syntax: segments that are a
// literal or "+" (exactly one segment, any text), and optionally a final
// "*" that makes the pattern a prefix: "kv/data/+/db*" matches
// "kv/data/payments/db" and "kv/data/x/dbs/old".
type pathPattern struct {
	raw      string
	segments []string // of the pattern with any final "*" removed
	prefix   bool     // ended in "*"
}

// parsePattern checks a policy path: "*" only at the end, "+" only as a
// whole segment.
func parsePattern(raw string) (pathPattern, error) {
	if raw == "" {
		return pathPattern{}, errors.New("empty policy path")
	}
	body, prefix := strings.CutSuffix(raw, "*")
	if strings.Contains(body, "*") {
		return pathPattern{}, errors.New("policy path " + quote(raw) + ": * is allowed only at the end")
	}
	segs := strings.Split(body, "/")
	for i, s := range segs {
		if strings.Contains(s, "+") && s != "+" {
			return pathPattern{}, errors.New("policy path " + quote(raw) + ": + must be a whole segment")
		}
		if prefix && i == len(segs)-1 && s == "+" {
			// "+*" would be a segment wildcard and a glob at once: Vault
			// gives it no meaning, so neither do we.
			return pathPattern{}, errors.New("policy path " + quote(raw) + ": +* is not a valid segment")
		}
	}
	return pathPattern{raw: raw, segments: segs, prefix: prefix}, nil
}

// match reports whether a request path (no leading slash, no /v1/) is
// covered by the pattern.
func (p pathPattern) match(path string) bool {
	segs := p.segments
	if !p.prefix {
		parts := strings.Split(path, "/")
		if len(parts) != len(segs) {
			return false
		}
		for i, s := range segs {
			if s != "+" && s != parts[i] {
				return false
			}
		}
		return true
	}
	// Prefix: every segment but the last matches a whole path segment; the
	// last is a string prefix of what remains, slashes included.
	rest := path
	for _, s := range segs[:len(segs)-1] {
		seg, after, found := strings.Cut(rest, "/")
		if !found || (s != "+" && s != seg) {
			return false
		}
		rest = after
	}
	return strings.HasPrefix(rest, segs[len(segs)-1])
}

// firstWildcard is the byte offset of the first "+" or "*" (len when none).
func (p pathPattern) firstWildcard() int {
	if i := strings.IndexAny(p.raw, "+*"); i >= 0 {
		return i
	}
	return len(p.raw)
}

func (p pathPattern) plusCount() int {
	n := 0
	for _, s := range p.segments {
		if s == "+" {
			n++
		}
	}
	return n
}

// lowerThan reports whether p has lower priority than q when both match a
// path, by Vault's documented rules, in order: the first wildcard earlier;
// a glob where the other has none; more "+" segments; shorter; smaller.
func (p pathPattern) lowerThan(q pathPattern) bool {
	if a, b := p.firstWildcard(), q.firstWildcard(); a != b {
		return a < b
	}
	if p.prefix != q.prefix {
		return p.prefix
	}
	if a, b := p.plusCount(), q.plusCount(); a != b {
		return a > b
	}
	if len(p.raw) != len(q.raw) {
		return len(p.raw) < len(q.raw)
	}
	return p.raw < q.raw
}

func quote(s string) string { return `"` + s + `"` }
