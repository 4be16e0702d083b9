#!/usr/bin/env bash
# test/clients/run.sh — tests `megadb serve` with real clients.  Starts the
# server on a free port over a temporary data directory (SCRAM, user created
# from MEGADB_USER/MEGADB_PASSWORD), then runs:
#   - psql: results compared with expected text, SQLSTATEs (VERBOSITY verbose),
#     exit codes under ON_ERROR_STOP, several statements per query,
#     transactions, \copy in both directions, wrong password / database;
#   - test_protocol.py: hand-built protocol messages (extended protocol, binary
#     formats, PortalSuspended, cancel, statement_timeout, hostile input,
#     220 concurrent connections);
#   - test_psycopg2.py: psycopg2 and libpq (types, transactions, pgcode, COPY,
#     cancel, PQprepare/PQdescribePrepared/PQexecParams);
#   - test_node_pg.js: node-postgres (npm pg, package.json here; npm install
#     on first use): parameters, prepared statements, pool, transactions;
#   - TestJdbc.java: pgjdbc (prepared statements past prepareThreshold,
#     batches, fetch size, generated keys, DatabaseMetaData, query timeout);
#   - test_pgbench.sh: pgbench -i and TPC-B-like runs in every query mode with
#     balanced books afterwards;
#   - test_limits.py: --max-connections, --authentication-timeout and floods of
#     silent, trickling or garbage connections (a server of its own);
#   - server start-up rules (no user without --auth trust), trust mode, TLS
#     (when the openssl command exists) and a clean stop on SIGTERM.
# A client that is not installed is reported and skipped, not failed.
#
# Usage: test/clients/run.sh BUILD_DIR        Exit status 1 when a check failed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build}
MEGADB="$BUILD/megadb"
if [ ! -x "$MEGADB" ]; then
    echo "run.sh: $MEGADB not built" >&2
    exit 2
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/megadb-clients.XXXXXX")
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

FAILS=0
CHECKS=0
pass() { CHECKS=$((CHECKS + 1)); }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # PORT: up to 10 s for the server to accept
    python3 - "$1" <<'EOF'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# start_server LOG ARGS...: starts megadb serve in the background (SERVER_PID)
start_server() {
    local log=$1
    shift
    "$MEGADB" serve "$@" 2>"$log" &
    SERVER_PID=$!
}

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        local rc=$?
        SERVER_PID=""
        return $rc
    fi
    return 0
}

USER_NAME=tester
PASSWORD='pa ss:w0rd'
DBNAME=testdb
PORT=$(free_port)
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$USER_NAME PGPASSWORD=$PASSWORD PGDATABASE=$DBNAME PGCONNECT_TIMEOUT=10
MEGADB_USER=$USER_NAME MEGADB_PASSWORD=$PASSWORD MEGADB_DATABASE=$DBNAME \
    start_server "$TMP/server.log" --data "$TMP/db" --port "$PORT"
if ! wait_port "$PORT"; then
    echo "FAIL: the server did not start"
    cat "$TMP/server.log"
    exit 1
fi
echo "server on port $PORT (log $TMP/server.log)"
if grep -q "$PASSWORD" "$TMP/db/server_users"; then fail "the users file holds the password"; else pass; fi
if grep -q '^user	tester	SCRAM-SHA-256\$4096:' "$TMP/db/server_users"; then pass; else fail "users file has no SCRAM verifier"; fi

