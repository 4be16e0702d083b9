#!/usr/bin/env python3
"""test/clients/test_protocol.py — drives `megadb serve` with hand-built
protocol messages: the extended query protocol message by message (named and
unnamed statements and portals, ParameterDescription, binary formats, Execute
with a row limit and PortalSuspended, errors skipping to Sync), every core type
and arrays in binary (bytes as PostgreSQL 15 sends them), SQL cursors through
Parse/Bind/Execute, portals that last until their transaction ends,
CancelRequest, hostile input (bad lengths, truncated bodies, unknown message
types) that must end in an 08P01 ErrorResponse and a closed connection, never a
crash, 220 concurrent connections, a slow query that holds up nobody and a
client that vanishes mid-query (its transaction's row and key are free again
long before its statement would have ended).

Usage: test_protocol.py HOST PORT USER PASSWORD DBNAME
Exits 1 when any check failed.  Only the standard library is used.
"""
import base64
import hashlib
import hmac
import os
import socket
import struct
import sys
import threading
import time

HOST, PORT, USER, PASSWORD, DBNAME = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


class Conn:
    def __init__(self, user=USER, password=PASSWORD, db=DBNAME, startup=True):
        self.s = socket.create_connection((HOST, PORT), timeout=20)
        self.buf = b""
        if startup:
            self.startup(user, password, db)

    def send(self, data):
        self.s.sendall(data)

    def read_exact(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self):
        t = self.read_exact(1)
        (n,) = struct.unpack("!I", self.read_exact(4))
        return t, self.read_exact(n - 4)

    def closed(self):
        """True when the server closed the connection (after what it sent)."""
        try:
            while True:
                self.read()
        except (EOFError, ConnectionResetError):
            return True
        except socket.timeout:
            return False

    def until_ready(self):
        """Messages up to and including ReadyForQuery: list of (type, body)."""
        out = []
        while True:
            t, b = self.read()
            out.append((t, b))
            if t == b"Z":
                return out

    def startup(self, user, password, db):
        body = struct.pack("!I", 196608) + cstr("user") + cstr(user) + cstr("database") + cstr(db) + b"\0"
        self.send(struct.pack("!I", len(body) + 4) + body)
        t, b = self.read()
        if t == b"E":
            raise RuntimeError(fields(b))
        (code,) = struct.unpack("!I", b[:4])
        if code == 10:
            scram(self, password)
        else:
            assert code == 0, code
        msgs = self.until_ready()
        self.params = {}
        for t, b in msgs:
            if t == b"S":
                k, v = b.split(b"\0")[:2]
                self.params[k.decode()] = v.decode()
            if t == b"K":
                self.pid, self.key = struct.unpack("!II", b)
            if t == b"E":
                raise RuntimeError(fields(b))


def scram(c, password):
    cnonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = "n=,r=" + cnonce
    data = ("n,," + first_bare).encode()
    c.send(msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", len(data)) + data))
    t, b = c.read()
    if t == b"E":
        raise RuntimeError(fields(b))
    assert struct.unpack("!I", b[:4])[0] == 11
    server_first = b[4:].decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    salt = base64.b64decode(attrs["s"])
    it = int(attrs["i"])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, it)
    ck = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    sk = hashlib.sha256(ck).digest()
    without = "c=biws,r=" + attrs["r"]
    auth = ",".join([first_bare, server_first, without]).encode()
    sig = hmac.new(sk, auth, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(ck, sig))
    final = without + ",p=" + base64.b64encode(proof).decode()
    c.send(msg(b"p", final.encode()))
    t, b = c.read()
    if t == b"E":
        raise RuntimeError(fields(b))
    assert struct.unpack("!I", b[:4])[0] == 12
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    expect = base64.b64encode(hmac.new(server_key, auth, hashlib.sha256).digest()).decode()
    check(b[4:].decode() == "v=" + expect, "server signature verifies")
    t, b = c.read()
    if t == b"E":
        raise RuntimeError(fields(b))
    assert t == b"R" and struct.unpack("!I", b[:4])[0] == 0


def fields(b):
    out = {}
    for f in b.split(b"\0"):
        if f:
            out[chr(f[0])] = f[1:].decode()
    return out


def parse(name, sql, oids=()):
    return msg(b"P", cstr(name) + cstr(sql) + struct.pack("!h", len(oids)) + b"".join(struct.pack("!I", o) for o in oids))


def bind(portal, stmt, params=(), pfmts=(), rfmts=()):
    body = cstr(portal) + cstr(stmt) + struct.pack("!h", len(pfmts)) + b"".join(struct.pack("!h", f) for f in pfmts)
    body += struct.pack("!h", len(params))
    for p in params:
        if p is None:
            body += struct.pack("!i", -1)
        else:
            body += struct.pack("!i", len(p)) + p
    body += struct.pack("!h", len(rfmts)) + b"".join(struct.pack("!h", f) for f in rfmts)
    return msg(b"B", body)


def describe(kind, name):
    return msg(b"D", kind + cstr(name))


def execute(portal, maxrows=0):
    return msg(b"E", cstr(portal) + struct.pack("!i", maxrows))


SYNC = msg(b"S")


def datarows(msgs):
    rows = []
    for t, b in msgs:
        if t == b"D":
            (n,) = struct.unpack("!h", b[:2])
            pos, row = 2, []
            for _ in range(n):
                (l,) = struct.unpack("!i", b[pos:pos + 4])
                pos += 4
                if l < 0:
                    row.append(None)
                else:
                    row.append(b[pos:pos + l])
                    pos += l
            rows.append(row)
    return rows


def types(msgs):
    return [t for t, _ in msgs]


def rowdesc_oids(b):
    (n,) = struct.unpack("!h", b[:2])
    pos, out = 2, []
    for _ in range(n):
        z = b.index(b"\0", pos)
        name = b[pos:z].decode()
        pos = z + 1
        _, _, oid, typlen, typmod, fmt = struct.unpack("!IhIhih", b[pos:pos + 18])
        pos += 18
        out.append((name, oid, typmod, fmt))
    return out


# ---- extended protocol ---------------------------------------------------------------

c = Conn()
check(c.params.get("server_version", "").startswith("15."), "server_version 15.x")
check(c.params.get("DateStyle") == "ISO, MDY", "DateStyle ISO, MDY")
check(c.params.get("integer_datetimes") == "on", "integer_datetimes")
check(c.params.get("client_encoding") == "UTF8", "client_encoding")
check(c.params.get("session_authorization") == USER and c.params.get("server_version") == "15.8 (MegaDB 0.1.0)", "session_authorization, server_version: %r" % c.params)
c.send(msg(b"Q", cstr("SET SESSION AUTHORIZATION someone_else; SELECT current_user; RESET SESSION AUTHORIZATION; SELECT session_user")))
r = c.until_ready()
check([b for t, b in r if t == b"S"] == [b"session_authorization\0someone_else\0", b"session_authorization\0" + USER.encode() + b"\0"]
      and datarows(r) == [[b"someone_else"], [USER.encode()]], "SET SESSION AUTHORIZATION: ParameterStatus and current_user %r" % r)
