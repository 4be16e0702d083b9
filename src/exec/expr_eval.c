/*
 * src/exec/expr_eval.c — vectorised expression evaluation.
 *
 * Each node produces one Vector for the whole chunk.  Functions run their
 * kernel once per chunk (or once in total when every argument is constant).
 * CASE and COALESCE evaluate a branch only on the rows that reach it, by
 * gathering those rows into a smaller chunk, so `CASE WHEN x = 0 THEN 0 ELSE
 * 1 / x END` never divides by zero.  Subqueries are run once when
 * uncorrelated (results cached per execution) and once per distinct outer
 * row otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "common/strbuf.h"
#include "exec/keys.h"
#include "exec/physical.h"
#include "types/numeric.h"

static void defer_thunk(void *owner, void (*fn)(void *), void *arg) { exec_defer(owner, fn, arg); }
static bool cancelled_thunk(void *owner) { return exec_cancelled(owner); }

void exprctx_init(ExprCtx *c, Exec *ex, Arena *arena)
{
    memset(c, 0, sizeof(*c));
    c->exec = ex;
    c->arena = arena;
    c->fctx.arena = arena;
    c->fctx.timezone = ex && ex->settings ? ex->settings->timezone : "UTC";
    c->fctx.now_us = ex ? ex->now_us : 0;
    c->fctx.session = ex ? ex->session : NULL;
    c->fctx.defer = ex ? defer_thunk : NULL;
    c->fctx.cancelled = ex ? cancelled_thunk : NULL;
    c->fctx.defer_owner = ex;
}

/* ---- expression utilities --------------------------------------------------- */

Expr *expr_copy(Arena *a, const Expr *e)
{
    if (!e) return NULL;
    Expr *c = arena_memdup(a, e, sizeof(Expr));
    if (e->nargs) {
        c->args = arena_alloc(a, sizeof(Expr *) * (size_t)e->nargs);
        for (int i = 0; i < e->nargs; i++) c->args[i] = expr_copy(a, e->args[i]);
    }
    if (e->kind == EXPR_SUBQUERY && e->u.sub.nouter) {
        c->u.sub.outer_exprs = arena_alloc(a, sizeof(Expr *) * (size_t)e->u.sub.nouter);
        for (int i = 0; i < e->u.sub.nouter; i++) c->u.sub.outer_exprs[i] = expr_copy(a, e->u.sub.outer_exprs[i]);
    }
    if (e->kind == EXPR_AGGREF && e->u.agg.filter) c->u.agg.filter = expr_copy(a, e->u.agg.filter);
    return c;
}

Expr *expr_and(Arena *a, Expr *x, Expr *y)
{
    if (!x) return y;
    if (!y) return x;
    Expr *e = expr_new(a, EXPR_AND, ltype(TYPE_BOOL), 0);
    e->nargs = 2;
    e->args = arena_alloc(a, sizeof(Expr *) * 2);
    e->args[0] = x;
    e->args[1] = y;
    return e;
}

bool expr_has_volatile(const Expr *e)
{
    if (!e) return false;
    if (e->kind == EXPR_FUNC && e->u.func.fn && (e->u.func.fn->flags & FUNC_VOLATILE)) return true;
    if (e->kind == EXPR_AGGREF && expr_has_volatile(e->u.agg.filter)) return true;
    for (int i = 0; i < e->nargs; i++)
        if (expr_has_volatile(e->args[i])) return true;
    return false;
}

bool expr_equal(const Expr *a, const Expr *b)
{
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->kind != b->kind || !ltype_eq(a->type, b->type) || a->nargs != b->nargs) return false;
    switch (a->kind) {
    case EXPR_CONST: {
        const Value *x = &a->u.constant, *y = &b->u.constant;
        if (x->is_null || y->is_null) return x->is_null == y->is_null;
        if (type_is_string((TypeId)x->type.id)) return str_eq(&x->u.s, &y->u.s);
        return value_cmp(x, y) == 0 && x->type.id == y->type.id;
    }
    case EXPR_COLREF:
        return a->u.col.binding.table == b->u.col.binding.table && a->u.col.binding.column == b->u.col.binding.column &&
               a->u.col.depth == b->u.col.depth;
    case EXPR_OUTER: return a->u.outer.slot == b->u.outer.slot;
    case EXPR_PARAM: return a->u.param.index == b->u.param.index;
    case EXPR_FUNC: if (a->u.func.fn != b->u.func.fn) return false; break;
    case EXPR_CAST: if (a->u.dist.negate != b->u.dist.negate) return false; break;
    case EXPR_SUBQUERY: return false;
    case EXPR_AGGREF:
        if (a->u.agg.fn != b->u.agg.fn || a->u.agg.distinct != b->u.agg.distinct || a->u.agg.star != b->u.agg.star ||
            !expr_equal(a->u.agg.filter, b->u.agg.filter) || a->u.agg.nargs_order || b->u.agg.nargs_order)
            return false;
        break;
    case EXPR_IS_TRUE:
        if (a->u.istest.want != b->u.istest.want || a->u.istest.negate != b->u.istest.negate || a->u.istest.unknown != b->u.istest.unknown) return false;
        break;
    case EXPR_IN_LIST:
    case EXPR_DISTINCT_FROM:
        if (a->u.sub.negate != b->u.sub.negate) return false;
        break;
    case EXPR_WINDOW: return false;
    default: break;
    }
    for (int i = 0; i < a->nargs; i++)
        if (!expr_equal(a->args[i], b->args[i])) return false;
    return true;
}

bool expr_is_foldable(const Expr *e)
{
    switch (e->kind) {
    case EXPR_COLREF:
    case EXPR_OUTER:
    case EXPR_PARAM:
    case EXPR_SUBQUERY:
    case EXPR_AGGREF:
    case EXPR_WINDOW: return false;
    case EXPR_FUNC: if (e->u.func.fn->flags & FUNC_VOLATILE) return false; break;
    default: break;
    }
    for (int i = 0; i < e->nargs; i++)
        if (!expr_is_foldable(e->args[i])) return false;
    return true;
}

bool expr_has_subquery(const Expr *e)
{
    if (!e) return false;
    if (e->kind == EXPR_SUBQUERY) return true;
    for (int i = 0; i < e->nargs; i++)
        if (expr_has_subquery(e->args[i])) return true;
    return false;
}

/* ---- helpers ------------------------------------------------------------------- */

static void alloc_vec(ExprCtx *c, Vector *v, LType t, idx_t n)
{
    vector_init(v, t, n ? n : 1, c->arena);
}

static void const_vec(ExprCtx *c, Vector *v, const Value *val, LType t)
{
    alloc_vec(c, v, t, 1);
    Value x = *val;
    x.type = t;
    vector_set_const(v, &x);
}

