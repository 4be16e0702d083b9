/*
 * test/unit/test_storage.c — unit tests of the storage foundations: the
 * order-preserving key encoding, the WAL (segments, torn tails, group commit,
 * synchronous_commit off, failed fsync), the buffer pool (eviction under the
 * WAL rule, pinning limits, checksums), the B+tree against a reference model
 * (100k random operations), rollback by logical undo, torn-page repair from
 * full-page images and I/O fault injection.  The crash test with SIGKILLed
 * child processes is in test_oltp_crash.c, values longer than a cell in
 * test_oltp_overflow.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storage/bufpool.h"
#include "storage/oltp/btree.h"
#include "storage/oltp/keyenc.h"
#include "storage/oltp/store.h"
#include "storage/wal.h"
#include "unit.h"

static Err err;

/* ---- helpers shared with test_oltp_crash.c ---------------------------------------- */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}
void storage_test_rmrf(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }
static void reset_dir(const char *dir)
{
    storage_test_rmrf(dir);
    mkdir(dir, 0755);
}

char *storage_test_tmpdir(void)
{
    char tmpl[] = "/tmp/megadb-unit-storage-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? xstrdup(d) : NULL;
}

double storage_test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static u64 rng_state = 88172645463325252ull;
static u64 rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void key8(u8 *k, u64 v)
{
    for (int i = 0; i < 8; i++) k[i] = (u8)(v >> (56 - 8 * i));
}

/* ---- key encoding ------------------------------------------------------------------- */

static int sgn(long long x) { return (x > 0) - (x < 0); }

static int enc_cmp(const Value *a, const Value *b, const KeyCol *c)
{
    ByteBuf x = {0}, y = {0};
    Err e = {0};
    keyenc_append(&x, a, c, &e);
    keyenc_append(&y, b, c, &e);
    int r = keyenc_cmp(x.data, x.len, y.data, y.len);
    bytebuf_free(&x);
    bytebuf_free(&y);
    return r;
}

/* SQL order of two values of one column (NULLS LAST unless nulls_first; DESC reverses values and null placement) */
static int ref_cmp(const Value *a, const Value *b, const KeyCol *c)
{
    int r;
    if (a->is_null || b->is_null) {
        if (a->is_null && b->is_null) return 0;
        r = a->is_null ? 1 : -1;
        if (c->nulls_first) r = -r;
        return c->desc ? -r : r;
    }
    switch (c->type.id) {
    case TYPE_FLOAT64: {
        double x = a->u.f, y = b->u.f;
        if (isnan(x) || isnan(y)) r = isnan(x) && isnan(y) ? 0 : isnan(x) ? 1 : -1;
        else r = x < y ? -1 : x > y;
        break;
    }
    case TYPE_TEXT: {
        size_t n = MDB_MIN(a->u.s.len, b->u.s.len);
        r = memcmp(str_data(&a->u.s), str_data(&b->u.s), n);
        r = r ? sgn(r) : sgn((long long)a->u.s.len - (long long)b->u.s.len);
        break;
    }
    case TYPE_BOOL: r = (int)a->u.b - (int)b->u.b; break;
    default: r = a->u.i < b->u.i ? -1 : a->u.i > b->u.i; break;
    }
    return c->desc ? -r : r;
}

static Value rand_value(TypeId t, char *strbuf)
{
    Value v;
    memset(&v, 0, sizeof v);
    v.type = ltype(t);
    if (rnd() % 8 == 0) {
        v.is_null = true;
        return v;
    }
    switch (t) {
    case TYPE_INT16: v.u.i = (i16)rnd(); break;
    case TYPE_INT32:
    case TYPE_DATE: v.u.i = (i32)rnd(); break;
    case TYPE_INT64:
    case TYPE_TIMESTAMP: {
        static const i64 edge[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX};
        v.u.i = rnd() % 4 == 0 ? edge[rnd() % 6] : (i64)rnd() >> (rnd() % 60);
        break;
    }
    case TYPE_FLOAT64: {
        static const double edge[] = {-INFINITY, -1e300, -1.5, -0.0, 0.0, 5e-324, 1.5, 1e300, INFINITY, NAN};
        v.u.f = rnd() % 3 == 0 ? edge[rnd() % 10] : ((double)(i64)rnd()) / (double)(1 + rnd() % 1000000);
        break;
    }
    case TYPE_BOOL: v.u.b = rnd() & 1; break;
    case TYPE_TEXT: {
        size_t n = rnd() % 6;
        for (size_t i = 0; i < n; i++) strbuf[i] = "\0\1ab\xff"[rnd() % 5];
        v.u.s = str_make(strbuf, (u32)n);
        break;
    }
    default: break;
    }
    return v;
}

