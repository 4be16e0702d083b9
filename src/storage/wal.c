/*
 * src/storage/wal.c — the write-ahead log (see wal.h): segment management,
 * appends into an in-memory buffer, group-commit flushes, the background
 * writer for synchronous_commit = off, and the readers used by recovery and
 * by undo.
 *
 * Appended bytes live in `buf` until a flush leader swaps the buffer out,
 * writes it to the segments and fsyncs them.  Appenders never wait for I/O
 * unless the buffer exceeds WAL_BUF_SOFT_MAX, when they write it out
 * themselves (without fsync) to bound memory.
 */
#include "storage/wal.h"

#include <dirent.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storage/crc32c.h"
#include "storage/fileio.h"

#define WAL_BUF_SOFT_MAX (8u << 20)

typedef struct WalSeg {
    Lsn start;
    int fd;      /* file mode; -1 when not open */
    u8 *mem;     /* in-memory mode: segment_size bytes */
    bool dirty;  /* written since the last fsync */
} WalSeg;

struct Wal {
    char *dir; /* NULL: in memory */
    WalOptions opt;
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a flush finished */
    pthread_cond_t writer_cv; /* wakes the background writer */
    pthread_mutex_t io_mu;   /* serialises writers of segment data (leader and readers) */
    Lsn insert_lsn;          /* next record starts here */
    Lsn buf_start;           /* LSN of buf[0] */
    u8 *buf;
    size_t buf_len, buf_cap;
    Lsn written_lsn;         /* bytes below are in the segments (OS cache) */
    Lsn flushed_lsn;         /* bytes below are durable */
    bool flushing;           /* a leader is doing I/O */
    bool failed;
    bool started;
    _Atomic Lsn redo_lsn;
    WalSeg *segs;            /* sorted by start */
    size_t nsegs, capsegs;
    WalStats stats;
    pthread_t writer;
    bool writer_running, stopping;
};

void wal_options_default(WalOptions *o)
{
    o->segment_size = 16u << 20;
    o->synchronous_commit = true;
    o->writer_delay_ms = 10;
}

static int wal_fail(Wal *w, Err *err)
{
    return err_set(err, SQLSTATE_IO_ERROR, "the write-ahead log is unusable after an earlier write or fsync failure");
}

static void seg_path(const Wal *w, Lsn start, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%016llX.wal", w->dir, (unsigned long long)start);
}

/* Finds the segment holding lsn, creating it when `create`; NULL if absent. */
static WalSeg *seg_get(Wal *w, Lsn lsn, bool create, Err *err)
{
    Lsn start = lsn - lsn % w->opt.segment_size;
    size_t lo = 0, hi = w->nsegs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->segs[mid].start < start) lo = mid + 1;
        else hi = mid;
    }
    if (lo < w->nsegs && w->segs[lo].start == start) {
        WalSeg *s = &w->segs[lo];
        if (w->dir && s->fd < 0) {
            char p[4096];
            seg_path(w, s->start, p, sizeof p);
            s->fd = fio_open(p, O_RDWR, err);
            if (s->fd < 0) return NULL;
        }
        return s;
    }
    if (!create) return NULL;
    WalSeg s = {start, -1, NULL, false};
    if (w->dir) {
        char p[4096];
        seg_path(w, start, p, sizeof p);
        s.fd = fio_open(p, O_RDWR | O_CREAT, err);
        if (s.fd < 0) return NULL;
    } else {
        s.mem = xcalloc(1, w->opt.segment_size);
    }
    if (w->nsegs == w->capsegs) {
        w->capsegs = w->capsegs ? w->capsegs * 2 : 8;
        w->segs = xrealloc(w->segs, w->capsegs * sizeof *w->segs);
    }
    memmove(&w->segs[lo + 1], &w->segs[lo], (w->nsegs - lo) * sizeof *w->segs);
    w->segs[lo] = s;
    w->nsegs++;
    return &w->segs[lo];
}

/* Writes bytes of the stream at lsn into the segments (caller holds io_mu:
 * the segment array changes only under it). */
