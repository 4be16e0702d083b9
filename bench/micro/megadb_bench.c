/*
 * bench/micro/megadb_bench.c — the MegaDB side of the issue-2 micro benchmark.
 *
 * Opens an in-memory database through the embedded C API (include/megadb.h),
 * sets the worker thread count, generates the data inside the engine in MEMORY
 * tables — fact(id, k, v, cat) with --rows rows (10 million by default) and
 * dim(k, name, grp) with --dim-rows rows (1 million by default), every fact.k
 * matching exactly one dim.k — and times, on the wall clock (CLOCK_MONOTONIC):
 *
 *   load_fact, load_dim   CREATE TABLE + INSERT … SELECT … FROM generate_series
 *                         (DROP TABLE first on every run after the first)
 *   q1                    scan–filter–aggregate over fact
 *   q2                    hash join fact ⋈ dim with an aggregate on top
 *
 * Each is run once as a warm-up and then --runs times; the median is printed.
 * A query's time covers mdb_query, fetching every result row and freeing the
 * result.  Every result (warm-up and timed runs) is checked against values computed here by a plain C
 * loop over the same generating formulas (group counts exactly, sums and
 * averages to a relative 1e-9), and a checksum line is printed that
 * bench/micro/duckdb_bench.mjs prints identically when DuckDB returns the same
 * answers.  bench/run.sh builds this file and parses its output:
 *
 *   TIME <name> <median ms> <run1 ms,run2 ms,…>      wall clock
 *   CPU <name> <median ms> <run1 ms,run2 ms,…>       process CPU time (getrusage,
 *                                                    user + system, all threads)
 *   CHECK <name> <checksum text>
 *   PHASE <name> <start s> <end s>                   CLOCK_MONOTONIC seconds of the
 *                                                    timed runs, for `perf record -k
 *                                                    CLOCK_MONOTONIC` + `perf report --time`
 *
 * Exit status 0 when every check passed, 1 otherwise.  The SQL text below must
 * stay identical to duckdb_bench.mjs (apart from USING memory).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "megadb.h"

#define MAX_RUNS 101
#define Q1_GROUPS 100   /* cat = i % 100 */
#define Q2_GROUPS 1000  /* grp = k % 1000 */

static int failures = 0;

/* Wall-clock milliseconds from CLOCK_MONOTONIC. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU milliseconds (user + system) of the whole process, every thread. */
static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of n timings (the mean of the middle two for even n); sorts a copy. */
static double median(const double *t, int n)
{
    double s[MAX_RUNS];
    memcpy(s, t, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void print_time(const char *kind, const char *name, const double *t, int n)
{
    printf("%s %s %.1f ", kind, name, median(t, n));
    for (int i = 0; i < n; i++)
        printf("%s%.1f", i ? "," : "", t[i]);
    printf("\n");
    fflush(stdout);
}

/* Runs SQL whose result is not needed; exits on error (the benchmark cannot go on). */
static void exec_or_die(MdbConn *conn, const char *sql)
{
    MdbResult *r = NULL;
    if (mdb_query(conn, sql, &r) != MDB_OK) {
        const MdbErrorInfo *e = mdb_conn_error(conn);
        fprintf(stderr, "megadb_bench: %s\nERROR %s: %s\n", sql, e->sqlstate, e->message);
        exit(2);
    }
    mdb_result_free(r);
}

/* One aggregate result row: group key, count, sum, and (Q1 only) avg. */
typedef struct Group {
    int64_t key;
    int64_t count;
    double sum;
    double avg;
} Group;

/* Runs a query returning (key, count, sum[, avg]) rows and copies them into
 * out[key]; returns the number of rows, or -1 on error.  Rows with a key out
 * of [0, ngroups) are counted but not stored (the check then fails). */
static int64_t run_groups(MdbConn *conn, const char *sql, Group *out, int ngroups, int has_avg)
{
    MdbResult *r = NULL;
    if (mdb_query(conn, sql, &r) != MDB_OK) {
        const MdbErrorInfo *e = mdb_conn_error(conn);
        fprintf(stderr, "megadb_bench: %s\nERROR %s: %s\n", sql, e->sqlstate, e->message);
        return -1;
    }
    int64_t nrows = 0;
    MdbChunk *c = NULL;
    while (mdb_result_fetch(r, &c) == MDB_OK && c != NULL) {
        size_t n = mdb_chunk_row_count(c);
        for (size_t row = 0; row < n; row++, nrows++) {
            int64_t key = mdb_chunk_get_int64(c, 0, row);
            if (key < 0 || key >= ngroups)
                continue;
            out[key].key = key;
            out[key].count = mdb_chunk_get_int64(c, 1, row);
            out[key].sum = mdb_chunk_get_double(c, 2, row);
            out[key].avg = has_avg ? mdb_chunk_get_double(c, 3, row) : 0;
        }
    }
    if (c != NULL) {
        fprintf(stderr, "megadb_bench: fetch failed: %s\n", mdb_conn_error(conn)->message);
        nrows = -1;
    }
    mdb_result_free(r);
    return nrows;
}

static int close_enough(double got, double want)
{
    return fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want));
}

