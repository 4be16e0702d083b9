#define _GNU_SOURCE
/*
 * src/exec/ops_window.c — the window operator (SQL window functions).
 *
 * A sink that materialises its whole input (thread-local collections moved
 * into one at combine), then, for every window definition, sorts the rows by
 * (partition keys, order keys), finds partitions and peer groups, and computes
 * each function of that definition over its partitions; the source then emits
 * the input columns plus one column per function in the sort order of the last
 * definition evaluated, as PostgreSQL's WindowAgg chain does.
 *
 * Aggregates OVER a window keep one running state: while the frame start stays
 * put and its end only moves forward (the default frame, whole-partition
 * frames, UNBOUNDED PRECEDING starts) new rows are added to the state and it is
 * finalised again, so those frames cost O(n); a frame whose start moves, or one
 * with EXCLUDE, is recomputed from scratch for each row.  ROWS, RANGE and GROUPS
 * frames are supported; RANGE offsets need a numeric order key (compared as
 * double) or a date/timestamp/timestamptz one with an interval offset (keys in
 * microseconds, bounds by calendar arithmetic as PostgreSQL's in_range does).
 *
 * INTERFACE: phys_window.  See src/exec/README.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec/operators.h"
#include "exec/spill.h"
#include "types/datetime.h"

typedef struct WinInfo {
    Expr **funcs;
    int nfuncs;
    WindowDef *defs;
    int ndefs;
    int nin; /* input columns */
} WinInfo;

typedef struct WinState {
    ColumnCollection *rows; /* the whole input */
    Arena *arena;           /* full-length vectors and results */
    idx_t n;
    Vector *res;            /* one N-row vector per function */
    Vector *in;             /* input columns, N rows each */
    u32 *order;             /* output order (original row numbers) */
    idx_t pos;
} WinState;

/* Per-definition sorted layout: perm[p] is the original row at sorted position
 * p; partitions and peer groups are half-open ranges of positions. */
typedef struct WinSort {
    u32 *perm;
    u32 *part_end;   /* per position: end of its partition */
    u32 *peer_start; /* per position: first position of its peer group */
    u32 *peer_end;
} WinSort;

static int op_fail(Exec *ex, Err *e)
{
    exec_fail(ex, e);
    return MDB_FAIL;
}

static void *win_init(Exec *ex, PhysOp *op)
{
    WinState *s = arena_zalloc(ex->arena, sizeof(WinState));
    s->rows = colcoll_create(op->children[0]->types, op->children[0]->ncols);
    exec_own_coll(ex, s->rows);
    return s;
}

/* A worker's rows; their bytes count against memory_limit (window
 * partitions do not spill: over the budget the statement fails with 53200). */
typedef struct WinLocal {
    ColumnCollection *rows;
    MemTrack *mem;
} WinLocal;

static void win_local_free(void *p)
{
    WinLocal *l = p;
    colcoll_destroy(l->rows);
    l->rows = NULL;
}

static void *win_local(Exec *ex, PhysOp *op, void *g, int child)
{
    pthread_mutex_lock(&ex->defer_mu);
    WinLocal *l = arena_zalloc(ex->arena, sizeof(WinLocal));
    pthread_mutex_unlock(&ex->defer_mu);
    l->rows = colcoll_create(op->children[0]->types, op->children[0]->ncols);
    l->mem = memtrack_new(ex);
    exec_defer(ex, win_local_free, l);
    return l;
}

static int win_push(Exec *ex, PhysOp *op, void *g, void *lp, DataChunk *in, int *state)
{
    WinLocal *l = lp;
    colcoll_append(l->rows, in, NULL, in->count);
    /* the rows, and about as much again for the sorted layout and results */
    if (memtrack_update(l->mem, 2 * colcoll_bytes(l->rows))) return exec_mem_fail(ex, "window function input");
    return MDB_OK_;
}

static int win_combine(Exec *ex, PhysOp *op, void *g, void *lp)
{
    WinState *s = g;
    WinLocal *l = lp;
    colcoll_absorb(s->rows, l->rows);
    return MDB_OK_;
}

/* Evaluates e over every input row into a full-length vector. */
static int eval_full(Exec *ex, WinState *s, ExprCtx *ec, const Expr *e, Vector *out)
{
    if (e->kind == EXPR_COLREF) {
        *out = s->in[e->u.col.index];
        return MDB_OK_;
    }
    vector_init(out, e->type, s->n, s->arena);
    idx_t off = 0;
    for (size_t ci = 0; ci < s->rows->nchunks; ci++) {
        DataChunk *ch = s->rows->chunks[ci];
        arena_reset(ec->arena);
        Vector v;
        if (expr_eval(ec, e, ch, &v)) return MDB_FAIL;
        vector_copy(&v, NULL, ch->count, out, off);
        off += ch->count;
    }
    (void)ex;
    return MDB_OK_;
}

