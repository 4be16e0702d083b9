/*
 * src/storage/bufpool.c — page file I/O with checksums and the clock buffer
 * pool (see bufpool.h).
 */
#include "storage/bufpool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/crc32c.h"

struct BufPool {
    char *path; /* NULL: in memory */
    int fd;
    Wal *wal;
    pthread_mutex_t mu;
    BufFrame **frames;
    size_t nframes, capframes;
    int *buckets;   /* page table: heads of chains through BufFrame.next */
    size_t nbuckets; /* power of two */
    size_t hand;    /* clock */
    PageNo npages;  /* next page number to allocate */
    BufPoolStats stats;
};

void page_set_checksum(u8 *page)
{
    page_hdr(page)->crc = crc32c(page + 4, PAGE_SIZE - 4);
}

int page_verify(const u8 *page, PageNo pno)
{
    const PageHdr *h = (const PageHdr *)page;
    if (h->crc == crc32c(page + 4, PAGE_SIZE - 4) && h->pno == pno) return 0;
    for (size_t i = 0; i < PAGE_SIZE; i += 8) {
        u64 v;
        memcpy(&v, page + i, 8);
        if (v) return -1;
    }
    return 1;
}

static size_t hash_pno(const BufPool *bp, PageNo pno) { return (pno * 2654435761u) & (bp->nbuckets - 1); }

static BufFrame *frame_new(void)
{
    BufFrame *f = xcalloc(1, sizeof *f);
    if (posix_memalign((void **)&f->data, 4096, PAGE_SIZE) != 0) MDB_FATAL("out of memory for a buffer frame");
    memset(f->data, 0, PAGE_SIZE);
    f->pno = PAGE_NONE;
    f->next = -1;
    pthread_mutex_init(&f->latch, NULL);
    return f;
}

static void table_rebuild(BufPool *bp, size_t nbuckets)
{
    free(bp->buckets);
    bp->nbuckets = nbuckets;
    bp->buckets = xmalloc(nbuckets * sizeof *bp->buckets);
    for (size_t i = 0; i < nbuckets; i++) bp->buckets[i] = -1;
    for (size_t i = 0; i < bp->nframes; i++) {
        BufFrame *f = bp->frames[i];
        if (!f->valid) continue;
        size_t b = hash_pno(bp, f->pno);
        f->next = bp->buckets[b];
        bp->buckets[b] = (int)i;
    }
}

int bufpool_open(const char *path, size_t nframes, Wal *wal, BufPool **out, Err *err)
{
    BufPool *bp = xcalloc(1, sizeof *bp);
    bp->fd = -1;
    bp->wal = wal;
    pthread_mutex_init(&bp->mu, NULL);
    if (nframes < 8) nframes = 8;
    if (path) {
        bp->path = xstrdup(path);
        bp->fd = fio_open(path, O_RDWR | O_CREAT, err);
        if (bp->fd < 0) {
            free(bp->path);
            free(bp);
            return MDB_FAIL;
        }
        struct stat st;
        fstat(bp->fd, &st);
        bp->npages = (PageNo)(((u64)st.st_size + PAGE_SIZE - 1) / PAGE_SIZE);
        bp->capframes = nframes;
    } else {
        bp->capframes = SIZE_MAX; /* grows: nowhere to evict to */
    }
    size_t initial = path ? nframes : 64;
    bp->frames = xmalloc(initial * sizeof *bp->frames);
    for (size_t i = 0; i < initial; i++) bp->frames[i] = frame_new();
    bp->nframes = initial;
    size_t nb = 16;
    while (nb < initial * 2) nb *= 2;
    table_rebuild(bp, nb);
    *out = bp;
    return MDB_OK_;
}

void bufpool_close(BufPool *bp)
{
    if (!bp) return;
    for (size_t i = 0; i < bp->nframes; i++) {
        free(bp->frames[i]->data);
        pthread_mutex_destroy(&bp->frames[i]->latch);
        free(bp->frames[i]);
    }
    free(bp->frames);
    free(bp->buckets);
    if (bp->fd >= 0) close(bp->fd);
    free(bp->path);
    pthread_mutex_destroy(&bp->mu);
    free(bp);
}

bool bufpool_in_memory(const BufPool *bp) { return bp->path == NULL; }

static BufFrame *table_find(BufPool *bp, PageNo pno)
{
    for (int i = bp->buckets[hash_pno(bp, pno)]; i >= 0; i = bp->frames[i]->next)
        if (bp->frames[i]->pno == pno) return bp->frames[i];
    return NULL;
}