# ---- psql -------------------------------------------------------------------------------------------
if command -v psql >/dev/null 2>&1; then
    echo "== psql ($(psql --version))"
    PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1)

    expect() { # NAME EXPECTED SQL...   (stdout of psql -At compared exactly)
        local name=$1 want=$2
        shift 2
        local got
        got=$("${PSQL[@]}" "$@" 2>&1)
        if [ "$got" = "$want" ]; then pass; else fail "psql $name: expected [$want] got [$got]"; fi
    }
    expect_error() { # NAME SQLSTATE SQL  (psql exits 1 and prints the SQLSTATE)
        local name=$1 code=$2 sql=$3 out rc
        out=$("${PSQL[@]}" -v VERBOSITY=verbose -c "$sql" 2>&1)
        rc=$?
        if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "ERROR:  $code:"; then pass; else fail "psql $name: rc $rc, output [$out]"; fi
    }

    expect "select" "1|abc|1.50|t" -c "SELECT 1, 'abc', 1.5::numeric(5,2), true"
    expect "null and types" "|2024-02-29 10:00:00|3 days 04:00:00" -c "SELECT NULL::int, '2024-02-29 10:00'::timestamp, '3 days 4 hours'::interval"
    expect "multi-statement" $'1\n2\n3' -c "SELECT 1; SELECT 2; SELECT 3"
    expect "ddl and dml" '3|60' -c "CREATE TABLE t (id int PRIMARY KEY, v int)" \
        -c "INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)" -c "SELECT count(*), sum(v) FROM t" 2>/dev/null
    "${PSQL[@]}" -c "CREATE TABLE t2 (id int PRIMARY KEY, v text)" -c "INSERT INTO t2 VALUES (1, 'a'), (2, 'b')" || fail "psql setup"
    expect "update tag" "UPDATE 2" -c "UPDATE t2 SET v = v || '!'" -v QUIET=0
    expect "order by" $'1|a!\n2|b!' -c "SELECT * FROM t2 ORDER BY id"
    expect_error "division by zero" 22012 "SELECT 1/0"
    expect_error "undefined table" 42P01 "SELECT * FROM nosuch"
    expect_error "syntax error" 42601 "SELEC 1"
    expect_error "unique violation" 23505 "INSERT INTO t2 VALUES (1, 'dup')"
    # an error position is shown with its line, as psql does with P
    out=$("${PSQL[@]}" -c "SELECT nosuchcol FROM t2" 2>&1)
    if printf '%s' "$out" | grep -q 'LINE 1: SELECT nosuchcol FROM t2' && printf '%s' "$out" | grep -q '^               \^'; then pass; else fail "psql error position: [$out]"; fi

    # transactions in a script: the rolled-back insert is gone, the committed one stays
    out=$("${PSQL[@]}" 2>&1 <<'EOF'
BEGIN;
INSERT INTO t2 VALUES (3, 'c');
ROLLBACK;
BEGIN;
INSERT INTO t2 VALUES (4, 'd');
SELECT count(*) FROM t2;
COMMIT;
SELECT string_agg(v, ',' ORDER BY id) FROM t2;
\set ON_ERROR_STOP 0
BEGIN;
SELECT 1/0;
SELECT 'not reached';
ROLLBACK;
SELECT 'after rollback';
EOF
)
    want=$'3\na!,b!,d\nERROR:  division by zero\nERROR:  current transaction is aborted, commands ignored until end of transaction block\nafter rollback'
    if [ "$out" = "$want" ]; then pass; else fail "psql transactions: [$out]"; fi

    # an error of a cursor statement aborts the block, as any error does
    out=$("${PSQL[@]}" -v ON_ERROR_STOP=0 2>&1 <<'EOF'
BEGIN;
FETCH 1 FROM nosuch_cursor;
SELECT 'not reached';
ROLLBACK;
BEGIN;
DECLARE dup_c CURSOR FOR SELECT 1;
DECLARE dup_c CURSOR FOR SELECT 2;
SELECT 'not reached';
ROLLBACK;
SELECT 'after';
EOF
)
    want=$'ERROR:  cursor "nosuch_cursor" does not exist\nERROR:  current transaction is aborted, commands ignored until end of transaction block\nERROR:  cursor "dup_c" already exists\nERROR:  current transaction is aborted, commands ignored until end of transaction block\nafter'
    if [ "$out" = "$want" ]; then pass; else fail "psql cursor errors abort the block: [$out]"; fi

    # \copy both ways, text and CSV
    printf '10\tten\n11\t\\N\n12\ttwelve\n' >"$TMP/in.tsv"
    printf 'id,v\n20,"x,y"\n21,\n' >"$TMP/in.csv"
    expect "copy from" $'14|x,y' -c "\\copy t2 from '$TMP/in.tsv'" -c "\\copy t2 from '$TMP/in.csv' with (format csv, header)" \
        -c "SELECT count(*) + 6, max(v) FILTER (WHERE id = 20) FROM t2"
    "${PSQL[@]}" -c "\\copy (SELECT * FROM t2 WHERE id >= 10 ORDER BY id) to '$TMP/out.csv' with (format csv)" || fail "psql copy to"
    want=$'10,ten\n11,\n12,twelve\n20,"x,y"\n21,'
    if [ "$(cat "$TMP/out.csv" 2>/dev/null)" = "$want" ]; then pass; else fail "psql \\copy to: [$(cat "$TMP/out.csv" 2>/dev/null)]"; fi
    expect "copy inline" "2" -c "CREATE TABLE c3 (a int)" -f - <<'EOF'
