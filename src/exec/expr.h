/*
 * src/exec/expr.h — bound expressions and their vectorised evaluation.
 *
 * The binder produces Expr trees whose column references name a ColBinding
 * (table index, column index); the planner resolves each to the position of
 * the column in the operator's input chunk (Expr.u.col.index).  Evaluation
 * works a chunk at a time: expr_eval fills a Vector with one value per input
 * row (or a constant vector).  Scratch memory comes from ExprCtx.arena, which
 * the caller resets between chunks.
 */
#ifndef MDB_EXPR_H
#define MDB_EXPR_H

#include "func/func.h"
#include "types/types.h"

typedef struct ColBinding {
    u32 table;
    u32 column;
} ColBinding;

typedef enum ExprKind {
    EXPR_CONST,
    EXPR_COLREF,     /* column of the input chunk */
    EXPR_OUTER,      /* correlated reference: value of the enclosing row, slot u.outer.slot */
    EXPR_PARAM,      /* $n */
    EXPR_FUNC,       /* scalar function or operator */
    EXPR_CAST,
    EXPR_AND,
    EXPR_OR,
    EXPR_NOT,
    EXPR_IS_NULL,
    EXPR_IS_NOT_NULL,
    EXPR_IS_TRUE,    /* IS [NOT] TRUE/FALSE/UNKNOWN: u.istest */
    EXPR_CASE,       /* args: cond0, res0, cond1, res1, …, [else] */
    EXPR_COALESCE,
    EXPR_NULLIF,
    EXPR_GREATEST,
    EXPR_LEAST,
    EXPR_IN_LIST,    /* args[0] IN (args[1..]) */
    EXPR_SUBQUERY,   /* scalar, EXISTS, IN/ANY/ALL subquery: u.sub */
    EXPR_DISTINCT_FROM, /* IS [NOT] DISTINCT FROM: u.negate */
    EXPR_GROUPING,   /* GROUPING(a, b, …): args[0] is the aggregate's grouping-set id column */
    EXPR_ARRAY,      /* ARRAY[args…]: a one-dimensional array (TYPE_LIST) */
    EXPR_AGGREF,     /* only during binding: an aggregate call */
    EXPR_WINDOW,     /* only during binding: a window function call */
} ExprKind;

typedef enum SubqueryKind {
    SUBQ_SCALAR,
    SUBQ_EXISTS,
    SUBQ_ANY, /* x op ANY (subquery); IN is = ANY */
    SUBQ_ALL,
} SubqueryKind;

struct PhysOp;
struct LogicalOp;
struct AggFunc;

typedef struct Expr Expr;
struct Expr {
    ExprKind kind;
    LType type;
    int location; /* 1-based position in the statement, 0 = unknown */
    bool literal; /* an untyped literal the select list typed as text */
    int nargs;
    Expr **args;
    union {
        Value constant;
        struct {
            ColBinding binding;
            int depth;   /* 0 = this query level; >0 = enclosing levels (binding only) */
            int index;   /* resolved input column */
        } col;
        struct {
            int slot;
        } outer;
        struct {
            int index; /* 0-based parameter number */
        } param;
        struct {
            const ScalarFunc *fn;
        } func;
        struct {
            bool negate;
        } dist;
        struct {
            bool want;     /* TRUE or FALSE */
            bool negate;   /* IS NOT … */
            bool unknown;  /* IS [NOT] UNKNOWN */
        } istest;
            struct {
            SubqueryKind kind;
            const ScalarFunc *cmp; /* comparison for ANY/ALL */
            bool negate;           /* NOT EXISTS */
            struct LogicalOp *plan;
            struct PhysOp *phys;
            int nouter;            /* correlated values passed in */
            Expr **outer_exprs;    /* evaluated in the enclosing query */
            int id;                /* index into the execution's subquery cache */
        } sub;
        struct {
            int n;           /* arguments of GROUPING() */
            int *keys;       /* their positions among the GROUP BY keys */
            int ngroups;     /* number of GROUP BY keys */
        } grouping;
        struct {
            const struct AggFunc *fn;
            bool distinct;
            bool star;
            Expr *filter;
            LType arg_type;
            int nargs_order;
            void *extra;
        } agg;
        struct {
            int func;         /* WindowFuncKind */
            const struct AggFunc *agg;
            int def;          /* index of the window definition */
            LType arg_type;
        } win;
    } u;
};

Expr *expr_new(Arena *a, ExprKind kind, LType type, int location);
Expr *expr_const(Arena *a, Value v, int location);
Expr *expr_colref(Arena *a, ColBinding b, LType t, int depth);
Expr *expr_copy(Arena *a, const Expr *e);
/* x AND y; either may be NULL (meaning TRUE), so predicates can be accumulated. */
Expr *expr_and(Arena *a, Expr *x, Expr *y);
bool expr_equal(const Expr *a, const Expr *b);
/* True when e calls a volatile function (random(), nextval(), …): two equal
 * such expressions are still two computations. */
bool expr_has_volatile(const Expr *e);
/* True when e refers to no column, parameter, subquery or volatile function. */
bool expr_is_foldable(const Expr *e);
bool expr_has_subquery(const Expr *e);

typedef struct Exec Exec;

typedef struct ExprCtx {
    Exec *exec;       /* the running execution (params, subquery cache) */
    Arena *arena;     /* scratch, reset by the caller between chunks */
    FuncCtx fctx;
} ExprCtx;

void exprctx_init(ExprCtx *c, Exec *ex, Arena *arena);
/* Evaluates e over the rows of `in` into *out.  *out may reference `in`'s
 * vectors or be constant; copy before modifying. */
int expr_eval(ExprCtx *c, const Expr *e, DataChunk *in, Vector *out);
/* Evaluates a boolean predicate; fills sel with the rows where it is true. */
int expr_select(ExprCtx *c, const Expr *e, DataChunk *in, u32 *sel, idx_t *nsel);
/* Evaluates a constant expression (no input). */
int expr_eval_const(ExprCtx *c, const Expr *e, Value *out);

/* Casts: the vector kernel (src/exec/cast.c).  `src` may be constant (then
 * only row 0 is converted and *out is constant).  *out must be initialised by
 * the caller with type `to` and room for `count` rows; strings go to out->heap.
 * Rows where src is NULL are NULL in out.  explicit_cast selects CAST/::
 * semantics (varchar(n) truncates silently instead of raising 22001). */
int cast_vector(FuncCtx *fc, const Vector *src, idx_t count, LType to, Vector *out, bool explicit_cast);
int cast_value(FuncCtx *fc, const Value *v, LType to, Value *out, Arena *a);
/* Text form of one value in PostgreSQL's output format; returns length. */
size_t value_to_text(const Value *v, char *buf, size_t cap, Arena *a, const char **out_ptr);
/* Same, rendering timestamptz in the given session time zone. */
size_t value_to_text_tz(const Value *v, const char *timezone, char *buf, size_t cap, Arena *a, const char **out_ptr);
/* Parses text into type `to` (PostgreSQL's input functions). */
int value_from_text(FuncCtx *fc, const char *s, size_t len, LType to, Value *out, Arena *a);

/* The elements of an array value (TYPE_LIST), converted to its element
 * type; *out lives in `a`.  A NULL array has no elements. */
int list_elements(FuncCtx *fc, const Value *list, Value **out, size_t *n, Arena *a);

/* Total order used by ORDER BY, DISTINCT, GROUP BY and comparisons. */
int value_cmp(const Value *a, const Value *b);
u64 value_hash(const Value *v);

#endif
