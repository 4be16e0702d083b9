/*
 * src/optimizer/join_order.c — greedy join ordering for regions of inner
 * joins, from cardinality estimates.
 *
 * A region is a tree of INNER/CROSS joins (with the filters above it); its
 * leaves are any other operators.  Every leaf gets an estimate (table rows
 * times the selectivity of the predicates on it alone); the region is rebuilt
 * left-deep, starting from the smallest leaf and adding, at each step, the
 * smallest leaf connected to what was joined so far by a predicate — a cross
 * product only when nothing is connected.  The predicates go into one filter
 * on top, and filter pushdown (pushdown.c) then places each at the lowest
 * join that has all its columns, turning equalities into hash-join keys.
 * Plans refer to columns by binding, so the new order needs no rewriting.
 */
#include <stdatomic.h>

#include "optimizer/optimizer.h"

#define MAX_LEAVES 64

typedef struct Region {
    LogicalOp *leaves[MAX_LEAVES];
    int nleaves;
    Expr **preds;
    int npreds, cap;
    bool overflow;
} Region;

Expr *factor_or(Arena *a, Expr *e);

static void add_pred(Arena *a, Region *r, Expr *e)
{
    if (!e) return;
    if (e->kind == EXPR_OR) e = factor_or(a, e);
    if (e->kind == EXPR_AND) {
        add_pred(a, r, e->args[0]);
        add_pred(a, r, e->args[1]);
        return;
    }
    if (r->npreds == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        Expr **n = arena_alloc(a, sizeof(Expr *) * (size_t)r->cap);
        if (r->npreds) memcpy(n, r->preds, sizeof(Expr *) * (size_t)r->npreds);
        r->preds = n;
    }
    r->preds[r->npreds++] = e;
}

static bool is_inner(const LogicalOp *op)
{
    return op->kind == LOP_JOIN && (op->u.join.type == JOIN_INNER || op->u.join.type == JOIN_CROSS);
}

static void collect(Arena *a, Region *r, LogicalOp *op)
{
    if (is_inner(op)) {
        add_pred(a, r, op->u.join.cond);
        collect(a, r, op->children[0]);
        collect(a, r, op->children[1]);
        return;
    }
    if (op->kind == LOP_FILTER && is_inner(op->children[0])) {
        add_pred(a, r, op->u.filter.pred);
        collect(a, r, op->children[0]);
        return;
    }
    if (r->nleaves == MAX_LEAVES) {
        r->overflow = true;
        return;
    }
    r->leaves[r->nleaves++] = op;
}

static bool produces(const LogicalOp *op, ColBinding b)
{
    for (int i = 0; i < op->ncols; i++)
        if (op->cols[i].table == b.table && op->cols[i].column == b.column) return true;
    return false;
}

/* Bitmask of the leaves an expression references (bit 63: something else). */
static u64 leaves_of(const Region *r, const Expr *e)
{
    u64 m = 0;
    if (e->kind == EXPR_COLREF && e->u.col.depth == 0) {
        for (int i = 0; i < r->nleaves; i++)
            if (produces(r->leaves[i], e->u.col.binding)) return (u64)1 << i;
        return 0;
    }
    if (e->kind == EXPR_SUBQUERY) {
        for (int i = 0; i < e->u.sub.nouter; i++) m |= leaves_of(r, e->u.sub.outer_exprs[i]);
        if (e->nargs) m |= leaves_of(r, e->args[0]);
        return m;
    }
    for (int i = 0; i < e->nargs; i++) m |= leaves_of(r, e->args[i]);
    return m;
}

static double base_rows(const LogicalOp *op)
{
    if (op->est_rows >= 0) return op->est_rows;
    if (op->kind == LOP_GET) {
        i64 n = atomic_load(&op->u.get.table->mem->live_estimate);
        return n > 0 ? (double)n : 1;
    }
    return 1000;
}

static bool is_eq(const Expr *e)
{
    return e->kind == EXPR_FUNC && e->nargs == 2 && e->u.func.fn && !strcmp(e->u.func.fn->name, "=");
}

LogicalOp *join_order(Arena *a, LogicalOp *op);

static LogicalOp *reorder_region(Arena *a, LogicalOp *top)
{
    Region r;
    memset(&r, 0, sizeof(r));
    collect(a, &r, top);
    if (r.overflow || r.nleaves < 2) return top;
    for (int i = 0; i < r.nleaves; i++) r.leaves[i] = join_order(a, r.leaves[i]);
    u64 *pm = arena_alloc(a, sizeof(u64) * (size_t)(r.npreds + 1));
    double est[MAX_LEAVES];
    for (int i = 0; i < r.nleaves; i++) est[i] = base_rows(r.leaves[i]);
    for (int p = 0; p < r.npreds; p++) {
        pm[p] = leaves_of(&r, r.preds[p]);
        if (__builtin_popcountll(pm[p]) == 1) {
            int i = __builtin_ctzll(pm[p]);
            est[i] *= is_eq(r.preds[p]) ? 0.1 : 0.33;
        }
    }
    for (int i = 0; i < r.nleaves; i++) {
        if (est[i] < 1) est[i] = 1;
        r.leaves[i]->est_rows = est[i];
    }
    /* greedy left-deep order */
    u64 used = 0;
    int first = 0;
    for (int i = 1; i < r.nleaves; i++)
        if (est[i] < est[first]) first = i;
    used |= (u64)1 << first;
    LogicalOp *cur = r.leaves[first];
    double cur_rows = est[first];
    for (int step = 1; step < r.nleaves; step++) {
        int best = -1;
        bool best_conn = false;
        for (int i = 0; i < r.nleaves; i++) {
            if (used & ((u64)1 << i)) continue;
            bool conn = false;
            u64 with = used | ((u64)1 << i);
            for (int p = 0; p < r.npreds && !conn; p++)
                conn = (pm[p] & ((u64)1 << i)) && (pm[p] & used) && (pm[p] & ~with) == 0;
            if (best < 0 || (conn && !best_conn) || (conn == best_conn && est[i] < est[best])) {
                best = i;
                best_conn = conn;
            }
        }
        LogicalOp *j = lop_new(a, LOP_JOIN, 2);
        /* the planner builds the hash table on the right input: make it the smaller */
        LogicalOp *lhs = cur, *rhs = r.leaves[best];
        if (est[best] > cur_rows) {
            lhs = r.leaves[best];
            rhs = cur;
        }
        j->children[0] = lhs;
        j->children[1] = rhs;
        j->u.join.type = JOIN_CROSS;
        lop_concat_cols(a, j, lhs, rhs);
        /* an equality join keeps the larger side's size; a cross product multiplies */
        cur_rows = best_conn ? (cur_rows > est[best] ? cur_rows : est[best]) : cur_rows * est[best];
        j->est_rows = cur_rows;
        used |= (u64)1 << best;
        cur = j;
    }
    Expr *all = NULL;
    for (int p = 0; p < r.npreds; p++) all = expr_and(a, all, r.preds[p]);
    if (!all) return cur;
    LogicalOp *f = lop_new(a, LOP_FILTER, 1);
    f->children[0] = cur;
    lop_inherit_cols(a, f, cur);
    f->u.filter.pred = all;
    f->est_rows = cur_rows;
    return f;
}

LogicalOp *join_order(Arena *a, LogicalOp *op)
{
    if (is_inner(op) || (op->kind == LOP_FILTER && is_inner(op->children[0]))) return reorder_region(a, op);
    for (int i = 0; i < op->nchildren; i++) op->children[i] = join_order(a, op->children[i]);
    return op;
}
