/*
 * src/optimizer/prune.c — projection pushdown into table scans.
 *
 * Collects every column binding that any expression of the plan refers to
 * (plus the root's output), drops the unreferenced columns from each table
 * scan, then recomputes the output column lists of the operators that pass
 * their inputs through (filters, joins, sorts, limits).  Projections,
 * aggregates and the other operators that define their own outputs keep
 * them, so DISTINCT and set operations — which sit above a projection —
 * never see a column set change.
 */
#include <stdlib.h>

#include "optimizer/optimizer.h"

typedef struct Refs {
    ColBinding *b;
    size_t n, cap;
} Refs;

static void add_ref(Refs *r, ColBinding b)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->b[i].table == b.table && r->b[i].column == b.column) return;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->b = xrealloc(r->b, sizeof(ColBinding) * r->cap);
    }
    r->b[r->n++] = b;
}

static bool has_ref(const Refs *r, ColBinding b)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->b[i].table == b.table && r->b[i].column == b.column) return true;
    return false;
}

static void expr_refs(Refs *r, const Expr *e)
{
    if (!e) return;
    if (e->kind == EXPR_COLREF) add_ref(r, e->u.col.binding);
    if (e->kind == EXPR_SUBQUERY) {
        for (int i = 0; i < e->u.sub.nouter; i++) expr_refs(r, e->u.sub.outer_exprs[i]);
        if (e->nargs) expr_refs(r, e->args[0]);
        return;
    }
    if (e->kind == EXPR_AGGREF) expr_refs(r, e->u.agg.filter);
    for (int i = 0; i < e->nargs; i++) expr_refs(r, e->args[i]);
}

static void collect(Refs *r, const LogicalOp *op)
{
    switch (op->kind) {
    case LOP_GET: expr_refs(r, op->u.get.filter); break;
    case LOP_FILTER: expr_refs(r, op->u.filter.pred); break;
    case LOP_PROJECT:
        for (int i = 0; i < op->ncols; i++) expr_refs(r, op->u.project.exprs[i]);
        break;
    case LOP_AGGREGATE:
        for (int i = 0; i < op->u.agg.ngroups; i++) expr_refs(r, op->u.agg.groups[i]);
        for (int i = 0; i < op->u.agg.naggs; i++) expr_refs(r, op->u.agg.aggs[i]);
        break;
    case LOP_JOIN: expr_refs(r, op->u.join.cond); break;
    case LOP_APPLY:
        for (int i = 0; i < op->u.apply.nouter; i++) expr_refs(r, op->u.apply.outer_exprs[i]);
        break;
    case LOP_ORDER:
        for (int i = 0; i < op->u.order.nkeys; i++) expr_refs(r, op->u.order.keys[i].expr);
        break;
    case LOP_DISTINCT:
        for (int i = 0; i < op->u.distinct.non; i++) expr_refs(r, op->u.distinct.on[i]);
        /* plain DISTINCT compares every input column */
        for (int i = 0; i < op->ncols; i++) add_ref(r, op->cols[i]);
        break;
    case LOP_WINDOW:
        for (int i = 0; i < op->u.window.nfuncs; i++) expr_refs(r, op->u.window.funcs[i]);
        for (int d = 0; d < op->u.window.ndefs; d++) {
            WindowDef *w = &op->u.window.defs[d];
            for (int i = 0; i < w->npart; i++) expr_refs(r, w->part[i]);
            for (int i = 0; i < w->norder; i++) expr_refs(r, w->order[i].expr);
            expr_refs(r, w->start_offset);
            expr_refs(r, w->end_offset);
        }
        break;
    case LOP_SETOP:
    case LOP_RECURSIVE:
        /* set operations compare whole rows of their inputs */
        for (int c = 0; c < op->nchildren; c++)
            for (int i = 0; i < op->children[c]->ncols; i++) add_ref(r, op->children[c]->cols[i]);
        break;
    default: break;
    }
    for (int c = 0; c < op->nchildren; c++) collect(r, op->children[c]);
}

static void recompute(Arena *a, LogicalOp *op, const Refs *r)
{
    for (int c = 0; c < op->nchildren; c++) recompute(a, op->children[c], r);
    switch (op->kind) {
    case LOP_GET: {
        int k = 0;
        for (int i = 0; i < op->ncols; i++) {
            /* the row id column of UPDATE/DELETE and referenced columns stay */
            if (op->u.get.col_ids[i] >= 0 && !has_ref(r, op->cols[i])) continue;
            op->cols[k] = op->cols[i];
            op->types[k] = op->types[i];
            op->u.get.col_ids[k] = op->u.get.col_ids[i];
            k++;
        }
        op->ncols = k;
        op->u.get.ncols_scan = k;
        break;
    }
    case LOP_FILTER:
    case LOP_ORDER:
    case LOP_LIMIT:
        lop_inherit_cols(a, op, op->children[0]);
        break;
    case LOP_JOIN: {
        LogicalOp *l = op->children[0], *rr = op->children[1];
        if (op->u.join.type == JOIN_SEMI || op->u.join.type == JOIN_ANTI) {
            lop_inherit_cols(a, op, l);
            break;
        }
        lop_concat_cols(a, op, l, rr);
        break;
    }
    case LOP_APPLY: {
        LogicalOp *l = op->children[0], *sub = op->u.apply.sub;
        lop_concat_cols(a, op, l, sub);
        break;
    }
    case LOP_WINDOW: {
        /* input columns then the window functions' columns */
        LogicalOp *ch = op->children[0];
        int nf = op->u.window.nfuncs;
        ColBinding *cb = arena_alloc(a, sizeof(ColBinding) * (size_t)(ch->ncols + nf + 1));
        LType *ty = arena_alloc(a, sizeof(LType) * (size_t)(ch->ncols + nf + 1));
        memcpy(cb, ch->cols, sizeof(ColBinding) * (size_t)ch->ncols);
        memcpy(ty, ch->types, sizeof(LType) * (size_t)ch->ncols);
        memcpy(cb + ch->ncols, op->cols + (op->ncols - nf), sizeof(ColBinding) * (size_t)nf);
        memcpy(ty + ch->ncols, op->types + (op->ncols - nf), sizeof(LType) * (size_t)nf);
        op->cols = cb;
        op->types = ty;
        op->ncols = ch->ncols + nf;
        break;
    }
    default: break;
    }
}

LogicalOp *prune_columns(Arena *a, LogicalOp *root)
{
    Refs r = {0};
    for (int i = 0; i < root->ncols; i++) add_ref(&r, root->cols[i]);
    collect(&r, root);
    recompute(a, root, &r);
    free(r.b);
    return root;
}