/* Gathers rows sel[0..n) of `in` into a new chunk (shallow for strings). */
static DataChunk *slice(ExprCtx *c, DataChunk *in, const u32 *sel, idx_t n)
{
    DataChunk *d = arena_alloc(c->arena, sizeof(DataChunk));
    memset(d, 0, sizeof(*d));
    d->ncols = in->ncols;
    d->cols = arena_alloc(c->arena, sizeof(Vector) * (size_t)(in->ncols + 1));
    d->count = n;
    d->cap = n;
    d->arena = c->arena;
    for (int i = 0; i < in->ncols; i++) {
        Vector *src = &in->cols[i], *dst = &d->cols[i];
        if (src->is_const) {
            *dst = *src;
            continue;
        }
        vector_init(dst, src->type, n ? n : 1, c->arena);
        size_t w = type_width(src->type);
        values_gather(dst->data, src->data, sel, n, w);
        if (src->nulls) {
            u8 *nl = vector_nulls(dst);
            for (idx_t k = 0; k < n; k++) nl[k] = src->nulls[sel[k]];
        }
    }
    return d;
}

/* Writes rows of `part` (n rows) into `out` at positions sel. */
static void scatter(const Vector *part, const u32 *sel, idx_t n, Vector *out)
{
    size_t w = type_width(out->type);
    for (idx_t k = 0; k < n; k++) {
        idx_t src = part->is_const ? 0 : k;
        if (part->nulls && part->nulls[src]) {
            vector_nulls(out)[sel[k]] = 1;
            continue;
        }
        if (out->nulls) out->nulls[sel[k]] = 0;
        memcpy(out->data + (size_t)sel[k] * w, part->data + src * w, w);
    }
}

static int fail(ExprCtx *c, Err *e)
{
    (void)c;
    (void)e;
    return MDB_FAIL;
}

/* Kernels run over NULL rows too, and a string vector's NULL slots may hold
 * garbage Str records (nobody writes them): points v at a private copy of its
 * first cnt slots with the NULL ones blanked. */
static void blank_null_strs(ExprCtx *c, Vector *v, idx_t cnt)
{
    if (!v->nulls || !type_is_string((TypeId)v->type.id)) return;
    Str *d = arena_alloc(c->arena, sizeof(Str) * (cnt ? cnt : 1));
    memcpy(d, v->data, sizeof(Str) * cnt);
    for (idx_t r = 0; r < cnt; r++)
        if (v->nulls[r]) memset(&d[r], 0, sizeof(Str));
    v->data = (u8 *)d;
}

/* Calls a kernel on its argument vectors of `n` rows.  Constant arguments
 * are flattened first unless the kernel reads them itself (FUNC_CONST_ARGS,
 * e.g. `v > 100` compares against row 0 of the constant). */
static int call_kernel(ExprCtx *c, const ScalarFunc *fn, Vector *args, int nargs, idx_t n, Vector *out, LType rt)
{
    bool all_const = true;
    for (int i = 0; i < nargs; i++) all_const = all_const && args[i].is_const;
    idx_t cnt = all_const ? 1 : n;
    alloc_vec(c, out, rt, cnt);
    if (!all_const && !(fn->flags & FUNC_CONST_ARGS))
        for (int i = 0; i < nargs; i++)
            if (args[i].is_const) {
                Vector f;
                vector_init(&f, args[i].type, n, c->arena);
                f.heap = args[i].heap;
                vector_copy(&args[i], NULL, n, &f, 0);
                args[i] = f;
            }
    if (!(fn->flags & FUNC_NOT_STRICT)) {
        for (int i = 0; i < nargs; i++) {
            if (!args[i].nulls) continue;
            u8 *on = vector_nulls(out);
            if (args[i].is_const) {
                if (args[i].nulls[0]) memset(on, 1, cnt);
                continue;
            }
            for (idx_t r = 0; r < cnt; r++) on[r] |= args[i].nulls[r];
        }
        if (out->nulls) {
            bool any_valid = false;
            for (idx_t r = 0; r < cnt; r++) any_valid |= !out->nulls[r];
            if (!any_valid) {
                out->is_const = all_const;
                return MDB_OK_;
            }
            for (int i = 0; i < nargs; i++)
                if (!args[i].is_const || all_const) blank_null_strs(c, &args[i], cnt);
        }
    }
    if (fn->kernel(&c->fctx, args, nargs, cnt, out)) return MDB_FAIL;
    out->is_const = all_const;
    return MDB_OK_;
}

/* ---- subqueries ------------------------------------------------------------------ */

/* Per execution: results of uncorrelated subqueries, hash sets for
 * uncorrelated `x IN (subquery)`, and memoised results of correlated
 * subqueries keyed by their outer values (so a subquery runs once per
 * distinct outer value, not once per row). */
typedef struct SubqMemo {
    KeyTable kt;             /* encoded outer values → index into vals */
    Value *vals;
    size_t n, cap;
    Arena *arena;            /* string results */
} SubqMemo;

#define SUBQ_MEMO_MAX 200000

struct SubqueryCache {
    pthread_mutex_t mu;
    int n;
    ColumnCollection **results; /* uncorrelated results by subquery id */
    KeyTable **sets;            /* IN hash sets by subquery id */
    bool *set_has_null;
    SubqMemo **memo;
};

static SubqueryCache *subq_cache(Exec *ex)
{
    Exec *root = ex;
    while (root->parent && root->parent->subq == root->subq && root->parent != root) root = root->parent;
    return ex->subq;
}

/* Evaluates the subquery for a set of outer values; `out` receives rows. */
static int run_sub(ExprCtx *c, const Expr *e, const Value *outer, idx_t limit, ColumnCollection **out, bool *owned)
{
    Exec *ex = c->exec;
    SubqueryCache *sc = subq_cache(ex);
    bool cacheable = e->u.sub.nouter == 0 && sc;
    if (cacheable) {
        pthread_mutex_lock(&sc->mu);
        ColumnCollection *r = e->u.sub.id < sc->n ? sc->results[e->u.sub.id] : NULL;
        pthread_mutex_unlock(&sc->mu);
        if (r) {
            *out = r;
            *owned = false;
            return MDB_OK_;
        }
    }
    PhysOp *plan = e->u.sub.phys;
    ColumnCollection *res = colcoll_create(plan->types, plan->ncols);
    if (exec_subquery(ex, plan, outer, e->u.sub.nouter, res, cacheable ? 0 : limit)) {
        colcoll_destroy(res);
        return MDB_FAIL;
    }
    if (cacheable) {
        pthread_mutex_lock(&sc->mu);
        if (e->u.sub.id < sc->n && !sc->results[e->u.sub.id]) {
            sc->results[e->u.sub.id] = res;
            *owned = false;
        } else {
            *owned = true;
        }
        pthread_mutex_unlock(&sc->mu);
    } else {
        *owned = true;
    }
    *out = res;
    return MDB_OK_;
}

/* Compares v with every row of the subquery result for ANY/ALL. */
static int sub_quantified(ExprCtx *c, const Expr *e, const Value *lhs, ColumnCollection *res, Value *outv)
{
    bool any = e->u.sub.kind == SUBQ_ANY;
    if (res->count == 0) {
        *outv = value_bool(!any);
        return MDB_OK_;
    }
    if (lhs->is_null) {
        *outv = value_null();
        return MDB_OK_;
    }
    bool saw_null = false;
    for (size_t ci = 0; ci < res->nchunks; ci++) {
        DataChunk *d = res->chunks[ci];
        Vector args[2];
        LType lt = e->args[0]->type;
        const_vec(c, &args[0], lhs, lt);
        /* cast the subquery column to the comparison type when needed */
        Vector col = d->cols[0];
        if (!ltype_eq(col.type, lt) && col.type.id != lt.id) {
            Vector cv;
            alloc_vec(c, &cv, lt, d->count);
            if (cast_vector(&c->fctx, &col, d->count, lt, &cv, false)) return MDB_FAIL;
            col = cv;
        }
        args[1] = col;
        Vector r;
        if (call_kernel(c, e->u.sub.cmp, args, 2, d->count, &r, ltype(TYPE_BOOL))) return MDB_FAIL;
        for (idx_t k = 0; k < d->count; k++) {
            idx_t i = r.is_const ? 0 : k;
            if (r.nulls && r.nulls[i]) { saw_null = true; continue; }
            bool t = r.data[i] != 0;
            if (any && t) { *outv = value_bool(true); return MDB_OK_; }
            if (!any && !t) { *outv = value_bool(false); return MDB_OK_; }
        }
    }
    *outv = saw_null ? value_null() : value_bool(!any);
    return MDB_OK_;
}

static void flatten_to(ExprCtx *c, Vector *v, idx_t n);

/* Builds (once) the hash set of an uncorrelated IN subquery's values, cast
 * to the comparison type. */
static KeyTable *in_set(ExprCtx *c, const Expr *e, ColumnCollection *res, bool *has_null)
{
    SubqueryCache *sc = c->exec->subq;
    int id = e->u.sub.id;
    pthread_mutex_lock(&sc->mu);
    KeyTable *kt = sc->sets[id];
    *has_null = sc->set_has_null[id];
    pthread_mutex_unlock(&sc->mu);
    if (kt) return kt;
    kt = xcalloc(1, sizeof(KeyTable));
    keytable_init(kt);
    bool hn = false;
    LType lt = e->args[0]->type;
    Arena *a = arena_create(NULL);
    FuncCtx fc = c->fctx;
    Err er = {0};
    fc.err = &er;
    for (size_t ci = 0; ci < res->nchunks; ci++) {
        DataChunk *d = res->chunks[ci];
        Vector col = d->cols[0];
        if (col.type.id != lt.id) {
            Vector cv;
            vector_init(&cv, lt, d->count, a);
            if (cast_vector(&fc, &col, d->count, lt, &cv, false)) {
                exec_fail(c->exec, &er);
                keytable_free(kt);
                free(kt);
                arena_destroy(a);
                return NULL;
            }
            col = cv;
        }
        KeyBuf kb;
        keys_encode(a, &col, 1, d->count, &kb);
        for (idx_t i = 0; i < d->count; i++) {
            if (kb.has_null[i]) { hn = true; continue; }
            keytable_find(kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, NULL);
        }
        arena_reset(a);
    }
    arena_destroy(a);
    pthread_mutex_lock(&sc->mu);
    if (sc->sets[id]) {
        keytable_free(kt);
        free(kt);
        kt = sc->sets[id];
    } else {
        sc->sets[id] = kt;
        sc->set_has_null[id] = hn;
    }
    *has_null = sc->set_has_null[id];
    pthread_mutex_unlock(&sc->mu);
    return kt;
}

/* x IN (uncorrelated subquery) by hash lookup, with SQL's NULL rules. */
static int eval_in_hashed(ExprCtx *c, const Expr *e, DataChunk *in, Vector *out)
{
    idx_t n = in ? in->count : 1;
    ColumnCollection *res;
    bool owned;
    if (run_sub(c, e, NULL, 0, &res, &owned)) return MDB_FAIL;
    bool has_null;
    KeyTable *kt = in_set(c, e, res, &has_null);
    if (owned) colcoll_destroy(res);
    if (!kt) return MDB_FAIL;
    Vector lhs;
    if (expr_eval(c, e->args[0], in, &lhs)) return MDB_FAIL;
    idx_t cnt = lhs.is_const ? 1 : n;
    alloc_vec(c, out, ltype(TYPE_BOOL), cnt);
    bool empty = kt->n == 0 && !has_null;
    KeyBuf kb;
    keys_encode(c->arena, &lhs, 1, cnt, &kb);
    for (idx_t i = 0; i < cnt; i++) {
        if (empty) { out->data[i] = 0; continue; }
        if (kb.has_null[i]) { vector_nulls(out)[i] = 1; continue; }
        bool found = keytable_find(kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], false, NULL) != NULL;
        if (found) out->data[i] = 1;
        else if (has_null) vector_nulls(out)[i] = 1;
        else out->data[i] = 0;
    }
    out->is_const = lhs.is_const;
    return MDB_OK_;
}

static SubqMemo *memo_of(Exec *ex, int id)
{
    SubqueryCache *sc = ex->subq;
    if (!sc || id >= sc->n) return NULL;
    if (!sc->memo[id]) {
        SubqMemo *m = xcalloc(1, sizeof(SubqMemo));
        keytable_init(&m->kt);
        m->arena = arena_create(NULL);
        sc->memo[id] = m;
    }
    return sc->memo[id];
}

