/*
 * src/storage/oltp/oltp_table.c — OLTP tables: rows in a B+tree keyed by a
 * hidden row id, MVCC stamps in the leaf values, every change in the WAL
 * (see oltp_table.h for the formats and the commit protocol).
 *
 * Concurrency: `mu` serialises a table's writes so that reading a version's
 * end stamp and setting it is atomic (first writer wins, 40001 otherwise) and
 * row ids are handed out in order.  Scans take no table lock: they read
 * through B+tree cursors (which copy a leaf at a time) and split the row id
 * space into ranges that threads claim.
 */
#include "storage/oltp/oltp_table.h"

#include <stdatomic.h>
#include <stdlib.h>

#define OLTP_RANGE_ROWS ((u64)VECTOR_SIZE * 60) /* row ids per scan morsel */
#define OLTP_HDR 16                              /* begin + end stamps */

typedef struct OltpTable {
    TableStore base;
    OltpStore *s;
    TxnManager *tm;
    BTree *tree;
    int ncols;
    LType *types;
    pthread_mutex_t mu;
    _Atomic u64 next_row;
    _Atomic i64 live;
} OltpTable;

static const TableAM OLTP_AM;

static void key_of(u64 row, u8 k[8])
{
    for (int i = 0; i < 8; i++) k[i] = (u8)(row >> (56 - 8 * i));
}

static u64 row_of(const u8 *k)
{
    u64 r = 0;
    for (int i = 0; i < 8; i++) r = r << 8 | k[i];
    return r;
}

static u64 rd64(const u8 *p)
{
    u64 v;
    memcpy(&v, p, 8);
    return v;
}

static void wr64(u8 *p, u64 v) { memcpy(p, &v, 8); }

int oltp_check_types(const LType *types, int ncols, Err *err)
{
    for (int i = 0; i < ncols; i++)
        if (types[i].id == TYPE_NULL || types[i].id >= TYPE__COUNT) {
            char tb[64];
            return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "type %s cannot be stored in oltp tables yet", type_name(types[i], tb, sizeof tb));
        }
    return MDB_OK_;
}

/* ---- row payloads ------------------------------------------------------------------------ */

/* Encodes row i of `rows` (table column order) with the given stamps into out. */
static void row_encode(const OltpTable *t, const DataChunk *rows, idx_t i, Ts begin, Ts end, ByteBuf *out)
{
    out->len = 0;
    u8 hdr[OLTP_HDR];
    wr64(hdr, begin);
    wr64(hdr + 8, end);
    bytebuf_append(out, hdr, OLTP_HDR);
    size_t nb = ((size_t)t->ncols + 7) / 8;
    size_t bm = out->len;
    bytebuf_reserve(out, nb);
    memset(out->data + bm, 0, nb);
    out->len += nb;
    for (int c = 0; c < t->ncols; c++) {
        const Vector *v = &rows->cols[c];
        idx_t k = v->is_const ? 0 : i;
        if (v->nulls && v->nulls[k]) {
            out->data[bm + (size_t)c / 8] |= (u8)(1u << (c % 8));
            continue;
        }
        if (type_is_string((TypeId)t->types[c].id)) {
            const Str *s = (const Str *)v->data + k;
            u32 len = s->len;
            bytebuf_append(out, &len, 4);
            bytebuf_append(out, str_data(s), len);
        } else {
            size_t w = type_width(t->types[c]);
            bytebuf_append(out, v->data + (size_t)k * w, w);
        }
    }
}

/* Finds where each column starts in a payload (NULL: the column is NULL). */
static void row_offsets(const OltpTable *t, const u8 *val, size_t vlen, const u8 **at)
{
    const u8 *bm = val + OLTP_HDR;
    const u8 *p = bm + ((size_t)t->ncols + 7) / 8;
    const u8 *end = val + vlen;
    for (int c = 0; c < t->ncols; c++) {
        if (bm[c / 8] & (1u << (c % 8)) || p >= end) {
            at[c] = NULL;
            continue;
        }
        at[c] = p;
        if (type_is_string((TypeId)t->types[c].id)) {
            u32 len;
            memcpy(&len, p, 4);
            p += 4 + len;
        } else {
            p += type_width(t->types[c]);
        }
    }
}

