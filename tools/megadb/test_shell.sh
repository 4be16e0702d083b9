#!/usr/bin/env bash
# tools/megadb/test_shell.sh — end-to-end tests of the megadb shell binary: runs
# it non-interactively (-c, -f, piped stdin) against small SQL scripts and
# compares stdout, stderr and the exit status with exact expected text, for
# every --format, the psql-style error report (ERROR / LINE n / caret), the
# backslash commands and the exit codes.  It needs a working engine behind the
# shell.  Usage: tools/megadb/test_shell.sh path/to/megadb
# Exits 0 when every case passes; otherwise prints a diff per failing case and
# exits 1.
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/megadb" >&2
    exit 2
fi
BIN=$1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/megadb-shell-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export MEGADB_HISTORY="$TMP/history"

NPASS=0
NFAIL=0

# expect NAME RC STDOUT STDERR -- COMMAND...
# Runs COMMAND (stdin from $STDIN_FILE when set, else /dev/null) and compares.
# MEGADB_SHELL_SKIP: names of cases that need engine features not built yet,
# separated by '|'; they are reported as SKIP (see scripts/run-tests.sh).
skipped=0
expect() {
    local name=$1 want_rc=$2 want_out=$3 want_err=$4
    shift 5
    case "|${MEGADB_SHELL_SKIP:-}|" in
    *"|$name|"*) echo "SKIP $name (needs an engine feature not built yet)"; skipped=$((skipped + 1)); return 0 ;;
    esac
    local in=${STDIN_FILE:-/dev/null} rc ok=1
    "$@" <"$in" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    printf '%s' "$want_out" >"$TMP/want_out"
    printf '%s' "$want_err" >"$TMP/want_err"
    if [ "$rc" != "$want_rc" ]; then
        echo "FAIL $name: exit status $rc, expected $want_rc"
        ok=0
    fi
    if ! cmp -s "$TMP/want_out" "$TMP/out"; then
        echo "FAIL $name: stdout differs (--- expected, +++ actual)"
        diff -u "$TMP/want_out" "$TMP/out" | tail -n +3
        ok=0
    fi
    if ! cmp -s "$TMP/want_err" "$TMP/err"; then
        echo "FAIL $name: stderr differs (--- expected, +++ actual)"
        diff -u "$TMP/want_err" "$TMP/err" | tail -n +3
        ok=0
    fi
    if [ $ok = 1 ]; then
        NPASS=$((NPASS + 1))
    else
        NFAIL=$((NFAIL + 1))
    fi
}

SETUP="CREATE TABLE t(a int, b text); INSERT INTO t VALUES (1, 'one'), (2, 'two, \"2\"'), (3, NULL);"
QUERY="SELECT a, b FROM t ORDER BY a;"
NL=$'\n'

# ---- formats -------------------------------------------------------------------

expect "format pipe" 0 \
'a|b
1|one
2|two, "2"
3|
' '' -- "$BIN" --format pipe -c "$SETUP $QUERY"

expect "format csv" 0 \
'a,b
1,one
2,"two, ""2"""
3,
' '' -- "$BIN" --format csv -c "$SETUP $QUERY"

expect "format json" 0 \
'[{"a":1,"b":"one"},
{"a":2,"b":"two, \"2\""},
{"a":3,"b":null}]
' '' -- "$BIN" --format json -c "$SETUP $QUERY"

expect "format aligned (default)" 0 \
'CREATE TABLE
INSERT 0 3
 a |    b     
---+----------
 1 | one
 2 | two, "2"
 3 | 
(3 rows)

' '' -- "$BIN" -c "$SETUP $QUERY"

expect "format aligned, explicit" 0 \
' a |    b     
---+----------
 1 | one
 2 | two, "2"
 3 | 
(3 rows)

' '' -- "$BIN" --format aligned -c "\\o $TMP/discard" -c "$SETUP" -c "\\o" -c "$QUERY"

expect "aligned empty result" 0 \
' a | b 
---+---
(0 rows)

