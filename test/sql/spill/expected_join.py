#!/usr/bin/env python3
# Expected values of test/sql/spill/join.test, recomputed from the data in Python.
from collections import defaultdict
A = [(i, None if i % 50 == 0 else i % 150000, 'a%d' % i) for i in range(1, 300001)]
B = [(i, None if i % 70 == 0 else (i * 3) % 200000, 'a%d' % ((i * 7) % 400000)) for i in range(1, 250001)]
bk = defaultdict(list); bs = defaultdict(list)
for r in B:
    if r[1] is not None: bk[r[1]].append(r)
    bs[r[2]].append(r)
def join(cond=lambda a, b: True, by='k'):
    pairs = []; amatch = set(); bmatch = set()
    for a in A:
        cands = (bk.get(a[1], []) if a[1] is not None else []) if by == 'k' else bs.get(a[2], [])
        for b in cands:
            if cond(a, b):
                pairs.append((a, b)); amatch.add(a[0]); bmatch.add(b[0])
    return pairs, amatch, bmatch
P, am, bm = join()
out = []
out.append(('inner', len(P), sum(a[0] for a, b in P), sum(b[0] for a, b in P)))
la = [a for a in A if a[0] not in am]; lb = [b for b in B if b[0] not in bm]
out.append(('left', len(P) + len(la), sum(a[0] for a, b in P) + sum(a[0] for a in la), sum(b[0] for a, b in P), len(P)))
out.append(('right', len(P) + len(lb), sum(a[0] for a, b in P), sum(b[0] for a, b in P) + sum(b[0] for b in lb), len(P)))
out.append(('full', len(P) + len(la) + len(lb), sum(a[0] for a, b in P) + sum(a[0] for a in la),
            sum(b[0] for a, b in P) + sum(b[0] for b in lb), len(P) + len(la), len(P) + len(lb)))
sa = [a for a in A if a[0] in am]
out.append(('semi', len(sa), sum(a[0] for a in sa)))
out.append(('anti', len(la), sum(a[0] for a in la)))
bkeys = set(r[1] for r in B if r[1] is not None)
ni = [a for a in A if a[1] is not None and a[1] not in bkeys]
out.append(('notin', len(ni), sum(a[0] for a in ni)))
P2, am2, bm2 = join(lambda a, b: a[0] < b[0])
out.append(('resid', len(P2), sum(a[0] for a, b in P2)))
P3, _, _ = join(by='s')
out.append(('text', len(P3), sum(a[0] for a, b in P3), sum(b[0] for a, b in P3)))
P4, am4, _ = join(lambda a, b: b[0] % 2 == 0)
out.append(('leftresid', len(P4) + sum(1 for a in A if a[0] not in am4), len(P4)))
P5, am5, _ = join(lambda a, b: b[0] > a[0])
out.append(('semiresid', len(am5)))
out.append(('antiresid', len(A) - len(am5)))
P6, am6, bm6 = join(lambda a, b: a[0] % 3 == 0)
out.append(('fullresid', len(P6) + (len(A) - len(am6)) + (len(B) - len(bm6)), len(P6) + len(A) - len(am6), len(P6) + len(B) - len(bm6)))
for r in out: print('\t'.join(str(v) for v in r))
