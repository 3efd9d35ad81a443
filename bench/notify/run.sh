#!/usr/bin/env bash
# Decoy access → webhook received, measured from outside the server (see
# main.go): SQLite, then PostgreSQL (started here, in a temp dir, from
# Debian's postgresql) unless SKIP_POSTGRES=1. BULK=N also posts one body of
# N records and measures the probes while it is being stored (see main.go).
# REPLICAS="1 2 3" runs only PostgreSQL, once per count, with that many
# serve replicas on one database (a fresh one each time), traffic and probes
# spread over them.
#   [BULK=N] [REPLICAS="1 2 3"] bench/notify/run.sh [DURATION] [RATE] [EVERY]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
duration=${1:-30s}; rate=${2:-1000}; every=${3:-100ms}; bulk=${BULK:-0}
work=$(mktemp -d /tmp/hv-bench-notify-XXXXXX)
cleanup() {
  [ -n "${pg_data:-}" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/honeyvault" ./cmd/honeyvault
go build -o "$work/notifybench" ./bench/notify
start_postgres() {
  pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  as_pg=(); if [ "$(id -u)" = 0 ]; then chown postgres: "$work"; as_pg=(runuser -u postgres --); fi
  pg_data="$work/pg"; pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
}

if [ -n "${REPLICAS:-}" ]; then
  start_postgres
  for n in $REPLICAS; do
    "${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "hv$n"
    "$work/notifybench" -bin "$work/honeyvault" -db "postgres://postgres@127.0.0.1:$pg_port/hv$n?sslmode=disable" \
      -duration "$duration" -rate "$rate" -every "$every" -bulk "$bulk" -replicas "$n"
    echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  done
  exit 0
fi
"$work/notifybench" -bin "$work/honeyvault" -duration "$duration" -rate "$rate" -every "$every" -bulk "$bulk"
if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
  start_postgres
  "$work/notifybench" -bin "$work/honeyvault" -db "postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable" \
    -duration "$duration" -rate "$rate" -every "$every" -bulk "$bulk"
fi
