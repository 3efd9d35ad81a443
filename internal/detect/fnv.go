package detect

// The index and the prefilter hash with FNV-1a, written out here rather
// than taken from hash/fnv: their loops fold case (or map name bytes) as
// they go, one byte at a time, on the matcher's hot path, where hash/fnv's
// interface call per byte would cost more than the hashing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvAdd mixes one byte into an FNV-1a hash.
func fnvAdd(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }
