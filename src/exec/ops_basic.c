#define _GNU_SOURCE
/*
 * src/exec/ops_basic.c — scan, values, filter, projection, limit, sort,
 * distinct, set operations, set-returning functions (Function Scan and
 * ProjectSet) and CTE scans.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec/keys.h"
#include "exec/operators.h"
#include "types/numeric.h"

static int op_fail(Exec *ex, Err *e)
{
    exec_fail(ex, e);
    return MDB_FAIL;
}

typedef struct OpLocal {
    Arena *arena;
    ExprCtx ec;
} OpLocal;

static OpLocal *new_local(Exec *ex)
{
    /* lives in the execution arena; the scratch arena is freed with it */
    OpLocal *l = arena_zalloc(ex->arena, sizeof(OpLocal));
    l->arena = exec_local_arena(ex);
    exprctx_init(&l->ec, ex, l->arena);
    return l;
}

static void *generic_local(Exec *ex, PhysOp *op) { return new_local(ex); }

/* ---- table scan ----------------------------------------------------------------------- */

typedef struct ScanInfo {
    TableDef *table;
    int *col_ids;
    int n;
    Expr *filter;
} ScanInfo;

typedef struct ScanLocal {
    void *tl;             /* the tier's scan state of this thread */
    OpLocal *ol;
    Expr *filter;         /* for scan_select, called back by the tier */
    u32 sel[VECTOR_SIZE];
} ScanLocal;

static void *scan_init(Exec *ex, PhysOp *op)
{
    ScanInfo *si = op->info;
    TableScan *s = arena_zalloc(ex->arena, sizeof(TableScan));
    tableam_scan_begin(s, si->table->store, ex->arena, false);
    return s;
}

typedef struct ScanEnd {
    TableScan *s;
    void *l;
} ScanEnd;
static void scan_local_end(void *p)
{
    ScanEnd *e = p;
    tableam_scan_local_end(e->s, e->l);
}

static void *scan_local(Exec *ex, PhysOp *op, void *g)
{
    ScanLocal *l = arena_zalloc(ex->arena, sizeof(ScanLocal));
    l->ol = new_local(ex);
    l->tl = tableam_scan_local(g, ex->arena);
    if (((TableScan *)g)->st->am->scan_local_end) {
        /* tiers holding resources per thread (OLTP cursors) release them with the query */
        ScanEnd *e = arena_zalloc(ex->arena, sizeof(ScanEnd));
        e->s = g;
        e->l = l->tl;
        exec_defer(ex, scan_local_end, e);
    }
    return l;
}

static int scan_threads(Exec *ex, PhysOp *op, void *g) { return (int)MDB_MAX(1, tableam_scan_morsels(g)); }

static int scan_select(void *ctx, DataChunk *chunk, u32 *sel, idx_t *m)
{
    ScanLocal *l = ctx;
    arena_reset(l->ol->arena);
    return expr_select(&l->ol->ec, l->filter, chunk, sel, m);
}

static int scan_next(Exec *ex, PhysOp *op, void *g, void *lp, DataChunk *out)
{
    ScanInfo *si = op->info;
    ScanLocal *l = lp;
    if (si->filter && tableam_scan_filters(g)) {
        /* the tier applies the filter before copying rows out */
        Err er = {0};
        l->filter = si->filter;
        ScanFilter f = {scan_select, l};
        if (tableam_scan_next_filter(g, l->tl, ex->txn, si->col_ids, si->n, out, &f, &er)) {
            if (er.is_set) exec_fail(ex, &er);
            return MDB_FAIL;
        }
        return MDB_OK_;
    }
    for (;;) {
        Err er = {0};
        if (tableam_scan_next(g, l->tl, ex->txn, si->col_ids, si->n, out, &er)) {
            exec_fail(ex, &er);
            return MDB_FAIL;
        }
        if (out->count == 0 || !si->filter) return MDB_OK_;
        arena_reset(l->ol->arena);
        idx_t m;
        if (expr_select(&l->ol->ec, si->filter, out, l->sel, &m)) return MDB_FAIL;
        if (m == 0) { chunk_reset(out); continue; }
        if (m < out->count) chunk_select(out, l->sel, m);
        return MDB_OK_;
    }
}

static const OpVT SCAN_VT = {.name = "Seq Scan", .src_init = scan_init, .src_local = scan_local, .src_next = scan_next, .src_threads = scan_threads};

PhysOp *phys_scan(Arena *a, TableDef *t, const int *col_ids, int n, const LType *types, Expr *filter)
{
    PhysOp *op = physop_new(a, &SCAN_VT, 0, types, n);
    ScanInfo *si = arena_zalloc(a, sizeof(ScanInfo));
    si->table = t;
    si->col_ids = arena_memdup(a, col_ids, sizeof(int) * (size_t)(n + 1));
    si->n = n;
    si->filter = filter;
    op->info = si;
    op->explain = arena_printf(a, "on %s", t->name);
    return op;
}

/* ---- dummy (one empty row) and VALUES --------------------------------------------------- */

typedef struct Once {
    _Atomic int done;
} Once;

static void *once_init(Exec *ex, PhysOp *op) { return arena_zalloc(ex->arena, sizeof(Once)); }

static int dummy_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    Once *o = g;
    if (atomic_exchange(&o->done, 1) == 0) out->count = 1;
    return MDB_OK_;
}

static const OpVT DUMMY_VT = {.name = "Result", .src_init = once_init, .src_next = dummy_next};

PhysOp *phys_dummy(Arena *a) { return physop_new(a, &DUMMY_VT, 0, NULL, 0); }

typedef struct ValuesInfo {
    Expr ***rows;
    int nrows;
} ValuesInfo;

typedef struct ValuesState {
    int next;
} ValuesState;

