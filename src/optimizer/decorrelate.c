/*
 * src/optimizer/decorrelate.c — subquery unnesting.
 *
 * Rewrites, in filters:
 *   [NOT] EXISTS (SELECT … WHERE inner-preds AND correlated-preds)
 *       → SEMI (ANTI) JOIN with the correlated predicates as join condition;
 *   x IN (SELECT y … [correlated-preds]), correlated or not,
 *       → SEMI JOIN on x = y AND the correlated predicates;
 * and, in filters and projections:
 *   (SELECT agg(…) FROM … WHERE inner = outer AND …)
 *       → LEFT JOIN with the subquery grouped by the inner sides of its
 *         correlated equalities, the expression becoming the joined column
 *         (COALESCE(…, 0) for a bare count, whose empty group is 0, not NULL).
 * Correlated references inside a subquery are EXPR_OUTER slots whose values
 * come from e->u.sub.outer_exprs; moving a predicate into a join condition
 * substitutes those expressions.  Anything not matching these shapes keeps
 * per-row evaluation (memoised per distinct outer value in expr_eval.c).
 * NOT IN is left alone: its NULL semantics differ from an anti join.
 */
#include "optimizer/optimizer.h"

static bool has_outer(const Expr *e)
{
    if (!e) return false;
    if (e->kind == EXPR_OUTER) return true;
    if (e->kind == EXPR_SUBQUERY) {
        for (int i = 0; i < e->u.sub.nouter; i++)
            if (has_outer(e->u.sub.outer_exprs[i])) return true;
        if (e->nargs && has_outer(e->args[0])) return true;
        return false;
    }
    if (e->kind == EXPR_AGGREF && has_outer(e->u.agg.filter)) return true;
    for (int i = 0; i < e->nargs; i++)
        if (has_outer(e->args[i])) return true;
    return false;
}

/* True when any expression of the plan refers to an enclosing query. */
static bool plan_has_outer(const LogicalOp *op)
{
    switch (op->kind) {
    case LOP_FILTER: if (has_outer(op->u.filter.pred)) return true; break;
    case LOP_PROJECT:
        for (int i = 0; i < op->ncols; i++)
            if (has_outer(op->u.project.exprs[i])) return true;
        break;
    case LOP_JOIN: if (has_outer(op->u.join.cond)) return true; break;
    case LOP_GET: if (has_outer(op->u.get.filter)) return true; break;
    case LOP_AGGREGATE:
        for (int i = 0; i < op->u.agg.ngroups; i++)
            if (has_outer(op->u.agg.groups[i])) return true;
        for (int i = 0; i < op->u.agg.naggs; i++)
            if (has_outer(op->u.agg.aggs[i])) return true;
        break;
    case LOP_ORDER:
        for (int i = 0; i < op->u.order.nkeys; i++)
            if (has_outer(op->u.order.keys[i].expr)) return true;
        break;
    case LOP_LIMIT: if (has_outer(op->u.limit.limit) || has_outer(op->u.limit.offset)) return true; break;
    case LOP_VALUES: return true; /* not worth inspecting */
    case LOP_TABLEFUNC:
        for (int i = 0; i < op->u.tfunc.nargs; i++)
            if (has_outer(op->u.tfunc.args[i])) return true;
        break;
    case LOP_APPLY:
        /* the sub-plan's slots are the apply's own; its outer expressions are this level's */
        for (int i = 0; i < op->u.apply.nouter; i++)
            if (has_outer(op->u.apply.outer_exprs[i])) return true;
        break;
    case LOP_WINDOW: return true;
    default: break;
    }
    for (int i = 0; i < op->nchildren; i++)
        if (plan_has_outer(op->children[i])) return true;
    return false;
}

