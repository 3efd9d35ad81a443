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
	// Backlog is the records waiting at the origin that this source has
	// not read yet (Kafka consumer lag), when the source can tell
	// (BacklogKnown: a Poller that is a Backlogger, once it knows).
	Backlog      int64
	BacklogKnown bool
}

// Backlogger is a Poller that can tell how many records wait at its
// origin beyond those it has read (Event Hubs/Kafka: the partitions' high
// watermarks less its position); ok is false while it cannot tell yet.
type Backlogger interface {
	Backlog() (records int64, ok bool)
}
