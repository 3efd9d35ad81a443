// Package storage reads the audit-log archive that Key Vault diagnostic
// settings write to a storage account: container insights-logs-auditevent,
// one append blob per vault and hour,
//
//	resourceId=/SUBSCRIPTIONS/{S}/RESOURCEGROUPS/{RG}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{V}/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json
//
// and PT1H_1.json, PT1H_2.json, … when an hour's blob fills up.
//
// Each poll lists the blobs under the prefix and reads every blob that grew
// with a range download from its checkpointed offset, up to its last
// complete line: a blob being appended to is read a little at a time, and
// a last line still being written waits for the next poll (or, with no line
// end ever coming, until the blob has not changed for Settle). The offset
// commits together with the records. Blobs in the format used before late
// 2018 — one {"records":[...]} document — are read whole, and again whenever
// their ETag changes; dedupe makes re-reads harmless.
package storage
