/*
 * docs/examples/api_example.c — a complete tour of MegaDB's embedded C API
 * (include/megadb.h): open an in-memory database, create a table, insert rows
 * through a prepared statement with bound parameters, read them back chunk by
 * chunk with the typed accessors, and inspect an error (SQLSTATE, message,
 * position).  It doubles as a test: `make test` runs it, and it exits 1 on any
 * unexpected result, printing what went wrong.
 *
 * Build by hand (after `make`):
 *   cc -Iinclude docs/examples/api_example.c build/libmegadb_core.a \
 *      -lpg_query -lpthread -lm -o api_example
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "megadb.h"

static int failures = 0;

/* Reports a failed expectation and remembers it; the program goes on so that
 * one run shows every problem. */
#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "api_example:%d: check failed: %s: ", __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            failures++;                                                         \
        }                                                                       \
    } while (0)

/* Prints the connection's last error in psql's style. */
static void print_error(const MdbConn *conn)
{
    const MdbErrorInfo *e = mdb_conn_error(conn);
    fprintf(stderr, "ERROR %s: %s", e->sqlstate, e->message);
    if (e->position > 0)
        fprintf(stderr, " (at character %d)", e->position);
    fputc('\n', stderr);
    if (e->detail)
        fprintf(stderr, "DETAIL: %s\n", e->detail);
    if (e->hint)
        fprintf(stderr, "HINT: %s\n", e->hint);
}

/* Runs SQL that must succeed and return no rows we care about. */
static int exec_ok(MdbConn *conn, const char *sql)
{
    MdbResult *r = NULL;
    if (mdb_query(conn, sql, &r) != MDB_OK) {
        fprintf(stderr, "api_example: %s\n", sql);
        print_error(conn);
        failures++;
        return MDB_ERROR;
    }
    mdb_result_free(r);
    return MDB_OK;
}

struct Item {
    int64_t id;
    const char *name;
    const char *price; /* numeric, bound as text in PostgreSQL's input format */
    int64_t qty;
};

static const struct Item items[] = {
    {1, "apple", "0.50", 10},
    {2, "pear", "0.75", 4},
    {3, "fig", "2.10", 0},
    {4, "plum", "1.25", 7},
    {5, "kiwi", "0.90", 12},
};
#define NITEMS (sizeof items / sizeof items[0])

/* Inserts the rows with one prepared statement executed once per row. */
static void insert_rows(MdbConn *conn)
{
    const char *sql = "INSERT INTO items (id, name, price, qty) VALUES ($1, $2, $3, $4)";
    MdbStmt *st = NULL;
    size_t tail = 0;
    if (mdb_prepare(conn, sql, &st, &tail) != MDB_OK) {
        print_error(conn);
        failures++;
        return;
    }
    CHECK(st != NULL, "mdb_prepare returned no statement");
    if (st == NULL)
        return;
    CHECK(tail == strlen(sql), "tail is %zu, expected %zu", tail, strlen(sql));
    CHECK(mdb_stmt_param_count(st) == 4, "param count %d", mdb_stmt_param_count(st));

    for (size_t i = 0; i < NITEMS; i++) {
        MdbResult *r = NULL;
        int rc = MDB_OK;
        rc |= mdb_bind_int64(st, 1, items[i].id);
        rc |= mdb_bind_text(st, 2, items[i].name, strlen(items[i].name));
        rc |= mdb_bind_text(st, 3, items[i].price, strlen(items[i].price));
        /* the last row leaves qty NULL, to show NULL handling below */
        if (i + 1 < NITEMS)
            rc |= mdb_bind_int64(st, 4, items[i].qty);
        else
            rc |= mdb_bind_null(st, 4);
        if (rc != MDB_OK || mdb_stmt_execute(st, &r) != MDB_OK) {
            print_error(conn);
            failures++;
            continue;
        }
        CHECK(strcmp(mdb_result_command_tag(r), "INSERT 0 1") == 0, "command tag \"%s\"",
              mdb_result_command_tag(r));
        CHECK(mdb_result_rows_affected(r) == 1, "rows affected %lld", (long long)mdb_result_rows_affected(r));
        mdb_result_free(r);
    }
    mdb_stmt_free(st);
}

