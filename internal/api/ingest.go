package api

import "time"

// IngestResult is POST /api/v1/ingest/azure-keyvault's 202: every record
// of the body is stored. Its fields are in the order the API has always
// written them (alphabetical: it began as a map).
type IngestResult struct {
	Accepted     int           `json:"accepted"`      // records stored for the first time
	DeadLettered int           `json:"dead_lettered"` // malformed records kept as dead letters
	Duplicates   int           `json:"duplicates"`    // records already stored
	Errors       []IngestError `json:"errors"`        // the malformed records (the first 100); never null
}

// IngestRefusal is the ingest endpoint's 400 for a body that holds no
// record, or no valid one in its first chunk: nothing was stored. Its other
// errors (413, 429, 503, ...) are an Error.
type IngestRefusal struct {
	Error  string        `json:"error"`
	Errors []IngestError `json:"errors"` // the malformed records; never null
}

// IngestError is one malformed record of a pushed body: where it is and
// why it could not be read.
type IngestError struct {
	Position string `json:"position"`
	Error    string `json:"error"`
}

// IngestStatus is GET /api/v1/ingest/status. Its fields are in the order
// the API has always written them.
type IngestStatus struct {
	DeadLetters map[string]int64 `json:"dead_letters"` // per source
	Events      int64            `json:"events"`       // stored
	Sources     []Source         `json:"sources"`
}

// Source is a live ingestion source's state.
type Source struct {
	Name           string     `json:"name"`
	Kind           string     `json:"kind"`
	State          string     `json:"state"`
	Records        int64      `json:"records"`
	New            int64      `json:"new"`
	Duplicates     int64      `json:"duplicates"`
	DeadLetters    int64      `json:"dead_letters"`
	Errors         int64      `json:"errors"`
	LastError      string     `json:"last_error,omitempty"`
	LastErrorAt    *time.Time `json:"last_error_at,omitempty"`
	LastPoll       *time.Time `json:"last_poll,omitempty"`
	LastRecordTime *time.Time `json:"last_record_time,omitempty"`
	LagSeconds     float64    `json:"lag_seconds"`
}

// DeadLetter is a record that could not be parsed.
type DeadLetter struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Source     string    `json:"source"`
	Position   string    `json:"position"`
	Reason     string    `json:"reason"`
	Raw        string    `json:"raw"`
}

// DeadLetterList is GET /api/v1/dead-letters.
type DeadLetterList struct {
	DeadLetters []DeadLetter `json:"dead_letters"`
}
