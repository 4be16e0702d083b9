/*
 * test/unit/test_copy.c — COPY FROM of inputs large enough to be loaded in
 * parallel blocks (src/main/copy.c), through the embedded C API.
 *
 * suite_copy_parallel writes a file of ~300,000 lines (about 14 MB, several
 * blocks) with escapes, NULLs and char/varchar/numeric/date fields, loads it
 * with 4 threads and with 1 thread (one block), and checks:
 *   - both tables hold the same rows, in file order: COPY TO of each with one
 *     thread reproduces the input byte for byte;
 *   - a bad value near the end fails with 22P02 and a detail naming the
 *     line (counted across blocks, header included), and leaves the table
 *     empty; a duplicate key near the end fails with 23505, a NULL in a NOT
 *     NULL column with 23502 naming the line of its chunk;
 *   - the end-of-data marker \. in the middle stops the load there;
 *   - CSV without quotes loads in parallel, CSV with a quoted newline in one
 *     block, both equal to the text load;
 *   - COPY FROM STDIN of the same bytes loads the same rows.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "megadb.h"
#include "unit.h"

char *storage_test_tmpdir(void);
void storage_test_rmrf(const char *dir);

static int cq(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    int rc = mdb_query(c, sql, &r);
    if (rc != MDB_OK) fprintf(stderr, "  (%s: %s)\n", sql, mdb_conn_error(c)->message);
    if (r) mdb_result_free(r);
    return rc;
}

static long long cq_int(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    long long v = -999999;
    if (mdb_query(c, sql, &r) == MDB_OK) {
        MdbChunk *ch;
        if (mdb_result_fetch(r, &ch) == MDB_OK && ch && mdb_chunk_row_count(ch)) {
            const char *s = mdb_chunk_get_text(ch, 0, 0, NULL);
            if (s) v = strtoll(s, NULL, 10);
        }
    }
    if (r) mdb_result_free(r);
    return v;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    b[*len] = 0;
    return b;
}

#define NROWS 200000

/* One line of the test file; every 1000th row has NULLs, every 777th escapes. */
static void line_of(int i, FILE *f, char delim, bool nulls)
{
    if (nulls && i % 1000 == 0) {
        fprintf(f, "%d%c\\N%c\\N%c\\N%c\\N\n", i, delim, delim, delim, delim);
        return;
    }
    const char *esc = i % 777 == 0 ? "tab\\there\\\\x" : "plain";
    fprintf(f, "%d%c%s-%d%cc%03d%c%d.%02d%c%04d-%02d-%02d\n", i, delim, esc, i, delim, i % 97, delim, i / 7, i % 100, delim,
            1990 + i % 30, 1 + i % 12, 1 + i % 28);
}

static void write_file(const char *path, bool header, int bad_at, int marker_at)
{
    FILE *f = fopen(path, "w");
    if (header) fprintf(f, "id\tv\tc\tn\td\n");
    for (int i = 1; i <= NROWS; i++) {
        if (i == marker_at) fprintf(f, "\\.\n");
        if (i == bad_at) fprintf(f, "%d\tx\tc\t1.5\tnot a date\n", i);
        else line_of(i, f, '\t', true);
    }
    fclose(f);
}

static const char *TABLE_DEF = "(id int PRIMARY KEY, v varchar(40), c char(4), n numeric(12,2), d date)";