c.send(msg(b"Q", cstr("DROP TABLE IF EXISTS ext")))
c.until_ready()
c.send(msg(b"Q", cstr("CREATE TABLE ext(id int PRIMARY KEY, name varchar(20), price numeric(10,2), d date, ts timestamp, f float8)")))
r = c.until_ready()
check(types(r) == [b"C", b"Z"], "create table: CommandComplete, ReadyForQuery")

# named statement with given parameter types, executed twice
c.send(parse("ins", "INSERT INTO ext VALUES ($1, $2, $3, $4, $5, $6)", (23, 1043, 1700, 1082, 1114, 701)))
c.send(describe(b"S", "ins"))
c.send(bind("", "ins", [b"1", b"apple", b"1.50", b"2024-02-29", b"2024-02-29 12:34:56.5", b"0.25"]))
c.send(execute(""))
c.send(bind("", "ins", [b"2", None, b"-3", b"1999-12-31", b"2000-01-01 00:00:00", b"1e100"]))
c.send(execute(""))
c.send(SYNC)
r = c.until_ready()
check(types(r) == [b"1", b"t", b"n", b"2", b"C", b"2", b"C", b"Z"], "parse/describe/bind/execute x2: %r" % types(r))
pd = [b for t, b in r if t == b"t"][0]
check(struct.unpack("!h6I", pd) == (6, 23, 1043, 1700, 1082, 1114, 701), "ParameterDescription echoes given types")
check([b for t, b in r if t == b"C"] == [b"INSERT 0 1\0", b"INSERT 0 1\0"], "INSERT tags")

# inferred parameter types and a row description before execution
c.send(parse("sel", "SELECT id, name, price, d, ts, f FROM ext WHERE id >= $1 ORDER BY id"))
c.send(describe(b"S", "sel"))
c.send(SYNC)
r = c.until_ready()
check(types(r) == [b"1", b"t", b"T", b"Z"], "describe statement: %r" % types(r))
pd = [b for t, b in r if t == b"t"][0]
check(struct.unpack("!hI", pd) == (1, 23), "parameter $1 inferred as int4")
rd = rowdesc_oids([b for t, b in r if t == b"T"][0])
check([(n, o) for n, o, _, _ in rd] == [("id", 23), ("name", 1043), ("price", 1700), ("d", 1082), ("ts", 1114), ("f", 701)],
      "row description oids: %r" % rd)
check(rd[2][2] == ((10 << 16) | 2) + 4 and rd[1][2] == 24, "typmods of numeric(10,2) and varchar(20)")

# text results
c.send(bind("p1", "sel", [b"0"]))
c.send(execute("p1"))
c.send(SYNC)
r = c.until_ready()
check(datarows(r) == [[b"1", b"apple", b"1.50", b"2024-02-29", b"2024-02-29 12:34:56.5", b"0.25"],
                      [b"2", None, b"-3.00", b"1999-12-31", b"2000-01-01 00:00:00", b"1e+100"]], "text rows: %r" % datarows(r))
check(r[-2] == (b"C", b"SELECT 2\0"), "SELECT 2 tag")

# binary parameters and binary results
c.send(bind("", "sel", [struct.pack("!i", 2)], pfmts=[1], rfmts=[1]))
c.send(describe(b"P", ""))
c.send(execute(""))
c.send(SYNC)
r = c.until_ready()
rows = datarows(r)
check(len(rows) == 1, "binary: one row")
if rows:
    row = rows[0]
    check(struct.unpack("!i", row[0]) == (2,), "binary int4")
    check(row[1] is None, "binary NULL")
    # numeric -3.00: ndigits 1, weight 0, sign 0x4000, dscale 2, digit 3
    check(row[2] == struct.pack("!hhHhh", 1, 0, 0x4000, 2, 3), "binary numeric: %r" % row[2])
    check(struct.unpack("!i", row[3]) == (-1,), "binary date 1999-12-31 = -1")
    check(struct.unpack("!q", row[4]) == (0,), "binary timestamp 2000-01-01 = 0")
    check(struct.unpack("!d", row[5]) == (1e100,), "binary float8")
rd = rowdesc_oids([b for t, b in r if t == b"T"][0])
check(all(f == 1 for _, _, _, f in rd), "row description reports binary formats")

# binary parameters of several types round-trip through the engine
c.send(parse("", "SELECT $1::int8, $2::float4, $3::bool, $4::bytea, $5::uuid, $6::numeric, $7::timestamptz, $8::interval, $9::date, $10::int2",
             (20, 700, 16, 17, 2950, 1700, 1184, 1186, 1082, 21)))
params = [struct.pack("!q", -(2 ** 40)), struct.pack("!f", 1.5), b"\x01", b"\x00\xffab", bytes(range(16)),
          struct.pack("!hhHhhhh", 3, 1, 0, 4, 12, 3456, 7800),  # 12 3456.7800 → 123456.7800
          struct.pack("!q", 86400 * 1000000), struct.pack("!qii", 3723000001, 4, 14), struct.pack("!i", 366), struct.pack("!h", -7)]
c.send(bind("", "", params, pfmts=[1]))
c.send(execute(""))
c.send(SYNC)
r = c.until_ready()
rows = datarows(r)
check(rows == [[b"-1099511627776", b"1.5", b"t", b"\\x00ff6162", b"00010203-0405-0607-0809-0a0b0c0d0e0f", b"123456.7800",
                b"2000-01-02 00:00:00+00", b"1 year 2 mons 4 days 01:02:03.000001", b"2001-01-01", b"-7"]],
      "binary parameters: %r %r" % (rows, [fields(b) for t, b in r if t == b"E"]))

# arrays in binary, both directions (PostgreSQL's layout: ndim, has-nulls, element OID, size and
# lower bound per dimension, then length + value per element)
def arr_bin(elem, items, fmt):
    out = struct.pack("!iiI", 1 if items else 0, 1 if any(x is None for x in items) else 0, elem)
    if items:
        out += struct.pack("!ii", len(items), 1)
    for x in items:
        out += struct.pack("!i", -1) if x is None else struct.pack("!i", struct.calcsize(fmt) if fmt else len(x)) + (struct.pack(fmt, x) if fmt else x)
    return out
c.send(parse("", "SELECT ARRAY[1,NULL,3]::int8[], ARRAY['a','b c',NULL]::text[], '{}'::int4[], ARRAY[1.5,2.5]::float8[], ARRAY['2020-01-01'::date], ARRAY[1.25,-3]::numeric[]")
       + bind("", "", rfmts=[1]) + describe(b"P", "") + execute("") + SYNC)
r = c.until_ready()
rows = datarows(r)
rd = [rowdesc_oids(b) for t, b in r if t == b"T"]
check(rd and [o for _, o, _, _ in rd[0]] == [1016, 1009, 1007, 1022, 1182, 1231], "array type OIDs: %r" % rd)
want = [arr_bin(20, [1, None, 3], "!q"), arr_bin(25, [b"a", b"b c", None], None), arr_bin(23, [], None), arr_bin(701, [1.5, 2.5], "!d"),
        arr_bin(1082, [7305], "!i"), arr_bin(1700, [struct.pack("!hhHhhh", 2, 0, 0, 2, 1, 2500), struct.pack("!hhHhh", 1, 0, 0x4000, 0, 3)], None)]
