/*
 * test/unit/test_oltp_sql.c — OLTP tables through the embedded C API
 * (include/megadb.h): index scans chosen by the planner, and the SQL-level
 * crash test.
 *
 * suite_oltp_index: EXPLAIN shows "Index Scan using … on …" for point and
 * range predicates on a large table and a Seq Scan for a tiny one; prepared
 * `WHERE id = $1` / BETWEEN $1 AND $2 give the same rows as a MEMORY copy of
 * the table read by sequential scans; the index checker agrees with the table.
 *
 * suite_oltp_sql_crash: a child process opens a database directory, and 3
 * threads (one connection each) run transactions that move an amount between
 * two accounts (PRIMARY KEY lookups and updates) and insert a transfer record
 * with a unique key; after COMMIT returns, the thread writes the record's key
 * to a pipe.  The parent SIGKILLs the child at a random moment, reopens the
 * directory (recovery) and checks: every acknowledged key is present; the
 * total balance is unchanged; every balance equals the initial balance plus
 * the transfer records (so no transaction is partially visible); the
 * primary-key indexes agree with their tables (oltp_index_check).  Repeated
 * 50 times on the same directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "main/engine.h"
#include "megadb.h"
#include "storage/oltp/oltp_table.h"
#include "unit.h"

char *storage_test_tmpdir(void);
void storage_test_rmrf(const char *dir);
double storage_test_now(void);

static int q(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    int rc = mdb_query(c, sql, &r);
    if (r) mdb_result_free(r);
    return rc;
}

/* The text of a whole result (rows joined by '\n', columns by '|'), malloc'd. */
static char *q_text(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    if (mdb_query(c, sql, &r) != MDB_OK) {
        fprintf(stderr, "query failed: %s: %s\n", sql, mdb_conn_error(c)->message);
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

static i64 q_int(MdbConn *c, const char *sql)
{
    char *t = q_text(c, sql);
    i64 v = t ? strtoll(t, NULL, 10) : -999999;
    free(t);
    return v;
}

/* Verifies an index of a table with the storage checker (structure + an entry per visible row). */
static void check_index(MdbDatabase *db, const char *table, const char *index, i64 want_rows)
{
    Schema *s = catalog_find_schema(&db->cat, "public");
    TableDef *t = s ? schema_find_table(s, table) : NULL;
    CHECK(t != NULL);
    if (!t) return;
    Txn *txn = txn_begin(&db->tm);
    u64 entries = 0, visible = 0;
    Err er = {0};
    CHECK_OK(oltp_index_check(t->store, index, txn, &entries, &visible, &er), &er);
    err_clear(&er);
    txn_rollback(txn);
    txn_free(txn);
    CHECK_INT(visible, want_rows);
    CHECK(entries >= visible);
}

void suite_oltp_index(void)
{
    MdbDatabase *db;
    MdbConn *c;
    CHECK_INT(mdb_open(NULL, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(q(c, "CREATE TABLE t(id int PRIMARY KEY, g int, name text, v bigint) USING oltp;"
                   "CREATE TABLE m(id int PRIMARY KEY, g int, name text, v bigint) USING memory;"
                   "INSERT INTO t SELECT i * 3, i % 50, 'n' || (i % 700), i * 7 FROM generate_series(1, 20000) i;"
                   "INSERT INTO m SELECT * FROM t;"
                   "CREATE INDEX t_g_name ON t (g, name);"
                   "UPDATE t SET v = v + 1 WHERE id % 9 = 0; UPDATE m SET v = v + 1 WHERE id % 9 = 0;"
                   "DELETE FROM t WHERE id % 11 = 0; DELETE FROM m WHERE id % 11 = 0;"
                   "CREATE TABLE tiny(id int PRIMARY KEY) USING oltp; INSERT INTO tiny VALUES (1), (2);"),
              MDB_OK);
    static const struct { const char *where, *index; } plans[] = {
        {"id = 300", "Index Scan using t_pkey on t"},
        {"id BETWEEN 30 AND 330", "Index Scan using t_pkey on t"},
        {"id < 40", "Index Scan using t_pkey on t"},
        {"id > 59950", "Index Scan using t_pkey on t"},
        {"g = 7 AND name = 'n57'", "Index Scan using t_g_name on t"},
        {"g = 19 AND name >= 'n69' AND name < 'n7'", "Index Scan using t_g_name on t"},
        {"v = 700", "Seq Scan on t"},
    };
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        char sql[512];
        snprintf(sql, sizeof sql, "EXPLAIN SELECT * FROM t WHERE %s", plans[i].where);
        char *e = q_text(c, sql);
        unit_checks++;
        if (!e || !strstr(e, plans[i].index)) UNIT_FAIL_("EXPLAIN %s: wanted \"%s\" in\n%s", plans[i].where, plans[i].index, e ? e : "(error)");
        free(e);
        /* same rows as the MEMORY copy (sequential scan) */
        char s1[512], s2[512];
        snprintf(s1, sizeof s1, "SELECT id, g, name, v FROM t WHERE %s ORDER BY id", plans[i].where);
        snprintf(s2, sizeof s2, "SELECT id, g, name, v FROM m WHERE %s ORDER BY id", plans[i].where);
        char *a = q_text(c, s1), *b = q_text(c, s2);
        unit_checks++;
        if (!a || !b || strcmp(a, b) != 0 || !*a) UNIT_FAIL_("WHERE %s: oltp and memory rows differ or are empty", plans[i].where);
        free(a);
        free(b);
    }
    /* a tiny table is scanned, except for a unique point lookup (old versions are never
     * collected: a scan grows with every UPDATE, the lookup does not) */
    char *e = q_text(c, "EXPLAIN SELECT * FROM tiny WHERE id < 2");
    CHECK(e && strstr(e, "Seq Scan on tiny"));
    free(e);
    e = q_text(c, "EXPLAIN SELECT * FROM tiny WHERE id = 1");
    CHECK(e && strstr(e, "Index Scan using tiny_pkey on tiny"));
    free(e);

    /* prepared point and range lookups, also of deleted and missing keys */
    MdbStmt *pt, *rg;
    CHECK_INT(mdb_prepare(c, "SELECT v FROM t WHERE id = $1", &pt, NULL), MDB_OK);
    CHECK_INT(mdb_prepare(c, "SELECT count(*), coalesce(sum(v), 0) FROM t WHERE id BETWEEN $1 AND $2", &rg, NULL), MDB_OK);
    int bad = 0;
    for (int id = 0; id < 60100; id += 7) {
        mdb_bind_int64(pt, 1, id);
        MdbResult *r;
        if (mdb_stmt_execute(pt, &r) != MDB_OK) { bad++; continue; }
        MdbChunk *ch;
        i64 got = -1;
        size_t n = 0;
        while (mdb_result_fetch(r, &ch) == MDB_OK && ch)
            for (size_t i = 0; i < mdb_chunk_row_count(ch); i++, n++) got = mdb_chunk_get_int64(ch, 0, i);
        mdb_result_free(r);
        bool exists = id % 3 == 0 && id >= 3 && id <= 60000 && id % 11 != 0;
        i64 want = exists ? (i64)(id / 3) * 7 + (id % 9 == 0) : -1;
        if (n != (exists ? 1u : 0u) || got != want) bad++;
    }
    CHECK_INT(bad, 0);
    for (int lo = 0; lo < 60000; lo += 4999) {
        int hi = lo + 301;
        mdb_bind_int64(rg, 1, lo);
        mdb_bind_int64(rg, 2, hi);
        MdbResult *r;
        CHECK_INT(mdb_stmt_execute(rg, &r), MDB_OK);
        MdbChunk *ch;
        i64 cnt = -1, sum = -1;
        if (mdb_result_fetch(r, &ch) == MDB_OK && ch) cnt = mdb_chunk_get_int64(ch, 0, 0), sum = mdb_chunk_get_int64(ch, 1, 0);
        mdb_result_free(r);
        i64 wc = 0, ws = 0;
        for (int id = lo; id <= hi; id++)
            if (id % 3 == 0 && id >= 3 && id <= 60000 && id % 11 != 0) wc++, ws += (i64)(id / 3) * 7 + (id % 9 == 0);
        CHECK_INT(cnt, wc);
        CHECK_INT(sum, ws);
    }
    mdb_stmt_free(pt);
    mdb_stmt_free(rg);
    i64 live = q_int(c, "SELECT count(*) FROM t");
    CHECK_INT(live, 20000 - 20000 / 11);
    check_index(db, "t", "t_pkey", live);
    check_index(db, "t", "t_g_name", live);
    mdb_disconnect(c);
    mdb_close(db);
}

/* ---- SQL crash test -------------------------------------------------------------------------- */

#define CR_ACCOUNTS 64
#define CR_THREADS 3
#define CR_ITERS 50
#define CR_INIT 1000

typedef struct CrWorker {
    MdbDatabase *db;
    int thread, iter, fd;
} CrWorker;

static void *cr_worker(void *p)
{
    CrWorker *w = p;
    MdbConn *c;
    if (mdb_connect(w->db, &c) != MDB_OK) _exit(3);
    unsigned seed = (unsigned)(w->iter * 7919 + w->thread * 104729 + getpid());
    for (i64 seq = 0;; seq++) {
        int a = rand_r(&seed) % CR_ACCOUNTS, b = rand_r(&seed) % CR_ACCOUNTS;
        if (a == b) b = (b + 1) % CR_ACCOUNTS;
        int amt = 1 + rand_r(&seed) % 50;
        i64 key = (i64)w->iter * 100000000 + (i64)w->thread * 10000000 + seq;
        char sql[512];
        snprintf(sql, sizeof sql,
                 "BEGIN; UPDATE acc SET bal = bal - %d WHERE id = %d; UPDATE acc SET bal = bal + %d WHERE id = %d;"
                 "INSERT INTO xfer VALUES (%lld, %d, %d, %d); COMMIT",
                 amt, a, amt, b, (long long)key, a, b, amt);
        if (q(c, sql) != MDB_OK) {
            /* a deadlock with another thread (transfers in opposite directions wait for each other:
             * 40P01), or a 40001: roll back and go on with a new key */
            const char *st = mdb_conn_error(c)->sqlstate;
            if (strcmp(st, "40001") != 0 && strcmp(st, "40P01") != 0) {
                fprintf(stderr, "crash child: %s %s\n", st, mdb_conn_error(c)->message);
                _exit(4);
            }
            q(c, "ROLLBACK");
            continue;
        }
        if (write(w->fd, &key, sizeof key) != (ssize_t)sizeof key) _exit(5);
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    i64 x = *(const i64 *)a, y = *(const i64 *)b;
    return x < y ? -1 : x > y;
}

void suite_oltp_sql_crash(void)
{
    char *dir = storage_test_tmpdir();
    MdbDatabase *db;
    MdbConn *c;
    char *emsg = NULL;
    CHECK_INT(mdb_open(dir, &db, &emsg), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE acc(id int PRIMARY KEY, bal bigint NOT NULL) USING oltp;"
             "INSERT INTO acc SELECT i, %d FROM generate_series(0, %d) i;"
             "CREATE TABLE xfer(id bigint PRIMARY KEY, src int, dst int, amt int) USING oltp",
             CR_INIT, CR_ACCOUNTS - 1);
    CHECK_INT(q(c, sql), MDB_OK);
    mdb_disconnect(c);
    mdb_close(db);

    size_t nacked = 0, capacked = 1024;
    i64 *acked = malloc(capacked * sizeof(i64));
    unsigned seed = (unsigned)time(NULL);
    double t0 = storage_test_now();
    int failures_before = unit_failures;
    for (int iter = 0; iter < CR_ITERS && unit_failures == failures_before; iter++) {
        int pfd[2];
        if (pipe(pfd) != 0) { CHECK(0); break; }
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            MdbDatabase *cdb;
            if (mdb_open(dir, &cdb, NULL) != MDB_OK) _exit(2);
            i64 ready = -1; /* recovery is done: the parent starts its clock */
            if (write(pfd[1], &ready, sizeof ready) != (ssize_t)sizeof ready) _exit(5);
            pthread_t th[CR_THREADS];
            CrWorker ws[CR_THREADS];
            for (int k = 0; k < CR_THREADS; k++) {
                ws[k] = (CrWorker){cdb, k, iter, pfd[1]};
                pthread_create(&th[k], NULL, cr_worker, &ws[k]);
            }
            for (;;) pause();
        }
        close(pfd[1]);
        /* wait until the child has opened (recovered) the directory, let it run 5–100 ms, then
         * kill it mid-flight */
        i64 key;
        ssize_t n = read(pfd[0], &key, sizeof key);
        CHECK(n == (ssize_t)sizeof key && key == -1);
        usleep(5000 + (useconds_t)(rand_r(&seed) % 95000));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        while ((n = read(pfd[0], &key, sizeof key)) == (ssize_t)sizeof key) {
            if (nacked == capacked) acked = realloc(acked, (capacked *= 2) * sizeof(i64));
            acked[nacked++] = key;
        }
        close(pfd[0]);

        /* recover and check */
        emsg = NULL;
        if (mdb_open(dir, &db, &emsg) != MDB_OK) {
            UNIT_FAIL_("reopen after kill %d: %s", iter, emsg ? emsg : "?");
            free(emsg);
            break;
        }
        CHECK_INT(mdb_connect(db, &c), MDB_OK);
        CHECK_INT(q_int(c, "SELECT sum(bal) FROM acc"), (i64)CR_INIT * CR_ACCOUNTS);
        CHECK_INT(q_int(c, "SELECT count(*) FROM acc"), CR_ACCOUNTS);
        /* every balance = initial + incoming - outgoing transfer records: a transfer is all there or absent */
        CHECK_INT(q_int(c, "SELECT count(*) FROM acc a LEFT JOIN (SELECT src AS id, sum(amt) AS s FROM xfer GROUP BY src) o ON o.id = a.id "
                           "LEFT JOIN (SELECT dst AS id, sum(amt) AS s FROM xfer GROUP BY dst) i ON i.id = a.id "
                           "WHERE a.bal <> 1000 - coalesce(o.s, 0) + coalesce(i.s, 0)"),
                  0);
        /* every acknowledged commit is there (the table may hold more: committed, killed before the ack) */
        char *ids = q_text(c, "SELECT id FROM xfer ORDER BY id");
        size_t nids = 0;
        i64 *have = malloc((strlen(ids ? ids : "") / 2 + 1) * sizeof(i64));
        for (char *p = ids; p && *p;) {
            have[nids++] = strtoll(p, &p, 10);
            if (*p == '\n') p++;
        }
        free(ids);
        qsort(acked, nacked, sizeof(i64), cmp_i64);
        size_t missing = 0;
        for (size_t i = 0; i < nacked; i++)
            if (!bsearch(&acked[i], have, nids, sizeof(i64), cmp_i64)) missing++;
        CHECK_INT(missing, 0);
        free(have);
        check_index(db, "acc", "acc_pkey", CR_ACCOUNTS);
        check_index(db, "xfer", "xfer_pkey", (i64)nids);
        /* point lookups through the index see the same rows */
        CHECK_INT(q_int(c, "SELECT count(*) FROM acc WHERE id = 5"), 1);
        mdb_disconnect(c);
        mdb_close(db);
    }
    double dt = storage_test_now() - t0;
    fprintf(stderr, "  oltp sql crash: %d kills, %zu acknowledged commits checked, %.1f s\n", CR_ITERS, nacked, dt);
    CHECK(nacked > 0);
    free(acked);
    storage_test_rmrf(dir);
    free(dir);
}
