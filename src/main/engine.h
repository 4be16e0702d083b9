/*
 * src/main/engine.h — database instances, connections and the statement
 * lifecycle behind include/megadb.h.
 */
#ifndef MDB_ENGINE_H
#define MDB_ENGINE_H

#include "binder/binder.h"
#include "exec/physical.h"
#include "megadb.h"

struct MdbDatabase {
    Catalog cat;
    TxnManager tm;
    char *dir;              /* NULL = in-memory */
    pthread_mutex_t ddl_mu; /* serialises catalog persistence */
};

struct MdbConn {
    MdbDatabase *db;
    Settings settings;
    Txn *txn;               /* explicit transaction block, or NULL */
    bool failed;            /* block failed: only ROLLBACK allowed */
    MdbErrorInfo info;
    Err err;
    struct Savepoint { char *name; size_t mark; } *saves;
    int nsaves, capsaves;
};

struct MdbChunk {
    DataChunk *dc;
    char buf[256];
    Arena *scratch;         /* text renderings */
};

struct MdbResult {
    int ncols;
    char **names;
    LType *types;
    char **type_names;
    bool has_rows;
    char tag[64];
    i64 rows_affected;
    ColumnCollection *rows;
    size_t next;
    MdbChunk chunk;
    Arena *arena;
};

struct MdbStmt {
    MdbConn *conn;
    char *sql;              /* the statement's own text */
    int nparams;
    Value *params;
    Arena *arena;           /* parameter text */
};

/* Runs one parsed statement; *out gets a result (may be NULL on error). */
int engine_run(MdbConn *c, PgQuery__Node *stmt, const char *sql, const Value *params, int nparams, MdbResult **out);
/* Counts the parameters a statement uses (highest $n). */
int engine_count_params(const char *sql);
int ddl_run(MdbConn *c, Binder *b, PgQuery__Node *stmt, MdbResult *res);
int dml_run(MdbConn *c, Binder *b, PgQuery__Node *stmt, const Value *params, int nparams, MdbResult *res, Txn *txn);
/* Plans and runs a bound query into res->rows. */
int engine_exec_query(MdbConn *c, Binder *b, LogicalOp *plan, const Value *params, int nparams, Txn *txn,
                      ColumnCollection *rows, bool analyze, PhysOp **root_out, Arena *arena);
void result_set_columns(MdbResult *r, int n, char **names, const LType *types);

#endif
