/*
 * src/txn/txn.c — transaction life cycle: begin (snapshot), commit (publish
 * stamps under the commit lock), rollback (undo in reverse order).  The
 * storage of a table is reached only through its access method
 * (src/storage/tableam.h): commit and undo call back the tier of every
 * logged row range, and tiers with a log of their own take part through a
 * TxnTier.
 */
#include "txn/txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "storage/tableam.h"

void txnmgr_init(TxnManager *m)
{
    pthread_rwlock_init(&m->commit_lock, NULL);
    pthread_mutex_init(&m->mu, NULL);
    /* waits have deadlines on the monotonic clock (lock_timeout, statement_timeout) */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->ended, &ca);
    pthread_condattr_destroy(&ca);
    m->clock = 1;
    m->next_id = TXN_ID_BASE + 1;
}

void txnmgr_destroy(TxnManager *m)
{
    pthread_rwlock_destroy(&m->commit_lock);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->ended);
}

void txnmgr_advance_clock(TxnManager *m, Ts ts)
{
    pthread_mutex_lock(&m->mu);
    if (ts < TXN_ID_BASE && ts > m->clock) m->clock = ts;
    pthread_mutex_unlock(&m->mu);
}

Txn *txn_begin(TxnManager *m)
{
    Txn *t = xcalloc(1, sizeof(Txn));
    t->mgr = m;
    pthread_rwlock_rdlock(&m->commit_lock);
    pthread_mutex_lock(&m->mu);
    t->id = m->next_id++;
    t->snapshot = m->clock;
    t->live_next = m->live;
    if (m->live) m->live->live_prev = t;
    m->live = t;
    m->nlive++;
    pthread_mutex_unlock(&m->mu);
    pthread_rwlock_unlock(&m->commit_lock);
    return t;
}

void txn_refresh_snapshot(Txn *t)
{
    TxnManager *m = t->mgr;
    pthread_rwlock_rdlock(&m->commit_lock);
    pthread_mutex_lock(&m->mu);
    t->snapshot = m->clock;
    pthread_mutex_unlock(&m->mu);
    pthread_rwlock_unlock(&m->commit_lock);
}

Ts txnmgr_horizon(TxnManager *m)
{
    pthread_mutex_lock(&m->mu);
    Ts h = m->clock;
    for (Txn *t = m->live; t; t = t->live_next)
        if (t->snapshot < h) h = t->snapshot;
    pthread_mutex_unlock(&m->mu);
    return h;
}

/* Wakes transactions waiting for t to end (row conflicts); its stamps are final by now. */
static void txn_announce_end(Txn *t)
{
    TxnManager *m = t->mgr;
    pthread_mutex_lock(&m->mu);
    t->ended = true;
    pthread_cond_broadcast(&m->ended);
    pthread_mutex_unlock(&m->mu);
}

void txn_log(Txn *t, TableStore *table, u64 row, u64 count, u8 kind)
{
    if (t->nundo > t->merge_floor) {
        UndoEntry *l = &t->undo[t->nundo - 1];
        if (l->table == table && l->kind == kind && l->row + l->count == row) {
            l->count += count;
            return;
        }
    }
    if (t->nundo == t->capundo) {
        t->capundo = t->capundo ? t->capundo * 2 : 64;
        t->undo = xrealloc(t->undo, t->capundo * sizeof(UndoEntry));
    }
    t->undo[t->nundo++] = (UndoEntry){table, row, count, kind};
}

void *txn_tier_state(Txn *t, void *key)
{
    for (int i = 0; i < t->ntiers; i++)
        if (t->tiers[i].key == key) return t->tiers[i].state;
    return NULL;
}

void txn_tier_add(Txn *t, void *key, const TxnTierOps *ops, void *state)
{
    if (t->ntiers < TXN_MAX_TIERS) t->tiers[t->ntiers++] = (TxnTier){ops, key, state};
}

