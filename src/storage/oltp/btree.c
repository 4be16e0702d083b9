/*
 * src/storage/oltp/btree.c — B+tree pages, operations, logging, redo and
 * logical undo (see btree.h).
 *
 * Page layout after the 24-byte page header: a 16-byte node header (level,
 * slot count, start of the cell area, garbage bytes, right sibling, leftmost
 * child), then an array of u16 slot offsets in key order growing up, and the
 * cells growing down from the end of the page.  A cell is u16 key length,
 * u16 value length, key, value; in an internal node the value is the 4-byte
 * child page for keys >= the cell's key (the leftmost child takes the keys
 * below the first cell).  Deleting a cell only removes its slot and counts
 * its bytes as garbage; an insert that finds no contiguous room compacts
 * the page first.  The same page functions run for a change and for its
 * redo, so a replayed page gets the same content.  A value too long for a
 * cell is stored as a prefix + a reference to an overflow chain (section
 * "overflow values" here, the chains in overflow.c); the cell's value length
 * then carries BT_VAL_OVERFLOW.
 */
#include "storage/oltp/btree.h"
#include "storage/oltp/overflow.h"

#include <stdlib.h>
#include <time.h>

#define NODE_OFF PAGE_HDR_SIZE
#define SLOTS_OFF (PAGE_HDR_SIZE + 16)
#define BT_META_MAGIC 0x4D425431u /* "MBT1" */
#define BT_MAX_DEPTH 48
#define BT_MERGE_BELOW (PAGE_SIZE / 5) /* a leaf with fewer bytes of entries merges into its left sibling */

typedef struct BtNode {
    u16 level; /* 0 = leaf */
    u16 nslots;
    u16 cell_lo;
    u16 garbage;
    PageNo right;
    PageNo leftmost;
} BtNode;

typedef struct BtMeta {
    u32 magic;
    PageNo root;
} BtMeta;

struct BTree {
    BtEnv *env;
    PageNo meta;
    pthread_rwlock_t lock;
    _Atomic u64 kept_chain_pages; /* btree_kept_chain_pages */
};

static inline BtNode *nd(u8 *p) { return (BtNode *)(p + NODE_OFF); }
static inline const BtNode *ndc(const u8 *p) { return (const BtNode *)(p + NODE_OFF); }
static inline BtMeta *meta_of(u8 *p) { return (BtMeta *)(p + PAGE_HDR_SIZE); }
static inline u16 rd16(const u8 *p)
{
    u16 v;
    memcpy(&v, p, 2);
    return v;
}
static inline void wr16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static inline u32 rd32(const u8 *p)
{
    u32 v;
    memcpy(&v, p, 4);
    return v;
}
static inline void wr32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static inline u16 slot(const u8 *p, int i) { return rd16(p + SLOTS_OFF + 2 * i); }

static inline void cell_at(const u8 *p, int i, const u8 **k, u16 *kl, const u8 **v, u16 *vl)
{
    const u8 *c = p + slot(p, i);
    *kl = rd16(c);
    *vl = rd16(c + 2);
    *k = c + 4;
    *v = c + 4 + *kl;
}
static inline PageNo child_at(const u8 *p, int i)
{
    const u8 *k, *v;
    u16 kl, vl;
    cell_at(p, i, &k, &kl, &v, &vl);
    return rd32(v);
}
/* The stored length of a cell's value (cell_at's vl may carry BT_VAL_OVERFLOW). */
static inline size_t vlen_of(u16 vl) { return vl & ~BT_VAL_OVERFLOW; }
static inline size_t cell_size(const u8 *p, int i)
{
    const u8 *c = p + slot(p, i);
    return 4 + (size_t)rd16(c) + vlen_of(rd16(c + 2));
}

static void node_init(u8 *p, PageNo pno, u8 type, u16 level)
{
    memset(p, 0, PAGE_SIZE);
    page_hdr(p)->pno = pno;
    page_hdr(p)->type = type;
    BtNode *n = nd(p);
    n->level = level;
    n->cell_lo = PAGE_SIZE;
    n->right = PAGE_NONE;
    n->leftmost = PAGE_NONE;
}

static size_t node_contig(const u8 *p) { return ndc(p)->cell_lo - (SLOTS_OFF + 2u * ndc(p)->nslots); }
static size_t node_free(const u8 *p) { return node_contig(p) + ndc(p)->garbage; }

static void node_compact(u8 *p)
{
    u8 tmp[PAGE_SIZE];
    BtNode *n = nd(p);
    size_t lo = PAGE_SIZE;
    for (int i = 0; i < n->nslots; i++) {
        size_t sz = cell_size(p, i);
        lo -= sz;
        memcpy(tmp + lo, p + slot(p, i), sz);
        wr16(p + SLOTS_OFF + 2 * i, (u16)lo);
    }
    memcpy(p + lo, tmp + lo, PAGE_SIZE - lo);
    n->cell_lo = (u16)lo;
    n->garbage = 0;
}

/* Inserts a cell at slot idx; false when the page lacks room even compacted.
 * vl may carry BT_VAL_OVERFLOW, which the cell keeps. */
static bool node_insert_at(u8 *p, int idx, const u8 *k, size_t kl, const u8 *v, size_t vl_raw)
{
    size_t vl = vlen_of((u16)vl_raw);
    size_t need = 4 + kl + vl;
    if (node_free(p) < need + 2) return false;
    if (node_contig(p) < need + 2) node_compact(p);
    BtNode *n = nd(p);
    n->cell_lo = (u16)(n->cell_lo - need);
    u8 *c = p + n->cell_lo;
    wr16(c, (u16)kl);
    wr16(c + 2, (u16)vl_raw);
    memcpy(c + 4, k, kl);
    if (vl) memcpy(c + 4 + kl, v, vl);
    u8 *s = p + SLOTS_OFF;
    memmove(s + 2 * (idx + 1), s + 2 * idx, 2u * (n->nslots - idx));
    wr16(s + 2 * idx, n->cell_lo);
    n->nslots++;
    return true;
}

static void node_remove_at(u8 *p, int idx)
{
    BtNode *n = nd(p);
    n->garbage = (u16)(n->garbage + cell_size(p, idx));
    u8 *s = p + SLOTS_OFF;
    memmove(s + 2 * idx, s + 2 * (idx + 1), 2u * (n->nslots - idx - 1));
    n->nslots--;
    if (n->nslots == 0) {
        n->cell_lo = PAGE_SIZE;
        n->garbage = 0;
    }
}

/* First slot whose key >= k; *eq when that key equals k. */
static int node_lower_bound(const u8 *p, const u8 *k, size_t kl, bool *eq)
{
    int lo = 0, hi = ndc(p)->nslots;
    *eq = false;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        const u8 *ck, *cv;
        u16 ckl, cvl;
        cell_at(p, mid, &ck, &ckl, &cv, &cvl);
        int c = keyenc_cmp(ck, ckl, k, kl);
        if (c < 0) lo = mid + 1;
        else {
            if (c == 0) *eq = true;
            hi = mid;
        }
    }
    if (*eq && lo < ndc(p)->nslots) {
        const u8 *ck, *cv;
        u16 ckl, cvl;
        cell_at(p, lo, &ck, &ckl, &cv, &cvl);
        *eq = keyenc_cmp(ck, ckl, k, kl) == 0;
    } else {
        *eq = false;
    }
    return lo;
}

/* First slot whose key > k. */
static int node_upper_bound(const u8 *p, const u8 *k, size_t kl)
{
    bool eq;
    int i = node_lower_bound(p, k, kl, &eq);
    return eq ? i + 1 : i;
}

static PageNo node_child_for(const u8 *p, const u8 *k, size_t kl)
{
    int i = node_upper_bound(p, k, kl);
    return i == 0 ? ndc(p)->leftmost : child_at(p, i - 1);
}

/* ---- environment and transactions ----------------------------------------------- */

void btenv_init(BtEnv *e, BufPool *bp, Wal *wal)
{
    memset(e, 0, sizeof *e);
    e->bp = bp;
    e->wal = wal;
    pthread_rwlock_init(&e->ckpt_lock, NULL);
    pthread_mutex_init(&e->mu, NULL);
    e->next_xid = 1;
    e->fl_page = PAGE_NONE;
}

void btenv_destroy(BtEnv *e)
{
    for (size_t i = 0; i < e->ntrees; i++) {
        pthread_rwlock_destroy(&e->trees[i]->lock);
        free(e->trees[i]);
    }
    free(e->trees);
    for (size_t i = 0; i < e->nactive; i++) {
        free(e->active[i]->ovf_pending);
        free(e->active[i]);
    }
    free(e->active);
    pthread_rwlock_destroy(&e->ckpt_lock);
    pthread_mutex_destroy(&e->mu);
}

BtTxn *bt_txn_begin(BtEnv *e)
{
    BtTxn *t = xcalloc(1, sizeof *t);
    pthread_mutex_lock(&e->mu);
    t->xid = e->next_xid++;
    if (e->nactive == e->capactive) {
        e->capactive = e->capactive ? e->capactive * 2 : 16;
        e->active = xrealloc(e->active, e->capactive * sizeof *e->active);
    }
    e->active[e->nactive++] = t;
    pthread_mutex_unlock(&e->mu);
    return t;
}

static void txn_end(BtEnv *e, BtTxn *t)
{
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nactive; i++)
        if (e->active[i] == t) {
            e->active[i] = e->active[--e->nactive];
            break;
        }
    pthread_mutex_unlock(&e->mu);
    free(t->ovf_pending);
    free(t);
}

Lsn bt_oldest_active_lsn(BtEnv *e)
{
    Lsn m = LSN_NONE;
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nactive; i++) {
        Lsn f = e->active[i]->first_lsn;
        if (f != LSN_NONE && (m == LSN_NONE || f < m)) m = f;
    }
    pthread_mutex_unlock(&e->mu);
    return m;
}

/* Frees the overflow chains that a transaction's deletes and replacements
 * released, once its commit record is in the log.  A failure only leaks the
 * pages: the commit stands. */
static void txn_free_released(BtEnv *e, BtTxn *txn)
{
    if (!txn->novf_pending) return;
    pthread_rwlock_rdlock(&e->ckpt_lock);
    for (size_t i = 0; i < txn->novf_pending; i++) {
        Err er = {0};
        ovf_free_chain(e, txn->ovf_pending[i], &er);
        err_clear(&er);
    }
    pthread_rwlock_unlock(&e->ckpt_lock);
    txn->novf_pending = 0;
}

int bt_txn_commit_log(BtEnv *e, BtTxn *txn, u64 commit_ts, Lsn *end, Err *err)
{
    int rc = MDB_OK_;
    *end = LSN_NONE;
    if (txn->last_lsn != LSN_NONE) {
        WalRecHdr h = {0};
        h.type = WAL_REC_COMMIT;
        h.xid = txn->xid;
        h.prev_lsn = txn->last_lsn;
        pthread_rwlock_rdlock(&e->ckpt_lock);
        rc = wal_append(e->wal, &h, &commit_ts, sizeof commit_ts, NULL, end, err);
        pthread_rwlock_unlock(&e->ckpt_lock);
    }
    if (rc == MDB_OK_) {
        txn_free_released(e, txn);
        txn_end(e, txn);
    }
    return rc;
}

int bt_txn_commit(BtEnv *e, BtTxn *txn, u64 commit_ts, Err *err)
{
    int rc = MDB_OK_;
    if (txn->last_lsn != LSN_NONE) { /* a read-only transaction logs nothing */
        WalRecHdr h = {0};
        h.type = WAL_REC_COMMIT;
        h.xid = txn->xid;
        h.prev_lsn = txn->last_lsn;
        Lsn end;
        pthread_rwlock_rdlock(&e->ckpt_lock);
        rc = wal_append(e->wal, &h, &commit_ts, sizeof commit_ts, NULL, &end, err);
        pthread_rwlock_unlock(&e->ckpt_lock);
        if (rc == MDB_OK_) txn_free_released(e, txn);
        if (rc == MDB_OK_) rc = wal_commit_wait(e->wal, end, err);
    }
    txn_end(e, txn);
    return rc;
}

/* ---- logging helpers -------------------------------------------------------------- */

/* Who a change is logged for: a transaction (chain through last_lsn), a
 * compensation record (chain pointer = undo_next) or nobody (xid 0). */
typedef struct LogCtx {
    BtTxn *txn;     /* NULL: no transaction, or undo */
    u64 xid;
    Lsn *last_lsn;  /* updated with the new record's LSN; NULL for xid 0 */
    Lsn *first_lsn;
    bool clr;
    Lsn undo_next;
} LogCtx;

static LogCtx logctx_of(BtTxn *txn)
{
    LogCtx c = {0};
    if (txn) {
        c.txn = txn;
        c.xid = txn->xid;
        c.last_lsn = &txn->last_lsn;
        c.first_lsn = &txn->first_lsn;
    }
    return c;
}

/* A page image in a record: u32 page, u16 hole offset, u16 hole length, then
 * the page without the hole.  The hole is the free space between the slot
 * array and the cells of a node page (after a split about half the page),
 * which redo fills with zeros. */
static void image_append(ByteBuf *b, PageNo pno, const u8 *page)
{
    size_t off = PAGE_SIZE, len = 0;
    u8 type = ((const PageHdr *)page)->type;
    if (type == BT_PAGE_LEAF || type == BT_PAGE_INTERNAL) {
        off = SLOTS_OFF + 2u * ndc(page)->nslots;
        len = ndc(page)->cell_lo > off ? ndc(page)->cell_lo - off : 0;
    } else if (type == BT_PAGE_META) {
        off = PAGE_HDR_SIZE + sizeof(BtMeta);
        len = PAGE_SIZE - off;
    } else if (type == BT_PAGE_FREE || type == BT_PAGE_STORE) {
        off = PAGE_HDR_SIZE + 16;
        len = PAGE_SIZE - off;
    }
    if (len == 0) off = 0;
    u8 head[8];
    wr32(head, pno);
    wr16(head + 4, (u16)off);
    wr16(head + 6, (u16)len);
    bytebuf_append(b, head, 8);
    bytebuf_append(b, page, off);
    bytebuf_append(b, page + off + len, PAGE_SIZE - off - len);
}

