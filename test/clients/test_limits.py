#!/usr/bin/env python3
"""test/clients/test_limits.py — connection floods against a `megadb serve` started with
--auth trust --max-connections 40 --authentication-timeout 2: sockets that never log in hold
their places only until the authentication timeout, connections beyond the limit get FATAL
53300 at once (after SSLRequest's N, as PostgreSQL; psql shows the message), and a normal
client is served again as soon as places are free.  Garbage
startup packets from many sockets at once change nothing for the others.

Usage: test_limits.py HOST PORT      Exits 1 when any check failed.  Standard library only.
"""
import socket
import struct
import sys
import threading
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])
MAX = 40
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def read_all(s, timeout):
    """Everything the server sends until it closes (or timeout): bytes, closed?"""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return data, True
            data += d
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def login(user="flood"):
    """A trust login and SELECT 1: True when it worked."""
    s = socket.create_connection((HOST, PORT), timeout=10)
    body = struct.pack("!I", 196608) + b"user\0" + user.encode() + b"\0\0"
    s.sendall(struct.pack("!I", len(body) + 4) + body)
    buf = b""
    while b"Z\0\0\0\5" not in buf:
        d = s.recv(65536)
        if not d:
            s.close()
            return buf
        buf += d
    q = b"SELECT 1\0"
    s.sendall(b"Q" + struct.pack("!I", len(q) + 4) + q)
    out = b""
    while not out.endswith(b"Z\0\0\0\5I"):
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.sendall(b"X\0\0\0\4")
    s.close()
    return b"D\0\0\0\x0b\0\x01\0\0\0\x011" in out


check(login() is True, "a login before the flood")

# MAX silent sockets fill every place
silent = [socket.create_connection((HOST, PORT), timeout=10) for _ in range(MAX)]
time.sleep(0.3)


def startup_packet(user="over"):
    body = struct.pack("!I", 196608) + b"user\0" + user.encode() + b"\0\0"
    return struct.pack("!I", len(body) + 4) + body


# one more: SSLRequest answered N, its StartupMessage FATAL 53300 (as a PostgreSQL backend over
# max_connections answers), then closed
t0 = time.time()
extra = socket.create_connection((HOST, PORT), timeout=10)
extra.sendall(struct.pack("!II", 8, 80877103))
ssl_answer = extra.recv(1)
extra.sendall(startup_packet())
data, closed = read_all(extra, 5)
check(ssl_answer == b"N" and closed and data.startswith(b"E") and b"C53300\0" in data and b"Msorry, too many clients already\0" in data,
      "a connection beyond --max-connections: N, then FATAL 53300 and closed, got %r %r" % (ssl_answer, data[:80]))
check(time.time() - t0 < 2, "refused at once")
extra.close()
try:
    import subprocess
    out = subprocess.run(["psql", "-X", "-h", HOST, "-p", str(PORT), "-U", "over", "-d", "over", "-Atc", "SELECT 1"],
                         capture_output=True, text=True, timeout=20)
    check(out.returncode == 2 and "sorry, too many clients already" in out.stderr, "psql beyond the limit: %r" % (out.stderr,))
except FileNotFoundError:
    print("psql not installed: its check skipped")
# the sessions that only say so are limited too (64): beyond them the listener answers itself
dead = [socket.create_connection((HOST, PORT), timeout=10) for _ in range(64)]
time.sleep(0.3)
extra = socket.create_connection((HOST, PORT), timeout=10)
data, closed = read_all(extra, 5)
check(closed and data.startswith(b"E") and b"C53300\0" in data, "beyond the limit and its 64 refusing sessions: FATAL 53300 from the listener, got %r" % data[:80])
extra.close()
silent += dead

# the authentication timeout (2 s) closes the silent sockets; a login works again
t0 = time.time()
closed_n = 0
for s in silent:
    data, closed = read_all(s, 6 - min(5, time.time() - t0))
    closed_n += closed
    s.close()
check(closed_n == len(silent), "silent sockets closed by the authentication timeout: %d of %d" % (closed_n, len(silent)))
check(time.time() - t0 < 6, "within the timeout (%.1f s)" % (time.time() - t0))
ok = False
for _ in range(20):  # the sessions' threads end just after their sockets close
    if login() is True:
        ok = True
        break
    time.sleep(0.1)
check(ok, "a login after the silent sockets were dropped")

# a slow sender (one byte per 0.5 s) is held to the timeout for the whole startup too
slow = socket.create_connection((HOST, PORT), timeout=10)
t0 = time.time()
pkt = struct.pack("!I", 196608) + b"user\0slow\0\0"
pkt = struct.pack("!I", len(pkt) + 4) + pkt
gone = False
for b in pkt:
    try:
        slow.sendall(bytes([b]))
    except OSError:
        gone = True
        break
    data, closed = read_all(slow, 0.5)
    if closed:
        gone = True
        break
check(gone and time.time() - t0 < 5, "a trickling startup packet is cut off by the timeout (%.1f s)" % (time.time() - t0))
slow.close()

# garbage from many sockets at once: each is closed, the server serves on
errors = []


def garbage(i):
    try:
        s = socket.create_connection((HOST, PORT), timeout=10)
        s.sendall([struct.pack("!I", 3), struct.pack("!I", 0x7FFFFFFF) + b"x" * 100, struct.pack("!II", 8, 1234),
                   struct.pack("!II", 16, 80877102) + struct.pack("!II", i, i)][i % 4])
        data, closed = read_all(s, 5)
        if not closed:
            errors.append(i)
        s.close()
    except OSError as e:  # noqa: PERF203 - a reset is a close too
        if not isinstance(e, ConnectionResetError):
            errors.append(repr(e))


ths = [threading.Thread(target=garbage, args=(i,)) for i in range(MAX * 3)]
for t in ths:
    t.start()
for t in ths:
    t.join()
check(not errors, "every garbage connection closed: %r" % errors[:5])
check(login() is True, "a login after the garbage flood")

print("%d checks, %d failed" % (checks, failures))
sys.exit(1 if failures else 0)
