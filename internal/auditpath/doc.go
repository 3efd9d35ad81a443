// Package auditpath decides whether a vault's audit log reaches honeyvault:
// which destinations honeyvault reads (Destinations, derived from the
// configured sources), and whether a vault's diagnostic settings send
// AuditEvent to one of them (Judge), with the fix when they do not (Fix).
// The diagnostics check and the destination-aware tamper rule both ask it,
// so that they agree.
//
// It is pure: settings come from Resource Manager or an Activity record's
// body, read by the caller. ARM ids are compared without regard to case,
// as Azure does.
package auditpath
