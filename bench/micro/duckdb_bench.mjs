// bench/micro/duckdb_bench.mjs — the DuckDB side of the issue-2 micro benchmark.
//
// The twin of bench/micro/megadb_bench.c: the same data generated inside the
// engine (an in-memory DuckDB database through @duckdb/node-api, installed by
// `npm install` in bench/), the same thread count (SET threads = N), the same
// SQL, the same timing (wall clock from process.hrtime.bigint(), which reads
// CLOCK_MONOTONIC; one warm-up, then --runs timed runs, median printed; a
// query's time covers running it and reading every result row), the same
// result checks against values computed here from the generating formulas and
// the same output lines, parsed by bench/run.sh:
//
//   TIME <name> <median ms> <run1 ms,run2 ms,…>   wall clock
//   CPU <name> <median ms> <run1 ms,run2 ms,…>    process CPU time (process.cpuUsage(),
//                                                 user + system, all threads)
//   CHECK <name> <checksum text>
//
// Exit status 0 when every check passed, 1 otherwise.
//
// usage: node micro/duckdb_bench.mjs [--threads N] [--runs R] [--rows N] [--dim-rows M] [--only q1|q2]

import { DuckDBInstance } from '@duckdb/node-api';
import { createRequire } from 'node:module';

const Q1_GROUPS = 100;  // cat = i % 100
const Q2_GROUPS = 1000; // grp = k % 1000

const opts = { threads: 2, runs: 5, rows: 10000000, dimRows: 1000000, only: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const v = argv[i + 1];
  if (v === undefined) usage();
  switch (argv[i]) {
    case '--threads': opts.threads = Number(v); break;
    case '--runs': opts.runs = Number(v); break;
    case '--rows': opts.rows = Number(v); break;
    case '--dim-rows': opts.dimRows = Number(v); break;
    case '--only': opts.only = v; break;
    default: usage();
  }
}
if (!(opts.threads >= 1 && opts.runs >= 1 && opts.rows >= 1 && opts.dimRows >= 1)) usage();

function usage() {
  console.error('usage: duckdb_bench.mjs [--threads N] [--runs R] [--rows N] [--dim-rows M] [--only q1|q2]');
  process.exit(2);
}

let failures = 0;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };

function median(t) {
  const s = [...t].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function printTime(name, t, kind = 'TIME') {
  console.log(`${kind} ${name} ${median(t).toFixed(1)} ${t.map((x) => x.toFixed(1)).join(',')}`);
}

const require = createRequire(import.meta.url);
const version = require('@duckdb/node-api/package.json').version;

const instance = await DuckDBInstance.create(':memory:', { threads: String(opts.threads) });
const conn = await instance.connect();
await conn.run(`SET threads = ${opts.threads}`);
console.log(`INFO engine=duckdb version=${version} threads=${opts.threads} runs=${opts.runs} rows=${opts.rows} dim_rows=${opts.dimRows}`);

// ---- load (warm-up + runs, dropping the tables in between) ----
const loadFact =
  'CREATE TABLE fact(id bigint, k integer, v double precision, cat integer); ' +
  `INSERT INTO fact SELECT i, i % ${opts.dimRows}, (i % 997) * 1.5, i % 100 FROM generate_series(1, ${opts.rows}) AS g(i)`;
const loadDim =
  'CREATE TABLE dim(k integer, name text, grp integer); ' +
  `INSERT INTO dim SELECT i, 'name' || i, i % 1000 FROM generate_series(0, ${opts.dimRows - 1}) AS g(i)`;
const tFact = [], tDim = [], cFact = [], cDim = [];
for (let run = -1; run < opts.runs; run++) {
  if (run >= 0) {
    await conn.run('DROP TABLE fact');
    await conn.run('DROP TABLE dim');
  }
  const t0 = nowMs(), c0 = cpuMs();
  await conn.run(loadFact);
  const t1 = nowMs(), c1 = cpuMs();
  await conn.run(loadDim);
  const t2 = nowMs(), c2 = cpuMs();
  if (run >= 0) { tFact.push(t1 - t0); tDim.push(t2 - t1); cFact.push(c1 - c0); cDim.push(c2 - c1); }
}
printTime('load_fact', tFact);
printTime('load_dim', tDim);
printTime('load_fact', cFact, 'CPU');
printTime('load_dim', cDim, 'CPU');

// ---- expected answers, from the generating formulas ----
const newGroups = (n) => Array.from({ length: n }, (_, key) => ({ key, count: 0, sum: 0, avg: 0 }));
const want1 = newGroups(Q1_GROUPS), want2 = newGroups(Q2_GROUPS);
for (let i = 1; i <= opts.rows; i++) {
  const v = (i % 997) * 1.5;
  const k = i % opts.dimRows;
  if (v > 100) { want1[i % 100].count++; want1[i % 100].sum += v; }
  want2[k % 1000].count++;
  want2[k % 1000].sum += v;
}
for (const g of want1) if (g.count) g.avg = g.sum / g.count;

const closeEnough = (got, want) => Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want));

