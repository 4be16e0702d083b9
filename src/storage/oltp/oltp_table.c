/*
 * src/storage/oltp/oltp_table.c — OLTP tables: rows in a B+tree keyed by a
 * hidden row id, MVCC stamps in the leaf values, every change in the WAL
 * (see oltp_table.h for the formats and the commit protocol).
 *
 * Concurrency: `mu` serialises a table's writes so that reading a version's
 * end stamp and setting it is atomic (first writer wins; a later writer gets
 * 40001 with the conflict noted in its Txn, and the engine waits for the
 * first outside every lock, then runs the statement again) and row ids are
 * handed out in order.  Scans take no table lock: they read
 * through B+tree cursors (which copy a leaf at a time) and split the row id
 * space into ranges that threads claim.
 */
#include "storage/colstats.h"
#include "storage/oltp/oltp_table.h"
#include "storage/oltp/vacuum.h"
#include "types/numeric.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define OLTP_RANGE_ROWS ((u64)VECTOR_SIZE * 60) /* row ids per scan morsel */
#define OLTP_HDR 16                              /* begin + end stamps */
#define OLTP_MAX_INDEXES 64

/* An index: a B+tree whose keys are the encoded index columns followed by the
 * 8-byte row id (so every version has its own entry and keys stay unique per
 * tree); values are empty.  Entries are never removed when a version ends
 * (readers check the row's stamps); only the undo of the insert removes them. */
typedef struct OltpIndex {
    char *name;
    char *colnames;  /* "a, b" for error details */
    BTree *tree;
    int ncols;
    int *cols;
    KeyCol *kc;
    bool unique;
    _Atomic bool dropped; /* DROP INDEX: no longer maintained nor offered (kept: plans may hold it) */
} OltpIndex;

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
    OltpIndex *idx[OLTP_MAX_INDEXES]; /* appended under mu, never moved */
    pthread_mutex_t stats_mu;         /* the cached column statistics */
    void **retired;                   /* index column arrays replaced by rewrites, freed with the table */
    int nretired;
    TableColStats *stats;
    i64 *stats_at;                    /* live rows when each column's statistics were taken */
    _Atomic int nidx;
    _Atomic u64 churn_base;           /* reclamation trigger: versions not live when last reclaimed (vacuum.c) */
    bool trees_retired;               /* oltp_table_retire ran (under mu) */
} OltpTable;

static const TableAM OLTP_AM;
static int oltp_am_vacuum(TableStore *st, Ts horizon, bool reclaim, bool analyze, Err *err);

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

/* Encodes row i of `rows` (columns `types[0..ncols)`, table order) with the given stamps
 * into out. */
/* A numeric beyond 128 bits (numeric_is_big: an id into this process's registry) is stored as 16 bytes — its
 * hash under the big tag, so equal values have equal bytes for the statistics — then a u32 length and its text. */
static void num_encode_big(ByteBuf *out, Numeric x)
{
    char sb[64];
    size_t n;
    char *txt = numeric_to_text_dyn(x, sb, sizeof sb, &n);
    u128 h = ((u128)numeric_hash(x) << 8) | NUMERIC_TAG_BIG;
    u32 len = (u32)n;
    bytebuf_append(out, &h, 16);
    bytebuf_append(out, &len, 4);
    bytebuf_append(out, txt, n);
    if (txt != sb) free(txt);
}

static size_t num_stored_len(const u8 *p)
{
    if (p[0] != NUMERIC_TAG_BIG) return 16;
    u32 len;
    memcpy(&len, p + 16, 4);
    return 20 + (size_t)len;
}

/* The value of a stored numeric (the text of a big one is parsed back into this process's registry). */
static Numeric num_decode(const u8 *p)
{
    Numeric x;
    if (p[0] != NUMERIC_TAG_BIG) {
        memcpy(&x, p, 16);
        return x;
    }
    u32 len;
    memcpy(&len, p + 16, 4);
    Err e = {0};
    if (numeric_from_text((const char *)p + 20, len, &x, &e)) x = NUMERIC_NAN; /* written by num_encode_big: cannot fail */
    err_clear(&e);
    return x;
}

static void row_encode_as(int ncols, const LType *types, const DataChunk *rows, idx_t i, Ts begin, Ts end, ByteBuf *out)
{
    out->len = 0;
    u8 hdr[OLTP_HDR];
    wr64(hdr, begin);
    wr64(hdr + 8, end);
    bytebuf_append(out, hdr, OLTP_HDR);
    size_t nb = ((size_t)ncols + 7) / 8;
    size_t bm = out->len;
    bytebuf_reserve(out, nb);
    memset(out->data + bm, 0, nb);
    out->len += nb;
    for (int c = 0; c < ncols; c++) {
        const Vector *v = &rows->cols[c];
        idx_t k = v->is_const ? 0 : i;
        if (v->nulls && v->nulls[k]) {
            out->data[bm + (size_t)c / 8] |= (u8)(1u << (c % 8));
            continue;
        }
        if (type_is_string((TypeId)types[c].id)) {
            const Str *s = (const Str *)v->data + k;
            u32 len = s->len;
            bytebuf_append(out, &len, 4);
            bytebuf_append(out, str_data(s), len);
        } else if (types[c].id == TYPE_NUMERIC && numeric_is_big(((const Numeric *)v->data)[k])) {
            num_encode_big(out, ((const Numeric *)v->data)[k]);
        } else {
            size_t w = type_width(types[c]);
            bytebuf_append(out, v->data + (size_t)k * w, w);
        }
    }
}

static void row_encode(const OltpTable *t, const DataChunk *rows, idx_t i, Ts begin, Ts end, ByteBuf *out)
{
    row_encode_as(t->ncols, t->types, rows, i, begin, end, out);
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
        } else if (t->types[c].id == TYPE_NUMERIC) {
            p += num_stored_len(p);
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
        } else if (ov->type.id == TYPE_NUMERIC) {
            ((Numeric *)ov->data)[i] = num_decode(p);
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

/* ---- index keys ------------------------------------------------------------------------- */

/* The value stored at p (column c of a payload; NULL pointer = NULL); strings borrow p. */
static Value payload_value(const OltpTable *t, int c, const u8 *p)
{
    Vector v;
    memset(&v, 0, sizeof v);
    v.type = t->types[c];
    u8 nul = 1;
    if (!p) {
        v.nulls = &nul;
        return vector_get(&v, 0);
    }
    _Alignas(16) u8 buf[16];
    Str s;
    if (type_is_string((TypeId)v.type.id)) {
        u32 len;
        memcpy(&len, p, 4);
        s = str_make((const char *)p + 4, len);
        v.data = (u8 *)&s;
    } else if (v.type.id == TYPE_NUMERIC) {
        Numeric x = num_decode(p);
        memcpy(buf, &x, 16);
        v.data = buf;
    } else {
        size_t w = type_width(v.type);
        memcpy(buf, p, w <= sizeof buf ? w : sizeof buf);
        v.data = buf;
    }
    return vector_get(&v, 0);
}

/* Encodes the index key of one row: the columns (*plen bytes), then the row id. */
static int index_key(const OltpIndex *ix, const Value *vals, u64 row, ByteBuf *out, size_t *plen, bool *has_null, Err *err)
{
    out->len = 0;
    *has_null = false;
    for (int k = 0; k < ix->ncols; k++) {
        *has_null |= vals[k].is_null;
        if (keyenc_append(out, &vals[k], &ix->kc[k], err)) return MDB_FAIL;
    }
    *plen = out->len;
    u8 rk[8];
    key_of(row, rk);
    bytebuf_append(out, rk, 8);
    if (out->len > BT_MAX_CELL)
        return err_set(err, "54000", "index row size %zu exceeds maximum %d for index \"%s\"", out->len, BT_MAX_CELL, ix->name);
    return MDB_OK_;
}

static void index_vals_chunk(const OltpIndex *ix, const DataChunk *rows, idx_t i, Value *vals)
{
    for (int k = 0; k < ix->ncols; k++) vals[k] = vector_get(&rows->cols[ix->cols[k]], i);
}

/* at: column offsets of the payload (row_offsets). */
static void index_vals_payload(const OltpTable *t, const OltpIndex *ix, const u8 **at, Value *vals)
{
    for (int k = 0; k < ix->ncols; k++) vals[k] = payload_value(t, ix->cols[k], at[ix->cols[k]]);
}

/* Key text for error details: "1, abc" (numbers, text and booleans; others as "?"). */
static void key_detail(const Value *vals, int n, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int k = 0; k < n && o < cap; k++) {
        const Value *v = &vals[k];
        const char *sep = k ? ", " : "";
        if (v->is_null) o += (size_t)snprintf(buf + o, cap - o, "%snull", sep);
        else switch ((TypeId)v->type.id) {
            case TYPE_INT16: case TYPE_INT32: case TYPE_INT64:
                o += (size_t)snprintf(buf + o, cap - o, "%s%lld", sep, (long long)v->u.i);
                break;
            case TYPE_BOOL: o += (size_t)snprintf(buf + o, cap - o, "%s%s", sep, v->u.b ? "t" : "f"); break;
            case TYPE_TEXT:
                o += (size_t)snprintf(buf + o, cap - o, "%s%.*s", sep, (int)MDB_MIN(v->u.s.len, 200), str_data(&v->u.s));
                break;
            default: o += (size_t)snprintf(buf + o, cap - o, "%s?", sep); break;
            }
    }
}

enum { UQ_NONE = 0, UQ_DUP = 1, UQ_BUSY = 2 };