static int seg_write(Wal *w, Lsn lsn, const u8 *p, size_t n, Err *err)
{
    while (n) {
        WalSeg *s = seg_get(w, lsn, true, err);
        if (!s) return MDB_FAIL;
        u64 off = lsn - s->start;
        size_t k = (size_t)MDB_MIN((u64)n, w->opt.segment_size - off);
        if (s->mem) memcpy(s->mem + off, p, k);
        else {
            char path[4096];
            seg_path(w, s->start, path, sizeof path);
            if (fio_pwrite(s->fd, path, p, k, (off_t)off, err)) return MDB_FAIL;
        }
        s->dirty = true;
        lsn += k;
        p += k;
        n -= k;
    }
    return MDB_OK_;
}

/* Reads stream bytes; *got < n when the log ends first. */
static int seg_read(Wal *w, Lsn lsn, u8 *p, size_t n, size_t *got, Err *err)
{
    size_t done = 0;
    while (done < n) {
        WalSeg *s = seg_get(w, lsn, false, err);
        if (!s) {
            if (err->is_set) return MDB_FAIL;
            break;
        }
        u64 off = lsn - s->start;
        size_t k = (size_t)MDB_MIN((u64)(n - done), w->opt.segment_size - off), r = k;
        if (s->mem) memcpy(p + done, s->mem + off, k);
        else {
            char path[4096];
            seg_path(w, s->start, path, sizeof path);
            if (fio_pread(s->fd, path, p + done, k, (off_t)off, &r, err)) return MDB_FAIL;
        }
        done += r;
        lsn += r;
        if (r < k) break;
    }
    *got = done;
    return MDB_OK_;
}

static void *writer_main(void *arg);

static int cmp_seg(const void *a, const void *b)
{
    Lsn x = ((const WalSeg *)a)->start, y = ((const WalSeg *)b)->start;
    return x < y ? -1 : x > y;
}

int wal_open(const char *dir, const WalOptions *opt, Wal **out, Err *err)
{
    Wal *w = xcalloc(1, sizeof *w);
    if (opt) w->opt = *opt;
    else wal_options_default(&w->opt);
    if (w->opt.segment_size < 4096) w->opt.segment_size = 4096;
    if (w->opt.writer_delay_ms <= 0) w->opt.writer_delay_ms = 10;
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->io_mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->writer_cv, NULL);
    w->insert_lsn = w->buf_start = w->written_lsn = w->flushed_lsn = WAL_FIRST_LSN;
    atomic_init(&w->redo_lsn, WAL_FIRST_LSN);
    if (dir) {
        w->dir = xstrdup(dir);
        if (fio_mkdir(dir, err)) goto fail;
        DIR *d = opendir(dir);
        if (!d) {
            err_set(err, SQLSTATE_IO_ERROR, "could not open directory \"%s\": %s", dir, strerror(errno));
            goto fail;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            unsigned long long start;
            char tail[8];
            if (strlen(de->d_name) != 20 || sscanf(de->d_name, "%16llX%7s", &start, tail) != 2 ||
                strcmp(tail, ".wal") != 0)
                continue;
            if (start % w->opt.segment_size) continue; /* written with another segment size: ignored */
            if (w->nsegs == w->capsegs) {
                w->capsegs = w->capsegs ? w->capsegs * 2 : 8;
                w->segs = xrealloc(w->segs, w->capsegs * sizeof *w->segs);
            }
            w->segs[w->nsegs++] = (WalSeg){start, -1, NULL, false};
        }
        closedir(d);
        if (w->nsegs) qsort(w->segs, w->nsegs, sizeof *w->segs, cmp_seg);
    }
    *out = w;
    return MDB_OK_;
fail:
    free(w->dir);
    free(w);
    return MDB_FAIL;
}

