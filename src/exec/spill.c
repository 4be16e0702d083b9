/*
 * src/exec/spill.c — the statement's memory budget (MemTrack) and the
 * temporary files that spilling operators write chunks to (see spill.h).
 *
 * A spilled chunk is one block: an 8-byte length, the row count, then per
 * column a NULL flag (and mask) and the values — fixed-width values as they
 * are in memory, strings as length + bytes.  Blocks are appended with one
 * pwrite and read with pread at explicit offsets, so one file may hold many
 * runs or partitions and be read by several cursors.
 */
#define _GNU_SOURCE
#include "exec/spill.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- memory budget --------------------------------------------------------------------- */

static Exec *mem_root(Exec *ex)
{
    while (ex->parent) ex = ex->parent;
    return ex;
}

static void memtrack_cleanup(void *p) { memtrack_release(p); }

MemTrack *memtrack_new(Exec *ex)
{
    MemTrack *t = NULL;
    pthread_mutex_lock(&ex->defer_mu);
    t = arena_zalloc(ex->arena, sizeof(MemTrack));
    pthread_mutex_unlock(&ex->defer_mu);
    t->ex = ex;
    exec_defer(ex, memtrack_cleanup, t);
    return t;
}

int memtrack_update(MemTrack *t, i64 usage)
{
    Exec *root = mem_root(t->ex);
    i64 delta = usage - t->held;
    if (delta <= 0) {
        if (delta < 0) {
            atomic_fetch_add(&root->mem_used, delta);
            t->held = usage;
        }
        return MDB_OK_;
    }
    i64 limit = root->mem_limit > 0 ? root->mem_limit : INT64_MAX;
    i64 before = atomic_fetch_add(&root->mem_used, delta);
    /* every structure may hold a small floor whatever the others hold: an
     * operator above a full one (an aggregate over a sort) still gets to work */
    if (before + delta > limit && usage > MDB_MIN(limit / 4, (i64)256 << 10)) {
        atomic_fetch_sub(&root->mem_used, delta);
        return MDB_FAIL;
    }
    t->held = usage;
    return MDB_OK_;
}

void memtrack_force(MemTrack *t, i64 usage)
{
    atomic_fetch_add(&mem_root(t->ex)->mem_used, usage - t->held);
    t->held = usage;
}

void memtrack_release(MemTrack *t)
{
    if (!t || !t->held) return;
    atomic_fetch_sub(&mem_root(t->ex)->mem_used, t->held);
    t->held = 0;
}

i64 exec_mem_used(Exec *ex) { return atomic_load(&mem_root(ex)->mem_used); }

int exec_mem_fail(Exec *ex, const char *what)
{
    Exec *root = mem_root(ex);
    char lim[32];
    settings_format_bytes(root->mem_limit, lim, sizeof lim);
    Err e = {0};
    err_set(&e, SQLSTATE_OUT_OF_MEMORY, "out of memory: %s does not fit in memory_limit (%s)", what, lim);
    err_detail(&e, "The statement's operators hold %lld bytes and this one cannot spill to disk.", (long long)exec_mem_used(ex));
    err_hint(&e, "Raise memory_limit (SET memory_limit = '4GB') or reduce the data this operator must hold.");
    exec_fail(ex, &e);
    return MDB_FAIL;
}

i64 colcoll_bytes(const ColumnCollection *c)
{
    return c ? (i64)c->arena->total : 0;
}

/* ---- temporary files ------------------------------------------------------------------- */

struct SpillFile {
    int fd;
    char *path;
    Exec *ex;
    pthread_mutex_t mu;
    i64 size;
    bool closed;
};

static _Atomic i64 g_files_created, g_bytes_written, g_files_open, g_seq;

void spill_stats(SpillStats *out)
{
    out->files_created = atomic_load(&g_files_created);
    out->bytes_written = atomic_load(&g_bytes_written);
    out->files_open = atomic_load(&g_files_open);
}

static int io_fail(Exec *ex, const char *what, const char *path, int e)
{
    Err err = {0};
    err_set(&err, e == ENOSPC ? "53100" : SQLSTATE_IO_ERROR, "could not %s temporary file \"%s\": %s", what, path, strerror(e));
    exec_fail(ex, &err);
    return MDB_FAIL;
}

/* The directory spills go to: temp_directory, else <database>/tmp, else $TMPDIR or /tmp. */
static void temp_dir(Exec *ex, char *buf, size_t cap)
{
    Exec *root = mem_root(ex);
    const char *set = ex->settings ? ex->settings->temp_directory : "";
    if (set && *set) snprintf(buf, cap, "%s", set);
    else if (root->db_dir) snprintf(buf, cap, "%s/tmp", root->db_dir);
    else {
        const char *t = getenv("TMPDIR");
        snprintf(buf, cap, "%s", t && *t ? t : "/tmp");
    }
}

static void spill_cleanup(void *p) { spill_close(p); }

