package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A Log Analytics CSV export dropped into a file source's directory is read
// whole, whatever its size. The file source read it in 4 MiB chunks like
// JSON lines, so every row after the first chunk had lost its header and
// became a dead letter — a decoy access there never alerted. Now the
// export, bigger than a chunk, is stored row for row and the decoy access
// in its last row raises an incident; *.csv is among the default patterns.
func TestCSVExportBiggerThanAChunkIsReadWhole(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		inbox := t.TempDir()
		const rows = 5500
		start := time.Now().UTC().Add(-time.Hour)
		var b strings.Builder
		b.WriteString("\ufeffTenantId,\"TimeGenerated [UTC]\",OperationName,ResultType,ResultSignature,HttpStatusCode,CallerIpAddress," +
			"ClientInfo,CorrelationId,Id,RequestUri,Identity,_ResourceId,Type\r\n")
		for i := range rows {
			// Long rows, so that few of them fill more than a chunk.
			secret, oid, client := fmt.Sprintf("other-%d", i), "reader-1", "azsdk-go-azsecrets/v1.5.1 "+strings.Repeat("(padding) ", 60)
			if i%100 == 0 {
				client = "\"a client info\r\nover two lines, \"\"quoted\"\"\""
			}
			if i == rows-1 {
				secret, oid = decoys[0], "csv-attacker"
			}
			fmt.Fprintf(&b, "72f988bf-86f1-41af-91ab-2d7cd011db47,\"%s\",SecretGet,Success,OK,200,198.51.100.7,%s,csv-%d,"+
				"https://kv-orders.vault.azure.net/secrets/%s/0123456789abcdef,https://kv-orders.vault.azure.net/secrets/%s/?api-version=7.4,"+
				"\"{\"\"claim\"\":{\"\"oid\"\":\"\"%s\"\"}}\",%s,AZKVAuditLogs\r\n",
				start.Add(time.Duration(i)*time.Millisecond).Format("1/2/2006, 3:04:05.000 PM"), client, i, secret, secret, oid, strings.ToLower(vaultID))
		}
		if b.Len() < 5<<20 {
			t.Fatalf("export of %d bytes: want more than a 4 MiB chunk", b.Len())
		}
		if err := os.WriteFile(filepath.Join(inbox, "AZKVAuditLogs.csv"), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(t.TempDir(), "honeyvault.yaml")
		yaml := fmt.Sprintf("ingest:\n  files:\n    - name: inbox\n      path: %s\n      poll_interval: 100ms\n      settle: 10ms\n", inbox)
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		hook := newWebhook(t, nil)
		srv := startServer(t, dsn, "HONEYVAULT_NOTIFY_WEBHOOK="+hook.URL, "HONEYVAULT_CONFIG="+cfg)
		hook.next(t, "the decoy access in the export's last row")

		var status struct {
			Events      int64            `json:"events"`
			DeadLetters map[string]int64 `json:"dead_letters"`
		}
		eventually(t, "every row stored", func() bool {
			apiGet(t, srv, "/api/v1/ingest/status", &status)
			return status.Events >= rows
		})
		if status.Events != rows || len(status.DeadLetters) != 0 {
			t.Errorf("%d events, dead letters %v; want %d events, none", status.Events, status.DeadLetters, rows)
		}
	})
}
