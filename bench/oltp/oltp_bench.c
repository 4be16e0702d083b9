/*
 * bench/oltp/oltp_bench.c — OLTP throughput of MegaDB through the embedded C
 * API (include/megadb.h), for comparison with PostgreSQL's pgbench on the
 * same machine (bench/oltp/run.sh runs both).
 *
 * Opens (creates) a database directory, so the OLTP tier writes its WAL and
 * page file there, with synchronous_commit on (every commit waits for its WAL
 * fsync; concurrent commits share one).  Loads pgbench's schema at scale 1 in
 * OLTP tables — pgbench_accounts (100,000 rows per --scale), tellers (10),
 * branches (1), history, each with its primary key — then measures for
 * --secs seconds each:
 *
 *   lookup   the select-only transaction: one prepared
 *            `SELECT abalance FROM pgbench_accounts WHERE aid = $1` with a
 *            random aid, autocommit (one point lookup per transaction)
 *   tpcb     pgbench's TPC-B-like transaction (BEGIN; UPDATE accounts;
 *            SELECT; UPDATE tellers; UPDATE branches; INSERT history; COMMIT),
 *            every statement prepared; a transaction that fails with 40001
 *            (a concurrent writer of the same row: first writer wins) is
 *            rolled back and retried, as `pgbench --max-tries` does
 *
 * with 1 and with 8 threads (--threads "1 8"), one connection per thread.
 * Output, one line per run:
 *
 *   RESULT <test> threads=<n> tps=<x> tx=<n> retries=<n> errors=<n>
 *
 * and a CHECK line: the sum of abalance over accounts, tellers and branches
 * must be equal (every committed transaction added the same delta to all
 * three) and equal to the sum of history.delta.  Exit status 1 when a check
 * fails or a statement fails with anything but 40001.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "megadb.h"

static int g_scale = 1;
static double g_secs = 10;
static _Atomic int g_stop;
static _Atomic long g_errors;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report_error(MdbConn *c, const char *what)
{
    const MdbErrorInfo *e = mdb_conn_error(c);
    if (atomic_fetch_add(&g_errors, 1) < 5) fprintf(stderr, "%s: %s %s\n", what, e->sqlstate, e->message);
}

/* Runs sql, discarding its rows; MDB_ERROR on failure (reported). */
static int exec(MdbConn *c, const char *sql)
{
    MdbResult *r;
    if (mdb_query(c, sql, &r) != MDB_OK) {
        report_error(c, sql);
        return -1;
    }
    mdb_result_free(r);
    return 0;
}

/* Executes a bound statement; *v receives the first column of the first row when v.
 * Returns 0, 1 on a serialization failure (40001), -1 on any other error. */
