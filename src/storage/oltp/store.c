/*
 * src/storage/oltp/store.c — opening an OLTP store with recovery, the
 * checkpoint and the control file (see store.h).
 */
#include "storage/oltp/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "storage/crc32c.h"
#include "storage/oltp/vacuum.h"

#define CONTROL_MAGIC 0x4D444243u /* "MDBC" */

typedef struct ControlFile {
    u32 magic;
    u32 version;
    Lsn checkpoint_lsn;
    u32 flags; /* CONTROL_CLEAN (0 in earlier versions) */
    u32 crc;
} ControlFile;

#define CONTROL_CLEAN 1u /* written by the final checkpoint of a close that accounted for every page */

typedef struct CheckpointBody {
    Lsn redo_lsn;
    Lsn oldest_active; /* LSN_NONE: no live transaction had logged anything */
    u64 next_xid;
} CheckpointBody;

void oltp_options_default(OltpOptions *o)
{
    o->pool_pages = 16384;
    /* tests and benchmarks: a smaller (or larger) pool, e.g. to make a bulk load evict dirty pages */
    const char *pp = getenv("MEGADB_OLTP_POOL_PAGES");
    if (pp) {
        long v = strtol(pp, NULL, 10);
        if (v >= 64 && v <= (1L << 24)) o->pool_pages = (size_t)v;
    }
    o->checkpoint_wal_bytes = (u64)64 << 20;
    wal_options_default(&o->wal);
}

static void path_join(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static int control_read(const char *dir, Lsn *ckpt, u32 *flags, bool *exists, Err *err)
{
    char p[4096];
    path_join(p, sizeof p, dir, "control");
    *ckpt = LSN_NONE;
    *flags = 0;
    *exists = false;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return MDB_OK_;
        return err_set(err, SQLSTATE_IO_ERROR, "could not open file \"%s\": %s", p, strerror(errno));
    }
    ControlFile c;
    size_t got;
    int rc = fio_pread(fd, p, &c, sizeof c, 0, &got, err);
    close(fd);
    if (rc) return rc;
    if (got != sizeof c || c.magic != CONTROL_MAGIC || c.crc != crc32c(&c, offsetof(ControlFile, crc)))
        return err_set(err, SQLSTATE_DATA_CORRUPTED, "control file \"%s\" is damaged", p);
    *ckpt = c.checkpoint_lsn;
    *flags = c.flags;
    *exists = true;
    return MDB_OK_;
}

static int control_write(const char *dir, Lsn ckpt, u32 flags, Err *err)
{
    char p[4096], tmp[4096];
    path_join(p, sizeof p, dir, "control");
    path_join(tmp, sizeof tmp, dir, "control.tmp");
    ControlFile c = {CONTROL_MAGIC, 1, ckpt, flags, 0};
    c.crc = crc32c(&c, offsetof(ControlFile, crc));
    int fd = fio_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, err);
    if (fd < 0) return MDB_FAIL;
    int rc = fio_pwrite(fd, tmp, &c, sizeof c, 0, err);
    if (rc == MDB_OK_) rc = fio_fsync(fd, tmp, err);
    close(fd);
    if (rc) return rc;
    if (rename(tmp, p) != 0)
        return err_set(err, SQLSTATE_IO_ERROR, "could not rename file \"%s\": %s", tmp, strerror(errno));
    return fio_fsync_dir(dir, err);
}

/* Transactions seen during the scan: open addressing on xid. */
typedef struct TxnSlot {
    u64 xid;   /* 0 = empty */
    Lsn last;
    bool ended;
} TxnSlot;
typedef struct TxnTable {
    TxnSlot *s;
    size_t cap, n;
} TxnTable;

