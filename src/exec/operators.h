/*
 * src/exec/operators.h — constructors of the physical operators.  The planner
 * calls these with expressions whose column references are already resolved
 * to input positions.
 */
#ifndef MDB_OPERATORS_H
#define MDB_OPERATORS_H

#include "exec/physical.h"
#include "planner/logical.h"

typedef struct PSortKey {
    int col;
    bool desc;
    bool nulls_first;
} PSortKey;

PhysOp *phys_scan(Arena *a, TableDef *t, const int *col_ids, int n, const LType *types, Expr *filter);
/* An Index Scan of t for filter when one of its tier's indexes applies and beats a
 * sequential scan (est_rows: rows expected to pass filter); NULL otherwise (ops_index.c). */
PhysOp *phys_index_scan_try(Arena *a, TableDef *t, const int *col_ids, int n, const LType *types, Expr *filter, double est_rows);
PhysOp *phys_dummy(Arena *a);
PhysOp *phys_values(Arena *a, Expr ***rows, int nrows, int ncols, const LType *types);
PhysOp *phys_filter(Arena *a, PhysOp *child, Expr *pred);
PhysOp *phys_project(Arena *a, PhysOp *child, Expr **exprs, int n, const LType *types);
PhysOp *phys_limit(Arena *a, PhysOp *child, Expr *limit, Expr *offset);
/* SELECT … FOR UPDATE (ops_lock.c): locks, per input row, the version whose row id is in
 * column `col` of each target table, then applies LIMIT / OFFSET to the rows it kept. */
typedef struct PLockTarget {
    TableDef *table;
    int col;
    int mode; /* ROWLOCK_* */
    int wait; /* LOCKWAIT_* */
} PLockTarget;
PhysOp *phys_lock_rows(Arena *a, PhysOp *child, Expr *limit, Expr *offset, PLockTarget *targets, int n);
PhysOp *phys_sort(Arena *a, PhysOp *child, PSortKey *keys, int nkeys, Expr *limit);
/* Tells a Sort (no-op for other operators) that a LIMIT/OFFSET reads it: under
 * memory_limit it keeps only the rows that can reach the result before spilling. */
void phys_sort_set_limit(PhysOp *sort, Expr *limit, Expr *offset);
PhysOp *phys_distinct(Arena *a, PhysOp *child, int *key_cols, int nkeys);
PhysOp *phys_setop(Arena *a, PhysOp *l, PhysOp *r, int op, bool all);
PhysOp *phys_hash_agg(Arena *a, PhysOp *child, Expr **groups, int ngroups, Expr **aggs, int naggs, u64 *sets,
                      int nsets, const LType *types, int ncols);
PhysOp *phys_hash_join(Arena *a, PhysOp *probe, PhysOp *build, JoinType type, Expr **pkeys, Expr **bkeys,
                       int nkeys, Expr *residual, const LType *types, int ncols);
/* Emits the build rows of a FULL hash join that found no partner (after the
 * join's probe pipeline has run), with NULL probe columns. */
PhysOp *phys_hash_join_tail(Arena *a, PhysOp *join);
PhysOp *phys_nl_join(Arena *a, PhysOp *l, PhysOp *r, JoinType type, Expr *cond, const LType *types, int ncols);
/* LATERAL: for every row of `child`, runs `sub` with the row's values of
 * outer_exprs as its correlated parameters and emits row × result (a row
 * with NULLs for an empty result when `left`). */
PhysOp *phys_apply(Arena *a, PhysOp *child, PhysOp *sub, Expr **outer_exprs, int nouter, bool left, const LType *types,
                   int ncols);
/* Set-returning functions (TABLEFUNC_*), several in lockstep (ROWS FROM):
 * func_nargs[f] of args belong to function f.  phys_tfunc runs them once
 * (args are constant) over `dummy`, a phys_dummy; phys_project_set runs them for every row of child,
 * its output being the child's columns, then the functions', then the
 * ordinality (`left`: a row whose functions give nothing is kept once, with
 * NULLs — LEFT JOIN LATERAL … ON true). */
PhysOp *phys_tfunc(Arena *a, PhysOp *dummy, int nfuncs, const int *funcs, const int *func_nargs, Expr **args, int nargs,
                   bool ordinality, const LType *types, int ncols);
PhysOp *phys_project_set(Arena *a, PhysOp *child, int nfuncs, const int *funcs, const int *func_nargs, Expr **args, int nargs,
                         bool ordinality, bool left, const LType *types, int ncols);
PhysOp *phys_cte_scan(Arena *a, int cte_id, const LType *types, int ncols);
PhysOp *phys_recursive(Arena *a, PhysOp *anchor, PhysOp *step, int work_id, bool all);
/* System relations of pg_catalog and information_schema (ops_system.c).  sysrel_find
 * returns the relation's id and its columns (in `a`), or -1 when `schema`.`name` is not
 * one; phys_system's rows are read from the catalog when the scan runs, under the
 * catalog lock the statement holds.  Views' columns come from the binder (SysViewCols). */
typedef struct SysViewCols {
    const ViewDef *view;
    int ncols;
    char **names;
    LType *types;
} SysViewCols;
int sysrel_find(const char *schema, const char *name, Arena *a, char ***names, LType **types, int *ncols);
bool sysrel_needs_views(int rel);
PhysOp *phys_system(Arena *a, int rel, SysViewCols *views, int nviews, const LType *types, int ncols);
PhysOp *phys_window(Arena *a, PhysOp *child, Expr **funcs, int nfuncs, WindowDef *defs, int ndefs,
                    const LType *types, int ncols);


#endif
