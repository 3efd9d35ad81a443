package detect

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// storeNames is the Prefilter's check for names that hold bytes Key
// Vault's do not (/ _ + = . @) and appear in records as JSON strings
// rather than after a '/' in a URI: Secrets Manager's, whose secretId is
// the name, a partial ARN ending ":secret:{name}", a full ARN
// ":secret:{name}-{6 chars}". (It would hold a Vault path, the end of
// "{mount}/{segment}/{name}", just as well; Index.Prefilter files those
// in the Prefilter's table instead, which is faster.)
//
// Why it cannot miss. The parsers take such a name whole from the end of
// a JSON string — the string itself, its part after an ARN's "secret:",
// or its part after a '/' — and a full ARN's name is the part before a
// final dash and six letters or digits. Unless a JSON escape hides a byte
// (which Prefilter.Match passes to the parser anyway), the record's raw
// bytes then hold the name right before a '"' (or before "-XXXXXX" and
// the '"'), as a suffix of the run of store-name bytes there that starts
// at the run's start or after a '/' (or ':') within it. storeNames hashes
// every such candidate, case-folded, and tests a Bloom filter and then the
// set. (A parser that took a name from the middle of a string would need
// this check widened.)
type storeNames struct {
	bloom   []uint64
	mask    uint64
	set     map[uint64]struct{}
	lengths [maxStoreName/64 + 1]uint64 // bit n set when some name has n bytes
	// minLen and maxLen bound the names' lengths: no candidate outside
	// them is hashed.
	minLen, maxLen int
	// tails has a bit set for the last four bytes (case-folded) of every
	// name, so that a run whose end no name shares is not hashed at all;
	// anyTail is set when a name is shorter than four bytes.
	tails   [1 << tailBits / 64]uint64
	anyTail bool
	// pairs has a bit set for the last two bytes of every name, in each
	// spelling storeNameByte folds alike, as the record's bytes read them
	// (a little-endian uint16): the first test at each '"', one load and
	// one bit, cheaper than tails, which turns away nearly every string
	// and every opening quote (after a ':' or ','). anyPair is set when
	// a name is shorter than two bytes.
	pairs   [1 << 16 / 64]uint64
	anyPair bool
	// bare is set when a name is a JSON number or boolean (see
	// matchBare).
	bare bool
}

const tailBits = 16

// tailHash hashes the four bytes before end, case-folded.
func tailHash(b []byte, end int) uint32 {
	v := uint32(storeNameByte[b[end-4]])<<24 | uint32(storeNameByte[b[end-3]])<<16 | uint32(storeNameByte[b[end-2]])<<8 | uint32(storeNameByte[b[end-1]])
	return v * 0x9E3779B1 >> (32 - tailBits)
}

// maxStoreName bounds the names storeNames holds (Secrets Manager allows
// 512 bytes; the registry bounds Vault paths alike).
const maxStoreName = 512

// storeNameByte maps the bytes of store names — letters, digits and
// / _ + = . @ - : , — to their lower case, others to 0. A run of them is
// where a name may hide. ':' and ',' are Vault path bytes; in an ARN the
// ':' before the name is in the run too, which is why candidates start
// after every ':' as well as every '/'.
var storeNameByte = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case c >= 'A' && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			t[c] = byte(c)
		}
	}
	for _, c := range "/_+=.@-:," {
		t[c] = byte(c)
	}
	return t
}()

