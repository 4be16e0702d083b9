/*
 * src/exec/ops_index.c — Index Scan: reads the rows of a table through one of
 * the indexes its tier keeps (src/storage/tableam.h: index_info, iscan_*),
 * for predicates on the leading index columns: equality on a prefix of the
 * key columns, then optionally a range (<, <=, >, >=, BETWEEN) on the next.
 *
 * The planner offers a scan with its pushed-down filter to
 * phys_index_scan_try, which picks the index whose usable prefix is longest
 * and returns NULL when none applies or the estimate says a sequential scan
 * is cheaper.  The bounds are expressions without column references
 * (constants, $n parameters), evaluated when the scan starts, so a prepared
 * `WHERE pk = $1` uses the index for every execution.  The whole filter is
 * still applied to the rows the index returns: the index narrows, the filter
 * decides (which also covers casts, NULL semantics and the index entries of
 * versions the tier left behind).  One worker; rows come in index key order.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec/operators.h"

typedef struct IScanInfo {
    TableDef *table;
    int index;
    int *col_ids;
    int n;
    Expr *filter;
    int neq;
    Expr **eq;        /* neq bound expressions for the leading key columns */
    Expr *lo, *hi;    /* range on key column neq (NULL = unbounded) */
    bool lo_incl, hi_incl;
} IScanInfo;

typedef struct IScanState {
    void *scan; /* the tier's scan (NULL until started) */
    TableStore *st;
    Arena *arena;
    ExprCtx ec;
    u32 sel[VECTOR_SIZE];
} IScanState;

static void iscan_close(void *p)
{
    IScanState *s = p;
    if (s->scan) s->st->am->iscan_end(s->scan);
    s->scan = NULL;
}

static void *iscan_init(Exec *ex, PhysOp *op)
{
    IScanInfo *ii = op->info;
    IScanState *s = arena_zalloc(ex->arena, sizeof *s);
    s->st = ii->table->store;
    s->arena = exec_local_arena(ex);
    exprctx_init(&s->ec, ex, s->arena);
    Value *eq = arena_alloc(ex->arena, sizeof(Value) * (size_t)(ii->neq + 1));
    Value lo, hi;
    int rc = MDB_OK_;
    for (int k = 0; k < ii->neq && !rc; k++) rc = expr_eval_const(&s->ec, ii->eq[k], &eq[k]);
    if (!rc && ii->lo) rc = expr_eval_const(&s->ec, ii->lo, &lo);
    if (!rc && ii->hi) rc = expr_eval_const(&s->ec, ii->hi, &hi);
    if (rc) return s; /* the error is the execution's; src_next sees s->scan == NULL */
    Err er = {0};
    s->scan = s->st->am->iscan_begin(s->st, ii->index, eq, ii->neq, ii->lo ? &lo : NULL, ii->lo_incl, ii->hi ? &hi : NULL, ii->hi_incl, &er);
    if (!s->scan) exec_fail(ex, &er);
    else exec_defer(ex, iscan_close, s);
    return s;
}

static int iscan_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    (void)l;
    IScanInfo *ii = op->info;
    IScanState *s = g;
    if (!s->scan) {
        out->count = 0;
        return atomic_load(&ex->failed) ? MDB_FAIL : MDB_OK_;
    }
    for (;;) {
        Err er = {0};
        if (s->st->am->iscan_next(s->scan, ex->txn, ii->col_ids, ii->n, out, &er)) {
            exec_fail(ex, &er);
            return MDB_FAIL;
        }
        if (out->count == 0 || !ii->filter) return MDB_OK_;
        arena_reset(s->arena);
        idx_t m;
        if (expr_select(&s->ec, ii->filter, out, s->sel, &m)) return MDB_FAIL;
        if (m == 0) {
            chunk_reset(out);
            continue;
        }
        if (m < out->count) chunk_select(out, s->sel, m);
        return MDB_OK_;
    }
}

static const OpVT ISCAN_VT = {.name = "Index Scan", .src_init = iscan_init, .src_next = iscan_next};

/* ---- choosing an index --------------------------------------------------------------------- */

/* A bound must not depend on the row: constants, parameters and immutable functions of them. */
static bool row_independent(const Expr *e)
{
    switch (e->kind) {
    case EXPR_CONST:
    case EXPR_PARAM: return true;
    case EXPR_CAST: return row_independent(e->args[0]);
    case EXPR_FUNC:
        if (e->u.func.fn->flags & FUNC_VOLATILE) return false;
        for (int i = 0; i < e->nargs; i++)
            if (!row_independent(e->args[i])) return false;
        return true;
    default: return false;
    }
}

/* The key encoding orders values of the column's own type: the bound must have it. */
static bool same_key_type(LType col, LType v)
{
    if (col.id != v.id) return false;
    if (col.id == TYPE_NUMERIC) return col.mod2 == v.mod2;
    return true;
}

typedef struct Cmp {
    int tcol;   /* table column */
    int op;     /* 0 '=', 1 '<', 2 '<=', 3 '>', 4 '>=' */
    Expr *bound;
} Cmp;