/* Parses one image at *p (n bytes left) into page; advances *p.  false when malformed. */
static bool image_read(const u8 **p, size_t *n, PageNo *pno, u8 *page)
{
    if (*n < 8) return false;
    size_t off = rd16(*p + 4), len = rd16(*p + 6);
    if (off + len > PAGE_SIZE || *n < 8 + PAGE_SIZE - len) return false;
    *pno = rd32(*p);
    const u8 *d = *p + 8;
    memcpy(page, d, off);
    memset(page + off, 0, len);
    memcpy(page + off + len, d + off, PAGE_SIZE - off - len);
    *p += 8 + PAGE_SIZE - len;
    *n -= 8 + PAGE_SIZE - len;
    return true;
}

/* Logs a full-page image of f when this is its first change since the redo
 * point (caller holds f's latch). */
static int log_fpi_if_needed(BtEnv *e, BufFrame *f, Err *err)
{
    if (page_lsn(f->data) > wal_redo_lsn(e->wal)) return MDB_OK_;
    WalRecHdr h = {0};
    h.type = WAL_REC_FPI;
    ByteBuf b = {0};
    image_append(&b, f->pno, f->data);
    Lsn end;
    int rc = wal_append(e->wal, &h, b.data, b.len, NULL, &end, err);
    bytebuf_free(&b);
    if (rc) return MDB_FAIL;
    bufpool_mark_dirty(f, end);
    return MDB_OK_;
}

/* Logs a leaf change record (FPI first when needed); caller holds f's latch
 * and applies the change after, marking the page dirty with *end. */
static int log_leaf_change(BtEnv *e, LogCtx *lc, u8 type, BufFrame *f, const u8 *body, size_t blen, Lsn *end,
                           Err *err)
{
    if (log_fpi_if_needed(e, f, err)) return MDB_FAIL;
    WalRecHdr h = {0};
    h.type = type;
    h.xid = lc->xid;
    h.flags = lc->clr ? WAL_FLAG_CLR : 0;
    h.prev_lsn = lc->clr ? lc->undo_next : (lc->last_lsn ? *lc->last_lsn : LSN_NONE);
    Lsn lsn;
    if (wal_append(e->wal, &h, body, blen, &lsn, end, err)) return MDB_FAIL;
    if (lc->last_lsn) {
        *lc->last_lsn = lsn;
        if (lc->first_lsn && *lc->first_lsn == LSN_NONE) *lc->first_lsn = lsn;
    }
    return MDB_OK_;
}

/* Body of insert/delete records: tree, page, klen, vlen, key, value. */
static void body_kv(ByteBuf *b, PageNo tree, PageNo page, const u8 *k, size_t kl, const u8 *v, size_t vl)
{
    b->len = 0;
    u8 head[12];
    wr32(head, tree);
    wr32(head + 4, page);
    wr16(head + 8, (u16)kl);
    wr16(head + 10, (u16)vl);
    bytebuf_append(b, head, 12);
    bytebuf_append(b, k, kl);
    bytebuf_append(b, v, vlen_of((u16)vl));
}

/* A structure change: the pages it touched, latched and pinned until logged. */
typedef struct Smo {
    BufFrame *f[2 * BT_MAX_DEPTH + 4];
    u8 *orig[2 * BT_MAX_DEPTH + 4]; /* each page as it was when touched (smo_abandon puts it back) */
    int n;
} Smo;

static void smo_touch(Smo *s, BufFrame *f)
{
    for (int i = 0; i < s->n; i++)
        if (s->f[i] == f) return;
    bufpool_latch(f);
    s->orig[s->n] = xmalloc(PAGE_SIZE);
    memcpy(s->orig[s->n], f->data, PAGE_SIZE);
    s->f[s->n++] = f; /* the Smo owns one pin of f from here on */
}

static bool smo_has(const Smo *s, const BufFrame *f)
{
    for (int i = 0; i < s->n; i++)
        if (s->f[i] == f) return true;
    return false;
}

/* A page of a structure change that an earlier record after the redo point already
 * logged whole (so a torn write of it is repaired before this record is replayed), and
 * whose change is small (a leaf's right link, a separator added to a parent), is logged
 * as the byte runs that changed instead of an image: u32 page, u16 SMO_DELTA, u16 runs,
 * then per run u16 offset, u16 length, the bytes.  Appends the entry to b and returns
 * true, or false (nothing appended) when an image is due. */
#define SMO_DELTA 0xFFFFu
static bool delta_append(ByteBuf *b, const u8 *orig, const u8 *page, Lsn redo)
{
    u8 type = ((const PageHdr *)page)->type;
    if (page_lsn(orig) <= redo || ((const PageHdr *)orig)->type != type || (type != BT_PAGE_LEAF && type != BT_PAGE_INTERNAL))
        return false;
    size_t start = b->len, budget = PAGE_SIZE / 4, used = 8;
    u8 head[8];
    wr32(head, ((const PageHdr *)page)->pno);
    wr16(head + 4, SMO_DELTA);
    wr16(head + 6, 0);
    bytebuf_append(b, head, 8);
    u16 runs = 0;
    /* The free space between slots and cells (the hole) is not the same on a page rebuilt by
     * redo (images leave it out, redo fills zeros) as in the pool: bytes in the new page's
     * hole never matter, and bytes that were in the old one count as changed. */
    size_t oh_lo = SLOTS_OFF + 2u * ndc(orig)->nslots, oh_hi = ndc(orig)->cell_lo;
    size_t nh_lo = SLOTS_OFF + 2u * ndc(page)->nslots, nh_hi = ndc(page)->cell_lo;
    /* compared a word (8 bytes) at a time, from the type byte on (checksum, page number and
     * LSN are the pool's): a word wholly in the new hole never differs, one that touches the
     * old hole always does */
#define DELTA_DIFF(w)                                                                                      \
    (!((w) * 8 >= nh_lo && (w) * 8 + 8 <= nh_hi) &&                                                       \
     (((w) * 8 + 8 > oh_lo && (w) * 8 < oh_hi) || memcmp(orig + (w) * 8, page + (w) * 8, 8) != 0))
    const size_t nw = PAGE_SIZE / 8;
    for (size_t w = 2; w < nw;) {
        if (!DELTA_DIFF(w)) {
            w++;
            continue;
        }
        size_t j = w + 1, same = 0;
        while (j < nw && same < 2) {
            same = DELTA_DIFF(j) ? 0 : same + 1;
            j++;
        }
        size_t i = w * 8, len = (j - w - same) * 8;
        used += 4 + len;
        if (used > budget) {
            b->len = start;
            return false;
        }
        u8 rh[4];
        wr16(rh, (u16)i);
        wr16(rh + 2, (u16)len);
        bytebuf_append(b, rh, 4);
        bytebuf_append(b, page + i, len);
        runs++;
        w = j;
    }
#undef DELTA_DIFF
    wr16(b->data + start + 6, runs);
    return true;
}

/* Replays a delta entry at *p (see delta_append); advances *p. */
static int redo_delta(BtEnv *e, const WalRecHdr *rec, const u8 **p, size_t *n, Lsn end, Err *err);

/* Logs the after-images of every touched page as one record, marks them
 * dirty, unlatches and unpins them. */
static int smo_finish(BtEnv *e, PageNo tree, Smo *s, Err *err)
{
    ByteBuf b = {0};
    u8 head[8];
    wr32(head, tree);
    wr32(head + 4, (u32)s->n);
    bytebuf_append(&b, head, 8);
    Lsn redo = wal_redo_lsn(e->wal);
    for (int i = 0; i < s->n; i++) {
        page_hdr(s->f[i]->data)->pno = s->f[i]->pno;
        if (!delta_append(&b, s->orig[i], s->f[i]->data, redo)) image_append(&b, s->f[i]->pno, s->f[i]->data);
    }
    WalRecHdr h = {0};
    h.type = WAL_BT_SMO;
    Lsn end;
    int rc = wal_append(e->wal, &h, b.data, b.len, NULL, &end, err);
    bytebuf_free(&b);
    for (int i = 0; i < s->n; i++) {
        /* on failure the pages keep changes that are not in the log: the WAL
         * is failed, so nothing can be written back after them anyway */
        if (rc == MDB_OK_) bufpool_mark_dirty(s->f[i], end);
        bufpool_unlatch(s->f[i]);
        bufpool_unpin(e->bp, s->f[i]);
        free(s->orig[i]);
    }
    s->n = 0;
    return rc;
}

/* Gives up a structure change that was not logged (a page could not be pinned, the pool
 * is exhausted, the WAL failed): every touched page gets its content from before the
 * change back, so the tree in memory stays what the log says it is, then is released. */
static void smo_abandon(BtEnv *e, Smo *s)
{
    for (int i = 0; i < s->n; i++) {
        /* a page appended to the file for this change (all zeros before) is owned by nobody
         * now: the next open sweeps it up (the free list's pages go back with the store page) */
        if (page_hdr(s->orig[i])->type == 0 && s->f[i]->pno != e->fl_page) e->leaked++;
        memcpy(s->f[i]->data, s->orig[i], PAGE_SIZE);
        free(s->orig[i]);
        bufpool_unlatch(s->f[i]);
        bufpool_unpin(e->bp, s->f[i]);
    }
    s->n = 0;
}

/* ---- the free-page list (see btree.h) --------------------------------------------------- */

#define BT_STORE_MAGIC 0x4D425350u /* "MBSP" */

typedef struct BtStorePage {
    u32 magic;
    PageNo free_head; /* PAGE_NONE: empty */
    u64 nfree;
} BtStorePage;

static inline BtStorePage *store_of(u8 *p) { return (BtStorePage *)(p + PAGE_HDR_SIZE); }

/* The store page, latched as part of s (pinned and touched once per structure change:
 * its latch serialises every allocation and free of the environment). */
static BufFrame *smo_store(BtEnv *e, Smo *s, Err *err)
{
    for (int i = 0; i < s->n; i++)
        if (s->f[i]->pno == e->fl_page) return s->f[i];
    BufFrame *f;
    if (bufpool_pin(e->bp, e->fl_page, &f, err)) return NULL;
    smo_touch(s, f);
    if (page_hdr(f->data)->type != BT_PAGE_STORE || store_of(f->data)->magic != BT_STORE_MAGIC) {
        err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u is not the store page", e->fl_page);
        return NULL;
    }
    return f;
}

/* A page for a structure change: the head of the free list, else a new page at the end of
 * the file.  Returned pinned (the caller's smo_touch takes the pin over) with its old
 * contents; the caller initialises it. */
static int page_alloc(BtEnv *e, Smo *s, BufFrame **out, Err *err)
{
    if (e->fl_page != PAGE_NONE) {
        BufFrame *sp = smo_store(e, s, err);
        if (!sp) return MDB_FAIL;
        BtStorePage *st = store_of(sp->data);
        if (st->free_head != PAGE_NONE) {
            BufFrame *f;
            if (bufpool_pin(e->bp, st->free_head, &f, err)) return MDB_FAIL;
            if (page_hdr(f->data)->type != BT_PAGE_FREE) {
                bufpool_unpin(e->bp, f);
                return err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u on the free list is not free", st->free_head);
            }
            st->free_head = rd32(f->data + PAGE_HDR_SIZE);
            st->nfree--;
            *out = f;
            return MDB_OK_;
        }
    }
    return bufpool_new_page(e->bp, out, err);
}

/* Puts page f (touched by s) on the free list; the store page must be in s already. */
static void page_free(BtEnv *e, Smo *s, BufFrame *f)
{
    BufFrame *sp = NULL;
    for (int i = 0; i < s->n; i++)
        if (s->f[i]->pno == e->fl_page) sp = s->f[i];
    if (!sp) MDB_FATAL("page_free without the store page");
    BtStorePage *st = store_of(sp->data);
    memset(f->data, 0, PAGE_SIZE);
    page_hdr(f->data)->pno = f->pno;
    page_hdr(f->data)->type = BT_PAGE_FREE;
    wr32(f->data + PAGE_HDR_SIZE, st->free_head);
    st->free_head = f->pno;
    st->nfree++;
}

int btenv_freelist_init(BtEnv *e, Err *err)
{
    e->fl_page = PAGE_NONE;
    pthread_rwlock_rdlock(&e->ckpt_lock);
    int rc = MDB_OK_;
    if (bufpool_npages(e->bp) == 0) {
        BufFrame *f;
        if ((rc = bufpool_new_page(e->bp, &f, err)) == MDB_OK_) {
            Smo s = {.n = 0};
            smo_touch(&s, f);
            memset(f->data, 0, PAGE_SIZE);
            page_hdr(f->data)->pno = f->pno;
            page_hdr(f->data)->type = BT_PAGE_STORE;
            store_of(f->data)->magic = BT_STORE_MAGIC;
            store_of(f->data)->free_head = PAGE_NONE;
            PageNo pno = f->pno;
            rc = smo_finish(e, PAGE_NONE, &s, err);
            if (rc == MDB_OK_) e->fl_page = pno;
        }
    } else {
        BufFrame *f;
        if ((rc = bufpool_pin(e->bp, 0, &f, err)) == MDB_OK_) {
            if (page_hdr(f->data)->type == BT_PAGE_STORE && store_of(f->data)->magic == BT_STORE_MAGIC) e->fl_page = 0;
            bufpool_unpin(e->bp, f);
        }
    }
    pthread_rwlock_unlock(&e->ckpt_lock);
    return rc;
}

