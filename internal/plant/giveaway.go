package plant

import "strings"

// giveawayWords are words that would tell an intruder a secret is a trap or
// not real. A generated name or value never contains one, in any case, not
// even inside another word ("latest" contains "test", "bootstrap" contains
// "trap"): this is the one list, everything else calls Giveaway.
var giveawayWords = []string{
	"honey", "canary", "decoy", "trap", "fake", "test", "dummy", "bait", "lure",
	"sample", "example", "placeholder", "sentinel", "deception", "decept", "deceiv",
	"tripwire", "alarm", "beacon", "mock", "bogus", "phony", "fictitious",
	"lorem", "ipsum", "foobar", "changeme", "notreal", "watchlist",
}

// Giveaway returns the first giveaway word that s contains, case-insensitively
// and even inside another word, and whether there was one.
func Giveaway(s string) (string, bool) {
	l := strings.ToLower(s)
	for _, w := range giveawayWords {
		if strings.Contains(l, w) {
			return w, true
		}
	}
	return "", false
}