static void table_remove(BufPool *bp, BufFrame *f)
{
    int *link = &bp->buckets[hash_pno(bp, f->pno)];
    while (*link >= 0) {
        BufFrame *g = bp->frames[*link];
        if (g == f) {
            *link = f->next;
            break;
        }
        link = &g->next;
    }
    f->next = -1;
    f->valid = false;
}

static void table_insert(BufPool *bp, size_t idx, PageNo pno)
{
    BufFrame *f = bp->frames[idx];
    f->pno = pno;
    f->valid = true;
    size_t b = hash_pno(bp, pno);
    f->next = bp->buckets[b];
    bp->buckets[b] = (int)idx;
}

/* Writes a copy of frame f's page; the WAL rule first.  The caller holds a
 * pin on f or holds bp->mu with f unpinned (an eviction), so f keeps its page;
 * `copy` is a PAGE_SIZE scratch buffer.  Statistics are the caller's. */
static int frame_write(BufPool *bp, BufFrame *f, u8 *copy, Err *err)
{
    bufpool_latch(f);
    memcpy(copy, f->data, PAGE_SIZE);
    bufpool_unlatch(f);
    Lsn lsn = page_lsn(copy);
    page_hdr(copy)->pno = f->pno;
    page_set_checksum(copy);
    if (bp->wal && lsn > LSN_NONE && wal_flush(bp->wal, lsn, err)) return MDB_FAIL;
    if (fio_pwrite(bp->fd, bp->path, copy, PAGE_SIZE, (off_t)f->pno * PAGE_SIZE, err)) return MDB_FAIL;
    bufpool_latch(f);
    if (page_lsn(f->data) == lsn) f->dirty = false; /* unchanged while we wrote it */
    bufpool_unlatch(f);
    return MDB_OK_;
}

/* Finds a frame to reuse (caller holds mu): returns its index or -1 with err set. */
static long frame_victim(BufPool *bp, Err *err)
{
    if (!bp->path) {
        for (size_t i = 0; i < bp->nframes; i++)
            if (!bp->frames[i]->valid) return (long)i;
        size_t n = bp->nframes, cap = n * 2;
        bp->frames = xrealloc(bp->frames, cap * sizeof *bp->frames);
        for (size_t i = n; i < cap; i++) bp->frames[i] = frame_new();
        bp->nframes = cap;
        table_rebuild(bp, bp->nbuckets * 2);
        return (long)n;
    }
    /* two full sweeps clear every reference bit; a third finding nothing means all are pinned */
    for (size_t step = 0; step < bp->nframes * 3; step++) {
        size_t i = bp->hand;
        bp->hand = (bp->hand + 1) % bp->nframes;
        BufFrame *f = bp->frames[i];
        if (!f->valid) return (long)i;
        if (f->pins) continue;
        if (f->ref) {
            f->ref = false;
            continue;
        }
        if (f->dirty) {
            u8 copy[PAGE_SIZE] __attribute__((aligned(64)));
            if (frame_write(bp, f, copy, err)) return -1;
            bp->stats.writes++;
        }
        bp->stats.evictions++;
        table_remove(bp, f);
        return (long)i;
    }
    err_set(err, SQLSTATE_OUT_OF_MEMORY, "no unpinned buffers available (all %zu buffer pool pages are pinned)",
            bp->nframes);
    return -1;
}

/* mode 0: verify (error on damage); 1: redo (zero + flag on damage); 2: new page (no read). */
static int pin_common(BufPool *bp, PageNo pno, int mode, BufFrame **out, bool *corrupt, Err *err)
{
    if (corrupt) *corrupt = false;
    pthread_mutex_lock(&bp->mu);
    BufFrame *f = table_find(bp, pno);
    if (f) {
        f->pins++;
        f->ref = true;
        bp->stats.hits++;
        pthread_mutex_unlock(&bp->mu);
        *out = f;
        return MDB_OK_;
    }
    bp->stats.misses++;
    long idx = frame_victim(bp, err);
    if (idx < 0) {
        pthread_mutex_unlock(&bp->mu);
        return MDB_FAIL;
    }
    f = bp->frames[idx];
    memset(f->data, 0, PAGE_SIZE);
    if (mode != 2 && bp->path && pno < bp->npages) {
        size_t got;
        if (fio_pread(bp->fd, bp->path, f->data, PAGE_SIZE, (off_t)pno * PAGE_SIZE, &got, err)) {
            pthread_mutex_unlock(&bp->mu);
            return MDB_FAIL;
        }
        bp->stats.reads++;
        if (got < PAGE_SIZE) memset(f->data + got, 0, PAGE_SIZE - got); /* beyond EOF: never written */
        int v = page_verify(f->data, pno);
        if (v == 1) memset(f->data, 0, PAGE_SIZE);
        if (v < 0) {
            memset(f->data, 0, PAGE_SIZE);
            if (mode == 0) {
                pthread_mutex_unlock(&bp->mu);
                return err_set(err, SQLSTATE_DATA_CORRUPTED,
                               "invalid page in block %u of file \"%s\": checksum or page number mismatch", pno,
                               bp->path);
            }
            *corrupt = true;
        }
    }
    if (pno >= bp->npages) bp->npages = pno + 1;
    table_insert(bp, (size_t)idx, pno);
    f->pins = 1;
    f->ref = true;
    f->dirty = false;
    pthread_mutex_unlock(&bp->mu);
    *out = f;
    return MDB_OK_;
}

