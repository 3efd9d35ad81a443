package api

import "time"

// AuditEntry is one entry of the audit trail, as GET /api/v1/audit and its
// JSON-lines export (?format=jsonl, one entry a line) show it.
type AuditEntry struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	Target     string    `json:"target,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
}

// AuditList is GET /api/v1/audit. NextBefore, when set, is the ?before= of
// the next page.
type AuditList struct {
	Entries    []AuditEntry `json:"entries"`
	NextBefore int64        `json:"next_before,omitempty"`
}
