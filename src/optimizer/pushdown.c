/*
 * src/optimizer/pushdown.c — filter pushdown: splits WHERE/ON predicates into
 * conjuncts and moves each as far down the tree as its columns allow — into
 * the join whose inputs it connects (where it becomes a join condition, so
 * the planner can pick a hash join on equalities) or into a table scan.
 */
#include "optimizer/optimizer.h"

static bool has_binding(const LogicalOp *op, ColBinding b)
{
    for (int i = 0; i < op->ncols; i++)
        if (op->cols[i].table == b.table && op->cols[i].column == b.column) return true;
    return false;
}

/* True when every column the expression references is produced by op. */
static bool covered(const Expr *e, const LogicalOp *op)
{
    if (!e) return true;
    if (e->kind == EXPR_COLREF && e->u.col.depth == 0 && !has_binding(op, e->u.col.binding)) return false;
    if (e->kind == EXPR_SUBQUERY) {
        for (int i = 0; i < e->u.sub.nouter; i++)
            if (!covered(e->u.sub.outer_exprs[i], op)) return false;
        /* args[1] of x IN (subquery) is the subquery's column: its scope */
        return e->nargs == 0 || covered(e->args[0], op);
    }
    for (int i = 0; i < e->nargs; i++)
        if (!covered(e->args[i], op)) return false;
    return true;
}

Expr *factor_or(Arena *a, Expr *e);

