package coverage

import "time"

// heartbeatWords says why a vault in a monitoring gap since since is at
// risk, and what to check.
func heartbeatWords(now, since time.Time) string {
	return "honeyvault's heartbeat has not come back through ingestion for " + Span(now.Sub(since)) +
		" past its deadline: this vault's audit records no longer reach honeyvault — check that its diagnostic setting still sends AuditEvent to a source honeyvault reads, and that the source is running"
}
