#!/usr/bin/env bash
# test/tpch/join_order.sh — the join order must come from the cost model, not
# from the FROM clause: for TPC-H Q5, Q8 and Q9 (6 to 8 tables) it writes
# several seeded random permutations of the FROM list, and checks on the SF
# 0.01 data that the plan's cost (the top line of EXPLAIN, cost=…) of every
# permutation is within 10 % of the original's, and that every permutation
# returns exactly the original's rows.  Prints one line per variant.
#
# Usage: test/tpch/join_order.sh [BUILD_DIR] [SHARED_DIR] (defaults: build, ../shared)
# Exit status: 0 all good, 1 a check failed, 2 usage or setup error.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
SHARED=${2:-$ROOT/../shared}
case $BUILD in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
case $SHARED in /*) ;; *) SHARED="$PWD/$SHARED" ;; esac
TPCH="$SHARED/tpch"
MEGADB="$BUILD/megadb"
PERMS=${MEGADB_JOIN_ORDER_PERMS:-4}

if [ ! -x "$MEGADB" ] || [ ! -d "$TPCH/sf0.01" ]; then
    echo "join_order.sh: needs $MEGADB and $TPCH/sf0.01" >&2
    exit 2
fi
TMP=${MEGADB_JO_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/megadb-joinorder.XXXXXX")}
[ -n "${MEGADB_JO_TMP:-}" ] || trap 'rm -rf "$TMP"' EXIT

# MEMORY tables, like test/tpch/run.sh (analytical data; the default tier is OLTP)
{ echo "SET default_table_access_method = memory;"; cat "$TPCH/schema.sql"; } >"$TMP/load.sql"
for t in nation region part supplier partsupp customer orders lineitem; do
    zstd -q -d -c "$TPCH/sf0.01/$t.tbl.zst" >"$TMP/$t.tbl" || exit 2
    echo "COPY $t FROM '$TMP/$t.tbl' (FORMAT text, DELIMITER '|', TRAILING_DELIMITER true);" >>"$TMP/load.sql"
done

# Writes NAME.orig.sql and NAME.pK.sql (K = 1..PERMS): the query with its
# (only) comma-separated FROM list shuffled with a fixed seed.
python3 - "$TMP" "$PERMS" "$TPCH/queries"/q05.sql "$TPCH/queries"/q08.sql "$TPCH/queries"/q09.sql <<'EOF'
import random, re, sys, os
out, perms = sys.argv[1], int(sys.argv[2])
for path in sys.argv[3:]:
    name = os.path.basename(path)[:-4]
    sql = open(path).read().strip().rstrip(';')
    # the FROM list of plain table references: from <items> where
    m = re.search(r'\bfrom\s+((?:\w+(?:\s+\w+)?\s*,\s*)+\w+(?:\s+\w+)?)\s+where\b', sql, re.S)
    if not m:
        sys.exit('no comma-separated FROM list in ' + path)
    items = [i.strip() for i in m.group(1).split(',')]
    rng = random.Random(name)
    open(f'{out}/{name}.orig.sql', 'w').write(sql + ';\n')
    seen = {tuple(items)}
    k = 0
    while k < perms:
        p = items[:]
        rng.shuffle(p)
        if tuple(p) in seen and len(seen) < 24:
            continue
        seen.add(tuple(p))
        k += 1
        text = sql[:m.start(1)] + ', '.join(p) + sql[m.end(1):]
        open(f'{out}/{name}.p{k}.sql', 'w').write(text + ';\n')
EOF
[ $? -eq 0 ] || exit 2

# One session: load once, then for every variant a marker, its EXPLAIN and
# its rows; python splits the output at the markers and compares.
{
    cat "$TMP/load.sql"
    for f in "$TMP"/q*.sql; do
        v=$(basename "$f" .sql)
        echo "SELECT '@@ $v explain' AS \"@@\";"
        echo "EXPLAIN"
        cat "$f"
        echo "SELECT '@@ $v rows' AS \"@@\";"
        cat "$f"
    done
} >"$TMP/all.sql"
"$MEGADB" --format csv -f "$TMP/all.sql" >"$TMP/all.out" 2>&1
python3 - "$TMP" <<'EOF2'
import re, sys, glob, os
tmp = sys.argv[1]
parts, cur = {}, None
for line in open(f'{tmp}/all.out'):
    m = re.match(r'^"?@@ (\S+) (explain|rows)"?$', line.strip())
    if m:
        cur = (m.group(1), m.group(2))
        parts[cur] = []
    elif cur and line.strip() != '@@':  # the markers' header line
        parts[cur].append(line)
def cost(v):
    for l in parts.get((v, 'explain'), []):
        m = re.search(r'cost=(\d+)', l)
        if m:
            return float(m.group(1))
    return None
def from_list(v):
    s = open(f'{tmp}/{v}.sql').read()
    m = re.search(r'\bfrom\s+((?:\w+(?:\s+\w+)?\s*,\s*)+\w+(?:\s+\w+)?)\s+where\b', s, re.S)
    return ' '.join(m.group(1).split())
bad = 0
for q in ('q05', 'q08', 'q09'):
    base = cost(f'{q}.orig')
    rows = parts.get((f'{q}.orig', 'rows'), [])
    if base is None or not rows or any(l.startswith('ERROR') for l in rows):
        print(f'FAIL  {q}: the original query gave no cost or no rows')
        bad += 1
        continue
    for f in sorted(glob.glob(f'{tmp}/{q}.p*.sql')):
        v = os.path.basename(f)[:-4]
        c = cost(v)
        if c is None or abs(c - base) > 0.10 * base:
            print(f'FAIL  {v}: cost {c} vs {base:.0f} for the original order (FROM {from_list(v)})')
            bad += 1
        elif parts.get((v, 'rows')) != rows:
            print(f'FAIL  {v}: different rows than the original order (FROM {from_list(v)})')
            bad += 1
        else:
            print(f'ok    {v}: cost {c:.0f} (original {base:.0f}), same {len(rows)} rows   FROM {from_list(v)}')
if bad:
    print(f'join order: {bad} check(s) failed')
    sys.exit(1)
print('join order: plan costs of shuffled FROM lists within 10% of the original, same rows')
EOF2
