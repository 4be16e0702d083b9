#!/usr/bin/env bash
# bench/oltp/recovery.sh — crash recovery time of the OLTP store for a given
# amount of WAL (issue 5: 1 GB in under 10 s): builds bench/oltp/recovery_bench.c
# against a CMake build's libmegadb_core.a, then RUNS times writes --wal-mb MiB
# of log, kills the writer with SIGKILL and times the reopen (recovery + its
# checkpoint), checking that exactly the acknowledged commits survived.
#
# Usage: bench/oltp/recovery.sh BUILD_DIR [WAL_MB (1024)] [RUNS (3)]
# Needs about 1.4x WAL_MB of free space under ${TMPDIR:-/tmp}.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BDIR=${1:?usage: bench/oltp/recovery.sh BUILD_DIR [WAL_MB] [RUNS]}
case "$BDIR" in /*) ;; *) BDIR="$ROOT/$BDIR" ;; esac
MB=${2:-1024}
RUNS=${3:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/megadb-recbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cache_lib() {
    local v
    v="$(sed -n "s/^$1:FILEPATH=//p" "$BDIR/CMakeCache.txt" 2>/dev/null | head -1)"
    if [ -n "$v" ] && [ -f "$v" ]; then echo "$v"; else echo "$2"; fi
}
gcc -std=c11 -O2 -g -Wall -Wextra -Werror -I"$ROOT/include" -I"$ROOT/src" "$ROOT/bench/oltp/recovery_bench.c" "$BDIR/libmegadb_core.a" \
    "$(cache_lib PG_QUERY_LIB -lpg_query)" "$(cache_lib CRYPTO_LIB -lcrypto)" -lpthread -lm -o "$TMP/recovery_bench" || exit 2
echo "OLTP recovery: ${MB} MiB of WAL, $RUNS runs, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
for i in $(seq "$RUNS"); do
    rm -rf "$TMP/db"
    "$TMP/recovery_bench" "$TMP/db" --wal-mb "$MB" 2>&1 | tee -a "$TMP/out" || rc=1
done
for f in open_seconds open_cpu_seconds; do
    sed -n "s/.* $f=\\([0-9.]*\\).*/\\1/p" "$TMP/out" | sort -n | awk -v f=$f '{a[NR]=$1} END {if (NR) print "median " f "=" a[int((NR+1)/2)] " of " NR " runs"}'
done
exit $rc
