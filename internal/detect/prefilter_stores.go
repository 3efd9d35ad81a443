package detect

import "math/bits"

// storeNames is the Prefilter's check for decoys of the providers other
// than Key Vault (HashiCorp Vault paths, Secrets Manager names), whose
// names hold bytes Key Vault's do not (/ _ + = . @) and appear in records
// as JSON strings rather than after a '/' in a URI: a Secrets Manager
// secretId is the name, a partial ARN ends ":secret:{name}", a full ARN
// ":secret:{name}-{6 chars}"; a Vault path is "{mount}/{segment}/{name}".
//
// Why it cannot miss. The parsers take such a name whole from a JSON
// string — the string itself, its part after an ARN's "secret:", or its
// part after a '/' — and a full ARN's name is the part before a final
// dash and six letters or digits. Unless a JSON escape hides a byte (which
// Prefilter.Match passes to the parser anyway), the record's raw bytes
// then hold the name as a suffix of a maximal run of store-name bytes
// starting at the run's start or after a '/' (or ':') within it, either
// ending the run or followed by "-XXXXXX" that ends it. storeNames hashes
// every such candidate, case-folded, and tests a Bloom filter and then the
// set.
type storeNames struct {
	bloom   []uint64
	mask    uint64
	set     map[uint64]struct{}
	lengths [maxStoreName/64 + 1]uint64 // bit n set when some name has n bytes
	// minLen and maxLen bound the names' lengths: no candidate outside
	// them is hashed.
	minLen, maxLen int
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
// one of the names.
func (s *storeNames) match(record []byte) bool {
	for i := 0; i < len(record); {
		if storeNameByte[record[i]] == 0 {
			i++
			continue
		}
		end := i
		for end < len(record) && storeNameByte[record[end]] != 0 {
			end++
		}
		if s.run(record[i:end]) {
			return true
		}
		i = end
	}
	return false
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
