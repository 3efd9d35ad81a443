// Package sentinel exports honeyvault's registry and detection logic for
// Microsoft Sentinel: the HoneyTokens watchlist (the CSV and an ARM
// template that deploys it) and analytics rules as ARM JSON that close the
// original Deception solution's gaps.
//
// The rules read both Key Vault tables (AzureDiagnostics and AZKVAuditLogs),
// take their operation lists from internal/detect (so the rules and the
// matcher cannot drift apart), read both identity-claim spellings, keep
// failed attempts, leave out honeyvault's own allow-listed identities, and
// window on ingestion time so that a record that arrives late is still seen
// once. A fourth rule, on AzureActivity, is the original's diagnostic
// settings rule.
//
// Everything here is pure generation: no Azure call, no store.
package sentinel
