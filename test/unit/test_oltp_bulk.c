/*
 * test/unit/test_oltp_bulk.c — bulk loads into OLTP tables (COPY through the batch
 * insert path of src/storage/oltp: a WAL record per leaf, commit stamps a leaf at a
 * time) and their crash safety.
 *
 * suite_oltp_bulk: in one process, a COPY of ascending keys into a table with a
 * composite primary key, then checks of every row against the file's arithmetic
 * (count, sums, the index checker, point lookups); a COPY in a transaction rolled back
 * whole and one rolled back to a savepoint leave nothing; a duplicate key inside one
 * batch and against an existing row fail with 23505 and leave nothing of that COPY;
 * keys that arrive in descending order (the sorted-batch path off the right edge).
 *
 * suite_oltp_bulk_crash: a child process opens the directory with a 2 MiB buffer pool
 * (MEGADB_OLTP_POOL_PAGES, so the load evicts dirty pages ahead of its commit) and runs
 * one COPY of 300,000 rows; the parent SIGKILLs it once the load has written some of
 * its WAL, reopens (recovery undoes the load) and checks that nothing of it is visible
 * and the rows committed before it are intact; then a child whose COPY committed is
 * killed right after the acknowledgement, and after recovery every row is there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "main/engine.h"
#include "megadb.h"
#include "storage/oltp/oltp_table.h"
#include "unit.h"

char *storage_test_tmpdir(void);
void storage_test_rmrf(const char *dir);
double storage_test_now(void);

static int bq(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    int rc = mdb_query(c, sql, &r);
    if (r) mdb_result_free(r);
    return rc;
}

/* First column of the first row as an integer (-999999 on an error or no row). */
static i64 bq_int(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    i64 v = -999999;
    if (mdb_query(c, sql, &r) == MDB_OK) {
        MdbChunk *ch;
        if (mdb_result_fetch(r, &ch) == MDB_OK && ch && mdb_chunk_row_count(ch) > 0) {
            size_t l;
            const char *t = mdb_chunk_get_text(ch, 0, 0, &l);
            if (t) v = strtoll(t, NULL, 10);
        }
    } else {
        fprintf(stderr, "query failed: %s: %s\n", sql, mdb_conn_error(c)->message);
    }
    if (r) mdb_result_free(r);
    return v;
}

/* Rows k = from..to (step `step`, may be negative): a = k / 4, b = k % 4, v = 7 * k, pad text. */
static void write_rows(const char *path, i64 from, i64 to, i64 step)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        CHECK(0);
        return;
    }
    for (i64 k = from; step > 0 ? k <= to : k >= to; k += step)
        fprintf(f, "%lld|%lld|%lld|row %lld padded to look like a comment field|\n", (long long)(k / 4), (long long)(k % 4),
                (long long)(7 * k), (long long)k);
    fclose(f);
}

static void copy_sql(char *buf, size_t cap, const char *table, const char *path)
{
    snprintf(buf, cap, "COPY %s FROM '%s' (FORMAT text, DELIMITER '|', TRAILING_DELIMITER true)", table, path);
}

static void check_idx(MdbDatabase *db, const char *table, const char *index, i64 want)
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
    CHECK_INT(visible, want);
}

#define BULK_TABLE "CREATE TABLE big(a int NOT NULL, b int NOT NULL, v bigint, pad varchar(60), PRIMARY KEY (a, b)) USING oltp"

