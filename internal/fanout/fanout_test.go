package fanout

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// Each runs every item, never more than limit at once, and once the
// context ends skips the items not started.
func TestEach(t *testing.T) {
	var running, peak atomic.Int32
	var mu sync.Mutex
	done := map[int]bool{}
	Each(context.Background(), 20, 3, func(i int) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		mu.Lock()
		done[i] = true
		mu.Unlock()
		running.Add(-1)
	}, func(i int) { t.Errorf("item %d skipped", i) })
	if len(done) != 20 || peak.Load() > 3 {
		t.Errorf("%d items done, %d at once; want 20, at most 3", len(done), peak.Load())
	}

	ctx, cancel := context.WithCancel(context.Background())
	var worked, skipped atomic.Int32
	Each(ctx, 10, 1, func(i int) {
		worked.Add(1)
		cancel() // the first item ends the run
	}, func(i int) { skipped.Add(1) })
	if worked.Load() != 1 || skipped.Load() != 9 {
		t.Errorf("after the end: %d worked, %d skipped; want 1 and 9", worked.Load(), skipped.Load())
	}
}
