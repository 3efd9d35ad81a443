package plant

import (
	"maps"
	"sort"
)

// learnForms counts the forms the names are written in. A name that fits
// several forms ("password" is kebab, lower and camelCase alike) goes to the
// one that unambiguous names use most; forms used by under 10% of the names
// are dropped as noise.
func (s *Style) learnForms(infos []nameInfo) {
	counts := map[Form]int{}
	var ambiguous [][]Form
	for _, in := range infos {
		switch c := compatForms(in); len(c) {
		case 0:
		case 1:
			counts[c[0]]++
		default:
			ambiguous = append(ambiguous, c)
		}
	}
	firm := maps.Clone(counts)
	for _, c := range ambiguous {
		best := c[0]
		for _, f := range c[1:] {
			if firm[f] > firm[best] {
				best = f
			}
		}
		counts[best]++
	}
	if len(counts) == 0 {
		s.Forms = HouseStyle().Forms
		return
	}
	var forms []Weighted[Form]
	total := 0
	for f, n := range counts {
		forms = append(forms, Weighted[Form]{f, n})
		total += n
	}
	sort.Slice(forms, func(i, j int) bool {
		if forms[i].Weight != forms[j].Weight {
			return forms[i].Weight > forms[j].Weight
		}
		return formRank(forms[i].Value) < formRank(forms[j].Value)
	})
	keep := forms[:1]
	for _, f := range forms[1:] {
		if f.Weight*10 >= total {
			keep = append(keep, f)
		}
	}
	s.Forms = keep
}

// compatForms lists the forms a name fits, most preferred first; nil when
// the name says nothing about form (digits only, single capitals).
func compatForms(in nameInfo) []Form {
	if in.sections != nil {
		var segs []string
		dashed := false
		for _, sec := range in.sections {
			letters := letterSegs(sec)
			segs = append(segs, letters...)
			dashed = dashed || len(letters) >= 2
		}
		c, ok := majorityCase(segs)
		if !ok {
			return nil
		}
		if c == Camel && dashed {
			c = Lower
		}
		return []Form{{c, dashed, true}}
	}
	letters := letterSegs(in.core)
	switch len(letters) {
	case 0:
		return nil
	case 1:
	default:
		c, ok := majorityCase(letters)
		if !ok {
			return nil
		}
		if c == Camel {
			c = Lower
		}
		return []Form{{c, true, false}}
	}
	seg := letters[0]
	c, ok := caseOf(seg)
	if !ok {
		return nil
	}
	if letterWords(seg) >= 2 {
		return []Form{{c, false, false}}
	}
	switch c {
	case Lower:
		return []Form{{Lower, true, false}, {Camel, false, false}, {Lower, false, false}}
	case Upper:
		return []Form{{Upper, true, false}, {Upper, false, false}}
	case Title:
		return []Form{{Title, false, false}, {Title, true, false}}
	}
	return []Form{{c, false, false}}
}

func letterSegs(segs []string) []string {
	var out []string
	for _, s := range segs {
		if hasLetter(s) {
			out = append(out, s)
		}
	}
	return out
}

func letterWords(seg string) int {
	n := 0
	for _, w := range splitWords(seg) {
		if hasLetter(w) {
			n++
		}
	}
	return n
}

// majorityCase is the case most segments use; ties go to lower, then Title,
// then UPPER, then camel.
func majorityCase(segs []string) (Case, bool) {
	var n [4]int
	known := false
	for _, seg := range segs {
		if c, ok := caseOf(seg); ok {
			n[c]++
			known = true
		}
	}
	if !known {
		return 0, false
	}
	best := Lower
	for _, c := range []Case{Title, Upper, Camel} {
		if n[c] > n[best] {
			best = c
		}
	}
	return best, true
}
