package detect

import (
	"bytes"
	"math/bits"
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
	// lasts has the last byte of every name (case-folded): a cheaper
	// first test than tails, which turns away the opening quotes (after a
	// ':' or ',') of JSON strings.
	lasts [256]bool
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
		s.lasts[storeNameByte[n[len(n)-1]]] = true
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
// each '"' (found with bytes.IndexByte) is looked at: first whether its
// last four bytes (or the four before a final "-XXXXXX") end some name,
// which turns nearly every string away at once; then the run of name
// bytes there, as far back as the longest name reaches.
func (s *storeNames) match(record []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(record[i:], '"')
		if j < 0 {
			return false
		}
		end := i + j
		i = end + 1
		if end < s.minLen || !s.mayEnd(record, end) {
			continue
		}
		start := end
		for start > 0 && end-start < s.maxLen+7 && storeNameByte[record[start-1]] != 0 {
			start--
		}
		if s.run(record[start:end]) {
			return true
		}
	}
}

// mayEnd reports whether a name may end at end, or seven bytes before it
// (a full ARN's "-XXXXXX"), by the tails of the names.
func (s *storeNames) mayEnd(b []byte, end int) bool {
	if s.anyTail {
		return true
	}
	if end >= 4 && s.lasts[storeNameByte[b[end-1]]] && s.tail(b, end) {
		return true
	}
	return end >= 11 && b[end-7] == '-' && s.lasts[storeNameByte[b[end-8]]] && s.tail(b, end-7)
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