/* Replaces EXPR_OUTER slots by the enclosing query's expressions. */
static Expr *subst_outer(Arena *a, const Expr *e, Expr **outer)
{
    if (e->kind == EXPR_OUTER) return expr_copy(a, outer[e->u.outer.slot]);
    Expr *c = arena_memdup(a, e, sizeof(Expr));
    if (e->nargs) {
        c->args = arena_alloc(a, sizeof(Expr *) * (size_t)e->nargs);
        for (int i = 0; i < e->nargs; i++) c->args[i] = subst_outer(a, e->args[i], outer);
    }
    if (e->kind == EXPR_SUBQUERY && e->u.sub.nouter) {
        c->u.sub.outer_exprs = arena_alloc(a, sizeof(Expr *) * (size_t)e->u.sub.nouter);
        for (int i = 0; i < e->u.sub.nouter; i++) c->u.sub.outer_exprs[i] = subst_outer(a, e->u.sub.outer_exprs[i], outer);
    }
    return c;
}

typedef struct Conj {
    Expr **items;
    int n, cap;
} Conj;

static void conj_add(Arena *a, Conj *c, Expr *e)
{
    if (!e) return;
    if (e->kind == EXPR_AND) {
        conj_add(a, c, e->args[0]);
        conj_add(a, c, e->args[1]);
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        Expr **n = arena_alloc(a, sizeof(Expr *) * (size_t)c->cap);
        if (c->n) memcpy(n, c->items, sizeof(Expr *) * (size_t)c->n);
        c->items = n;
    }
    c->items[c->n++] = e;
}

static LogicalOp *mk_join(Arena *a, JoinType t, LogicalOp *l, LogicalOp *r, Expr *cond)
{
    LogicalOp *j = lop_new(a, LOP_JOIN, 2);
    j->children[0] = l;
    j->children[1] = r;
    j->u.join.type = t;
    j->u.join.cond = cond;
    if (t == JOIN_SEMI || t == JOIN_ANTI) {
        lop_inherit_cols(a, j, l);
    } else {
        lop_concat_cols(a, j, l, r);
    }
    return j;
}

/* Splits the subquery body below its projection into (rest, correlated
 * predicates).  Returns NULL when the shape does not allow it. */
static LogicalOp *split_body(Arena *a, LogicalOp *body, Conj *corr)
{
    if (body->kind != LOP_FILTER) return plan_has_outer(body) ? NULL : body;
    Conj all = {0};
    conj_add(a, &all, body->u.filter.pred);
    Expr *keep = NULL;
    for (int i = 0; i < all.n; i++) {
        if (has_outer(all.items[i])) conj_add(a, corr, all.items[i]);
        else keep = expr_and(a, keep, all.items[i]);
    }
    LogicalOp *rest = body->children[0];
    if (plan_has_outer(rest)) return NULL;
    if (keep) {
        LogicalOp *f = lop_new(a, LOP_FILTER, 1);
        f->children[0] = rest;
        lop_inherit_cols(a, f, rest);
        f->u.filter.pred = keep;
        rest = f;
    }
    return rest;
}

/* Adds pass-through columns for every binding of `below` to a projection, so
 * join conditions over the subquery's inner columns can see them. */
static LogicalOp *widen_project(Arena *a, LogicalOp *p, LogicalOp *below)
{
    LogicalOp *w = lop_new(a, LOP_PROJECT, 1);
    w->children[0] = below;
    w->u.project.table_index = p->u.project.table_index;
    int n = p->ncols + below->ncols;
    w->ncols = n;
    w->cols = arena_alloc(a, sizeof(ColBinding) * (size_t)(n + 1));
    w->types = arena_alloc(a, sizeof(LType) * (size_t)(n + 1));
    w->u.project.exprs = arena_alloc(a, sizeof(Expr *) * (size_t)(n + 1));
    for (int i = 0; i < p->ncols; i++) {
        w->cols[i] = p->cols[i];
        w->types[i] = p->types[i];
        w->u.project.exprs[i] = p->u.project.exprs[i];
    }
    for (int i = 0; i < below->ncols; i++) {
        w->cols[p->ncols + i] = below->cols[i];
        w->types[p->ncols + i] = below->types[i];
        w->u.project.exprs[p->ncols + i] = expr_colref(a, below->cols[i], below->types[i], 0);
    }
    return w;
}

/* EXISTS / NOT EXISTS / IN → semi or anti join.  Returns the new child or NULL. */
LogicalOp *decorrelate(Arena *a, LogicalOp *op);

