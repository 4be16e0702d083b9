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
 *   then gets 23505 (the other committed) or succeeds (rolled back);
 * - row locks (SELECT … FOR UPDATE / FOR SHARE): a writer or locker waits for the
 *   holder's COMMIT, ROLLBACK or ROLLBACK TO SAVEPOINT; FOR SHARE holders share;
 *   two sessions that read with FOR UPDATE and write what they read plus one
 *   lose no increment; a deadlock through FOR UPDATE gives 40P01; workers taking jobs with
 *   FOR UPDATE SKIP LOCKED LIMIT 1 never take the same job;
 * - fairness: waiters for a row go in arrival order, and the writer that just
 *   committed cannot take the row again ahead of them; 8 threads × 200
 *   increments of one counter: the exact sum, and few restarts per statement.
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

/* ---- row locks ------------------------------------------------------------------------- */

/* c1 locks row 1 with `lock`; c2's `stmt` waits until c1 ends with `c1_end` (or rolls back to a
 * savepoint taken before the lock); then c2's statement succeeds. */
static void lock_blocks(MdbDatabase *db, MdbConn *c1, MdbConn *c2, const char *lock, const char *stmt, const char *c1_end,
                        bool savepoint)
{
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    if (savepoint) CHECK_INT(q(c1, "SAVEPOINT s"), MDB_OK);
    CHECK_INT(q(c1, lock), MDB_OK);
    u64 w0 = waits(db);
    Bg b;
    bg_start(&b, c2, stmt);
    CHECK(waits_reach(db, w0 + 1));
    usleep(20000);
    CHECK(!atomic_load(&b.done)); /* still waiting */
    if (atomic_load(&b.done)) fprintf(stderr, "  %s did not wait for %s\n", stmt, lock);
    CHECK_INT(q(c1, c1_end), MDB_OK);
    bg_join(&b);
    CHECK_STR(b.sqlstate, "00000");
    if (strcmp(b.sqlstate, "00000")) fprintf(stderr, "  %s after %s: %s\n", stmt, c1_end, mdb_conn_error(c2)->message);
    free(b.text);
    if (savepoint) {
        CHECK(mdb_conn_in_transaction(c1));
        CHECK_INT(q(c1, "COMMIT"), MDB_OK);
    }
}

static void row_locks(MdbDatabase *db, MdbConn *c1, MdbConn *c2)
{
    CHECK_INT(q(c1, "UPDATE multi SET n = 0"), MDB_OK);
    lock_blocks(db, c1, c2, "SELECT * FROM multi WHERE id = 1 FOR UPDATE", "UPDATE multi SET n = n + 1 WHERE id = 1", "COMMIT", false);
    lock_blocks(db, c1, c2, "SELECT * FROM multi WHERE id = 1 FOR UPDATE", "UPDATE multi SET n = n + 1 WHERE id = 1", "ROLLBACK", false);
    lock_blocks(db, c1, c2, "SELECT * FROM multi WHERE id = 1 FOR UPDATE", "SELECT * FROM multi WHERE id = 1 FOR SHARE", "ROLLBACK TO SAVEPOINT s",
                true);
    lock_blocks(db, c1, c2, "SELECT * FROM multi WHERE id = 1 FOR SHARE", "SELECT * FROM multi WHERE id = 1 FOR UPDATE", "COMMIT", false);
    lock_blocks(db, c1, c2, "SELECT * FROM multi WHERE id = 1 FOR KEY SHARE", "UPDATE multi SET n = n + 1 WHERE id = 1", "COMMIT", false);
    check_text(c1, "SELECT n FROM multi WHERE id = 1", "3\n");
    /* a locker that waited for a writer sees the committed version (READ COMMITTED) */
    lock_blocks(db, c1, c2, "UPDATE multi SET n = 5 WHERE id = 1", "SELECT n FROM multi WHERE id = 1 FOR UPDATE", "COMMIT", false);
    /* FOR SHARE holders share: both hold, neither waits */
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c2, "BEGIN"), MDB_OK);
    u64 w0 = waits(db);
    check_text(c1, "SELECT id FROM multi WHERE id = 2 FOR SHARE", "2\n");
    check_text(c2, "SELECT id FROM multi WHERE id = 2 FOR SHARE", "2\n");
    CHECK_INT((int)(waits(db) - w0), 0);
    CHECK_INT(q(c1, "COMMIT"), MDB_OK);
    CHECK_INT(q(c2, "COMMIT"), MDB_OK);
    /* NOWAIT fails at once */
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "SELECT * FROM multi WHERE id = 3 FOR NO KEY UPDATE"), MDB_OK);
    double t0 = now_s();
    CHECK_INT(q(c2, "SELECT * FROM multi WHERE id = 3 FOR UPDATE NOWAIT"), MDB_ERROR);
    CHECK_STR(mdb_conn_error(c2)->sqlstate, "55P03");
    CHECK(now_s() - t0 < 1);
    CHECK_INT(q(c1, "ROLLBACK"), MDB_OK);
}