u64 btenv_free_count(BtEnv *e)
{
    if (e->fl_page == PAGE_NONE) return 0;
    BufFrame *f;
    Err er = {0};
    if (bufpool_pin(e->bp, e->fl_page, &f, &er)) {
        err_clear(&er);
        return 0;
    }
    bufpool_latch(f);
    u64 n = store_of(f->data)->nfree;
    bufpool_unlatch(f);
    bufpool_unpin(e->bp, f);
    return n;
}

/* Record body of WAL_BT_FREELIST: u32 new head, u32 n, u64 new count, then n × (u32 page,
 * u32 next).  Redo rebuilds the store page and each listed page whole from the record
 * (when older), so neither needs a full-page image and a torn one is repaired. */
#define FREELIST_BATCH 4096

static void store_build(u8 *page, PageNo pno, PageNo head, u64 nfree)
{
    memset(page, 0, PAGE_SIZE);
    page_hdr(page)->pno = pno;
    page_hdr(page)->type = BT_PAGE_STORE;
    store_of(page)->magic = BT_STORE_MAGIC;
    store_of(page)->free_head = head;
    store_of(page)->nfree = nfree;
}

static void free_build(u8 *page, PageNo pno, PageNo next)
{
    memset(page, 0, PAGE_SIZE);
    page_hdr(page)->pno = pno;
    page_hdr(page)->type = BT_PAGE_FREE;
    wr32(page + PAGE_HDR_SIZE, next);
}

/* Pins a page that is rewritten whole; the pool may be short of frames for a moment
 * (other threads' pins), so it is tried for a while before giving up. */
static int pin_whole(BtEnv *e, PageNo pno, BufFrame **f, Err *err)
{
    for (int attempt = 0;; attempt++) {
        bool damaged;
        if (bufpool_pin_for_redo(e->bp, pno, f, &damaged, err) == MDB_OK_) return MDB_OK_;
        if (attempt >= 200) return MDB_FAIL;
        err_clear(err);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

/* Logs one WAL_BT_FREELIST record that sets the list to head/nfree after pushing
 * pages[0..n) (reset: onto an empty list), then applies it.  sp: the store page, pinned
 * and latched by the caller. */
static int freelist_log(BtEnv *e, BufFrame *sp, const WalRecHdr *hdr, const PageNo *pages, size_t n, bool reset, Lsn *lsn,
                        Err *err)
{
    BtStorePage *st = store_of(sp->data);
    PageNo head = reset ? PAGE_NONE : st->free_head;
    u64 nfree = (reset ? 0 : st->nfree) + n;
    ByteBuf b = {0};
    u8 w[16];
    wr32(w, n ? pages[n - 1] : head);
    wr32(w + 4, (u32)n);
    memcpy(w + 8, &nfree, 8);
    bytebuf_append(&b, w, 16);
    for (size_t i = 0; i < n; i++) {
        wr32(w, pages[i]);
        wr32(w + 4, i ? pages[i - 1] : head);
        bytebuf_append(&b, w, 8);
    }
    WalRecHdr h = {0};
    if (hdr) h = *hdr;
    h.type = WAL_BT_FREELIST;
    Lsn end;
    int rc = wal_append(e->wal, &h, b.data, b.len, lsn, &end, err);
    bytebuf_free(&b);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        BufFrame *f;
        if (pin_whole(e, pages[i], &f, err)) {
            /* the log has the change but this page in memory does not: the list must not be
             * used again in this session (its next open replays or sweeps it) */
            e->fl_page = PAGE_NONE;
            e->leaked++;
            return MDB_FAIL;
        }
        bufpool_latch(f);
        free_build(f->data, pages[i], i ? pages[i - 1] : head);
        bufpool_mark_dirty(f, end);
        bufpool_unlatch(f);
        bufpool_unpin(e->bp, f);
    }
    store_build(sp->data, sp->pno, n ? pages[n - 1] : head, nfree);
    bufpool_mark_dirty(sp, end);
    return MDB_OK_;
}

static int store_pin(BtEnv *e, BufFrame **sp, Err *err)
{
    if (bufpool_pin(e->bp, e->fl_page, sp, err)) return MDB_FAIL;
    bufpool_latch(*sp);
    if (page_hdr((*sp)->data)->type != BT_PAGE_STORE || store_of((*sp)->data)->magic != BT_STORE_MAGIC) {
        bufpool_unlatch(*sp);
        bufpool_unpin(e->bp, *sp);
        return err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u is not the store page", e->fl_page);
    }
    return MDB_OK_;
}

int btenv_free_pages(BtEnv *e, const WalRecHdr *hdr, const PageNo *pages, size_t n, Lsn *lsn, Err *err)
{
    if (lsn) *lsn = LSN_NONE;
    if (n == 0) return MDB_OK_;
    if (e->fl_page == PAGE_NONE) {
        e->leaked += n; /* an older page file without a free list: the pages stay unused */
        return MDB_OK_;
    }
    BufFrame *sp;
    if (store_pin(e, &sp, err)) {
        e->leaked += n;
        return MDB_FAIL;
    }
    int rc = MDB_OK_;
    for (size_t i = 0; i < n && rc == MDB_OK_; i += FREELIST_BATCH) {
        Lsn l;
        rc = freelist_log(e, sp, hdr, pages + i, MDB_MIN(n - i, (size_t)FREELIST_BATCH), false, &l, err);
        if (rc) e->leaked += n - i;
        else if (lsn) *lsn = l;
    }
    bufpool_unlatch(sp);
    bufpool_unpin(e->bp, sp);
    return rc;
}

int btenv_alloc_pages(BtEnv *e, size_t n, PageNo *out, Err *err)
{
    size_t got = 0;
    if (e->fl_page != PAGE_NONE) {
        BufFrame *sp;
        if (store_pin(e, &sp, err)) return MDB_FAIL;
        BtStorePage *st = store_of(sp->data);
        PageNo head = st->free_head;
        u64 nfree = st->nfree;
        int rc = MDB_OK_;
        while (got < n && head != PAGE_NONE && rc == MDB_OK_) {
            BufFrame *f;
            if ((rc = bufpool_pin(e->bp, head, &f, err))) break;
            if (page_hdr(f->data)->type != BT_PAGE_FREE)
                rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u on the free list is not free", head);
            else {
                out[got++] = head;
                head = rd32(f->data + PAGE_HDR_SIZE);
                nfree--;
            }
            bufpool_unpin(e->bp, f);
        }
        if (rc == MDB_OK_ && got) {
            /* the store page alone: the pages taken are rewritten whole by the caller's records */
            WalRecHdr h = {0};
            h.type = WAL_BT_FREELIST;
            u8 w[16];
            wr32(w, head);
            wr32(w + 4, 0);
            memcpy(w + 8, &nfree, 8);
            Lsn end;
            if ((rc = wal_append(e->wal, &h, w, 16, NULL, &end, err)) == MDB_OK_) {
                store_build(sp->data, sp->pno, head, nfree);
                bufpool_mark_dirty(sp, end);
            }
        }
        bufpool_unlatch(sp);
        bufpool_unpin(e->bp, sp);
        if (rc) return rc;
    }
    for (; got < n; got++) {
        /* pinned only to allocate it: nothing refers to it before the caller's record is
         * logged, and a page never written reads as zeros */
        BufFrame *f;
        if (bufpool_new_page(e->bp, &f, err)) {
            e->leaked += got; /* taken, never used */
            return MDB_FAIL;
        }
        out[got] = f->pno;
        bufpool_unpin(e->bp, f);
    }
    return MDB_OK_;
}

/* Redo of WAL_BT_FREELIST. */
static int freelist_redo(BtEnv *e, const WalRecHdr *rec, Err *err)
{
    const u8 *p = wal_payload(rec);
    size_t n = wal_payload_len(rec);
    Lsn end = rec->lsn + rec->len;
    if (n < 16 || n != 16 + 8 * (size_t)rd32(p + 4))
        return err_set(err, SQLSTATE_DATA_CORRUPTED, "cannot replay write-ahead log record at %llu: bad free-list record",
                       (unsigned long long)rec->lsn);
    PageNo head = rd32(p);
    u32 cnt = rd32(p + 4);
    u64 nfree;
    memcpy(&nfree, p + 8, 8);
    for (u32 i = 0; i < cnt; i++) {
        PageNo pno = rd32(p + 16 + 8 * i), next = rd32(p + 20 + 8 * i);
        BufFrame *f;
        bool damaged;
        if (bufpool_pin_for_redo(e->bp, pno, &f, &damaged, err)) return MDB_FAIL;
        bufpool_latch(f);
        if (damaged || page_lsn(f->data) < end) {
            free_build(f->data, pno, next);
            bufpool_mark_dirty(f, end);
        }
        bufpool_unlatch(f);
        bufpool_unpin(e->bp, f);
    }
    /* the store page is page 0 of every page file that has a free list */
    BufFrame *f;
    bool damaged;
    if (bufpool_pin_for_redo(e->bp, 0, &f, &damaged, err)) return MDB_FAIL;
    bufpool_latch(f);
    if (damaged || page_lsn(f->data) < end) {
        store_build(f->data, 0, head, nfree);
        bufpool_mark_dirty(f, end);
    }
    bufpool_unlatch(f);
    bufpool_unpin(e->bp, f);
    return MDB_OK_;
}

/* ---- trees ------------------------------------------------------------------------ */

static BTree *tree_register(BtEnv *e, PageNo meta)
{
    for (size_t i = 0; i < e->ntrees; i++)
        if (e->trees[i]->meta == meta) return e->trees[i];
    BTree *t = xcalloc(1, sizeof *t);
    t->env = e;
    t->meta = meta;
    pthread_rwlock_init(&t->lock, NULL);
    if (e->ntrees == e->captrees) {
        e->captrees = e->captrees ? e->captrees * 2 : 8;
        e->trees = xrealloc(e->trees, e->captrees * sizeof *e->trees);
    }
    e->trees[e->ntrees++] = t;
    return t;
}

BTree *btree_open(BtEnv *e, PageNo meta)
{
    pthread_mutex_lock(&e->mu);
    BTree *t = tree_register(e, meta);
    pthread_mutex_unlock(&e->mu);
    return t;
}

PageNo btree_id(const BTree *t) { return t->meta; }

u64 btree_kept_chain_pages(BTree *t, u64 consumed)
{
    if (consumed) t->kept_chain_pages -= MDB_MIN(consumed, (u64)t->kept_chain_pages);
    return t->kept_chain_pages;
}

int btree_create(BtEnv *e, BTree **out, Err *err)
{
    BufFrame *m, *r;
    pthread_rwlock_rdlock(&e->ckpt_lock);
    Smo s = {.n = 0};
    if (page_alloc(e, &s, &m, err)) goto fail_smo;
    smo_touch(&s, m);
    if (page_alloc(e, &s, &r, err)) goto fail_smo;
    smo_touch(&s, r);
    node_init(m->data, m->pno, BT_PAGE_META, 0);
    meta_of(m->data)->magic = BT_META_MAGIC;
    meta_of(m->data)->root = r->pno;
    node_init(r->data, r->pno, BT_PAGE_LEAF, 0);
    PageNo meta = m->pno;
    if (smo_finish(e, meta, &s, err)) goto fail;
    pthread_rwlock_unlock(&e->ckpt_lock);
    *out = btree_open(e, meta);
    return MDB_OK_;
fail_smo:
    /* nothing changed yet (an allocation only changes the store page once it succeeded) */
    smo_abandon(e, &s);
fail:
    pthread_rwlock_unlock(&e->ckpt_lock);
    return MDB_FAIL;
}

static int read_root(BTree *t, PageNo *root, Err *err)
{
    BufFrame *m;
    if (bufpool_pin(t->env->bp, t->meta, &m, err)) return MDB_FAIL;
    int rc = MDB_OK_;
    if (page_hdr(m->data)->type != BT_PAGE_META || meta_of(m->data)->magic != BT_META_MAGIC)
        rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u is not a B+tree meta page", t->meta);
    else *root = meta_of(m->data)->root;
    bufpool_unpin(t->env->bp, m);
    return rc;
}

/* Descends to the leaf for key; path[0..*depth) = internal pages from the
 * root.  Returns the leaf pinned. */
static int descend(BTree *t, const u8 *k, size_t kl, PageNo *path, int *depth, BufFrame **leaf, Err *err)
{
    PageNo pno = 0;
    if (read_root(t, &pno, err)) return MDB_FAIL;
    *depth = 0;
    for (;;) {
        BufFrame *f;
        if (bufpool_pin(t->env->bp, pno, &f, err)) return MDB_FAIL;
        u8 type = page_hdr(f->data)->type;
        if (type == BT_PAGE_LEAF) {
            *leaf = f;
            return MDB_OK_;
        }
        if (type != BT_PAGE_INTERNAL || *depth >= BT_MAX_DEPTH) {
            bufpool_unpin(t->env->bp, f);
            return err_set(err, SQLSTATE_DATA_CORRUPTED, "B+tree page %u has an unexpected type %u", pno, type);
        }
        path[(*depth)++] = pno;
        PageNo next = node_child_for(f->data, k, kl);
        bufpool_unpin(t->env->bp, f);
        pno = next;
    }
}

/* Splits the node in frame f (touched by s) into f and a new right sibling;
 * the separator goes to *sep, the sibling's page to *right. */
static int split_node(BTree *t, Smo *s, BufFrame *f, ByteBuf *sep, BufFrame **right, const u8 *ak, size_t akl,
                      Err *err)
{
    u8 *p = f->data;
    BtNode *n = nd(p);
    int cnt = n->nslots;
    bool leaf = n->level == 0;
    BufFrame *r;
    if (page_alloc(t->env, s, &r, err)) return MDB_FAIL;
    smo_touch(s, r);
    node_init(r->data, r->pno, leaf ? BT_PAGE_LEAF : BT_PAGE_INTERNAL, n->level);
    size_t total = 0, acc = 0;
    for (int i = 0; i < cnt; i++) total += cell_size(p, i) + 2;
    int m = 0;
    const u8 *k, *v;
    u16 kl, vl;
    sep->len = 0;
    if (ak && leaf) {
        /* an append at the right edge (ak past every key here): the new right leaf starts
         * empty with ak as its separator, this one stays full */
        m = cnt;
        bytebuf_append(sep, ak, akl);
    } else {
        if (ak) m = cnt - 1; /* an internal node on the right edge: only the last child moves */
        else
            while (m < cnt && acc < total / 2) acc += cell_size(p, m++) + 2;
        if (m < 1) m = 1;
        if (m > cnt - 1) m = cnt - 1;
        cell_at(p, m, &k, &kl, &v, &vl);
        bytebuf_append(sep, k, kl);
    }
    int from = m;
    if (!leaf) {
        nd(r->data)->leftmost = rd32(v);
        from = m + 1;
    }
    for (int i = from; i < cnt; i++) {
        cell_at(p, i, &k, &kl, &v, &vl);
        node_insert_at(r->data, i - from, k, kl, v, vl);
    }
    if (m < cnt) { /* the left part is rebuilt (an append split moved nothing: its cells stay) */
        u8 tmp[PAGE_SIZE];
        memcpy(tmp, p, PAGE_SIZE);
        nd(p)->nslots = 0;
        nd(p)->cell_lo = PAGE_SIZE;
        nd(p)->garbage = 0;
        for (int i = 0; i < m; i++) {
            cell_at(tmp, i, &k, &kl, &v, &vl);
            node_insert_at(p, i, k, kl, v, vl);
        }
    }
    if (leaf) {
        nd(r->data)->right = nd(p)->right;
        nd(p)->right = r->pno;
    }
    *right = r;
    return MDB_OK_;
}

/* Splits the leaf that key k belongs to, and its parents as needed, as one
 * logged structure change.  append: k goes past the last key of the rightmost
 * leaf (batch inserts in ascending order), so the split moves nothing right. */
static int split_for(BTree *t, const u8 *k, size_t kl, bool append, Err *err)
{
    BtEnv *e = t->env;
    PageNo path[BT_MAX_DEPTH];
    int depth;
    BufFrame *cur;
    if (descend(t, k, kl, path, &depth, &cur, err)) return MDB_FAIL;
    Smo s = {.n = 0};
    smo_touch(&s, cur);
    ByteBuf sep = {0}, sep2 = {0};
    BufFrame *right;
    const u8 *ak = append ? k : NULL;
    int rc = split_node(t, &s, cur, &sep, &right, ak, kl, err);
    for (int lvl = depth - 1; rc == MDB_OK_; lvl--) {
        u8 child[4];
        wr32(child, right->pno);
        if (lvl < 0) { /* the root split: a new root above it */
            BufFrame *nr, *m;
            if ((rc = page_alloc(e, &s, &nr, err))) break;
            smo_touch(&s, nr);
            node_init(nr->data, nr->pno, BT_PAGE_INTERNAL, (u16)(nd(cur->data)->level + 1));
            nd(nr->data)->leftmost = cur->pno;
            node_insert_at(nr->data, 0, sep.data, sep.len, child, 4);
            if ((rc = bufpool_pin(e->bp, t->meta, &m, err))) break;
            if (smo_has(&s, m)) bufpool_unpin(e->bp, m);
            else smo_touch(&s, m);
            meta_of(m->data)->root = nr->pno;
            break;
        }
        BufFrame *par;
        if ((rc = bufpool_pin(e->bp, path[lvl], &par, err))) break;
        smo_touch(&s, par);
        if (node_insert_at(par->data, node_upper_bound(par->data, sep.data, sep.len), sep.data, sep.len, child, 4))
            break;
        BufFrame *pr;
        if ((rc = split_node(t, &s, par, &sep2, &pr, ak, kl, err))) break; /* on the right edge too when ak is set */
        BufFrame *target = keyenc_cmp(sep.data, sep.len, sep2.data, sep2.len) < 0 ? par : pr;
        node_insert_at(target->data, node_upper_bound(target->data, sep.data, sep.len), sep.data, sep.len, child, 4);
        ByteBuf x = sep;
        sep = sep2;
        sep2 = x;
        cur = par;
        right = pr;
    }
    bytebuf_free(&sep);
    bytebuf_free(&sep2);
    if (rc) {
        /* nothing logged (a page could not be pinned or allocated): the pages the split
         * had changed get their old content back */
        smo_abandon(e, &s);
        return MDB_FAIL;
    }
    return smo_finish(e, t->meta, &s, err);
}

/* Unlinks the leaf that key k leads to when it is empty and not the leftmost leaf: its
 * entry leaves the lowest ancestor with more than one child, the left sibling's right link
 * skips it, and it goes on the free list together with the ancestors below that one (which
 * had it as their only descendant).  A leaf that is not empty but holds less than
 * BT_MERGE_BELOW bytes is merged the same way when its left sibling has room and is the
 * leaf that takes over its key range: its entries move to the end of that sibling.   One logged structure change; the caller holds the
 * tree's write lock, so no cursor or lookup is inside the tree (cursors re-seek by key and
 * never hold a page between calls). */
static int leaf_unlink(BTree *t, const u8 *k, size_t kl, Err *err)
{
    BtEnv *e = t->env;
    if (e->fl_page == PAGE_NONE) return MDB_OK_;
    PageNo path[BT_MAX_DEPTH];
    BufFrame *pf[BT_MAX_DEPTH];
    int idx[BT_MAX_DEPTH];
    int depth, npinned = 0, rc = MDB_OK_;
    BufFrame *leaf = NULL, *ls = NULL;
    Smo s = {.n = 0};
    if (descend(t, k, kl, path, &depth, &leaf, err)) return MDB_FAIL;
    size_t used = 0; /* bytes of cells and slots that move into the left sibling */
    for (int i = 0; i < nd(leaf->data)->nslots; i++) used += cell_size(leaf->data, i) + 2;
    if (depth == 0 || used > BT_MERGE_BELOW) goto out;
    for (int l = 0; l < depth; l++) {
        if ((rc = bufpool_pin(e->bp, path[l], &pf[l], err))) goto out;
        npinned++;
        idx[l] = node_upper_bound(pf[l]->data, k, kl) - 1; /* -1: the leftmost child */
    }
    int top = depth - 1; /* the ancestor that keeps children */
    while (top >= 0 && nd(pf[top]->data)->nslots == 0) top--;
    int anc = depth - 1; /* the lowest ancestor where the path is not the leftmost child */
    while (anc >= 0 && idx[anc] < 0) anc--;
    if (top < 0 || anc < 0) goto out; /* the leftmost leaf stays */
    /* a leaf with entries merges into its left sibling only when that sibling's subtree is
     * the one that takes over its key range (the left neighbour under the same ancestor) */
    if (used && (anc != top || idx[top] < 0)) goto out;
    /* the left sibling: the child left of the path at anc, then rightmost children */
    PageNo p = idx[anc] == 0 ? nd(pf[anc]->data)->leftmost : child_at(pf[anc]->data, idx[anc] - 1);
    for (int l = anc + 1;; l++) {
        BufFrame *f;
        if ((rc = bufpool_pin(e->bp, p, &f, err))) goto out;
        u8 type = page_hdr(f->data)->type;
        if (type == BT_PAGE_LEAF && l == depth) {
            ls = f;
            break;
        }
        if (type != BT_PAGE_INTERNAL || l >= depth) {
            bufpool_unpin(e->bp, f);
            rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "B+tree page %u has an unexpected type %u", p, type);
            goto out;
        }
        const BtNode *n = ndc(f->data);
        PageNo next = n->nslots ? child_at(f->data, n->nslots - 1) : n->leftmost;
        bufpool_unpin(e->bp, f);
        p = next;
    }
    if (nd(ls->data)->right != leaf->pno) {
        rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "B+tree leaf %u is not the right sibling of leaf %u", leaf->pno, ls->pno);
        goto out;
    }
    if (used && node_free(ls->data) < used + PAGE_SIZE / 8) goto out; /* room to spare after the merge */
    /* every page is pinned: latch them (the Smo takes the pins over), then change */
    smo_touch(&s, leaf);
    smo_touch(&s, ls);
    BufFrame *fl = leaf, *fls = ls;
    leaf = ls = NULL;
    for (int l = top; l < depth; l++) smo_touch(&s, pf[l]);
    npinned = top; /* pf[0..top) are still pinned by this function, the rest by the Smo */
    if (!smo_store(e, &s, err)) {
        smo_abandon(e, &s);
        rc = MDB_FAIL;
        goto out_npinned;
    }
    /* the leaf's entries (all above the sibling's keys) go to the end of the sibling */
    for (int i = 0; i < nd(fl->data)->nslots; i++) {
        const u8 *ck, *cv;
        u16 ckl, cvl;
        cell_at(fl->data, i, &ck, &ckl, &cv, &cvl);
        if (!node_insert_at(fls->data, nd(fls->data)->nslots, ck, ckl, cv, cvl)) MDB_FATAL("B+tree merge lost its room");
    }
    nd(fls->data)->right = nd(fl->data)->right;
    u8 *tp = pf[top]->data;
    if (idx[top] >= 0) {
        node_remove_at(tp, idx[top]);
    } else {
        nd(tp)->leftmost = child_at(tp, 0);
        node_remove_at(tp, 0);
    }
    for (int l = top + 1; l < depth; l++) page_free(e, &s, pf[l]);
    page_free(e, &s, fl);
    rc = smo_finish(e, t->meta, &s, err);
    goto out_npinned;
