#!/usr/bin/env python3
"""test/fuzz/make_pgwire_corpus.py — writes the seed inputs of the pgwire fuzz
target (test/fuzz/fuzz_pgwire.c) into a directory (default
test/fuzz/corpus_pgwire/, where they join the fuzzed corpus): real client byte streams, as psql, an
extended-protocol driver (libpq/pgjdbc style), COPY and a SCRAM login send
them.  Each file is one mode byte (see fuzz_pgwire.c: bits 0-1 auth/startup
mode, bits 2-3 read size) followed by the client's bytes, named by SHA-1.

The kept corpus test/fuzz/corpus_pgwire/ is these seeds after fuzzing and
`-merge=1` minimisation (test/fuzz/README.md).

Usage: make_pgwire_corpus.py [OUT_DIR]
"""
import hashlib
import os
import struct
import sys

TRUST_RAW, SCRAM_RAW, SCRAM_LOGIN, TRUST_LOGIN = 0, 1, 2, 3
READ_ALL, READ_1, READ_7, READ_64 = 0, 4, 8, 12


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return (s.encode() if isinstance(s, str) else s) + b"\0"


def startup(**params):
    body = struct.pack("!I", 196608)
    for k, v in params.items():
        body += cstr(k) + cstr(v)
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def special(code, extra=b""):
    return struct.pack("!II", 8 + len(extra), code) + extra


def query(sql):
    return msg(b"Q", cstr(sql))


def parse(name, sql, oids=()):
    return msg(b"P", cstr(name) + cstr(sql) + struct.pack("!h", len(oids)) + b"".join(struct.pack("!I", o) for o in oids))


def bind(portal, stmt, params=(), pfmts=(), rfmts=()):
    body = cstr(portal) + cstr(stmt) + struct.pack("!h", len(pfmts)) + b"".join(struct.pack("!h", f) for f in pfmts)
    body += struct.pack("!h", len(params))
    for p in params:
        if p is None:
            body += struct.pack("!i", -1)
        else:
            p = p.encode() if isinstance(p, str) else p
            body += struct.pack("!i", len(p)) + p
    body += struct.pack("!h", len(rfmts)) + b"".join(struct.pack("!h", f) for f in rfmts)
    return msg(b"B", body)


def describe(kind, name):
    return msg(b"D", kind + cstr(name))


def execute(portal, limit=0):
    return msg(b"E", cstr(portal) + struct.pack("!i", limit))


def close(kind, name):
    return msg(b"C", kind + cstr(name))


SYNC, FLUSH, TERMINATE, COPY_DONE = msg(b"S"), msg(b"H"), msg(b"X"), msg(b"c")


def copy_data(b):
    return msg(b"d", b)


PSQL_START = startup(user="fuzz", database="fuzz", application_name="psql", client_encoding="UTF8")

SEEDS = []


def seed(mode, stream):
    SEEDS.append(bytes([mode]) + stream)


# psql-like session (raw trust stream: the startup packet is the input's)
seed(TRUST_RAW, PSQL_START + query("SELECT 1") +
     query("CREATE TABLE t(a int primary key, b text, c numeric(10,2))") +
     query("INSERT INTO t VALUES (1, 'one', 1.5), (2, NULL, -2)") +
     query("SELECT * FROM t ORDER BY a") +
     query("SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname = 't'") +
     query("") + query("SELEC oops") + TERMINATE)
seed(TRUST_RAW | READ_7, PSQL_START + query("SELECT 1; SELECT 2") + TERMINATE)
# SSLRequest / GSSENCRequest before the startup (bytes read one at a time, so nothing is queued behind them)
seed(TRUST_RAW | READ_1, special(80877103) + PSQL_START + query("SHOW server_version") + TERMINATE)
seed(TRUST_RAW | READ_1, special(80877104) + special(80877103) + PSQL_START + query("SELECT 2") + TERMINATE)
# SSLRequest with the startup in the same read: refused
seed(TRUST_RAW, special(80877103) + PSQL_START)
# CancelRequest
seed(TRUST_RAW, special(80877102, struct.pack("!II", 1234, 5678)))
# startup options
seed(TRUST_RAW, startup(user="fuzz", options="-c statement_timeout=1000 --DateStyle=ISO", TimeZone="UTC",
                        extra_float_digits="3") + query("SHOW TimeZone") + TERMINATE)
