/*
 * test/unit/test_plancache.c — prepared statements keep their plans
 * (src/main/plancache.c), through the embedded API.
 *
 * suite_plancache: a prepared point lookup is planned once and its kept plan
 * (a primary-key Index Scan with $1 as the bound) answers every later
 * execution with that execution's value, the same rows as mdb_query gives; a
 * plan is made again after ALTER TABLE (a changed result is 0A000 "cached plan
 * must not change result type", a dropped column 42703), DROP + CREATE of the
 * table (the new table's rows), another connection's DDL, a search_path
 * change, the rollback of a transaction's DDL, and a table that grew from
 * empty; CTEs, subqueries and joins give the same rows on every run;
 * parameter errors keep their SQLSTATEs (22P02, 42P02) on every run; values
 * that depend on the moment (localtimestamp) or the role (current_user) are
 * not frozen into the kept plan.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "main/engine.h"
#include "megadb.h"
#include "unit.h"

static int q(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    int rc = mdb_query(c, sql, &r);
    if (rc != MDB_OK) fprintf(stderr, "query failed: %s: %s\n", sql, mdb_conn_error(c)->message);
    if (r) mdb_result_free(r);
    return rc;
}

/* The text of a whole result (rows joined by '\n', columns by '|'), malloc'd; NULL on error. */
static char *res_text(MdbResult *r)
{
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    out[0] = 0;
    MdbChunk *ch;
    int ncols = mdb_result_column_count(r);
    while (mdb_result_fetch(r, &ch) == MDB_OK && ch) {
        for (size_t i = 0; i < mdb_chunk_row_count(ch); i++)
            for (int k = 0; k < ncols; k++) {
                size_t l = 0;
                const char *v = mdb_chunk_get_text(ch, k, i, &l);
                if (!v) v = "NULL", l = 4;
                while (len + l + 3 > cap) out = realloc(out, cap *= 2);
                memcpy(out + len, v, l);
                len += l;
                out[len++] = k + 1 < ncols ? '|' : '\n';
                out[len] = 0;
            }
    }
    return out;
}

static char *q_text(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    if (mdb_query(c, sql, &r) != MDB_OK) {
        fprintf(stderr, "query failed: %s: %s\n", sql, mdb_conn_error(c)->message);
        return NULL;
    }
    char *t = res_text(r);
    mdb_result_free(r);
    return t;
}

/* Executes s; its text, or NULL with the error's SQLSTATE in state. */
static char *x_text(MdbStmt *s, MdbConn *c, char state[6])
{
    MdbResult *r = NULL;
    state[0] = 0;
    if (mdb_stmt_execute(s, &r) != MDB_OK) {
        memcpy(state, mdb_conn_error(c)->sqlstate, 6);
        return NULL;
    }
    char *t = r ? res_text(r) : NULL;
    mdb_result_free(r);
    return t;
}

static u64 plans_of(MdbStmt *s)
{
    u64 p, r;
    engine_stmt_plan_counts(s, &p, &r);
    return p;
}
static u64 reuses_of(MdbStmt *s)
{
    u64 p, r;
    engine_stmt_plan_counts(s, &p, &r);
    return r;
}

#define CHECK_TEXT(got, want)                                                                  \
    do {                                                                                       \
        char *g__ = (got);                                                                     \
        CHECK_STR(g__, want);                                                                  \
        free(g__);                                                                             \
    } while (0)

#define CHECK_STATE(got, st, want)                                                             \
    do {                                                                                       \
        char *g__ = (got);                                                                     \
        unit_checks++;                                                                         \
        if (g__ || strcmp(st, want)) UNIT_FAIL_("wanted error %s, got %s / %s", want, st, g__ ? g__ : "(null)"); \
        free(g__);                                                                             \
    } while (0)

