package plant

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// ErrNoName is returned when no free name could be made: the keywords are
// too few for the names already taken.
var ErrNoName = errors.New("plant: no free name left for these keywords: every candidate collided with a taken name; add keywords")

// maxNameLen is Key Vault's limit on object names.
const maxNameLen = 127

// Namer makes decoy names in a Style from keywords. It remembers every name
// it returned, so names never repeat. A Namer is not safe for concurrent use.
type Namer struct {
	style    *Style
	keywords [][]string // each keyword's lower-case words
	taken    takenSet
	lo, hi   int // preferred length range
}

// takenSet holds names in squashed form; see squash.
type takenSet map[string]bool

func (t takenSet) has(name string) bool { return t[squash(name)] }
func (t takenSet) add(name string)      { t[squash(name)] = true }

// NewNamer returns a Namer for style (nil: HouseStyle) and keywords (nil:
// the default secret keywords). Names in existing are never produced, nor
// names equal to one of them once case and dashes are ignored.
func NewNamer(style *Style, keywords []string, existing []string) (*Namer, error) {
	taken := takenSet{}
	for _, n := range existing {
		taken.add(n)
	}
	return newNamer(style, keywords, taken)
}

func newNamer(style *Style, keywords []string, taken takenSet) (*Namer, error) {
	if style == nil {
		style = HouseStyle()
	}
	if len(style.Forms) == 0 {
		return nil, errors.New("plant: style has no forms")
	}
	if !positive(style.Forms) || !positive(style.Prefixes) || !positive(style.Suffixes) || !positive(style.Envs) ||
		!positive(style.Regions) || !positive(style.Heads) || !positive(style.Vocabulary) {
		return nil, errors.New("plant: style has a weight that is not positive")
	}
	if keywords == nil {
		keywords = DefaultKeywords(registry.Secret)
	}
	if len(keywords) == 0 {
		return nil, errors.New("plant: no keywords")
	}
	if err := checkKeywords(keywords); err != nil {
		return nil, err
	}
	n := &Namer{style: style, taken: taken}
	for _, kw := range keywords {
		n.keywords = append(n.keywords, splitWords(kw))
	}
	n.lo = max(1, style.Length.P10-3)
	n.hi = max(n.lo, style.Length.P90+6)
	return n, nil
}

// Next returns a new name. It prefers names whose length is usual for the
// vault; when every candidate collides it appends a number, and when even
// that fails it returns ErrNoName. A nil rng means crypto randomness.
func (n *Namer) Next(rng *rand.Rand) (string, error) {
	rng = orCrypto(rng)
	best, bestDist := "", -1
	// The shape (form, affixes, number) is drawn before the words and kept
	// while the words vary, so that the length preference does not skew the
	// mix of forms and affixes away from the vault's.
	for range 4 {
		sh := n.shape(rng)
		for range 16 {
			c := n.build(rng, sh)
			if !n.acceptable(c) {
				continue
			}
			if d := n.distance(len(c)); bestDist < 0 || d < bestDist {
				best, bestDist = c, d
			}
			if bestDist == 0 {
				n.taken.add(best)
				return best, nil
			}
		}
	}
	for i := 0; best == "" && i < 64; i++ {
		// Everything collided: the keywords are few for this vault. A number
		// makes room, in the vault's own way of writing numbers if it has one.
		sh := n.shape(rng)
		c := n.build(rng, sh)
		num := fmt.Sprint(2 + rng.IntN(10<<(i/8)))
		if n.style.Digits.Dashed || sh.form.Dashed && n.style.Digits.Rate == 0 {
			num = "-" + num
		}
		if c += num; n.acceptable(c) {
			best = c
		}
	}
	if best == "" {
		return "", ErrNoName
	}
	n.taken.add(best)
	return best, nil
}

// acceptable: a valid Key Vault name, free, with no giveaway word.
func (n *Namer) acceptable(c string) bool {
	if len(c) > maxNameLen || !registry.ValidObjectName(c) || registry.IsHeartbeatName(c) || n.taken.has(c) {
		return false
	}
	_, bad := Giveaway(c)
	return !bad
}

func (n *Namer) distance(l int) int {
	switch {
	case l < n.lo:
		return n.lo - l
	case l > n.hi:
		return l - n.hi
	}
	return 0
}

// shape is the outline of a name: its form, the affixes it carries and
// whether it ends in a number.
type shape struct {
	form           Form
	prefix, suffix Affix
	number         bool
}

func (n *Namer) shape(rng *rand.Rand) shape {
	s := n.style
	sh := shape{form: pick(rng, s.Forms)}
	if !sh.form.Sections {
		if len(s.Prefixes) > 0 && chance(rng, s.PrefixRate) {
			sh.prefix = pick(rng, s.Prefixes)
		}
		if len(s.Suffixes) > 0 && chance(rng, s.SuffixRate) {
			sh.suffix = pick(rng, s.Suffixes)
		}
	}
	sh.number = chance(rng, s.Digits.Rate)
	return sh
}

