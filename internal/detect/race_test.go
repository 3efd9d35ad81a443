//go:build race

package detect

// raceEnabled is true when the race detector slows everything down.
const raceEnabled = true
