#!/usr/bin/env bash
# Canary use → webhook received, per kind (http, dns, postgres), on SQLite on
# loopback: BenchmarkCanaryUseToWebhook (internal/app/canaries_bench_test.go)
# without background traffic, then under RATE ingest records a second posted
# to serve meanwhile (SPEC's live goal: p99 ≤ 50 ms under 1,000 records/s).
# Each use opens an incident of its own; past the listeners' per-address
# burst of 20 the uses are paced one a second, so COUNT above 20 takes
# COUNT-20 seconds per kind. Prints the benchmark lines (p50/p99/max and the
# background rate reached, bg-records/s) — copy them to bench/BENCHMARKS.md
# with the machine's load. Run it on a quiet machine.
#   bench/canary/run.sh [COUNT] [RATE]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
count=${1:-60}; rate=${2:-1000}
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) load: $(cut -d' ' -f1-3 /proc/loadavg)"
for bg in 0 "$rate"; do
  echo "## background traffic: $bg records/s"
  HONEYVAULT_BENCH_BACKGROUND_RATE=$bg go test ./internal/app/ -run '^$' -bench 'CanaryUseToWebhook' -benchtime "${count}x" -count 1 |
    grep -E '^(Benchmark|ok|FAIL)'
done
