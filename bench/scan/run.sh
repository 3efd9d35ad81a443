#!/usr/bin/env bash
# Retro-hunt benchmark: `honeyvault scan` against `LC_ALL=C grep -F -i -f names`
# (and jq, when installed, as a second reference) on the same JSON-lines
# corpus, in the same run, with the results checked exactly.
#
#   bench/scan/run.sh                 # 600 MB corpus, 3 rounds
#   SIZE=1300000000 ROUNDS=5 bench/scan/run.sh
#
# Environment: SIZE (corpus bytes, default 600000000), ROUNDS (default 3),
# BENCH_DIR (default bench/out/scan; the corpus is kept there and reused
# while SIZE is unchanged), HONEYVAULT_BIN (a built binary; default: build
# one), NO_JQ=1 (skip jq, which runs at a few MB/s).
#
# Exit status: 0 when every result is exact, 1 when one is not.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZE=${SIZE:-600000000}
ROUNDS=${ROUNDS:-3}
OUT=${BENCH_DIR:-bench/out/scan}
source bench/scan/lib.sh
scan_setup corpus.json bench/scan/gencorpus "corpus"
printf 'corpus: %s bytes, %s records, %s decoys in %s vaults, %s decoy accesses (%s percent-encoded), %s look-alikes\n' \
	"$bytes" "${exp[records]}" "${exp[decoys]}" "${exp[vaults]}" "${exp[alerts]}" "${exp[encoded_hits]}" "${exp[lookalikes]}"
printf 'machine: %s cores, %s GiB; %s\n\n' "$(nproc)" "$(awk '/MemTotal/ { printf "%d", $2 / 1048576 }' /proc/meminfo)" "$(date -u +%F)"
printf '%-6s %-28s %10s %10s\n' round tool seconds MB/s
for ((r = 1; r <= ROUNDS; r++)); do
	t0=$(now)
	grep_lines=$(LC_ALL=C grep -F -i -c -f "$OUT/names.txt" "$OUT/corpus.json" || true)
	t1=$(now)
	set +e
	"$BIN" scan --watchlist "$OUT/watchlist.csv" --format jsonl "$OUT/corpus.json" >"$OUT/hv.jsonl" 2>"$OUT/hv.err"
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

jq_alerts=""
if [[ -z ${NO_JQ:-} ]] && command -v jq >/dev/null; then
	t0=$(now)
	jq -r --slurpfile D "$OUT/decoys.json" -f bench/scan/reference.jq "$OUT/corpus.json" | sort >"$OUT/jq.txt"
	t1=$(now)
	j=$(secs "$t0" "$t1")
	printf '%-6s %-28s %10s %10s\n' 1 "jq (reference.jq)" "$j" "$(mbps "$j")"
	jq_alerts=$(wc -l <"$OUT/jq.txt")
fi

echo
printf 'best of %s: grep %s MB/s, honeyvault scan %s MB/s, ratio %s\n' "$ROUNDS" \
	"$(mbps "$best_grep")" "$(mbps "$best_hv")" "$(awk -v g="$best_grep" -v h="$best_hv" 'BEGIN { printf "%.2f", g / h }')"
echo "summary line: $(tail -1 "$OUT/hv.err")"
echo
echo "results:"
check "honeyvault exit status" "$rc" 1
check "honeyvault alerts" "$(wc -l <"$OUT/hv.jsonl")" "${exp[alerts]}"
if command -v jq >/dev/null; then
	jq -r .correlation_id "$OUT/hv.jsonl" | sort >"$OUT/hv.txt"
	check "honeyvault alerts = expected set" "$(cmp -s "$OUT/hv.txt" "$OUT/expected-alerts.txt" && echo same || echo different)" same
fi
check "honeyvault malformed" "$(grep -c 'malformed record' "$OUT/hv.err" || true)" 0
check "grep matching lines" "$grep_lines" "${exp[grep_lines]}"
if [[ -n $jq_alerts ]]; then
	check "jq alerts" "$jq_alerts" "${exp[alerts]}"
	check "jq alerts = expected set" "$(cmp -s "$OUT/jq.txt" "$OUT/expected-alerts.txt" && echo same || echo different)" same
fi
echo "  (grep's lines = decoy accesses with the name in clear + look-alike lines: it cannot tell them apart,"
echo "   and misses the ${exp[encoded_hits]} percent-encoded accesses)"
[[ $ok == 1 ]]
