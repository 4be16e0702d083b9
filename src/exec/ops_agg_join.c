#define _GNU_SOURCE
/*
 * src/exec/ops_agg_join.c — hash aggregation (with grouping sets, FILTER and
 * DISTINCT aggregates), hash join and nested-loop join.
 *
 * Hash aggregation is a sink: every worker aggregates its morsels into a
 * thread-local table keyed by the canonical group key (src/exec/keys.h); the
 * combine step merges local tables into the global one with the aggregates'
 * combine functions.  Hash join builds a table over the build side (a sink
 * pipeline that runs first) and probes it as a streaming operator.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec/keys.h"
#include "exec/operators.h"
#include "exec/spill.h"

static int op_fail(Exec *ex, Err *e)
{
    exec_fail(ex, e);
    return MDB_FAIL;
}

/* ---- hash aggregate ------------------------------------------------------------ */

typedef struct AggInfo {
    Expr **groups;
    int ngroups;
    Expr **aggs;
    int naggs;
    u64 *sets;
    int nsets;
    size_t *state_off; /* offset of each aggregate's state in a group block */
    size_t state_size;
} AggInfo;

typedef struct AggTable {
    KeyTable kt;
    ColumnCollection *keys;   /* group key values, one row per group */
    u8 **blocks;              /* per-group state block */
    i64 *set_of;              /* grouping set of each group */
    size_t ngroups, cap;
    Arena *states;            /* state blocks and aggregate-owned memory */
    KeyTable *distinct;       /* per aggregate: seen (group, value) */
    size_t out_pos;           /* next group to emit */
    bool int_key;             /* one integer-like group key and no grouping sets */
    KeyPack kp;               /* otherwise: keys packed into 64 bits where they fit (src/exec/keys.h) */
    IntTable it;              /* integer or packed key → group id on those paths */
    IntSlot *dense;           /* keys 0..AGG_DENSE-1 on that path: slot = dense[key] (lazily allocated) */
    i64 null_gid;             /* group of the NULL key on that path, -1 = none */
    ColumnCollection **ordered; /* per aggregate with ORDER BY: rows (gid, keys…, args…) */
} AggTable;

/* Spilling (memory_limit): once the budget refuses a worker's table, the
 * worker stops creating groups.  Rows of groups it has go on being
 * aggregated in memory; rows of other groups are written, as they came in, to
 * AGG_NPART partitions of a temporary file by bits of their key hash.  After
 * the in-memory groups are emitted, each partition is aggregated on its own
 * (spilling again into finer partitions, by other hash bits, if it is still
 * too large).  Every row of a group ends up in one place, so no aggregate
 * state is ever written out: DISTINCT, ORDER BY, string_agg and array_agg
 * aggregates spill like the others.  With several workers a spilled row's
 * group may live in another worker's table: the spilled rows then pass the
 * merged table once before they are partitioned further. */
#define AGG_NPART 16
#define AGG_PART_BITS 4
#define AGG_MAX_LEVEL 12
#define AGG_PART_ROWS 512 /* rows a partition's write buffer holds */
#define AGG_STATE_SLACK ((i64)16 << 20) /* growth of held groups' states allowed past 2 × memory_limit */

typedef struct AggPart {
    int level;       /* hash bits of this level chose the partition */
    i64 *offs;       /* blocks (input rows) in the spill file */
    size_t n, cap;
} AggPart;

typedef struct AggLocal {
    AggTable t;
    Arena *scratch;
    ExprCtx ec;
    AggInfo *ai;
    bool merged;    /* combined into the global table (its memory is gone) */
    MemTrack *mem;  /* the table's bytes */
    bool spilling;  /* no new groups: their rows go to `target` */
    int level;      /* partition level rows are written at */
    AggPart *target; /* AGG_NPART partitions (shared by the workers at level 0) */
    Arena *parena;  /* partition write buffers */
    DataChunk *pbuf;
} AggLocal;

static void aggtable_free(AggTable *t, AggInfo *ai);

/* A worker that stopped early (error, cancel) never combines: free here. */
static void agg_local_free(void *p)
{
    AggLocal *l = p;
    if (l->merged) return;
    if (l->t.ordered)
        for (int a = 0; a < l->ai->naggs; a++) colcoll_destroy(l->t.ordered[a]);
    free(l->t.ordered);
    arena_destroy(l->t.states);
    aggtable_free(&l->t, l->ai);
    l->merged = true;
}

static void agg_local_free_bufs(void *p)
{
    AggLocal *l = p;
    if (l->parena) arena_destroy(l->parena);
    l->parena = NULL;
    l->pbuf = NULL;
}

static void aggtable_init(AggTable *t, PhysOp *op, AggInfo *ai)
{
    memset(t, 0, sizeof(*t));
    keytable_init(&t->kt);
    t->int_key = ai->ngroups == 1 && ai->nsets == 0 && keys_is_int_type((TypeId)ai->groups[0]->type.id);
    /* other keys without grouping sets may pack into 64 bits (decided on the first batch) */
    t->kp.state = !t->int_key && ai->nsets == 0 && ai->ngroups > 0 ? KEYPACK_UNDECIDED : KEYPACK_OFF;
    if (t->int_key || t->kp.state == KEYPACK_UNDECIDED) inttable_init(&t->it, 0);
    t->null_gid = -1;
    LType *kt = xmalloc(sizeof(LType) * (size_t)(ai->ngroups + 1));
    for (int i = 0; i < ai->ngroups; i++) kt[i] = ai->groups[i]->type;
    t->keys = colcoll_create(kt, ai->ngroups);
    free(kt);
    t->states = arena_create(NULL);
    t->distinct = xcalloc((size_t)(ai->naggs + 1), sizeof(KeyTable));
    for (int i = 0; i < ai->naggs; i++)
        if (ai->aggs[i]->u.agg.distinct) keytable_init(&t->distinct[i]);
}

static void aggtable_free(AggTable *t, AggInfo *ai)
{
    keytable_free(&t->kt);
    inttable_free(&t->it);
    free(t->dense);
    t->dense = NULL;
    colcoll_destroy(t->keys);
    free(t->blocks);
    free(t->set_of);
    for (int i = 0; i < ai->naggs; i++)
        if (ai->aggs[i]->u.agg.distinct) keytable_free(&t->distinct[i]);
    free(t->distinct);
    /* t->states is kept: finalised values may point into it */
}

static AggCtx actx(AggTable *t, Err *err, const Expr *a)
{
    AggCtx c;
    memset(&c, 0, sizeof(c));
    c.err = err;
    c.arena = t->states;
    c.fn = a->u.agg.fn;
    c.arg_type = a->u.agg.arg_type;
    c.ret_type = a->type;
    return c;
}

/* A new group's state block; its key row is appended by the caller (the
 * integer path appends a chunk's new keys at once). */
static i64 new_group_state(AggTable *t, AggInfo *ai, i64 set, Err *err)
{
    if (t->ngroups == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->blocks = xrealloc(t->blocks, sizeof(u8 *) * t->cap);
        t->set_of = xrealloc(t->set_of, sizeof(i64) * t->cap);
    }
    u8 *blk = arena_zalloc(t->states, ai->state_size ? ai->state_size : 1);
    for (int a = 0; a < ai->naggs; a++) {
        AggCtx c = actx(t, err, ai->aggs[a]);
        ai->aggs[a]->u.agg.fn->init(&c, blk + ai->state_off[a]);
    }
    t->blocks[t->ngroups] = blk;
    t->set_of[t->ngroups] = set;
    return (i64)t->ngroups++;
}

static i64 new_group(AggTable *t, AggInfo *ai, DataChunk *keyrow, u32 row, i64 set, Err *err)
{
    i64 g = new_group_state(t, ai, set, err);
    if (ai->ngroups) colcoll_append(t->keys, keyrow, &row, 1);
    return g;
}

typedef struct AggGlobal {
    AggTable t; /* first: the global state is used as an AggTable */
    AggInfo *ai;
    MemTrack *mem;          /* the global table's bytes */
    pthread_mutex_t mu;     /* the file and level-0 partitions */
    SpillFile *file;
    AggPart level0[AGG_NPART];
    AggPart *pending;       /* partitions still to aggregate */
    size_t npending, cappending;
    int nmerged;            /* worker tables combined */
    bool spilled;
} AggGlobal;

static void agg_parts_free(AggPart *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].offs);
        p[i].offs = NULL;
        p[i].n = p[i].cap = 0;
    }
}

static void agg_global_free(void *p)
{
    AggGlobal *g = p;
    arena_destroy(g->t.states);
    aggtable_free(&g->t, g->ai);
    agg_parts_free(g->level0, AGG_NPART);
    agg_parts_free(g->pending, g->npending);
    free(g->pending);
    g->pending = NULL;
    pthread_mutex_destroy(&g->mu);
}

static int agg_combine_tables(Exec *ex, PhysOp *op, void *g, void *lp);

static void *agg_init(Exec *ex, PhysOp *op)
{
    AggInfo *ai = op->info;
    AggGlobal *g = arena_zalloc(ex->arena, sizeof(AggGlobal));
    aggtable_init(&g->t, op, ai);
    g->ai = ai;
    g->mem = memtrack_new(ex);
    pthread_mutex_init(&g->mu, NULL);
    for (int p = 0; p < AGG_NPART; p++) g->level0[p].level = 0;
    exec_defer(ex, agg_global_free, g);
    return &g->t;
}

static void *agg_local(Exec *ex, PhysOp *op, void *g, int child)
{
    AggInfo *ai = op->info;
    AggLocal *l = arena_zalloc(ex->arena, sizeof(AggLocal));
    aggtable_init(&l->t, op, ai);
    l->ai = ai;
    l->scratch = exec_local_arena(ex);
    exec_defer(ex, agg_local_free, l);
    exec_defer(ex, agg_local_free_bufs, l);
    exprctx_init(&l->ec, ex, l->scratch);
    l->mem = memtrack_new(ex);
    l->target = ((AggGlobal *)g)->level0;
    return l;
}

static int ordered_keep(AggTable *t, AggInfo *ai, int a, AggLocal *l, DataChunk *in, const i64 *gid, const u32 *sel, idx_t m,
                        Vector *argv, int na)
{
    const Expr *ae = ai->aggs[a];
    int nord = ae->u.agg.nargs_order;
    int ncols = 1 + nord + na;
    Vector *cols = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(ncols + 1));
    vector_init(&cols[0], ltype(TYPE_INT64), m ? m : 1, l->scratch);
    for (idx_t i = 0; i < m; i++) ((i64 *)cols[0].data)[i] = gid[sel[i]];
    for (int k = 0; k < nord; k++) {
        Vector v;
        if (expr_eval(&l->ec, ae->args[na + k], in, &v)) return MDB_FAIL;
        vector_init(&cols[1 + k], v.type, m ? m : 1, l->scratch);
        vector_gather(&v, sel, m, &cols[1 + k]);
        if (v.is_const) {
            Vector f;
            vector_init(&f, v.type, m ? m : 1, l->scratch);
            vector_copy(&v, NULL, m, &f, 0);
            cols[1 + k] = f;
        }
    }
    for (int k = 0; k < na; k++) {
        vector_init(&cols[1 + nord + k], argv[k].type, m ? m : 1, l->scratch);
        vector_gather(&argv[k], sel, m, &cols[1 + nord + k]);
    }
    if (!t->ordered) t->ordered = xcalloc((size_t)(ai->naggs + 1), sizeof(ColumnCollection *));
    if (!t->ordered[a]) {
        LType *ty = arena_alloc(l->scratch, sizeof(LType) * (size_t)(ncols + 1));
        for (int k = 0; k < ncols; k++) ty[k] = cols[k].type;
        t->ordered[a] = colcoll_create(ty, ncols);
    }
    DataChunk d;
    memset(&d, 0, sizeof(d));
    d.ncols = ncols;
    d.cols = cols;
    d.count = m;
    colcoll_append(t->ordered[a], &d, NULL, m);
    return MDB_OK_;
}

typedef struct OrdSort {
    Value *vals; /* n × (1 + nord) */
    int w;
    const u8 *flags; /* per ORDER BY key: bit 0 DESC, bit 1 NULLS FIRST */
} OrdSort;

static int ord_cmp(const void *pa, const void *pb, void *arg)
{
    const OrdSort *o = arg;
    idx_t x = *(const idx_t *)pa, y = *(const idx_t *)pb;
    for (int k = 0; k < o->w; k++) {
        const Value *u = &o->vals[x * (idx_t)o->w + (idx_t)k], *v = &o->vals[y * (idx_t)o->w + (idx_t)k];
        bool desc = k > 0 && (o->flags[k - 1] & 1);
        int c;
        if (u->is_null || v->is_null) {
            if (u->is_null && v->is_null) continue;
            bool nf = k > 0 && (o->flags[k - 1] & 2);
            return u->is_null ? (nf ? -1 : 1) : (nf ? 1 : -1);
        }
        c = value_cmp(u, v);
        if (c) return desc ? -c : c;
    }
    return x < y ? -1 : x > y;
}