static void suite_keyenc_impl(void)
{
    static const TypeId types[] = {TYPE_INT16, TYPE_INT32, TYPE_INT64, TYPE_FLOAT64, TYPE_BOOL,
                                   TYPE_TEXT,  TYPE_DATE,  TYPE_TIMESTAMP};
    int bad = 0, total = 0;
    for (size_t ti = 0; ti < MDB_ARRAY_LEN(types); ti++) {
        for (int flags = 0; flags < 4; flags++) {
            KeyCol c = {ltype(types[ti]), flags & 1, (flags & 2) != 0};
            for (int i = 0; i < 3000; i++) {
                char s1[8], s2[8];
                Value a = rand_value(types[ti], s1), b = rand_value(types[ti], s2);
                total++;
                if (sgn(enc_cmp(&a, &b, &c)) != sgn(ref_cmp(&a, &b, &c))) bad++;
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK(total == 8 * 4 * 3000);

    /* specific facts: -0 = +0, NaN above +Infinity, NULL last by default */
    KeyCol f8 = {ltype(TYPE_FLOAT64), false, false};
    Value z1 = value_double(-0.0), z2 = value_double(0.0), inf = value_double(INFINITY), nan = value_double(NAN);
    CHECK_INT(enc_cmp(&z1, &z2, &f8), 0);
    CHECK_INT(enc_cmp(&inf, &nan, &f8), -1);
    Value nul = value_null();
    CHECK_INT(enc_cmp(&nan, &nul, &f8), -1);

    /* multi-column (int4, text): tuple order */
    KeyCol cols[2] = {{ltype(TYPE_INT32), false, false}, {ltype(TYPE_TEXT), true, false}};
    int mbad = 0;
    for (int i = 0; i < 20000; i++) {
        char s[4][8];
        Value a[2] = {rand_value(TYPE_INT32, s[0]), rand_value(TYPE_TEXT, s[1])};
        Value b[2] = {rand_value(TYPE_INT32, s[2]), rand_value(TYPE_TEXT, s[3])};
        if (rnd() & 1) a[0].u.i = b[0].u.i % 3, b[0].u.i = a[0].u.i, a[0].is_null = b[0].is_null; /* force ties */
        int want = ref_cmp(&a[0], &b[0], &cols[0]);
        if (!want) want = ref_cmp(&a[1], &b[1], &cols[1]);
        ByteBuf x = {0}, y = {0};
        CHECK_OK(keyenc_row(&x, a, cols, 2, &err), &err);
        CHECK_OK(keyenc_row(&y, b, cols, 2, &err), &err);
        if (sgn(keyenc_cmp(x.data, x.len, y.data, y.len)) != sgn(want)) mbad++;
        bytebuf_free(&x);
        bytebuf_free(&y);
    }
    CHECK_INT(mbad, 0);

    KeyCol iv = {ltype(TYPE_INTERVAL), false, false};
    Value v;
    memset(&v, 0, sizeof v);
    v.type = ltype(TYPE_INTERVAL);
    ByteBuf x = {0};
    CHECK(keyenc_append(&x, &v, &iv, &err) != 0);
    CHECK_ERR(&err, "0A000", "type interval cannot be used in a B+tree key");
    bytebuf_free(&x);
}

/* ---- fault injection -------------------------------------------------------------------- */

static const char *fault_substr;
static FioOp fault_op;
static int fault_hook(FioOp op, const char *path, void *arg)
{
    (void)arg;
    return op == fault_op && fault_substr && strstr(path, fault_substr) ? 5 /* EIO */ : 0;
}
static void fault_set(FioOp op, const char *substr)
{
    fault_op = op;
    fault_substr = substr;
    fio_set_fault_hook(fault_hook, NULL);
}
static void fault_clear(void) { fio_set_fault_hook(NULL, NULL); }

/* ---- WAL ---------------------------------------------------------------------------------- */

typedef struct GroupArg {
    Wal *w;
    int n;
    int failures;
} GroupArg;

static void *group_worker(void *p)
{
    GroupArg *g = p;
    Err e = {0};
    for (int i = 0; i < g->n; i++) {
        WalRecHdr h = {0};
        h.type = WAL_REC_COMMIT;
        u64 x = (u64)i;
        Lsn end;
        if (wal_append(g->w, &h, &x, 8, NULL, &end, &e) || wal_commit_wait(g->w, end, &e)) g->failures++;
        else if (wal_flushed_lsn(g->w) < end) g->failures++;
        err_clear(&e);
    }
    return NULL;
}

static void wal_fill(Wal *w, int n, Lsn *lsns, u32 seed)
{
    u8 buf[3000];
    for (int i = 0; i < n; i++) {
        WalRecHdr h = {0};
        h.type = 100;
        h.xid = (u64)i + 1;
        size_t len = (seed + (u32)i * 7919u) % sizeof buf;
        for (size_t j = 0; j < len; j++) buf[j] = (u8)(i + j);
        CHECK_OK(wal_append(w, &h, buf, len, &lsns[i], NULL, &err), &err);
    }
}

static int wal_verify(Wal *w, Lsn from, int n, u32 seed, Lsn *end)
{
    WalReader r;
    const WalRecHdr *rec;
    wal_reader_init(&r, w, from);
    int i = 0, bad = 0;
    while (wal_reader_next(&r, &rec)) {
        size_t len = (seed + (u32)i * 7919u) % 3000;
        if (rec->xid != (u64)i + 1 || wal_payload_len(rec) != len) bad++;
        else
            for (size_t j = 0; j < len; j++)
                if (wal_payload(rec)[j] != (u8)(i + j)) {
                    bad++;
                    break;
                }
        i++;
    }
    if (end) *end = r.next;
    wal_reader_free(&r);
    return bad ? -1 : i;
}

static void suite_wal_impl(void)
{
    char *dir = storage_test_tmpdir();
    char wdir[512];
    snprintf(wdir, sizeof wdir, "%s/wal", dir);
    WalOptions o;
    wal_options_default(&o);
    o.segment_size = 16384; /* records span segments */
    Lsn lsns[400];

    /* append, flush, reopen, read back across segment boundaries */
    Wal *w;
    CHECK_OK(wal_open(wdir, &o, &w, &err), &err);
    CHECK_OK(wal_start_append(w, WAL_FIRST_LSN, &err), &err);
    wal_fill(w, 400, lsns, 11);
    CHECK_OK(wal_flush(w, wal_insert_lsn(w), &err), &err);
    Lsn end_all = wal_insert_lsn(w);
    wal_close(w);
    CHECK_OK(wal_open(wdir, &o, &w, &err), &err);
    Lsn end;
    CHECK_INT(wal_verify(w, WAL_FIRST_LSN, 400, 11, &end), 400);
    CHECK(end == end_all);
    wal_close(w);

    /* torn tail: cut the file holding the last record in its middle */
    Lsn last = lsns[399];
    Lsn cut = last + 20; /* inside the last record's header or payload */
    {
        Lsn seg = cut - cut % o.segment_size;
        char p[600];
        snprintf(p, sizeof p, "%s/%016llX.wal", wdir, (unsigned long long)seg);
        CHECK(truncate(p, (off_t)(cut - seg)) == 0);
        /* and remove any later segment the record spilled into */
        Lsn nseg = seg + o.segment_size;
        snprintf(p, sizeof p, "%s/%016llX.wal", wdir, (unsigned long long)nseg);
        unlink(p);
    }
    CHECK_OK(wal_open(wdir, &o, &w, &err), &err);
    CHECK_INT(wal_verify(w, WAL_FIRST_LSN, 399, 11, &end), 399);
    CHECK(end == last);
    /* appending there replaces the torn bytes */
    CHECK_OK(wal_start_append(w, end, &err), &err);
    WalRecHdr h = {0};
    h.type = 100;
    h.xid = 400;
    Lsn nl;
    CHECK_OK(wal_append(w, &h, "x", 1, &nl, NULL, &err), &err);
    CHECK(nl == last);
    CHECK_OK(wal_flush(w, wal_insert_lsn(w), &err), &err);
    wal_close(w);

    /* a flipped bit inside a record: the reader stops before it */
    {
        Lsn victim = lsns[200] + WAL_HDR_SIZE + 1;
        Lsn seg = victim - victim % o.segment_size;
        char p[600];
        snprintf(p, sizeof p, "%s/%016llX.wal", wdir, (unsigned long long)seg);
        int fd = open(p, O_RDWR);
        u8 b;
        CHECK(pread(fd, &b, 1, (off_t)(victim - seg)) == 1);
        b ^= 0x10;
        CHECK(pwrite(fd, &b, 1, (off_t)(victim - seg)) == 1);
        close(fd);
    }
    CHECK_OK(wal_open(wdir, &o, &w, &err), &err);
    WalReader r;
    const WalRecHdr *rec;
    int cnt = 0;
    wal_reader_init(&r, w, WAL_FIRST_LSN);
    while (wal_reader_next(&r, &rec)) cnt++;
    CHECK_INT(cnt, 200);
    CHECK_STR(r.stop_reason, "record checksum mismatch");
    CHECK(r.next == lsns[200]);
    wal_reader_free(&r);
    wal_close(w);
    reset_dir(dir);

    /* group commit: 8 threads x 200 commits share fsyncs */
    CHECK_OK(wal_open(wdir, &o, &w, &err), &err);
    CHECK_OK(wal_start_append(w, WAL_FIRST_LSN, &err), &err);
    pthread_t th[8];
    GroupArg ga[8];
    double t0 = storage_test_now();
    for (int i = 0; i < 8; i++) {
        ga[i] = (GroupArg){w, 200, 0};
        pthread_create(&th[i], NULL, group_worker, &ga[i]);
    }
    int fails = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        fails += ga[i].failures;
    }
    double dt = storage_test_now() - t0;
    CHECK_INT(fails, 0);
    WalStats st;
    wal_stats(w, &st);
    CHECK_INT(st.commits, 1600);
    CHECK(st.fsyncs < st.commits);
    printf("  wal group commit: 1600 commits from 8 threads, %llu fsyncs, %.0f commits/s\n",
           (unsigned long long)st.fsyncs, 1600 / dt);

    /* synchronous_commit off: returns before the fsync; the writer flushes soon after */
    wal_set_synchronous_commit(w, false);
    u64 fs0 = st.fsyncs;
    Lsn e2;
    h = (WalRecHdr){0};
    h.type = WAL_REC_COMMIT;
    CHECK_OK(wal_append(w, &h, "12345678", 8, NULL, &e2, &err), &err);
    CHECK_OK(wal_commit_wait(w, e2, &err), &err);
    for (int i = 0; i < 200 && wal_flushed_lsn(w) < e2; i++) usleep(2000);
    CHECK(wal_flushed_lsn(w) >= e2);
    wal_stats(w, &st);
    CHECK(st.fsyncs > fs0);
    wal_set_synchronous_commit(w, true);

    /* a failed fsync: error, and the log refuses all further work */
    fault_set(FIO_FSYNC, "/wal/");
    CHECK_OK(wal_append(w, &h, "12345678", 8, NULL, &e2, &err), &err);
    CHECK(wal_commit_wait(w, e2, &err) != 0);
    CHECK(err.is_set && strcmp(err.sqlstate, "58030") == 0 && strstr(err.message, "could not fsync file"));
    err_clear(&err);
    fault_clear();
    CHECK(wal_failed(w));
    CHECK(wal_append(w, &h, "12345678", 8, NULL, &e2, &err) != 0);
    CHECK_ERR(&err, "58030", "the write-ahead log is unusable after an earlier write or fsync failure");
    CHECK(wal_flush(w, e2, &err) != 0);
    CHECK_ERR(&err, "58030", NULL);
    wal_close(w);

    /* a failed write: same */
    reset_dir(dir);
    CHECK_OK(wal_open(wdir, &o, &w, &err), &err);
    CHECK_OK(wal_start_append(w, WAL_FIRST_LSN, &err), &err);
    fault_set(FIO_WRITE, "/wal/");
    CHECK_OK(wal_append(w, &h, "12345678", 8, NULL, &e2, &err), &err);
    CHECK(wal_flush(w, e2, &err) != 0);
    CHECK(err.is_set && strstr(err.message, "could not write file"));
    err_clear(&err);
    fault_clear();
    CHECK(wal_failed(w));
    wal_close(w);

    /* the reader's read-ahead window: a record larger than the window between
     * small ones, and records appended after a reader filled its window */
    reset_dir(dir);
    CHECK_OK(wal_open(wdir, &o, &w, &err), &err);
    CHECK_OK(wal_start_append(w, WAL_FIRST_LSN, &err), &err);
    {
        size_t big = (5u << 20) + 12345;
        u8 *payload = xmalloc(big);
        for (size_t j = 0; j < big; j++) payload[j] = (u8)(j * 31 + 7);
        Lsn l1, l2, l3;
        h = (WalRecHdr){0};
        h.type = 100;
        h.xid = 1;
        CHECK_OK(wal_append(w, &h, "small", 5, &l1, NULL, &err), &err);
        h.xid = 2;
        CHECK_OK(wal_append(w, &h, payload, big, &l2, NULL, &err), &err);
        h.xid = 3;
        CHECK_OK(wal_append(w, &h, "tail", 4, &l3, NULL, &err), &err);
        CHECK_OK(wal_flush(w, wal_insert_lsn(w), &err), &err);
        wal_reader_init(&r, w, WAL_FIRST_LSN);
        CHECK(wal_reader_next(&r, &rec) && rec->xid == 1 && rec->lsn == l1 && wal_payload_len(rec) == 5);
        CHECK(wal_reader_next(&r, &rec) && rec->xid == 2 && rec->lsn == l2 && wal_payload_len(rec) == big &&
              memcmp(wal_payload(rec), payload, big) == 0);
        CHECK(wal_reader_next(&r, &rec) && rec->xid == 3 && rec->lsn == l3 && memcmp(wal_payload(rec), "tail", 4) == 0);
        CHECK(!wal_reader_next(&r, &rec));
        CHECK_STR(r.stop_reason, "end of log");
        /* more records after the reader saw the end: it reads them, not its stale window */
        h.xid = 4;
        Lsn l4;
        CHECK_OK(wal_append(w, &h, "later", 5, &l4, NULL, &err), &err);
        CHECK_OK(wal_flush(w, wal_insert_lsn(w), &err), &err);
        CHECK(wal_reader_next(&r, &rec) && rec->xid == 4 && rec->lsn == l4 && memcmp(wal_payload(rec), "later", 5) == 0);
        CHECK(!wal_reader_next(&r, &rec));
        wal_reader_free(&r);
        free(payload);
    }
    wal_close(w);

    /* in memory: same code, no files */
    CHECK_OK(wal_open(NULL, &o, &w, &err), &err);
    CHECK_OK(wal_start_append(w, WAL_FIRST_LSN, &err), &err);
    wal_fill(w, 100, lsns, 5);
    /* readers see what was written out (recovery reads only durable records) */
    CHECK_INT(wal_verify(w, WAL_FIRST_LSN, 100, 5, NULL), 0);
    CHECK_OK(wal_flush(w, wal_insert_lsn(w), &err), &err);
    CHECK_INT(wal_verify(w, WAL_FIRST_LSN, 100, 5, NULL), 100);
    WalRecHdr *one;
    CHECK_OK(wal_read_record(w, lsns[50], &one, &err), &err);
    CHECK_INT(one->xid, 51);
    free(one);
    CHECK_OK(wal_truncate_before(w, lsns[60], &err), &err);
    CHECK(wal_oldest_lsn(w) <= lsns[60]);
    CHECK(wal_oldest_lsn(w) > WAL_FIRST_LSN);
    wal_close(w);
    storage_test_rmrf(dir);
    free(dir);
}

/* ---- buffer pool ---------------------------------------------------------------------------- */

/* A checkpoint's flush of a pool whose every frame is dirty, held up in its first page
 * write: other threads must still find frames to evict (the flush pins one frame at a
 * time, not all the dirty ones for its whole duration, which made writers fail with 53200). */
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static int hold_state; /* 0: armed, 1: a write is held, 2: released */
static int hold_hook(FioOp op, const char *path, void *arg)
{
    (void)arg;
    if (op != FIO_WRITE || !strstr(path, "data.pages")) return 0;
    pthread_mutex_lock(&hold_mu);
    if (hold_state == 0) {
        hold_state = 1;
        pthread_cond_broadcast(&hold_cv);
        while (hold_state != 2) pthread_cond_wait(&hold_cv, &hold_mu);
    }
    pthread_mutex_unlock(&hold_mu);
    return 0;
}

typedef struct FlushArg {
    BufPool *bp;
    int rc;
} FlushArg;
static void *flush_thread(void *p)
{
    FlushArg *a = p;
    Err e = {0};
    a->rc = bufpool_flush_all(a->bp, &e);
    err_clear(&e);
    return NULL;
}

static void flush_keeps_frames_free(const char *dir)
{
    char pfile[600];
    /* a data.pages name is what the hook holds up */
    snprintf(pfile, sizeof pfile, "%s/flush-data.pages", dir);
    BufPool *bp;
    CHECK_OK(bufpool_open(pfile, 8, NULL, &bp, &err), &err);
    BufFrame *f;
    for (int i = 0; i < 8; i++) {
        CHECK_OK(bufpool_new_page(bp, &f, &err), &err);
        bufpool_latch(f);
        memset(f->data + PAGE_HDR_SIZE, (u8)(i + 1), 64);
        bufpool_mark_dirty(f, 0);
        bufpool_unlatch(f);
        bufpool_unpin(bp, f);
    }
    hold_state = 0;
    fio_set_fault_hook(hold_hook, NULL);
    FlushArg fa = {bp, -1};
    pthread_t th;
    pthread_create(&th, NULL, flush_thread, &fa);
    pthread_mutex_lock(&hold_mu);
    while (hold_state != 1) pthread_cond_wait(&hold_cv, &hold_mu);
    pthread_mutex_unlock(&hold_mu);
    /* the flush is stuck in its first write: three new pages still find frames */
    int got = 0;
    for (int i = 0; i < 3; i++) {
        if (bufpool_new_page(bp, &f, &err) == 0) {
            got++;
            bufpool_unpin(bp, f);
        } else {
            CHECK_ERR(&err, "53200", NULL);
        }
    }
    CHECK_INT(got, 3);
    pthread_mutex_lock(&hold_mu);
    hold_state = 2;
    pthread_cond_broadcast(&hold_cv);
    pthread_mutex_unlock(&hold_mu);
    pthread_join(th, NULL);
    fio_set_fault_hook(NULL, NULL);
    CHECK_INT(fa.rc, 0);
    /* every page written, by the flush or by its eviction */
    for (int i = 0; i < 8; i++) {
        CHECK_OK(bufpool_pin(bp, (PageNo)i, &f, &err), &err);
        CHECK_INT(f->data[PAGE_HDR_SIZE], i + 1);
        bufpool_unpin(bp, f);
    }
    bufpool_close(bp);
}

static void suite_bufpool_impl(void)
{
    char *dir = storage_test_tmpdir();
    char wdir[512], pfile[512];
    snprintf(wdir, sizeof wdir, "%s/wal", dir);
    snprintf(pfile, sizeof pfile, "%s/data.pages", dir);
    Wal *w;
    CHECK_OK(wal_open(wdir, NULL, &w, &err), &err);
    CHECK_OK(wal_start_append(w, WAL_FIRST_LSN, &err), &err);
    BufPool *bp;
    CHECK_OK(bufpool_open(pfile, 8, w, &bp, &err), &err);
    /* 100 pages through 8 frames: every dirty eviction must flush the WAL first */
    for (int i = 0; i < 100; i++) {
        BufFrame *f;
        CHECK_OK(bufpool_new_page(bp, &f, &err), &err);
        CHECK_INT(f->pno, i);
        WalRecHdr h = {0};
        h.type = 100;
        Lsn end;
        CHECK_OK(wal_append(w, &h, &i, sizeof i, NULL, &end, &err), &err);
        bufpool_latch(f);
        memset(f->data + PAGE_HDR_SIZE, (u8)i, PAGE_SIZE - PAGE_HDR_SIZE);
        bufpool_mark_dirty(f, end);
        bufpool_unlatch(f);
        bufpool_unpin(bp, f);
    }
    BufPoolStats st;
    bufpool_stats(bp, &st);
    CHECK(st.evictions >= 92);
    CHECK(st.writes >= 92);
    /* every page on disk has a valid checksum and an LSN the WAL has made durable */
    int fd = open(pfile, O_RDONLY);
    u8 page[PAGE_SIZE];
    int written = 0, rule_broken = 0;
    for (int i = 0; i < 100; i++) {
        if (pread(fd, page, PAGE_SIZE, (off_t)i * PAGE_SIZE) != PAGE_SIZE) continue;
        if (page_verify(page, (PageNo)i) != 0) continue;
        written++;
        if (page_lsn(page) > wal_flushed_lsn(w)) rule_broken++;
    }
    close(fd);
    CHECK(written >= 92);
    CHECK_INT(rule_broken, 0);
    /* all frames pinned: a clear error, not a hang */
    BufFrame *pinned[8];
    for (int i = 0; i < 8; i++) CHECK_OK(bufpool_pin(bp, (PageNo)i, &pinned[i], &err), &err);
    BufFrame *f;
    CHECK(bufpool_pin(bp, 50, &f, &err) != 0);
    CHECK_ERR(&err, "53200", "no unpinned buffers available (all 8 buffer pool pages are pinned)");
    for (int i = 0; i < 8; i++) bufpool_unpin(bp, pinned[i]);
    CHECK_OK(bufpool_flush_all(bp, &err), &err);
    bufpool_discard_all(bp);
    /* read back */
    int mism = 0;
    for (int i = 0; i < 100; i++) {
        CHECK_OK(bufpool_pin(bp, (PageNo)i, &f, &err), &err);
        if (f->data[PAGE_SIZE - 1] != (u8)i || f->data[100] != (u8)i) mism++;
        bufpool_unpin(bp, f);
    }
    CHECK_INT(mism, 0);
    /* a flipped bit in page 37 → XX001 */
    bufpool_discard_all(bp);
    fd = open(pfile, O_RDWR);
    u8 b;
    CHECK(pread(fd, &b, 1, 37 * PAGE_SIZE + 4000) == 1);
    b ^= 1;
    CHECK(pwrite(fd, &b, 1, 37 * PAGE_SIZE + 4000) == 1);
    close(fd);
    CHECK(bufpool_pin(bp, 37, &f, &err) != 0);
    CHECK(err.is_set && strcmp(err.sqlstate, "XX001") == 0 && strstr(err.message, "invalid page in block 37"));
    err_clear(&err);
    CHECK_OK(bufpool_pin(bp, 36, &f, &err), &err);
    bufpool_unpin(bp, f);
    /* a failed page write during write-back is reported and the page stays dirty */
    CHECK_OK(bufpool_pin(bp, 5, &f, &err), &err);
    bufpool_latch(f);
    f->data[200] = 0xEE;
    bufpool_mark_dirty(f, wal_insert_lsn(w));
    bufpool_unlatch(f);
    bufpool_unpin(bp, f);
    fault_set(FIO_WRITE, "data.pages");
    CHECK(bufpool_flush_all(bp, &err) != 0);
    CHECK(err.is_set && strcmp(err.sqlstate, "58030") == 0);
    err_clear(&err);
    fault_clear();
    CHECK(f->dirty);
    CHECK_OK(bufpool_flush_all(bp, &err), &err);
    CHECK(!f->dirty);
    bufpool_close(bp);
    wal_close(w);

    /* in memory: grows instead of evicting, nothing written */
    CHECK_OK(bufpool_open(NULL, 8, NULL, &bp, &err), &err);
    for (int i = 0; i < 500; i++) {
        CHECK_OK(bufpool_new_page(bp, &f, &err), &err);
        f->data[1000] = (u8)(i * 3);
        bufpool_mark_dirty(f, 1);
        bufpool_unpin(bp, f);
    }
    mism = 0;
    for (int i = 0; i < 500; i++) {
        CHECK_OK(bufpool_pin(bp, (PageNo)i, &f, &err), &err);
        if (f->data[1000] != (u8)(i * 3)) mism++;
        bufpool_unpin(bp, f);
    }
    CHECK_INT(mism, 0);
    bufpool_stats(bp, &st);
    CHECK_INT(st.writes, 0);
    CHECK_INT(st.evictions, 0);
    bufpool_close(bp);
    flush_keeps_frames_free(dir);
    storage_test_rmrf(dir);
    free(dir);
}

/* ---- B+tree against a reference ------------------------------------------------------------------- */

#define REF_KEYS 40000
typedef struct Ref {
    bool present[REF_KEYS];
    u32 tag[REF_KEYS]; /* the value is derived from the tag */
} Ref;

static size_t val_of(u32 tag, u8 *buf)
{
    size_t n = tag % 97;
    for (size_t i = 0; i < n; i++) buf[i] = (u8)(tag * 31 + i);
    memcpy(buf + n, &tag, 4);
    return n + 4;
}

/* Compares the whole tree (scan) with the reference; returns mismatches. */
static int ref_compare(BTree *t, const Ref *ref)
{
    BtCursor c;
    btree_cursor_open(&c, t, NULL, 0, false, NULL, 0, false);
    const u8 *k, *v;
    size_t kl, vl;
    int bad = 0, rc;
    u64 next = 0;
    u8 want[200];
    while ((rc = btree_cursor_next(&c, &k, &kl, &v, &vl, &err)) == 1) {
        while (next < REF_KEYS && !ref->present[next]) next++;
        u8 kk[8];
        key8(kk, next);
        if (next >= REF_KEYS || kl != 8 || memcmp(k, kk, 8) != 0) {
            bad++;
            break;
        }
        size_t wl = val_of(ref->tag[next], want);
        if (vl != wl || memcmp(v, want, wl) != 0) bad++;
        next++;
    }
    if (rc < 0) {
        bad++;
        err_clear(&err);
    }
    while (next < REF_KEYS && !ref->present[next]) next++;
    if (next < REF_KEYS) bad++;
    btree_cursor_close(&c);
    return bad;
}

static void btree_random(OltpStore *s, const char *label)
{
    BTree *t;
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    Ref *ref = xcalloc(1, sizeof *ref);
    u8 k[8], v[200];
    int bad = 0;
    double t0 = storage_test_now();
    u64 ops = 100000, inserts = 0;
    BtTxn *txn = bt_txn_begin(&s->env);
    for (u64 i = 0; i < ops; i++) {
        u64 key = rnd() % REF_KEYS;
        key8(k, key);
        u32 tag = (u32)rnd();
        size_t vl = val_of(tag, v);
        if (!ref->present[key]) {
            if (btree_insert(t, txn, k, 8, v, vl, &err)) bad++, err_clear(&err);
            ref->present[key] = true;
            ref->tag[key] = tag;
            inserts++;
        } else if (rnd() % 3 == 0) {
            bool found;
            if (btree_update(t, txn, k, 8, v, vl, &found, &err) || !found) bad++, err_clear(&err);
            ref->tag[key] = tag;
        } else {
            bool found;
            if (btree_delete(t, txn, k, 8, &found, &err) || !found) bad++, err_clear(&err);
            ref->present[key] = false;
        }
        if (i % 1000 == 999) {
            CHECK_OK(bt_txn_commit(&s->env, txn, i, &err), &err);
            txn = bt_txn_begin(&s->env);
        }
    }
    CHECK_OK(bt_txn_commit(&s->env, txn, ops, &err), &err);
    double dt = storage_test_now() - t0;
    CHECK_INT(bad, 0);
    u64 nkeys = 0, want = 0;
    for (int i = 0; i < REF_KEYS; i++) want += ref->present[i];
    CHECK_OK(btree_check(t, &nkeys, &err), &err);
    CHECK_INT(nkeys, want);
    CHECK_INT(ref_compare(t, ref), 0);
    /* point lookups and range scans */
    ByteBuf out = {0};
    int lbad = 0;
    for (int i = 0; i < 5000; i++) {
        u64 key = rnd() % REF_KEYS;
        bool found;
        key8(k, key);
        CHECK_OK(btree_get(t, k, 8, &out, &found, &err), &err);
        if (found != ref->present[key]) lbad++;
        else if (found && (out.len != val_of(ref->tag[key], v) || memcmp(out.data, v, out.len))) lbad++;
    }
    CHECK_INT(lbad, 0);
    int rbad = 0;
    for (int i = 0; i < 300; i++) {
        u64 a = rnd() % REF_KEYS, b = a + rnd() % 2000;
        bool ai = rnd() & 1, bi = rnd() & 1;
        u8 ka[8], kb[8];
        key8(ka, a);
        key8(kb, b);
        u64 wantn = 0;
        for (u64 x = ai ? a : a + 1; x < REF_KEYS && (bi ? x <= b : x < b); x++) wantn += ref->present[x];
        BtCursor c;
        btree_cursor_open(&c, t, ka, 8, ai, kb, 8, bi);
        const u8 *ck, *cv;
        size_t ckl, cvl;
        u64 got = 0;
        while (btree_cursor_next(&c, &ck, &ckl, &cv, &cvl, &err) == 1) got++;
        btree_cursor_close(&c);
        if (got != wantn) rbad++;
    }
    CHECK_INT(rbad, 0);
    bytebuf_free(&out);
    printf("  btree %s: %llu random ops (%llu inserts) in %.2f s = %.0f ops/s; %llu keys left\n", label,
           (unsigned long long)ops, (unsigned long long)inserts, dt, ops / dt, (unsigned long long)nkeys);

    /* rollback restores the exact previous state */
    txn = bt_txn_begin(&s->env);
    for (int i = 0; i < 3000; i++) {
        u64 key = rnd() % REF_KEYS;
        key8(k, key);
        size_t vl = val_of((u32)rnd(), v);
        bool found;
        /* the txn may touch a key more than once: undo must restore the first version */
        if (btree_update(t, txn, k, 8, v, vl, &found, &err)) bad++, err_clear(&err);
        if (!found && btree_insert(t, txn, k, 8, v, vl, &err)) bad++, err_clear(&err);
        if (rnd() % 4 == 0 && btree_delete(t, txn, k, 8, &found, &err)) bad++, err_clear(&err);
    }
    CHECK_INT(bad, 0);
    CHECK_OK(bt_txn_rollback(&s->env, txn, &err), &err);
    CHECK_OK(btree_check(t, &nkeys, &err), &err);
    CHECK_INT(nkeys, want);
    CHECK_INT(ref_compare(t, ref), 0);

    /* errors: duplicate key, oversized entry, empty key */
    for (u64 key = 0; key < REF_KEYS; key++)
        if (ref->present[key]) {
            key8(k, key);
            CHECK(btree_insert(t, NULL, k, 8, v, 4, &err) != 0);
            CHECK_ERR(&err, "23505", NULL);
            break;
        }
    u8 *big = xcalloc(1, 3000);
    /* a value longer than a cell goes to overflow pages (test_oltp_overflow.c); a key cannot */
    CHECK(btree_insert(t, NULL, big, 2500, v, 4, &err) != 0);
    CHECK_ERR(&err, "54000", "B+tree entry of 2504 bytes (key 2500) exceeds the maximum of 2000");
    CHECK(btree_insert(t, NULL, k, 0, v, 4, &err) != 0);
    CHECK_ERR(&err, "54000", NULL);
    free(big);
    free(ref);
}

/* Long keys and values: splits with few entries per page, internal splits. */
static void btree_wide(OltpStore *s)
{
    BTree *t;
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    u8 k[1200], v[800];
    int n = 3000, bad = 0;
    for (int i = 0; i < n; i++) {
        int x = (int)((i * 7919u) % (u32)n);
        memset(k, 'a' + x % 26, sizeof k);
        snprintf((char *)k, 16, "%08d", x);
        size_t kl = 100 + (size_t)(x % 1000), vl = (size_t)(x % 700);
        memset(v, x & 0xff, vl);
        if (btree_insert(t, NULL, k, kl, v, vl, &err)) bad++, err_clear(&err);
    }
    CHECK_INT(bad, 0);
    u64 nkeys;
    CHECK_OK(btree_check(t, &nkeys, &err), &err);
    CHECK_INT(nkeys, n);
}

static void suite_btree_impl(void)
{
    OltpOptions o;
    oltp_options_default(&o);
    OltpStore *s;
    /* in memory */
    CHECK_OK(oltp_store_open(NULL, &o, &s, &err), &err);
    btree_random(s, "in memory");
    btree_wide(s);
    CHECK_OK(oltp_store_close(s, false, &err), &err);

    /* on disk with a 2 MiB pool: eviction and write-back under the WAL rule;
     * reopened, the content is the same */
    char *dir = storage_test_tmpdir();
    o.pool_pages = 256;
    o.wal.segment_size = 1u << 20;
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    btree_random(s, "on disk, 256-page pool");
    BufPoolStats st;
    bufpool_stats(s->bp, &st);
    CHECK(st.evictions > 0);
    BTree *t = btree_open(&s->env, 1); /* the first tree: page 0 is the store page */
    u64 n1, n2;
    CHECK_OK(btree_check(t, &n1, &err), &err);
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    t = btree_open(&s->env, 1);
    CHECK_OK(btree_check(t, &n2, &err), &err);
    CHECK_INT(n2, n1);
    CHECK(n1 > 0);
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    storage_test_rmrf(dir);
    free(dir);
}

/* ---- torn pages and I/O failures in a store ----------------------------------------------------------- */

static void flip_page(const char *pfile, PageNo pno)
{
    int fd = open(pfile, O_RDWR);
    u8 junk[512];
    memset(junk, 0xA5, sizeof junk);
    /* a torn write: the second half of the page is from another time */
    CHECK(pwrite(fd, junk, sizeof junk, (off_t)pno * PAGE_SIZE + 5000) == (ssize_t)sizeof junk);
    close(fd);
}

static void suite_oltp_recovery_impl(void)
{
    char *dir = storage_test_tmpdir();
    char pfile[512];
    snprintf(pfile, sizeof pfile, "%s/data.pages", dir);
    OltpOptions o;
    oltp_options_default(&o);
    o.pool_pages = 64;
    OltpStore *s;
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    BTree *t;
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    u8 k[8], v[100];
    memset(v, 7, sizeof v);
    for (u64 i = 0; i < 3000; i++) {
        key8(k, i * 2);
        CHECK_OK(btree_insert(t, NULL, k, 8, v, sizeof v, &err), &err);
    }
    CHECK_OK(oltp_store_checkpoint(s, &err), &err);
    /* snapshot of the file at the checkpoint */
    PageNo np = bufpool_npages(s->bp);
    u8 *before = xcalloc(np, PAGE_SIZE);
    int fd = open(pfile, O_RDONLY);
    CHECK(pread(fd, before, (size_t)np * PAGE_SIZE, 0) == (ssize_t)np * PAGE_SIZE);
    close(fd);
    /* change a few leaves after the checkpoint, in a committed transaction */
    BtTxn *txn = bt_txn_begin(&s->env);
    for (u64 i = 0; i < 3; i++) {
        key8(k, 1 + i * 2000);
        CHECK_OK(btree_insert(t, txn, k, 8, v, 10, &err), &err);
    }
    CHECK_OK(bt_txn_commit(&s->env, txn, 1, &err), &err);
    CHECK_OK(bufpool_flush_all(s->bp, &err), &err);
    CHECK_OK(oltp_store_close(s, false, &err), &err); /* a crash after the pages reached disk */
    /* tear every page that changed since the checkpoint */
    u8 *after = xcalloc(np, PAGE_SIZE);
    fd = open(pfile, O_RDONLY);
    CHECK(pread(fd, after, (size_t)np * PAGE_SIZE, 0) == (ssize_t)np * PAGE_SIZE);
    close(fd);
    int changed = 0;
    PageNo untouched = PAGE_NONE;
    for (PageNo p = 0; p < np; p++) {
        if (memcmp(before + (size_t)p * PAGE_SIZE, after + (size_t)p * PAGE_SIZE, PAGE_SIZE) != 0) {
            flip_page(pfile, p);
            changed++;
        } else if (p > 10) {
            untouched = p;
        }
    }
    CHECK(changed >= 3);
    /* read without recovery: the damage is detected */
    {
        BufPool *bp;
        CHECK_OK(bufpool_open(pfile, 16, NULL, &bp, &err), &err);
        int detected = 0;
        for (PageNo p = 0; p < np; p++) {
            BufFrame *f;
            if (bufpool_pin(bp, p, &f, &err) == 0) bufpool_unpin(bp, f);
            else {
                CHECK_ERR(&err, "XX001", NULL);
                detected++;
            }
        }
        CHECK_INT(detected, changed);
        bufpool_close(bp);
    }
    /* recovery repairs them from the full-page images logged after the checkpoint,
     * without reading them (an image replaces the page whole) */
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    t = btree_open(&s->env, 1);
    u64 n;
    {
        BufPoolStats bs;
        bufpool_stats(s->bp, &bs);
        CHECK_INT(bs.reads, 1); /* only the store page (the free-page list), read when the store opens */
        CHECK(s->recovery.records >= 6); /* images and inserts */
    }
    CHECK_OK(btree_check(t, &n, &err), &err);
    CHECK_INT(n, 3003);
    ByteBuf out = {0};
    bool found;
    key8(k, 2001);
    CHECK_OK(btree_get(t, k, 8, &out, &found, &err), &err);
    CHECK(found && out.len == 10);
    bytebuf_free(&out);
    CHECK_OK(oltp_store_close(s, true, &err), &err);

    /* a page torn that the WAL has no image for: recovery succeeds (nothing
     * to replay there) but reading it reports XX001 */
    CHECK(untouched != PAGE_NONE);
    flip_page(pfile, untouched);
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    t = btree_open(&s->env, 1);
    CHECK(btree_check(t, &n, &err) != 0);
    CHECK(err.is_set && strcmp(err.sqlstate, "XX001") == 0);
    err_clear(&err);
    CHECK_OK(oltp_store_close(s, false, &err), &err);
    free(before);
    free(after);
    reset_dir(dir);

    /* fault injection in a store: a commit whose WAL fsync fails reports it,
     * and the store refuses further changes */
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    txn = bt_txn_begin(&s->env);
    for (u64 i = 0; i < 50; i++) {
        key8(k, i);
        CHECK_OK(btree_insert(t, txn, k, 8, v, 20, &err), &err);
    }
    fault_set(FIO_FSYNC, "/wal/");
    CHECK(bt_txn_commit(&s->env, txn, 1, &err) != 0);
    CHECK(err.is_set && strcmp(err.sqlstate, "58030") == 0 && strstr(err.message, "could not fsync file"));
    err_clear(&err);
    fault_clear();
    key8(k, 999);
    CHECK(btree_insert(t, NULL, k, 8, v, 20, &err) != 0);
    CHECK_ERR(&err, "58030", "the write-ahead log is unusable after an earlier write or fsync failure");
    CHECK(oltp_store_checkpoint(s, &err) != 0);
    err_clear(&err);
    oltp_store_close(s, false, &err);
    err_clear(&err);
    /* after a restart the transaction is all there or not at all (its commit
     * record was written but its fsync failed: the outcome is unknown) */
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    t = btree_open(&s->env, 1);
    CHECK_OK(btree_check(t, &n, &err), &err);
    CHECK(n == 0 || n == 50);
    /* a failed page write during a checkpoint: error, control file not advanced */
    Lsn ck = s->checkpoint_lsn;
    key8(k, 12345);
    CHECK_OK(btree_insert(t, NULL, k, 8, v, 20, &err), &err);
    fault_set(FIO_WRITE, "data.pages");
    CHECK(oltp_store_checkpoint(s, &err) != 0);
    CHECK(err.is_set && strcmp(err.sqlstate, "58030") == 0 && strstr(err.message, "could not write file"));
    err_clear(&err);
    fault_clear();
    CHECK(s->checkpoint_lsn == ck);
    CHECK_OK(oltp_store_checkpoint(s, &err), &err);
    CHECK(s->checkpoint_lsn > ck);
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    storage_test_rmrf(dir);
    free(dir);
}

/* Redo speed: 60k inserts logged, pages never written, then recovered. */
static void recovery_speed(void)
{
    char *dir = storage_test_tmpdir();
    OltpOptions o;
    oltp_options_default(&o);
    o.wal.synchronous_commit = false; /* measuring redo, not fsync latency */
    OltpStore *s;
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    BTree *t;
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    u8 k[8], v[64];
    memset(v, 3, sizeof v);
    BtTxn *txn = bt_txn_begin(&s->env);
    double t0 = storage_test_now();
    for (u64 i = 0; i < 60000; i++) {
        key8(k, (i * 2654435761u) % 1000003);
        CHECK_OK(btree_insert(t, txn, k, 8, v, sizeof v, &err), &err);
        if (i % 100 == 99) {
            CHECK_OK(bt_txn_commit(&s->env, txn, i, &err), &err);
            txn = bt_txn_begin(&s->env);
        }
    }
    CHECK_OK(bt_txn_commit(&s->env, txn, 1, &err), &err);
    double ins = storage_test_now() - t0;
    Lsn walbytes = wal_insert_lsn(s->wal) - s->checkpoint_lsn;
    CHECK_OK(oltp_store_close(s, false, &err), &err); /* crash: the log is durable, no page was written */
    t0 = storage_test_now();
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    double rec = storage_test_now() - t0;
    t = btree_open(&s->env, 1);
    u64 n;
    CHECK_OK(btree_check(t, &n, &err), &err);
    CHECK_INT(n, 60000);
    printf("  recovery: 60000 inserts in 600 commits (synchronous_commit off) took %.2f s (%.0f inserts/s); %.1f MB of WAL replayed "
           "(%llu records): redo+undo %.2f s, open incl. checkpoint %.2f s = %.0f MB/s\n",
           ins, 60000 / ins, walbytes / 1e6, (unsigned long long)s->recovery.records, s->recovery.seconds, rec, walbytes / 1e6 / rec);
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    storage_test_rmrf(dir);
    free(dir);
}

/* Writers on their own trees and on a shared one, a reader scanning, and
 * checkpoints running at the same time: no deadlock, nothing lost. */
typedef struct ConcArg {
    OltpStore *s;
    BTree *own, *shared;
    int id, failures;
    _Atomic int *stop;
} ConcArg;

static void *conc_writer(void *p)
{
    ConcArg *a = p;
    Err e = {0};
    u8 k[8], v[120];
    memset(v, a->id, sizeof v);
    for (int i = 0; i < 4000; i++) {
        BtTxn *txn = bt_txn_begin(&a->s->env);
        key8(k, (u64)i * 16 + (u64)a->id);
        if (btree_insert(a->own, txn, k, 8, v, sizeof v, &e) || btree_insert(a->shared, txn, k, 8, v, 40, &e)) {
            if (!a->failures) fprintf(stderr, "writer %d, op %d: %s %s\n", a->id, i, e.sqlstate, e.message);
            a->failures++, err_clear(&e);
        }
        if (i % 10 == 9) {
            if (bt_txn_rollback(&a->s->env, txn, &e)) a->failures++, err_clear(&e);
        } else if (bt_txn_commit(&a->s->env, txn, 1, &e)) {
            a->failures++, err_clear(&e);
        }
    }
    return NULL;
}

static void *conc_checkpointer(void *p)
{
    ConcArg *a = p;
    Err e = {0};
    while (!atomic_load(a->stop)) {
        if (oltp_store_checkpoint(a->s, &e)) a->failures++, err_clear(&e);
        usleep(5000);
    }
    return NULL;
}

static void *conc_reader(void *p)
{
    ConcArg *a = p;
    Err e = {0};
    while (!atomic_load(a->stop)) {
        BtCursor c;
        btree_cursor_open(&c, a->shared, NULL, 0, false, NULL, 0, false);
        const u8 *k, *v, *prev = NULL;
        size_t kl, vl;
        u8 last[8] = {0};
        int rc;
        while ((rc = btree_cursor_next(&c, &k, &kl, &v, &vl, &e)) == 1) {
            if (prev && memcmp(last, k, 8) >= 0) a->failures++; /* keys strictly ascending */
            memcpy(last, k, 8);
            prev = last;
        }
        if (rc < 0) a->failures++, err_clear(&e);
        btree_cursor_close(&c);
    }
    return NULL;
}

/* A structure change that cannot get a page (every other frame pinned)
 * fails with 53200 and leaves the tree exactly as it was — also when it fails
 * at a parent after the leaf was already split in memory; inserts work again
 * once frames are free.  Keys of 900 bytes make parents split often. */
static void bigkey(u8 *k, u64 v)
{
    memset(k, 'k', 900);
    key8(k, v);
}

static void split_without_pages(void)
{
    char *dir = storage_test_tmpdir();
    OltpOptions o;
    oltp_options_default(&o);
    o.pool_pages = 16;
    o.wal.synchronous_commit = false;
    OltpStore *s;
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    BTree *t;
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    u8 k[900], v[600];
    memset(v, 7, sizeof v);
    int n = 0;
    BtTxn *txn = bt_txn_begin(&s->env);
    for (; n < 40; n++) {
        bigkey(k, (u64)n * 1000);
        CHECK_OK(btree_insert(t, txn, k, sizeof k, v, sizeof v, &err), &err);
    }
    CHECK_OK(bt_txn_commit(&s->env, txn, 1, &err), &err);
    /* pin frames of pages outside the tree until none is left */
    BufFrame *held[64];
    int nheld = 0;
    while (nheld < 64) {
        Err e2 = {0};
        if (bufpool_new_page(s->env.bp, &held[nheld], &e2)) {
            err_clear(&e2);
            break;
        }
        nheld++;
    }
    CHECK_INT(nheld, 16); /* the whole pool */
    /* free one frame at a time: with few free frames, splits fail part way */
    int failed = 0;
    for (int nfree = 1; nfree <= 6; nfree++) {
        bufpool_unpin(s->env.bp, held[--nheld]);
        txn = bt_txn_begin(&s->env);
        for (int j = 0; j < 40; j++) {
            bigkey(k, (u64)(n + j) * 1000 + (u64)nfree);
            if (btree_insert(t, txn, k, sizeof k, v, sizeof v, &err) == MDB_OK_) {
                n++;
            } else {
                CHECK_STR(err.sqlstate, "53200");
                err_clear(&err);
                failed++;
            }
        }
        CHECK_OK(bt_txn_commit(&s->env, txn, 1, &err), &err);
        u64 cnt;
        CHECK_OK(btree_check(t, &cnt, &err), &err);
        CHECK_INT(cnt, n);
    }
    while (nheld > 0) bufpool_unpin(s->env.bp, held[--nheld]);
    CHECK(failed > 0);
    txn = bt_txn_begin(&s->env);
    for (int j = 0; j < 100; j++) {
        bigkey(k, 100000000 + (u64)j);
        CHECK_OK(btree_insert(t, txn, k, sizeof k, v, sizeof v, &err), &err);
    }
    CHECK_OK(bt_txn_commit(&s->env, txn, 1, &err), &err);
    u64 cnt;
    CHECK_OK(btree_check(t, &cnt, &err), &err);
    CHECK_INT(cnt, n + 100);
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    storage_test_rmrf(dir);
    free(dir);
}

static void concurrency(void)
{
    char *dir = storage_test_tmpdir();
    OltpOptions o;
    oltp_options_default(&o);
    o.pool_pages = 96;
    o.wal.synchronous_commit = false;
    OltpStore *s;
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    BTree *shared, *own[4];
    CHECK_OK(btree_create(&s->env, &shared, &err), &err);
    for (int i = 0; i < 4; i++) CHECK_OK(btree_create(&s->env, &own[i], &err), &err);
    _Atomic int stop = 0;
    ConcArg args[6];
    pthread_t th[6];
    for (int i = 0; i < 6; i++) {
        args[i] = (ConcArg){s, own[i % 4], shared, i, 0, &stop};
        pthread_create(&th[i], NULL, i < 4 ? conc_writer : i == 4 ? conc_checkpointer : conc_reader, &args[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    atomic_store(&stop, 1);
    pthread_join(th[4], NULL);
    pthread_join(th[5], NULL);
    int failures = 0;
    for (int i = 0; i < 6; i++) failures += args[i].failures;
    CHECK_INT(failures, 0);
    u64 n;
    CHECK_OK(btree_check(shared, &n, &err), &err);
    CHECK_INT(n, 4 * 3600);
    for (int i = 0; i < 4; i++) {
        CHECK_OK(btree_check(own[i], &n, &err), &err);
        CHECK_INT(n, 3600);
    }
    PageNo shared_id = btree_id(shared);
    CHECK_OK(oltp_store_close(s, false, &err), &err);
    /* and the same after recovery */
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    CHECK_OK(btree_check(btree_open(&s->env, shared_id), &n, &err), &err);
    CHECK_INT(n, 4 * 3600);
    CHECK_OK(oltp_store_close(s, true, &err), &err);
    storage_test_rmrf(dir);
    free(dir);
}

void suite_keyenc(void) { suite_keyenc_impl(); }
void suite_wal(void) { suite_wal_impl(); }
void suite_bufpool(void) { suite_bufpool_impl(); }
void suite_btree(void) { suite_btree_impl(); }
void suite_oltp_recovery(void)
{
    suite_oltp_recovery_impl();
    recovery_speed();
    split_without_pages();
    concurrency();
}
