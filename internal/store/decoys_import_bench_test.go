package store

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// benchWatchlist is a watchlist of n decoys in bench/scale/genwatchlist's
// shape: 3 decoys a vault, ids and names as long as a large estate's.
func benchWatchlist(n int) []byte {
	var b bytes.Buffer
	b.WriteString("ResourceProvider,ResourceId,HoneyToken,Properties\r\n")
	types := [...]string{"secret", "key", "certificate"}
	words := [...]string{"payments", "billing", "orders", "identity", "search", "reporting", "ledger", "checkout"}
	kinds := [...]string{"connection-string", "api-key", "client-secret", "signing-key", "storage-key", "db-password"}
	for i := range n {
		v := i / 3
		word := words[v%len(words)]
		vaultID := fmt.Sprintf("/subscriptions/%08x-7c1d-4e2f-9a3b-%012x/resourceGroups/rg-%s-prod-%03d/providers/Microsoft.KeyVault/vaults/kv-%s-%07d",
			v%397, v%397, word, v%211, word[:4], v)
		name := fmt.Sprintf("%s-%s-%s-%07d", words[(i/7)%len(words)], kinds[i%len(kinds)], "prod", i)
		fmt.Fprintf(&b, "Microsoft.KeyVault,%s,%s,\"{\"\"Type\"\":\"\"%s\"\"}\"\r\n", vaultID, name, types[i%len(types)])
	}
	return b.Bytes()
}

// importRows is BenchmarkImportWatchlist's watchlist size: the index
// costs an import avoids grow with it, so a pass compares at several.
var importRows = flag.Int("import-rows", 20000, "decoys in BenchmarkImportWatchlist's watchlist")

// BenchmarkImportWatchlist imports a watchlist of 20,000 decoys (or
// -import-rows) into an empty registry (a fresh database each time, opened
// off the clock), on SQLite and PostgreSQL: `go test ./internal/store -run
// XXX -bench ImportWatchlist -benchtime 3x [-args -import-rows 200000]`.
func BenchmarkImportWatchlist(b *testing.B) {
	rows := *importRows
	csv := benchWatchlist(rows)
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dsn := "sqlite:" + filepath.Join(b.TempDir(), "hv.db")
				if backend == "postgres" {
					dsn = testenv.Postgres(b)
				}
				s, err := Open(context.Background(), dsn)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				n, added, err := s.ImportWatchlist(context.Background(), bytes.NewReader(csv), "watchlist:bench.csv", AuditEntry{Actor: "cli:bench"})
				b.StopTimer()
				if err != nil || n != rows || added != rows {
					b.Fatalf("import: %d rows, %d added, %v", n, added, err)
				}
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
