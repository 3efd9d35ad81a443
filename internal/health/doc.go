// Package health proves, per decoy vault, that detection works end to end:
// on a schedule it asks each vault for a secret that does not exist, named
// with a nonce (registry.HeartbeatPrefix and 32 hex digits), and waits for
// that request's audit record to come back through ingestion within an SLA.
// A heartbeat missed makes the vault's monitoring gap: one alert, incident
// and notification however many beats the gap misses; a later heartbeat
// coming back ends it with one recovery notice (internal/incident:
// GapRecorder).
//
// Only nonces honeyvault sent, to the vault it sent them to, are taken
// out of detection (Recognize): a record of a heartbeat-shaped name with a
// nonce honeyvault never sent goes through detection like any record, and
// raises nothing because no decoy may carry such a name. Knowing the prefix
// therefore lets nobody silence anything.
package health