/* Writes the requested columns of one row at position i of out. */
static void row_decode(const OltpTable *t, u64 row, const u8 *val, size_t vlen, const int *cols, int ncols, DataChunk *out, idx_t i,
                       const u8 **at)
{
    row_offsets(t, val, vlen, at);
    for (int c = 0; c < ncols; c++) {
        Vector *ov = &out->cols[c];
        if (cols[c] < 0) {
            ((i64 *)ov->data)[i] = (i64)row;
            if (ov->nulls) ov->nulls[i] = 0;
            continue;
        }
        const u8 *p = at[cols[c]];
        if (!p) {
            vector_nulls(ov)[i] = 1;
            continue;
        }
        if (ov->nulls) ov->nulls[i] = 0;
        if (type_is_string((TypeId)ov->type.id)) {
            u32 len;
            memcpy(&len, p, 4);
            ((Str *)ov->data)[i] = str_copy(ov->heap ? ov->heap : out->arena, (const char *)p + 4, len);
        } else {
            size_t w = type_width(ov->type);
            memcpy(ov->data + i * w, p, w);
        }
    }
}

static bool stamps_visible(const u8 *val, Txn *txn, bool latest)
{
    Ts b = rd64(val), e = rd64(val + 8);
    if (latest) return b != TS_ABORTED && !(e == txn->id || e < TXN_ID_BASE);
    return version_visible(b, e, txn);
}

/* ---- per-transaction state: the WAL transaction --------------------------------------- */

typedef struct OltpTxn {
    OltpStore *s;
    BtTxn *bt;
    Lsn commit_end;
} OltpTxn;

static int otx_commit(void *state, Ts cts, Err *err)
{
    OltpTxn *o = state;
    if (bt_txn_commit_log(&o->s->env, o->bt, cts, &o->commit_end, err)) return MDB_FAIL;
    o->bt = NULL;
    return MDB_OK_;
}

static int otx_commit_wait(void *state, Err *err)
{
    OltpTxn *o = state;
    int rc = o->commit_end != LSN_NONE ? wal_commit_wait(o->s->wal, o->commit_end, err) : MDB_OK_;
    free(o);
    return rc;
}

static void otx_rollback(void *state)
{
    OltpTxn *o = state;
    if (o->bt) {
        Err er = {0};
        bt_txn_rollback(&o->s->env, o->bt, &er);
        err_clear(&er);
    }
    free(o);
}

static const TxnTierOps OLTP_TXN_OPS = {otx_commit, otx_commit_wait, otx_rollback};

static BtTxn *txn_bt(OltpTable *t, Txn *txn)
{
    OltpTxn *o = txn_tier_state(txn, t->s);
    if (!o) {
        if (txn->ntiers >= TXN_MAX_TIERS) return NULL;
        o = xcalloc(1, sizeof *o);
        o->s = t->s;
        o->bt = bt_txn_begin(&t->s->env);
        txn_tier_add(txn, t->s, &OLTP_TXN_OPS, o);
    }
    return o->bt;
}

/* ---- writes ---------------------------------------------------------------------------- */

static int oltp_insert(TableStore *st, Txn *txn, DataChunk *rows, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    if (rows->count == 0) return MDB_OK_;
    BtTxn *bt = txn_bt(t, txn);
    if (!bt) return err_set(err, SQLSTATE_INTERNAL_ERROR, "too many storage participants in one transaction");
    ByteBuf v = {0};
    int rc = MDB_OK_;
    pthread_mutex_lock(&t->mu);
    u64 first = atomic_load(&t->next_row);
    idx_t done = 0;
    for (; done < rows->count && !rc; done++) {
        row_encode(t, rows, done, txn->id, TS_INFINITY, &v);
        if (v.len + 8 > BT_MAX_CELL) {
            rc = err_set(err, "54000", "row is too big: size %zu, maximum size %d for oltp tables", v.len - OLTP_HDR, BT_MAX_CELL - 8 - OLTP_HDR);
            break;
        }
        u8 k[8];
        key_of(first + done, k);
        rc = btree_insert(t->tree, bt, k, 8, v.data, v.len, err);
        if (rc) break;
    }
    /* rows written before a failure are logged too, so that the statement's rollback removes them */
    atomic_store(&t->next_row, first + done);
    atomic_fetch_add(&t->live, (i64)done);
    pthread_mutex_unlock(&t->mu);
    if (done) txn_log(txn, st, first, done, UNDO_INSERT);
    bytebuf_free(&v);
    return rc;
}