check(rows == [want], "binary arrays: %r" % [[x.hex() if x else x for x in row] for row in rows])
c.send(parse("", "SELECT $1::int4[], $2::text[], array_upper($2::text[], 1), $3::float8[]", (1007, 1009, 1022))
       + bind("", "", [arr_bin(23, [1, None, -3], "!i"), arr_bin(25, [b"a", b"b c", None, b'q"x', b""], None), arr_bin(701, [], None)], pfmts=[1])
       + execute("") + SYNC)
r = c.until_ready()
check(datarows(r) == [[b"{1,NULL,-3}", b'{a,"b c",NULL,"q\\"x",""}', b"5", b"{}"]], "binary array parameters: %r" % r)
c.send(parse("", "SELECT $1::int4[]", (1007,)) + bind("", "", [arr_bin(23, [1], "!i")[:-2]], pfmts=[1]) + execute("") + SYNC)
r = c.until_ready()
check([fields(b).get("C") for t, b in r if t == b"E"] == ["22P03"], "truncated binary array: 22P03 %r" % r)

# every core type in binary: the bytes PostgreSQL 15 sends (taken from it, TimeZone Asia/Kolkata),
# and the same bytes sent back as a binary parameter of that type give the value's text again
binary_cases = [
    ('true', 16, '01', 'true'),
    ('false', 16, '00', 'false'),
    ('(-7)::int2', 21, 'fff9', '-7'),
    ('2147483647::int4', 23, '7fffffff', '2147483647'),
    ('(-9223372036854775807)::int8', 20, '8000000000000001', '-9223372036854775807'),
    ('1.5::float4', 700, '3fc00000', '1.5'),
    ("'-Infinity'::float4", 700, 'ff800000', '-Infinity'),
    ("'NaN'::float8", 701, '7ff8000000000000', 'NaN'),
    ('-2.25e-30::float8', 701, 'b9c6d1557ec93af3', '-2.25e-30'),
    ('0::numeric', 1700, '0000000000000000', '0'),
    ('(-3.00)::numeric', 1700, '00010000400000020003', '-3.00'),
    ('123456.7800::numeric', 1700, '0003000100000004000c0d801e78', '123456.7800'),
    ('0.0001::numeric', 1700, '0001ffff000000040001', '0.0001'),
    ('1e20::numeric', 1700, '00010005000000000001', '100000000000000000000'),
    ('(-0.5)::numeric(5,2)', 1700, '0001ffff400000021388', '-0.50'),
    ("'abc'::text", 25, '616263', 'abc'),
    ("'héllo'::varchar(10)", 1043, '68c3a96c6c6f', 'héllo'),
    ("'ab'::char(4)", 1042, '61622020', None),
    ("'\\x00ff61'::bytea", 17, '00ff61', '\\x00ff61'),
    ("''::bytea", 17, '', '\\x'),
    ("'1999-12-31'::date", 1082, 'ffffffff', '1999-12-31'),
    ("'2000-01-01'::date", 1082, '00000000', '2000-01-01'),
    ("'0044-03-15 BC'::date", 1082, 'fff49d7b', '0044-03-15 BC'),
    ("'infinity'::date", 1082, '7fffffff', 'infinity'),
    ("'23:59:58.123456'::time", 1083, '000000141dbabdc0', '23:59:58.123456'),
    ("'00:00:00'::time", 1083, '0000000000000000', '00:00:00'),
    ("'2024-02-29 12:34:56.5'::timestamp", 1114, '0002b583416e1d20', '2024-02-29 12:34:56.5'),
    ("'1900-01-01 00:00:00'::timestamp", 1114, 'fff4c9ee7c0b8000', '1900-01-01 00:00:00'),
    ("'-infinity'::timestamp", 1114, '8000000000000000', '-infinity'),
    ("'2020-05-06 07:08:09+00'::timestamptz", 1184, '000247f431f2a840', '2020-05-06 12:38:09+05:30'),
    ("'2020-05-06 07:08:09.25-03:30'::timestamptz", 1184, '000247f720fb36d0', '2020-05-06 16:08:09.25+05:30'),
    ("'1 year 2 mons 4 days 01:02:03.000001'::interval", 1186, '00000000dde878c1000000040000000e', '1 year 2 mons 4 days 01:02:03.000001'),
    ("'-1 days +02:00:00'::interval", 1186, '00000001ad274800ffffffff00000000', '-1 days +02:00:00'),
    ("'-3 mons -00:00:01.5'::interval", 1186, 'ffffffffffe91ca000000000fffffffd', '-3 mons -00:00:01.5'),
    ("'00:00:00'::interval", 1186, '00000000000000000000000000000000', '00:00:00'),
    ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", 2950, 'a0eebc999c0b4ef8bb6d6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
]
c.send(msg(b"Q", cstr("SET TimeZone = 'Asia/Kolkata'")))
c.until_ready()
for expr, oid, hexval, text in binary_cases:
    c.send(parse("", "SELECT " + expr) + bind("", "", rfmts=[1]) + describe(b"P", "") + execute("") + SYNC)
    r = c.until_ready()
    rd = [rowdesc_oids(b) for t, b in r if t == b"T"]
    rows = datarows(r)
    check(rd and rd[0][0][1] == oid and rows and rows[0][0] == bytes.fromhex(hexval),
          "binary %s: %r %r" % (expr, rd, rows[0][0].hex() if rows and rows[0][0] is not None else r))
    if text is None:
        continue
    c.send(parse("", "SELECT $1::text", (oid,)) + bind("", "", [bytes.fromhex(hexval)], pfmts=[1]) + execute("") + SYNC)
    r = c.until_ready()
    check(datarows(r) == [[text.encode()]], "binary parameter %s: %r" % (expr, r))
c.send(msg(b"Q", cstr("RESET TimeZone")))
c.until_ready()


# Execute with a row limit: PortalSuspended, then the rest
c.send(msg(b"Q", cstr("INSERT INTO ext (id) SELECT x FROM generate_series(3, 10) AS g(x)")))
c.until_ready()
c.send(parse("", "SELECT id FROM ext ORDER BY id"))
c.send(bind("cur", ""))
c.send(execute("cur", 3))
c.send(execute("cur", 3))
c.send(execute("cur", 0))
c.send(SYNC)
r = c.until_ready()
check(types(r) == [b"1", b"2"] + [b"D"] * 3 + [b"s"] + [b"D"] * 3 + [b"s"] + [b"D"] * 4 + [b"C", b"Z"], "row limit: %r" % types(r))
check([x[0] for x in datarows(r)] == [str(i).encode() for i in range(1, 11)], "all rows in order across Executes")

# an error skips to Sync; the next batch works
c.send(parse("", "SELECT 1/0"))
c.send(bind("", ""))
c.send(execute(""))
c.send(parse("", "SELECT 42"))
c.send(bind("", ""))
c.send(execute(""))
c.send(SYNC)
r = c.until_ready()
check(types(r) == [b"1", b"2", b"E", b"Z"], "error skips to Sync: %r" % types(r))
check(fields(r[2][1]).get("C") == "22012", "division by zero 22012")
c.send(parse("", "SELECT 42"))
c.send(bind("", ""))
c.send(execute(""))
c.send(SYNC)
r = c.until_ready()
check(datarows(r) == [[b"42"]], "after the error, the next Sync batch runs")

