package plant

import (
	"fmt"
	"sort"
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// Form is one way a vault writes its names.
type Form struct {
	Case     Case
	Dashed   bool // words joined with "-" (kebab); otherwise run together (PascalCase)
	Sections bool // .NET configuration keys: Section--Key
}

// String names the form the way people do: kebab, PascalCase, Section--Key, ...
func (f Form) String() string {
	var s string
	switch {
	case f.Case == Lower && f.Dashed:
		s = "kebab"
	case f.Case == Lower:
		s = "lower"
	case f.Case == Upper && f.Dashed:
		s = "UPPER-KEBAB"
	case f.Case == Upper:
		s = "UPPER"
	case f.Case == Title && f.Dashed:
		s = "Title-Dashed"
	case f.Case == Title:
		s = "PascalCase"
	default:
		s = "camelCase"
	}
	if f.Sections {
		return "Section--Key " + s
	}
	return s
}

// formOrder is the order of preference between forms a name fits equally
// well; it also breaks ties between equally common forms.
var formOrder = func() []Form {
	// Dashed camelCase does not exist: in a dashed name a camel segment
	// ("ordersDb-key") counts as lower-case.
	base := []Form{{Lower, true, false}, {Title, false, false}, {Upper, true, false}, {Camel, false, false},
		{Lower, false, false}, {Title, true, false}, {Upper, false, false}}
	out := append([]Form(nil), base...)
	// .NET names are PascalCase far more often than anything else.
	for _, f := range []Form{base[1], base[0], base[2], base[3], base[4], base[5], base[6]} {
		f.Sections = true
		out = append(out, f)
	}
	return out
}()

func formRank(f Form) int {
	for i, g := range formOrder {
		if g == f {
			return i
		}
	}
	return len(formOrder)
}

// Slots an Affix part can be instead of a literal segment.
const (
	SlotEnv    = "{env}"
	SlotRegion = "{region}"
)

// Affix is a run of leading or trailing segments that a vault's names share:
// each part is a literal, spelled as the vault spells it ("MyApp"), or a slot
// (SlotEnv, SlotRegion) filled with one of the vault's environments or regions.
type Affix []string

// String joins the affix's parts with dashes.
func (a Affix) String() string { return strings.Join(a, "-") }

// DigitStyle is how a vault's names end in numbers ("sql-password-01", "key2").
type DigitStyle struct {
	Rate     float64 // share of names that end in a number
	Width    int     // most common number of digits (zero-padded)
	Dashed   bool    // the number is its own segment ("-01") rather than glued on ("key2")
	Min, Max int     // smallest and largest number seen
}

// LengthStats summarises name lengths.
type LengthStats struct {
	Min, P10, Median, P90, Max int
}

// Style is how a vault names its objects, learned by LearnStyle. It holds
// names' shapes and the vault's own words, never values.
type Style struct {
	Names      int                // distinct valid names it was learned from; 0 for HouseStyle
	Forms      []Weighted[Form]   // ways of writing names, heaviest first (never empty)
	Prefixes   []Weighted[Affix]  // shared leading segments
	PrefixRate float64            // share of names that carry one of Prefixes
	Suffixes   []Weighted[Affix]  // shared trailing segments (environments, regions)
	SuffixRate float64            // share of names that carry one of Suffixes
	Envs       []Weighted[string] // environments filling SlotEnv, as spelled
	Regions    []Weighted[string] // regions filling SlotRegion, as spelled
	Heads      []Weighted[string] // first sections of Section--Key names, as spelled
	Vocabulary []Weighted[string] // the vault's own qualifier words, lower-case
	Length     LengthStats        // name lengths
	CoreWords  float64            // mean number of words in a name without its affixes
	Digits     DigitStyle         // trailing numbers
}

// HouseStyle is the style for a vault with no names to learn from: kebab-case,
// two or three words, 10-30 characters.
func HouseStyle() *Style {
	return &Style{
		Forms:     []Weighted[Form]{{Form{Lower, true, false}, 1}},
		Length:    LengthStats{Min: 8, P10: 10, Median: 18, P90: 30, Max: 40},
		CoreWords: 2.5,
	}
}

// String summarises the style for a plan or a debugging session.
func (s *Style) String() string {
	var b strings.Builder
	total := 0
	for _, f := range s.Forms {
		total += f.Weight
	}
	for i, f := range s.Forms {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d%%", f.Value, 100*f.Weight/total)
	}
	if len(s.Prefixes) > 0 {
		fmt.Fprintf(&b, "; prefixes %s (%.0f%%)", affixList(s.Prefixes), 100*s.PrefixRate)
	}
	if len(s.Suffixes) > 0 {
		fmt.Fprintf(&b, "; suffixes %s (%.0f%%)", affixList(s.Suffixes), 100*s.SuffixRate)
	}
	fmt.Fprintf(&b, "; length %d-%d (median %d)", s.Length.Min, s.Length.Max, s.Length.Median)
	if s.Digits.Rate > 0 {
		fmt.Fprintf(&b, "; %.0f%% end in a number", 100*s.Digits.Rate)
	}
	if s.Names == 0 {
		b.WriteString("; house style")
	}
	return b.String()
}

func affixList(as []Weighted[Affix]) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, a.Value.String())
	}
	return strings.Join(parts, " ")
}

// nameInfo is one name taken apart.
type nameInfo struct {
	name     string
	sections [][]string // Section--Key names: each section's dash-separated segments
	segs     []string   // other names: dash-separated segments
	core     []string   // segs without the learned prefix and suffix
}

func parseName(n string) nameInfo {
	info := nameInfo{name: n}
	dash := func(r rune) bool { return r == '-' }
	if strings.Contains(n, "--") {
		for _, sec := range strings.Split(n, "--") {
			if segs := strings.FieldsFunc(sec, dash); len(segs) > 0 {
				info.sections = append(info.sections, segs)
			}
		}
		if len(info.sections) >= 2 {
			return info
		}
		info.sections = nil
	}
	info.segs = strings.FieldsFunc(n, dash)
	info.core = info.segs
	return info
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLower(s[i]) || isUpper(s[i]) {
			return true
		}
	}
	return false
}

// LearnStyle learns how names are written from a vault's object names.
// Names that are not valid Key Vault names are ignored, as are repeats in any
// case; with nothing left it returns HouseStyle. The result depends only on
// the set of names, not on their order.
func LearnStyle(names []string) *Style {
	seen := map[string]bool{}
	var uniq []string
	for _, n := range names {
		if k := strings.ToLower(n); registry.ValidObjectName(n) && !seen[k] {
			seen[k] = true
			uniq = append(uniq, n)
		}
	}
	if len(uniq) == 0 {
		return HouseStyle()
	}
	// Sorting makes the spelling chosen for a token independent of input order.
	sort.Strings(uniq)
	infos := make([]nameInfo, len(uniq))
	for i, n := range uniq {
		infos[i] = parseName(n)
	}
	s := &Style{Names: len(infos)}
	s.learnAffixes(infos)
	s.learnForms(infos)
	s.learnWords(infos)
	s.learnLengths(infos)
	s.learnDigits(infos)
	return s
}
