#!/usr/bin/env bash
# bench/tpch/run.sh — TPC-H on MegaDB, DuckDB and PostgreSQL 15 with the same
# data: generates the eight tables once with `megadb tpch-gen` (MegaDB's own
# generator, src/main/tpchgen.c), loads them into each available engine, runs
# the 22 queries of SHARED/tpch/queries RUNS times each, and prints per query
# the median time of every engine and the ratio MegaDB/other, then geometric
# means, totals, load times, the generator's time and MegaDB's peak memory
# (max RSS of its driver process, /usr/bin/time -v).  The engines' results are
# compared with SHARED/tpch/compare.py (numbers within 0.01 absolute or 1e-6
# relative) and every disagreement is listed.
#
#   bench/tpch/run.sh --sf N [--engines megadb,duckdb,postgres] [--runs K]
#                     [--threads T] [--install] [--build-dir DIR] [--work DIR]
#                     [--shared DIR] [--skip-build]
#
#   --sf N          scale factor (default 0.1; 1 takes some minutes)
#   --engines LIST  any of megadb, duckdb, postgres (default: all three; an
#                   engine that is not installed is skipped with a note)
#   --runs K        timed runs per query; the median is reported (default 3;
#                   no separate warm-up: the median of 3 drops the cold run)
#   --threads T     worker threads for MegaDB and DuckDB (default: nproc);
#                   PostgreSQL keeps its own parallel settings
#   --install       apt-get install postgresql-15 and `npm ci` in bench/ when
#                   missing, and start the 15/main cluster
#   --build-dir DIR MegaDB build folder (default build); its megadb and
#                   libmegadb_core.a are used (rebuilt unless --skip-build)
#   --work DIR      data and results (default bench/build/tpch); the .tbl files
#                   of a scale factor are reused when present
#   --shared DIR    the TPC-H material (default ../shared next to the repository)
#   --timeout S     statement_timeout of a MegaDB query (default 300)
#   --pg-timeout S  statement_timeout of a PostgreSQL query (default 30): the
#                   schema has no indexes, and PostgreSQL runs Q20's and Q21's
#                   correlated subqueries as nested loops over lineitem
#
# MegaDB runs through bench/tpch/megadb_tpch.c (the C API), DuckDB through
# bench/tpch/duckdb_tpch.mjs (@duckdb/node-api), PostgreSQL through psql
# (\timing; database megadb_tpch_bench, recreated each run).  Exit status 1
# when an engine fails to load or results disagree; 2 on usage errors.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
SF=0.1
ENGINES=megadb,duckdb,postgres
RUNS=3
THREADS="$(nproc)"
INSTALL=0
BUILD_DIR=build
WORK="$BENCH/build/tpch"
SHARED="$ROOT/../shared"
BUILD=1
PG_TIMEOUT=30
MDB_TIMEOUT=300
while [ $# -gt 0 ]; do
    case "$1" in
        --sf) SF="$2"; shift 2 ;;
        --engines) ENGINES="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --install) INSTALL=1; shift ;;
        --build-dir) BUILD_DIR="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        --shared) SHARED="$2"; shift 2 ;;
        --skip-build) BUILD=0; shift ;;
        --pg-timeout) PG_TIMEOUT="$2"; shift 2 ;;
        --timeout) MDB_TIMEOUT="$2"; shift 2 ;;
        -h|--help) sed -n '2,39p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$BUILD_DIR" in /*) BDIR="$BUILD_DIR" ;; *) BDIR="$ROOT/$BUILD_DIR" ;; esac