# errors of the extended protocol itself
c.send(bind("", "nosuch"))
c.send(SYNC)
r = c.until_ready()
check(fields(r[0][1]).get("C") == "26000", "unknown statement 26000")
c.send(parse("two", "SELECT 1; SELECT 2"))
c.send(SYNC)
r = c.until_ready()
check(fields(r[0][1]).get("C") == "42601", "two commands in Parse 42601")
c.send(bind("", "sel", []))
c.send(SYNC)
r = c.until_ready()
check(fields(r[0][1]).get("C") == "08P01", "wrong parameter count 08P01")
c.send(execute("nope"))
c.send(SYNC)
r = c.until_ready()
check(fields(r[0][1]).get("C") == "34000", "unknown portal 34000")
c.send(parse("ins", "SELECT 1"))
c.send(SYNC)
r = c.until_ready()
check(fields(r[0][1]).get("C") == "42P05", "duplicate statement name 42P05")
c.send(msg(b"C", b"S" + cstr("ins")) + parse("ins", "SELECT 7") + bind("", "ins") + execute("") + SYNC)
r = c.until_ready()
check(types(r) == [b"3", b"1", b"2", b"D", b"C", b"Z"] and datarows(r) == [[b"7"]], "Close then re-Parse: %r" % types(r))

# empty query, in both protocols
c.send(msg(b"Q", cstr("  ")))
r = c.until_ready()
check(types(r) == [b"I", b"Z"], "simple empty query: EmptyQueryResponse")
c.send(parse("", "") + bind("", "") + execute("") + SYNC)
r = c.until_ready()
check(types(r) == [b"1", b"2", b"I", b"Z"], "extended empty query: %r" % types(r))

# transaction status in ReadyForQuery
c.send(msg(b"Q", cstr("BEGIN")))
check(c.until_ready()[-1][1] == b"T", "status T in a block")
c.send(msg(b"Q", cstr("SELECT nosuchcolumn")))
r = c.until_ready()
check(r[-1][1] == b"E", "status E after an error in a block")
e = fields(r[0][1])
check(e.get("C") == "42703" and e.get("P") == "8" and e.get("S") == "ERROR", "error fields C, P, S: %r" % e)
c.send(msg(b"Q", cstr("SELECT 1")))
r = c.until_ready()
check(fields(r[0][1]).get("C") == "25P02", "25P02 in a failed block")
c.send(msg(b"Q", cstr("ROLLBACK")))
check(c.until_ready()[-1][1] == b"I", "status I after ROLLBACK")

# several statements in one Query; the error position is counted in the whole string
c.send(msg(b"Q", cstr("SELECT 1; SELECT 2; SELECT x_y_z")))
r = c.until_ready()
check(types(r) == [b"T", b"D", b"C", b"T", b"D", b"C", b"E", b"Z"], "multi-statement query: %r" % types(r))
check(fields(r[6][1]).get("P") == "28", "position in the whole query string: %r" % fields(r[6][1]))

# ---- cancel -------------------------------------------------------------------------------

c.send(msg(b"Q", cstr("SELECT pg_sleep(10)")))
time.sleep(0.3)
k = socket.create_connection((HOST, PORT))
k.sendall(struct.pack("!IIII", 16, 80877102, c.pid, c.key))
k.close()
t0 = time.time()
r = c.until_ready()
check(time.time() - t0 < 5, "cancel stops pg_sleep promptly")
check(any(t == b"E" and fields(b).get("C") == "57014" for t, b in r), "cancel gives 57014")
c.send(msg(b"Q", cstr("SET statement_timeout = 200; SELECT pg_sleep(5)")))
r = c.until_ready()
e = [fields(b) for t, b in r if t == b"E"]
check(e and e[0].get("C") == "57014" and "timeout" in e[0].get("M", ""), "statement_timeout 57014: %r" % e)
c.send(msg(b"Q", cstr("SET statement_timeout = 0")))
c.until_ready()
# a cancel with the wrong key does nothing
k = socket.create_connection((HOST, PORT))
k.sendall(struct.pack("!IIII", 16, 80877102, c.pid, c.key ^ 1))
k.close()
c.send(msg(b"Q", cstr("SELECT pg_sleep(0.3)")))
r = c.until_ready()
check(not any(t == b"E" for t, _ in r), "wrong cancel key ignored")
c.send(msg(b"X"))
c.s.close()

# ---- hostile input -------------------------------------------------------------------------


def expect_fatal(data, what, code="08P01"):
    h = Conn()
    h.send(data)
    got = None
    try:
        while True:
            t, b = h.read()
            if t == b"E":
                got = fields(b)
    except (EOFError, ConnectionResetError, socket.timeout):
        pass
    check(got is not None and got.get("C") == code and got.get("S") == "FATAL", "%s: FATAL %s, got %r" % (what, code, got))
    h.s.close()


expect_fatal(b"Q" + struct.pack("!I", 2), "length below 4")
expect_fatal(b"Q" + struct.pack("!I", 0x7FFFFFFF), "length above 1 GiB")
expect_fatal(msg(b"?", b"xyz"), "unknown message type")
expect_fatal(msg(b"Q", b"SELECT 1"), "Query without its NUL")
expect_fatal(msg(b"B", b"\0\0\x00\x05"), "truncated Bind")
expect_fatal(msg(b"P", cstr("") + cstr("SELECT $1") + struct.pack("!h", 5)), "Parse with missing OIDs")
expect_fatal(msg(b"B", cstr("") + cstr("") + struct.pack("!hh", 0, 1) + struct.pack("!i", 1000) + b"ab" + struct.pack("!h", 0)),
             "Bind value longer than the message")
expect_fatal(msg(b"D", b"Xname\0"), "Describe of an unknown kind")

# a bad startup packet closes the connection
for data in [struct.pack("!I", 3), struct.pack("!I", 100000), struct.pack("!II", 8, 1234), struct.pack("!II", 12, 196608) + b"ab\0\0"]:
    h = Conn(startup=False)
    h.send(data)
    check(h.closed(), "bad startup packet %r closes" % data[:8])
    h.s.close()
# a truncated message followed by a closed socket is harmless
h = Conn()
h.send(b"Q" + struct.pack("!I", 100) + b"SEL")
h.s.shutdown(socket.SHUT_WR)
check(h.closed(), "truncated message then EOF")
h.s.close()

# SSLRequest without TLS configured is answered 'N'; startup continues in the clear
h = Conn(startup=False)
h.send(struct.pack("!II", 8, 80877103))
check(h.read_exact(1) == b"N", "SSLRequest answered N")
h.send(struct.pack("!II", 8, 80877104))
check(h.read_exact(1) == b"N", "GSSENCRequest answered N")
h.startup(USER, PASSWORD, DBNAME)
h.send(msg(b"Q", cstr("SELECT 5")))
check(datarows(h.until_ready()) == [[b"5"]], "query after SSLRequest N")
h.s.close()