void suite_oltp_bulk(void)
{
    char *dir = storage_test_tmpdir();
    char path[512], path2[512], sql[1024];
    snprintf(path, sizeof path, "%s.rows", dir);
    snprintf(path2, sizeof path2, "%s.rows2", dir);
    MdbDatabase *db;
    MdbConn *c;
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(bq(c, BULK_TABLE), MDB_OK);

    /* 100,000 ascending rows: k = 0..99999 */
    const i64 n = 100000;
    write_rows(path, 0, n - 1, 1);
    copy_sql(sql, sizeof sql, "big", path);
    CHECK_INT(bq(c, sql), MDB_OK);
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n);
    CHECK_INT(bq_int(c, "SELECT sum(v) FROM big"), 7 * (n - 1) * n / 2);
    CHECK_INT(bq_int(c, "SELECT sum(a * 4 + b) FROM big"), (n - 1) * n / 2);
    CHECK_INT(bq_int(c, "SELECT v FROM big WHERE a = 12345 AND b = 3"), 7 * (12345 * 4 + 3));
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big WHERE a BETWEEN 100 AND 199"), 400);
    check_idx(db, "big", "big_pkey", n);

    /* rolled back whole, and to a savepoint: nothing of the second COPY stays */
    write_rows(path2, n, n + 29999, 1);
    copy_sql(sql, sizeof sql, "big", path2);
    CHECK_INT(bq(c, "BEGIN"), MDB_OK);
    CHECK_INT(bq(c, sql), MDB_OK);
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n + 30000);
    CHECK_INT(bq(c, "ROLLBACK"), MDB_OK);
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n);
    CHECK_INT(bq(c, "BEGIN"), MDB_OK);
    CHECK_INT(bq(c, "INSERT INTO big VALUES (-1, 0, 0, 'kept')"), MDB_OK);
    CHECK_INT(bq(c, "SAVEPOINT s"), MDB_OK);
    CHECK_INT(bq(c, sql), MDB_OK);
    CHECK_INT(bq(c, "ROLLBACK TO SAVEPOINT s"), MDB_OK);
    CHECK_INT(bq(c, "COMMIT"), MDB_OK);
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n + 1);
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big WHERE a >= 25000"), 0);
    check_idx(db, "big", "big_pkey", n + 1);

    /* a duplicate inside one batch (k = n+5 twice), and one against an existing row */
    FILE *f = fopen(path2, "w");
    if (f) {
        for (i64 k = n; k < n + 10; k++) fprintf(f, "%lld|%lld|1|x|\n", (long long)(k / 4), (long long)(k % 4));
        fprintf(f, "%lld|%lld|1|x|\n", (long long)((n + 5) / 4), (long long)((n + 5) % 4));
        fclose(f);
    }
    CHECK_INT(bq(c, sql), MDB_ERROR);
    CHECK_STR(mdb_conn_error(c)->sqlstate, "23505");
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n + 1);
    f = fopen(path2, "w");
    if (f) {
        fprintf(f, "%lld|0|1|new|\n", (long long)(n / 4 + 1000));
        fprintf(f, "77|2|1|exists|\n");
        fclose(f);
    }
    CHECK_INT(bq(c, sql), MDB_ERROR);
    CHECK_STR(mdb_conn_error(c)->sqlstate, "23505");
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n + 1);

    /* descending keys land below the right edge: batches are sorted per index */
    CHECK_INT(bq(c, "CREATE TABLE desc_t(id int PRIMARY KEY, s text) USING oltp"), MDB_OK);
    f = fopen(path2, "w");
    if (f) {
        for (i64 k = 50000; k > 0; k--) fprintf(f, "%lld|s%lld|\n", (long long)k, (long long)k);
        fclose(f);
    }
    copy_sql(sql, sizeof sql, "desc_t", path2);
    CHECK_INT(bq(c, sql), MDB_OK);
    CHECK_INT(bq_int(c, "SELECT count(*) FROM desc_t"), 50000);
    CHECK_INT(bq_int(c, "SELECT sum(id) FROM desc_t WHERE id <= 100"), 5050);
    check_idx(db, "desc_t", "desc_t_pkey", 50000);
    mdb_disconnect(c);
    mdb_close(db);

    /* the same after a clean reopen */
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n + 1);
    CHECK_INT(bq_int(c, "SELECT sum(v) FROM big"), 7 * (n - 1) * n / 2);
    check_idx(db, "big", "big_pkey", n + 1);
    mdb_disconnect(c);
    mdb_close(db);
    unlink(path);
    unlink(path2);
    storage_test_rmrf(dir);
    free(dir);
}

/* Bytes of WAL segments in dir/wal. */
static long long wal_bytes(const char *dir)
{
    char p[600];
    snprintf(p, sizeof p, "%s/wal", dir);
    DIR *d = opendir(p);
    if (!d) return 0;
    long long sum = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char fp[900];
        snprintf(fp, sizeof fp, "%s/%s", p, e->d_name);
        struct stat st;
        if (stat(fp, &st) == 0) sum += st.st_size;
    }
    closedir(d);
    return sum;
}

/* Child: opens dir with a small pool, signals 'S' before its COPY and 'E' once it returned. */
static void bulk_child(const char *dir, const char *copy, int fd)
{
    setenv("MEGADB_OLTP_POOL_PAGES", "256", 1);
    MdbDatabase *cdb;
    if (mdb_open(dir, &cdb, NULL) != MDB_OK) _exit(2);
    MdbConn *cc;
    if (mdb_connect(cdb, &cc) != MDB_OK) _exit(3);
    if (write(fd, "S", 1) != 1) _exit(5);
    if (bq(cc, copy) != MDB_OK) {
        fprintf(stderr, "bulk child: %s\n", mdb_conn_error(cc)->message);
        _exit(4);
    }
    if (write(fd, "E", 1) != 1) _exit(5);
    for (;;) pause();
}

