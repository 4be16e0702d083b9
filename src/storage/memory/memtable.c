/*
 * src/storage/memory/memtable.c — MEMORY tier implementation (see memtable.h).
 */
#include "storage/memory/memtable.h"

#include <math.h>

#include "storage/colstats.h"
#include "types/numeric.h"

#include <stdlib.h>

static const TableAM MEMORY_AM;

MemTable *memtable_create(const LType *types, int ncols)
{
    MemTable *t = xcalloc(1, sizeof(MemTable));
    t->base.am = &MEMORY_AM;
    pthread_mutex_init(&t->mu, NULL);
    pthread_rwlock_init(&t->segs_lock, NULL);
    t->ncols = ncols;
    t->types = xmalloc(sizeof(LType) * (size_t)(ncols ? ncols : 1));
    memcpy(t->types, types, sizeof(LType) * (size_t)ncols);
    t->arena = arena_create(NULL);
    return t;
}

void memtable_destroy(MemTable *t)
{
    if (!t) return;
    free(t->stats);
    for (size_t i = 0; i < t->nsegs; i++) {
        MemSegment *s = t->segs[i];
        free(s->begin);
        free(s->end);
        for (int c = 0; c < t->ncols; c++) {
            free(s->cols[c].data);
            free(s->cols[c].nulls);
        }
        free(s->cols);
        if (s->heap) arena_destroy(s->heap);
        free(s);
    }
    free(t->segs);
    free(t->types);
    arena_destroy(t->arena);
    pthread_mutex_destroy(&t->mu);
    pthread_rwlock_destroy(&t->segs_lock);
    free(t);
}

/* A segment column; its strings go to the segment's own arena, so that reclaiming the
 * segment frees them too. */
static void seg_init_col(MemSegment *s, Vector *v, LType type)
{
    memset(v, 0, sizeof(*v));
    v->type = type;
    if (atomic_load(&s->dead)) return; /* reclaimed: no rows to hold */
    v->cap = MEM_SEGMENT_ROWS;
    v->data = xmalloc(type_width(type) * MEM_SEGMENT_ROWS);
    v->nulls = xcalloc(MEM_SEGMENT_ROWS, 1);
    v->heap = s->heap;
    v->owner = s->heap;
}

static MemSegment *new_segment(MemTable *t)
{
    MemSegment *s = xcalloc(1, sizeof(MemSegment));
    s->start = t->nsegs * (u64)MEM_SEGMENT_ROWS;
    s->cols = xcalloc((size_t)(t->ncols ? t->ncols : 1), sizeof(Vector));
    s->heap = arena_create(NULL);
    for (int c = 0; c < t->ncols; c++) seg_init_col(s, &s->cols[c], t->types[c]);
    s->begin = xmalloc(sizeof(Ts) * MEM_SEGMENT_ROWS);
    s->end = xmalloc(sizeof(Ts) * MEM_SEGMENT_ROWS);
    pthread_rwlock_wrlock(&t->segs_lock);
    if (t->nsegs == t->capsegs) {
        t->capsegs = t->capsegs ? t->capsegs * 2 : 4;
        t->segs = xrealloc(t->segs, t->capsegs * sizeof(MemSegment *));
    }
    t->segs[t->nsegs++] = s;
    pthread_rwlock_unlock(&t->segs_lock);
    return s;
}

/* An end stamp of s is about to change (under mu): its clean claim is void. */
static inline void seg_touch(MemSegment *s)
{
    s->mods++;
    s->clean_rows = 0;
}

static MemSegment *seg_of(MemTable *t, u64 row)
{
    pthread_rwlock_rdlock(&t->segs_lock);
    MemSegment *s = t->segs[row / MEM_SEGMENT_ROWS];
    pthread_rwlock_unlock(&t->segs_lock);
    return s;
}

static void mem_reclaim_locked(MemTable *t, Ts horizon);
static void ring_evict(MemTable *t, Txn *txn);