# a newer protocol minor version or _pq_ options: NegotiateProtocolVersion (3.0, the options not
# recognised), then the usual startup
h = Conn(startup=False)
body = struct.pack("!I", 196608 + 2) + cstr("user") + cstr(USER) + cstr("database") + cstr(DBNAME) + cstr("_pq_.fancy") + cstr("1") + b"\0"
h.send(struct.pack("!I", len(body) + 4) + body)
t1, b1 = h.read()
check(t1 == b"v" and b1 == struct.pack("!II", 196608, 1) + cstr("_pq_.fancy"), "NegotiateProtocolVersion: %r %r" % (t1, b1))
t1, b1 = h.read()
if t1 == b"R" and struct.unpack("!I", b1[:4])[0] == 10:
    scram(h, PASSWORD)
h.until_ready()
h.send(msg(b"Q", cstr("SELECT 'after v'")))
check(datarows(h.until_ready()) == [[b"after v"]], "a query after NegotiateProtocolVersion")
h.s.close()

# wrong database 3D000; wrong password 28P01
try:
    Conn(db="otherdb")
    check(False, "wrong database must fail")
except RuntimeError as e:
    check(e.args[0].get("C") == "3D000", "wrong database 3D000: %r" % e.args[0])
if PASSWORD:
    try:
        Conn(password="wrong" + PASSWORD)
        check(False, "wrong password must fail")
    except RuntimeError as e:
        check(e.args[0].get("C") == "28P01", "wrong password 28P01: %r" % e.args[0])
    try:
        Conn(user="nosuchuser")
        check(False, "unknown user must fail")
    except RuntimeError as e:
        check(e.args[0].get("C") == "28P01", "unknown user 28P01: %r" % e.args[0])

# ---- many connections at once ------------------------------------------------------------------

N = 220
conns = []
errors = []


def open_one():
    try:
        x = Conn()
        conns.append(x)
    except Exception as e:  # noqa: BLE001 - every failure counts
        errors.append(repr(e))


ths = [threading.Thread(target=open_one) for _ in range(N)]
for t in ths:
    t.start()
for t in ths:
    t.join()
check(len(conns) == N and not errors, "%d concurrent connections: %d opened, errors %r" % (N, len(conns), errors[:3]))
for i, x in enumerate(conns):
    x.send(msg(b"Q", cstr("SELECT %d" % i)))
ok = sum(1 for i, x in enumerate(conns) if datarows(x.until_ready()) == [[str(i).encode()]])
check(ok == N, "each of the %d connections answers its own query (%d did)" % (N, ok))
for x in conns:
    x.s.close()

# the server is still alive
z = Conn()
z.send(msg(b"Q", cstr("SELECT count(*) FROM ext")))
check(datarows(z.until_ready()) == [[b"10"]], "server alive after all of the above")

# ---- implicit transactions: one per Query message, one per batch up to Sync -----------------
t = Conn()
def q(conn, sql):
    conn.send(msg(b"Q", cstr(sql)))
    return conn.until_ready()
q(t, "DROP TABLE IF EXISTS imp")
q(t, "CREATE TABLE imp(a int PRIMARY KEY)")
r = q(t, "INSERT INTO imp VALUES (1); INSERT INTO imp VALUES (2); INSERT INTO imp VALUES (1)")
check(types(r) == [b"C", b"C", b"E", b"Z"] and r[-1][1] == b"I", "failing third statement: %r" % types(r))
check(datarows(q(t, "SELECT count(*) FROM imp")) == [[b"0"]], "a failed multi-statement Query undoes its earlier statements")
r = q(t, "INSERT INTO imp VALUES (1); INSERT INTO imp VALUES (2)")
check(datarows(q(t, "SELECT count(*) FROM imp")) == [[b"2"]], "a successful multi-statement Query commits")
# statements that manage transactions keep their meaning
r = q(t, "BEGIN; INSERT INTO imp VALUES (3); ROLLBACK; INSERT INTO imp VALUES (4)")
check(types(r) == [b"C", b"C", b"C", b"C", b"Z"] and r[-1][1] == b"I", "BEGIN/ROLLBACK inside one Query: %r" % types(r))
check(datarows(q(t, "SELECT string_agg(a::text, ',' ORDER BY a) FROM imp")) == [[b"1,2,4"]], "rolled back 3, kept 4")
r = q(t, "BEGIN; INSERT INTO imp VALUES (5)")
check(r[-1][1] == b"T", "an open BEGIN stays open after the message")
q(t, "COMMIT")
# another session sees nothing of a batch before its Sync, and nothing of a batch that failed
u = Conn()
t.send(parse("", "INSERT INTO imp VALUES (6)") + bind("", "") + execute(""))
t.send(parse("", "INSERT INTO imp VALUES (7)") + bind("", "") + execute("") + msg(b"H"))
for _ in range(6):
    t.read()
check(datarows(q(u, "SELECT count(*) FROM imp WHERE a >= 6")) == [[b"0"]], "rows of a batch are invisible to others before Sync")
t.send(SYNC)
r = t.until_ready()
check(r[-1] == (b"Z", b"I"), "Sync ends the batch's transaction: %r" % r[-1:])
check(datarows(q(u, "SELECT count(*) FROM imp WHERE a >= 6")) == [[b"2"]], "rows of a batch are committed at Sync")
t.send(parse("", "INSERT INTO imp VALUES (8)") + bind("", "") + execute(""))
t.send(parse("", "INSERT INTO imp VALUES (1)") + bind("", "") + execute("") + SYNC)
r = t.until_ready()
check(b"E" in types(r) and r[-1] == (b"Z", b"I"), "failing batch: %r" % types(r))
check(datarows(q(u, "SELECT count(*) FROM imp WHERE a = 8")) == [[b"0"]], "a failed batch is rolled back up to Sync")

# Describe of a prepared INSERT/UPDATE/DELETE … RETURNING gives its columns before Bind
q(t, "DROP TABLE IF EXISTS ret_t")
q(t, "CREATE TABLE ret_t (id serial PRIMARY KEY, name varchar(10), n numeric(8,3))")
t.send(parse("ins_ret", "INSERT INTO ret_t (name, n) VALUES ($1, $2) RETURNING id, name, n * 2 AS twice") + describe(b"S", "ins_ret") + SYNC)
r = t.until_ready()
rd = [rowdesc_oids(b) for ty, b in r if ty == b"T"]
check(types(r) == [b"1", b"t", b"T", b"Z"] and [(nm, o) for nm, o, _, _ in rd[0]] == [("id", 23), ("name", 1043), ("twice", 1700)],
      "describe INSERT … RETURNING: %r %r" % (types(r), rd))
t.send(bind("", "ins_ret", [b"ab", b"1.5"]) + execute("") + SYNC)
r = t.until_ready()
check(datarows(r) == [[b"1", b"ab", b"3.000"]] and [b for ty, b in r if ty == b"C"] == [b"INSERT 0 1\0"], "execute INSERT … RETURNING: %r" % r)
t.send(parse("", "UPDATE ret_t SET n = n + 1 WHERE id = $1 RETURNING *") + describe(b"S", "") + SYNC)
r = t.until_ready()
rd = [rowdesc_oids(b) for ty, b in r if ty == b"T"]
check(rd and [nm for nm, _, _, _ in rd[0]] == ["id", "name", "n"], "describe UPDATE … RETURNING *: %r" % r)
t.send(parse("", "DELETE FROM ret_t WHERE id = $1") + describe(b"S", "") + SYNC)
r = t.until_ready()
check(types(r) == [b"1", b"t", b"n", b"Z"], "describe DELETE without RETURNING: NoData %r" % types(r))