TPCH="$(cd "$SHARED/tpch" 2>/dev/null && pwd)" || { echo "run.sh: no $SHARED/tpch" >&2; exit 2; }
has() { case ",$ENGINES," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
now_ms() { local t=${EPOCHREALTIME/,/.}; echo $((${t%.*} * 1000 + 10#${t#*.} / 1000)); }
STATUS=0
NOTES=()

# ---- install / build --------------------------------------------------------
if [ "$INSTALL" = 1 ]; then
    if has postgres && ! command -v pg_ctlcluster >/dev/null; then
        echo "== apt-get install postgresql-15"
        apt-get install -y postgresql-15 >/dev/null || NOTES+=("postgresql-15 could not be installed")
    fi
    if has duckdb && [ ! -d "$BENCH/node_modules/@duckdb/node-api" ]; then
        echo "== npm ci (bench/)"
        (cd "$BENCH" && npm ci --no-audit --no-fund >/dev/null) || NOTES+=("npm ci failed")
    fi
    if has postgres && command -v pg_ctlcluster >/dev/null; then pg_ctlcluster 15 main start 2>/dev/null || true; fi
fi
if [ "$BUILD" = 1 ]; then
    echo "== cmake --build $BDIR (megadb, megadb_core)"
    [ -f "$BDIR/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BDIR" >/dev/null
    cmake --build "$BDIR" -j "$(nproc)" --target megadb megadb_core >/dev/null || { echo "run.sh: build failed" >&2; exit 2; }
fi
cache_lib() {
    local v
    v="$(sed -n "s/^$1:FILEPATH=//p" "$BDIR/CMakeCache.txt" 2>/dev/null | head -1)"
    if [ -n "$v" ] && [ -f "$v" ]; then echo "$v"; else echo "$2"; fi
}
mkdir -p "$WORK"
if has megadb; then
    gcc -std=c11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -I"$ROOT/include" "$HERE/megadb_tpch.c" \
        "$BDIR/libmegadb_core.a" "$(cache_lib PG_QUERY_LIB -lpg_query)" "$(cache_lib CRYPTO_LIB -lcrypto)" \
        -lpthread -lm -o "$WORK/megadb_tpch" || { echo "run.sh: cannot build megadb_tpch" >&2; exit 2; }
fi

# ---- data ---------------------------------------------------------------------
DATA="$WORK/sf$SF"
GEN_S="(reused)"
if [ ! -f "$DATA/lineitem.tbl" ]; then
    echo "== megadb tpch-gen --sf $SF --out $DATA"
    s=$(now_ms)
    "$BDIR/megadb" tpch-gen --sf "$SF" --out "$DATA" --threads "$THREADS" 2>"$WORK/tpch-gen.log" || { cat "$WORK/tpch-gen.log"; exit 1; }
    GEN_S=$(awk -v ms=$(($(now_ms) - s)) 'BEGIN {printf "%.2f s", ms / 1000}')
fi
QUERIES=("$TPCH"/queries/q[0-9][0-9].sql)
RES="$WORK/results-sf$SF"
rm -rf "$RES"
declare -A T LOAD
RAN=()

# ---- MegaDB ---------------------------------------------------------------------
RSS_MB="-"
if has megadb; then
    echo "== MegaDB (threads $THREADS, runs $RUNS)"
    mkdir -p "$RES/megadb"
    /usr/bin/time -v -o "$RES/megadb.time" "$WORK/megadb_tpch" --threads "$THREADS" --runs "$RUNS" --timeout-ms $((MDB_TIMEOUT * 1000)) \
        --schema "$TPCH/schema.sql" --data "$DATA" --out "$RES/megadb" "${QUERIES[@]}" >"$RES/megadb.out" 2>&1
    RSS_MB=$(awk '/Maximum resident/ {printf "%.0f MB", $NF / 1024}' "$RES/megadb.time")
    RAN+=(megadb)
fi

# ---- DuckDB ---------------------------------------------------------------------
if has duckdb; then
    if [ -d "$BENCH/node_modules/@duckdb/node-api" ] && command -v node >/dev/null; then
        echo "== DuckDB (threads $THREADS, runs $RUNS)"
        mkdir -p "$RES/duckdb"
        (cd "$BENCH" && node tpch/duckdb_tpch.mjs --threads "$THREADS" --runs "$RUNS" --schema "$TPCH/schema.sql" \
            --data "$DATA" --out "$RES/duckdb" "${QUERIES[@]}") >"$RES/duckdb.out" 2>&1
        RAN+=(duckdb)
    else
        NOTES+=("duckdb skipped: @duckdb/node-api not installed (use --install)")
    fi
fi

# ---- PostgreSQL -------------------------------------------------------------------
if has postgres; then
    if command -v psql >/dev/null && su postgres -c "psql -XAtqc 'select 1'" >/dev/null 2>&1; then
        echo "== PostgreSQL (its own parallel settings, runs $RUNS)"
        mkdir -p "$RES/postgres"
        chmod 755 "$RES" "$RES/postgres" "$WORK" 2>/dev/null
        chmod o+w "$RES/postgres"
        PSQL=(su postgres -c)
        DB=megadb_tpch_bench
        "${PSQL[@]}" "psql -XAtqc 'DROP DATABASE IF EXISTS $DB' -c 'CREATE DATABASE $DB'" >/dev/null
        s=$(now_ms)
        ok=1
        "${PSQL[@]}" "psql -Xq -v ON_ERROR_STOP=1 -d $DB -f $TPCH/schema.sql" >/dev/null || ok=0
        for t in region nation supplier customer part partsupp orders lineitem; do
            sed 's/|$//' "$DATA/$t.tbl" | "${PSQL[@]}" "psql -Xq -v ON_ERROR_STOP=1 -d $DB -c \"\\copy $t FROM STDIN (DELIMITER '|')\"" || ok=0
        done
        "${PSQL[@]}" "psql -Xq -d $DB -c 'ANALYZE'" >/dev/null
        echo "LOAD $(($(now_ms) - s))" >"$RES/postgres.out"
        [ $ok = 1 ] || echo "LOADERROR" >>"$RES/postgres.out"
        for q in "${QUERIES[@]}"; do
            n=$(basename "$q" .sql)
            sc="$RES/postgres/$n.psql"
            { echo "SET statement_timeout = '${PG_TIMEOUT}s';"; echo '\timing on'; echo "\\o $RES/postgres/$n.csv"; echo '\echo @@run'; echo "\\i $q"; echo '\o /dev/null'
              for ((k = 1; k < RUNS; k++)); do echo '\echo @@run'; echo "\\i $q"; done; } >"$sc"
            chmod o+r "$sc"
            "${PSQL[@]}" "psql -XAq -F'|' -P footer=off -v ON_ERROR_STOP=1 -d $DB -f $sc" >"$RES/postgres/$n.log" 2>&1
            if grep -q ERROR "$RES/postgres/$n.log"; then
                echo "ERROR $n $(grep -m1 ERROR "$RES/postgres/$n.log" | sed "s/canceling statement due to statement timeout/timeout after ${PG_TIMEOUT} s/")" >>"$RES/postgres.out"
            else
                awk -v n="$n" '/^@@run/ {k++} /^Time: / {t[k] += $2} END {
                    m = 0; for (i = 1; i <= k; i++) v[++m] = t[i]
                    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) {x = v[i]; v[i] = v[j]; v[j] = x}
                    med = m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
                    s = ""; for (i = 1; i <= k; i++) s = s (i > 1 ? "," : "") sprintf("%.1f", t[i])
                    printf "TIME %s %.1f %s\n", n, med, s }' "$RES/postgres/$n.log" >>"$RES/postgres.out"
            fi
        done
        RAN+=(postgres)
    else
        NOTES+=("postgres skipped: no running PostgreSQL 15 (use --install)")
    fi
fi

# ---- report ------------------------------------------------------------------------
for e in "${RAN[@]}"; do
    LOAD[$e]=$(awk '/^LOAD / {print $2}' "$RES/$e.out")
    grep -q '^LOADERROR\|load failed' "$RES/$e.out" && { NOTES+=("$e: load failed (see $RES/$e.out)"); STATUS=1; }
    while read -r _ q med _; do T[$e,$q]=$med; done < <(grep '^TIME ' "$RES/$e.out")
done
OTHERS=()
for e in "${RAN[@]}"; do [ "$e" = megadb ] || OTHERS+=("$e"); done
REPORT="$RES/report.txt"
{
    echo "TPC-H SF $SF — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), threads $THREADS, median of $RUNS runs, times in ms"
    printf '%-6s' query
    for e in "${RAN[@]}"; do printf ' %12s' "$e"; done
    for e in "${OTHERS[@]}"; do printf ' %16s' "megadb/$e"; done
    printf '  %s\n' "results"
    for q in "${QUERIES[@]}"; do
        n=$(basename "$q" .sql)
        printf '%-6s' "$n"
        for e in "${RAN[@]}"; do printf ' %12s' "${T[$e,$n]:-ERROR}"; done
        for e in "${OTHERS[@]}"; do
            if [ -n "${T[megadb,$n]:-}" ] && [ -n "${T[$e,$n]:-}" ]; then
                printf ' %16s' "$(awk -v a="${T[megadb,$n]}" -v b="${T[$e,$n]}" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
            else printf ' %16s' -; fi
        done
        # result agreement: every engine against the first one that ran the query
        ref="" verdict="" 
        for e in "${RAN[@]}"; do
            [ -n "${T[$e,$n]:-}" ] && [ -f "$RES/$e/$n.csv" ] || continue
            if [ -z "$ref" ]; then ref=$e; continue; fi
            if out=$(python3 "$TPCH/compare.py" "$RES/$e/$n.csv" "$RES/$ref/$n.csv" 2>&1); then
                verdict+="${verdict:+, }$e=$ref"
            else
                verdict+="${verdict:+, }$e≠$ref: $(printf '%s' "$out" | head -n 1 | cut -c1-80)"
                echo "$n" >>"$RES/mismatches"
            fi
        done
        printf '  %s\n' "${verdict:-only one engine}"
    done
    printf '%-6s' geomean
    for e in "${RAN[@]}"; do
        printf ' %12s' "$(for q in "${QUERIES[@]}"; do n=$(basename "$q" .sql); v="${T[$e,$n]:-}"; [ -n "$v" ] && echo "$v"; done |
            awk '{s += log($1 > 0.05 ? $1 : 0.05); k++} END {if (k) printf "%.1f", exp(s / k); else print "-"}')"
    done
    for e in "${OTHERS[@]}"; do
        printf ' %16s' "$(for q in "${QUERIES[@]}"; do n=$(basename "$q" .sql); a="${T[megadb,$n]:-}"; b="${T[$e,$n]:-}"
            [ -n "$a" ] && [ -n "$b" ] && echo "$a $b"; done |
            awk '{a = $1 > 0.05 ? $1 : 0.05; b = $2 > 0.05 ? $2 : 0.05; s += log(a / b); k++} END {if (k) printf "%.2f (%d q)", exp(s / k), k; else print "-"}')"
    done
    echo
    printf '%-6s' total
    for e in "${RAN[@]}"; do
        printf ' %12s' "$(grep '^TIME ' "$RES/$e.out" | awk '{s += $3} END {printf "%.1f", s}')"
    done
    echo "   (each engine: the queries it ran)"
    printf '%-6s' load
    for e in "${RAN[@]}"; do printf ' %12s' "${LOAD[$e]:--}"; done
    echo "   (.tbl files into memory / into PostgreSQL, incl. ANALYZE)"
    echo "errors: $(cat "$RES"/*.out | grep -c '^ERROR') query error(s)"
    for e in "${RAN[@]}"; do grep '^ERROR' "$RES/$e.out" | sed "s/^/  $e: /" | cut -c1-160; done
    echo "generator: megadb tpch-gen --sf $SF: $GEN_S ($(du -sh "$DATA" | cut -f1) of .tbl); MegaDB peak RSS: $RSS_MB"
    for n in "${NOTES[@]}"; do echo "note: $n"; done
    [ -f "$RES/mismatches" ] && echo "results differ for: $(tr '\n' ' ' <"$RES/mismatches")"
} | tee "$REPORT"
[ -f "$RES/mismatches" ] && STATUS=1
echo "(report: $REPORT; results and logs: $RES)"
exit $STATUS