static int op_code(const char *name, bool flip)
{
    static const char *ops[] = {"=", "<", "<=", ">", ">="};
    static const int flipped[] = {0, 3, 4, 1, 2};
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, ops[i])) return flip ? flipped[i] : i;
    return -1;
}

static void collect(Expr *e, const int *col_ids, int n, Cmp *out, int *nout, int cap)
{
    if (!e || *nout >= cap) return;
    if (e->kind == EXPR_AND) {
        for (int i = 0; i < e->nargs; i++) collect(e->args[i], col_ids, n, out, nout, cap);
        return;
    }
    if (e->kind != EXPR_FUNC || e->nargs != 2 || !e->u.func.fn || !e->u.func.fn->name) return;
    for (int side = 0; side < 2; side++) {
        Expr *c = e->args[side], *b = e->args[1 - side];
        if (c->kind != EXPR_COLREF || c->u.col.index < 0 || c->u.col.index >= n) continue;
        int tcol = col_ids[c->u.col.index];
        if (tcol < 0 || !row_independent(b) || !same_key_type(c->type, b->type)) continue;
        int op = op_code(e->u.func.fn->name, side == 1);
        if (op < 0) continue;
        out[(*nout)++] = (Cmp){tcol, op, b};
        return;
    }
}

PhysOp *phys_index_scan_try(Arena *a, TableDef *t, const int *col_ids, int n, const LType *types, Expr *filter, double est_rows)
{
    int nix = tableam_index_count(t->store);
    if (!filter || !nix || !t->store->am->iscan_begin) return NULL;
    Cmp cmps[32];
    int ncmp = 0;
    collect(filter, col_ids, n, cmps, &ncmp, 32);
    if (!ncmp) return NULL;
    int best = -1, best_neq = 0;
    bool best_range = false, best_point = false;
    for (int i = 0; i < nix; i++) {
        TableIndexInfo info;
        if (!tableam_index_info(t->store, i, &info)) continue;
        int neq = 0;
        while (neq < info.ncols) {
            bool found = false;
            for (int k = 0; k < ncmp && !found; k++) found = cmps[k].tcol == info.cols[neq] && cmps[k].op == 0;
            if (!found) break;
            neq++;
        }
        bool range = false;
        if (neq < info.ncols)
            for (int k = 0; k < ncmp; k++) range |= cmps[k].tcol == info.cols[neq] && cmps[k].op != 0;
        if (!neq && !range) continue;
        bool point = info.unique && neq == info.ncols;
        /* prefer a unique point lookup, then the longest equality prefix, then a range */
        bool better = best < 0 || (point && !best_point) ||
                      (point == best_point && (neq > best_neq || (neq == best_neq && range && !best_range)));
        if (better) {
            best = i;
            best_neq = neq;
            best_range = range;
            best_point = point;
        }
    }
    if (best < 0) return NULL;
    /* cost: a sequential scan reads every row; the index costs a few page visits per row
     * it returns (the entry, then the row by its id) plus the descent.  A unique point
     * lookup is always taken: a tier without garbage collection keeps every old version,
     * so a scan of a table with few live rows (pgbench_branches) grows with every UPDATE
     * while the lookup stays one descent, and a prepared plan chosen while the table was
     * small would keep scanning it. */
    double table_rows = (double)tableam_live_rows(t->store);
    double rows = best_point ? 1 : MDB_MAX(est_rows, 1);
    if (!best_point && rows * 4 + 10 >= table_rows) return NULL;
    TableIndexInfo info;
    tableam_index_info(t->store, best, &info);
    IScanInfo *ii = arena_zalloc(a, sizeof *ii);
    ii->table = t;
    ii->index = best;
    ii->col_ids = arena_memdup(a, col_ids, sizeof(int) * (size_t)(n + 1));
    ii->n = n;
    ii->filter = filter;
    ii->neq = best_neq;
    ii->eq = arena_zalloc(a, sizeof(Expr *) * (size_t)(best_neq + 1));
    for (int k = 0; k < best_neq; k++)
        for (int q = 0; q < ncmp && !ii->eq[k]; q++)
            if (cmps[q].tcol == info.cols[k] && cmps[q].op == 0) ii->eq[k] = cmps[q].bound;
    if (best_range) {
        /* one lower and one upper bound (the filter re-checks any others) */
        for (int q = 0; q < ncmp; q++) {
            if (cmps[q].tcol != info.cols[best_neq]) continue;
            int op = cmps[q].op;
            if ((op == 3 || op == 4) && !ii->lo) {
                ii->lo = cmps[q].bound;
                ii->lo_incl = op == 4;
            } else if ((op == 1 || op == 2) && !ii->hi) {
                ii->hi = cmps[q].bound;
                ii->hi_incl = op == 2;
            }
        }
    }
    PhysOp *op = physop_new(a, &ISCAN_VT, 0, types, n);
    op->info = ii;
    op->explain = arena_printf(a, "using %s on %s", info.name, t->name);
    return op;
}