' '' -- "$BIN" --format=aligned -c "\\o $TMP/discard" -c "CREATE TABLE t(a int, b text)" -c "\\o" -c "SELECT a, b FROM t"

expect "json empty result" 0 '[]
' '' -- "$BIN" --format json -c "CREATE TABLE t(a int, b text)" -c "SELECT a, b FROM t"

expect "json value kinds" 0 \
'[{"t":true,"f":false,"n":null,"i":42,"x":1.50,"s":"a\"b\\c\nd"}]
' '' -- "$BIN" --format json -c "SELECT true AS t, false AS f, NULL::int AS n, 42 AS i, 1.50::numeric AS x, E'a\"b\\\\c\\nd' AS s"

expect "aligned multi-line value and numbers right-aligned" 0 \
' x  |  y  
----+-----
 a +|   1
 bb | 
    | 100
(2 rows)

' '' -- "$BIN" -c "SELECT E'a\\nbb' AS x, 1 AS y UNION ALL SELECT NULL, 100 ORDER BY y"

expect "csv prints no command tags" 0 'x
1
' '' -- "$BIN" --csv -c "CREATE TABLE u(x int)" -c "INSERT INTO u VALUES (1)" -c "SELECT x FROM u"

# ---- input modes ---------------------------------------------------------------

expect "-c repeated runs in order" 0 \
'a|b
1|one
2|two, "2"
3|
' '' -- "$BIN" --format pipe -c "CREATE TABLE t(a int, b text)" \
      -c "INSERT INTO t VALUES (1, 'one'), (2, 'two, \"2\"'), (3, NULL)" -c "$QUERY"

cat >"$TMP/script.sql" <<'EOF'
-- a comment; with a semicolon
CREATE TABLE t(a int,
               b text);
INSERT INTO t VALUES (1, 'one'), (2, 'two, "2"'),
                     (3, NULL);   /* a ; in a comment */
SELECT a, b FROM t
 WHERE b IS NULL OR b <> 'x;y'
 ORDER BY a; SELECT $$;$$ AS d
EOF

expect "-f file with multi-line statements" 0 \
'a|b
1|one
2|two, "2"
3|
d
;
' '' -- "$BIN" --format pipe -f "$TMP/script.sql"

STDIN_FILE="$TMP/script.sql" expect "statements from stdin" 0 \
'a|b
1|one
2|two, "2"
3|
d
;
' '' -- "$BIN" --format pipe

expect "-f - reads stdin too" 0 'x
1
' '' -- "$BIN" --format csv -f - -c "SELECT 1 AS x"

expect "DBDIR: create" 0 '' '' -- "$BIN" --format csv "$TMP/db" -c "$SETUP"
expect "DBDIR: reopen" 0 \
'a,b
1,one
2,"two, ""2"""
3,
' '' -- "$BIN" --format csv "$TMP/db" -c "$QUERY"

# ---- errors ----------------------------------------------------------------------

expect "error with LINE and caret" 1 '' \
'ERROR:  relation "nosuch" does not exist
LINE 1: SELECT * FROM nosuch;
                      ^
' -- "$BIN" -c "SELECT * FROM nosuch;"

expect "syntax error at end of input" 1 '' \
'ERROR:  syntax error at end of input
LINE 1: SELECT 1 +
                  ^
' -- "$BIN" -c "SELECT 1 +"

expect "error on line 2 of a -c string" 1 'x
1
' \
'ERROR:  relation "nosuch" does not exist
LINE 2: SELECT * FROM nosuch
                      ^
' -- "$BIN" --format pipe -c "SELECT 1 AS x;${NL}SELECT * FROM nosuch"

expect "first failing -c stops the run" 1 'x
1
' \
'ERROR:  relation "nosuch" does not exist
LINE 1: SELECT * FROM nosuch
                      ^
' -- "$BIN" --format pipe -c "SELECT 1 AS x" -c "SELECT * FROM nosuch" -c "SELECT 2 AS y"