static LogicalOp *unnest_filter_conj(Arena *a, LogicalOp *child, Expr *c)
{
    bool negate = false;
    Expr *e = c;
    if (e->kind == EXPR_NOT && e->args[0]->kind == EXPR_SUBQUERY && e->args[0]->u.sub.kind == SUBQ_EXISTS) {
        negate = true;
        e = e->args[0];
    }
    if (e->kind != EXPR_SUBQUERY) return NULL;
    if (e->u.sub.kind == SUBQ_EXISTS) {
        LogicalOp *body = e->u.sub.plan;
        while (body->kind == LOP_PROJECT || body->kind == LOP_ORDER) body = body->children[0];
        Conj corr = {0};
        LogicalOp *rest = split_body(a, body, &corr);
        if (!rest || corr.n == 0) return NULL; /* uncorrelated EXISTS is evaluated once anyway */
        Expr *cond = NULL;
        for (int i = 0; i < corr.n; i++) cond = expr_and(a, cond, subst_outer(a, corr.items[i], e->u.sub.outer_exprs));
        return mk_join(a, negate ? JOIN_ANTI : JOIN_SEMI, child, decorrelate(a, rest), cond);
    }
    /* uncorrelated too: as a semi join the subquery joins the plan (its rows
     * estimated, magic sets can copy it) instead of being a hash set probed
     * from an expression */
    if (e->u.sub.kind == SUBQ_ANY && !strcmp(e->u.sub.cmp->name, "=") && !has_outer(e->args[0])) {
        LogicalOp *p = e->u.sub.plan;
        if (p->kind != LOP_PROJECT) return NULL;
        Conj corr = {0};
        LogicalOp *rest = split_body(a, p->children[0], &corr);
        if (!rest) return NULL;
        for (int i = 0; i < p->ncols; i++)
            if (has_outer(p->u.project.exprs[i])) return NULL;
        /* the subquery's own subqueries: its plan joins this one, where
         * the recursion of decorrelate() has already passed */
        LogicalOp *right = decorrelate(a, widen_project(a, p, rest));
        Expr *eq = expr_new(a, EXPR_FUNC, ltype(TYPE_BOOL), e->location);
        eq->nargs = 2;
        eq->args = arena_alloc(a, sizeof(Expr *) * 2);
        eq->args[0] = e->args[0];
        eq->args[1] = e->args[1];
        eq->u.func.fn = e->u.sub.cmp;
        Expr *cond = eq;
        for (int i = 0; i < corr.n; i++) cond = expr_and(a, cond, subst_outer(a, corr.items[i], e->u.sub.outer_exprs));
        return mk_join(a, JOIN_SEMI, child, right, cond);
    }
    return NULL;
}

static bool is_count(const Expr *agg)
{
    return agg->kind == EXPR_AGGREF && (!strcmp(agg->u.agg.fn->name, "count") || !strcmp(agg->u.agg.fn->name, "count_star"));
}

/* Side of an equality that refers only to the subquery (no EXPR_OUTER). */
static bool split_eq(Expr *c, Expr **inner, int *inner_idx)
{
    if (c->kind != EXPR_FUNC || c->nargs != 2 || strcmp(c->u.func.fn->name, "=")) return false;
    bool o0 = has_outer(c->args[0]), o1 = has_outer(c->args[1]);
    if (o0 == o1) return false;
    *inner_idx = o0 ? 1 : 0;
    *inner = c->args[*inner_idx];
    return true;
}

/* ---- magic sets ------------------------------------------------------------------- */

