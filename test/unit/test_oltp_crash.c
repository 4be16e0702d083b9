/*
 * test/unit/test_oltp_crash.c — the crash test of the OLTP store.
 *
 * A child process runs batches against an on-disk store (small buffer pool,
 * small WAL segments, checkpoints every few batches): each batch inserts,
 * updates and deletes keys in one transaction and commits; after the commit
 * returns the child writes the batch number to a pipe.  The parent kills the
 * child with SIGKILL at a random moment, recovers the store and checks that
 * its content equals the model after the last acknowledged batch, or after
 * the one following it (committed but killed before the acknowledgement) —
 * never anything in between, so no acknowledged commit is lost and no batch
 * is partially visible.  Repeated 60 times, continuing on the same store.
 * Some values are longer than a cell (overflow chains written, replaced,
 * freed and undone under the kills).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/oltp/store.h"
#include "unit.h"

char *storage_test_tmpdir(void);
void storage_test_rmrf(const char *dir);
double storage_test_now(void);

#define CRASH_ITERS 60
#define MAX_BATCH 20000
#define KEYS_PER_BATCH 8
#define MAX_KEYS (MAX_BATCH * KEYS_PER_BATCH)

static Err err;

static void ckey(u8 *k, u32 v)
{
    for (int i = 0; i < 4; i++) k[i] = (u8)(v >> (24 - 8 * i));
}

#define MAX_VAL 24000

/* value bytes for a tag ((batch + 1) << 4 | slot; never 0, which the model uses for absent); one
 * tag in 13 gets a value longer than a B+tree cell, whose tail goes to overflow pages */
static size_t cval(u32 tag, u8 *buf)
{
    size_t n = tag % 13 == 5 ? 2100 + (tag * 7919u) % (MAX_VAL - 2100) : 10 + (tag * 2654435761u) % 180;
    for (size_t i = 0; i < n; i++) buf[i] = (u8)(tag + i * 13);
    memcpy(buf, &tag, 4);
    return n;
}

typedef struct Op {
    u8 kind; /* 0 insert, 1 update, 2 delete */
    u32 key;
    u32 tag;
} Op;

/* The operations of batch b (deterministic, so parent and child agree). */
static int batch_ops(u32 b, Op *ops)
{
    int n = 0;
    for (u32 j = 0; j < KEYS_PER_BATCH; j++) ops[n++] = (Op){0, b * KEYS_PER_BATCH + j, (b + 1) << 4 | j};
    if (b >= 2) ops[n++] = (Op){1, (b - 2) * KEYS_PER_BATCH, (b + 1) << 4 | 9};
    if (b >= 3)
        for (u32 j = 1; j < KEYS_PER_BATCH; j += 2) ops[n++] = (Op){2, (b - 3) * KEYS_PER_BATCH + j, 0};
    return n;
}

typedef struct Model {
    u32 *tag; /* 0 = absent */
} Model;

static void model_apply(Model *m, u32 b)
{
    Op ops[32];
    int n = batch_ops(b, ops);
    for (int i = 0; i < n; i++) m->tag[ops[i].key] = ops[i].kind == 2 ? 0 : ops[i].tag;
}

/* 0 when the tree holds exactly the model. */
static int model_diff(BTree *t, const Model *m, u32 nkeys)
{
    BtCursor c;
    btree_cursor_open(&c, t, NULL, 0, false, NULL, 0, false);
    const u8 *k, *v;
    size_t kl, vl;
    u32 next = 0;
    int bad = 0, rc;
    u8 want[MAX_VAL], kk[4];
    while ((rc = btree_cursor_next(&c, &k, &kl, &v, &vl, &err)) == 1) {
        while (next < nkeys && !m->tag[next]) next++;
        ckey(kk, next);
        if (next >= nkeys || kl != 4 || memcmp(k, kk, 4) != 0) {
            bad = 1;
            break;
        }
        size_t wl = cval(m->tag[next], want);
        if (vl != wl || memcmp(v, want, wl) != 0) {
            bad = 1;
            break;
        }
        next++;
    }
    if (rc < 0) {
        bad = 1;
        err_clear(&err);
    }
    while (!bad && next < nkeys && !m->tag[next]) next++;
    if (next < nkeys) bad = 1;
    btree_cursor_close(&c);
    return bad;
}

static void crash_options(OltpOptions *o)
{
    oltp_options_default(o);
    o->pool_pages = 48;             /* evictions, WAL-rule write-backs */
    o->wal.segment_size = 64 << 10; /* segment switches and truncation */
}

