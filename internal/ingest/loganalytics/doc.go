// Package loganalytics polls a Log Analytics workspace for Key Vault audit
// records through the query API (azlogs), from the resource-specific table
// AZKVAuditLogs or the legacy AzureDiagnostics.
//
// Records reach Log Analytics minutes after they happen, and not in order:
// a query on TimeGenerated over the last N minutes (what Sentinel's rules
// do) misses every record that arrives later than N minutes. This source
// filters on ingestion_time() instead, from a watermark — the newest
// ingestion time it has stored, committed with the records — minus an
// overlap for records that became visible after newer ones. The overlap
// reads some records twice; dedupe makes that harmless. TimeGenerated is
// bounded only by MaxDelay, so that the workspace can prune partitions.
package loganalytics