/* Compares a result with the expected groups and prints the checksum line:
 * number of rows, total count, total of the sums and (Q1) total of the averages,
 * all summed in key order. */
static void check_groups(const char *name, int64_t nrows, const Group *got, const Group *want, int ngroups,
                         int has_avg, int print)
{
    int64_t want_rows = 0, total_count = 0;
    double total_sum = 0, total_avg = 0;
    int bad = 0;
    for (int g = 0; g < ngroups; g++) {
        if (want[g].count == 0)
            continue;
        want_rows++;
        if (got[g].count != want[g].count || !close_enough(got[g].sum, want[g].sum) ||
            (has_avg && !close_enough(got[g].avg, want[g].avg))) {
            if (bad++ < 5)
                fprintf(stderr, "megadb_bench: %s group %d: got count %lld sum %.17g avg %.17g, want %lld %.17g %.17g\n",
                        name, g, (long long)got[g].count, got[g].sum, got[g].avg, (long long)want[g].count,
                        want[g].sum, want[g].avg);
        }
        total_count += got[g].count;
        total_sum += got[g].sum;
        total_avg += got[g].avg;
    }
    if (nrows != want_rows) {
        fprintf(stderr, "megadb_bench: %s returned %lld rows, want %lld\n", name, (long long)nrows,
                (long long)want_rows);
        bad++;
    }
    if (bad)
        failures++;
    if (!print && !bad)
        return;
    printf("CHECK %s %s rows=%lld count=%lld sum=%.1f", name, bad ? "FAILED" : "ok", (long long)nrows,
           (long long)total_count, total_sum);
    if (has_avg)
        printf(" avgsum=%.6f", total_avg);
    printf("\n");
    fflush(stdout);
}