# NoticeResponse in both protocols: severity, SQLSTATE and message fields
r = q(t, "DROP TABLE IF EXISTS nosuch_notice")
nt = [fields(b) for ty, b in r if ty == b"N"]
check(types(r) == [b"N", b"C", b"Z"] and nt and nt[0].get("S") == "NOTICE" and nt[0].get("V") == "NOTICE" and nt[0].get("C") == "00000"
      and nt[0].get("M") == 'table "nosuch_notice" does not exist, skipping', "NoticeResponse (simple): %r %r" % (types(r), nt))
t.send(parse("", "DROP VIEW IF EXISTS nosuch_v") + bind("", "") + execute("") + SYNC)
r = t.until_ready()
nt = [fields(b) for ty, b in r if ty == b"N"]
check(types(r) == [b"1", b"2", b"N", b"C", b"Z"] and nt and nt[0].get("M") == 'view "nosuch_v" does not exist, skipping',
      "NoticeResponse (extended): %r %r" % (types(r), nt))
# RowDescription names the table (pg_class.oid) and column (pg_attribute.attnum) a column reads
# unchanged; 0 and 0 for computed columns (as PostgreSQL: joins, subqueries, GROUP BY, DISTINCT)
def rowdesc_origins(b):
    (n,) = struct.unpack("!h", b[:2])
    pos, out = 2, []
    for _ in range(n):
        z = b.index(b"\0", pos)
        pos = z + 1
        toid, att = struct.unpack("!Ih", b[pos:pos + 6])
        pos += 18
        out.append((toid, att))
    return out
q(t, "DROP VIEW IF EXISTS orig_v")
q(t, "DROP TABLE IF EXISTS orig_a")
q(t, "DROP TABLE IF EXISTS orig_b")
q(t, "CREATE TABLE orig_a (x int, y text, z int)")
q(t, "CREATE TABLE orig_b (w int, x int)")
q(t, "CREATE OR REPLACE VIEW orig_v AS SELECT z, x FROM orig_a")
oids = dict((k.decode(), int(v)) for k, v in datarows(q(t, "SELECT relname, oid FROM pg_class WHERE relname IN ('orig_a', 'orig_b', 'orig_v')")))
A, B, V = oids.get("orig_a", -1), oids.get("orig_b", -1), oids.get("orig_v", -1)
check(A > 0 and B > 0 and V > 0 and len({A, B, V}) == 3, "table oids %r" % oids)
for sql, want in [("SELECT * FROM orig_a", [(A, 1), (A, 2), (A, 3)]),
                  ("SELECT z, y || '!', 7, x AS renamed FROM orig_a", [(A, 3), (0, 0), (0, 0), (A, 1)]),
                  ("SELECT b.x, a.z FROM orig_a a JOIN orig_b b ON a.x = b.w", [(B, 2), (A, 3)]),
                  ("SELECT s.y FROM (SELECT y, x FROM orig_a WHERE z > 0) s ORDER BY s.x LIMIT 3", [(A, 2)]),
                  ("SELECT DISTINCT z FROM orig_a", [(A, 3)]),
                  ("SELECT y, count(*) FROM orig_a GROUP BY y", [(A, 2), (0, 0)]),
                  ("SELECT x FROM orig_a UNION SELECT w FROM orig_b", [(0, 0)]),
                  ("SELECT x, z FROM orig_v", [(V, 2), (V, 1)]),
                  ("WITH w AS (SELECT z AS zz, x + 1 AS x1 FROM orig_a) SELECT x1, zz FROM w", [(0, 0), (A, 3)])]:
    r = q(t, sql)
    got = [rowdesc_origins(b) for ty, b in r if ty == b"T"]
    check(got == [want], "RowDescription origins of %s: %r, want %r" % (sql, got, want))
    t.send(parse("", sql) + describe(b"S", "") + SYNC)
    r = t.until_ready()
    got = [rowdesc_origins(b) for ty, b in r if ty == b"T"]
    check(got == [want], "Describe origins of %s: %r" % (sql, got))
t.s.close()
u.s.close()

# ---- cursors in the extended protocol ---------------------------------------------------------
# DECLARE through Parse/Bind/Execute (with a parameter), FETCH with a row limit (PortalSuspended),
# Describe of FETCH, MOVE, CLOSE; a cursor without HOLD needs a transaction block; portals
# last until their transaction ends.
cu = Conn()
def xq(conn, sql):
    conn.send(msg(b"Q", cstr(sql)))
    return conn.until_ready()
def ext(conn, sql, params=(), rfmts=(), maxrows=0, describe_portal=False, oids=()):
    conn.send(parse("", sql, oids) + bind("", "", params, rfmts=rfmts) + (describe(b"P", "") if describe_portal else b"") + execute("", maxrows) + SYNC)
    return conn.until_ready()
xq(cu, "DROP TABLE IF EXISTS curt")
xq(cu, "CREATE TABLE curt (i int, t text)")
xq(cu, "INSERT INTO curt SELECT g, 'r' || g FROM generate_series(1, 20) AS g(g)")
r = ext(cu, "DECLARE c0 CURSOR FOR SELECT i FROM curt")
e = [fields(b) for t, b in r if t == b"E"]
check(e and e[0].get("C") == "25P01" and r[-1] == (b"Z", b"I"), "extended DECLARE outside a block: 25P01 %r" % e)
xq(cu, "BEGIN")
r = ext(cu, "DECLARE c1 CURSOR FOR SELECT i, t FROM curt WHERE i > $1 ORDER BY i", [b"5"])
check(types(r) == [b"1", b"2", b"C", b"Z"] and r[2][1] == b"DECLARE CURSOR\0" and r[-1][1] == b"T", "extended DECLARE with a parameter: %r" % r)
cu.send(parse("f3", "FETCH 3 FROM c1") + describe(b"S", "f3") + SYNC)
r = cu.until_ready()
rd = [rowdesc_oids(b) for t, b in r if t == b"T"]
check(types(r) == [b"1", b"t", b"T", b"Z"] and rd and [(n, o) for n, o, _, _ in rd[0]] == [("i", 23), ("t", 25)], "Describe of FETCH: %r" % r)
cu.send(bind("", "f3") + execute("") + SYNC)
r = cu.until_ready()
check(types(r) == [b"2", b"D", b"D", b"D", b"C", b"Z"] and datarows(r) == [[b"6", b"r6"], [b"7", b"r7"], [b"8", b"r8"]] and r[-2][1] == b"FETCH 3\0",
      "extended FETCH 3: %r" % r)
