/*
 * src/planner/logical.h — the logical plan the binder builds and the optimizer
 * rewrites.
 *
 * Every operator produces columns named by ColBindings: a get of table index
 * T produces (T,0)…(T,n-1); a projection, aggregate or window produces a new
 * table index of its own.  Expressions refer to bindings, never to positions,
 * so operators can be moved without rewriting them; the planner resolves the
 * bindings to positions when it builds the physical plan.
 */
#ifndef MDB_LOGICAL_H
#define MDB_LOGICAL_H

#include "catalog/catalog.h"
#include "exec/expr.h"

typedef enum LogicalKind {
    LOP_GET,        /* table scan */
    LOP_DUMMY,      /* one row, no columns (SELECT without FROM) */
    LOP_VALUES,     /* literal rows */
    LOP_FILTER,
    LOP_PROJECT,
    LOP_AGGREGATE,
    LOP_JOIN,
    LOP_ORDER,
    LOP_LIMIT,
    LOP_DISTINCT,   /* DISTINCT / DISTINCT ON */
    LOP_SETOP,      /* UNION/INTERSECT/EXCEPT [ALL] */
    LOP_WINDOW,
    LOP_INSERT,
    LOP_UPDATE,
    LOP_DELETE,
    LOP_TABLEFUNC,  /* generate_series, unnest, regexp_matches (ROWS FROM: several in lockstep) */
    LOP_CTE_SCAN,   /* reads a materialised CTE / recursive working table */
    LOP_RECURSIVE,  /* WITH RECURSIVE: children[0] anchor, children[1] step */
    LOP_MATERIALIZE,/* materialise children[0] once (CTE) */
    LOP_SYSTEM,     /* pg_catalog / information_schema relation (src/exec/ops_system.c) */
    LOP_APPLY,      /* LATERAL: children[0] joined with u.apply.sub run once per row */
} LogicalKind;

typedef enum JoinType { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_SEMI, JOIN_ANTI, JOIN_CROSS } JoinType;

typedef struct SortKey {
    Expr *expr;
    bool desc;
    bool nulls_first;
} SortKey;

/* Window functions: Expr.u.win.func of an EXPR_WINDOW (WIN_AGG = an aggregate OVER a window). */
enum { WIN_ROW_NUMBER = 1, WIN_RANK, WIN_DENSE_RANK, WIN_PERCENT_RANK, WIN_CUME_DIST, WIN_NTILE, WIN_LAG, WIN_LEAD,
       WIN_FIRST_VALUE, WIN_LAST_VALUE, WIN_NTH_VALUE, WIN_AGG };

/* PostgreSQL's FRAMEOPTION_* bits (nodes/parsenodes.h), as libpg_query passes them in WindowDef.frame_options. */
enum {
    FRAMEOPTION_NONDEFAULT = 0x00001,
    FRAMEOPTION_RANGE = 0x00002,
    FRAMEOPTION_ROWS = 0x00004,
    FRAMEOPTION_GROUPS = 0x00008,
    FRAMEOPTION_BETWEEN = 0x00010,
    FRAMEOPTION_START_UNBOUNDED_PRECEDING = 0x00020,
    FRAMEOPTION_END_UNBOUNDED_PRECEDING = 0x00040,
    FRAMEOPTION_START_UNBOUNDED_FOLLOWING = 0x00080,
    FRAMEOPTION_END_UNBOUNDED_FOLLOWING = 0x00100,
    FRAMEOPTION_START_CURRENT_ROW = 0x00200,
    FRAMEOPTION_END_CURRENT_ROW = 0x00400,
    FRAMEOPTION_START_OFFSET_PRECEDING = 0x00800,
    FRAMEOPTION_END_OFFSET_PRECEDING = 0x01000,
    FRAMEOPTION_START_OFFSET_FOLLOWING = 0x02000,
    FRAMEOPTION_END_OFFSET_FOLLOWING = 0x04000,
    FRAMEOPTION_EXCLUDE_CURRENT_ROW = 0x08000,
    FRAMEOPTION_EXCLUDE_GROUP = 0x10000,
    FRAMEOPTION_EXCLUDE_TIES = 0x20000,
};

typedef struct WindowDef {
    int npart;
    Expr **part;
    int norder;
    SortKey *order;
    int frame_options; /* PostgreSQL's FRAMEOPTION_* bits */
    Expr *start_offset, *end_offset;
} WindowDef;

/* One table a locking clause locks: its row id column (a reference into the input of the
 * LIMIT that locks), the strength (ROWLOCK_*, src/txn/txn.h) and what a busy row does. */
enum { LOCKWAIT_BLOCK = 0, LOCKWAIT_SKIP = 1, LOCKWAIT_NOWAIT = 2 };
typedef struct LockSpec {
    TableDef *table;
    Expr *rowid;
    int mode;
    int wait;
} LockSpec;

