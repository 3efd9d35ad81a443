//go:build !unix

package auditlog

import (
	"testing"
	"time"
)

// cpuTime is not measured here: the benchmarks report wall time only.
func cpuTime(*testing.B) time.Duration { return 0 }
