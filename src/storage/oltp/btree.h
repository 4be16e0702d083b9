/*
 * src/storage/oltp/btree.h — the OLTP tier's B+tree over the buffer pool,
 * with every change WAL-logged, transactions that roll back by logical undo,
 * and redo for crash recovery.
 *
 * Keys are byte strings ordered by memcmp (shorter first on a common prefix);
 * keyenc.h turns SQL values into such strings.  Values are opaque byte
 * strings (row payloads).  A cell (key plus stored value) takes up to
 * BT_MAX_CELL bytes, so every page holds at least four entries and a split
 * always makes room; a longer value keeps a prefix in its cell and its tail
 * in a chain of overflow pages (overflow.h), up to BT_MAX_VALUE bytes.  Keys
 * (at most BT_MAX_CELL bytes) are unique within a tree.
 *
 * A tree is identified by its meta page number (which holds the root page
 * number, so the tree id survives root splits).  All trees of a database
 * share one page file, one buffer pool and one WAL through a BtEnv.
 *
 * Logging: a leaf change logs one physiological record (page number + key,
 * value and, for undo, the old value); a split logs one record with the
 * after-images of every page it touched (leaf, new sibling, parents, new
 * root, meta; a page already imaged since the redo point whose change is
 * small goes in as the byte runs that changed), so a structure change is
 * atomic in the log and is never
 * undone.  The first change of a page after the latest checkpoint's redo
 * point logs a full-page image first, which lets recovery rebuild a page that
 * a crash tore.  Rollback (and recovery's undo of transactions without a
 * commit record) walks the transaction's chain of records backwards and
 * applies the logical inverse of each (delete what was inserted, ...) through
 * the normal tree operations, logging each as a compensation record (CLR)
 * whose chain pointer skips the undone record, so an undo interrupted by a
 * crash resumes where it stopped.
 *
 * Concurrency: a tree's operations take its rwlock (writers exclusive,
 * lookups and cursor refills shared) and the environment's checkpoint lock in
 * shared mode; cursors copy a leaf's worth of entries and re-seek after the
 * last key they returned, so they hold no lock between calls.  Two live
 * transactions must not change the same key: the MVCC layer above guarantees
 * that (first writer wins), which is what makes logical undo correct.
 */
#ifndef MDB_BTREE_H
#define MDB_BTREE_H

#include "storage/bufpool.h"
#include "storage/oltp/keyenc.h"

enum { BT_PAGE_META = 1, BT_PAGE_LEAF = 2, BT_PAGE_INTERNAL = 3, BT_PAGE_FREE = 4, BT_PAGE_STORE = 5 };
/* overflow chains (overflow.h): a page of a chain; 7 was a freed overflow page of the in-memory list that
 * earlier versions kept (such a page belongs to nobody: the next sweep puts it on the free list) */
enum { BT_PAGE_OVERFLOW = 6, BT_PAGE_OVF_FREE = 7 };
enum {
    WAL_BT_INSERT = WAL_REC_BT_FIRST, /* tree, page, key, value */
    WAL_BT_DELETE,                    /* tree, page, key, old value */
    WAL_BT_UPDATE,                    /* tree, page, key, old value, new value */
    WAL_BT_SMO                        /* tree, after-images of the pages of a split or a new tree */
};
/* overflow chains (overflow.h); WAL_BT_OVF_FREE is only replayed (earlier versions logged it) */
enum { WAL_BT_OVF_WRITE = WAL_REC_BT_FIRST + 8, WAL_BT_OVF_FREE = WAL_REC_BT_FIRST + 9 };
/* the free-page list: the store page's new head and count, and pages made free pages (btenv_free_pages) */
enum { WAL_BT_FREELIST = WAL_REC_BT_FIRST + 10 };
/* bulk paths: the MVCC stamps of many entries of one leaf set at once (commit), and the
 * entries a batch insert added to one leaf (btree_insert_sorted), both one record per leaf */
enum { WAL_BT_STAMP = WAL_REC_BT_FIRST + 12, WAL_BT_INSERT_MULTI = WAL_REC_BT_FIRST + 13 };

#define BT_MAX_CELL 2000 /* key + stored value bytes of one cell */
/* A value may be longer than a cell: its tail then goes to overflow pages
 * (overflow.h) and the cell keeps a prefix and a reference, flagged by this
 * bit in the cell's (and the WAL record's) value length. */
#define BT_VAL_OVERFLOW 0x8000u
#define BT_MAX_VALUE ((size_t)1 << 30) /* longest value (1 GiB) */

typedef struct BTree BTree;
typedef struct BtTxn BtTxn;

typedef struct BtEnv {
    BufPool *bp;
    Wal *wal;
    pthread_rwlock_t ckpt_lock; /* shared: any logged change; exclusive: a checkpoint picks its redo point */
    pthread_mutex_t mu;         /* trees, active transactions, xid counter */
    BTree **trees;
    size_t ntrees, captrees;
    BtTxn **active;
    size_t nactive, capactive;
    u64 next_xid;
    PageNo fl_page;             /* the store page holding the free-page list (PAGE_NONE: no free list) */
    _Atomic u64 leaked;         /* pages this session may have lost track of (a change that failed half-way):
                                   the store is then swept at the next open (store.h) */
} BtEnv;