// Compares a result with the expected groups; prints the checksum line (the
// same text as megadb_bench.c) when `print` or when the check fails.
function checkGroups(name, rows, want, hasAvg, print) {
  const got = newGroups(want.length);
  for (const r of rows) {
    const key = Number(r[0]);
    if (key < 0 || key >= want.length) continue;
    got[key] = { key, count: Number(r[1]), sum: Number(r[2]), avg: hasAvg ? Number(r[3]) : 0 };
  }
  let wantRows = 0, totalCount = 0, totalSum = 0, totalAvg = 0, bad = 0;
  for (let g = 0; g < want.length; g++) {
    if (want[g].count === 0) continue;
    wantRows++;
    if (got[g].count !== want[g].count || !closeEnough(got[g].sum, want[g].sum) ||
        (hasAvg && !closeEnough(got[g].avg, want[g].avg))) {
      if (bad++ < 5) console.error(`duckdb_bench: ${name} group ${g}: got ${JSON.stringify(got[g])}, want ${JSON.stringify(want[g])}`);
    }
    totalCount += got[g].count;
    totalSum += got[g].sum;
    totalAvg += got[g].avg;
  }
  if (rows.length !== wantRows) {
    console.error(`duckdb_bench: ${name} returned ${rows.length} rows, want ${wantRows}`);
    bad++;
  }
  if (bad) failures++;
  if (!print && !bad) return;
  let line = `CHECK ${name} ${bad ? 'FAILED' : 'ok'} rows=${rows.length} count=${totalCount} sum=${totalSum.toFixed(1)}`;
  if (hasAvg) line += ` avgsum=${totalAvg.toFixed(6)}`;
  console.log(line);
}

// ---- queries ----
const queries = [
  { name: 'q1', sql: 'SELECT cat, count(*), sum(v), avg(v) FROM fact WHERE v > 100 GROUP BY cat', want: want1, hasAvg: true },
  { name: 'q2', sql: 'SELECT d.grp, count(*), sum(f.v) FROM fact f JOIN dim d ON f.k = d.k GROUP BY d.grp', want: want2, hasAvg: false },
];
for (const q of queries) {
  if (opts.only && opts.only !== q.name) continue;
  const t = [], c = [];
  for (let run = -1; run < opts.runs; run++) {
    const t0 = nowMs(), c0 = cpuMs();
    const reader = await conn.runAndReadAll(q.sql);
    const rows = reader.getRows();
    const t1 = nowMs(), c1 = cpuMs();
    // every run is checked; the checksum is printed for the warm-up one
    checkGroups(q.name, rows, q.want, q.hasAvg, run < 0);
    if (run >= 0) { t.push(t1 - t0); c.push(c1 - c0); }
  }
  printTime(q.name, t);
  printTime(q.name, c, 'CPU');
}

conn.closeSync();
process.exit(failures ? 1 : 0);
