// Package loadrecord makes the AuditEvent records the ingest benchmarks
// post: bench/ingest's load generator and internal/app's HTTP ingest
// benchmark send the same bytes, so their figures compare.
package loadrecord

import (
	"bytes"
	"fmt"
	"time"
)

// Write writes record i as a JSON line shaped like a real AuditEvent: 200
// vaults, 1,000 callers, gets, lists and key operations, every record
// distinct (its correlation id and time follow i).
func Write(b *bytes.Buffer, i int) {
	vault := fmt.Sprintf("kv-app%03d-prod", i%200)
	ops := [...]string{"SecretGet", "SecretList", "KeySign", "SecretGet", "VaultGet"}
	op := ops[i%len(ops)]
	t := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	fmt.Fprintf(b, `{"time":"%s","resourceId":"/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-APPS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/%s",`+
		`"operationName":"%s","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","resultDescription":"",`+
		`"durationMs":"11","callerIpAddress":"10.1.%d.%d","correlationId":"%08x-5d0f-4c59-9f4b-0b3a4f0d2b11",`+
		`"identity":{"claim":{"oid":"5c3f1a2b-9d4e-4f6a-8b7c-%012x","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
		`"properties":{"id":"https://%s.vault.azure.net/secrets/app-setting-%d/9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c","clientInfo":"azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)",`+
		`"requestUri":"https://%s.vault.azure.net/secrets/app-setting-%d/?api-version=7.4","httpStatusCode":200,"isAccessPolicyMatch":true}}`+"\n",
		t.Format("2006-01-02T15:04:05.0000000Z"), vault, op, (i/250)%250, i%250, i, i%1000, vault, i%40, vault, i%40)
}