static int run_stmt(MdbConn *c, MdbStmt *s, int64_t *v)
{
    MdbResult *r;
    if (mdb_stmt_execute(s, &r) != MDB_OK) {
        if (!strcmp(mdb_conn_error(c)->sqlstate, "40001")) return 1;
        report_error(c, "execute");
        return -1;
    }
    MdbChunk *ch;
    while (mdb_result_fetch(r, &ch) == MDB_OK && ch)
        if (v && mdb_chunk_row_count(ch) > 0) *v = mdb_chunk_get_int64(ch, 0, 0);
    mdb_result_free(r);
    return 0;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct Worker {
    MdbDatabase *db;
    int id;
    int tpcb;
    long tx, retries;
} Worker;

static void *worker(void *arg)
{
    Worker *w = arg;
    MdbConn *c;
    if (mdb_connect(w->db, &c) != MDB_OK) {
        atomic_fetch_add(&g_errors, 1);
        return NULL;
    }
    uint64_t seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(w->id + 1);
    int naccounts = 100000 * g_scale, ntellers = 10 * g_scale, nbranches = g_scale;
    MdbStmt *sel = NULL, *ua = NULL, *ut = NULL, *ub = NULL, *ih = NULL;
    if (mdb_prepare(c, "SELECT abalance FROM pgbench_accounts WHERE aid = $1", &sel, NULL) != MDB_OK ||
        mdb_prepare(c, "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", &ua, NULL) != MDB_OK ||
        mdb_prepare(c, "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2", &ut, NULL) != MDB_OK ||
        mdb_prepare(c, "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2", &ub, NULL) != MDB_OK ||
        mdb_prepare(c, "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)", &ih, NULL) !=
            MDB_OK) {
        report_error(c, "prepare");
        goto done;
    }
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        int64_t aid = (int64_t)(rnd(&seed) % (uint64_t)naccounts) + 1;
        if (!w->tpcb) {
            int64_t v = 0;
            mdb_bind_int64(sel, 1, aid);
            if (run_stmt(c, sel, &v)) goto done;
            w->tx++;
            continue;
        }
        int64_t tid = (int64_t)(rnd(&seed) % (uint64_t)ntellers) + 1;
        int64_t bid = (int64_t)(rnd(&seed) % (uint64_t)nbranches) + 1;
        int64_t delta = (int64_t)(rnd(&seed) % 10001) - 5000;
        for (;;) {
            if (exec(c, "BEGIN")) goto done;
            int rc;
            int64_t bal;
            mdb_bind_int64(ua, 1, delta);
            mdb_bind_int64(ua, 2, aid);
            rc = run_stmt(c, ua, NULL);
            if (!rc) {
                mdb_bind_int64(sel, 1, aid);
                rc = run_stmt(c, sel, &bal);
            }
            if (!rc) {
                mdb_bind_int64(ut, 1, delta);
                mdb_bind_int64(ut, 2, tid);
                rc = run_stmt(c, ut, NULL);
            }
            if (!rc) {
                mdb_bind_int64(ub, 1, delta);
                mdb_bind_int64(ub, 2, bid);
                rc = run_stmt(c, ub, NULL);
            }
            if (!rc) {
                mdb_bind_int64(ih, 1, tid);
                mdb_bind_int64(ih, 2, bid);
                mdb_bind_int64(ih, 3, aid);
                mdb_bind_int64(ih, 4, delta);
                rc = run_stmt(c, ih, NULL);
            }
            if (rc < 0) goto done;
            if (rc == 0) {
                MdbResult *r;
                if (mdb_query(c, "COMMIT", &r) == MDB_OK) {
                    mdb_result_free(r);
                    w->tx++;
                    break;
                }
                if (strcmp(mdb_conn_error(c)->sqlstate, "40001")) {
                    report_error(c, "COMMIT");
                    goto done;
                }
            } else if (exec(c, "ROLLBACK")) {
                goto done;
            }
            w->retries++;
            if (atomic_load_explicit(&g_stop, memory_order_relaxed)) break;
        }
    }
done:
    mdb_stmt_free(sel);
    mdb_stmt_free(ua);
    mdb_stmt_free(ut);
    mdb_stmt_free(ub);
    mdb_stmt_free(ih);
    mdb_disconnect(c);
    return NULL;
}

static void run(MdbDatabase *db, int tpcb, int threads)
{
    Worker *ws = calloc((size_t)threads, sizeof(Worker));
    pthread_t *th = calloc((size_t)threads, sizeof(pthread_t));
    atomic_store(&g_stop, 0);
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        ws[i] = (Worker){db, i, tpcb, 0, 0};
        pthread_create(&th[i], NULL, worker, &ws[i]);
    }
    struct timespec d = {(time_t)g_secs, (long)((g_secs - (double)(time_t)g_secs) * 1e9)};
    nanosleep(&d, NULL);
    atomic_store(&g_stop, 1);
    long tx = 0, retries = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        tx += ws[i].tx;
        retries += ws[i].retries;
    }
    double el = now_s() - t0;
    printf("RESULT %s threads=%d tps=%.0f tx=%ld retries=%ld errors=%ld\n", tpcb ? "tpcb" : "lookup", threads, (double)tx / el, tx, retries,
           atomic_load(&g_errors));
    fflush(stdout);
    free(ws);
    free(th);
}