out:
    if (leaf) bufpool_unpin(e->bp, leaf);
    if (ls) bufpool_unpin(e->bp, ls);
out_npinned:
    for (int l = 0; l < npinned; l++) bufpool_unpin(e->bp, pf[l]);
    return rc;
}

static int check_cell(size_t kl, size_t vl, Err *err)
{
    vl = vlen_of((u16)vl);
    if (kl == 0 || kl + vl > BT_MAX_CELL)
        return err_set(err, "54000", "B+tree entry of %zu bytes (key %zu) exceeds the maximum of %d", kl + vl, kl,
                       BT_MAX_CELL);
    return MDB_OK_;
}

/* ---- overflow values (the chains themselves: overflow.c) ------------------------------ */

enum { OP_INSERT, OP_UPDATE, OP_DELETE };

/* The chain a stored value refers to; false when it has none. */
static bool stored_ref(const u8 *v, u16 vl_raw, PageNo *head, size_t *tail)
{
    size_t n = vlen_of(vl_raw);
    if (!(vl_raw & BT_VAL_OVERFLOW) || n < OVF_REF_SIZE) return false;
    *head = rd32(v + n - OVF_REF_SIZE);
    *tail = rd32(v + n - 4);
    return true;
}

/* Appends the whole value of a stored one (prefix + chain) to out. */
static int value_resolve(BtEnv *e, const u8 *v, u16 vl_raw, ByteBuf *out, Err *err)
{
    size_t n = vlen_of(vl_raw);
    PageNo head;
    size_t tail;
    if (!(vl_raw & BT_VAL_OVERFLOW)) {
        bytebuf_append(out, v, n);
        return MDB_OK_;
    }
    if (!stored_ref(v, vl_raw, &head, &tail))
        return err_set(err, SQLSTATE_DATA_CORRUPTED, "B+tree cell with a malformed overflow reference");
    bytebuf_append(out, v, n - OVF_REF_SIZE);
    return ovf_read(e, head, tail, out, err);
}

/* For an insert or update of a value too long for a cell (caller holds the
 * tree's write lock): checks the key as leaf_op would (a duplicate for an
 * insert, a missing key for an update: *stop), then builds the stored form
 * in *stored: the prefix and a reference to a new chain, or, for an update
 * whose tail equals the old value's chain (a change of the MVCC stamps in the
 * prefix), to that chain again. */
static int ovf_prepare(BTree *t, LogCtx *lc, int op, const u8 *k, size_t kl, const u8 *v, size_t vl, ByteBuf *stored,
                       bool *found, bool *stop, Err *err)
{
    BtEnv *e = t->env;
    *stop = false;
    if (vl > BT_MAX_VALUE)
        return err_set(err, "54000", "B+tree value of %zu bytes exceeds the maximum of %zu", vl, BT_MAX_VALUE);
    if (kl + OVF_REF_SIZE + 16 > BT_MAX_CELL)
        return err_set(err, "54000", "B+tree key of %zu bytes leaves no room for a value of %zu bytes", kl, vl);
    size_t inl = OVF_INLINE;
    if (kl + inl + OVF_REF_SIZE > BT_MAX_CELL) inl = BT_MAX_CELL - kl - OVF_REF_SIZE;
    PageNo path[BT_MAX_DEPTH], head = PAGE_NONE;
    int depth;
    BufFrame *f;
    if (descend(t, k, kl, path, &depth, &f, err)) return MDB_FAIL;
    bool eq;
    int pos = node_lower_bound(f->data, k, kl, &eq);
    if (found) *found = eq;
    int rc = MDB_OK_;
    if (op == OP_INSERT && eq) {
        *stop = true;
        rc = err_set(err, SQLSTATE_UNIQUE_VIOLATION, "duplicate key value in B+tree %u", t->meta);
    } else if (op != OP_INSERT && !eq) {
        *stop = true;
    } else if (eq) {
        const u8 *ok, *ov;
        u16 okl, ovl;
        size_t otail;
        PageNo ohead;
        cell_at(f->data, pos, &ok, &okl, &ov, &ovl);
        bool same = false;
        if (stored_ref(ov, ovl, &ohead, &otail) && vlen_of(ovl) == inl + OVF_REF_SIZE)
            rc = ovf_equal(e, ohead, otail, v + inl, vl - inl, &same, err);
        if (same) head = ohead;
    }
    bufpool_unpin(e->bp, f);
    if (rc || *stop) return rc;
    if (head == PAGE_NONE && ovf_write(e, lc->xid, lc->last_lsn, lc->first_lsn, v + inl, vl - inl, &head, err))
        return MDB_FAIL;
    stored->len = 0;
    bytebuf_append(stored, v, inl);
    u8 ref[OVF_REF_SIZE];
    wr32(ref, head);
    wr32(ref + 4, (u32)(vl - inl));
    bytebuf_append(stored, ref, OVF_REF_SIZE);
    return MDB_OK_;
}