static int oltp_delete(TableStore *st, Txn *txn, u64 row, bool *already, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    *already = false;
    BtTxn *bt = txn_bt(t, txn);
    if (!bt) return err_set(err, SQLSTATE_INTERNAL_ERROR, "too many storage participants in one transaction");
    u8 k[8];
    key_of(row, k);
    ByteBuf v = {0};
    bool found;
    int rc = MDB_OK_;
    pthread_mutex_lock(&t->mu);
    if (btree_get(t->tree, k, 8, &v, &found, err)) rc = MDB_FAIL;
    else if (!found || v.len < OLTP_HDR) rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "row %llu of an oltp table is missing", (unsigned long long)row);
    if (!rc) {
        Ts end = rd64(v.data + 8);
        if (end == txn->id) *already = true;
        else if (end != TS_INFINITY && end != TS_ABORTED)
            rc = err_set(err, SQLSTATE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent update");
        else {
            wr64(v.data + 8, txn->id);
            rc = btree_update(t->tree, bt, k, 8, v.data, v.len, &found, err);
            if (!rc) atomic_fetch_sub(&t->live, 1);
        }
    }
    pthread_mutex_unlock(&t->mu);
    bytebuf_free(&v);
    if (!rc && !*already) txn_log(txn, st, row, 1, UNDO_DELETE);
    return rc;
}

/* Commit: the transaction's id in the stamps of its rows becomes cts (logged, before the
 * commit record, under the commit lock). */
static int oltp_commit_rows(TableStore *st, Txn *txn, u64 row, u64 count, u8 kind, Ts cts, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    OltpTxn *o = txn_tier_state(txn, t->s);
    if (!o || !o->bt) return err_set(err, SQLSTATE_INTERNAL_ERROR, "oltp commit without a log transaction");
    ByteBuf v = {0};
    int rc = MDB_OK_;
    pthread_mutex_lock(&t->mu);
    for (u64 r = row; r < row + count && !rc; r++) {
        u8 k[8];
        key_of(r, k);
        bool found;
        if (btree_get(t->tree, k, 8, &v, &found, err)) rc = MDB_FAIL;
        if (rc || !found) continue; /* a row rolled back to a savepoint is gone */
        int off = kind == UNDO_INSERT ? 0 : 8;
        if (rd64(v.data + off) != txn->id) continue;
        wr64(v.data + off, cts);
        rc = btree_update(t->tree, o->bt, k, 8, v.data, v.len, &found, err);
    }
    pthread_mutex_unlock(&t->mu);
    bytebuf_free(&v);
    return rc;
}

/* Undo of a range: after a full rollback the log transaction already undid everything
 * (only the estimate is adjusted); rolling back to a savepoint logs the inverse changes. */
static void oltp_undo_rows(TableStore *st, Txn *txn, u64 row, u64 count, u8 kind)
{
    OltpTable *t = (OltpTable *)st;
    OltpTxn *o = txn_tier_state(txn, t->s);
    if (!o || !o->bt) {
        atomic_fetch_add(&t->live, kind == UNDO_INSERT ? -(i64)count : (i64)count);
        return;
    }
    ByteBuf v = {0};
    Err er = {0};
    pthread_mutex_lock(&t->mu);
    for (u64 r = row; r < row + count; r++) {
        u8 k[8];
        key_of(r, k);
        bool found;
        if (btree_get(t->tree, k, 8, &v, &found, &er) || !found) continue;
        if (kind == UNDO_INSERT && rd64(v.data) == txn->id) {
            if (!btree_delete(t->tree, o->bt, k, 8, &found, &er)) atomic_fetch_sub(&t->live, 1);
        } else if (kind == UNDO_DELETE && rd64(v.data + 8) == txn->id) {
            wr64(v.data + 8, TS_INFINITY);
            if (!btree_update(t->tree, o->bt, k, 8, v.data, v.len, &found, &er)) atomic_fetch_add(&t->live, 1);
        }
        err_clear(&er);
    }
    pthread_mutex_unlock(&t->mu);
    bytebuf_free(&v);
}

