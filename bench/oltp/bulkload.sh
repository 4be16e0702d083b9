#!/usr/bin/env bash
# bench/oltp/bulkload.sh — bulk load of TPC-H lineitem into a durable MegaDB OLTP
# table and into PostgreSQL on the same machine: the same table definition with
# PRIMARY KEY (l_orderkey, l_linenumber), one COPY of the whole file, fsync and
# synchronous_commit on for both; RUNS runs each, alternating, medians reported.
#
# Usage: bench/oltp/bulkload.sh BUILD_DIR ['POSTGRES_CONNINFO'] [SF] [RUNS]
#   BUILD_DIR: a CMake build folder with the megadb shell (e.g. build)
#   POSTGRES_CONNINFO: e.g. 'host=127.0.0.1 user=megabench password=megabench dbname=megabench';
#     empty: MegaDB only.  PostgreSQL reads the file itself (server-side COPY) when this
#     script may run psql as the postgres user (su postgres), else through psql's \copy.
#   SF: TPC-H scale factor (default 1: about 6 million rows); LINEITEM=path reuses a lineitem.tbl.
#   RUNS: default 3.
# MegaDB: COPY time as the shell's \timing reports it (the statement, commit and WAL
# fsync included; like PostgreSQL, dirty data pages stay in the buffer pool or go out by
# eviction), the whole process's wall time (open, COPY, closing checkpoint that writes
# every page) and its peak RSS (/usr/bin/time).  PostgreSQL: COPY time from psql's
# \timing.  Results: bench/RESULTS.md, "OLTP bulk load".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BDIR=${1:?usage: bench/oltp/bulkload.sh BUILD_DIR [POSTGRES_CONNINFO] [SF] [RUNS]}
case "$BDIR" in /*) ;; *) BDIR="$ROOT/$BDIR" ;; esac
PGCONN=${2-}
SF=${3:-1}
RUNS=${4:-3}
MEGADB="$BDIR/megadb"
[ -x "$MEGADB" ] || { echo "bulkload.sh: $MEGADB not built" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/megadb-bulkload.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

DATA=${LINEITEM-}
if [ -z "$DATA" ]; then
    echo "generating TPC-H SF $SF ..."
    "$MEGADB" tpch-gen --sf "$SF" --out "$TMP/gen" >/dev/null || exit 2
    DATA="$TMP/gen/lineitem.tbl"
    rm -f "$TMP"/gen/{customer,orders,part,partsupp,supplier,nation,region}.tbl
fi
ROWS=$(wc -l <"$DATA")
COLS="l_orderkey INTEGER NOT NULL, l_partkey INTEGER NOT NULL, l_suppkey INTEGER NOT NULL, l_linenumber INTEGER NOT NULL,
 l_quantity DECIMAL(15,2) NOT NULL, l_extendedprice DECIMAL(15,2) NOT NULL, l_discount DECIMAL(15,2) NOT NULL,
 l_tax DECIMAL(15,2) NOT NULL, l_returnflag CHAR(1) NOT NULL, l_linestatus CHAR(1) NOT NULL, l_shipdate DATE NOT NULL,
 l_commitdate DATE NOT NULL, l_receiptdate DATE NOT NULL, l_shipinstruct CHAR(25) NOT NULL, l_shipmode CHAR(10) NOT NULL,
 l_comment VARCHAR(44) NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber)"

median() { sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

# PostgreSQL: the .tbl lines end with '|', which its text format does not take
PGDATA_FILE="$TMP/lineitem.pg"
PG_SERVER=0
if [ -n "$PGCONN" ]; then
    sed 's/|$//' "$DATA" >"$PGDATA_FILE"
    chmod 644 "$PGDATA_FILE"
    PGDB=$(printf '%s\n' "$PGCONN" | sed -n 's/.*dbname=\([^ ]*\).*/\1/p')
    if [ "$(id -u)" = 0 ] && [ -n "$PGDB" ] && su postgres -c "psql -XAtq -d $PGDB -c 'select 1'" >/dev/null 2>&1; then
        PG_SERVER=1
    fi
    echo "PostgreSQL: $(psql "$PGCONN" -XAtc "select 'fsync=' || current_setting('fsync') || ' synchronous_commit=' ||
        current_setting('synchronous_commit') || ' shared_buffers=' || current_setting('shared_buffers') ||
        ' max_wal_size=' || current_setting('max_wal_size') || ' ' || split_part(version(), ' ', 2)")" \
        "$([ $PG_SERVER = 1 ] && echo '(server-side COPY)' || echo '(psql \copy)')"