static void *values_init(Exec *ex, PhysOp *op) { return arena_zalloc(ex->arena, sizeof(ValuesState)); }

static int values_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    ValuesInfo *vi = op->info;
    ValuesState *st = g;
    OpLocal *ol = l;
    while (st->next < vi->nrows && out->count < VECTOR_SIZE) {
        Expr **row = vi->rows[st->next++];
        arena_reset(ol->arena);
        for (int c = 0; c < op->ncols; c++) {
            Value v;
            if (!row[c]) v = value_null();
            else if (expr_eval_const(&ol->ec, row[c], &v)) return MDB_FAIL;
            vector_set(&out->cols[c], out->count, &v);
        }
        out->count++;
    }
    return MDB_OK_;
}

static void *values_local(Exec *ex, PhysOp *op, void *g) { return new_local(ex); }

static const OpVT VALUES_VT = {.name = "Values Scan", .src_init = values_init, .src_local = values_local, .src_next = values_next};

PhysOp *phys_values(Arena *a, Expr ***rows, int nrows, int ncols, const LType *types)
{
    PhysOp *op = physop_new(a, &VALUES_VT, 0, types, ncols);
    ValuesInfo *vi = arena_zalloc(a, sizeof(ValuesInfo));
    vi->rows = rows;
    vi->nrows = nrows;
    op->info = vi;
    return op;
}

/* ---- filter and projection --------------------------------------------------------------- */

static int filter_exec(Exec *ex, PhysOp *op, void *lp, DataChunk *in, DataChunk *out, int *state)
{
    OpLocal *l = lp;
    arena_reset(l->arena);
    u32 *sel = arena_alloc(l->arena, sizeof(u32) * (in->count ? in->count : 1));
    idx_t m;
    if (expr_select(&l->ec, op->info, in, sel, &m)) return MDB_FAIL;
    if (m == in->count) {
        for (int c = 0; c < in->ncols; c++) out->cols[c] = in->cols[c];
    } else {
        for (int c = 0; c < in->ncols; c++) vector_gather(&in->cols[c], sel, m, &out->cols[c]);
    }
    out->count = m;
    return MDB_OK_;
}

static const OpVT FILTER_VT = {.name = "Filter", .op_local = generic_local, .op_exec = filter_exec};

PhysOp *phys_filter(Arena *a, PhysOp *child, Expr *pred)
{
    PhysOp *op = physop_new(a, &FILTER_VT, 1, child->types, child->ncols);
    op->children[0] = child;
    op->info = pred;
    return op;
}

typedef struct ProjInfo {
    Expr **exprs;
    int n;
} ProjInfo;

static int project_exec(Exec *ex, PhysOp *op, void *lp, DataChunk *in, DataChunk *out, int *state)
{
    ProjInfo *pi = op->info;
    OpLocal *l = lp;
    arena_reset(l->arena);
    for (int i = 0; i < pi->n; i++) {
        Vector v;
        if (expr_eval(&l->ec, pi->exprs[i], in, &v)) return MDB_FAIL;
        out->cols[i] = v;
    }
    out->count = in->count;
    return MDB_OK_;
}

static const OpVT PROJECT_VT = {.name = "Projection", .op_local = generic_local, .op_exec = project_exec};

PhysOp *phys_project(Arena *a, PhysOp *child, Expr **exprs, int n, const LType *types)
{
    PhysOp *op = physop_new(a, &PROJECT_VT, 1, types, n);
    op->children[0] = child;
    ProjInfo *pi = arena_zalloc(a, sizeof(ProjInfo));
    pi->exprs = exprs;
    pi->n = n;
    op->info = pi;
    return op;
}

/* ---- materialising sinks: shared collection + source --------------------------------------- */

typedef struct CollState {
    ColumnCollection *rows;
    size_t next_chunk; /* source position */
    idx_t *order;      /* sorted row order (sort), or NULL */
    idx_t norder;
    idx_t pos;
    i64 skip, take;    /* limit/offset */
    _Atomic i64 seen;
    bool counted;
} CollState;

static void *coll_init(Exec *ex, PhysOp *op)
{
    CollState *s = arena_zalloc(ex->arena, sizeof(CollState));
    s->rows = colcoll_create(op->children[0]->types, op->children[0]->ncols);
    exec_own_coll(ex, s->rows);
    s->take = -1;
    return s;
}

static void *coll_local(Exec *ex, PhysOp *op, void *g, int child)
{
    return colcoll_create(op->children[0]->types, op->children[0]->ncols);
}

static int coll_push(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *in, int *state)
{
    colcoll_append(l, in, NULL, in->count);
    return MDB_OK_;
}

static int coll_combine(Exec *ex, PhysOp *op, void *g, void *l)
{
    CollState *s = g;
    ColumnCollection *lc = l;
    /* keep chunks dense so that colcoll_get's arithmetic holds */
    for (size_t i = 0; i < lc->nchunks; i++) colcoll_append(s->rows, lc->chunks[i], NULL, lc->chunks[i]->count);
    colcoll_destroy(lc);
    return MDB_OK_;
}

/* Emits rows of the collection in order (or sorted order). */
static int coll_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    CollState *s = g;
    ColumnCollection *c = s->rows;
    if (s->order) {
        while (s->pos < s->norder && out->count < VECTOR_SIZE) {
            idx_t r = s->order[s->pos++];
            DataChunk *src = c->chunks[r / VECTOR_SIZE];
            u32 k = (u32)(r % VECTOR_SIZE);
            for (int col = 0; col < out->ncols; col++) vector_copy(&src->cols[col], &k, 1, &out->cols[col], out->count);
            out->count++;
        }
        return MDB_OK_;
    }
    if (s->next_chunk >= c->nchunks) return MDB_OK_;
    DataChunk *src = c->chunks[s->next_chunk++];
    for (int col = 0; col < out->ncols; col++) out->cols[col] = src->cols[col];
    out->count = src->count;
    return MDB_OK_;
}

