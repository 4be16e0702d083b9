/*
 * test/unit/test_iso.c — isolation levels and waits on write-write conflicts,
 * through the embedded C API (include/megadb.h) with one thread per
 * connection, on both tiers (USING memory, USING oltp).
 *
 * The sqllogictest runner runs its connections one after the other, so a
 * wait there can only end by a timeout; the waits that end because the other
 * transaction committed or rolled back, deadlocks and cancels are checked
 * here:
 * - two threads increment one counter 200 times each under READ COMMITTED:
 *   +400 exactly, no error (no lost update), and the threads did wait;
 * - REPEATABLE READ: the waiter fails with 40001 when the first writer
 *   commits and succeeds when it rolls back; READ COMMITTED builds on the
 *   committed value;
 * - a statement that waited runs again whole: RETURNING gives the final rows
 *   once, the rows it had changed before it met the busy one change once;
 * - two transactions that wait for each other: exactly one gets 40P01;
 * - lock_timeout gives 55P03, a cancel during a wait 57014;
 * - a rollback to a savepoint of the writer waited for lets the waiter go on;
 * - unique keys: an insert of a key another transaction is inserting waits,
 *   then gets 23505 (the other committed) or succeeds (rolled back).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
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
    if (r) mdb_result_free(r);
    return rc;
}

/* The whole result as text (rows by '\n', columns by '|'); NULL when the query failed. */
static char *q_text(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    if (mdb_query(c, sql, &r) != MDB_OK) {
        if (r) mdb_result_free(r);
        return NULL;
    }
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
    mdb_result_free(r);
    return out;
}

static void check_text(MdbConn *c, const char *sql, const char *want)
{
    char *t = q_text(c, sql);
    CHECK_STR(t, want);
    if (!t) fprintf(stderr, "  %s: %s %s\n", sql, mdb_conn_error(c)->sqlstate, mdb_conn_error(c)->message);
    free(t);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One statement run on its own thread (it may wait): its outcome. */
typedef struct Bg {
    MdbConn *c;
    const char *sql;
    pthread_t th;
    _Atomic bool done;
    int rc;
    char sqlstate[6];
    char *text; /* the result rows, or NULL */
} Bg;

static void *bg_main(void *p)
{
    Bg *b = p;
    b->text = q_text(b->c, b->sql);
    b->rc = b->text ? MDB_OK : MDB_ERROR;
    memcpy(b->sqlstate, b->text ? "00000" : mdb_conn_error(b->c)->sqlstate, 6);
    atomic_store(&b->done, true);
    return NULL;
}

static void bg_start(Bg *b, MdbConn *c, const char *sql)
{
    memset(b, 0, sizeof *b);
    b->c = c;
    b->sql = sql;
    pthread_create(&b->th, NULL, bg_main, b);
}

static void bg_join(Bg *b)
{
    pthread_join(b->th, NULL);
}

/* Waits until the database counts `n` waits (the background statement is blocked), at most 5 s. */
static bool waits_reach(MdbDatabase *db, u64 n)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&db->tm.mu);
        u64 w = db->tm.nwaits;
        pthread_mutex_unlock(&db->tm.mu);
        if (w >= n) return true;
        usleep(10000);
    }
    return false;
}

static u64 waits(MdbDatabase *db)
{
    pthread_mutex_lock(&db->tm.mu);
    u64 w = db->tm.nwaits;
    pthread_mutex_unlock(&db->tm.mu);
    return w;
}

/* ---- lost updates --------------------------------------------------------------------- */

typedef struct Incr {
    MdbConn *c;
    int errors;
    char last_error[128];
} Incr;

static void *incr_main(void *p)
{
    Incr *a = p;
    for (int i = 0; i < 200; i++) {
        /* the read between the update and the commit keeps the row busy a while */
        if (q(a->c, "BEGIN") || q(a->c, "UPDATE ctr SET n = n + 1 WHERE id = 1") || q(a->c, "SELECT n FROM ctr WHERE id = 1") ||
            q(a->c, "COMMIT")) {
            a->errors++;
            snprintf(a->last_error, sizeof a->last_error, "%s %s", mdb_conn_error(a->c)->sqlstate, mdb_conn_error(a->c)->message);
            q(a->c, "ROLLBACK");
        }
    }
    return NULL;
}