typedef struct LogicalOp LogicalOp;
struct LogicalOp {
    LogicalKind kind;
    int nchildren;
    LogicalOp *children[2];
    int ncols;               /* output columns */
    ColBinding *cols;
    LType *types;
    double est_rows;         /* optimizer's estimate */
    u32 view_oid;            /* the projection that gives a view's rows: the view (RowDescription's
                              * table OID for its columns, src/main/origin.c); else 0 */
    union {
        struct {
            LogicalOp *sub;   /* the lateral subquery; EXPR_OUTER slots refer to outer_exprs */
            int nouter;
            Expr **outer_exprs; /* over children[0]'s columns */
            bool left;        /* LEFT JOIN LATERAL: keep rows without a match */
        } apply;
        struct {
            TableDef *table;
            u32 table_index;
            int ncols_scan;
            int *col_ids;    /* table column per output column; -1 = row id */
            Expr *filter;    /* pushed-down predicate (bindings of this get) */
        } get;
        struct {
            int nrows;
            Expr ***rows;    /* nrows × ncols */
            Expr ***raw;     /* the same before the cast to the column's common type */
            u32 table_index;
        } values;
        struct {
            Expr *pred;
        } filter;
        struct {
            u32 table_index;
            Expr **exprs;    /* ncols */
        } project;
        struct {
            u32 group_index;  /* bindings of group keys */
            u32 agg_index;    /* bindings of aggregates */
            int ngroups;
            Expr **groups;
            int naggs;
            Expr **aggs;      /* EXPR_AGGREF */
            int nsets;        /* grouping sets: 0 = plain GROUP BY */
            u64 *sets;        /* bitmask of group keys in each set */
            u32 grouping_index; /* binding table of GROUPING() values */
        } agg;
        struct {
            JoinType type;
            Expr *cond;       /* join condition, may be NULL */
            bool mark;        /* semi/anti join from a rewritten subquery */
        } join;
        struct {
            int nkeys;
            SortKey *keys;
        } order;
        struct {
            Expr *limit;      /* NULL = none */
            Expr *offset;     /* NULL = none */
            int nlock;        /* SELECT … FOR UPDATE: the rows are locked here, before the
                               * limit counts them (skipped rows of SKIP LOCKED do not count) */
            struct LockSpec *lock;
        } limit;
        struct {
            int non;          /* DISTINCT ON expressions; 0 = plain DISTINCT */
            Expr **on;
        } distinct;
        struct {
            int op;           /* SETOP_UNION… */
            bool all;
            u32 table_index;
        } setop;
        struct {
            u32 table_index;
            int nfuncs;
            Expr **funcs;     /* EXPR_WINDOW */
            int ndefs;
            WindowDef *defs;
        } window;
        struct {
            TableDef *table;
            int ncols_in;     /* input columns, in table order after defaults */
            int nreturning;
            Expr **returning; /* over the new row (bindings of returning_index) */
            u32 returning_index;
            int *set_cols;    /* UPDATE: table columns assigned */
            Expr **set_exprs; /* UPDATE: new values (over child's columns) */
            int nset;
            Expr *rowid;      /* UPDATE/DELETE: row id column of the child */
            Expr **old_cols;  /* UPDATE: the table's current columns in the child */
            Expr **checks;    /* bound CHECK constraints over the new row */
            int nchecks;
            char **check_names;
        } dml;
        struct {
            /* ROWS FROM (f1(...), f2(...)): the functions run in lockstep, one
             * output column each; a function that has run out gives NULLs
             * until the last one ends (PG's rule, also for several
             * set-returning functions in one select list) */
            u32 table_index;
            int nargs;
            Expr **args;      /* all functions' arguments, one after the other */
            bool ordinality;
            int nfuncs;
            int *funcs;       /* TABLEFUNC_* of each function */
            int *func_nargs;  /* how many of args belong to each function */
        } tfunc;
        struct {
            int cte_id;       /* which materialised result */
            u32 table_index;
        } cte;
        struct {
            int rel;          /* system relation id (sysrel_find) */
            u32 table_index;
            struct SysViewCols *views; /* columns of the views, resolved when bound */
            int nviews;
        } sys;
    } u;
};

enum { SETOP_UNION = 1, SETOP_INTERSECT, SETOP_EXCEPT };
enum { TABLEFUNC_GENERATE_SERIES = 1, TABLEFUNC_UNNEST, TABLEFUNC_REGEXP_MATCHES, TABLEFUNC_REGEXP_SPLIT, TABLEFUNC_GENERATE_SUBSCRIPTS };

LogicalOp *lop_new(Arena *a, LogicalKind kind, int nchildren);
/* Sets the output columns to (table, 0..n-1) with the given types. */
void lop_set_cols(Arena *a, LogicalOp *op, u32 table, const LType *types, int n);
/* Sets op's output columns to l's followed by r's (joins, LATERAL). */
void lop_concat_cols(Arena *a, LogicalOp *op, const LogicalOp *l, const LogicalOp *r);
/* Copies the child's output columns to op. */
void lop_inherit_cols(Arena *a, LogicalOp *op, const LogicalOp *child);

#endif