/* ---- scans ------------------------------------------------------------------------------ */

typedef struct OltpScan {
    OltpTable *t;
    bool latest;
    u64 nranges;
    _Atomic u64 next_range;
} OltpScan;

typedef struct OltpScanLocal {
    BtCursor cur;
    bool open;
    u64 range;
    u64 chunks;      /* chunks produced from the current range */
    const u8 **at;   /* column offsets of the row being decoded */
} OltpScanLocal;

static void *oltp_scan_begin(TableStore *st, Arena *a, bool latest)
{
    OltpTable *t = (OltpTable *)st;
    OltpScan *s = arena_zalloc(a, sizeof *s);
    s->t = t;
    s->latest = latest;
    u64 n = atomic_load(&t->next_row);
    s->nranges = (n + OLTP_RANGE_ROWS - 1) / OLTP_RANGE_ROWS;
    return s;
}

static void *oltp_scan_local(void *scan, Arena *a)
{
    OltpScan *s = scan;
    OltpScanLocal *l = arena_zalloc(a, sizeof *l);
    l->at = arena_zalloc(a, sizeof(u8 *) * (size_t)(s->t->ncols + 1));
    return l;
}

static u64 oltp_scan_morsels(void *scan) { return ((OltpScan *)scan)->nranges; }

static void oltp_scan_local_end(void *scan, void *local)
{
    OltpScanLocal *l = local;
    if (l->open) btree_cursor_close(&l->cur);
    l->open = false;
}

static int oltp_scan_next(void *scan, void *local, Txn *txn, const int *cols, int ncols, DataChunk *out, Err *err)
{
    OltpScan *s = scan;
    OltpScanLocal *l = local;
    OltpTable *t = s->t;
    out->count = 0;
    for (;;) {
        if (!l->open) {
            u64 k = atomic_fetch_add(&s->next_range, 1);
            if (k >= s->nranges) return MDB_OK_;
            u8 lo[8], hi[8];
            key_of(k * OLTP_RANGE_ROWS, lo);
            key_of((k + 1) * OLTP_RANGE_ROWS, hi);
            btree_cursor_open(&l->cur, t->tree, lo, 8, true, hi, 8, false);
            l->open = true;
            l->range = k;
            l->chunks = 0;
        }
        while (out->count < VECTOR_SIZE) {
            const u8 *key, *val;
            size_t klen, vlen;
            int r = btree_cursor_next(&l->cur, &key, &klen, &val, &vlen, err);
            if (r < 0) return MDB_FAIL;
            if (r == 0) {
                btree_cursor_close(&l->cur);
                l->open = false;
                break;
            }
            if (vlen < OLTP_HDR || klen != 8 || !stamps_visible(val, txn, s->latest)) continue;
            row_decode(t, row_of(key), val, vlen, cols, ncols, out, out->count, l->at);
            out->count++;
        }
        if (out->count) {
            out->batch = (i64)(l->range * 64 + l->chunks++);
            return MDB_OK_;
        }
    }
}

static int oltp_fetch(TableStore *st, Txn *txn, u64 row, const int *cols, int ncols, DataChunk *out, bool *found, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    u8 k[8];
    key_of(row, k);
    ByteBuf v = {0};
    int rc = btree_get(t->tree, k, 8, &v, found, err);
    if (!rc && *found) *found = v.len >= OLTP_HDR && stamps_visible(v.data, txn, false);
    if (!rc && *found) {
        const u8 **at = xmalloc(sizeof(u8 *) * (size_t)(t->ncols + 1));
        row_decode(t, row, v.data, v.len, cols, ncols, out, out->count, at);
        out->count++;
        free(at);
    }
    bytebuf_free(&v);
    return rc;
}

/* ---- statistics and life cycle --------------------------------------------------------- */

static i64 oltp_live_rows(TableStore *st) { return atomic_load(&((OltpTable *)st)->live); }

static TableColStats oltp_column_stats(TableStore *st, int col)
{
    (void)st;
    (void)col;
    TableColStats s = {0};
    return s; /* not sampled yet: the optimizer uses its defaults */
}

