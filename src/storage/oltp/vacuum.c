/*
 * src/storage/oltp/vacuum.c — reclamation in an OLTP store (see vacuum.h): the table
 * registry, the worker thread, passes over tables, and the deferred freeing of retired
 * trees.
 *
 * Why the horizon makes removal safe: a version whose end stamp is a commit timestamp at
 * or before txnmgr_horizon is invisible to every snapshot now and later, and the
 * transaction that ended it has left the live list — its commit record was appended
 * before (under the commit lock), so no record of ours can reach the log without it and
 * recovery never undoes that end.  No live transaction can write the version again (it is
 * not visible, and a write-write check against it fails), nor undo a change to it (its
 * last change was the committed end).  So removing it never breaks the B+tree's rule that
 * two live transactions do not change the same key, which logical undo relies on.  A
 * committing transaction's versions carry its id until its commit publishes the
 * timestamp, and the horizon stays below that timestamp while it is live.
 */
#include "storage/oltp/vacuum.h"

#include <stdlib.h>
#include <time.h>

/* Overflow pages (8 KiB) that versions whose update kept their chain must hold before a
 * pass is due regardless of their number: a commit stamps both the ended and the new
 * version, so about 4 MiB of dead tails. */
#define VAC_CHAIN_PAGES 1024

typedef struct VacEntry {
    TableStore *st;
    Ts last_horizon; /* horizon of its last pass */
    u64 waiting;     /* ended versions its last pass had to keep */
} VacEntry;

typedef struct Retired {
    PageNo tree;
    TxnId before; /* transactions with a smaller id began before the retirement */
} Retired;

struct OltpVacuum {
    OltpStore *s;
    TxnManager *tm;               /* set by oltp_vacuum_start */
    pthread_mutex_t mu;           /* tables, retired, busy, the worker's state */
    pthread_cond_t cv;            /* wakes the worker; announces the end of a table's pass */
    pthread_mutex_t work_mu;      /* one pass at a time */
    VacEntry *tables;
    size_t n, cap;
    Retired *retired;
    size_t nret, capret;
    TableStore *busy;             /* the table a pass works on */
    pthread_t th;
    bool running, stop;
    int interval_ms;
    OltpVacuumTotals totals;
};

OltpVacuum *oltp_vacuum_new(OltpStore *s)
{
    OltpVacuum *v = xcalloc(1, sizeof *v);
    v->s = s;
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    pthread_mutex_init(&v->work_mu, NULL);
    return v;
}

static int free_retired(OltpVacuum *v, TxnManager *tm, Err *err);

void oltp_vacuum_free(OltpVacuum *v)
{
    if (!v) return;
    oltp_vacuum_stop(v->s);
    /* the store closes: the retired trees that no transaction can reach go now (at a close
     * after mdb_close, all of them); what stays is counted as lost, so that the next open
     * sweeps it up.  In memory nothing outlives the close. */
    if (v->tm && v->s->dir) {
        Err er = {0};
        pthread_mutex_lock(&v->work_mu);
        free_retired(v, v->tm, &er);
        pthread_mutex_unlock(&v->work_mu);
        err_clear(&er);
    }
    v->s->env.leaked += v->nret;
    free(v->tables);
    free(v->retired);
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->cv);
    pthread_mutex_destroy(&v->work_mu);
    free(v);
}

void oltp_vacuum_register(OltpStore *s, TableStore *st)
{
    OltpVacuum *v = s->vac;
    if (!v) return;
    pthread_mutex_lock(&v->mu);
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->tables = xrealloc(v->tables, v->cap * sizeof *v->tables);
    }
    v->tables[v->n++] = (VacEntry){st, 0, 0};
    pthread_mutex_unlock(&v->mu);
}

void oltp_vacuum_unregister(OltpStore *s, TableStore *st)
{
    OltpVacuum *v = s ? s->vac : NULL;
    if (!v) return;
    pthread_mutex_lock(&v->mu);
    for (size_t i = 0; i < v->n; i++)
        if (v->tables[i].st == st) {
            v->tables[i] = v->tables[--v->n];
            break;
        }
    while (v->busy == st) pthread_cond_wait(&v->cv, &v->mu);
    pthread_mutex_unlock(&v->mu);
}