func newStoreNames(names []string) *storeNames {
	if len(names) == 0 {
		return nil
	}
	s := &storeNames{set: make(map[uint64]struct{}, len(names)), minLen: maxStoreName}
	size := min(max(1<<bits.Len(uint(len(names)*16)), 1<<12), 1<<24)
	s.bloom, s.mask = make([]uint64, size/64), uint64(size-1)
	for _, n := range names {
		if len(n) == 0 || len(n) > maxStoreName {
			continue
		}
		h := storeHash(n)
		s.set[h] = struct{}{}
		s.minLen, s.maxLen = min(s.minLen, len(n)), max(s.maxLen, len(n))
		s.addPair(n)
		s.bare = s.bare || mayBeBare(n) && json.Valid([]byte(n))
		if len(n) < 4 {
			s.anyTail = true
		} else {
			t := tailHash([]byte(n), len(n))
			s.tails[t/64] |= 1 << (t % 64)
		}
		s.lengths[len(n)/64] |= 1 << (len(n) % 64)
		b := (h >> 32) & s.mask
		s.bloom[b/64] |= 1 << (b % 64)
	}
	return s
}

// addPair sets the bits of pairs for the last two bytes of name.
func (s *storeNames) addPair(name string) {
	if len(name) < 2 {
		s.anyPair = true
		return
	}
	for _, a := range spellings(name[len(name)-2]) {
		for _, b := range spellings(name[len(name)-1]) {
			k := uint16(a) | uint16(b)<<8
			s.pairs[k/64] |= 1 << (k % 64)
		}
	}
}

// spellings returns the bytes storeNameByte folds as it folds c: c's
// upper and lower case for a letter, c itself for another name byte, and
// for a byte it maps to 0 every such byte (more than needed, and rare).
func spellings(c byte) []byte { return spellingsOf[c] }

// spellingsOf is spellings for every byte, worked out once: two loops over
// 256 bytes for each of 10,000 names were a tenth of a scan's start-up.
var spellingsOf = func() (t [256][]byte) {
	for c := range 256 {
		for x := range 256 {
			if storeNameByte[x] == storeNameByte[c] {
				t[c] = append(t[c], byte(x))
			}
		}
	}
	return t
}()

// mayBeBare reports whether name may be a JSON number or boolean (or
// null), by its first byte (or a blank before it): json.Valid, which
// allocates an error for every name that is not, need not run for the
// others.
func mayBeBare(name string) bool {
	return name != "" && strings.IndexByte("-0123456789tfn \t\r\n", name[0]) >= 0
}

// pairAt reports whether the two bytes before end end some name (see
// pairs); end must be at least 2.
func (s *storeNames) pairAt(b []byte, end int) bool {
	k := uint16(b[end-2]) | uint16(b[end-1])<<8
	return s.pairs[k/64]&(1<<(k%64)) != 0
}

// storeHash is FNV-1a over the case-folded name read backwards, never
// 0: every candidate of a run ends at one of two places (see run), so
// hashing from there towards the run's start yields all of them in one
// pass.
func storeHash(name string) uint64 {
	h := uint64(fnvOffset)
	for i := len(name) - 1; i >= 0; i-- {
		c := storeNameByte[name[i]]
		if c == 0 {
			c = name[i]
		}
		h = fnvAdd(h, c)
	}
	return h | 1
}

func (s *storeNames) has(h uint64, n int) bool {
	if n > maxStoreName || s.lengths[n/64]&(1<<(n%64)) == 0 {
		return false
	}
	b := (h >> 32) & s.mask
	if s.bloom[b/64]&(1<<(b%64)) == 0 {
		return false
	}
	_, ok := s.set[h|1]
	return ok
}

