#!/usr/bin/env python3
"""test/clients/test_psycopg2.py — psycopg2 (libpq) against `megadb serve`:
parameters of every core type round-tripped and compared with Python values,
result type OIDs, transactions (commit, rollback, failed block), errors with
their pgcode, COPY through copy_expert (text and CSV, both directions),
cancel from another thread, and libpq's extended protocol through ctypes
(PQprepare / PQdescribePrepared / PQexecPrepared with binary results).

Usage: test_psycopg2.py DSN      Exits 1 when any check failed.
"""
import ctypes
import ctypes.util
import datetime
import decimal
import io
import sys
import threading
import time
import uuid

import psycopg2
import psycopg2.errors

DSN = sys.argv[1]
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


conn = psycopg2.connect(DSN)
cur = conn.cursor()
check(conn.server_version >= 150000, "server_version %r" % conn.server_version)

# ---- parameters of every core type -----------------------------------------------------------
values = [
    ("int2", 12, "int2", 21),
    ("int4", -2147483647, "int4", 23),
    ("int8", 9223372036854775807, "int8", 20),
    ("float4", 1.5, "float4", 700),
    ("float8", -2.25e-30, "float8", 701),
    ("float8", -2.25e-300, "float8", 701),
    ("float8", 5e-324, "float8", 701),
    ("float8", 1.7976931348623157e308, "float8", 701),
    ("float8", 0.1 + 0.2, "float8", 701),
    ("numeric", decimal.Decimal("-12345678901234567890.123456789"), "numeric", 1700),
    ("text", "héllo 'quoted' \\ back", "text", 25),
    ("varchar", "abc", "varchar(10)", 1043),
    ("bool", True, "bool", 16),
    ("bool", False, "bool", 16),
    ("date", datetime.date(1999, 12, 31), "date", 1082),
    ("time", datetime.time(23, 59, 58, 123456), "time", 1083),
    ("timestamp", datetime.datetime(2024, 2, 29, 12, 0, 1, 500000), "timestamp", 1114),
    ("interval", datetime.timedelta(days=3, hours=4, microseconds=7), "interval", 1186),
    ("bytea", b"\x00\x01\xfe\xff", "bytea", 17),
    ("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "uuid", 2950),
]
for name, v, cast, oid in values:
    cur.execute("SELECT %s::" + cast, (v,))
    got = cur.fetchone()[0]
    if isinstance(got, memoryview):
        got = bytes(got)
    check(got == v, "%s round trip: sent %r got %r" % (name, v, got))
    check(cur.description[0].type_code == oid, "%s type oid %r" % (name, cur.description[0].type_code))
cur.execute("SELECT %s::timestamptz", (datetime.datetime(2020, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc),))
got = cur.fetchone()[0]
check(got == datetime.datetime(2020, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc), "timestamptz %r" % got)
cur.execute("SELECT NULL::int, %s", (None,))
check(cur.fetchone() == (None, None), "NULLs")
cur.execute("SELECT ARRAY[1,2,3]")
check(cur.fetchone()[0] == [1, 2, 3] and cur.description[0].type_code == 1007, "int4[] array")

# ---- a table, transactions ------------------------------------------------------------------------
cur.execute("DROP TABLE IF EXISTS pg2")
cur.execute("CREATE TABLE pg2 (id int PRIMARY KEY, name text, amount numeric(12,2), seen timestamp)")
conn.commit()
cur.executemany("INSERT INTO pg2 VALUES (%s, %s, %s, %s)",
                [(i, "n%d" % i, decimal.Decimal(i) / 4, datetime.datetime(2024, 1, 1) + datetime.timedelta(hours=i)) for i in range(1, 6)])
check(cur.rowcount == 5, "executemany rowcount: the sum over the statements")
conn.commit()
cur.execute("SELECT sum(amount), count(*) FROM pg2")
check(cur.fetchone() == (decimal.Decimal("3.75"), 5), "sum after commit")
cur.execute("UPDATE pg2 SET name = upper(name) WHERE id <= 2")
check(cur.rowcount == 2 and cur.statusmessage == "UPDATE 2", "UPDATE 2: %r" % cur.statusmessage)
conn.rollback()
cur.execute("SELECT name FROM pg2 WHERE id = 1")
check(cur.fetchone()[0] == "n1", "rollback undid the update")
cur.execute("DELETE FROM pg2 WHERE id = 5")
conn.commit()
cur.execute("SELECT count(*) FROM pg2")
check(cur.fetchone()[0] == 4, "delete committed")

# errors with pgcode; the block fails until rollback
try:
    cur.execute("INSERT INTO pg2 VALUES (1, 'dup', 0, NULL)")
    check(False, "duplicate key must fail")
except psycopg2.errors.UniqueViolation as e:
    check(e.pgcode == "23505", "unique violation 23505")
try:
    cur.execute("SELECT 1")
    check(False, "statement in failed block must fail")
except psycopg2.errors.InFailedSqlTransaction as e:
    check(e.pgcode == "25P02", "25P02 in failed block")
conn.rollback()
for sql, code in [("SELECT * FROM nosuch", "42P01"), ("SELECT nosuch FROM pg2", "42703"), ("SELECT 1/0", "22012"),
                  ("SELECT 'x'::int", "22P02"), ("SELEC 1", "42601")]:
    try:
        cur.execute(sql)
        check(False, "%s must fail" % sql)
    except psycopg2.Error as e:
        check(e.pgcode == code, "%s: pgcode %r, expected %s" % (sql, e.pgcode, code))
    conn.rollback()
try:
    cur.execute("SELECT * FROM nosuch")
except psycopg2.Error as e:
    check(e.diag.statement_position == "15", "error position %r" % e.diag.statement_position)
conn.rollback()

# autocommit and several statements in one execute
conn.autocommit = True
cur.execute("CREATE TABLE IF NOT EXISTS multi (a int); INSERT INTO multi VALUES (1); INSERT INTO multi VALUES (2); SELECT count(*) FROM multi")
check(cur.fetchone()[0] >= 2, "multi-statement execute returns the last result")
cur.execute("DROP TABLE multi")

# ---- COPY ---------------------------------------------------------------------------------------------
cur.execute("DROP TABLE IF EXISTS cp")
cur.execute("CREATE TABLE cp (a int, b text, c date)")
cur.copy_expert("COPY cp FROM STDIN", io.StringIO("1\tone\t2020-01-01\n2\t\\N\t2020-01-02\n3\ttab\\there\t\\N\n"))
check(cur.rowcount == 3, "COPY FROM STDIN rowcount %r" % cur.rowcount)
cur.copy_expert("COPY cp FROM STDIN WITH (FORMAT csv, HEADER)", io.StringIO("a,b,c\n4,\"x,y\",2021-02-03\n5,\"multi\nline\",\n"))
out = io.StringIO()
cur.copy_expert("COPY (SELECT * FROM cp ORDER BY a) TO STDOUT WITH (FORMAT csv)", out)
check(out.getvalue() == '1,one,2020-01-01\n2,,2020-01-02\n3,tab\there,\n4,"x,y",2021-02-03\n5,"multi\nline",\n',
      "COPY TO STDOUT csv: %r" % out.getvalue())
out = io.StringIO()
cur.copy_expert("COPY cp (a, b) TO STDOUT", out)
check(sorted(out.getvalue().splitlines())[:3] == ["1\tone", "2\t\\N", "3\ttab\\there"], "COPY TO STDOUT text: %r" % out.getvalue())
try:
    cur.copy_expert("COPY cp FROM STDIN", io.StringIO("1\tx\tnot-a-date\n"))
    check(False, "bad COPY data must fail")
except psycopg2.Error as e:
    check(e.pgcode == "22007", "bad date in COPY: %r %s" % (e.pgcode, e))
cur.execute("SELECT count(*) FROM cp")
check(cur.fetchone()[0] == 5, "failed COPY added nothing")
big = "".join("%d\tv%d\t2020-01-01\n" % (i, i) for i in range(10, 50010))
cur.copy_expert("COPY cp FROM STDIN", io.StringIO(big), size=7777)
cur.execute("SELECT count(*), sum(a) FROM cp")
check(cur.fetchone() == (50005, sum(range(10, 50010)) + 15), "50000 rows through COPY in odd-sized pieces")

# ---- cancel -----------------------------------------------------------------------------------------------
conn.autocommit = False


def cancel_later():
    time.sleep(0.4)
    conn.cancel()


th = threading.Thread(target=cancel_later)
th.start()
t0 = time.time()
try:
    cur.execute("SELECT pg_sleep(20)")
    check(False, "cancelled query must fail")
except psycopg2.errors.QueryCanceled as e:
    check(e.pgcode == "57014", "cancel 57014")
th.join()
check(time.time() - t0 < 10, "cancel was prompt")
conn.rollback()
cur.execute("SELECT 1")
check(cur.fetchone() == (1,), "connection usable after cancel")
conn.close()

# ---- libpq's extended protocol through ctypes ----------------------------------------------------------------
path = ctypes.util.find_library("pq")
if not path:
    print("libpq not found: extended-protocol part skipped")
else:
    pq = ctypes.CDLL(path)
    pq.PQconnectdb.restype = ctypes.c_void_p
    pq.PQconnectdb.argtypes = [ctypes.c_char_p]
    pq.PQstatus.argtypes = [ctypes.c_void_p]
    pq.PQprepare.restype = ctypes.c_void_p
    pq.PQprepare.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_uint)]
    pq.PQdescribePrepared.restype = ctypes.c_void_p
    pq.PQdescribePrepared.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    pq.PQexecPrepared.restype = ctypes.c_void_p
    pq.PQexecPrepared.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p),
                                  ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    pq.PQexecParams.restype = ctypes.c_void_p
    pq.PQexecParams.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_char_p),
                                ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    for f in ("PQresultStatus", "PQntuples", "PQnfields", "PQnparams", "PQgetlength", "PQgetisnull", "PQfformat"):
        getattr(pq, f).argtypes = [ctypes.c_void_p] + ([ctypes.c_int, ctypes.c_int] if f in ("PQgetlength", "PQgetisnull") else
                                                       [ctypes.c_int] if f == "PQfformat" else [])
    pq.PQparamtype.restype = ctypes.c_uint
    pq.PQparamtype.argtypes = [ctypes.c_void_p, ctypes.c_int]
    pq.PQftype.restype = ctypes.c_uint
    pq.PQftype.argtypes = [ctypes.c_void_p, ctypes.c_int]
    pq.PQgetvalue.restype = ctypes.POINTER(ctypes.c_char)
    pq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    pq.PQresultErrorField.restype = ctypes.c_char_p
    pq.PQresultErrorField.argtypes = [ctypes.c_void_p, ctypes.c_int]
    pq.PQclear.argtypes = [ctypes.c_void_p]
    pq.PQfinish.argtypes = [ctypes.c_void_p]
    PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_FATAL_ERROR = 1, 2, 7

    def val(res, r, c):
        return ctypes.string_at(pq.PQgetvalue(res, r, c), pq.PQgetlength(res, r, c))

    pc = pq.PQconnectdb(DSN.encode())
    check(pq.PQstatus(pc) == 0, "libpq connects")
    res = pq.PQprepare(pc, b"q1", b"SELECT id, name, amount FROM pg2 WHERE id > $1 AND name <> $2 ORDER BY id", 0, None)
    check(pq.PQresultStatus(res) == PGRES_COMMAND_OK, "PQprepare")
    pq.PQclear(res)
    res = pq.PQdescribePrepared(pc, b"q1")
    check(pq.PQnparams(res) == 2 and pq.PQparamtype(res, 0) == 23 and pq.PQparamtype(res, 1) == 25, "described parameter types")
    check(pq.PQnfields(res) == 3 and [pq.PQftype(res, i) for i in range(3)] == [23, 25, 1700], "described result types")
    pq.PQclear(res)
    vals = (ctypes.c_char_p * 2)(b"1", b"zzz")
    res = pq.PQexecPrepared(pc, b"q1", 2, vals, None, None, 1)  # binary results
    check(pq.PQresultStatus(res) == PGRES_TUPLES_OK and pq.PQntuples(res) == 3, "PQexecPrepared rows")
    if pq.PQntuples(res) == 3:
        check([int.from_bytes(val(res, r, 0), "big") for r in range(3)] == [2, 3, 4], "binary int4 results")
        check(val(res, 0, 1) == b"n2" and pq.PQfformat(res, 0) == 1, "binary text result")
    pq.PQclear(res)
    # binary parameters with given types
    types = (ctypes.c_uint * 2)(20, 25)
    vals = (ctypes.c_char_p * 2)((5).to_bytes(8, "big"), b"hello")
    lens = (ctypes.c_int * 2)(8, 5)
    fmts = (ctypes.c_int * 2)(1, 1)
    res = pq.PQexecParams(pc, b"SELECT $1 + 1, $2 || '!'", 2, types, vals, lens, fmts, 0)
    check(pq.PQresultStatus(res) == PGRES_TUPLES_OK and val(res, 0, 0) == b"6" and val(res, 0, 1) == b"hello!",
          "PQexecParams with binary parameters")
    pq.PQclear(res)
    res = pq.PQexecParams(pc, b"SELECT $1::int / 0", 1, None, (ctypes.c_char_p * 1)(b"7"), None, None, 0)
    check(pq.PQresultStatus(res) == PGRES_FATAL_ERROR and pq.PQresultErrorField(res, ord("C")) == b"22012", "extended-protocol error SQLSTATE")
    pq.PQclear(res)
    res = pq.PQexecParams(pc, b"SELECT 3", 0, None, None, None, None, 0)
    check(pq.PQresultStatus(res) == PGRES_TUPLES_OK and val(res, 0, 0) == b"3", "next query after the error")
    pq.PQclear(res)
    pq.PQfinish(pc)