static void point_lookups(MdbConn *c)
{
    CHECK_INT(q(c, "CREATE TABLE acc(aid int PRIMARY KEY, bid int, abalance int, filler text) USING oltp;"
                   "INSERT INTO acc SELECT i, i / 100, i * 3 % 1000, 'f' || i FROM generate_series(1, 5000) i"),
              MDB_OK);
    MdbStmt *s;
    char st[6];
    CHECK_INT(mdb_prepare(c, "SELECT abalance FROM acc WHERE aid = $1", &s, NULL), MDB_OK);
    unsigned seed = 7;
    for (int i = 0; i < 200; i++) {
        int aid = (int)(rand_r(&seed) % 6000) + 1; /* some beyond the table: no row */
        CHECK_INT(mdb_bind_int64(s, 1, aid), MDB_OK);
        char want[64] = "";
        if (aid <= 5000) snprintf(want, sizeof want, "%d\n", aid * 3 % 1000);
        CHECK_TEXT(x_text(s, c, st), want);
    }
    CHECK_INT(plans_of(s), 1);
    CHECK_INT(reuses_of(s), 199);
    /* the kept plan is the primary-key index path with $1 as its bound */
    char plan[1024];
    engine_stmt_plan_text(s, plan, sizeof plan);
    unit_checks++;
    if (!strstr(plan, "Index Scan using acc_pkey on acc")) UNIT_FAIL_("kept plan without the index: %s", plan);
    /* a text parameter (the wire protocol's) is cast at run time */
    CHECK_INT(mdb_bind_text(s, 1, "42", 2), MDB_OK);
    CHECK_TEXT(x_text(s, c, st), "126\n");
    CHECK_INT(mdb_bind_text(s, 1, "abc", 3), MDB_OK);
    CHECK_STATE(x_text(s, c, st), st, "22P02");
    CHECK_STATE(x_text(s, c, st), st, "22P02");
    CHECK_INT(mdb_bind_int64(s, 2, 1), MDB_ERROR);
    CHECK_STR(mdb_conn_error(c)->sqlstate, "42P02");
    CHECK_INT(mdb_bind_null(s, 1), MDB_OK);
    CHECK_TEXT(x_text(s, c, st), "");
    CHECK_INT(plans_of(s), 1);
    mdb_stmt_free(s);

    /* EXPLAIN of a prepared statement shows the index path */
    CHECK_INT(mdb_prepare(c, "EXPLAIN SELECT abalance FROM acc WHERE aid = $1", &s, NULL), MDB_OK);
    CHECK_INT(mdb_bind_int64(s, 1, 5), MDB_OK);
    char *e = x_text(s, c, st);
    unit_checks++;
    if (!e || !strstr(e, "Index Scan using acc_pkey on acc")) UNIT_FAIL_("EXPLAIN: %s", e ? e : st);
    free(e);
    mdb_stmt_free(s);

    /* range bounds from parameters, an aggregate, a join, a CTE and subqueries: every run
     * of the kept plan gives what a fresh query gives */
    static const char *const shapes[] = {
        "SELECT count(*), sum(abalance) FROM acc WHERE aid BETWEEN $1 AND $1 + 50",
        "SELECT a.aid, b.aid FROM acc a JOIN acc b ON b.aid = a.aid + 1 WHERE a.aid >= $1 AND a.aid < $1 + 5 ORDER BY 1",
        "WITH w AS MATERIALIZED (SELECT bid, count(*) AS n FROM acc WHERE aid <= $1 GROUP BY bid) SELECT sum(n), max(bid) FROM w",
        "SELECT aid FROM acc WHERE aid IN (SELECT aid * 2 FROM acc WHERE aid < $1 / 10) AND aid < $1 ORDER BY aid DESC LIMIT 3",
        "SELECT (SELECT max(abalance) FROM acc x WHERE x.bid = a.bid) FROM acc a WHERE aid = $1",
    };
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        CHECK_INT(mdb_prepare(c, shapes[k], &s, NULL), MDB_OK);
        for (int v = 100; v <= 4100; v += 1000) {
            CHECK_INT(mdb_bind_int64(s, 1, v), MDB_OK);
            char sql[512], *p = sql, num[16];
            /* the same query with the value written in */
            snprintf(num, sizeof num, "%d", v);
            for (const char *t = shapes[k]; *t; t++) {
                if (t[0] == '$' && t[1] == '1') {
                    p += sprintf(p, "%s", num);
                    t++;
                } else {
                    *p++ = *t;
                }
            }
            *p = 0;
            char *want = q_text(c, sql);
            char *got = x_text(s, c, st);
            unit_checks++;
            if (!want || !got || strcmp(want, got)) UNIT_FAIL_("%s with %d: %s vs %s", shapes[k], v, got ? got : st, want ? want : "?");
            free(want);
            free(got);
        }
        CHECK_INT(plans_of(s), 1);
        if (k == 0) { /* bounds computed from $1 ($1 + 50) still drive the index */
            engine_stmt_plan_text(s, plan, sizeof plan);
            unit_checks++;
            if (!strstr(plan, "Index Scan using acc_pkey on acc")) UNIT_FAIL_("range from parameters without the index: %s", plan);
        }
        mdb_stmt_free(s);
    }
}

