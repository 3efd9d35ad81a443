package cli

import (
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// minMemoryHeadroom is the least room serve's default soft memory target
// leaves the heap above what is live: with a million decoys the live heap
// while ingesting is 95–115 MB (the index 89 MB), and what is outside Go's
// count (SQLite's page caches, the binary) 50–80 MB, so 48 MiB keeps the
// process under 256 MB where 64 MiB reached 262 MB once; collections come
// every 48 MB of garbage, a few a second at full ingest, each cheap (the
// index holds almost no pointers). See bench/BENCHMARKS.md, "Fourth pass".
const minMemoryHeadroom = 48 << 20

// memoryHeadroom is the room left above a live heap of live bytes: a
// quarter of it, at least minMemoryHeadroom. Below 48 MiB live, Go's own
// pacing (a heap of twice the live set) comes first and the target changes
// nothing; above, the heap grows by a bounded share instead of doubling,
// and collections come at most four times as often as Go's default would
// have them.
func memoryHeadroom(live uint64) uint64 { return max(live/4, minMemoryHeadroom) }

// memoryTarget keeps Go's soft memory limit a headroom above what the
// process holds, measured anew after every collection: the live heap the
// collection found, plus the runtime's own memory (stacks, metadata), plus
// memoryHeadroom. It follows the live set up and down, so the collector
// always has the headroom to work in (it never runs without pause for
// want of room, whatever the registry's size), and the process stays
// near its live set instead of at twice it.
type memoryTarget struct {
	log     *slog.Logger
	samples []metrics.Sample
	mu      sync.Mutex
	limit   int64 // last set
	stopped bool
}

var memoryTargetMetrics = []string{
	"/gc/heap/live:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
}

// followMemory sets the soft memory limit now and after every collection
// until stop is called. Call it once the start's transient garbage is
// gone (after the index is built).
func followMemory(log *slog.Logger) *memoryTarget {
	t := &memoryTarget{log: log}
	for _, name := range memoryTargetMetrics {
		t.samples = append(t.samples, metrics.Sample{Name: name})
	}
	t.update()
	log.Info("memory: soft limit follows the live heap", "bytes", t.current(), "from", "live heap + max(48MiB, 25%)")
	t.arm()
	return t
}

// arm asks to be called after the next collection: the sentinel is
// unreachable as soon as arm returns, so the collection that finds it
// runs the cleanup, which updates the limit and arms again.
func (t *memoryTarget) arm() {
	sentinel := &struct{ _ [64]byte }{} // not tiny-allocated: freed by the very next cycle
	runtime.AddCleanup(sentinel, func(t *memoryTarget) {
		if t.update() {
			t.arm()
		}
	}, t)
}

// update sets the limit from the last collection's figures; false once
// stopped.
func (t *memoryTarget) update() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.samples)
	v := make([]uint64, len(t.samples))
	for i, s := range t.samples {
		if s.Value.Kind() != metrics.KindUint64 {
			return true // unknown to this runtime: leave the limit as it is
		}
		v[i] = s.Value.Uint64()
	}
	live, total, heap := v[0], v[1], v[2]+v[3]+v[4]+v[5]
	limit := int64(memoryTargetFor(live, total-min(heap, total)))
	if limit != t.limit {
		debug.SetMemoryLimit(limit)
		if t.limit != 0 && (limit > t.limit+t.limit/10 || limit < t.limit-t.limit/10) {
			t.log.Debug("memory: soft limit follows the live heap", "bytes", limit, "live", live)
		}
		t.limit = limit
	}
	return true
}

// memoryTargetFor is the soft limit for a live heap of live bytes and the
// runtime's own memory of other bytes.
func memoryTargetFor(live, other uint64) uint64 { return live + other + memoryHeadroom(live) }

func (t *memoryTarget) current() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limit
}

// stop stops following and lifts the limit it set.
func (t *memoryTarget) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	debug.SetMemoryLimit(1<<63 - 1)
}