/* Reads the table back and checks every value. */
static void query_rows(MdbConn *conn)
{
    MdbResult *r = NULL;
    if (mdb_query(conn, "SELECT id, name, price, qty, qty > 5 AS many FROM items ORDER BY id", &r) != MDB_OK) {
        print_error(conn);
        failures++;
        return;
    }
    CHECK(mdb_result_has_rows(r), "SELECT returns no rows");
    CHECK(mdb_result_column_count(r) == 5, "%d columns", mdb_result_column_count(r));
    CHECK(strcmp(mdb_result_column_name(r, 1), "name") == 0, "column 1 is \"%s\"", mdb_result_column_name(r, 1));
    CHECK(mdb_result_column_type(r, 0) == MDB_TYPE_INT64, "id has type %d", (int)mdb_result_column_type(r, 0));
    CHECK(mdb_result_column_type(r, 1) == MDB_TYPE_TEXT, "name has type %d", (int)mdb_result_column_type(r, 1));
    CHECK(mdb_result_column_type(r, 2) == MDB_TYPE_NUMERIC, "price has type %d", (int)mdb_result_column_type(r, 2));
    CHECK(strcmp(mdb_result_column_type_name(r, 2), "numeric(6,2)") == 0, "price is \"%s\"",
          mdb_result_column_type_name(r, 2));
    CHECK(mdb_result_column_type(r, 4) == MDB_TYPE_BOOL, "many has type %d", (int)mdb_result_column_type(r, 4));

    size_t nrows = 0, nnull = 0, nmany = 0;
    int64_t id_sum = 0, qty_sum = 0;
    double price_sum = 0;
    MdbChunk *c = NULL;
    while (mdb_result_fetch(r, &c) == MDB_OK && c != NULL) {
        for (size_t row = 0; row < mdb_chunk_row_count(c); row++, nrows++) {
            int64_t id = mdb_chunk_get_int64(c, 0, row);
            size_t len = 0;
            const char *name = mdb_chunk_get_text(c, 1, row, &len);
            const char *price = mdb_chunk_get_text(c, 2, row, NULL);
            id_sum += id;
            price_sum += mdb_chunk_get_double(c, 2, row);
            if (nrows < NITEMS) {
                const struct Item *want = &items[nrows];
                CHECK(id == want->id, "row %zu: id %lld", nrows, (long long)id);
                CHECK(name != NULL && len == strlen(want->name) && memcmp(name, want->name, len) == 0,
                      "row %zu: name \"%.*s\"", nrows, (int)len, name ? name : "");
                CHECK(price != NULL && strcmp(price, want->price) == 0, "row %zu: price \"%s\"", nrows,
                      price ? price : "(null)");
            }
            if (mdb_chunk_is_null(c, 3, row)) {
                nnull++;
                CHECK(mdb_chunk_get_text(c, 3, row, NULL) == NULL, "NULL qty has a text form");
                CHECK(mdb_chunk_is_null(c, 4, row), "NULL > 5 is not NULL");
            } else {
                qty_sum += mdb_chunk_get_int64(c, 3, row);
                if (mdb_chunk_get_bool(c, 4, row))
                    nmany++;
            }
        }
    }
    CHECK(c == NULL, "fetch stopped with an error");
    CHECK(nrows == NITEMS, "%zu rows", nrows);
    CHECK(id_sum == 15, "sum of ids %lld", (long long)id_sum);
    CHECK(qty_sum == 21, "sum of qty %lld (the NULL one excluded)", (long long)qty_sum);
    CHECK(nnull == 1, "%zu NULL qty", nnull);
    CHECK(nmany == 2, "%zu rows with qty > 5", nmany);
    CHECK(price_sum > 5.49 && price_sum < 5.51, "sum of prices %f", price_sum);
    CHECK(strcmp(mdb_result_command_tag(r), "SELECT 5") == 0, "command tag \"%s\"", mdb_result_command_tag(r));
    mdb_result_free(r);

    /* The same sums computed by the engine, and a parameterised filter. */
    if (mdb_query(conn, "SELECT sum(qty), count(*), sum(price) FROM items", &r) == MDB_OK) {
        if (mdb_result_fetch(r, &c) == MDB_OK && c != NULL && mdb_chunk_row_count(c) == 1) {
            CHECK(mdb_chunk_get_int64(c, 0, 0) == 21, "sum(qty) %lld", (long long)mdb_chunk_get_int64(c, 0, 0));
            CHECK(mdb_chunk_get_int64(c, 1, 0) == 5, "count(*) %lld", (long long)mdb_chunk_get_int64(c, 1, 0));
            const char *s = mdb_chunk_get_text(c, 2, 0, NULL);
            CHECK(s != NULL && strcmp(s, "5.50") == 0, "sum(price) \"%s\"", s ? s : "(null)");
        } else {
            CHECK(0, "aggregate returned no row");
        }
        mdb_result_free(r);
    } else {
        print_error(conn);
        failures++;
    }

    MdbStmt *st = NULL;
    if (mdb_prepare(conn, "SELECT name FROM items WHERE price < $1 ORDER BY name", &st, NULL) == MDB_OK && st) {
        MdbResult *pr = NULL;
        if (mdb_bind_text(st, 1, "1", 1) == MDB_OK && mdb_stmt_execute(st, &pr) == MDB_OK) {
            char names[64] = "";
            while (mdb_result_fetch(pr, &c) == MDB_OK && c != NULL) {
                for (size_t row = 0; row < mdb_chunk_row_count(c); row++) {
                    if (names[0])
                        strncat(names, ",", sizeof names - strlen(names) - 1);
                    strncat(names, mdb_chunk_get_text(c, 0, row, NULL), sizeof names - strlen(names) - 1);
                }
            }
            CHECK(strcmp(names, "apple,kiwi,pear") == 0, "names \"%s\"", names);
            mdb_result_free(pr);
        } else {
            print_error(conn);
            failures++;
        }
        mdb_stmt_free(st);
    } else {
        print_error(conn);
        failures++;
    }
}

