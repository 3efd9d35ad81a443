package api

import "time"

// VaultDiagnostics is what the diagnostics check last found for a vault:
// whether a diagnostic setting sends AuditEvent to a destination
// honeyvault reads.
type VaultDiagnostics struct {
	VaultID string `json:"vault_id"`
	// State is ok, no-setting, no-audit-event, elsewhere (AuditEvent goes
	// only to destinations honeyvault does not read), refused (Resource
	// Manager refused the listing) or failed.
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"` // plain words, unless ok
	// Fix is the az command that creates a setting sending AuditEvent to a
	// destination honeyvault reads, when one is configured.
	Fix       string    `json:"fix,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// DiagnosticsReport is POST /api/v1/diagnostics: one run of the check over
// every vault holding decoys.
type DiagnosticsReport struct {
	Started  time.Time          `json:"started"`
	Finished time.Time          `json:"finished"`
	Vaults   []VaultDiagnostics `json:"vaults"`
	// Errors of the run as a whole (sign-in, the store).
	Errors []string `json:"errors"`
}
