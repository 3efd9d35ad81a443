package cli

import (
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestMemoryHeadroom(t *testing.T) {
	tests := []struct{ live, want uint64 }{
		{0, 48 << 20},
		{100 << 20, 48 << 20}, // a million decoys: 48 MiB over ~100 MB live
		{192 << 20, 48 << 20}, // a quarter equals the floor here
		{1 << 30, 256 << 20},  // a quarter of a large live set
	}
	for _, tt := range tests {
		if got := memoryHeadroom(tt.live); got != tt.want {
			t.Errorf("memoryHeadroom(%d) = %d; want %d", tt.live, got, tt.want)
		}
	}
	if got, want := memoryTargetFor(100<<20, 10<<20), uint64(158<<20); got != want {
		t.Errorf("memoryTargetFor = %d; want %d", got, want)
	}
}

// The soft limit follows the live heap after each collection: up when a
// large live set appears (so the collector keeps its headroom), down when
// it is gone, and lifted for good by stop.
func TestMemoryTargetFollowsTheLiveHeap(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	debug.SetMemoryLimit(math.MaxInt64)
	mt := followMemory(slog.New(slog.DiscardHandler))
	stopped := false
	defer func() {
		if !stopped {
			mt.stop()
		}
	}()
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	if got := limit(); got == math.MaxInt64 || got < minMemoryHeadroom {
		t.Fatalf("limit after start = %d; want a target of at least the headroom", got)
	}
	// waitFor collects until the limit satisfies ok: the target is moved
	// by a cleanup that runs after the collection, on its own goroutine.
	waitFor := func(what string, ok func(int64) bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok(limit()) {
			if time.Now().After(deadline) {
				t.Fatalf("limit %d: never %s", limit(), what)
			}
			runtime.GC()
			time.Sleep(5 * time.Millisecond)
		}
	}
	const big = 160 << 20 // pointer-free and never written: costs no resident memory
	ballast := make([]byte, big)
	waitFor("raised over the new live set plus its headroom", func(l int64) bool { return l >= big+minMemoryHeadroom })
	runtime.KeepAlive(ballast)
	ballast = nil
	waitFor("lowered once the live set is gone", func(l int64) bool { return l < big })
	mt.stop()
	stopped = true
	runtime.GC()
	runtime.GC()
	if got := limit(); got != math.MaxInt64 {
		t.Errorf("limit after stop = %d; want none", got)
	}
}
