#!/usr/bin/env bash
# test/clients/test_pgbench.sh — pgbench against a running `megadb serve`
# (connection from the PG* environment variables, set by run.sh).
#   1. `pgbench -i` with all default steps (drop, create, client-side generate
#      through COPY, vacuum, primary keys) and the row counts it must leave;
#   2. the TPC-B-like script for 5 s with 4 clients / 2 threads in each query
#      mode (simple, extended, prepared): the run must process transactions and
#      report no failed ones, and afterwards the books must balance:
#      sum(abalance) = sum(bbalance) = sum(tbalance), their change over the run
#      = sum(delta) of pgbench_history (which pgbench truncates before a run),
#      and one history row per committed transaction;
#   3. the select-only script with -M prepared.
# The runs use the default READ COMMITTED: a write to a row that another open
# transaction has written waits for it and then runs again with a new snapshot,
# as in PostgreSQL, so the runs pass no --max-tries: any 40001 or 40P01 would
# be a failed transaction, and none may fail.
# Exit status 1 when a check failed, 0 when all passed or pgbench is missing.
set -u
DURATION=${PGBENCH_SECONDS:-5}
if ! command -v pgbench >/dev/null 2>&1; then
    echo "SKIP: pgbench not installed (Debian package postgresql-client-15)"
    exit 0
fi
FAILS=0
fail() { FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1" 2>&1; }

out=$(pgbench -i 2>&1)
if [ $? -ne 0 ] || ! printf '%s' "$out" | grep -q '^done in'; then fail "pgbench -i: [$out]"; fi
for step in "dropping old tables" "creating tables" "generating data (client-side)" "vacuuming" "creating primary keys"; do
    printf '%s' "$out" | grep -qF "$step" || fail "pgbench -i did not run step '$step'"
done
got=$(q "SELECT (SELECT count(*) FROM pgbench_branches) || ',' || (SELECT count(*) FROM pgbench_tellers) || ',' ||
              (SELECT count(*) FROM pgbench_accounts) || ',' || (SELECT count(*) FROM pgbench_history) || ',' ||
              (SELECT count(DISTINCT aid) FROM pgbench_accounts) || ',' || (SELECT sum(abalance) FROM pgbench_accounts)")
[ "$got" = "1,10,100000,0,100000,0" ] || fail "after pgbench -i: branches,tellers,accounts,history,distinct aid,sum = [$got]"
# the primary keys that step p created are enforced
out=$(psql -X -q -v VERBOSITY=verbose -c "INSERT INTO pgbench_accounts VALUES (1, 1, 0, '')" 2>&1)
printf '%s' "$out" | grep -q "23505" || fail "pgbench_accounts primary key not enforced: [$out]"

# the books: one line "a|b|t|h|n" with the four sums and the history count
books() {
    q "SELECT coalesce((SELECT sum(abalance) FROM pgbench_accounts), 0) || '|' || coalesce((SELECT sum(bbalance) FROM pgbench_branches), 0) || '|' ||
              coalesce((SELECT sum(tbalance) FROM pgbench_tellers), 0) || '|' || coalesce((SELECT sum(delta) FROM pgbench_history), 0) || '|' ||
              (SELECT count(*) FROM pgbench_history)"
}

for mode in simple extended prepared; do
    # pgbench truncates pgbench_history before a run: the balances are compared as changes
    IFS='|' read -r a0 b0 t0 _ _ <<<"$(books)"
    out=$(timeout $((DURATION + 60)) pgbench -c 4 -j 2 -T "$DURATION" -M "$mode" 2>&1)
    rc=$?
    processed=$(printf '%s\n' "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
    failed=$(printf '%s\n' "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
    tps=$(printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    if [ $rc -ne 0 ] || [ -z "$processed" ] || [ "$processed" -le 0 ] || [ "$failed" != "0" ]; then
        fail "pgbench -M $mode: rc $rc, processed [$processed], failed [$failed]: $(printf '%s' "$out" | tail -25)"
        continue
    fi
    b=$(books)
    IFS='|' read -r sa sb st sh nh <<<"$b"
    da=$((sa - a0)) db=$((sb - b0)) dt=$((st - t0))
    if [ "$da" = "$db" ] && [ "$db" = "$dt" ] && [ "$dt" = "$sh" ] && [ "$nh" = "$processed" ] && [ "$sa" = "$sb" ] && [ "$sb" = "$st" ]; then
        echo "pgbench -M $mode: $processed transactions, 0 failed, $tps tps; balances changed by $da = sum(delta), $nh history rows"
    else
        fail "pgbench -M $mode: books do not balance: changes of abalance|bbalance|tbalance = $da|$db|$dt, sum(delta) $sh, history rows $nh, processed $processed"
    fi
done

out=$(timeout $((DURATION + 60)) pgbench -S -c 4 -j 2 -T "$DURATION" -M prepared 2>&1)
processed=$(printf '%s\n' "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
failed=$(printf '%s\n' "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
if [ -n "$processed" ] && [ "$processed" -gt 0 ] && [ "$failed" = "0" ]; then
    echo "pgbench -S -M prepared: $processed transactions, $(printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p') tps"
else
    fail "pgbench -S: $(printf '%s' "$out" | tail -15)"
fi
# 4. the OLTP tier: `pgbench -i` with default_table_access_method = oltp (startup option),
#    then the primary-key lookup is an index scan (only the OLTP tier has indexes, so this
#    also shows where the tables went), and a TPC-B-like run on
#    the WAL-logged tables keeps the books
out=$(PGOPTIONS="-c default_table_access_method=oltp" pgbench -i 2>&1)
if [ $? -ne 0 ] || ! printf '%s' "$out" | grep -q '^done in'; then fail "pgbench -i (oltp): [$out]"; fi
got=$(q "EXPLAIN SELECT abalance FROM pgbench_accounts WHERE aid = 5")
printf '%s' "$got" | grep -q "Index Scan using pgbench_accounts_pkey" || fail "pgbench_accounts lookup is not an index scan: [$got]"
out=$(timeout $((DURATION + 60)) pgbench -c 4 -j 2 -T "$DURATION" -M prepared 2>&1)
processed=$(printf '%s\n' "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
failed=$(printf '%s\n' "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
IFS='|' read -r sa sb st sh nh <<<"$(books)"
if [ -n "$processed" ] && [ "$processed" -gt 0 ] && [ "$failed" = "0" ] && [ "$sa" = "$sb" ] && [ "$sb" = "$st" ] && [ "$st" = "$sh" ] && [ "$nh" = "$processed" ]; then
    echo "pgbench (oltp) -M prepared: $processed transactions, 0 failed, $(printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p') tps; balances = sum(delta) = $sa"
else
    fail "pgbench (oltp): processed [$processed], failed [$failed], sums $sa|$sb|$st|$sh, history $nh: $(printf '%s' "$out" | tail -15)"
fi
[ "$FAILS" -eq 0 ]