/* Feeds the kept rows of ORDER BY aggregates to their update functions, in order. */
static int ordered_feed(Exec *ex, AggTable *t, AggInfo *ai, Err *err)
{
    if (!t->ordered) return MDB_OK_;
    for (int a = 0; a < ai->naggs; a++) {
        ColumnCollection *c = t->ordered[a];
        if (!c) continue;
        const Expr *ae = ai->aggs[a];
        int nord = ae->u.agg.nargs_order;
        int na = ae->nargs - 2 * nord;
        u8 *desc = xcalloc((size_t)nord + 1, 1);
        for (int k = 0; k < nord; k++) {
            const Expr *d = ae->args[na + nord + k];
            desc[k] = d->kind == EXPR_CONST && !d->u.constant.is_null ? (u8)d->u.constant.u.i : 0;
        }
        idx_t n = c->count;
        OrdSort os = {xmalloc(sizeof(Value) * (n + 1) * (size_t)(1 + nord)), 1 + nord, desc};
        idx_t *ord = xmalloc(sizeof(idx_t) * (n + 1));
        for (idx_t r = 0; r < n; r++) {
            ord[r] = r;
            for (int k = 0; k <= nord; k++) os.vals[r * (idx_t)os.w + (idx_t)k] = colcoll_get(c, r, k);
        }
        qsort_r(ord, n, sizeof(idx_t), ord_cmp, &os);
        Arena *sa = arena_create(NULL);
        int rc = MDB_OK_;
        for (idx_t start = 0; start < n && !rc; start += VECTOR_SIZE) {
            idx_t cnt = MDB_MIN((idx_t)VECTOR_SIZE, n - start);
            arena_reset(sa);
            Vector *argv = arena_alloc(sa, sizeof(Vector) * (size_t)(na + 1));
            for (int k = 0; k < na; k++) {
                vector_init(&argv[k], c->types[1 + nord + k], cnt, sa);
                for (idx_t i = 0; i < cnt; i++) {
                    Value v = colcoll_get(c, ord[start + i], 1 + nord + k);
                    vector_set(&argv[k], i, &v);
                }
            }
            void **st = arena_alloc(sa, sizeof(void *) * cnt);
            for (idx_t i = 0; i < cnt; i++) st[i] = t->blocks[os.vals[ord[start + i] * (idx_t)os.w].u.i] + ai->state_off[a];
            AggCtx ac = actx(t, err, ae);
            rc = ae->u.agg.fn->update(&ac, argv, cnt, st);
        }
        arena_destroy(sa);
        free(os.vals);
        free(ord);
        free(desc);
        colcoll_destroy(c);
        t->ordered[a] = NULL;
        if (rc) return op_fail(ex, err);
    }
    free(t->ordered);
    t->ordered = NULL;
    return MDB_OK_;
}

/* Small non-negative integer group keys (categories, years, days, small ids)
 * index a direct slot array instead of the hash table: no hashing, no probe
 * loop.  Its pages are only touched where keys occur. */
#define AGG_DENSE 65536

static inline IntSlot *agg_dense_slot(AggTable *t, i64 key, bool *ins)
{
    if (!t->dense) t->dense = xcalloc(AGG_DENSE, sizeof(IntSlot));
    IntSlot *sl = &t->dense[key];
    *ins = !sl->used;
    if (*ins) {
        sl->used = 1;
        sl->key = key;
    }
    return sl;
}

/* Finds or creates the group of every row i < n with use[i] (every row when
 * use is NULL) by its 64-bit key k[i], filling gid[i] and states[i].  New
 * groups' key rows are appended together after the loop, in group-id order. */
static void agg_lookup_int(AggTable *t, AggInfo *ai, Arena *scratch, DataChunk *krow, const i64 *k, const u8 *use, idx_t n,
                           i64 si, i64 *gid, u8 **states, Err *err)
{
    u32 *fresh = arena_alloc(scratch, sizeof(u32) * (n ? n : 1));
    idx_t nfresh = 0;
    if (!use) {
        /* every key small (categories, years, flags): straight to the direct slots */
        u64 any_big = 0;
        for (idx_t i = 0; i < n; i++) any_big |= (u64)k[i] >= AGG_DENSE;
        if (!any_big) {
            if (!t->dense) t->dense = xcalloc(AGG_DENSE, sizeof(IntSlot));
            for (idx_t i = 0; i < n; i++) {
                IntSlot *sl = &t->dense[k[i]];
                if (MDB_UNLIKELY(!sl->used)) {
                    sl->used = 1;
                    sl->key = k[i];
                    sl->val = new_group_state(t, ai, si, err);
                    sl->ptr = t->blocks[sl->val];
                    fresh[nfresh++] = (u32)i;
                }
                gid[i] = sl->val;
                states[i] = sl->ptr;
            }
            if (nfresh) colcoll_append(t->keys, krow, fresh, nfresh);
            return;
        }
    }
    /* hash and prefetch every row's slot first, so the cache misses of a
     * chunk overlap; slots hold the state block too, so a row costs one miss
     * for its slot and one for its state */
    inttable_reserve(&t->it, n);
    size_t mask = t->it.cap - 1;
    size_t *hs = arena_alloc(scratch, sizeof(size_t) * (n ? n : 1));
    for (idx_t i = 0; i < n; i++) {
        if (use && !use[i]) continue;
        if ((u64)k[i] < AGG_DENSE) {
            hs[i] = SIZE_MAX;
            continue;
        }
        hs[i] = inttable_hash(k[i]) & mask;
        __builtin_prefetch(&t->it.slots[hs[i]]);
    }
    idx_t prev = (idx_t)-1; /* the last row looked up */
    for (idx_t i = 0; i < n; i++) {
        if (use && !use[i]) continue;
        if (prev != (idx_t)-1 && k[i] == k[prev]) {
            /* a run of one key (input clustered on it: lineitem by order key)
             * needs one probe */
            gid[i] = gid[prev];
            states[i] = states[prev];
            continue;
        }
        prev = i;
        bool ins;
        IntSlot *slot = hs[i] == SIZE_MAX ? agg_dense_slot(t, k[i], &ins) : inttable_slot(&t->it, k[i], hs[i], &ins);
        if (ins) {
            slot->val = new_group_state(t, ai, si, err);
            slot->ptr = t->blocks[slot->val];
            fresh[nfresh++] = (u32)i;
        }
        gid[i] = slot->val;
        states[i] = slot->ptr;
        __builtin_prefetch(states[i]);
    }
    if (nfresh) colcoll_append(t->keys, krow, fresh, nfresh);
}

static int agg_push_rows(Exec *ex, PhysOp *op, AggLocal *l, DataChunk *in)
{
    AggInfo *ai = op->info;
    AggTable *t = &l->t;
    idx_t n = in->count;
    Err err = {0};
    /* group keys */
    DataChunk keys;
    memset(&keys, 0, sizeof(keys));
    keys.ncols = ai->ngroups;
    keys.cols = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(ai->ngroups + 1));
    keys.count = n;
    for (int i = 0; i < ai->ngroups; i++)
        if (expr_eval(&l->ec, ai->groups[i], in, &keys.cols[i])) return MDB_FAIL;
    int nsets = ai->nsets ? ai->nsets : 1;
    u8 **states = arena_alloc(l->scratch, sizeof(u8 *) * (n ? n : 1));
    i64 *gid = arena_alloc(l->scratch, sizeof(i64) * (n ? n : 1));
    /* aggregate arguments are evaluated once per chunk */
    Vector **args = arena_alloc(l->scratch, sizeof(Vector *) * (size_t)(ai->naggs + 1));
    u8 **filt = arena_zalloc(l->scratch, sizeof(u8 *) * (size_t)(ai->naggs + 1));
    for (int a = 0; a < ai->naggs; a++) {
        const Expr *ae = ai->aggs[a];
        int na = ae->nargs - 2 * ae->u.agg.nargs_order;
        args[a] = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(na + 1));
        for (int k = 0; k < na; k++) {
            if (expr_eval(&l->ec, ae->args[k], in, &args[a][k])) return MDB_FAIL;
            if (args[a][k].is_const) {
                Vector f;
                vector_init(&f, args[a][k].type, n ? n : 1, l->scratch);
                f.heap = args[a][k].heap;
                vector_copy(&args[a][k], NULL, n, &f, 0);
                args[a][k] = f;
            }
        }
        if (ae->u.agg.filter) {
            Vector fv;
            if (expr_eval(&l->ec, ae->u.agg.filter, in, &fv)) return MDB_FAIL;
            filt[a] = arena_alloc(l->scratch, n ? n : 1);
            for (idx_t i = 0; i < n; i++) {
                idx_t q = fv.is_const ? 0 : i;
                filt[a][i] = !(fv.nulls && fv.nulls[q]) && fv.data[q];
            }
        }
    }
    for (int si = 0; si < nsets; si++) {
        u64 mask = ai->nsets ? ai->sets[si] : ~(u64)0;
        /* keys for this set: columns outside the set are NULL */
        Vector *kc = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(ai->ngroups + 2));
        for (int i = 0; i < ai->ngroups; i++) {
            if ((mask >> i) & 1) kc[i] = keys.cols[i];
            else {
                vector_init(&kc[i], keys.cols[i].type, 1, l->scratch);
                Value nv = value_null();
                vector_set_const(&kc[i], &nv);
            }
        }
        DataChunk krow = keys;
        krow.cols = kc;
        if (t->kp.state == KEYPACK_UNDECIDED && n) keypack_plan(&t->kp, kc, ai->ngroups, n);
        if (t->int_key) {
            /* one integer-like key, no grouping sets: the integer table; the
             * NULL key has its own group */
            const Vector *kv = &kc[0];
            i64 *k = arena_alloc(l->scratch, sizeof(i64) * (n ? n : 1));
            keys_int_column(kv, n, k);
            u8 *use = NULL;
            if (kv->nulls) {
                use = arena_alloc(l->scratch, n ? n : 1);
                for (idx_t i = 0; i < n; i++) use[i] = !kv->nulls[kv->is_const ? 0 : i];
            }
            agg_lookup_int(t, ai, l->scratch, &krow, k, use, n, si, gid, states, &err);
            for (idx_t i = 0; use && i < n; i++) {
                if (use[i]) continue;
                if (t->null_gid < 0) t->null_gid = new_group(t, ai, &krow, (u32)i, si, &err);
                gid[i] = t->null_gid;
                states[i] = t->blocks[gid[i]];
            }
        } else {
            /* packed keys where they fit, byte keys for the rest */
            u8 *fits = NULL;
            idx_t miss = n;
            if (t->kp.state == KEYPACK_ON) {
                i64 *k = arena_alloc(l->scratch, sizeof(i64) * (n ? n : 1));
                fits = arena_alloc(l->scratch, n ? n : 1);
                miss = keypack_encode(&t->kp, kc, n, k, fits);
                agg_lookup_int(t, ai, l->scratch, &krow, k, fits, n, si, gid, states, &err);
            }
            if (miss) {
                Value sv = value_int(TYPE_INT64, si);
                vector_init(&kc[ai->ngroups], ltype(TYPE_INT64), 1, l->scratch);
                vector_set_const(&kc[ai->ngroups], &sv);
                KeyBuf kb;
                keys_encode(l->scratch, kc, ai->ngroups + 1, n, &kb);
                for (idx_t i = 0; i < n; i++) {
                    if (fits && fits[i]) continue;
                    bool ins;
                    i64 *slot = keytable_find(&t->kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, &ins);
                    if (ins) *slot = new_group(t, ai, &krow, (u32)i, si, &err);
                    gid[i] = *slot;
                    states[i] = t->blocks[*slot];
                }
            }
        }
        for (int a = 0; a < ai->naggs; a++) {
            const Expr *ae = ai->aggs[a];
            const AggFunc *fn = ae->u.agg.fn;
            int na = ae->nargs - 2 * ae->u.agg.nargs_order;
            /* rows that take part: FILTER, non-NULL args for strict aggregates, DISTINCT */
            u32 *sel = arena_alloc(l->scratch, sizeof(u32) * (n ? n : 1));
            idx_t m = 0;
            KeyBuf dk;
            if (ae->u.agg.distinct) {
                Vector *dv = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(na + 1));
                Value gv;
                (void)gv;
                for (int k = 0; k < na; k++) dv[k] = args[a][k];
                keys_encode(l->scratch, dv, na, n, &dk);
            }
            bool all_rows = !filt[a] && !ae->u.agg.distinct;
            if (all_rows && !(fn->flags & FUNC_NOT_STRICT))
                for (int k = 0; k < na && all_rows; k++) all_rows = !args[a][k].nulls;
            if (all_rows) { /* every row takes part: no per-row checks */
                m = n;
                if (ae->u.agg.nargs_order)
                    for (idx_t i = 0; i < n; i++) sel[i] = (u32)i;
            }
            for (idx_t i = 0; i < n && !all_rows; i++) {
                if (filt[a] && !filt[a][i]) continue;
                bool skip = false;
                if (!(fn->flags & FUNC_NOT_STRICT))
                    for (int k = 0; k < na && !skip; k++) skip = args[a][k].nulls && args[a][k].nulls[i];
                if (skip) continue;
                if (ae->u.agg.distinct) {
                    /* key = group id + value */
                    u32 len = dk.off[i + 1] - dk.off[i];
                    u8 *buf = arena_alloc(l->scratch, len + 8);
                    memcpy(buf, &gid[i], 8);
                    memcpy(buf + 8, dk.data + dk.off[i], len);
                    bool ins;
                    keytable_find(&t->distinct[a], buf, len + 8, keys_hash_bytes(buf, len + 8), true, &ins);
                    if (!ins) continue;
                }
                sel[m++] = (u32)i;
            }
            if (m == 0) continue;
            if (ae->u.agg.nargs_order) {
                /* ORDER BY inside the aggregate: keep (group, keys, args) rows and
                 * feed them in order at finalize (this operator runs on one thread) */
                if (ordered_keep(t, ai, a, l, in, gid, sel, m, args[a], na)) return MDB_FAIL;
                continue;
            }
            AggCtx c = actx(t, &err, ae);
            if (m == n) {
                void **st = arena_alloc(l->scratch, sizeof(void *) * n);
                for (idx_t i = 0; i < n; i++) st[i] = states[i] + ai->state_off[a];
                if (fn->update(&c, args[a], n, st)) return op_fail(ex, &err);
            } else {
                Vector *sa = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(na + 1));
                for (int k = 0; k < na; k++) {
                    vector_init(&sa[k], args[a][k].type, m, l->scratch);
                    vector_gather(&args[a][k], sel, m, &sa[k]);
                }
                void **st = arena_alloc(l->scratch, sizeof(void *) * m);
                for (idx_t i = 0; i < m; i++) st[i] = states[sel[i]] + ai->state_off[a];
                if (fn->update(&c, sa, m, st)) return op_fail(ex, &err);
            }
        }
    }
    return MDB_OK_;
}