struct BtTxn {
    u64 xid;
    Lsn first_lsn; /* its first record (LSN_NONE: none yet) */
    Lsn last_lsn;  /* its latest record: the head of the undo chain */
    PageNo *ovf_pending; /* overflow chains its deletes/replacements released: freed at commit */
    size_t novf_pending, capovf_pending;
};

void btenv_init(BtEnv *e, BufPool *bp, Wal *wal);
void btenv_destroy(BtEnv *e);

BtTxn *bt_txn_begin(BtEnv *e);
/* Logs the commit record (payload: commit timestamp) and waits for it to be
 * durable when synchronous_commit is on.  Frees txn, also on failure. */
int bt_txn_commit(BtEnv *e, BtTxn *txn, u64 commit_ts, Err *err);
/* Logs the commit record without waiting (*end: its end LSN for wal_commit_wait,
 * LSN_NONE when the transaction logged nothing) and frees txn.  On failure txn
 * stays live, for bt_txn_rollback. */
int bt_txn_commit_log(BtEnv *e, BtTxn *txn, u64 commit_ts, Lsn *end, Err *err);
/* Undoes every change of txn, logs its abort record, frees txn. */
int bt_txn_rollback(BtEnv *e, BtTxn *txn, Err *err);
/* LSN of the oldest record of a live transaction (LSN_NONE: none); the WAL
 * must be kept from there for undo. */
Lsn bt_oldest_active_lsn(BtEnv *e);
/* Undoes the chain starting at last_lsn for transaction xid (recovery) and
 * logs its abort record. */
int bt_undo_chain(BtEnv *e, u64 xid, Lsn last_lsn, Err *err);

/* Creates an empty tree (meta page + empty root leaf). */
int btree_create(BtEnv *e, BTree **out, Err *err);
/* The handle of the tree whose meta page is `meta` (one handle per tree). */
BTree *btree_open(BtEnv *e, PageNo meta);
PageNo btree_id(const BTree *t);
/* Overflow pages of the values whose update kept their chain (a new prefix: the MVCC stamps
 * of a version that ended or committed), since the count last went down by `consumed`:
 * reclamation's hint that dead versions hold chains (vacuum.c). */
u64 btree_kept_chain_pages(BTree *t, u64 consumed);

/* txn may be NULL for a change outside any transaction (never undone). */
int btree_insert(BTree *t, BtTxn *txn, const u8 *key, size_t klen, const u8 *val, size_t vlen, Err *err);
int btree_update(BTree *t, BtTxn *txn, const u8 *key, size_t klen, const u8 *val, size_t vlen, bool *found,
                 Err *err);
int btree_delete(BTree *t, BtTxn *txn, const u8 *key, size_t klen, bool *found, Err *err);
/* Commit stamping: for every entry with a key in [lo, hi] whose value holds the u64 `from`
 * at byte `off`, that u64 becomes `to` (both in the machine's byte order, as oltp_table
 * writes them).  One WAL_BT_STAMP record per leaf it changes (page, off, to, the slots),
 * in txn's chain; its undo is nothing: the transaction's own insert/update records are
 * undone after it with whole values, which removes or restores the stamped entries anyway.
 * The tree lock is taken per leaf.  *changed (may be NULL): entries set. */
int btree_stamp_range(BTree *t, BtTxn *txn, const u8 *lo, size_t lolen, const u8 *hi, size_t hilen, size_t off,
                      u64 from, u64 to, u64 *changed, Err *err);
/* Batch insert: n entries in strictly ascending key order, none of them in the tree yet,
 * each at most one cell (no overflow values).  The entries that go to one leaf are logged
 * as one WAL_BT_INSERT_MULTI record (undo: delete each key); a leaf that is full splits
 * as usual, except when the batch appends past its last key at the right edge of the
 * tree: then the new right leaf starts empty and the full one stays full (ascending row
 * ids and keys leave packed leaves, not half-full ones).  23505 on a key already there
 * (entries before it stay inserted, logged for txn). */
int btree_insert_sorted(BTree *t, BtTxn *txn, size_t n, const u8 *const *keys, const u16 *klens,
                        const u8 *const *vals, const u16 *vlens, Err *err);
/* The largest key of the tree into *key (reset first) and *found; *found false and *empty
 * when the tree has no entries; both false when the rightmost leaf is empty (after deletes:
 * the largest key is then not known without a scan). */
int btree_last_key(BTree *t, ByteBuf *key, bool *found, bool *empty, Err *err);
/* Point lookup: the value is copied into *val (reset first). */
int btree_get(BTree *t, const u8 *key, size_t klen, ByteBuf *val, bool *found, Err *err);

/* Range scan: keys in [lo, hi] (each bound inclusive or exclusive; NULL =
 * unbounded), in key order. */