static Expr **copy_exprs(Arena *a, Expr **es, int n)
{
    if (!es) return NULL;
    Expr **c = arena_alloc(a, sizeof(Expr *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) c[i] = expr_copy(a, es[i]);
    return c;
}

static bool exprs_plain(Expr **es, int n)
{
    for (int i = 0; i < n; i++)
        if (es[i] && (expr_has_subquery(es[i]) || has_outer(es[i]))) return false;
    return true;
}

static bool expr_plain(const Expr *e) { return !e || (!expr_has_subquery(e) && !has_outer(e)); }

/* A deep copy of a plan made of scans, filters, projections, joins and plain
 * aggregates (NULL for anything else, or for subqueries inside).  The copy
 * keeps the column bindings: it is only used where its columns do not reach
 * the rest of the plan (the right side of a semi join). */
static LogicalOp *lop_clone(Arena *a, const LogicalOp *op)
{
    LogicalOp *c = arena_memdup(a, op, sizeof(LogicalOp));
    c->est_rows = -1;
    c->cols = arena_memdup(a, op->cols, sizeof(ColBinding) * (size_t)(op->ncols + 1));
    c->types = arena_memdup(a, op->types, sizeof(LType) * (size_t)(op->ncols + 1));
    switch (op->kind) {
    case LOP_GET:
        if (!expr_plain(op->u.get.filter)) return NULL;
        c->u.get.filter = expr_copy(a, op->u.get.filter);
        if (op->u.get.col_ids) c->u.get.col_ids = arena_memdup(a, op->u.get.col_ids, sizeof(int) * (size_t)(op->ncols + 1));
        break;
    case LOP_FILTER:
        if (!expr_plain(op->u.filter.pred)) return NULL;
        c->u.filter.pred = expr_copy(a, op->u.filter.pred);
        break;
    case LOP_PROJECT:
        if (!exprs_plain(op->u.project.exprs, op->ncols)) return NULL;
        c->u.project.exprs = copy_exprs(a, op->u.project.exprs, op->ncols);
        break;
    case LOP_JOIN:
        if (!expr_plain(op->u.join.cond)) return NULL;
        c->u.join.cond = expr_copy(a, op->u.join.cond);
        break;
    case LOP_AGGREGATE:
        if (op->u.agg.nsets || !exprs_plain(op->u.agg.groups, op->u.agg.ngroups) ||
            !exprs_plain(op->u.agg.aggs, op->u.agg.naggs))
            return NULL;
        c->u.agg.groups = copy_exprs(a, op->u.agg.groups, op->u.agg.ngroups);
        c->u.agg.aggs = copy_exprs(a, op->u.agg.aggs, op->u.agg.naggs);
        break;
    default: return NULL;
    }
    for (int i = 0; i < op->nchildren; i++) {
        c->children[i] = lop_clone(a, op->children[i]);
        if (!c->children[i]) return NULL;
    }
    return c;
}

/* Magic set for a decorrelated aggregate: `rest` (the subquery's rows, to be
 * grouped by the correlation columns) is reduced to the rows whose
 * correlation values occur in the outer query — a semi join with a copy of
 * the outer plan — when the outer side is estimated much smaller, so the
 * aggregate computes only the groups the outer query will look up (TPC-H Q2,
 * Q17, Q20 aggregate all of partsupp or lineitem otherwise).  cond is
 * inner = outer_expr for every correlation.  Returns rest itself when the
 * copy is not possible or not worth it. */
static bool op_has_binding(const LogicalOp *op, ColBinding b)
{
    for (int i = 0; i < op->ncols; i++)
        if (op->cols[i].table == b.table && op->cols[i].column == b.column) return true;
    return false;
}

/* True when e is free of subqueries and every column it reads comes from op. */
static bool reads_only(const Expr *e, const LogicalOp *op)
{
    if (!e) return true;
    if (e->kind == EXPR_SUBQUERY) return false;
    if (e->kind == EXPR_COLREF && (e->u.col.depth != 0 || !op_has_binding(op, e->u.col.binding))) return false;
    for (int i = 0; i < e->nargs; i++)
        if (!reads_only(e->args[i], op)) return false;
    return true;
}

/* The smallest input of the outer plan's inner joins (through filters) that
 * produces every correlation value: its rows' values are a superset of the
 * outer query's, which is all a magic set needs (TPC-H Q17: the filtered
 * part table instead of lineitem joined with it). */
static LogicalOp *magic_source(LogicalOp *op, Expr **outer, int n)
{
    for (;;) {
        LogicalOp *next = NULL;
        if (op->kind == LOP_FILTER) next = op->children[0];
        else if (op->kind == LOP_JOIN && (op->u.join.type == JOIN_INNER || op->u.join.type == JOIN_CROSS))
            for (int c = 0; c < 2 && !next; c++) {
                bool all = true;
                for (int i = 0; i < n && all; i++) all = reads_only(outer[i], op->children[c]);
                if (all) next = op->children[c];
            }
        if (!next) return op;
        bool all = true;
        for (int i = 0; i < n && all; i++) all = reads_only(outer[i], next);
        if (!all) return op;
        op = next;
    }
}

/* The conjuncts of `where` that read only columns of op. */
static Expr *conjuncts_over(Arena *a, Expr *where, const LogicalOp *op)
{
    if (!where) return NULL;
    if (where->kind == EXPR_AND) {
        Expr *r = NULL;
        for (int i = 0; i < where->nargs; i++) r = expr_and(a, r, conjuncts_over(a, where->args[i], op));
        return r;
    }
    return reads_only(where, op) ? expr_copy(a, where) : NULL;
}

static LogicalOp *magic_reduce(Arena *a, LogicalOp *child, Expr *where, LogicalOp *rest, Expr *cond, Expr **outer, int nouter)
{
    LogicalOp *src = magic_source(child, outer, nouter);
    LogicalOp *m = lop_clone(a, src);
    if (!m) return rest;
    /* the outer query's other (subquery-free) WHERE conjuncts over that input */
    Expr *w = src == child ? (where ? expr_copy(a, where) : NULL) : conjuncts_over(a, where, src);
    if (w) {
        LogicalOp *f = lop_new(a, LOP_FILTER, 1);
        f->children[0] = m;
        lop_inherit_cols(a, f, m);
        f->u.filter.pred = w;
        m = f;
    }
    if (!(card_rows(m) * 4 < card_rows(rest))) return rest;
    return mk_join(a, JOIN_SEMI, rest, m, cond);
}

/* Correlated scalar aggregate subquery → LEFT JOIN with a grouped subquery.
 * On success returns the new child and sets *repl to the expression that
 * replaces the subquery. */
static LogicalOp *unnest_scalar(Arena *a, LogicalOp *child, Expr *where, Expr *e, Expr **repl)
{
    if (e->kind != EXPR_SUBQUERY || e->u.sub.kind != SUBQ_SCALAR || e->u.sub.nouter == 0) return NULL;
    LogicalOp *p = e->u.sub.plan;
    if (p->kind != LOP_PROJECT || p->ncols != 1 || p->children[0]->kind != LOP_AGGREGATE) return NULL;
    LogicalOp *ag = p->children[0];
    if (ag->u.agg.ngroups != 0 || ag->u.agg.nsets != 0) return NULL;
    if (has_outer(p->u.project.exprs[0])) return NULL;
    for (int i = 0; i < ag->u.agg.naggs; i++)
        if (has_outer(ag->u.agg.aggs[i])) return NULL;
    Conj corr = {0};
    LogicalOp *rest = split_body(a, ag->children[0], &corr);
    if (!rest || corr.n == 0) return NULL;
    /* every correlated predicate must be inner = outer */
    Expr **groups = arena_alloc(a, sizeof(Expr *) * (size_t)corr.n);
    Expr *cond = NULL, *magic = NULL;
    LogicalOp *nag = lop_new(a, LOP_AGGREGATE, 1);
    u32 gi = 0xFFFF0000u;
    /* a fresh binding table for the group keys: derived from the aggregate's */
    gi = ag->u.agg.group_index;
    for (int i = 0; i < corr.n; i++) {
        Expr *inner;
        int ii;
        if (!split_eq(corr.items[i], &inner, &ii)) return NULL;
        groups[i] = inner;
        magic = expr_and(a, magic, subst_outer(a, corr.items[i], e->u.sub.outer_exprs));
        Expr *eq = subst_outer(a, corr.items[i], e->u.sub.outer_exprs);
        /* the inner side becomes a reference to the group output */
        eq->args[ii] = expr_colref(a, (ColBinding){gi, (u32)i}, inner->type, 0);
        cond = expr_and(a, cond, eq);
    }
    bool outer_plain = true;
    for (int i = 0; i < e->u.sub.nouter; i++) outer_plain = outer_plain && expr_plain(e->u.sub.outer_exprs[i]);
    nag->children[0] = outer_plain ? magic_reduce(a, child, where, rest, magic, e->u.sub.outer_exprs, e->u.sub.nouter) : rest;
    nag->u.agg = ag->u.agg;
    nag->u.agg.ngroups = corr.n;
    nag->u.agg.groups = groups;
    nag->u.agg.group_index = gi;
    int nc = corr.n + ag->u.agg.naggs;
    nag->ncols = nc;
    nag->cols = arena_alloc(a, sizeof(ColBinding) * (size_t)(nc + 1));
    nag->types = arena_alloc(a, sizeof(LType) * (size_t)(nc + 1));
    for (int i = 0; i < corr.n; i++) {
        nag->cols[i] = (ColBinding){gi, (u32)i};
        nag->types[i] = groups[i]->type;
    }
    for (int i = 0; i < ag->u.agg.naggs; i++) {
        nag->cols[corr.n + i] = (ColBinding){ag->u.agg.agg_index, (u32)i};
        nag->types[corr.n + i] = ag->u.agg.aggs[i]->type;
    }
    /* the projection keeps its expression and passes the group keys through */
    LogicalOp *np = widen_project(a, p, nag);
    Expr *val = expr_colref(a, p->cols[0], p->types[0], 0);
    Expr *pe = p->u.project.exprs[0];
    bool bare_count = pe->kind == EXPR_COLREF && pe->u.col.binding.table == ag->u.agg.agg_index &&
                      is_count(ag->u.agg.aggs[pe->u.col.binding.column]);
    if (!bare_count) {
        /* an expression over a count would see NULL instead of 0 for empty groups */
        for (int i = 0; i < ag->u.agg.naggs; i++)
            if (is_count(ag->u.agg.aggs[i])) return NULL;
    } else {
        Expr *co = expr_new(a, EXPR_COALESCE, p->types[0], e->location);
        co->nargs = 2;
        co->args = arena_alloc(a, sizeof(Expr *) * 2);
        co->args[0] = val;
        co->args[1] = expr_const(a, value_int(TYPE_INT64, 0), 0);
        val = co;
    }
    *repl = val;
    return mk_join(a, JOIN_LEFT, child, np, cond);
}

/* Rewrites scalar subqueries inside `e`; may wrap *child in left joins. */
static Expr *unnest_in_expr(Arena *a, LogicalOp **child, Expr *where, Expr *e)
{
    if (!e) return e;
    if (e->kind == EXPR_SUBQUERY) {
        Expr *repl;
        LogicalOp *nc = unnest_scalar(a, *child, where, e, &repl);
        if (nc) {
            *child = nc;
            return repl;
        }
        return e;
    }
    /* CASE branches must not be evaluated eagerly: leave their subqueries alone */
    if (e->kind == EXPR_CASE || e->kind == EXPR_COALESCE) return e;
    for (int i = 0; i < e->nargs; i++) e->args[i] = unnest_in_expr(a, child, where, e->args[i]);
    return e;
}

LogicalOp *decorrelate(Arena *a, LogicalOp *op)
{
    for (int i = 0; i < op->nchildren; i++) op->children[i] = decorrelate(a, op->children[i]);
    if (op->kind == LOP_FILTER) {
        Conj cs = {0};
        conj_add(a, &cs, op->u.filter.pred);
        LogicalOp *child = op->children[0];
        Expr *keep = NULL, *plain = NULL;
        for (int i = 0; i < cs.n; i++)
            if (expr_plain(cs.items[i])) plain = expr_and(a, plain, cs.items[i]);
        for (int i = 0; i < cs.n; i++) {
            LogicalOp *nc = unnest_filter_conj(a, child, cs.items[i]);
            if (nc) {
                child = nc;
                continue;
            }
            keep = expr_and(a, keep, unnest_in_expr(a, &child, plain, cs.items[i]));
        }
        if (!keep) return child;
        op->children[0] = child;
        op->u.filter.pred = keep;
        return op;
    }
    if (op->kind == LOP_PROJECT) {
        LogicalOp *child = op->children[0];
        for (int i = 0; i < op->ncols; i++) op->u.project.exprs[i] = unnest_in_expr(a, &child, NULL, op->u.project.exprs[i]);
        op->children[0] = child;
    }
    return op;
}
