package plant

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sort"
)

// SeededRand returns a deterministic generator: the same seed gives the same
// names and plans. Use it for `--seed` and tests, never for values in a vault.
func SeededRand(seed uint64) *rand.Rand {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:8], seed)
	// The rest of the ChaCha8 key is a fixed domain separator so that seed 0
	// is not the all-zero key.
	copy(s[8:], "honeyvault/plant/seed/v1.......")
	return rand.New(rand.NewChaCha8(s))
}

// CryptoRand returns a generator that draws every number from crypto/rand.
// It holds no state, so it is safe for concurrent use.
func CryptoRand() *rand.Rand { return rand.New(cryptoSource{}) }

type cryptoSource struct{}

func (cryptoSource) Uint64() uint64 {
	var b [8]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return binary.LittleEndian.Uint64(b[:])
}

// orCrypto lets callers pass a nil generator to mean crypto randomness.
func orCrypto(rng *rand.Rand) *rand.Rand {
	if rng == nil {
		return CryptoRand()
	}
	return rng
}

// Weighted is a value with how often it was seen.
type Weighted[T any] struct {
	Value  T
	Weight int
}

// pick draws one value with probability proportional to its weight. ws must
// not be empty and weights must be positive.
func pick[T any](rng *rand.Rand, ws []Weighted[T]) T {
	total := 0
	for _, w := range ws {
		total += w.Weight
	}
	r := rng.IntN(total)
	for _, w := range ws {
		if r < w.Weight {
			return w.Value
		}
		r -= w.Weight
	}
	return ws[len(ws)-1].Value
}

// positive reports whether every weight is above zero, as pick needs.
func positive[T any](ws []Weighted[T]) bool {
	for _, w := range ws {
		if w.Weight <= 0 {
			return false
		}
	}
	return true
}

// ranked turns counts into a Weighted list, heaviest first, ties by key, so
// that the result (and every draw from it) does not depend on map order.
func ranked(counts map[string]int) []Weighted[string] {
	out := make([]Weighted[string], 0, len(counts))
	for k, n := range counts {
		if n > 0 {
			out = append(out, Weighted[string]{k, n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Weight != out[j].Weight {
			return out[i].Weight > out[j].Weight
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// chance reports true with probability p.
func chance(rng *rand.Rand, p float64) bool { return p > 0 && rng.Float64() < p }

// oneOf returns a uniformly chosen element of xs.
func oneOf[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }
