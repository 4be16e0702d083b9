/*
 * test/unit/test_oltp_overflow.c — values longer than a B+tree cell, whose
 * tails live in chains of overflow pages (src/storage/oltp/overflow.h).
 *
 * Covers: values from just over a cell to 1 MiB read back byte for byte by
 * point lookups and cursors; a change of the value's prefix keeping its chain
 * while a change of the tail writes a new one; chains freed (and their pages
 * reused) on a delete outside a transaction, at the commit of a
 * transaction's delete, by rollback of the insert, and never by a rollback of
 * the delete; and, in a database directory, a simulated crash (pages and
 * log as they were, no checkpoint) with committed 10 KB and 1 MiB rows kept,
 * an uncommitted 1 MiB insert and delete undone, and torn overflow pages
 * rebuilt from their WAL records.  test_oltp_crash.c adds SIGKILLed writers
 * of long values.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "storage/oltp/overflow.h"
#include "storage/oltp/store.h"
#include "unit.h"

char *storage_test_tmpdir(void);
void storage_test_rmrf(const char *dir);

static Err err;

static void okey(u8 *k, u32 v)
{
    for (int i = 0; i < 4; i++) k[i] = (u8)(v >> (24 - 8 * i));
}

/* Deterministic bytes of value `tag` of length n (the length is part of the content). */
static u8 *oval(u32 tag, size_t n)
{
    u8 *b = xmalloc(n ? n : 1);
    u32 x = tag * 2654435761u + (u32)n;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        b[i] = (u8)x;
    }
    return b;
}

/* 1 when key k holds exactly value (tag, n). */
static int has_value(BTree *t, u32 key, u32 tag, size_t n)
{
    u8 k[4];
    okey(k, key);
    ByteBuf out = {0};
    bool found;
    int ok = 0;
    if (btree_get(t, k, 4, &out, &found, &err) == MDB_OK_ && found && out.len == n) {
        u8 *want = oval(tag, n);
        ok = memcmp(out.data, want, n) == 0;
        free(want);
    }
    err_clear(&err);
    bytebuf_free(&out);
    return ok;
}

static int put(BTree *t, BtTxn *txn, u32 key, u32 tag, size_t n, bool update)
{
    u8 k[4];
    okey(k, key);
    u8 *v = oval(tag, n);
    bool found;
    int rc = update ? btree_update(t, txn, k, 4, v, n, &found, &err) : btree_insert(t, txn, k, 4, v, n, &err);
    free(v);
    return rc;
}

static const size_t SIZES[] = {1990, 1993, 2100, 8000, 10000, OVF_INLINE + OVF_PAGE_DATA, OVF_INLINE + OVF_PAGE_DATA + 1,
                               100000, 1u << 20};
#define NSIZES (sizeof SIZES / sizeof SIZES[0])

