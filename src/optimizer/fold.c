/*
 * src/optimizer/fold.c — constant folding, as PostgreSQL's
 * eval_const_expressions does it: a strict function or operator with a NULL
 * constant argument is NULL without evaluating its other arguments; calls
 * and casts of constants are evaluated once at plan time; AND/OR/NOT with
 * constant arguments simplify.  An expression whose evaluation fails is left
 * alone, so the error surfaces at run time with the row that causes it.
 */
#include "exec/physical.h"
#include "func/func.h"
#include "optimizer/optimizer.h"
#include "types/datetime.h"

LogicalOp *fold_plan(Arena *a, LogicalOp *op);

static bool is_null_const(const Expr *e) { return e->kind == EXPR_CONST && e->u.constant.is_null; }

static bool is_bool_const(const Expr *e, bool v)
{
    return e->kind == EXPR_CONST && !e->u.constant.is_null && e->type.id == TYPE_BOOL && e->u.constant.u.b == v;
}

static Expr *null_of(Arena *a, const Expr *e)
{
    Value v = value_null();
    v.type = e->type;
    Expr *c = expr_const(a, v, e->location);
    c->type = e->type;
    return c;
}

/* Values that depend on the session time zone are left to run time, which
 * has the session's settings. */
static bool zone_dependent(const Expr *e)
{
    if (e->type.id == TYPE_TIMESTAMPTZ) return true;
    for (int i = 0; i < e->nargs; i++)
        if (e->args[i]->type.id == TYPE_TIMESTAMPTZ) return true;
    return false;
}

static Expr *try_eval(Arena *a, Expr *e)
{
    if (zone_dependent(e)) return e;
    Arena *tmp = arena_create(NULL);
    Exec ex;
    exec_init(&ex, tmp, NULL, NULL, NULL);
    ExprCtx ec;
    exprctx_init(&ec, &ex, tmp);
    Value v;
    Expr *out = e;
    if (expr_eval_const(&ec, e, &v) == MDB_OK_ && !ex.err.is_set) {
        /* copy string bytes out of the scratch arena */
        if (!v.is_null && type_is_string((TypeId)v.type.id)) v.u.s = str_copy(a, str_data(&v.u.s), v.u.s.len);
        if (!v.is_null && v.u.s.len > STR_INLINE && type_is_string((TypeId)v.type.id)) {
            char *p = arena_memdup(a, str_data(&v.u.s), v.u.s.len);
            v.u.s = str_make(p, v.u.s.len);
        }
        v.type = e->type;
        out = expr_const(a, v, e->location);
        out->type = e->type;
    }
    exec_cleanup(&ex);
    arena_destroy(tmp);
    return out;
}

/* `date_col::timestamp <op> TIMESTAMP 'c'` (TPC-H's `l_shipdate <= date
 * '1998-12-01' - interval '90' day`) becomes a comparison of the date column
 * with a date constant: the same rows pass (a date is its midnight), the
 * column is not cast row by row, and its range statistics apply. */
static Expr *date_compare(Arena *a, Expr *e)
{
    const char *n = e->u.func.fn->name;
    if (e->nargs != 2) return e;
    int op = !strcmp(n, "<") ? 1 : !strcmp(n, "<=") ? 2 : !strcmp(n, ">") ? 3 : !strcmp(n, ">=") ? 4 : !strcmp(n, "=") ? 5 : 0;
    if (!op) return e;
    Expr *c = e->args[0], *k = e->args[1];
    if (k->kind == EXPR_CAST) { /* constant on the left: mirror the operator */
        Expr *t = c;
        c = k;
        k = t;
        op = op == 1 ? 3 : op == 2 ? 4 : op == 3 ? 1 : op == 4 ? 2 : op;
    }
    if (c->kind != EXPR_CAST || c->nargs != 1 || c->type.id != TYPE_TIMESTAMP || c->args[0]->type.id != TYPE_DATE)
        return e;
    if (k->kind != EXPR_CONST || k->u.constant.is_null || k->type.id != TYPE_TIMESTAMP) return e;
    i64 ts = k->u.constant.u.i;
    i64 day = ts / USECS_PER_DAY - (ts % USECS_PER_DAY < 0); /* floor */
    bool exact = ts == day * USECS_PER_DAY;
    if (day < INT32_MIN + 1 || day > INT32_MAX - 1) return e;
    const char *nn;
    switch (op) {
    case 1: nn = exact ? "<" : "<="; break;  /* col < T */
    case 2: nn = "<="; break;                /* col <= T: up to T's day */
    case 3: nn = ">"; break;                 /* col > T: after T's day */
    case 4: nn = exact ? ">=" : ">"; break;  /* col >= T */
    default:
        if (!exact) return e;
        nn = "=";
    }
    LType dt[2] = {ltype(TYPE_DATE), ltype(TYPE_DATE)}, argt[2], rt;
    const ScalarFunc *fn;
    Err err = {0};
    if (func_lookup_scalar(nn, dt, 2, &fn, argt, &rt, &err, 0) || rt.id != TYPE_BOOL) return e;
    Value dv = value_int(TYPE_DATE, day);
    Expr *dc = expr_const(a, dv, k->location);
    dc->type = ltype(TYPE_DATE);
    Expr *r = expr_new(a, EXPR_FUNC, rt, e->location);
    r->nargs = 2;
    r->args = arena_alloc(a, sizeof(Expr *) * 2);
    r->args[0] = c->args[0];
    r->args[1] = dc;
    r->u.func.fn = fn;
    return r;
}