typedef struct CmpCtx {
    Value *vals; /* n × nk */
    int nk;
    const SortKey **keys;
} CmpCtx;

static int cmp_key(const Value *x, const Value *y, const SortKey *k)
{
    if (x->is_null || y->is_null) {
        if (x->is_null && y->is_null) return 0;
        int c = x->is_null ? 1 : -1;
        return k->nulls_first ? -c : c;
    }
    int c = value_cmp(x, y);
    return k->desc ? -c : c;
}

static int perm_cmp(const void *pa, const void *pb, void *arg)
{
    CmpCtx *cc = arg;
    u32 a = *(const u32 *)pa, b = *(const u32 *)pb;
    for (int k = 0; k < cc->nk; k++) {
        int c = cmp_key(&cc->vals[(size_t)a * (size_t)cc->nk + (size_t)k], &cc->vals[(size_t)b * (size_t)cc->nk + (size_t)k], cc->keys[k]);
        if (c) return c;
    }
    return a < b ? -1 : a > b ? 1 : 0;
}

static bool keys_equal(const CmpCtx *cc, u32 a, u32 b, int k0, int k1)
{
    for (int k = k0; k < k1; k++) {
        const Value *x = &cc->vals[(size_t)a * (size_t)cc->nk + (size_t)k], *y = &cc->vals[(size_t)b * (size_t)cc->nk + (size_t)k];
        if (x->is_null != y->is_null) return false;
        if (!x->is_null && value_cmp(x, y) != 0) return false;
    }
    return true;
}

/* Sorts the rows for definition d and finds partitions and peer groups. */
static int win_sort(Exec *ex, WinState *s, ExprCtx *ec, const WindowDef *d, WinSort *ws, Vector *okey)
{
    idx_t n = s->n;
    int nk = d->npart + d->norder;
    ws->perm = arena_alloc(s->arena, sizeof(u32) * (n ? n : 1));
    ws->part_end = arena_alloc(s->arena, sizeof(u32) * (n ? n : 1));
    ws->peer_start = arena_alloc(s->arena, sizeof(u32) * (n ? n : 1));
    ws->peer_end = arena_alloc(s->arena, sizeof(u32) * (n ? n : 1));
    for (idx_t i = 0; i < n; i++) ws->perm[i] = (u32)i;
    if (nk == 0) {
        for (idx_t i = 0; i < n; i++) ws->part_end[i] = ws->peer_end[i] = (u32)n, ws->peer_start[i] = 0;
        return MDB_OK_;
    }
    SortKey *pk = arena_alloc(s->arena, sizeof(SortKey) * (size_t)(d->npart + 1));
    const SortKey **keys = arena_alloc(s->arena, sizeof(SortKey *) * (size_t)nk);
    Vector *kv = arena_alloc(s->arena, sizeof(Vector) * (size_t)nk);
    for (int k = 0; k < nk; k++) {
        if (k < d->npart) {
            pk[k] = (SortKey){d->part[k], false, false};
            keys[k] = &pk[k];
        } else {
            keys[k] = &d->order[k - d->npart];
        }
        if (eval_full(ex, s, ec, keys[k]->expr, &kv[k])) return MDB_FAIL;
    }
    if (d->norder) *okey = kv[d->npart];
    CmpCtx cc = {xmalloc(sizeof(Value) * (n ? n : 1) * (size_t)nk), nk, keys};
    for (idx_t i = 0; i < n; i++)
        for (int k = 0; k < nk; k++) cc.vals[i * (idx_t)nk + (idx_t)k] = vector_get(&kv[k], i);
    qsort_r(ws->perm, n, sizeof(u32), perm_cmp, &cc);
    idx_t p = 0;
    while (p < n) {
        idx_t pe = p + 1;
        while (pe < n && keys_equal(&cc, ws->perm[p], ws->perm[pe], 0, d->npart)) pe++;
        idx_t q = p;
        while (q < pe) {
            idx_t qe = q + 1;
            while (qe < pe && keys_equal(&cc, ws->perm[q], ws->perm[qe], d->npart, nk)) qe++;
            for (idx_t r = q; r < qe; r++) {
                ws->part_end[r] = (u32)pe;
                ws->peer_start[r] = (u32)q;
                ws->peer_end[r] = (u32)qe;
            }
            q = qe;
        }
        p = pe;
    }
    free(cc.vals);
    return MDB_OK_;
}

/* ---- frames ----------------------------------------------------------------------------------- */

