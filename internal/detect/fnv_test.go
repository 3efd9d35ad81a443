package detect

import (
	"hash/fnv"
	"strings"
	"testing"
)

func stdFNV(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// The index's and the prefilter's hashes are FNV-1a over what they fold
// the bytes to: the same as hash/fnv's over the folded text.
func TestHashesAreFNV1a(t *testing.T) {
	for _, name := range []string{"", "db-password", "DataProtection--BackupKey", "SQL-Admin-Password", "a"} {
		lower := strings.ToLower(name)
		if got, want := nameHash(name), stdFNV(lower)|1; got != want {
			t.Errorf("nameHash(%q) = %#x; want FNV-1a of %q (|1) %#x", name, got, lower, want)
		}
		if got, want := hashKey("KV-Pay", name), stdFNV("kv-pay|"+lower); got != want {
			t.Errorf("hashKey(KV-Pay, %q) = %#x; want FNV-1a of %q %#x", name, got, "kv-pay|"+lower, want)
		}
	}
}