/* The chain of a cell that a delete or a replacement removed: freed at once
 * outside a transaction, at commit inside one (its undo may bring the cell
 * back), never by undo (the chain's own write record is undone later). */
static int ovf_release(BtEnv *e, LogCtx *lc, PageNo head, Err *err)
{
    if (lc->clr) return MDB_OK_;
    if (!lc->txn) return ovf_free_chain(e, head, err);
    BtTxn *x = lc->txn;
    if (x->novf_pending == x->capovf_pending) {
        x->capovf_pending = x->capovf_pending ? x->capovf_pending * 2 : 8;
        x->ovf_pending = xrealloc(x->ovf_pending, x->capovf_pending * sizeof *x->ovf_pending);
    }
    x->ovf_pending[x->novf_pending++] = head;
    return MDB_OK_;
}

/* The three leaf operations, shared by the API and by logical undo.  v/vl is
 * a whole value (logical) or, for undo, a stored one whose vl may carry
 * BT_VAL_OVERFLOW. */

static int leaf_op(BTree *t, LogCtx *lc, int op, const u8 *k, size_t kl, const u8 *v, size_t vl, bool logical,
                   bool *found, Err *err)
{
    BtEnv *e = t->env;
    bool big = logical && op != OP_DELETE && kl <= BT_MAX_CELL && kl + vl > BT_MAX_CELL;
    if (op != OP_DELETE && !big && check_cell(kl, vl, err)) return MDB_FAIL;
    if (kl == 0 || kl > BT_MAX_CELL) return check_cell(kl, 0, err);
    pthread_rwlock_rdlock(&e->ckpt_lock);
    pthread_rwlock_wrlock(&t->lock);
    int rc = MDB_OK_;
    bool underfull = false;
    ByteBuf body = {0}, stored = {0};
    if (big) {
        bool stop;
        rc = ovf_prepare(t, lc, op, k, kl, v, vl, &stored, found, &stop, err);
        if (rc || stop) goto out;
        v = stored.data;
        vl = stored.len | BT_VAL_OVERFLOW;
    }
    for (int attempt = 0;; attempt++) {
        PageNo path[BT_MAX_DEPTH];
        int depth;
        BufFrame *f;
        if ((rc = descend(t, k, kl, path, &depth, &f, err))) break;
        bool eq;
        int pos = node_lower_bound(f->data, k, kl, &eq);
        if (found) *found = eq;
        if (op == OP_INSERT && eq) {
            bufpool_unpin(e->bp, f);
            rc = err_set(err, SQLSTATE_UNIQUE_VIOLATION, "duplicate key value in B+tree %u", t->meta);
            break;
        }
        if (op != OP_INSERT && !eq) {
            bufpool_unpin(e->bp, f);
            break;
        }
        const u8 *ok = NULL, *ov = NULL;
        u16 okl = 0, ovl = 0;
        if (eq) cell_at(f->data, pos, &ok, &okl, &ov, &ovl);
        size_t avail = node_free(f->data) + (op == OP_UPDATE ? 4u + okl + vlen_of(ovl) + 2 : 0);
        if (op != OP_DELETE && avail < 4 + kl + vlen_of((u16)vl) + 2) {
            bufpool_unpin(e->bp, f);
            if (attempt > 4) {
                rc = err_set(err, SQLSTATE_INTERNAL_ERROR, "B+tree split did not make room");
                break;
            }
            if ((rc = split_for(t, k, kl, false, err))) break;
            continue;
        }
        /* the chain the old value refers to, unless the new one keeps it */
        PageNo released = PAGE_NONE, nhead = PAGE_NONE;
        size_t tail;
        if (eq && stored_ref(ov, ovl, &released, &tail) && op == OP_UPDATE && stored_ref(v, (u16)vl, &nhead, &tail) &&
            nhead == released) {
            released = PAGE_NONE;
            if (!lc->clr) t->kept_chain_pages += (tail + OVF_PAGE_DATA - 1) / OVF_PAGE_DATA;
        }
        u8 type;
        if (op == OP_INSERT) {
            type = WAL_BT_INSERT;
            body_kv(&body, t->meta, f->pno, k, kl, v, vl);
        } else if (op == OP_DELETE) {
            type = WAL_BT_DELETE;
            /* a compensation record is never undone: it needs no old value (the undo of a
             * large load deletes every row it inserted) */
            if (lc->clr) body_kv(&body, t->meta, f->pno, k, kl, (const u8 *)"", 0);
            else body_kv(&body, t->meta, f->pno, k, kl, ov, ovl);
        } else {
            type = WAL_BT_UPDATE;
            body.len = 0;
            u8 head[16] = {0};
            wr32(head, t->meta);
            wr32(head + 4, f->pno);
            wr16(head + 8, (u16)kl);
            wr16(head + 10, ovl);
            wr16(head + 12, (u16)vl);
            bytebuf_append(&body, head, 16);
            bytebuf_append(&body, k, kl);
            bytebuf_append(&body, ov, vlen_of(ovl));
            bytebuf_append(&body, v, vlen_of((u16)vl));
        }
        bufpool_latch(f);
        Lsn end;
        rc = log_leaf_change(e, lc, type, f, body.data, body.len, &end, err);
        if (rc == MDB_OK_) {
            if (op != OP_INSERT) node_remove_at(f->data, pos);
            if (op != OP_DELETE && !node_insert_at(f->data, pos, k, kl, v, vl)) MDB_FATAL("B+tree leaf lost its room");
            bufpool_mark_dirty(f, end);
            underfull = op == OP_DELETE && e->fl_page != PAGE_NONE &&
                      PAGE_SIZE - nd(f->data)->cell_lo - nd(f->data)->garbage + 2u * nd(f->data)->nslots <= BT_MERGE_BELOW;
        }
        bufpool_unlatch(f);
        bufpool_unpin(e->bp, f);
        if (rc == MDB_OK_ && released != PAGE_NONE) rc = ovf_release(e, lc, released, err);
        break;
    }
out:
    if (underfull) {
        /* the delete is done and logged; a failure to unlink only leaves the empty leaf */
        Err er = {0};
        leaf_unlink(t, k, kl, &er);
        err_clear(&er);
    }
    bytebuf_free(&body);
    bytebuf_free(&stored);
    pthread_rwlock_unlock(&t->lock);
    pthread_rwlock_unlock(&e->ckpt_lock);
    return rc;
}

int btree_insert(BTree *t, BtTxn *txn, const u8 *key, size_t klen, const u8 *val, size_t vlen, Err *err)
{
    LogCtx lc = logctx_of(txn);
    return leaf_op(t, &lc, OP_INSERT, key, klen, val, vlen, true, NULL, err);
}

int btree_update(BTree *t, BtTxn *txn, const u8 *key, size_t klen, const u8 *val, size_t vlen, bool *found,
                 Err *err)
{
    LogCtx lc = logctx_of(txn);
    bool f;
    return leaf_op(t, &lc, OP_UPDATE, key, klen, val, vlen, true, found ? found : &f, err);
}

int btree_delete(BTree *t, BtTxn *txn, const u8 *key, size_t klen, bool *found, Err *err)
{
    LogCtx lc = logctx_of(txn);
    bool f;
    return leaf_op(t, &lc, OP_DELETE, key, klen, NULL, 0, true, found ? found : &f, err);
}

int btree_get(BTree *t, const u8 *key, size_t klen, ByteBuf *val, bool *found, Err *err)
{
    *found = false;
    val->len = 0;
    if (klen == 0 || klen > BT_MAX_CELL) return MDB_OK_;
    pthread_rwlock_rdlock(&t->lock);
    PageNo path[BT_MAX_DEPTH];
    int depth;
    BufFrame *f;
    int rc = descend(t, key, klen, path, &depth, &f, err);
    if (rc == MDB_OK_) {
        bool eq;
        int pos = node_lower_bound(f->data, key, klen, &eq);
        if (eq) {
            const u8 *k, *v;
            u16 kl, vl;
            cell_at(f->data, pos, &k, &kl, &v, &vl);
            rc = value_resolve(t->env, v, vl, val, err);
            *found = rc == MDB_OK_;
        }
        bufpool_unpin(t->env->bp, f);
    }
    pthread_rwlock_unlock(&t->lock);
    return rc;
}

/* ---- bulk paths: commit stamping and sorted batch inserts ------------------------------ */

int btree_stamp_range(BTree *t, BtTxn *txn, const u8 *lo, size_t lolen, const u8 *hi, size_t hilen, size_t off,
                      u64 from, u64 to, u64 *changed, Err *err)
{
    BtEnv *e = t->env;
    LogCtx lc = logctx_of(txn);
    ByteBuf seek = {0}, body = {0};
    bytebuf_append(&seek, lo, lolen);
    bool excl = false, done = false;
    u16 slots[PAGE_SIZE / 4];
    int rc = MDB_OK_;
    if (changed) *changed = 0;
    /* one leaf per round under the locks, so that readers and checkpoints get in between */
    while (!done && rc == MDB_OK_) {
        pthread_rwlock_rdlock(&e->ckpt_lock);
        pthread_rwlock_wrlock(&t->lock);
        PageNo path[BT_MAX_DEPTH];
        int depth;
        BufFrame *f;
        rc = descend(t, seek.data, seek.len, path, &depth, &f, err);
        bool eq;
        int pos = rc ? 0 : node_lower_bound(f->data, seek.data, seek.len, &eq);
        if (!rc && eq && excl) pos++;
        while (rc == MDB_OK_) {
            int n = nd(f->data)->nslots, ns = 0, pos0 = pos;
            for (; pos < n; pos++) {
                const u8 *k, *v;
                u16 kl, vl;
                cell_at(f->data, pos, &k, &kl, &v, &vl);
                if (keyenc_cmp(k, kl, hi, hilen) > 0) {
                    done = true;
                    break;
                }
                if (vlen_of(vl) >= off + 8 && memcmp(v + off, &from, 8) == 0) slots[ns++] = (u16)pos;
            }
            if (ns) {
                body.len = 0;
                u8 head[20];
                wr32(head, t->meta);
                wr32(head + 4, f->pno);
                wr16(head + 8, (u16)off);
                wr16(head + 10, (u16)ns);
                memcpy(head + 12, &to, 8);
                bytebuf_append(&body, head, 20);
                bytebuf_append(&body, slots, 2u * (size_t)ns);
                bufpool_latch(f);
                Lsn end;
                rc = log_leaf_change(e, &lc, WAL_BT_STAMP, f, body.data, body.len, &end, err);
                if (rc == MDB_OK_) {
                    for (int i = 0; i < ns; i++) {
                        const u8 *k, *v;
                        u16 kl, vl;
                        cell_at(f->data, slots[i], &k, &kl, &v, &vl);
                        memcpy((u8 *)v + off, &to, 8);
                    }
                    bufpool_mark_dirty(f, end);
                    if (changed) *changed += (u64)ns;
                }
                bufpool_unlatch(f);
            }
            PageNo next = nd(f->data)->right;
            if (!done && next == PAGE_NONE) done = true;
            if (done || rc || pos0 < n) {
                if (!done && !rc) { /* the next round re-seeks after this leaf's last key */
                    const u8 *k, *v;
                    u16 kl, vl;
                    cell_at(f->data, n - 1, &k, &kl, &v, &vl);
                    seek.len = 0;
                    bytebuf_append(&seek, k, kl);
                    excl = true;
                }
                bufpool_unpin(e->bp, f);
                break;
            }
            /* nothing (left) in this leaf: on to its right sibling under the same locks */
            bufpool_unpin(e->bp, f);
            rc = bufpool_pin(e->bp, next, &f, err);
            pos = 0;
        }
        pthread_rwlock_unlock(&t->lock);
        pthread_rwlock_unlock(&e->ckpt_lock);
    }
    bytebuf_free(&seek);
    bytebuf_free(&body);
    return rc;
}

/* Like descend, and ub and has_ub: the smallest separator above the leaf's key range (the
 * keys of the leaf are below it); none on the right edge. */
static int descend_bounded(BTree *t, const u8 *k, size_t kl, PageNo *path, int *depth, BufFrame **leaf, ByteBuf *ub,
                           bool *has_ub, Err *err)
{
    PageNo pno = 0;
    *has_ub = false;
    if (read_root(t, &pno, err)) return MDB_FAIL;
    *depth = 0;
    for (;;) {
        BufFrame *f;
        if (bufpool_pin(t->env->bp, pno, &f, err)) return MDB_FAIL;
        u8 type = page_hdr(f->data)->type;
        if (type == BT_PAGE_LEAF) {
            *leaf = f;
            return MDB_OK_;
        }
        if (type != BT_PAGE_INTERNAL || *depth >= BT_MAX_DEPTH) {
            bufpool_unpin(t->env->bp, f);
            return err_set(err, SQLSTATE_DATA_CORRUPTED, "B+tree page %u has an unexpected type %u", pno, type);
        }
        path[(*depth)++] = pno;
        int i = node_upper_bound(f->data, k, kl);
        if (i < nd(f->data)->nslots) { /* deeper levels give tighter bounds */
            const u8 *sk, *sv;
            u16 skl, svl;
            cell_at(f->data, i, &sk, &skl, &sv, &svl);
            ub->len = 0;
            bytebuf_append(ub, sk, skl);
            *has_ub = true;
        }
        PageNo next = i == 0 ? nd(f->data)->leftmost : child_at(f->data, i - 1);
        bufpool_unpin(t->env->bp, f);
        pno = next;
    }
}

