# Shared by the retro-hunt benchmarks (bench/scan/run.sh,
# bench/scan/run-cloudtrail.sh, bench/vaultscan/run.sh); sourced, not run.
#
#   scan_setup CORPUS GENERATOR WHAT
#
# makes (or reuses, while SIZE is unchanged) the corpus $OUT/CORPUS with
# `go run ./GENERATOR -out $OUT -size $SIZE`, builds honeyvault into $BIN
# unless HONEYVAULT_BIN names one, reads $OUT/expected.txt into exp, sets
# bytes, and reads the corpus once into the page cache, for both tools
# alike. It expects SIZE and OUT set. Then now, secs, mbps and check time
# and judge the rounds; check clears ok on a mismatch.

scan_setup() {
	local corpus=$1 generator=$2 what=$3
	mkdir -p "$OUT"
	CORPUS=$OUT/$corpus
	if [[ ! -s $CORPUS || $(cat "$OUT/size" 2>/dev/null) != "$SIZE" ]]; then
		echo "generating a ${SIZE}-byte $what in $OUT ..." >&2
		go run "./$generator" -out "$OUT" -size "$SIZE" >/dev/null
		echo "$SIZE" >"$OUT/size"
	fi
	BIN=${HONEYVAULT_BIN:-}
	if [[ -z $BIN ]]; then
		go build -o "$OUT/honeyvault" ./cmd/honeyvault
		BIN=$OUT/honeyvault
	fi
	declare -gA exp
	while IFS='=' read -r k v; do exp[$k]=$v; done <"$OUT/expected.txt"
	bytes=$(stat -c %s "$CORPUS")
	cat "$CORPUS" >/dev/null
	ok=1
	best_grep=999999 best_hv=999999
}

now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
mbps() { awk -v n="$bytes" -v s="$1" 'BEGIN { printf "%.0f", n / 1e6 / s }'; }

check() { # name got want
	if [[ $2 == "$3" ]]; then
		printf '  %-34s %s (as expected)\n' "$1" "$2"
	else
		printf '  %-34s %s, expected %s  MISMATCH\n' "$1" "$2" "$3"
		ok=0
	fi
}