/* Looks for another live version with the key prefix key[0..plen) in a unique index:
 * UQ_DUP when a version that is not ended by a committed transaction (or by `me`)
 * was inserted by a committed transaction or by `me`; UQ_BUSY when the only such
 * versions belong to transactions still in progress (inserted, or being deleted, by
 * them: their outcome decides; *busy gets one of them, whom the engine waits for before
 * it probes again). `self`: a row id to ignore.
 * Entries whose row is gone or now holds another key (a row id reused after an
 * index build raced with a rollback) are skipped. */
static int unique_probe(OltpTable *t, OltpIndex *ix, TxnId me, const u8 *key, size_t plen, u64 self, int *res, TxnId *busy,
                        Err *err)
{
    *res = UQ_NONE;
    *busy = 0;
    ByteBuf lo = {0}, hi = {0}, v = {0}, kb = {0};
    static const u8 zero[8] = {0}, ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    bytebuf_append(&lo, key, plen);
    bytebuf_append(&lo, zero, 8);
    bytebuf_append(&hi, key, plen);
    bytebuf_append(&hi, ones, 8);
    BtCursor c;
    btree_cursor_open(&c, ix->tree, lo.data, lo.len, true, hi.data, hi.len, true);
    const u8 **at = xmalloc(sizeof(u8 *) * (size_t)(t->ncols + 1));
    Value *vals = xmalloc(sizeof(Value) * (size_t)(ix->ncols + 1));
    int r, rc = MDB_OK_;
    const u8 *ek, *ev;
    size_t ekl, evl;
    while (*res != UQ_DUP && (r = btree_cursor_next(&c, &ek, &ekl, &ev, &evl, err)) != 0) {
        if (r < 0) { rc = MDB_FAIL; break; }
        if (ekl != plen + 8) continue;
        u64 row = row_of(ek + plen);
        if (row == self) continue;
        u8 rk[8];
        key_of(row, rk);
        bool found;
        if (btree_get(t->tree, rk, 8, &v, &found, err)) { rc = MDB_FAIL; break; }
        if (!found || v.len < OLTP_HDR) continue;
        Ts b = rd64(v.data), e = rd64(v.data + 8);
        if (b == TS_ABORTED || e == me || e < TXN_ID_BASE) continue; /* dead for everyone but old snapshots */
        row_offsets(t, v.data, v.len, at);
        index_vals_payload(t, ix, at, vals);
        size_t pl;
        bool hn;
        if (index_key(ix, vals, row, &kb, &pl, &hn, err)) { rc = MDB_FAIL; break; }
        if (pl != plen || memcmp(kb.data, key, plen) != 0) continue;
        if (b >= TXN_ID_BASE && b != me) {
            *res = UQ_BUSY;
            *busy = b;
        } else if (e != TS_INFINITY && e != TS_ABORTED) {
            *res = UQ_BUSY;
            *busy = e;
        } else {
            *res = UQ_DUP;
        }
    }
    btree_cursor_close(&c);
    free(at);
    free(vals);
    bytebuf_free(&lo);
    bytebuf_free(&hi);
    bytebuf_free(&v);
    bytebuf_free(&kb);
    return rc;
}

