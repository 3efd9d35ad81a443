#!/usr/bin/env bash
# Sustained HTTP ingest: a separate load-generator process posts unique
# AuditEvent records to `honeyvault serve` as fast as it acknowledges them,
# then checks that the server stored exactly as many events as were
# acknowledged. Runs against SQLite, then PostgreSQL (started here, in a temp
# dir, from Debian's postgresql) unless SKIP_POSTGRES=1. On SQLite the load
# generator also watches the WAL file and reports its largest size
# (wal_max_mb), which checkpointing must keep bounded however long the run.
#   bench/ingest/run.sh [RECORDS] [BATCH] [CONCURRENCY]
# With REPLICAS="1 2 3" it runs only PostgreSQL, once per count, each time
# with that many `serve` replicas on the one database, the load generator's
# senders spread over them round-robin (a fresh database for each count).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
records=${1:-400000}; batch=${2:-500}; conc=${3:-8}
work=$(mktemp -d /tmp/hv-bench-ingest-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${pg_data:-}" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/honeyvault" ./cmd/honeyvault
go build -o "$work/loadgen" ./bench/ingest/loadgen
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export HONEYVAULT_ADMIN_TOKEN=bench-admin-token-0123456789 HONEYVAULT_INGEST_TOKEN=bench-ingest-token-0123456789

run() { # $1 label, $2 dsn, $3 replicas, then extra load-generator flags
  local urls="" ports=() serves=() port pid
  for i in $(seq "$3"); do
    port=$(free_port)
    "$work/honeyvault" serve --listen "127.0.0.1:$port" --db "$2" --inventory-interval off --log-level warn 2>"$work/serve-$i.log" &
    pid=$!; pids+=("$pid"); serves+=("$pid"); ports+=("$port")
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    urls="${urls:+$urls,}http://127.0.0.1:$port/api/v1/ingest/azure-keyvault"
  done
  local out; out=$("$work/loadgen" -url "$urls" -records "$records" -batch "$batch" -concurrency "$conc" "${@:4}")
  local stored; stored=$(curl -fs -H "Authorization: Bearer $HONEYVAULT_ADMIN_TOKEN" "http://127.0.0.1:${ports[0]}/api/v1/ingest/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
  for pid in "${serves[@]}"; do kill "$pid"; wait "$pid" || true; done
  local verdict="OK"; [ "$stored" = "$records" ] || verdict="LOST $((records - stored))"
  echo "$1: $out stored=$stored $verdict load=$(cut -d' ' -f1 /proc/loadavg)"
}

start_postgres() {
  pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  as_pg=(); if [ "$(id -u)" = 0 ]; then chown postgres: "$work"; as_pg=(runuser -u postgres --); fi
  pg_data="$work/pg"; pg_port=$(free_port)
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
}

if [ -n "${REPLICAS:-}" ]; then
  start_postgres
  for n in $REPLICAS; do
    db="hv$n"
    "${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$db"
    run "postgres, $n replica(s)" "postgres://postgres@127.0.0.1:$pg_port/$db?sslmode=disable" "$n"
  done
  exit 0
fi
run sqlite "sqlite:$work/hv.db" 1 -wal "$work/hv.db-wal"
if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
  start_postgres
  run postgres "postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable" 1
fi
