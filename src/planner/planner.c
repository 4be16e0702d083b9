/*
 * src/planner/planner.c — builds physical operators from the logical plan,
 * resolving column bindings to input positions.  Joins with equality
 * conditions become hash joins (build = the right input); other joins become
 * nested-loop joins.  RIGHT joins are planned as LEFT joins with the inputs
 * swapped.
 */
#include <stdio.h>

#include "planner/planner.h"

static int find_col(const LogicalOp *op, ColBinding b)
{
    for (int i = 0; i < op->ncols; i++)
        if (op->cols[i].table == b.table && op->cols[i].column == b.column) return i;
    return -1;
}

typedef struct Cols {
    const ColBinding *b;
    int n;
} Cols;

static int plan(PlanCtx *pc, LogicalOp *lop, PhysOp **out);

static int resolve(PlanCtx *pc, const Expr *e, Cols in, Expr **out)
{
    if (!e) { *out = NULL; return MDB_OK_; }
    Expr *c = arena_memdup(pc->arena, e, sizeof(Expr));
    if (e->kind == EXPR_COLREF) {
        int idx = -1;
        for (int i = 0; i < in.n; i++)
            if (in.b[i].table == e->u.col.binding.table && in.b[i].column == e->u.col.binding.column) { idx = i; break; }
        if (idx < 0) return err_set(pc->err, SQLSTATE_INTERNAL_ERROR, "unresolved column reference (%u,%u)", e->u.col.binding.table, e->u.col.binding.column);
        c->u.col.index = idx;
        *out = c;
        return MDB_OK_;
    }
    if (e->nargs) {
        c->args = arena_alloc(pc->arena, sizeof(Expr *) * (size_t)e->nargs);
        /* a quantified subquery's args[1] is over the subquery's output (below) */
        int n = e->kind == EXPR_SUBQUERY ? 1 : e->nargs;
        for (int i = 0; i < n; i++)
            if (resolve(pc, e->args[i], in, &c->args[i])) return MDB_FAIL;
    }
    if (e->kind == EXPR_SUBQUERY) {
        c->u.sub.outer_exprs = arena_alloc(pc->arena, sizeof(Expr *) * (size_t)(e->u.sub.nouter + 1));
        for (int i = 0; i < e->u.sub.nouter; i++)
            if (resolve(pc, e->u.sub.outer_exprs[i], in, &c->u.sub.outer_exprs[i])) return MDB_FAIL;
        if (e->nargs >= 2) {
            /* args[1] is the subquery column's cast, over the subquery's own output */
            Cols sub = {e->u.sub.plan->cols, e->u.sub.plan->ncols};
            if (resolve(pc, e->args[1], sub, &c->args[1])) return MDB_FAIL;
        }
        if (plan(pc, e->u.sub.plan, &c->u.sub.phys)) return MDB_FAIL;
    }
    if (e->kind == EXPR_AGGREF && e->u.agg.filter)
        if (resolve(pc, e->u.agg.filter, in, &c->u.agg.filter)) return MDB_FAIL;
    *out = c;
    return MDB_OK_;
}

/* ---- common subexpressions of aggregate arguments ---------------------------------- */

/* Safe to compute once for several uses: no volatile function, no subquery. */
static bool cse_safe(const Expr *e)
{
    if (!e) return true;
    if (e->kind == EXPR_SUBQUERY || e->kind == EXPR_AGGREF || e->kind == EXPR_OUTER) return false;
    if (e->kind == EXPR_FUNC && !e->u.func.fn) return false;
    for (int i = 0; i < e->nargs; i++)
        if (!cse_safe(e->args[i])) return false;
    return !expr_has_volatile(e);
}

static int expr_size(const Expr *e)
{
    int n = 1;
    for (int i = 0; e && i < e->nargs; i++) n += expr_size(e->args[i]);
    return n;
}

typedef struct CseSlots {
    Expr **slot[256];
    int n;
} CseSlots;