void oltp_vacuum_retire_tree(OltpStore *s, TxnManager *tm, PageNo tree)
{
    OltpVacuum *v = s->vac;
    if (!v || tree == PAGE_NONE) return;
    TxnId before = txnmgr_next_id(tm);
    pthread_mutex_lock(&v->mu);
    if (v->nret == v->capret) {
        v->capret = v->capret ? v->capret * 2 : 8;
        v->retired = xrealloc(v->retired, v->capret * sizeof *v->retired);
    }
    v->retired[v->nret++] = (Retired){tree, before};
    pthread_mutex_unlock(&v->mu);
}

/* Frees the retired trees that no live transaction can reach any more.  Under work_mu. */
static int free_retired(OltpVacuum *v, TxnManager *tm, Err *err)
{
    TxnId oldest = txnmgr_oldest_live(tm);
    int rc = MDB_OK_;
    for (;;) {
        PageNo tree = PAGE_NONE;
        pthread_mutex_lock(&v->mu);
        for (size_t i = 0; i < v->nret; i++)
            if (v->retired[i].before <= oldest) {
                tree = v->retired[i].tree;
                v->retired[i] = v->retired[--v->nret];
                break;
            }
        pthread_mutex_unlock(&v->mu);
        if (tree == PAGE_NONE) break;
        if ((rc = btree_free_tree(&v->s->env, tree, err))) break;
        pthread_mutex_lock(&v->mu);
        v->totals.trees_freed++;
        pthread_mutex_unlock(&v->mu);
    }
    return rc;
}

int oltp_vacuum_run(OltpStore *s, TxnManager *tm, TableStore *only, bool force, Err *err)
{
    OltpVacuum *v = s->vac;
    if (!v || !tm) return MDB_OK_;
    pthread_mutex_lock(&v->work_mu);
    Ts horizon = txnmgr_horizon(tm);
    int rc = free_retired(v, tm, err);
    for (size_t i = 0; rc == MDB_OK_; i++) {
        pthread_mutex_lock(&v->mu);
        if (i >= v->n) {
            pthread_mutex_unlock(&v->mu);
            break;
        }
        VacEntry *e = &v->tables[i];
        TableStore *st = e->st;
        if (only && st != only) {
            pthread_mutex_unlock(&v->mu);
            continue;
        }
        /* due when the versions that ended since the last pass are a sixteenth of the live
         * rows (at least 64), or when the last pass kept that many for a horizon that has
         * moved since */
        u64 churn = oltp_table_churn(st);
        i64 live = tableam_live_rows(st);
        u64 threshold = 64 + (live > 0 ? (u64)live / 16 : 0);
        /* or when versions that ended hold overflow chains worth VAC_CHAIN_PAGES pages (a
         * few updates of big values: the count of versions alone would let them pile up) */
        BTree *tree = btree_open(&s->env, oltp_table_tree(st));
        u64 kept = btree_kept_chain_pages(tree, 0);
        bool due = force || churn >= threshold || (horizon > e->last_horizon && e->waiting + churn >= threshold) ||
                   (churn > 0 && kept >= VAC_CHAIN_PAGES);
        if (!due) {
            pthread_mutex_unlock(&v->mu);
            continue;
        }
        v->busy = st;
        pthread_mutex_unlock(&v->mu);
        OltpReclaimStats rs;
        rc = oltp_table_reclaim(st, horizon, &rs, err);
        if (rc == MDB_OK_) btree_kept_chain_pages(tree, kept);
        pthread_mutex_lock(&v->mu);
        v->busy = NULL;
        pthread_cond_broadcast(&v->cv);
        for (size_t k = 0; k < v->n; k++)
            if (v->tables[k].st == st) {
                v->tables[k].last_horizon = horizon;
                v->tables[k].waiting = rs.waiting;
            }
        v->totals.passes++;
        v->totals.removed += rs.removed;
        v->totals.index_entries += rs.index_entries;
        pthread_mutex_unlock(&v->mu);
    }
    pthread_mutex_unlock(&v->work_mu);
    return rc;
}