static void oltp_destroy(TableStore *st)
{
    OltpTable *t = (OltpTable *)st;
    if (!t) return;
    pthread_mutex_destroy(&t->mu);
    free(t->types);
    free(t);
}

static OltpTable *table_new(OltpStore *s, TxnManager *tm, BTree *tree, const LType *types, int ncols)
{
    OltpTable *t = xcalloc(1, sizeof *t);
    t->base.am = &OLTP_AM;
    t->s = s;
    t->tm = tm;
    t->tree = tree;
    t->ncols = ncols;
    t->types = xmalloc(sizeof(LType) * (size_t)(ncols ? ncols : 1));
    memcpy(t->types, types, sizeof(LType) * (size_t)ncols);
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

int oltp_table_create(OltpStore *s, TxnManager *tm, const LType *types, int ncols, TableStore **out, Err *err)
{
    *out = NULL;
    if (oltp_check_types(types, ncols, err)) return MDB_FAIL;
    BTree *tree;
    if (btree_create(&s->env, &tree, err)) return MDB_FAIL;
    /* the catalog will name the tree: its creation must be durable first */
    if (wal_flush(s->wal, wal_insert_lsn(s->wal), err)) return MDB_FAIL;
    *out = &table_new(s, tm, tree, types, ncols)->base;
    return MDB_OK_;
}

int oltp_table_open(OltpStore *s, TxnManager *tm, u32 tree_id, const LType *types, int ncols, TableStore **out, Err *err)
{
    *out = NULL;
    if (oltp_check_types(types, ncols, err)) return MDB_FAIL;
    BufFrame *f;
    if (tree_id == OLTP_NO_TREE || bufpool_pin(s->bp, tree_id, &f, err)) {
        if (!err->is_set) err_set(err, SQLSTATE_DATA_CORRUPTED, "oltp tree %u does not exist", tree_id);
        return MDB_FAIL;
    }
    bool meta = page_hdr(f->data)->type == BT_PAGE_META;
    bufpool_unpin(s->bp, f);
    if (!meta) return err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u is not the root of an oltp table", tree_id);
    OltpTable *t = table_new(s, tm, btree_open(&s->env, tree_id), types, ncols);
    BtCursor c;
    btree_cursor_open(&c, t->tree, NULL, 0, true, NULL, 0, true);
    u64 next = 0, maxts = 0;
    i64 live = 0;
    int r;
    const u8 *key, *val;
    size_t klen, vlen;
    while ((r = btree_cursor_next(&c, &key, &klen, &val, &vlen, err)) > 0) {
        if (klen != 8 || vlen < OLTP_HDR) continue;
        next = row_of(key) + 1;
        Ts b = rd64(val), e = rd64(val + 8);
        if (b < TXN_ID_BASE && b > maxts) maxts = b;
        if (e < TXN_ID_BASE && e > maxts) maxts = e;
        live += e == TS_INFINITY;
    }
    btree_cursor_close(&c);
    if (r < 0) {
        oltp_destroy(&t->base);
        return MDB_FAIL;
    }
    atomic_store(&t->next_row, next);
    atomic_store(&t->live, live);
    txnmgr_advance_clock(tm, maxts);
    *out = &t->base;
    return MDB_OK_;
}

u32 oltp_table_tree(const TableStore *st) { return (u32)btree_id(((const OltpTable *)st)->tree); }
bool oltp_table_is(const TableStore *st) { return st && st->am == &OLTP_AM; }

static const TableAM OLTP_AM = {
    .name = "oltp",
    .destroy = oltp_destroy,
    .scan_begin = oltp_scan_begin,
    .scan_local = oltp_scan_local,
    .scan_morsels = oltp_scan_morsels,
    .scan_next = oltp_scan_next,
    .scan_local_end = oltp_scan_local_end,
    .fetch = oltp_fetch,
    .insert = oltp_insert,
    .delete_row = oltp_delete,
    .live_rows = oltp_live_rows,
    .column_stats = oltp_column_stats,
    .logged = true,
    .commit_rows = oltp_commit_rows,
    .undo_rows = oltp_undo_rows,
    /* schema changes and TRUNCATE: not yet (0A000) */
};
