package plant

import (
	"math/rand/v2"
	"sort"
	"strings"
)

// Path-based stores (HashiCorp Vault KV mounts, AWS Secrets Manager) name
// a secret by a path: directories the store's owners chose ("apps/payments/",
// "prod/orders/") and a leaf. A decoy blends in when it sits in a directory
// real secrets live in and its leaf reads like theirs. The leaf is learned
// and made by the Key Vault style machinery (LearnStyle, Namer), which knows
// only dashes: leaves are mapped to dashes for it and its names mapped back
// to the separator the store uses (see leafSeparator).

// splitPath cuts a path into its directory (with the trailing slash, "" at
// the top) and its leaf.
func splitPath(p string) (dir, leaf string) {
	i := strings.LastIndexByte(p, '/')
	return p[:i+1], p[i+1:]
}

// layout is how a store's secrets are laid out in directories.
type layout struct {
	dirs    []Weighted[string]  // directories holding secrets, weighted by how many
	leaves  map[string][]string // each directory's leaves
	subdirs map[string][]string // each directory's subdirectory names (no slash)
	all     []string            // every leaf of the store
}

func learnLayout(paths []string) *layout {
	l := &layout{leaves: map[string][]string{}, subdirs: map[string][]string{}}
	counts := map[string]int{}
	seenSub := map[string]bool{}
	for _, p := range paths {
		dir, leaf := splitPath(p)
		counts[dir]++
		l.leaves[dir] = append(l.leaves[dir], leaf)
		l.all = append(l.all, leaf)
		// Every directory on the way is a name a leaf must not repeat:
		// "apps/payments" beside "apps/payments/" reads as a copy.
		for d := dir; d != ""; {
			parent, name := splitPath(strings.TrimSuffix(d, "/"))
			if !seenSub[d] {
				seenSub[d] = true
				l.subdirs[parent] = append(l.subdirs[parent], name)
			}
			d = parent
		}
	}
	l.dirs = ranked(counts)
	sort.Strings(l.all)
	return l
}

// pickDir draws a directory with the weight of the secrets in it; ok is
// false for a store with none.
func (l *layout) pickDir(rng *rand.Rand) (string, bool) {
	if len(l.dirs) == 0 {
		return "", false
	}
	return pick(rng, l.dirs), true
}

// styleLeaves are the leaves a decoy in dir learns its style from: the
// directory's own when it has enough, else the whole store's.
func (l *layout) styleLeaves(dir string) []string {
	if ls := l.leaves[dir]; len(ls) >= minStyleNames {
		return ls
	}
	return l.all
}

// Leaf separators a store may use between words, as well as Key Vault's dash.
const leafSeparators = "-_."

// leafSeparator is the separator a leaf uses most (ties in the order of
// leafSeparators), 0 for a leaf with none ("DatabasePassword").
func leafSeparator(leaf string) byte {
	best, bestN := byte(0), 0
	for i := 0; i < len(leafSeparators); i++ {
		if n := strings.Count(leaf, leafSeparators[i:i+1]); n > bestN {
			best, bestN = leafSeparators[i], n
		}
	}
	return best
}

// dashed maps a leaf to the dashed form the style machinery reads:
// its own separator becomes a dash.
func dashed(leaf string) string {
	if sep := leafSeparator(leaf); sep != 0 && sep != '-' {
		return strings.ReplaceAll(leaf, string(sep), "-")
	}
	return leaf
}

// separators weighs the separators of leaves that have one; a set of
// leaves with none (or none at all) gets the dash.
func separators(leaves []string) []Weighted[string] {
	counts := map[string]int{}
	for _, l := range leaves {
		if sep := leafSeparator(l); sep != 0 {
			counts[string(sep)]++
		}
	}
	if len(counts) == 0 {
		return []Weighted[string]{{"-", 1}}
	}
	return ranked(counts)
}