static int eval_subquery(ExprCtx *c, const Expr *e, DataChunk *in, Vector *out)
{
    idx_t n = in ? in->count : 1;
    int no = e->u.sub.nouter;
    if (no == 0 && e->u.sub.kind == SUBQ_ANY && e->u.sub.cmp && !strcmp(e->u.sub.cmp->name, "=") && c->exec->subq)
        return eval_in_hashed(c, e, in, out);
    Vector *ov = NULL;
    bool all_const = true;
    int nkey = no;
    if (no) {
        ov = arena_alloc(c->arena, sizeof(Vector) * (size_t)(no + 1));
        for (int i = 0; i < no; i++) {
            if (expr_eval(c, e->u.sub.outer_exprs[i], in, &ov[i])) return MDB_FAIL;
            all_const = all_const && ov[i].is_const;
        }
    }
    Vector lhs;
    bool has_lhs = e->u.sub.kind == SUBQ_ANY || e->u.sub.kind == SUBQ_ALL;
    if (has_lhs) {
        if (expr_eval(c, e->args[0], in, &lhs)) return MDB_FAIL;
        all_const = all_const && lhs.is_const;
        if (no) ov[nkey++] = lhs;
    }
    idx_t cnt = all_const ? 1 : n;
    alloc_vec(c, out, e->type, cnt);
    Value *outer = no ? arena_alloc(c->arena, sizeof(Value) * (size_t)no) : NULL;
    /* memo keys: the outer values (and the left operand of ANY/ALL) */
    KeyBuf kb;
    SubqMemo *memo = NULL;
    if (no && c->exec->subq) {
        for (int i = 0; i < nkey; i++) flatten_to(c, &ov[i], cnt);
        keys_encode(c->arena, ov, nkey, cnt, &kb);
        memo = memo_of(c->exec, e->u.sub.id);
    }
    for (idx_t r = 0; r < cnt; r++) {
        if (memo) {
            pthread_mutex_lock(&c->exec->subq->mu);
            i64 *slot = keytable_find(&memo->kt, kb.data + kb.off[r], kb.off[r + 1] - kb.off[r], kb.hash[r], false, NULL);
            Value hit = slot ? memo->vals[*slot] : value_null();
            pthread_mutex_unlock(&c->exec->subq->mu);
            if (slot) {
                vector_set(out, r, &hit);
                continue;
            }
        }
        for (int i = 0; i < no; i++) outer[i] = vector_get(&ov[i], r);
        ColumnCollection *res;
        bool owned;
        idx_t limit = e->u.sub.kind == SUBQ_EXISTS ? 1 : e->u.sub.kind == SUBQ_SCALAR ? 2 : 0;
        if (run_sub(c, e, outer, limit, &res, &owned)) return MDB_FAIL;
        Value v = value_null();
        int rc = MDB_OK_;
        switch (e->u.sub.kind) {
        case SUBQ_EXISTS: v = value_bool(res->count > 0); break;
        case SUBQ_SCALAR:
            if (res->count > 1) {
                Err er = {0};
                err_set(&er, SQLSTATE_CARDINALITY_VIOLATION, "more than one row returned by a subquery used as an expression");
                exec_fail(c->exec, &er);
                rc = MDB_FAIL;
                break;
            }
            v = res->count ? colcoll_get(res, 0, 0) : value_null();
            break;
        default: {
            Value l = vector_get(&lhs, r);
            rc = sub_quantified(c, e, &l, res, &v);
        }
        }
        if (rc == MDB_OK_) {
            vector_set(out, r, &v);
            if (memo) {
                Value keep = v;
                pthread_mutex_lock(&c->exec->subq->mu);
                if (memo->n < SUBQ_MEMO_MAX) {
                    if (!keep.is_null && type_is_string((TypeId)keep.type.id))
                        keep.u.s = str_copy(memo->arena, str_data(&keep.u.s), keep.u.s.len);
                    bool ins;
                    i64 *slot = keytable_find(&memo->kt, kb.data + kb.off[r], kb.off[r + 1] - kb.off[r], kb.hash[r], true, &ins);
                    if (ins) {
                        if (memo->n == memo->cap) {
                            memo->cap = memo->cap ? memo->cap * 2 : 64;
                            memo->vals = xrealloc(memo->vals, sizeof(Value) * memo->cap);
                        }
                        memo->vals[memo->n] = keep;
                        *slot = (i64)memo->n++;
                    }
                }
                pthread_mutex_unlock(&c->exec->subq->mu);
            }
        }
        if (owned) colcoll_destroy(res);
        if (rc) return MDB_FAIL;
    }
    out->is_const = all_const;
    return MDB_OK_;
}

/* ---- boolean logic ------------------------------------------------------------------ */

static void flatten_to(ExprCtx *c, Vector *v, idx_t n)
{
    if (!v->is_const) return;
    Vector f;
    vector_init(&f, v->type, n ? n : 1, c->arena);
    f.heap = v->heap;
    vector_copy(v, NULL, n, &f, 0);
    *v = f;
}

static int eval_andor(ExprCtx *c, const Expr *e, DataChunk *in, Vector *out)
{
    idx_t n = in ? in->count : 1;
    Vector l, r;
    if (expr_eval(c, e->args[0], in, &l) || expr_eval(c, e->args[1], in, &r)) return MDB_FAIL;
    bool all_const = l.is_const && r.is_const;
    idx_t cnt = all_const ? 1 : n;
    if (!all_const) { flatten_to(c, &l, n); flatten_to(c, &r, n); }
    alloc_vec(c, out, ltype(TYPE_BOOL), cnt);
    bool is_and = e->kind == EXPR_AND;
    u8 *o = out->data;
    if (!l.nulls && !r.nulls) {
        if (is_and) for (idx_t i = 0; i < cnt; i++) o[i] = l.data[i] & r.data[i];
        else for (idx_t i = 0; i < cnt; i++) o[i] = l.data[i] | r.data[i];
    } else {
        u8 *on = vector_nulls(out);
        for (idx_t i = 0; i < cnt; i++) {
            bool ln = l.nulls && l.nulls[i], rn = r.nulls && r.nulls[i];
            bool lv = l.data[i], rv = r.data[i];
            if (is_and) {
                if ((!ln && !lv) || (!rn && !rv)) { o[i] = 0; on[i] = 0; }
                else if (ln || rn) { on[i] = 1; o[i] = 0; }
                else { o[i] = 1; on[i] = 0; }
            } else {
                if ((!ln && lv) || (!rn && rv)) { o[i] = 1; on[i] = 0; }
                else if (ln || rn) { on[i] = 1; o[i] = 0; }
                else { o[i] = 0; on[i] = 0; }
            }
        }
    }
    out->is_const = all_const;
    return MDB_OK_;
}

/* ---- CASE / COALESCE ------------------------------------------------------------------ */

static int eval_case(ExprCtx *c, const Expr *e, DataChunk *in, Vector *out)
{
    idx_t n = in ? in->count : 1;
    alloc_vec(c, out, e->type, n);
    u8 *on = vector_nulls(out);
    memset(on, 1, n);
    u32 *rem = arena_alloc(c->arena, sizeof(u32) * (n ? n : 1));
    idx_t nrem = n;
    for (idx_t i = 0; i < n; i++) rem[i] = (u32)i;
    int nwhen = e->nargs / 2;
    bool has_else = e->nargs % 2 == 1;
    for (int w = 0; w < nwhen && nrem > 0; w++) {
        DataChunk *sub = (nrem == n && in) ? in : (in ? slice(c, in, rem, nrem) : NULL);
        Vector cond;
        if (expr_eval(c, e->args[2 * w], sub, &cond)) return MDB_FAIL;
        u32 *hit = arena_alloc(c->arena, sizeof(u32) * nrem);
        u32 *hit_pos = arena_alloc(c->arena, sizeof(u32) * nrem);
        u32 *miss = arena_alloc(c->arena, sizeof(u32) * nrem);
        idx_t nh = 0, nm = 0;
        for (idx_t k = 0; k < nrem; k++) {
            idx_t ci = cond.is_const ? 0 : k;
            bool t = !(cond.nulls && cond.nulls[ci]) && cond.data[ci];
            if (t) { hit[nh] = rem[k]; hit_pos[nh++] = (u32)k; }
            else miss[nm++] = rem[k];
        }
        if (nh) {
            DataChunk *hs = in ? slice(c, sub, hit_pos, nh) : NULL;
            Vector res;
            if (expr_eval(c, e->args[2 * w + 1], hs, &res)) return MDB_FAIL;
            if (!in) { res.is_const = true; }
            scatter(&res, hit, nh, out);
            if (type_is_string((TypeId)e->type.id)) {
                /* strings may point into scratch: fine, the scratch lives for the chunk */
            }
        }
        rem = miss;
        nrem = nm;
    }
    if (has_else && nrem > 0) {
        DataChunk *sub = in ? (nrem == n ? in : slice(c, in, rem, nrem)) : NULL;
        Vector res;
        if (expr_eval(c, e->args[e->nargs - 1], sub, &res)) return MDB_FAIL;
        scatter(&res, rem, nrem, out);
    }
    if (!in) out->is_const = true;
    return MDB_OK_;
}