void suite_copy_parallel(void)
{
    char *dir = storage_test_tmpdir();
    char in[512], csv[512], qcsv[512], out1[512], out2[512], sql[2048];
    snprintf(in, sizeof in, "%s/in.txt", dir);
    snprintf(csv, sizeof csv, "%s/in.csv", dir);
    snprintf(qcsv, sizeof qcsv, "%s/inq.csv", dir);
    snprintf(out1, sizeof out1, "%s/out1.txt", dir);
    snprintf(out2, sizeof out2, "%s/out2.txt", dir);
    MdbDatabase *db = NULL;
    char *oerr = NULL;
    CHECK(mdb_open(NULL, &db, &oerr) == MDB_OK);
    MdbConn *c = NULL;
    CHECK(db && mdb_connect(db, &c) == MDB_OK);
    if (!c) return;

    /* the same rows through 4 threads and through 1 */
    write_file(in, false, 0, 0);
    for (int m = 0; m < 2; m++) {
        const char *tier = m == 0 ? "memory" : "oltp";
        snprintf(sql, sizeof sql, "CREATE TABLE p_%s%s USING %s", tier, TABLE_DEF, tier);
        CHECK(cq(c, sql) == MDB_OK);
        snprintf(sql, sizeof sql, "CREATE TABLE s_%s%s USING %s", tier, TABLE_DEF, tier);
        CHECK(cq(c, sql) == MDB_OK);
        CHECK(cq(c, "SET threads = 4") == MDB_OK);
        snprintf(sql, sizeof sql, "COPY p_%s FROM '%s'", tier, in);
        CHECK(cq(c, sql) == MDB_OK);
        CHECK(cq(c, "SET threads = 1") == MDB_OK);
        snprintf(sql, sizeof sql, "COPY s_%s FROM '%s'", tier, in);
        CHECK(cq(c, sql) == MDB_OK);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM p_%s", tier);
        CHECK_INT(cq_int(c, sql), NROWS);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT * FROM p_%s EXCEPT ALL SELECT * FROM s_%s) x", tier, tier);
        CHECK_INT(cq_int(c, sql), 0);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM p_%s WHERE v LIKE E'tab\\there\\\\\\\\x-%%'", tier);
        CHECK_INT(cq_int(c, sql), NROWS / 777 - NROWS / 777000);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM p_%s WHERE d IS NULL AND n IS NULL", tier);
        CHECK_INT(cq_int(c, sql), NROWS / 1000);
    }
    /* file order: the MEMORY table written back by one thread is the input */
    snprintf(sql, sizeof sql, "COPY p_memory TO '%s'", out1);
    CHECK(cq(c, sql) == MDB_OK);
    size_t la = 0, lb = 0;
    char *a = slurp(in, &la), *b = slurp(out1, &lb);
    CHECK(a && b && la == lb && memcmp(a, b, la) == 0);
    free(b);

    /* FROM STDIN with the same bytes */
    CHECK(cq(c, "CREATE TABLE st" "(id int PRIMARY KEY, v varchar(40), c char(4), n numeric(12,2), d date) USING memory") == MDB_OK);
    CHECK(cq(c, "SET threads = 4") == MDB_OK);
    mdb_conn_copy_in(c, a, la);
    CHECK(cq(c, "COPY st FROM STDIN") == MDB_OK);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM (SELECT * FROM st EXCEPT ALL SELECT * FROM s_memory) x"), 0);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM st"), NROWS);
    free(a);

    /* a bad date near the end: 22P02, its line (with a header line before it), nothing loaded */
    write_file(in, true, NROWS - 10, 0);
    CHECK(cq(c, "CREATE TABLE e1(id int PRIMARY KEY, v varchar(40), c char(4), n numeric(12,2), d date) USING memory") == MDB_OK);
    snprintf(sql, sizeof sql, "COPY e1 FROM '%s' (HEADER true)", in);
    MdbResult *r = NULL;
    CHECK(mdb_query(c, sql, &r) != MDB_OK);
    if (r) mdb_result_free(r);
    const MdbErrorInfo *e = mdb_conn_error(c);
    CHECK_STR(e->sqlstate, "22007");
    char want[128];
    snprintf(want, sizeof want, "line %d, column d", NROWS - 10 + 1);
    CHECK(e->detail && strstr(e->detail, want));
    if (e->detail && !strstr(e->detail, want)) fprintf(stderr, "  detail: %s (want %s)\n", e->detail, want);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM e1"), 0);

    /* a duplicate key near the end: 23505 naming the line of its chunk, nothing loaded */
    FILE *f = fopen(in, "w");
    for (int i = 1; i <= NROWS; i++) line_of(i == NROWS - 5 ? 17 : i, f, '\t', true);
    fclose(f);
    snprintf(sql, sizeof sql, "COPY e1 FROM '%s'", in);
    CHECK(mdb_query(c, sql, &r) != MDB_OK);
    if (r) mdb_result_free(r);
    e = mdb_conn_error(c);
    CHECK_STR(e->sqlstate, "23505");
    CHECK(e->detail && strstr(e->detail, "(id)=(17)"));
    CHECK_INT(cq_int(c, "SELECT count(*) FROM e1"), 0);

    /* a NULL in a NOT NULL column near the end: 23502 naming the line of its chunk */
    f = fopen(in, "w");
    for (int i = 1; i <= NROWS; i++) {
        if (i == NROWS - 5) fprintf(f, "%d\t\\N\t\\N\t\\N\t\\N\n", i);
        else line_of(i, f, '\t', false);
    }
    fclose(f);
    CHECK(cq(c, "CREATE TABLE e2(id int, v varchar(40) NOT NULL, c char(4), n numeric(12,2), d date) USING memory") == MDB_OK);
    snprintf(sql, sizeof sql, "COPY e2 FROM '%s'", in);
    CHECK(mdb_query(c, sql, &r) != MDB_OK);
    if (r) mdb_result_free(r);
    e = mdb_conn_error(c);
    CHECK_STR(e->sqlstate, "23502");
    long long at = e->detail && strstr(e->detail, "line ") ? atoll(strstr(e->detail, "line ") + 5) : -1;
    if (at < 0) fprintf(stderr, "  detail: %s\n", e->detail ? e->detail : "(none)");
    CHECK(at > NROWS - 5 - 2048 && at <= NROWS - 5);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM e2"), 0);
    snprintf(sql, sizeof sql, "COPY e1 FROM '%s'", in);

    /* the end-of-data marker in the middle */
    write_file(in, false, 0, 150001);
    snprintf(sql, sizeof sql, "COPY e1 FROM '%s'", in);
    CHECK(cq(c, sql) == MDB_OK);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM e1"), 150000);
    CHECK_INT(cq_int(c, "SELECT max(id) FROM e1"), 150000);

    /* CSV: without quotes (parallel), and with a quoted newline (one block) */
    f = fopen(csv, "w");
    FILE *fq = fopen(qcsv, "w");
    for (int i = 1; i <= NROWS; i++) {
        if (i % 1000 == 0) {
            fprintf(f, "%d,,,,\n", i);
            fprintf(fq, "%d,,,,\n", i);
            continue;
        }
        fprintf(f, "%d,v%d,c%03d,%d.%02d,%04d-%02d-%02d\n", i, i, i % 97, i / 7, i % 100, 1990 + i % 30, 1 + i % 12, 1 + i % 28);
        if (i == 5) fprintf(fq, "%d,\"two\nlines\",c%03d,%d.%02d,%04d-%02d-%02d\n", i, i % 97, i / 7, i % 100, 1990 + i % 30, 1 + i % 12, 1 + i % 28);
        else fprintf(fq, "%d,v%d,c%03d,%d.%02d,%04d-%02d-%02d\n", i, i, i % 97, i / 7, i % 100, 1990 + i % 30, 1 + i % 12, 1 + i % 28);
    }
    fclose(f);
    fclose(fq);
    CHECK(cq(c, "CREATE TABLE c1(id int PRIMARY KEY, v varchar(40), c char(4), n numeric(12,2), d date) USING memory") == MDB_OK);
    CHECK(cq(c, "CREATE TABLE c2(id int PRIMARY KEY, v varchar(40), c char(4), n numeric(12,2), d date) USING memory") == MDB_OK);
    snprintf(sql, sizeof sql, "COPY c1 FROM '%s' (FORMAT csv)", csv);
    CHECK(cq(c, sql) == MDB_OK);
    snprintf(sql, sizeof sql, "COPY c2 FROM '%s' (FORMAT csv)", qcsv);
    CHECK(cq(c, sql) == MDB_OK);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM c1"), NROWS);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM (SELECT * FROM c1 EXCEPT SELECT * FROM c2) x"), 1);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM c2 WHERE v = E'two\\nlines'"), 1);
    CHECK_INT(cq_int(c, "SELECT count(*) FROM c1 WHERE v IS NULL AND n IS NULL"), NROWS / 1000);
    CHECK(cq(c, "SET threads = 1") == MDB_OK);
    snprintf(sql, sizeof sql, "COPY c1 TO '%s' (FORMAT csv)", out2);
    CHECK(cq(c, sql) == MDB_OK);
    a = slurp(csv, &la), b = slurp(out2, &lb);
    CHECK(a && b && la == lb && memcmp(a, b, la) == 0);
    free(a);
    free(b);

    mdb_disconnect(c);
    mdb_close(db);
    storage_test_rmrf(dir);
    free(dir);
}
