package config

import (
	"fmt"
	"strconv"
	"strings"
)

// MemoryLimitOff is what ParseMemoryLimit returns for "off": no soft
// memory limit, Go's default pacing alone.
const MemoryLimitOff = -1

// memoryUnits are the suffixes GOMEMLIMIT accepts, so that the setting
// reads like the variable it stands for.
var memoryUnits = []struct {
	suffix string
	bytes  int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// minMemoryLimit is the least limit accepted: below it the collector
// would run without pause for serve's own working set.
const minMemoryLimit = 64 << 20

// ParseMemoryLimit reads limits.memory_limit: "" (automatic, 0: 90 % of
// the cgroup's memory.max when there is one, else serve follows its live
// heap), "off" (MemoryLimitOff), or a
// size as GOMEMLIMIT spells it ("200MiB", "2GiB"; at least 64MiB).
func ParseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return 0, nil
	case "off":
		return MemoryLimitOff, nil
	}
	for _, u := range memoryUnits {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n <= 0 || n > (1<<62)/u.bytes {
			break
		}
		if n*u.bytes < minMemoryLimit {
			return 0, fmt.Errorf("%q: want at least 64MiB", s)
		}
		return n * u.bytes, nil
	}
	return 0, fmt.Errorf("%q: want a size like 512MiB or 2GiB, or off", s)
}

// CgroupMemoryLimit is the soft limit set by default under a cgroup
// memory.max of max bytes: 90 %, leaving room for what Go does not count
// (SQLite's page cache is C memory, and stacks).
func CgroupMemoryLimit(max int64) int64 { return max / 10 * 9 }