seed(TRUST_RAW, startup(user="fuzz", database="other", replication="false", _pq_x="1") + TERMINATE)

# extended protocol (as libpq's PQexecParams / pgjdbc send it)
seed(TRUST_LOGIN, parse("", "SELECT $1::int + 1, $2::text", (23, 25)) + bind("", "", ("41", "x")) +
     describe(b"P", "") + execute("") + SYNC + TERMINATE)
seed(TRUST_LOGIN, query("CREATE TABLE e(i int, t text, f float8, b bool, d date)") +
     parse("s1", "INSERT INTO e VALUES ($1, $2, $3, $4, $5) RETURNING i", (23, 25, 701, 16, 1082)) +
     describe(b"S", "s1") + SYNC +
     bind("p1", "s1", (struct.pack("!i", 7), "seven", struct.pack("!d", 2.5), b"\x01", "2024-02-29"),
          (1, 0, 1, 1, 0), (1,)) + execute("p1") + close(b"P", "p1") + SYNC +
     parse("s2", "SELECT i, t, f, b, d FROM e WHERE i > $1", (20,)) + bind("p2", "s2", ("0",), (), (1, 0, 1, 1, 1)) +
     execute("p2", 1) + execute("p2", 1) + FLUSH + close(b"S", "s2") + SYNC + TERMINATE)
# an error in the middle of a batch: messages up to Sync are skipped
seed(TRUST_LOGIN, parse("", "SELECT 1/0") + bind("", "") + execute("") + parse("", "SELECT 2") + bind("", "") +
     execute("") + SYNC + query("SELECT 3") + TERMINATE)
# NULL and binary parameters of many types, unknown-type parameters, result formats
seed(TRUST_LOGIN, parse("q", "SELECT $1, $2, $3, $4, $5, $6", (0, 1700, 17, 2950, 1114, 114)) +
     bind("", "q", (None, "12.50", b"\xde\xad", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "2024-01-01 12:00:00",
                    '{"a":1}')) + describe(b"S", "q") + describe(b"P", "") + execute("") + SYNC + TERMINATE)
# out of order: Bind/Execute/Describe of missing statements and portals, Close of unknown names
seed(TRUST_LOGIN, bind("", "nope") + execute("nope") + SYNC + describe(b"S", "nope") + SYNC + describe(b"P", "x") +
     SYNC + close(b"S", "nope") + close(b"P", "nope") + SYNC + execute("") + SYNC + TERMINATE)
# transactions, cursors, settings, notices
seed(TRUST_LOGIN, query("BEGIN") + query("CREATE TABLE c(x int)") + query("INSERT INTO c SELECT * FROM generate_series(1, 20)") +
     query("DECLARE cur CURSOR FOR SELECT x FROM c ORDER BY x") + query("FETCH 5 FROM cur") + query("MOVE 3 IN cur") +
     query("FETCH ALL FROM cur") + query("CLOSE cur") + query("SELECT 1/0") + query("SELECT 1") + query("ROLLBACK") +
     query("SAVEPOINT s") + query("SET DateStyle = 'ISO, DMY'") + query("SHOW DateStyle") +
     query("DROP TABLE IF EXISTS nothing") + TERMINATE)
# cursors through the extended protocol: DECLARE with a parameter, Describe of FETCH, FETCH with a row
# limit in binary, MOVE, CLOSE; a DECLARE outside a block; client_min_messages
seed(TRUST_LOGIN, query("CREATE TABLE k(x int)") + query("INSERT INTO k SELECT * FROM generate_series(1, 9)") +
     parse("", "DECLARE k0 CURSOR FOR SELECT x FROM k") + bind("", "") + execute("") + SYNC + query("BEGIN") +
     parse("d", "DECLARE k1 CURSOR WITH HOLD FOR SELECT x, x::text FROM k WHERE x > $1", (23,)) + bind("", "d", ("2",)) +
     execute("") + parse("f", "FETCH FORWARD 4 FROM k1") + describe(b"S", "f") + bind("fp", "f", (), (), (1, 0)) +
     describe(b"P", "fp") + execute("fp", 1) + execute("fp", 2) + execute("fp") + SYNC +
     parse("", "MOVE 1 IN k1") + bind("", "") + execute("") + parse("", "CLOSE k1") + bind("", "") + execute("") + SYNC +
     query("COMMIT") + query("SET client_min_messages = warning") + query("DROP TABLE IF EXISTS nothing") + TERMINATE)