static void usage(void)
{
    fprintf(stderr, "usage: megadb_bench [--threads N] [--runs R] [--rows N] [--dim-rows M] [--only q1|q2|load]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long threads = 2, runs = 5, rows = 10000000, dim_rows = 1000000;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--threads") == 0)
            threads = atol(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atol(argv[++i]);
        else if (strcmp(argv[i], "--rows") == 0)
            rows = atol(argv[++i]);
        else if (strcmp(argv[i], "--dim-rows") == 0)
            dim_rows = atol(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[++i];
        else
            usage();
    }
    if (threads < 1 || runs < 1 || runs > MAX_RUNS || rows < 1 || dim_rows < 1)
        usage();

    MdbDatabase *db = NULL;
    MdbConn *conn = NULL;
    char *err = NULL;
    if (mdb_open(NULL, &db, &err) != MDB_OK || mdb_connect(db, &conn) != MDB_OK) {
        fprintf(stderr, "megadb_bench: cannot open database: %s\n", err ? err : "?");
        return 2;
    }
    char sql[1024];
    snprintf(sql, sizeof sql, "SET threads = %ld", threads);
    exec_or_die(conn, sql);
    printf("INFO engine=megadb version=%s threads=%ld runs=%ld rows=%ld dim_rows=%ld\n", mdb_version(), threads,
           runs, rows, dim_rows);

    /* ---- load (warm-up + runs, dropping the tables in between) ---- */
    char load_fact[1024], load_dim[1024];
    snprintf(load_fact, sizeof load_fact,
             "CREATE TABLE fact(id bigint, k integer, v double precision, cat integer) USING memory; "
             "INSERT INTO fact SELECT i, i %% %ld, (i %% 997) * 1.5, i %% 100 FROM generate_series(1, %ld) AS g(i)",
             dim_rows, rows);
    snprintf(load_dim, sizeof load_dim,
             "CREATE TABLE dim(k integer, name text, grp integer) USING memory; "
             "INSERT INTO dim SELECT i, 'name' || i, i %% 1000 FROM generate_series(0, %ld) AS g(i)",
             dim_rows - 1);
    double t_fact[MAX_RUNS], t_dim[MAX_RUNS], c_fact[MAX_RUNS], c_dim[MAX_RUNS];
    double phase_start = 0;
    for (long run = -1; run < runs; run++) {
        if (run >= 0) {
            exec_or_die(conn, "DROP TABLE fact");
            exec_or_die(conn, "DROP TABLE dim");
        }
        double t0 = now_ms(), c0 = cpu_ms();
        if (run == 0)
            phase_start = t0;
        exec_or_die(conn, load_fact);
        double t1 = now_ms(), c1 = cpu_ms();
        exec_or_die(conn, load_dim);
        double t2 = now_ms(), c2 = cpu_ms();
        if (run >= 0) {
            t_fact[run] = t1 - t0;
            t_dim[run] = t2 - t1;
            c_fact[run] = c1 - c0;
            c_dim[run] = c2 - c1;
        }
    }
    printf("PHASE load %.6f %.6f\n", phase_start / 1e3, now_ms() / 1e3);
    print_time("TIME", "load_fact", t_fact, (int)runs);
    print_time("TIME", "load_dim", t_dim, (int)runs);
    print_time("CPU", "load_fact", c_fact, (int)runs);
    print_time("CPU", "load_dim", c_dim, (int)runs);

    /* ---- expected answers, from the generating formulas ---- */
    static Group want1[Q1_GROUPS], want2[Q2_GROUPS];
    for (long i = 1; i <= rows; i++) {
        double v = (double)(i % 997) * 1.5;
        long k = i % dim_rows;
        if (v > 100) {
            want1[i % 100].count++;
            want1[i % 100].sum += v;
        }
        want2[k % 1000].count++;
        want2[k % 1000].sum += v;
    }
    for (int g = 0; g < Q1_GROUPS; g++) {
        want1[g].key = g;
        if (want1[g].count)
            want1[g].avg = want1[g].sum / (double)want1[g].count;
    }

    /* ---- queries ---- */
    static const struct {
        const char *name;
        const char *sql;
        int ngroups;
        int has_avg;
    } queries[] = {
        {"q1", "SELECT cat, count(*), sum(v), avg(v) FROM fact WHERE v > 100 GROUP BY cat", Q1_GROUPS, 1},
        {"q2", "SELECT d.grp, count(*), sum(f.v) FROM fact f JOIN dim d ON f.k = d.k GROUP BY d.grp", Q2_GROUPS, 0},
    };
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        if (only && strcmp(only, queries[q].name) != 0)
            continue;
        double t[MAX_RUNS], c[MAX_RUNS];
        static Group got[Q2_GROUPS];
        for (long run = -1; run < runs; run++) {
            memset(got, 0, sizeof got);
            double t0 = now_ms(), c0 = cpu_ms();
            if (run == 0)
                phase_start = t0;
            int64_t n = run_groups(conn, queries[q].sql, got, queries[q].ngroups, queries[q].has_avg);
            double t1 = now_ms(), c1 = cpu_ms();
            if (n < 0)
                return 2;
            /* every run is checked; the checksum is printed for the warm-up one */
            check_groups(queries[q].name, n, got, queries[q].has_avg ? want1 : want2, queries[q].ngroups,
                         queries[q].has_avg, run < 0);
            if (run >= 0) {
                t[run] = t1 - t0;
                c[run] = c1 - c0;
            }
        }
        printf("PHASE %s %.6f %.6f\n", queries[q].name, phase_start / 1e3, now_ms() / 1e3);
        print_time("TIME", queries[q].name, t, (int)runs);
        print_time("CPU", queries[q].name, c, (int)runs);
    }

    mdb_disconnect(conn);
    mdb_close(db);
    return failures ? 1 : 0;
}