static int eval_coalesce(ExprCtx *c, const Expr *e, DataChunk *in, Vector *out)
{
    idx_t n = in ? in->count : 1;
    alloc_vec(c, out, e->type, n);
    memset(vector_nulls(out), 1, n);
    u32 *rem = arena_alloc(c->arena, sizeof(u32) * (n ? n : 1));
    idx_t nrem = n;
    for (idx_t i = 0; i < n; i++) rem[i] = (u32)i;
    for (int a = 0; a < e->nargs && nrem > 0; a++) {
        DataChunk *sub = in ? (nrem == n ? in : slice(c, in, rem, nrem)) : NULL;
        Vector v;
        if (expr_eval(c, e->args[a], sub, &v)) return MDB_FAIL;
        scatter(&v, rem, nrem, out);
        idx_t nm = 0;
        for (idx_t k = 0; k < nrem; k++) {
            idx_t vi = v.is_const ? 0 : k;
            if (v.nulls && v.nulls[vi]) rem[nm++] = rem[k];
        }
        nrem = nm;
    }
    if (!in) out->is_const = true;
    return MDB_OK_;
}

/* ---- the evaluator --------------------------------------------------------------------- */

int expr_eval(ExprCtx *c, const Expr *e, DataChunk *in, Vector *out)
{
    idx_t n = in ? in->count : 1;
    switch (e->kind) {
    case EXPR_CONST: const_vec(c, out, &e->u.constant, e->type); return MDB_OK_;
    case EXPR_COLREF:
        *out = in->cols[e->u.col.index];
        return MDB_OK_;
    case EXPR_PARAM: {
        Exec *ex = c->exec;
        while (ex && !ex->params && ex->parent) ex = ex->parent;
        Value v = ex && e->u.param.index < ex->nparams ? ex->params[e->u.param.index] : value_null();
        if (!v.is_null && !ltype_eq(v.type, e->type) && e->type.id != TYPE_NULL) {
            Value cv;
            c->fctx.err = &(Err){0};
            Err er = {0};
            c->fctx.err = &er;
            if (cast_value(&c->fctx, &v, e->type, &cv, c->arena)) { exec_fail(c->exec, &er); return MDB_FAIL; }
            v = cv;
        }
        const_vec(c, out, &v, e->type.id == TYPE_NULL ? v.type : e->type);
        return MDB_OK_;
    }
    case EXPR_OUTER: {
        Value v = e->u.outer.slot < c->exec->nouter ? c->exec->outer[e->u.outer.slot] : value_null();
        const_vec(c, out, &v, e->type);
        return MDB_OK_;
    }
    case EXPR_FUNC: {
        Vector *args = arena_alloc(c->arena, sizeof(Vector) * (size_t)(e->nargs + 1));
        for (int i = 0; i < e->nargs; i++)
            if (expr_eval(c, e->args[i], in, &args[i])) return MDB_FAIL;
        Err er = {0};
        c->fctx.err = &er;
        if (call_kernel(c, e->u.func.fn, args, e->nargs, n, out, e->type)) {
            /* run-time errors carry no position, as in PostgreSQL */
            exec_fail(c->exec, &er);
            return MDB_FAIL;
        }
        return MDB_OK_;
    }
    case EXPR_CAST: {
        Vector src;
        if (expr_eval(c, e->args[0], in, &src)) return MDB_FAIL;
        alloc_vec(c, out, e->type, src.is_const ? 1 : n);
        Err er = {0};
        c->fctx.err = &er;
        if (cast_vector(&c->fctx, &src, src.is_const ? 1 : n, e->type, out, e->u.dist.negate)) {
            exec_fail(c->exec, &er);
            return MDB_FAIL;
        }
        out->is_const = src.is_const;
        return MDB_OK_;
    }
    case EXPR_AND:
    case EXPR_OR: return eval_andor(c, e, in, out);
    case EXPR_NOT: {
        Vector a;
        if (expr_eval(c, e->args[0], in, &a)) return MDB_FAIL;
        idx_t cnt = a.is_const ? 1 : n;
        alloc_vec(c, out, ltype(TYPE_BOOL), cnt);
        for (idx_t i = 0; i < cnt; i++) out->data[i] = !a.data[i];
        if (a.nulls) memcpy(vector_nulls(out), a.nulls, cnt);
        out->is_const = a.is_const;
        return MDB_OK_;
    }
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL: {
        Vector a;
        if (expr_eval(c, e->args[0], in, &a)) return MDB_FAIL;
        idx_t cnt = a.is_const ? 1 : n;
        alloc_vec(c, out, ltype(TYPE_BOOL), cnt);
        bool want_null = e->kind == EXPR_IS_NULL;
        for (idx_t i = 0; i < cnt; i++) out->data[i] = ((a.nulls && a.nulls[i]) || a.type.id == TYPE_NULL) == want_null;
        out->is_const = a.is_const;
        return MDB_OK_;
    }
    case EXPR_IS_TRUE: {
        Vector a;
        if (expr_eval(c, e->args[0], in, &a)) return MDB_FAIL;
        idx_t cnt = a.is_const ? 1 : n;
        alloc_vec(c, out, ltype(TYPE_BOOL), cnt);
        for (idx_t i = 0; i < cnt; i++) {
            bool isn = a.nulls && a.nulls[i];
            bool r = e->u.istest.unknown ? isn : (!isn && (a.data[i] != 0) == e->u.istest.want);
            out->data[i] = r != e->u.istest.negate;
        }
        out->is_const = a.is_const;
        return MDB_OK_;
    }
    case EXPR_CASE: return eval_case(c, e, in, out);
    case EXPR_COALESCE: return eval_coalesce(c, e, in, out);
    case EXPR_NULLIF: {
        Vector args[2], eq;
        if (expr_eval(c, e->args[0], in, &args[0]) || expr_eval(c, e->args[1], in, &args[1])) return MDB_FAIL;
        Vector a0 = args[0];
        Err er = {0};
        c->fctx.err = &er;
        if (call_kernel(c, e->u.sub.cmp, args, 2, n, &eq, ltype(TYPE_BOOL))) { exec_fail(c->exec, &er); return MDB_FAIL; }
        bool all_const = a0.is_const && eq.is_const;
        idx_t cnt = all_const ? 1 : n;
        if (!all_const) flatten_to(c, &a0, n);
        alloc_vec(c, out, e->type, cnt);
        vector_copy(&a0, NULL, cnt, out, 0);
        for (idx_t i = 0; i < cnt; i++) {
            idx_t q = eq.is_const ? 0 : i;
            if (!(eq.nulls && eq.nulls[q]) && eq.data[q]) vector_nulls(out)[i] = 1;
        }
        out->is_const = all_const;
        return MDB_OK_;
    }
    case EXPR_GREATEST:
    case EXPR_LEAST: {
        Vector acc;
        if (expr_eval(c, e->args[0], in, &acc)) return MDB_FAIL;
        for (int a = 1; a < e->nargs; a++) {
            Vector v;
            if (expr_eval(c, e->args[a], in, &v)) return MDB_FAIL;
            bool all_const = acc.is_const && v.is_const;
            idx_t cnt = all_const ? 1 : n;
            if (!all_const) { flatten_to(c, &acc, n); flatten_to(c, &v, n); }
            /* compare only where both are non-null; NULLs are ignored */
            Vector args[2] = {v, acc}, lt;
            Vector a0 = args[0], a1 = args[1];
            blank_null_strs(c, &a0, cnt);
            blank_null_strs(c, &a1, cnt);
            a0.nulls = NULL;
            a1.nulls = NULL;
            Vector tmp[2] = {a0, a1};
            Err er = {0};
            c->fctx.err = &er;
            if (call_kernel(c, e->u.sub.cmp, tmp, 2, cnt, &lt, ltype(TYPE_BOOL))) { exec_fail(c->exec, &er); return MDB_FAIL; }
            Vector nv;
            alloc_vec(c, &nv, e->type, cnt);
            for (idx_t i = 0; i < cnt; i++) {
                bool vn = args[0].nulls && args[0].nulls[i], an = acc.nulls && acc.nulls[i];
                bool take_v;
                if (an) take_v = true;
                else if (vn) take_v = false;
                else take_v = e->kind == EXPR_LEAST ? lt.data[i] != 0 : (lt.data[i] == 0 && 1);
                if (e->kind == EXPR_GREATEST && !an && !vn) {
                    /* v > acc  <=>  !(v < acc) && v != acc; equality keeps acc (same value) */
                    take_v = lt.data[i] == 0;
                }
                vector_copy(take_v ? &args[0] : &acc, (u32[]){(u32)i}, 1, &nv, i);
            }
            nv.is_const = all_const;
            acc = nv;
        }
        *out = acc;
        return MDB_OK_;
    }
    case EXPR_DISTINCT_FROM: {
        Vector args[2];
        if (expr_eval(c, e->args[0], in, &args[0]) || expr_eval(c, e->args[1], in, &args[1])) return MDB_FAIL;
        bool all_const = args[0].is_const && args[1].is_const;
        idx_t cnt = all_const ? 1 : n;
        if (!all_const) { flatten_to(c, &args[0], n); flatten_to(c, &args[1], n); }
        Vector a0 = args[0], a1 = args[1];
        blank_null_strs(c, &a0, cnt);
        blank_null_strs(c, &a1, cnt);
        u8 *n0 = a0.nulls, *n1 = a1.nulls;
        a0.nulls = a1.nulls = NULL;
        Vector tmp[2] = {a0, a1}, eq;
        Err er = {0};
        c->fctx.err = &er;
        if (call_kernel(c, e->u.sub.cmp, tmp, 2, cnt, &eq, ltype(TYPE_BOOL))) { exec_fail(c->exec, &er); return MDB_FAIL; }
        alloc_vec(c, out, ltype(TYPE_BOOL), cnt);
        for (idx_t i = 0; i < cnt; i++) {
            bool x = n0 && n0[i], y = n1 && n1[i];
            bool same = (x && y) || (!x && !y && eq.data[i]);
            out->data[i] = e->u.sub.negate ? same : !same;
        }
        out->is_const = all_const;
        return MDB_OK_;
    }
    case EXPR_IN_LIST: {
        Vector l;
        if (expr_eval(c, e->args[0], in, &l)) return MDB_FAIL;
        idx_t cnt = n;
        alloc_vec(c, out, ltype(TYPE_BOOL), cnt);
        u8 *found = arena_zalloc(c->arena, cnt);
        u8 *saw_null = arena_zalloc(c->arena, cnt);
        for (int a = 1; a < e->nargs; a++) {
            Vector args[2];
            args[0] = l;
            if (expr_eval(c, e->args[a], in, &args[1])) return MDB_FAIL;
            Vector eq;
            Err er = {0};
            c->fctx.err = &er;
            if (call_kernel(c, e->u.sub.cmp, args, 2, n, &eq, ltype(TYPE_BOOL))) { exec_fail(c->exec, &er); return MDB_FAIL; }
            for (idx_t i = 0; i < cnt; i++) {
                idx_t q = eq.is_const ? 0 : i;
                if (eq.nulls && eq.nulls[q]) saw_null[i] = 1;
                else if (eq.data[q]) found[i] = 1;
            }
        }
        u8 *on = NULL;
        for (idx_t i = 0; i < cnt; i++) {
            if (found[i]) out->data[i] = !e->u.sub.negate;
            else if (saw_null[i]) { if (!on) on = vector_nulls(out); on[i] = 1; out->data[i] = 0; }
            else out->data[i] = e->u.sub.negate;
        }
        return MDB_OK_;
    }
    case EXPR_SUBQUERY: return eval_subquery(c, e, in, out);
    case EXPR_ARRAY: {
        /* PostgreSQL's array text: {a,b,NULL}, elements quoted when needed */
        Vector *ev = arena_alloc(c->arena, sizeof(Vector) * (size_t)(e->nargs + 1));
        bool all_const = true;
        for (int i = 0; i < e->nargs; i++) {
            if (expr_eval(c, e->args[i], in, &ev[i])) return MDB_FAIL;
            all_const = all_const && ev[i].is_const;
        }
        idx_t cnt = all_const ? 1 : n;
        alloc_vec(c, out, e->type, cnt);
        StrBuf sb;
        sb_init(&sb);
        for (idx_t r = 0; r < cnt; r++) {
            sb_reset(&sb);
            sb_putc(&sb, '{');
            for (int i = 0; i < e->nargs; i++) {
                if (i) sb_putc(&sb, ',');
                Value v = vector_get(&ev[i], r);
                if (v.is_null) {
                    sb_puts(&sb, "NULL");
                    continue;
                }
                char buf[128];
                const char *p;
                size_t len = value_to_text_tz(&v, c->fctx.timezone, buf, sizeof buf, c->arena, &p);
                bool quote = len == 0 || (len == 4 && !strncasecmp(p, "null", 4));
                for (size_t k = 0; k < len && !quote; k++)
                    quote = p[k] == ',' || p[k] == '{' || p[k] == '}' || p[k] == '"' || p[k] == '\\' || p[k] == ' ' ||
                            p[k] == '\t' || p[k] == '\n';
                if (!quote) {
                    sb_append(&sb, p, len);
                    continue;
                }
                sb_putc(&sb, '"');
                for (size_t k = 0; k < len; k++) {
                    if (p[k] == '"' || p[k] == '\\') sb_putc(&sb, '\\');
                    sb_putc(&sb, p[k]);
                }
                sb_putc(&sb, '"');
            }
            sb_putc(&sb, '}');
            ((Str *)out->data)[r] = str_copy(out->heap, sb.data, (u32)sb.len);
        }
        sb_free(&sb);
        out->is_const = all_const;
        return MDB_OK_;
    }
    case EXPR_GROUPING: {
        /* the set id has one bit per GROUP BY key (first key = highest bit), set
         * when the key is not grouped in the row's set */
        Vector gv;
        if (expr_eval(c, e->args[0], in, &gv)) return MDB_FAIL;
        idx_t cnt = gv.is_const ? 1 : n;
        alloc_vec(c, out, ltype(TYPE_INT32), cnt);
        for (idx_t i = 0; i < cnt; i++) {
            i64 g = ((const i64 *)gv.data)[i];
            i32 r = 0;
            for (int k = 0; k < e->u.grouping.n; k++) {
                int shift = e->u.grouping.ngroups - 1 - e->u.grouping.keys[k];
                r = (r << 1) | (i32)((g >> shift) & 1);
            }
            ((i32 *)out->data)[i] = r;
        }
        out->is_const = gv.is_const;
        return MDB_OK_;
    }
    default: {
        Err er = {0};
        err_set(&er, SQLSTATE_INTERNAL_ERROR, "cannot evaluate expression kind %d here", (int)e->kind);
        exec_fail(c->exec, &er);
        return fail(c, &er);
    }
    }
}

