#!/usr/bin/env python3
# Independent expected results for test/sql/spill/*.test: the data of each query
# re-created in Python, sorted/grouped by PostgreSQL semantics, rendered like
# megadb-slt (NULL, integers, text) and hashed the way it hashes (md5 of value\n ...).
import hashlib, sys
def h(rows):
    m = hashlib.md5(); n = 0
    for r in rows:
        for v in r:
            m.update(("NULL" if v is None else str(v)).encode() + b"\n"); n += 1
    return "%d values hashing to %s" % (n, m.hexdigest())
out = {}
# S1: ORDER BY k NULLS FIRST, x DESC
rows = []
for x in range(1, 300001):
    k = None if x % 97 == 0 else (x * 7919) % 1009
    rows.append((x, k))
rows.sort(key=lambda r: -r[0])
rows.sort(key=lambda r: (0, 0) if r[1] is None else (1, r[1]))
out['S1'] = h(rows)
# S2: text keys, ORDER BY s DESC, x
rows = [('v%d' % ((x * 7919) % 100003), x) for x in range(1, 200001)]
rows.sort(key=lambda r: r[1])
rows.sort(key=lambda r: r[0].encode(), reverse=True)
out['S2'] = h(rows)
# S3: stability: ORDER BY k only (ties keep input order)
rows = [(x % 1000, x) for x in range(1, 300001)]
rows.sort(key=lambda r: r[0])
out['S3'] = h(rows)
# S4: top-N: ORDER BY (x*7919)%300007 DESC LIMIT 10 OFFSET 5
rows = sorted(((x * 7919) % 300007, x) for x in range(1, 300001))
rows.sort(key=lambda r: -r[0])
out['S4'] = rows[5:15]
# S5: DESC NULLS LAST on a bigint key with a double second key
rows = []
for x in range(1, 250001):
    a = None if x % 13 == 0 else (x * 31) % 5003
    rows.append((a, x))
rows.sort(key=lambda r: r[1])
rows.sort(key=lambda r: (1, 0) if r[0] is None else (0, -r[0]))
out['S5'] = h(rows)
# S6: table t(id, v text): v = 't' || (id*7919 % 1000003), 400000 rows; ORDER BY v, id
rows = [('t%d' % ((i * 7919) % 1000003), i) for i in range(1, 400001)]
rows.sort(key=lambda r: (r[0].encode(), r[1]))
out['S6'] = h(rows)
# A1
g = {}
for x in range(1, 400001):
    k = x % 100000
    c = g.setdefault(k, [0, 0, None, None]); c[0] += 1; c[1] += x
    c[2] = x if c[2] is None else min(c[2], x); c[3] = x if c[3] is None else max(c[3], x)
out['A1'] = h([(k,) + tuple(g[k]) for k in sorted(g)])
# A2 text keys
g = {}
for x in range(1, 400001):
    k = 'key%d' % (x % 50000)
    c = g.setdefault(k, [0, 0]); c[0] += 1; c[1] += x
out['A2'] = h([(k,) + tuple(g[k]) for k in sorted(g, key=lambda s: s.encode())])
# A3 count(DISTINCT), string_agg ORDER BY, array_agg ORDER BY
g = {}
for x in range(1, 200001):
    g.setdefault(x % 20000, []).append(x)
rows = []
for k in sorted(g):
    xs = g[k]
    rows.append((k, len(set(v % 7 for v in xs)), ','.join(str(v % 1000) for v in sorted(xs, reverse=True)),
                 '{' + ','.join(str(v) for v in sorted(xs)) + '}'))
out['A3'] = h(rows)
# A4 two keys, NULLs in the second
g = {}
for x in range(1, 300001):
    k = (x % 300, None if x % 11 == 0 else x % 1000)
    c = g.setdefault(k, [0, 0]); c[0] += 1; c[1] += x
keys = sorted(g, key=lambda k: (k[0], (1, 0) if k[1] is None else (0, k[1])))
out['A4'] = h([k + tuple(g[k]) for k in keys])
# A5 table t: GROUP BY id % 150000
g = {}
for i in range(1, 400001):
    c = g.setdefault(i % 150000, [0, 0]); c[0] += 1; c[1] += i
out['A5'] = h([(k,) + tuple(g[k]) for k in sorted(g)])
for k, v in out.items():
    print(k, v)
