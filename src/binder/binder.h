/*
 * src/binder/binder.h — turns parse trees into typed logical plans.
 *
 * The binder resolves names against the catalog and the search_path, types
 * every expression (inserting PostgreSQL's implicit casts), resolves
 * functions and operators, and builds the LogicalOp tree of a query.  It
 * records the first error with its position and unwinds by return codes.
 * Subqueries are bound by a child Binder whose `parent` is the enclosing one;
 * a column found in an enclosing scope becomes an EXPR_OUTER slot of the
 * subquery (src/exec/expr.h explains how the values are passed in).
 */
#ifndef MDB_BINDER_H
#define MDB_BINDER_H

#include "catalog/catalog.h"
#include "common/settings.h"
#include "parser/parser.h"
#include "planner/logical.h"

typedef struct ScopeEntry {
    char *alias;          /* range name, NULL for a join's merged columns */
    int ncols;
    char **names;
    LType *types;
    ColBinding *bindings;
    Expr **exprs;         /* when set, column i resolves to exprs[i] (USING columns) */
    bool *hidden;         /* column not visible to unqualified lookup / star */
    TableDef *table;      /* base table, for error messages */
} ScopeEntry;

typedef struct Scope {
    ScopeEntry **entries;
    int n, cap;
} Scope;

typedef struct OuterRef {
    ColBinding binding;
    LType type;
    int depth;            /* 1 = the parent binder's scope */
    Expr *expr;           /* when the parent resolved it to an expression */
} OuterRef;

typedef struct CteDef {
    char *name;
    int ncols;
    char **names;
    LType *types;
    PgQuery__Node *query;
    int id;               /* materialised result slot */
    LogicalOp *plan;      /* bound definition */
    bool recursive_ref;   /* the working table of a recursive CTE */
    struct CteDef *next;
} CteDef;

typedef struct BindShared {
    u32 next_table_index;
    int nparams;
    LType *param_types;   /* inferred or given */
    bool *param_known;
    int param_cap;
    int nsubqueries;
    int ncte;
    LogicalOp **cte_plans; /* materialised CTE plans by id */
    int cte_cap;
} BindShared;

typedef struct Binder Binder;
struct Binder {
    Arena *arena;
    Catalog *cat;
    Settings *settings;
    Err *err;
    BindShared *shared;
    Binder *parent;
    Scope scope;
    OuterRef *outer;
    int nouter, capouter;
    CteDef *ctes;
    /* aggregate binding state of the current SELECT */
    bool in_agg_arg;      /* binding an aggregate's arguments */
    bool agg_allowed;
    int naggs, capaggs;
    Expr **aggs;
    u32 agg_index;
    int nwins, capwins;
    Expr **wins;
    WindowDef *windefs;
    int nwindefs, capwindefs;
    u32 win_index;
    PgQuery__SelectStmt *cur_select; /* for named windows */
    int ngroupings;
    const char *clause;   /* clause being bound, for messages ("WHERE") */
    /* set-returning functions in the select list: each call is bound to a
     * reference (srf_index, i); bind_select_core runs them in ProjectSet-like
     * LATERAL applies after grouping and windows (one per nesting level) */
    bool srf_allowed;     /* binding the select list or ORDER BY */
    const char *srf_block; /* "CASE", "COALESCE": where PG rejects them */
    bool in_win_arg;      /* binding a window call */
    int nsrfs, capsrfs;
    struct SrfCall *srfs;
    u32 srf_index;
};

typedef struct SrfCall {
    int func;             /* TABLEFUNC_* */
    int nargs;
    Expr **args;
    LType type;
    int level;            /* 1 + the deepest level among set-returning calls in its arguments */
} SrfCall;

typedef enum BoundKind { BOUND_QUERY, BOUND_DML, BOUND_UTILITY } BoundKind;

typedef struct BoundStmt {
    BoundKind kind;
    LogicalOp *plan;      /* for queries and DML */
    int ncols;
    char **names;         /* result column names */
    LType *types;
    bool returns_rows;
} BoundStmt;

void binder_init(Binder *b, Arena *a, Catalog *cat, Settings *s, Err *err, BindShared *shared, Binder *parent);
/* Binds a SELECT (or VALUES / set operation) into a plan. */
int bind_select(Binder *b, PgQuery__SelectStmt *s, LogicalOp **out, char ***names);
int bind_insert(Binder *b, PgQuery__InsertStmt *s, BoundStmt *out);
int bind_update(Binder *b, PgQuery__UpdateStmt *s, BoundStmt *out);
int bind_delete(Binder *b, PgQuery__DeleteStmt *s, BoundStmt *out);
/* Set-returning functions (generate_series, unnest, regexp_matches): whether
 * `name` is one, and the typing of a call — casts args in place and gives
 * its TABLEFUNC_* and the type of its one output column. */
bool binder_is_srf(const char *name);
int bind_srf_call(Binder *b, const char *name, Expr **args, int nargs, int loc, int *func, LType *type);
/* Binds a standalone expression with the given scope (defaults, checks). */
int bind_expr(Binder *b, PgQuery__Node *n, Expr **out);
/* Adds an expression cast to type `to` (error 42804 when not allowed). */
int bind_cast(Binder *b, Expr *e, LType to, bool explicit_cast, Expr **out);
int bind_coerce_assign(Binder *b, Expr *e, LType to, const char *colname, Expr **out);
/* Resolves a TypeName to an LType. */
int bind_typename(Binder *b, PgQuery__TypeName *tn, LType *out);
/* Finds a relation by (schema, name) with the search_path. */
Schema *binder_schema_for_create(Binder *b, const char *schemaname);
TableDef *binder_find_table(Binder *b, PgQuery__RangeVar *rv, bool missing_ok);
u32 binder_new_table_index(Binder *b);
/* Registers a reference to a column `depth` levels out; returns its EXPR_OUTER slot. */
int binder_add_outer(Binder *b, ColBinding bnd, LType t, int depth, Expr *resolved);
Expr **binder_outer_values(Binder *b, const Binder *sub);
void scope_add(Binder *b, ScopeEntry *e);
ScopeEntry *scope_entry_for_table(Binder *b, TableDef *t, const char *alias, u32 table_index);
/* Binds a pg_catalog / information_schema relation (bind_system.c); *found is false
 * when rv names none, and nothing is bound. */
int bind_system_relation(Binder *b, PgQuery__RangeVar *rv, LogicalOp **out, bool *found);
/* Name of a select-list item as PostgreSQL derives it ("?column?" etc.). */
const char *binder_column_name(PgQuery__Node *n);
/* Folds constant sub-expressions; returns the new expression. */
int binder_fold(Binder *b, Expr *e, Expr **out);

#endif
