/*
 * src/storage/bufpool.h — the page file and its buffer pool.
 *
 * A page file is an array of 8 KiB pages numbered from 0.  Every page starts
 * with a 24-byte header: CRC-32C of the rest of the page, the page's own
 * number (catches misdirected writes), the page LSN (end of the last WAL
 * record that changed it) and a type byte for the page's owner.  A page that
 * is entirely zero is a page that was allocated but never written; any other
 * page whose checksum or number does not match fails the read with SQLSTATE
 * XX001 (data_corrupted): a torn write or a flipped bit is reported, never
 * silently used.  Recovery repairs such a page from a full-page image in the
 * WAL (bufpool_pin_for_redo tolerates the damage for that purpose).
 *
 * The pool holds a fixed number of frames.  Callers pin a page (reading it on
 * a miss), use it, and unpin it; a page changed under the frame latch is
 * marked dirty with the LSN of the WAL record describing the change.  When a
 * frame is needed, the clock hand skips pinned frames and clears reference
 * bits until it finds a victim; a dirty victim is written back only after the
 * WAL is durable up to its page LSN (the WAL rule), so no change reaches the
 * page file before its log record.  Without a path the pool is an in-memory
 * database: the same pin/unpin/dirty code runs, frames are added instead of
 * evicted, and nothing is written.
 *
 * Thread-safe: one pool mutex guards the page table and the clock (I/O of an
 * eviction runs under it: simple, and evictions are rare when the pool fits
 * the working set); a per-frame latch serialises changes to a page against
 * the copy that write-back checksums.
 */
#ifndef MDB_BUFPOOL_H
#define MDB_BUFPOOL_H

#include <pthread.h>

#include "storage/fileio.h"
#include "storage/wal.h"

#define PAGE_SIZE 8192
#define PAGE_HDR_SIZE 24
typedef u32 PageNo;
#define PAGE_NONE UINT32_MAX

typedef struct PageHdr {
    u32 crc;   /* CRC-32C of bytes [4, PAGE_SIZE) */
    PageNo pno;
    Lsn lsn;   /* end LSN of the last WAL record applied to this page */
    u8 type;   /* owner's page type (btree: meta, leaf, internal) */
    u8 flags;
    u16 pad16;
    u32 pad32;
} PageHdr;

static inline PageHdr *page_hdr(u8 *page) { return (PageHdr *)page; }
static inline Lsn page_lsn(const u8 *page) { return ((const PageHdr *)page)->lsn; }

typedef struct BufFrame {
    PageNo pno;
    u8 *data;             /* PAGE_SIZE bytes, 4 KiB aligned */
    int pins;
    bool valid, dirty, ref;
    pthread_mutex_t latch; /* held while the page is changed or copied for write-back */
} BufFrame;

typedef struct BufPoolStats {
    u64 hits, misses, reads, writes, evictions;
} BufPoolStats;

typedef struct BufPool BufPool;

/* Opens (creating) the page file at `path`, or an in-memory pool when path
 * is NULL.  nframes: pool size in pages (at least 8).  wal: the log whose
 * durability gates write-back (may be NULL for a pool without logging). */
int bufpool_open(const char *path, size_t nframes, Wal *wal, BufPool **out, Err *err);
/* Frees the pool without writing anything (call bufpool_flush_all first). */
void bufpool_close(BufPool *bp);

/* Pins page pno, reading and verifying it on a miss (XX001 on a bad checksum). */
int bufpool_pin(BufPool *bp, PageNo pno, BufFrame **out, Err *err);
/* For redo: like bufpool_pin, but a page that fails verification comes back
 * zeroed with *corrupt set instead of failing (a full-page image will
 * overwrite it; any other record must not be applied to it). */
int bufpool_pin_for_redo(BufPool *bp, PageNo pno, BufFrame **out, bool *corrupt, Err *err);
/* For redo of a full-page image: pins page pno without reading it (a zeroed
 * frame when it is not cached), since the image replaces it whole. */
int bufpool_pin_for_overwrite(BufPool *bp, PageNo pno, BufFrame **out, Err *err);
/* Allocates a new page number at the end of the file and pins a zeroed frame for it. */
int bufpool_new_page(BufPool *bp, BufFrame **out, Err *err);
void bufpool_unpin(BufPool *bp, BufFrame *f);

static inline void bufpool_latch(BufFrame *f) { pthread_mutex_lock(&f->latch); }
static inline void bufpool_unlatch(BufFrame *f) { pthread_mutex_unlock(&f->latch); }
/* Records a change (under the latch): page LSN = lsn, frame dirty. */
void bufpool_mark_dirty(BufFrame *f, Lsn lsn);

/* Writes every dirty page (WAL first) and fsyncs the file: the checkpoint's flush. */
int bufpool_flush_all(BufPool *bp, Err *err);
/* Drops every unpinned frame without writing (tests: simulate losing the
 * cache in a crash).  Dirty contents are lost. */
void bufpool_discard_all(BufPool *bp);
PageNo bufpool_npages(BufPool *bp);
void bufpool_stats(BufPool *bp, BufPoolStats *out);
bool bufpool_in_memory(const BufPool *bp);

/* Checksum helpers (also used by tests that damage pages on purpose). */
void page_set_checksum(u8 *page);
/* 0: valid; 1: all-zero (never written); -1: damaged. */
int page_verify(const u8 *page, PageNo pno);

#endif
