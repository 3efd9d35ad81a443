package cli

import (
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// serve's soft memory limit: GOMEMLIMIT wins, then limits.memory_limit,
// then 90 % of the cgroup's memory.max; "max" or no cgroup file sets none
// at start and asks to follow the live heap.
func TestApplyMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	dir := t.TempDir()
	cgroup := func(content string) string {
		p := filepath.Join(dir, "memory.max")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name, gomemlimit, setting, cgroup string
		want                              int64 // what applyMemoryLimit sets; 0: none
		follow                            bool  // the live heap is to be followed
	}{
		{name: "setting", setting: "300MiB", cgroup: "1073741824\n", want: 300 << 20},
		{name: "cgroup", cgroup: "1073741824\n", want: 966367638},
		{name: "cgroup without a limit", cgroup: "max\n", follow: true},
		{name: "no cgroup file", follow: true},
		{name: "off", setting: "off", cgroup: "1073741824\n"},
		{name: "GOMEMLIMIT wins", gomemlimit: "100MiB", setting: "300MiB", cgroup: "1073741824\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			t.Setenv("GOMEMLIMIT", tt.gomemlimit)
			path := filepath.Join(dir, "absent")
			if tt.cgroup != "" {
				path = cgroup(tt.cgroup)
			}
			got, follow := applyMemoryLimit(tt.setting, path, log)
			if got != tt.want || follow != tt.follow {
				t.Errorf("applyMemoryLimit = %d, %v; want %d, %v", got, follow, tt.want, tt.follow)
			}
			want := tt.want
			if want == 0 {
				want = math.MaxInt64 // left as it was
			}
			if got := debug.SetMemoryLimit(-1); got != want {
				t.Errorf("runtime's limit = %d; want %d", got, want)
			}
		})
	}
}
