#!/usr/bin/env bash
# bench/pgbench.sh — pgbench against `megadb serve` and against a PostgreSQL
# server on the same machine: scale 1 (`pgbench -i`), then the select-only (-S)
# and TPC-B-like scripts with the same clients, threads, duration and query
# mode on both.  Prints one line per run (engine, script, tps, average latency,
# transactions, failed, retried).
#
# Usage: bench/pgbench.sh MEGADB_BINARY 'POSTGRES_CONNINFO' [SECONDS] [CLIENTS]
#   e.g. bench/pgbench.sh build/megadb 'host=127.0.0.1 user=megabench password=megabench dbname=megabench' 20 8
# The PostgreSQL run is skipped when the conninfo is empty.  MegaDB runs with
# its OLTP tier (`-c default_table_access_method=oltp` in PGOPTIONS, so the
# tables `pgbench -i` creates are WAL-logged B+trees with primary-key indexes;
# synchronous_commit on, fsync on, like PostgreSQL's defaults).  With
# PGBENCH_ALL=1 it also runs MegaDB's MEMORY tier (nothing on disk) and
# PostgreSQL with synchronous_commit=off.
# Both run the TPC-B-like script at READ COMMITTED, where a write to a row
# another open transaction wrote waits for it (no 40001); --max-tries stays
# as a harmless guard, and the "retried" column shows it is not needed.
set -u
MEGADB=${1:?usage: bench/pgbench.sh MEGADB_BINARY POSTGRES_CONNINFO [SECONDS] [CLIENTS]}
PGCONN=${2-}
SECS=${3:-20}
CLIENTS=${4:-8}
THREADS=2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/megadb-pgbench.XXXXXX")
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$MEGADB" serve --data "$TMP/db" --port "$PORT" --auth trust 2>"$TMP/server.log" &
PID=$!
sleep 1
MEGACONN="host=127.0.0.1 port=$PORT user=bench dbname=bench"

report() { # ENGINE SCRIPT OUTPUT
    local o=$3
    printf '%-28s %-12s tps %10s  latency %8s ms  tx %8s  failed %s  retried %s\n' "$1" "$2" \
        "$(printf '%s\n' "$o" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')" \
        "$(printf '%s\n' "$o" | sed -n 's/^latency average = \([0-9.]*\).*/\1/p')" \
        "$(printf '%s\n' "$o" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')" \
        "$(printf '%s\n' "$o" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')" \
        "$(printf '%s\n' "$o" | sed -n 's/^number of transactions retried: \([0-9]*\).*/\1/p')"
}

run_engine() { # NAME CONNINFO
    local name=$1 conn=$2 o
    pgbench -i -q "$conn" >"$TMP/init.log" 2>&1 || { echo "$name: pgbench -i failed"; cat "$TMP/init.log"; return 1; }
    o=$(pgbench -S -c "$CLIENTS" -j "$THREADS" -T "$SECS" -M prepared "$conn" 2>&1)
    report "$name" select-only "$o"
    o=$(pgbench -c "$CLIENTS" -j "$THREADS" -T "$SECS" -M prepared --max-tries=100000 "$conn" 2>&1)
    report "$name" tpcb-like "$o"
}

echo "pgbench $(pgbench --version | awk '{print $3}'), scale 1, $CLIENTS clients, $THREADS threads, ${SECS}s, -M prepared; $(nproc) CPUs"
PGOPTIONS="-c default_table_access_method=oltp" run_engine "MegaDB (OLTP tier)" "$MEGACONN"
[ "${PGBENCH_ALL:-0}" = 1 ] && PGOPTIONS="-c default_table_access_method=memory" run_engine "MegaDB (MEMORY tier)" "$MEGACONN"
if [ -n "$PGCONN" ]; then
    run_engine "PostgreSQL (defaults)" "$PGCONN"
    [ "${PGBENCH_ALL:-0}" = 1 ] && PGOPTIONS="-c synchronous_commit=off" run_engine "PostgreSQL (sync_commit off)" "$PGCONN"
fi