/* ---- LIMIT / OFFSET --------------------------------------------------------------------------- */

typedef struct LimitInfo {
    Expr *limit, *offset;
} LimitInfo;

static int limit_bounds(Exec *ex, LimitInfo *li, CollState *s)
{
    if (s->counted) return MDB_OK_;
    s->counted = true;
    Arena *a = arena_create(NULL);
    ExprCtx ec;
    exprctx_init(&ec, ex, a);
    Value v;
    s->take = -1;
    s->skip = 0;
    int rc = MDB_OK_;
    if (li->limit) {
        if (expr_eval_const(&ec, li->limit, &v)) rc = MDB_FAIL;
        else if (!v.is_null) {
            if (v.u.i < 0) {
                Err e = {0};
                err_set(&e, SQLSTATE_INVALID_ROW_COUNT, "LIMIT must not be negative");
                rc = op_fail(ex, &e);
            }
            s->take = v.u.i;
        }
    }
    if (rc == MDB_OK_ && li->offset) {
        if (expr_eval_const(&ec, li->offset, &v)) rc = MDB_FAIL;
        else if (!v.is_null) {
            if (v.u.i < 0) {
                Err e = {0};
                err_set(&e, "2201X", "OFFSET must not be negative");
                rc = op_fail(ex, &e);
            }
            s->skip = v.u.i;
        }
    }
    arena_destroy(a);
    return rc;
}

static int limit_push(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *in, int *state)
{
    CollState *s = g;
    if (limit_bounds(ex, op->info, s)) return MDB_FAIL;
    i64 seen = s->seen;
    i64 start = MDB_MAX(0, s->skip - seen);
    i64 end = s->take < 0 ? (i64)in->count : MDB_MIN((i64)in->count, s->skip + s->take - seen);
    if (end > start) {
        u32 sel[VECTOR_SIZE];
        for (i64 k = start; k < end; k++) sel[k - start] = (u32)k;
        colcoll_append(s->rows, in, sel, (idx_t)(end - start));
    }
    s->seen = seen + (i64)in->count;
    if (s->take >= 0 && s->seen >= s->skip + s->take) *state = SINK_DONE;
    return MDB_OK_;
}

static int limit_finalize(Exec *ex, PhysOp *op, void *g) { return limit_bounds(ex, op->info, g); }

static const OpVT LIMIT_VT = {.name = "Limit", .sink_init = coll_init, .sink_push = limit_push, .sink_finalize = limit_finalize,
                              .sink_ordered = true, .src_next = coll_next};

PhysOp *phys_limit(Arena *a, PhysOp *child, Expr *limit, Expr *offset)
{
    PhysOp *op = physop_new(a, &LIMIT_VT, 1, child->types, child->ncols);
    op->children[0] = child;
    LimitInfo *li = arena_zalloc(a, sizeof(LimitInfo));
    li->limit = limit;
    li->offset = offset;
    op->info = li;
    return op;
}

/* ---- sort ------------------------------------------------------------------------------------- */

typedef struct SortInfo {
    PSortKey *keys;
    int nkeys;
} SortInfo;

typedef struct SortCtx {
    Value *vals; /* nrows × nkeys */
    int nkeys;
    PSortKey *keys;
} SortCtx;

static int sort_cmp(const void *pa, const void *pb, void *arg)
{
    SortCtx *sc = arg;
    idx_t a = *(const idx_t *)pa, b = *(const idx_t *)pb;
    for (int k = 0; k < sc->nkeys; k++) {
        const Value *x = &sc->vals[a * (idx_t)sc->nkeys + (idx_t)k], *y = &sc->vals[b * (idx_t)sc->nkeys + (idx_t)k];
        int c;
        if (x->is_null || y->is_null) {
            if (x->is_null && y->is_null) continue;
            c = x->is_null ? 1 : -1;
            if (sc->keys[k].nulls_first) c = -c;
            return c;
        }
        c = value_cmp(x, y);
        if (c) return sc->keys[k].desc ? -c : c;
    }
    return a < b ? -1 : a > b ? 1 : 0; /* stable */
}

static int sort_finalize(Exec *ex, PhysOp *op, void *g)
{
    SortInfo *si = op->info;
    CollState *s = g;
    ColumnCollection *c = s->rows;
    idx_t n = c->count;
    s->order = xmalloc(sizeof(idx_t) * (n ? n : 1));
    SortCtx sc;
    sc.nkeys = si->nkeys;
    sc.keys = si->keys;
    sc.vals = xmalloc(sizeof(Value) * (n ? n : 1) * (size_t)si->nkeys);
    for (idx_t r = 0; r < n; r++) {
        s->order[r] = r;
        for (int k = 0; k < si->nkeys; k++) sc.vals[r * (idx_t)si->nkeys + (idx_t)k] = colcoll_get(c, r, si->keys[k].col);
    }
    qsort_r(s->order, n, sizeof(idx_t), sort_cmp, &sc);
    free(sc.vals);
    s->norder = n;
    /* order array is freed with the execution */
    idx_t *o = arena_memdup(ex->arena, s->order, sizeof(idx_t) * (n ? n : 1));
    free(s->order);
    s->order = o;
    return MDB_OK_;
}

static const OpVT SORT_VT = {.name = "Sort", .sink_init = coll_init, .sink_local = coll_local, .sink_push = coll_push,
                             .sink_combine = coll_combine, .sink_finalize = sort_finalize, .src_next = coll_next};

PhysOp *phys_sort(Arena *a, PhysOp *child, PSortKey *keys, int nkeys, Expr *limit)
{
    PhysOp *op = physop_new(a, &SORT_VT, 1, child->types, child->ncols);
    op->children[0] = child;
    SortInfo *si = arena_zalloc(a, sizeof(SortInfo));
    si->keys = keys;
    si->nkeys = nkeys;
    op->info = si;
    (void)limit;
    return op;
}

