package detect

import (
	"bytes"
	"encoding/hex"
	"math/bits"
	"strings"
)

// Prefilter tells, from a record's raw bytes and far faster than parsing
// it, whether the record may name one of a set of object names — so that a
// bulk scan parses only the records that might touch a decoy. It never
// misses: every record the parser would read a decoy name from passes.
//
// Why it cannot miss. The parser (auditlog.ParseObjectURI) reads the object
// name as a whole path segment, so in the decoded URI the name follows a
// '/' and is followed by a byte that is not a name byte. The decoded URI
// differs from the record's raw bytes only through JSON escapes (\u0061,
// \/, \\) and percent-escapes (%61, %2F, %5C). So a record that names a
// decoy either contains '/' followed by exactly the name's bytes (in any
// letter case) and then a non-name byte, or contains a '\' escape that can
// yield a name byte, '/' or '\' (\u, \/, \\), or a %XX escape whose byte is
// one of those. Prefilter checks the first condition against a hash set of
// names and passes every record that meets the second to the parser.
//
// The first check looks at each '/' (found with bytes.IndexByte), hashes
// the run of name bytes after it while lower-casing, and tests a small
// Bloom filter and then the set — cost proportional to the slashes, not to
// the number of names, so a million names cost no more time than ten (and
// about 24 bytes each). This beat Aho–Corasick over lower-cased text by a
// wide margin (see BenchmarkPrefilter and bench/BENCHMARKS.md).
//
// Names of the other providers (HashiCorp Vault paths, Secrets Manager
// names) may hold bytes that are not name bytes ('/', '_', '.'): such a
// name is filed under the leading run of name bytes of its last segment
// that has one ("deploy" for ci/deploy_key.pem; the last, because a
// decoy shares its folders with real secrets but not its own name). A
// record naming it holds that run after a '/' just the same — the '/'
// inside the name, or the one before it (a Vault path's {mount}/data/) —
// followed by a non-name byte. A name with no such run (".env"), or
// whose run is longer than 127 bytes, cannot be filed so: the prefilter
// then passes every record. Index.Prefilter files Vault paths so (and
// only so), and checks Secrets Manager's names — named after a '"' or an
// ARN's ':', not a '/' — with storeNames, which runs only when there are
// such decoys and the record may be a Secrets Manager one
// (mentionsSecretsManager), and only in the values the parser reads
// names from (matchKeyed).
//
// A Prefilter is immutable and safe for concurrent use.
type Prefilter struct {
	all       bool // some name cannot be filed: every record passes
	bloom     []uint64
	bloomMask uint64
	table     []uint64 // open addressing; 0 is empty
	tableMask uint64
	lengths   [2]uint64 // bit n set when some name has n bytes
	// stores checks the names of the other providers' decoys (see
	// storeNames); nil when there are none.
	stores *storeNames
}

// nameByte maps name bytes [0-9A-Za-z-] to their lower case, others to 0.
var nameByte = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = byte(c)
		t[c-'a'+'A'] = byte(c)
	}
	t['-'] = '-'
	return t
}()

// NewPrefilter returns a prefilter for object names (any case; repeats and
// invalid names are harmless).
func NewPrefilter(names []string) *Prefilter {
	n := max(len(names), 1)
	p := &Prefilter{}
	bloomBits := min(max(1<<bits.Len(uint(n*16)), 1<<16), 1<<27)
	p.bloom = make([]uint64, bloomBits/64)
	p.bloomMask = uint64(bloomBits - 1)
	tableSize := 1 << bits.Len(uint(n*2))
	p.table = make([]uint64, tableSize)
	p.tableMask = uint64(tableSize - 1)
	for _, name := range names {
		if len(name) == 0 {
			continue
		}
		name = filedRun(name)
		if len(name) == 0 || len(name) > 127 {
			p.all = true
			continue
		}
		h := nameHash(name)
		p.lengths[len(name)/64] |= 1 << (len(name) % 64)
		b := (h >> 32) & p.bloomMask
		p.bloom[b/64] |= 1 << (b % 64)
		for i := h & p.tableMask; ; i = (i + 1) & p.tableMask {
			if p.table[i] == h {
				break
			}
			if p.table[i] == 0 {
				p.table[i] = h
				break
			}
		}
	}
	return p
}

