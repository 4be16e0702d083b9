/*
 * bench/oltp/recovery_bench.c — how long crash recovery of the OLTP store
 * takes for a given amount of write-ahead log (issue 5: 1 GB in under 10 s).
 *
 * A child process opens a fresh store (src/storage/oltp/store.h) in DIR and
 * runs a TPC-B-like write load straight on the B+tree layer, the code path
 * SQL writes of OLTP tables end in: per operation one update of a random row
 * of an `accounts` tree (--accounts rows, loaded first), one insert of a
 * `history` row keyed by an ascending id, and one insert into an index tree
 * on (account, id) — so the log holds updates of random pages, appends, and
 * inserts at random places of an index, with their splits and full-page
 * images.  Transactions of --ops operations commit with synchronous commit;
 * no checkpoint is taken after the one at open, so the whole log stays to be
 * replayed.  Once --wal-mb MiB of log are written it starts one more
 * transaction, leaves it half done, and kills itself with SIGKILL.  The child
 * tells the parent through a pipe, after every acknowledged commit, how many
 * history rows are committed.
 *
 * The parent then reopens the store and times it: recovery (redo of the log
 * from the checkpoint, undo of the unfinished transaction) plus the
 * checkpoint that ends it; and checks the result: both trees pass
 * btree_check, the history and index trees hold exactly the acknowledged rows,
 * and the accounts tree holds its rows.  Output:
 *
 *   LOAD wal_bytes=<n> history_rows=<n> seconds=<s>
 *   RECOVERY wal_bytes=<n> records=<n> losers=<n> redo_undo_seconds=<s> open_seconds=<s> open_cpu_seconds=<s> mb_per_s=<x>
 *
 * (open_seconds: wall time of oltp_store_open, its checkpoint included;
 * open_cpu_seconds: the CPU time it used, which on a shared machine says how
 * much of the wall time was spent waiting for a CPU; mb_per_s: per wall second)
 *   POOL reads=<n> writes=<n> evictions=<n> hits=<n> misses=<n>   (buffer pool, during the reopen)
 *   CHECK history=<n> acknowledged=<n> index=<n> accounts=<n> ok|MISMATCH
 *
 * Usage: recovery_bench DIR [--wal-mb 1024] [--ops 4000] [--accounts 100000] [--pool-pages 16384]
 * DIR must not exist (it is created).  bench/oltp/recovery.sh builds and runs it.
 * --crash-only stops after the crash, leaving DIR to recover; `recovery_bench
 * DIR --reopen` then recovers it (copy DIR first to time recovery repeatedly).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storage/oltp/store.h"

#define META_FILE "bench.meta"
#define ACKED_FILE "bench.acked" /* the acknowledged count, for --reopen */
#define VAL_LEN 100

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process so far: on a shared machine the
 * wall time includes waiting for a CPU, this does not. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static u64 rnd(u64 *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void be64(u8 *p, u64 v)
{
    for (int i = 0; i < 8; i++) p[i] = (u8)(v >> (56 - 8 * i));
}

static void die(const char *what, Err *e)
{
    fprintf(stderr, "%s: %s %s\n", what, e->sqlstate, e->message ? e->message : "");
    exit(1);
}

typedef struct Meta {
    u32 accounts_tree, history_tree, index_tree;
} Meta;

/* The child: load, write until the log is long enough, die. */
static void child(const char *dir, u64 wal_bytes, int ops, u64 accounts, size_t pool, int fd)
{
    OltpOptions o;
    oltp_options_default(&o);
    o.pool_pages = pool;
    OltpStore *s;
    Err e = {0};
    if (oltp_store_open(dir, &o, &s, &e)) die("open", &e);
    BTree *acc, *hist, *idx;
    if (btree_create(&s->env, &acc, &e) || btree_create(&s->env, &hist, &e) || btree_create(&s->env, &idx, &e)) die("create", &e);
    Meta m = {btree_id(acc), btree_id(hist), btree_id(idx)};
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, META_FILE);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(&m, sizeof m, 1, f) != 1 || fclose(f)) {
        fprintf(stderr, "could not write %s\n", p);
        exit(1);
    }
    snprintf(p, sizeof p, "%s/%s", dir, ACKED_FILE);
    int afd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (afd < 0) {
        fprintf(stderr, "could not create %s\n", p);
        exit(1);
    }
    u8 key[16], val[VAL_LEN];
    memset(val, 'x', sizeof val);
    /* accounts, committed and checkpointed: the log to replay starts after them */
    BtTxn *t = bt_txn_begin(&s->env);
    for (u64 a = 0; a < accounts; a++) {
        be64(key, a);
        be64(val, 0);
        if (btree_insert(acc, t, key, 8, val, VAL_LEN, &e)) die("load", &e);
    }
    if (bt_txn_commit(&s->env, t, 1, &e) || oltp_store_checkpoint(s, &e)) die("load commit", &e);
    Lsn start = wal_insert_lsn(s->wal);
    u64 seed = 0x9e3779b97f4a7c15ULL, hid = 0, ts = 2;
    double t0 = now_s();
    ByteBuf v = {0};
    for (;;) {
        bool last = wal_insert_lsn(s->wal) - start >= wal_bytes;
        t = bt_txn_begin(&s->env);
        for (int i = 0; i < ops; i++) {
            u64 a = rnd(&seed) % accounts;
            i64 delta = (i64)(rnd(&seed) % 10001) - 5000;
            be64(key, a);
            bool found;
            if (btree_get(acc, key, 8, &v, &found, &e)) die("get", &e);
            if (!found || v.len != VAL_LEN) {
                fprintf(stderr, "account %llu missing\n", (unsigned long long)a);
                exit(1);
            }
            u64 bal;
            memcpy(&bal, v.data + 8, 8);
            bal += (u64)delta;
            memcpy(v.data + 8, &bal, 8);
            if (btree_update(acc, t, key, 8, v.data, v.len, &found, &e)) die("update", &e);
            be64(key, hid);
            be64(val, a);
            if (btree_insert(hist, t, key, 8, val, VAL_LEN, &e)) die("insert", &e);
            be64(key, a);
            be64(key + 8, hid);
            if (btree_insert(idx, t, key, 16, NULL, 0, &e)) die("index insert", &e);
            hid++;
        }
        if (last) {
            /* the unfinished transaction recovery must undo: make its records durable, then die */
            if (wal_flush(s->wal, wal_insert_lsn(s->wal), &e)) die("flush", &e);
            fprintf(stderr, "LOAD wal_bytes=%llu history_rows=%llu seconds=%.2f\n",
                    (unsigned long long)(wal_insert_lsn(s->wal) - start), (unsigned long long)(hid - (u64)ops), now_s() - t0);
            raise(SIGKILL);
        }
        if (bt_txn_commit(&s->env, t, ts++, &e)) die("commit", &e);
        if (write(fd, &hid, sizeof hid) != (ssize_t)sizeof hid || pwrite(afd, &hid, sizeof hid, 0) != (ssize_t)sizeof hid) exit(1);
    }
}