static int unique_error(OltpIndex *ix, int res, const Value *vals, Err *err)
{
    char d[600];
    key_detail(vals, ix->ncols, d, sizeof d);
    if (res == UQ_BUSY) {
        err_set(err, SQLSTATE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent insert or delete of the same key in \"%s\"", ix->name);
        err_detail(err, "Key (%s)=(%s) is being written by a transaction in progress.", ix->colnames, d);
        return MDB_FAIL;
    }
    err_set(err, SQLSTATE_UNIQUE_VIOLATION, "duplicate key value violates unique constraint \"%s\"", ix->name);
    err_detail(err, "Key (%s)=(%s) already exists.", ix->colnames, d);
    return MDB_FAIL;
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
    /* the commit stands whatever the checkpoint says: a failed one is retried by a later commit */
    Err ce = {0};
    if (rc == MDB_OK_ && o->commit_end != LSN_NONE) oltp_store_maybe_checkpoint(o->s, &ce);
    err_clear(&ce);
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

/* One index entry of a batch (sorted by key before it goes to the tree). */
typedef struct BatchEnt {
    const u8 *k;
    u16 klen, plen; /* plen: the encoded columns before the row id */
    u32 i;          /* the row within the batch */
    bool has_null;
} BatchEnt;

static int batch_ent_cmp(const void *a, const void *b)
{
    const BatchEnt *x = a, *y = b;
    return keyenc_cmp(x->k, x->klen, y->k, y->klen);
}

/* The row-at-a-time insert: rows whose payload needs overflow pages (the batch path takes
 * one-cell entries only). */
static int insert_rows_each(OltpTable *t, Txn *txn, BtTxn *bt, DataChunk *rows, u64 first, idx_t *done_out, Err *err)
{
    ByteBuf v = {0};
    int rc = MDB_OK_;
    int nidx = atomic_load(&t->nidx);
    ByteBuf *keys = xcalloc((size_t)nidx + 1, sizeof(ByteBuf));
    int maxk = 1;
    for (int j = 0; j < nidx; j++) maxk = MDB_MAX(maxk, t->idx[j]->ncols);
    Value *vals = xmalloc(sizeof(Value) * (size_t)maxk);
    idx_t done = 0;
    for (; done < rows->count && !rc; done++) {
        row_encode(t, rows, done, txn->id, TS_INFINITY, &v);
        if (v.len > BT_MAX_VALUE) { /* longer than a cell: the B+tree moves the tail to overflow pages */
            rc = err_set(err, "54000", "row is too big: size %zu, maximum size %zu for oltp tables", v.len - OLTP_HDR, BT_MAX_VALUE - OLTP_HDR);
            break;
        }
        u64 row = first + done;
        for (int j = 0; j < nidx && !rc; j++) {
            OltpIndex *ix = t->idx[j];
            if (atomic_load(&ix->dropped)) continue;
            index_vals_chunk(ix, rows, done, vals);
            size_t plen;
            bool hn;
            rc = index_key(ix, vals, row, &keys[j], &plen, &hn, err);
            if (rc || !ix->unique || hn) continue;
            int res;
            TxnId busy;
            rc = unique_probe(t, ix, txn->id, keys[j].data, plen, row, &res, &busy, err);
            if (!rc && res == UQ_BUSY) txn_note_conflict(txn, busy); /* the engine waits for it, then probes again */
            if (!rc && res != UQ_NONE) rc = unique_error(ix, res, vals, err);
        }
        if (rc) break;
        u8 k[8];
        key_of(row, k);
        rc = btree_insert(t->tree, bt, k, 8, v.data, v.len, err);
        if (rc) break;
        for (int j = 0; j < nidx && !rc; j++)
            if (!atomic_load(&t->idx[j]->dropped)) rc = btree_insert(t->idx[j]->tree, bt, keys[j].data, keys[j].len, (const u8 *)"", 0, err);
        if (rc) {
            done++; /* the row is in the tree: its rollback removes it and its entries */
            break;
        }
    }
    for (int j = 0; j < nidx; j++) bytebuf_free(&keys[j]);
    free(keys);
    free(vals);
    bytebuf_free(&v);
    *done_out = done;
    return rc;
}

/* The batch insert (caller holds mu): payloads and index keys of every row first, the
 * unique checks (against the tree: skipped when every key of the batch lies past the
 * index's largest key, the usual case for an ascending key; within the batch: neighbours
 * after sorting), then the rows before the first failing one go to each tree in key
 * order, a leaf per WAL record (btree_insert_sorted).  *slow: a row needs overflow pages,
 * nothing was done. */
static int insert_rows_batch(OltpTable *t, Txn *txn, BtTxn *bt, DataChunk *rows, u64 first, idx_t *done_out,
                             bool *slow, Err *err)
{
    idx_t n = rows->count;
    *done_out = 0;
    *slow = false;
    ByteBuf enc = {0}, v = {0};
    size_t *voff = xmalloc(sizeof(size_t) * (n + 1));
    for (idx_t i = 0; i < n; i++) {
        row_encode(t, rows, i, txn->id, TS_INFINITY, &v);
        if (8 + v.len > BT_MAX_CELL) {
            *slow = true;
            free(voff);
            bytebuf_free(&enc);
            bytebuf_free(&v);
            return MDB_OK_;
        }
        voff[i] = enc.len;
        bytebuf_append(&enc, v.data, v.len);
    }
    voff[n] = enc.len;
    bytebuf_free(&v);

    int rc = MDB_OK_;
    idx_t limit = n; /* rows [0, limit) are written; an error belongs to row `limit` */
    Err first_err = {0};
    int nidx = atomic_load(&t->nidx);
    int maxk = 1;
    for (int j = 0; j < nidx; j++) maxk = MDB_MAX(maxk, t->idx[j]->ncols);
    Value *vals = xmalloc(sizeof(Value) * (size_t)maxk);
    ByteBuf *ikeys = xcalloc((size_t)nidx + 1, sizeof(ByteBuf));
    BatchEnt **ents = xcalloc((size_t)nidx + 1, sizeof(BatchEnt *));
    ByteBuf kb = {0}, last = {0};
    for (int j = 0; j < nidx && !rc; j++) {
        OltpIndex *ix = t->idx[j];
        if (atomic_load(&ix->dropped)) continue;
        ents[j] = xmalloc(sizeof(BatchEnt) * (n + 1));
        size_t *off = xmalloc(sizeof(size_t) * (n + 1));
        for (idx_t i = 0; i < n && !rc; i++) {
            index_vals_chunk(ix, rows, i, vals);
            size_t plen;
            bool hn;
            if (index_key(ix, vals, first + i, &kb, &plen, &hn, err)) {
                /* rows before it may still be written: keep the first error by row */
                if (i < limit) {
                    limit = i;
                    err_clear(&first_err);
                    err_move(&first_err, err);
                }
                err_clear(err);
                break;
            }
            off[i] = ikeys[j].len;
            bytebuf_append(&ikeys[j], kb.data, kb.len);
            ents[j][i] = (BatchEnt){NULL, (u16)kb.len, (u16)plen, (u32)i, hn};
        }
        for (idx_t i = 0; i < n && i < limit; i++) ents[j][i].k = ikeys[j].data + off[i];
        free(off);
        if (!ix->unique) continue;
        idx_t m = MDB_MIN(limit, n);
        /* within the batch: equal columns sort next to each other (the row id follows them) */
        BatchEnt *srt = xmalloc(sizeof(BatchEnt) * (m + 1));
        memcpy(srt, ents[j], sizeof(BatchEnt) * m);
        qsort(srt, m, sizeof(BatchEnt), batch_ent_cmp);
        for (idx_t i = 1; i < m; i++) {
            const BatchEnt *a = &srt[i - 1], *b = &srt[i];
            if (a->has_null || b->has_null || a->plen != b->plen || memcmp(a->k, b->k, a->plen) != 0) continue;
            idx_t later = MDB_MAX(a->i, b->i);
            if (later < limit) {
                limit = later;
                index_vals_chunk(ix, rows, later, vals);
                err_clear(&first_err);
                unique_error(ix, UQ_DUP, vals, &first_err);
            }
        }
        /* against the tree: not needed when the batch's smallest key is past its largest */
        bool found, empty, past = false;
        if (btree_last_key(ix->tree, &last, &found, &empty, err)) rc = MDB_FAIL;
        else if (empty) past = true;
        else if (found && m > 0 && last.len >= 8) {
            idx_t s0 = 0;
            while (s0 < m && srt[s0].has_null) s0++; /* NULLs are never checked */
            past = s0 == m || keyenc_cmp(srt[s0].k, srt[s0].plen, last.data, last.len - 8) > 0;
        }
        free(srt);
        for (idx_t i = 0; !rc && !past && i < limit; i++) {
            const BatchEnt *b = &ents[j][i];
            if (b->has_null) continue;
            int res;
            TxnId busy;
            if (unique_probe(t, ix, txn->id, b->k, b->plen, first + i, &res, &busy, err)) {
                rc = MDB_FAIL;
                break;
            }
            if (res == UQ_NONE) continue;
            if (res == UQ_BUSY) txn_note_conflict(txn, busy); /* the engine waits for it, then probes again */
            limit = i;
            index_vals_chunk(ix, rows, i, vals);
            err_clear(&first_err);
            unique_error(ix, res, vals, &first_err);
        }
    }
    /* the rows, then each index's entries, in key order */
    if (!rc && limit > 0) {
        const u8 **kp = xmalloc(sizeof(u8 *) * limit), **vp = xmalloc(sizeof(u8 *) * limit);
        u16 *kl = xmalloc(sizeof(u16) * limit), *vl = xmalloc(sizeof(u16) * limit);
        u8 *rk = xmalloc(8 * (size_t)limit);
        for (idx_t i = 0; i < limit; i++) {
            key_of(first + i, rk + 8 * i);
            kp[i] = rk + 8 * i;
            kl[i] = 8;
            vp[i] = enc.data + voff[i];
            vl[i] = (u16)(voff[i + 1] - voff[i]);
        }
        rc = btree_insert_sorted(t->tree, bt, limit, kp, kl, vp, vl, err);
        for (int j = 0; j < nidx && !rc; j++) {
            if (!ents[j] || atomic_load(&t->idx[j]->dropped)) continue;
            BatchEnt *e = ents[j];
            bool sorted = true;
            for (idx_t i = 1; i < limit && sorted; i++) sorted = keyenc_cmp(e[i - 1].k, e[i - 1].klen, e[i].k, e[i].klen) < 0;
            if (!sorted) qsort(e, limit, sizeof(BatchEnt), batch_ent_cmp);
            for (idx_t i = 0; i < limit; i++) {
                kp[i] = e[i].k;
                kl[i] = e[i].klen;
                vp[i] = (const u8 *)"";
                vl[i] = 0;
            }
            rc = btree_insert_sorted(t->idx[j]->tree, bt, limit, kp, kl, vp, vl, err);
        }
        free(kp);
        free(vp);
        free(kl);
        free(vl);
        free(rk);
    }
    /* a failure inside the trees leaves some of the rows written: all of them are logged, so
     * that the statement's rollback removes whatever is there */
    *done_out = limit;
    if (!rc && limit < n) {
        err_move(err, &first_err);
        rc = MDB_FAIL;
    }
    err_clear(&first_err);
    for (int j = 0; j < nidx; j++) {
        bytebuf_free(&ikeys[j]);
        free(ents[j]);
    }
    free(ikeys);
    free(ents);
    free(vals);
    free(voff);
    bytebuf_free(&enc);
    bytebuf_free(&kb);
    bytebuf_free(&last);
    return rc;
}

static int oltp_insert(TableStore *st, Txn *txn, DataChunk *rows, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    if (rows->count == 0) return MDB_OK_;
    BtTxn *bt = txn_bt(t, txn);
    if (!bt) return err_set(err, SQLSTATE_INTERNAL_ERROR, "too many storage participants in one transaction");
    pthread_mutex_lock(&t->mu);
    u64 first = atomic_load(&t->next_row);
    idx_t done = 0;
    bool slow = rows->count == 1; /* one row: the batch machinery buys nothing */
    int rc = slow ? MDB_OK_ : insert_rows_batch(t, txn, bt, rows, first, &done, &slow, err);
    if (slow) rc = insert_rows_each(t, txn, bt, rows, first, &done, err);
    /* rows written before a failure are logged too, so that the statement's rollback removes them */
    atomic_store(&t->next_row, first + done);
    atomic_fetch_add(&t->live, (i64)done);
    pthread_mutex_unlock(&t->mu);
    if (done) txn_log(txn, st, first, done, UNDO_INSERT);
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
        else if (end != TS_INFINITY && end != TS_ABORTED) {
            /* another writer's id (in progress) or a commit after our snapshot: the engine waits or restarts */
            txn_note_conflict_row(txn, end, st, row);
            rc = err_set(err, SQLSTATE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent update");
        }
        else if (txn_row_write_check(txn, st, row, rd64(v.data))) {
            /* a row lock of another transaction, or earlier waiters for the row (src/txn) */
            rc = err_set(err, SQLSTATE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent update");
        }
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

/* SELECT … FOR UPDATE: the lock decision is src/txn's, on the stamps read under the mutex. */
static int oltp_lock_row(TableStore *st, Txn *txn, u64 row, int mode, int *result, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    u8 k[8];
    key_of(row, k);
    ByteBuf v = {0};
    bool found;
    int rc = MDB_OK_;
    pthread_mutex_lock(&t->mu);
    if (btree_get(t->tree, k, 8, &v, &found, err)) rc = MDB_FAIL;
    else if (!found || v.len < OLTP_HDR) rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "row %llu of an oltp table is missing", (unsigned long long)row);
    else *result = txn_row_lock(txn, st, row, rd64(v.data), rd64(v.data + 8), mode);
    pthread_mutex_unlock(&t->mu);
    bytebuf_free(&v);
    return rc;
}

/* Commit: the transaction's id in the stamps of its rows becomes cts (logged, before the
 * commit record, under the commit lock). */
static int oltp_commit_rows(TableStore *st, Txn *txn, u64 row, u64 count, u8 kind, Ts cts, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    OltpTxn *o = txn_tier_state(txn, t->s);
    if (!o || !o->bt) return err_set(err, SQLSTATE_INTERNAL_ERROR, "oltp commit without a log transaction");
    if (count == 0) return MDB_OK_;
    /* a leaf at a time, one small record per leaf (rows rolled back to a savepoint are gone,
     * rows whose stamp is not ours are left alone) */
    u8 lo[8], hi[8];
    key_of(row, lo);
    key_of(row + count - 1, hi);
    pthread_mutex_lock(&t->mu);
    int rc = btree_stamp_range(t->tree, o->bt, lo, 8, hi, 8, kind == UNDO_INSERT ? 0 : 8, (u64)txn->id, (u64)cts, NULL, err);
    pthread_mutex_unlock(&t->mu);
    return rc;
}

/* Removes the index entries of row `row` (payload v): the undo of its insert. */
static void index_remove_row(OltpTable *t, BtTxn *bt, u64 row, const ByteBuf *v)
{
    int nidx = atomic_load(&t->nidx);
    if (!nidx) return;
    const u8 **at = xmalloc(sizeof(u8 *) * (size_t)(t->ncols + 1));
    row_offsets(t, v->data, v->len, at);
    ByteBuf kb = {0};
    for (int j = 0; j < nidx; j++) {
        OltpIndex *ix = t->idx[j];
        if (atomic_load(&ix->dropped)) continue; /* its tree may be freed (vacuum.c) */
        Value *vals = xmalloc(sizeof(Value) * (size_t)(ix->ncols + 1));
        index_vals_payload(t, ix, at, vals);
        size_t plen;
        bool hn, found;
        Err er = {0};
        if (!index_key(ix, vals, row, &kb, &plen, &hn, &er)) btree_delete(ix->tree, bt, kb.data, kb.len, &found, &er);
        err_clear(&er);
        free(vals);
    }
    bytebuf_free(&kb);
    free(at);
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
            index_remove_row(t, o->bt, r, &v);
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

/* ---- indexes ------------------------------------------------------------------------------ */

/* Writes the entries of every version of the table into ix's (new, empty) tree, outside
 * any transaction (never undone); a unique index fails with 23505 "could not create unique
 * index" when two versions that are live (not ended by a committed transaction or by `me`)
 * share a key.  Called under t->mu. */
static int index_fill(OltpTable *t, OltpIndex *ix, TxnId me, Err *err)
{
    int rc = MDB_OK_, ncols = ix->ncols;
    bool unique = ix->unique;
    const char *name = ix->name;
    BtCursor c;
    btree_cursor_open(&c, t->tree, NULL, 0, true, NULL, 0, true);
    const u8 **at = xmalloc(sizeof(u8 *) * (size_t)(t->ncols + 1));
    Value *vals = xmalloc(sizeof(Value) * (size_t)ncols);
    ByteBuf kb = {0};
    const u8 *key, *val;
    size_t klen, vlen;
    int r;
    while (!rc && (r = btree_cursor_next(&c, &key, &klen, &val, &vlen, err)) != 0) {
        if (r < 0) { rc = MDB_FAIL; break; }
        if (klen != 8 || vlen < OLTP_HDR) continue;
        u64 row = row_of(key);
        Ts b = rd64(val), e = rd64(val + 8);
        row_offsets(t, val, vlen, at);
        index_vals_payload(t, ix, at, vals);
        size_t plen;
        bool hn;
        if ((rc = index_key(ix, vals, row, &kb, &plen, &hn, err))) break;
        if (unique && !hn && b != TS_ABORTED && e != me && e >= TXN_ID_BASE) {
            int res;
            TxnId busy;
            if ((rc = unique_probe(t, ix, me, kb.data, plen, row, &res, &busy, err))) break;
            if (res != UQ_NONE) {
                char d[600];
                key_detail(vals, ncols, d, sizeof d);
                rc = err_set(err, SQLSTATE_UNIQUE_VIOLATION, "could not create unique index \"%s\"", name);
                err_detail(err, "Key (%s)=(%s) is duplicated.", ix->colnames, d);
                break;
            }
        }
        rc = btree_insert(ix->tree, NULL, kb.data, kb.len, (const u8 *)"", 0, err);
    }
    btree_cursor_close(&c);
    bytebuf_free(&kb);
    free(at);
    free(vals);
    return rc;
}

int oltp_index_add(TableStore *st, const char *name, const char *colnames, const int *cols, int ncols, bool unique, Txn *txn,
                   u32 *tree_io, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    if (ncols <= 0) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "an index on oltp tables needs at least one column");
    for (int k = 0; k < ncols; k++) {
        TypeId id = (TypeId)t->types[cols[k]].id;
        if (id == TYPE_INTERVAL || id == TYPE_LIST) {
            char tb[64];
            return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "oltp indexes do not support type %s yet", type_name(t->types[cols[k]], tb, sizeof tb));
        }
    }
    OltpIndex *ix = xcalloc(1, sizeof *ix);
    ix->name = xstrdup(name);
    ix->colnames = xstrdup(colnames ? colnames : "");
    ix->ncols = ncols;
    ix->cols = xmalloc(sizeof(int) * (size_t)ncols);
    memcpy(ix->cols, cols, sizeof(int) * (size_t)ncols);
    ix->kc = xcalloc((size_t)ncols, sizeof(KeyCol));
    for (int k = 0; k < ncols; k++) ix->kc[k].type = t->types[cols[k]];
    ix->unique = unique;
    int rc = MDB_OK_;
    pthread_mutex_lock(&t->mu);
    if (atomic_load(&t->nidx) >= OLTP_MAX_INDEXES) {
        rc = err_set(err, "54000", "too many indexes on one oltp table (at most %d)", OLTP_MAX_INDEXES);
    } else if (*tree_io != OLTP_NO_TREE) {
        /* catalog replay: the tree was built and made durable before the catalog named it */
        BufFrame *f;
        if (bufpool_pin(t->s->bp, *tree_io, &f, err)) rc = MDB_FAIL;
        else {
            bool meta = page_hdr(f->data)->type == BT_PAGE_META;
            bufpool_unpin(t->s->bp, f);
            if (!meta) rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u is not the root of an oltp index", *tree_io);
            else ix->tree = btree_open(&t->s->env, *tree_io);
        }
    } else if (!(rc = btree_create(&t->s->env, &ix->tree, err))) {
        /* build from every version in the table (old ones too: snapshots may still see them) */
        rc = index_fill(t, ix, txn ? txn->id : 0, err);
        /* the catalog will name the tree: it must be durable first */
        if (!rc) rc = wal_flush(t->s->wal, wal_insert_lsn(t->s->wal), err);
        if (!rc) *tree_io = (u32)btree_id(ix->tree);
    }
    if (!rc) {
        int n = atomic_load(&t->nidx);
        t->idx[n] = ix;
        atomic_store(&t->nidx, n + 1);
    }
    pthread_mutex_unlock(&t->mu);
    if (rc) {
        /* a half-built tree stays allocated in the page file (no free-page reuse yet) */
        free(ix->name);
        free(ix->colnames);
        free(ix->cols);
        free(ix->kc);
        free(ix);
    }
    return rc;
}

static OltpIndex *index_named(OltpTable *t, const char *name)
{
    int n = atomic_load(&t->nidx);
    for (int j = 0; j < n; j++)
        if (!atomic_load(&t->idx[j]->dropped) && !strcmp(t->idx[j]->name, name)) return t->idx[j];
    return NULL;
}

bool oltp_index_drop(TableStore *st, const char *name)
{
    OltpTable *t = (OltpTable *)st;
    pthread_mutex_lock(&t->mu);
    OltpIndex *ix = index_named(t, name);
    if (ix) {
        atomic_store(&ix->dropped, true);
        /* its pages go to the free list once no transaction that began before can use it */
        oltp_vacuum_retire_tree(t->s, t->tm, btree_id(ix->tree));
    }
    pthread_mutex_unlock(&t->mu);
    return ix != NULL;
}

void oltp_index_rename(TableStore *st, const char *from, const char *to)
{
    OltpTable *t = (OltpTable *)st;
    pthread_mutex_lock(&t->mu);
    OltpIndex *ix = index_named(t, from);
    if (ix) {
        /* the old name stays allocated until the table goes: a concurrent error
         * message may be reading it */
        t->retired = xrealloc(t->retired, sizeof(void *) * (size_t)(t->nretired + 1));
        t->retired[t->nretired++] = ix->name;
        ix->name = xstrdup(to);
    }
    pthread_mutex_unlock(&t->mu);
}

u32 oltp_index_tree(TableStore *st, const char *name)
{
    OltpIndex *ix = index_named((OltpTable *)st, name);
    return ix ? (u32)btree_id(ix->tree) : OLTP_NO_TREE;
}

int oltp_index_check(TableStore *st, const char *name, Txn *txn, u64 *entries, u64 *visible, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    OltpIndex *ix = index_named(t, name);
    *entries = *visible = 0;
    if (!ix) return err_set(err, SQLSTATE_UNDEFINED_OBJECT, "index \"%s\" does not exist", name);
    if (btree_check(ix->tree, entries, err)) return MDB_FAIL;
    /* every visible row has an entry */
    BtCursor c;
    btree_cursor_open(&c, t->tree, NULL, 0, true, NULL, 0, true);
    const u8 **at = xmalloc(sizeof(u8 *) * (size_t)(t->ncols + 1));
    Value *vals = xmalloc(sizeof(Value) * (size_t)ix->ncols);
    ByteBuf kb = {0}, dummy = {0};
    const u8 *key, *val;
    size_t klen, vlen;
    int r, rc = MDB_OK_;
    while ((r = btree_cursor_next(&c, &key, &klen, &val, &vlen, err)) != 0) {
        if (r < 0) { rc = MDB_FAIL; break; }
        if (klen != 8 || vlen < OLTP_HDR || !stamps_visible(val, txn, false)) continue;
        row_offsets(t, val, vlen, at);
        index_vals_payload(t, ix, at, vals);
        size_t plen;
        bool hn, found;
        if ((rc = index_key(ix, vals, row_of(key), &kb, &plen, &hn, err))) break;
        if ((rc = btree_get(ix->tree, kb.data, kb.len, &dummy, &found, err))) break;
        if (!found) {
            rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "row %llu has no entry in index \"%s\"", (unsigned long long)row_of(key), name);
            break;
        }
        (*visible)++;
    }
    btree_cursor_close(&c);
    bytebuf_free(&kb);
    bytebuf_free(&dummy);
    free(at);
    free(vals);
    return rc;
}

static int oltp_index_count(TableStore *st) { return atomic_load(&((OltpTable *)st)->nidx); }

static bool oltp_index_info(TableStore *st, int i, TableIndexInfo *out)
{
    OltpTable *t = (OltpTable *)st;
    if (i < 0 || i >= atomic_load(&t->nidx) || atomic_load(&t->idx[i]->dropped)) return false;
    OltpIndex *ix = t->idx[i];
    out->name = ix->name;
    out->ncols = ix->ncols;
    out->cols = ix->cols;
    out->unique = ix->unique;
    return true;
}

/* Index scans: the cursor walks the entries in key order; each entry's row is looked
 * up and returned when the snapshot sees that version. */
typedef struct OltpIScan {
    OltpTable *t;
    BtCursor cur;
    bool empty;
    ByteBuf v;
    const u8 **at;
} OltpIScan;

/* The smallest byte string above every string that starts with p (false: none). */
static bool prefix_succ(ByteBuf *p)
{
    while (p->len && p->data[p->len - 1] == 0xff) p->len--;
    if (!p->len) return false;
    p->data[p->len - 1]++;
    return true;
}

static void *oltp_iscan_begin(TableStore *st, int index, const Value *eq, int neq, const Value *lo, bool lo_incl, const Value *hi,
                              bool hi_incl, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    if (index < 0 || index >= atomic_load(&t->nidx)) {
        err_set(err, SQLSTATE_INTERNAL_ERROR, "index %d of an oltp table does not exist", index);
        return NULL;
    }
    OltpIndex *ix = t->idx[index];
    bool range = lo || hi;
    if (neq > ix->ncols || neq + (range ? 1 : 0) > ix->ncols || (!neq && !range)) {
        err_set(err, SQLSTATE_INTERNAL_ERROR, "invalid bounds for index \"%s\"", ix->name);
        return NULL;
    }
    OltpIScan *s = xcalloc(1, sizeof *s);
    s->t = t;
    s->at = xmalloc(sizeof(u8 *) * (size_t)(t->ncols + 1));
    ByteBuf e = {0}, l = {0}, h = {0};
    int rc = MDB_OK_;
    for (int k = 0; k < neq && !rc; k++) {
        s->empty |= eq[k].is_null; /* = NULL is never true */
        rc = keyenc_append(&e, &eq[k], &ix->kc[k], err);
    }
    if (lo && lo->is_null) s->empty = true;
    if (hi && hi->is_null) s->empty = true;
    bool has_hi = true;
    if (!rc && !s->empty) {
        const KeyCol *rk = &ix->kc[neq < ix->ncols ? neq : 0];
        bytebuf_append(&l, e.data, e.len);
        if (lo) {
            rc = keyenc_append(&l, lo, rk, err);
            if (!rc && !lo_incl) prefix_succ(&l);
        } else if (range) {
            u8 m = 0x01; /* the marker of a non-NULL value: NULLs never satisfy a comparison */
            bytebuf_append(&l, &m, 1);
        }
        bytebuf_append(&h, e.data, e.len);
        if (!rc && hi) {
            rc = keyenc_append(&h, hi, rk, err);
            if (!rc && hi_incl) has_hi = prefix_succ(&h);
        } else if (range) {
            u8 m = 0x02; /* NULLs (sorted last) start here */
            bytebuf_append(&h, &m, 1);
        } else {
            has_hi = prefix_succ(&h);
        }
    }
    if (!rc && !s->empty) btree_cursor_open(&s->cur, ix->tree, l.data, l.len, true, has_hi ? h.data : NULL, h.len, false);
    bytebuf_free(&e);
    bytebuf_free(&l);
    bytebuf_free(&h);
    if (rc) {
        free(s->at);
        free(s);
        return NULL;
    }
    return s;
}

static int oltp_iscan_next(void *scan, Txn *txn, const int *cols, int ncols, DataChunk *out, Err *err)
{
    OltpIScan *s = scan;
    out->count = 0;
    if (s->empty) return MDB_OK_;
    while (out->count < VECTOR_SIZE) {
        const u8 *key, *val;
        size_t klen, vlen;
        int r = btree_cursor_next(&s->cur, &key, &klen, &val, &vlen, err);
        if (r < 0) return MDB_FAIL;
        if (r == 0) {
            s->empty = true;
            break;
        }
        if (klen < 8) continue;
        u64 row = row_of(key + klen - 8);
        u8 rk[8];
        key_of(row, rk);
        bool found;
        if (btree_get(s->t->tree, rk, 8, &s->v, &found, err)) return MDB_FAIL;
        if (!found || s->v.len < OLTP_HDR || !stamps_visible(s->v.data, txn, false)) continue;
        row_decode(s->t, row, s->v.data, s->v.len, cols, ncols, out, out->count, s->at);
        out->count++;
    }
    return MDB_OK_;
}

static void oltp_iscan_end(void *scan)
{
    OltpIScan *s = scan;
    if (!s) return;
    btree_cursor_close(&s->cur);
    bytebuf_free(&s->v);
    free(s->at);
    free(s);
}

/* ---- TRUNCATE and schema changes: the table is rewritten into new trees ---------------- */

/* How a rewrite maps the old rows onto the new ones. */
typedef struct Rewrite {
    bool empty;          /* TRUNCATE: no rows are kept */
    int ncols;           /* the new columns */
    LType *types;        /* their types (owned by the rewrite: freed on failure, kept on success) */
    int *src;            /* per new column: the old column it comes from, -1 = added */
    const Value *fill;   /* an added column's value in every version ... */
    TableFillFn fill_fn; /* ... or, when set, one value per live version (the others get fill) */
    void *fill_ctx;
    int conv;            /* a new column converted from old column src[conv] (-1: none) */
    TableConvertFn conv_fn;
    void *conv_ctx;
} Rewrite;

/* Stamps that belong to a transaction that has not committed (an uncommitted insert or delete). */
static bool stamps_uncommitted(Ts b, Ts e)
{
    return (b >= TXN_ID_BASE && b != TS_ABORTED) || (e >= TXN_ID_BASE && e != TS_INFINITY && e != TS_ABORTED);
}

/* Writes one batch of old versions (decoded into `in`) as new versions into tree `to`, under
 * their old row ids and stamps.  Errors of fill_fn/conv_fn are left in their own context
 * (the caller's evaluator), as the MEMORY tier does. */
static int rewrite_batch(const Rewrite *rw, BTree *to, DataChunk *in, const u64 *rows, const Ts *b, const Ts *e, Arena *a,
                         ByteBuf *v, Err *err)
{
    idx_t n = in->count;
    if (!n) return MDB_OK_;
    Vector *cols = arena_zalloc(a, sizeof(Vector) * (size_t)(rw->ncols + 1));
    for (int j = 0; j < rw->ncols; j++) {
        int o = rw->src[j];
        if (j == rw->conv) {
            vector_init(&cols[j], rw->types[j], n, a);
            if (rw->conv_fn(rw->conv_ctx, &in->cols[o], n, &cols[j])) return MDB_FAIL;
        } else if (o >= 0) {
            cols[j] = in->cols[o];
        } else {
            vector_init(&cols[j], rw->types[j], n, a);
            for (idx_t i = 0; i < n; i++) {
                Value x = *rw->fill;
                if (rw->fill_fn && e[i] == TS_INFINITY && rw->fill_fn(rw->fill_ctx, &x)) return MDB_FAIL;
                vector_set(&cols[j], i, &x);
            }
        }
    }
    DataChunk out;
    memset(&out, 0, sizeof out);
    out.ncols = rw->ncols;
    out.cols = cols;
    out.count = n;
    out.arena = a;
    for (idx_t i = 0; i < n; i++) {
        row_encode_as(rw->ncols, rw->types, &out, i, b[i], e[i], v);
        if (v->len > BT_MAX_VALUE)
            return err_set(err, "54000", "row is too big: size %zu, maximum size %zu for oltp tables", v->len - OLTP_HDR,
                           BT_MAX_VALUE - OLTP_HDR);
        u8 k[8];
        key_of(rows[i], k);
        if (btree_insert(to, NULL, k, 8, v->data, v->len, err)) return MDB_FAIL;
    }
    return MDB_OK_;
}

/* Rewrites the table into a new tree (and every live index into a new tree built from it),
 * then switches to them; the old trees are left as they are (their pages are not reused
 * yet).  The new trees are written outside any transaction and made durable before this
 * returns; the caller then rewrites the catalog to name them, which is what makes the change
 * survive a restart (a crash before that leaves the old trees, untouched).  Like all DDL it
 * is not transactional.  Every version is copied with its stamps and row id, so snapshots
 * keep seeing what they saw; a version an unfinished transaction wrote (or is deleting)
 * makes the rewrite fail with 55006 instead, because that transaction's log names the old
 * tree.  Holds the commit lock shared (no commit publishes stamps meanwhile) and the table's
 * write mutex. */
static int table_rewrite(OltpTable *t, Rewrite *rw, Err *err)
{
    if (oltp_check_types(rw->types, rw->ncols, err)) {
        free(rw->types);
        return MDB_FAIL;
    }
    pthread_rwlock_rdlock(&t->tm->commit_lock);
    pthread_mutex_lock(&t->mu);
    BTree *nt = NULL;
    int rc = btree_create(&t->s->env, &nt, err);
    Arena *a = arena_create(NULL), *ba = arena_create(NULL);
    DataChunk in;
    chunk_init(&in, t->types, t->ncols, VECTOR_SIZE, a);
    int *all = arena_alloc(a, sizeof(int) * (size_t)(t->ncols + 1));
    for (int c = 0; c < t->ncols; c++) all[c] = c;
    u64 *rows = arena_alloc(a, sizeof(u64) * VECTOR_SIZE);
    Ts *bs = arena_alloc(a, sizeof(Ts) * VECTOR_SIZE), *es = arena_alloc(a, sizeof(Ts) * VECTOR_SIZE);
    const u8 **at = arena_alloc(a, sizeof(u8 *) * (size_t)(t->ncols + 1));
    ByteBuf v = {0};
    i64 live = 0;
    if (!rc) {
        BtCursor c;
        btree_cursor_open(&c, t->tree, NULL, 0, true, NULL, 0, true);
        const u8 *key, *val;
        size_t klen, vlen;
        int r;
        while (!rc && (r = btree_cursor_next(&c, &key, &klen, &val, &vlen, err)) != 0) {
            if (r < 0) { rc = MDB_FAIL; break; }
            if (klen != 8 || vlen < OLTP_HDR) continue;
            Ts b = rd64(val), e = rd64(val + 8);
            if (stamps_uncommitted(b, e)) {
                rc = err_set(err, "55006", "cannot rewrite an oltp table while a transaction has uncommitted changes in it");
                err_hint(err, "Commit or roll back the transactions that wrote to the table (this one too), then retry.");
                break;
            }
            if (b == TS_ABORTED || rw->empty) continue;
            live += e == TS_INFINITY;
            idx_t i = in.count;
            row_decode(t, row_of(key), val, vlen, all, t->ncols, &in, i, at);
            rows[i] = row_of(key);
            bs[i] = b;
            es[i] = e;
            if (++in.count == VECTOR_SIZE) {
                rc = rewrite_batch(rw, nt, &in, rows, bs, es, ba, &v, err);
                chunk_reset(&in);
                arena_reset(ba);
            }
        }
        btree_cursor_close(&c);
        if (!rc) rc = rewrite_batch(rw, nt, &in, rows, bs, es, ba, &v, err);
    }
    /* switch to the new tree, then rebuild the indexes from it; a failure switches back */
    BTree *old_tree = t->tree;
    LType *old_types = t->types;
    int old_ncols = t->ncols;
    int nidx = atomic_load(&t->nidx);
    typedef struct { BTree *tree; int *cols; KeyCol *kc; bool dropped; } SavedIx;
    SavedIx *saved = xcalloc((size_t)nidx + 1, sizeof(SavedIx));
    for (int j = 0; j < nidx; j++) {
        OltpIndex *ix = t->idx[j];
        saved[j] = (SavedIx){ix->tree, ix->cols, ix->kc, atomic_load(&ix->dropped)};
    }
    if (!rc) {
        t->tree = nt;
        t->types = rw->types;
        t->ncols = rw->ncols;
        for (int j = 0; j < nidx && !rc; j++) {
            OltpIndex *ix = t->idx[j];
            if (saved[j].dropped) continue;
            int *nc = xmalloc(sizeof(int) * (size_t)ix->ncols);
            bool gone = false;
            for (int k = 0; k < ix->ncols; k++) {
                nc[k] = -1;
                for (int c = 0; c < rw->ncols; c++)
                    if (rw->src[c] == saved[j].cols[k]) nc[k] = c;
                gone |= nc[k] < 0;
            }
            if (gone) {
                /* DROP COLUMN drops the indexes on the column (as PostgreSQL does) */
                free(nc);
                atomic_store(&ix->dropped, true);
                continue;
            }
            KeyCol *kc = xcalloc((size_t)ix->ncols, sizeof(KeyCol));
            memcpy(kc, saved[j].kc, sizeof(KeyCol) * (size_t)ix->ncols);
            for (int k = 0; k < ix->ncols; k++) {
                kc[k].type = t->types[nc[k]];
                TypeId id = (TypeId)kc[k].type.id;
                if ((id == TYPE_INTERVAL || id == TYPE_LIST) && !rc) {
                    char tb[64];
                    rc = err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "oltp indexes do not support type %s yet",
                                 type_name(kc[k].type, tb, sizeof tb));
                }
            }
            ix->cols = nc;
            ix->kc = kc;
            if (!rc) rc = btree_create(&t->s->env, &ix->tree, err);
            if (!rc) rc = index_fill(t, ix, 0, err);
        }
        /* the catalog will name the new trees: they must be durable first */
        if (!rc) rc = wal_flush(t->s->wal, wal_insert_lsn(t->s->wal), err);
    }
    if (rc) {
        /* the trees built so far are nobody's: to the free list */
        if (nt) oltp_vacuum_retire_tree(t->s, t->tm, btree_id(nt));
        t->tree = old_tree;
        t->types = old_types;
        t->ncols = old_ncols;
        for (int j = 0; j < nidx; j++) {
            OltpIndex *ix = t->idx[j];
            if (ix->tree != saved[j].tree) oltp_vacuum_retire_tree(t->s, t->tm, btree_id(ix->tree));
            if (ix->cols != saved[j].cols) free(ix->cols);
            if (ix->kc != saved[j].kc) free(ix->kc);
            ix->tree = saved[j].tree;
            ix->cols = saved[j].cols;
            ix->kc = saved[j].kc;
            atomic_store(&ix->dropped, saved[j].dropped);
        }
        free(rw->types);
    } else {
        /* the old column arrays stay allocated until the table goes: a plan prepared
         * before may still point at them */
        for (int j = 0; j < nidx; j++) {
            OltpIndex *ix = t->idx[j];
            void *old[2] = {ix->cols != saved[j].cols ? saved[j].cols : NULL, ix->kc != saved[j].kc ? saved[j].kc : NULL};
            for (int k = 0; k < 2; k++) {
                if (!old[k]) continue;
                t->retired = xrealloc(t->retired, sizeof(void *) * (size_t)(t->nretired + 1));
                t->retired[t->nretired++] = old[k];
            }
        }
        atomic_store(&t->live, live);
        u64 nx = atomic_load(&t->next_row);
        atomic_store(&t->churn_base, nx > (u64)live ? nx - (u64)live : 0);
        /* the old trees (table, and indexes rebuilt or dropped with a column) are retired
         * when the rewrite commits (oltp_rewrite_commit): a rollback switches back to them */
        free(old_types);
        pthread_mutex_lock(&t->stats_mu);
        free(t->stats);
        free(t->stats_at);
        t->stats = NULL;
        t->stats_at = NULL;
        pthread_mutex_unlock(&t->stats_mu);
    }
    free(saved);
    pthread_mutex_unlock(&t->mu);
    pthread_rwlock_unlock(&t->tm->commit_lock);
    bytebuf_free(&v);
    arena_destroy(ba);
    arena_destroy(a);
    return rc;
}