/* Bytes a table holds: keys, state blocks, hash tables, DISTINCT sets, ORDER BY rows. */
static i64 aggtable_bytes(const AggTable *t, const AggInfo *ai)
{
    i64 b = colcoll_bytes(t->keys) + (t->states ? (i64)t->states->total : 0) + (i64)t->cap * 16 +
            (i64)t->kt.cap * 28 + (t->kt.arena ? (i64)t->kt.arena->total : 0) + (i64)t->it.cap * (i64)sizeof(IntSlot) +
            /* the dense array's pages are touched only where keys occur: about a slot per group */
            (t->dense ? (i64)MDB_MIN((size_t)AGG_DENSE, t->ngroups) * (i64)sizeof(IntSlot) : 0);
    for (int a = 0; t->distinct && a < ai->naggs; a++)
        if (ai->aggs[a]->u.agg.distinct)
            b += (i64)t->distinct[a].cap * 28 + (t->distinct[a].arena ? (i64)t->distinct[a].arena->total : 0);
    for (int a = 0; t->ordered && a < ai->naggs; a++) b += colcoll_bytes(t->ordered[a]);
    return b;
}

static bool agg_can_spill(const AggInfo *ai) { return ai->ngroups > 0 && ai->nsets == 0; }

static inline bool agg_int_has(const AggTable *t, i64 k)
{
    if ((u64)k < AGG_DENSE) return t->dense && t->dense[k].used;
    if (!t->it.slots || !t->it.cap) return false;
    size_t mask = t->it.cap - 1, j = inttable_hash(k) & mask;
    while (t->it.slots[j].used) {
        if (t->it.slots[j].key == k) return true;
        j = (j + 1) & mask;
    }
    return false;
}

/* has[i]: row i's group is in the table (key columns kc, no grouping sets). */
static void agg_groups_exist(AggTable *t, AggInfo *ai, Arena *a, Vector *kc, idx_t n, u8 *has)
{
    if (t->int_key) {
        const Vector *kv = &kc[0];
        for (idx_t i = 0; i < n; i++)
            has[i] = vector_is_null(kv, i) ? t->null_gid >= 0 : agg_int_has(t, keys_int_at(kv, i));
        return;
    }
    u8 *fits = NULL;
    idx_t miss = n;
    if (t->kp.state == KEYPACK_ON) {
        i64 *k = arena_alloc(a, sizeof(i64) * (n ? n : 1));
        fits = arena_alloc(a, n ? n : 1);
        miss = keypack_encode(&t->kp, kc, n, k, fits);
        for (idx_t i = 0; i < n; i++)
            if (fits[i]) has[i] = agg_int_has(t, k[i]);
    }
    if (!miss) return;
    Vector *cols = arena_alloc(a, sizeof(Vector) * (size_t)(ai->ngroups + 2));
    memcpy(cols, kc, sizeof(Vector) * (size_t)ai->ngroups);
    Value sv = value_int(TYPE_INT64, 0);
    vector_init(&cols[ai->ngroups], ltype(TYPE_INT64), 1, a);
    vector_set_const(&cols[ai->ngroups], &sv);
    KeyBuf kb;
    keys_encode(a, cols, ai->ngroups + 1, n, &kb);
    for (idx_t i = 0; i < n; i++) {
        if (fits && fits[i]) continue;
        has[i] = keytable_find(&t->kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], false, NULL) != NULL;
    }
}

static void agg_part_add(AggPart *p, i64 off)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->offs = xrealloc(p->offs, sizeof(i64) * p->cap);
    }
    p->offs[p->n++] = off;
}

static int agg_flush_part(Exec *ex, AggGlobal *G, AggLocal *l, int p)
{
    DataChunk *d = &l->pbuf[p];
    if (!d->count) return MDB_OK_;
    pthread_mutex_lock(&G->mu);
    if (!G->file) G->file = spill_create(ex);
    SpillFile *f = G->file;
    G->spilled = true;
    pthread_mutex_unlock(&G->mu);
    if (!f) return MDB_FAIL;
    i64 off;
    if (spill_write(f, d, &off)) return MDB_FAIL;
    pthread_mutex_lock(&G->mu);
    agg_part_add(&l->target[p], off);
    pthread_mutex_unlock(&G->mu);
    chunk_reset(d);
    return MDB_OK_;
}

static int agg_flush_parts(Exec *ex, AggGlobal *G, AggLocal *l)
{
    for (int p = 0; l->pbuf && p < AGG_NPART; p++)
        if (agg_flush_part(ex, G, l, p)) return MDB_FAIL;
    return MDB_OK_;
}

/* Writes rows sel[0..m) of `in` to the partitions their key hash picks. */
static int agg_spill_rows(Exec *ex, PhysOp *op, AggGlobal *G, AggLocal *l, DataChunk *in, Vector *kc, const u32 *sel, idx_t m)
{
    AggInfo *ai = op->info;
    if (l->level >= AGG_MAX_LEVEL) {
        return exec_mem_fail(ex, "hash aggregate (partitions cannot be split further)");
    }
    if (!l->pbuf) {
        l->parena = arena_create(NULL);
        l->pbuf = arena_zalloc(l->parena, sizeof(DataChunk) * AGG_NPART);
        for (int p = 0; p < AGG_NPART; p++) chunk_init(&l->pbuf[p], op->children[0]->types, op->children[0]->ncols, AGG_PART_ROWS, l->parena);
    }
    KeyBuf kb;
    keys_encode(l->scratch, kc, ai->ngroups, in->count, &kb);
    int shift = 64 - AGG_PART_BITS * (l->level + 1);
    for (idx_t k = 0; k < m; k++) {
        u32 r = sel[k];
        int p = (int)((kb.hash[r] >> shift) & (AGG_NPART - 1));
        DataChunk *d = &l->pbuf[p];
        for (int c = 0; c < in->ncols; c++) vector_copy(&in->cols[c], &r, 1, &d->cols[c], d->count);
        if (++d->count == AGG_PART_ROWS && agg_flush_part(ex, G, l, p)) return MDB_FAIL;
    }
    return MDB_OK_;
}

/* One input chunk into a worker's table; spills the rows of new groups once
 * the table is over budget. */
static int agg_push_local(Exec *ex, PhysOp *op, AggGlobal *G, AggLocal *l, DataChunk *in)
{
    AggInfo *ai = op->info;
    arena_reset(l->scratch);
    if (l->spilling && in->count) {
        Vector *kc = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(ai->ngroups + 1));
        for (int i = 0; i < ai->ngroups; i++)
            if (expr_eval(&l->ec, ai->groups[i], in, &kc[i])) return MDB_FAIL;
        idx_t n = in->count;
        u8 *has = arena_zalloc(l->scratch, n);
        agg_groups_exist(&l->t, ai, l->scratch, kc, n, has);
        u32 *yes = arena_alloc(l->scratch, sizeof(u32) * n), *no = arena_alloc(l->scratch, sizeof(u32) * n);
        idx_t ny = 0, nn = 0;
        for (idx_t i = 0; i < n; i++) {
            if (has[i]) yes[ny++] = (u32)i;
            else no[nn++] = (u32)i;
        }
        if (nn && agg_spill_rows(ex, op, G, l, in, kc, no, nn)) return MDB_FAIL;
        if (!ny) return MDB_OK_;
        if (nn) {
            DataChunk *sub = arena_zalloc(l->scratch, sizeof(DataChunk));
            *sub = *in;
            sub->cols = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(in->ncols + 1));
            for (int c = 0; c < in->ncols; c++) {
                vector_init(&sub->cols[c], in->cols[c].type, ny, l->scratch);
                sub->cols[c].heap = in->cols[c].heap;
                vector_gather(&in->cols[c], yes, ny, &sub->cols[c]);
            }
            sub->count = ny;
            in = sub;
        }
    }
    if (agg_push_rows(ex, op, l, in)) return MDB_FAIL;
    i64 use = aggtable_bytes(&l->t, ai);
    if (use <= l->mem->held) return MDB_OK_;
    if (!l->spilling) {
        if (memtrack_update(l->mem, use) == MDB_OK_) return MDB_OK_;
        if (!agg_can_spill(ai)) return exec_mem_fail(ex, ai->nsets ? "hash aggregate with grouping sets" : "aggregate");
        l->spilling = true;
    }
    /* spilling: only states of groups already here grow (string_agg, array_agg,
     * DISTINCT and ORDER BY inputs); they are let run past the budget up to a
     * bound, and the statement fails rather than the process */
    memtrack_force(l->mem, use);
    if (ex->mem_limit > 0 && use > 2 * ex->mem_limit + AGG_STATE_SLACK)
        return exec_mem_fail(ex, "aggregate states (string_agg, array_agg, DISTINCT or ORDER BY inputs of the groups held)");
    return MDB_OK_;
}

static int agg_push(Exec *ex, PhysOp *op, void *g, void *lp, DataChunk *in, int *state)
{
    return agg_push_local(ex, op, (AggGlobal *)g, lp, in);
}

static int agg_combine(Exec *ex, PhysOp *op, void *g, void *lp)
{
    AggGlobal *G = g;
    AggLocal *L = lp;
    if (agg_flush_parts(ex, G, L)) return MDB_FAIL;
    G->nmerged++;
    /* the global table's reservation takes over the worker's */
    memtrack_force(G->mem, G->mem->held + L->mem->held);
    memtrack_force(L->mem, 0);
    return agg_combine_tables(ex, op, g, lp);
}