static void split(Arena *a, Expr *e, Expr ***list, int *n, int *cap)
{
    if (e->kind == EXPR_OR) e = factor_or(a, e);
    if (e->kind == EXPR_AND) {
        split(a, e->args[0], list, n, cap);
        split(a, e->args[1], list, n, cap);
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

/* ---- factoring conjuncts common to every branch of an OR -------------------- */

static void flatten(Arena *a, Expr *e, ExprKind k, Expr ***list, int *n, int *cap)
{
    if (e->kind == k) {
        flatten(a, e->args[0], k, list, n, cap);
        flatten(a, e->args[1], k, list, n, cap);
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

static Expr *join_list(Arena *a, Expr **items, int n, ExprKind k)
{
    Expr *acc = NULL;
    for (int i = 0; i < n; i++) {
        if (!items[i]) continue;
        if (!acc) { acc = items[i]; continue; }
        Expr *e = expr_new(a, k, ltype(TYPE_BOOL), 0);
        e->nargs = 2;
        e->args = arena_alloc(a, sizeof(Expr *) * 2);
        e->args[0] = acc;
        e->args[1] = items[i];
        acc = e;
    }
    return acc;
}

/* (A AND B) OR (A AND C) → A AND (B OR C), as PostgreSQL's planner does, so a
 * join condition repeated in every branch (TPC-H Q19) can become a hash key. */
Expr *factor_or(Arena *a, Expr *e)
{
    if (!e || e->kind != EXPR_OR) return e;
    Expr **br = NULL;
    int nb = 0, capb = 0;
    flatten(a, e, EXPR_OR, &br, &nb, &capb);
    Expr ***cj = arena_alloc(a, sizeof(Expr **) * (size_t)nb);
    int *ncj = arena_zalloc(a, sizeof(int) * (size_t)nb);
    for (int i = 0; i < nb; i++) {
        int cap = 0;
        cj[i] = NULL;
        flatten(a, br[i], EXPR_AND, &cj[i], &ncj[i], &cap);
    }
    Expr **common = arena_alloc(a, sizeof(Expr *) * (size_t)(ncj[0] + 1));
    int ncommon = 0;
    for (int k = 0; k < ncj[0]; k++) {
        Expr *c = cj[0][k];
        if (expr_has_subquery(c)) continue;
        bool everywhere = true;
        for (int i = 1; i < nb && everywhere; i++) {
            bool found = false;
            for (int m = 0; m < ncj[i] && !found; m++) found = cj[i][m] && expr_equal(cj[i][m], c);
            everywhere = found;
        }
        if (!everywhere) continue;
        common[ncommon++] = c;
        for (int i = 0; i < nb; i++)
            for (int m = 0; m < ncj[i]; m++)
                if (cj[i][m] && expr_equal(cj[i][m], c)) { cj[i][m] = NULL; break; }
    }
    if (ncommon == 0) return e;
    Expr **rest = arena_alloc(a, sizeof(Expr *) * (size_t)nb);
    bool any_empty = false;
    for (int i = 0; i < nb; i++) {
        rest[i] = join_list(a, cj[i], ncj[i], EXPR_AND);
        any_empty |= rest[i] == NULL;
    }
    /* a branch left with nothing is TRUE, and so is the whole OR */
    Expr *ors = any_empty ? NULL : join_list(a, rest, nb, EXPR_OR);
    Expr *out = join_list(a, common, ncommon, EXPR_AND);
    if (ors) {
        Expr *both[2] = {out, ors};
        out = join_list(a, both, 2, EXPR_AND);
    }
    return out;
}

static LogicalOp *push(Arena *a, LogicalOp *op, Expr *pred);

static LogicalOp *add_filter(Arena *a, LogicalOp *op, Expr *pred)
{
    if (!pred) return op;
    LogicalOp *f = lop_new(a, LOP_FILTER, 1);
    f->children[0] = op;
    lop_inherit_cols(a, f, op);
    f->u.filter.pred = pred;
    return f;
}

/* True when every column e references comes from x or y. */
static bool covered2(const Expr *e, const LogicalOp *x, const LogicalOp *y)
{
    if (!e) return true;
    if (e->kind == EXPR_COLREF && e->u.col.depth == 0 && !has_binding(x, e->u.col.binding) && !has_binding(y, e->u.col.binding))
        return false;
    if (e->kind == EXPR_SUBQUERY) return false;
    for (int i = 0; i < e->nargs; i++)
        if (!covered2(e->args[i], x, y)) return false;
    return true;
}

/* A semi or anti join filters the rows of its left input by their own
 * columns, so it can move below an inner join onto the input that has the
 * columns its condition reads (x IN (subquery) from decorrelation lands on
 * top of the whole FROM clause; TPC-H Q18's belongs on orders, before the
 * 6M-row join with lineitem). */
static bool only_equalities(const Expr *e)
{
    if (!e) return true;
    if (e->kind == EXPR_AND) return only_equalities(e->args[0]) && only_equalities(e->args[1]);
    return e->kind == EXPR_FUNC && e->nargs == 2 && e->u.func.fn && !strcmp(e->u.func.fn->name, "=");
}

static LogicalOp *sink_semi(Arena *a, LogicalOp *op)
{
    LogicalOp *l = op->children[0];
    /* only pure key lookups move: a semi join with a residual (TPC-H Q21's
     * l_suppkey <> l1.l_suppkey) walks whole key chains per row and is best
     * left where the other joins have already reduced its input */
    if (!only_equalities(op->u.join.cond)) return op;
    if (l->kind != LOP_JOIN || (l->u.join.type != JOIN_INNER && l->u.join.type != JOIN_CROSS)) return op;
    for (int k = 0; k < 2; k++) {
        LogicalOp *side = l->children[k];
        if (!covered2(op->u.join.cond, side, op->children[1])) continue;
        /* the semi join keeps exactly its left input's columns: l's stay the same */
        LogicalOp *s = lop_new(a, LOP_JOIN, 2);
        *s = *op;
        s->children[0] = side;
        lop_inherit_cols(a, s, side);
        s->est_rows = -1;
        l->children[k] = sink_semi(a, s);
        return l;
    }
    return op;
}

/* Pushes `pred` (may be NULL) into op; returns the rewritten op. */
static LogicalOp *push(Arena *a, LogicalOp *op, Expr *pred)
{
    Expr **cs = NULL;
    int n = 0, cap = 0;
    if (pred) split(a, pred, &cs, &n, &cap);
    switch (op->kind) {
    case LOP_FILTER: {
        split(a, op->u.filter.pred, &cs, &n, &cap);
        Expr *all = NULL;
        for (int i = 0; i < n; i++) all = expr_and(a, all, cs[i]);
        return push(a, op->children[0], all);
    }
    case LOP_JOIN: {
        JoinType t = op->u.join.type;
        if (t == JOIN_INNER || t == JOIN_CROSS) {
            if (op->u.join.cond) split(a, op->u.join.cond, &cs, &n, &cap);
            Expr *l = NULL, *r = NULL, *j = NULL;
            for (int i = 0; i < n; i++) {
                /* subquery predicates move down too (TPC-H Q18's IN filters
                 * orders before the join); the scan keeps them in a filter */
                if (covered(cs[i], op->children[0])) l = expr_and(a, l, cs[i]);
                else if (covered(cs[i], op->children[1])) r = expr_and(a, r, cs[i]);
                else j = expr_and(a, j, cs[i]);
            }
            op->children[0] = push(a, op->children[0], l);
            op->children[1] = push(a, op->children[1], r);
            op->u.join.cond = j;
            op->u.join.type = j ? JOIN_INNER : JOIN_CROSS;
            return op;
        }
        /* outer, semi and anti joins: only predicates on the preserved side move below */
        Expr *keep = NULL, *l = NULL;
        for (int i = 0; i < n; i++) {
            if ((t == JOIN_LEFT || t == JOIN_SEMI || t == JOIN_ANTI) && !expr_has_subquery(cs[i]) && covered(cs[i], op->children[0]))
                l = expr_and(a, l, cs[i]);
            else keep = expr_and(a, keep, cs[i]);
        }
        /* conjuncts of a LEFT/SEMI/ANTI join's own condition that read only
         * the right input filter that input (TPC-H Q13's o_comment NOT LIKE
         * in the ON clause filters orders, not the joined pairs) */
        Expr *r = NULL;
        if ((t == JOIN_LEFT || t == JOIN_SEMI || t == JOIN_ANTI) && op->u.join.cond) {
            Expr **jc = NULL;
            int jn = 0, jcap = 0;
            split(a, op->u.join.cond, &jc, &jn, &jcap);
            Expr *stay = NULL;
            for (int i = 0; i < jn; i++) {
                if (!expr_has_subquery(jc[i]) && covered(jc[i], op->children[1]) && !covered(jc[i], op->children[0]))
                    r = expr_and(a, r, jc[i]);
                else stay = expr_and(a, stay, jc[i]);
            }
            op->u.join.cond = stay;
        }
        op->children[0] = push(a, op->children[0], l);
        op->children[1] = push(a, op->children[1], r);
        if (t == JOIN_SEMI || t == JOIN_ANTI) return add_filter(a, sink_semi(a, op), keep);
        return add_filter(a, op, keep);
    }
    case LOP_GET: {
        Expr *keep = NULL, *scan = op->u.get.filter;
        for (int i = 0; i < n; i++) {
            if (!expr_has_subquery(cs[i])) scan = expr_and(a, scan, cs[i]);
            else keep = expr_and(a, keep, cs[i]);
        }
        op->u.get.filter = scan;
        return add_filter(a, op, keep);
    }
    default: {
        for (int c = 0; c < op->nchildren; c++) op->children[c] = push(a, op->children[c], NULL);
        Expr *all = NULL;
        for (int i = 0; i < n; i++) all = expr_and(a, all, cs[i]);
        return add_filter(a, op, all);
    }
    }
}

LogicalOp *join_order(Arena *a, LogicalOp *op);
LogicalOp *fold_plan(Arena *a, LogicalOp *op);
LogicalOp *decorrelate(Arena *a, LogicalOp *op);
LogicalOp *prune_columns(Arena *a, LogicalOp *root);

static void optimize_subqueries_expr(Arena *a, Expr *e)
{
    if (!e) return;
    if (e->kind == EXPR_SUBQUERY) {
        e->u.sub.plan = optimize(a, e->u.sub.plan);
        for (int i = 0; i < e->u.sub.nouter; i++) optimize_subqueries_expr(a, e->u.sub.outer_exprs[i]);
        if (e->nargs) optimize_subqueries_expr(a, e->args[0]);
        return;
    }
    if (e->kind == EXPR_AGGREF) optimize_subqueries_expr(a, e->u.agg.filter);
    for (int i = 0; i < e->nargs; i++) optimize_subqueries_expr(a, e->args[i]);
}

/* Optimises the plans of subqueries that stayed expressions. */
static void optimize_subqueries(Arena *a, LogicalOp *op)
{
    for (int i = 0; i < op->nchildren; i++) optimize_subqueries(a, op->children[i]);
    switch (op->kind) {
    case LOP_FILTER: optimize_subqueries_expr(a, op->u.filter.pred); break;
    case LOP_PROJECT:
        for (int i = 0; i < op->ncols; i++) optimize_subqueries_expr(a, op->u.project.exprs[i]);
        break;
    case LOP_JOIN: optimize_subqueries_expr(a, op->u.join.cond); break;
    case LOP_GET: optimize_subqueries_expr(a, op->u.get.filter); break;
    case LOP_APPLY:
        op->u.apply.sub = optimize(a, op->u.apply.sub);
        for (int i = 0; i < op->u.apply.nouter; i++) optimize_subqueries_expr(a, op->u.apply.outer_exprs[i]);
        break;
    case LOP_AGGREGATE:
        for (int i = 0; i < op->u.agg.ngroups; i++) optimize_subqueries_expr(a, op->u.agg.groups[i]);
        for (int i = 0; i < op->u.agg.naggs; i++) optimize_subqueries_expr(a, op->u.agg.aggs[i]);
        break;
    case LOP_VALUES:
        for (int r = 0; r < op->u.values.nrows; r++)
            for (int c = 0; c < op->ncols; c++) optimize_subqueries_expr(a, op->u.values.rows[r][c]);
        break;
    default: break;
    }
}

LogicalOp *optimize(Arena *a, LogicalOp *root)
{
    root = fold_plan(a, root);
    root = decorrelate(a, root);
    /* once before join ordering too: decorrelation leaves the WHERE clause
     * above the semi/anti joins it makes, out of the join region's reach */
    root = push(a, root, NULL);
    root = join_order(a, root);
    root = push(a, root, NULL);
    optimize_subqueries(a, root);
    root = prune_columns(a, root);
    card_annotate(root);
    return root;
}
