/*
 * src/exec/physical.h — physical operators, executions and pipelines.
 *
 * A physical plan is a tree of PhysOps, read-only once built.  An execution
 * (Exec) holds all run-time state: one global state per operator (indexed by
 * PhysOp.id), parameters, the transaction, and the first error.
 *
 * Execution is push-based (DESIGN.md §3).  The plan is cut into pipelines at
 * pipeline breakers: a pipeline has a source, a chain of streaming operators
 * and a sink.  A breaker (aggregate, sort, hash-join build, …) is the sink of
 * the pipeline below it and the source of the pipeline above it.  Pipelines run
 * in dependency order; each runs on up to `threads` workers that pull morsels
 * from the source, push chunks through the operators into a thread-local sink
 * state, and combine their local states at the end.
 *
 * Operator interface (all optional, by role):
 *   source:   src_init (global), src_local, src_next → chunk (count 0 = done)
 *   operator: op_local, op_exec(in → out) returning OP_NEED_INPUT or
 *             OP_HAVE_MORE (call again with the same input), op_finish
 *             (output after the last input), op_threads
 *   sink:     sink_init (global), sink_local, sink_push, sink_combine,
 *             sink_finalize; sink_push may return SINK_DONE (e.g. LIMIT reached)
 */
#ifndef MDB_PHYSICAL_H
#define MDB_PHYSICAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "catalog/catalog.h"
#include "common/settings.h"
#include "exec/expr.h"
#include "txn/txn.h"

typedef struct PhysOp PhysOp;

enum { OP_NEED_INPUT = 0, OP_HAVE_MORE = 1 };
enum { SINK_MORE = 0, SINK_DONE = 1 };

typedef struct OpVT {
    const char *name;
    /* source */
    void *(*src_init)(Exec *ex, PhysOp *op);
    void *(*src_local)(Exec *ex, PhysOp *op, void *g);
    int (*src_next)(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out);
    /* max parallel workers for the source (NULL = 1) */
    int (*src_threads)(Exec *ex, PhysOp *op, void *g);
    /* streaming operator */
    void *(*op_local)(Exec *ex, PhysOp *op);
    int (*op_exec)(Exec *ex, PhysOp *op, void *l, DataChunk *in, DataChunk *out, int *state);
    /* after the source is exhausted: more output of the operator (rows it
     * deferred, e.g. probe rows of a hash join that spilled), OP_HAVE_MORE to
     * be called again; not called after an error, a cancel or a satisfied LIMIT */
    int (*op_finish)(Exec *ex, PhysOp *op, void *l, DataChunk *out, int *state);
    /* max parallel workers of the pipeline the operator is in (NULL = no limit) */
    int (*op_threads)(Exec *ex, PhysOp *op);
    /* sink */
    void *(*sink_init)(Exec *ex, PhysOp *op);
    void *(*sink_local)(Exec *ex, PhysOp *op, void *g, int child); /* child: which input feeds it */
    int (*sink_push)(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *in, int *state);
    int (*sink_combine)(Exec *ex, PhysOp *op, void *g, void *l);
    int (*sink_finalize)(Exec *ex, PhysOp *op, void *g);
    /* the sink must see its input in order (one worker) */
    bool sink_ordered;
    /* child index that feeds the sink, when not 0 (hash join build = 1) */
    int sink_child;
} OpVT;

struct PhysOp {
    const OpVT *vt;
    int id;                 /* index of the global state in Exec */
    int nchildren;
    PhysOp *children[2];
    int ncols;
    LType *types;
    double est_rows;
    char *explain;          /* operator-specific EXPLAIN detail */
    _Atomic i64 actual_rows; /* EXPLAIN ANALYZE */
    _Atomic i64 time_ns;
    void *info;             /* operator-specific plan data */
};

typedef struct ColumnCollection {
    int ncols;
    LType *types;
    DataChunk **chunks;
    size_t nchunks, cap;
    idx_t count;
    Arena *arena;
} ColumnCollection;

ColumnCollection *colcoll_create(const LType *types, int ncols);
void colcoll_destroy(ColumnCollection *c);
/* Deep-copies rows sel[0..n) (all when sel is NULL, n = in->count) of `in`. */
void colcoll_append(ColumnCollection *c, const DataChunk *in, const u32 *sel, idx_t n);
/* Moves the chunks of src to the end of dst; src is left empty. */
void colcoll_absorb(ColumnCollection *dst, ColumnCollection *src);
Value colcoll_get(const ColumnCollection *c, idx_t row, int col);

typedef struct SubqueryCache SubqueryCache;

struct Exec {
    Arena *arena;           /* lives as long as the execution */
    Catalog *cat;
    Settings *settings;
    Txn *txn;
    struct Session *session;
    const Value *params;
    int nparams;
    const Value *outer;     /* correlated values for a subquery execution */
    int nouter;
    int nops;
    void **gstate;          /* per-operator global state */
    pthread_mutex_t mu;
    Err err;                /* first error of any worker */
    _Atomic bool failed;
    _Atomic bool *cancel;   /* set from outside to cancel (statement_timeout, cancel) */
    i64 deadline_ns;        /* CLOCK_MONOTONIC time when statement_timeout expires; 0 = none */
    i64 now_us;
    bool analyze;           /* EXPLAIN ANALYZE: time operators */
    int threads;
    SubqueryCache *subq;    /* results of uncorrelated subqueries */
    ColumnCollection **ctes;
    int nctes;
    Exec *parent;
    ColumnCollection **owned; /* destroyed by exec_cleanup (exec_own_coll) */
    int nowned, capowned;
    struct ExecDefer *defers; /* run by exec_cleanup, last registered first */
    pthread_mutex_t defer_mu;
    /* memory budget of the statement (src/exec/spill.h): kept in the root
     * execution; subquery executions reserve from their root's */
    _Atomic i64 mem_used;   /* bytes reserved by operators' MemTracks */
    i64 mem_limit;          /* memory_limit when the statement started; <= 0 = none */
    const char *db_dir;     /* the database's directory (spills go to its tmp/), NULL in memory */
};

/* Runs the plan; the root's rows go into `result` (may be NULL for DML
 * without RETURNING).  rows_affected gets the DML count. */
int exec_run(Exec *ex, PhysOp *root, ColumnCollection *result, i64 *rows_affected);
void exec_init(Exec *ex, Arena *a, Catalog *cat, Settings *s, Txn *txn);
void exec_cleanup(Exec *ex);
/* Records err (moved) as the execution's error if it is the first. */
void exec_fail(Exec *ex, Err *err);
bool exec_cancelled(Exec *ex);
/* Hands c to the execution: exec_cleanup destroys it.  Not thread-safe (call
 * from sink_init/src_init, which run on the coordinating thread). */
void exec_own_coll(Exec *ex, ColumnCollection *c);
/* A scratch arena for a worker's operator state, freed with the execution
 * (child arenas of the execution arena are created under its mutex). */
Arena *exec_local_arena(Exec *ex);
/* Runs fn(arg) when the execution is cleaned up (state that lives outside the
 * execution arena: hash tables, compiled regular expressions).  Thread-safe. */
void exec_defer(Exec *ex, void (*fn)(void *), void *arg);

PhysOp *physop_new(Arena *a, const OpVT *vt, int nchildren, const LType *types, int ncols);

SubqueryCache *subq_cache_create(int n);
void subq_cache_destroy(SubqueryCache *c);

/* Runs a subquery plan for one set of correlated values into `out`. */
int exec_subquery(Exec *ex, PhysOp *plan, const Value *outer, int nouter, ColumnCollection *out, idx_t limit);

#endif
