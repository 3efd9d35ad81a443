package source

import "time"

// States of a source.
const (
	StateStarting = "starting" // not polled yet
	StateRunning  = "running"  // the last poll succeeded
	StateBackoff  = "backoff"  // the last poll failed; waiting to retry
	StateStopped  = "stopped"
	StateStandby  = "standby" // another replica runs it (its lease is elsewhere)
)

// Status is what a source reports to the console and to /metrics.
type Status struct {
	Name  string
	Kind  string
	State string

	Records     int64 // records submitted and stored (New + Duplicates)
	New         int64 // stored for the first time
	Duplicates  int64 // already stored (overlaps, replays, redeliveries)
	DeadLetters int64 // unparseable records kept in the dead-letter table
	Errors      int64 // failed polls

	LastError   string
	LastErrorAt time.Time
	NextRetry   time.Time // when the source polls again after a failure
	LastPoll    time.Time // end of the last successful poll

	// LastRecordTime is the newest event time the source has delivered.
	LastRecordTime time.Time
	// LastReceived is when the source last delivered a record.
	LastReceived time.Time
	// Lag is how old the newest record of the last delivery was when it was
	// stored: Azure's delivery delay plus honeyvault's. It is not a
	// backlog: a quiet vault sends nothing and the lag stays as it was.
	Lag time.Duration
}