typedef struct BtCursor {
    BTree *t;
    ByteBuf lo, hi;
    bool has_lo, lo_incl, has_hi, hi_incl;
    bool started, done;
    ByteBuf last;  /* last key returned */
    ByteBuf batch; /* entries copied from the current leaf: u16 klen, u32 vlen, key, value */
    size_t pos, last_entry;
    bool prefix_only; /* set after open: a value with an overflow tail comes back as the prefix in its cell only
                         (its first OVF_INLINE = 512 bytes; at least 16 after a key over 1,480 bytes), its chain not read */
} BtCursor;
void btree_cursor_open(BtCursor *c, BTree *t, const u8 *lo, size_t lolen, bool lo_incl, const u8 *hi, size_t hilen,
                       bool hi_incl);
/* 1: an entry (pointers valid until the next call); 0: end; -1: error. */
int btree_cursor_next(BtCursor *c, const u8 **key, size_t *klen, const u8 **val, size_t *vlen, Err *err);
void btree_cursor_close(BtCursor *c);

/* Applies one WAL record to the pages (recovery's redo); records of other
 * modules are ignored. */
int btree_redo(BtEnv *e, const WalRecHdr *rec, Err *err);

/* ---- free pages -------------------------------------------------------------------
 * Page 0 of a page file created by this version is the store page: the head of a
 * list of free pages chained through the pages themselves (type BT_PAGE_FREE, the
 * next free page after the header) and their count.  Every allocation takes the head
 * first and appends to the file only when the list is empty: splits and new trees (in
 * their WAL_BT_SMO record, which holds the store page's image), overflow chains
 * (btenv_alloc_pages).  An emptied leaf is unlinked from its parent and its left sibling
 * and put on the list (with the parents it leaves without children) in one WAL_BT_SMO
 * record; whole trees with their overflow chains, and single chains, go to the list by
 * WAL_BT_FREELIST records (btenv_free_pages), so a crash never loses or doubles a page
 * that a logged change accounted for.  A page file without a store page at 0 (older
 * databases) never reuses pages and keeps empty leaves.
 *
 * Ownership invariant: every page is the store page, a page of exactly one tree (meta,
 * internal, leaf), a page of exactly one overflow chain that one leaf cell references,
 * or on the free list.  Between a change and the next one, a crash may leave pages that
 * nobody owns (a tree a dropped table left, a chain whose cell went, a page appended to
 * the file by a change that never reached the log); btenv_census finds them and, asked
 * to, frees them (the sweep of oltp_vacuum_sweep at open after a crash). */

/* After recovery: creates the store page in an empty page file, or finds it at page 0. */
int btenv_freelist_init(BtEnv *e, Err *err);
/* Pages on the free list (0 without one). */
u64 btenv_free_count(BtEnv *e);
/* Walks the free list: every page on it must be a free page and their number the count
 * the store page keeps (XX001 otherwise); *n = pages on it. */
int btenv_check_free(BtEnv *e, u64 *n, Err *err);
/* n page numbers for new pages (overflow chains): the free list's first, logged as a
 * WAL_BT_FREELIST record of the store page, then new pages at the end of the file.  The
 * caller owns them from here: it logs their content (a crash before leaves them to the
 * sweep).  Caller holds the checkpoint lock shared. */
int btenv_alloc_pages(BtEnv *e, size_t n, PageNo *out, Err *err);
/* Puts pages[0..n) on the free list with WAL_BT_FREELIST records (several for a long
 * list), logged with hdr's xid, flags and prev_lsn (an undo's CLR; zero: no transaction);
 * *lsn = the last record.  The pages must be unreachable.  Caller holds the checkpoint
 * lock shared. */
int btenv_free_pages(BtEnv *e, const WalRecHdr *hdr, const PageNo *pages, size_t n, Lsn *lsn, Err *err);
/* Puts every page of tree `meta` and of the overflow chains its leaves reference on the
 * free list.  The tree must be unreachable: no catalog entry names it and no transaction
 * can still read it or undo a change in it. */
int btree_free_tree(BtEnv *e, PageNo meta, Err *err);

typedef struct BtCensus {
    u64 pages;      /* pages in the file */
    u64 tree_pages; /* meta and node pages of the trees given */
    u64 ovf_pages;  /* pages of the overflow chains their leaves reference */
    u64 free_pages; /* on the free list */
    u64 orphans;    /* none of these, nor the store page */
    u64 freed;      /* orphans put on the free list (fix) */
} BtCensus;
/* Page ownership (the invariant above) with trees[0..ntrees) as every tree there is:
 * XX001 when a page has two owners (two trees, a chain and the free list, ...) or a
 * structure is broken; orphans are counted, and with `fix` put on the free list.  The
 * trees must not change meanwhile (tests at a quiet moment, the sweep at open). */
int btenv_census(BtEnv *e, const PageNo *trees, size_t ntrees, bool fix, BtCensus *out, Err *err);
/* Pages (meta, internal, leaf) and entries of a tree. */
int btree_stats(BTree *t, u64 *pages, u64 *leaves, u64 *entries, Err *err);

/* Verifies the structure (key order within and across pages, separators
 * bounding their subtrees, equal leaf depth, the leaf chain); *nkeys = number
 * of entries.  XX001 on a violation. */
int btree_check(BTree *t, u64 *nkeys, Err *err);

#endif