int btree_insert_sorted(BTree *t, BtTxn *txn, size_t n, const u8 *const *keys, const u16 *klens,
                        const u8 *const *vals, const u16 *vlens, Err *err)
{
    BtEnv *e = t->env;
    LogCtx lc = logctx_of(txn);
    for (size_t i = 0; i < n; i++) {
        if (check_cell(klens[i], vlens[i], err)) return MDB_FAIL;
        if (i && keyenc_cmp(keys[i - 1], klens[i - 1], keys[i], klens[i]) >= 0)
            return err_set(err, SQLSTATE_INTERNAL_ERROR, "batch insert keys are not ascending");
    }
    ByteBuf ub = {0}, body = {0};
    int rc = MDB_OK_, attempts = 0;
    pthread_rwlock_rdlock(&e->ckpt_lock);
    pthread_rwlock_wrlock(&t->lock);
    for (size_t i = 0; i < n && rc == MDB_OK_;) {
        PageNo path[BT_MAX_DEPTH];
        int depth;
        BufFrame *f = NULL;
        bool has_ub, eq;
        if ((rc = descend_bounded(t, keys[i], klens[i], path, &depth, &f, &ub, &has_ub, err))) break;
        u8 *p = f->data;
        int pos = node_lower_bound(p, keys[i], klens[i], &eq);
        bool dup = false;
        /* the entries that belong to this leaf and fit */
        size_t j = i, room = node_free(p);
        while (j < n) {
            if (has_ub && keyenc_cmp(keys[j], klens[j], ub.data, ub.len) >= 0) break;
            size_t need = 4u + klens[j] + vlens[j] + 2;
            if (need > room) break;
            bool there = eq;
            if (j > i) node_lower_bound(p, keys[j], klens[j], &there);
            if (there) {
                dup = true;
                break;
            }
            room -= need;
            j++;
        }
        if (j == i && !dup) {
            /* the first entry does not fit: split (packed when appending at the right edge) */
            bool append = pos == nd(p)->nslots && nd(p)->right == PAGE_NONE;
            bufpool_unpin(e->bp, f);
            if (++attempts > 4) {
                rc = err_set(err, SQLSTATE_INTERNAL_ERROR, "B+tree split did not make room");
                break;
            }
            rc = split_for(t, keys[i], klens[i], append, err);
            continue;
        }
        attempts = 0;
        if (j > i) {
            body.len = 0;
            u8 head[10];
            wr32(head, t->meta);
            wr32(head + 4, f->pno);
            wr16(head + 8, (u16)(j - i));
            bytebuf_append(&body, head, 10);
            for (size_t x = i; x < j; x++) {
                u8 kv[4];
                wr16(kv, klens[x]);
                wr16(kv + 2, vlens[x]);
                bytebuf_append(&body, kv, 4);
                bytebuf_append(&body, keys[x], klens[x]);
                bytebuf_append(&body, vals[x], vlens[x]);
            }
            bufpool_latch(f);
            Lsn end;
            rc = log_leaf_change(e, &lc, WAL_BT_INSERT_MULTI, f, body.data, body.len, &end, err);
            if (rc == MDB_OK_) {
                for (size_t x = i; x < j; x++) {
                    int q = node_lower_bound(p, keys[x], klens[x], &eq);
                    if (!node_insert_at(p, q, keys[x], klens[x], vals[x], vlens[x])) MDB_FATAL("B+tree leaf lost its room");
                }
                bufpool_mark_dirty(f, end);
            }
            bufpool_unlatch(f);
        }
        bufpool_unpin(e->bp, f);
        i = j;
        if (dup && rc == MDB_OK_) rc = err_set(err, SQLSTATE_UNIQUE_VIOLATION, "duplicate key value in B+tree %u", t->meta);
    }
    pthread_rwlock_unlock(&t->lock);
    pthread_rwlock_unlock(&e->ckpt_lock);
    bytebuf_free(&ub);
    bytebuf_free(&body);
    return rc;
}

int btree_last_key(BTree *t, ByteBuf *key, bool *found, bool *empty, Err *err)
{
    key->len = 0;
    *found = false;
    *empty = false;
    pthread_rwlock_rdlock(&t->lock);
    PageNo pno = 0;
    int rc = read_root(t, &pno, err);
    for (int depth = 0; rc == MDB_OK_; depth++) {
        BufFrame *f;
        if ((rc = bufpool_pin(t->env->bp, pno, &f, err))) break;
        u8 type = page_hdr(f->data)->type;
        int ns = nd(f->data)->nslots;
        if (type == BT_PAGE_LEAF && ns > 0) {
            const u8 *k, *v;
            u16 kl, vl;
            cell_at(f->data, ns - 1, &k, &kl, &v, &vl);
            bytebuf_append(key, k, kl);
            *found = true;
        } else if (type == BT_PAGE_LEAF && depth == 0) {
            *empty = true; /* the root is an empty leaf */
        }
        PageNo next = type == BT_PAGE_INTERNAL ? (ns ? child_at(f->data, ns - 1) : nd(f->data)->leftmost) : PAGE_NONE;
        bufpool_unpin(t->env->bp, f);
        if (type == BT_PAGE_LEAF) break;
        if (type != BT_PAGE_INTERNAL || depth >= BT_MAX_DEPTH) {
            rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "B+tree page %u has an unexpected type %u", pno, type);
            break;
        }
        pno = next;
    }
    pthread_rwlock_unlock(&t->lock);
    return rc;
}

/* ---- cursors ------------------------------------------------------------------------ */

void btree_cursor_open(BtCursor *c, BTree *t, const u8 *lo, size_t lolen, bool lo_incl, const u8 *hi, size_t hilen,
                       bool hi_incl)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    if (lo) {
        c->has_lo = true;
        c->lo_incl = lo_incl;
        bytebuf_append(&c->lo, lo, lolen);
    }
    if (hi) {
        c->has_hi = true;
        c->hi_incl = hi_incl;
        bytebuf_append(&c->hi, hi, hilen);
    }
}

/* Copies the next entries (after c->last, or from lo) of one leaf into c->batch. */
static int cursor_fill(BtCursor *c, Err *err)
{
    BTree *t = c->t;
    c->batch.len = 0;
    c->pos = 0;
    const u8 *seek = c->started ? c->last.data : c->has_lo ? c->lo.data : (const u8 *)"";
    size_t seeklen = c->started ? c->last.len : c->has_lo ? c->lo.len : 0;
    bool excl = c->started ? true : c->has_lo ? !c->lo_incl : false;
    pthread_rwlock_rdlock(&t->lock);
    PageNo path[BT_MAX_DEPTH];
    int depth;
    BufFrame *f;
    int rc = descend(t, seek, seeklen, path, &depth, &f, err);
    if (rc) {
        pthread_rwlock_unlock(&t->lock);
        return rc;
    }
    bool eq;
    int pos = node_lower_bound(f->data, seek, seeklen, &eq);
    if (eq && excl) pos++;
    for (;;) {
        int n = nd(f->data)->nslots;
        for (; pos < n; pos++) {
            const u8 *k, *v;
            u16 kl, vl;
            cell_at(f->data, pos, &k, &kl, &v, &vl);
            if (c->has_hi) {
                int cmp = keyenc_cmp(k, kl, c->hi.data, c->hi.len);
                if (cmp > 0 || (cmp == 0 && !c->hi_incl)) {
                    c->done = true;
                    break;
                }
            }
            /* entry: u16 klen, u32 vlen, key, whole value */
            u8 head[6];
            size_t at = c->batch.len;
            wr16(head, kl);
            bytebuf_append(&c->batch, head, 6);
            bytebuf_append(&c->batch, k, kl);
            if (c->prefix_only && (vl & BT_VAL_OVERFLOW) && vlen_of(vl) >= OVF_REF_SIZE)
                bytebuf_append(&c->batch, v, vlen_of(vl) - OVF_REF_SIZE);
            else if ((rc = value_resolve(t->env, v, vl, &c->batch, err)))
                break;
            wr32(c->batch.data + at + 2, (u32)(c->batch.len - at - 6 - kl));
        }
        PageNo next = nd(f->data)->right;
        bufpool_unpin(t->env->bp, f);
        if (rc) break;
        if (c->done || c->batch.len || next == PAGE_NONE) {
            if (!c->batch.len) c->done = true;
            break;
        }
        /* an empty leaf (everything deleted): move right */
        if ((rc = bufpool_pin(t->env->bp, next, &f, err))) break;
        pos = 0;
    }
    pthread_rwlock_unlock(&t->lock);
    c->started = true;
    return rc;
}

int btree_cursor_next(BtCursor *c, const u8 **key, size_t *klen, const u8 **val, size_t *vlen, Err *err)
{
    if (c->pos >= c->batch.len) {
        if (c->done && c->started) return 0;
        if (c->batch.len) {
            /* resume after the last key of this batch */
            const u8 *e = c->batch.data + c->last_entry;
            c->last.len = 0;
            bytebuf_append(&c->last, e + 6, rd16(e));
        }
        if (cursor_fill(c, err)) return -1;
        if (c->pos >= c->batch.len) return 0;
    }
    const u8 *e = c->batch.data + c->pos;
    size_t kl = rd16(e), vl = rd32(e + 2);
    *key = e + 6;
    *klen = kl;
    *val = e + 6 + kl;
    *vlen = vl;
    c->last_entry = c->pos;
    c->pos += 6u + kl + vl;
    return 1;
}

void btree_cursor_close(BtCursor *c)
{
    bytebuf_free(&c->lo);
    bytebuf_free(&c->hi);
    bytebuf_free(&c->last);
    bytebuf_free(&c->batch);
}

/* ---- redo ------------------------------------------------------------------------------ */

/* Pins a page for redo; a damaged page is an error unless the record brings
 * a whole image (allow_damaged). */
static int redo_pin(BtEnv *e, PageNo pno, bool allow_damaged, BufFrame **f, bool *damaged, Err *err)
{
    if (bufpool_pin_for_redo(e->bp, pno, f, damaged, err)) return MDB_FAIL;
    if (*damaged && !allow_damaged) {
        bufpool_unpin(e->bp, *f);
        return err_set(err, SQLSTATE_DATA_CORRUPTED,
                       "page %u is damaged and the write-ahead log has no full-page image to repair it", pno);
    }
    return MDB_OK_;
}

/* An image replaces the page whole, so the page is not read: a page not in
 * the pool gets the image unconditionally (its stored version, however new or
 * torn, is rebuilt by this image and the records after it, which redo
 * replays too: every change of a page is logged).  That spares recovery one
 * random read per image, which dominate the log after a checkpoint. */
static int redo_image(BtEnv *e, PageNo pno, const u8 *img, Lsn end, Err *err)
{
    BufFrame *f;
    if (bufpool_pin_for_overwrite(e->bp, pno, &f, err)) return MDB_FAIL;
    bufpool_latch(f);
    if (page_lsn(f->data) < end) {
        memcpy(f->data, img, PAGE_SIZE);
        bufpool_mark_dirty(f, end);
    }
    bufpool_unlatch(f);
    bufpool_unpin(e->bp, f);
    return MDB_OK_;
}

static int redo_corrupt(Err *err, const WalRecHdr *rec, const char *what)
{
    return err_set(err, SQLSTATE_DATA_CORRUPTED, "cannot replay write-ahead log record at %llu: %s",
                   (unsigned long long)rec->lsn, what);
}

static int redo_delta(BtEnv *e, const WalRecHdr *rec, const u8 **p, size_t *n, Lsn end, Err *err)
{
    PageNo pno = rd32(*p);
    size_t runs = rd16(*p + 6);
    const u8 *q = *p + 8;
    size_t left = *n - 8;
    /* parse first: a malformed entry changes nothing */
    const u8 *r = q;
    size_t rl = left;
    for (size_t i = 0; i < runs; i++) {
        if (rl < 4 || rd16(r) + (size_t)rd16(r + 2) > PAGE_SIZE || rd16(r) < 16 || rl < 4u + rd16(r + 2))
            return redo_corrupt(err, rec, "bad page delta");
        rl -= 4u + rd16(r + 2);
        r += 4u + rd16(r + 2);
    }
    BufFrame *f;
    bool damaged;
    if (redo_pin(e, pno, false, &f, &damaged, err)) return MDB_FAIL;
    bufpool_latch(f);
    if (page_lsn(f->data) < end) {
        for (size_t i = 0; i < runs; i++) {
            memcpy(f->data + rd16(q), q + 4, rd16(q + 2));
            q += 4u + rd16(q + 2);
        }
        bufpool_mark_dirty(f, end);
    }
    bufpool_unlatch(f);
    bufpool_unpin(e->bp, f);
    *p = r;
    *n = rl;
    return MDB_OK_;
}