/* A rewrite keeping the columns as they are (TRUNCATE, or the base of the others). */
static void rewrite_init(OltpTable *t, Rewrite *rw, int ncols, Arena *a)
{
    memset(rw, 0, sizeof *rw);
    rw->ncols = ncols;
    rw->types = xmalloc(sizeof(LType) * (size_t)(ncols + 1));
    rw->src = arena_alloc(a, sizeof(int) * (size_t)(ncols + 1));
    rw->conv = -1;
    for (int c = 0; c < ncols && c < t->ncols; c++) {
        rw->types[c] = t->types[c];
        rw->src[c] = c;
    }
}

static int oltp_truncate(TableStore *st, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    Arena *a = arena_create(NULL);
    Rewrite rw;
    rewrite_init(t, &rw, t->ncols, a);
    rw.empty = true;
    int rc = table_rewrite(t, &rw, err);
    arena_destroy(a);
    return rc;
}

static int oltp_add_column(TableStore *st, LType type, const Value *fill, TableFillFn fn, void *ctx, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    Arena *a = arena_create(NULL);
    Rewrite rw;
    rewrite_init(t, &rw, t->ncols + 1, a);
    rw.types[t->ncols] = type;
    rw.src[t->ncols] = -1;
    Value nul = value_null();
    rw.fill = fill ? fill : &nul;
    rw.fill_fn = fn;
    rw.fill_ctx = ctx;
    int rc = table_rewrite(t, &rw, err);
    arena_destroy(a);
    return rc;
}