COPY c3 FROM STDIN;
1
2
\.
SELECT count(*) FROM c3;
EOF
    expect "copy to stdout" $'1\n2' -c "COPY c3 TO STDOUT"
    # the old option syntax (WITH CSV HEADER …) in both directions
    expect "copy old syntax out" $'x,y\n"1","a,b"' -c "COPY (SELECT 1 AS x, 'a,b' AS y) TO STDOUT WITH CSV HEADER FORCE QUOTE *"
    expect "copy old syntax in" $'3|5|x' -c "CREATE TABLE c4 (a int, b text)" -f - -c "SELECT count(*), sum(a), max(b) FROM c4" <<'EOF'
COPY c4 FROM STDIN WITH CSV HEADER DELIMITER ';' QUOTE '"';
a;b
1;x
2;"q;r"
2;
\.
EOF

    # NoticeResponse: shown by psql on stderr, as PostgreSQL words it
    out=$(psql -X -q -c "DROP TABLE IF EXISTS nosuch_t, nosuch_s.x" -c "CREATE TABLE IF NOT EXISTS t2 (id int)" 2>&1)
    want=$'NOTICE:  table "nosuch_t" does not exist, skipping\nNOTICE:  schema "nosuch_s" does not exist, skipping\nNOTICE:  relation "t2" already exists, skipping'
    if [ "$out" = "$want" ]; then pass; else fail "psql notices: [$out]"; fi

    # client_min_messages filters NoticeResponse as PostgreSQL does (SET, PGOPTIONS, RESET)
    out=$(psql -X -q -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS nosuch_t" -c "DROP ROLE IF EXISTS nosuch_r" \
        -c "SHOW client_min_messages" -c "RESET client_min_messages" -c "DROP TABLE IF EXISTS nosuch_t2" -At 2>&1)
    want=$'warning\nNOTICE:  table "nosuch_t2" does not exist, skipping'
    if [ "$out" = "$want" ]; then pass; else fail "client_min_messages: [$out]"; fi
    out=$(PGOPTIONS="-c client_min_messages=error" psql -X -q -At -c "DROP VIEW IF EXISTS nosuch_v" -c "SHOW client_min_messages" 2>&1)
    if [ "$out" = "error" ]; then pass; else fail "client_min_messages from PGOPTIONS: [$out]"; fi
    expect_error "client_min_messages value" 22023 "SET client_min_messages = loud"

    # current_user / session_user are the login user; SET SESSION AUTHORIZATION and RESET
    expect "current_database" 'testdb|testdb|testdb|1' -c "SELECT current_database(), current_catalog, catalog_name, (SELECT count(*) FROM pg_database)
        FROM information_schema.schemata WHERE schema_name = 'public'"
    expect "current_user" $'tester|tester|tester\nother\ntester' -c "SELECT current_user, session_user, current_setting('session_authorization')" \
        -c "SET SESSION AUTHORIZATION other" -c "SELECT current_user" -c "RESET SESSION AUTHORIZATION" -c "SELECT user"

    # one PostgreSQL version wherever a client looks
    expect "server version" '15.8 (MegaDB 0.1.0)|150008|t' \
        -c "SELECT current_setting('server_version'), current_setting('server_version_num'), version() LIKE 'PostgreSQL ' || current_setting('server_version') || ' on %'"
    out=$(psql -X -At -c "SHOW server_version" 2>&1)
    if [ "$out" = "15.8 (MegaDB 0.1.0)" ]; then pass; else fail "SHOW server_version: [$out]"; fi

    # float output: shortest round-trip digits (extra_float_digits 1), the digits asked for otherwise
    expect "float8 tiny literal" '-2.25e-300|2.25e-300|1e-40|1.2345678901234569e-20|1e-310' \
        -c "SELECT -2.25e-300::float8, 2.25e-300::float8, 1e-40::float4, 1.234567890123456789e-20::float8, 1e-310::float8"
    expect "float text" '0.1|0.1|0.3333333333333333|0.33333334|1e+20|3.4028235e+38|NaN|-Infinity|-0|1.2345678901234568e+17' \
        -c "SELECT 0.1::float8, 0.1::float4, 1/3::float8, (1/3.0)::float4, 100000000000000000000::float8, 3.4028235e38::float4, 'NaN'::float8, '-Infinity'::float4, '-0'::float8, 123456789012345678::float8"
    expect "extra_float_digits 0" '3.14159265358979|3.30000007152557|0.333333' -c "SET extra_float_digits = 0" -c "SELECT pi(), 1.1::float4 * 3, (1/3.0)::float4"
    expect "extra_float_digits -3" '3.14159265359|1.23e+05' -c "SET extra_float_digits = -3" -c "SELECT pi(), 123456::float4"
    expect "extra_float_digits 3" '0.1|3.3000000715255737' -c "SET extra_float_digits = 3" -c "SELECT 0.1::float8, 1.1::float4 * 3"

    # roles: CREATE/ALTER/DROP ROLE kept as SCRAM verifiers in the users file
    out=$("${PSQL[@]}" -c "CREATE ROLE app_r LOGIN PASSWORD 'it''s s3cret'" -c "CREATE USER app_u" -c "CREATE ROLE app_n NOLOGIN PASSWORD 'pw'" 2>&1)
    [ -z "$out" ] || fail "create roles: [$out]"
    expect_error "duplicate role" 42710 "CREATE ROLE app_r"
    expect_error "alter missing role" 42704 "ALTER ROLE no_such_role PASSWORD 'x'"
    expect_error "drop current user" 55006 "DROP ROLE $USER_NAME"
    out=$(PGUSER=app_r PGPASSWORD="it's s3cret" psql -X -Atc "SELECT 'app_r in'" 2>&1)
    if [ "$out" = "app_r in" ]; then pass; else fail "login of a created role: [$out]"; fi
    out=$(PGUSER=app_n PGPASSWORD=pw psql -X -Atc "SELECT 1" 2>&1)
    if printf '%s' "$out" | grep -q 'role "app_n" is not permitted to log in'; then pass; else fail "NOLOGIN role: [$out]"; fi
    out=$(PGUSER=app_u PGPASSWORD=x psql -X -Atc "SELECT 1" 2>&1)
    if printf '%s' "$out" | grep -q 'password authentication failed for user "app_u"'; then pass; else fail "role without password: [$out]"; fi
    if grep -q "s3cret" "$TMP/db/server_users"; then fail "users file holds a role's password"; else pass; fi
    if grep -q "^user	app_r	SCRAM-SHA-256\$4096:" "$TMP/db/server_users" && grep -q "^role	app_n	SCRAM-SHA-256\$4096:.*	NOLOGIN$" "$TMP/db/server_users"; then pass; else fail "users file roles: $(cut -f1,2 "$TMP/db/server_users" | tr '\n' ' ')"; fi
    "${PSQL[@]}" -c "ALTER ROLE app_r WITH PASSWORD 'n3w'" || fail "alter role password"
    out=$(PGUSER=app_r PGPASSWORD="it's s3cret" psql -X -Atc "SELECT 1" 2>&1)
    if printf '%s' "$out" | grep -q "password authentication failed"; then pass; else fail "old password after ALTER ROLE: [$out]"; fi
    out=$(PGUSER=app_r PGPASSWORD=n3w psql -X -Atc "SELECT 'new password'" 2>&1)
    if [ "$out" = "new password" ]; then pass; else fail "new password after ALTER ROLE: [$out]"; fi
    out=$(psql -X -q -c "DROP ROLE app_u, app_n" -c "DROP ROLE IF EXISTS app_u" 2>&1)
    if [ "$out" = 'NOTICE:  role "app_u" does not exist, skipping' ]; then pass; else fail "drop roles: [$out]"; fi
    out=$(PGUSER=app_n PGPASSWORD=pw psql -X -Atc "SELECT 1" 2>&1)
    if printf '%s' "$out" | grep -q 'password authentication failed for user "app_n"'; then pass; else fail "dropped role: [$out]"; fi

    # psql's catalog commands (\l \dt \di \dn \dv \df) list the right objects
    "${PSQL[@]}" -c "CREATE SCHEMA cat_s" -c "CREATE TABLE cat_t (id int PRIMARY KEY, name varchar(20) DEFAULT 'x' NOT NULL, price numeric(10,2))" \
        -c "CREATE INDEX cat_t_name ON cat_t (name)" -c "CREATE VIEW cat_v AS SELECT id, name FROM cat_t" -c "CREATE TABLE cat_s.inner_t (x int UNIQUE)" || fail "psql catalog setup"
    has_lines() { # NAME COMMAND LINE... : every LINE is in psql -At output of COMMAND
        local name=$1 cmd=$2 out rc
        shift 2
        out=$(psql -X -A -t -c "$cmd" 2>&1)
        rc=$?
        [ $rc -eq 0 ] || { fail "psql $name: rc $rc [$out]"; return; }
        for l in "$@"; do
            printf '%s\n' "$out" | grep -qxF -- "$l" || { fail "psql $name: no line [$l] in [$out]"; return; }
        done
        pass
    }
    lacks_line() { # NAME COMMAND PATTERN : no output line matches PATTERN
        local out
        out=$(psql -X -A -t -c "$2" 2>&1)
        if printf '%s\n' "$out" | grep -q -- "$3"; then fail "psql $1: unexpected [$3] in [$out]"; else pass; fi
    }
    has_lines '\l' '\l' 'testdb|megadb|UTF8|C.UTF-8|C.UTF-8||libc|'
    has_lines '\dt' '\dt' 'public|cat_t|table|megadb' 'public|t2|table|megadb'
    lacks_line '\dt without views and other schemas' '\dt' 'cat_v\|inner_t\|pg_class'
    has_lines '\dt SCHEMA.*' '\dt cat_s.*' 'cat_s|inner_t|table|megadb'
    has_lines '\di' '\di' 'public|cat_t_name|index|megadb|cat_t' 'public|cat_t_pkey|index|megadb|cat_t'
    has_lines '\di SCHEMA.*' '\di cat_s.*' 'cat_s|inner_t_x_key|index|megadb|inner_t'
    has_lines '\dn' '\dn' 'cat_s|megadb' 'public|megadb'
    lacks_line '\dn without system schemas' '\dn' 'pg_catalog\|information_schema'
    has_lines '\dv' '\dv' 'public|cat_v|view|megadb'
    has_lines '\d' '\d' 'public|cat_t|table|megadb' 'public|cat_v|view|megadb'
    # \d NAME and \d+ NAME: columns with types, nullability and defaults, then indexes and constraints
    has_lines '\d TABLE' '\d cat_t' 'id|integer||not null|' "name|character varying(20)||not null|'x'" 'price|numeric(10,2)|||'
    has_lines '\d+ TABLE' '\d+ cat_t' 'id|integer||not null||plain|||' 'price|numeric(10,2)||||main|||'
    out=$(psql -X -c '\d cat_t' 2>&1)
    ok=1
    for l in 'Table "public.cat_t"' 'Indexes:' '    "cat_t_pkey" PRIMARY KEY, btree (id)' '    "cat_t_name" btree (name)'; do
        printf '%s\n' "$out" | grep -qF -- "$l" || { fail "psql \\d cat_t: no line [$l] in [$out]"; ok=0; break; }
    done
    [ $ok = 1 ] && pass
    out=$(psql -X -c "CREATE TABLE cat_s.chk (v int CHECK (v > 0), w int UNIQUE)" -c '\d cat_s.chk' 2>&1)
    ok=1
    for l in 'Table "cat_s.chk"' '    "chk_w_key" UNIQUE CONSTRAINT, btree (w)' 'Check constraints:' '    "chk_v_check" CHECK (v > 0)'; do
        printf '%s\n' "$out" | grep -qF -- "$l" || { fail "psql \\d cat_s.chk: no line [$l] in [$out]"; ok=0; break; }
    done
    [ $ok = 1 ] && pass
    has_lines '\d VIEW' '\d cat_v' 'id|integer|||' 'name|character varying(20)|||'
    out=$(psql -X -c '\d no_such_rel' 2>&1)
    if [ "$out" = 'Did not find any relation named "no_such_rel".' ]; then pass; else fail "psql \\d of a missing relation: [$out]"; fi
    expect "arrays in catalog queries" '{cat_t,cat_t_name,cat_t_pkey}|t|f|pg_catalog|2' \
        -c "SELECT ARRAY(SELECT relname FROM pg_class WHERE relname LIKE 'cat_t%' ORDER BY 1), 'b' = ANY('{a,b}'::text[]), '{1}'::text[] = '{2}', (current_schemas(true))[1], array_upper('{4,5}'::int[], 1)"
    out=$(psql -X -A -t -c '\df' 2>&1)
    if [ $? -eq 0 ] && [ -z "$out" ]; then pass; else fail "psql \\df (no user-defined functions): [$out]"; fi
    # the catalog functions behind \d NAME
    expect "format_type" 'id|integer|t|' -c "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid, true)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relname = 'cat_t' AND a.attnum = 1"
    expect "format_type typmods" "character varying(20)|'x'"$'\n'"numeric(10,2)|" -c "SELECT format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relname = 'cat_t' AND a.attnum > 1 ORDER BY a.attnum"
    expect "pg_get_indexdef/constraintdef" "cat_t_name|f|f|CREATE INDEX cat_t_name ON public.cat_t USING btree (name)|"$'\n'"cat_t_pkey|t|t|CREATE UNIQUE INDEX cat_t_pkey ON public.cat_t USING btree (id)|PRIMARY KEY (id)" \
        -c "SELECT c2.relname, i.indisprimary, i.indisunique, pg_get_indexdef(i.indexrelid, 0, true), pg_get_constraintdef(con.oid, true)
        FROM pg_class c, pg_class c2, pg_index i LEFT JOIN pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
        WHERE c.relname = 'cat_t' AND c.oid = i.indrelid AND i.indexrelid = c2.oid ORDER BY i.indisprimary, c2.relname"
    expect "pg_table_is_visible" 'cat_t|t'$'\n''inner_t|f' -c "SELECT relname, pg_table_is_visible(oid) FROM pg_class WHERE relname IN ('cat_t', 'inner_t') ORDER BY 1"

    # authentication and database errors
    out=$(PGPASSWORD=wrong psql -X -Atc "SELECT 1" 2>&1)
    rc=$?
    if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q 'password authentication failed for user "tester"'; then pass; else fail "psql wrong password: rc $rc [$out]"; fi
    out=$(psql -X -d otherdb -Atc "SELECT 1" 2>&1)
    rc=$?
    if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q 'database "otherdb" does not exist'; then pass; else fail "psql wrong database: rc $rc [$out]"; fi
    out=$(psql -X -Atc "SELECT 1" "sslmode=require" 2>&1)
    if [ $? -eq 2 ] && printf '%s' "$out" | grep -qi 'server does not support SSL'; then pass; else fail "psql sslmode=require without TLS: [$out]"; fi
else
    echo "SKIP: psql not installed (Debian package postgresql-client-15)"
fi

# ---- raw protocol --------------------------------------------------------------------------------------
echo "== protocol messages (test_protocol.py)"
if python3 "$HERE/test_protocol.py" 127.0.0.1 "$PORT" "$USER_NAME" "$PASSWORD" "$DBNAME"; then pass; else fail "test_protocol.py"; fi

# ---- psycopg2 --------------------------------------------------------------------------------------------
PY=""
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import psycopg2' 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
    echo "== psycopg2 ($($PY -c 'import psycopg2; print(psycopg2.__version__)'))"
    if "$PY" "$HERE/test_psycopg2.py" "host=127.0.0.1 port=$PORT user=$USER_NAME password='$PASSWORD' dbname=$DBNAME"; then pass; else fail "test_psycopg2.py"; fi
else
    echo "SKIP: psycopg2 not installed (Debian package python3-psycopg2)"
fi

# ---- node-postgres ---------------------------------------------------------------------------------------
if command -v node >/dev/null 2>&1; then
    if [ ! -d "$HERE/node_modules/pg" ] && command -v npm >/dev/null 2>&1; then
        (cd "$HERE" && npm install --no-audit --no-fund >/dev/null 2>&1)
    fi
    if [ -d "$HERE/node_modules/pg" ]; then
        echo "== node-postgres (test_node_pg.js)"
        if node "$HERE/test_node_pg.js"; then pass; else fail "test_node_pg.js"; fi
    else
        echo "SKIP: node-postgres not installed (npm install in test/clients failed)"
    fi
else
    echo "SKIP: node-postgres (node not installed)"
fi

# ---- JDBC ------------------------------------------------------------------------------------------------
JDBC_JAR=/usr/share/java/postgresql.jar
if command -v java >/dev/null 2>&1 && [ -f "$JDBC_JAR" ]; then
    echo "== JDBC (TestJdbc.java, $(basename "$(readlink -f "$JDBC_JAR")"))"
    if java -cp "$JDBC_JAR" "$HERE/TestJdbc.java" "jdbc:postgresql://127.0.0.1:$PORT/$DBNAME" "$USER_NAME" "$PASSWORD"; then pass; else fail "TestJdbc.java"; fi
else
    echo "SKIP: JDBC (Debian packages openjdk-17-jdk-headless and libpostgresql-jdbc-java)"
fi

# ---- pgbench ---------------------------------------------------------------------------------------------
echo "== pgbench (test_pgbench.sh)"
if bash "$HERE/test_pgbench.sh"; then pass; else fail "test_pgbench.sh"; fi

# ---- stop, restart with the stored verifier ----------------------------------------------------------------
echo "== stop and restart"
stop_server
rc=$?
if [ $rc -eq 0 ] && grep -q "database system is shut down" "$TMP/server.log"; then pass; else fail "SIGTERM: exit $rc"; tail -5 "$TMP/server.log"; fi
PORT2=$(free_port)
start_server "$TMP/server2.log" --data "$TMP/db" --port "$PORT2"
if wait_port "$PORT2"; then pass; else fail "restart"; fi
if command -v psql >/dev/null 2>&1; then
    # the stored verifier still admits the user; the catalog survived (table contents depend on the tier)
    out=$(psql -X -p "$PORT2" -Atc "SELECT count(*) >= 0 FROM t2" 2>&1)
    if [ "$out" = "t" ]; then pass; else fail "after restart, same password and table: [$out]"; fi
    out=$(PGUSER=app_r PGPASSWORD=n3w psql -X -p "$PORT2" -Atc "SELECT 'role kept'" 2>&1)
    if [ "$out" = "role kept" ]; then pass; else fail "a created role after restart: [$out]"; fi
fi
stop_server

# no users and --auth scram: refuses to start
"$MEGADB" serve --data "$TMP/empty" --port "$(free_port)" 2>"$TMP/nouser.log" &
pid=$!
# it must exit by itself (creating the empty data directory takes a moment
# on a loaded machine: wait up to 15 s, not a fixed second)
for _ in $(seq 150); do
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
if ! kill -0 $pid 2>/dev/null; then
    wait $pid
    rc=$?
    if [ $rc -eq 2 ] && grep -q "MEGADB_USER" "$TMP/nouser.log"; then pass; else fail "start without users: rc $rc"; fi
else
    kill $pid
    fail "server started without users under --auth scram"
fi

# trust mode: any user, any database (none configured)
PORT3=$(free_port)
start_server "$TMP/server3.log" --data "$TMP/trustdb" --port "$PORT3" --auth trust
wait_port "$PORT3"
if command -v psql >/dev/null 2>&1; then
    out=$(PGPASSWORD= psql -X -p "$PORT3" -U someone -d anything -Atc "SELECT 41 + 1" 2>&1)
    if [ "$out" = "42" ]; then pass; else fail "trust mode: [$out]"; fi
fi
# SIGINT stops it too
kill -INT "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
SERVER_PID=""
if [ $rc -eq 0 ]; then pass; else fail "SIGINT: exit $rc"; fi

# connection floods: --max-connections (53300 beyond it), --authentication-timeout (silent
# or trickling sockets are dropped), garbage startup packets
echo "== connection limits (test_limits.py)"
PORT5=$(free_port)
start_server "$TMP/server5.log" --data "$TMP/limitsdb" --port "$PORT5" --auth trust --max-connections 40 --authentication-timeout 2
if wait_port "$PORT5" && python3 "$HERE/test_limits.py" 127.0.0.1 "$PORT5"; then pass; else fail "test_limits.py"; fi
if grep -q "authentication timeout" "$TMP/server5.log" && grep -q "too many connections" "$TMP/server5.log"; then pass; else fail "limits not logged"; fi
stop_server

# TLS with a self-signed certificate
if command -v openssl >/dev/null 2>&1 && command -v psql >/dev/null 2>&1; then
    echo "== TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 -subj "/CN=localhost" >/dev/null 2>&1
    PORT4=$(free_port)
    start_server "$TMP/server4.log" --data "$TMP/db" --port "$PORT4" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
    wait_port "$PORT4"
    out=$(psql -X -p "$PORT4" -Atc "SELECT 'over tls'" "sslmode=require" 2>&1)
    if [ "$out" = "over tls" ] && grep -q "SSL enabled" "$TMP/server4.log"; then pass; else fail "TLS: [$out]"; fi
    out=$(psql -X -p "$PORT4" -Atc "SELECT 'plain'" "sslmode=disable" 2>&1)
    if [ "$out" = "plain" ]; then pass; else fail "TLS server, plain client: [$out]"; fi
    stop_server
else
    echo "SKIP: TLS (openssl or psql missing)"
fi

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