int wal_start_append(Wal *w, Lsn lsn, Err *err)
{
    pthread_mutex_lock(&w->io_mu);
    pthread_mutex_lock(&w->mu);
    /* drop whole segments past the end, cut the one holding it */
    Lsn segstart = lsn - lsn % w->opt.segment_size;
    while (w->nsegs && w->segs[w->nsegs - 1].start > segstart) {
        WalSeg *s = &w->segs[--w->nsegs];
        if (s->fd >= 0) close(s->fd);
        free(s->mem);
        if (w->dir) {
            char p[4096];
            seg_path(w, s->start, p, sizeof p);
            unlink(p);
        }
    }
    WalSeg *s = seg_get(w, lsn, true, err);
    int rc = MDB_OK_;
    if (!s) rc = MDB_FAIL;
    else if (s->fd >= 0) {
        char p[4096];
        seg_path(w, s->start, p, sizeof p);
        if (ftruncate(s->fd, (off_t)(lsn - s->start)) != 0)
            rc = err_set(err, SQLSTATE_IO_ERROR, "could not truncate file \"%s\": %s", p, strerror(errno));
        else if (fio_fsync(s->fd, p, err) || fio_fsync_dir(w->dir, err))
            rc = MDB_FAIL;
    } else if (s->mem) {
        memset(s->mem + (lsn - s->start), 0, w->opt.segment_size - (lsn - s->start));
    }
    if (rc == MDB_OK_) {
        w->insert_lsn = w->buf_start = w->written_lsn = w->flushed_lsn = lsn;
        w->buf_len = 0;
        w->started = true;
        if (atomic_load(&w->redo_lsn) > lsn) atomic_store(&w->redo_lsn, lsn);
        if (!w->writer_running) {
            w->writer_running = true;
            pthread_create(&w->writer, NULL, writer_main, w);
        }
    } else {
        w->failed = true;
    }
    pthread_mutex_unlock(&w->mu);
    pthread_mutex_unlock(&w->io_mu);
    return rc;
}

/* The flush protocol.  Called with mu held; returns with mu held.  Becomes
 * the leader when nobody flushes, otherwise waits for the running leader and
 * re-checks.  `sync` false only writes (no fsync). */
