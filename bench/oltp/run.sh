#!/usr/bin/env bash
# bench/oltp/run.sh — the embedded OLTP benchmark: bench/oltp/oltp_bench.c
# (MegaDB through include/megadb.h, OLTP tier in a database directory,
# synchronous_commit on) and, for comparison, pgbench against a PostgreSQL
# server on the same machine with the same work: the select-only transaction
# (one primary-key lookup) and the TPC-B-like transaction, scale 1, 1 and 8
# clients, -M prepared, --max-tries for the TPC-B-like runs.
#
# Usage: bench/oltp/run.sh BUILD_DIR 'POSTGRES_CONNINFO' [SECONDS]
#   BUILD_DIR: a CMake build folder with libmegadb_core.a (e.g. build)
#   e.g. bench/oltp/run.sh build 'host=127.0.0.1 user=megabench password=megabench dbname=megabench' 10
# The PostgreSQL part is skipped when the conninfo is empty.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BDIR=${1:?usage: bench/oltp/run.sh BUILD_DIR POSTGRES_CONNINFO [SECONDS]}
case "$BDIR" in /*) ;; *) BDIR="$ROOT/$BDIR" ;; esac
PGCONN=${2-}
SECS=${3:-10}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/megadb-oltpbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cache_lib() {
    local v
    v="$(sed -n "s/^$1:FILEPATH=//p" "$BDIR/CMakeCache.txt" 2>/dev/null | head -1)"
    if [ -n "$v" ] && [ -f "$v" ]; then echo "$v"; else echo "$2"; fi
}
gcc -std=c11 -O2 -g -Wall -Wextra -Werror -I"$ROOT/include" "$ROOT/bench/oltp/oltp_bench.c" "$BDIR/libmegadb_core.a" \
    "$(cache_lib PG_QUERY_LIB -lpg_query)" "$(cache_lib CRYPTO_LIB -lcrypto)" -lpthread -lm -o "$TMP/oltp_bench" || exit 2
echo "MegaDB embedded (OLTP tier, synchronous_commit on), ${SECS}s per run, $(nproc) CPUs"
"$TMP/oltp_bench" "$TMP/db" --secs "$SECS" --threads "1 8"
rc=$?
if [ -n "$PGCONN" ]; then
    echo "PostgreSQL: pgbench -M prepared, ${SECS}s per run"
    pgbench -i -q "$PGCONN" >/dev/null 2>&1 || { echo "pgbench -i failed"; exit 1; }
    for c in 1 8; do
        t=$(pgbench -S -c $c -j $((c < 2 ? 1 : 2)) -T "$SECS" -M prepared "$PGCONN" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
        echo "PG lookup threads=$c tps=$t"
    done
    for c in 1 8; do
        o=$(pgbench -c $c -j $((c < 2 ? 1 : 2)) -T "$SECS" -M prepared --max-tries=100000 "$PGCONN" 2>&1)
        echo "PG tpcb threads=$c tps=$(printf '%s\n' "$o" | sed -n 's/^tps = \([0-9.]*\).*/\1/p') retried=$(printf '%s\n' "$o" | sed -n 's/^number of transactions retried: \([0-9]*\).*/\1/p')"
    done
fi
exit $rc