/* Read, then write what was read plus one: without FOR UPDATE two sessions could read the same
 * value and one increment would be lost; with it the second reader waits for the first's commit
 * (and, READ COMMITTED, reads its result). */
typedef struct Rmw {
    MdbConn *c;
    int errors;
    char last_error[128];
} Rmw;

static void *rmw_main(void *p)
{
    Rmw *a = p;
    for (int i = 0; i < 100; i++) {
        char *n = NULL;
        char sql[96];
        bool ok = q(a->c, "BEGIN") == MDB_OK && (n = q_text(a->c, "SELECT n FROM ctr WHERE id = 1 FOR UPDATE")) != NULL;
        if (ok) {
            snprintf(sql, sizeof sql, "UPDATE ctr SET n = %d WHERE id = 1", atoi(n) + 1);
            ok = q(a->c, sql) == MDB_OK && q(a->c, "COMMIT") == MDB_OK;
        }
        free(n);
        if (!ok) {
            a->errors++;
            snprintf(a->last_error, sizeof a->last_error, "%s %s", mdb_conn_error(a->c)->sqlstate, mdb_conn_error(a->c)->message);
            q(a->c, "ROLLBACK");
        }
    }
    return NULL;
}

static void read_modify_write(MdbDatabase *db, MdbConn *c1, MdbConn *c2)
{
    CHECK_INT(q(c1, "UPDATE ctr SET n = 0 WHERE id = 1"), MDB_OK);
    u64 w0 = waits(db);
    Rmw a[2] = {{c1, 0, ""}, {c2, 0, ""}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, rmw_main, &a[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(a[i].errors, 0);
        if (a[i].errors) fprintf(stderr, "  read-modify-write error: %s\n", a[i].last_error);
    }
    check_text(c1, "SELECT n FROM ctr WHERE id = 1", "200\n");
    CHECK(waits(db) > w0); /* they did meet */
}

/* Two transactions that each lock one row and then want the other's: one gets 40P01. */
static void lock_deadlock(MdbDatabase *db, MdbConn *c1, MdbConn *c2)
{
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    check_text(c1, "SELECT id FROM multi WHERE id = 1 FOR UPDATE", "1\n");
    CHECK_INT(q(c2, "BEGIN"), MDB_OK);
    check_text(c2, "SELECT id FROM multi WHERE id = 2 FOR UPDATE", "2\n");
    u64 w0 = waits(db);
    Bg a, b;
    bg_start(&a, c1, "SELECT id FROM multi WHERE id = 2 FOR UPDATE");
    CHECK(waits_reach(db, w0 + 1));
    bg_start(&b, c2, "SELECT id FROM multi WHERE id = 1 FOR UPDATE");
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
    CHECK_STR(survivor->text, a_victim ? "1\n" : "2\n");
    CHECK_INT(q(survivor->c, "COMMIT"), MDB_OK);
    free(a.text);
    free(b.text);
}

/* The job-queue pattern: workers each take one job at a time with FOR UPDATE SKIP LOCKED
 * LIMIT 1, hold it a moment, mark it done and commit.  No job is taken twice, all are done. */
#define NJOBS 120
#define NWORKERS 4
typedef struct Worker {
    MdbConn *c;
    int taken;
    int errors;
    char last_error[128];
} Worker;

static void *worker_main(void *p)
{
    Worker *w = p;
    for (;;) {
        if (q(w->c, "BEGIN")) { w->errors++; break; }
        char *id = q_text(w->c, "SELECT id FROM jobs WHERE done_by IS NULL ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1");
        if (!id) {
            w->errors++;
            snprintf(w->last_error, sizeof w->last_error, "%s %s", mdb_conn_error(w->c)->sqlstate, mdb_conn_error(w->c)->message);
            q(w->c, "ROLLBACK");
            break;
        }
        if (!*id) { /* nothing left */
            free(id);
            q(w->c, "COMMIT");
            break;
        }
        usleep(500); /* the job's work, while the row is locked */
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE jobs SET done_by = '%p', times = times + 1 WHERE id = %d", (void *)w, atoi(id));
        free(id);
        if (q(w->c, "UPDATE jobs SET times = times WHERE false") || mdb_query(w->c, sql, NULL) || q(w->c, "COMMIT")) {
            w->errors++;
            snprintf(w->last_error, sizeof w->last_error, "%s %s", mdb_conn_error(w->c)->sqlstate, mdb_conn_error(w->c)->message);
            q(w->c, "ROLLBACK");
            break;
        }
        w->taken++;
    }
    return NULL;
}

static void job_queue(MdbDatabase *db, const char *using)
{
    MdbConn *c[NWORKERS];
    for (int i = 0; i < NWORKERS; i++) CHECK_INT(mdb_connect(db, &c[i]), MDB_OK);
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE TABLE jobs(id int PRIMARY KEY, done_by text, times int) USING %s;"
             "INSERT INTO jobs SELECT g, NULL, 0 FROM generate_series(1, %d) g", using, NJOBS);
    CHECK_INT(q(c[0], sql), MDB_OK);
    u64 w0 = waits(db);
    Worker w[NWORKERS];
    pthread_t th[NWORKERS];
    for (int i = 0; i < NWORKERS; i++) {
        w[i] = (Worker){c[i], 0, 0, ""};
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    int total = 0;
    for (int i = 0; i < NWORKERS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(w[i].errors, 0);
        if (w[i].errors) fprintf(stderr, "  worker error: %s\n", w[i].last_error);
        total += w[i].taken;
    }
    CHECK_INT(total, NJOBS);
    /* every job done once, by the worker that took it; SKIP LOCKED never waited */
    check_text(c[0], "SELECT count(*), min(times), max(times), count(done_by) FROM jobs", "120|1|1|120\n");
    CHECK_INT((int)(waits(db) - w0), 0);
    /* more than one worker got jobs (else the test proves nothing) */
    int busy = 0;
    for (int i = 0; i < NWORKERS; i++) busy += w[i].taken > 0;
    CHECK(busy >= 2);
    CHECK_INT(q(c[0], "DROP TABLE jobs"), MDB_OK);
    for (int i = 0; i < NWORKERS; i++) mdb_disconnect(c[i]);
}

/* Waiters go in arrival order, and a transaction that just committed cannot take the row again
 * ahead of them: c1 holds row 2; c2 (n * 10) and then c3 (n * 2 + 1) queue for it; c1 commits
 * and at once updates the row again (n + 100) in a new block.  Only c2, c3, c1 in that order
 * gives 121 (c1 first: 221 or 1020; c3 before c2: 30 or 130 …). */
static void fifo_order(MdbDatabase *db, MdbConn *c1, MdbConn *c2, MdbConn *c3)
{
    CHECK_INT(q(c1, "UPDATE ctr SET n = 0 WHERE id = 2"), MDB_OK);
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "UPDATE ctr SET n = n + 1 WHERE id = 2"), MDB_OK);
    u64 w0 = waits(db);
    Bg b2, b3;
    bg_start(&b2, c2, "UPDATE ctr SET n = n * 10 WHERE id = 2");
    CHECK(waits_reach(db, w0 + 1));
    bg_start(&b3, c3, "UPDATE ctr SET n = n * 2 + 1 WHERE id = 2");
    CHECK(waits_reach(db, w0 + 2));
    CHECK_INT(q(c1, "COMMIT"), MDB_OK);
    CHECK_INT(q(c1, "BEGIN"), MDB_OK);
    CHECK_INT(q(c1, "UPDATE ctr SET n = n + 100 WHERE id = 2"), MDB_OK); /* waits for c2 and c3 */
    CHECK_INT(q(c1, "COMMIT"), MDB_OK);
    bg_join(&b2);
    bg_join(&b3);
    CHECK_STR(b2.sqlstate, "00000");
    CHECK_STR(b3.sqlstate, "00000");
    free(b2.text);
    free(b3.text);
    check_text(c1, "SELECT n FROM ctr WHERE id = 2", "121\n");
}

