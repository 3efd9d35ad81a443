package plant

import (
	"math"
	"testing"
)

func TestQuantityDistribution(t *testing.T) {
	tests := []struct {
		q    Quantity
		mean float64
	}{
		{Quantity{}, 1},
		{Quantity{P: 0, Max: 5}, 1},
		{Quantity{P: 1, Max: 4}, 4},
		{Quantity{P: 0.5, Max: 3}, 1.75},
		{Quantity{P: 0.3}, 1 + 0.3 + 0.09},
		{Quantity{P: 0.6, Max: 10}, (1 - math.Pow(0.6, 10)) / 0.4},
		{Quantity{P: 0.9, Max: 50}, (1 - math.Pow(0.9, 50)) / 0.1},
	}
	const draws = 200_000
	for _, tt := range tests {
		if got, want := mean(tt.q), tt.mean; math.Abs(got-want) > 1e-9 {
			t.Errorf("%+v: mean = %v; want %v", tt.q, got, want)
		}
		rng := SeededRand(7)
		counts := make([]int, tt.q.max()+1)
		sum := 0
		for range draws {
			n := tt.q.Draw(rng)
			if n < 1 || n > tt.q.max() {
				t.Fatalf("%+v: drew %d, outside 1..%d", tt.q, n, tt.q.max())
			}
			counts[n]++
			sum += n
		}
		if got, want := float64(sum)/draws, tt.mean; math.Abs(got-want) > 0.01*want {
			t.Errorf("%+v: mean of %d draws %.4f; want %.4f within 1%%", tt.q, draws, got, want)
		}
		// Each count against the exact probability: P(k) = p^(k-1)(1-p), the
		// cap taking the tail. Five standard deviations, plus a little slack.
		for k := 1; k <= tt.q.max(); k++ {
			p := math.Pow(tt.q.P, float64(k-1)) * (1 - tt.q.P)
			if k == tt.q.max() {
				p = math.Pow(tt.q.P, float64(k-1))
			}
			sd := math.Sqrt(draws * p * (1 - p))
			if got, want := float64(counts[k]), draws*p; math.Abs(got-want) > 5*sd+1 {
				t.Errorf("%+v: %d draws of %d; want %.0f ± %.0f", tt.q, counts[k], k, want, 5*sd)
			}
		}
	}
}

func TestQuantityValidate(t *testing.T) {
	tests := []struct {
		q  Quantity
		ok bool
	}{
		{Quantity{}, true},
		{Quantity{P: 0.6, Max: 5}, true},
		{Quantity{P: 1, Max: 50}, true},
		{Quantity{P: -0.1}, false},
		{Quantity{P: 1.5}, false},
		{Quantity{P: math.NaN()}, false},
		{Quantity{Max: -1}, false},
		{Quantity{Max: 51}, false},
	}
	for _, tt := range tests {
		if err := tt.q.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: Validate() = %v; want ok %v", tt.q, err, tt.ok)
		}
	}
}

// mean is the expected value of Draw: (1-P^Max)/(1-P), or Max when P is 1.
func mean(q Quantity) float64 {
	m := float64(q.max())
	if q.P >= 1 {
		return m
	}
	return (1 - math.Pow(q.P, m)) / (1 - q.P)
}
