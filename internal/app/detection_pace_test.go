package app

import (
	"runtime/debug"
	"testing"
)

func TestHeadroomPercent(t *testing.T) {
	tests := []struct {
		live, headroom uint64
		want           int
	}{
		{0, 16 << 20, 100},          // nothing measured yet: Go's default
		{1 << 20, 16 << 20, 1600},   // a small heap may grow by the whole headroom
		{64 << 20, 16 << 20, 25},    // 16 MiB over 64 MiB
		{1 << 30, 16 << 20, 10},     // never under 10 %
		{1 << 10, 16 << 20, 10000},  // never over 10,000 %
		{100 << 20, 100 << 20, 100}, // headroom equal to the live heap: doubling
	}
	for _, tt := range tests {
		if got := headroomPercent(tt.live, tt.headroom); got != tt.want {
			t.Errorf("headroomPercent(%d, %d) = %d; want %d", tt.live, tt.headroom, got, tt.want)
		}
	}
}

// TestBuildPacingGivesGOGCBack: whatever the build set, the GOGC in force
// before it is in force after it.
func TestBuildPacingGivesGOGCBack(t *testing.T) {
	prev := debug.SetGCPercent(77)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	p := startBuildPacing()
	p.step()
	p.stop()
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("GOGC after the build = %d; want 77", got)
	}
}