/* ---- fairness: many writers on one row ------------------------------------------------- */

#define NHAMMER 8
#define HAMMER_ROUNDS 200
typedef struct Hammer {
    MdbConn *c;
    int errors;
    char last_error[128];
} Hammer;

static void *hammer_main(void *p)
{
    Hammer *h = p;
    for (int i = 0; i < HAMMER_ROUNDS; i++)
        /* the read before the commit keeps the row busy a while, so the others queue */
        if (q(h->c, "BEGIN") || q(h->c, "UPDATE ctr SET n = n + 1 WHERE id = 2") || q(h->c, "SELECT n FROM ctr WHERE id = 2") ||
            q(h->c, "COMMIT")) {
            q(h->c, "ROLLBACK");
            h->errors++;
            snprintf(h->last_error, sizeof h->last_error, "%s %s", mdb_conn_error(h->c)->sqlstate, mdb_conn_error(h->c)->message);
        }
    return NULL;
}

static void fair_hammer(MdbDatabase *db)
{
    MdbConn *c[NHAMMER];
    for (int i = 0; i < NHAMMER; i++) CHECK_INT(mdb_connect(db, &c[i]), MDB_OK);
    CHECK_INT(q(c[0], "UPDATE ctr SET n = 0 WHERE id = 2"), MDB_OK);
    pthread_mutex_lock(&db->tm.mu);
    db->tm.max_restarts = 0;
    pthread_mutex_unlock(&db->tm.mu);
    u64 w0 = waits(db);
    double t0 = now_s();
    Hammer h[NHAMMER];
    pthread_t th[NHAMMER];
    for (int i = 0; i < NHAMMER; i++) {
        h[i] = (Hammer){c[i], 0, ""};
        pthread_create(&th[i], NULL, hammer_main, &h[i]);
    }
    for (int i = 0; i < NHAMMER; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(h[i].errors, 0);
        if (h[i].errors) fprintf(stderr, "  hammer error: %s\n", h[i].last_error);
    }
    char want[32];
    snprintf(want, sizeof want, "%d\n", NHAMMER * HAMMER_ROUNDS);
    check_text(c[0], "SELECT n FROM ctr WHERE id = 2", want);
    pthread_mutex_lock(&db->tm.mu);
    u64 maxr = db->tm.max_restarts;
    pthread_mutex_unlock(&db->tm.mu);
    /* waiters queue in arrival order: a statement runs again when its turn comes, a few times at
     * most (2-6 here; without the queues 11-29 on a quiet machine, thousands under load) */
    CHECK(maxr <= 2 * NHAMMER);
    if (maxr > 2 * NHAMMER) fprintf(stderr, "  most restarts of one statement: %llu\n", (unsigned long long)maxr);
    CHECK(waits(db) > w0);
    if (getenv("MDB_ISO_VERBOSE"))
        fprintf(stderr, "  fairness: most restarts of one statement %llu, waits %llu, %.2f s\n", (unsigned long long)maxr,
                (unsigned long long)(waits(db) - w0), now_s() - t0);
    for (int i = 0; i < NHAMMER; i++) mdb_disconnect(c[i]);
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
    row_locks(db, c1, c2);
    read_modify_write(db, c1, c2);
    lock_deadlock(db, c1, c2);
    job_queue(db, using);
    MdbConn *c3;
    CHECK_INT(mdb_connect(db, &c3), MDB_OK);
    fifo_order(db, c1, c2, c3);
    mdb_disconnect(c3);
    fair_hammer(db);
    /* every transaction ended: no lock and no queue is left in the row table */
    CHECK_INT((int)atomic_load(&db->tm.nrowentries), 0);
    mdb_disconnect(c1);
    mdb_disconnect(c2);
    mdb_close(db);
}

void suite_isolation(void)
{
    tier("memory");
    tier("oltp");
}
