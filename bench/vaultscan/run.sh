#!/usr/bin/env bash
# Vault retro-hunt benchmark: `honeyvault scan` over a HashiCorp Vault file
# audit device's log against `LC_ALL=C grep -F -i -f names` on the same
# file, in the same run, with the results checked exactly.
#
#   bench/vaultscan/run.sh                 # 600 MB log, 3 rounds
#   SIZE=50000000 ROUNDS=1 bench/vaultscan/run.sh
#
# Environment: SIZE (log bytes, default 600000000), ROUNDS (default 3),
# BENCH_DIR (default bench/out/vaultscan; the log is kept there and reused
# while SIZE is unchanged), HONEYVAULT_BIN (a built binary; default: build
# one).
#
# Exit status: 0 when every result is exact, 1 when one is not.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZE=${SIZE:-600000000}
ROUNDS=${ROUNDS:-3}
OUT=${BENCH_DIR:-bench/out/vaultscan}
source bench/scan/lib.sh
scan_setup audit.log bench/vaultscan/gencorpus "Vault audit log"
printf 'log: %s bytes, %s entries, %s decoys in %s mounts, %s decoy calls (request + response entries), %s look-alike calls\n' \
	"$bytes" "${exp[records]}" "${exp[decoys]}" "${exp[mounts]}" "${exp[alerts]}" "${exp[lookalikes]}"
printf 'machine: %s cores, %s GiB; %s\n\n' "$(nproc)" "$(awk '/MemTotal/ { printf "%d", $2 / 1048576 }' /proc/meminfo)" "$(date -u +%F)"
printf '%-6s %-28s %10s %10s\n' round tool seconds MB/s
for ((r = 1; r <= ROUNDS; r++)); do
	t0=$(now)
	grep_lines=$(LC_ALL=C grep -F -i -c -f "$OUT/names.txt" "$OUT/audit.log" || true)
	t1=$(now)
	set +e
	"$BIN" scan --watchlist "$OUT/watchlist.csv" --format jsonl "$OUT/audit.log" >"$OUT/hv.jsonl" 2>"$OUT/hv.err"
	rc=$?
	set -e
	t2=$(now)
	g=$(secs "$t0" "$t1") h=$(secs "$t1" "$t2")
	printf '%-6s %-28s %10s %10s\n' "$r" "grep -F -i -c -f names" "$g" "$(mbps "$g")"
	printf '%-6s %-28s %10s %10s\n' "$r" "honeyvault scan" "$h" "$(mbps "$h")"
	best_grep=$(awk -v a="$best_grep" -v b="$g" 'BEGIN { print (b < a) ? b : a }')
	best_hv=$(awk -v a="$best_hv" -v b="$h" 'BEGIN { print (b < a) ? b : a }')
	printf '%-6s %-28s %10s\n' "$r" "ratio (grep time / scan time)" "$(awk -v g="$g" -v h="$h" 'BEGIN { printf "%.2f", g / h }')"
done

echo
printf 'best of %s: grep %s MB/s, honeyvault scan %s MB/s, ratio %s\n' "$ROUNDS" \
	"$(mbps "$best_grep")" "$(mbps "$best_hv")" "$(awk -v g="$best_grep" -v h="$best_hv" 'BEGIN { printf "%.2f", g / h }')"
echo "summary line: $(tail -1 "$OUT/hv.err")"
echo
echo "results:"
check "honeyvault exit status" "$rc" 1
check "honeyvault alerts (one per call)" "$(wc -l <"$OUT/hv.jsonl")" "${exp[alerts]}"
if command -v jq >/dev/null; then
	jq -r .correlation_id "$OUT/hv.jsonl" | sort >"$OUT/hv.txt"
	check "honeyvault alerts = expected set" "$(cmp -s "$OUT/hv.txt" "$OUT/expected-alerts.txt" && echo same || echo different)" same
fi
check "honeyvault malformed" "$(grep -c 'malformed record' "$OUT/hv.err" || true)" 0
check "grep matching lines" "$grep_lines" "${exp[grep_lines]}"
echo "  (grep's lines = both entries of every decoy call + both of every look-alike call: it cannot tell a"
echo "   decoy from its look-alikes, nor count one call once)"
[[ $ok == 1 ]]