static int select_one(ExprCtx *c, const Expr *e, DataChunk *in, u32 *sel, idx_t *nsel);
static int select_rest(ExprCtx *c, const Expr **cj, int n, DataChunk *in, u32 *sel, idx_t m, idx_t *nsel);
static int select_slow(ExprCtx *c, const Expr **cj, int n, DataChunk *in, u32 *sel, idx_t *nsel);

static int flatten_conj(const Expr *e, const Expr **out, int n, int cap)
{
    if (e->kind == EXPR_AND && n < cap) {
        for (int i = 0; i < e->nargs; i++) n = flatten_conj(e->args[i], out, n, cap);
        return n;
    }
    if (n < cap) out[n++] = e;
    return n;
}

static void mark_cols(const Expr *e, u8 *used, int ncols)
{
    if (!e) return;
    if (e->kind == EXPR_COLREF && e->u.col.depth == 0 && e->u.col.index >= 0 && e->u.col.index < ncols) used[e->u.col.index] = 1;
    if (e->kind == EXPR_SUBQUERY)
        for (int i = 0; i < e->u.sub.nouter; i++) mark_cols(e->u.sub.outer_exprs[i], used, ncols);
    for (int i = 0; i < e->nargs; i++) mark_cols(e->args[i], used, ncols);
}