static int agg_combine_tables(Exec *ex, PhysOp *op, void *g, void *lp)
{
    AggInfo *ai = op->info;
    AggTable *gt = g, *lt = &((AggLocal *)lp)->t;
    Err err = {0};
    /* ORDER BY aggregates: feed the local rows in order before merging states */
    if (ordered_feed(ex, lt, ai, &err)) return MDB_FAIL;
    if (gt->ngroups == 0 && gt->null_gid < 0 && !gt->ordered) {
        /* the first local table becomes the global one as it is: with many
         * groups, re-inserting them all would be the combine's whole cost */
        AggTable empty = *gt;
        size_t out_pos = gt->out_pos;
        *gt = *lt;
        gt->out_pos = out_pos;
        arena_destroy(empty.states);
        aggtable_free(&empty, ai);
        free(empty.ordered);
        memset(lt, 0, sizeof(*lt));
        ((AggLocal *)lp)->merged = true;
        return MDB_OK_;
    }
    Arena *a = arena_create(NULL);
    int rc = MDB_OK_;
    /* merge: re-encode local group keys */
    size_t done = 0;
    for (size_t ci = 0; (ai->ngroups ? ci < lt->keys->nchunks : done < lt->ngroups) && rc == MDB_OK_; ci++) {
        DataChunk *d = ai->ngroups ? lt->keys->chunks[ci] : NULL;
        idx_t cnt = d ? d->count : (idx_t)lt->ngroups;
        Vector *kc = arena_alloc(a, sizeof(Vector) * (size_t)(ai->ngroups + 2));
        for (int i = 0; i < ai->ngroups; i++) kc[i] = d->cols[i];
        vector_init(&kc[ai->ngroups], ltype(TYPE_INT64), cnt, a);
        for (idx_t i = 0; i < cnt; i++) ((i64 *)kc[ai->ngroups].data)[i] = lt->set_of[done + i];
        DataChunk krow;
        memset(&krow, 0, sizeof(krow));
        krow.ncols = ai->ngroups;
        krow.cols = kc;
        krow.count = cnt;
        /* the global group of every local group: a chunk at a time through the
         * integer table (hashed and prefetched together) for integer and
         * packed keys, byte keys for the rest */
        i64 *g2 = arena_alloc(a, sizeof(i64) * (cnt ? cnt : 1));
        u8 **dst = arena_alloc(a, sizeof(u8 *) * (cnt ? cnt : 1));
        u8 *use = NULL;
        idx_t miss = cnt;
        if (gt->int_key) {
            const Vector *kv = &kc[0];
            i64 *k = arena_alloc(a, sizeof(i64) * (cnt ? cnt : 1));
            keys_int_column(kv, cnt, k);
            if (kv->nulls) {
                use = arena_alloc(a, cnt ? cnt : 1);
                for (idx_t i = 0; i < cnt; i++) use[i] = !kv->nulls[kv->is_const ? 0 : i];
            }
            agg_lookup_int(gt, ai, a, &krow, k, use, cnt, 0, g2, dst, &err);
            for (idx_t i = 0; use && i < cnt; i++) {
                if (use[i]) continue;
                if (gt->null_gid < 0) gt->null_gid = new_group(gt, ai, &krow, (u32)i, 0, &err);
                g2[i] = gt->null_gid;
                dst[i] = gt->blocks[g2[i]];
            }
            miss = 0;
        } else {
            if (gt->kp.state == KEYPACK_UNDECIDED && cnt) keypack_plan(&gt->kp, kc, ai->ngroups, cnt);
            if (gt->kp.state == KEYPACK_ON) {
                i64 *k = arena_alloc(a, sizeof(i64) * (cnt ? cnt : 1));
                use = arena_alloc(a, cnt ? cnt : 1);
                miss = keypack_encode(&gt->kp, kc, cnt, k, use);
                agg_lookup_int(gt, ai, a, &krow, k, use, cnt, 0, g2, dst, &err);
            }
        }
        if (miss) {
            KeyBuf kb;
            keys_encode(a, kc, ai->ngroups + 1, cnt, &kb);
            for (idx_t i = 0; i < cnt; i++) {
                if (use && use[i]) continue;
                bool ins;
                i64 *slot = keytable_find(&gt->kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, &ins);
                if (ins) *slot = new_group(gt, ai, &krow, (u32)i, lt->set_of[done + i], &err);
                g2[i] = *slot;
                dst[i] = gt->blocks[*slot];
            }
        }
        for (idx_t i = 0; i < cnt && rc == MDB_OK_; i++) {
            u8 *src = lt->blocks[done + i];
            if (i + 8 < cnt) __builtin_prefetch(lt->blocks[done + i + 8]);
            for (int k = 0; k < ai->naggs; k++) {
                AggCtx c = actx(gt, &err, ai->aggs[k]);
                if (ai->aggs[k]->u.agg.fn->combine(&c, dst[i] + ai->state_off[k], src + ai->state_off[k])) { rc = MDB_FAIL; break; }
            }
        }
        done += cnt;
        arena_reset(a);
    }
    arena_destroy(a);
    /* distinct sets cannot be merged by state: parallel DISTINCT aggregates are planned single-threaded */
    arena_destroy(lt->states);
    aggtable_free(lt, ai);
    ((AggLocal *)lp)->merged = true;
    if (rc) return op_fail(ex, &err);
    return MDB_OK_;
}

typedef struct AggOut {
    AggTable *t;
    size_t pos;
    bool empty_done;
} AggOut;

static void agg_pending_add(AggGlobal *G, AggPart *p)
{
    if (!p->n) {
        free(p->offs);
        return;
    }
    if (G->npending == G->cappending) {
        G->cappending = G->cappending ? G->cappending * 2 : 16;
        G->pending = xrealloc(G->pending, sizeof(AggPart) * G->cappending);
    }
    G->pending[G->npending++] = *p;
}

/* Runs the rows of parts[0..nparts) through table t: with `spilling`, rows of
 * groups t lacks go to new partitions one level finer (queued in G), else
 * the table grows and spills when over budget. */
static int agg_run_parts(Exec *ex, PhysOp *op, AggGlobal *G, AggTable *t, AggPart *parts, int nparts, int level, bool spilling)
{
    AggInfo *ai = op->info;
    AggLocal L;
    memset(&L, 0, sizeof(L));
    L.t = *t;
    L.ai = ai;
    L.scratch = arena_create(NULL);
    exprctx_init(&L.ec, ex, L.scratch);
    L.mem = G->mem;
    L.spilling = spilling;
    L.level = level;
    AggPart target[AGG_NPART];
    memset(target, 0, sizeof(target));
    for (int p = 0; p < AGG_NPART; p++) target[p].level = level;
    L.target = target;
    Arena *ra = arena_create(NULL);
    DataChunk buf;
    chunk_init(&buf, op->children[0]->types, op->children[0]->ncols, VECTOR_SIZE, ra);
    int rc = MDB_OK_;
    for (int pi = 0; pi < nparts && rc == MDB_OK_; pi++)
        for (size_t b = 0; b < parts[pi].n && rc == MDB_OK_; b++) {
            i64 pos = parts[pi].offs[b];
            if (exec_cancelled(ex) || spill_read(G->file, &pos, &buf) || agg_push_local(ex, op, G, &L, &buf)) rc = MDB_FAIL;
        }
    if (rc == MDB_OK_) rc = agg_flush_parts(ex, G, &L);
    Err err = {0};
    if (rc == MDB_OK_) rc = ordered_feed(ex, &L.t, ai, &err);
    *t = L.t;
    for (int p = 0; p < AGG_NPART; p++) agg_pending_add(G, &target[p]);
    arena_destroy(ra);
    arena_destroy(L.scratch);
    if (L.parena) arena_destroy(L.parena);
    return rc;
}

/* The next spilled partition becomes the table (the previous one was emitted). */
static int agg_load_partition(Exec *ex, PhysOp *op, AggGlobal *G)
{
    AggInfo *ai = op->info;
    AggTable *t = &G->t;
    AggPart P = G->pending[--G->npending];
    arena_destroy(t->states);
    aggtable_free(t, ai);
    free(t->ordered);
    memtrack_force(G->mem, 0);
    aggtable_init(t, op, ai);
    int rc = agg_run_parts(ex, op, G, t, &P, 1, P.level + 1, false);
    free(P.offs);
    t->out_pos = 0;
    return rc;
}

static int agg_finalize(Exec *ex, PhysOp *op, void *g)
{
    AggInfo *ai = op->info;
    AggTable *t = g;
    AggGlobal *G = g;
    Err err = {0};
    if (ordered_feed(ex, t, ai, &err)) return MDB_FAIL;
    if (G->spilled) {
        if (G->nmerged > 1) {
            /* a spilled row's group may be in the merged table (another worker made it) */
            if (agg_run_parts(ex, op, G, t, G->level0, AGG_NPART, 1, true)) return MDB_FAIL;
            agg_parts_free(G->level0, AGG_NPART);
        } else {
            for (int p = 0; p < AGG_NPART; p++) agg_pending_add(G, &G->level0[p]);
            memset(G->level0, 0, sizeof(G->level0));
        }
    }
    /* an ungrouped aggregate yields one row even without input */
    if (ai->ngroups == 0 && t->ngroups == 0 && ai->nsets == 0) new_group(t, ai, NULL, 0, 0, &err);
    if (ai->nsets)
        for (int s = 0; s < ai->nsets; s++)
            if (ai->sets[s] == 0) {
                bool have = false;
                for (size_t gi = 0; gi < t->ngroups; gi++) have |= t->set_of[gi] == s;
                if (!have) {
                    DataChunk krow;
                    memset(&krow, 0, sizeof(krow));
                    Arena *a = arena_create(NULL);
                    krow.ncols = ai->ngroups;
                    krow.cols = arena_alloc(a, sizeof(Vector) * (size_t)(ai->ngroups + 1));
                    for (int i = 0; i < ai->ngroups; i++) {
                        vector_init(&krow.cols[i], ai->groups[i]->type, 1, a);
                        Value nv = value_null();
                        vector_set(&krow.cols[i], 0, &nv);
                    }
                    krow.count = 1;
                    new_group(t, ai, &krow, 0, s, &err);
                    arena_destroy(a);
                }
            }
    return MDB_OK_;
}

static void *aggout_local(Exec *ex, PhysOp *op, void *g) { return NULL; }

static int agg_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    AggInfo *ai = op->info;
    AggTable *t = g;
    Err err = {0};
    while (t->out_pos >= t->ngroups && ((AggGlobal *)g)->npending)
        if (agg_load_partition(ex, op, g)) return MDB_FAIL;
    size_t pos = t->out_pos;
    size_t n = MDB_MIN((size_t)VECTOR_SIZE, t->ngroups - pos);
    if (!ai->nsets && ai->ngroups) {
        /* group keys: whole runs of the key collection, column by column */
        for (size_t i = 0; i < n;) {
            size_t gi = pos + i, ci = gi / VECTOR_SIZE, off = gi % VECTOR_SIZE;
            const DataChunk *d = t->keys->chunks[ci];
            size_t run = MDB_MIN(n - i, (size_t)d->count - off);
            u32 sel[VECTOR_SIZE];
            for (size_t r = 0; r < run; r++) sel[r] = (u32)(off + r);
            for (int k = 0; k < ai->ngroups; k++) vector_copy(&d->cols[k], sel, run, &out->cols[k], i);
            i += run;
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t gi = pos + i;
        if (ai->nsets)
            for (int k = 0; k < ai->ngroups; k++) {
                Value v = colcoll_get(t->keys, gi, k);
                if (!((ai->sets[t->set_of[gi]] >> k) & 1)) v = value_null();
                vector_set(&out->cols[k], i, &v);
            }
        for (int a = 0; a < ai->naggs; a++) {
            AggCtx c = actx(t, &err, ai->aggs[a]);
            if (ai->aggs[a]->u.agg.fn->finalize(&c, t->blocks[gi] + ai->state_off[a], &out->cols[ai->ngroups + a], i))
                return op_fail(ex, &err);
        }
        if (ai->nsets) {
            /* GROUPING(): bit set for each key NOT in the set (highest = first key) */
            i64 gval = 0;
            for (int k = 0; k < ai->ngroups; k++) gval = (gval << 1) | !((ai->sets[t->set_of[gi]] >> k) & 1);
            Value gv = value_int(TYPE_INT64, gval);
            vector_set(&out->cols[ai->ngroups + ai->naggs], i, &gv);
        }
    }
    t->out_pos = pos + n;
    out->count = n;
    return MDB_OK_;
}

static const OpVT AGG_VT = {.name = "HashAggregate", .sink_init = agg_init, .sink_local = agg_local, .sink_push = agg_push,
                            .sink_combine = agg_combine, .sink_finalize = agg_finalize, .src_local = aggout_local, .src_next = agg_next};
static const OpVT AGG1_VT = {.name = "HashAggregate", .sink_init = agg_init, .sink_local = agg_local, .sink_push = agg_push,
                             .sink_combine = agg_combine, .sink_finalize = agg_finalize, .sink_ordered = true, .src_local = aggout_local, .src_next = agg_next};

PhysOp *phys_hash_agg(Arena *a, PhysOp *child, Expr **groups, int ngroups, Expr **aggs, int naggs, u64 *sets, int nsets,
                      const LType *types, int ncols)
{
    bool has_distinct = false;
    for (int i = 0; i < naggs; i++) has_distinct |= aggs[i]->u.agg.distinct || aggs[i]->u.agg.nargs_order;
    PhysOp *op = physop_new(a, has_distinct ? &AGG1_VT : &AGG_VT, 1, types, ncols);
    op->children[0] = child;
    AggInfo *ai = arena_zalloc(a, sizeof(AggInfo));
    ai->groups = groups;
    ai->ngroups = ngroups;
    ai->aggs = aggs;
    ai->naggs = naggs;
    ai->sets = sets;
    ai->nsets = nsets;
    ai->state_off = arena_alloc(a, sizeof(size_t) * (size_t)(naggs + 1));
    size_t off = 0;
    for (int i = 0; i < naggs; i++) {
        ai->state_off[i] = off;
        off += (aggs[i]->u.agg.fn->state_size + 15) & ~(size_t)15;
    }
    ai->state_size = off;
    op->info = ai;
    return op;
}

/* ---- nested-loop join ---------------------------------------------------------- */

typedef struct NLInfo {
    JoinType type;
    Expr *cond;
    int lcols, rcols;
} NLInfo;

typedef struct NLState {
    ColumnCollection *right;
    u8 *rmatched;
    MemTrack *mem; /* the inner side (it does not spill: 53200 over the budget) */
} NLState;

typedef struct NLLocal {
    Arena *scratch;
    ExprCtx ec;
    size_t rchunk;     /* position in the right side for the current input */
    idx_t lrow;
    u8 *lmatched;      /* per input row */
    bool tail;         /* emitting unmatched left rows */
} NLLocal;

static void *nl_sink_init(Exec *ex, PhysOp *op)
{
    NLState *s = arena_zalloc(ex->arena, sizeof(NLState));
    s->right = colcoll_create(op->children[1]->types, op->children[1]->ncols);
    exec_own_coll(ex, s->right);
    s->mem = memtrack_new(ex);
    return s;
}

static int nl_sink_push(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *in, int *state)
{
    NLState *s = g;
    pthread_mutex_lock(&ex->mu);
    colcoll_append(s->right, in, NULL, in->count);
    int rc = memtrack_update(s->mem, colcoll_bytes(s->right));
    pthread_mutex_unlock(&ex->mu);
    if (rc) return exec_mem_fail(ex, "nested loop join inner side");
    return MDB_OK_;
}

static void *nl_local(Exec *ex, PhysOp *op)
{
    NLLocal *l = arena_zalloc(ex->arena, sizeof(NLLocal));
    l->scratch = exec_local_arena(ex);
    exprctx_init(&l->ec, ex, l->scratch);
    l->lmatched = arena_zalloc(ex->arena, VECTOR_SIZE);
    return l;
}