/* ---- DISTINCT / DISTINCT ON ------------------------------------------------------------------ */

typedef struct DistinctInfo {
    int *keys;
    int nkeys;
} DistinctInfo;

typedef struct HashSetState {
    CollState base;
    KeyTable kt;
    Arena *scratch;
} HashSetState;

static void *distinct_init(Exec *ex, PhysOp *op)
{
    HashSetState *s = arena_zalloc(ex->arena, sizeof(HashSetState));
    s->base.rows = colcoll_create(op->children[0]->types, op->children[0]->ncols);
    exec_own_coll(ex, s->base.rows);
    keytable_init(&s->kt);
    s->scratch = arena_create(NULL);
    return s;
}

static int distinct_push(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *in, int *state)
{
    DistinctInfo *di = op->info;
    HashSetState *s = g;
    arena_reset(s->scratch);
    Vector *cols = arena_alloc(s->scratch, sizeof(Vector) * (size_t)(in->ncols + 1));
    int nk = di->nkeys ? di->nkeys : in->ncols;
    for (int i = 0; i < nk; i++) cols[i] = in->cols[di->nkeys ? di->keys[i] : i];
    KeyBuf kb;
    keys_encode(s->scratch, cols, nk, in->count, &kb);
    u32 *sel = arena_alloc(s->scratch, sizeof(u32) * (in->count + 1));
    idx_t m = 0;
    for (idx_t i = 0; i < in->count; i++) {
        bool ins;
        keytable_find(&s->kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, &ins);
        if (ins) sel[m++] = (u32)i;
    }
    if (m) colcoll_append(s->base.rows, in, sel, m);
    return MDB_OK_;
}

static int distinct_finalize(Exec *ex, PhysOp *op, void *g)
{
    HashSetState *s = g;
    keytable_free(&s->kt);
    arena_destroy(s->scratch);
    s->scratch = NULL;
    return MDB_OK_;
}

static const OpVT DISTINCT_VT = {.name = "HashAggregate (distinct)", .sink_init = distinct_init, .sink_push = distinct_push,
                                 .sink_finalize = distinct_finalize, .sink_ordered = true, .src_next = coll_next};

PhysOp *phys_distinct(Arena *a, PhysOp *child, int *key_cols, int nkeys)
{
    PhysOp *op = physop_new(a, &DISTINCT_VT, 1, child->types, child->ncols);
    op->children[0] = child;
    DistinctInfo *di = arena_zalloc(a, sizeof(DistinctInfo));
    di->keys = key_cols;
    di->nkeys = nkeys;
    op->info = di;
    return op;
}

/* ---- set operations ------------------------------------------------------------------------- */

typedef struct SetOpInfo {
    int op;
    bool all;
} SetOpInfo;

typedef struct SetOpState {
    CollState base;
    ColumnCollection *side[2];
} SetOpState;

static void *setop_init(Exec *ex, PhysOp *op)
{
    SetOpState *s = arena_zalloc(ex->arena, sizeof(SetOpState));
    s->base.rows = colcoll_create(op->types, op->ncols);
    s->side[0] = colcoll_create(op->types, op->ncols);
    s->side[1] = colcoll_create(op->types, op->ncols);
    exec_own_coll(ex, s->base.rows);
    exec_own_coll(ex, s->side[0]);
    exec_own_coll(ex, s->side[1]);
    return s;
}

static void *setop_local(Exec *ex, PhysOp *op, void *g, int child) { return (void *)(intptr_t)child; }

static int setop_push(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *in, int *state)
{
    SetOpState *s = g;
    colcoll_append(s->side[(intptr_t)l], in, NULL, in->count);
    return MDB_OK_;
}

static int setop_finalize(Exec *ex, PhysOp *op, void *g)
{
    SetOpInfo *si = op->info;
    SetOpState *s = g;
    if (si->op == SETOP_UNION && si->all) {
        colcoll_absorb(s->base.rows, s->side[0]);
        colcoll_absorb(s->base.rows, s->side[1]);
        return MDB_OK_;
    }
    /* count occurrences per side in one table: value = index into counts */
    KeyTable kt;
    keytable_init(&kt);
    Arena *a = arena_create(NULL);
    i64 *cnt[2] = {NULL, NULL};
    size_t ncnt = 0, capcnt = 0;
    typedef struct { int side; size_t chunk; u32 row; } FirstRow;
    FirstRow *first = NULL;
    for (int side = 0; side < 2; side++) {
        ColumnCollection *c = s->side[side];
        for (size_t ci = 0; ci < c->nchunks; ci++) {
            DataChunk *d = c->chunks[ci];
            arena_reset(a);
            KeyBuf kb;
            keys_encode(a, d->cols, d->ncols, d->count, &kb);
            for (idx_t i = 0; i < d->count; i++) {
                bool ins;
                i64 *slot = keytable_find(&kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, &ins);
                if (ins) {
                    if (ncnt == capcnt) {
                        capcnt = capcnt ? capcnt * 2 : 256;
                        cnt[0] = xrealloc(cnt[0], sizeof(i64) * capcnt);
                        cnt[1] = xrealloc(cnt[1], sizeof(i64) * capcnt);
                        first = xrealloc(first, sizeof(FirstRow) * capcnt);
                    }
                    *slot = (i64)ncnt;
                    cnt[0][ncnt] = cnt[1][ncnt] = 0;
                    first[ncnt] = (FirstRow){side, ci, (u32)i};
                    ncnt++;
                }
                cnt[side][*slot]++;
            }
        }
    }
    for (size_t g2 = 0; g2 < ncnt; g2++) {
        i64 l = cnt[0][g2], r = cnt[1][g2], times;
        switch (si->op) {
        case SETOP_UNION: times = 1; break;
        case SETOP_INTERSECT: times = si->all ? MDB_MIN(l, r) : (l > 0 && r > 0); break;
        default: times = si->all ? MDB_MAX(0, l - r) : (l > 0 && r == 0); break;
        }
        DataChunk *d = s->side[first[g2].side]->chunks[first[g2].chunk];
        for (i64 t = 0; t < times; t++) colcoll_append(s->base.rows, d, &first[g2].row, 1);
    }
    free(cnt[0]);
    free(cnt[1]);
    free(first);
    keytable_free(&kt);
    arena_destroy(a);
    return MDB_OK_;
}