typedef struct Frame {
    int opts;
    i64 soff, eoff;       /* ROWS / GROUPS offsets */
    double sroff, eroff;  /* RANGE offsets */
    bool range_off;       /* RANGE with an offset bound */
    bool temporal;        /* ... over a date/timestamp key: interval offsets siv/eiv */
    bool tz_key;          /* timestamptz: calendar steps in tz */
    Interval siv, eiv;
    const TimeZone *tz;
    double sign;          /* -1 for a DESC key */
    double *key;          /* RANGE offset: order key per original row, sign-adjusted */
    u8 *keynull;
} Frame;

static bool has(int opts, int bit) { return (opts & bit) != 0; }

/* Evaluates a frame offset once: ROWS/GROUPS as bigint, RANGE as double, or as an interval
 * (iv != NULL: RANGE over a date/time key). */
static int frame_offset(Exec *ex, ExprCtx *ec, const Expr *e, bool is_start, bool range, i64 *io, double *fo, Interval *iv,
                        LType keytype)
{
    Err err = {0};
    Value v, c;
    if (expr_eval_const(ec, e, &v)) return MDB_FAIL;
    if (v.is_null) {
        err_set(&err, "22004", is_start ? "frame starting offset must not be null" : "frame ending offset must not be null");
        return op_fail(ex, &err);
    }
    ec->fctx.err = &err;
    if (range && iv) {
        if (v.type.id != TYPE_INTERVAL && !(v.type.id == TYPE_TEXT && v.type.text_kind == TEXT_UNKNOWN)) {
            char tb[64], kb[64];
            err_set(&err, SQLSTATE_FEATURE_NOT_SUPPORTED, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s",
                    type_name(keytype, kb, sizeof kb), type_name(v.type, tb, sizeof tb));
            err_hint(&err, "Cast the offset value to an appropriate type.");
            return op_fail(ex, &err);
        }
        if (cast_value(&ec->fctx, &v, ltype(TYPE_INTERVAL), &c, ec->arena)) return op_fail(ex, &err);
        memcpy(iv, c.u.raw, sizeof(Interval));
        if (((double)iv->months * 30 + iv->days) * 86400e6 + (double)iv->micros < 0) {
            err_set(&err, "22013", "invalid preceding or following size in window function");
            return op_fail(ex, &err);
        }
        return MDB_OK_;
    }
    if (cast_value(&ec->fctx, &v, ltype(range ? TYPE_FLOAT64 : TYPE_INT64), &c, ec->arena)) return op_fail(ex, &err);
    if (range) {
        if (c.u.f < 0 || isnan(c.u.f)) {
            err_set(&err, "22013", "invalid preceding or following size in window function");
            return op_fail(ex, &err);
        }
        *fo = c.u.f;
    } else {
        if (c.u.i < 0) {
            err_set(&err, "22013", is_start ? "frame starting offset must not be negative" : "frame ending offset must not be negative");
            return op_fail(ex, &err);
        }
        *io = c.u.i;
    }
    return MDB_OK_;
}

/* The order key bound `offset` before (follow false) or after the current key ck, in the
 * sort's direction.  Date/time keys step by the interval on the calendar; a bound beyond
 * the timestamp range is ±infinity (the frame reaches the partition's end). */
static double range_bound(const Frame *f, double ck, bool start, bool follow)
{
    if (!f->temporal) {
        double off = start ? f->sroff : f->eroff;
        return follow ? ck + off : ck - off;
    }
    Interval x = start ? f->siv : f->eiv;
    bool add = follow == (f->sign > 0);
    if (!add) {
        x.micros = -x.micros;
        x.days = -x.days;
        x.months = -x.months;
    }
    Err err = {0};
    Timestamp r;
    Timestamp v = (Timestamp)(f->sign * ck);
    int rc = f->tz_key ? timestamptz_add_interval(v, &x, f->tz, &r, &err) : timestamp_add_interval(v, &x, &r, &err);
    if (rc) {
        err_clear(&err);
        return (add ? 1 : -1) * f->sign * INFINITY;
    }
    return f->sign * (double)r;
}