# binary arrays both ways
seed(TRUST_LOGIN, parse("", "SELECT $1::int4[], $2::text[]", (1007, 1009)) +
     bind("", "", (struct.pack("!iiIiiii", 1, 1, 23, 2, 1, 4, 7) + struct.pack("!i", -1),
                   struct.pack("!iiIiii", 1, 0, 25, 1, 1, 3) + b"a b"), (1, 1), (1,)) + execute("") + SYNC +
     parse("", "SELECT ARRAY[1.5, NULL]::float8[], '{}'::int4[]") + bind("", "", (), (), (1,)) + execute("") + SYNC + TERMINATE)

# COPY in (split CopyData), COPY with CopyFail, COPY out, CSV
seed(TRUST_LOGIN, query("CREATE TABLE cp(a int, b text)") + query("COPY cp FROM STDIN") + copy_data(b"1\tone\n2\t") +
     copy_data(b"two\n3\t\\N\n") + COPY_DONE + query("COPY cp TO STDOUT") +
     query("COPY cp FROM STDIN") + copy_data(b"4\tfour\n") + msg(b"f", cstr("client gave up")) +
     query("COPY cp FROM STDIN WITH (FORMAT csv)") + copy_data(b'5,"fi,ve"\n') + COPY_DONE +
     query("COPY (SELECT * FROM cp ORDER BY a) TO STDOUT WITH (FORMAT csv, HEADER)") + TERMINATE)
seed(TRUST_LOGIN | READ_64, query("CREATE TABLE cp(a int, b text)") + parse("", "COPY cp FROM STDIN") + bind("", "") +
     execute("") + copy_data(b"1\tx\n") + COPY_DONE + SYNC + query("SELECT count(*) FROM cp") + TERMINATE)
# COPY messages outside COPY, fastpath call, unknown message type
seed(TRUST_LOGIN, copy_data(b"stray") + COPY_DONE + msg(b"f", cstr("x")) + msg(b"F", struct.pack("!Ih", 1, 0)) +
     query("SELECT 1") + msg(b"~", b"junk"))
# malformed messages: bad lengths, missing NULs, negative counts
seed(TRUST_LOGIN, b"Q\x00\x00\x00\x02")
seed(TRUST_LOGIN, msg(b"Q", b"SELECT 1"))
seed(TRUST_LOGIN, msg(b"B", cstr("") + cstr("") + struct.pack("!h", -1)))
seed(TRUST_LOGIN, msg(b"P", cstr("") + cstr("SELECT $1") + struct.pack("!h", 3) + struct.pack("!I", 23)))
seed(TRUST_LOGIN, b"Q\x7f\xff\xff\xff" + b"SELECT 1")
seed(TRUST_LOGIN | READ_1, query("SELECT 'split across one-byte reads'") + TERMINATE)
# roles (CREATE/ALTER/DROP ROLE are run by the session)
seed(SCRAM_LOGIN, query("SELECT current_user") + query("CREATE ROLE r2 LOGIN PASSWORD 'pw'") +
     query("ALTER ROLE r2 NOLOGIN") + query("DROP ROLE r2") + query("DROP ROLE IF EXISTS r2") + TERMINATE)
seed(SCRAM_LOGIN | READ_7, parse("", "SELECT $1::int * 2", (23,)) + bind("", "", ("21",), (), (1,)) + execute("") + SYNC +
     TERMINATE)
# the SASL exchange from the input: mechanism, client-first, a wrong proof
first = b"n,,n=,r=abcdefghijklmnop"
seed(SCRAM_RAW, startup(user="fuzz", database="fuzz") +
     msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", len(first)) + first) +
     msg(b"p", b"c=biws,r=abcdefghijklmnopXXXXXXXXXXXXXXXXXXXXXXXX,p=" + b"A" * 43 + b"="))
seed(SCRAM_RAW, startup(user="nobody") + msg(b"p", cstr("SCRAM-SHA-256-PLUS") + struct.pack("!i", -1)))
seed(SCRAM_RAW, startup(user="fuzz", database="wrong") + query("SELECT 1"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_pgwire")
    os.makedirs(out, exist_ok=True)
    for s in SEEDS:
        with open(os.path.join(out, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
    print(f"{len(SEEDS)} seeds written to {out}")


if __name__ == "__main__":
    main()