static void values_in_store(OltpStore *s)
{
    BTree *t;
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    /* every size, with short values around them so that leaves mix both kinds */
    for (u32 i = 0; i < NSIZES; i++) {
        CHECK_OK(put(t, NULL, 2 * i, i + 1, SIZES[i], false), &err);
        CHECK_OK(put(t, NULL, 2 * i + 1, 100 + i, 40, false), &err);
    }
    int bad = 0;
    for (u32 i = 0; i < NSIZES; i++) bad += !has_value(t, 2 * i, i + 1, SIZES[i]) + !has_value(t, 2 * i + 1, 100 + i, 40);
    CHECK_INT(bad, 0);
    /* a cursor returns the whole values, in key order */
    BtCursor c;
    btree_cursor_open(&c, t, NULL, 0, true, NULL, 0, true);
    const u8 *k, *v;
    size_t kl, vl;
    u32 n = 0;
    int r;
    while ((r = btree_cursor_next(&c, &k, &kl, &v, &vl, &err)) == 1) {
        u32 i = n / 2;
        size_t want_len = n % 2 ? 40 : SIZES[i];
        u8 *want = oval(n % 2 ? 100 + i : i + 1, want_len);
        if (vl != want_len || memcmp(v, want, vl) != 0) bad++;
        free(want);
        n++;
    }
    btree_cursor_close(&c);
    CHECK_INT(r, 0);
    CHECK_INT(n, 2 * NSIZES);
    CHECK_INT(bad, 0);
    /* prefix_only: long values come back as their 512-byte prefix, short ones whole */
    btree_cursor_open(&c, t, NULL, 0, true, NULL, 0, true);
    c.prefix_only = true;
    n = 0;
    while ((r = btree_cursor_next(&c, &k, &kl, &v, &vl, &err)) == 1) {
        u32 i = n / 2;
        size_t full = n % 2 ? 40 : SIZES[i], want_len = 4 + full > BT_MAX_CELL ? OVF_INLINE : full;
        u8 *want = oval(n % 2 ? 100 + i : i + 1, full);
        if (vl != want_len || memcmp(v, want, vl) != 0) bad++;
        free(want);
        n++;
    }
    btree_cursor_close(&c);
    CHECK_INT(n, 2 * NSIZES);
    CHECK_INT(bad, 0);
    u64 nkeys;
    CHECK_OK(btree_check(t, &nkeys, &err), &err);
    CHECK_INT(nkeys, 2 * NSIZES);

    /* the 1 MiB value (key 16): a new prefix keeps the chain (no page written, none freed) */
    u32 big = 2 * (NSIZES - 1);
    size_t free0 = ovf_free_pages(&s->env);
    PageNo np0 = bufpool_npages(s->bp);
    u8 kb[4];
    okey(kb, big);
    ByteBuf cur = {0};
    bool found;
    CHECK_OK(btree_get(t, kb, 4, &cur, &found, &err), &err);
    memset(cur.data, 0x5A, 16); /* as a commit rewrites the MVCC stamps */
    CHECK_OK(btree_update(t, NULL, kb, 4, cur.data, cur.len, &found, &err), &err);
    CHECK(found);
    CHECK_INT(bufpool_npages(s->bp), np0);
    CHECK_INT(ovf_free_pages(&s->env), free0);
    ByteBuf back = {0};
    CHECK_OK(btree_get(t, kb, 4, &back, &found, &err), &err);
    CHECK(found && back.len == cur.len && memcmp(back.data, cur.data, cur.len) == 0);
    /* a new tail: a new chain, the old one freed (no transaction) */
    cur.data[cur.len - 1] ^= 1;
    CHECK_OK(btree_update(t, NULL, kb, 4, cur.data, cur.len, &found, &err), &err);
    size_t chain = ((1u << 20) - OVF_INLINE + OVF_PAGE_DATA - 1) / OVF_PAGE_DATA;
    CHECK_INT(ovf_free_pages(&s->env), free0 + chain);
    CHECK_OK(btree_get(t, kb, 4, &back, &found, &err), &err);
    CHECK(found && back.len == cur.len && memcmp(back.data, cur.data, cur.len) == 0);
    /* the freed pages serve the next chain: the file does not grow */
    PageNo np1 = bufpool_npages(s->bp);
    CHECK_OK(put(t, NULL, 1000, 7, 1u << 20, false), &err);
    CHECK(bufpool_npages(s->bp) <= np1 + 1); /* at most a leaf split */
    CHECK_INT(ovf_free_pages(&s->env), free0);
    CHECK(has_value(t, 1000, 7, 1u << 20));
    /* delete outside a transaction frees at once */
    bool f2;
    okey(kb, 1000);
    CHECK_OK(btree_delete(t, NULL, kb, 4, &f2, &err), &err);
    CHECK(f2);
    CHECK_INT(ovf_free_pages(&s->env), free0 + chain);

    /* a transaction's insert of 1 MiB, rolled back: its chain is freed */
    size_t fa = ovf_free_pages(&s->env);
    BtTxn *x = bt_txn_begin(&s->env);
    CHECK_OK(put(t, x, 2000, 9, 1u << 20, false), &err);
    CHECK_INT(ovf_free_pages(&s->env), fa - chain);
    CHECK_OK(bt_txn_rollback(&s->env, x, &err), &err);
    CHECK_INT(ovf_free_pages(&s->env), fa);
    CHECK(!has_value(t, 2000, 9, 1u << 20));
    /* a transaction's delete, rolled back: the value is whole again, nothing freed */
    x = bt_txn_begin(&s->env);
    okey(kb, 2 * 4); /* 10000 bytes */
    CHECK_OK(btree_delete(t, x, kb, 4, &f2, &err), &err);
    CHECK(f2);
    CHECK_INT(ovf_free_pages(&s->env), fa);
    CHECK_OK(bt_txn_rollback(&s->env, x, &err), &err);
    CHECK_INT(ovf_free_pages(&s->env), fa);
    CHECK(has_value(t, 8, 5, 10000));
    /* ... and committed: freed at the commit, not before */
    x = bt_txn_begin(&s->env);
    CHECK_OK(btree_delete(t, x, kb, 4, &f2, &err), &err);
    CHECK_INT(ovf_free_pages(&s->env), fa);
    CHECK_OK(bt_txn_commit(&s->env, x, 1, &err), &err);
    CHECK_INT(ovf_free_pages(&s->env), fa + 2);
    CHECK(!has_value(t, 8, 5, 10000));
    /* a transaction that replaces a tail and rolls back gets the old value, and frees the new chain */
    x = bt_txn_begin(&s->env);
    CHECK_OK(put(t, x, 2 * 3, 77, 8000, true), &err);
    CHECK(has_value(t, 2 * 3, 77, 8000));
    CHECK_OK(bt_txn_rollback(&s->env, x, &err), &err);
    CHECK(has_value(t, 2 * 3, 4, 8000));
    CHECK_INT(ovf_free_pages(&s->env), fa + 2);
    CHECK_OK(btree_check(t, &nkeys, &err), &err);
    CHECK_INT(nkeys, 2 * NSIZES - 1);

    /* limits: a value over BT_MAX_VALUE, a key too long for any value */
    CHECK(btree_insert(t, NULL, kb, 4, (const u8 *)"", BT_MAX_VALUE + 1, &err) != 0);
    CHECK_ERR(&err, "54000", NULL);
    u8 *longkey = xcalloc(1, 1990);
    u8 *lv = oval(1, 5000);
    longkey[0] = 0xFF;
    CHECK(btree_insert(t, NULL, longkey, 1990, lv, 5000, &err) != 0);
    CHECK_ERR(&err, "54000", NULL);
    /* a key that leaves little room still takes a long value */
    CHECK_OK(btree_insert(t, NULL, longkey, 1900, lv, 5000, &err), &err);
    CHECK_OK(btree_get(t, longkey, 1900, &back, &found, &err), &err);
    CHECK(found && back.len == 5000 && memcmp(back.data, lv, 5000) == 0);
    free(lv);
    free(longkey);
    bytebuf_free(&cur);
    bytebuf_free(&back);
}