// match reports whether record holds a candidate (see storeNames) that is
// one of the names. A name ends its JSON string, so only what comes before
// each '"' is looked at: first whether the two bytes there (or before a
// final "-XXXXXX") end some name (pairs), which turns nearly every string
// away at once; then the run of name bytes there, as far back as the
// longest name reaches.
//
// Only the quotes that may close a string value are looked at: in JSON
// the parser accepts, a value's closing quote is followed by a blank,
// ',', '}', ']' or the end (and in a CSV export's doubled quotes by
// another '"'), never by a letter, a digit or ':' — the first byte of a
// string after its opening quote, or what follows a key, and no parser
// takes a name from a key. That skips three quotes in four.
//
// They are found eight bytes at a time (quotes, nameStarts), not with
// bytes.IndexByte: a CloudTrail record has a '"' every nine bytes or so,
// too close together for IndexByte's vector loop to pay for its call —
// that call was a third of the CloudTrail retro-hunt's time.
func (s *storeNames) match(record []byte) bool {
	if s.bare {
		return s.matchBare(record)
	}
	i := 0
	for ; i+9 <= len(record); i += 8 {
		q := quotes(binary.LittleEndian.Uint64(record[i:])) &^ nameStarts(binary.LittleEndian.Uint64(record[i+1:]))
		for ; q != 0; q &= q - 1 {
			end := i + bits.TrailingZeros64(q)>>3
			// pairs first, here rather than in endsAt, so that the
			// common case is inlined: neither the string's end nor the
			// two bytes before a full ARN's "-XXXXXX" end a name.
			if end >= 9 && !s.anyPair && !s.pairAt(record, end) && (record[end-7] != '-' || !s.pairAt(record, end-7)) && record[end-1] != '\\' {
				continue
			}
			if s.endsAt(record, end) {
				return true
			}
		}
	}
	for ; i < len(record); i++ {
		if record[i] == '"' && (i+1 == len(record) || !nameStart(record[i+1])) && s.endsAt(record, i) {
			return true
		}
	}
	return false
}

// matchBare is match for names a JSON number or boolean spells ("12345",
// "true"): the CloudTrail parser reads such a bare value as its text, so
// the name may end before a ',', '}', ']' or blank as well as a '"'.
// Decoys are not named so in practice; this path is only correct, not
// fast.
func (s *storeNames) matchBare(record []byte) bool {
	for i, c := range record {
		switch c {
		case '"', ',', '}', ']', ' ', '\t', '\r', '\n':
			if s.endsAt(record, i) {
				return true
			}
		}
	}
	return s.endsAt(record, len(record))
}

// quotes returns the high bit of every byte of w that is '"', and no
// other bit. (The exact form of the zero-byte test: the high bit of
// (x&0x7f)+0x7f, or of x itself, is set exactly when a byte x is not 0,
// and the sum never carries into the next byte.)
func quotes(w uint64) uint64 {
	x := w ^ 0x2222222222222222
	return ^((x & lows) + lows | x) & highs
}

const lows, highs = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080

// nameStarts returns the high bit of every byte of w that is a letter, a
// digit or ':' (see nameStart), and no other bit.
func nameStarts(w uint64) uint64 {
	return (inRange(w, '0', ':') | inRange(w|0x2020202020202020, 'a', 'z')) &^ w & highs
}

// inRange returns, for the bytes of w below 0x80, the high bit of those
// in [lo, hi] (and junk in the high bits of the others, which callers
// clear). Adding to a byte's low seven bits never carries out of it.
func inRange(w uint64, lo, hi byte) uint64 {
	const ones = 0x0101010101010101
	t := w & lows
	return (t + ones*uint64(0x80-lo)) &^ (t + ones*uint64(0x7f-hi)) & highs
}

