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
    struct OltpStore *oltp; /* the OLTP tier's pages and WAL (in memory without a directory) */
};

struct MdbConn {
    MdbDatabase *db;
    Settings settings;
    Txn *txn;               /* explicit transaction block, or NULL */
    bool failed;            /* block failed: only ROLLBACK allowed */
    int txn_iso;            /* the block's isolation level (ISO_*, src/common/settings.h) */
    bool txn_queried;       /* the block ran a statement: it has its snapshot, SET TRANSACTION is too late */
    MdbErrorInfo info;
    Err err;
    struct Savepoint { char *name; size_t mark; size_t cat_mark; } *saves;
    CatUndoLog cat_undo;    /* catalog changes of the running transaction (transactional DDL) */
    int nsaves, capsaves;
    _Atomic bool cancel;    /* mdb_conn_cancel: the running statement stops with 57014 */
    i64 deadline_ns;        /* statement_timeout of the running statement (CLOCK_MONOTONIC), 0 = none */
    const LType *seed_types; /* parameter types fixed by the client (mdb_stmt_set_param_type) */
    int nseed;
    const char *copy_in;    /* mdb_conn_copy_in: what COPY … FROM STDIN reads */
    size_t copy_in_len;
    bool copy_in_set;
    bool replaying;         /* mdb_open's catalog replay (may name existing OLTP trees) */
    struct PlanCache *plan_cache; /* set by mdb_stmt_execute for engine_run, which takes it (plancache.c) */
};

struct MdbChunk {
    DataChunk *dc;
    const char *tz;         /* session TimeZone for timestamptz text */
    int efd;                /* session extra_float_digits for float text */
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
    char timezone[64];      /* session TimeZone when the result was made (timestamptz text) */
    int extra_float_digits; /* likewise extra_float_digits (float text) */
    char *copy_out;         /* COPY … TO STDOUT: the rows in COPY's text/CSV form (malloc'd) */
    size_t copy_out_len;
    int copy_ncols;
    char *notices;          /* NOTICEs of the statement: "SQLSTATE\tmessage\n" each (malloc'd) */
    u32 *origin_oids;       /* per column: the table it reads unchanged (0: none; NULL: unknown) */
    int *origin_attnums;    /* … and that table's column number (1-based) */
};

/* Records where r's columns come from (origin.c), from the bound plan of a SELECT (sh: its
 * binder's shared state, for CTE definitions). */
struct LogicalOp;
void result_set_origins(MdbResult *r, const struct LogicalOp *plan, const BindShared *sh);

