//go:build unix

package app

import (
	"errors"
	"syscall"
)

// processRuns reports whether a process with pid exists on this host (a
// signal 0 reaches it, or it exists but belongs to someone else).
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