static int oltp_drop_column(TableStore *st, int col, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    if (col < 0 || col >= t->ncols) return err_set(err, SQLSTATE_INTERNAL_ERROR, "column %d of an oltp table does not exist", col);
    Arena *a = arena_create(NULL);
    Rewrite rw;
    rewrite_init(t, &rw, t->ncols - 1, a);
    for (int c = col; c < t->ncols - 1; c++) {
        rw.types[c] = t->types[c + 1];
        rw.src[c] = c + 1;
    }
    int rc = table_rewrite(t, &rw, err);
    arena_destroy(a);
    return rc;
}

static int oltp_retype_column(TableStore *st, int col, LType type, TableConvertFn fn, void *ctx, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    if (col < 0 || col >= t->ncols) return err_set(err, SQLSTATE_INTERNAL_ERROR, "column %d of an oltp table does not exist", col);
    Arena *a = arena_create(NULL);
    Rewrite rw;
    rewrite_init(t, &rw, t->ncols, a);
    rw.types[col] = type;
    rw.conv = col;
    rw.conv_fn = fn;
    rw.conv_ctx = ctx;
    int rc = table_rewrite(t, &rw, err);
    arena_destroy(a);
    return rc;
}

/* ---- rollback of a rewrite: the trees from before are kept and switched back to ---------- */

