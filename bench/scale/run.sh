#!/usr/bin/env bash
# One replica at scale (issue 18): a watchlist of DECOYS decoys (default
# 1,000,000, about 218 MB) imported with `honeyvault watchlist import`, then
# `honeyvault serve` started on that registry and fed records while it runs.
# For each database (SQLite, then PostgreSQL started here in a temp dir from
# Debian's postgresql unless SKIP_POSTGRES=1) and each of ROUNDS rounds
# (default 3) on a fresh database it prints:
#   import: seconds, rows/s, peak resident set (GNU time's maximum RSS);
#   serve:  seconds from start to the first /readyz 200, resident set then;
#           the largest resident set sampled every 100 ms while a separate
#           load generator posts RECORDS (default 100,000) AuditEvent
#           records, and the process's high-water mark (VmHWM) at the end;
#           serve runs twice, with serve's defaults (no cgroup limit here:
#           its soft memory limit follows the live heap) and with
#           GOMEMLIMIT=MEMLIMIT (default 200MiB), a fixed soft limit.
# Scheduled per-vault work is off (discovery, heartbeats, the diagnostics
# check: no Azure here, and their cost grows with vaults, not decoys).
#   bench/scale/run.sh            (env: DECOYS, ROUNDS, RECORDS, MEMLIMIT, SKIP_POSTGRES=1)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
decoys=${DECOYS:-1000000}; rounds=${ROUNDS:-3}; records=${RECORDS:-100000}; memlimit=${MEMLIMIT:-200MiB}
work=$(mktemp -d /tmp/hv-bench-scale-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${pg_data:-}" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/honeyvault" ./cmd/honeyvault
go build -o "$work/loadgen" ./bench/ingest/loadgen
go run ./bench/scale/genwatchlist -out "$work/watchlist.csv" -decoys "$decoys"
echo "watchlist: $decoys rows, $(( $(stat -c %s "$work/watchlist.csv") / 1000000 )) MB; commit $(git rev-parse --short HEAD); load $(cut -d' ' -f1-3 /proc/loadavg)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export HONEYVAULT_ADMIN_TOKEN=bench-admin-token-0123456789 HONEYVAULT_INGEST_TOKEN=bench-ingest-token-0123456789
now() { date +%s.%N; }
rss_mb() { awk -v k="$2:" '$1 == k { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

round() { # $1 label, $2 dsn
  # Import, measured by GNU time: wall seconds and maximum resident set.
  local t; t=$( { /usr/bin/time -f '%e %M' "$work/honeyvault" watchlist import --db "$2" "$work/watchlist.csv" >"$work/import.out"; } 2>&1 | tail -n 1)
  local secs=${t% *} kb=${t#* }
  grep -q "$decoys new decoys" "$work/import.out" || { echo "$1: import did not add $decoys decoys: $(cat "$work/import.out")"; exit 1; }
  local import_line; import_line=$(awk -v n="$decoys" -v s="$secs" -v kb="$kb" 'BEGIN { printf "import %.1f s, %d rows/s, peak RSS %d MB", s, n / s, kb / 1024 }')
  echo "$1: $import_line"
  serve "$1 serve" "$2"
  GOMEMLIMIT=$memlimit serve "$1 serve GOMEMLIMIT=$memlimit" "$2"
}

serve() { # $1 label, $2 dsn: time to ready, then resident memory while records are ingested
  local port; port=$(free_port)
  local t0; t0=$(now)
  "$work/honeyvault" serve --listen "127.0.0.1:$port" --db "$2" --inventory-interval off --heartbeat-interval off \
    --diagnostics-interval off --log-level warn 2>"$work/serve.log" &
  local pid=$!; pids+=("$pid")
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "$1: serve died"; cat "$work/serve.log"; exit 1; }
    sleep 0.02
  done
  local ready; ready=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  local rss_ready hwm_ready; rss_ready=$(rss_mb "$pid" VmRSS); hwm_ready=$(rss_mb "$pid" VmHWM)
  echo 0 >"$work/rss.max"
  ( max=0; while kill -0 "$pid" 2>/dev/null; do r=$(rss_mb "$pid" VmRSS); [ "${r:-0}" -gt "$max" ] && max=$r && echo "$max" >"$work/rss.max"; sleep 0.1; done ) &
  local sampler=$!
  local out; out=$("$work/loadgen" -url "http://127.0.0.1:$port/api/v1/ingest/azure-keyvault" -records "$records" -batch 500 -concurrency 8)
  local hwm; hwm=$(rss_mb "$pid" VmHWM)
  kill "$pid"; wait "$pid" || true; wait "$sampler" 2>/dev/null || true
  echo "$1: ready $ready s at $rss_ready MB (peak so far $hwm_ready MB); ingest $(echo "$out" | awk '{print $3}' | cut -d= -f2) records/s, max RSS while ingesting $(cat "$work/rss.max") MB, VmHWM $hwm MB"
}

for r in $(seq "$rounds"); do
  round "sqlite #$r" "sqlite:$work/hv-$r.db"
  rm -f "$work/hv-$r.db"*
done
if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
  pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  as_pg=(); if [ "$(id -u)" = 0 ]; then chown postgres: "$work"; as_pg=(runuser -u postgres --); fi
  pg_data="$work/pg"; pg_port=$(free_port)
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
  for r in $(seq "$rounds"); do
    "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE hv$r" postgres
    round "postgres #$r" "postgres://postgres@127.0.0.1:$pg_port/hv$r?sslmode=disable"
    "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "DROP DATABASE hv$r" postgres
  done
fi