static void child_run(const char *dir, u32 start, int fd)
{
    OltpOptions o;
    crash_options(&o);
    OltpStore *s;
    Err e = {0};
    if (oltp_store_open(dir, &o, &s, &e)) _exit(3);
    BTree *t = btree_open(&s->env, 1); /* page 0 is the store page */
    u32 ready = UINT32_MAX;
    if (write(fd, &ready, 4) != 4) _exit(6);
    u8 k[4], v[MAX_VAL];
    Op ops[32];
    for (u32 b = start; b < MAX_BATCH; b++) {
        BtTxn *txn = bt_txn_begin(&s->env);
        int n = batch_ops(b, ops);
        for (int i = 0; i < n; i++) {
            ckey(k, ops[i].key);
            size_t vl = cval(ops[i].tag, v);
            bool found;
            int rc = ops[i].kind == 0   ? btree_insert(t, txn, k, 4, v, vl, &e)
                     : ops[i].kind == 1 ? btree_update(t, txn, k, 4, v, vl, &found, &e)
                                        : btree_delete(t, txn, k, 4, &found, &e);
            if (rc) _exit(4);
            /* half the batches reach the disk before their commit (as when
             * another session's commit flushes the log), so that recovery
             * has uncommitted changes to undo */
            if (b % 2 && i == n / 2 && wal_flush(s->wal, wal_insert_lsn(s->wal), &e)) _exit(8);
        }
        if (bt_txn_commit(&s->env, txn, b, &e)) _exit(5);
        if (write(fd, &b, 4) != 4) _exit(6);
        if (b % 16 == 0 && oltp_store_checkpoint(s, &e)) _exit(7);
    }
    _exit(0);
}

void suite_oltp_crash(void)
{
    char *dir = storage_test_tmpdir();
    OltpOptions o;
    crash_options(&o);
    OltpStore *s;
    BTree *t;
    CHECK_OK(oltp_store_open(dir, &o, &s, &err), &err);
    CHECK_OK(btree_create(&s->env, &t, &err), &err);
    CHECK_INT(btree_id(t), 1); /* page 0 is the store page (free list) */
    CHECK_OK(oltp_store_close(s, true, &err), &err);

    Model m = {xcalloc(MAX_KEYS, sizeof(u32))};
    u32 next = 0; /* first batch the next child runs; the model holds batches < next */
    int lost = 0, partial = 0, child_errors = 0, unacked_committed = 0;
    u64 acked_total = 0, recovered_records = 0, losers = 0;
    double recover_s = 0, t0 = storage_test_now();
    unsigned seed = 12345;
    for (int it = 0; it < CRASH_ITERS && next + 200 < MAX_BATCH; it++) {
        int p[2];
        CHECK(pipe(p) == 0);
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            child_run(dir, next, p[1]);
        }
        close(p[1]);
        /* most kills come once the child has recovered and runs batches;
         * every fifth one may hit its recovery or its first checkpoint */
        u32 b;
        if (it % 5 != 0 && (read(p[0], &b, 4) != 4 || b != UINT32_MAX)) child_errors++;
        usleep(rand_r(&seed) % 20000);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
            child_errors++;
            fprintf(stderr, "crash iteration %d: child exited with status %d\n", it, status);
        }
        u32 last = next; /* last = one past the last acknowledged batch */
        while (read(p[0], &b, 4) == 4) {
            if (b == UINT32_MAX) continue;
            if (b != last) child_errors++;
            last = b + 1;
            acked_total++;
        }
        close(p[0]);
        for (u32 x = next; x < last; x++) model_apply(&m, x);
        u32 nkeys = (last + 1) * KEYS_PER_BATCH;

        double r0 = storage_test_now();
        if (oltp_store_open(dir, &o, &s, &err)) {
            CHECK_OK(MDB_FAIL, &err);
            break;
        }
        recover_s += storage_test_now() - r0;
        recovered_records += s->recovery.records;
        losers += s->recovery.losers;
        t = btree_open(&s->env, 1);
        u64 n;
        CHECK_OK(btree_check(t, &n, &err), &err);
        if (model_diff(t, &m, nkeys) == 0) {
            next = last;
        } else {
            /* the batch after the last acknowledged one may have committed */
            u32 *saved = xmalloc(MAX_KEYS * sizeof(u32));
            memcpy(saved, m.tag, MAX_KEYS * sizeof(u32));
            model_apply(&m, last);
            if (model_diff(t, &m, nkeys) == 0) {
                unacked_committed++;
                next = last + 1;
            } else {
                /* acknowledged work lost, or a partial batch: which one is told by the counts */
                memcpy(m.tag, saved, MAX_KEYS * sizeof(u32));
                if (last > 0) lost++;
                partial++;
                fprintf(stderr, "crash iteration %d: state after recovery matches neither batch %u nor %u "
                        "(child status %d; recovery from %llu to %llu, %llu records, stop: %s)\n", it, last - 1, last,
                        status, (unsigned long long)s->recovery.start_lsn, (unsigned long long)s->recovery.end_lsn,
                        (unsigned long long)s->recovery.records, s->recovery.stop_reason);
                free(saved);
                oltp_store_close(s, false, &err);
                err_clear(&err);
                break;
            }
            free(saved);
        }
        CHECK_OK(oltp_store_close(s, false, &err), &err);
    }
    double dt = storage_test_now() - t0;
    CHECK_INT(child_errors, 0);
    CHECK_INT(lost, 0);
    CHECK_INT(partial, 0);
    CHECK(acked_total >= CRASH_ITERS); /* the children got work done between kills */
    printf("  crash test: %d kills, %llu acknowledged commits all recovered, %d unacknowledged found committed, "
           "%llu transactions undone, %llu WAL records replayed in %.3f s total recovery; %.2f s overall\n",
           CRASH_ITERS, (unsigned long long)acked_total, unacked_committed, (unsigned long long)losers, (unsigned long long)recovered_records,
           recover_s, dt);
    free(m.tag);
    storage_test_rmrf(dir);
    free(dir);
}