/* First position q in [lo, hi) whose key is >= v (strict: > v). */
static idx_t key_search(const Frame *f, const WinSort *ws, idx_t lo, idx_t hi, double v, bool strict)
{
    while (lo < hi) {
        idx_t mid = lo + (hi - lo) / 2;
        double k = f->key[ws->perm[mid]];
        if (strict ? k <= v : k < v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Moves k peer groups back (k < 0) or forward from the group of p: start of that group. */
static idx_t group_shift(const WinSort *ws, idx_t p, idx_t ps, idx_t pe, i64 k)
{
    idx_t q = ws->peer_start[p];
    if (k < 0) {
        for (i64 i = 0; i < -k && q > ps; i++) q = ws->peer_start[q - 1];
        return q;
    }
    for (i64 i = 0; i < k && q < pe; i++) q = ws->peer_end[q];
    return q;
}

/* Frame of the row at position p of partition [ps, pe), as positions [*fs, *fe).
 * nlo/nhi: the partition's rows with a non-NULL order key (RANGE offsets). */
static void frame_bounds(const Frame *f, const WinSort *ws, idx_t p, idx_t ps, idx_t pe, idx_t nlo, idx_t nhi, idx_t *fs, idx_t *fe)
{
    int o = f->opts;
    bool rows = has(o, FRAMEOPTION_ROWS), groups = has(o, FRAMEOPTION_GROUPS);
    bool cur_null = f->range_off && f->keynull[ws->perm[p]];
    double ck = f->range_off && !cur_null ? f->key[ws->perm[p]] : 0;
    idx_t s, e;
    if (has(o, FRAMEOPTION_START_UNBOUNDED_PRECEDING)) s = ps;
    else if (has(o, FRAMEOPTION_START_CURRENT_ROW)) s = rows ? p : ws->peer_start[p];
    else if (has(o, FRAMEOPTION_START_OFFSET_PRECEDING)) {
        if (rows) s = (i64)(p - ps) > f->soff ? p - (idx_t)f->soff : ps;
        else if (groups) s = group_shift(ws, p, ps, pe, -f->soff);
        else if (cur_null) s = ws->peer_start[p];
        else s = key_search(f, ws, nlo, nhi, range_bound(f, ck, true, false), false);
    } else if (has(o, FRAMEOPTION_START_OFFSET_FOLLOWING)) {
        if (rows) s = (i64)(pe - p) > f->soff ? p + (idx_t)f->soff : pe;
        else if (groups) s = group_shift(ws, p, ps, pe, f->soff);
        else if (cur_null) s = ws->peer_start[p];
        else s = key_search(f, ws, nlo, nhi, range_bound(f, ck, true, true), false);
    } else s = pe; /* UNBOUNDED FOLLOWING is rejected by the grammar */
    if (has(o, FRAMEOPTION_END_UNBOUNDED_FOLLOWING)) e = pe;
    else if (has(o, FRAMEOPTION_END_CURRENT_ROW)) e = rows ? p + 1 : ws->peer_end[p];
    else if (has(o, FRAMEOPTION_END_OFFSET_PRECEDING)) {
        if (rows) e = (i64)(p - ps) >= f->eoff ? p - (idx_t)f->eoff + 1 : ps;
        else if (groups) {
            /* the end of the group f->eoff groups back; none when there are fewer */
            idx_t q = ws->peer_start[p];
            i64 i = 0;
            for (; i < f->eoff && q > ps; i++) q = ws->peer_start[q - 1];
            e = i < f->eoff ? ps : ws->peer_end[q];
        } else if (cur_null) e = ws->peer_end[p];
        else e = key_search(f, ws, nlo, nhi, range_bound(f, ck, false, false), true);
    } else if (has(o, FRAMEOPTION_END_OFFSET_FOLLOWING)) {
        if (rows) e = (i64)(pe - p) > f->eoff ? p + (idx_t)f->eoff + 1 : pe;
        else if (groups) {
            idx_t q = group_shift(ws, p, ps, pe, f->eoff);
            e = q < pe ? ws->peer_end[q] : pe;
        } else if (cur_null) e = ws->peer_end[p];
        else e = key_search(f, ws, nlo, nhi, range_bound(f, ck, false, true), true);
    } else e = ps; /* UNBOUNDED PRECEDING end: rejected by the grammar */
    if (e < s) e = s;
    *fs = s;
    *fe = e;
}

/* The frame minus EXCLUDE: up to three ordered segments of positions. */
typedef struct Segs {
    idx_t lo[3], hi[3];
    int n;
} Segs;

static void frame_segs(const Frame *f, const WinSort *ws, idx_t p, idx_t fs, idx_t fe, Segs *sg)
{
    sg->n = 0;
    idx_t xs = 0, xe = 0;
    bool keep_cur = false;
    if (has(f->opts, FRAMEOPTION_EXCLUDE_CURRENT_ROW)) xs = p, xe = p + 1;
    else if (has(f->opts, FRAMEOPTION_EXCLUDE_GROUP)) xs = ws->peer_start[p], xe = ws->peer_end[p];
    else if (has(f->opts, FRAMEOPTION_EXCLUDE_TIES)) xs = ws->peer_start[p], xe = ws->peer_end[p], keep_cur = true;
    if (xe <= xs) {
        sg->lo[0] = fs, sg->hi[0] = fe, sg->n = fe > fs;
        return;
    }
    idx_t a = fs, b = MDB_MIN(fe, xs);
    if (b > a) sg->lo[sg->n] = a, sg->hi[sg->n++] = b;
    if (keep_cur && p >= fs && p < fe) sg->lo[sg->n] = p, sg->hi[sg->n++] = p + 1;
    a = MDB_MAX(fs, xe), b = fe;
    if (b > a) sg->lo[sg->n] = a, sg->hi[sg->n++] = b;
}

/* ---- aggregates over frames ------------------------------------------------------------------ */

typedef struct AggRun {
    const Expr *e;
    const AggFunc *fn;
    AggCtx c;
    Arena *arena;   /* state memory; reset when the state starts over */
    void *state;
    int na;
    Vector *full;   /* argument vectors, N rows */
    Vector *tmp;    /* gathered arguments, VECTOR_SIZE rows */
    void **states;  /* VECTOR_SIZE copies of state */
    u32 *sel;
} AggRun;

static void aggrun_reset(AggRun *r)
{
    arena_reset(r->arena);
    r->state = arena_zalloc(r->arena, r->fn->state_size ? r->fn->state_size : 1);
    r->fn->init(&r->c, r->state);
}

/* Adds the rows at positions [lo, hi) to the running state. */
static int aggrun_add(AggRun *r, const WinSort *ws, idx_t lo, idx_t hi)
{
    bool strict = !(r->fn->flags & FUNC_NOT_STRICT);
    while (lo < hi) {
        idx_t m = 0;
        idx_t stop = MDB_MIN(hi, lo + VECTOR_SIZE);
        for (idx_t q = lo; q < stop; q++) {
            u32 row = ws->perm[q];
            bool skip = false;
            if (strict)
                for (int k = 0; k < r->na && !skip; k++) skip = vector_is_null(&r->full[k], row);
            if (!skip) r->sel[m++] = row;
        }
        lo = stop;
        if (!m) continue;
        for (idx_t i = 0; i < m; i++) r->states[i] = r->state;
        for (int k = 0; k < r->na; k++) {
            Vector *t = &r->tmp[k];
            if (r->full[k].is_const) {
                *t = r->full[k];
                continue;
            }
            t->nulls = NULL;
            vector_gather(&r->full[k], r->sel, m, t);
        }
        if (r->fn->update(&r->c, r->tmp, m, r->states)) return MDB_FAIL;
    }
    return MDB_OK_;
}

/* ---- the functions ------------------------------------------------------------------------- */

static void set_i64(Vector *v, u32 row, i64 x) { ((i64 *)v->data)[row] = x; }

static int compute_func(Exec *ex, WinState *s, ExprCtx *ec, const Expr *e, const WindowDef *d, const WinSort *ws,
                        Vector *okey, Vector *out)
{
    Err err = {0};
    idx_t n = s->n;
    int kind = e->u.win.func;
    Vector *args = arena_alloc(s->arena, sizeof(Vector) * (size_t)(e->nargs + 1));
    for (int k = 0; k < e->nargs; k++)
        if (eval_full(ex, s, ec, e->args[k], &args[k])) return MDB_FAIL;
    /* frame */
    Frame f;
    memset(&f, 0, sizeof(f));
    f.opts = d->frame_options;
    bool range = !has(f.opts, FRAMEOPTION_ROWS) && !has(f.opts, FRAMEOPTION_GROUPS);
    TypeId kt = okey && d->norder == 1 ? (TypeId)okey->type.id : TYPE_NULL;
    f.temporal = range && (kt == TYPE_DATE || kt == TYPE_TIMESTAMP || kt == TYPE_TIMESTAMPTZ);
    f.tz_key = kt == TYPE_TIMESTAMPTZ;
    f.sign = d->norder && d->order[0].desc ? -1 : 1;
    if (f.tz_key) {
        Err zerr = {0};
        const char *zn = ec->fctx.timezone ? ec->fctx.timezone : "UTC";
        if (tz_lookup(zn, strlen(zn), &f.tz, &zerr)) return op_fail(ex, &zerr);
    }
    if (has(f.opts, FRAMEOPTION_START_OFFSET_PRECEDING | FRAMEOPTION_START_OFFSET_FOLLOWING) && d->start_offset)
        if (frame_offset(ex, ec, d->start_offset, true, range, &f.soff, &f.sroff, f.temporal ? &f.siv : NULL, okey ? okey->type : ltype(TYPE_NULL))) return MDB_FAIL;
    if (has(f.opts, FRAMEOPTION_END_OFFSET_PRECEDING | FRAMEOPTION_END_OFFSET_FOLLOWING) && d->end_offset)
        if (frame_offset(ex, ec, d->end_offset, false, range, &f.eoff, &f.eroff, f.temporal ? &f.eiv : NULL, okey ? okey->type : ltype(TYPE_NULL))) return MDB_FAIL;
    f.range_off = range && has(f.opts, FRAMEOPTION_START_OFFSET_PRECEDING | FRAMEOPTION_START_OFFSET_FOLLOWING |
                                           FRAMEOPTION_END_OFFSET_PRECEDING | FRAMEOPTION_END_OFFSET_FOLLOWING);
    bool uses_frame = kind == WIN_AGG || kind == WIN_FIRST_VALUE || kind == WIN_LAST_VALUE || kind == WIN_NTH_VALUE;
    if (f.range_off && uses_frame) {
        if (d->norder != 1) {
            err_set(&err, "42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
            return op_fail(ex, &err);
        }
        TypeId t = (TypeId)okey->type.id;
        if (!type_is_numeric(t) && !f.temporal) {
            char tb[64];
            err_set(&err, SQLSTATE_FEATURE_NOT_SUPPORTED, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s",
                    type_name(okey->type, tb, sizeof tb));
            return op_fail(ex, &err);
        }
        f.key = arena_alloc(s->arena, sizeof(double) * (n ? n : 1));
        f.keynull = arena_zalloc(s->arena, n ? n : 1);
        double sign = d->order[0].desc ? -1 : 1;
        ec->fctx.err = &err;
        for (idx_t i = 0; i < n; i++) {
            if (vector_is_null(okey, i)) {
                f.keynull[i] = 1;
                continue;
            }
            Value v = vector_get(okey, i), c;
            if (t == TYPE_DATE) c.u.f = (double)v.u.i * 86400e6; /* as the timestamp of its midnight */
            else if (f.temporal) c.u.f = (double)v.u.i;
            else if (t == TYPE_FLOAT64 || t == TYPE_FLOAT32) c.u.f = v.u.f;
            else if (type_is_integer(t)) c.u.f = (double)v.u.i;
            else if (cast_value(&ec->fctx, &v, ltype(TYPE_FLOAT64), &c, ec->arena)) return op_fail(ex, &err);
            f.key[i] = sign * c.u.f;
        }
    }
    bool excl = has(f.opts, FRAMEOPTION_EXCLUDE_CURRENT_ROW | FRAMEOPTION_EXCLUDE_GROUP | FRAMEOPTION_EXCLUDE_TIES);
    AggRun ar;
    memset(&ar, 0, sizeof(ar));
    if (kind == WIN_AGG) {
        ar.e = e;
        ar.fn = e->u.win.agg;
        ar.na = e->nargs;
        ar.full = args;
        ar.arena = arena_create(s->arena);
        ar.c.err = &err;
        ar.c.arena = ar.arena;
        ar.c.fn = ar.fn;
        ar.c.arg_type = e->u.win.arg_type;
        ar.c.ret_type = e->type;
        ar.tmp = arena_alloc(s->arena, sizeof(Vector) * (size_t)(ar.na + 1));
        for (int k = 0; k < ar.na; k++) {
            vector_init(&ar.tmp[k], args[k].type, VECTOR_SIZE, s->arena);
            ar.tmp[k].nulls_buf = arena_alloc(s->arena, VECTOR_SIZE);
        }
        ar.states = arena_alloc(s->arena, sizeof(void *) * VECTOR_SIZE);
        ar.sel = arena_alloc(s->arena, sizeof(u32) * VECTOR_SIZE);
    }
    idx_t ps = 0;
    while (ps < n) {
        idx_t pe = ws->part_end[ps], cnt = pe - ps;
        idx_t nlo = ps, nhi = pe; /* rows with a non-NULL order key */
        if (f.range_off && uses_frame) {
            while (nlo < pe && f.keynull[ws->perm[nlo]]) nlo++;
            while (nhi > nlo && f.keynull[ws->perm[nhi - 1]]) nhi--;
        }
        idx_t cur_fs = ps, cur_fe = ps;
        bool fresh = true;
        i64 dense = 0, ntile_n = 0;
        bool ntile_null = false;
        if (kind == WIN_NTILE) {
            u32 r0 = ws->perm[ps];
            ntile_null = vector_is_null(&args[0], r0);
            if (!ntile_null) {
                ntile_n = ((i32 *)args[0].data)[args[0].is_const ? 0 : r0];
                if (ntile_n <= 0) {
                    err_set(&err, "22014", "argument of ntile must be greater than zero");
                    return op_fail(ex, &err);
                }
            }
        }
        for (idx_t p = ps; p < pe; p++) {
            u32 row = ws->perm[p];
            if (exec_cancelled(ex)) return MDB_FAIL;
            switch (kind) {
            case WIN_ROW_NUMBER: set_i64(out, row, (i64)(p - ps + 1)); break;
            case WIN_RANK: set_i64(out, row, (i64)(ws->peer_start[p] - ps + 1)); break;
            case WIN_DENSE_RANK:
                if (p == ws->peer_start[p]) dense++;
                set_i64(out, row, dense);
                break;
            case WIN_PERCENT_RANK:
                ((double *)out->data)[row] = cnt > 1 ? (double)(ws->peer_start[p] - ps) / (double)(cnt - 1) : 0.0;
                break;
            case WIN_CUME_DIST: ((double *)out->data)[row] = (double)(ws->peer_end[p] - ps) / (double)cnt; break;
            case WIN_NTILE: {
                if (ntile_null) {
                    vector_set_null(out, row, true);
                    break;
                }
                i64 q = (i64)cnt / ntile_n, rem = (i64)cnt % ntile_n, r = (i64)(p - ps), b;
                if (r < rem * (q + 1)) b = r / (q + 1) + 1;
                else b = rem + (r - rem * (q + 1)) / q + 1;
                ((i32 *)out->data)[row] = (i32)b;
                break;
            }
            case WIN_LAG:
            case WIN_LEAD: {
                i64 off = 1;
                if (e->nargs >= 2) {
                    if (vector_is_null(&args[1], row)) {
                        vector_set_null(out, row, true);
                        break;
                    }
                    off = ((i32 *)args[1].data)[args[1].is_const ? 0 : row];
                }
                i64 t = kind == WIN_LAG ? (i64)p - off : (i64)p + off;
                if (t >= (i64)ps && t < (i64)pe) {
                    u32 src = ws->perm[t];
                    vector_copy(&args[0], &src, 1, out, row);
                } else if (e->nargs == 3) {
                    vector_copy(&args[2], &row, 1, out, row);
                } else {
                    vector_set_null(out, row, true);
                }
                break;
            }
            case WIN_FIRST_VALUE:
            case WIN_LAST_VALUE:
            case WIN_NTH_VALUE: {
                idx_t fs, fe;
                frame_bounds(&f, ws, p, ps, pe, nlo, nhi, &fs, &fe);
                Segs sg;
                frame_segs(&f, ws, p, fs, fe, &sg);
                i64 want = 1;
                if (kind == WIN_NTH_VALUE) {
                    if (vector_is_null(&args[1], row)) {
                        vector_set_null(out, row, true);
                        break;
                    }
                    want = ((i32 *)args[1].data)[args[1].is_const ? 0 : row];
                    if (want <= 0) {
                        err_set(&err, "22016", "argument of nth_value must be greater than zero");
                        return op_fail(ex, &err);
                    }
                }
                i64 found = -1;
                if (sg.n && kind == WIN_LAST_VALUE) found = (i64)sg.hi[sg.n - 1] - 1;
                else
                    for (int k = 0; k < sg.n && found < 0; k++) {
                        i64 len = (i64)(sg.hi[k] - sg.lo[k]);
                        if (want <= len) found = (i64)sg.lo[k] + want - 1;
                        else want -= len;
                    }
                if (found < 0) vector_set_null(out, row, true);
                else {
                    u32 src = ws->perm[found];
                    vector_copy(&args[0], &src, 1, out, row);
                }
                break;
            }
            case WIN_AGG: {
                idx_t fs, fe;
                frame_bounds(&f, ws, p, ps, pe, nlo, nhi, &fs, &fe);
                if (excl) {
                    Segs sg;
                    frame_segs(&f, ws, p, fs, fe, &sg);
                    aggrun_reset(&ar);
                    for (int k = 0; k < sg.n; k++)
                        if (aggrun_add(&ar, ws, sg.lo[k], sg.hi[k])) return op_fail(ex, &err);
                } else if (!fresh && fs == cur_fs && fe >= cur_fe) {
                    if (aggrun_add(&ar, ws, cur_fe, fe)) return op_fail(ex, &err);
                } else {
                    aggrun_reset(&ar);
                    if (aggrun_add(&ar, ws, fs, fe)) return op_fail(ex, &err);
                }
                fresh = false;
                cur_fs = fs;
                cur_fe = fe;
                if (ar.fn->finalize(&ar.c, ar.state, out, row)) return op_fail(ex, &err);
                break;
            }
            default:
                err_set(&err, SQLSTATE_INTERNAL_ERROR, "unknown window function %d", kind);
                return op_fail(ex, &err);
            }
        }
        ps = pe;
    }
    return MDB_OK_;
}

static bool same_keys(const WindowDef *a, const WindowDef *b)
{
    if (a->npart != b->npart || a->norder != b->norder) return false;
    for (int i = 0; i < a->npart; i++)
        if (!expr_equal(a->part[i], b->part[i])) return false;
    for (int i = 0; i < a->norder; i++)
        if (a->order[i].desc != b->order[i].desc || a->order[i].nulls_first != b->order[i].nulls_first ||
            !expr_equal(a->order[i].expr, b->order[i].expr))
            return false;
    return true;
}

static int win_finalize(Exec *ex, PhysOp *op, void *g)
{
    WinInfo *wi = op->info;
    WinState *s = g;
    pthread_mutex_lock(&ex->mu);
    s->arena = arena_create(ex->arena);
    Arena *scratch = arena_create(ex->arena);
    pthread_mutex_unlock(&ex->mu);
    ExprCtx ec;
    exprctx_init(&ec, ex, scratch);
    idx_t n = s->rows->count;
    s->n = n;
    /* input columns as full-length vectors */
    s->in = arena_alloc(s->arena, sizeof(Vector) * (size_t)(wi->nin + 1));
    for (int c = 0; c < wi->nin; c++) {
        vector_init(&s->in[c], op->children[0]->types[c], n, s->arena);
        idx_t off = 0;
        for (size_t ci = 0; ci < s->rows->nchunks; ci++) {
            DataChunk *ch = s->rows->chunks[ci];
            vector_copy(&ch->cols[c], NULL, ch->count, &s->in[c], off);
            off += ch->count;
        }
    }
    s->res = arena_alloc(s->arena, sizeof(Vector) * (size_t)(wi->nfuncs + 1));
    for (int i = 0; i < wi->nfuncs; i++) vector_init(&s->res[i], wi->funcs[i]->type, n, s->arena);
    WinSort *sorts = arena_zalloc(s->arena, sizeof(WinSort) * (size_t)(wi->ndefs + 1));
    Vector *okeys = arena_zalloc(s->arena, sizeof(Vector) * (size_t)(wi->ndefs + 1));
    int last = -1;
    for (int d = 0; d < wi->ndefs; d++) {
        bool used = false;
        for (int i = 0; i < wi->nfuncs; i++) used |= wi->funcs[i]->u.win.def == d;
        if (!used) continue;
        int same = -1;
        for (int e = 0; e < d && same < 0; e++)
            if (sorts[e].perm && same_keys(&wi->defs[e], &wi->defs[d])) same = e;
        if (same >= 0) {
            sorts[d] = sorts[same];
            okeys[d] = okeys[same];
        } else if (win_sort(ex, s, &ec, &wi->defs[d], &sorts[d], &okeys[d])) {
            return MDB_FAIL;
        }
        for (int i = 0; i < wi->nfuncs; i++)
            if (wi->funcs[i]->u.win.def == d &&
                compute_func(ex, s, &ec, wi->funcs[i], &wi->defs[d], &sorts[d], &okeys[d], &s->res[i]))
                return MDB_FAIL;
        last = d;
    }
    if (last >= 0) s->order = sorts[last].perm;
    else {
        s->order = arena_alloc(s->arena, sizeof(u32) * (n ? n : 1));
        for (idx_t i = 0; i < n; i++) s->order[i] = (u32)i;
    }
    /* the input rows are freed at execution cleanup (exec_own_coll) */
    s->rows = NULL;
    return MDB_OK_;
}

static void *win_src_local(Exec *ex, PhysOp *op, void *g) { return NULL; }

static int win_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    WinInfo *wi = op->info;
    WinState *s = g;
    if (s->pos >= s->n) return MDB_OK_;
    idx_t m = MDB_MIN((idx_t)VECTOR_SIZE, s->n - s->pos);
    const u32 *sel = s->order + s->pos;
    for (int c = 0; c < wi->nin; c++) vector_copy(&s->in[c], sel, m, &out->cols[c], 0);
    for (int i = 0; i < wi->nfuncs; i++) vector_copy(&s->res[i], sel, m, &out->cols[wi->nin + i], 0);
    out->count = m;
    s->pos += m;
    return MDB_OK_;
}

static const OpVT WINDOW_VT = {.name = "WindowAgg", .sink_init = win_init, .sink_local = win_local, .sink_push = win_push,
                               .sink_combine = win_combine, .sink_finalize = win_finalize, .src_local = win_src_local,
                               .src_next = win_next};

PhysOp *phys_window(Arena *a, PhysOp *child, Expr **funcs, int nfuncs, WindowDef *defs, int ndefs, const LType *types,
                    int ncols)
{
    PhysOp *op = physop_new(a, &WINDOW_VT, 1, types, ncols);
    op->children[0] = child;
    WinInfo *wi = arena_zalloc(a, sizeof(WinInfo));
    wi->funcs = funcs;
    wi->nfuncs = nfuncs;
    wi->defs = defs;
    wi->ndefs = ndefs;
    wi->nin = child->ncols;
    op->info = wi;
    return op;
}