/* Collects the places of function calls (the candidates) under e. */
static void cse_collect(Expr **at, CseSlots *cs)
{
    Expr *e = *at;
    if (!e || cs->n >= (int)(sizeof cs->slot / sizeof cs->slot[0])) return;
    if (e->kind == EXPR_FUNC && e->nargs > 0 && cse_safe(e)) cs->slot[cs->n++] = at;
    for (int i = 0; i < e->nargs; i++) cse_collect(&e->args[i], cs);
}

/* Aggregate arguments that share a computation (TPC-H Q1's
 * l_extendedprice * (1 - l_discount), alone and times (1 + l_tax)) get it
 * from a projection below the aggregate that computes it once per row: the
 * projection passes the input columns through and appends one column per
 * shared expression, which the arguments then read. */
static PhysOp *agg_common_subexprs(PlanCtx *pc, PhysOp *child, Expr **ag, int nag)
{
    Arena *a = pc->arena;
    int nin = child->ncols, nextra = 0;
    Expr *extra[32];
    for (;;) {
        CseSlots cs = {.n = 0};
        for (int i = 0; i < nag; i++) {
            Expr *ae = ag[i];
            int na = ae->nargs - 2 * ae->u.agg.nargs_order;
            for (int k = 0; k < na; k++) cse_collect(&ae->args[k], &cs);
        }
        /* the largest expression that occurs twice */
        Expr *best = NULL;
        int best_size = 0;
        for (int i = 0; i < cs.n; i++) {
            int sz = expr_size(*cs.slot[i]);
            if (sz <= best_size) continue;
            for (int j = 0; j < cs.n; j++)
                if (j != i && expr_equal(*cs.slot[i], *cs.slot[j])) {
                    best = *cs.slot[i];
                    best_size = sz;
                    break;
                }
        }
        if (!best || nextra == (int)(sizeof extra / sizeof extra[0])) break;
        Expr *ref = expr_colref(a, (ColBinding){0xFFFFFFFEu, (u32)nextra}, best->type, 0);
        ref->u.col.index = nin + nextra;
        extra[nextra++] = best;
        for (int i = 0; i < cs.n; i++)
            if (*cs.slot[i] != best && expr_equal(*cs.slot[i], best)) *cs.slot[i] = ref;
        for (int i = 0; i < cs.n; i++)
            if (*cs.slot[i] == best) *cs.slot[i] = ref;
    }
    if (!nextra) return child;
    int n = nin + nextra;
    Expr **ex = arena_alloc(a, sizeof(Expr *) * (size_t)n);
    LType *ty = arena_alloc(a, sizeof(LType) * (size_t)n);
    for (int i = 0; i < nin; i++) {
        ex[i] = expr_colref(a, (ColBinding){0xFFFFFFFDu, (u32)i}, child->types[i], 0);
        ex[i]->u.col.index = i;
        ty[i] = child->types[i];
    }
    for (int i = 0; i < nextra; i++) {
        ex[nin + i] = extra[i];
        ty[nin + i] = extra[i]->type;
    }
    PhysOp *p = phys_project(a, child, ex, n, ty);
    p->id = pc->next_id++;
    p->est_rows = child->est_rows;
    return p;
}