int bufpool_pin(BufPool *bp, PageNo pno, BufFrame **out, Err *err)
{
    return pin_common(bp, pno, 0, out, NULL, err);
}

int bufpool_pin_for_redo(BufPool *bp, PageNo pno, BufFrame **out, bool *corrupt, Err *err)
{
    return pin_common(bp, pno, 1, out, corrupt, err);
}

int bufpool_new_page(BufPool *bp, BufFrame **out, Err *err)
{
    pthread_mutex_lock(&bp->mu);
    PageNo pno = bp->npages++;
    pthread_mutex_unlock(&bp->mu);
    if (pin_common(bp, pno, 2, out, NULL, err)) return MDB_FAIL;
    page_hdr((*out)->data)->pno = pno;
    return MDB_OK_;
}

void bufpool_unpin(BufPool *bp, BufFrame *f)
{
    pthread_mutex_lock(&bp->mu);
    if (f->pins <= 0) MDB_FATAL("buffer unpinned more often than pinned");
    f->pins--;
    pthread_mutex_unlock(&bp->mu);
}

void bufpool_mark_dirty(BufFrame *f, Lsn lsn)
{
    page_hdr(f->data)->lsn = lsn;
    page_hdr(f->data)->pno = f->pno;
    f->dirty = true;
}

int bufpool_flush_all(BufPool *bp, Err *err)
{
    if (!bp->path) return MDB_OK_;
    u8 copy[PAGE_SIZE] __attribute__((aligned(64)));
    /* pin a batch of dirty frames, then write them without the pool mutex: a
     * writer holding a page latch may need the mutex (to pin or allocate)
     * before it lets go of the latch that the write-back waits for.  Batches
     * are small so that writers still find unpinned frames meanwhile (pinning
     * every dirty frame at once starved them: "no unpinned buffers"). */
    size_t batch = bp->nframes / 8 > 0 ? bp->nframes / 8 : 1;
    BufFrame **todo = xmalloc((batch + 1) * sizeof *todo);
    int rc = MDB_OK_;
    for (size_t next = 0; rc == MDB_OK_;) {
        size_t n = 0;
        pthread_mutex_lock(&bp->mu);
        for (; next < bp->nframes && n < batch; next++) {
            BufFrame *f = bp->frames[next];
            if (f->valid && f->dirty) {
                f->pins++;
                todo[n++] = f;
            }
        }
        pthread_mutex_unlock(&bp->mu);
        if (n == 0) break;
        size_t written = 0;
        for (size_t i = 0; i < n && rc == MDB_OK_; i++, written++) rc = frame_write(bp, todo[i], copy, err);
        pthread_mutex_lock(&bp->mu);
        bp->stats.writes += written;
        for (size_t i = 0; i < n; i++) todo[i]->pins--;
        pthread_mutex_unlock(&bp->mu);
    }
    free(todo);
    if (rc == MDB_OK_) rc = fio_fsync(bp->fd, bp->path, err);
    return rc;
}

void bufpool_discard_all(BufPool *bp)
{
    pthread_mutex_lock(&bp->mu);
    for (size_t i = 0; i < bp->nframes; i++) {
        BufFrame *f = bp->frames[i];
        if (f->valid && !f->pins) {
            table_remove(bp, f);
            f->dirty = false;
        }
    }
    if (bp->path) {
        struct stat st;
        if (fstat(bp->fd, &st) == 0) bp->npages = (PageNo)(((u64)st.st_size + PAGE_SIZE - 1) / PAGE_SIZE);
    }
    pthread_mutex_unlock(&bp->mu);
}

PageNo bufpool_npages(BufPool *bp)
{
    pthread_mutex_lock(&bp->mu);
    PageNo n = bp->npages;
    pthread_mutex_unlock(&bp->mu);
    return n;
}

void bufpool_stats(BufPool *bp, BufPoolStats *out)
{
    pthread_mutex_lock(&bp->mu);
    *out = bp->stats;
    pthread_mutex_unlock(&bp->mu);
}