static void lost_update(MdbDatabase *db, MdbConn *c1, MdbConn *c2)
{
    u64 w0 = waits(db);
    Incr a[2] = {{c1, 0, ""}, {c2, 0, ""}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, incr_main, &a[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CHECK_INT(a[0].errors, 0);
    CHECK_INT(a[1].errors, 0);
    if (a[0].errors || a[1].errors) fprintf(stderr, "  increment errors: %s / %s\n", a[0].last_error, a[1].last_error);
    check_text(c1, "SELECT n FROM ctr WHERE id = 1", "400\n");
    /* two threads on one row: at least one of them had to wait (else the test proves nothing) */
    CHECK(waits(db) > w0);
}

/* ---- commit / rollback of the writer waited for ---------------------------------------- */

/* c1 changes row 1 (n 0 → 5) in a block; c2 (isolation `level`, snapshot taken before) adds 10
 * to it and waits; c1 ends with `c1_end`.  Checks c2's outcome and the final value. */
static void wait_then(MdbDatabase *db, MdbConn *c1, MdbConn *c2, const char *level, const char *c1_end, const char *want_state,
                      const char *want_final)
{
    CHECK_INT(q(c1, "UPDATE ctr SET n = 0 WHERE id = 1"), MDB_OK);
    char begin[96];
    snprintf(begin, sizeof begin, "BEGIN ISOLATION LEVEL %s", level);
    CHECK_INT(q(c2, begin), MDB_OK);
    check_text(c2, "SELECT n FROM ctr WHERE id = 1", "0\n");
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "UPDATE ctr SET n = 5 WHERE id = 1"), MDB_OK);
    u64 w0 = waits(db);
    Bg b;
    bg_start(&b, c2, "UPDATE ctr SET n = n + 10 WHERE id = 1 RETURNING n");
    CHECK(waits_reach(db, w0 + 1));
    usleep(20000);
    CHECK(!atomic_load(&b.done)); /* still waiting */
    CHECK_INT(q(c1, c1_end), MDB_OK);
    bg_join(&b);
    CHECK_STR(b.sqlstate, want_state);
    if (!strcmp(want_state, "00000")) {
        /* RETURNING shows the row once, as the run that succeeded wrote it */
        char want_ret[32];
        snprintf(want_ret, sizeof want_ret, "%s\n", want_final);
        CHECK_STR(b.text, want_ret);
        CHECK_INT(q(c2, "COMMIT"), MDB_OK);
    } else {
        CHECK(mdb_conn_txn_failed(c2));
        CHECK_INT(q(c2, "ROLLBACK"), MDB_OK);
    }
    free(b.text);
    char want[32];
    snprintf(want, sizeof want, "%s\n", want_final);
    check_text(c1, "SELECT n FROM ctr WHERE id = 1", want);
}

/* A statement over several rows meets a busy one after changing others: when it runs again
 * (READ COMMITTED, after the other committed) each row is changed once. */
static void restart_whole(MdbDatabase *db, MdbConn *c1, MdbConn *c2)
{
    CHECK_INT(q(c1, "UPDATE multi SET n = id * 10"), MDB_OK);
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    /* the newest version of row 3 is the last in the table, so the scan meets it last */
    CHECK_INT(q(c1, "UPDATE multi SET n = 100 WHERE id = 3"), MDB_OK);
    u64 w0 = waits(db);
    Bg b;
    bg_start(&b, c2, "UPDATE multi SET n = n + 1");
    CHECK(waits_reach(db, w0 + 1));
    CHECK_INT(q(c1, "COMMIT"), MDB_OK);
    bg_join(&b);
    CHECK_STR(b.sqlstate, "00000");
    free(b.text);
    check_text(c1, "SELECT id, n FROM multi ORDER BY id", "1|11\n2|21\n3|101\n");
}

/* ---- deadlocks, lock_timeout, cancel ----------------------------------------------------- */

static void deadlock(MdbDatabase *db, MdbConn *c1, MdbConn *c2)
{
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "UPDATE multi SET n = -1 WHERE id = 1"), MDB_OK);
    CHECK_INT(q(c2, "BEGIN"), MDB_OK);
    CHECK_INT(q(c2, "UPDATE multi SET n = -2 WHERE id = 2"), MDB_OK);
    u64 w0 = waits(db);
    Bg a, b;
    bg_start(&a, c1, "UPDATE multi SET n = -1 WHERE id = 2");
    CHECK(waits_reach(db, w0 + 1));
    bg_start(&b, c2, "UPDATE multi SET n = -2 WHERE id = 1");
    /* the one that closes the cycle fails at once; the other waits until the victim rolls back */
    for (int i = 0; i < 500 && !atomic_load(&a.done) && !atomic_load(&b.done); i++) usleep(10000);
    bool a_victim = atomic_load(&a.done);
    Bg *victim = a_victim ? &a : &b, *survivor = a_victim ? &b : &a;
    CHECK(atomic_load(&victim->done));
    bg_join(victim);
    CHECK_STR(victim->sqlstate, "40P01");
    CHECK(!atomic_load(&survivor->done));
    CHECK_INT(q(victim->c, "ROLLBACK"), MDB_OK);
    bg_join(survivor);
    CHECK_STR(survivor->sqlstate, "00000");
    CHECK_INT(q(survivor->c, "COMMIT"), MDB_OK);
    free(a.text);
    free(b.text);
    /* the survivor's two rows, the victim's none */
    check_text(c1, "SELECT count(*) FROM multi WHERE n < 0", "2\n");
    check_text(c1, a_victim ? "SELECT count(*) FROM multi WHERE n = -2" : "SELECT count(*) FROM multi WHERE n = -1", "2\n");
}

