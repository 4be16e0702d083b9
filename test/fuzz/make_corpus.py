#!/usr/bin/env python3
"""test/fuzz/make_corpus.py — builds the seed corpus test/fuzz/corpus_sql/.

Extracts the SQL of `statement` and `query` records from test/sql/**/*.test
and the shared sqllogictest corpus (../shared/sqllogictest/test), keeps one
statement per distinct shape (digits and string literals blanked) up to a
per-file quota, and prefixes each with the CREATE TABLE / first INSERTs of its
file so it binds against real tables.  Adds the hand-written seeds of
seeds.sql (statements separated by blank lines) that use the harness's own
tables fa and fb.  Files are named by the SHA-1 of their content, as libFuzzer
does.  Usage: test/fuzz/make_corpus.py [SHARED_DIR]
"""
import glob, hashlib, os, random, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared')
OUT = os.path.join(HERE, 'corpus_sql')
PER_FILE = 14
MAX_LEN = 4000


def records(path):
    """Yields the SQL text of each statement/query record, in file order."""
    lines = open(path, encoding='utf-8', errors='replace').read().split('\n')
    i = 0
    while i < len(lines):
        w = lines[i].split()
        if w and w[0] in ('statement', 'query'):
            i += 1
            sql = []
            while i < len(lines) and lines[i].strip() and lines[i].strip() != '----':
                sql.append(lines[i])
                i += 1
            if sql:
                yield '\n'.join(sql)
        i += 1


def shape(sql):
    return re.sub(r"'[^']*'", "'S'", re.sub(r'\d+', '0', sql.lower()))


def main():
    random.seed(15)
    seeds = set()
    files = sorted(glob.glob(os.path.join(ROOT, 'test/sql/**/*.test'), recursive=True))
    files += sorted(glob.glob(os.path.join(SHARED, 'sqllogictest/test/**/*.test'), recursive=True))
    for f in files:
        recs = list(records(f))
        prefix = []
        plen = 0
        for r in recs:
            if re.match(r'\s*(create|insert)\b', r, re.I) and plen + len(r) < 1200:
                prefix.append(r)
                plen += len(r)
            elif prefix:
                break
        shapes = {}
        for r in recs:
            shapes.setdefault(shape(r), r)
        pick = list(shapes.values())
        random.shuffle(pick)
        for r in pick[:PER_FILE]:
            s = ';\n'.join(prefix + [r]) if r not in prefix else r
            if len(s) <= MAX_LEN:
                seeds.add(s + '\n')
    hand = open(os.path.join(HERE, 'seeds.sql')).read()
    for block in re.split(r'\n\s*\n', hand):
        block = '\n'.join(l for l in block.split('\n') if not l.startswith('--')).strip()
        if block:
            seeds.add(block + '\n')
    os.makedirs(OUT, exist_ok=True)
    for s in seeds:
        name = hashlib.sha1(s.encode()).hexdigest()
        with open(os.path.join(OUT, name), 'w') as fh:
            fh.write(s)
    print(f'{len(seeds)} seeds in {OUT}')


main()
