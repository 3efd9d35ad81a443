package api

import "time"

// Incident is an incident as the API shows it.
type Incident struct {
	ID             int64      `json:"id"`
	Title          string     `json:"title"`
	Severity       string     `json:"severity"`
	Status         string     `json:"status"`
	Classification string     `json:"classification,omitempty"`
	Owner          string     `json:"owner,omitempty"`
	VaultID        string     `json:"vault_id"`
	Vault          string     `json:"vault"`
	Caller         string     `json:"caller"` // the caller key of the alert that opened it
	FirstSeen      time.Time  `json:"first_seen"`
	LastSeen       time.Time  `json:"last_seen"`
	AlertCount     int        `json:"alert_count"`
	DecoyCount     int        `json:"decoy_count"`
	PreviousID     int64      `json:"previous_id,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
}

// IncidentList is GET /api/v1/incidents. NextBefore, when set, is the
// ?before= of the next page.
type IncidentList struct {
	Incidents  []Incident `json:"incidents"`
	NextBefore int64      `json:"next_before,omitempty"`
}

// IncidentDetail is GET /api/v1/incidents/{id}.
type IncidentDetail struct {
	Incident        Incident       `json:"incident"`
	Alerts          []Alert        `json:"alerts"`
	AlertsTruncated bool           `json:"alerts_truncated,omitempty"`
	Entities        Entities       `json:"entities"`
	History         []HistoryEntry `json:"history"`
	Related         Related        `json:"related"`
}

// Alert is one decoy touched by one request.
type Alert struct {
	ID            int64     `json:"id"`
	IncidentID    int64     `json:"incident_id,omitempty"`
	Time          time.Time `json:"time"`
	VaultID       string    `json:"vault_id"`
	Vault         string    `json:"vault"`
	Token         string    `json:"token"`
	TokenType     string    `json:"token_type"`
	ObjectType    string    `json:"object_type,omitempty"`
	Operation     string    `json:"operation"`
	Class         string    `json:"class"`
	Severity      string    `json:"severity"`
	Status        int       `json:"status"`                // the HTTP status Key Vault answered
	StatusText    string    `json:"status_text,omitempty"` // its word: "Forbidden" for 403
	Result        string    `json:"result,omitempty"`      // Key Vault's resultSignature: OK, Forbidden, ...
	CorrelationID string    `json:"correlation_id"`
	RequestURI    string    `json:"request_uri,omitempty"`
	Caller        Caller    `json:"caller"`
	Suppressed    bool      `json:"suppressed,omitempty"`
	AllowedBy     string    `json:"allowed_by,omitempty"`
}

// AlertList is GET /api/v1/alerts. NextAfter, when set, is the ?after= of
// the next page.
type AlertList struct {
	Alerts    []Alert `json:"alerts"`
	NextAfter int64   `json:"next_after,omitempty"`
}

// Caller is who made a request.
type Caller struct {
	ObjectID   string `json:"object_id,omitempty"`
	UPN        string `json:"upn,omitempty"`
	AppID      string `json:"app_id,omitempty"`
	TenantID   string `json:"tenant_id,omitempty"`
	IP         string `json:"ip,omitempty"`
	ClientInfo string `json:"client_info,omitempty"`
}

// Entities are what an incident's alerts name.
type Entities struct {
	Accounts    []Caller      `json:"accounts"`
	IPs         []string      `json:"ips"`
	Vaults      []string      `json:"vaults"`
	Decoys      []EntityDecoy `json:"decoys"`
	Operations  []string      `json:"operations"`
	ClientInfos []string      `json:"client_infos"`
}

// EntityDecoy is a decoy an incident touched.
type EntityDecoy struct {
	Vault string `json:"vault"`
	Name  string `json:"name"`
	Type  string `json:"type"`
}

// HistoryEntry is one change of an incident.
type HistoryEntry struct {
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	OldValue string    `json:"old_value,omitempty"`
	NewValue string    `json:"new_value,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// Related is the investigation around an incident (see
// incident.RelatedActivity).
type Related struct {
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
	Events    []Event       `json:"events"`
	Truncated bool          `json:"truncated,omitempty"`
	Others    []VaultOthers `json:"others_on_vault"`
}

// Event is one stored audit event.
type Event struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	Vault      string    `json:"vault"`
	ObjectType string    `json:"object_type,omitempty"`
	ObjectName string    `json:"object_name,omitempty"`
	Operation  string    `json:"operation"`
	// Result is Key Vault's resultType as logged, which says Success for
	// every request Key Vault answered, a refused one (401, 403) too:
	// Status and StatusText say how it was answered.
	Result        string `json:"result,omitempty"`
	Status        int    `json:"status,omitempty"`      // the HTTP status Key Vault answered; 0 when not logged
	StatusText    string `json:"status_text,omitempty"` // its word: "Forbidden" for 403
	CorrelationID string `json:"correlation_id,omitempty"`
	Caller        Caller `json:"caller"`
}

// VaultOthers is who else acted on a vault.
type VaultOthers struct {
	Vault   string        `json:"vault"`
	Callers []VaultCaller `json:"callers"`
}

// VaultCaller is one other caller's activity on a vault.
type VaultCaller struct {
	Caller string    `json:"caller"`
	UPN    string    `json:"upn,omitempty"`
	IP     string    `json:"ip,omitempty"`
	Events int       `json:"events"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
	// Unauthenticated marks requests that carried no identity, grouped by
	// address (Caller is the IP): requests without a token (Key Vault
	// answers them 401), such as the auth challenge every Key Vault client
	// sends first. They come after the callers with an identity.
	Unauthenticated bool `json:"unauthenticated,omitempty"`
}

// CloseRequest is the body of POST /api/v1/incidents/{id}/close.
type CloseRequest struct {
	Classification string `json:"classification"` // true_positive, benign_positive or false_positive
	Comment        string `json:"comment,omitempty"`
}

// CommentRequest is the body of POST /api/v1/incidents/{id}/comment.
type CommentRequest struct {
	Comment string `json:"comment"`
}

// AssignRequest is the body of POST /api/v1/incidents/{id}/assign; an
// empty owner unassigns.
type AssignRequest struct {
	Owner string `json:"owner"`
}

// ReopenRequest is the body of POST /api/v1/incidents/{id}/reopen.
type ReopenRequest struct {
	Comment string `json:"comment,omitempty"`
}