typedef struct SavedIndex {
    BTree *tree;
    int *cols;  /* arrays a rewrite replaces are retired, not freed: these stay valid */
    KeyCol *kc;
    bool dropped;
} SavedIndex;

struct OltpRewriteSave {
    OltpTable *t;
    BTree *tree;
    LType *types; /* a copy: the rewrite frees the table's array */
    int ncols;
    i64 live;
    int nidx;
    SavedIndex *ix;
};

OltpRewriteSave *oltp_rewrite_save(TableStore *st)
{
    OltpTable *t = (OltpTable *)st;
    pthread_mutex_lock(&t->mu);
    OltpRewriteSave *sv = xcalloc(1, sizeof(OltpRewriteSave));
    sv->t = t;
    sv->tree = t->tree;
    sv->ncols = t->ncols;
    sv->types = xmalloc(sizeof(LType) * (size_t)(t->ncols + 1));
    memcpy(sv->types, t->types, sizeof(LType) * (size_t)t->ncols);
    sv->live = atomic_load(&t->live);
    sv->nidx = atomic_load(&t->nidx);
    sv->ix = xcalloc((size_t)sv->nidx + 1, sizeof(SavedIndex));
    for (int j = 0; j < sv->nidx; j++) {
        OltpIndex *ix = t->idx[j];
        sv->ix[j] = (SavedIndex){ix->tree, ix->cols, ix->kc, atomic_load(&ix->dropped)};
    }
    pthread_mutex_unlock(&t->mu);
    return sv;
}