static u64 count_keys(BTree *t)
{
    BtCursor c;
    btree_cursor_open(&c, t, NULL, 0, false, NULL, 0, false);
    const u8 *k, *v;
    size_t kl, vl;
    u64 n = 0;
    Err e = {0};
    int r;
    while ((r = btree_cursor_next(&c, &k, &kl, &v, &vl, &e)) > 0) n++;
    btree_cursor_close(&c);
    if (r < 0) die("scan", &e);
    return n;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    double wal_mb = 1024;
    int ops = 4000;
    u64 accounts = 100000;
    size_t pool = 16384;
    int mode = 0; /* 0: write, crash, recover; 1: --crash-only; 2: --reopen (recover DIR left by --crash-only) */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--wal-mb") && i + 1 < argc) wal_mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--ops") && i + 1 < argc) ops = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--accounts") && i + 1 < argc) accounts = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--pool-pages") && i + 1 < argc) pool = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--crash-only")) mode = 1;
        else if (!strcmp(argv[i], "--reopen")) mode = 2;
        else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else dir = NULL, i = argc;
    }
    struct stat st;
    if (!dir || wal_mb <= 0 || ops < 1 || accounts < 1 || (stat(dir, &st) == 0) != (mode == 2)) {
        fprintf(stderr, "usage: recovery_bench NEWDIR [--wal-mb 1024] [--ops 4000] [--accounts 100000] [--pool-pages 16384] [--crash-only]\n"
                        "       recovery_bench CRASHEDDIR --reopen [--accounts 100000] [--pool-pages 16384]\n");
        return 2;
    }
    u64 acked = 0, x;
    if (mode == 2) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, ACKED_FILE);
        FILE *f = fopen(p, "rb");
        if (!f || fread(&acked, sizeof acked, 1, f) != 1) {
            fprintf(stderr, "could not read %s\n", p);
            return 1;
        }
        fclose(f);
        goto reopen;
    }
    int pfd[2];
    if (pipe(pfd)) return 1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        child(dir, (u64)(wal_mb * 1048576.0), ops, accounts, pool, pfd[1]);
        _exit(1);
    }
    close(pfd[1]);
    while (read(pfd[0], &x, sizeof x) == (ssize_t)sizeof x) acked = x;
    int status;
    waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
        fprintf(stderr, "the writer did not end with SIGKILL (status %d)\n", status);
        return 1;
    }
    if (mode == 1) return 0;