/* For each left row, pairs it with one right chunk at a time. */
static int nl_exec(Exec *ex, PhysOp *op, void *lp, DataChunk *in, DataChunk *out, int *state)
{
    NLInfo *ni = op->info;
    NLLocal *l = lp;
    NLState *s = ex->gstate[op->id];
    ColumnCollection *R = s->right;
    arena_reset(l->scratch);
    if (l->lrow == 0 && l->rchunk == 0 && !l->tail) memset(l->lmatched, 0, in->count);
    bool semi = ni->type == JOIN_SEMI, anti = ni->type == JOIN_ANTI, left = ni->type == JOIN_LEFT;
    while (l->lrow < in->count) {
        if (l->rchunk >= R->nchunks) {
            l->rchunk = 0;
            l->lrow++;
            continue;
        }
        if ((semi || anti) && l->lmatched[l->lrow]) {
            l->rchunk = R->nchunks;
            continue;
        }
        DataChunk *rc = R->chunks[l->rchunk++];
        /* build a pair chunk: left row repeated × right chunk */
        DataChunk pair;
        memset(&pair, 0, sizeof(pair));
        pair.ncols = ni->lcols + ni->rcols;
        pair.cols = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(pair.ncols + 1));
        pair.count = rc->count;
        for (int c = 0; c < ni->lcols; c++) {
            Vector *v = &pair.cols[c];
            vector_init(v, in->cols[c].type, 1, l->scratch);
            Value x = vector_get(&in->cols[c], l->lrow);
            vector_set_const(v, &x);
        }
        for (int c = 0; c < ni->rcols; c++) pair.cols[ni->lcols + c] = rc->cols[c];
        u32 sel[VECTOR_SIZE];
        idx_t m = rc->count;
        if (ni->cond) {
            if (expr_select(&l->ec, ni->cond, &pair, sel, &m)) return MDB_FAIL;
        } else {
            for (idx_t i = 0; i < m; i++) sel[i] = (u32)i;
        }
        if (m == 0) continue;
        l->lmatched[l->lrow] = 1;
        if (semi || anti) {
            l->rchunk = R->nchunks;
            continue;
        }
        for (int c = 0; c < pair.ncols; c++) {
            if (c < ni->lcols) out->cols[c] = pair.cols[c];
            else vector_gather(&pair.cols[c], sel, m, &out->cols[c]);
        }
        for (int c = 0; c < ni->lcols; c++) {
            /* materialise the constant left columns to m rows */
            Vector f;
            vector_init(&f, pair.cols[c].type, m, l->scratch);
            f.heap = l->scratch;
            vector_copy(&pair.cols[c], NULL, m, &f, 0);
            out->cols[c] = f;
        }
        out->count = m;
        *state = OP_HAVE_MORE;
        return MDB_OK_;
    }
    /* all left rows done: unmatched ones for LEFT/ANTI, matched ones for SEMI */
    l->lrow = 0;
    l->rchunk = 0;
    u32 sel[VECTOR_SIZE];
    idx_t m = 0;
    for (idx_t i = 0; i < in->count; i++) {
        bool mt = l->lmatched[i];
        if ((semi && mt) || ((anti || left) && !mt)) sel[m++] = (u32)i;
    }
    if (semi || anti) {
        for (int c = 0; c < ni->lcols; c++) vector_gather(&in->cols[c], sel, m, &out->cols[c]);
        out->count = m;
    } else if (left) {
        for (int c = 0; c < ni->lcols; c++) vector_gather(&in->cols[c], sel, m, &out->cols[c]);
        for (int c = 0; c < ni->rcols; c++) {
            vector_fill_null(&out->cols[ni->lcols + c], m);
        }
        out->count = m;
    }
    *state = OP_NEED_INPUT;
    return MDB_OK_;
}

static const OpVT NL_VT = {.name = "Nested Loop", .op_local = nl_local, .op_exec = nl_exec, .sink_child = 1,
                           .sink_init = nl_sink_init, .sink_push = nl_sink_push};

PhysOp *phys_nl_join(Arena *a, PhysOp *l, PhysOp *r, JoinType type, Expr *cond, const LType *types, int ncols)
{
    PhysOp *op = physop_new(a, &NL_VT, 2, types, ncols);
    op->children[0] = l;
    op->children[1] = r;
    NLInfo *ni = arena_zalloc(a, sizeof(NLInfo));
    ni->type = type;
    ni->cond = cond;
    ni->lcols = l->ncols;
    ni->rcols = r->ncols;
    op->info = ni;
    return op;
}

/* ---- hash join ------------------------------------------------------------------- */

typedef struct HJInfo {
    JoinType type;
    Expr **pkeys, **bkeys;
    int nkeys;
    Expr *residual;
    int lcols, rcols;
} HJInfo;

/* Build side.  Rows live in `build` (row id = chunk × VECTOR_SIZE + offset)
 * and are chained per bucket through `next`.  One integer-like key uses
 * buckets of its own: a dense array indexed by key − kmin when the keys span
 * a range not much larger than their count (no hashing, no key compare, and
 * ascending probe keys walk it sequentially), hashed buckets otherwise (chains
 * then mix keys, so the probe compares bkey).  Other keys go through the
 * byte-key table, which maps an encoded key to its chain's head. */
typedef struct HJState {
    ColumnCollection *build;
    bool int_key;     /* one integer-like key of the same type on both sides */
    bool dense;
    i64 kmin;
    int shift;        /* hashed: bucket = (key × golden) >> shift */
    size_t nheads;
    u32 *heads;       /* row id + 1 of the bucket's first row, 0 = empty */
    i64 *bkey;        /* key per row id (hashed buckets) */
    KeyTable kt;      /* byte keys → head row id + 1 */
    u32 *next;        /* next row id + 1 in the chain, 0 = end */
    bool single;      /* integer keys: every bucket holds at most one row, so probes skip next[] */
    /* perfect hashing (dense unique integer keys, no FULL/RIGHT): the build
     * columns laid out by key - kmin, and a bitmap of the keys present, so a
     * probe row costs a bitmap test (cache-resident) and one payload read */
    u64 *pbits;
    Vector *perfect;
    Arena *parena;
    u8 *bmatched;     /* FULL joins: build rows that found a partner */
    Arena *scratch;
    MemTrack *mem;    /* build rows and hash table */
    /* grace join (memory_limit): build and probe rows in HJ_NPART partitions of a temporary file */
    _Atomic bool spilled;
    bool is_part;       /* the table of one partition (hj_finish) */
    pthread_mutex_t mu; /* the file and the partition lists */
    SpillFile *file;
    AggPart *bparts, *pparts; /* partition i: its build and probe blocks */
    int *plevel;              /* hash bits that chose partition i: 5 per level */
    size_t nparts, capparts;
} HJState;

#define HJ_NPART 32
#define HJ_MAX_LEVEL 6   /* 5 hash bits a level: a partition is split at most 6 times */
#define HJ_TOO_BIG 2     /* hj_load_part: the partition must be split */
#define HJ_PART_ROWS 256 /* rows a partition's write buffer holds */

/* Write buffers of the partitions, one chunk each. */
typedef struct HJBufs {
    Arena *a;
    DataChunk *b;
} HJBufs;

typedef struct HJBuildLocal {
    ColumnCollection *rows;
    Arena *scratch;
    ExprCtx ec;
    MemTrack *mem;
    HJBufs bufs;
} HJBuildLocal;

#define HJ_GOLDEN 0x9E3779B97F4A7C15ULL

static void hj_bufs_free(HJBufs *b)
{
    if (b->a) arena_destroy(b->a);
    b->a = NULL;
    b->b = NULL;
}

static void hj_build_local_free(void *p)
{
    HJBuildLocal *l = p;
    hj_bufs_free(&l->bufs);
    colcoll_destroy(l->rows);
    l->rows = NULL;
}

static void hj_parts_free(void *p)
{
    HJState *s = p;
    agg_parts_free(s->bparts, s->nparts);
    agg_parts_free(s->pparts, s->nparts);
    free(s->bparts);
    free(s->pparts);
    free(s->plevel);
    s->bparts = s->pparts = NULL;
    s->plevel = NULL;
    pthread_mutex_destroy(&s->mu);
}

static void colcoll_clear(ColumnCollection *c)
{
    arena_destroy(c->arena);
    c->arena = arena_create(NULL);
    c->nchunks = 0;
    c->count = 0;
}

/* Appends rows of d (all) to the partitions their key hash picks (key columns
 * kcol..kcol+nkeys-1 of d); full buffers go to the file. */
/* Appends partitions first..first+HJ_NPART-1 (hash bits of `level`); returns first. */
static size_t hj_parts_add(HJState *s, int level)
{
    if (s->nparts + HJ_NPART > s->capparts) {
        s->capparts = MDB_MAX(s->capparts * 2, s->nparts + HJ_NPART);
        s->bparts = xrealloc(s->bparts, sizeof(AggPart) * s->capparts);
        s->pparts = xrealloc(s->pparts, sizeof(AggPart) * s->capparts);
        s->plevel = xrealloc(s->plevel, sizeof(int) * s->capparts);
    }
    size_t first = s->nparts;
    memset(s->bparts + first, 0, sizeof(AggPart) * HJ_NPART);
    memset(s->pparts + first, 0, sizeof(AggPart) * HJ_NPART);
    for (int i = 0; i < HJ_NPART; i++) s->plevel[first + (size_t)i] = level;
    s->nparts += HJ_NPART;
    return first;
}

static inline int hj_part_of(u64 hash, int level) { return (int)(hash >> (59 - 5 * level)) & (HJ_NPART - 1); }

/* Writes a full (or final) partition buffer to the join's temp file, created on
 * first use, and records where it went in `part`. */
static int hj_write_part(Exec *ex, HJState *s, DataChunk *b, AggPart *part)
{
    i64 off;
    pthread_mutex_lock(&s->mu);
    if (!s->file) s->file = spill_create(ex);
    pthread_mutex_unlock(&s->mu);
    if (!s->file || spill_write(s->file, b, &off)) return MDB_FAIL;
    pthread_mutex_lock(&s->mu);
    agg_part_add(part, off);
    pthread_mutex_unlock(&s->mu);
    chunk_reset(b);
    return MDB_OK_;
}

static int hj_part_rows_at(Exec *ex, HJState *s, HJBufs *pb, AggPart *parts, int level, const DataChunk *d, int ncopy, int kcol,
                           int nkeys, const LType *types, Arena *scratch)
{
    if (!pb->b) {
        pb->a = arena_create(NULL);
        pb->b = arena_zalloc(pb->a, sizeof(DataChunk) * HJ_NPART);
        for (int p = 0; p < HJ_NPART; p++) chunk_init(&pb->b[p], types, ncopy, HJ_PART_ROWS, pb->a);
    }
    KeyBuf kb;
    keys_encode(scratch, d->cols + kcol, nkeys, d->count, &kb);
    for (idx_t i = 0; i < d->count; i++) {
        int p = hj_part_of(kb.hash[i], level);
        DataChunk *b = &pb->b[p];
        u32 r = (u32)i;
        for (int c = 0; c < ncopy; c++) vector_copy(&d->cols[c], &r, 1, &b->cols[c], b->count);
        if (++b->count < HJ_PART_ROWS) continue;
        if (hj_write_part(ex, s, b, &parts[p])) return MDB_FAIL;
    }
    return MDB_OK_;
}

static int hj_part_rows(Exec *ex, HJState *s, HJBufs *pb, AggPart *parts, const DataChunk *d, int kcol, int nkeys,
                        const LType *types, Arena *scratch)
{
    return hj_part_rows_at(ex, s, pb, parts, 0, d, d->ncols, kcol, nkeys, types, scratch);
}

static int hj_flush(Exec *ex, HJState *s, HJBufs *pb, AggPart *parts)
{
    for (int p = 0; pb->b && p < HJ_NPART; p++) {
        DataChunk *b = &pb->b[p];
        if (!b->count) continue;
        if (hj_write_part(ex, s, b, &parts[p])) return MDB_FAIL;
    }
    return MDB_OK_;
}

/* Moves the rows of c (build rows + keys) into the build partitions. */
static int hj_part_coll(Exec *ex, HJInfo *hi, HJState *s, HJBufs *pb, ColumnCollection *c, Arena *scratch)
{
    for (size_t ci = 0; ci < c->nchunks; ci++) {
        arena_reset(scratch);
        if (hj_part_rows(ex, s, pb, s->bparts, c->chunks[ci], c->ncols - hi->nkeys, hi->nkeys, c->types, scratch)) return MDB_FAIL;
    }
    colcoll_clear(c);
    return MDB_OK_;
}

static void hj_state_free(void *p)
{
    HJState *s = p;
    keytable_free(&s->kt);
    free(s->heads);
    free(s->bkey);
    free(s->next);
    free(s->pbits);
    if (s->parena) arena_destroy(s->parena);
    s->pbits = NULL;
    s->parena = NULL;
    s->perfect = NULL;
    s->heads = s->next = NULL;
    s->bkey = NULL;
    arena_destroy(s->scratch);
    s->scratch = NULL;
}