static void invalidation(MdbDatabase *db, MdbConn *c)
{
    MdbStmt *star, *col, *cnt;
    char st[6];
    CHECK_INT(q(c, "CREATE TABLE inv(id int PRIMARY KEY, v text) USING oltp; INSERT INTO inv VALUES (1, 'one'), (2, 'two')"), MDB_OK);
    CHECK_INT(mdb_prepare(c, "SELECT * FROM inv WHERE id = $1", &star, NULL), MDB_OK);
    CHECK_INT(mdb_prepare(c, "SELECT v FROM inv WHERE id = $1", &col, NULL), MDB_OK);
    CHECK_INT(mdb_prepare(c, "SELECT count(*) FROM inv", &cnt, NULL), MDB_OK);
    CHECK_INT(mdb_bind_int64(star, 1, 1), MDB_OK);
    CHECK_INT(mdb_bind_int64(col, 1, 2), MDB_OK);
    CHECK_TEXT(x_text(star, c, st), "1|one\n");
    CHECK_TEXT(x_text(col, c, st), "two\n");
    CHECK_TEXT(x_text(cnt, c, st), "2\n");

    /* a new column: SELECT * would change its result (0A000, as PostgreSQL); the named column
     * is planned again and still works */
    CHECK_INT(q(c, "ALTER TABLE inv ADD COLUMN w int DEFAULT 7"), MDB_OK);
    CHECK_STATE(x_text(star, c, st), st, "0A000");
    CHECK_STR(mdb_conn_error(c)->message, "cached plan must not change result type");
    CHECK_STATE(x_text(star, c, st), st, "0A000");
    CHECK_TEXT(x_text(col, c, st), "two\n");
    CHECK_INT(plans_of(col), 2);
    /* the column gone again: SELECT * has its first shape back */
    CHECK_INT(q(c, "ALTER TABLE inv DROP COLUMN w"), MDB_OK);
    CHECK_TEXT(x_text(star, c, st), "1|one\n");
    /* a dropped column the statement names: 42703 */
    CHECK_INT(q(c, "ALTER TABLE inv ADD COLUMN w int; ALTER TABLE inv DROP COLUMN v"), MDB_OK);
    CHECK_STATE(x_text(col, c, st), st, "42703");
    /* the table dropped (42P01) and made again: its rows */
    CHECK_INT(q(c, "DROP TABLE inv"), MDB_OK);
    CHECK_STATE(x_text(col, c, st), st, "42P01");
    CHECK_STATE(x_text(cnt, c, st), st, "42P01");
    CHECK_INT(q(c, "CREATE TABLE inv(id int PRIMARY KEY, v text) USING memory; INSERT INTO inv VALUES (2, 'deux'), (3, 'trois'), (4, 'quatre')"),
              MDB_OK);
    CHECK_TEXT(x_text(col, c, st), "deux\n");
    CHECK_TEXT(x_text(cnt, c, st), "3\n");

    /* another connection's DDL (committed) */
    MdbConn *c2;
    CHECK_INT(mdb_connect(db, &c2), MDB_OK);
    CHECK_INT(q(c2, "DROP TABLE inv; CREATE TABLE inv(id int, v text); INSERT INTO inv VALUES (2, 'zwei')"), MDB_OK);
    CHECK_TEXT(x_text(col, c, st), "zwei\n");
    CHECK_TEXT(x_text(cnt, c, st), "1\n");
    /* … and uncommitted: not seen until it commits, and seen after */
    MdbStmt *late;
    CHECK_INT(mdb_prepare(c, "SELECT v FROM inv2 WHERE id = $1", &late, NULL), MDB_OK);
    CHECK_INT(mdb_bind_int64(late, 1, 5), MDB_OK);
    CHECK_INT(q(c2, "BEGIN; CREATE TABLE inv2(id int, v text); INSERT INTO inv2 VALUES (5, 'five')"), MDB_OK);
    CHECK_STATE(x_text(late, c, st), st, "42P01");
    CHECK_INT(q(c2, "COMMIT"), MDB_OK);
    CHECK_TEXT(x_text(late, c, st), "five\n");
    CHECK_INT(q(c2, "BEGIN; DROP TABLE inv2; CREATE TABLE inv2(id int, v text); INSERT INTO inv2 VALUES (5, 'cinq'); COMMIT"), MDB_OK);
    CHECK_TEXT(x_text(late, c, st), "cinq\n");
    mdb_stmt_free(late);
    mdb_disconnect(c2);

    /* this connection's own DDL in a block, then rolled back */
    CHECK_INT(q(c, "CREATE TABLE inv_old(id int, v text); INSERT INTO inv_old VALUES (2, 'dos')"), MDB_OK);
    CHECK_INT(q(c, "BEGIN; DROP TABLE inv; ALTER TABLE inv_old RENAME TO inv"), MDB_OK);
    CHECK_TEXT(x_text(col, c, st), "dos\n");
    CHECK_INT(q(c, "ROLLBACK"), MDB_OK);
    CHECK_TEXT(x_text(col, c, st), "zwei\n");

    /* search_path: the same name is another table */
    CHECK_INT(q(c, "CREATE SCHEMA sa; CREATE SCHEMA sb; CREATE TABLE sa.x(v text); CREATE TABLE sb.x(v text);"
                   "INSERT INTO sa.x VALUES ('in sa'); INSERT INTO sb.x VALUES ('in sb'); SET search_path = sa"),
              MDB_OK);
    MdbStmt *sp;
    CHECK_INT(mdb_prepare(c, "SELECT v FROM x", &sp, NULL), MDB_OK);
    CHECK_TEXT(x_text(sp, c, st), "in sa\n");
    CHECK_TEXT(x_text(sp, c, st), "in sa\n");
    CHECK_INT(q(c, "SET search_path = sb"), MDB_OK);
    CHECK_TEXT(x_text(sp, c, st), "in sb\n");
    /* a setting plans do not read keeps the plan */
    CHECK_INT(q(c, "SET application_name = 'x'"), MDB_OK);
    CHECK_TEXT(x_text(sp, c, st), "in sb\n");
    CHECK_INT(plans_of(sp), 2);
    CHECK_INT(q(c, "RESET search_path"), MDB_OK);
    mdb_stmt_free(sp);

    /* a table that grew from empty after planning: planned again (the estimates changed) */
    CHECK_INT(q(c, "CREATE TABLE grow(id int PRIMARY KEY, g int) USING memory"), MDB_OK);
    MdbStmt *gs;
    CHECK_INT(mdb_prepare(c, "SELECT count(*) FROM grow a JOIN grow b ON a.g = b.id", &gs, NULL), MDB_OK);
    CHECK_TEXT(x_text(gs, c, st), "0\n");
    CHECK_INT(q(c, "INSERT INTO grow SELECT i, i % 10 FROM generate_series(1, 1000) i"), MDB_OK);
    CHECK_TEXT(x_text(gs, c, st), "900\n");
    CHECK_TEXT(x_text(gs, c, st), "900\n");
    CHECK_INT(plans_of(gs), 2);
    /* ANALYZE (new statistics) makes it plan again too */
    CHECK_INT(q(c, "ANALYZE grow"), MDB_OK);
    CHECK_TEXT(x_text(gs, c, st), "900\n");
    CHECK_INT(plans_of(gs), 3);
    mdb_stmt_free(gs);

    mdb_stmt_free(star);
    mdb_stmt_free(col);
    mdb_stmt_free(cnt);
}

static void moment_and_role(MdbConn *c)
{
    MdbStmt *s;
    char st[6];
    CHECK_INT(mdb_prepare(c, "SELECT localtimestamp::text, current_user", &s, NULL), MDB_OK);
    char *a = x_text(s, c, st);
    usleep(20000);
    char *b = x_text(s, c, st);
    unit_checks++;
    if (!a || !b || !strcmp(a, b)) UNIT_FAIL_("localtimestamp frozen in the kept plan: %s / %s", a ? a : st, b ? b : st);
    CHECK(b && strstr(b, "|megadb\n"));
    free(a);
    free(b);
    CHECK_INT(q(c, "SET session_authorization = 'alice'"), MDB_OK);
    b = x_text(s, c, st);
    CHECK(b && strstr(b, "|alice\n"));
    free(b);
    CHECK_INT(q(c, "RESET session_authorization"), MDB_OK);
    mdb_stmt_free(s);
}

void suite_plancache(void)
{
    MdbDatabase *db;
    MdbConn *c;
    CHECK_INT(mdb_open(NULL, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    point_lookups(c);
    invalidation(db, c);
    moment_and_role(c);
    mdb_disconnect(c);
    mdb_close(db);
}