// build fills a shape with a keyword, maybe after a qualifier word.
func (n *Namer) build(rng *rand.Rand, sh shape) string {
	words := oneOf(rng, n.keywords)
	if sh.form.Sections {
		return n.sectioned(rng, sh.form, words) + n.digits(rng, sh.number)
	}
	p := 0.2
	if float64(len(words)) < math.Round(n.style.CoreWords) {
		p = 0.75
	}
	if chance(rng, p) {
		if q := n.qualifier(rng, words); q != "" {
			words = append([]string{q}, words...)
		}
	}
	parts := n.affix(rng, sh.prefix)
	parts = append(parts, render(words, sh.form.Case, sh.form.Dashed))
	parts = append(parts, n.affix(rng, sh.suffix)...)
	return strings.Join(parts, "-") + n.digits(rng, sh.number)
}

// sectioned builds a .NET configuration name, Section--Key: connection
// strings go under ConnectionStrings, named after what they connect to;
// other keywords go under one of the vault's sections or a qualifier.
func (n *Namer) sectioned(rng *rand.Rand, form Form, words []string) string {
	var conn, other []Weighted[string]
	for _, h := range n.style.Heads {
		if strings.Contains(squash(h.Value), "connectionstring") {
			conn = append(conn, h)
		} else {
			other = append(other, h)
		}
	}
	if kindOfWords(words).isConnection() {
		head := render([]string{"connection", "strings"}, form.Case, false)
		if len(conn) > 0 {
			head = pick(rng, conn)
		}
		var key []string
		for _, w := range words {
			if w != "connection" && w != "string" && w != "conn" && w != "connstr" {
				key = append(key, w)
			}
		}
		if len(key) == 0 || chance(rng, 0.5) {
			if q := n.qualifier(rng, key); q != "" {
				key = append([]string{q}, key...)
			}
		}
		if len(key) == 0 {
			key = []string{"default", "connection"}
		}
		return head + "--" + render(key, form.Case, form.Dashed)
	}
	var head string
	switch {
	case len(words) >= 2 && (techWords[words[0]] || sectionLeads[words[0]]):
		// "smtp-password" reads as Smtp--Password, not Payments--SmtpPassword.
		head, words = render(words[:1], form.Case, form.Dashed), words[1:]
	case len(other) > 0 && chance(rng, 0.6):
		head = pick(rng, other)
	case chance(rng, 0.5):
		head = oneOf(rng, builtinHeads)
		if form.Case != Title {
			head = render(splitWords(head), form.Case, form.Dashed)
		}
	default:
		q := n.qualifier(rng, words)
		if q == "" {
			q = "app"
		}
		head = render([]string{q}, form.Case, form.Dashed)
	}
	return head + "--" + render(words, form.Case, form.Dashed)
}

// qualifier picks a word to put before a keyword: from the vault's own
// vocabulary or the built-in list, never one the keyword already has, and
// no service name before a keyword that already names what it is for
// ("redis-ssh-key" would read oddly).
func (n *Namer) qualifier(rng *rand.Rand, words []string) string {
	spec := specific(words)
	for range 6 {
		var q string
		if len(n.style.Vocabulary) > 0 && chance(rng, 0.6) {
			q = pick(rng, n.style.Vocabulary)
		} else {
			q = oneOf(rng, builtinQualifiers)
		}
		if !contains(words, q) && !(spec && techWords[q]) {
			return q
		}
	}
	return ""
}

// sectionLeads, like service names, become the section of a Section--Key
// name when a keyword starts with one: "jwt-signing-key" → Jwt--SigningKey.
var sectionLeads = set("jwt", "ssh", "sas", "webhook")

// specificLeads are first words that make a keyword name its own purpose.
var specificLeads = set("ssh", "jwt", "sas", "webhook", "root", "admin", "deploy", "service", "disk", "tde", "token")

// specific reports whether a keyword's first word already says what the
// secret is for ("sql-password", "ssh-key") rather than what it is ("password").
func specific(words []string) bool {
	return len(words) > 0 && (techWords[words[0]] || specificLeads[words[0]])
}

func contains(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// affix fills an affix's slots with the vault's environments and regions.
func (n *Namer) affix(rng *rand.Rand, a Affix) []string {
	out := make([]string, 0, len(a))
	for _, p := range a {
		switch {
		case p == SlotEnv && len(n.style.Envs) > 0:
			out = append(out, pick(rng, n.style.Envs))
		case p == SlotRegion && len(n.style.Regions) > 0:
			out = append(out, pick(rng, n.style.Regions))
		case !isSlot(p):
			out = append(out, p)
		}
	}
	return out
}

// digits is a trailing number in the vault's way, drawn from the range it
// uses and just past it; "" when the shape has none.
func (n *Namer) digits(rng *rand.Rand, number bool) string {
	d := n.style.Digits
	if !number {
		return ""
	}
	lo := max(0, d.Min)
	hi := max(lo, d.Max) + 2
	if hi-lo > 1_000_000 {
		hi = lo + 1_000_000
	}
	width := min(max(d.Width, 1), maxDigitWidth)
	s := fmt.Sprintf("%0*d", width, lo+rng.IntN(hi-lo+1))
	if d.Dashed {
		return "-" + s
	}
	return s
}
