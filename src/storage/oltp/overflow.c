/*
 * src/storage/oltp/overflow.c — chains of overflow pages holding the tails
 * of B+tree values too long for a leaf cell (see overflow.h for the format,
 * the logging and when chains are freed).
 *
 * The page functions here build a page entirely from a record (an overflow
 * page from its WAL_BT_OVF_WRITE entry, a free page from nothing), so the
 * change and its redo produce the same bytes and redo never needs the page's
 * earlier content: a page torn by a crash is simply rebuilt.
 */
#include "storage/oltp/overflow.h"

#include <stdlib.h>

#define OVF_NEXT_OFF PAGE_HDR_SIZE
#define OVF_LEN_OFF (PAGE_HDR_SIZE + 4)
#define OVF_DATA_OFF (PAGE_HDR_SIZE + 8)

static inline u32 rd32(const u8 *p)
{
    u32 v;
    memcpy(&v, p, 4);
    return v;
}
static inline void wr32(u8 *p, u32 v) { memcpy(p, &v, 4); }

size_t ovf_free_pages(BtEnv *e) { return (size_t)btenv_free_count(e); }

static void page_build_overflow(u8 *page, PageNo pno, PageNo next, const u8 *d, size_t n)
{
    memset(page, 0, PAGE_SIZE);
    page_hdr(page)->pno = pno;
    page_hdr(page)->type = BT_PAGE_OVERFLOW;
    wr32(page + OVF_NEXT_OFF, next);
    wr32(page + OVF_LEN_OFF, (u32)n);
    memcpy(page + OVF_DATA_OFF, d, n);
}

/* An earlier version's freed overflow page (WAL_BT_OVF_FREE, replayed only): owned by
 * nobody, so the next sweep puts it on the free list. */
static void page_build_free(u8 *page, PageNo pno)
{
    memset(page, 0, PAGE_SIZE);
    page_hdr(page)->pno = pno;
    page_hdr(page)->type = BT_PAGE_OVF_FREE;
}

static int chain_corrupt(Err *err, PageNo pno, const char *what)
{
    return err_set(err, SQLSTATE_DATA_CORRUPTED, "overflow chain broken at page %u: %s", pno, what);
}

/* ---- writing ------------------------------------------------------------------------ */

/* Record body of WAL_BT_OVF_WRITE: u32 count, then per page u32 page, u32
 * next, u32 length, bytes. */
