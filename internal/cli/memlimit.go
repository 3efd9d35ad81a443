package cli

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/config"
)

// cgroupMemoryMax is where cgroup v2 puts the memory limit of serve's
// cgroup (a container's limit, a systemd unit's MemoryMax=).
const cgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// applyMemoryLimit sets serve's soft memory limit from limits.memory_limit
// (already validated), or by default from the cgroup's memory.max, and
// returns it (0: none set here). GOMEMLIMIT wins: the runtime read it at
// start. follow is true when nothing sets a limit by default (no cgroup
// limit): serve then follows its live heap once started (followMemory).
// Without a limit Go lets the heap grow to twice what is live: a million
// decoys then took serve to 310–384 MB while ingesting, 230 MB under a
// 200 MiB limit (bench/BENCHMARKS.md).
func applyMemoryLimit(setting, cgroupFile string, log *slog.Logger) (limit int64, follow bool) {
	if os.Getenv("GOMEMLIMIT") != "" {
		log.Info("memory: soft limit from GOMEMLIMIT", "bytes", debug.SetMemoryLimit(-1))
		return 0, false
	}
	n, err := config.ParseMemoryLimit(setting)
	if err != nil || n == config.MemoryLimitOff {
		return 0, false
	}
	from := "limits.memory_limit"
	if n == 0 {
		max, ok := readCgroupMemoryMax(cgroupFile)
		if !ok {
			return 0, true // no cgroup limit to fit under: follow the live heap
		}
		n, from = config.CgroupMemoryLimit(max), "90% of "+cgroupFile
	}
	debug.SetMemoryLimit(n)
	log.Info("memory: soft limit set", "bytes", n, "from", from)
	return n, false
}

// readCgroupMemoryMax reads a cgroup v2 memory.max: its bytes, or false
// when the file is missing or says "max" (no limit).
func readCgroupMemoryMax(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