static Expr *fold(Arena *a, Expr *e)
{
    if (!e) return e;
    if (e->kind == EXPR_SUBQUERY) {
        /* folded now; fully optimised after decorrelation (optimize()) */
        e->u.sub.plan = fold_plan(a, e->u.sub.plan);
        for (int i = 0; i < e->u.sub.nouter; i++) e->u.sub.outer_exprs[i] = fold(a, e->u.sub.outer_exprs[i]);
        if (e->nargs) e->args[0] = fold(a, e->args[0]);
        return e;
    }
    if (e->kind == EXPR_AGGREF || e->kind == EXPR_WINDOW) return e;
    for (int i = 0; i < e->nargs; i++) e->args[i] = fold(a, e->args[i]);
    switch (e->kind) {
    case EXPR_FUNC: {
        const ScalarFunc *fn = e->u.func.fn;
        if (!(fn->flags & FUNC_NOT_STRICT))
            for (int i = 0; i < e->nargs; i++)
                if (is_null_const(e->args[i])) return null_of(a, e);
        if (fn->flags & (FUNC_VOLATILE | FUNC_STABLE)) return e;
        for (int i = 0; i < e->nargs; i++)
            if (e->args[i]->kind != EXPR_CONST) return date_compare(a, e);
        return try_eval(a, e);
    }
    case EXPR_CAST:
        if (is_null_const(e->args[0])) return null_of(a, e);
        if (e->args[0]->kind == EXPR_CONST) return try_eval(a, e);
        return e;
    case EXPR_AND:
        if (is_bool_const(e->args[0], false) || is_bool_const(e->args[1], false)) return expr_const(a, value_bool(false), e->location);
        if (is_bool_const(e->args[0], true)) return e->args[1];
        if (is_bool_const(e->args[1], true)) return e->args[0];
        return e;
    case EXPR_OR:
        if (is_bool_const(e->args[0], true) || is_bool_const(e->args[1], true)) return expr_const(a, value_bool(true), e->location);
        if (is_bool_const(e->args[0], false)) return e->args[1];
        if (is_bool_const(e->args[1], false)) return e->args[0];
        return e;
    case EXPR_NOT:
        if (is_null_const(e->args[0])) return null_of(a, e);
        if (e->args[0]->kind == EXPR_CONST) return expr_const(a, value_bool(!e->args[0]->u.constant.u.b), e->location);
        return e;
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL:
        if (e->args[0]->kind == EXPR_CONST)
            return expr_const(a, value_bool(e->args[0]->u.constant.is_null == (e->kind == EXPR_IS_NULL)), e->location);
        return e;
    default: return e;
    }
}

static void fold_all(Arena *a, Expr **es, int n)
{
    for (int i = 0; i < n; i++) es[i] = fold(a, es[i]);
}

LogicalOp *fold_plan(Arena *a, LogicalOp *op)
{
    for (int i = 0; i < op->nchildren; i++) op->children[i] = fold_plan(a, op->children[i]);
    switch (op->kind) {
    case LOP_FILTER: op->u.filter.pred = fold(a, op->u.filter.pred); break;
    case LOP_PROJECT: fold_all(a, op->u.project.exprs, op->ncols); break;
    case LOP_JOIN: op->u.join.cond = fold(a, op->u.join.cond); break;
    case LOP_GET: op->u.get.filter = fold(a, op->u.get.filter); break;
    case LOP_APPLY:
        op->u.apply.sub = fold_plan(a, op->u.apply.sub);
        fold_all(a, op->u.apply.outer_exprs, op->u.apply.nouter);
        break;
    case LOP_AGGREGATE:
        fold_all(a, op->u.agg.groups, op->u.agg.ngroups);
        for (int i = 0; i < op->u.agg.naggs; i++) {
            Expr *ag = op->u.agg.aggs[i];
            fold_all(a, ag->args, ag->nargs - 2 * ag->u.agg.nargs_order);
        }
        break;
    default: break;
    }
    return op;
}
