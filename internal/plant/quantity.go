package plant

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DefaultMaxDecoys caps decoys per type and vault when Quantity.Max is 0.
const DefaultMaxDecoys = 3

// maxMaxDecoys bounds Quantity.Max: more decoys than this in one vault stop
// blending in.
const maxMaxDecoys = 50

// Quantity is how many decoys of a type a vault gets: one, then one more
// with probability P each time, up to Max (see the package doc for the
// distribution). The zero value plants exactly one.
type Quantity struct {
	P   float64 // chance of each additional decoy, the original's "Additional HoneyToken Probability"; 0 to 1
	Max int     // most decoys of one type in one vault; 0 means DefaultMaxDecoys
}

// Validate reports a P outside [0, 1] or a Max outside [0, 50].
func (q Quantity) Validate() error {
	if math.IsNaN(q.P) || q.P < 0 || q.P > 1 {
		return fmt.Errorf("plant: additional decoy probability %v: want a number from 0 to 1", q.P)
	}
	if q.Max < 0 || q.Max > maxMaxDecoys {
		return fmt.Errorf("plant: at most %d decoys per vault: want 1 to %d (0 for the default, %d)", q.Max, maxMaxDecoys, DefaultMaxDecoys)
	}
	return nil
}

func (q Quantity) max() int {
	if q.Max <= 0 {
		return DefaultMaxDecoys
	}
	return q.Max
}

// Draw returns how many decoys of one type a vault gets, from 1 to Max.
func (q Quantity) Draw(rng *rand.Rand) int {
	n := 1
	for n < q.max() && rng.Float64() < q.P {
		n++
	}
	return n
}