static void *hj_sink_init(Exec *ex, PhysOp *op)
{
    HJState *s = arena_zalloc(ex->arena, sizeof(HJState));
    HJInfo *hi = op->info;
    int nb = op->children[1]->ncols;
    LType *t = arena_alloc(ex->arena, sizeof(LType) * (size_t)(nb + hi->nkeys + 1));
    memcpy(t, op->children[1]->types, sizeof(LType) * (size_t)nb);
    for (int k = 0; k < hi->nkeys; k++) t[nb + k] = hi->bkeys[k]->type;
    s->build = colcoll_create(t, nb + hi->nkeys);
    exec_own_coll(ex, s->build);
    s->int_key = hi->nkeys == 1 && keys_is_int_type((TypeId)hi->bkeys[0]->type.id) &&
                 hi->bkeys[0]->type.id == hi->pkeys[0]->type.id;
    keytable_init(&s->kt);
    s->scratch = arena_create(NULL);
    s->mem = memtrack_new(ex);
    pthread_mutex_init(&s->mu, NULL);
    hj_parts_add(s, 0);
    exec_defer(ex, hj_parts_free, s);
    exec_defer(ex, hj_state_free, s);
    return s;
}

static void *hj_build_local(Exec *ex, PhysOp *op, void *g, int child)
{
    HJState *s = g;
    HJBuildLocal *l = arena_zalloc(ex->arena, sizeof(HJBuildLocal));
    l->rows = colcoll_create(s->build->types, s->build->ncols);
    l->scratch = exec_local_arena(ex);
    exprctx_init(&l->ec, ex, l->scratch);
    l->mem = memtrack_new(ex);
    exec_defer(ex, hj_build_local_free, l);
    return l;
}

/* Thread-local: evaluates the build keys and keeps rows + keys. */
static int hj_sink_push(Exec *ex, PhysOp *op, void *g, void *lp, DataChunk *in, int *state)
{
    HJInfo *hi = op->info;
    HJBuildLocal *l = lp;
    arena_reset(l->scratch);
    DataChunk ext;
    memset(&ext, 0, sizeof(ext));
    ext.ncols = in->ncols + hi->nkeys;
    ext.cols = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(ext.ncols + 1));
    ext.count = in->count;
    memcpy(ext.cols, in->cols, sizeof(Vector) * (size_t)in->ncols);
    for (int k = 0; k < hi->nkeys; k++)
        if (expr_eval(&l->ec, hi->bkeys[k], in, &ext.cols[in->ncols + k])) return MDB_FAIL;
    colcoll_append(l->rows, &ext, NULL, in->count);
    HJState *s = g;
    if (!atomic_load(&s->spilled)) {
        if (memtrack_update(l->mem, colcoll_bytes(l->rows)) == MDB_OK_) return MDB_OK_;
        /* over the budget: a grace join from now on, for every worker */
        atomic_store(&s->spilled, true);
    }
    if (hj_part_coll(ex, hi, s, &l->bufs, l->rows, l->scratch)) return MDB_FAIL;
    memtrack_update(l->mem, 0);
    return MDB_OK_;
}

/* Runs under the execution mutex: hands the local chunks to the global side. */
static int hj_combine(Exec *ex, PhysOp *op, void *g, void *lp)
{
    HJState *s = g;
    HJBuildLocal *l = lp;
    if (atomic_load(&s->spilled)) {
        if (hj_part_coll(ex, op->info, s, &l->bufs, l->rows, l->scratch) || hj_flush(ex, s, &l->bufs, s->bparts)) return MDB_FAIL;
        memtrack_update(l->mem, 0);
        return MDB_OK_;
    }
    colcoll_absorb(s->build, l->rows);
    colcoll_destroy(l->rows);
    l->rows = NULL;
    memtrack_force(s->mem, s->mem->held + l->mem->held);
    memtrack_force(l->mem, 0);
    return MDB_OK_;
}

static inline size_t hj_bucket(const HJState *s, i64 key)
{
    return s->dense ? (size_t)((u64)key - (u64)s->kmin) : (size_t)(((u64)key * HJ_GOLDEN) >> s->shift);
}

/* Integer keys: collects the keys by row id, picks dense or hashed buckets
 * from their range and count, and chains the rows. */
static void hj_build_perfect(HJState *s, int nb);

static void hj_build_int(HJState *s, int kcol, bool perfect_ok)
{
    ColumnCollection *b = s->build;
    size_t nslots = b->nchunks * VECTOR_SIZE;
    s->bkey = xmalloc(sizeof(i64) * (nslots ? nslots : 1));
    size_t count = 0;
    i64 kmin = INT64_MAX, kmax = INT64_MIN;
    for (size_t ci = 0; ci < b->nchunks; ci++) {
        const Vector *kv = &b->chunks[ci]->cols[kcol];
        i64 *bk = s->bkey + ci * VECTOR_SIZE;
        for (idx_t i = 0; i < b->chunks[ci]->count; i++) {
            if (kv->nulls && kv->nulls[kv->is_const ? 0 : i]) continue;
            i64 k = keys_int_at(kv, i);
            bk[i] = k;
            if (k < kmin) kmin = k;
            if (k > kmax) kmax = k;
            count++;
        }
    }
    if (!count) return;
    u64 range = (u64)kmax - (u64)kmin;
    s->kmin = kmin;
    if (range < (u64)count * 4 + 4096) {
        s->dense = true;
        s->nheads = (size_t)range + 1;
    } else {
        int bits = 10;
        while (((size_t)1 << bits) < count * 2) bits++;
        s->shift = 64 - bits;
        s->nheads = (size_t)1 << bits;
    }
    if (perfect_ok && s->dense && s->nheads <= 2 * count + 4096) {
        /* a unique dense key: the bitmap of keys present, built first, also
         * finds a duplicate; without one the build side is laid out by key
         * and no bucket heads or chains are made */
        s->pbits = xcalloc((s->nheads + 63) / 64, sizeof(u64));
        bool dup = false;
        for (size_t ci = 0; ci < b->nchunks && !dup; ci++) {
            const Vector *kv = &b->chunks[ci]->cols[kcol];
            const i64 *bk = s->bkey + ci * VECTOR_SIZE;
            for (idx_t i = 0; i < b->chunks[ci]->count; i++) {
                if (kv->nulls && kv->nulls[kv->is_const ? 0 : i]) continue;
                size_t h = (size_t)((u64)bk[i] - (u64)kmin);
                u64 bit = (u64)1 << (h & 63);
                dup |= (s->pbits[h >> 6] & bit) != 0;
                s->pbits[h >> 6] |= bit;
            }
        }
        if (!dup) {
            s->single = true;
            hj_build_perfect(s, kcol);
            return;
        }
        free(s->pbits);
        s->pbits = NULL;
    }
    s->next = xcalloc(nslots + 1, sizeof(u32));
    s->heads = xcalloc(s->nheads, sizeof(u32));
    bool chained = false;
    for (size_t ci = 0; ci < b->nchunks; ci++) {
        const Vector *kv = &b->chunks[ci]->cols[kcol];
        const i64 *bk = s->bkey + ci * VECTOR_SIZE;
        u32 base = (u32)(ci * VECTOR_SIZE);
        for (idx_t i = 0; i < b->chunks[ci]->count; i++) {
            if (kv->nulls && kv->nulls[kv->is_const ? 0 : i]) continue;
            size_t h = hj_bucket(s, bk[i]);
            chained |= s->heads[h] != 0;
            s->next[base + i] = s->heads[h];
            s->heads[h] = base + (u32)i + 1;
        }
    }
    /* a unique build key (the usual primary-key side) in distinct buckets:
     * the probe reads no chain links, one cache miss less per probe row */
    s->single = !chained;
}

/* Lays the build columns out by key (see HJState.pbits); row id = key - kmin. */
static void hj_build_perfect(HJState *s, int nb)
{
    ColumnCollection *b = s->build;
    s->parena = arena_create(NULL);
    s->perfect = arena_alloc(s->parena, sizeof(Vector) * (size_t)(nb + 1));
    for (int c = 0; c < nb; c++) vector_init(&s->perfect[c], b->types[c], (idx_t)s->nheads, s->parena);
    for (size_t ci = 0; ci < b->nchunks; ci++) {
        const DataChunk *d = b->chunks[ci];
        const Vector *kv = &d->cols[nb];
        const i64 *bk = s->bkey + ci * VECTOR_SIZE;
        for (int c = 0; c < nb; c++) {
            const Vector *sv = &d->cols[c];
            Vector *pv = &s->perfect[c];
            size_t w = type_width(sv->type);
            for (idx_t i = 0; i < d->count; i++) {
                if (kv->nulls && kv->nulls[kv->is_const ? 0 : i]) continue;
                size_t h = (size_t)((u64)bk[i] - (u64)s->kmin);
                idx_t r = sv->is_const ? 0 : i;
                memcpy(pv->data + h * w, sv->data + r * w, w);
                if (sv->nulls && sv->nulls[r]) vector_nulls(pv)[h] = 1;
                else if (pv->nulls) pv->nulls[h] = 0;
            }
        }
    }
}

/* A partition's table is what the grace join needs to make progress at all:
 * it is held past the budget (other operators of the statement took it)
 * unless it alone exceeds memory_limit. */
static int hj_part_force(Exec *ex, MemTrack *t, i64 usage)
{
    if (ex->mem_limit > 0 && usage > ex->mem_limit) return MDB_FAIL;
    memtrack_force(t, usage);
    return MDB_OK_;
}

static int hj_finalize(Exec *ex, PhysOp *op, void *g)
{
    HJInfo *hi = op->info;
    HJState *s = g;
    ColumnCollection *b = s->build;
    if (atomic_load(&s->spilled)) {
        /* rows combined before the build went over the budget join the partitions */
        HJBufs pb = {0};
        int rc = hj_part_coll(ex, hi, s, &pb, b, s->scratch);
        if (rc == MDB_OK_) rc = hj_flush(ex, s, &pb, s->bparts);
        hj_bufs_free(&pb);
        memtrack_update(s->mem, 0);
        return rc;
    }
    size_t nslots = b->nchunks * VECTOR_SIZE + 1;
    if (nslots >= UINT32_MAX) {
        Err e = {0};
        err_set(&e, "54000", "hash join build side too large (%zu rows)", (size_t)b->count);
        return op_fail(ex, &e);
    }
    /* chains and bucket heads: about 16 bytes a row (integer keys), the key table otherwise */
    i64 need = colcoll_bytes(b) + (i64)nslots * (s->int_key ? 16 : 40);
    if (memtrack_update(s->mem, need)) {
        if (s->is_part) {
            if (hj_part_force(ex, s->mem, need)) return exec_mem_fail(ex, "hash join build side (one of its 32 partitions)");
        } else {
            atomic_store(&s->spilled, true);
            return hj_finalize(ex, op, g);
        }
    }
    int nb = b->ncols - hi->nkeys;
    if (s->int_key) {
        hj_build_int(s, nb, hi->type != JOIN_FULL && hi->type != JOIN_RIGHT);
    } else {
        s->next = xcalloc(nslots, sizeof(u32));
        for (size_t ci = 0; ci < b->nchunks; ci++) {
            DataChunk *d = b->chunks[ci];
            u32 base = (u32)(ci * VECTOR_SIZE);
            arena_reset(s->scratch);
            KeyBuf kb;
            keys_encode(s->scratch, d->cols + nb, hi->nkeys, d->count, &kb);
            for (idx_t i = 0; i < d->count; i++) {
                if (kb.has_null[i]) continue;
                bool ins;
                i64 *slot = keytable_find(&s->kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, &ins);
                s->next[base + i] = ins ? 0 : (u32)*slot;
                *slot = base + (i64)i + 1;
            }
        }
    }
    /* FULL, and RIGHT (here: keep the build side's rows, see planner.c) */
    if (hi->type == JOIN_FULL || hi->type == JOIN_RIGHT) s->bmatched = arena_zalloc(ex->arena, nslots);
    return MDB_OK_;
}

typedef struct HJLocal {
    Arena *scratch;   /* per output chunk */
    Arena *keys;      /* probe keys of the current input chunk */
    ExprCtx ec;
    KeyBuf kb;
    i64 pk[VECTOR_SIZE];   /* integer probe keys of the current input chunk */
    u32 cand[VECTOR_SIZE]; /* their bucket heads (0 = no candidate) */
    idx_t row;        /* next probe row */
    u32 chain;        /* next build row of the current probe row (+1), 0 = none */
    u8 *matched;      /* probe rows that found a partner */
    bool started;
    int phase;        /* 0 = pairs, 1 = unmatched/semi/anti rows */
    /* grace join: probe rows to partitions, then partition by partition (hj_finish) */
    HJBufs pbufs;
    bool fstarted;
    bool fdefer;      /* hj_local_finish_free registered */
    int fpart;        /* partition being joined */
    HJState *ps;      /* its build table */
    struct HJLocal *pl; /* probe state within the partition */
    MemTrack *pmem;
    size_t fblock;    /* next probe block */
    Arena *fa;
    DataChunk fin;    /* the probe block being joined */
    bool fin_live;
    int fphase;       /* 0 = probe rows, 1 = unmatched build rows */
    size_t ftail;
} HJLocal;

static void *hj_local(Exec *ex, PhysOp *op)
{
    HJLocal *l = arena_zalloc(ex->arena, sizeof(HJLocal));
    l->scratch = exec_local_arena(ex);
    l->keys = exec_local_arena(ex);
    exprctx_init(&l->ec, ex, l->scratch);
    l->matched = arena_zalloc(ex->arena, VECTOR_SIZE);
    return l;
}

