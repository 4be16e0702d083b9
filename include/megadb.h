/*
 * include/megadb.h — the embedded C API of MegaDB.
 *
 * A process opens a database (a directory, or an in-memory one when the path is
 * NULL), opens connections on it, and runs SQL on a connection.  Every call that
 * can fail returns MDB_OK or MDB_ERROR; the error of the last failed call on a
 * connection (SQLSTATE, message, detail, hint, 1-based character position in the
 * SQL text that was passed in) is read with mdb_conn_error().
 *
 * Results are fetched chunk by chunk (up to MDB_CHUNK_ROWS rows each) and read
 * through typed accessors.  Memory returned by accessors is owned by the chunk
 * and stays valid until the next mdb_result_fetch() or mdb_result_free().
 *
 * Thread safety: a database may be shared by threads; a connection, statement
 * or result must be used by one thread at a time.
 */
#ifndef MEGADB_H
#define MEGADB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MDB_OK 0
#define MDB_ERROR 1

#define MDB_CHUNK_ROWS 2048

typedef struct MdbDatabase MdbDatabase;
typedef struct MdbConn MdbConn;
typedef struct MdbStmt MdbStmt;
typedef struct MdbResult MdbResult;
typedef struct MdbChunk MdbChunk;

/* Logical type of a result column. */
typedef enum MdbType {
    MDB_TYPE_NULL = 0, /* type of a bare NULL literal ("unknown" in PostgreSQL) */
    MDB_TYPE_BOOL,
    MDB_TYPE_INT16,
    MDB_TYPE_INT32,
    MDB_TYPE_INT64,
    MDB_TYPE_FLOAT32,
    MDB_TYPE_FLOAT64,
    MDB_TYPE_NUMERIC,
    MDB_TYPE_TEXT, /* text, varchar(n), char(n) */
    MDB_TYPE_BYTEA,
    MDB_TYPE_DATE,
    MDB_TYPE_TIME,
    MDB_TYPE_TIMESTAMP,
    MDB_TYPE_TIMESTAMPTZ,
    MDB_TYPE_INTERVAL,
    MDB_TYPE_UUID,
    MDB_TYPE_LIST, /* arrays (array_agg and friends) */
    MDB_TYPE_OTHER
} MdbType;

/* The error of the last failed call on a connection. */
typedef struct MdbErrorInfo {
    char sqlstate[6];    /* five characters and a NUL, e.g. "42P01" */
    const char *message; /* never NULL when an error is set */
    const char *detail;  /* NULL when absent */
    const char *hint;    /* NULL when absent */
    int position;        /* 1-based character offset into the SQL text, 0 if none */
} MdbErrorInfo;

/* ---- databases and connections ---------------------------------------- */

/* Opens (creating if needed) the database in directory `path`, or an in-memory
 * database when `path` is NULL.  On failure *out is NULL and, when `err` is not
 * NULL, *err receives a malloc'd message the caller frees. */
int mdb_open(const char *path, MdbDatabase **out, char **err);
void mdb_close(MdbDatabase *db);

int mdb_connect(MdbDatabase *db, MdbConn **out);
void mdb_disconnect(MdbConn *conn);

/* Error of the last failed call on `conn`; valid until the next call on it. */
const MdbErrorInfo *mdb_conn_error(const MdbConn *conn);

/* True while `conn` is inside an explicit transaction block (BEGIN … COMMIT). */
bool mdb_conn_in_transaction(const MdbConn *conn);
/* True when the current transaction block failed and awaits ROLLBACK. */
bool mdb_conn_txn_failed(const MdbConn *conn);
/* Marks the current transaction failed, as an error of a statement does: for
 * statements the caller runs itself (a wire-protocol server's cursor and role
 * commands).  Nothing happens outside a transaction. */
void mdb_conn_fail_transaction(MdbConn *conn);

/* Asks the statement running on `conn` to stop; it fails with 57014.  The one
 * call that may come from another thread while `conn` is in use.  A cancel
 * that arrives while no statement runs is forgotten when the next starts. */
void mdb_conn_cancel(MdbConn *conn);

/* The input that the next COPY … FROM STDIN on `conn` reads (text or CSV as
 * the statement says; the caller keeps it alive); NULL clears it.  Without
 * it, COPY … FROM STDIN fails with 0A000. */
void mdb_conn_copy_in(MdbConn *conn, const char *data, size_t len);

/* ---- running SQL --------------------------------------------------------- */

/* Runs every statement in `sql`; *out (when not NULL) receives the result of
 * the last one.  Stops at the first failing statement. */
int mdb_query(MdbConn *conn, const char *sql, MdbResult **out);

/* Prepares the first statement of `sql`.  *tail (when not NULL) is set to the
 * byte offset in `sql` where the next statement starts, or strlen(sql) when
 * there is none.  When `sql` holds only whitespace and comments, *out is NULL
 * and MDB_OK is returned.  Error positions are relative to `sql`. */
