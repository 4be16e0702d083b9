-- test/fuzz/seeds.sql — hand-written seeds for fuzz_sql over the harness's
-- tables fa(a int, b text, c float8, d numeric(10,2), e bool) and
-- fb(x bigint pk, y varchar(20), z date, w timestamp, v interval).
-- One seed per blank-line separated block; make_corpus.py reads this file.

SELECT * FROM fa ORDER BY a NULLS FIRST, b

SELECT a, count(*), sum(c), avg(d), min(b), max(b) FROM fa GROUP BY a HAVING count(*) > 0 ORDER BY 1

SELECT a, b, row_number() OVER (PARTITION BY a ORDER BY b), rank() OVER (ORDER BY c DESC), sum(d) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM fa

SELECT a, lag(b, 1, 'x') OVER w, lead(c) OVER w, first_value(d) OVER w, last_value(d) OVER w, ntile(2) OVER w FROM fa WINDOW w AS (ORDER BY a)

SELECT * FROM fa JOIN fb ON fa.a = fb.x

SELECT * FROM fa LEFT JOIN fb ON fa.a = fb.x AND fb.y IS NOT NULL WHERE fa.c > 0

SELECT * FROM fa FULL OUTER JOIN fb ON fa.a = fb.x

SELECT * FROM fa RIGHT JOIN fb USING (a)

SELECT * FROM fa CROSS JOIN fb WHERE a < x

SELECT * FROM fa NATURAL JOIN fb

SELECT a FROM fa UNION SELECT x FROM fb ORDER BY 1

SELECT a FROM fa UNION ALL SELECT x FROM fb INTERSECT SELECT 2 EXCEPT SELECT 3

WITH c AS (SELECT a, b FROM fa WHERE a IS NOT NULL) SELECT * FROM c c1, c c2 WHERE c1.a = c2.a

WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) FROM r

SELECT * FROM generate_series(1, 10) g(i) WHERE i % 3 = 0

SELECT a, (SELECT max(x) FROM fb WHERE fb.x > fa.a) FROM fa

SELECT * FROM fa WHERE EXISTS (SELECT 1 FROM fb WHERE x = a) AND a NOT IN (SELECT x FROM fb WHERE x > 3)

SELECT * FROM fa WHERE a = ANY (SELECT x FROM fb) OR b = ALL (SELECT y FROM fb)

SELECT CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN NULL ELSE 'small' END, coalesce(b, 'none'), nullif(a, 2) FROM fa

SELECT DISTINCT ON (a) a, b FROM fa ORDER BY a, b DESC

SELECT a::text, b::integer FROM fa

SELECT cast(c AS numeric(5,1)), d::float4, d::bigint, e::int, a::bool FROM fa

SELECT upper(b), lower(b), length(b), substr(b, 2, 1), b || '!' , replace(b, 'o', '0'), trim('  x  '), lpad(b, 6, '*'), position('w' in b) FROM fa

SELECT b LIKE 't%', b ILIKE 'T_O', b SIMILAR TO '(one|two)', b ~ '^t', split_part('a,b,c', ',', 2), strpos(b, 'o') FROM fa

SELECT string_agg(b, ',' ORDER BY b), array_agg(a ORDER BY a DESC), bool_and(e), bool_or(e), count(DISTINCT a) FROM fa

SELECT abs(c), round(d, 1), ceil(c), floor(c), sqrt(abs(c)), power(2, a), mod(a, 2), sign(d), trunc(c), ln(a), exp(a) FROM fa

SELECT z + 1, z - interval '1 day', w + v, extract(year FROM w), date_trunc('month', w), age(w, '2000-01-01'), to_char(w, 'YYYY-MM-DD'), date_part('dow', z) FROM fb

SELECT now() IS NOT NULL, current_date > '2000-01-01', '2024-02-30'::date

SELECT '1 day 2 hours'::interval * 3, interval '1 month' / 2, justify_hours(interval '50 hours')

SELECT 9223372036854775807 + 1

SELECT -2147483648::integer / -1, (-32768)::smallint * -1

SELECT 1e308 * 10, 'NaN'::float8, '-Infinity'::float8::numeric

SELECT 123456789012345678901234567890.123456789::numeric * 98765432109876543210, 1::numeric / 3