static const OpVT SETOP_VT = {.name = "SetOp", .sink_init = setop_init, .sink_local = setop_local, .sink_push = setop_push,
                              .sink_finalize = setop_finalize, .sink_ordered = true, .src_next = coll_next};

PhysOp *phys_setop(Arena *a, PhysOp *l, PhysOp *r, int op, bool all)
{
    PhysOp *p = physop_new(a, &SETOP_VT, 2, l->types, l->ncols);
    p->children[0] = l;
    p->children[1] = r;
    SetOpInfo *si = arena_zalloc(a, sizeof(SetOpInfo));
    si->op = op;
    si->all = all;
    p->info = si;
    return p;
}

/* ---- set-returning functions: Function Scan and ProjectSet ---------------------------------- */

/* One running set-returning function: started with its argument values, then
 * asked for one value at a time.  unnest and regexp_matches compute all their
 * rows at the start; generate_series steps. */
typedef struct SrfIter {
    int func;
    LType type;
    bool done;
    Value cur, stop, step;
    bool step_pos;
    const ScalarFunc *add;    /* timestamp + interval */
    Value *elems;
    size_t nelems, pos;
} SrfIter;

static int srf_start(SrfIter *it, int func, LType type, const Value *v, int nargs, FuncCtx *fc, Arena *a)
{
    memset(it, 0, sizeof(*it));
    it->func = func;
    it->type = type;
    /* all of them are strict: a NULL argument gives no rows */
    for (int i = 0; i < nargs; i++)
        if (v[i].is_null) { it->done = true; return MDB_OK_; }
    if (func == TABLEFUNC_UNNEST) return list_elements(fc, &v[0], &it->elems, &it->nelems, a);
    if (func == TABLEFUNC_REGEXP_MATCHES)
        return func_regexp_matches(fc, &v[0].u.s, &v[1].u.s, nargs > 2 ? &v[2].u.s : NULL, a, &it->elems, &it->nelems);
    if (func == TABLEFUNC_REGEXP_SPLIT)
        return func_regexp_split(fc, &v[0].u.s, &v[1].u.s, nargs > 2 ? &v[2].u.s : NULL, a, &it->elems, &it->nelems);
    if (func == TABLEFUNC_GENERATE_SUBSCRIPTS) {
        /* 1..n of a one-dimensional array (dimension 1; other dimensions have none) */
        Value *el;
        size_t ne;
        if (list_elements(fc, &v[0], &el, &ne, a)) return MDB_FAIL;
        if (v[1].u.i != 1) ne = 0;
        bool rev = nargs > 2 && v[2].u.b;
        it->elems = arena_alloc(a, sizeof(Value) * (ne + 1));
        for (size_t k = 0; k < ne; k++) it->elems[k] = value_int(TYPE_INT32, rev ? (i64)(ne - k) : (i64)(k + 1));
        it->nelems = ne;
        return MDB_OK_;
    }
    it->cur = v[0];
    it->stop = v[1];
    if (nargs == 3) it->step = v[2];
    else it->step = value_int((TypeId)type.id, 1);
    if (nargs < 3 && type.id == TYPE_NUMERIC) it->step.u.num = numeric_from_int64(1);
    bool zero = false;
    switch (type.id) {
    case TYPE_NUMERIC: {
        /* PostgreSQL 15's messages for NaN and infinite arguments */
        const char *what[3] = {"start value", "stop value", "step size"};
        Numeric x[3] = {it->cur.u.num, it->stop.u.num, it->step.u.num};
        for (int k = 0; k < 3; k++)
            if (numeric_is_special(x[k]))
                return err_set(fc->err, SQLSTATE_INVALID_PARAMETER_VALUE, "%s cannot be %s", what[k],
                               numeric_is_nan(x[k]) ? "NaN" : "infinity");
        zero = numeric_is_zero(it->step.u.num);
        it->step_pos = numeric_sign(it->step.u.num) > 0;
        break;
    }
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: {
        zero = !memcmp(it->step.u.raw, (u8[16]){0}, 16);
        Value z = it->step;
        memset(z.u.raw, 0, 16);
        it->step_pos = value_cmp(&it->step, &z) > 0;
        LType at[2] = {type, ltype(TYPE_INTERVAL)}, want[2], rt;
        if (func_lookup_scalar("+", at, 2, &it->add, want, &rt, fc->err, 0)) return MDB_FAIL;
        break;
    }
    default: zero = it->step.u.i == 0; it->step_pos = it->step.u.i > 0;
    }
    if (zero) return err_set(fc->err, SQLSTATE_INVALID_PARAMETER_VALUE, "step size cannot equal zero");
    return MDB_OK_;
}