static void retire(OltpTable *t, void *p)
{
    t->retired = xrealloc(t->retired, sizeof(void *) * (size_t)(t->nretired + 1));
    t->retired[t->nretired++] = p;
}

/* An array the rewrite retired is in use again. */
static void unretire(OltpTable *t, void *p)
{
    for (int i = 0; i < t->nretired; i++)
        if (t->retired[i] == p) {
            t->retired[i] = t->retired[--t->nretired];
            return;
        }
}

void oltp_rewrite_restore(OltpRewriteSave *sv)
{
    OltpTable *t = sv->t;
    pthread_rwlock_rdlock(&t->tm->commit_lock);
    pthread_mutex_lock(&t->mu);
    /* the rewrite's trees are nobody's now (the transaction's rows in them were undone
     * before this runs): freed once older transactions ended */
    if (t->tree != sv->tree) oltp_vacuum_retire_tree(t->s, t->tm, btree_id(t->tree));
    for (int j = 0; j < sv->nidx; j++)
        if (t->idx[j]->tree != sv->ix[j].tree) oltp_vacuum_retire_tree(t->s, t->tm, btree_id(t->idx[j]->tree));
    t->tree = sv->tree;
    free(t->types);
    t->types = sv->types;
    sv->types = NULL;
    t->ncols = sv->ncols;
    atomic_store(&t->live, sv->live);
    for (int j = 0; j < sv->nidx; j++) {
        OltpIndex *ix = t->idx[j];
        if (ix->cols != sv->ix[j].cols) {
            retire(t, ix->cols);
            unretire(t, sv->ix[j].cols);
        }
        if (ix->kc != sv->ix[j].kc) {
            retire(t, ix->kc);
            unretire(t, sv->ix[j].kc);
        }
        ix->tree = sv->ix[j].tree;
        ix->cols = sv->ix[j].cols;
        ix->kc = sv->ix[j].kc;
        atomic_store(&ix->dropped, sv->ix[j].dropped);
    }
    /* indexes created after the save were dropped by their own undo already */
    for (int j = sv->nidx; j < atomic_load(&t->nidx); j++) atomic_store(&t->idx[j]->dropped, true);
    pthread_mutex_lock(&t->stats_mu);
    free(t->stats);
    free(t->stats_at);
    t->stats = NULL;
    t->stats_at = NULL;
    pthread_mutex_unlock(&t->stats_mu);
    pthread_mutex_unlock(&t->mu);
    pthread_rwlock_unlock(&t->tm->commit_lock);
    oltp_rewrite_release(sv);
}

static void oltp_rewrite_forget(OltpRewriteSave *sv)
{
    free(sv->types);
    free(sv->ix);
    free(sv);
}

void oltp_rewrite_release(OltpRewriteSave *sv)
{
    if (!sv) return;
    oltp_rewrite_forget(sv);
}

void oltp_rewrite_commit(OltpRewriteSave *sv)
{
    if (!sv) return;
    /* the trees from before the rewrite (the table's, and every index's that was live then:
     * rebuilt, or dropped with a column) go to the free list once every transaction that
     * began before has ended (vacuum.c) */
    OltpTable *t = sv->t;
    if (sv->tree != t->tree) oltp_vacuum_retire_tree(t->s, t->tm, btree_id(sv->tree));
    for (int j = 0; j < sv->nidx; j++)
        if (!sv->ix[j].dropped) oltp_vacuum_retire_tree(t->s, t->tm, btree_id(sv->ix[j].tree));
    oltp_rewrite_forget(sv);
}

void oltp_table_retire(TableStore *st)
{
    OltpTable *t = (OltpTable *)st;
    if (!t) return;
    oltp_vacuum_unregister(t->s, st); /* no reclamation pass reads the trees from here on */
    pthread_mutex_lock(&t->mu);
    if (!t->trees_retired) {
        t->trees_retired = true;
        oltp_vacuum_retire_tree(t->s, t->tm, btree_id(t->tree));
        for (int j = 0; j < atomic_load(&t->nidx); j++)
            if (!atomic_exchange(&t->idx[j]->dropped, true)) oltp_vacuum_retire_tree(t->s, t->tm, btree_id(t->idx[j]->tree));
    }
    pthread_mutex_unlock(&t->mu);
}

int oltp_table_trees(TableStore *st, u32 *out, int cap)
{
    OltpTable *t = (OltpTable *)st;
    int n = 0;
    pthread_mutex_lock(&t->mu);
    if (!t->trees_retired) {
        if (n < cap) out[n] = btree_id(t->tree);
        n++;
        for (int j = 0; j < atomic_load(&t->nidx); j++)
            if (!atomic_load(&t->idx[j]->dropped)) {
                if (n < cap) out[n] = btree_id(t->idx[j]->tree);
                n++;
            }
    }
    pthread_mutex_unlock(&t->mu);
    return n;
}

u32 oltp_unique_tree(TableStore *st, const int *cols, int ncols, int nth)
{
    OltpTable *t = (OltpTable *)st;
    int n = atomic_load(&t->nidx);
    for (int j = 0; j < n; j++) {
        OltpIndex *ix = t->idx[j];
        if (atomic_load(&ix->dropped) || !ix->unique || ix->ncols != ncols || memcmp(ix->cols, cols, sizeof(int) * (size_t)ncols)) continue;
        if (nth-- == 0) return (u32)btree_id(ix->tree);
    }
    return OLTP_NO_TREE;
}

/* ---- statistics and life cycle --------------------------------------------------------- */

static i64 oltp_live_rows(TableStore *st) { return atomic_load(&((OltpTable *)st)->live); }

/* Column statistics from a systematic sample of up to OLTP_STATS_SAMPLE row ids (point
 * lookups spread over the row id space; only versions not ended by a committed
 * transaction count), cached per column and recomputed when the live row count moved by
 * more than 10%.  The sample's values go into src/storage/colstats.h, as MEMORY's do. */
#define OLTP_STATS_SAMPLE 4000u
#define OLTP_STATS_HT (1u << 14)

static void stats_compute(OltpTable *t, int col, TableColStats *st)
{
    u64 next = atomic_load(&t->next_row);
    i64 live = atomic_load(&t->live);
    u64 step = next > OLTP_STATS_SAMPLE ? next / OLTP_STATS_SAMPLE : 1;
    ColSample cs;
    colsample_init(&cs, OLTP_STATS_HT);
    const u8 **at = xmalloc(sizeof(u8 *) * (size_t)(t->ncols + 1));
    ByteBuf v = {0};
    Err er = {0};
    bool is_str = type_is_string((TypeId)t->types[col].id);
    size_t w = type_width(t->types[col]);
    for (u64 row = 0; row < next; row += step) {
        u8 k[8];
        key_of(row, k);
        bool found;
        if (btree_get(t->tree, k, 8, &v, &found, &er)) break;
        if (!found || v.len < OLTP_HDR) continue;
        Ts e = rd64(v.data + 8);
        if (e < TXN_ID_BASE || rd64(v.data) == TS_ABORTED) continue;
        row_offsets(t, v.data, v.len, at);
        const u8 *p = at[col];
        if (!p) {
            colsample_null(&cs);
            continue;
        }
        if (is_str) {
            u32 len;
            memcpy(&len, p, 4);
            colsample_value(&cs, p + 4, len);
        } else {
            colsample_value(&cs, p, w);
        }
        Value val = payload_value(t, col, p);
        switch ((TypeId)val.type.id) {
        case TYPE_INT16: case TYPE_INT32: case TYPE_DATE: case TYPE_INT64: case TYPE_TIME: case TYPE_TIMESTAMP: case TYPE_TIMESTAMPTZ:
            colsample_number(&cs, (double)val.u.i);
            break;
        case TYPE_FLOAT32: case TYPE_FLOAT64: colsample_number(&cs, val.u.f); break;
        default: break;
        }
    }
    err_clear(&er);
    bytebuf_free(&v);
    free(at);
    colsample_finish(&cs, (double)(live > 0 ? live : 0), st);
}

static TableColStats oltp_column_stats(TableStore *st, int col)
{
    OltpTable *t = (OltpTable *)st;
    TableColStats r = {0};
    if (col < 0 || col >= t->ncols) return r;
    i64 live = atomic_load(&t->live);
    pthread_mutex_lock(&t->stats_mu);
    if (!t->stats) {
        t->stats = xcalloc((size_t)t->ncols, sizeof(TableColStats));
        t->stats_at = xcalloc((size_t)t->ncols, sizeof(i64));
    }
    i64 at = t->stats_at[col];
    if (!at || (double)live > at * 1.1 || (double)live < at * 0.9) {
        stats_compute(t, col, &t->stats[col]);
        t->stats_at[col] = live > 0 ? live : 1;
    }
    r = t->stats[col];
    pthread_mutex_unlock(&t->stats_mu);
    return r;
}