SELECT '\x41ff'::bytea, md5('abc'), encode('abc'::bytea, 'hex'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid

SELECT ARRAY[1,2,3], (ARRAY[1,2,3])[2], array_length(ARRAY[1,2], 1), unnest(ARRAY['a','b'])

SELECT * FROM (VALUES (1, 'a'), (2, NULL)) v(p, q) ORDER BY q DESC LIMIT 1 OFFSET 1

SELECT a, b FROM fa ORDER BY c DESC NULLS LAST LIMIT 2

SELECT a % 2 AS k, percentile_cont(0.5) WITHIN GROUP (ORDER BY c), stddev(c), variance(d), count(*) FILTER (WHERE e) FROM fa GROUP BY k

SELECT a, b, count(*) FROM fa GROUP BY ROLLUP (a, b)

SELECT a, b, count(*) FROM fa GROUP BY GROUPING SETS ((a), (b), ())

SELECT a, b FROM fa GROUP BY CUBE (a, b) ORDER BY 1, 2

INSERT INTO fa VALUES (7, 'seven', 7.7, 7.70, false) RETURNING *

INSERT INTO fa SELECT x, y, x * 1.5, x, x > 2 FROM fb

INSERT INTO fb VALUES (1, 'dup', NULL, NULL, NULL) ON CONFLICT (x) DO UPDATE SET y = excluded.y

INSERT INTO fb VALUES (9, 'nine', NULL, NULL, NULL) ON CONFLICT DO NOTHING

UPDATE fa SET b = b || 'x', c = c * 2 WHERE a > 1 RETURNING a, b

UPDATE fa SET d = fb.x FROM fb WHERE fa.a = fb.x

DELETE FROM fa WHERE b IS NULL RETURNING *

DELETE FROM fb USING fa WHERE fa.a = fb.x

CREATE TABLE n(i int PRIMARY KEY, j text NOT NULL DEFAULT 'd', k numeric CHECK (k > 0), UNIQUE (j));
INSERT INTO n(i, k) VALUES (1, 5);
INSERT INTO n VALUES (2, 'd', 1);
SELECT * FROM n

CREATE TABLE p(i serial, j int REFERENCES fb(x));
INSERT INTO p(j) VALUES (1), (2), (99)

CREATE INDEX ON fa(a);
SELECT * FROM fa WHERE a = 2

CREATE VIEW vv AS SELECT a, b FROM fa WHERE e;
SELECT * FROM vv JOIN fa USING (a)

CREATE TABLE ctas AS SELECT a, sum(c) s FROM fa GROUP BY a;
SELECT * FROM ctas ORDER BY s

ALTER TABLE fa ADD COLUMN f int DEFAULT 3;
ALTER TABLE fa RENAME COLUMN b TO bb;
ALTER TABLE fa DROP COLUMN c;
SELECT * FROM fa

ALTER TABLE fb ALTER COLUMN y TYPE text;
ALTER TABLE fb RENAME TO fc;
SELECT * FROM fc

BEGIN;
INSERT INTO fa VALUES (10, 'ten', 1, 1, true);
SAVEPOINT s1;
DELETE FROM fa;
ROLLBACK TO SAVEPOINT s1;
SELECT count(*) FROM fa;
COMMIT

BEGIN;
SELECT 1/0;
SELECT 1;
ROLLBACK

PREPARE q(int) AS SELECT * FROM fa WHERE a = $1;
EXECUTE q(2);
DEALLOCATE q

SET search_path = public;
SHOW search_path;
RESET search_path;
SHOW ALL

SET TimeZone = 'America/New_York';
SELECT '2024-03-10 02:30:00'::timestamptz, now()::date = current_date

EXPLAIN SELECT * FROM fa JOIN fb ON a = x WHERE c > 1 ORDER BY b

EXPLAIN ANALYZE SELECT a, count(*) FROM fa GROUP BY a

TRUNCATE fa;
SELECT * FROM fa

DROP TABLE fa;
DROP TABLE IF EXISTS nosuch;
SELECT * FROM fb

CREATE SCHEMA s;
CREATE TABLE s.t(x int);
INSERT INTO s.t VALUES (1);
SELECT * FROM s.t;
DROP SCHEMA s CASCADE

COPY fa TO STDOUT

SELECT * FROM information_schema.tables WHERE table_name = 'fa'

SELECT * FROM pg_catalog.pg_class LIMIT 1

SELECT greatest(a, 2, NULL), least(b, 'm'), a IS DISTINCT FROM 2, b IS NOT DISTINCT FROM NULL, a BETWEEN 1 AND 2, a BETWEEN SYMMETRIC 3 AND 1 FROM fa

SELECT a, b FROM fa WHERE (a, b) IN ((1, 'one'), (2, 'two')) AND row(a, c) > row(1, 0)

SELECT x, y, z FROM fb WHERE z IS NOT NULL ORDER BY z DESC, w

SELECT 'abc'::char(5) || 'd', 'abcdef'::varchar(3), length('abc  '::char(5)), format('%s-%I-%L', 'a', 'b c', NULL)

SELECT to_number('12,345.6', '99G999D9'), to_date('2024-01-31', 'YYYY-MM-DD'), to_timestamp(0)

SELECT regexp_replace('aaa', 'a', 'b', 'g'), regexp_matches('abc', '(b)(c)'), reverse('abc'), initcap('hello world'), repeat('ab', 3), chr(65), ascii('A')

SELECT random() < 2, gen_random_uuid() IS NOT NULL, pg_typeof(1.5), version() IS NOT NULL

SELECT a FROM fa ORDER BY a FETCH FIRST 2 ROWS WITH TIES

SELECT * FROM fa f1 JOIN LATERAL (SELECT * FROM fb WHERE x > f1.a LIMIT 1) l ON true

SELECT a, sum(a) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND CURRENT ROW), cume_dist() OVER (ORDER BY a), percent_rank() OVER (ORDER BY a), dense_rank() OVER (ORDER BY b) FROM fa

SELECT a, nth_value(b, 2) OVER (ORDER BY a ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), count(*) OVER (), avg(c) OVER (PARTITION BY e) FROM fa

SELECT x, sum(x) OVER (ORDER BY x GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM fb

SELECT $1

SELECT 'x' COLLATE "C" < 'y', 1 = '1', '1'::int + '2'

SELECT (SELECT 1 UNION SELECT 2)

SELECT sum(a) FROM fa GROUP BY b HAVING sum(a) > (SELECT avg(x) FROM fb)

VALUES (1), (2) ORDER BY 1 DESC

TABLE fa
