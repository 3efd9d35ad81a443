// Command genwatchlist writes the scale benchmark's input: a Sentinel
// HoneyTokens watchlist CSV of many decoys, shaped like a large estate's
// (a few hundred subscriptions, a few decoys per vault, names of about 30
// characters), about 210 bytes a row — 1,000,000 rows make some 210 MB.
//
//	go run ./bench/scale/genwatchlist -out FILE [-decoys 1000000] [-per-vault 3] [-bad-line N]
//
// -bad-line N writes line N (the header is line 1) as an invalid row, so
// that an import must fail naming that line and store nothing. The output
// is deterministic: the same flags write the same bytes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
)

func main() {
	out := flag.String("out", "", "file to write (required)")
	decoys := flag.Int("decoys", 1_000_000, "rows to write")
	perVault := flag.Int("per-vault", 3, "decoys per vault")
	badLine := flag.Int("bad-line", 0, "write this line (header = 1) as an invalid row; 0 for none")
	flag.Parse()
	if *out == "" || *decoys < 1 || *perVault < 1 {
		log.Fatal("genwatchlist: -out FILE is required; -decoys and -per-vault must be positive")
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("ResourceProvider,ResourceId,HoneyToken,Properties\r\n")
	types := [...]string{"secret", "key", "certificate"}
	words := [...]string{"payments", "billing", "orders", "identity", "search", "reporting", "ledger", "checkout"}
	kinds := [...]string{"connection-string", "api-key", "client-secret", "signing-key", "storage-key", "db-password"}
	for i := 0; i < *decoys; i++ {
		v := i / *perVault
		word := words[v%len(words)]
		vaultID := fmt.Sprintf("/subscriptions/%08x-7c1d-4e2f-9a3b-%012x/resourceGroups/rg-%s-prod-%03d/providers/Microsoft.KeyVault/vaults/kv-%s-%07d",
			v%397, v%397, word, v%211, word[:4], v)
		name := fmt.Sprintf("%s-%s-%s-%07d", words[(i/7)%len(words)], kinds[i%len(kinds)], "prod", i)
		if i+2 == *badLine { // row i is on line i+2
			name = "not a valid name"
		}
		fmt.Fprintf(w, "Microsoft.KeyVault,%s,%s,\"{\"\"Type\"\":\"\"%s\"\"}\"\r\n", vaultID, name, types[i%len(types)])
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