// nameStart reports whether c is a letter, a digit or ':', which follow
// an opening quote or a key, never a string value's closing quote.
func nameStart(c byte) bool {
	return c >= '0' && c <= ':' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// endsAt reports whether a candidate that is one of the names ends at the
// '"' at end. A '\' before it is where the string ends: a string holding
// JSON (requestParameters may be sent so, and objectField reads it) quotes
// its strings with \", and no name holds a '\'.
func (s *storeNames) endsAt(record []byte, end int) bool {
	if end > 0 && record[end-1] == '\\' {
		end--
	}
	if end < s.minLen || !s.mayEnd(record, end) {
		return false
	}
	start := end
	for start > 0 && end-start < s.maxLen+7 && storeNameByte[record[start-1]] != 0 {
		start--
	}
	return s.run(record[start:end])
}

// mayEnd reports whether a name may end at end, or seven bytes before it
// (a full ARN's "-XXXXXX"), by the tails of the names.
func (s *storeNames) mayEnd(b []byte, end int) bool {
	if s.anyTail {
		return true
	}
	if end >= 4 && (s.anyPair || s.pairAt(b, end)) && s.tail(b, end) {
		return true
	}
	return end >= 11 && b[end-7] == '-' && (s.anyPair || s.pairAt(b, end-7)) && s.tail(b, end-7)
}

func (s *storeNames) tail(b []byte, end int) bool {
	t := tailHash(b, end)
	return s.tails[t/64]&(1<<(t%64)) != 0
}

// run checks the candidates of one run: every suffix that starts at the
// run's start or after a '/' or ':', whole and without a final "-XXXXXX",
// no longer than the longest name. It hashes backwards from each of the
// two ends, so the work is at most twice the longest name per run.
func (s *storeNames) run(r []byte) bool {
	if len(r) < s.minLen {
		return false
	}
	if s.suffix(r, len(r)) {
		return true
	}
	if n := len(r); n >= 8 && r[n-7] == '-' && alnum6(r[n-6:]) {
		return s.suffix(r, n-7)
	}
	return false
}

// suffix checks the candidates of r that end at end.
func (s *storeNames) suffix(r []byte, end int) bool {
	if !s.anyTail && (end < 4 || !s.tail(r, end)) {
		return false
	}
	h := uint64(fnvOffset)
	for k := end - 1; k >= 0 && end-k <= s.maxLen; k-- {
		h = fnvAdd(h, storeNameByte[r[k]])
		if (k == 0 || r[k-1] == '/' || r[k-1] == ':') && s.has(h|1, end-k) {
			return true
		}
	}
	return false
}

func alnum6(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// mentionsSecretsManager reports whether record may be one from which the
// parser reads a Secrets Manager secret: auditlog reads one only from a
// CloudTrail record whose eventSource is auditlog.SecretsManagerSource
// under strings.EqualFold (an EventBridge event's detail included), so
// the record's raw bytes hold that text in some ASCII letter case —
// unless an escape hides a byte (Prefilter.Match passes those on before
// this) or a letter is spelled by a non-ASCII rune that folds to it: of
// its letters only 's' has one, U+017F, whose UTF-8 starts with 0xC5.
// Most of an S3 trail file's records are other services': this turns
// them away before storeNames looks at their every quote. The search
// goes by the source's 'z' (in "amazonaws"), in either case: a byte
// CloudTrail records hold a few of, where 's' or '.' come by the dozen.
//
// c5 reports whether record holds a byte 0xC5 (see matchKeyed).
func mentionsSecretsManager(record []byte) (mentions, c5 bool) {
	if bytes.IndexByte(record, 0xC5) >= 0 {
		return true, true
	}
	return sourceAt(record, 'z') || sourceAt(record, 'Z'), false
}

// sourceAt reports whether Secrets Manager's eventSource, in some ASCII
// letter case, holds one of record's bytes z (its 'z', as spelled).
func sourceAt(record []byte, z byte) bool {
	const src = auditlog.SecretsManagerSource
	const at = len("secretsmanager.ama")
	for i := 0; ; {
		j := bytes.IndexByte(record[i:], z)
		if j < 0 {
			return false
		}
		start := i + j - at
		if start >= 0 && start+len(src) <= len(record) && foldedEqual(record[start:start+len(src)], src) {
			return true
		}
		i += j + 1
	}
}

// foldedEqual reports whether b is lower, a lower-case ASCII text, in
// some letter case (or with a byte that differs by 0x20 elsewhere: more
// than needed, never less).
func foldedEqual(b []byte, lower string) bool {
	for i := range len(lower) {
		if b[i]|0x20 != lower[i]|0x20 {
			return false
		}
	}
	return true
}