void suite_oltp_bulk_crash(void)
{
    char *dir = storage_test_tmpdir();
    char path[512], sql[1024];
    snprintf(path, sizeof path, "%s.rows", dir);
    MdbDatabase *db;
    MdbConn *c;
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(bq(c, BULK_TABLE), MDB_OK);
    CHECK_INT(bq(c, "INSERT INTO big SELECT -g, 0, g, 'before' FROM generate_series(1, 1000) g"), MDB_OK);
    mdb_disconnect(c);
    mdb_close(db);
    const i64 n = 300000;
    write_rows(path, 0, n - 1, 1);
    copy_sql(sql, sizeof sql, "big", path);

    /* killed mid-way, twice (the second recovery also undoes over the first one's leftovers) */
    int midway = 0;
    for (int round = 0; round < 2; round++) {
        int pfd[2];
        if (pipe(pfd) != 0) {
            CHECK(0);
            break;
        }
        long long w0 = wal_bytes(dir);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            bulk_child(dir, sql, pfd[1]);
        }
        close(pfd[1]);
        char m = 0;
        CHECK(read(pfd[0], &m, 1) == 1 && m == 'S');
        /* wait for 4–12 MB of the load's WAL (dirty pages have been evicted by then), then kill */
        long long want = (4 + 8 * round) << 20;
        double t0 = storage_test_now();
        while (wal_bytes(dir) - w0 < want && storage_test_now() - t0 < 60) usleep(2000);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        bool finished = read(pfd[0], &m, 1) == 1 && m == 'E';
        close(pfd[0]);
        if (!finished) midway++;
        char *emsg = NULL;
        if (mdb_open(dir, &db, &emsg) != MDB_OK) {
            UNIT_FAIL_("reopen after a bulk load was killed: %s", emsg ? emsg : "?");
            free(emsg);
            break;
        }
        CHECK_INT(mdb_connect(db, &c), MDB_OK);
        if (!finished) {
            /* nothing of the load, everything from before */
            CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), 1000);
            CHECK_INT(bq_int(c, "SELECT count(*) FROM big WHERE a >= 0"), 0);
            CHECK_INT(bq_int(c, "SELECT sum(v) FROM big"), 500500);
            check_idx(db, "big", "big_pkey", 1000);
        }
        mdb_disconnect(c);
        mdb_close(db);
        if (finished) break; /* the machine loaded it all before the kill: nothing left to undo */
    }
    CHECK(midway > 0);

    /* committed, then killed right after the acknowledgement: all of it survives */
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        bulk_child(dir, sql, pfd[1]);
    }
    close(pfd[1]);
    char m = 0;
    CHECK(read(pfd[0], &m, 1) == 1 && m == 'S');
    CHECK(read(pfd[0], &m, 1) == 1 && m == 'E');
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(pfd[0]);
    char *emsg = NULL;
    if (mdb_open(dir, &db, &emsg) != MDB_OK) {
        UNIT_FAIL_("reopen after a committed bulk load: %s", emsg ? emsg : "?");
        free(emsg);
    } else {
        CHECK_INT(mdb_connect(db, &c), MDB_OK);
        CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n + 1000);
        CHECK_INT(bq_int(c, "SELECT sum(v) FROM big WHERE a >= 0"), 7 * (n - 1) * n / 2);
        CHECK_INT(bq_int(c, "SELECT v FROM big WHERE a = 70000 AND b = 1"), 7 * 280001);
        check_idx(db, "big", "big_pkey", n + 1000);
        /* and the table takes more rows after it */
        CHECK_INT(bq(c, "INSERT INTO big VALUES (999999, 0, 1, 'after')"), MDB_OK);
        CHECK_INT(bq_int(c, "SELECT count(*) FROM big"), n + 1001);
        mdb_disconnect(c);
        mdb_close(db);
    }
    fprintf(stderr, "  oltp bulk crash: %d of 2 loads killed mid-way, then a committed load of %lld rows survived a kill\n",
            midway, (long long)n);
    unlink(path);
    storage_test_rmrf(dir);
    free(dir);
}