/* The function's next value into *out; *got = false once it has run out. */
static int srf_next(SrfIter *it, Value *out, bool *got, FuncCtx *fc, Arena *scratch)
{
    *got = false;
    if (it->done) return MDB_OK_;
    if (it->func != TABLEFUNC_GENERATE_SERIES) {
        if (it->pos >= it->nelems) { it->done = true; return MDB_OK_; }
        *out = it->elems[it->pos++];
        out->type = it->type;
        *got = true;
        return MDB_OK_;
    }
    TypeId t = (TypeId)it->type.id;
    if (t == TYPE_INT16 || t == TYPE_INT32 || t == TYPE_INT64) {
        i64 cur = it->cur.u.i, stop = it->stop.u.i, step = it->step.u.i;
        if ((step > 0 && cur > stop) || (step < 0 && cur < stop)) { it->done = true; return MDB_OK_; }
        *out = value_int(t, cur);
        /* the next step would leave the type's range: this value is the last */
        if (__builtin_add_overflow(cur, step, &it->cur.u.i) || (t == TYPE_INT32 && (it->cur.u.i > INT32_MAX || it->cur.u.i < INT32_MIN)))
            it->done = true;
    } else if (t == TYPE_NUMERIC) {
        int c = numeric_cmp(it->cur.u.num, it->stop.u.num);
        if ((it->step_pos && c > 0) || (!it->step_pos && c < 0)) { it->done = true; return MDB_OK_; }
        *out = it->cur;
        out->type = it->type;
        if (numeric_add(it->cur.u.num, it->step.u.num, &it->cur.u.num, fc->err)) return MDB_FAIL;
    } else {
        int c = value_cmp(&it->cur, &it->stop);
        if ((it->step_pos && c > 0) || (!it->step_pos && c < 0)) { it->done = true; return MDB_OK_; }
        *out = it->cur;
        /* timestamps: add the interval through the + operator's kernel */
        Vector va[2], r;
        vector_init(&va[0], it->type, 1, scratch);
        vector_init(&va[1], ltype(TYPE_INTERVAL), 1, scratch);
        vector_set(&va[0], 0, &it->cur);
        vector_set(&va[1], 0, &it->step);
        vector_init(&r, it->type, 1, scratch);
        if (it->add->kernel(fc, va, 2, 1, &r)) return MDB_FAIL;
        it->cur = vector_get(&r, 0);
    }
    *got = true;
    return MDB_OK_;
}

typedef struct SrfInfo {
    int nfuncs;
    int *funcs;
    int *func_nargs;
    Expr **args;              /* over the input row */
    int nargs;
    bool ordinality;
    bool left;                /* an input row whose functions give no rows is kept, with NULLs */
} SrfInfo;

typedef struct SrfLocal {
    OpLocal *ol;
    Arena *keep;              /* argument vectors of the current input chunk */
    Arena *rowa;              /* the current input row's function state */
    FuncCtx fc;               /* kept across rows: regexp_matches caches its pattern in fc.state */
    Err err;
    Vector *av;
    Value *vals;
    SrfIter *its;
    bool started, row_active, row_emitted;
    idx_t row;
    i64 ord;
} SrfLocal;

static void *srf_local(Exec *ex, PhysOp *op)
{
    SrfInfo *si = op->info;
    SrfLocal *l = arena_zalloc(ex->arena, sizeof(SrfLocal));
    l->ol = new_local(ex);
    l->keep = exec_local_arena(ex);
    l->rowa = exec_local_arena(ex);
    l->fc = l->ol->ec.fctx;
    l->fc.state = NULL;
    l->fc.arena = l->rowa;
    l->fc.err = &l->err;
    l->vals = arena_zalloc(ex->arena, sizeof(Value) * (size_t)(si->nargs + 1));
    l->its = arena_zalloc(ex->arena, sizeof(SrfIter) * (size_t)(si->nfuncs + 1));
    return l;
}

/* For every input row: start the functions on the row's argument values and
 * emit row × their values in lockstep (NULL for a function that has run out)
 * until all have run out.  The output is the input columns, then one column
 * per function, then the ordinality. */
static int srf_exec(Exec *ex, PhysOp *op, void *lp, DataChunk *in, DataChunk *out, int *state)
{
    SrfInfo *si = op->info;
    SrfLocal *l = lp;
    int nin = in->ncols;
    if (!l->started) {
        arena_reset(l->keep);
        ExprCtx ec;
        exprctx_init(&ec, ex, l->keep);
        l->av = arena_alloc(l->keep, sizeof(Vector) * (size_t)(si->nargs + 1));
        for (int i = 0; i < si->nargs; i++)
            if (expr_eval(&ec, si->args[i], in, &l->av[i])) return MDB_FAIL;
        l->row = 0;
        l->row_active = false;
        l->started = true;
    }
    arena_reset(l->ol->arena);
    while (l->row < in->count) {
        if (!l->row_active) {
            arena_reset(l->rowa);
            for (int i = 0; i < si->nargs; i++) l->vals[i] = vector_get(&l->av[i], l->row);
            for (int f = 0, k = 0; f < si->nfuncs; k += si->func_nargs[f], f++)
                if (srf_start(&l->its[f], si->funcs[f], op->types[nin + f], l->vals + k, si->func_nargs[f], &l->fc, l->rowa))
                    return op_fail(ex, &l->err);
            l->row_active = true;
            l->row_emitted = false;
            l->ord = 0;
        }
        if (out->count >= VECTOR_SIZE) break;
        bool any = false;
        for (int f = 0; f < si->nfuncs; f++) {
            Value v;
            bool got;
            if (srf_next(&l->its[f], &v, &got, &l->fc, l->ol->arena)) return op_fail(ex, &l->err);
            if (!got) v = value_null();
            any |= got;
            vector_set(&out->cols[nin + f], out->count, &v);
        }
        if (!any && (l->row_emitted || !si->left)) {
            l->row_active = false;
            l->row++;
            continue;
        }
        u32 r = (u32)l->row;
        for (int c = 0; c < nin; c++) vector_copy(&in->cols[c], &r, 1, &out->cols[c], out->count);
        if (si->ordinality) {
            Value o = any ? value_int(TYPE_INT64, ++l->ord) : value_null();
            vector_set(&out->cols[nin + si->nfuncs], out->count, &o);
        }
        out->count++;
        l->row_emitted = true;
        if (!any) {
            /* LEFT JOIN LATERAL: the one row of NULLs for a row without results */
            l->row_active = false;
            l->row++;
        }
    }
    if (l->row < in->count) {
        *state = OP_HAVE_MORE;
        return MDB_OK_;
    }
    l->started = false;
    *state = OP_NEED_INPUT;
    return MDB_OK_;
}