static int64_t scalar(MdbConn *c, const char *sql)
{
    MdbResult *r;
    int64_t v = -1;
    if (mdb_query(c, sql, &r) != MDB_OK) {
        report_error(c, sql);
        return -1;
    }
    MdbChunk *ch;
    while (mdb_result_fetch(r, &ch) == MDB_OK && ch)
        if (mdb_chunk_row_count(ch)) v = mdb_chunk_get_int64(ch, 0, 0);
    mdb_result_free(r);
    return v;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *threads = "1 8", *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--secs") && i + 1 < argc) g_secs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--scale") && i + 1 < argc) g_scale = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else {
            fprintf(stderr, "usage: oltp_bench DBDIR [--secs S] [--scale N] [--threads \"1 8\"] [--only lookup|tpcb]\n");
            return 2;
        }
    }
    if (!dir || g_scale < 1 || g_secs <= 0) {
        fprintf(stderr, "usage: oltp_bench DBDIR [--secs S] [--scale N] [--threads \"1 8\"] [--only lookup|tpcb]\n");
        return 2;
    }
    MdbDatabase *db;
    char *err = NULL;
    if (mdb_open(dir, &db, &err) != MDB_OK) {
        fprintf(stderr, "mdb_open %s: %s\n", dir, err ? err : "?");
        return 1;
    }
    MdbConn *c;
    if (mdb_connect(db, &c) != MDB_OK) return 1;
    char sql[512];
    double t0 = now_s();
    int bad = exec(c, "DROP TABLE IF EXISTS pgbench_accounts, pgbench_tellers, pgbench_branches, pgbench_history") ||
              exec(c, "CREATE TABLE pgbench_branches(bid int PRIMARY KEY, bbalance int, filler char(88)) USING oltp") ||
              exec(c, "CREATE TABLE pgbench_tellers(tid int PRIMARY KEY, bid int, tbalance int, filler char(84)) USING oltp") ||
              exec(c, "CREATE TABLE pgbench_accounts(aid int PRIMARY KEY, bid int, abalance int, filler char(84)) USING oltp") ||
              exec(c, "CREATE TABLE pgbench_history(tid int, bid int, aid int, delta int, mtime timestamp, filler char(22)) USING oltp");
    snprintf(sql, sizeof sql, "INSERT INTO pgbench_branches SELECT i, 0, '' FROM generate_series(1, %d) i", g_scale);
    bad = bad || exec(c, sql);
    snprintf(sql, sizeof sql, "INSERT INTO pgbench_tellers SELECT i, (i - 1) / 10 + 1, 0, '' FROM generate_series(1, %d) i", 10 * g_scale);
    bad = bad || exec(c, sql);
    snprintf(sql, sizeof sql, "INSERT INTO pgbench_accounts SELECT i, (i - 1) / 100000 + 1, 0, '' FROM generate_series(1, %d) i",
             100000 * g_scale);
    bad = bad || exec(c, sql);
    if (bad) return 1;
    printf("LOAD scale=%d seconds=%.2f\n", g_scale, now_s() - t0);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", threads);
    for (int tpcb = 0; tpcb <= 1; tpcb++) {
        if (only && strcmp(only, tpcb ? "tpcb" : "lookup")) continue;
        char *save = NULL;
        snprintf(buf, sizeof buf, "%s", threads);
        for (char *tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) run(db, tpcb, atoi(tok));
    }
    int64_t sa = scalar(c, "SELECT sum(abalance) FROM pgbench_accounts");
    int64_t st = scalar(c, "SELECT sum(tbalance) FROM pgbench_tellers");
    int64_t sb = scalar(c, "SELECT sum(bbalance) FROM pgbench_branches");
    int64_t sh = scalar(c, "SELECT coalesce(sum(delta), 0) FROM pgbench_history");
    int ok = sa == st && st == sb && sb == sh;
    printf("CHECK balances accounts=%lld tellers=%lld branches=%lld history=%lld %s\n", (long long)sa, (long long)st, (long long)sb,
           (long long)sh, ok ? "ok" : "MISMATCH");
    mdb_disconnect(c);
    mdb_close(db);
    return ok && atomic_load(&g_errors) == 0 ? 0 : 1;
}