/* The outcome bits of a comparison operator: bit c+1 for a three-way result
 * c (-1, 0, 1); 0 when the name is not a comparison. */
static unsigned cmp_mask(const char *op)
{
    if (!strcmp(op, "<")) return 1;
    if (!strcmp(op, "<=")) return 3;
    if (!strcmp(op, "=")) return 2;
    if (!strcmp(op, ">=")) return 6;
    if (!strcmp(op, ">")) return 4;
    if (!strcmp(op, "<>")) return 5;
    return 0;
}

static inline int cmp3_f64(double a, double b)
{
    /* PostgreSQL's order: NaN equals NaN and sorts above every number */
    if (MDB_UNLIKELY(isnan(a) || isnan(b))) return (int)(isnan(a) != 0) - (int)(isnan(b) != 0);
    return (a > b) - (a < b);
}

/* Keeps the rows r of cand[0..n) (rows 0..n-1 when cand is NULL) whose value
 * d[r] compares with k as the mask says; NULLs never pass, and their slots
 * are never read (a NULL numeric's slot may hold any scale).  out may be
 * cand. */
#define CMP_SELECT(T, CMP)                                                                 \
    do {                                                                                   \
        const T *d = (const T *)col->data;                                                 \
        T k = *(const T *)kv.data;                                                         \
        if (nulls) {                                                                       \
            for (idx_t i = 0; i < n; i++) {                                                \
                u32 r = cand ? cand[i] : (u32)i;                                           \
                if (nulls[r]) continue;                                                    \
                out[o] = r;                                                                \
                o += (mask >> (CMP(d[r], k) + 1)) & 1;                                     \
            }                                                                              \
        } else {                                                                           \
            for (idx_t i = 0; i < n; i++) {                                                \
                u32 r = cand ? cand[i] : (u32)i;                                           \
                out[o] = r;                                                                \
                o += (mask >> (CMP(d[r], k) + 1)) & 1;                                     \
            }                                                                              \
        }                                                                                  \
    } while (0)
#define CMP3(a, b) (((a) > (b)) - ((a) < (b)))

/* `column <op> constant` (either side) on a fixed-width column, the usual
 * shape of scan filters: selected straight from the chunk's column through
 * the candidate rows, with no kernel call, no boolean vector and no gather.
 * Returns false when e has another shape (the caller evaluates it). */
static bool select_cmp_fast(ExprCtx *c, const Expr *e, const DataChunk *in, const u32 *cand, idx_t n, u32 *out, idx_t *m)
{
    if (e->kind != EXPR_FUNC || e->nargs != 2 || !e->u.func.fn) return false;
    unsigned mask = cmp_mask(e->u.func.fn->name);
    if (!mask) return false;
    const Expr *a = e->args[0], *b = e->args[1];
    if (a->kind == EXPR_CONST && b->kind == EXPR_COLREF) {
        const Expr *t = a;
        a = b;
        b = t;
        mask = (mask & 2) | ((mask & 1) << 2) | ((mask & 4) >> 2); /* k < x is x > k */
    }
    if (a->kind != EXPR_COLREF || b->kind != EXPR_CONST || a->u.col.depth != 0 || a->u.col.index < 0 ||
        a->u.col.index >= in->ncols || a->type.id != b->type.id)
        return false;
    const Vector *col = &in->cols[a->u.col.index];
    if (col->is_const || col->type.id != a->type.id) return false;
    TypeId id = (TypeId)a->type.id;
    if (id != TYPE_INT16 && id != TYPE_INT32 && id != TYPE_INT64 && id != TYPE_DATE && id != TYPE_TIME &&
        id != TYPE_TIMESTAMP && id != TYPE_TIMESTAMPTZ && id != TYPE_FLOAT32 && id != TYPE_FLOAT64 && id != TYPE_NUMERIC)
        return false;
    idx_t o = 0;
    if (b->u.constant.is_null) { /* comparing with NULL is never true */
        *m = 0;
        return true;
    }
    Vector kv;
    const_vec(c, &kv, &b->u.constant, b->type);
    const u8 *nulls = col->nulls;
    switch (type_width(col->type)) {
    case 2: CMP_SELECT(i16, CMP3); break;
    case 4:
        if (id == TYPE_FLOAT32) CMP_SELECT(float, cmp3_f64);
        else CMP_SELECT(i32, CMP3);
        break;
    case 8:
        if (id == TYPE_FLOAT64) CMP_SELECT(double, cmp3_f64);
        else CMP_SELECT(i64, CMP3);
        break;
    case 16: CMP_SELECT(Numeric, numeric_cmp_inline); break;
    default: return false;
    }
    *m = o;
    return true;
}

