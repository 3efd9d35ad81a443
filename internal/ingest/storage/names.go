package storage

import (
	"regexp"
	"strconv"
	"strings"
)

// rollName matches an hour blob's base name: PT1H.json, PT1H_1.json, ...
var rollName = regexp.MustCompile(`^(.*?)(?:_(\d{1,9}))?(\.json)$`)

// blobOrder reports whether blob a should be read before b: by folder
// (vault, then hour, as the names spell them), then within an hour the
// roll-over sequence PT1H.json, PT1H_1.json, PT1H_2.json, …, PT1H_10.json
// in number order rather than string order.
func blobOrder(a, b string) int {
	da, ba := splitName(a)
	db, bb := splitName(b)
	if c := strings.Compare(da, db); c != 0 {
		return c
	}
	sa, na := rollOf(ba)
	sb, nb := rollOf(bb)
	if c := strings.Compare(sa, sb); c != 0 {
		return c
	}
	if na != nb {
		if na < nb {
			return -1
		}
		return 1
	}
	return strings.Compare(ba, bb)
}

func splitName(name string) (dir, base string) {
	i := strings.LastIndexByte(name, '/')
	return name[:i+1], name[i+1:]
}

// rollOf splits a base name into its stem and roll-over number (0 for the
// first blob of the hour, -1 for names that are not hour blobs).
func rollOf(base string) (string, int) {
	m := rollName.FindStringSubmatch(base)
	if m == nil {
		return base, -1
	}
	n := 0
	if m[2] != "" {
		n, _ = strconv.Atoi(m[2])
	}
	return m[1] + m[3], n
}
