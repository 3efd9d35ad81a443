package app

import (
	"runtime/debug"
	"runtime/metrics"
)

// buildHeadroom is how far the heap may grow past what is live while the
// index is built. Reading a million decoys makes some 300 MB of garbage
// (the rows as the driver returns them) while the index grows to 90 MB:
// at Go's default pace the heap would peak at twice the index and more;
// at a fixed GOGC of 10 it stays near the index but, while the index is
// still small, collects every few hundred kilobytes (234–248 cycles for a
// million decoys). A fixed headroom keeps the peak where GOGC 10 kept it
// (VmHWM 172 MB) in a quarter of the cycles (62), about 0.5 s of CPU less
// (bench/BENCHMARKS.md, "Fourth pass").
const buildHeadroom = 16 << 20

// buildPacer sets GOGC, batch by batch, so that the next collection comes
// buildHeadroom after the live heap (never less than 10 % of it), and
// gives the previous GOGC back at the end. The index holds almost no pointers (an arena and slices of
// integers), so a cycle costs little whatever its size.
type buildPacer struct {
	prev, pct int
	live      []metrics.Sample
}

func startBuildPacing() *buildPacer {
	p := &buildPacer{live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	p.pct = 100
	p.prev = debug.SetGCPercent(p.pct)
	return p
}

// step sets GOGC from the live heap the last collection found.
func (p *buildPacer) step() {
	metrics.Read(p.live)
	if p.live[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	pct := headroomPercent(p.live[0].Value.Uint64(), buildHeadroom)
	if pct != p.pct {
		p.pct = pct
		debug.SetGCPercent(pct)
	}
}

func (p *buildPacer) stop() { debug.SetGCPercent(p.prev) }

// headroomPercent is the GOGC that lets a heap of live bytes grow by
// headroom, between 10 and 10,000.
func headroomPercent(live, headroom uint64) int {
	if live == 0 {
		return 100
	}
	return int(min(max(headroom*100/live, 10), 10000))
}