reopen:;
    OltpOptions o;
    oltp_options_default(&o);
    o.pool_pages = pool;
    OltpStore *s;
    Err e = {0};
    double t0 = now_s(), c0 = cpu_s();
    if (oltp_store_open(dir, &o, &s, &e)) die("recovery", &e);
    double open_s = now_s() - t0, open_cpu = cpu_s() - c0;
    OltpRecoveryStats *rs = &s->recovery;
    u64 bytes = rs->end_lsn - rs->start_lsn;
    printf("RECOVERY wal_bytes=%llu records=%llu losers=%llu redo_undo_seconds=%.2f open_seconds=%.2f open_cpu_seconds=%.2f mb_per_s=%.0f\n",
           (unsigned long long)bytes, (unsigned long long)rs->records, (unsigned long long)rs->losers, rs->seconds, open_s, open_cpu,
           (double)bytes / 1048576.0 / open_s);
    BufPoolStats bs;
    bufpool_stats(s->bp, &bs);
    printf("POOL reads=%llu writes=%llu evictions=%llu hits=%llu misses=%llu\n", (unsigned long long)bs.reads,
           (unsigned long long)bs.writes, (unsigned long long)bs.evictions, (unsigned long long)bs.hits, (unsigned long long)bs.misses);
    fflush(stdout);
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, META_FILE);
    Meta m;
    FILE *f = fopen(p, "rb");
    if (!f || fread(&m, sizeof m, 1, f) != 1) {
        fprintf(stderr, "could not read %s\n", p);
        return 1;
    }
    fclose(f);
    BTree *acc = btree_open(&s->env, m.accounts_tree), *hist = btree_open(&s->env, m.history_tree),
          *idx = btree_open(&s->env, m.index_tree);
    u64 na, nh, ni;
    if (btree_check(acc, &na, &e) || btree_check(hist, &nh, &e) || btree_check(idx, &ni, &e)) die("check", &e);
    bool ok = nh == acked && ni == acked && na == accounts && count_keys(hist) == nh;
    printf("CHECK history=%llu acknowledged=%llu index=%llu accounts=%llu %s\n", (unsigned long long)nh,
           (unsigned long long)acked, (unsigned long long)ni, (unsigned long long)na, ok ? "ok" : "MISMATCH");
    if (oltp_store_close(s, false, &e)) die("close", &e);
    return ok ? 0 : 1;
}
