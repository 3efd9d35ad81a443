package plant

import (
	"sort"
	"strconv"
	"strings"
)

// qualifierWord reports whether a word of a vault's names can qualify a
// keyword in a new name: a plain word that is not itself a keyword-like
// word, an environment, a region or a giveaway.
func qualifierWord(w string) bool {
	if len(w) < 3 || len(w) > 20 || semanticWords[w] || envWords[w] || regionWords[w] || noiseWords[w] {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isLower(w[i]) {
			return false
		}
	}
	_, bad := Giveaway(w)
	return !bad
}

// learnWords collects the vault's qualifier vocabulary, the heads of its
// Section--Key names and how many words a name's core has.
func (s *Style) learnWords(infos []nameInfo) {
	vocab, heads := map[string]int{}, map[string]int{}
	words, cores := 0, 0
	for _, in := range infos {
		core := in.core
		if in.sections != nil {
			head := strings.Join(in.sections[0], "-")
			if _, bad := Giveaway(head); !bad {
				heads[head]++
			}
			core = in.sections[len(in.sections)-1]
		}
		n := 0
		for _, seg := range core {
			for _, w := range splitWords(seg) {
				if hasLetter(w) {
					n++
				}
				if qualifierWord(w) {
					vocab[w]++
				}
			}
		}
		if n > 0 {
			words += n
			cores++
		}
	}
	s.Vocabulary = ranked(vocab)
	s.Heads = ranked(heads)
	s.CoreWords = HouseStyle().CoreWords
	if cores > 0 {
		s.CoreWords = float64(words) / float64(cores)
	}
}

func (s *Style) learnLengths(infos []nameInfo) {
	ls := make([]int, len(infos))
	for i, in := range infos {
		ls[i] = len(in.name)
	}
	sort.Ints(ls)
	at := func(p int) int { return ls[(len(ls)-1)*p/100] }
	s.Length = LengthStats{Min: ls[0], P10: at(10), Median: at(50), P90: at(90), Max: ls[len(ls)-1]}
}

// maxDigitWidth keeps generated numbers short even when a vault's names end
// in long ones (build numbers, timestamps).
const maxDigitWidth = 6

func (s *Style) learnDigits(infos []nameInfo) {
	widths := map[int]int{}
	count, dashed := 0, 0
	lo, hi := -1, -1
	for _, in := range infos {
		n := in.name
		j := len(n)
		for j > 0 && isDigit(n[j-1]) {
			j--
		}
		run := len(n) - j
		if run == 0 || j == 0 {
			continue
		}
		count++
		widths[min(run, maxDigitWidth)]++
		if n[j-1] == '-' {
			dashed++
		}
		if run <= maxDigitWidth {
			v, _ := strconv.Atoi(n[j:])
			if lo < 0 || v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
		}
	}
	if count == 0 {
		return
	}
	width, best := 1, 0
	for w := 1; w <= maxDigitWidth; w++ {
		if widths[w] > best {
			width, best = w, widths[w]
		}
	}
	if lo < 0 {
		lo, hi = 1, 9
	}
	s.Digits = DigitStyle{
		Rate:   float64(count) / float64(len(infos)),
		Width:  width,
		Dashed: dashed*2 > count,
		Min:    lo,
		Max:    hi,
	}
}