/* A statement that fails: the call returns MDB_ERROR and the connection holds
 * the error until its next call. */
static void show_errors(MdbConn *conn)
{
    const char *sql = "SELECT 1/0";
    MdbResult *r = NULL;
    int rc = mdb_query(conn, sql, &r);
    if (rc == MDB_OK) {
        /* Errors raised while rows are produced may surface at fetch time. */
        MdbChunk *c = NULL;
        rc = mdb_result_fetch(r, &c);
        mdb_result_free(r);
    }
    CHECK(rc == MDB_ERROR, "SELECT 1/0 succeeded");
    if (rc == MDB_ERROR) {
        const MdbErrorInfo *e = mdb_conn_error(conn);
        printf("expected error: %s %s (position %d)\n", e->sqlstate, e->message, e->position);
        CHECK(strcmp(e->sqlstate, "22012") == 0, "SQLSTATE %s", e->sqlstate);
        CHECK(e->message != NULL && strcmp(e->message, "division by zero") == 0, "message \"%s\"",
              e->message ? e->message : "(null)");
    }

    /* A name error carries the 1-based position of the offending token. */
    sql = "SELECT * FROM nosuch";
    rc = mdb_query(conn, sql, NULL);
    CHECK(rc == MDB_ERROR, "%s succeeded", sql);
    if (rc == MDB_ERROR) {
        const MdbErrorInfo *e = mdb_conn_error(conn);
        printf("expected error: %s %s (position %d)\n", e->sqlstate, e->message, e->position);
        CHECK(strcmp(e->sqlstate, "42P01") == 0, "SQLSTATE %s", e->sqlstate);
        CHECK(e->position == 15, "position %d", e->position);
    }

    /* Inside a transaction block an error poisons the block until ROLLBACK. */
    if (exec_ok(conn, "BEGIN") == MDB_OK) {
        CHECK(mdb_conn_in_transaction(conn), "not in a transaction after BEGIN");
        CHECK(mdb_query(conn, "INSERT INTO items VALUES (6, 'lime', 1/0, 1)", NULL) == MDB_ERROR,
              "INSERT with 1/0 succeeded");
        CHECK(mdb_conn_txn_failed(conn), "transaction not marked failed");
        CHECK(mdb_query(conn, "SELECT 1", NULL) == MDB_ERROR, "statement ran in a failed transaction");
        CHECK(strcmp(mdb_conn_error(conn)->sqlstate, "25P02") == 0, "SQLSTATE %s", mdb_conn_error(conn)->sqlstate);
        exec_ok(conn, "ROLLBACK");
        CHECK(!mdb_conn_in_transaction(conn), "still in a transaction after ROLLBACK");
    }
}

int main(void)
{
    MdbDatabase *db = NULL;
    MdbConn *conn = NULL;
    char *err = NULL;

    printf("MegaDB %s\n", mdb_version());
    if (mdb_open(NULL, &db, &err) != MDB_OK) { /* NULL path: in memory */
        fprintf(stderr, "api_example: mdb_open: %s\n", err ? err : "?");
        return 1;
    }
    if (mdb_connect(db, &conn) != MDB_OK) {
        fprintf(stderr, "api_example: mdb_connect failed\n");
        mdb_close(db);
        return 1;
    }

    if (exec_ok(conn, "CREATE TABLE items (id bigint NOT NULL, name text NOT NULL, "
                      "price numeric(6,2), qty integer) USING memory") == MDB_OK) {
        insert_rows(conn);
        query_rows(conn);
    }
    show_errors(conn);

    mdb_disconnect(conn);
    mdb_close(db);
    if (failures) {
        fprintf(stderr, "api_example: %d check(s) failed\n", failures);
        return 1;
    }
    printf("api_example: all checks passed\n");
    return 0;
}