/* Integer probe keys: every row's bucket head is loaded in one tight loop, so
 * the cache misses of a chunk overlap instead of queueing behind each other. */
static void hj_probe_heads(const HJState *s, HJLocal *l, const Vector *kv, idx_t n)
{
    if (!s->heads && !s->pbits) {
        memset(l->cand, 0, sizeof(u32) * n);
        return;
    }
    if (kv->is_const) {
        bool null = kv->nulls && kv->nulls[0];
        i64 k = keys_int_at(kv, 0);
        size_t h = hj_bucket(s, k);
        u32 c = null || (s->dense && h >= s->nheads) ? 0
                : s->pbits ? ((s->pbits[h >> 6] >> (h & 63) & 1) ? (u32)h + 1 : 0)
                           : s->heads[h];
        for (idx_t i = 0; i < n; i++) { l->pk[i] = k; l->cand[i] = c; }
        return;
    }
    switch (type_width(kv->type)) {
    case 2: for (idx_t i = 0; i < n; i++) l->pk[i] = ((const i16 *)kv->data)[i]; break;
    case 4: for (idx_t i = 0; i < n; i++) l->pk[i] = ((const i32 *)kv->data)[i]; break;
    default: memcpy(l->pk, kv->data, sizeof(i64) * n);
    }
    if (s->pbits) {
        for (idx_t i = 0; i < n; i++) {
            size_t h = (size_t)((u64)l->pk[i] - (u64)s->kmin);
            l->cand[i] = h < s->nheads && (s->pbits[h >> 6] >> (h & 63) & 1) ? (u32)h + 1 : 0;
        }
    } else if (s->dense) {
        for (idx_t i = 0; i < n; i++) {
            size_t h = (size_t)((u64)l->pk[i] - (u64)s->kmin);
            l->cand[i] = h < s->nheads ? s->heads[h] : 0;
        }
    } else {
        for (idx_t i = 0; i < n; i++) l->cand[i] = s->heads[((u64)l->pk[i] * HJ_GOLDEN) >> s->shift];
    }
    if (kv->nulls)
        for (idx_t i = 0; i < n; i++)
            if (kv->nulls[i]) l->cand[i] = 0;
}

/* Copies build column c of the pairs' build rows into v. */
static void hj_gather_build(const ColumnCollection *B, int c, const u32 *rrow, idx_t m, Vector *v)
{
    size_t w = type_width(v->type);
    bool any_null = false;
    /* first the address of every value, prefetched, so that the cache
     * misses of a batch (the build side is read in probe order) overlap */
    const u8 *src[VECTOR_SIZE];
    for (idx_t k = 0; k < m; k++) {
        const Vector *sv = &B->chunks[rrow[k] / VECTOR_SIZE]->cols[c];
        src[k] = sv->data + (size_t)(rrow[k] % VECTOR_SIZE) * w;
        __builtin_prefetch(src[k]);
        any_null |= sv->nulls != NULL;
    }
    switch (w) {
    case 1: for (idx_t k = 0; k < m; k++) v->data[k] = *src[k]; break;
    case 2: for (idx_t k = 0; k < m; k++) memcpy(v->data + k * 2, src[k], 2); break;
    case 4: for (idx_t k = 0; k < m; k++) memcpy(v->data + k * 4, src[k], 4); break;
    case 8: for (idx_t k = 0; k < m; k++) memcpy(v->data + k * 8, src[k], 8); break;
    case 16: for (idx_t k = 0; k < m; k++) memcpy(v->data + k * 16, src[k], 16); break;
    default: for (idx_t k = 0; k < m; k++) memcpy(v->data + k * w, src[k], w);
    }
    if (!any_null) {
        if (v->nulls) memset(v->nulls, 0, m);
        return;
    }
    u8 *nl = vector_nulls(v);
    for (idx_t k = 0; k < m; k++) {
        const Vector *sv = &B->chunks[rrow[k] / VECTOR_SIZE]->cols[c];
        nl[k] = sv->nulls ? sv->nulls[rrow[k] % VECTOR_SIZE] : 0;
    }
}

/* Copies the perfect-hash payload of the pairs' build rows into v. */
static void hj_gather_perfect(const Vector *pv, const u32 *rrow, idx_t m, Vector *v)
{
    size_t w = type_width(pv->type);
    for (idx_t k = 0; k < m; k++) __builtin_prefetch(pv->data + (size_t)rrow[k] * w);
    vector_gather(pv, rrow, m, v);
}

/* Probes one input chunk in steps: first every (probe, build) pair that
 * matches (in batches of VECTOR_SIZE), then — for LEFT, SEMI and ANTI — the
 * probe rows that did (not) match.  Semi and anti joins without a residual
 * stop at a row's first partner and never materialise pairs. */
static int hj_probe(Exec *ex, PhysOp *op, HJState *s, void *lp, DataChunk *in, DataChunk *out, int *state)
{
    HJInfo *hi = op->info;
    HJLocal *l = lp;
    ColumnCollection *B = s->build;
    bool semi = hi->type == JOIN_SEMI, anti = hi->type == JOIN_ANTI;
    bool left = hi->type == JOIN_LEFT || hi->type == JOIN_FULL;
    bool first_only = (semi || anti) && !hi->residual;
    int nb = B->ncols - hi->nkeys;
    if (!l->started) {
        arena_reset(l->keys);
        ExprCtx kc_ctx;
        exprctx_init(&kc_ctx, ex, l->keys);
        Vector *kc = arena_alloc(l->keys, sizeof(Vector) * (size_t)(hi->nkeys + 1));
        for (int k = 0; k < hi->nkeys; k++)
            if (expr_eval(&kc_ctx, hi->pkeys[k], in, &kc[k])) return MDB_FAIL;
        if (s->int_key) {
            hj_probe_heads(s, l, &kc[0], in->count);
        } else {
            keys_encode(l->keys, kc, hi->nkeys, in->count, &l->kb);
        }
        l->row = 0;
        l->chain = 0;
        l->phase = 0;
        l->started = true;
        memset(l->matched, 0, in->count);
    }
    arena_reset(l->scratch);
    if (l->phase == 0) {
        u32 lsel[VECTOR_SIZE];
        u32 rrow[VECTOR_SIZE];
        idx_t m = 0;
        bool cmp = s->int_key && !s->dense;
        const u32 *next = s->next;
        bool single = s->int_key && s->single;
        while (l->row < in->count && m < VECTOR_SIZE) {
            idx_t i = l->row;
            if (l->chain == 0) {
                if (s->int_key) {
                    l->chain = l->cand[i];
                } else if (!l->kb.has_null[i]) {
                    i64 *slot = keytable_find(&s->kt, l->kb.data + l->kb.off[i], l->kb.off[i + 1] - l->kb.off[i],
                                              l->kb.hash[i], false, NULL);
                    l->chain = slot ? (u32)*slot : 0;
                }
                if (!l->chain) { l->row++; continue; }
            }
            while (l->chain && m < VECTOR_SIZE) {
                u32 r = l->chain - 1;
                l->chain = single ? 0 : next[r];
                if (cmp && s->bkey[r] != l->pk[i]) continue;
                lsel[m] = (u32)i;
                rrow[m++] = r;
                if (first_only) l->chain = 0;
            }
            if (!l->chain) l->row++;
        }
        bool more = l->row < in->count;
        if (first_only) {
            for (idx_t k = 0; k < m; k++) l->matched[lsel[k]] = 1;
            out->count = 0;
        } else {
            /* semi and anti joins output only the probe side: pair rows in scratch */
            DataChunk *pair = out;
            DataChunk tmp;
            if (semi || anti) {
                memset(&tmp, 0, sizeof(tmp));
                tmp.ncols = hi->lcols + nb;
                tmp.cols = arena_alloc(l->scratch, sizeof(Vector) * (size_t)(tmp.ncols + 1));
                for (int c = 0; c < hi->lcols; c++) vector_init(&tmp.cols[c], in->cols[c].type, m ? m : 1, l->scratch);
                for (int c = 0; c < nb; c++) vector_init(&tmp.cols[hi->lcols + c], B->types[c], m ? m : 1, l->scratch);
                pair = &tmp;
            }
            /* every probe row once, in order (a foreign key meeting a unique
             * key): the probe columns pass through without a copy */
            bool identity = pair == out && !hi->residual && m == in->count;
            for (idx_t k = 0; k < m && identity; k++) identity = lsel[k] == k;
            for (int c = 0; c < hi->lcols; c++) {
                if (identity) pair->cols[c] = in->cols[c];
                else vector_gather(&in->cols[c], lsel, m, &pair->cols[c]);
            }
            for (int c = 0; c < nb; c++) {
                if (s->perfect) hj_gather_perfect(&s->perfect[c], rrow, m, &pair->cols[hi->lcols + c]);
                else hj_gather_build(B, c, rrow, m, &pair->cols[hi->lcols + c]);
            }
            pair->count = m;
            if (hi->residual && m) {
                u32 sel[VECTOR_SIZE];
                idx_t q;
                if (expr_select(&l->ec, hi->residual, pair, sel, &q)) return MDB_FAIL;
                if (q < m) {
                    for (idx_t k = 0; k < q; k++) { lsel[k] = lsel[sel[k]]; rrow[k] = rrow[sel[k]]; }
                    if (pair == out) chunk_select(out, sel, q);
                }
                m = q;
            }
            for (idx_t k = 0; k < m; k++) l->matched[lsel[k]] = 1;
            if (s->bmatched)
                for (idx_t k = 0; k < m; k++) s->bmatched[rrow[k]] = 1;
            if (semi || anti) out->count = 0;
        }
        if (more) { *state = OP_HAVE_MORE; return MDB_OK_; }
        if (!(semi || anti || left)) {
            l->started = false;
            *state = OP_NEED_INPUT;
            return MDB_OK_;
        }
        l->phase = 1;
        *state = OP_HAVE_MORE;
        return MDB_OK_;
    }
    /* phase 1: the probe rows that (did not) match */
    u32 sel[VECTOR_SIZE];
    idx_t q = 0;
    for (idx_t i = 0; i < in->count; i++)
        if (semi ? l->matched[i] : !l->matched[i]) sel[q++] = (u32)i;
    for (int c = 0; c < hi->lcols; c++) vector_gather(&in->cols[c], sel, q, &out->cols[c]);
    if (left)
        for (int c = 0; c < nb; c++) vector_fill_null(&out->cols[hi->lcols + c], q);
    out->count = q;
    l->started = false;
    *state = OP_NEED_INPUT;
    return MDB_OK_;
}

static void hj_local_finish_free(void *p);

/* Grace join, probe side: rows with a NULL key never match and are answered
 * now (LEFT, FULL, ANTI keep them); the others go to their partition. */
static int hj_probe_spill(Exec *ex, PhysOp *op, HJState *s, HJLocal *l, DataChunk *in, DataChunk *out, int *state)
{
    HJInfo *hi = op->info;
    *state = OP_NEED_INPUT;
    arena_reset(l->keys);
    ExprCtx kc_ctx;
    exprctx_init(&kc_ctx, ex, l->keys);
    DataChunk ext = *in;
    ext.ncols = in->ncols + hi->nkeys;
    ext.cols = arena_alloc(l->keys, sizeof(Vector) * (size_t)(ext.ncols + 1));
    memcpy(ext.cols, in->cols, sizeof(Vector) * (size_t)in->ncols);
    for (int k = 0; k < hi->nkeys; k++)
        if (expr_eval(&kc_ctx, hi->pkeys[k], in, &ext.cols[in->ncols + k])) return MDB_FAIL;
    KeyBuf kb;
    keys_encode(l->keys, ext.cols + in->ncols, hi->nkeys, in->count, &kb);
    u32 *nulls = arena_alloc(l->keys, sizeof(u32) * (in->count + 1)), *rest = arena_alloc(l->keys, sizeof(u32) * (in->count + 1));
    idx_t nn = 0, nr = 0;
    for (idx_t i = 0; i < in->count; i++) {
        if (kb.has_null[i]) nulls[nn++] = (u32)i;
        else rest[nr++] = (u32)i;
    }
    if (nr && !l->pbufs.b) {
        if (!l->fdefer) {
            /* freed at exec_cleanup also when the probe stops early */
            l->fdefer = true;
            exec_defer(ex, hj_local_finish_free, l);
        }
        l->pbufs.a = arena_create(NULL);
        l->pbufs.b = arena_zalloc(l->pbufs.a, sizeof(DataChunk) * HJ_NPART);
        for (int p = 0; p < HJ_NPART; p++) chunk_init(&l->pbufs.b[p], op->children[0]->types, in->ncols, HJ_PART_ROWS, l->pbufs.a);
    }
    /* only the probe columns are kept: the keys are evaluated again per partition */
    for (idx_t k = 0; k < nr; k++) {
        u32 r = rest[k];
        int p = hj_part_of(kb.hash[r], 0);
        DataChunk *b = &l->pbufs.b[p];
        for (int c = 0; c < in->ncols; c++) vector_copy(&in->cols[c], &r, 1, &b->cols[c], b->count);
        if (++b->count == HJ_PART_ROWS) {
            if (hj_write_part(ex, s, b, &s->pparts[p])) return MDB_FAIL;
        }
    }
    bool keep = hi->type == JOIN_LEFT || hi->type == JOIN_FULL || hi->type == JOIN_ANTI;
    if (!nn || !keep) return MDB_OK_;
    for (int c = 0; c < hi->lcols; c++) vector_gather(&in->cols[c], nulls, nn, &out->cols[c]);
    if (hi->type != JOIN_ANTI)
        for (int c = 0; c < op->ncols - hi->lcols; c++) vector_fill_null(&out->cols[hi->lcols + c], nn);
    out->count = nn;
    return MDB_OK_;
}