int mdb_prepare(MdbConn *conn, const char *sql, MdbStmt **out, size_t *tail);
int mdb_stmt_param_count(const MdbStmt *stmt);
/* Parameters are numbered from 1, as $1, $2, … in the SQL. */
int mdb_bind_null(MdbStmt *stmt, int idx);
int mdb_bind_bool(MdbStmt *stmt, int idx, bool v);
int mdb_bind_int64(MdbStmt *stmt, int idx, int64_t v);
int mdb_bind_double(MdbStmt *stmt, int idx, double v);
/* Text in PostgreSQL's input format; coerced to the parameter's type. */
int mdb_bind_text(MdbStmt *stmt, int idx, const char *v, size_t len);
int mdb_stmt_execute(MdbStmt *stmt, MdbResult **out);
void mdb_stmt_free(MdbStmt *stmt);

/* Fixes the type of parameter `idx` (as a client's Parse message may);
 * MDB_TYPE_NULL leaves it to be inferred from its use. */
int mdb_stmt_set_param_type(MdbStmt *stmt, int idx, MdbType type);
/* Binds the statement without running it.  For a statement known to return
 * rows (SELECT, VALUES, SHOW, EXPLAIN) *out receives a result with its
 * columns and no rows; otherwise *out is NULL (for INSERT/UPDATE/DELETE …
 * RETURNING the columns are only known after running it).  Afterwards
 * mdb_stmt_param_type() reports the parameters' inferred types. */
int mdb_stmt_describe(MdbStmt *stmt, MdbResult **out);
/* Type of parameter `idx`: given, or inferred by mdb_stmt_describe();
 * MDB_TYPE_NULL while unknown. */
MdbType mdb_stmt_param_type(const MdbStmt *stmt, int idx);
/* 1 for COPY … FROM STDIN, 2 for COPY … TO STDOUT, else 0. */
int mdb_stmt_copy_direction(MdbStmt *stmt);

/* ---- results -------------------------------------------------------------- */

int mdb_result_column_count(const MdbResult *r);
const char *mdb_result_column_name(const MdbResult *r, int col);
MdbType mdb_result_column_type(const MdbResult *r, int col);
/* PostgreSQL's name of the type, e.g. "integer", "numeric(10,2)", "text". */
const char *mdb_result_column_type_name(const MdbResult *r, int col);
/* The table (its pg_class OID) and column number (pg_attribute.attnum) a column
 * of a SELECT reads unchanged; 0 and 0 for a computed column or another statement. */
void mdb_result_column_origin(const MdbResult *r, int col, uint32_t *table_oid, int *attnum);
/* True for statements that return rows (SELECT, … RETURNING, SHOW, EXPLAIN). */
bool mdb_result_has_rows(const MdbResult *r);
/* Command tag as PostgreSQL sends it: "SELECT 3", "INSERT 0 1", "CREATE TABLE". */
const char *mdb_result_command_tag(const MdbResult *r);
/* Rows inserted, updated, deleted or (after the last fetch) returned. */
int64_t mdb_result_rows_affected(const MdbResult *r);
/* COPY … TO STDOUT: its whole output in COPY's text or CSV form and the number
 * of columns; NULL for any other statement. */
const char *mdb_result_copy_data(const MdbResult *r, size_t *len, int *ncols);

/* Fetches the next chunk; *out is NULL when the result is exhausted.  The chunk
 * is owned by the result and replaced by the next fetch. */
int mdb_result_fetch(MdbResult *r, MdbChunk **out);
void mdb_result_free(MdbResult *r);
/* NOTICE number i (0-based) the statement raised, e.g. DROP TABLE IF EXISTS of a missing
 * table: its message up to the next '\n' (not NUL-terminated there), its SQLSTATE in
 * sqlstate; NULL when there are no more. */
const char *mdb_result_notice(const MdbResult *r, int i, char sqlstate[6]);

size_t mdb_chunk_row_count(const MdbChunk *c);
bool mdb_chunk_is_null(const MdbChunk *c, int col, size_t row);
bool mdb_chunk_get_bool(const MdbChunk *c, int col, size_t row);
int64_t mdb_chunk_get_int64(const MdbChunk *c, int col, size_t row);   /* integer types */
double mdb_chunk_get_double(const MdbChunk *c, int col, size_t row);   /* any numeric type */
/* The value in PostgreSQL's text output format (for text types, the string
 * itself; bytea as \x… hex).  NULL for SQL NULL.  *len, when not NULL, gets the
 * length in bytes.  Valid until the next fetch. */
const char *mdb_chunk_get_text(MdbChunk *c, int col, size_t row, size_t *len);

/* Library version, e.g. "0.1.0". */
const char *mdb_version(void);

#ifdef __cplusplus
}
#endif
#endif /* MEGADB_H */
