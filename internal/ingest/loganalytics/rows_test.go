package loganalytics

import (
	"encoding/json"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
)

func FuzzReadTable(f *testing.F) {
	f.Add(`{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"OperationName","type":"string"},{"name":"HvIngestionTime","type":"datetime"}],"rows":[["2026-11-20T08:00:00Z","SecretGet","2026-11-20T08:01:00.1234567Z"]]}`)
	f.Add(`{"name":"PrimaryResult","columns":[{"name":"HvIngestionTime","type":"datetime"},{"name":"Identity","type":"dynamic"}],"rows":[[null,"{\"claim\":{}}"],[1,2,3]]}`)
	f.Add(`{"columns":[],"rows":[]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var tb azlogs.Table
		if json.Unmarshal([]byte(body), &tb) != nil {
			return
		}
		p, err := readTable("law", TableAZKVAuditLogs, tb)
		if err != nil {
			return
		}
		if got, want := len(p.events)+len(p.dead), len(tb.Rows); got != want {
			t.Errorf("%d events + dead letters from %d rows", got, want)
		}
		if !p.oldest.IsZero() && p.newest.Before(p.oldest) {
			t.Errorf("newest %v before oldest %v", p.newest, p.oldest)
		}
	})
}
