package plant

import "strings"

// maxPrefixSegments and maxSuffixSegments bound how long a shared affix can
// be ("myapp-prod-weu-..." has a three-segment prefix).
const (
	maxPrefixSegments = 3
	maxSuffixSegments = 2
)

// affixToken says what a segment can be inside an affix: a slot, a literal
// (lower-cased), or nothing (ok false) when it says what the secret is or
// contains a giveaway word.
func affixToken(seg string) (tok string, ok bool) {
	l := strings.ToLower(seg)
	switch {
	case envWords[l]:
		return SlotEnv, true
	case regionWords[l]:
		return SlotRegion, true
	case !hasLetter(l) || len(l) > 24:
		return "", false
	}
	if _, bad := Giveaway(l); bad {
		return "", false
	}
	for _, w := range splitWords(seg) {
		if semanticWords[w] || techWords[w] {
			return "", false
		}
	}
	return l, true
}

func isSlot(t string) bool { return t == SlotEnv || t == SlotRegion }

// learnAffixes finds the leading segments (application names, environments,
// regions) and trailing segments (environments, regions) that at least a
// quarter of the dashed names share, and at least two of them. It sets each
// name's core to what is left.
func (s *Style) learnAffixes(infos []nameInfo) {
	toks := make([][]string, len(infos))
	support := map[string]int{}
	plain, multi := 0, 0
	segs := make([][]string, len(infos))
	for i := range infos {
		in := &infos[i]
		if in.sections != nil || len(in.segs) == 0 {
			continue
		}
		plain++
		// A trailing number is the digit style's business: "sql-password-prd-01"
		// ends in the {env} suffix all the same.
		segs[i] = in.segs
		if n := len(segs[i]); n > 1 && !hasLetter(segs[i][n-1]) {
			segs[i] = segs[i][:n-1]
		}
		if len(segs[i]) < 2 {
			continue
		}
		multi++
		t := make([]string, len(segs[i]))
		for j, seg := range segs[i] {
			t[j], _ = affixToken(seg)
		}
		toks[i] = t
		for k := 1; k <= min(maxPrefixSegments, len(t)-1) && t[k-1] != ""; k++ {
			support["p:"+strings.Join(t[:k], "-")]++
		}
		for k := 1; k <= min(maxSuffixSegments, len(t)-1) && isSlot(t[len(t)-k]); k++ {
			support["s:"+strings.Join(t[len(t)-k:], "-")]++
		}
	}
	if multi == 0 {
		return
	}
	threshold := max(2, (multi+3)/4)
	prefixes, suffixes := map[string]int{}, map[string]int{}
	spell := map[string]map[string]int{}
	envs, regions := map[string]int{}, map[string]int{}
	withPrefix, withSuffix := 0, 0
	for i := range infos {
		in, t := &infos[i], toks[i]
		if t == nil {
			continue
		}
		p := 0
		for k := min(maxPrefixSegments, len(t)-1); k >= 1; k-- {
			if support["p:"+strings.Join(t[:k], "-")] >= threshold {
				p = k
				break
			}
		}
		sfx := 0
		for k := min(maxSuffixSegments, len(t)-p-1); k >= 1; k-- {
			if support["s:"+strings.Join(t[len(t)-k:], "-")] >= threshold {
				sfx = k
				break
			}
		}
		if p > 0 {
			prefixes[strings.Join(t[:p], "-")]++
			withPrefix++
		}
		if sfx > 0 {
			suffixes[strings.Join(t[len(t)-sfx:], "-")]++
			withSuffix++
		}
		for j, seg := range segs[i] {
			if j >= p && j < len(t)-sfx {
				continue
			}
			switch t[j] {
			case SlotEnv:
				envs[seg]++
			case SlotRegion:
				regions[seg]++
			default:
				if spell[t[j]] == nil {
					spell[t[j]] = map[string]int{}
				}
				spell[t[j]][seg]++
			}
		}
		in.core = segs[i][p : len(t)-sfx]
	}
	s.Prefixes = affixes(prefixes, spell)
	s.Suffixes = affixes(suffixes, spell)
	s.PrefixRate = float64(withPrefix) / float64(plain)
	s.SuffixRate = float64(withSuffix) / float64(plain)
	s.Envs = ranked(envs)
	s.Regions = ranked(regions)
}

// affixes turns counted token chains back into Affixes spelled as the vault
// spells their literals.
func affixes(counts map[string]int, spell map[string]map[string]int) []Weighted[Affix] {
	var out []Weighted[Affix]
	for _, w := range ranked(counts) {
		parts := strings.Split(w.Value, "-")
		for j, p := range parts {
			if !isSlot(p) {
				parts[j] = ranked(spell[p])[0].Value
			}
		}
		out = append(out, Weighted[Affix]{Affix(parts), w.Weight})
	}
	return out
}