int memtable_append(MemTable *t, Txn *txn, DataChunk *in, u64 *first_row, Err *err)
{
    pthread_mutex_lock(&t->mu);
    if (!t->tm) t->tm = txn->mgr;
    u64 start = atomic_load(&t->nrows);
    idx_t done = 0;
    while (done < in->count) {
        MemSegment *s = t->nsegs ? t->segs[t->nsegs - 1] : NULL;
        if (!s || atomic_load(&s->count) == MEM_SEGMENT_ROWS) {
            /* piggy-backed reclamation: once per segment appended */
            if (s) mem_reclaim_locked(t, txnmgr_horizon(txn->mgr));
            s = new_segment(t);
        }
        u32 pos = atomic_load(&s->count);
        idx_t n = MDB_MIN(in->count - done, (idx_t)(MEM_SEGMENT_ROWS - pos));
        u32 *sel = NULL;
        u32 selbuf[VECTOR_SIZE];
        if (done) {
            for (idx_t k = 0; k < n; k++) selbuf[k] = (u32)(done + k);
            sel = selbuf;
        }
        for (int c = 0; c < t->ncols; c++) vector_copy(&in->cols[c], sel, n, &s->cols[c], pos);
        for (idx_t k = 0; k < n; k++) {
            s->begin[pos + k] = txn->id;
            s->end[pos + k] = TS_INFINITY;
        }
        atomic_store(&s->count, pos + (u32)n);
        atomic_fetch_add(&t->nrows, n);
        done += n;
    }
    atomic_fetch_add(&t->live_estimate, (i64)in->count);
    if (in->count) txn_log(txn, &t->base, start, in->count, UNDO_INSERT);
    if (t->max_rows > 0 && atomic_load(&t->live_estimate) > t->max_rows) ring_evict(t, txn);
    pthread_mutex_unlock(&t->mu);
    if (first_row) *first_row = start;
    (void)err;
    return MDB_OK_;
}