/* The trees there are: every registered table's, and the retired ones not freed yet. */
static void live_trees(OltpVacuum *v, PageNo **out, size_t *n)
{
    size_t cap = 64;
    *n = 0;
    *out = xmalloc(cap * sizeof(PageNo));
    pthread_mutex_lock(&v->mu);
    for (size_t i = 0; i < v->n; i++) {
        for (;;) {
            int k = oltp_table_trees(v->tables[i].st, *out + *n, (int)(cap - *n));
            if (*n + (size_t)k <= cap) {
                *n += (size_t)k;
                break;
            }
            cap = (*n + (size_t)k) * 2;
            *out = xrealloc(*out, cap * sizeof(PageNo));
        }
    }
    if (*n + v->nret > cap) *out = xrealloc(*out, (*n + v->nret) * sizeof(PageNo));
    for (size_t i = 0; i < v->nret; i++) (*out)[(*n)++] = v->retired[i].tree;
    pthread_mutex_unlock(&v->mu);
}

int oltp_vacuum_census(OltpStore *s, BtCensus *out, Err *err)
{
    OltpVacuum *v = s->vac;
    PageNo *trees;
    size_t n;
    pthread_mutex_lock(&v->work_mu); /* no pass frees a tree meanwhile */
    live_trees(v, &trees, &n);
    int rc = btenv_census(&s->env, trees, n, false, out, err);
    pthread_mutex_unlock(&v->work_mu);
    free(trees);
    return rc;
}

int oltp_vacuum_sweep(OltpStore *s, Err *err)
{
    if (!s->need_sweep) return MDB_OK_;
    OltpVacuum *v = s->vac;
    PageNo *trees;
    size_t n;
    pthread_mutex_lock(&v->work_mu);
    live_trees(v, &trees, &n);
    int rc = btenv_census(&s->env, trees, n, true, &s->sweep, err);
    pthread_mutex_unlock(&v->work_mu);
    free(trees);
    if (rc == MDB_OK_) {
        s->need_sweep = false;
        s->swept = true;
    }
    return rc;
}

void oltp_vacuum_totals(OltpStore *s, OltpVacuumTotals *out)
{
    OltpVacuum *v = s->vac;
    memset(out, 0, sizeof *out);
    if (!v) return;
    pthread_mutex_lock(&v->mu);
    *out = v->totals;
    out->trees_waiting = v->nret;
    pthread_mutex_unlock(&v->mu);
}

static void *vacuum_worker(void *arg)
{
    OltpVacuum *v = arg;
    pthread_mutex_lock(&v->mu);
    int wait_ms = v->interval_ms;
    while (!v->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&v->cv, &v->mu, &ts);
        if (v->stop) break;
        u64 before = v->totals.passes;
        pthread_mutex_unlock(&v->mu);
        /* errors (a failed WAL) surface in the statements; the worker just tries again */
        Err er = {0};
        oltp_vacuum_run(v->s, v->tm, NULL, false, &er);
        err_clear(&er);
        pthread_mutex_lock(&v->mu);
        /* a pass that found work is followed by the next one soon: under a stream of
         * updates the dead versions of a hot key stay few (every reader and uniqueness
         * check walks them) */
        wait_ms = v->totals.passes != before ? MDB_MAX(v->interval_ms / 10, 1) : v->interval_ms;
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

int oltp_vacuum_start(OltpStore *s, TxnManager *tm, int interval_ms, Err *err)
{
    OltpVacuum *v = s->vac;
    pthread_mutex_lock(&v->mu);
    v->tm = tm;
    int rc = MDB_OK_;
    if (!v->running) {
        v->stop = false;
        v->interval_ms = interval_ms > 0 ? interval_ms : 100;
        if (pthread_create(&v->th, NULL, vacuum_worker, v) != 0)
            rc = err_set(err, SQLSTATE_INTERNAL_ERROR, "could not start the oltp reclamation thread");
        else v->running = true;
    }
    pthread_mutex_unlock(&v->mu);
    return rc;
}

void oltp_vacuum_stop(OltpStore *s)
{
    OltpVacuum *v = s ? s->vac : NULL;
    if (!v) return;
    pthread_mutex_lock(&v->mu);
    bool running = v->running;
    v->stop = true;
    v->running = false;
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
    if (running) pthread_join(v->th, NULL);
}
