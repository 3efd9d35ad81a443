// Package auditlog turns every shape of Azure Key Vault audit record — and
// Azure Activity-log records, HashiCorp Vault audit entries and AWS
// CloudTrail records — into one normalised Event.
//
// Shapes, detected per record (see ParseRecord) and per top-level value of
// a stream (see Decoder), so one input may mix them: raw AuditEvent records
// from Event Hubs and storage; the {"records":[...]} documents that wrap
// them, as a whole file, pretty-printed or not, or one per line; JSON lines
// (storage PT1H.json); JSON arrays of Log Analytics rows (AzureDiagnostics,
// AZKVAuditLogs, AzureActivity); the Log Analytics query API's
// {"tables":[{"columns":[...],"rows":[...]}]} answers and the portal's CSV
// exports of those tables, row by row; Activity-log records as exported by
// diagnostic settings and as returned by the REST API; HashiCorp Vault /
// OpenBao audit-device entries (vaultaudit.go: one JSON object a line,
// with or without the device's prefix or a syslog header before it); AWS
// CloudTrail records (S3 log files' {"Records":[...]}, one a line,
// EventBridge events alone or in arrays: see cloudtrail.go), of which a
// Secrets Manager record yields one event per secret it names; any of them
// gzip-compressed.
//
// Entry points:
//   - Decoder streams records from an io.Reader with bounded memory
//     (DefaultMaxRecordSize per record) and reports each malformed record
//     as a *RecordError with its position, then carries on.
//   - ParseBody parses one in-memory body of any shape (an Event Hubs
//     message); OpenBody decodes one streamed as it arrives (an HTTP push),
//     its decompressed size bounded.
//   - ParseRecord parses one record; ParseObjectURI reads the object a Key
//     Vault URI names.
//   - DescribeInput says what an input in which no record was found looks
//     like, for error messages.
//
// The object an audit event touched comes from properties.id (what Key
// Vault returned) when present, else from the request URI (what the caller
// sent, in any spelling: case, trailing slash, version, percent-encoding,
// port, sovereign-cloud host, /deleted* path). The vault comes from the
// record's ARM resource id, else from the host.
//
// Every record goes through one general path (encoding/json into a union
// of every shape's fields), except Key Vault's diagnostic-export AuditEvent
// records, nearly all live traffic, which a single-pass reader takes first
// (fastaudit.go) when it is certain to read them exactly as the general
// path does; it hands every other record to the general path.
//
// This package must not import internal/store, internal/web or
// internal/kvemu (an import-boundary test checks it): it is the parser the
// emulator is an oracle for, and it sits upstream of persistence.
package auditlog