int btree_redo(BtEnv *e, const WalRecHdr *rec, Err *err)
{
    const u8 *p = wal_payload(rec);
    size_t n = wal_payload_len(rec);
    Lsn end = rec->lsn + rec->len;
    switch (rec->type) {
    case WAL_REC_FPI:
    case WAL_BT_SMO: {
        u32 cnt = 1;
        if (rec->type == WAL_BT_SMO) {
            if (n < 8) return redo_corrupt(err, rec, "bad split record");
            cnt = rd32(p + 4);
            p += 8;
            n -= 8;
        }
        u8 page[PAGE_SIZE];
        for (u32 i = 0; i < cnt; i++) {
            PageNo pno;
            if (rec->type == WAL_BT_SMO && n >= 8 && rd16(p + 4) == SMO_DELTA) {
                if (redo_delta(e, rec, &p, &n, end, err)) return MDB_FAIL;
                continue;
            }
            if (!image_read(&p, &n, &pno, page)) return redo_corrupt(err, rec, "bad page image");
            if (redo_image(e, pno, page, end, err)) return MDB_FAIL;
        }
        if (n) return redo_corrupt(err, rec, "bad page image");
        return MDB_OK_;
    }
    case WAL_BT_INSERT:
    case WAL_BT_DELETE:
    case WAL_BT_UPDATE: {
        size_t head = rec->type == WAL_BT_UPDATE ? 16 : 12;
        if (n < head) return redo_corrupt(err, rec, "short record");
        PageNo pno = rd32(p + 4);
        /* r1, r2: the stored lengths with their overflow flag, which the cells keep */
        size_t kl = rd16(p + 8), r1 = rd16(p + 10), r2 = rec->type == WAL_BT_UPDATE ? rd16(p + 12) : 0;
        size_t v1 = vlen_of((u16)r1), v2 = vlen_of((u16)r2);
        if (n != head + kl + v1 + v2) return redo_corrupt(err, rec, "bad record length");
        const u8 *k = p + head, *v = k + kl;
        BufFrame *f;
        bool damaged;
        if (redo_pin(e, pno, false, &f, &damaged, err)) return MDB_FAIL;
        int rc = MDB_OK_;
        bufpool_latch(f);
        if (page_lsn(f->data) < end) {
            if (page_hdr(f->data)->type != BT_PAGE_LEAF) rc = redo_corrupt(err, rec, "target is not a leaf page");
            else {
                bool eq;
                int pos = node_lower_bound(f->data, k, kl, &eq);
                if (rec->type == WAL_BT_INSERT) {
                    if (eq || !node_insert_at(f->data, pos, k, kl, v, r1)) rc = redo_corrupt(err, rec, "insert does not fit");
                } else if (!eq) {
                    rc = redo_corrupt(err, rec, "key not found");
                } else {
                    node_remove_at(f->data, pos);
                    if (rec->type == WAL_BT_UPDATE && !node_insert_at(f->data, pos, k, kl, v + v1, r2))
                        rc = redo_corrupt(err, rec, "update does not fit");
                }
                if (rc == MDB_OK_) bufpool_mark_dirty(f, end);
            }
        }
        bufpool_unlatch(f);
        bufpool_unpin(e->bp, f);
        return rc;
    }
    case WAL_BT_STAMP:
    case WAL_BT_INSERT_MULTI: {
        size_t head = rec->type == WAL_BT_STAMP ? 20 : 10;
        if (n < head) return redo_corrupt(err, rec, "short record");
        PageNo pno = rd32(p + 4);
        size_t cnt = rd16(p + (rec->type == WAL_BT_STAMP ? 10 : 8));
        if (rec->type == WAL_BT_STAMP && n != head + 2 * cnt) return redo_corrupt(err, rec, "bad record length");
        BufFrame *f;
        bool damaged;
        if (redo_pin(e, pno, false, &f, &damaged, err)) return MDB_FAIL;
        int rc = MDB_OK_;
        bufpool_latch(f);
        if (page_lsn(f->data) < end) {
            if (page_hdr(f->data)->type != BT_PAGE_LEAF) rc = redo_corrupt(err, rec, "target is not a leaf page");
            const u8 *q = p + head;
            size_t left = n - head;
            for (size_t i = 0; i < cnt && rc == MDB_OK_; i++) {
                if (rec->type == WAL_BT_STAMP) {
                    size_t off = rd16(p + 8), sl = rd16(q + 2 * i);
                    const u8 *k, *v;
                    u16 kl, vl;
                    if (sl >= nd(f->data)->nslots) {
                        rc = redo_corrupt(err, rec, "stamp of a missing slot");
                        break;
                    }
                    cell_at(f->data, (int)sl, &k, &kl, &v, &vl);
                    if (vlen_of(vl) < off + 8) rc = redo_corrupt(err, rec, "stamp past a value");
                    else memcpy((u8 *)v + off, p + 12, 8);
                    continue;
                }
                if (left < 4) { rc = redo_corrupt(err, rec, "bad record length"); break; }
                size_t kl = rd16(q), vl = rd16(q + 2);
                if (left < 4 + kl + vl || (vl & BT_VAL_OVERFLOW)) { rc = redo_corrupt(err, rec, "bad record length"); break; }
                bool eq;
                int pos = node_lower_bound(f->data, q + 4, kl, &eq);
                if (eq || !node_insert_at(f->data, pos, q + 4, kl, q + 4 + kl, vl)) rc = redo_corrupt(err, rec, "insert does not fit");
                q += 4 + kl + vl;
                left -= 4 + kl + vl;
            }
            if (rc == MDB_OK_ && rec->type == WAL_BT_INSERT_MULTI && left) rc = redo_corrupt(err, rec, "bad record length");
            if (rc == MDB_OK_) bufpool_mark_dirty(f, end);
        }
        bufpool_unlatch(f);
        bufpool_unpin(e->bp, f);
        return rc;
    }
    case WAL_BT_OVF_WRITE:
    case WAL_BT_OVF_FREE: return ovf_redo(e, rec, err);
    case WAL_BT_FREELIST: return freelist_redo(e, rec, err);
    default: return MDB_OK_;
    }
}

/* ---- undo ------------------------------------------------------------------------------- */

/* Applies the logical inverse of one change record, logged as a CLR of xid
 * whose chain pointer is the record's predecessor. */
static int undo_one(BtEnv *e, u64 xid, Lsn *last_lsn, const WalRecHdr *rec, Err *err)
{
    const u8 *p = wal_payload(rec);
    size_t n = wal_payload_len(rec);
    size_t head = rec->type == WAL_BT_UPDATE ? 16 : 12;
    if (n < head) return redo_corrupt(err, rec, "short record");
    BTree *t = btree_open(e, rd32(p));
    size_t kl = rd16(p + 8), v1 = rd16(p + 10);
    const u8 *k = p + head, *v = k + kl;
    LogCtx lc = {NULL, xid, last_lsn, NULL, true, rec->prev_lsn};
    bool found = true;
    int rc;
    if (rec->type == WAL_BT_INSERT) rc = leaf_op(t, &lc, OP_DELETE, k, kl, NULL, 0, false, &found, err);
    else if (rec->type == WAL_BT_DELETE) rc = leaf_op(t, &lc, OP_INSERT, k, kl, v, v1, false, NULL, err);
    else rc = leaf_op(t, &lc, OP_UPDATE, k, kl, v, v1, false, &found, err);
    if (rc == MDB_OK_ && !found)
        rc = err_set(err, SQLSTATE_INTERNAL_ERROR, "undo of transaction %llu: key of record %llu not found",
                     (unsigned long long)xid, (unsigned long long)rec->lsn);
    return rc;
}

/* Undo of a batch insert: each of its keys deleted, last first.  Every CLR but the one of
 * the record's first key names the record itself as the next to undo, so an undo that a
 * crash interrupted undoes the record again (keys already gone are skipped) rather than
 * leaving the rest of it. */
static int undo_multi(BtEnv *e, u64 xid, Lsn *last_lsn, const WalRecHdr *rec, Err *err)
{
    const u8 *p = wal_payload(rec);
    size_t n = wal_payload_len(rec);
    if (n < 10) return redo_corrupt(err, rec, "short record");
    BTree *t = btree_open(e, rd32(p));
    size_t cnt = rd16(p + 8);
    const u8 **ks = xmalloc(sizeof(u8 *) * (cnt + 1));
    size_t *kls = xmalloc(sizeof(size_t) * (cnt + 1));
    const u8 *q = p + 10;
    size_t left = n - 10;
    int rc = MDB_OK_;
    for (size_t i = 0; i < cnt; i++) {
        if (left < 4 || left < 4u + rd16(q) + rd16(q + 2)) {
            rc = redo_corrupt(err, rec, "bad record length");
            break;
        }
        ks[i] = q + 4;
        kls[i] = rd16(q);
        size_t sz = 4u + rd16(q) + rd16(q + 2);
        q += sz;
        left -= sz;
    }
    for (size_t i = cnt; i-- > 0 && rc == MDB_OK_;) {
        LogCtx lc = {NULL, xid, last_lsn, NULL, true, i ? rec->lsn : rec->prev_lsn};
        bool found;
        rc = leaf_op(t, &lc, OP_DELETE, ks[i], kls[i], NULL, 0, false, &found, err);
    }
    free(ks);
    free(kls);
    return rc;
}

int bt_undo_chain(BtEnv *e, u64 xid, Lsn last_lsn, Err *err)
{
    Lsn next = last_lsn, chain = last_lsn;
    while (next != LSN_NONE) {
        WalRecHdr *rec;
        if (wal_read_record(e->wal, next, &rec, err)) return MDB_FAIL;
        int rc = MDB_OK_;
        if (rec->xid != xid) rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "undo chain of transaction %llu is broken",
                                          (unsigned long long)xid);
        else if (!(rec->flags & WAL_FLAG_CLR) &&
                 (rec->type == WAL_BT_INSERT || rec->type == WAL_BT_DELETE || rec->type == WAL_BT_UPDATE))
            rc = undo_one(e, xid, &chain, rec, err);
        else if (!(rec->flags & WAL_FLAG_CLR) && rec->type == WAL_BT_INSERT_MULTI)
            rc = undo_multi(e, xid, &chain, rec, err);
        else if (!(rec->flags & WAL_FLAG_CLR) && rec->type == WAL_BT_OVF_WRITE) {
            pthread_rwlock_rdlock(&e->ckpt_lock);
            rc = ovf_undo_write(e, xid, &chain, rec, err);
            pthread_rwlock_unlock(&e->ckpt_lock);
        }
        next = rec->prev_lsn; /* for a CLR: the next record still to undo */
        free(rec);
        if (rc) return rc;
    }
    WalRecHdr h = {0};
    h.type = WAL_REC_ABORT;
    h.xid = xid;
    h.prev_lsn = chain;
    pthread_rwlock_rdlock(&e->ckpt_lock);
    int rc = wal_append(e->wal, &h, NULL, 0, NULL, NULL, err);
    pthread_rwlock_unlock(&e->ckpt_lock);
    return rc;
}

int bt_txn_rollback(BtEnv *e, BtTxn *txn, Err *err)
{
    int rc = txn->last_lsn == LSN_NONE ? MDB_OK_ : bt_undo_chain(e, txn->xid, txn->last_lsn, err);
    txn_end(e, txn);
    return rc;
}

/* ---- verification --------------------------------------------------------------------------- */

typedef struct CheckState {
    BtEnv *e;
    u64 nkeys;
    int leaf_depth;
    PageNo prev_leaf;      /* the leaf visited before, whose right link must point here */
    PageNo *leaves;
    size_t nleaves, capleaves;
} CheckState;

static int check_fail(Err *err, PageNo pno, const char *what)
{
    return err_set(err, SQLSTATE_DATA_CORRUPTED, "B+tree check failed at page %u: %s", pno, what);
}

static int check_node(CheckState *cs, PageNo pno, int depth, const u8 *lo, size_t lolen, const u8 *hi, size_t hilen,
                      Err *err)
{
    BufFrame *f;
    if (depth > BT_MAX_DEPTH) return check_fail(err, pno, "too deep");
    if (bufpool_pin(cs->e->bp, pno, &f, err)) return MDB_FAIL;
    u8 page[PAGE_SIZE];
    memcpy(page, f->data, PAGE_SIZE);
    bufpool_unpin(cs->e->bp, f);
    const BtNode *n = ndc(page);
    u8 type = page_hdr(page)->type;
    if (type != BT_PAGE_LEAF && type != BT_PAGE_INTERNAL) return check_fail(err, pno, "not a B+tree node");
    if ((type == BT_PAGE_LEAF) != (n->level == 0)) return check_fail(err, pno, "level does not match the type");
    if (SLOTS_OFF + 2u * n->nslots > n->cell_lo) return check_fail(err, pno, "slots overlap cells");
    size_t used = 0;
    for (int i = 0; i < n->nslots; i++) {
        const u8 *k, *v;
        u16 kl, vl;
        if (slot(page, i) < n->cell_lo || slot(page, i) + 4u > PAGE_SIZE) return check_fail(err, pno, "bad slot");
        cell_at(page, i, &k, &kl, &v, &vl);
        if (slot(page, i) + 4u + kl + vlen_of(vl) > PAGE_SIZE) return check_fail(err, pno, "cell beyond page");
        used += 4u + kl + vlen_of(vl);
        if (vl & BT_VAL_OVERFLOW) { /* the chain must hold the length its reference says */
            ByteBuf whole = {0};
            if (type != BT_PAGE_LEAF) return check_fail(err, pno, "overflow reference in an internal node");
            int rc = value_resolve(cs->e, v, vl, &whole, err);
            bytebuf_free(&whole);
            if (rc) return MDB_FAIL;
        }
        if (i > 0) {
            const u8 *pk, *pv;
            u16 pkl, pvl;
            cell_at(page, i - 1, &pk, &pkl, &pv, &pvl);
            if (keyenc_cmp(pk, pkl, k, kl) >= 0) return check_fail(err, pno, "keys out of order");
        }
        if (lo && keyenc_cmp(k, kl, lo, lolen) < 0) return check_fail(err, pno, "key below its separator");
        if (hi && keyenc_cmp(k, kl, hi, hilen) >= 0) return check_fail(err, pno, "key not below the next separator");
    }
    if (used + n->garbage != (size_t)(PAGE_SIZE - n->cell_lo)) return check_fail(err, pno, "garbage count wrong");
    if (type == BT_PAGE_LEAF) {
        if (cs->leaf_depth < 0) cs->leaf_depth = depth;
        else if (cs->leaf_depth != depth) return check_fail(err, pno, "leaves at different depths");
        cs->nkeys += n->nslots;
        if (cs->nleaves == cs->capleaves) {
            cs->capleaves = cs->capleaves ? cs->capleaves * 2 : 64;
            cs->leaves = xrealloc(cs->leaves, cs->capleaves * sizeof *cs->leaves);
        }
        cs->leaves[cs->nleaves++] = pno;
        return MDB_OK_;
    }
    /* children: leftmost covers [lo, key0), child i covers [key i, key i+1) */
    for (int i = -1; i < n->nslots; i++) {
        const u8 *clo = lo, *chi = hi;
        size_t clolen = lolen, chilen = hilen;
        u16 kl, vl;
        const u8 *k, *v;
        if (i >= 0) {
            cell_at(page, i, &k, &kl, &v, &vl);
            clo = k;
            clolen = kl;
        }
        if (i + 1 < n->nslots) {
            cell_at(page, i + 1, &k, &kl, &v, &vl);
            chi = k;
            chilen = kl;
        }
        PageNo child = i < 0 ? n->leftmost : child_at(page, i);
        /* copy the bounds: the recursion reuses no page memory, but keep it simple */
        u8 lob[BT_MAX_CELL], hib[BT_MAX_CELL];
        if (clo) memcpy(lob, clo, clolen);
        if (chi) memcpy(hib, chi, chilen);
        if (check_node(cs, child, depth + 1, clo ? lob : NULL, clolen, chi ? hib : NULL, chilen, err))
            return MDB_FAIL;
    }
    return MDB_OK_;
}