int ovf_write(BtEnv *e, u64 xid, Lsn *last_lsn, Lsn *first_lsn, const u8 *data, size_t len, PageNo *head, Err *err)
{
    size_t npages = (len + OVF_PAGE_DATA - 1) / OVF_PAGE_DATA;
    if (npages == 0) return err_set(err, SQLSTATE_INTERNAL_ERROR, "empty overflow chain");
    /* every page first (the free list's, then new ones at the end of the file): from here
     * the chain owns them; a failure before their records are logged leaves them to the
     * sweep of the next open (btree.h, "free pages") */
    PageNo *pg = xmalloc((npages + 1) * sizeof *pg);
    if (btenv_alloc_pages(e, npages, pg, err)) {
        free(pg);
        return MDB_FAIL;
    }
    pg[npages] = PAGE_NONE;
    *head = pg[0];
    ByteBuf body = {0};
    size_t pos = 0, done = 0;
    int rc = MDB_OK_;
    while (done < npages && rc == MDB_OK_) {
        size_t g = npages - done < OVF_GROUP ? npages - done : OVF_GROUP;
        const PageNo *gp = pg + done;
        body.len = 0;
        u8 w[12];
        wr32(w, (u32)g);
        bytebuf_append(&body, w, 4);
        size_t p0 = pos;
        for (size_t i = 0; i < g; i++) {
            size_t n = len - pos < OVF_PAGE_DATA ? len - pos : OVF_PAGE_DATA;
            wr32(w, gp[i]);
            wr32(w + 4, gp[i + 1]);
            wr32(w + 8, (u32)n);
            bytebuf_append(&body, w, 12);
            bytebuf_append(&body, data + pos, n);
            pos += n;
        }
        WalRecHdr h = {0};
        h.type = WAL_BT_OVF_WRITE;
        h.xid = xid;
        h.prev_lsn = last_lsn ? *last_lsn : LSN_NONE;
        Lsn lsn, end;
        if ((rc = wal_append(e->wal, &h, body.data, body.len, &lsn, &end, err))) break;
        if (last_lsn) {
            *last_lsn = lsn;
            if (first_lsn && *first_lsn == LSN_NONE) *first_lsn = lsn;
        }
        /* the pages after their record (the WAL rule), one pinned at a time */
        pos = p0;
        for (size_t i = 0; i < g && rc == MDB_OK_; i++) {
            size_t n = len - pos < OVF_PAGE_DATA ? len - pos : OVF_PAGE_DATA;
            BufFrame *f;
            bool damaged;
            /* a reused free page that fails its checksum is rebuilt all the same */
            if ((rc = bufpool_pin_for_redo(e->bp, gp[i], &f, &damaged, err))) break;
            bufpool_latch(f);
            page_build_overflow(f->data, gp[i], gp[i + 1], data + pos, n);
            bufpool_mark_dirty(f, end);
            bufpool_unlatch(f);
            bufpool_unpin(e->bp, f);
            pos += n;
        }
        done += g;
    }
    /* the pages of the groups never logged belong to nobody (a transaction's logged groups
     * are freed by its undo; a change outside one leaves them too) */
    if (rc) e->leaked += npages - (xid ? done : 0);
    bytebuf_free(&body);
    free(pg);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------ */

/* Calls fn on each page's bytes of the chain at head, which must hold len bytes. */
typedef bool (*ChainFn)(void *ctx, const u8 *d, size_t n, size_t at);

static int chain_walk(BtEnv *e, PageNo head, size_t len, ChainFn fn, void *ctx, Err *err)
{
    PageNo p = head;
    size_t at = 0;
    while (at < len) {
        if (p == PAGE_NONE) return chain_corrupt(err, p, "ends early");
        BufFrame *f;
        if (bufpool_pin(e->bp, p, &f, err)) return MDB_FAIL;
        const u8 *d = f->data;
        size_t n = rd32(d + OVF_LEN_OFF);
        if (page_hdr(f->data)->type != BT_PAGE_OVERFLOW || n == 0 || n > OVF_PAGE_DATA || n > len - at) {
            bufpool_unpin(e->bp, f);
            return chain_corrupt(err, p, "not an overflow page of this chain");
        }
        bool more = fn(ctx, d + OVF_DATA_OFF, n, at);
        PageNo next = rd32(d + OVF_NEXT_OFF);
        bufpool_unpin(e->bp, f);
        at += n;
        if (!more) return MDB_OK_;
        p = next;
    }
    if (p != PAGE_NONE) return chain_corrupt(err, p, "longer than its reference");
    return MDB_OK_;
}

static bool append_fn(void *ctx, const u8 *d, size_t n, size_t at)
{
    (void)at;
    bytebuf_append(ctx, d, n);
    return true;
}

int ovf_read(BtEnv *e, PageNo head, size_t len, ByteBuf *out, Err *err)
{
    bytebuf_reserve(out, len);
    return chain_walk(e, head, len, append_fn, out, err);
}

typedef struct EqCtx {
    const u8 *data;
    bool eq;
} EqCtx;

static bool equal_fn(void *ctx, const u8 *d, size_t n, size_t at)
{
    EqCtx *c = ctx;
    c->eq = memcmp(c->data + at, d, n) == 0;
    return c->eq;
}

int ovf_equal(BtEnv *e, PageNo head, size_t chain_len, const u8 *data, size_t len, bool *eq, Err *err)
{
    *eq = false;
    if (chain_len != len) return MDB_OK_;
    EqCtx c = {data, true};
    if (chain_walk(e, head, len, equal_fn, &c, err)) return MDB_FAIL;
    *eq = c.eq;
    return MDB_OK_;
}

/* ---- freeing ------------------------------------------------------------------------ */

int ovf_free_chain(BtEnv *e, PageNo head, Err *err)
{
    PageNo *pages = NULL;
    size_t n = 0, cap = 0;
    for (PageNo p = head; p != PAGE_NONE;) {
        BufFrame *f;
        if (bufpool_pin(e->bp, p, &f, err)) {
            free(pages);
            e->leaked++;
            return MDB_FAIL;
        }
        bool ok = page_hdr(f->data)->type == BT_PAGE_OVERFLOW;
        PageNo next = rd32(f->data + OVF_NEXT_OFF);
        bufpool_unpin(e->bp, f);
        if (!ok || n > (BT_MAX_VALUE / OVF_PAGE_DATA) + 1) {
            free(pages);
            e->leaked++;
            return chain_corrupt(err, p, "not an overflow page");
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            pages = xrealloc(pages, cap * sizeof *pages);
        }
        pages[n++] = p;
        p = next;
    }
    int rc = btenv_free_pages(e, NULL, pages, n, NULL, err);
    free(pages);
    return rc;
}

/* The page numbers of a WAL_BT_OVF_WRITE body; false when malformed. */
static bool write_pages(const WalRecHdr *rec, PageNo **pages, size_t *n)
{
    const u8 *p = wal_payload(rec);
    size_t left = wal_payload_len(rec);
    if (left < 4) return false;
    size_t cnt = rd32(p);
    p += 4;
    left -= 4;
    *pages = xmalloc((cnt ? cnt : 1) * sizeof **pages);
    *n = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (left < 12) break;
        size_t len = rd32(p + 8);
        if (len > OVF_PAGE_DATA || left < 12 + len) break;
        (*pages)[(*n)++] = rd32(p);
        p += 12 + len;
        left -= 12 + len;
    }
    if (*n != cnt || left) {
        free(*pages);
        *pages = NULL;
        return false;
    }
    return true;
}