fi
echo "MegaDB: OLTP tier in a database directory, synchronous_commit on (default); $ROWS rows; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"

pg_run() { # psql with \timing: prints the COPY's milliseconds
    local sql="DROP TABLE IF EXISTS lineitem_bulk; CREATE TABLE lineitem_bulk ($COLS);" out
    if [ $PG_SERVER = 1 ]; then
        printf '%s\n\\timing on\nCOPY lineitem_bulk FROM '"'"'%s'"'"' (FORMAT text, DELIMITER '"'"'|'"'"');\nDROP TABLE lineitem_bulk;\n' \
            "$sql" "$PGDATA_FILE" >"$TMP/pg.sql"
        chmod 644 "$TMP/pg.sql"
        out=$(su postgres -c "psql -X -q -v ON_ERROR_STOP=1 -d $PGDB -f $TMP/pg.sql" 2>&1) || { echo "PG failed: $out" >&2; return 1; }
    else
        printf '%s\n\\timing on\n\\copy lineitem_bulk FROM '"'"'%s'"'"' (FORMAT text, DELIMITER '"'"'|'"'"')\nDROP TABLE lineitem_bulk;\n' \
            "$sql" "$PGDATA_FILE" >"$TMP/pg.sql"
        out=$(psql "$PGCONN" -X -q -v ON_ERROR_STOP=1 -f "$TMP/pg.sql" 2>&1) || { echo "PG failed: $out" >&2; return 1; }
    fi
    printf '%s\n' "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -1
}

mdb_run() { # prints "copy_ms wall_s peak_kb"
    rm -rf "$TMP/db"
    printf 'CREATE TABLE lineitem (%s);\n\\timing on\nCOPY lineitem FROM '"'"'%s'"'"' (FORMAT text, DELIMITER '"'"'|'"'"', TRAILING_DELIMITER true);\n' \
        "$COLS" "$DATA" >"$TMP/mdb.sql"
    /usr/bin/time -f 'TIME %e %M' -o "$TMP/time.txt" "$MEGADB" "$TMP/db" -f "$TMP/mdb.sql" >"$TMP/mdb.out" 2>&1 ||
        { echo "MegaDB failed: $(tail -3 "$TMP/mdb.out")" >&2; return 1; }
    local ms n
    ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$TMP/mdb.out" | tail -1)
    n=$("$MEGADB" "$TMP/db" --format=csv -c "SELECT count(*) FROM lineitem" | tail -1)
    [ "$n" = "$ROWS" ] || { echo "MegaDB: $n rows after the load, expected $ROWS" >&2; return 1; }
    echo "$ms $(awk '/^TIME/ {print $2, $3}' "$TMP/time.txt")"
}

: >"$TMP/m.txt"
: >"$TMP/p.txt"
for r in $(seq 1 "$RUNS"); do
    m=$(mdb_run) || exit 1
    echo "run $r MegaDB: COPY $(echo "$m" | awk '{print $1}') ms, process $(echo "$m" | awk '{print $2}') s, peak RSS $(echo "$m" | awk '{printf "%.0f", $3 / 1024}') MiB"
    echo "$m" >>"$TMP/m.txt"
    if [ -n "$PGCONN" ]; then
        p=$(pg_run) || exit 1
        echo "run $r PostgreSQL: COPY $p ms"
        echo "$p" >>"$TMP/p.txt"
    fi
done
MMS=$(awk '{print $1}' "$TMP/m.txt" | median)
MWALL=$(awk '{print $2}' "$TMP/m.txt" | median)
MRSS=$(awk '{print $3}' "$TMP/m.txt" | median)
printf 'RESULT megadb copy_s=%.2f rows_per_s=%.0f process_s=%s peak_rss_mib=%.0f\n' "$(echo "$MMS / 1000" | bc -l)" \
    "$(echo "$ROWS / ($MMS / 1000)" | bc -l)" "$MWALL" "$(echo "$MRSS / 1024" | bc -l)"
if [ -n "$PGCONN" ]; then
    PMS=$(median <"$TMP/p.txt")
    printf 'RESULT postgres copy_s=%.2f rows_per_s=%.0f\n' "$(echo "$PMS / 1000" | bc -l)" "$(echo "$ROWS / ($PMS / 1000)" | bc -l)"
    printf 'RESULT ratio megadb_throughput/postgres=%.2f\n' "$(echo "$PMS / $MMS" | bc -l)"
fi