static void tear(const char *pfile, PageNo pno)
{
    int fd = open(pfile, O_RDWR);
    u8 junk[700];
    memset(junk, 0xC3, sizeof junk);
    CHECK(pwrite(fd, junk, sizeof junk, (off_t)pno * PAGE_SIZE + 3000) == (ssize_t)sizeof junk);
    close(fd);
}

static void crash_recovery(void)
{
    char *dir = storage_test_tmpdir();
    char pfile[512];
    snprintf(pfile, sizeof pfile, "%s/data.pages", dir);
    OltpOptions o;
    oltp_options_default(&o);
    o.pool_pages = 64; /* smaller than a 1 MiB chain: chains are written back under the WAL rule */
    o.wal.segment_size = 1u << 20;
    OltpStore *s;
    BTree *t;
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    PageNo tree = btree_id(t);
    /* committed before the checkpoint: key 1 (10 KB), key 2 (1 MiB), key 3 (1 MiB, deleted later) */
    BtTxn *x = bt_txn_begin(&s->env);
    CHECK_OK(put(t, x, 1, 1, 10000, false), &err);
    CHECK_OK(put(t, x, 2, 2, 1u << 20, false), &err);
    CHECK_OK(put(t, x, 3, 3, 1u << 20, false), &err);
    CHECK_OK(bt_txn_commit(&s->env, x, 1, &err), &err);
    CHECK_OK(oltp_store_checkpoint(s, &err), &err);
    PageNo np_ckpt = bufpool_npages(s->bp);
    /* after it: committed key 4 (10 KB) and key 5 (1 MiB), key 1's tail replaced */
    x = bt_txn_begin(&s->env);
    CHECK_OK(put(t, x, 4, 4, 10000, false), &err);
    CHECK_OK(put(t, x, 5, 5, 1u << 20, false), &err);
    CHECK_OK(put(t, x, 1, 11, 10000, true), &err);
    CHECK_OK(bt_txn_commit(&s->env, x, 2, &err), &err);
    /* committed delete of key 3 */
    x = bt_txn_begin(&s->env);
    u8 k[4];
    bool found;
    okey(k, 3);
    CHECK_OK(btree_delete(t, x, k, 4, &found, &err), &err);
    CHECK_OK(bt_txn_commit(&s->env, x, 3, &err), &err);
    /* in flight at the crash: a 1 MiB insert (key 6) and the delete of key 2, logged and on disk */
    x = bt_txn_begin(&s->env);
    CHECK_OK(put(t, x, 6, 6, 1u << 20, false), &err);
    okey(k, 2);
    CHECK_OK(btree_delete(t, x, k, 4, &found, &err), &err);
    CHECK_OK(wal_flush(s->wal, wal_insert_lsn(s->wal), &err), &err);
    CHECK_OK(bufpool_flush_all(s->bp, &err), &err);
    PageNo np = bufpool_npages(s->bp);
    CHECK_OK(oltp_store_close(s, false, &err), &err); /* the crash: no checkpoint, the transaction open */
    /* tear overflow pages written after the checkpoint */
    int torn = 0;
    {
        int fd = open(pfile, O_RDONLY);
        u8 page[PAGE_SIZE];
        for (PageNo p = np_ckpt; p < np && torn < 5; p++)
            if (pread(fd, page, PAGE_SIZE, (off_t)p * PAGE_SIZE) == PAGE_SIZE && page_hdr(page)->type == BT_PAGE_OVERFLOW) {
                tear(pfile, p);
                torn++;
            }
        close(fd);
    }
    CHECK_INT(torn, 5);

    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    CHECK_INT(s->recovery.losers, 1);
    t = btree_open(&s->env, tree);
    u64 n;
    CHECK_OK(btree_check(t, &n, &err), &err);
    CHECK_INT(n, 4); /* keys 1, 2, 4, 5 */
    CHECK(has_value(t, 1, 11, 10000));
    CHECK(has_value(t, 2, 2, 1u << 20));
    CHECK(has_value(t, 4, 4, 10000));
    CHECK(has_value(t, 5, 5, 1u << 20));
    okey(k, 3);
    ByteBuf out = {0};
    CHECK_OK(btree_get(t, k, 4, &out, &found, &err), &err);
    CHECK(!found);
    okey(k, 6);
    CHECK_OK(btree_get(t, k, 4, &out, &found, &err), &err);
    CHECK(!found);
    /* on the free list: key 1's old tail (2 pages) and the chain of key 3, which
     * the undone key 6 had taken and gave back */
    size_t chain = ((1u << 20) - OVF_INLINE + OVF_PAGE_DATA - 1) / OVF_PAGE_DATA;
    CHECK_INT(ovf_free_pages(&s->env), chain + 2);
    /* and a new 1 MiB value reuses them */
    PageNo np2 = bufpool_npages(s->bp);
    CHECK_OK(put(t, NULL, 7, 7, 1u << 20, false), &err);
    CHECK(bufpool_npages(s->bp) <= np2 + 1);
    CHECK_INT(ovf_free_pages(&s->env), 2);
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    /* a clean restart: everything still there */
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    t = btree_open(&s->env, tree);
    CHECK_OK(btree_check(t, &n, &err), &err);
    CHECK_INT(n, 5);
    CHECK(has_value(t, 7, 7, 1u << 20));
    CHECK(has_value(t, 5, 5, 1u << 20));
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    bytebuf_free(&out);
    storage_test_rmrf(dir);
    free(dir);
}

void suite_oltp_overflow(void)
{
    OltpOptions o;
    oltp_options_default(&o);
    OltpStore *s;
    CHECK_OK(oltp_store_open(NULL, &o, &s, &err), &err);
    values_in_store(s);
    CHECK_OK(oltp_store_close(s, false, &err), &err);
    /* on disk with a pool smaller than one chain */
    char *dir = storage_test_tmpdir();
    o.pool_pages = 32;
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    values_in_store(s);
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    storage_test_rmrf(dir);
    free(dir);
    crash_recovery();
}
