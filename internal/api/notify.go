package api

import "time"

// Channel is a notification channel's health and backlog.
type Channel struct {
	Name                string    `json:"name"`
	Type                string    `json:"type"`
	MinSeverity         string    `json:"min_severity,omitempty"`
	Vaults              []string  `json:"vaults,omitempty"`
	Healthy             bool      `json:"healthy"` // the last attempt the answering process made worked, or none failed
	ConsecutiveFailures int       `json:"consecutive_failures"`
	LastSuccess         time.Time `json:"last_success,omitzero"`
	LastFailure         time.Time `json:"last_failure,omitzero"`
	LastError           string    `json:"last_error,omitempty"`
	Pending             int       `json:"pending"`
	OldestPending       time.Time `json:"oldest_pending,omitzero"`
	Sent                int       `json:"sent"`
	Failed              int       `json:"failed"`
}

// ChannelList is GET /api/v1/notify/channels.
type ChannelList struct {
	Channels []Channel `json:"channels"`
}