int memtable_delete(MemTable *t, Txn *txn, u64 row, bool *already, Err *err)
{
    MemSegment *s = seg_of(t, row);
    u32 i = (u32)(row - s->start);
    *already = false;
    pthread_mutex_lock(&t->mu);
    Ts end = s->end[i];
    if (end == txn->id) {
        *already = true;
        pthread_mutex_unlock(&t->mu);
        return MDB_OK_;
    }
    if (end != TS_INFINITY && end != TS_ABORTED) {
        /* another writer's id (in progress) or a commit after our snapshot: the engine waits or restarts */
        txn_note_conflict(txn, end);
        pthread_mutex_unlock(&t->mu);
        return err_set(err, SQLSTATE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent update");
    }
    seg_touch(s);
    s->end[i] = txn->id;
    atomic_fetch_sub(&t->live_estimate, 1);
    pthread_mutex_unlock(&t->mu);
    txn_log(txn, &t->base, row, 1, UNDO_DELETE);
    return MDB_OK_;
}

Value memtable_get(MemTable *t, u64 row, int col)
{
    MemSegment *s = seg_of(t, row);
    return vector_get(&s->cols[col], (idx_t)(row - s->start));
}

bool memtable_row_visible(MemTable *t, Txn *txn, u64 row)
{
    MemSegment *s = seg_of(t, row);
    u32 i = (u32)(row - s->start);
    return version_visible(s->begin[i], s->end[i], txn);
}

static int mem_commit_rows(TableStore *table, Txn *txn, u64 row, u64 count, u8 kind, Ts cts, Err *err)
{
    MemTable *t = (MemTable *)table;
    TxnId id = txn->id;
    (void)err;
    for (u64 r = row; r < row + count;) {
        MemSegment *s = seg_of(t, r);
        u32 i = (u32)(r - s->start);
        u64 n = MDB_MIN(row + count - r, (u64)(MEM_SEGMENT_ROWS - i));
        Ts *st = kind == UNDO_INSERT ? s->begin : s->end;
        for (u64 k = 0; k < n; k++)
            if (st[i + k] == id) st[i + k] = cts;
        r += n;
    }
    return MDB_OK_;
}

static void mem_undo_rows(TableStore *table, Txn *txn, u64 row, u64 count, u8 kind)
{
    MemTable *t = (MemTable *)table;
    TxnId id = txn->id;
    pthread_mutex_lock(&t->mu);
    for (u64 r = row; r < row + count;) {
        MemSegment *s = seg_of(t, r);
        u32 i = (u32)(r - s->start);
        u64 n = MDB_MIN(row + count - r, (u64)(MEM_SEGMENT_ROWS - i));
        for (u64 k = 0; k < n; k++) {
            if (kind == UNDO_INSERT && s->begin[i + k] == id) {
                s->begin[i + k] = TS_ABORTED;
                atomic_fetch_sub(&t->live_estimate, 1);
            } else if (kind == UNDO_DELETE && s->end[i + k] == id) {
                s->end[i + k] = TS_INFINITY;
                atomic_fetch_add(&t->live_estimate, 1);
                if (r + k < t->ring_scan) t->ring_scan = r + k; /* live again: eviction looks here */
            }
        }
        r += n;
    }
    pthread_mutex_unlock(&t->mu);
}

void memtable_add_column(MemTable *t, LType type, const Value *fill)
{
    pthread_mutex_lock(&t->mu);
    free(t->stats);
    t->stats = NULL;
    t->types = xrealloc(t->types, sizeof(LType) * (size_t)(t->ncols + 1));
    t->types[t->ncols] = type;
    for (size_t i = 0; i < t->nsegs; i++) {
        MemSegment *s = t->segs[i];
        s->cols = xrealloc(s->cols, sizeof(Vector) * (size_t)(t->ncols + 1));
        seg_init_col(s, &s->cols[t->ncols], type);
        u32 n = atomic_load(&s->dead) ? 0 : atomic_load(&s->count);
        for (u32 r = 0; r < n; r++) vector_set(&s->cols[t->ncols], r, fill);
    }
    t->ncols++;
    pthread_mutex_unlock(&t->mu);
}

void memtable_drop_column(MemTable *t, int col)
{
    memtable_column_save_free(memtable_detach_column(t, col));
}

MemColumnSave *memtable_detach_column(MemTable *t, int col)
{
    pthread_mutex_lock(&t->mu);
    free(t->stats);
    t->stats = NULL;
    MemColumnSave *sv = xcalloc(1, sizeof(MemColumnSave));
    sv->col = col;
    sv->type = t->types[col];
    sv->nsegs = t->nsegs;
    sv->vecs = xcalloc(t->nsegs + 1, sizeof(Vector));
    sv->counts = xcalloc(t->nsegs + 1, sizeof(u32));
    for (size_t i = 0; i < t->nsegs; i++) {
        MemSegment *s = t->segs[i];
        sv->vecs[i] = s->cols[col];
        sv->counts[i] = atomic_load(&s->count);
        memmove(&s->cols[col], &s->cols[col + 1], sizeof(Vector) * (size_t)(t->ncols - col - 1));
    }
    memmove(&t->types[col], &t->types[col + 1], sizeof(LType) * (size_t)(t->ncols - col - 1));
    t->ncols--;
    pthread_mutex_unlock(&t->mu);
    return sv;
}

void memtable_restore_column(MemTable *t, MemColumnSave *sv, bool replace)
{
    pthread_mutex_lock(&t->mu);
    free(t->stats);
    t->stats = NULL;
    int col = sv->col;
    if (!replace) {
        t->types = xrealloc(t->types, sizeof(LType) * (size_t)(t->ncols + 1));
        memmove(&t->types[col + 1], &t->types[col], sizeof(LType) * (size_t)(t->ncols - col));
    }
    t->types[col] = sv->type;
    for (size_t i = 0; i < t->nsegs; i++) {
        MemSegment *s = t->segs[i];
        if (replace) {
            free(s->cols[col].data);
            free(s->cols[col].nulls);
        } else {
            s->cols = xrealloc(s->cols, sizeof(Vector) * (size_t)(t->ncols + 1));
            memmove(&s->cols[col + 1], &s->cols[col], sizeof(Vector) * (size_t)(t->ncols - col));
        }
        if (i < sv->nsegs) {
            /* rows appended since belong to the transaction being rolled back (or were
             * written by none: other writers wait for the DDL): NULL keeps them harmless */
            s->cols[col] = sv->vecs[i];
            u32 n = atomic_load(&s->count);
            for (u32 r = sv->counts[i]; r < n; r++) s->cols[col].nulls[r] = 1;
        } else {
            seg_init_col(s, &s->cols[col], sv->type);
            if (s->cols[col].nulls) memset(s->cols[col].nulls, 1, MEM_SEGMENT_ROWS); /* none in a reclaimed segment */
        }
    }
    if (!replace) t->ncols++;
    sv->nsegs = 0; /* the vectors belong to the table again */
    pthread_mutex_unlock(&t->mu);
    memtable_column_save_free(sv);
}

void memtable_column_save_free(MemColumnSave *sv)
{
    if (!sv) return;
    for (size_t i = 0; i < sv->nsegs; i++) {
        free(sv->vecs[i].data);
        free(sv->vecs[i].nulls);
    }
    free(sv->vecs);
    free(sv->counts);
    free(sv);
}

int memtable_retype_column(MemTable *t, int col, LType type, MemConvertFn fn, void *ctx, MemColumnSave **old)
{
    pthread_mutex_lock(&t->mu);
    MemColumnSave *sv = NULL;
    if (old) {
        sv = xcalloc(1, sizeof(MemColumnSave));
        sv->col = col;
        sv->type = t->types[col];
        sv->nsegs = t->nsegs;
        sv->vecs = xcalloc(t->nsegs + 1, sizeof(Vector));
        sv->counts = xcalloc(t->nsegs + 1, sizeof(u32));
    }
    Vector *nv = xcalloc(t->nsegs + 1, sizeof(Vector));
    size_t done = 0;
    int rc = MDB_OK_;
    for (; done < t->nsegs; done++) {
        MemSegment *s = t->segs[done];
        seg_init_col(s, &nv[done], type);
        u32 n = atomic_load(&s->dead) ? 0 : atomic_load(&s->count);
        if (n && fn(ctx, &s->cols[col], n, &nv[done])) {
            rc = MDB_FAIL;
            done++;
            break;
        }
    }
    if (rc) {
        for (size_t i = 0; i < done; i++) {
            free(nv[i].data);
            free(nv[i].nulls);
        }
    } else {
        for (size_t i = 0; i < t->nsegs; i++) {
            MemSegment *s = t->segs[i];
            if (sv) {
                sv->vecs[i] = s->cols[col];
                sv->counts[i] = atomic_load(&s->count);
            } else {
                free(s->cols[col].data);
                free(s->cols[col].nulls);
            }
            s->cols[col] = nv[i];
        }
        t->types[col] = type;
    }
    if (old) {
        if (rc) {
            sv->nsegs = 0;
            memtable_column_save_free(sv);
            sv = NULL;
        }
        *old = sv;
    }
    free(nv);
    pthread_mutex_unlock(&t->mu);
    return rc;
}

void memtable_truncate(MemTable *t)
{
    pthread_mutex_lock(&t->mu);
    pthread_rwlock_wrlock(&t->segs_lock);
    for (size_t i = 0; i < t->nsegs; i++) {
        MemSegment *s = t->segs[i];
        u32 n = atomic_load(&s->dead) ? 0 : atomic_load(&s->count);
        seg_touch(s);
        for (u32 r = 0; r < n; r++) s->begin[r] = TS_ABORTED;
    }
    atomic_store(&t->live_estimate, 0);
    pthread_rwlock_unlock(&t->segs_lock);
    pthread_mutex_unlock(&t->mu);
}

/* ---- scan ---------------------------------------------------------------- */

void memscan_init(MemScan *s, MemTable *t)
{
    s->t = t;
    s->latest = false;
    atomic_store(&s->next_seg, 0);
    pthread_rwlock_rdlock(&t->segs_lock);
    s->nsegs = t->nsegs;
    pthread_rwlock_unlock(&t->segs_lock);
}

u64 memscan_morsels(const MemScan *s) { return s->nsegs; }

/* The next batch of up to VECTOR_SIZE row versions of this thread's segment
 * (claiming a new segment when it is used up): vis[0..*m) are the positions,
 * from *start, of the versions txn sees.  False at the end of the scan. */
/* The end of a segment's scan: when every stamp was clean, record the claim
 * (unless an end stamp changed meanwhile) so that later scans skip them. */
static void mem_claim_clean(MemTable *t, MemScanLocal *l)
{
    if (!l->all_clean || l->limit == 0) return;
    MemSegment *seg = l->seg;
    pthread_mutex_lock(&t->mu);
    if (seg->mods == l->mods && l->limit > seg->clean_rows) {
        seg->clean_rows = l->limit;
        seg->clean_ts = l->max_begin;
    }
    pthread_mutex_unlock(&t->mu);
}

static bool mem_next_batch(MemScan *s, MemScanLocal *l, Txn *txn, u32 *vis, u32 *start, u32 *n, idx_t *m)
{
    MemTable *t = s->t;
    for (;;) {
        if (!l->seg || l->pos >= l->limit) {
            if (l->seg) mem_claim_clean(t, l);
            u64 k = atomic_fetch_add(&s->next_seg, 1);
            if (k >= s->nsegs) {
                l->seg = NULL;
                return false;
            }
            pthread_rwlock_rdlock(&t->segs_lock);
            l->seg = t->segs[k];
            pthread_rwlock_unlock(&t->segs_lock);
            l->seg_idx = k;
            l->pos = 0;
            /* a reclaimed segment has no version anyone sees (its memory may be freed
             * once every transaction live when it died, this one included, has ended) */
            pthread_mutex_lock(&t->mu);
            l->limit = atomic_load(&l->seg->dead) ? 0 : atomic_load(&l->seg->count);
            l->mods = l->seg->mods;
            bool usable = l->seg->clean_rows && (s->latest || l->seg->clean_ts <= txn->snapshot);
            l->clean = usable ? MDB_MIN(l->seg->clean_rows, l->limit) : 0;
            l->max_begin = usable ? l->seg->clean_ts : 0;
            pthread_mutex_unlock(&t->mu);
            l->all_clean = true;
            continue;
        }
        MemSegment *seg = l->seg;
        *start = l->pos;
        *n = MDB_MIN((u32)VECTOR_SIZE, l->limit - *start);
        l->pos += *n;
        if (*start + *n <= l->clean) {
            /* inside the segment's clean claim: every row visible */
            for (u32 k = 0; k < *n; k++) vis[k] = k;
            *m = *n;
            return true;
        }
        idx_t c = 0;
        const Ts *b = seg->begin + *start, *e = seg->end + *start;
        u64 dirty = 0;
        Ts mx = l->max_begin;
        if (s->latest) {
            for (u32 k = 0; k < *n; k++) {
                vis[c] = k;
                bool inserted = b[k] != TS_ABORTED;
                bool deleted = e[k] == txn->id || e[k] < TXN_ID_BASE;
                c += inserted && !deleted;
                dirty |= (b[k] >= TXN_ID_BASE) | (e[k] != TS_INFINITY);
                mx = b[k] > mx ? b[k] : mx;
            }
        } else {
            for (u32 k = 0; k < *n; k++) {
                vis[c] = k;
                c += version_visible(b[k], e[k], txn);
                dirty |= (b[k] >= TXN_ID_BASE) | (e[k] != TS_INFINITY);
                mx = b[k] > mx ? b[k] : mx;
            }
        }
        if (dirty) l->all_clean = false;
        l->max_begin = mx;
        *m = c;
        return true;
    }
}

/* Copies rows sel[0..m) (all of the first m when sel is NULL) of the segment
 * range starting at `start` into out. */
static void mem_gather(MemSegment *seg, u32 start, const u32 *sel, idx_t m, const int *cols, int ncols, DataChunk *out)
{
    for (int c = 0; c < ncols; c++) {
        Vector *ov = &out->cols[c];
        if (cols[c] < 0) {
            i64 *d = (i64 *)ov->data;
            for (idx_t k = 0; k < m; k++) d[k] = (i64)(seg->start + start + (sel ? sel[k] : k));
            if (ov->nulls) memset(ov->nulls, 0, m);
            continue;
        }
        const Vector *src = &seg->cols[cols[c]];
        size_t w = type_width(src->type);
        const u8 *sd = src->data + (size_t)start * w;
        const u8 *sn = src->nulls + start;
        if (!sel) {
            memcpy(ov->data, sd, (size_t)m * w);
        } else {
            values_gather(ov->data, sd, sel, m, w);
        }
        bool any_null = false;
        for (idx_t k = 0; k < m; k++) any_null |= sn[sel ? sel[k] : k];
        if (any_null) {
            u8 *on = vector_nulls(ov);
            for (idx_t k = 0; k < m; k++) on[k] = sn[sel ? sel[k] : k];
        } else if (ov->nulls) {
            memset(ov->nulls, 0, m);
        }
    }
}

int memscan_next(MemScan *s, MemScanLocal *l, Txn *txn, const int *cols, int ncols, DataChunk *out)
{
    out->count = 0;
    u32 vis[VECTOR_SIZE], start, n;
    idx_t m;
    while (mem_next_batch(s, l, txn, vis, &start, &n, &m)) {
        if (m == 0) continue;
        mem_gather(l->seg, start, m == n ? NULL : vis, m, cols, ncols, out);
        out->count = m;
        out->batch = (i64)(l->seg_idx * 64 + start / VECTOR_SIZE);
        return MDB_OK_;
    }
    return MDB_OK_;
}

/* ---- statistics ----------------------------------------------------------- */

#define STATS_SAMPLE 20000
#define STATS_HT (1u << 16) /* > 2 × STATS_SAMPLE: probes stay short */

static bool stats_number(const Vector *v, idx_t r, double *out)
{
    switch ((TypeId)v->type.id) {
    case TYPE_INT16: *out = ((const i16 *)v->data)[r]; return true;
    case TYPE_INT32:
    case TYPE_DATE: *out = ((const i32 *)v->data)[r]; return true;
    case TYPE_INT64:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: *out = (double)((const i64 *)v->data)[r]; return true;
    case TYPE_FLOAT32: *out = ((const float *)v->data)[r]; return !isnan(*out);
    case TYPE_FLOAT64: *out = ((const double *)v->data)[r]; return !isnan(*out);
    case TYPE_NUMERIC: *out = numeric_to_double(((const Numeric *)v->data)[r]); return true;
    default: return false;
    }
}

/* A systematic sample of up to STATS_SAMPLE row versions (colstats.h). */
static void stats_compute(MemTable *t, int col, u64 nrows, MemColStats *st)
{
    st->at_rows = nrows ? nrows : 1;
    u64 step = nrows > STATS_SAMPLE ? nrows / STATS_SAMPLE : 1;
    ColSample cs;
    colsample_init(&cs, STATS_HT);
    bool is_str = type_is_string((TypeId)t->types[col].id);
    size_t w = type_width(t->types[col]);
    pthread_rwlock_rdlock(&t->segs_lock);
    for (u64 row = 0; row < nrows; row += step) {
        u64 si = row / MEM_SEGMENT_ROWS;
        if (si >= t->nsegs) break;
        MemSegment *seg = t->segs[si];
        u32 r = (u32)(row % MEM_SEGMENT_ROWS);
        if (r >= atomic_load(&seg->count) || atomic_load(&seg->dead)) continue;
        const Vector *v = &seg->cols[col];
        if (v->nulls && v->nulls[r]) {
            colsample_null(&cs);
            continue;
        }
        if (is_str) {
            const Str *sv = (const Str *)v->data + r;
            colsample_value(&cs, (const u8 *)str_data(sv), sv->len);
        } else {
            colsample_value(&cs, v->data + (size_t)r * w, w);
        }
        double x;
        if (stats_number(v, r, &x)) colsample_number(&cs, x);
    }
    pthread_rwlock_unlock(&t->segs_lock);
    colsample_finish(&cs, (double)nrows, &st->s);
}

MemColStats memtable_column_stats(MemTable *t, int col)
{
    MemColStats st;
    memset(&st, 0, sizeof(st));
    u64 nrows = atomic_load(&t->nrows);
    pthread_mutex_lock(&t->mu);
    if (col < 0 || col >= t->ncols) {
        pthread_mutex_unlock(&t->mu);
        return st;
    }
    if (!t->stats) t->stats = xcalloc((size_t)t->ncols, sizeof(MemColStats));
    MemColStats *c = &t->stats[col];
    double at = (double)c->at_rows;
    if (!c->at_rows || (double)nrows > at * 1.1 || (double)nrows < at * 0.9) stats_compute(t, col, nrows, c);
    st = *c;
    pthread_mutex_unlock(&t->mu);
    return st;
}

/* ---- the MEMORY access method (src/storage/tableam.h) ---------------------------------- */

static void mem_destroy(TableStore *st) { memtable_destroy((MemTable *)st); }

static void *mem_scan_begin(TableStore *st, Arena *a, bool latest)
{
    MemScan *s = arena_zalloc(a, sizeof(MemScan));
    memscan_init(s, (MemTable *)st);
    s->latest = latest;
    return s;
}

static void *mem_scan_local(void *scan, Arena *a)
{
    (void)scan;
    return arena_zalloc(a, sizeof(MemScanLocal));
}

static u64 mem_scan_morsels(void *scan) { return memscan_morsels(scan); }

static int mem_scan_next(void *scan, void *local, Txn *txn, const int *cols, int ncols, DataChunk *out, Err *err)
{
    (void)err;
    return memscan_next(scan, local, txn, cols, ncols, out);
}

/* The filter is evaluated on read-only views of the segment (no copy) when
 * every row of the batch is visible, else on the visible rows copied out;
 * only the rows that pass are then copied into out. */
static int mem_scan_next_filter(void *scan, void *local, Txn *txn, const int *cols, int ncols, DataChunk *out,
                                const ScanFilter *f, Err *err)
{
    (void)err;
    MemScanLocal *l = local;
    out->count = 0;
    u32 vis[VECTOR_SIZE], sel[VECTOR_SIZE], start, n;
    idx_t m, q;
    while (mem_next_batch(scan, l, txn, vis, &start, &n, &m)) {
        if (m == 0) continue;
        MemSegment *seg = l->seg;
        if (m == n) {
            /* views of the segment: the filter reads the table's memory */
            DataChunk view = *out;
            Vector vcols[ncols > 0 ? ncols : 1];
            view.cols = vcols;
            view.count = n;
            for (int c = 0; c < ncols; c++) {
                vcols[c] = out->cols[c];
                if (cols[c] < 0) {
                    i64 *d = (i64 *)vcols[c].data;
                    for (u32 k = 0; k < n; k++) d[k] = (i64)(seg->start + start + k);
                    continue;
                }
                const Vector *src = &seg->cols[cols[c]];
                size_t w = type_width(src->type);
                vcols[c].data = src->data + (size_t)start * w;
                vcols[c].nulls = src->nulls ? src->nulls + start : NULL;
                vcols[c].is_const = false;
            }
            if (f->select(f->ctx, &view, sel, &q)) return MDB_FAIL;
            if (q == 0) continue;
            mem_gather(seg, start, q == n ? NULL : sel, q, cols, ncols, out);
        } else {
            mem_gather(seg, start, vis, m, cols, ncols, out);
            out->count = m;
            if (f->select(f->ctx, out, sel, &q)) return MDB_FAIL;
            if (q == 0) {
                out->count = 0;
                continue;
            }
            if (q < m) chunk_select(out, sel, q);
        }
        out->count = q;
        out->batch = (i64)(l->seg_idx * 64 + start / VECTOR_SIZE);
        return MDB_OK_;
    }
    return MDB_OK_;
}

static int mem_fetch(TableStore *st, Txn *txn, u64 row, const int *cols, int ncols, DataChunk *out, bool *found, Err *err)
{
    MemTable *t = (MemTable *)st;
    (void)err;
    *found = row < atomic_load(&t->nrows) && !atomic_load(&seg_of(t, row)->dead) && memtable_row_visible(t, txn, row);
    if (!*found) return MDB_OK_;
    for (int c = 0; c < ncols; c++) {
        Value v;
        if (cols[c] < 0) {
            v = value_int(TYPE_INT64, (i64)row);
        } else {
            v = memtable_get(t, row, cols[c]);
        }
        vector_set(&out->cols[c], out->count, &v);
    }
    out->count++;
    return MDB_OK_;
}

static int mem_insert(TableStore *st, Txn *txn, DataChunk *rows, Err *err) { return memtable_append((MemTable *)st, txn, rows, NULL, err); }

static int mem_delete(TableStore *st, Txn *txn, u64 row, bool *already, Err *err)
{
    return memtable_delete((MemTable *)st, txn, row, already, err);
}

/* Whether another live transaction inserted or is ending version `row` (the engine's unique
 * check met its key): the conflict is noted under the table mutex, like memtable_delete's. */
static bool mem_row_busy(TableStore *st, Txn *txn, u64 row)
{
    MemTable *t = (MemTable *)st;
    if (row >= atomic_load(&t->nrows)) return false;
    MemSegment *s = seg_of(t, row);
    u32 i = (u32)(row - s->start);
    pthread_mutex_lock(&t->mu);
    Ts b = s->begin[i], e = s->end[i];
    Ts who = b >= TXN_ID_BASE && b != TS_ABORTED && b != txn->id                      ? b
             : e >= TXN_ID_BASE && e != TS_INFINITY && e != TS_ABORTED && e != txn->id ? e
                                                                                       : 0;
    if (who) txn_note_conflict(txn, who);
    pthread_mutex_unlock(&t->mu);
    return who != 0;
}

static i64 mem_live_rows(TableStore *st) { return atomic_load(&((MemTable *)st)->live_estimate); }

static TableColStats mem_column_stats(TableStore *st, int col)
{
    return memtable_column_stats((MemTable *)st, col).s;
}

static int mem_add_column(TableStore *st, LType type, const Value *fill, TableFillFn fn, void *ctx, Err *err)
{
    MemTable *t = (MemTable *)st;
    (void)err;
    memtable_add_column(t, type, fill);
    if (!fn) return MDB_OK_;
    /* every live row version gets its own value (nextval(), random()) */
    int ci = t->ncols - 1;
    for (size_t si = 0; si < t->nsegs; si++) {
        MemSegment *seg = t->segs[si];
        u32 n = atomic_load(&seg->dead) ? 0 : atomic_load(&seg->count);
        for (u32 r = 0; r < n; r++) {
            if (seg->end[r] != TS_INFINITY || seg->begin[r] == TS_ABORTED) continue;
            Value v;
            if (fn(ctx, &v)) return MDB_FAIL;
            vector_set(&seg->cols[ci], r, &v);
        }
    }
    return MDB_OK_;
}

static int mem_drop_column(TableStore *st, int col, Err *err)
{
    (void)err;
    memtable_drop_column((MemTable *)st, col);
    return MDB_OK_;
}

static int mem_retype_column(TableStore *st, int col, LType type, TableConvertFn fn, void *ctx, Err *err)
{
    (void)err;
    return memtable_retype_column((MemTable *)st, col, type, fn, ctx, NULL);
}

static int mem_truncate(TableStore *st, Err *err)
{
    (void)err;
    memtable_truncate((MemTable *)st);
    return MDB_OK_;
}

/* ---- reclamation and the ring buffer ------------------------------------------------------ */

void memtable_set_max_rows(MemTable *t, i64 max_rows)
{
    pthread_mutex_lock(&t->mu);
    t->max_rows = max_rows > 0 ? max_rows : 0;
    pthread_mutex_unlock(&t->mu);
}

/* The ring buffer: ends the oldest live rows until at most max_rows are left, as deletes of
 * txn (so they vanish for others when txn commits, and come back if it rolls back).  Rows
 * another transaction is inserting or ending are left to it.  Under mu. */
static void ring_evict(MemTable *t, Txn *txn)
{
    i64 excess = atomic_load(&t->live_estimate) - t->max_rows;
    u64 nrows = atomic_load(&t->nrows);
    u64 r = t->ring_scan;
    bool prefix = true; /* every row so far is ended for good or by txn */
    while (excess > 0 && r < nrows) {
        MemSegment *s = t->segs[r / MEM_SEGMENT_ROWS];
        u32 i = (u32)(r - s->start);
        if (atomic_load(&s->dead)) {
            r = s->start + MEM_SEGMENT_ROWS;
            if (prefix) t->ring_scan = r;
            continue;
        }
        Ts b = s->begin[i], e = s->end[i];
        bool mine_or_committed = b < TXN_ID_BASE || b == txn->id;
        if (b != TS_ABORTED && e == TS_INFINITY && mine_or_committed) {
            seg_touch(s);
            s->end[i] = txn->id;
            atomic_fetch_sub(&t->live_estimate, 1);
            txn_log(txn, &t->base, r, 1, UNDO_DELETE);
            excess--;
        } else if (b != TS_ABORTED && e == TS_INFINITY) {
            prefix = false; /* another transaction's insert: its outcome decides */
        }
        r++;
        if (prefix) t->ring_scan = r;
    }
}

/* A version nobody sees now or later (see memtable_reclaim). */
static bool mem_dead(Ts b, Ts e, Ts horizon)
{
    if (e < TXN_ID_BASE) return e <= horizon;
    return b == TS_ABORTED && (e == TS_INFINITY || e == TS_ABORTED);
}

static void seg_release(MemTable *t, MemSegment *s)
{
    for (int c = 0; c < t->ncols; c++) {
        free(s->cols[c].data);
        free(s->cols[c].nulls);
        s->cols[c].data = NULL;
        s->cols[c].nulls = NULL;
    }
    free(s->begin);
    free(s->end);
    s->begin = s->end = NULL;
    if (s->heap) arena_destroy(s->heap);
    s->heap = NULL;
    s->freed = true;
    t->segs_freed++;
}

/* Under mu.  The last segment (still being appended to) is never reclaimed. */
static void mem_reclaim_locked(MemTable *t, Ts horizon)
{
    if (!t->tm) return;
    TxnId oldest = txnmgr_oldest_live(t->tm), next = txnmgr_next_id(t->tm);
    bool marked = false;
    for (size_t i = 0; i + 1 < t->nsegs; i++) {
        MemSegment *s = t->segs[i];
        if (s->freed) continue;
        if (atomic_load(&s->dead)) {
            /* every transaction that could have claimed it before it died has ended */
            if (s->dead_before <= oldest) seg_release(t, s);
            continue;
        }
        u32 n = atomic_load(&s->count);
        if (n < MEM_SEGMENT_ROWS) continue;
        bool all = true;
        for (u32 r = 0; r < n && all; r++) all = mem_dead(s->begin[r], s->end[r], horizon);
        if (!all) continue;
        s->dead_before = next;
        atomic_store(&s->dead, true);
        marked = true;
        if (next <= oldest) seg_release(t, s); /* no transaction live at all */
    }
    if (marked) {
        free(t->stats); /* the sample may have come from it */
        t->stats = NULL;
    }
}

u64 memtable_reclaim(MemTable *t, Ts horizon)
{
    pthread_mutex_lock(&t->mu);
    u64 before = t->segs_freed;
    mem_reclaim_locked(t, horizon);
    u64 n = t->segs_freed - before;
    pthread_mutex_unlock(&t->mu);
    return n;
}

/* VACUUM: reclaim segments; ANALYZE: the live count is exact already (kept under mu), the
 * column statistics are sampled again. */
static int mem_vacuum(TableStore *st, Ts horizon, bool reclaim, bool analyze, Err *err)
{
    MemTable *t = (MemTable *)st;
    (void)err;
    if (reclaim) memtable_reclaim(t, horizon);
    if (analyze) {
        pthread_mutex_lock(&t->mu);
        free(t->stats);
        t->stats = NULL;
        pthread_mutex_unlock(&t->mu);
    }
    return MDB_OK_;
}

static const TableAM MEMORY_AM = {
    .name = "memory",
    .destroy = mem_destroy,
    .scan_begin = mem_scan_begin,
    .scan_local = mem_scan_local,
    .scan_morsels = mem_scan_morsels,
    .scan_next = mem_scan_next,
    .scan_next_filter = mem_scan_next_filter,
    .fetch = mem_fetch,
    .insert = mem_insert,
    .delete_row = mem_delete,
    .row_busy = mem_row_busy,
    .live_rows = mem_live_rows,
    .column_stats = mem_column_stats,
    .logged = false,
    .commit_rows = mem_commit_rows,
    .undo_rows = mem_undo_rows,
    .add_column = mem_add_column,
    .drop_column = mem_drop_column,
    .retype_column = mem_retype_column,
    .truncate = mem_truncate,
    .vacuum = mem_vacuum,
};