SpillFile *spill_create(Exec *ex)
{
    char dir[1024], path[1200];
    temp_dir(ex, dir, sizeof dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        io_fail(ex, "create directory for", dir, errno);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/megadb_spill_%d_%lld.tmp", dir, (int)getpid(), (long long)atomic_fetch_add(&g_seq, 1));
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        io_fail(ex, "create", path, errno);
        return NULL;
    }
    /* in the execution's arena: the deferred close still finds it after spill_close */
    pthread_mutex_lock(&ex->defer_mu);
    SpillFile *f = arena_zalloc(ex->arena, sizeof(SpillFile));
    f->path = arena_strdup(ex->arena, path);
    pthread_mutex_unlock(&ex->defer_mu);
    f->fd = fd;
    f->ex = ex;
    pthread_mutex_init(&f->mu, NULL);
    atomic_fetch_add(&g_files_created, 1);
    atomic_fetch_add(&g_files_open, 1);
    exec_defer(ex, spill_cleanup, f);
    return f;
}

void spill_close(SpillFile *f)
{
    if (!f || f->closed) return;
    f->closed = true;
    close(f->fd);
    unlink(f->path);
    pthread_mutex_destroy(&f->mu);
    atomic_fetch_sub(&g_files_open, 1);
}

i64 spill_size(const SpillFile *f) { return f->size; }

typedef struct Buf {
    u8 *p;
    size_t n, cap;
} Buf;

static void buf_put(Buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->n + n) cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

int spill_write(SpillFile *f, const DataChunk *c, i64 *off)
{
    Buf b = {0};
    u64 len = 0;
    u32 count = (u32)c->count;
    buf_put(&b, &len, 8);
    buf_put(&b, &count, 4);
    for (int col = 0; col < c->ncols; col++) {
        const Vector *v = &c->cols[col];
        size_t w = type_width(v->type);
        u8 has_null = 0;
        for (idx_t i = 0; v->nulls && i < c->count && !has_null; i++) has_null = v->nulls[v->is_const ? 0 : i];
        buf_put(&b, &has_null, 1);
        if (has_null) {
            for (idx_t i = 0; i < c->count; i++) buf_put(&b, &v->nulls[v->is_const ? 0 : i], 1);
        }
        if (type_is_string((TypeId)v->type.id)) {
            for (idx_t i = 0; i < c->count; i++) {
                idx_t r = v->is_const ? 0 : i;
                const Str *s = &((const Str *)v->data)[r];
                u32 l = vector_is_null(v, i) ? 0 : s->len;
                buf_put(&b, &l, 4);
                if (l) buf_put(&b, str_data(s), l);
            }
        } else if (v->is_const) {
            for (idx_t i = 0; i < c->count; i++) buf_put(&b, v->data, w);
        } else {
            buf_put(&b, v->data, w * c->count);
        }
    }
    len = b.n;
    memcpy(b.p, &len, 8);
    pthread_mutex_lock(&f->mu);
    i64 at = f->size;
    f->size += (i64)b.n;
    pthread_mutex_unlock(&f->mu);
    size_t done = 0;
    while (done < b.n) {
        ssize_t w = pwrite(f->fd, b.p + done, b.n - done, at + (i64)done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            free(b.p);
            return io_fail(f->ex, "write to", f->path, e);
        }
        done += (size_t)w;
    }
    atomic_fetch_add(&g_bytes_written, (i64)b.n);
    free(b.p);
    if (off) *off = at;
    return MDB_OK_;
}

static int read_at(SpillFile *f, void *dst, size_t n, i64 at)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(f->fd, (u8 *)dst + done, n - done, at + (i64)done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return io_fail(f->ex, "read from", f->path, r < 0 ? errno : EIO);
        done += (size_t)r;
    }
    return MDB_OK_;
}

int spill_read(SpillFile *f, i64 *pos, DataChunk *out)
{
    chunk_reset(out);
    if (*pos >= f->size) return MDB_OK_;
    u64 len;
    if (read_at(f, &len, 8, *pos)) return MDB_FAIL;
    if (len < 12 || (i64)len > f->size - *pos) {
        Err e = {0};
        err_set(&e, SQLSTATE_INTERNAL_ERROR, "temporary file \"%s\" is damaged", f->path);
        exec_fail(f->ex, &e);
        return MDB_FAIL;
    }
    u8 *p = xmalloc(len);
    if (read_at(f, p, len, *pos)) {
        free(p);
        return MDB_FAIL;
    }
    const u8 *q = p + 8;
    u32 count;
    memcpy(&count, q, 4);
    q += 4;
    for (int col = 0; col < out->ncols; col++) {
        Vector *v = &out->cols[col];
        size_t w = type_width(v->type);
        u8 has_null = *q++;
        if (has_null) {
            memcpy(vector_nulls(v), q, count);
            q += count;
        } else {
            v->nulls = NULL;
        }
        if (type_is_string((TypeId)v->type.id)) {
            Str *s = (Str *)v->data;
            for (u32 i = 0; i < count; i++) {
                u32 l;
                memcpy(&l, q, 4);
                q += 4;
                s[i] = str_copy(v->heap, (const char *)q, l);
                q += l;
            }
        } else {
            memcpy(v->data, q, w * count);
            q += w * count;
        }
    }
    out->count = count;
    *pos += (i64)len;
    free(p);
    return MDB_OK_;
}

int spill_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int removed = 0;
    for (struct dirent *e; (e = readdir(d));) {
        int pid;
        long long seq;
        char tail[8];
        if (sscanf(e->d_name, "megadb_spill_%d_%lld.%7s", &pid, &seq, tail) != 3 || strcmp(tail, "tmp") != 0) continue;
        /* a live process (this one included) still owns its files */
        if (pid <= 0 || pid == (int)getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) == 0) removed++;
    }
    closedir(d);
    return removed;
}
