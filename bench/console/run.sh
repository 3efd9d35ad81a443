#!/bin/sh
# Console pages at issue 15's size: runs BenchmarkConsolePages (internal/web)
# ROUNDS times on SQLite and PostgreSQL and prints each page's p95 per round
# and their median. The machine is shared: the median of a few rounds is the
# figure to report.
#
# Env: ROUNDS (default 3), REQUESTS per page and round (default 40),
# PAGES (a -bench regexp below ConsolePages/, default every page on both
# databases, e.g. 'sqlite/incidents').
set -eu
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-40}
PAGES=${PAGES:-.}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -c -o "$out.test" ./internal/web
trap 'rm -f "$out" "$out.test"' EXIT
i=1
while [ "$i" -le "$ROUNDS" ]; do
	echo "round $i: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	(cd internal/web && "$out.test" -test.run '^$' -test.bench "ConsolePages/$PAGES" -test.benchtime "${REQUESTS}x") |
		tee -a "$out" | grep p95-ms >&2 || { echo "round $i failed" >&2; exit 1; }
	i=$((i + 1))
done
echo "page db p95-ms(median) rounds"
awk '/p95-ms/ {
	split($1, p, "/"); sub(/-[0-9]+$/, "", p[3]); key = p[3] " " p[2]
	v[key] = v[key] " " $(NF-1)
} END {
	for (k in v) {
		n = split(substr(v[k], 2), xs, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (xs[j] + 0 < xs[i] + 0) { t = xs[i]; xs[i] = xs[j]; xs[j] = t }
		m = (n % 2) ? xs[(n + 1) / 2] : (xs[n / 2] + xs[n / 2 + 1]) / 2
		print k, m, v[k]
	}
}' "$out" | sort