static int hj_exec(Exec *ex, PhysOp *op, void *lp, DataChunk *in, DataChunk *out, int *state)
{
    HJState *s = ex->gstate[op->id];
    if (atomic_load(&s->spilled)) return hj_probe_spill(ex, op, s, lp, in, out, state);
    return hj_probe(ex, op, s, lp, in, out, state);
}

/* A spilled join's probe pipeline runs on one worker: the partitions are
 * joined after all probe rows are written, by that worker. */
static int hj_threads(Exec *ex, PhysOp *op)
{
    HJState *s = ex->gstate[op->id];
    return s && atomic_load(&s->spilled) ? 1 : 1 << 20;
}

static void hj_part_state_free(HJState *ps)
{
    if (!ps) return;
    hj_state_free(ps);
    colcoll_destroy(ps->build);
    free(ps);
}

static void hj_local_finish_free(void *p)
{
    HJLocal *l = p;
    hj_part_state_free(l->ps);
    l->ps = NULL;
    hj_bufs_free(&l->pbufs);
    if (l->fa) arena_destroy(l->fa);
    l->fa = NULL;
}

/* Loads build partition p into a hash table of its own. */
static int hj_load_part(Exec *ex, PhysOp *op, HJState *s, HJLocal *l, int p)
{
    HJState *ps = xcalloc(1, sizeof(HJState));
    ps->build = colcoll_create(s->build->types, s->build->ncols);
    ps->int_key = s->int_key;
    ps->is_part = true;
    keytable_init(&ps->kt);
    ps->scratch = arena_create(NULL);
    ps->mem = l->pmem;
    l->ps = ps;
    Arena *a = arena_create(NULL);
    DataChunk d;
    chunk_init(&d, s->build->types, s->build->ncols, HJ_PART_ROWS, a);
    int rc = MDB_OK_;
    bool can_split = s->plevel[p] < HJ_MAX_LEVEL;
    i64 per_row = ps->int_key ? 16 : 40; /* the hash table's share of a row */
    for (size_t b = 0; b < s->bparts[p].n && rc == MDB_OK_; b++) {
        i64 pos = s->bparts[p].offs[b];
        if (spill_read(s->file, &pos, &d)) rc = MDB_FAIL;
        else colcoll_append(ps->build, &d, NULL, d.count);
        i64 need = colcoll_bytes(ps->build) + (i64)ps->build->count * per_row;
        if (rc == MDB_OK_ && can_split && ex->mem_limit > 0 && need > ex->mem_limit) rc = HJ_TOO_BIG;
        else if (rc == MDB_OK_ && memtrack_update(ps->mem, need) && hj_part_force(ex, ps->mem, need))
            rc = exec_mem_fail(ex, "hash join build side (rows of one key)");
    }
    arena_destroy(a);
    if (rc == MDB_OK_) rc = hj_finalize(ex, op, ps);
    return rc;
}

/* Splits partition p (build and probe blocks) into HJ_NPART finer ones by the
 * next hash bits; they are joined after the others. */
static int hj_repartition(Exec *ex, PhysOp *op, HJState *s, size_t p)
{
    HJInfo *hi = op->info;
    int level = s->plevel[p] + 1;
    size_t first = hj_parts_add(s, level);
    Arena *a = arena_create(NULL), *sc = arena_create(NULL);
    ColumnCollection *B = s->build;
    int nb = B->ncols - hi->nkeys;
    DataChunk d, pd;
    chunk_init(&d, B->types, B->ncols, HJ_PART_ROWS, a);
    chunk_init(&pd, op->children[0]->types, op->children[0]->ncols, HJ_PART_ROWS, a);
    HJBufs pb = {0};
    int rc = MDB_OK_;
    for (size_t b = 0; b < s->bparts[p].n && rc == MDB_OK_; b++) {
        i64 pos = s->bparts[p].offs[b];
        arena_reset(sc);
        if (spill_read(s->file, &pos, &d) ||
            hj_part_rows_at(ex, s, &pb, s->bparts + first, level, &d, d.ncols, nb, hi->nkeys, B->types, sc))
            rc = MDB_FAIL;
    }
    if (rc == MDB_OK_) rc = hj_flush(ex, s, &pb, s->bparts + first);
    hj_bufs_free(&pb);
    for (size_t b = 0; b < s->pparts[p].n && rc == MDB_OK_; b++) {
        i64 pos = s->pparts[p].offs[b];
        arena_reset(sc);
        if (spill_read(s->file, &pos, &pd)) {
            rc = MDB_FAIL;
            break;
        }
        /* probe blocks hold the probe columns: their keys are evaluated again */
        ExprCtx ec;
        exprctx_init(&ec, ex, sc);
        DataChunk ext = pd;
        ext.ncols = pd.ncols + hi->nkeys;
        ext.cols = arena_alloc(sc, sizeof(Vector) * (size_t)(ext.ncols + 1));
        memcpy(ext.cols, pd.cols, sizeof(Vector) * (size_t)pd.ncols);
        for (int k = 0; k < hi->nkeys && rc == MDB_OK_; k++)
            if (expr_eval(&ec, hi->pkeys[k], &pd, &ext.cols[pd.ncols + k])) rc = MDB_FAIL;
        if (rc == MDB_OK_ &&
            hj_part_rows_at(ex, s, &pb, s->pparts + first, level, &ext, pd.ncols, pd.ncols, hi->nkeys, op->children[0]->types, sc))
            rc = MDB_FAIL;
    }
    if (rc == MDB_OK_) rc = hj_flush(ex, s, &pb, s->pparts + first);
    hj_bufs_free(&pb);
    arena_destroy(sc);
    arena_destroy(a);
    agg_parts_free(s->bparts + p, 1);
    agg_parts_free(s->pparts + p, 1);
    return rc;
}

/* After the probe input: joins the partitions one by one (build table of
 * partition p, then its probe rows through the ordinary probe, then — FULL and
 * RIGHT — its build rows that found no partner). */
static int hj_finish(Exec *ex, PhysOp *op, void *lp, DataChunk *out, int *state)
{
    HJInfo *hi = op->info;
    HJLocal *l = lp;
    HJState *s = ex->gstate[op->id];
    *state = OP_NEED_INPUT;
    if (!s || !atomic_load(&s->spilled)) return MDB_OK_;
    if (!l->fstarted) {
        l->fstarted = true;
        if (!l->fdefer) {
            l->fdefer = true;
            exec_defer(ex, hj_local_finish_free, l);
        }
        if (hj_flush(ex, s, &l->pbufs, s->pparts)) return MDB_FAIL;
        hj_bufs_free(&l->pbufs);
        l->fpart = -1;
        l->pl = hj_local(ex, op);
        l->pmem = memtrack_new(ex);
        l->fa = arena_create(NULL);
        chunk_init(&l->fin, op->children[0]->types, op->children[0]->ncols, HJ_PART_ROWS, l->fa);
    }
    bool keep_build = hi->type == JOIN_FULL || hi->type == JOIN_RIGHT;
    bool keep_probe = hi->type == JOIN_LEFT || hi->type == JOIN_FULL || hi->type == JOIN_ANTI;
    for (;;) {
        if (exec_cancelled(ex)) return MDB_FAIL;
        /* an empty step may leave masks in out's vectors (a NULL fill of 0 rows) */
        chunk_reset(out);
        if (!l->ps) {
            /* the next partition that can give rows */
            for (;;) {
                if (++l->fpart >= (int)s->nparts) return MDB_OK_;
                bool hb = s->bparts[l->fpart].n > 0, hp = s->pparts[l->fpart].n > 0;
                if ((hb && hp) || (hb && keep_build) || (hp && keep_probe)) break;
            }
            int lrc = hj_load_part(ex, op, s, l, l->fpart);
            if (lrc == HJ_TOO_BIG) {
                /* more rows than memory_limit: split it, join the pieces later */
                hj_part_state_free(l->ps);
                l->ps = NULL;
                memtrack_update(l->pmem, 0);
                if (hj_repartition(ex, op, s, (size_t)l->fpart)) return MDB_FAIL;
                continue;
            }
            if (lrc) return MDB_FAIL;
            l->fblock = 0;
            l->fphase = 0;
            l->fin_live = false;
            l->ftail = 0;
            l->pl->started = false;
        }
        HJState *ps = l->ps;
        if (l->fphase == 0) {
            if (!l->fin_live) {
                AggPart *pp = &s->pparts[l->fpart];
                if (l->fblock >= pp->n) {
                    l->fphase = 1;
                    continue;
                }
                i64 pos = pp->offs[l->fblock++];
                if (spill_read(s->file, &pos, &l->fin)) return MDB_FAIL;
                l->fin_live = true;
                l->pl->started = false;
            }
            int st = OP_NEED_INPUT;
            if (hj_probe(ex, op, ps, l->pl, &l->fin, out, &st)) return MDB_FAIL;
            if (st != OP_HAVE_MORE) l->fin_live = false;
            if (out->count) {
                *state = OP_HAVE_MORE;
                return MDB_OK_;
            }
            continue;
        }
        /* build rows of the partition without a partner */
        ColumnCollection *B = ps->build;
        int nb = B->ncols - hi->nkeys;
        while (ps->bmatched && l->ftail < B->nchunks && out->count == 0) {
            size_t ci = l->ftail++;
            DataChunk *d = B->chunks[ci];
            u32 sel[VECTOR_SIZE];
            idx_t m = 0;
            for (idx_t i = 0; i < d->count; i++)
                if (!ps->bmatched[ci * VECTOR_SIZE + i]) sel[m++] = (u32)i;
            if (!m) continue;
            for (int c = 0; c < hi->lcols; c++) vector_fill_null(&out->cols[c], m);
            for (int c = 0; c < nb; c++) vector_gather(&d->cols[c], sel, m, &out->cols[hi->lcols + c]);
            out->count = m;
        }
        if (out->count) {
            *state = OP_HAVE_MORE;
            return MDB_OK_;
        }
        hj_part_state_free(ps);
        l->ps = NULL;
        memtrack_update(l->pmem, 0);
    }
}

static const OpVT HJ_VT = {.name = "Hash Join", .op_local = hj_local, .op_exec = hj_exec, .op_finish = hj_finish,
                           .op_threads = hj_threads, .sink_child = 1,
                           .sink_init = hj_sink_init, .sink_local = hj_build_local, .sink_push = hj_sink_push,
                           .sink_combine = hj_combine, .sink_finalize = hj_finalize};

PhysOp *phys_hash_join(Arena *a, PhysOp *probe, PhysOp *build, JoinType type, Expr **pkeys, Expr **bkeys, int nkeys,
                       Expr *residual, const LType *types, int ncols)
{
    PhysOp *op = physop_new(a, &HJ_VT, 2, types, ncols);
    op->children[0] = probe;
    op->children[1] = build;
    HJInfo *hi = arena_zalloc(a, sizeof(HJInfo));
    hi->type = type;
    hi->pkeys = pkeys;
    hi->bkeys = bkeys;
    hi->nkeys = nkeys;
    hi->residual = residual;
    hi->lcols = probe->ncols;
    hi->rcols = build->ncols;
    op->info = hi;
    return op;
}

/* ---- FULL join tail: build rows that found no partner ------------------------------ */

typedef struct TailState {
    size_t chunk;
    bool done;
} TailState;

static void *tail_init(Exec *ex, PhysOp *op) { return arena_zalloc(ex->arena, sizeof(TailState)); }

static int tail_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    PhysOp *join = op->info;
    HJInfo *hi = join->info;
    HJState *s = ex->gstate[join->id];
    TailState *t = g;
    if (!s || !s->bmatched) return MDB_OK_;
    ColumnCollection *B = s->build;
    int nb = B->ncols - hi->nkeys;
    while (t->chunk < B->nchunks && out->count == 0) {
        size_t ci = t->chunk++;
        DataChunk *d = B->chunks[ci];
        u32 sel[VECTOR_SIZE];
        idx_t m = 0;
        for (idx_t i = 0; i < d->count; i++)
            if (!s->bmatched[ci * VECTOR_SIZE + i]) sel[m++] = (u32)i;
        if (!m) continue;
        for (int c = 0; c < hi->lcols; c++) vector_fill_null(&out->cols[c], m);
        for (int c = 0; c < nb; c++) vector_gather(&d->cols[c], sel, m, &out->cols[hi->lcols + c]);
        out->count = m;
    }
    return MDB_OK_;
}

static const OpVT TAIL_VT = {.name = "Hash Full Join (unmatched)", .src_init = tail_init, .src_next = tail_next};

PhysOp *phys_hash_join_tail(Arena *a, PhysOp *join)
{
    PhysOp *op = physop_new(a, &TAIL_VT, 0, join->types, join->ncols);
    op->info = join;
    return op;
}