/* Adds a NOTICE to the statement's result (DROP … IF EXISTS of a missing object, …). */
void result_add_notice(MdbResult *r, const char *sqlstate, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct MdbStmt {
    MdbConn *conn;
    char *sql;              /* the statement's own text */
    int nparams;
    Value *params;
    Arena *arena;           /* parameter text */
    LType *given;           /* parameter types fixed by mdb_stmt_set_param_type (TYPE_NULL: infer) */
    LType *inferred;        /* parameter types found by mdb_stmt_describe */
    int ninferred;
    void *parsed;           /* the parse tree (PgQuery__ParseResult) of mdb_prepare, kept: its first
                             * statement is this one (describe, COPY check and every execute use it) */
    struct PlanCache *cache; /* the kept plan of a SELECT (plancache.c), made by the first execute */
    char **ptext;           /* per parameter: malloc'd buffer behind a mdb_bind_text value, reused */
    size_t *ptext_cap;
};

/* Writes catalog.sql of a database directory from the in-memory catalog (at commit of a
 * transaction that changed the catalog). */
int ddl_persist(MdbConn *c);

/* Runs one parsed statement; *out gets a result (may be NULL on error). */
int engine_run(MdbConn *c, PgQuery__Node *stmt, const char *sql, const Value *params, int nparams, MdbResult **out);
/* Counts the parameters a statement uses (highest $n). */
int engine_count_params(const char *sql);
int ddl_run(MdbConn *c, Binder *b, PgQuery__Node *stmt, const Value *params, int nparams, MdbResult *res, Txn *txn);
/* CREATE TABLE AS and SELECT … INTO. */
int ddl_create_table_as(MdbConn *c, Binder *b, PgQuery__Node *query, PgQuery__IntoClause *into, bool if_not_exists, const Value *params,
                        int nparams, MdbResult *r, Txn *txn);
int dml_run(MdbConn *c, Binder *b, PgQuery__Node *stmt, const Value *params, int nparams, MdbResult *res, Txn *txn);
/* Describe of INSERT/UPDATE/DELETE … RETURNING: sets r's columns; false when not described. */
bool dml_describe_returning(MdbConn *c, Binder *b, PgQuery__Node *stmt, MdbResult *r);
/* A physical plan ready to run: the main plan, the plans of its CTE definitions (NULL for
 * those not materialised) and the counts an execution sizes its state by. */
typedef struct ExecPlan {
    PhysOp *root;
    PhysOp **ctes;
    int ncte;
    int nsubqueries;
    int nops;               /* operator ids 0 .. nops-1 */
} ExecPlan;
/* Optimizes and plans a bound query (b: its binder, for CTE definitions) into *out, in arena. */
int engine_plan_query(MdbConn *c, Binder *b, LogicalOp *plan, Arena *arena, ExecPlan *out);
/* Runs a physical plan (read-only: one plan may run many times) into rows. */
int engine_exec_plan(MdbConn *c, const ExecPlan *p, const Value *params, int nparams, Txn *txn, ColumnCollection *rows,
                     bool analyze, Arena *arena);
/* plancache.c: the plans prepared statements keep (see there for when one is rebuilt). */
typedef struct PlanCache PlanCache;
PlanCache *plancache_new(void);
void plancache_free(PlanCache *pc);
/* Drops the plan (the next execution binds and plans again); the result's shape stays fixed. */
void plancache_invalidate(PlanCache *pc);
/* Fixes the result's shape at the first plan or describe; false when it differs from the fixed one. */
bool plancache_note_shape(PlanCache *pc, int n, char **names, const LType *types);
/* Runs a prepared SELECT through its kept plan, planning it first when there is none or it is stale. */
int plancache_run_select(MdbConn *c, PlanCache *pc, Binder *b, PgQuery__SelectStmt *s, const Value *params, int nparams, Txn *txn,
                         MdbResult *r);
/* How many times the statement was planned and how many executions reused a plan (tests). */
void plancache_counts(const PlanCache *pc, u64 *plans, u64 *reuses);
void engine_stmt_plan_counts(const MdbStmt *s, u64 *plans, u64 *reuses);
/* The kept plan's operators, one line each ("Index Scan using t_pkey on t"); "" without one (tests). */
void plancache_plan_text(const PlanCache *pc, char *buf, size_t cap);
void engine_stmt_plan_text(const MdbStmt *s, char *buf, size_t cap);
/* Plans and runs a bound query into res->rows. */
int engine_exec_query(MdbConn *c, Binder *b, LogicalOp *plan, const Value *params, int nparams, Txn *txn,
                      ColumnCollection *rows, bool analyze, PhysOp **root_out, Arena *arena);
void result_set_columns(MdbResult *r, int n, char **names, const LType *types);
/* Bulk writes with the checks of INSERT (dml.c): map[col] = column of src or -1 (default). */
typedef struct DmlWriter DmlWriter;
DmlWriter *dml_writer_open(MdbConn *c, Binder *b, TableDef *t, Txn *txn);
int dml_writer_write(DmlWriter *w, DataChunk *src, const int *map);
i64 dml_writer_count(const DmlWriter *w);
void dml_writer_close(DmlWriter *w);
/* CALL procedure(…) (call.c: tpch_generate); takes the catalog lock itself. */
int call_run(MdbConn *c, Binder *b, PgQuery__CallStmt *cs, MdbResult *r, Txn *txn);
int copy_run(MdbConn *c, Binder *b, PgQuery__CopyStmt *cs, const Value *params, int nparams, MdbResult *r, Txn *txn);

#endif