# NoticeResponse reaches connection.notices
nconn = psycopg2.connect(DSN)
ncur = nconn.cursor()
ncur.execute("DROP TABLE IF EXISTS nosuch_pg2")
check(nconn.notices == ['NOTICE:  table "nosuch_pg2" does not exist, skipping\n'], "notices: %r" % nconn.notices)
nconn.close()

# named (server-side) cursors: DECLARE … CURSOR / FETCH FORWARD n / MOVE / CLOSE
kconn = psycopg2.connect(DSN)
kc = kconn.cursor()
kc.execute("DROP TABLE IF EXISTS pg2_big")
kc.execute("CREATE TABLE pg2_big AS SELECT i, 'row ' || i AS t FROM generate_series(1, 4500) AS g(i)")
kconn.commit()
named = kconn.cursor("big scan")
named.itersize = 1000
named.execute("SELECT i, t FROM pg2_big ORDER BY i")
rows = list(named)
check(len(rows) == 4500 and rows[0] == (1, "row 1") and rows[-1] == (4500, "row 4500") and sum(r[0] for r in rows) == 4500 * 4501 // 2,
      "named cursor iteration: %d rows" % len(rows))
named.close()
named = kconn.cursor("second")
named.execute("SELECT i FROM pg2_big WHERE i <= 20 ORDER BY i")
first = named.fetchmany(5)
named.scroll(3)  # MOVE FORWARD 3
nxt = named.fetchone()
rest = named.fetchall()
check([r[0] for r in first] == [1, 2, 3, 4, 5] and nxt == (9,) and [r[0] for r in rest] == list(range(10, 21)),
      "fetchmany/scroll/fetchone/fetchall: %r %r %r" % (first, nxt, rest))
try:
    named.scroll(-1)
    check(False, "backward scroll must fail")
except psycopg2.Error as e:
    check(e.pgcode == "0A000", "backward scroll: %r" % e.pgcode)
kconn.rollback()
held = kconn.cursor("held", withhold=True)
held.execute("SELECT i FROM pg2_big WHERE i <= 3 ORDER BY i")
kconn.commit()
check(held.fetchall() == [(1,), (2,), (3,)], "WITH HOLD cursor survives COMMIT")
held.close()
kc.execute("SELECT 1")
check(kc.fetchone() == (1,), "connection usable after the cursors")
kconn.close()

print("%d checks, %d failed" % (checks, failures))
sys.exit(1 if failures else 0)
