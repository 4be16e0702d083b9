/*
 * bench/tpch/megadb_tpch.c — the MegaDB side of the TPC-H benchmark
 * (bench/tpch/run.sh).  Through the embedded C API only: opens an in-memory
 * database, sets the thread count, loads the eight .tbl files of DATA_DIR with
 * COPY (or generates them with CALL tpch_generate when --generate SF is
 * given), then runs each query file RUNS times and writes the first run's
 * result to OUT_DIR/qNN.csv in the answers' format (header line, '|'
 * separated, CHAR padding trimmed).  A query's time covers running every
 * statement of its file and reading every result row.  Output lines, parsed
 * by run.sh:
 *
 *   LOAD <ms>                       load (COPY or CALL) wall-clock time
 *   TIME <qNN> <median ms> <run1,run2,…>
 *   ERROR <qNN> <SQLSTATE> <message>
 *
 * usage: megadb_tpch --threads N --runs K [--timeout-ms MS] --schema FILE
 *                    (--data DIR | --generate SF) --out DIR QUERY_FILE...
 * --timeout-ms sets statement_timeout for the queries (not the load).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "megadb.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Writes a result (header, then rows) in the answers' format; reads every row
 * even when out is NULL, so the timing covers fetching. */
static void write_result(MdbResult *r, FILE *out)
{
    int nc = mdb_result_column_count(r);
    if (out) {
        for (int k = 0; k < nc; k++) fprintf(out, "%s%s", k ? "|" : "", mdb_result_column_name(r, k));
        fputc('\n', out);
    }
    MdbChunk *ch;
    while (mdb_result_fetch(r, &ch) == MDB_OK && ch) {
        size_t n = mdb_chunk_row_count(ch);
        for (size_t i = 0; i < n; i++) {
            for (int k = 0; k < nc; k++) {
                size_t len;
                const char *v = mdb_chunk_get_text(ch, k, i, &len);
                if (!out) continue;
                if (k) fputc('|', out);
                if (!v) { fputs("NULL", out); continue; }
                while (len && v[len - 1] == ' ') len--;
                fwrite(v, 1, len, out);
            }
            if (out) fputc('\n', out);
        }
    }
}

/* Runs the statements of sql one by one; the results that have rows go to out
 * (may be NULL).  0, or -1 with the error in mdb_conn_error(c). */
static int run_sql(MdbConn *c, const char *sql, FILE *out)
{
    const char *p = sql;
    while (*p) {
        MdbStmt *st = NULL;
        size_t tail = 0;
        if (mdb_prepare(c, p, &st, &tail) != MDB_OK) return -1;
        if (!st) break;
        MdbResult *r = NULL;
        int rc = mdb_stmt_execute(st, &r);
        mdb_stmt_free(st);
        if (rc != MDB_OK) return -1;
        if (r && mdb_result_has_rows(r)) write_result(r, out);
        mdb_result_free(r);
        p += tail;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int threads = 2, runs = 3, first_query = argc;
    long timeout_ms = 0;
    const char *schema = NULL, *data = NULL, *gen = NULL, *outdir = ".";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--schema") && i + 1 < argc) schema = argv[++i];
        else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc) timeout_ms = atol(argv[++i]);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--generate") && i + 1 < argc) gen = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) outdir = argv[++i];
        else { first_query = i; break; }
    }
    if (runs < 1 || threads < 1 || (!gen && (!data || !schema))) {
        fprintf(stderr, "usage: megadb_tpch --threads N --runs K --schema FILE (--data DIR | --generate SF) --out DIR QUERY...\n");
        return 2;
    }
    MdbDatabase *db;
    MdbConn *c;
    char *err = NULL;
    if (mdb_open(NULL, &db, &err) != MDB_OK || mdb_connect(db, &c) != MDB_OK) {
        fprintf(stderr, "megadb_tpch: cannot open a database: %s\n", err ? err : "?");
        return 1;
    }
    char buf[8192];
    snprintf(buf, sizeof buf, "SET threads = %d", threads);
    run_sql(c, buf, NULL);
    /* the TPC-H tables are analytical data: the columnar MEMORY tier, not the default OLTP tier */
    run_sql(c, "SET default_table_access_method = memory", NULL);
    double t0 = now_ms();
    int rc = 0;
    if (gen) {
        snprintf(buf, sizeof buf, "CALL tpch_generate(%s)", gen);
        rc = run_sql(c, buf, NULL);
    } else {
        char *ddl = read_file(schema);
        rc = ddl ? run_sql(c, ddl, NULL) : -1;
        free(ddl);
        static const char *const tables[] = {"region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"};
        for (int t = 0; t < 8 && !rc; t++) {
            snprintf(buf, sizeof buf, "COPY %s FROM '%s/%s.tbl' (FORMAT text, DELIMITER '|', TRAILING_DELIMITER true)", tables[t], data,
                     tables[t]);
            rc = run_sql(c, buf, NULL);
        }
    }
    if (rc) {
        const MdbErrorInfo *e = mdb_conn_error(c);
        fprintf(stderr, "megadb_tpch: load failed: %s %s\n", e->sqlstate, e->message);
        return 1;
    }
    printf("LOAD %.1f\n", now_ms() - t0);
    if (timeout_ms > 0) {
        snprintf(buf, sizeof buf, "SET statement_timeout = %ld", timeout_ms);
        run_sql(c, buf, NULL);
    }
    fflush(stdout);
    double *times = calloc((size_t)runs, sizeof(double));
    for (int q = first_query; q < argc; q++) {
        const char *path = argv[q];
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(base, "."), base);
        char *sql = read_file(path);
        if (!sql) {
            printf("ERROR %s - cannot read %s\n", name, path);
            continue;
        }
        char outpath[4096];
        snprintf(outpath, sizeof outpath, "%s/%s.csv", outdir, name);
        int failed = 0;
        for (int k = 0; k < runs && !failed; k++) {
            FILE *out = k == 0 ? fopen(outpath, "w") : NULL;
            double s = now_ms();
            if (run_sql(c, sql, out)) {
                const MdbErrorInfo *e = mdb_conn_error(c);
                printf("ERROR %s %s %s\n", name, e->sqlstate, e->message);
                failed = 1;
            }
            times[k] = now_ms() - s;
            if (out) fclose(out);
        }
        free(sql);
        if (failed) {
            /* Q15 leaves its view behind when it fails half-way */
            run_sql(c, "DROP VIEW IF EXISTS revenue0", NULL);
            fflush(stdout);
            continue;
        }
        printf("TIME %s", name);
        double *sorted = calloc((size_t)runs, sizeof(double));
        memcpy(sorted, times, sizeof(double) * (size_t)runs);
        qsort(sorted, (size_t)runs, sizeof(double), cmp_double);
        double med = runs % 2 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
        printf(" %.1f ", med);
        for (int k = 0; k < runs; k++) printf("%s%.1f", k ? "," : "", times[k]);
        printf("\n");
        fflush(stdout);
        free(sorted);
    }
    free(times);
    mdb_disconnect(c);
    mdb_close(db);
    return 0;
}