/* Commit: under the commit lock, first the ranges of logged tiers (they may
 * fail; the transaction then rolls back whole), then each participant's
 * commit record, then the in-memory stamps, which cannot fail.  The wait for
 * durability happens after the lock is released, so concurrent commits share
 * one log flush. */
int txn_commit(Txn *t, Err *err)
{
    if (t->nundo == 0 && t->ntiers == 0) return MDB_OK_;
    TxnManager *m = t->mgr;
    pthread_rwlock_wrlock(&m->commit_lock);
    pthread_mutex_lock(&m->mu);
    Ts cts = ++m->clock;
    pthread_mutex_unlock(&m->mu);
    int rc = MDB_OK_;
    for (size_t i = 0; i < t->nundo && !rc; i++) {
        UndoEntry *u = &t->undo[i];
        if (u->table->am->logged) rc = u->table->am->commit_rows(u->table, t, u->row, u->count, u->kind, cts, err);
    }
    int ncommitted = 0;
    for (; ncommitted < t->ntiers && !rc; ncommitted++) rc = t->tiers[ncommitted].ops->commit(t->tiers[ncommitted].state, cts, err);
    if (rc) {
        /* participants that did commit are gone; the rest roll back in txn_rollback */
        if (ncommitted) {
            memmove(t->tiers, t->tiers + ncommitted, sizeof(TxnTier) * (size_t)(t->ntiers - ncommitted));
            t->ntiers -= ncommitted;
        }
        pthread_rwlock_unlock(&m->commit_lock);
        return MDB_FAIL;
    }
    for (size_t i = 0; i < t->nundo; i++) {
        UndoEntry *u = &t->undo[i];
        if (!u->table->am->logged) u->table->am->commit_rows(u->table, t, u->row, u->count, u->kind, cts, err);
    }
    pthread_rwlock_unlock(&m->commit_lock);
    txn_announce_end(t);
    int n = t->ntiers;
    t->ntiers = 0;
    for (int i = 0; i < n; i++)
        if (t->tiers[i].ops->commit_wait(t->tiers[i].state, err)) rc = MDB_FAIL;
    return rc;
}

void txn_rollback_to(Txn *t, size_t mark)
{
    bool undid = t->nundo > mark;
    while (t->nundo > mark) {
        UndoEntry *u = &t->undo[--t->nundo];
        u->table->am->undo_rows(u->table, t, u->row, u->count, u->kind);
    }
    if (t->merge_floor > t->nundo) t->merge_floor = t->nundo;
    if (undid) {
        /* rows this transaction held may be free now: writers waiting on it look again */
        TxnManager *m = t->mgr;
        pthread_mutex_lock(&m->mu);
        t->undo_gen++;
        pthread_cond_broadcast(&m->ended);
        pthread_mutex_unlock(&m->mu);
    }
}

size_t txn_mark(Txn *t)
{
    t->merge_floor = t->nundo;
    return t->nundo;
}

/* Participants roll back first (OLTP: undo of its whole log chain), so the
 * ranges' undo hooks of those tiers find nothing left to do. */
void txn_rollback(Txn *t)
{
    int n = t->ntiers;
    t->ntiers = 0;
    for (int i = 0; i < n; i++) t->tiers[i].ops->rollback(t->tiers[i].state);
    txn_rollback_to(t, 0);
    txn_announce_end(t);
}

/* The live transaction with id `id`, or NULL (under mu). */
static Txn *live_find(TxnManager *m, TxnId id)
{
    for (Txn *x = m->live; x; x = x->live_next)
        if (x->id == id) return x;
    return NULL;
}

void txn_note_conflict(Txn *t, Ts stamp)
{
    TxnManager *m = t->mgr;
    pthread_mutex_lock(&m->mu);
    t->conflict = true;
    t->conflict_with = stamp >= TXN_ID_BASE && stamp != TS_ABORTED && stamp != TS_INFINITY ? stamp : 0;
    Txn *x = t->conflict_with ? live_find(m, t->conflict_with) : NULL;
    t->conflict_gen = x ? x->undo_gen : 0;
    pthread_mutex_unlock(&m->mu);
}