# FETCH FORWARD 5 with a row limit of 2: suspended twice, then the last row and FETCH 5
cu.send(parse("", "FETCH FORWARD 5 IN c1") + bind("p5", "", rfmts=[1]) + describe(b"P", "p5") + execute("p5", 2) + execute("p5", 2) + execute("p5", 2) + SYNC)
r = cu.until_ready()
check(types(r) == [b"1", b"2", b"T", b"D", b"D", b"s", b"D", b"D", b"s", b"D", b"C", b"Z"] and r[-2][1] == b"FETCH 1\0",
      "FETCH with a row limit: %r %r" % (types(r), r[-2]))
rows = datarows(r)
check([struct.unpack("!i", x[0])[0] for x in rows] == [9, 10, 11, 12, 13] and rows[0][1] == b"r9", "binary rows of FETCH: %r" % rows)
rd = [rowdesc_oids(b) for t, b in r if t == b"T"]
check(rd and all(f == 1 for _, _, _, f in rd[0]), "Describe portal of FETCH gives binary formats")
r = ext(cu, "MOVE FORWARD 4 FROM c1")
check(r[-2] == (b"C", b"MOVE 4\0"), "extended MOVE: %r" % r)
r = ext(cu, "FETCH ALL FROM c1")
check([x[0] for x in datarows(r)] == [b"18", b"19", b"20"] and r[-2][1] == b"FETCH 3\0", "FETCH ALL after MOVE: %r" % r)
r = ext(cu, "FETCH NEXT FROM c1")
check(datarows(r) == [] and r[-2][1] == b"FETCH 0\0", "FETCH at the end: %r" % r)
r = ext(cu, "FETCH 1 FROM nosuch_cursor")
check([fields(b).get("C") for t, b in r if t == b"E"] == ["34000"], "FETCH of a missing cursor: %r" % r)
xq(cu, "ROLLBACK")
xq(cu, "BEGIN")
r = ext(cu, "DECLARE c2 CURSOR FOR SELECT i FROM curt ORDER BY i")
r = ext(cu, "CLOSE c2")
check(r[-2] == (b"C", b"CLOSE CURSOR\0"), "extended CLOSE: %r" % r)
r = ext(cu, "FETCH 1 FROM c2")
check([fields(b).get("C") for t, b in r if t == b"E"] == ["34000"], "FETCH after CLOSE: 34000 %r" % r)
xq(cu, "ROLLBACK")
# a cursor without HOLD ends with its transaction; WITH HOLD survives COMMIT
xq(cu, "BEGIN")
ext(cu, "DECLARE c3 CURSOR FOR SELECT i FROM curt ORDER BY i")
ext(cu, "DECLARE c4 CURSOR WITH HOLD FOR SELECT i FROM curt WHERE i <= $1 ORDER BY i", [b"2"])
xq(cu, "COMMIT")
r = ext(cu, "FETCH 1 FROM c3")
check([fields(b).get("C") for t, b in r if t == b"E"] == ["34000"], "a cursor without HOLD is gone after COMMIT: %r" % r)
r = ext(cu, "FETCH ALL FROM c4")
check(datarows(r) == [[b"1"], [b"2"]], "WITH HOLD cursor after COMMIT (extended): %r" % r)
r = ext(cu, "CLOSE c4")
# a portal suspended inside a transaction block lives until the block ends
xq(cu, "BEGIN")
cu.send(parse("", "SELECT i FROM curt ORDER BY i") + bind("keep", "") + execute("keep", 2) + SYNC)
r = cu.until_ready()
check(types(r)[-2:] == [b"s", b"Z"] and r[-1][1] == b"T", "portal suspended in a block: %r" % types(r))
xq(cu, "SELECT 1")
cu.send(execute("keep", 3) + SYNC)
r = cu.until_ready()
check([x[0] for x in datarows(r)] == [b"3", b"4", b"5"], "the portal goes on after Sync and a Query in the same block: %r" % r)
xq(cu, "COMMIT")
cu.send(execute("keep", 3) + SYNC)
r = cu.until_ready()
check([fields(b).get("C") for t, b in r if t == b"E"] == ["34000"], "the portal is gone after COMMIT: %r" % r)
# a portal of a block that failed answers 25P02
xq(cu, "BEGIN")
cu.send(parse("", "SELECT i FROM curt ORDER BY i") + bind("keep2", "") + execute("keep2", 2) + SYNC)
cu.until_ready()
xq(cu, "SELECT 1/0")
cu.send(execute("keep2", 2) + SYNC)
r = cu.until_ready()
check([fields(b).get("C") for t, b in r if t == b"E"] == ["25P02"] and r[-1][1] == b"E", "portal in a failed block: %r" % r)
xq(cu, "ROLLBACK")
cu.s.close()

# ---- settings a client changes: reported when they change, honoured by the statements ----------
g = Conn()
r = q(g, "SET application_name = 'my app'; SET TimeZone = 'America/New_York'")
ps = [b for ty, b in r if ty == b"S"]
check(b"application_name\0my app\0" in ps and b"TimeZone\0America/New_York\0" in ps, "ParameterStatus after SET: %r" % ps)
r = q(g, "SELECT '2020-01-01 12:00:00+00'::timestamptz, current_setting('application_name')")
check(datarows(r) == [[b"2020-01-01 07:00:00-05", b"my app"]], "TimeZone honoured: %r" % datarows(r))
r = q(g, "SET application_name = 'my app'")
check(not [b for ty, b in r if ty == b"S"], "no ParameterStatus when nothing changed: %r" % r)
q(g, "DROP TABLE IF EXISTS sp_s.sp_t")
q(g, "DROP SCHEMA IF EXISTS sp_s")
q(g, "CREATE SCHEMA sp_s")
q(g, "CREATE TABLE sp_s.sp_t (v text)")
q(g, "INSERT INTO sp_s.sp_t VALUES ('in sp_s')")
r = q(g, "SELECT v FROM sp_t")
check([fields(b).get("C") for ty, b in r if ty == b"E"] == ["42P01"], "not on the search_path: 42P01 %r" % r)
r = q(g, "SET search_path = sp_s, public; SELECT v FROM sp_t; SHOW search_path")
check(datarows(r) == [[b"in sp_s"], [b"sp_s, public"]], "search_path honoured: %r" % datarows(r))
r = q(g, "SET statement_timeout = '1s'; SHOW statement_timeout; RESET statement_timeout; RESET search_path; RESET TimeZone")
check([b for ty, b in r if ty == b"S"] in ([b"TimeZone\0UTC\0"], [b"TimeZone\0Etc/UTC\0"]), "RESET TimeZone reported: %r" % r)
g.s.close()

# ---- a slow query holds up nobody; a client that vanishes mid-query frees what it held ----------
slow = Conn()
slow.send(msg(b"Q", cstr("SELECT pg_sleep(3)")))
time.sleep(0.2)
others = [Conn() for _ in range(4)]
t0 = time.time()
ok = 0
for k in range(10):
    for i, o in enumerate(others):
        o.send(msg(b"Q", cstr("SELECT %d * 2" % (k * 10 + i))))
    for i, o in enumerate(others):
        ok += datarows(o.until_ready()) == [[str((k * 10 + i) * 2).encode()]]
