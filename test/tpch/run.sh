#!/usr/bin/env bash
# test/tpch/run.sh — TPC-H correctness check: loads the shared SF 0.01 and
# SF 0.1 data (SF 0.1 skipped when MEGADB_TPCH_SF01=0) into an in-memory MegaDB with COPY
# (into MEMORY tables: the load script sets default_table_access_method = memory),
# runs the 22 queries one process each through BUILD_DIR/megadb with
# `--format pipe`, and compares every result with the PostgreSQL answer in
# SHARED_DIR/tpch/answers using SHARED_DIR/tpch/compare.py.  Each query prints
# PASS, FAIL (wrong result) or ERROR (error, crash or timeout) with the time
# the engine reported for its statements (\timing; the load is not counted).
#
# test/tpch/known_failures.txt lists the queries expected not to pass, one
# `qNN reason` a line.  The exit status is 1 when a query outside that list
# does not pass, and also when a listed query passes (remove it from the list
# then), so the list stays honest; 2 on a usage or setup error.
#
# Usage: test/tpch/run.sh [BUILD_DIR] [SHARED_DIR]   (defaults: build, ../shared)
# Environment:
#   MEGADB_TPCH_SF01=0      skip scale factor 0.1 (about 2 minutes: each query
#                           process loads the data itself)
#   MEGADB_TPCH_TIMEOUT     seconds one query process may run (default 10;
#                           times 10 at SF 0.1)
#   MEGADB_TPCH_MEM_MB      address-space cap of one query process (default:
#                           half the machine's memory, at most 16 GiB), so a
#                           runaway plan fails instead of waking the OOM killer;
#                           0 = no cap (also dropped when the build cannot run
#                           under it, as with ASan's shadow memory)
#   MEGADB_TPCH_QUERIES     only these queries, e.g. "q01 q15" (for debugging)
# Results and errors stay in BUILD_DIR/test-logs/tpch/sfN/ for inspection.
# Then test/tpch/join_order.sh checks that shuffling the FROM lists of Q5, Q8
# and Q9 leaves their plan cost (within 10 %) and their rows unchanged.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
SHARED=${2:-$ROOT/../shared}
case $BUILD in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
case $SHARED in /*) ;; *) SHARED="$PWD/$SHARED" ;; esac
TPCH="$SHARED/tpch"
MEGADB="$BUILD/megadb"
KNOWN="$ROOT/test/tpch/known_failures.txt"
TIMEOUT=${MEGADB_TPCH_TIMEOUT:-10}

if [ ! -x "$MEGADB" ]; then
    echo "run.sh: $MEGADB is not built" >&2
    exit 2
fi
if [ ! -d "$TPCH/queries" ] || [ ! -f "$TPCH/compare.py" ]; then
    echo "run.sh: no TPC-H material under $TPCH" >&2
    exit 2
fi
for tool in zstd python3 timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run.sh: '$tool' is needed (apt-get install zstd / python3 / coreutils)" >&2
        exit 2
    fi
done

MEM_KB=$((${MEGADB_TPCH_MEM_MB:-0} * 1024))
if [ -z "${MEGADB_TPCH_MEM_MB:-}" ]; then
    MEM_KB=$(awk '/^MemTotal:/ {print int($2 / 2)}' /proc/meminfo 2>/dev/null || echo 0)
    [ "${MEM_KB:-0}" -gt 16777216 ] && MEM_KB=16777216
fi
if [ "${MEM_KB:-0}" -gt 0 ] && ! (ulimit -v "$MEM_KB" && exec "$MEGADB" -c 'SELECT 1') >/dev/null 2>&1; then
    MEM_KB=0 # e.g. an ASan build reserves terabytes of address space
fi

# run_megadb SECONDS LOG ARGS...: megadb under the time limit and memory cap,
# its output in LOG; returns its exit status (124 timeout, 128+N signal N)
# without the shell's "Killed" notice.
run_megadb() {
    local secs=$1 log=$2 rc=0
    shift 2
    {
        (
            [ "${MEM_KB:-0}" -gt 0 ] && ulimit -v "$MEM_KB"
            exec timeout "$secs" "$MEGADB" "$@"
        ) >"$log" 2>&1
    } 2>/dev/null || rc=$?
    return $rc
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/megadb-tpch.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# known failures: "qNN reason…"; blank lines and '#' comments ignored
declare -A KNOWN_REASON=()
if [ -f "$KNOWN" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        read -r q reason <<<"$line"
        [ -n "${q:-}" ] || continue
        KNOWN_REASON[$q]=${reason:-"(no reason given)"}
    done <"$KNOWN"
fi

QUERIES=${MEGADB_TPCH_QUERIES:-}
if [ -z "$QUERIES" ]; then
    for f in "$TPCH"/queries/q[0-9][0-9].sql; do
        b=$(basename "$f" .sql)
        QUERIES="$QUERIES $b"
    done
fi

SFS="0.01 0.1"
if [ "${MEGADB_TPCH_SF01:-1}" = 0 ]; then
    SFS="0.01"
fi

BAD=0      # unexpected failures
STALE=0    # listed queries that pass
TOTALS=""

now_ms() {
    local t=${EPOCHREALTIME/,/.}
    echo $((${t%.*} * 1000 + 10#${t#*.} / 1000))
}

run_sf() {
    local sf=$1 data="$TPCH/sf$sf" answers="$TPCH/answers/sf$sf"
    local out="$BUILD/test-logs/tpch/sf$sf" dir="$TMP/sf$sf" tmo=$TIMEOUT
    [ "$sf" = 0.1 ] && tmo=$((TIMEOUT * 10))
    if [ ! -d "$data" ] || [ ! -d "$answers" ]; then
        echo "run.sh: scale factor $sf: $data or $answers missing" >&2
        BAD=$((BAD + 1))
        return
    fi
    rm -rf "$out"
    mkdir -p "$out" "$dir"
    echo "== TPC-H SF $sf"

    # decompress the .tbl files and write the load script
    local t start end
    start=$(now_ms)
    # analytical data: the tables go to the columnar MEMORY tier, not the default (OLTP)
    { echo "SET default_table_access_method = memory;"; cat "$TPCH/schema.sql"; } >"$dir/load.sql"
    for t in nation region part supplier partsupp customer orders lineitem; do
        if ! zstd -q -d -c "$data/$t.tbl.zst" >"$dir/$t.tbl"; then
            echo "run.sh: cannot decompress $data/$t.tbl.zst" >&2
            BAD=$((BAD + 1))
            return
        fi
        echo "COPY $t FROM '$dir/$t.tbl' (FORMAT text, DELIMITER '|', TRAILING_DELIMITER true);" >>"$dir/load.sql"
    done
    # the load alone, once: a broken load is reported as such, not as 22 errors
    if ! run_megadb "$tmo" "$out/load.log" -f "$dir/load.sql"; then
        echo "ERROR  loading SF $sf failed:"
        head -n 5 "$out/load.log" | sed 's/^/       /'
        BAD=$((BAD + 1))
        return
    fi
    end=$(now_ms)
    printf 'load   %8d ms (decompress + COPY of 8 tables)\n' $((end - start))

    local q pass=0 fail=0 err=0 qms total_ms=0 status detail rc known
    for q in $QUERIES; do
        local sql="$TPCH/queries/$q.sql" res="$out/$q.csv" log="$out/$q.log"
        rc=0
        run_megadb "$tmo" "$log" --format pipe -f "$dir/load.sql" -c "\\o $res" -c '\timing on' -f "$sql" || rc=$?
        # the engine's own statement times (the load ran before \timing on)
        qms=$(awk '/^Time: [0-9.]+ ms/ {s += $2} END {printf "%.1f", s}' "$log")
        total_ms=$(awk -v a="$total_ms" -v b="$qms" 'BEGIN {printf "%.1f", a + b}')
        if [ "$rc" -eq 124 ]; then
            status=ERROR detail="timed out after ${tmo}s"
        elif [ "$rc" -ne 0 ]; then
            status=ERROR
            detail=$(grep -v '^Time: \|^Timing is on' "$log" | head -n 1)
            [ "$rc" -gt 128 ] && detail="killed by signal $((rc - 128))${detail:+: $detail}"
            [ -n "$detail" ] || detail="exit status $rc"
        elif detail=$(python3 "$TPCH/compare.py" "$res" "$answers/$q.csv" 2>&1); then
            status=PASS
        else
            status=FAIL
        fi
        detail=$(printf '%s' "$detail" | head -n 1 | cut -c1-200)
        known=${KNOWN_REASON[$q]:-}
        case $status in
        PASS) pass=$((pass + 1)) ;;
        FAIL) fail=$((fail + 1)) ;;
        *) err=$((err + 1)) ;;
        esac
        if [ "$status" = PASS ] && [ -n "$known" ]; then
            printf '%-5s %-5s %9s ms  %s\n' "$q" PASS "$qms" "UNEXPECTED PASS: listed in test/tpch/known_failures.txt — remove $q from that list"
            STALE=$((STALE + 1))
        elif [ "$status" = PASS ]; then
            printf '%-5s %-5s %9s ms  %s\n' "$q" PASS "$qms" "$detail"
        elif [ -n "$known" ]; then
            printf '%-5s %-5s %9s ms  %s  (known: %s)\n' "$q" "$status" "$qms" "$detail" "$known"
        else
            printf '%-5s %-5s %9s ms  %s  (see %s)\n' "$q" "$status" "$qms" "$detail" "$([ "$status" = FAIL ] && echo "$res" || echo "$log")"
            BAD=$((BAD + 1))
        fi
    done
    echo "SF $sf: $pass passed, $fail failed, $err errors; query time ${total_ms} ms"
    TOTALS="$TOTALS SF $sf: $pass/$(($pass + $fail + $err)) passed."
}

for sf in $SFS; do
    run_sf "$sf"
done

# the join order must not depend on the FROM clause (test/tpch/join_order.sh)
if [ -z "${MEGADB_TPCH_QUERIES:-}" ]; then
    echo "== join order: shuffled FROM lists of Q5, Q8, Q9 at SF 0.01"
    if ! "$ROOT/test/tpch/join_order.sh" "$BUILD" "$SHARED"; then
        BAD=$((BAD + 1))
    fi
fi

if [ "$STALE" -gt 0 ]; then
    echo "$STALE unexpected pass(es) of queries listed in test/tpch/known_failures.txt: remove them from that list"
fi
if [ "$BAD" -gt 0 ] || [ "$STALE" -gt 0 ]; then
    echo "TPC-H: $BAD unexpected failure(s), $STALE unexpected pass(es).$TOTALS"
    exit 1
fi
echo "TPC-H: all results as expected.$TOTALS"
