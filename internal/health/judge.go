package health

import (
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// Verdict is what a vault's heartbeats say of its audit records.
type Verdict int

// The verdicts.
const (
	// Unknown: no heartbeat is back or past due yet (a new vault, or none
	// sent lately): nothing changes.
	Unknown Verdict = iota
	// Flowing: the newest heartbeat that is back or past due is back.
	Flowing
	// Missed: the newest heartbeat that is back or past due is past due
	// and not back.
	Missed
)

// Judgement is a vault's verdict and the heartbeats it rests on.
type Judgement struct {
	Verdict Verdict
	// FirstMissed is the first heartbeat of the gap (Missed): the oldest
	// past-due one sent after the newest that came back.
	FirstMissed store.Heartbeat
	// Back is the newest heartbeat that came back (Flowing).
	Back store.Heartbeat
}

// Judge decides one vault's verdict at now from its heartbeats, oldest
// sent first. A heartbeat that came back late still counts as back: the
// records flow again, slowly; the gap its lateness opened, when a check
// ran before it arrived, ends with it.
func Judge(beats []store.Heartbeat, now time.Time) Judgement {
	latest := -1
	for i, b := range beats {
		if !b.SeenAt.IsZero() || !b.DueAt.After(now) {
			latest = i
		}
	}
	if latest < 0 {
		return Judgement{}
	}
	if !beats[latest].SeenAt.IsZero() {
		return Judgement{Verdict: Flowing, Back: beats[latest]}
	}
	first := latest
	for first > 0 && beats[first-1].SeenAt.IsZero() {
		first--
	}
	return Judgement{Verdict: Missed, FirstMissed: beats[first]}
}