check(ok == 40 and time.time() - t0 < 2.5, "40 queries of 4 other sessions during a 3 s pg_sleep: %d right in %.2f s" % (ok, time.time() - t0))
r = slow.until_ready()
check(datarows(r) == [[b""]] and time.time() - t0 > 2, "the slow query still finishes: %r" % r)
for o in others:
    o.s.close()
slow.s.close()

v = Conn()
w = Conn()
q(w, "DROP TABLE IF EXISTS vanish")
q(w, "CREATE TABLE vanish (id int PRIMARY KEY, v text)")
q(v, "BEGIN")
r = q(v, "INSERT INTO vanish VALUES (1, 'held')")
check(r[-1] == (b"Z", b"T"), "the vanishing client's insert, in its open transaction: %r" % r)
v.send(msg(b"Q", cstr("SELECT pg_sleep(60)")))
time.sleep(0.3)
v.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST: the client is gone
v.s.close()
t0 = time.time()
done = None
while time.time() - t0 < 10:
    r = q(w, "INSERT INTO vanish VALUES (1, 'mine')")
    if r[-1] == (b"Z", b"I") and not any(t == b"E" for t, _ in r):
        done = time.time() - t0
        break
    time.sleep(0.2)
check(done is not None and done < 5, "the vanished client's row and key are free again (after %r s, not its 60 s sleep)" % done)
check(datarows(q(w, "SELECT v FROM vanish")) == [[b"mine"]], "its uncommitted row was rolled back")
w.s.close()

# ---- prepared statements keep their plans (src/main/plancache.c) ------------------------------
# A named statement is planned once and run with each Bind's values; DDL (from any session) makes
# it plan again; a changed result is 0A000 as in PostgreSQL; parameter errors keep their
# SQLSTATEs.  An Execute alone before Sync runs without an implicit BEGIN/COMMIT: the same
# transaction, committed at once.
pc = Conn()
other = Conn()
q(pc, "DROP TABLE IF EXISTS pct")
q(pc, "CREATE TABLE pct (id int PRIMARY KEY, v text) USING oltp")
q(pc, "INSERT INTO pct SELECT g, 'v' || g FROM generate_series(1, 2000) AS g(g)")
pc.send(parse("pc_sel", "SELECT v FROM pct WHERE id = $1") + parse("pc_star", "SELECT * FROM pct WHERE id = $1") + describe(b"S", "pc_star") + SYNC)
r = pc.until_ready()
check(types(r) == [b"1", b"1", b"t", b"T", b"Z"], "parse two named statements: %r" % types(r))
bad = []
for i in range(1, 2000, 97):
    pc.send(bind("", "pc_sel", [str(i).encode()]) + describe(b"P", "") + execute("") + SYNC)
    r = pc.until_ready()
    if datarows(r) != [[b"v%d" % i]] or r[-1] != (b"Z", b"I"):
        bad.append((i, r))
check(not bad, "named statement run 21 times with new values: %r" % bad[:2])
pc.send(bind("", "pc_sel", [b"99999"]) + execute("") + SYNC)
r = pc.until_ready()
check(datarows(r) == [] and [b for t, b in r if t == b"C"] == [b"SELECT 0\0"], "no row: %r" % r)
# parameter errors: wrong count (08P01), wrong type (22P02, twice), then a good value again
pc.send(bind("", "pc_sel", []) + execute("") + SYNC)
r = pc.until_ready()
e = [fields(b) for t, b in r if t == b"E"]
check(e and e[0].get("C") == "08P01" and r[-1] == (b"Z", b"I"), "Bind without the parameter: %r" % e)
for _ in range(2):
    pc.send(bind("", "pc_sel", [b"abc"]) + execute("") + SYNC)
    r = pc.until_ready()
    e = [fields(b) for t, b in r if t == b"E"]
    check(e and e[0].get("C") == "22P02", "a text that is no integer: %r" % e)
pc.send(bind("", "pc_sel", [b"7"]) + execute("") + SYNC)
check(datarows(pc.until_ready()) == [[b"v7"]], "after the errors the statement still runs")
# another session adds a column: SELECT * cannot keep its result (0A000), the named column can
q(other, "ALTER TABLE pct ADD COLUMN w int")
pc.send(bind("", "pc_star", [b"3"]) + execute("") + SYNC)
r = pc.until_ready()
e = [fields(b) for t, b in r if t == b"E"]
check(e and e[0].get("C") == "0A000" and e[0].get("M") == "cached plan must not change result type" and r[-1] == (b"Z", b"I"),
      "SELECT * after ADD COLUMN: %r" % e)
pc.send(bind("", "pc_sel", [b"3"]) + execute("") + SYNC)
check(datarows(pc.until_ready()) == [[b"v3"]], "the named column after ADD COLUMN")
# the table dropped and made again: the statement reads the new one
q(other, "DROP TABLE pct")
pc.send(bind("", "pc_sel", [b"3"]) + execute("") + SYNC)
r = pc.until_ready()
e = [fields(b) for t, b in r if t == b"E"]
check(e and e[0].get("C") == "42P01", "the table dropped: %r" % e)
q(other, "CREATE TABLE pct (id int PRIMARY KEY, v text)")
q(other, "INSERT INTO pct VALUES (3, 'new three')")
pc.send(bind("", "pc_sel", [b"3"]) + execute("") + SYNC)
check(datarows(pc.until_ready()) == [[b"new three"]], "the table made again")
pc.send(bind("", "pc_star", [b"3"]) + execute("") + SYNC)
check(datarows(pc.until_ready()) == [[b"3", b"new three"]], "SELECT * has its first shape again")
# a lone Execute commits at once (no block left open), inside BEGIN it stays in the block
pc.send(parse("pc_ins", "INSERT INTO pct VALUES ($1, $2)") + bind("", "pc_ins", [b"4", b"four"]) + execute("") + SYNC)
r = pc.until_ready()
check(r[-1] == (b"Z", b"I"), "lone INSERT: %r" % r)
check(datarows(q(other, "SELECT v FROM pct WHERE id = 4")) == [[b"four"]], "lone INSERT committed at Sync")
pc.send(bind("", "pc_ins", [b"4", b"again"]) + execute("") + SYNC)
r = pc.until_ready()
e = [fields(b) for t, b in r if t == b"E"]
check(e and e[0].get("C") == "23505" and r[-1] == (b"Z", b"I"), "lone INSERT of a duplicate key: %r" % e)
q(pc, "BEGIN")
pc.send(bind("", "pc_ins", [b"5", b"five"]) + execute("") + SYNC)
r = pc.until_ready()
check(r[-1] == (b"Z", b"T"), "Execute inside BEGIN leaves the block open: %r" % r[-1:])
pc.send(bind("", "pc_sel", [b"5"]) + execute("") + SYNC)
check(datarows(pc.until_ready()) == [[b"five"]], "the block sees its own row")
check(datarows(q(other, "SELECT count(*) FROM pct WHERE id = 5")) == [[b"0"]], "others do not before COMMIT")
q(pc, "ROLLBACK")
pc.send(bind("", "pc_sel", [b"5"]) + execute("") + SYNC)
check(datarows(pc.until_ready()) == [], "rolled back")
pc.s.close()
other.s.close()

print("%d checks, %d failed" % (checks, failures))
sys.exit(1 if failures else 0)