int btree_check(BTree *t, u64 *nkeys, Err *err)
{
    pthread_rwlock_rdlock(&t->lock);
    CheckState cs = {t->env, 0, -1, PAGE_NONE, NULL, 0, 0};
    PageNo root = 0;
    int rc = read_root(t, &root, err);
    if (rc == MDB_OK_) rc = check_node(&cs, root, 0, NULL, 0, NULL, 0, err);
    /* the right links must chain the leaves in key order */
    for (size_t i = 0; rc == MDB_OK_ && i < cs.nleaves; i++) {
        BufFrame *f;
        if ((rc = bufpool_pin(t->env->bp, cs.leaves[i], &f, err))) break;
        PageNo right = nd(f->data)->right;
        bufpool_unpin(t->env->bp, f);
        PageNo want = i + 1 < cs.nleaves ? cs.leaves[i + 1] : PAGE_NONE;
        if (right != want) rc = check_fail(err, cs.leaves[i], "right sibling link wrong");
    }
    free(cs.leaves);
    pthread_rwlock_unlock(&t->lock);
    *nkeys = cs.nkeys;
    return rc;
}

/* ---- whole trees: statistics and freeing -------------------------------------------------- */

typedef struct PageList {
    PageNo *p;
    size_t n, cap;
} PageList;

static void plist_add(PageList *l, PageNo p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->p = xrealloc(l->p, l->cap * sizeof(PageNo));
    }
    l->p[l->n++] = p;
}

/* Appends the pages of the overflow chain at head to *out. */
static int collect_chain(BtEnv *e, PageNo head, PageList *out, Err *err)
{
    size_t n = 0;
    for (PageNo p = head; p != PAGE_NONE; n++) {
        if (n > BT_MAX_VALUE / OVF_PAGE_DATA + 1 || p >= bufpool_npages(e->bp))
            return err_set(err, SQLSTATE_DATA_CORRUPTED, "overflow chain broken at page %u", p);
        BufFrame *f;
        if (bufpool_pin(e->bp, p, &f, err)) return MDB_FAIL;
        bool ok = page_hdr(f->data)->type == BT_PAGE_OVERFLOW;
        PageNo next = rd32(f->data + PAGE_HDR_SIZE);
        bufpool_unpin(e->bp, f);
        if (!ok) return err_set(err, SQLSTATE_DATA_CORRUPTED, "overflow chain broken at page %u: not an overflow page", p);
        plist_add(out, p);
        p = next;
    }
    return MDB_OK_;
}

/* Appends the pages of the subtree at pno (internal nodes before their children) to *out,
 * and with chains != NULL the pages of the overflow chains its leaves reference to *chains. */
static int collect_pages(BtEnv *e, PageNo pno, int depth, PageList *out, PageList *chains, u64 *leaves, u64 *entries, Err *err)
{
    if (depth > BT_MAX_DEPTH) return check_fail(err, pno, "too deep");
    if (pno >= bufpool_npages(e->bp)) return check_fail(err, pno, "beyond the end of the page file");
    BufFrame *f;
    if (bufpool_pin(e->bp, pno, &f, err)) return MDB_FAIL;
    u8 page[PAGE_SIZE];
    memcpy(page, f->data, PAGE_SIZE);
    bufpool_unpin(e->bp, f);
    u8 type = page_hdr(page)->type;
    if (type != BT_PAGE_LEAF && type != BT_PAGE_INTERNAL) return check_fail(err, pno, "not a B+tree node");
    plist_add(out, pno);
    const BtNode *nd0 = ndc(page);
    if (type == BT_PAGE_LEAF) {
        (*leaves)++;
        *entries += nd0->nslots;
        for (int i = 0; chains && i < nd0->nslots; i++) {
            const u8 *k, *v;
            u16 kl, vl;
            PageNo head;
            size_t tail;
            cell_at(page, i, &k, &kl, &v, &vl);
            if (stored_ref(v, vl, &head, &tail) && collect_chain(e, head, chains, err)) return MDB_FAIL;
        }
        return MDB_OK_;
    }
    for (int i = -1; i < nd0->nslots; i++)
        if (collect_pages(e, i < 0 ? nd0->leftmost : child_at(page, i), depth + 1, out, chains, leaves, entries, err))
            return MDB_FAIL;
    return MDB_OK_;
}

int btree_stats(BTree *t, u64 *pages, u64 *leaves, u64 *entries, Err *err)
{
    *pages = *leaves = *entries = 0;
    pthread_rwlock_rdlock(&t->lock);
    PageNo root = 0;
    PageList l = {0};
    int rc = read_root(t, &root, err);
    if (rc == MDB_OK_) rc = collect_pages(t->env, root, 0, &l, NULL, leaves, entries, err);
    pthread_rwlock_unlock(&t->lock);
    free(l.p);
    *pages = l.n + 1; /* and the meta page */
    return rc;
}

int btree_free_tree(BtEnv *e, PageNo meta, Err *err)
{
    if (e->fl_page == PAGE_NONE) return MDB_OK_;
    BTree *t = btree_open(e, meta);
    PageNo root = 0;
    PageList l = {0};
    u64 leaves = 0, entries = 0;
    pthread_rwlock_wrlock(&t->lock);
    int rc = read_root(t, &root, err);
    /* the chains go into the same list: they are freed with the nodes */
    if (rc == MDB_OK_) rc = collect_pages(e, root, 0, &l, &l, &leaves, &entries, err);
    if (rc == MDB_OK_) plist_add(&l, meta); /* last: until it goes, the tree can still be walked */
    /* in batches, each a logged change; a crash between two leaves the rest to the sweep
     * at the next open (nothing names them any more) */
    for (size_t i = 0; rc == MDB_OK_ && i < l.n; i += FREELIST_BATCH) {
        size_t k = MDB_MIN(l.n - i, (size_t)FREELIST_BATCH);
        pthread_rwlock_rdlock(&e->ckpt_lock);
        rc = btenv_free_pages(e, NULL, l.p + i, k, NULL, err);
        pthread_rwlock_unlock(&e->ckpt_lock);
        if (rc) e->leaked += l.n - i - k; /* btenv_free_pages counted its own */
    }
    if (rc && l.n == 0) e->leaked++; /* the tree could not even be read: its pages stay where they are */
    pthread_rwlock_unlock(&t->lock);
    free(l.p);
    return rc;
}

/* ---- page ownership ------------------------------------------------------------------------ */

static int census_mark(u8 *own, PageNo np, PageNo p, u8 who, Err *err)
{
    if (p >= np) return err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u is beyond the end of the page file", p);
    if (own[p]) return err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u has two owners", p);
    own[p] = who;
    return MDB_OK_;
}

enum { OWN_NONE, OWN_STORE, OWN_TREE, OWN_OVF, OWN_FREE };

int btenv_census(BtEnv *e, const PageNo *trees, size_t ntrees, bool fix, BtCensus *out, Err *err)
{
    memset(out, 0, sizeof *out);
    if (e->fl_page == PAGE_NONE) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "the page file has no free list");
    PageNo np = bufpool_npages(e->bp);
    out->pages = np;
    u8 *own = xcalloc(np ? np : 1, 1);
    int rc = census_mark(own, np, e->fl_page, OWN_STORE, err);
    PageList nodes = {0}, chains = {0};
    for (size_t i = 0; rc == MDB_OK_ && i < ntrees; i++) {
        BTree *t = btree_open(e, trees[i]);
        PageNo root = 0;
        u64 leaves = 0, entries = 0;
        nodes.n = chains.n = 0;
        pthread_rwlock_rdlock(&t->lock);
        rc = read_root(t, &root, err);
        if (rc == MDB_OK_) rc = collect_pages(e, root, 0, &nodes, &chains, &leaves, &entries, err);
        pthread_rwlock_unlock(&t->lock);
        if (rc == MDB_OK_) rc = census_mark(own, np, trees[i], OWN_TREE, err);
        for (size_t k = 0; rc == MDB_OK_ && k < nodes.n; k++) rc = census_mark(own, np, nodes.p[k], OWN_TREE, err);
        for (size_t k = 0; rc == MDB_OK_ && k < chains.n; k++) rc = census_mark(own, np, chains.p[k], OWN_OVF, err);
        out->tree_pages += 1 + nodes.n;
        out->ovf_pages += chains.n;
    }
    free(nodes.p);
    free(chains.p);
    /* the free list: with fix, a broken one (a page on it that is not free or that a tree
     * owns, a cycle, a wrong count) is rebuilt from every page nobody owns */
    bool rebuild = false;
    if (rc == MDB_OK_) {
        BufFrame *sp;
        if ((rc = store_pin(e, &sp, err)) == MDB_OK_) {
            PageNo p = store_of(sp->data)->free_head;
            u64 want = store_of(sp->data)->nfree;
            while (p != PAGE_NONE && rc == MDB_OK_) {
                if (p >= np || own[p]) {
                    rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "free list broken at page %u (%s)", p,
                                 p >= np ? "beyond the end" : own[p] == OWN_FREE ? "a cycle" : "the page has another owner");
                    break;
                }
                BufFrame *f;
                if ((rc = bufpool_pin(e->bp, p, &f, err))) break;
                if (page_hdr(f->data)->type != BT_PAGE_FREE)
                    rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u on the free list is not free", p);
                PageNo next = rd32(f->data + PAGE_HDR_SIZE);
                bufpool_unpin(e->bp, f);
                if (rc) break;
                own[p] = OWN_FREE;
                out->free_pages++;
                p = next;
            }
            if (rc == MDB_OK_ && out->free_pages != want)
                rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "free list holds %llu pages, the store page counts %llu",
                             (unsigned long long)out->free_pages, (unsigned long long)want);
            bufpool_unlatch(sp);
            bufpool_unpin(e->bp, sp);
            if (rc && fix && !strcmp(err->sqlstate, SQLSTATE_DATA_CORRUPTED)) {
                err_clear(err);
                rc = MDB_OK_;
                rebuild = true;
                for (PageNo q = 0; q < np; q++)
                    if (own[q] == OWN_FREE) own[q] = OWN_NONE;
                out->free_pages = 0;
            }
        }
    }
    PageList orphans = {0};
    for (PageNo q = 0; rc == MDB_OK_ && q < np; q++)
        if (own[q] == OWN_NONE) plist_add(&orphans, q);
    out->orphans = orphans.n;
    if (rc == MDB_OK_ && fix && (orphans.n || rebuild)) {
        pthread_rwlock_rdlock(&e->ckpt_lock);
        BufFrame *sp;
        if ((rc = store_pin(e, &sp, err)) == MDB_OK_) {
            for (size_t i = 0; rc == MDB_OK_ && (i < orphans.n || (i == 0 && rebuild)); i += FREELIST_BATCH) {
                Lsn l;
                rc = freelist_log(e, sp, NULL, orphans.p + i, MDB_MIN(orphans.n - i, (size_t)FREELIST_BATCH), rebuild && i == 0, &l, err);
                if (rc == MDB_OK_) out->freed += MDB_MIN(orphans.n - i, (size_t)FREELIST_BATCH);
            }
            bufpool_unlatch(sp);
            bufpool_unpin(e->bp, sp);
        }
        pthread_rwlock_unlock(&e->ckpt_lock);
    }
    free(orphans.p);
    free(own);
    return rc;
}

int btenv_check_free(BtEnv *e, u64 *n, Err *err)
{
    *n = 0;
    if (e->fl_page == PAGE_NONE) return MDB_OK_;
    BufFrame *sp;
    if (bufpool_pin(e->bp, e->fl_page, &sp, err)) return MDB_FAIL;
    bufpool_latch(sp); /* no allocation or free meanwhile */
    PageNo p = store_of(sp->data)->free_head;
    u64 want = store_of(sp->data)->nfree;
    PageNo np = bufpool_npages(e->bp);
    int rc = MDB_OK_;
    while (p != PAGE_NONE && rc == MDB_OK_) {
        if (p >= np || *n > np) {
            rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "free list broken at page %u", p);
            break;
        }
        BufFrame *f;
        if ((rc = bufpool_pin(e->bp, p, &f, err))) break;
        if (page_hdr(f->data)->type != BT_PAGE_FREE) rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "page %u on the free list is not free", p);
        PageNo next = rd32(f->data + PAGE_HDR_SIZE);
        bufpool_unpin(e->bp, f);
        (*n)++;
        p = next;
    }
    if (rc == MDB_OK_ && *n != want)
        rc = err_set(err, SQLSTATE_DATA_CORRUPTED, "free list holds %llu pages, the store page counts %llu", (unsigned long long)*n,
                     (unsigned long long)want);
    bufpool_unlatch(sp);
    bufpool_unpin(e->bp, sp);
    return rc;
}