printf 'SELECT 1 AS x;\nSELECT *\n  FROM nosuch;\nSELECT 2 AS y;\n' >"$TMP/err.sql"
expect "-f error has file:line prefix and stops" 1 'x
1
' \
"megadb:$TMP/err.sql:3: ERROR:  relation \"nosuch\" does not exist
LINE 2:   FROM nosuch;
               ^
" -- "$BIN" --format pipe -f "$TMP/err.sql"

STDIN_FILE="$TMP/err.sql" expect "stdin error stops, no prefix" 1 'x
1
' \
'ERROR:  relation "nosuch" does not exist
LINE 2:   FROM nosuch;
               ^
' -- "$BIN" --format pipe

expect "runtime error" 1 '' 'ERROR:  division by zero
' -- "$BIN" -c "SELECT 1/0"

# ---- backslash commands -------------------------------------------------------------

expect "unknown backslash command" 1 '' 'invalid command \foo
' -- "$BIN" -c '\foo'

expect "\\q stops" 0 'x
1
' '' -- "$BIN" --format csv -c "SELECT 1 AS x" -c '\q' -c "SELECT 2 AS y"

expect "\\o to a file" 0 '' '' -- "$BIN" --format csv -c "\\o $TMP/o.txt" -c "SELECT 1 AS x"
if [ "$(cat "$TMP/o.txt" 2>/dev/null)" != "x${NL}1" ]; then
    echo "FAIL \\o file content: $(cat "$TMP/o.txt" 2>&1)"
    NFAIL=$((NFAIL + 1))
fi

expect "\\d lists relations" 0 \
'   List of relations
 Schema | Name | Type  
--------+------+-------
 public | t    | table
(1 row)

' '' -- "$BIN" -c "\\o $TMP/discard" -c "CREATE TABLE t(a int NOT NULL DEFAULT 0, b text)" -c '\o' -c '\d'

expect "\\d NAME describes a table" 0 \
'           Table "public.t"
 Column |  Type   | Nullable | Default 
--------+---------+----------+---------
 a      | integer | not null | 0
 b      | text    |          | 

' '' -- "$BIN" -c "\\o $TMP/discard" -c "CREATE TABLE t(a int NOT NULL DEFAULT 0, b text)" -c '\o' -c '\d t'

expect "\\d of a missing relation" 1 '' 'Did not find any relation named "nosuch".
' -- "$BIN" -c '\d nosuch'

# \timing: everything but the time itself is exact.
"$BIN" -c '\timing on' -c 'SELECT 1 AS x' -c '\timing' -c 'SELECT 2 AS y' >"$TMP/out" 2>"$TMP/err"
rc=$?
want='Timing is on.
 x 
---
 1
(1 row)

TIME
Timing is off.
 y 
---
 2
(1 row)
'
got=$(sed -E 's/^Time: [0-9]+\.[0-9]{3} ms( \([0-9:. d]+\))?$/TIME/' "$TMP/out")
if [ $rc != 0 ] || [ "$got" != "${want%$NL}" ] || [ -s "$TMP/err" ]; then
    echo "FAIL \\timing (exit $rc); got:"
    cat "$TMP/out" "$TMP/err"
    NFAIL=$((NFAIL + 1))
else
    NPASS=$((NPASS + 1))
fi

# ---- command line ---------------------------------------------------------------------

expect "serve without --data" 2 '' 'megadb serve: --data DIR is required
Try "megadb serve --help" for more information.
' -- "$BIN" serve
expect "unknown format" 2 '' 'megadb: unknown format "xml" (use aligned, csv, pipe or json)
' -- "$BIN" --format xml -c "SELECT 1"

"$BIN" --version >"$TMP/out" 2>&1
if ! grep -Eq '^megadb \(MegaDB\) [0-9]+\.[0-9]+' "$TMP/out"; then
    echo "FAIL --version: $(cat "$TMP/out")"
    NFAIL=$((NFAIL + 1))
else
    NPASS=$((NPASS + 1))
fi

echo "shell tests: $NPASS passed, $NFAIL failed, $skipped skipped"
[ $NFAIL = 0 ]
