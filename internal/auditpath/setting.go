package auditpath

import "strings"

// Setting is a diagnostic setting of a vault, as Resource Manager lists it
// or an Activity record's body carries it.
type Setting struct {
	Name                        string
	StorageAccountID            string // a storage account's ARM id
	EventHubAuthorizationRuleID string // an Event Hubs namespace authorization rule's ARM id
	EventHubName                string // "" means one hub per category: insights-logs-auditevent
	WorkspaceID                 string // a Log Analytics workspace's ARM id
	MarketplacePartnerID        string
	Logs                        []Log
}

// Log enables or disables one log category or category group.
type Log struct {
	Category      string
	CategoryGroup string
	Enabled       bool
}

// DefaultHub is the hub Azure writes AuditEvent to when a setting names a
// namespace and no hub.
const DefaultHub = "insights-logs-auditevent"

// SendsAuditEvent reports whether s enables Key Vault's AuditEvent — the
// category itself, or the "audit" or "allLogs" group — and has a
// destination at all.
func (s Setting) SendsAuditEvent() bool {
	if s.StorageAccountID == "" && s.EventHubAuthorizationRuleID == "" && s.WorkspaceID == "" && s.MarketplacePartnerID == "" {
		return false
	}
	for _, l := range s.Logs {
		if l.Enabled && (strings.EqualFold(l.Category, "AuditEvent") || strings.EqualFold(l.CategoryGroup, "audit") ||
			strings.EqualFold(l.CategoryGroup, "allLogs")) {
			return true
		}
	}
	return false
}

// hub is the Event Hub s writes AuditEvent to.
func (s Setting) hub() string {
	if s.EventHubName == "" {
		return DefaultHub
	}
	return s.EventHubName
}
