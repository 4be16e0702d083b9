#!/usr/bin/env bash
# bench/run.sh — builds and runs the issue-2 micro benchmark (MegaDB against
# DuckDB on the same data, same SQL, same thread count), prints a table of the
# medians with the MegaDB/DuckDB ratio, and writes the measured block of
# bench/RESULTS.md (between the "BEGIN run.sh" and "END run.sh" markers; the
# rest of the file, e.g. the analysis, is kept).
#
#   bench/run.sh [--threads N] [--runs R] [--rows N] [--dim-rows M]
#                [--build-dir DIR] [--no-write] [--skip-engine-build] [--timeout S]
#
#   --threads N          worker threads for both engines (default: nproc)
#   --runs R             timed runs per measurement, after one warm-up (default 5)
#   --rows N             rows of fact (default 10000000)
#   --dim-rows M         rows of dim (default 1000000)
#   --build-dir DIR      engine build folder, absolute or relative to the
#                        repository root (default build; another one, e.g.
#                        bench/build/engine, keeps the benchmark off a build/
#                        others are rebuilding); its CMake source folder is the
#                        engine that is measured
#   --note TEXT          a line added to RESULTS.md (e.g. how the engine was built)
#   --no-write           print only; leave RESULTS.md alone
#   --skip-engine-build  use DIR/libmegadb_core.a as it is
#   --timeout S          give up on a driver after S seconds (default 3600)
#
# Steps: cmake builds the megadb_core target (DIR/libmegadb_core.a), gcc of
# bench/micro/megadb_bench.c against it with the link libraries CMakeLists.txt
# uses, `npm ci` in bench/ when node_modules is missing (@duckdb/node-api),
# then both drivers.  Exit status 1 when a driver fails or the two engines'
# result checksums differ.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
CMDLINE="bench/run.sh"
[ $# -eq 0 ] || CMDLINE+="$(printf ' %q' "$@")"

THREADS="$(nproc)"
RUNS=5
ROWS=10000000
DIM_ROWS=1000000
WRITE=1
ENGINE_BUILD=1
TIMEOUT=3600
BUILD_DIR=build
NOTE=
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --rows) ROWS="$2"; shift 2 ;;
        --dim-rows) DIM_ROWS="$2"; shift 2 ;;
        --build-dir) BUILD_DIR="$2"; shift 2 ;;
        --note) NOTE="$2"; shift 2 ;;
        --no-write) WRITE=0; shift ;;
        --skip-engine-build) ENGINE_BUILD=0; shift ;;
        --timeout) TIMEOUT="$2"; shift 2 ;;
        -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