static void lock_timeout(MdbConn *c1, MdbConn *c2)
{
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "UPDATE multi SET n = 7 WHERE id = 1"), MDB_OK);
    CHECK_INT(q(c2, "SET lock_timeout = '100ms'"), MDB_OK);
    double t0 = now_s();
    CHECK_INT(q(c2, "DELETE FROM multi WHERE id = 1"), MDB_ERROR);
    double dt = now_s() - t0;
    CHECK_STR(mdb_conn_error(c2)->sqlstate, "55P03");
    CHECK(dt >= 0.09 && dt < 3);
    CHECK_INT(q(c2, "RESET lock_timeout"), MDB_OK);
    CHECK_INT(q(c1, "ROLLBACK"), MDB_OK);
}

static void cancel(MdbDatabase *db, MdbConn *c1, MdbConn *c2)
{
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "UPDATE multi SET n = 8 WHERE id = 1"), MDB_OK);
    u64 w0 = waits(db);
    Bg b;
    bg_start(&b, c2, "UPDATE multi SET n = 9 WHERE id = 1");
    CHECK(waits_reach(db, w0 + 1));
    mdb_conn_cancel(c2);
    bg_join(&b);
    CHECK_STR(b.sqlstate, "57014");
    CHECK_INT(q(c1, "COMMIT"), MDB_OK);
    check_text(c1, "SELECT n FROM multi WHERE id = 1", "8\n");
}

/* The writer waited for rolls back to a savepoint before the change: the waiter goes on while
 * that transaction is still open (as in PostgreSQL, where the change belonged to a subtransaction). */
static void savepoint_frees(MdbDatabase *db, MdbConn *c1, MdbConn *c2)
{
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "UPDATE multi SET n = 20 WHERE id = 2"), MDB_OK);
    CHECK_INT(q(c1, "SAVEPOINT s"), MDB_OK);
    CHECK_INT(q(c1, "UPDATE multi SET n = 30 WHERE id = 1"), MDB_OK);
    u64 w0 = waits(db);
    Bg b;
    bg_start(&b, c2, "UPDATE multi SET n = n + 1 WHERE id = 1 RETURNING n");
    CHECK(waits_reach(db, w0 + 1));
    CHECK_INT(q(c1, "ROLLBACK TO SAVEPOINT s"), MDB_OK);
    bg_join(&b);
    CHECK_STR(b.sqlstate, "00000");
    CHECK_STR(b.text, "9\n");
    free(b.text);
    CHECK(mdb_conn_in_transaction(c1));
    CHECK_INT(q(c1, "COMMIT"), MDB_OK);
    check_text(c1, "SELECT id, n FROM multi WHERE id <= 2 ORDER BY id", "1|9\n2|20\n");
}

/* An insert that meets a key another transaction inserted waits for it (OLTP: the unique index
 * probe; MEMORY: the engine's unique check). */
static void unique_wait(MdbDatabase *db, MdbConn *c1, MdbConn *c2, const char *c1_end, const char *want_state)
{
    CHECK_INT(q(c1, "DELETE FROM multi WHERE id >= 10"), MDB_OK);
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "INSERT INTO multi VALUES (10, 1)"), MDB_OK);
    u64 w0 = waits(db);
    Bg b;
    bg_start(&b, c2, "INSERT INTO multi VALUES (10, 2)");
    CHECK(waits_reach(db, w0 + 1));
    CHECK_INT(q(c1, c1_end), MDB_OK);
    bg_join(&b);
    CHECK_STR(b.sqlstate, want_state);
    free(b.text);
    check_text(c1, "SELECT n FROM multi WHERE id = 10", !strcmp(want_state, "00000") ? "2\n" : "1\n");
}

static void tier(const char *using)
{
    MdbDatabase *db;
    MdbConn *c1, *c2;
    CHECK_INT(mdb_open(NULL, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c1), MDB_OK);
    CHECK_INT(mdb_connect(db, &c2), MDB_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE ctr(id int PRIMARY KEY, n int) USING %s; INSERT INTO ctr VALUES (1, 0), (2, 0);"
             "CREATE TABLE multi(id int PRIMARY KEY, n int) USING %s; INSERT INTO multi VALUES (1, 0), (2, 0), (3, 0)",
             using, using);
    CHECK_INT(q(c1, sql), MDB_OK);
    lost_update(db, c1, c2);
    wait_then(db, c1, c2, "REPEATABLE READ", "COMMIT", "40001", "5");
    wait_then(db, c1, c2, "SERIALIZABLE", "COMMIT", "40001", "5");
    wait_then(db, c1, c2, "REPEATABLE READ", "ROLLBACK", "00000", "10");
    wait_then(db, c1, c2, "READ COMMITTED", "COMMIT", "00000", "15");
    wait_then(db, c1, c2, "READ COMMITTED", "ROLLBACK", "00000", "10");
    restart_whole(db, c1, c2);
    deadlock(db, c1, c2);
    lock_timeout(c1, c2);
    cancel(db, c1, c2);
    savepoint_frees(db, c1, c2);
    unique_wait(db, c1, c2, "COMMIT", "23505");
    unique_wait(db, c1, c2, "ROLLBACK", "00000");
    mdb_disconnect(c1);
    mdb_disconnect(c2);
    mdb_close(db);
}

void suite_isolation(void)
{
    tier("memory");
    tier("oltp");
}