static TxnSlot *txntab_get(TxnTable *t, u64 xid)
{
    if ((t->n + 1) * 2 > t->cap) {
        TxnTable g = {xcalloc(t->cap ? t->cap * 2 : 256, sizeof(TxnSlot)), t->cap ? t->cap * 2 : 256, 0};
        for (size_t i = 0; i < t->cap; i++)
            if (t->s[i].xid) *txntab_get(&g, t->s[i].xid) = t->s[i], g.n++;
        free(t->s);
        *t = g;
    }
    size_t i = (xid * 0x9E3779B97F4A7C15ull) & (t->cap - 1);
    while (t->s[i].xid && t->s[i].xid != xid) i = (i + 1) & (t->cap - 1);
    if (!t->s[i].xid) {
        t->s[i].xid = xid;
        t->n++;
    }
    return &t->s[i];
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int recover(OltpStore *s, Err *err)
{
    OltpRecoveryStats *rs = &s->recovery;
    double t0 = now_s();
    Lsn start = wal_oldest_lsn(s->wal);
    Lsn redo = start;
    u64 next_xid = 1;
    rs->checkpoint_lsn = s->checkpoint_lsn;
    if (s->checkpoint_lsn != LSN_NONE) {
        WalReader r;
        const WalRecHdr *rec;
        wal_reader_init(&r, s->wal, s->checkpoint_lsn);
        bool ok = wal_reader_next(&r, &rec) && rec->type == WAL_REC_CHECKPOINT &&
                  wal_payload_len(rec) == sizeof(CheckpointBody);
        CheckpointBody cb;
        if (ok) memcpy(&cb, wal_payload(rec), sizeof cb);
        wal_reader_free(&r);
        if (!ok)
            return err_set(err, SQLSTATE_DATA_CORRUPTED, "checkpoint record at %llu named by the control file is missing",
                           (unsigned long long)s->checkpoint_lsn);
        redo = cb.redo_lsn;
        start = cb.oldest_active != LSN_NONE && cb.oldest_active < redo ? cb.oldest_active : redo;
        next_xid = cb.next_xid;
        wal_set_redo_lsn(s->wal, redo);
    }
    if (wal_sync_all(s->wal, err)) return MDB_FAIL;
    rs->start_lsn = start;
    TxnTable tt = {0};
    WalReader r;
    const WalRecHdr *rec;
    wal_reader_init(&r, s->wal, start);
    int rc = MDB_OK_;
    while (wal_reader_next(&r, &rec)) {
        rs->records++;
        if ((rc = btree_redo(&s->env, rec, err))) break;
        if (rec->xid) {
            if (rec->xid >= next_xid) next_xid = rec->xid + 1;
            TxnSlot *ts = txntab_get(&tt, rec->xid);
            ts->last = rec->lsn;
            if (rec->type == WAL_REC_COMMIT || rec->type == WAL_REC_ABORT) ts->ended = true;
        }
    }
    rs->end_lsn = r.next;
    rs->stop_reason = r.stop_reason;
    wal_reader_free(&r);
    if (rc == MDB_OK_) rc = wal_start_append(s->wal, rs->end_lsn, err);
    /* the free-page list after redo (which restored the store page) and before undo (whose
     * overflow chains go back to it) */
    if (rc == MDB_OK_) rc = btenv_freelist_init(&s->env, err);
    s->env.next_xid = next_xid;
    rs->max_xid = next_xid - 1;
    for (size_t i = 0; rc == MDB_OK_ && i < tt.cap; i++) {
        if (!tt.s[i].xid || tt.s[i].ended) continue;
        rs->losers++;
        rc = bt_undo_chain(&s->env, tt.s[i].xid, tt.s[i].last, err);
    }
    free(tt.s);
    rs->seconds = now_s() - t0;
    return rc;
}

int oltp_store_open(const char *dir, const OltpOptions *opt, OltpStore **out, Err *err)
{
    OltpOptions o;
    if (opt) o = *opt;
    else oltp_options_default(&o);
    OltpStore *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    s->checkpoint_wal_bytes = o.checkpoint_wal_bytes;
    char p[4096];
    int rc = MDB_OK_;
    u32 cflags = 0;
    bool cexists = false;
    if (dir) {
        s->dir = xstrdup(dir);
        if ((rc = fio_mkdir(dir, err))) goto fail;
        if ((rc = control_read(dir, &s->checkpoint_lsn, &cflags, &cexists, err))) goto fail;
        path_join(p, sizeof p, dir, "wal");
    }
    if ((rc = wal_open(dir ? p : NULL, &o.wal, &s->wal, err))) goto fail;
    if (dir) path_join(p, sizeof p, dir, "data.pages");
    if ((rc = bufpool_open(dir ? p : NULL, o.pool_pages, s->wal, &s->bp, err))) goto fail;
    btenv_init(&s->env, s->bp, s->wal);
    if ((rc = recover(s, err))) goto fail;
    /* a store that existed and was not closed cleanly may hold pages nobody owns */
    s->need_sweep = dir && cexists && !(cflags & CONTROL_CLEAN) && s->env.fl_page != PAGE_NONE;
    if (dir && (rc = oltp_store_checkpoint(s, err))) goto fail;
    s->vac = oltp_vacuum_new(s);
    *out = s;
    return MDB_OK_;
fail:
    if (s->bp) btenv_destroy(&s->env);
    bufpool_close(s->bp);
    wal_close(s->wal);
    free(s->dir);
    free(s);
    return rc;
}

int oltp_store_checkpoint(OltpStore *s, Err *err)
{
    pthread_mutex_lock(&s->ckpt_mu);
    CheckpointBody cb;
    pthread_rwlock_wrlock(&s->env.ckpt_lock);
    cb.redo_lsn = wal_insert_lsn(s->wal);
    wal_set_redo_lsn(s->wal, cb.redo_lsn);
    cb.oldest_active = bt_oldest_active_lsn(&s->env);
    pthread_mutex_lock(&s->env.mu);
    cb.next_xid = s->env.next_xid;
    pthread_mutex_unlock(&s->env.mu);
    pthread_rwlock_unlock(&s->env.ckpt_lock);
    int rc = bufpool_flush_all(s->bp, err);
    Lsn lsn = LSN_NONE, end;
    if (rc == MDB_OK_) {
        WalRecHdr h = {0};
        h.type = WAL_REC_CHECKPOINT;
        rc = wal_append(s->wal, &h, &cb, sizeof cb, &lsn, &end, err);
    }
    if (rc == MDB_OK_) rc = wal_flush(s->wal, end, err);
    if (rc == MDB_OK_ && s->dir) rc = control_write(s->dir, lsn, s->closing_clean ? CONTROL_CLEAN : 0, err);
    if (rc == MDB_OK_) {
        s->checkpoint_lsn = lsn;
        Lsn keep = cb.oldest_active != LSN_NONE && cb.oldest_active < cb.redo_lsn ? cb.oldest_active : cb.redo_lsn;
        rc = wal_truncate_before(s->wal, keep, err);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    return rc;
}

int oltp_store_maybe_checkpoint(OltpStore *s, Err *err)
{
    if (!s->checkpoint_wal_bytes || wal_insert_lsn(s->wal) - wal_redo_lsn(s->wal) < s->checkpoint_wal_bytes)
        return MDB_OK_;
    if (pthread_mutex_trylock(&s->ckpt_mu) != 0) return MDB_OK_; /* one is running: it will do */
    pthread_mutex_unlock(&s->ckpt_mu);
    return oltp_store_checkpoint(s, err);
}

int oltp_store_close(OltpStore *s, bool checkpoint, Err *err)
{
    if (!s) return MDB_OK_;
    oltp_vacuum_free(s->vac); /* stops the worker first, frees the retired trees it can */
    s->vac = NULL;
    /* clean: every page is in a tree the catalog names or on the free list, as far as this
     * session knows (it swept what an unclean close before left, lost nothing itself) */
    s->closing_clean = !s->need_sweep && s->env.leaked == 0;
    int rc = checkpoint ? oltp_store_checkpoint(s, err) : MDB_OK_;
    btenv_destroy(&s->env);
    wal_close(s->wal);
    bufpool_close(s->bp);
    pthread_mutex_destroy(&s->ckpt_mu);
    free(s->dir);
    free(s);
    return rc;
}