/* A conjunction is evaluated conjunct by conjunct.  Comparisons of a column
 * with a constant go first and select straight from the chunk through the
 * surviving rows (they cannot fail, so running them first only spares the
 * others rows).  For the other conjuncts, once some rows have been rejected,
 * the columns they read are gathered for the survivors only, so they run on
 * the survivors instead of the whole chunk. */
static int select_conj(ExprCtx *c, const Expr **cj, int n, DataChunk *in, u32 *sel, idx_t *nsel)
{
    idx_t m = in->count;
    bool filtered = false;
    int rest = 0;
    const Expr *slow[64];
    for (int j = 0; j < n; j++) {
        idx_t m2;
        if (m && select_cmp_fast(c, cj[j], in, filtered ? sel : NULL, m, sel, &m2)) {
            m = m2;
            filtered = true;
        } else {
            slow[rest++] = cj[j];
        }
    }
    if (rest == 0 || m == 0) {
        if (!filtered)
            for (idx_t i = 0; i < m; i++) sel[i] = (u32)i;
        *nsel = m;
        return MDB_OK_;
    }
    if (filtered && m < in->count) return select_rest(c, slow, rest, in, sel, m, nsel);
    return select_slow(c, slow, rest, in, sel, nsel);
}

/* The remaining conjuncts on the m survivors sel[0..m): their columns are
 * gathered for the survivors, then selected, then mapped back. */
static int select_rest(ExprCtx *c, const Expr **cj, int n, DataChunk *in, u32 *sel, idx_t m, idx_t *nsel)
{
    u8 used[in->ncols > 0 ? in->ncols : 1];
    memset(used, 0, sizeof used);
    for (int j = 0; j < n; j++) mark_cols(cj[j], used, in->ncols);
    DataChunk sub = *in;
    sub.cols = arena_alloc(c->arena, sizeof(Vector) * (size_t)(in->ncols + 1));
    sub.count = m;
    for (int ci = 0; ci < in->ncols; ci++) {
        sub.cols[ci] = in->cols[ci];
        if (!used[ci] || in->cols[ci].is_const) continue;
        vector_init(&sub.cols[ci], in->cols[ci].type, m, c->arena);
        sub.cols[ci].heap = in->cols[ci].heap;
        vector_gather(&in->cols[ci], sel, m, &sub.cols[ci]);
    }
    u32 *s2 = arena_alloc(c->arena, sizeof(u32) * m);
    idx_t m2;
    if (select_slow(c, cj, n, &sub, s2, &m2)) return MDB_FAIL;
    /* s2 indexes the survivors, ascending: s2[j] >= j, so in place is safe */
    for (idx_t j = 0; j < m2; j++) sel[j] = sel[s2[j]];
    *nsel = m2;
    return MDB_OK_;
}

/* Conjuncts that need the evaluator, one by one on the survivors. */
static int select_slow(ExprCtx *c, const Expr **cj, int n, DataChunk *in, u32 *sel, idx_t *nsel)
{
    idx_t m;
    if (select_one(c, cj[0], in, sel, &m)) return MDB_FAIL;
    if (n == 1 || m == 0) {
        *nsel = m;
        return MDB_OK_;
    }
    if (m == in->count) return select_slow(c, cj + 1, n - 1, in, sel, nsel);
    return select_rest(c, cj + 1, n - 1, in, sel, m, nsel);
}

int expr_select(ExprCtx *c, const Expr *e, DataChunk *in, u32 *sel, idx_t *nsel)
{
    if (e->kind != EXPR_AND) return select_conj(c, &e, 1, in, sel, nsel);
    const Expr *cj[64] = {0};
    int n = flatten_conj(e, cj, 0, 64);
    if (n >= 64) return select_one(c, e, in, sel, nsel);
    return select_conj(c, cj, n, in, sel, nsel);
}

static int select_one(ExprCtx *c, const Expr *e, DataChunk *in, u32 *sel, idx_t *nsel)
{
    Vector v;
    if (expr_eval(c, e, in, &v)) return MDB_FAIL;
    idx_t m = 0;
    if (v.is_const) {
        bool t = !(v.nulls && v.nulls[0]) && v.data[0];
        if (t)
            for (idx_t i = 0; i < in->count; i++) sel[m++] = (u32)i;
    } else if (!v.nulls) {
        for (idx_t i = 0; i < in->count; i++) {
            sel[m] = (u32)i;
            m += v.data[i] != 0;
        }
    } else {
        for (idx_t i = 0; i < in->count; i++) {
            sel[m] = (u32)i;
            m += (v.data[i] != 0) & !v.nulls[i];
        }
    }
    *nsel = m;
    return MDB_OK_;
}

int expr_eval_const(ExprCtx *c, const Expr *e, Value *out)
{
    Vector v;
    if (expr_eval(c, e, NULL, &v)) return MDB_FAIL;
    *out = vector_get(&v, 0);
    return MDB_OK_;
}

SubqueryCache *subq_cache_create(int n)
{
    SubqueryCache *c = xcalloc(1, sizeof(SubqueryCache));
    pthread_mutex_init(&c->mu, NULL);
    c->n = n;
    c->results = xcalloc((size_t)(n + 1), sizeof(ColumnCollection *));
    c->sets = xcalloc((size_t)(n + 1), sizeof(KeyTable *));
    c->set_has_null = xcalloc((size_t)(n + 1), sizeof(bool));
    c->memo = xcalloc((size_t)(n + 1), sizeof(SubqMemo *));
    return c;
}

void subq_cache_destroy(SubqueryCache *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++) {
        colcoll_destroy(c->results[i]);
        if (c->sets[i]) {
            keytable_free(c->sets[i]);
            free(c->sets[i]);
        }
        if (c->memo[i]) {
            keytable_free(&c->memo[i]->kt);
            free(c->memo[i]->vals);
            arena_destroy(c->memo[i]->arena);
            free(c->memo[i]);
        }
    }
    free(c->sets);
    free(c->set_has_null);
    free(c->memo);
    free(c->results);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
