/*
 * test/fuzz/fuzz_sql.c — libFuzzer target for the SQL entry point (mdb_query).
 *
 * Each input is one SQL script.  The harness keeps an in-memory database in a
 * static, opens a new connection per input, runs a fixed setup (two small
 * tables fa and fb with data, NULLs included), then the input (copied and
 * NUL-terminated) through mdb_query, fetches every row and renders every value with
 * mdb_chunk_get_text, rolls back whatever block is still open and disconnects.
 * The database is recreated every FUZZ_RECYCLE inputs (default 1: a fresh
 * database per input, so a crash reproduces from its input alone and nothing
 * an input creates leaks into the next one).
 *
 * Bounding the work per input (the engine has no enforced statement_timeout
 * yet): inputs over FUZZ_MAX_LEN bytes are rejected, inputs that combine a
 * series/padding function with a long number literal are skipped, and at most
 * FUZZ_MAX_ROWS rows are rendered per input.  Run with -timeout and
 * -rss_limit_mb as README.md says.
 *
 * Built by `make fuzz` into build-fuzz/fuzz_sql; the same file also builds
 * without libFuzzer when FUZZ_REPLAY_MAIN is defined (a main() that runs each
 * file named on the command line once), for replaying crashers with gcc
 * (test/fuzz/replay.sh).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "megadb.h"

#ifndef FUZZ_RECYCLE
#define FUZZ_RECYCLE 1
#endif
#define FUZZ_MAX_LEN 4096
#define FUZZ_MAX_ROWS 100000

static const char *const setup_sql =
    "CREATE TABLE fa(a integer, b text, c double precision, d numeric(10,2), e boolean);"
    "INSERT INTO fa VALUES (1, 'one', 1.5, 10.25, true), (2, 'two', -2.0, NULL, false),"
    " (3, NULL, NULL, 3.00, NULL), (NULL, 'null', 0.0, -7.5, true), (2, 'Two', 2.5, 0, true);"
    "CREATE TABLE fb(x bigint PRIMARY KEY, y varchar(20), z date, w timestamp, v interval);"
    "INSERT INTO fb VALUES (1, 'a', '2024-01-01', '2024-01-01 12:00:00', '1 day'),"
    " (2, NULL, '1999-12-31', NULL, '-3 hours'), (3, 'c', NULL, '2000-02-29 00:00:01', NULL),"
    " (4, 'dd', '2024-02-29', '1970-01-01 00:00:00', '1 mon 2 days');";

static MdbDatabase *db;
static unsigned long inputs_seen;

static void fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz_sql: %s\n", what);
    abort();
}

/* True for inputs that would only burn time: a row/space generator next to a
 * number literal of six or more digits (generate_series(1,100000000)). */
static bool too_expensive(const char *sql)
{
    static const char *const gens[] = {"generate_series", "repeat", "lpad", "rpad", "recursive", "space(", NULL};
    bool gen = false;
    for (int i = 0; gens[i] && !gen; i++) {
        size_t n = strlen(gens[i]);
        for (const char *p = sql; *p && !gen; p++)
            if (strncasecmp(p, gens[i], n) == 0) gen = true;
    }
    if (!gen) return false;
    int run = 0;
    for (const char *p = sql; *p; p++) {
        if (isdigit((unsigned char)*p) || (run && (*p == '_'))) {
            if (++run >= 6) return true;
        } else if (*p == 'e' || *p == 'E') {
            if (run) return true; /* 1e9 */
        } else {
            run = 0;
        }
    }
    return false;
}

static void run_input(MdbConn *conn, const char *sql)
{
    MdbResult *res = NULL;
    if (mdb_query(conn, sql, &res) != MDB_OK) {
        const MdbErrorInfo *e = mdb_conn_error(conn);
        if (!e || !e->message || strlen(e->sqlstate) != 5) fuzz_die("error without SQLSTATE/message");
    }
    if (!res) return;
    int ncols = mdb_result_column_count(res);
    for (int c = 0; c < ncols; c++) {
        if (!mdb_result_column_name(res, c)) fuzz_die("column without a name");
        (void)mdb_result_column_type(res, c);
        (void)mdb_result_column_type_name(res, c);
    }
    (void)mdb_result_command_tag(res);
    size_t rows = 0;
    MdbChunk *ch = NULL;
    while (rows < FUZZ_MAX_ROWS && mdb_result_fetch(res, &ch) == MDB_OK && ch) {
        size_t n = mdb_chunk_row_count(ch);
        for (size_t r = 0; r < n && rows < FUZZ_MAX_ROWS; r++, rows++)
            for (int c = 0; c < ncols; c++) {
                size_t len = 0;
                const char *t = mdb_chunk_get_text(ch, c, r, &len);
                if (t && strlen(t) > len) fuzz_die("text value longer than its length");
            }
    }
    (void)mdb_result_rows_affected(res);
    mdb_result_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN) return -1;
    char *sql = malloc(size + 1);
    if (!sql) return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';
    if (strlen(sql) != size || too_expensive(sql)) { /* embedded NUL: the API takes C strings */
        free(sql);
        return -1;
    }
    if (db && inputs_seen % FUZZ_RECYCLE == 0) {
        mdb_close(db);
        db = NULL;
    }
    inputs_seen++;
    if (!db) {
        char *err = NULL;
        if (mdb_open(NULL, &db, &err) != MDB_OK) fuzz_die(err ? err : "mdb_open failed");
    }
    MdbConn *conn = NULL;
    if (mdb_connect(db, &conn) != MDB_OK) fuzz_die("mdb_connect failed");
    MdbResult *res = NULL;
    if (FUZZ_RECYCLE > 1) /* shared database: start from the same tables each time */
        mdb_query(conn, "DROP TABLE IF EXISTS fa; DROP TABLE IF EXISTS fb", NULL);
    if (mdb_query(conn, setup_sql, &res) != MDB_OK) fuzz_die(mdb_conn_error(conn)->message);
    mdb_result_free(res);

    run_input(conn, sql);

    if (mdb_conn_in_transaction(conn)) mdb_query(conn, "ROLLBACK", NULL);
    mdb_disconnect(conn);
    free(sql);
    return 0;
}

#ifdef FUZZ_REPLAY_MAIN
/* Plain replay: fuzz_sql-replay FILE... runs each file once as an input. */
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 2; }
        static uint8_t buf[FUZZ_MAX_LEN + 1];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fprintf(stderr, "replay %s (%zu bytes)\n", argv[i], n);
        LLVMFuzzerTestOneInput(buf, n);
    }
    if (db) mdb_close(db);
    return 0;
}
#endif