int ovf_undo_write(BtEnv *e, u64 xid, Lsn *last_lsn, const WalRecHdr *rec, Err *err)
{
    PageNo *pages;
    size_t n;
    if (!write_pages(rec, &pages, &n))
        return err_set(err, SQLSTATE_DATA_CORRUPTED, "cannot undo write-ahead log record at %llu: bad overflow record",
                       (unsigned long long)rec->lsn);
    /* one record (n <= OVF_GROUP): the CLR must free all of them or none */
    WalRecHdr h = {0};
    h.xid = xid;
    h.flags = WAL_FLAG_CLR;
    h.prev_lsn = rec->prev_lsn;
    Lsn lsn;
    int rc = btenv_free_pages(e, &h, pages, n, &lsn, err);
    if (rc == MDB_OK_ && last_lsn && lsn != LSN_NONE) *last_lsn = lsn;
    free(pages);
    return rc;
}

/* ---- redo --------------------------------------------------------------------------- */

static int redo_bad(const WalRecHdr *rec, Err *err)
{
    return err_set(err, SQLSTATE_DATA_CORRUPTED, "cannot replay write-ahead log record at %llu: bad overflow record",
                   (unsigned long long)rec->lsn);
}

int ovf_redo(BtEnv *e, const WalRecHdr *rec, Err *err)
{
    const u8 *p = wal_payload(rec);
    size_t left = wal_payload_len(rec);
    Lsn end = rec->lsn + rec->len;
    if (rec->type != WAL_BT_OVF_WRITE && rec->type != WAL_BT_OVF_FREE) return MDB_OK_;
    if (left < 4) return redo_bad(rec, err);
    size_t cnt = rd32(p);
    p += 4;
    left -= 4;
    for (size_t i = 0; i < cnt; i++) {
        PageNo pno, next = PAGE_NONE;
        size_t len = 0;
        const u8 *d = NULL;
        if (rec->type == WAL_BT_OVF_WRITE) {
            if (left < 12) return redo_bad(rec, err);
            pno = rd32(p);
            next = rd32(p + 4);
            len = rd32(p + 8);
            if (len > OVF_PAGE_DATA || left < 12 + len) return redo_bad(rec, err);
            d = p + 12;
            p += 12 + len;
            left -= 12 + len;
        } else {
            if (left < 4) return redo_bad(rec, err);
            pno = rd32(p);
            p += 4;
            left -= 4;
        }
        BufFrame *f;
        bool damaged;
        if (bufpool_pin_for_redo(e->bp, pno, &f, &damaged, err)) return MDB_FAIL;
        bufpool_latch(f);
        if (damaged || page_lsn(f->data) < end) {
            if (rec->type == WAL_BT_OVF_WRITE) page_build_overflow(f->data, pno, next, d, len);
            else page_build_free(f->data, pno);
            bufpool_mark_dirty(f, end);
        }
        bufpool_unlatch(f);
        bufpool_unpin(e->bp, f);
    }
    if (left) return redo_bad(rec, err);
    return MDB_OK_;
}