static const OpVT PROJECT_SET_VT = {.name = "ProjectSet", .op_local = srf_local, .op_exec = srf_exec};
static const OpVT TFUNC_VT = {.name = "Function Scan", .op_local = srf_local, .op_exec = srf_exec};

static PhysOp *srf_op(Arena *a, const OpVT *vt, PhysOp *child, int nfuncs, const int *funcs, const int *func_nargs, Expr **args,
                      int nargs, bool ordinality, bool left, const LType *types, int ncols)
{
    PhysOp *op = physop_new(a, vt, 1, types, ncols);
    op->children[0] = child;
    SrfInfo *si = arena_zalloc(a, sizeof(SrfInfo));
    si->nfuncs = nfuncs;
    si->funcs = arena_memdup(a, funcs, sizeof(int) * (size_t)nfuncs);
    si->func_nargs = arena_memdup(a, func_nargs, sizeof(int) * (size_t)nfuncs);
    si->args = args;
    si->nargs = nargs;
    si->ordinality = ordinality;
    si->left = left;
    op->info = si;
    return op;
}

PhysOp *phys_tfunc(Arena *a, PhysOp *dummy, int nfuncs, const int *funcs, const int *func_nargs, Expr **args, int nargs,
                   bool ordinality, const LType *types, int ncols)
{
    /* the functions once, over the one row of a Result */
    return srf_op(a, &TFUNC_VT, dummy, nfuncs, funcs, func_nargs, args, nargs, ordinality, false, types, ncols);
}

PhysOp *phys_project_set(Arena *a, PhysOp *child, int nfuncs, const int *funcs, const int *func_nargs, Expr **args, int nargs,
                         bool ordinality, bool left, const LType *types, int ncols)
{
    return srf_op(a, &PROJECT_SET_VT, child, nfuncs, funcs, func_nargs, args, nargs, ordinality, left, types, ncols);
}

/* ---- CTEs ------------------------------------------------------------------------------------- */

static Exec *cte_owner(Exec *ex)
{
    while (ex->parent && !ex->ctes) ex = ex->parent;
    return ex;
}

typedef struct CteScanState {
    size_t next;
} CteScanState;

static void *ctescan_init(Exec *ex, PhysOp *op) { return arena_zalloc(ex->arena, sizeof(CteScanState)); }

static int ctescan_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    CteScanState *s = g;
    Exec *o = cte_owner(ex);
    int id = (int)(intptr_t)op->info;
    ColumnCollection *c = id < o->nctes ? o->ctes[id] : NULL;
    if (!c || s->next >= c->nchunks) return MDB_OK_;
    DataChunk *src = c->chunks[s->next++];
    for (int col = 0; col < out->ncols; col++) out->cols[col] = src->cols[col];
    out->count = src->count;
    return MDB_OK_;
}

static const OpVT CTESCAN_VT = {.name = "CTE Scan", .src_init = ctescan_init, .src_next = ctescan_next};

PhysOp *phys_cte_scan(Arena *a, int cte_id, const LType *types, int ncols)
{
    PhysOp *op = physop_new(a, &CTESCAN_VT, 0, types, ncols);
    op->info = (void *)(intptr_t)cte_id;
    return op;
}

/* Recursive CTE: runs the anchor, then the step against the working table
 * until it produces no rows (UNION removes duplicates across iterations). */
typedef struct RecInfo {
    int work_id;
    bool all;
} RecInfo;

static void *rec_init(Exec *ex, PhysOp *op)
{
    CollState *s = arena_zalloc(ex->arena, sizeof(CollState));
    s->rows = colcoll_create(op->types, op->ncols);
    exec_own_coll(ex, s->rows);
    return s;
}

static int rec_collect(Exec *ex, PhysOp *plan, ColumnCollection *out)
{
    return exec_subquery(ex, plan, ex->outer, ex->nouter, out, 0);
}

static int rec_dedup(KeyTable *kt, Arena *a, ColumnCollection *in, ColumnCollection *out, ColumnCollection *all)
{
    for (size_t ci = 0; ci < in->nchunks; ci++) {
        DataChunk *d = in->chunks[ci];
        arena_reset(a);
        KeyBuf kb;
        keys_encode(a, d->cols, d->ncols, d->count, &kb);
        u32 sel[VECTOR_SIZE];
        idx_t m = 0;
        for (idx_t i = 0; i < d->count; i++) {
            bool ins = true;
            if (kt) keytable_find(kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, &ins);
            if (ins) sel[m++] = (u32)i;
        }
        if (m) {
            colcoll_append(out, d, sel, m);
            colcoll_append(all, d, sel, m);
        }
    }
    return MDB_OK_;
}

