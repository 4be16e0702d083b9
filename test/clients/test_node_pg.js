// test/clients/test_node_pg.js — node-postgres (npm `pg`) against `megadb serve`:
// parameterised queries (extended protocol, typed results), named prepared
// statements reused (and made again after another connection's ALTER TABLE:
// 0A000 when the result would change), a Pool with concurrent clients, transactions (COMMIT,
// ROLLBACK, an error inside a block), error codes.  Connection from the PG*
// environment variables.  Exit status 1 when a check failed.
'use strict';
const { Client, Pool } = require('pg');

let checks = 0, failures = 0;
function check(cond, what) {
  checks++;
  if (!cond) { failures++; console.log('FAIL: ' + what); }
}

async function main() {
  const c = new Client();
  await c.connect();
  let code = null;
  await c.query('DROP TABLE IF EXISTS node_t');
  await c.query('CREATE TABLE node_t (id int PRIMARY KEY, name text, amount numeric(10,2), ok boolean, at timestamp)');

  // parameterised INSERT and SELECT: values as parameters, typed results
  for (let i = 1; i <= 20; i++)
    await c.query('INSERT INTO node_t VALUES ($1, $2, $3, $4, $5)', [i, 'n' + i, (i * 1.25).toFixed(2), i % 2 === 0, '2024-01-0' + (1 + (i % 9)) + ' 12:00:00']);
  let r = await c.query('SELECT id, name, amount, ok FROM node_t WHERE id = $1', [7]);
  check(r.rows.length === 1 && r.rows[0].id === 7 && r.rows[0].name === 'n7' && r.rows[0].amount === '8.75' && r.rows[0].ok === false,
        'parameterised select: ' + JSON.stringify(r.rows));
  r = await c.query('SELECT count(*)::int AS n, sum(amount) AS s FROM node_t WHERE id > $1 AND name LIKE $2', [10, 'n%']);
  check(r.rows[0].n === 10 && r.rows[0].s === '193.75', 'aggregate with parameters: ' + JSON.stringify(r.rows));
  r = await c.query('SELECT $1::text AS a, $2::int + 1 AS b, $3::text IS NULL AS c', ['x', 41, null]);
  check(r.rows[0].a === 'x' && r.rows[0].b === 42 && r.rows[0].c === true, 'parameter types: ' + JSON.stringify(r.rows));
  check(r.fields.map((f) => f.dataTypeID).join(',') === '25,23,16', 'field type OIDs: ' + r.fields.map((f) => f.dataTypeID));

  // a named prepared statement, reused with different values
  let total = 0;
  for (let i = 1; i <= 20; i++) {
    const q = await c.query({ name: 'by_id', text: 'SELECT amount FROM node_t WHERE id = $1', values: [i] });
    total += Number(q.rows[0].amount);
  }
  check(Math.abs(total - 262.5) < 1e-9, 'prepared statement reused 20 times: total ' + total);
  r = await c.query({ name: 'upd', text: 'UPDATE node_t SET amount = amount + $1 WHERE id <= $2', values: [1, 5] });
  check(r.rowCount === 5 && r.command === 'UPDATE', 'prepared UPDATE rowCount ' + r.rowCount);

  // a named SELECT keeps its plan; another connection's ALTER TABLE makes it plan again, and a
  // changed result (SELECT * after ADD COLUMN, a renamed column) is 0A000 as in PostgreSQL
  const other = new Client();
  await other.connect();
  const star = (id) => c.query({ name: 'star', text: 'SELECT * FROM node_t WHERE id = $1', values: [id] });
  const amt = (id) => c.query({ name: 'amt', text: 'SELECT name, amount FROM node_t WHERE id = $1', values: [id] });
  r = await star(3);
  check(r.rows.length === 1 && r.fields.length === 5, 'named SELECT *: ' + JSON.stringify(r.rows));
  await other.query('ALTER TABLE node_t ADD COLUMN extra int DEFAULT 9');
  code = null;
  try { await star(3); } catch (e) { code = e.code + ' ' + e.message; }
  check(code === '0A000 cached plan must not change result type', 'SELECT * after ADD COLUMN: ' + code);
  r = await amt(3);
  check(r.rows[0].name === 'n3' && r.rows[0].amount === '4.75', 'named columns after ADD COLUMN: ' + JSON.stringify(r.rows));
  await other.query('ALTER TABLE node_t DROP COLUMN extra');
  r = await star(3);
  check(r.rows.length === 1 && r.fields.length === 5, 'SELECT * with its first shape again: ' + JSON.stringify(r.fields.map((f) => f.name)));
  await other.query('ALTER TABLE node_t RENAME COLUMN name TO label');
  code = null;
  try { await amt(3); } catch (e) { code = e.code; }
  check(code === '42703', 'a renamed column the statement names: ' + code);
  await other.query('ALTER TABLE node_t RENAME COLUMN label TO name');
  r = await amt(4);
  check(r.rows[0].name === 'n4', 'renamed back: ' + JSON.stringify(r.rows));
  await other.end();

  // transactions
  await c.query('BEGIN');
  await c.query('INSERT INTO node_t (id, name) VALUES ($1, $2)', [100, 'rolled back']);
  await c.query('ROLLBACK');
  await c.query('BEGIN');
  await c.query('INSERT INTO node_t (id, name) VALUES ($1, $2)', [101, 'kept']);
  await c.query('COMMIT');
  r = await c.query('SELECT string_agg(name, \',\' ORDER BY id) AS s FROM node_t WHERE id >= 100');
  check(r.rows[0].s === 'kept', 'commit and rollback: ' + r.rows[0].s);
  await c.query('BEGIN');
  code = null;
  try { await c.query('INSERT INTO node_t (id) VALUES ($1)', [1]); } catch (e) { code = e.code; }
  check(code === '23505', 'unique violation code ' + code);
  code = null;
  try { await c.query('SELECT 1'); } catch (e) { code = e.code; }
  check(code === '25P02', 'statement in a failed block: ' + code);
  await c.query('ROLLBACK');
  r = await c.query('SELECT 1 AS one');
  check(r.rows[0].one === 1, 'usable after ROLLBACK');
  code = null;
  try { await c.query('SELECT * FROM no_such_table WHERE x = $1', [1]); } catch (e) { code = e.code; }
  check(code === '42P01', 'undefined table code ' + code);
  await c.end();

  // a pool: 8 clients, 200 concurrent parameterised transactions moving amounts; the total stays
  const pool = new Pool({ max: 8 });
  const before = Number((await pool.query('SELECT sum(amount) AS s FROM node_t WHERE id <= 20')).rows[0].s);
  let retried = 0;
  const jobs = [];
  for (let k = 0; k < 200; k++) {
    jobs.push((async () => {
      const from = 1 + (k % 20), to = 1 + ((k * 7) % 20);
      for (;;) {
        const cl = await pool.connect();
        try {
          await cl.query('BEGIN');
          await cl.query('UPDATE node_t SET amount = amount - $1 WHERE id = $2', [1, from]);
          await cl.query('UPDATE node_t SET amount = amount + $1 WHERE id = $2', [1, to]);
          await cl.query('COMMIT');
          return;
        } catch (e) {
          await cl.query('ROLLBACK');
          // transfers in opposite directions wait for each other: one of them gets 40P01 (as in PostgreSQL)
          if (e.code !== '40001' && e.code !== '40P01') throw e;
          retried++;
        } finally {
          cl.release();
        }
      }
    })());
  }
  await Promise.all(jobs);
  const after = Number((await pool.query('SELECT sum(amount) AS s FROM node_t WHERE id <= 20')).rows[0].s);
  check(Math.abs(before - after) < 1e-9, 'pool transfers keep the total: ' + before + ' -> ' + after + ' (' + retried + ' retried after 40001/40P01)');
  await pool.end();

  console.log(checks + ' checks, ' + failures + ' failed');
  process.exit(failures ? 1 : 0);
}

main().catch((e) => { console.log('FAIL: ' + (e.stack || e)); process.exit(1); });