# ---- build ----------------------------------------------------------------
case "$BUILD_DIR" in /*) BDIR="$BUILD_DIR" ;; *) BDIR="$ROOT/$BUILD_DIR" ;; esac
if [ "$ENGINE_BUILD" = 1 ]; then
    echo "== cmake --build $BUILD_DIR --target megadb_core (engine)"
    [ -f "$BDIR/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BDIR" >/dev/null
    cmake --build "$BDIR" -j "$(nproc)" --target megadb_core >/dev/null
fi
LIB="$BDIR/libmegadb_core.a"
[ -f "$LIB" ] || { echo "run.sh: $LIB missing; run make" >&2; exit 2; }

# The same libraries CMakeLists.txt links megadb_core with (libpg_query,
# libcrypto, threads, libm), taken from the CMake cache when it has them.
cache_lib() {
    local v
    v="$(sed -n "s/^$1:FILEPATH=//p" "$BDIR/CMakeCache.txt" 2>/dev/null | head -1)"
    if [ -n "$v" ] && [ -f "$v" ]; then echo "$v"; else echo "$2"; fi
}
PG_QUERY_LIB="$(cache_lib PG_QUERY_LIB -lpg_query)"
CRYPTO_LIB="$(cache_lib CRYPTO_LIB -lcrypto)"

mkdir -p "$BENCH/build"
echo "== gcc bench/micro/megadb_bench.c"
gcc -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -I"$ROOT/include" \
    "$BENCH/micro/megadb_bench.c" "$LIB" \
    "$PG_QUERY_LIB" "$CRYPTO_LIB" -lpthread -lm -o "$BENCH/build/megadb_bench"

if [ ! -d "$BENCH/node_modules/@duckdb/node-api" ]; then
    echo "== npm ci (bench/)"
    (cd "$BENCH" && npm ci --no-audit --no-fund >/dev/null)
fi

# ---- run --------------------------------------------------------------------
ARGS=(--threads "$THREADS" --runs "$RUNS" --rows "$ROWS" --dim-rows "$DIM_ROWS")
OUT_M="$BENCH/build/megadb.out"
OUT_D="$BENCH/build/duckdb.out"
STATUS=0
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== MegaDB: ${ARGS[*]}"
RC_M=0
timeout "$TIMEOUT" "$BENCH/build/megadb_bench" "${ARGS[@]}" | tee "$OUT_M" || RC_M=$?
echo "== DuckDB: ${ARGS[*]}"
RC_D=0
(cd "$BENCH" && timeout "$TIMEOUT" node micro/duckdb_bench.mjs "${ARGS[@]}") | tee "$OUT_D" || RC_D=$?
[ "$RC_M" = 0 ] || { echo "run.sh: megadb_bench exited with $RC_M" >&2; STATUS=1; }
[ "$RC_D" = 0 ] || { echo "run.sh: duckdb_bench exited with $RC_D" >&2; STATUS=1; }

# ---- table --------------------------------------------------------------------
field() { # field FILE KIND NAME -> the rest of the line after "KIND NAME "
    sed -n "s/^$2 $3 //p" "$1" | head -1
}
LABELS=(load_fact "load fact (${ROWS} rows)" load_dim "load dim (${DIM_ROWS} rows)"
        q1 "Q1 scan-filter-aggregate" q2 "Q2 hash join ${ROWS} x ${DIM_ROWS}")
TABLE="| measurement | MegaDB median ms | DuckDB median ms | MegaDB / DuckDB | MegaDB CPU ms | DuckDB CPU ms | CPU ratio |
|---|---:|---:|---:|---:|---:|---:|"
RUNS_TABLE="| measurement | MegaDB runs ms | DuckDB runs ms | MegaDB CPU ms per run | DuckDB CPU ms per run |
|---|---|---|---|---|"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
for ((i = 0; i < ${#LABELS[@]}; i += 2)); do
    name="${LABELS[i]}"; label="${LABELS[i+1]}"
    m="$(field "$OUT_M" TIME "$name")"; d="$(field "$OUT_D" TIME "$name")"
    mc="$(field "$OUT_M" CPU "$name")"; dc="$(field "$OUT_D" CPU "$name")"
    mmed="${m%% *}"; dmed="${d%% *}"; mcmed="${mc%% *}"; dcmed="${dc%% *}"
    TABLE+=$'\n'"| $label | ${mmed:-failed} | ${dmed:-failed} | $(ratio "$mmed" "$dmed") | ${mcmed:-?} | ${dcmed:-?} | $(ratio "$mcmed" "$dcmed") |"
    RUNS_TABLE+=$'\n'"| $label | ${m#* } | ${d#* } | ${mc#* } | ${dc#* } |"
done

CHECKS="| query | MegaDB checksum | DuckDB checksum | same answer |
|---|---|---|---|"
for name in q1 q2; do
    cm="$(field "$OUT_M" CHECK "$name")"; cd_="$(field "$OUT_D" CHECK "$name")"
    same=no
    if [ -n "$cm" ] && [ "$cm" = "$cd_" ] && [ "${cm%% *}" = ok ]; then same=yes; else STATUS=1; fi
    CHECKS+=$'\n'"| $name | \`${cm:-none}\` | \`${cd_:-none}\` | $same |"
done

echo
echo "$TABLE"
echo
echo "$CHECKS"

# ---- RESULTS.md -----------------------------------------------------------------
if [ "$WRITE" = 1 ]; then
    SRC="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BDIR/CMakeCache.txt" 2>/dev/null | head -1)"
    if git -C "${SRC:-/nonexistent}" rev-parse --git-dir >/dev/null 2>&1; then
        ENGINE_SRC="source $SRC at git $(git -C "$SRC" rev-parse --short HEAD)$(git -C "$SRC" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/')"
    else
        ENGINE_SRC="source ${SRC:-?} (not a git checkout)"
    fi
    BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BDIR/CMakeCache.txt" 2>/dev/null | head -1)"
    CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    MEM="$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
    BLOCK="<!-- BEGIN run.sh (generated; rewritten by every bench/run.sh run) -->
## Latest measured run

- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- command: \`$CMDLINE\` (from the repository root)
- machine: $(nproc) CPUs (nproc), CPU model \"${CPU:-unknown}\", ${MEM} RAM, $(uname -sr)
- MegaDB: $(sed -n 's/^INFO //p' "$OUT_M"), $ENGINE_SRC, $BUILD_DIR/libmegadb_core.a built by CMake (CMAKE_BUILD_TYPE ${BUILD_TYPE:-not set in the cache: CMakeLists.txt then uses RelWithDebInfo, -O2 -g})
- DuckDB: $(sed -n 's/^INFO //p' "$OUT_D"), @duckdb/node-api on $(node --version)
- load average (1/5/15 min) at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews timings)
- threads: $THREADS for both engines (\`SET threads = $THREADS\`); runs: one warm-up, then $RUNS timed runs; medians
  of wall-clock time (CLOCK_MONOTONIC), and of process CPU time (user + system, all threads) over the same runs
- exit status of the drivers: MegaDB $RC_M, DuckDB $RC_D${NOTE:+
- note: $NOTE}

$TABLE

Every timed run:

$RUNS_TABLE

Result checks (each engine's answers are checked against values computed from the generating formulas; the
checksum is rows, total count, total of the sums and, for Q1, total of the averages):

$CHECKS
<!-- END run.sh -->"
    RES="$BENCH/RESULTS.md"
    if [ -f "$RES" ] && grep -q '^<!-- BEGIN run.sh' "$RES" && grep -q '^<!-- END run.sh -->' "$RES"; then
        BLOCK="$BLOCK" awk '
            /^<!-- BEGIN run.sh/ { print ENVIRON["BLOCK"]; skip = 1; next }
            /^<!-- END run.sh -->/ { skip = 0; next }
            !skip { print }' "$RES" > "$RES.tmp"
        mv "$RES.tmp" "$RES"
    else
        {
            echo "# Benchmark results (issue 2): MegaDB against DuckDB"
            echo
            echo "Produced by \`bench/run.sh\`; see bench/micro/ for the two drivers."
            echo
            echo "$BLOCK"
        } > "$RES"
    fi
    echo
    echo "wrote $RES"
fi
exit "$STATUS"