static int flush_locked(Wal *w, Lsn target, bool sync, Err *err)
{
    /* before wal_start_append (recovery) the log on disk is all there is and
     * was fsynced by wal_sync_all; a target past the end would never be met */
    if (!w->started) return w->failed ? wal_fail(w, err) : MDB_OK_;
    if (target > w->insert_lsn) target = w->insert_lsn;
    for (;;) {
        if (w->failed) return wal_fail(w, err);
        if ((sync ? w->flushed_lsn : w->written_lsn) >= target) return MDB_OK_;
        if (w->flushing) {
            w->stats.flush_waits++;
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        /* leader: take everything appended so far, so waiters that arrive
         * while we do the I/O are covered too */
        w->flushing = true;
        u8 *data = w->buf;
        size_t len = w->buf_len;
        Lsn start = w->buf_start, end = start + len;
        w->buf = NULL;
        w->buf_len = w->buf_cap = 0;
        w->buf_start = end;
        pthread_mutex_unlock(&w->mu);

        Err ioerr = {0};
        int rc = MDB_OK_;
        /* the segment array changes only under io_mu, so appenders keep
         * going while we write and fsync */
        pthread_mutex_lock(&w->io_mu);
        if (len) rc = seg_write(w, start, data, len, &ioerr);
        size_t nsegs = w->nsegs;
        u64 fsyncs = 0;
        if (rc == MDB_OK_ && sync) {
            for (size_t i = 0; i < nsegs && rc == MDB_OK_; i++) {
                WalSeg *s = &w->segs[i];
                if (!s->dirty) continue;
                if (s->fd >= 0) {
                    char p[4096];
                    seg_path(w, s->start, p, sizeof p);
                    rc = fio_fsync(s->fd, p, &ioerr);
                    fsyncs++;
                }
                if (rc == MDB_OK_) s->dirty = false;
            }
        }
        pthread_mutex_unlock(&w->io_mu);
        free(data);

        pthread_mutex_lock(&w->mu);
        w->flushing = false;
        if (rc != MDB_OK_) {
            w->failed = true;
            pthread_cond_broadcast(&w->cv);
            err_move(err, &ioerr);
            return MDB_FAIL;
        }
        w->stats.writes++;
        w->stats.fsyncs += fsyncs;
        if (end > w->written_lsn) w->written_lsn = end;
        if (sync && end > w->flushed_lsn) w->flushed_lsn = end;
        pthread_cond_broadcast(&w->cv);
    }
}

int wal_append2(Wal *w, WalRecHdr *hdr, const void *p1, size_t n1, const void *p2, size_t n2, Lsn *lsn, Lsn *end,
                Err *err)
{
    size_t len = WAL_HDR_SIZE + n1 + n2;
    if (len > WAL_MAX_RECORD)
        return err_set(err, "54000", "write-ahead log record of %zu bytes exceeds the maximum of %u", len,
                       WAL_MAX_RECORD);
    pthread_mutex_lock(&w->mu);
    if (w->failed || !w->started) {
        pthread_mutex_unlock(&w->mu);
        if (!w->started) return err_set(err, SQLSTATE_INTERNAL_ERROR, "write-ahead log not opened for appending");
        return wal_fail(w, err);
    }
    hdr->len = (u32)len;
    hdr->lsn = w->insert_lsn;
    hdr->pad16 = 0;
    hdr->pad32 = 0;
    u32 crc = crc32c_extend(0, (const u8 *)hdr + 4, WAL_HDR_SIZE - 4);
    if (n1) crc = crc32c_extend(crc, p1, n1);
    if (n2) crc = crc32c_extend(crc, p2, n2);
    hdr->crc = crc;
    if (w->buf_len + len > w->buf_cap) {
        size_t cap = w->buf_cap ? w->buf_cap : 65536;
        while (cap < w->buf_len + len) cap *= 2;
        w->buf = xrealloc(w->buf, cap);
        w->buf_cap = cap;
    }
    memcpy(w->buf + w->buf_len, hdr, WAL_HDR_SIZE);
    if (n1) memcpy(w->buf + w->buf_len + WAL_HDR_SIZE, p1, n1);
    if (n2) memcpy(w->buf + w->buf_len + WAL_HDR_SIZE + n1, p2, n2);
    w->buf_len += len;
    if (lsn) *lsn = w->insert_lsn;
    w->insert_lsn += len;
    if (end) *end = w->insert_lsn;
    w->stats.appends++;
    w->stats.bytes += len;
    int rc = MDB_OK_;
    if (w->buf_len > WAL_BUF_SOFT_MAX && !w->flushing) rc = flush_locked(w, w->insert_lsn, false, err);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wal_append(Wal *w, WalRecHdr *hdr, const void *payload, size_t plen, Lsn *lsn, Lsn *end, Err *err)
{
    return wal_append2(w, hdr, payload, plen, NULL, 0, lsn, end, err);
}

int wal_flush(Wal *w, Lsn lsn, Err *err)
{
    pthread_mutex_lock(&w->mu);
    int rc = flush_locked(w, lsn, true, err);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wal_commit_wait(Wal *w, Lsn end, Err *err)
{
    pthread_mutex_lock(&w->mu);
    w->stats.commits++;
    int rc;
    if (w->opt.synchronous_commit) rc = flush_locked(w, end, true, err);
    else {
        rc = w->failed ? wal_fail(w, err) : MDB_OK_;
        pthread_cond_signal(&w->writer_cv);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static void *writer_main(void *arg)
{
    Wal *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)w->opt.writer_delay_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&w->writer_cv, &w->mu, &ts);
        if (w->stopping) break;
        if (!w->opt.synchronous_commit && !w->failed && w->flushed_lsn < w->insert_lsn) {
            Err e = {0};
            flush_locked(w, w->insert_lsn, true, &e); /* a failure marks the log failed; next commit reports it */
            err_clear(&e);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

Lsn wal_insert_lsn(Wal *w)
{
    pthread_mutex_lock(&w->mu);
    Lsn l = w->insert_lsn;
    pthread_mutex_unlock(&w->mu);
    return l;
}

Lsn wal_flushed_lsn(Wal *w)
{
    pthread_mutex_lock(&w->mu);
    Lsn l = w->flushed_lsn;
    pthread_mutex_unlock(&w->mu);
    return l;
}

bool wal_failed(Wal *w)
{
    pthread_mutex_lock(&w->mu);
    bool f = w->failed;
    pthread_mutex_unlock(&w->mu);
    return f;
}

void wal_set_synchronous_commit(Wal *w, bool on)
{
    pthread_mutex_lock(&w->mu);
    w->opt.synchronous_commit = on;
    pthread_mutex_unlock(&w->mu);
}

void wal_stats(Wal *w, WalStats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}

Lsn wal_redo_lsn(Wal *w) { return atomic_load(&w->redo_lsn); }
void wal_set_redo_lsn(Wal *w, Lsn lsn) { atomic_store(&w->redo_lsn, lsn); }

int wal_truncate_before(Wal *w, Lsn lsn, Err *err)
{
    pthread_mutex_lock(&w->io_mu);
    pthread_mutex_lock(&w->mu);
    size_t k = 0;
    while (k < w->nsegs && w->segs[k].start + w->opt.segment_size <= lsn && w->segs[k].start + w->opt.segment_size <= w->written_lsn)
        k++;
    for (size_t i = 0; i < k; i++) {
        WalSeg *s = &w->segs[i];
        if (s->fd >= 0) close(s->fd);
        free(s->mem);
        if (w->dir) {
            char p[4096];
            seg_path(w, s->start, p, sizeof p);
            unlink(p);
        }
    }
    if (k) memmove(w->segs, w->segs + k, (w->nsegs - k) * sizeof *w->segs);
    w->nsegs -= k;
    pthread_mutex_unlock(&w->mu);
    pthread_mutex_unlock(&w->io_mu);
    (void)err;
    return MDB_OK_;
}

int wal_sync_all(Wal *w, Err *err)
{
    pthread_mutex_lock(&w->io_mu);
    int rc = MDB_OK_;
    for (size_t i = 0; i < w->nsegs && rc == MDB_OK_ && w->dir; i++) {
        WalSeg *s = seg_get(w, w->segs[i].start, false, err);
        char p[4096];
        seg_path(w, w->segs[i].start, p, sizeof p);
        if (!s || fio_fsync(s->fd, p, err)) rc = MDB_FAIL;
    }
    pthread_mutex_unlock(&w->io_mu);
    if (rc) {
        pthread_mutex_lock(&w->mu);
        w->failed = true;
        pthread_mutex_unlock(&w->mu);
    }
    return rc;
}

Lsn wal_oldest_lsn(Wal *w)
{
    pthread_mutex_lock(&w->io_mu);
    Lsn l = w->nsegs ? MDB_MAX(w->segs[0].start, WAL_FIRST_LSN) : WAL_FIRST_LSN;
    pthread_mutex_unlock(&w->io_mu);
    return l;
}

/* Reads and verifies the record at lsn into *buf (grown as needed).  Returns
 * 1 when valid, 0 at the end of the valid log (reason in *why), -1 on an I/O
 * error. */
static int read_record_at(Wal *w, Lsn lsn, u8 **buf, size_t *cap, const char **why, Err *err)
{
    WalRecHdr h;
    size_t got;
    pthread_mutex_lock(&w->io_mu);
    int rc = seg_read(w, lsn, (u8 *)&h, WAL_HDR_SIZE, &got, err);
    int res = 1;
    if (rc) res = -1;
    else if (got < WAL_HDR_SIZE) *why = "end of log", res = 0;
    else if (h.lsn != lsn || h.len < WAL_HDR_SIZE || h.len > WAL_MAX_RECORD) *why = "invalid record header", res = 0;
    else {
        if (*cap < h.len) {
            *cap = h.len;
            *buf = xrealloc(*buf, *cap);
        }
        rc = seg_read(w, lsn, *buf, h.len, &got, err);
        if (rc) res = -1;
        else if (got < h.len) *why = "partial record at end of log", res = 0;
        else if (crc32c(*buf + 4, h.len - 4) != h.crc) *why = "record checksum mismatch", res = 0;
    }
    pthread_mutex_unlock(&w->io_mu);
    return res;
}

int wal_read_record(Wal *w, Lsn lsn, WalRecHdr **rec, Err *err)
{
    pthread_mutex_lock(&w->mu);
    int rc = flush_locked(w, lsn + WAL_HDR_SIZE, false, err);
    pthread_mutex_unlock(&w->mu);
    if (rc) return rc;
    u8 *buf = NULL;
    size_t cap = 0;
    const char *why = NULL;
    int r = read_record_at(w, lsn, &buf, &cap, &why, err);
    if (r == 1) {
        *rec = (WalRecHdr *)buf;
        return MDB_OK_;
    }
    free(buf);
    if (r < 0) return MDB_FAIL;
    return err_set(err, SQLSTATE_DATA_CORRUPTED, "could not read write-ahead log record at %llu: %s",
                   (unsigned long long)lsn, why);
}

void wal_reader_init(WalReader *r, Wal *w, Lsn from)
{
    memset(r, 0, sizeof *r);
    r->w = w;
    r->next = from;
}

#define WAL_READAHEAD (4u << 20)

/* Makes the stream bytes [lsn, lsn + n) available in the read-ahead window
 * when the log holds them.  Returns how many of the n bytes are there (fewer
 * at the end of the log), -1 on an I/O error. */
static ssize_t reader_fill(WalReader *r, Lsn lsn, size_t n)
{
    if (lsn >= r->ra_start && lsn + n <= r->ra_start + r->ra_len) return (ssize_t)n;
    size_t want = MDB_MAX(n, (size_t)WAL_READAHEAD);
    if (r->ra_cap < want) {
        free(r->ra);
        r->ra = xmalloc(want);
        r->ra_cap = want;
    }
    Err e = {0};
    size_t got = 0;
    pthread_mutex_lock(&r->w->io_mu);
    int rc = seg_read(r->w, lsn, r->ra, want, &got, &e);
    pthread_mutex_unlock(&r->w->io_mu);
    if (rc) {
        err_clear(&e);
        r->ra_len = 0;
        return -1;
    }
    r->ra_start = lsn;
    r->ra_len = got;
    return (ssize_t)MDB_MIN(got, n);
}

bool wal_reader_next(WalReader *r, const WalRecHdr **rec)
{
    ssize_t a = reader_fill(r, r->next, WAL_HDR_SIZE);
    if (a < 0) {
        r->stop_reason = "read error";
        return false;
    }
    if (a < WAL_HDR_SIZE) {
        r->stop_reason = "end of log";
        return false;
    }
    WalRecHdr h;
    memcpy(&h, r->ra + (r->next - r->ra_start), WAL_HDR_SIZE);
    if (h.lsn != r->next || h.len < WAL_HDR_SIZE || h.len > WAL_MAX_RECORD) {
        r->stop_reason = "invalid record header";
        return false;
    }
    a = reader_fill(r, r->next, h.len);
    if (a < 0) {
        r->stop_reason = "read error";
        return false;
    }
    if ((size_t)a < h.len) {
        r->stop_reason = "partial record at end of log";
        return false;
    }
    if (r->cap < h.len) {
        r->cap = MDB_MAX((size_t)h.len, (size_t)65536);
        free(r->buf);
        r->buf = xmalloc(r->cap);
    }
    memcpy(r->buf, r->ra + (r->next - r->ra_start), h.len);
    if (crc32c(r->buf + 4, h.len - 4) != h.crc) {
        r->stop_reason = "record checksum mismatch";
        return false;
    }
    *rec = (const WalRecHdr *)r->buf;
    r->next += h.len;
    return true;
}

void wal_reader_free(WalReader *r)
{
    free(r->buf);
    free(r->ra);
    r->buf = r->ra = NULL;
}

void wal_close(Wal *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    if (w->started && !w->failed) {
        Err e = {0};
        flush_locked(w, w->insert_lsn, true, &e);
        err_clear(&e);
    }
    w->stopping = true;
    pthread_cond_broadcast(&w->writer_cv);
    pthread_mutex_unlock(&w->mu);
    if (w->writer_running) pthread_join(w->writer, NULL);
    for (size_t i = 0; i < w->nsegs; i++) {
        if (w->segs[i].fd >= 0) close(w->segs[i].fd);
        free(w->segs[i].mem);
    }
    free(w->segs);
    free(w->buf);
    free(w->dir);
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->io_mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->writer_cv);
    free(w);
}