static void oltp_destroy(TableStore *st)
{
    OltpTable *t = (OltpTable *)st;
    if (!t) return;
    oltp_vacuum_unregister(t->s, st); /* waits for a pass over it to end */
    pthread_mutex_destroy(&t->mu);
    pthread_mutex_destroy(&t->stats_mu);
    free(t->stats);
    free(t->stats_at);
    for (int j = 0; j < atomic_load(&t->nidx); j++) {
        free(t->idx[j]->name);
        free(t->idx[j]->colnames);
        free(t->idx[j]->cols);
        free(t->idx[j]->kc);
        free(t->idx[j]);
    }
    for (int j = 0; j < t->nretired; j++) free(t->retired[j]);
    free(t->retired);
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
    pthread_mutex_init(&t->stats_mu, NULL);
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
    oltp_vacuum_register(s, *out);
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
    c.prefix_only = true; /* only the stamps are read here: long rows' overflow chains stay unread */
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
    oltp_vacuum_register(s, *out);
    return MDB_OK_;
}

u32 oltp_table_tree(const TableStore *st) { return (u32)btree_id(((const OltpTable *)st)->tree); }
bool oltp_table_is(const TableStore *st) { return st && st->am == &OLTP_AM; }

/* ---- reclamation of dead versions (driven by vacuum.c) ---------------------------------- */

/* A version no transaction can see now or later: ended by a commit at or before the
 * horizon, or inserted by a rolled-back transaction and not being ended by a live one. */
static bool version_dead(Ts b, Ts e, Ts horizon)
{
    if (e < TXN_ID_BASE) return e <= horizon;
    return b == TS_ABORTED && (e == TS_INFINITY || e == TS_ABORTED);
}

#define RECLAIM_BATCH 256u   /* candidates per hold of the write mutex */
#define RECLAIM_SCAN 8192u   /* entries read per batch at most */

/* Removes dead version `row` (its payload in v): the index entries, then the row.  Under mu. */
static int reclaim_row(OltpTable *t, u64 row, const ByteBuf *v, OltpReclaimStats *rs, Err *err)
{
    int nidx = atomic_load(&t->nidx);
    if (nidx) {
        const u8 **at = xmalloc(sizeof(u8 *) * (size_t)(t->ncols + 1));
        row_offsets(t, v->data, v->len, at);
        ByteBuf kb = {0};
        int rc = MDB_OK_;
        for (int j = 0; j < nidx && !rc; j++) {
            OltpIndex *ix = t->idx[j];
            if (atomic_load(&ix->dropped)) continue;
            Value *vals = xmalloc(sizeof(Value) * (size_t)(ix->ncols + 1));
            index_vals_payload(t, ix, at, vals);
            size_t plen;
            bool hn, found = false;
            rc = index_key(ix, vals, row, &kb, &plen, &hn, err);
            if (!rc) rc = btree_delete(ix->tree, NULL, kb.data, kb.len, &found, err);
            if (!rc && found) rs->index_entries++;
            free(vals);
        }
        bytebuf_free(&kb);
        free(at);
        if (rc) return rc;
    }
    u8 k[8];
    key_of(row, k);
    bool found = false;
    if (btree_delete(t->tree, NULL, k, 8, &found, err)) return MDB_FAIL;
    if (found) rs->removed++;
    return MDB_OK_;
}

int oltp_table_reclaim(TableStore *st, Ts horizon, OltpReclaimStats *rs, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    memset(rs, 0, sizeof *rs);
    u64 *cand = xmalloc(sizeof(u64) * RECLAIM_BATCH);
    ByteBuf v = {0};
    u64 from = 0;
    bool more = true;
    int rc = MDB_OK_;
    u64 churn0 = oltp_table_churn(st);
    while (more && !rc) {
        /* candidates, read without the mutex (the stamps of a dead version never change) */
        pthread_mutex_lock(&t->mu);
        BTree *tree = t->tree;
        pthread_mutex_unlock(&t->mu);
        u8 lo[8];
        key_of(from, lo);
        BtCursor c;
        btree_cursor_open(&c, tree, lo, 8, true, NULL, 0, true);
        u32 n = 0, read = 0;
        const u8 *key, *val;
        size_t klen, vlen;
        int r = 0;
        while (n < RECLAIM_BATCH && read < RECLAIM_SCAN && (r = btree_cursor_next(&c, &key, &klen, &val, &vlen, err)) > 0) {
            read++;
            if (klen != 8 || vlen < OLTP_HDR) continue;
            u64 row = row_of(key);
            from = row + 1;
            Ts b = rd64(val), e = rd64(val + 8);
            if (version_dead(b, e, horizon)) cand[n++] = row;
            else if (e != TS_INFINITY) rs->waiting++;
        }
        btree_cursor_close(&c);
        rs->scanned += read;
        if (r < 0) {
            rc = MDB_FAIL;
            break;
        }
        more = n == RECLAIM_BATCH || read == RECLAIM_SCAN;
        if (!n) continue;
        /* under the mutex: check again (a rewrite may have switched the tree) and remove */
        pthread_mutex_lock(&t->mu);
        for (u32 i = 0; i < n && !rc; i++) {
            u8 k[8];
            key_of(cand[i], k);
            bool found;
            if ((rc = btree_get(t->tree, k, 8, &v, &found, err))) break;
            if (!found || v.len < OLTP_HDR || !version_dead(rd64(v.data), rd64(v.data + 8), horizon)) continue;
            rc = reclaim_row(t, cand[i], &v, rs, err);
        }
        pthread_mutex_unlock(&t->mu);
    }
    /* what this pass saw is accounted for: the trigger counts from here */
    if (!rc) atomic_fetch_add(&t->churn_base, churn0);
    free(cand);
    bytebuf_free(&v);
    return rc;
}

u64 oltp_table_churn(TableStore *st)
{
    OltpTable *t = (OltpTable *)st;
    i64 live = atomic_load(&t->live);
    u64 next = atomic_load(&t->next_row);
    /* every row id handed out is live, dead, or was never used (rolled back); all live: 0
     * (a table being loaded is no candidate: a pass would only read it) */
    u64 nonlive = live >= 0 && (u64)live <= next ? next - (u64)live : next;
    u64 base = atomic_load(&t->churn_base);
    return nonlive > base ? nonlive - base : 0;
}

int oltp_table_analyze(TableStore *st, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    pthread_mutex_lock(&t->mu);
    BtCursor c;
    btree_cursor_open(&c, t->tree, NULL, 0, true, NULL, 0, true);
    const u8 *key, *val;
    size_t klen, vlen;
    int r;
    i64 live = 0;
    while ((r = btree_cursor_next(&c, &key, &klen, &val, &vlen, err)) > 0)
        if (klen == 8 && vlen >= OLTP_HDR) live += rd64(val + 8) == TS_INFINITY && rd64(val) != TS_ABORTED;
    btree_cursor_close(&c);
    if (r == 0) {
        i64 old = atomic_exchange(&t->live, live);
        /* the trigger's base moves with the correction, so that it is no churn */
        u64 base = atomic_load(&t->churn_base);
        i64 nb = (i64)base + (old - live);
        atomic_store(&t->churn_base, nb > 0 ? (u64)nb : 0);
    }
    pthread_mutex_unlock(&t->mu);
    if (r < 0) return MDB_FAIL;
    pthread_mutex_lock(&t->stats_mu);
    free(t->stats);
    free(t->stats_at);
    t->stats = NULL;
    t->stats_at = NULL;
    pthread_mutex_unlock(&t->stats_mu);
    return MDB_OK_;
}

int oltp_table_pages(TableStore *st, u64 *table_pages, u64 *table_entries, u64 *index_pages, u64 *index_entries, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    u64 leaves;
    *index_pages = *index_entries = 0;
    pthread_mutex_lock(&t->mu);
    int rc = btree_stats(t->tree, table_pages, &leaves, table_entries, err);
    int nidx = atomic_load(&t->nidx);
    for (int j = 0; j < nidx && !rc; j++) {
        if (atomic_load(&t->idx[j]->dropped)) continue;
        u64 p, e;
        rc = btree_stats(t->idx[j]->tree, &p, &leaves, &e, err);
        *index_pages += p;
        *index_entries += e;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

/* The access method's VACUUM hook: a forced pass over this table (vacuum.c), then ANALYZE. */
static int oltp_am_vacuum(TableStore *st, Ts horizon, bool reclaim, bool analyze, Err *err)
{
    OltpTable *t = (OltpTable *)st;
    (void)horizon; /* the pass takes its own, under its lock */
    if (reclaim && oltp_vacuum_run(t->s, t->tm, st, true, err)) return MDB_FAIL;
    return analyze ? oltp_table_analyze(st, err) : MDB_OK_;
}

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
    .lock_row = oltp_lock_row,
    .live_rows = oltp_live_rows,
    .column_stats = oltp_column_stats,
    .logged = true,
    .commit_rows = oltp_commit_rows,
    .undo_rows = oltp_undo_rows,
    .checks_unique = true,
    .index_count = oltp_index_count,
    .index_info = oltp_index_info,
    .iscan_begin = oltp_iscan_begin,
    .iscan_next = oltp_iscan_next,
    .iscan_end = oltp_iscan_end,
    .add_column = oltp_add_column,
    .drop_column = oltp_drop_column,
    .retype_column = oltp_retype_column,
    .truncate = oltp_truncate,
    .vacuum = oltp_am_vacuum,
};