// filedRun returns the run of name bytes a name is filed under (see
// Prefilter): the name itself when it is all name bytes, else the
// leading run of its last '/'-separated segment that starts with a name
// byte; "" when none does.
func filedRun(name string) string {
	for rest := name; ; {
		i := strings.LastIndexByte(rest, '/')
		seg := rest[i+1:]
		j := 0
		for j < len(seg) && nameByte[seg[j]] != 0 {
			j++
		}
		if j > 0 {
			return seg[:j]
		}
		if i < 0 {
			return ""
		}
		rest = rest[:i]
	}
}

// nameHash is FNV-1a over the lower-cased name, never 0.
func nameHash(name string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(name); i++ {
		c := nameByte[name[i]]
		if c == 0 {
			c = name[i] // not a name byte: cannot match a run, any value will do
		}
		h = fnvAdd(h, c)
	}
	return h | 1
}

func (p *Prefilter) has(h uint64, n int) bool {
	if n > 127 || p.lengths[n/64]&(1<<(n%64)) == 0 {
		return false
	}
	b := (h >> 32) & p.bloomMask
	if p.bloom[b/64]&(1<<(b%64)) == 0 {
		return false
	}
	for i := h & p.tableMask; ; i = (i + 1) & p.tableMask {
		switch p.table[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

// Match reports whether record may name one of the prefilter's names (see
// Prefilter). record is one record or one line; a false positive costs a
// parse, a false negative never happens.
func (p *Prefilter) Match(record []byte) bool {
	hide, backslash := jsonEscapeMayHide(record)
	// A %XX escape hides a byte only from the '/' table's parsers (the
	// request URI's and the Vault path's): with no names there, as in a
	// hunt for Secrets Manager decoys alone, the search is skipped.
	if p.all || hide || p.lengths != [2]uint64{} && percentMayHide(record) {
		return true
	}
	if p.stores != nil {
		// The searches for a '\\' and a ſ tell matchKeyed too whether it
		// may look at requestParameters and resources alone.
		if mentions, c5 := mentionsSecretsManager(record); mentions && p.stores.matchKeyed(record, backslash || c5) {
			return true
		}
	}
	if p.lengths == [2]uint64{} {
		return false // no Key Vault names: nothing to look for after a '/'
	}
	for i := 0; ; {
		j := bytes.IndexByte(record[i:], '/')
		if j < 0 {
			return false
		}
		start := i + j + 1
		k := start
		h := uint64(fnvOffset)
		for k < len(record) {
			c := nameByte[record[k]]
			if c == 0 {
				break
			}
			h = fnvAdd(h, c)
			k++
		}
		if k > start && p.has(h|1, k-start) {
			return true
		}
		i = k
	}
}

// jsonEscapeMayHide reports whether record holds a JSON escape that could
// spell a name byte, '/' or '\' in the decoded URI (\u, \/ and \\); and
// whether it holds a '\' at all.
func jsonEscapeMayHide(record []byte) (hide, backslash bool) {
	for i := 0; ; {
		j := bytes.IndexByte(record[i:], '\\')
		if j < 0 {
			return false, backslash
		}
		backslash = true
		k := i + j + 1
		if k >= len(record) {
			return false, backslash
		}
		switch record[k] {
		case 'u', 'U', '/', '\\':
			return true, true
		}
		i = k + 1
	}
}

// percentMayHide reports whether record holds a %XX escape of a name
// byte, '/' or '\', which the request URI's parser decodes.
func percentMayHide(record []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(record[i:], '%')
		if j < 0 {
			return false
		}
		k := i + j
		var c [1]byte
		if k+2 < len(record) {
			if _, err := hex.Decode(c[:], record[k+1:k+3]); err == nil && (nameByte[c[0]] != 0 || c[0] == '/' || c[0] == '\\') {
				return true
			}
		}
		i = k + 1
	}
}
