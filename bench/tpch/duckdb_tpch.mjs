// bench/tpch/duckdb_tpch.mjs — the DuckDB side of the TPC-H benchmark
// (bench/tpch/run.sh), the twin of bench/tpch/megadb_tpch.c: an in-memory
// DuckDB through @duckdb/node-api (bench/node_modules), SET threads = N, the
// standard schema, the .tbl files of DATA_DIR loaded with read_csv (the
// trailing '|' makes an extra empty column, which is dropped), then each
// query file run RUNS times (every statement; the time covers reading every
// result row) and the first run's result written to OUT_DIR/qNN.csv in the
// answers' format.  Output lines: LOAD <ms>; TIME <qNN> <median> <runs>;
// ERROR <qNN> <message>.
//
// usage: node tpch/duckdb_tpch.mjs --threads N --runs K --schema FILE --data DIR --out DIR QUERY...

import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const opts = { threads: 2, runs: 3, schema: null, data: null, out: '.' };
const argv = process.argv.slice(2);
let i = 0;
for (; i < argv.length && argv[i].startsWith('--'); i += 2) opts[argv[i].slice(2)] = argv[i + 1];
const queries = argv.slice(i);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`SET threads = ${Number(opts.threads)}`);

// statements of a file, split at semicolons outside quotes
function statements(sql) {
  const out = [];
  let cur = '', q = false;
  for (const ch of sql) {
    if (ch === "'") q = !q;
    if (ch === ';' && !q) { if (cur.trim()) out.push(cur); cur = ''; } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

const schema = readFileSync(opts.schema, 'utf8');
let t0 = nowMs();
for (const s of statements(schema)) await con.run(s);
for (const m of schema.matchAll(/CREATE TABLE (\w+)\s*\((.*)\);/g)) {
  const table = m[1];
  const cols = [...m[2].matchAll(/(\w+) (INTEGER|DATE|(?:CHAR|VARCHAR|DECIMAL)\(\d+(?:,\d+)?\))/g)].map((c) => [c[1], c[2]]);
  const spec = cols.map(([n, t]) => `'${n}': '${t}'`).join(', ');
  await con.run(`INSERT INTO ${table} SELECT ${cols.map((c) => c[0]).join(', ')} FROM read_csv('${opts.data}/${table}.tbl', ` +
    `delim = '|', header = false, quote = '', escape = '', columns = {${spec}, 'trailing_empty': 'VARCHAR'})`);
}
console.log(`LOAD ${(nowMs() - t0).toFixed(1)}`);

function text(v) {
  if (v === null || v === undefined) return 'NULL';
  return String(v).replace(/ +$/, '');
}

for (const path of queries) {
  const name = basename(path).replace(/\..*$/, '');
  const stmts = statements(readFileSync(path, 'utf8'));
  const times = [];
  let failed = false;
  for (let k = 0; k < Number(opts.runs) && !failed; k++) {
    let lines = null;
    const s = nowMs();
    try {
      for (const st of stmts) {
        const reader = await con.runAndReadAll(st);
        const cols = reader.columnNames();
        if (cols.length && /^\s*(select|with)/i.test(st.replace(/^\s*--.*$/gm, ''))) {
          const rows = reader.getRows(); // DuckDB values: DECIMAL and DATE print as SQL text
          if (k === 0) lines = [cols.join('|'), ...rows.map((r) => r.map(text).join('|'))];
        }
      }
    } catch (e) {
      console.log(`ERROR ${name} ${String(e.message).split('\n')[0]}`);
      failed = true;
    }
    times.push(nowMs() - s);
    if (lines) writeFileSync(`${opts.out}/${name}.csv`, lines.join('\n') + '\n');
  }
  if (failed) continue;
  const sorted = [...times].sort((a, b) => a - b);
  const n = sorted.length;
  const med = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  console.log(`TIME ${name} ${med.toFixed(1)} ${times.map((x) => x.toFixed(1)).join(',')}`);
}
