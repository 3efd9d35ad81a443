package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkScanCorpus runs `honeyvault scan` over a benchmark corpus that
// bench/scan/run.sh, run-cloudtrail.sh or bench/vaultscan/run.sh left in
// HONEYVAULT_SCAN_BENCH_DIR (watchlist.csv and corpus.json or audit.log),
// so that a scan of the real benchmark's input can be profiled:
//
//	HONEYVAULT_SCAN_BENCH_DIR=bench/out/vaultscan go test ./internal/cli \
//	    -run XXX -bench ScanCorpus -benchtime 3x -cpuprofile cpu.prof
//
// It is skipped when the variable is unset (no corpus in the repository).
func BenchmarkScanCorpus(b *testing.B) {
	dir := os.Getenv("HONEYVAULT_SCAN_BENCH_DIR")
	if dir == "" {
		b.Skip("HONEYVAULT_SCAN_BENCH_DIR is not set")
	}
	input := filepath.Join(dir, "corpus.json")
	if _, err := os.Stat(input); err != nil {
		input = filepath.Join(dir, "audit.log")
	}
	st, err := os.Stat(input)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		var errb bytes.Buffer
		code := Main([]string{"scan", "--watchlist", filepath.Join(dir, "watchlist.csv"), "--format", "jsonl", input}, strings.NewReader(""), io.Discard, &errb)
		if code != 1 || !strings.Contains(errb.String(), " 0 malformed") {
			b.Fatalf("exit status %d: %s", code, errb.String())
		}
	}
}