static int rec_src_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    CollState *s = g;
    if (!s->counted) {
        s->counted = true;
        RecInfo *ri = op->info;
        Exec *o = cte_owner(ex);
        KeyTable kt;
        keytable_init(&kt);
        Arena *a = arena_create(NULL);
        ColumnCollection *anchor = colcoll_create(op->types, op->ncols);
        int rc = rec_collect(ex, op->children[0], anchor);
        ColumnCollection *work = colcoll_create(op->types, op->ncols);
        if (!rc) rec_dedup(ri->all ? NULL : &kt, a, anchor, work, s->rows);
        colcoll_destroy(anchor);
        int iter = 0;
        while (!rc && work->count > 0) {
            if (exec_cancelled(ex)) { rc = MDB_FAIL; break; }
            if (++iter > 10000000) {
                /* PostgreSQL would run on; we stop a runaway recursion with an error */
                Err e = {0};
                err_set(&e, "54001", "recursive query did not finish after %d iterations", iter - 1);
                exec_fail(ex, &e);
                rc = MDB_FAIL;
                break;
            }
            ColumnCollection *prev = o->ctes[ri->work_id];
            o->ctes[ri->work_id] = work;
            if (prev) colcoll_destroy(prev);
            ColumnCollection *next = colcoll_create(op->types, op->ncols);
            rc = rec_collect(ex, op->children[1], next);
            work = colcoll_create(op->types, op->ncols);
            if (!rc) rec_dedup(ri->all ? NULL : &kt, a, next, work, s->rows);
            colcoll_destroy(next);
        }
        colcoll_destroy(work);
        keytable_free(&kt);
        arena_destroy(a);
        if (rc) return MDB_FAIL;
    }
    return coll_next(ex, op, g, l, out);
}

static const OpVT REC_VT = {.name = "Recursive Union", .src_init = rec_init, .src_next = rec_src_next};

PhysOp *phys_recursive(Arena *a, PhysOp *anchor, PhysOp *step, int work_id, bool all)
{
    PhysOp *op = physop_new(a, &REC_VT, 0, anchor->types, anchor->ncols);
    op->children[0] = anchor;
    op->children[1] = step;
    op->nchildren = 0; /* children run as sub-executions, not pipelines */
    RecInfo *ri = arena_zalloc(a, sizeof(RecInfo));
    ri->work_id = work_id;
    ri->all = all;
    op->info = ri;
    return op;
}

/* ---- LATERAL (dependent join) --------------------------------------------------------- */

typedef struct ApplyInfo {
    PhysOp *sub;
    Expr **outer_exprs;
    int nouter;
    bool left;
} ApplyInfo;

typedef struct ApplyLocal {
    OpLocal *ol;
    Arena *keep;              /* outer values of the current input chunk */
    Vector *ov;               /* evaluated outer expressions */
    Value *outer;
    bool started;
    idx_t row;                /* current input row */
    ColumnCollection *res;    /* its subquery result */
    idx_t pos;                /* next result row */
} ApplyLocal;

static void *apply_local(Exec *ex, PhysOp *op)
{
    ApplyInfo *ai = op->info;
    ApplyLocal *l = arena_zalloc(ex->arena, sizeof(ApplyLocal));
    l->ol = new_local(ex);
    l->keep = exec_local_arena(ex);
    l->outer = arena_alloc(ex->arena, sizeof(Value) * (size_t)(ai->nouter + 1));
    return l;
}

static int apply_exec(Exec *ex, PhysOp *op, void *lp, DataChunk *in, DataChunk *out, int *state)
{
    ApplyInfo *ai = op->info;
    ApplyLocal *l = lp;
    int nl = in->ncols, ns = op->ncols - nl;
    if (!l->started) {
        arena_reset(l->keep);
        ExprCtx ec;
        exprctx_init(&ec, ex, l->keep);
        l->ov = arena_alloc(l->keep, sizeof(Vector) * (size_t)(ai->nouter + 1));
        for (int i = 0; i < ai->nouter; i++)
            if (expr_eval(&ec, ai->outer_exprs[i], in, &l->ov[i])) return MDB_FAIL;
        l->row = 0;
        l->pos = 0;
        l->started = true;
    }
    while (out->count < VECTOR_SIZE && l->row < in->count) {
        if (!l->res) {
            for (int i = 0; i < ai->nouter; i++) l->outer[i] = vector_get(&l->ov[i], l->row);
            l->res = colcoll_create(ai->sub->types, ai->sub->ncols);
            if (exec_subquery(ex, ai->sub, l->outer, ai->nouter, l->res, 0)) {
                colcoll_destroy(l->res);
                l->res = NULL;
                return MDB_FAIL;
            }
            l->pos = 0;
            if (l->res->count == 0 && ai->left) {
                u32 r = (u32)l->row;
                for (int c = 0; c < nl; c++) vector_copy(&in->cols[c], &r, 1, &out->cols[c], out->count);
                for (int c = 0; c < ns; c++) vector_set_null(&out->cols[nl + c], out->count, true);
                out->count++;
            }
        }
        while (out->count < VECTOR_SIZE && l->pos < l->res->count) {
            u32 r = (u32)l->row;
            for (int c = 0; c < nl; c++) vector_copy(&in->cols[c], &r, 1, &out->cols[c], out->count);
            for (int c = 0; c < ns; c++) {
                Value v = colcoll_get(l->res, l->pos, c);
                vector_set(&out->cols[nl + c], out->count, &v);
            }
            out->count++;
            l->pos++;
        }
        if (l->pos >= l->res->count) {
            colcoll_destroy(l->res);
            l->res = NULL;
            l->row++;
        }
    }
    if (l->row < in->count) {
        *state = OP_HAVE_MORE;
        return MDB_OK_;
    }
    l->started = false;
    *state = OP_NEED_INPUT;
    return MDB_OK_;
}

static const OpVT APPLY_VT = {.name = "Nested Loop (lateral)", .op_local = apply_local, .op_exec = apply_exec};

PhysOp *phys_apply(Arena *a, PhysOp *child, PhysOp *sub, Expr **outer_exprs, int nouter, bool left, const LType *types,
                   int ncols)
{
    PhysOp *op = physop_new(a, &APPLY_VT, 1, types, ncols);
    op->children[0] = child;
    ApplyInfo *ai = arena_zalloc(a, sizeof(ApplyInfo));
    ai->sub = sub;
    ai->outer_exprs = outer_exprs;
    ai->nouter = nouter;
    ai->left = left;
    op->info = ai;
    return op;
}