/* Transaction numbers as users see them in messages (ids count from TXN_ID_BASE). */
static unsigned long long shown_id(TxnId id) { return (unsigned long long)(id - TXN_ID_BASE); }

/* Poll interval: a cancel request only sets a flag, so waits wake up now and then to look. */
#define TXN_WAIT_POLL_NS 20000000

int txn_wait_conflict(Txn *t, const TxnWaitLimits *lim, Err *err)
{
    TxnManager *m = t->mgr;
    TxnId other = t->conflict_with;
    int rc = MDB_OK_;
    bool counted = false;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        Txn *x = live_find(m, other);
        if (!x || x->ended || x->undo_gen != t->conflict_gen) break;
        t->waiting_for = other;
        /* deadlock: the chain of waits from the writer we wait on leads back to us.  Every
         * waiter records its edge and looks under mu, so the one that closes a cycle sees it. */
        Txn *y = x;
        for (u64 steps = 0; y && y->waiting_for && steps <= m->nlive; steps++) {
            if (y->waiting_for == t->id) {
                err_set(err, "40P01", "deadlock detected");
                err_detail(err, "Transaction %llu waits for transaction %llu; transaction %llu waits for transaction %llu.",
                           shown_id(t->id), shown_id(other), shown_id(y->id), shown_id(t->id));
                rc = MDB_FAIL;
                break;
            }
            y = live_find(m, y->waiting_for);
        }
        if (rc) break;
        i64 now = time_mono_ns();
        if (lim->cancel && atomic_load(lim->cancel)) {
            rc = err_set(err, "57014", "canceling statement due to user request");
            break;
        }
        if (lim->stmt_deadline_ns && now >= lim->stmt_deadline_ns) {
            rc = err_set(err, "57014", "canceling statement due to statement timeout");
            break;
        }
        if (lim->lock_deadline_ns && now >= lim->lock_deadline_ns) {
            rc = err_set(err, "55P03", "canceling statement due to lock timeout");
            err_detail(err, "Transaction %llu waits for transaction %llu.", shown_id(t->id), shown_id(other));
            break;
        }
        i64 until = now + TXN_WAIT_POLL_NS;
        if (lim->stmt_deadline_ns && lim->stmt_deadline_ns < until) until = lim->stmt_deadline_ns;
        if (lim->lock_deadline_ns && lim->lock_deadline_ns < until) until = lim->lock_deadline_ns;
        if (!counted) m->nwaits++, counted = true;
        struct timespec ts = {(time_t)(until / 1000000000), (long)(until % 1000000000)};
        pthread_cond_timedwait(&m->ended, &m->mu, &ts);
    }
    t->waiting_for = 0;
    pthread_mutex_unlock(&m->mu);
    return rc;
}

void txn_free(Txn *t)
{
    if (!t) return;
    /* a transaction freed without commit or rollback still ends its participants */
    for (int i = 0; i < t->ntiers; i++) t->tiers[i].ops->rollback(t->tiers[i].state);
    TxnManager *m = t->mgr;
    pthread_mutex_lock(&m->mu);
    if (t->live_prev) t->live_prev->live_next = t->live_next;
    else m->live = t->live_next;
    if (t->live_next) t->live_next->live_prev = t->live_prev;
    m->nlive--;
    pthread_mutex_unlock(&m->mu);
    free(t->undo);
    free(t);
}

TxnId txnmgr_oldest_live(TxnManager *m)
{
    TxnId id = UINT64_MAX;
    pthread_mutex_lock(&m->mu);
    for (Txn *t = m->live; t; t = t->live_next)
        if (t->id < id) id = t->id;
    pthread_mutex_unlock(&m->mu);
    return id;
}

TxnId txnmgr_next_id(TxnManager *m)
{
    pthread_mutex_lock(&m->mu);
    TxnId id = m->next_id;
    pthread_mutex_unlock(&m->mu);
    return id;
}