static int resolve_all(PlanCtx *pc, Expr **es, int n, Cols in, Expr ***out)
{
    *out = arena_alloc(pc->arena, sizeof(Expr *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        if (resolve(pc, es[i], in, &(*out)[i])) return MDB_FAIL;
    return MDB_OK_;
}

/* e with the correlated slots (EXPR_OUTER) of a LATERAL item replaced by the
 * outer expressions they stand for. */
static Expr *subst_outer_slots(Arena *a, const Expr *e, Expr **outer)
{
    if (!e) return NULL;
    if (e->kind == EXPR_OUTER) return expr_copy(a, outer[e->u.outer.slot]);
    Expr *c = arena_memdup(a, e, sizeof(Expr));
    if (e->nargs) {
        c->args = arena_alloc(a, sizeof(Expr *) * (size_t)e->nargs);
        /* a quantified subquery's args[1] is over the subquery's own output */
        int n = e->kind == EXPR_SUBQUERY ? 1 : e->nargs;
        for (int i = 0; i < e->nargs; i++) c->args[i] = i < n ? subst_outer_slots(a, e->args[i], outer) : e->args[i];
    }
    if (e->kind == EXPR_SUBQUERY && e->u.sub.nouter) {
        c->u.sub.outer_exprs = arena_alloc(a, sizeof(Expr *) * (size_t)e->u.sub.nouter);
        for (int i = 0; i < e->u.sub.nouter; i++) c->u.sub.outer_exprs[i] = subst_outer_slots(a, e->u.sub.outer_exprs[i], outer);
    }
    if (e->kind == EXPR_AGGREF && e->u.agg.filter) c->u.agg.filter = subst_outer_slots(a, e->u.agg.filter, outer);
    return c;
}

static Cols cols_of(const LogicalOp *op) { return (Cols){op->cols, op->ncols}; }

static bool refs_only(const Expr *e, const LogicalOp *op)
{
    if (e->kind == EXPR_COLREF) return find_col(op, e->u.col.binding) >= 0;
    if (e->kind == EXPR_SUBQUERY || e->kind == EXPR_OUTER || e->kind == EXPR_PARAM) return false;
    bool any = false;
    for (int i = 0; i < e->nargs; i++) {
        if (!refs_only(e->args[i], op)) return false;
        any = true;
    }
    return any || e->kind != EXPR_CONST ? true : false;
}

static bool has_colref(const Expr *e)
{
    if (e->kind == EXPR_COLREF) return true;
    for (int i = 0; i < e->nargs; i++)
        if (has_colref(e->args[i])) return true;
    return false;
}

static void split_and(Arena *a, Expr *e, Expr ***list, int *n, int *cap)
{
    if (!e) return;
    if (e->kind == EXPR_AND) {
        split_and(a, e->args[0], list, n, cap);
        split_and(a, e->args[1], list, n, cap);
        return;
    }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        Expr **nl = arena_alloc(a, sizeof(Expr *) * (size_t)*cap);
        if (*n) memcpy(nl, *list, sizeof(Expr *) * (size_t)*n);
        *list = nl;
    }
    (*list)[(*n)++] = e;
}

static int plan_join_body(PlanCtx *pc, LogicalOp *lop, PhysOp **out);
static int plan_join(PlanCtx *pc, LogicalOp *lop, PhysOp **out);

/* An equality between a column expression of each input: a hash key. */
static bool has_hash_key(Arena *a, LogicalOp *lop)
{
    Expr **cs = NULL;
    int n = 0, cap = 0;
    split_and(a, lop->u.join.cond, &cs, &n, &cap);
    for (int i = 0; i < n; i++) {
        Expr *c = cs[i];
        if (c->kind != EXPR_FUNC || c->nargs != 2 || strcmp(c->u.func.fn->name, "=") || !has_colref(c->args[0]) ||
            !has_colref(c->args[1]))
            continue;
        LogicalOp *L = lop->children[0], *R = lop->children[1];
        if ((refs_only(c->args[0], L) && refs_only(c->args[1], R)) || (refs_only(c->args[1], L) && refs_only(c->args[0], R)))
            return true;
    }
    return false;
}

/* The join with its inputs swapped (probe = right input), then a projection
 * restoring the column order.  `phys` is the join type the swapped join runs
 * as: LEFT (for a RIGHT join) or RIGHT, which the executor takes as "keep the
 * build side's unmatched rows" (for a LEFT join whose preserved side is the
 * small one: TPC-H Q13 builds on 150k customers instead of 1.35M orders). */
static int plan_swapped(PlanCtx *pc, LogicalOp *lop, JoinType phys, PhysOp **out)
{
    LogicalOp *L = lop->children[0], *R = lop->children[1];
    LogicalOp sw = *lop;
    sw.children[0] = R;
    sw.children[1] = L;
    sw.u.join.type = phys;
    sw.ncols = lop->ncols;
    sw.cols = arena_alloc(pc->arena, sizeof(ColBinding) * (size_t)lop->ncols);
    sw.types = arena_alloc(pc->arena, sizeof(LType) * (size_t)lop->ncols);
    memcpy(sw.cols, R->cols, sizeof(ColBinding) * (size_t)R->ncols);
    memcpy(sw.cols + R->ncols, L->cols, sizeof(ColBinding) * (size_t)L->ncols);
    memcpy(sw.types, R->types, sizeof(LType) * (size_t)R->ncols);
    memcpy(sw.types + R->ncols, L->types, sizeof(LType) * (size_t)L->ncols);
    PhysOp *j;
    if ((phys == JOIN_RIGHT ? plan_join_body(pc, &sw, &j) : plan_join(pc, &sw, &j))) return MDB_FAIL;
    Expr **ex = arena_alloc(pc->arena, sizeof(Expr *) * (size_t)lop->ncols);
    for (int i = 0; i < lop->ncols; i++) {
        int src = i < L->ncols ? R->ncols + i : i - L->ncols;
        ex[i] = expr_colref(pc->arena, lop->cols[i], lop->types[i], 0);
        ex[i]->u.col.index = src;
    }
    *out = phys_project(pc->arena, j, ex, lop->ncols, lop->types);
    (*out)->id = pc->next_id++;
    (*out)->est_rows = lop->est_rows;
    return MDB_OK_;
}

static int plan_join(PlanCtx *pc, LogicalOp *lop, PhysOp **out)
{
    JoinType t = lop->u.join.type;
    LogicalOp *L = lop->children[0], *R = lop->children[1];
    if (t == JOIN_RIGHT) return plan_swapped(pc, lop, JOIN_LEFT, out);
    if (t == JOIN_LEFT && L->est_rows >= 1 && R->est_rows >= 1 && L->est_rows * 4 < R->est_rows &&
        has_hash_key(pc->arena, lop))
        return plan_swapped(pc, lop, JOIN_RIGHT, out);
    return plan_join_body(pc, lop, out);
}

static int plan_join_body(PlanCtx *pc, LogicalOp *lop, PhysOp **out)
{
    JoinType t = lop->u.join.type;
    LogicalOp *L = lop->children[0], *R = lop->children[1];
    PhysOp *pl, *pr;
    if (plan(pc, L, &pl) || plan(pc, R, &pr)) return MDB_FAIL;
    /* conditions see both inputs, even where the output (semi/anti) is the left only */
    Cols both = cols_of(lop);
    if (t == JOIN_SEMI || t == JOIN_ANTI) {
        ColBinding *cb = arena_alloc(pc->arena, sizeof(ColBinding) * (size_t)(L->ncols + R->ncols + 1));
        memcpy(cb, L->cols, sizeof(ColBinding) * (size_t)L->ncols);
        memcpy(cb + L->ncols, R->cols, sizeof(ColBinding) * (size_t)R->ncols);
        both = (Cols){cb, L->ncols + R->ncols};
    }
    /* equality conjuncts between the two sides become hash keys */
    Expr **cs = NULL;
    int n = 0, cap = 0;
    split_and(pc->arena, lop->u.join.cond, &cs, &n, &cap);
    Expr **pk = arena_alloc(pc->arena, sizeof(Expr *) * (size_t)(n + 1));
    Expr **bk = arena_alloc(pc->arena, sizeof(Expr *) * (size_t)(n + 1));
    int nk = 0;
    Expr *residual = NULL;
    if (t != JOIN_CROSS) {
        for (int i = 0; i < n; i++) {
            Expr *c = cs[i];
            if (c->kind == EXPR_FUNC && c->nargs == 2 && !strcmp(c->u.func.fn->name, "=") && has_colref(c->args[0]) &&
                has_colref(c->args[1])) {
                Expr *x = c->args[0], *y = c->args[1];
                if (refs_only(x, L) && refs_only(y, R)) {
                    if (resolve(pc, x, cols_of(L), &pk[nk]) || resolve(pc, y, cols_of(R), &bk[nk])) return MDB_FAIL;
                    nk++;
                    continue;
                }
                if (refs_only(y, L) && refs_only(x, R)) {
                    if (resolve(pc, y, cols_of(L), &pk[nk]) || resolve(pc, x, cols_of(R), &bk[nk])) return MDB_FAIL;
                    nk++;
                    continue;
                }
            }
            Expr *r = NULL;
            if (resolve(pc, c, both, &r)) return MDB_FAIL;
            residual = expr_and(pc->arena, residual, r);
        }
    }
    PhysOp *j;
    if ((t == JOIN_FULL || t == JOIN_RIGHT) && nk == 0)
        return err_set(pc->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "FULL JOIN is only supported with merge-joinable or hash-joinable join conditions");
    if (nk > 0) {
        j = phys_hash_join(pc->arena, pl, pr, t, pk, bk, nk, residual, lop->types, lop->ncols);
        static const char *const NAMES[] = {"", "left ", "right ", "full ", "semi ", "anti ", ""};
        j->explain = arena_printf(pc->arena, "(%s%d key%s)", NAMES[t], nk, nk > 1 ? "s" : "");
        if (t == JOIN_FULL || t == JOIN_RIGHT) {
            /* matched and left-unmatched rows, then the unmatched build rows */
            j->id = pc->next_id++;
            PhysOp *tail = phys_hash_join_tail(pc->arena, j);
            tail->id = pc->next_id++;
            PhysOp *u = phys_setop(pc->arena, j, tail, SETOP_UNION, true);
            u->id = pc->next_id++;
            j->est_rows = u->est_rows = lop->est_rows;
            *out = u;
            return MDB_OK_;
        }
    } else {
        Expr *cond;
        if (resolve(pc, lop->u.join.cond, both, &cond)) return MDB_FAIL;
        j = phys_nl_join(pc->arena, pl, pr, t == JOIN_CROSS ? JOIN_INNER : t, cond, lop->types, lop->ncols);
    }
    j->id = pc->next_id++;
    j->est_rows = lop->est_rows;
    *out = j;
    return MDB_OK_;
}

static int plan(PlanCtx *pc, LogicalOp *lop, PhysOp **out)
{
    PhysOp *op = NULL, *child = NULL;
    Arena *a = pc->arena;
    switch (lop->kind) {
    case LOP_GET: {
        Expr *f = NULL;
        if (lop->u.get.filter && resolve(pc, lop->u.get.filter, cols_of(lop), &f)) return MDB_FAIL;
        op = phys_index_scan_try(a, lop->u.get.table, lop->u.get.col_ids, lop->ncols, lop->types, f, lop->est_rows);
        if (!op) op = phys_scan(a, lop->u.get.table, lop->u.get.col_ids, lop->ncols, lop->types, f);
        break;
    }
    case LOP_DUMMY: op = phys_dummy(a); break;
    case LOP_VALUES: {
        Expr ***rows = arena_alloc(a, sizeof(Expr **) * (size_t)lop->u.values.nrows);
        Cols none = {NULL, 0};
        for (int r = 0; r < lop->u.values.nrows; r++)
            if (resolve_all(pc, lop->u.values.rows[r], lop->ncols, none, &rows[r])) return MDB_FAIL;
        op = phys_values(a, rows, lop->u.values.nrows, lop->ncols, lop->types);
        break;
    }
    case LOP_FILTER: {
        if (plan(pc, lop->children[0], &child)) return MDB_FAIL;
        Expr *p;
        if (resolve(pc, lop->u.filter.pred, cols_of(lop->children[0]), &p)) return MDB_FAIL;
        op = phys_filter(a, child, p);
        break;
    }
    case LOP_PROJECT: {
        if (plan(pc, lop->children[0], &child)) return MDB_FAIL;
        Expr **ex;
        if (resolve_all(pc, lop->u.project.exprs, lop->ncols, cols_of(lop->children[0]), &ex)) return MDB_FAIL;
        op = phys_project(a, child, ex, lop->ncols, lop->types);
        break;
    }
    case LOP_AGGREGATE: {
        if (plan(pc, lop->children[0], &child)) return MDB_FAIL;
        Cols in = cols_of(lop->children[0]);
        Expr **g, **ag;
        if (resolve_all(pc, lop->u.agg.groups, lop->u.agg.ngroups, in, &g) ||
            resolve_all(pc, lop->u.agg.aggs, lop->u.agg.naggs, in, &ag))
            return MDB_FAIL;
        child = agg_common_subexprs(pc, child, ag, lop->u.agg.naggs);
        op = phys_hash_agg(a, child, g, lop->u.agg.ngroups, ag, lop->u.agg.naggs, lop->u.agg.sets, lop->u.agg.nsets, lop->types, lop->ncols);
        break;
    }
    case LOP_JOIN: return plan_join(pc, lop, out);
    case LOP_ORDER: {
        if (plan(pc, lop->children[0], &child)) return MDB_FAIL;
        PSortKey *keys = arena_alloc(a, sizeof(PSortKey) * (size_t)(lop->u.order.nkeys + 1));
        for (int i = 0; i < lop->u.order.nkeys; i++) {
            Expr *k;
            if (resolve(pc, lop->u.order.keys[i].expr, cols_of(lop->children[0]), &k)) return MDB_FAIL;
            if (k->kind != EXPR_COLREF) return err_set(pc->err, SQLSTATE_INTERNAL_ERROR, "sort key is not a column");
            keys[i] = (PSortKey){k->u.col.index, lop->u.order.keys[i].desc, lop->u.order.keys[i].nulls_first};
        }
        op = phys_sort(a, child, keys, lop->u.order.nkeys, NULL);
        break;
    }
    case LOP_LIMIT: {
        if (plan(pc, lop->children[0], &child)) return MDB_FAIL;
        Cols none = {NULL, 0};
        Expr *l, *o;
        if (resolve(pc, lop->u.limit.limit, none, &l) || resolve(pc, lop->u.limit.offset, none, &o)) return MDB_FAIL;
        if (lop->u.limit.nlock) {
            /* SELECT … FOR UPDATE: the locks, then the limit (src/exec/ops_lock.c) */
            PLockTarget *t = arena_alloc(a, sizeof(PLockTarget) * (size_t)lop->u.limit.nlock);
            for (int i = 0; i < lop->u.limit.nlock; i++) {
                LockSpec *ls = &lop->u.limit.lock[i];
                Expr *k;
                if (resolve(pc, ls->rowid, cols_of(lop->children[0]), &k)) return MDB_FAIL;
                if (k->kind != EXPR_COLREF) return err_set(pc->err, SQLSTATE_INTERNAL_ERROR, "row id of a locked table is not a column");
                t[i] = (PLockTarget){ls->table, k->u.col.index, ls->mode, ls->wait};
            }
            op = phys_lock_rows(a, child, l, o, t, lop->u.limit.nlock);
            break;
        }
        op = phys_limit(a, child, l, o);
        if (l) phys_sort_set_limit(child, l, o); /* top-N: the sort need not keep (or spill) more */
        break;
    }
    case LOP_DISTINCT: {
        if (plan(pc, lop->children[0], &child)) return MDB_FAIL;
        int *keys = NULL;
        int nk = lop->u.distinct.non;
        if (nk) {
            keys = arena_alloc(a, sizeof(int) * (size_t)nk);
            for (int i = 0; i < nk; i++) {
                Expr *k;
                if (resolve(pc, lop->u.distinct.on[i], cols_of(lop->children[0]), &k)) return MDB_FAIL;
                keys[i] = k->u.col.index;
            }
        }
        op = phys_distinct(a, child, keys, nk);
        break;
    }
    case LOP_SETOP: {
        PhysOp *l, *r;
        if (plan(pc, lop->children[0], &l) || plan(pc, lop->children[1], &r)) return MDB_FAIL;
        op = phys_setop(a, l, r, lop->u.setop.op, lop->u.setop.all);
        break;
    }
    case LOP_TABLEFUNC: {
        Expr **args;
        Cols none = {NULL, 0};
        if (resolve_all(pc, lop->u.tfunc.args, lop->u.tfunc.nargs, none, &args)) return MDB_FAIL;
        PhysOp *one = phys_dummy(a);
        one->id = pc->next_id++;
        op = phys_tfunc(a, one, lop->u.tfunc.nfuncs, lop->u.tfunc.funcs, lop->u.tfunc.func_nargs, args, lop->u.tfunc.nargs,
                        lop->u.tfunc.ordinality, lop->types, lop->ncols);
        break;
    }
    case LOP_CTE_SCAN: op = phys_cte_scan(a, lop->u.cte.cte_id, lop->types, lop->ncols); break;
    case LOP_APPLY: {
        PhysOp *sub;
        Expr **oe;
        LogicalOp *tf = lop->u.apply.sub;
        if (tf->kind == LOP_TABLEFUNC) {
            /* functions over each row (LATERAL function calls, select-list
             * set-returning functions): a ProjectSet, the arguments evaluated
             * over the input chunk instead of a subquery run per row */
            Expr **args = arena_alloc(a, sizeof(Expr *) * (size_t)(tf->u.tfunc.nargs + 1));
            for (int i = 0; i < tf->u.tfunc.nargs; i++)
                args[i] = subst_outer_slots(a, tf->u.tfunc.args[i], lop->u.apply.outer_exprs);
            if (plan(pc, lop->children[0], &child) || resolve_all(pc, args, tf->u.tfunc.nargs, cols_of(lop->children[0]), &args))
                return MDB_FAIL;
            op = phys_project_set(a, child, tf->u.tfunc.nfuncs, tf->u.tfunc.funcs, tf->u.tfunc.func_nargs, args, tf->u.tfunc.nargs,
                                  tf->u.tfunc.ordinality, lop->u.apply.left, lop->types, lop->ncols);
            break;
        }
        if (plan(pc, lop->children[0], &child) || plan(pc, lop->u.apply.sub, &sub)) return MDB_FAIL;
        if (resolve_all(pc, lop->u.apply.outer_exprs, lop->u.apply.nouter, cols_of(lop->children[0]), &oe)) return MDB_FAIL;
        op = phys_apply(a, child, sub, oe, lop->u.apply.nouter, lop->u.apply.left, lop->types, lop->ncols);
        break;
    }
    case LOP_SYSTEM: op = phys_system(a, lop->u.sys.rel, lop->u.sys.views, lop->u.sys.nviews, lop->types, lop->ncols); break;
    case LOP_RECURSIVE: {
        PhysOp *an, *st;
        if (plan(pc, lop->children[0], &an) || plan(pc, lop->children[1], &st)) return MDB_FAIL;
        op = phys_recursive(a, an, st, lop->u.setop.op, lop->u.setop.all);
        break;
    }
    case LOP_WINDOW: {
        if (plan(pc, lop->children[0], &child)) return MDB_FAIL;
        Cols in = cols_of(lop->children[0]);
        Expr **fs;
        if (resolve_all(pc, lop->u.window.funcs, lop->u.window.nfuncs, in, &fs)) return MDB_FAIL;
        WindowDef *defs = arena_alloc(a, sizeof(WindowDef) * (size_t)(lop->u.window.ndefs + 1));
        for (int d = 0; d < lop->u.window.ndefs; d++) {
            const WindowDef *wd = &lop->u.window.defs[d];
            defs[d] = *wd;
            defs[d].order = arena_alloc(a, sizeof(SortKey) * (size_t)(wd->norder + 1));
            if (resolve_all(pc, wd->part, wd->npart, in, &defs[d].part) ||
                resolve(pc, wd->start_offset, in, &defs[d].start_offset) || resolve(pc, wd->end_offset, in, &defs[d].end_offset))
                return MDB_FAIL;
            for (int k = 0; k < wd->norder; k++) {
                defs[d].order[k] = wd->order[k];
                if (resolve(pc, wd->order[k].expr, in, &defs[d].order[k].expr)) return MDB_FAIL;
            }
        }
        op = phys_window(a, child, fs, lop->u.window.nfuncs, defs, lop->u.window.ndefs, lop->types, lop->ncols);
        break;
    }
    default: return err_set(pc->err, SQLSTATE_INTERNAL_ERROR, "cannot plan logical operator %d", (int)lop->kind);
    }
    op->id = pc->next_id++;
    op->est_rows = lop->est_rows;
    *out = op;
    return MDB_OK_;
}

int planner_plan(PlanCtx *pc, LogicalOp *lop, PhysOp **out) { return plan(pc, lop, out); }
