/*
 * test/unit/test_spill.c — temporary files of spilling operators (src/exec/spill.c).
 *
 * SQL tests (test/sql/spill) check that spilled results equal in-memory ones;
 * what SQL cannot see is checked here: a chunk survives the trip through a
 * temporary file (NULLs, short and long strings), spilling statements really
 * write files, those files are gone after the statement — also when it fails
 * or is cancelled — and a top-N sort under the budget writes none.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "exec/spill.h"
#include "megadb.h"
#include "unit.h"

/* Plain files in dir (-1 when it cannot be read). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static int run(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    int rc = mdb_query(c, sql, &r);
    if (r) mdb_result_free(r);
    return rc;
}

/* The first column of the first row as an integer (-1 on error). */
static long long scalar(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    long long v = -1;
    if (mdb_query(c, sql, &r) == MDB_OK) {
        MdbChunk *ch;
        if (mdb_result_fetch(r, &ch) == MDB_OK && ch && mdb_chunk_row_count(ch) >= 1) {
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

static void roundtrip(void)
{
    Arena *a = arena_create(NULL);
    Settings s;
    settings_default(&s);
    snprintf(s.temp_directory, sizeof s.temp_directory, "%s", "/tmp");
    Exec ex;
    exec_init(&ex, a, NULL, &s, NULL);
    LType types[2] = {ltype(TYPE_INT64), ltype(TYPE_TEXT)};
    DataChunk in, out;
    chunk_init(&in, types, 2, VECTOR_SIZE, a);
    chunk_init(&out, types, 2, VECTOR_SIZE, a);
    char buf[64];
    for (int i = 0; i < 1000; i++) {
        Value v = i % 10 == 3 ? value_null() : value_int(TYPE_INT64, (i64)i * 1000003);
        vector_set(&in.cols[0], (idx_t)i, &v);
        int n = snprintf(buf, sizeof buf, i % 2 ? "s%d" : "a rather longer string number %d", i);
        Value t = i % 7 == 5 ? value_null() : value_text(a, buf, (size_t)n);
        vector_set(&in.cols[1], (idx_t)i, &t);
    }
    in.count = 1000;
    SpillStats before, mid, after;
    spill_stats(&before);
    SpillFile *f = spill_create(&ex);
    CHECK(f != NULL);
    if (!f) return;
    i64 off1 = -1, off2 = -1;
    CHECK_INT(spill_write(f, &in, &off1), MDB_OK_);
    CHECK_INT(spill_write(f, &in, &off2), MDB_OK_);
    CHECK_INT(off1, 0);
    CHECK(off2 > 0 && off2 < spill_size(f));
    spill_stats(&mid);
    CHECK_INT(mid.files_open - before.files_open, 1);
    for (int pass = 0; pass < 2; pass++) {
        i64 pos = pass ? off2 : off1;
        CHECK_INT(spill_read(f, &pos, &out), MDB_OK_);
        CHECK_INT(out.count, 1000);
        int bad = 0;
        for (int i = 0; i < 1000; i++) {
            Value x = vector_get(&out.cols[0], (idx_t)i), y = vector_get(&in.cols[0], (idx_t)i);
            if (x.is_null != y.is_null || (!x.is_null && x.u.i != y.u.i)) bad++;
            Value s1 = vector_get(&out.cols[1], (idx_t)i), s2 = vector_get(&in.cols[1], (idx_t)i);
            if (s1.is_null != s2.is_null || (!s1.is_null && !str_eq(&s1.u.s, &s2.u.s))) bad++;
        }
        CHECK_INT(bad, 0);
        if (pass) {
            /* the end of the file reads as an empty chunk */
            CHECK_INT(spill_read(f, &pos, &out), MDB_OK_);
            CHECK_INT(out.count, 0);
        }
    }
    /* exec_cleanup removes a file nobody closed */
    exec_cleanup(&ex);
    spill_stats(&after);
    CHECK_INT(after.files_open, before.files_open);
    CHECK_INT(after.files_created - before.files_created, 1);
    arena_destroy(a);
}

void suite_spill(void)
{
    roundtrip();

    char dir[] = "/tmp/megadb_spill_test_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char db_dir[128], tmp[160];
    snprintf(db_dir, sizeof db_dir, "%s/db", dir);
    snprintf(tmp, sizeof tmp, "%s/tmp", db_dir);
    /* files a killed process left in <database>/tmp are removed when the database opens;
     * a live process's are kept */
    CHECK(mkdir(db_dir, 0755) == 0 && mkdir(tmp, 0700) == 0);
    char stale[256], live[256];
    int dead_pid = 0;
    for (int p = 4000000; p > 100000 && !dead_pid; p -= 7919)
        if (kill(p, 0) != 0 && errno == ESRCH) dead_pid = p;
    snprintf(stale, sizeof stale, "%s/megadb_spill_%d_3.tmp", tmp, dead_pid);
    snprintf(live, sizeof live, "%s/megadb_spill_%d_3.tmp", tmp, (int)getppid());
    FILE *fs = fopen(stale, "w"), *fl = fopen(live, "w");
    if (fs) fclose(fs);
    if (fl) fclose(fl);
    MdbDatabase *db = NULL;
    char *e = NULL;
    CHECK(mdb_open(db_dir, &db, &e) == MDB_OK);
    CHECK(access(stale, F_OK) != 0);
    CHECK(access(live, F_OK) == 0);
    unlink(live);
    if (!db) return;
    MdbConn *c;
    CHECK(mdb_connect(db, &c) == MDB_OK);
    CHECK_INT(run(c, "SET memory_limit = '1MB'"), MDB_OK);

    /* a spilling sort: files are written to <database>/tmp and gone afterwards */
    SpillStats s0, s1;
    spill_stats(&s0);
    CHECK_INT(scalar(c, "SELECT x FROM generate_series(1, 200000) g(x) ORDER BY x DESC"), 200000);
    spill_stats(&s1);
    CHECK(s1.files_created > s0.files_created);
    /* 200000 four-byte integers: nearly all of them went through the runs */
    CHECK(s1.bytes_written > s0.bytes_written + 700000);
    CHECK_INT(s1.files_open, 0);
    CHECK_INT(count_files(tmp), 0);

    /* a spilling aggregate */
    spill_stats(&s0);
    CHECK_INT(scalar(c, "SELECT count(*) FROM (SELECT x % 100000, count(*) FROM generate_series(1, 300000) g(x) GROUP BY 1) t"),
              100000);
    spill_stats(&s1);
    CHECK(s1.files_created > s0.files_created);
    CHECK_INT(s1.files_open, 0);
    CHECK_INT(count_files(tmp), 0);

    /* an error while the spilled runs are read: files removed too */
    spill_stats(&s0);
    CHECK(run(c, "SELECT 1 / (x - 150000) FROM (SELECT x FROM generate_series(1, 300000) g(x) ORDER BY x DESC) s") != MDB_OK);
    CHECK_STR(mdb_conn_error(c)->sqlstate, "22012");
    spill_stats(&s1);
    CHECK(s1.files_created > s0.files_created);
    CHECK_INT(s1.files_open, 0);
    CHECK_INT(count_files(tmp), 0);

    /* a grace hash join, then one failing while its partitions are joined */
    CHECK_INT(run(c, "CREATE TABLE ja (id int, k int) USING memory"), MDB_OK);
    CHECK_INT(run(c, "CREATE TABLE jb (id int, k int) USING memory"), MDB_OK);
    CHECK_INT(run(c, "INSERT INTO ja SELECT i, i % 150000 FROM generate_series(1, 300000) g(i)"), MDB_OK);
    CHECK_INT(run(c, "INSERT INTO jb SELECT i, (i * 3) % 200000 FROM generate_series(1, 250000) g(i)"), MDB_OK);
    spill_stats(&s0);
    CHECK_INT(scalar(c, "SELECT count(*) FROM ja JOIN jb ON ja.k = jb.k"), 399998);
    spill_stats(&s1);
    CHECK(s1.files_created > s0.files_created);
    CHECK_INT(s1.files_open, 0);
    CHECK_INT(count_files(tmp), 0);
    CHECK(run(c, "SELECT 1 / (ja.k - 77777) FROM ja LEFT JOIN jb ON ja.k = jb.k") != MDB_OK);
    CHECK_STR(mdb_conn_error(c)->sqlstate, "22012");
    spill_stats(&s1);
    CHECK_INT(s1.files_open, 0);
    CHECK_INT(count_files(tmp), 0);

    /* cancelled by statement_timeout */
    CHECK_INT(run(c, "SET statement_timeout = '30ms'"), MDB_OK);
    CHECK(run(c, "SELECT count(*) FROM (SELECT x, md5(x::text) FROM generate_series(1, 3000000) g(x) ORDER BY 2) s") != MDB_OK);
    CHECK_STR(mdb_conn_error(c)->sqlstate, "57014");
    CHECK_INT(run(c, "RESET statement_timeout"), MDB_OK);
    spill_stats(&s1);
    CHECK_INT(s1.files_open, 0);
    CHECK_INT(count_files(tmp), 0);

    /* top-N under the budget keeps limit rows: no files */
    spill_stats(&s0);
    CHECK_INT(scalar(c, "SELECT x FROM generate_series(1, 300000) g(x) ORDER BY x DESC LIMIT 10 OFFSET 3"), 299997);
    spill_stats(&s1);
    CHECK_INT(s1.files_created, s0.files_created);

    /* a sort of more runs than one merge takes (64): merged in passes; every row checked in order */
    CHECK_INT(run(c, "SET memory_limit = '300kB'"), MDB_OK);
    spill_stats(&s0);
    {
        MdbResult *r = NULL;
        CHECK_INT(mdb_query(c, "SELECT (x::bigint * 7919) % 1000003 AS k, x FROM generate_series(1, 1000000) g(x) ORDER BY k DESC, x", &r),
                  MDB_OK);
        long long rows = 0, prev = -1, bad = 0, sum = 0;
        MdbChunk *ch;
        while (r && mdb_result_fetch(r, &ch) == MDB_OK && ch) {
            size_t n = mdb_chunk_row_count(ch);
            for (size_t i = 0; i < n; i++) {
                long long k = mdb_chunk_get_int64(ch, 0, i), x = mdb_chunk_get_int64(ch, 1, i);
                if (prev >= 0 && k > prev) bad++;
                if (x * 7919 % 1000003 != k) bad++;
                prev = k;
                sum += x;
                rows++;
            }
        }
        if (r) mdb_result_free(r);
        CHECK_INT(rows, 1000000);
        CHECK_INT(bad, 0);
        CHECK_INT(sum, 500000500000LL);
    }
    spill_stats(&s1);
    /* 12 bytes a row, written once as runs and once more by the first merge pass */
    CHECK(s1.bytes_written - s0.bytes_written > 20000000);
    CHECK_INT(s1.files_open, 0);
    CHECK_INT(count_files(tmp), 0);
    CHECK_INT(run(c, "SET memory_limit = '1MB'"), MDB_OK);

    /* temp_directory overrides the database's tmp/ */
    CHECK_INT(run(c, "SET temp_directory = '/dev/null/nowhere'"), MDB_OK);
    CHECK(run(c, "SELECT count(*) FROM (SELECT x FROM generate_series(1, 300000) g(x) ORDER BY x DESC) s") != MDB_OK);
    CHECK_STR(mdb_conn_error(c)->sqlstate, "58030");
    CHECK_INT(run(c, "RESET temp_directory"), MDB_OK);

    mdb_disconnect(c);
    mdb_close(db);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}
