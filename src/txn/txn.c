/*
 * src/txn/txn.c — transaction life cycle: begin (snapshot), commit (publish
 * stamps under the commit lock), rollback (undo in reverse order).  The
 * storage of a table is reached only through its access method
 * (src/storage/tableam.h): commit and undo call back the tier of every
 * logged row range, and tiers with a log of their own take part through a
 * TxnTier.
 *
 * The row table (TxnManager.rows) holds what a row version's stamps cannot: row locks
 * (SELECT … FOR UPDATE / FOR SHARE; they need not survive a crash, so they live only here and
 * in the holder's undo log, and a row that is only locked costs no new version) and the FIFO
 * queues of transactions waiting to change or lock a row.  An entry is keyed by (table storage,
 * row version), kind 'R'; when a transaction that ended versions commits, the queues on those
 * versions move to the key (storage, commit timestamp), kind 'B', which names the versions that
 * commit began — the new versions of the rows the waiters want.  A transaction about to end or
 * lock a version looks at both keys and, when others queue there before it, queues too.
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
    m->nrowbuckets = 1024;
    m->rows = xcalloc(m->nrowbuckets, sizeof(struct RowEntry *));
}

static void rowtable_free(TxnManager *m);

void txnmgr_destroy(TxnManager *m)
{
    rowtable_free(m);
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

/* ---- waking waiters --------------------------------------------------------------------- */

/* Each waiter sleeps on its own condition variable and is woken only by what it waits for:
 * the transaction it records in waiting_for ended or undid something, or its queue moved on
 * (one shared condition variable woke every waiter at every commit). */
static void wake_waiters_of(TxnManager *m, TxnId id)
{
    if (!m->nsleeping) return;
    for (Txn *y = m->live; y; y = y->live_next)
        if (y->waiting_for == id) pthread_cond_signal(&y->wake);
}

/* ---- the row table: row locks and wait queues ---------------------------------------------- */

typedef struct RowHold {
    TxnId id;
    u8 mode;
} RowHold;

typedef struct RowEntry {
    const void *store;
    u64 row;              /* a row version ('R') or a commit timestamp ('B') */
    u8 kind;
    struct RowEntry *next; /* hash chain */
    RowHold *holds;       /* row locks ('R' only), one per (transaction, strength) taken */
    int nholds, capholds;
    Txn **waiters;        /* in arrival order (ticket); the first one's turn */
    int nwaiters, capwaiters;
} RowEntry;

static u32 row_hash(const void *store, u64 row, u8 kind)
{
    u64 h = (u64)(uintptr_t)store * 0x9E3779B97F4A7C15ull ^ (row + kind) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    return (u32)h;
}

/* The entry for (store, row, kind), created when `create` (under mu). */
static RowEntry *row_entry(TxnManager *m, const void *store, u64 row, u8 kind, bool create)
{
    u32 b = row_hash(store, row, kind) & (m->nrowbuckets - 1);
    for (RowEntry *e = m->rows[b]; e; e = e->next)
        if (e->store == store && e->row == row && e->kind == kind) return e;
    if (!create) return NULL;
    if (atomic_load(&m->nrowentries) >= 2 * (u64)m->nrowbuckets) {
        /* many locks (a SELECT … FOR UPDATE over many rows): twice the buckets */
        u32 nb = m->nrowbuckets * 2;
        RowEntry **rows = xcalloc(nb, sizeof(RowEntry *));
        for (u32 i = 0; i < m->nrowbuckets; i++)
            while (m->rows[i]) {
                RowEntry *x = m->rows[i];
                m->rows[i] = x->next;
                u32 nbk = row_hash(x->store, x->row, x->kind) & (nb - 1);
                x->next = rows[nbk];
                rows[nbk] = x;
            }
        free(m->rows);
        m->rows = rows;
        m->nrowbuckets = nb;
        b = row_hash(store, row, kind) & (nb - 1);
    }
    RowEntry *e = xcalloc(1, sizeof(RowEntry));
    e->store = store;
    e->row = row;
    e->kind = kind;
    e->next = m->rows[b];
    m->rows[b] = e;
    atomic_fetch_add(&m->nrowentries, 1);
    return e;
}

/* Frees e when nothing holds or waits on it any more (under mu). */
static void row_entry_release(TxnManager *m, RowEntry *e)
{
    if (e->nholds || e->nwaiters) return;
    u32 b = row_hash(e->store, e->row, e->kind) & (m->nrowbuckets - 1);
    for (RowEntry **p = &m->rows[b]; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    free(e->holds);
    free(e->waiters);
    free(e);
    atomic_fetch_sub(&m->nrowentries, 1);
}

static void rowtable_free(TxnManager *m)
{
    for (u32 b = 0; b < m->nrowbuckets; b++)
        while (m->rows[b]) {
            RowEntry *e = m->rows[b];
            m->rows[b] = e->next;
            free(e->holds);
            free(e->waiters);
            free(e);
        }
    free(m->rows);
    m->rows = NULL;
}

/* Whether locks of strengths a and b exclude each other (PostgreSQL's table; ROWLOCK_WRITE
 * conflicts with all). */
static bool modes_conflict(int a, int b)
{
    if (a == ROWLOCK_WRITE || b == ROWLOCK_WRITE) return true;
    /* KEY SHARE–UPDATE, SHARE–NO KEY UPDATE and everything stronger */
    return a + b >= 5;
}

/* Inserts t into e's queue by arrival (under mu); it leaves the queue it was in. */
static void queue_join(TxnManager *m, Txn *t, RowEntry *e)
{
    if (t->queue == e) return;
    if (t->queue) {
        RowEntry *q = t->queue;
        for (int i = 0; i < q->nwaiters; i++)
            if (q->waiters[i] == t) {
                memmove(q->waiters + i, q->waiters + i + 1, sizeof(Txn *) * (size_t)(q->nwaiters - i - 1));
                q->nwaiters--;
                m->nqueued--;
                break;
            }
        t->queue = NULL;
        if (q->nwaiters) pthread_cond_signal(&q->waiters[0]->wake); /* it may be first now */
        row_entry_release(m, q);
    }
    if (!t->ticket) t->ticket = ++m->next_ticket;
    if (e->nwaiters == e->capwaiters) {
        e->capwaiters = e->capwaiters ? e->capwaiters * 2 : 4;
        e->waiters = xrealloc(e->waiters, sizeof(Txn *) * (size_t)e->capwaiters);
    }
    int i = e->nwaiters;
    while (i > 0 && e->waiters[i - 1]->ticket > t->ticket) i--;
    memmove(e->waiters + i + 1, e->waiters + i, sizeof(Txn *) * (size_t)(e->nwaiters - i));
    e->waiters[i] = t;
    e->nwaiters++;
    m->nqueued++;
    t->queue = e;
}

/* t leaves its queue; the next waiter may go (under mu). */
static void queue_leave(TxnManager *m, Txn *t)
{
    RowEntry *q = t->queue;
    if (!q) return;
    for (int i = 0; i < q->nwaiters; i++)
        if (q->waiters[i] == t) {
            memmove(q->waiters + i, q->waiters + i + 1, sizeof(Txn *) * (size_t)(q->nwaiters - i - 1));
            q->nwaiters--;
            m->nqueued--;
            break;
        }
    t->queue = NULL;
    if (q->nwaiters) pthread_cond_signal(&q->waiters[0]->wake); /* the next one's turn */
    row_entry_release(m, q);
}

void txn_statement_end(Txn *t)
{
    if (t->queue) {
        TxnManager *m = t->mgr;
        pthread_mutex_lock(&m->mu);
        queue_leave(m, t);
        pthread_mutex_unlock(&m->mu);
    }
    t->ticket = 0;
    t->conflict_kind = 0;
}

/* Moves every waiter of `from` into `to`, merged by arrival; `from` goes when nothing else
 * holds it (under mu). */
static void queue_move(TxnManager *m, RowEntry *from, RowEntry *to)
{
    if (from == to) return;
    int n = from->nwaiters;
    Txn **ws = from->waiters;
    from->waiters = NULL;
    from->nwaiters = from->capwaiters = 0;
    m->nqueued -= (u64)n;
    for (int i = 0; i < n; i++) {
        ws[i]->queue = NULL;
        queue_join(m, ws[i], to);
    }
    free(ws);
    row_entry_release(m, from);
    if (to->nwaiters) pthread_cond_signal(&to->waiters[0]->wake); /* merged by arrival: who is first may have changed */
}

/* A commit ended the versions its undo log names: the queues on them move to the key of the
 * versions it began (its commit timestamp), merged by arrival (under mu). */
static void queues_follow_commit(TxnManager *m, Txn *t, Ts cts)
{
    for (size_t i = 0; i < t->nundo && m->nqueued; i++) {
        UndoEntry *u = &t->undo[i];
        if (u->kind != UNDO_DELETE) continue;
        for (u64 r = u->row; r < u->row + u->count; r++) {
            RowEntry *e = row_entry(m, u->table, r, 'R', false);
            if (e && e->nwaiters) queue_move(m, e, row_entry(m, u->table, cts, 'B', true));
        }
    }
}

/* t, first in the queue for version `row` (begun by `begin`), takes it (ends or locks it): the
 * queue follows it to that version, so that whoever meets the version now — changed or locked
 * by t — queues behind those already waiting (under mu). */
static void queue_claim(TxnManager *m, Txn *t, const void *store, u64 row, Ts begin)
{
    RowEntry *q = t->queue;
    if (!q || q->store != store || q->kind != 'B' || q->row != begin) return;
    queue_move(m, q, row_entry(m, store, row, 'R', true));
}

/* Releases t's row locks logged at or after undo position `from` (under mu). */
static void locks_release(TxnManager *m, Txn *t, size_t from)
{
    for (size_t i = from; i < t->nundo && t->nlocks; i++) {
        UndoEntry *u = &t->undo[i];
        if (!undo_is_lock(u->kind)) continue;
        t->nlocks--;
        RowEntry *e = row_entry(m, u->table, u->row, 'R', false);
        if (!e) continue;
        u8 mode = (u8)(u->kind - UNDO_LOCK);
        for (int k = e->nholds - 1; k >= 0; k--)
            if (e->holds[k].id == t->id && e->holds[k].mode == mode) {
                memmove(e->holds + k, e->holds + k + 1, sizeof(RowHold) * (size_t)(e->nholds - k - 1));
                e->nholds--;
                break;
            }
        row_entry_release(m, e);
    }
}

/* Records a conflict with a lock holder or a queue (under mu). */
static void note_row_conflict(TxnManager *m, Txn *t, TxnId holder, const void *store, u64 row, u8 kind, bool queue);

/* Whether t must wait before ending or locking version `row` (begun by `begin`) in `mode`:
 * a conflicting lock of another transaction, or — unless t holds a lock on it — a queue whose
 * first waiter is not t (under mu).  Notes the conflict. */
static bool row_blocked(TxnManager *m, Txn *t, const void *store, u64 row, Ts begin, int mode, bool queue)
{
    RowEntry *e = row_entry(m, store, row, 'R', false);
    bool mine = false;
    if (e)
        for (int k = 0; k < e->nholds; k++) {
            if (e->holds[k].id == t->id) mine = true;
            else if (modes_conflict(e->holds[k].mode, mode)) {
                note_row_conflict(m, t, e->holds[k].id, store, row, 'R', queue);
                return true;
            }
        }
    /* t locks the row already: those in line wait for it, not it for them */
    if (mine) return false;
    if (e && e->nwaiters && e->waiters[0] != t) {
        note_row_conflict(m, t, 0, store, row, 'R', queue);
        return true;
    }
    RowEntry *eb = begin < TXN_ID_BASE ? row_entry(m, store, begin, 'B', false) : NULL;
    if (eb && eb->nwaiters && eb->waiters[0] != t) {
        note_row_conflict(m, t, 0, store, begin, 'B', queue);
        return true;
    }
    return false;
}

bool txn_row_write_check(Txn *t, const void *store, u64 row, Ts begin)
{
    TxnManager *m = t->mgr;
    if (atomic_load_explicit(&m->nrowentries, memory_order_acquire) == 0) return false;
    pthread_mutex_lock(&m->mu);
    bool busy = row_blocked(m, t, store, row, begin, ROWLOCK_WRITE, true);
    if (!busy) queue_claim(m, t, store, row, begin);
    pthread_mutex_unlock(&m->mu);
    return busy;
}

int txn_row_lock(Txn *t, const void *store, u64 row, Ts begin, Ts end, int mode)
{
    /* NOWAIT and SKIP LOCKED do not wait: they take no place in the row's queue */
    bool queue = !(mode & ROWLOCK_NOQUEUE);
    mode &= ~ROWLOCK_NOQUEUE;
    if (end == t->id) return ROWLOCK_GRANTED; /* t itself ended it: nobody else can have it */
    if (end != TS_INFINITY && end != TS_ABORTED) {
        if (queue) txn_note_conflict_row(t, end, store, row);
        else txn_note_conflict(t, end);
        return end >= TXN_ID_BASE ? ROWLOCK_BUSY : ROWLOCK_CHANGED;
    }
    TxnManager *m = t->mgr;
    pthread_mutex_lock(&m->mu);
    if (row_blocked(m, t, store, row, begin, mode, queue)) {
        pthread_mutex_unlock(&m->mu);
        return ROWLOCK_BUSY;
    }
    if (queue) queue_claim(m, t, store, row, begin);
    RowEntry *e = row_entry(m, store, row, 'R', true);
    for (int k = 0; k < e->nholds; k++)
        if (e->holds[k].id == t->id && e->holds[k].mode >= mode) {
            pthread_mutex_unlock(&m->mu);
            return ROWLOCK_GRANTED; /* held already, as strong */
        }
    if (e->nholds == e->capholds) {
        e->capholds = e->capholds ? e->capholds * 2 : 2;
        e->holds = xrealloc(e->holds, sizeof(RowHold) * (size_t)e->capholds);
    }
    e->holds[e->nholds++] = (RowHold){t->id, (u8)mode};
    pthread_mutex_unlock(&m->mu);
    /* the undo log is t's own: savepoints release the locks taken after them */
    if (t->nundo == t->capundo) {
        t->capundo = t->capundo ? t->capundo * 2 : 64;
        t->undo = xrealloc(t->undo, t->capundo * sizeof(UndoEntry));
    }
    t->undo[t->nundo++] = (UndoEntry){(TableStore *)store, row, 1, (u8)(UNDO_LOCK + mode)};
    t->nlocks++;
    return ROWLOCK_GRANTED;
}

Txn *txn_begin(TxnManager *m)
{
    Txn *t = xcalloc(1, sizeof(Txn));
    t->mgr = m;
    pthread_rwlock_rdlock(&m->commit_lock);
    pthread_mutex_lock(&m->mu);
    t->id = m->next_id++;
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* waits have monotonic deadlines */
        pthread_cond_init(&t->wake, &ca);
        pthread_condattr_destroy(&ca);
    }
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
    locks_release(m, t, 0);
    queue_leave(m, t);
    t->ended = true;
    wake_waiters_of(m, t->id);
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
    if (t->nundo == t->nlocks && t->ntiers == 0) {
        /* nothing written: only row locks to let go of (waiters may wait on them) */
        if (t->nlocks) txn_announce_end(t);
        return MDB_OK_;
    }
    TxnManager *m = t->mgr;
    pthread_rwlock_wrlock(&m->commit_lock);
    pthread_mutex_lock(&m->mu);
    Ts cts = ++m->clock;
    pthread_mutex_unlock(&m->mu);
    int rc = MDB_OK_;
    for (size_t i = 0; i < t->nundo && !rc; i++) {
        UndoEntry *u = &t->undo[i];
        if (undo_is_lock(u->kind)) continue;
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
        if (!undo_is_lock(u->kind) && !u->table->am->logged) u->table->am->commit_rows(u->table, t, u->row, u->count, u->kind, cts, err);
    }
    if (atomic_load(&m->nrowentries)) {
        /* before any snapshot can see the new versions: newcomers find the waiters' queues */
        pthread_mutex_lock(&m->mu);
        queues_follow_commit(m, t, cts);
        pthread_mutex_unlock(&m->mu);
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
    TxnManager *m = t->mgr;
    if (undid && t->nlocks) {
        pthread_mutex_lock(&m->mu);
        locks_release(m, t, mark);
        pthread_mutex_unlock(&m->mu);
    }
    while (t->nundo > mark) {
        UndoEntry *u = &t->undo[--t->nundo];
        if (!undo_is_lock(u->kind)) u->table->am->undo_rows(u->table, t, u->row, u->count, u->kind);
    }
    if (t->merge_floor > t->nundo) t->merge_floor = t->nundo;
    if (undid) {
        /* rows this transaction held may be free now: writers waiting on it look again */
        pthread_mutex_lock(&m->mu);
        t->undo_gen++;
        wake_waiters_of(m, t->id);
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
    t->conflict_kind = 0;
    t->conflict_with = stamp >= TXN_ID_BASE && stamp != TS_ABORTED && stamp != TS_INFINITY ? stamp : 0;
    Txn *x = t->conflict_with ? live_find(m, t->conflict_with) : NULL;
    t->conflict_gen = x ? x->undo_gen : 0;
    pthread_mutex_unlock(&m->mu);
}

/* The conflict, and t's place in the row's queue: taken now, under the table's write mutex, so
 * that a commit of the writer met (which moves the queue) cannot come between (under mu). */
static void note_row_conflict(TxnManager *m, Txn *t, TxnId holder, const void *store, u64 row, u8 kind, bool queue)
{
    t->conflict = true;
    t->conflict_with = holder;
    Txn *x = holder ? live_find(m, holder) : NULL;
    t->conflict_gen = x ? x->undo_gen : 0;
    t->conflict_store = store;
    t->conflict_row = row;
    t->conflict_kind = kind;
    if (queue) queue_join(m, t, row_entry(m, store, row, kind, true));
}

void txn_note_conflict_row(Txn *t, Ts stamp, const void *store, u64 row)
{
    if (stamp < TXN_ID_BASE || stamp == TS_ABORTED || stamp == TS_INFINITY) {
        txn_note_conflict(t, stamp); /* a commit after the snapshot: nothing to wait for */
        return;
    }
    TxnManager *m = t->mgr;
    pthread_mutex_lock(&m->mu);
    note_row_conflict(m, t, stamp, store, row, 'R', true);
    pthread_mutex_unlock(&m->mu);
}

/* Transaction numbers as users see them in messages (ids count from TXN_ID_BASE). */
static unsigned long long shown_id(TxnId id) { return (unsigned long long)(id - TXN_ID_BASE); }

/* Poll interval: a cancel request only sets a flag, so waits wake up now and then to look. */
#define TXN_WAIT_POLL_NS 20000000

/* Whether waiter y's recorded edge to z still holds (under mu): z is the writer or lock holder
 * it met and has neither ended nor undone anything since, or z is first in y's queue.  An edge
 * left over from a wait that is over (y has not woken up yet) is no part of a deadlock. */
static bool still_waits(const Txn *y, const Txn *z)
{
    if (y->conflict_with == z->id && !z->ended && z->undo_gen == y->conflict_gen) return true;
    return y->queue && y->queue->nwaiters && y->queue->waiters[0] == z;
}

int txn_wait_conflict(Txn *t, const TxnWaitLimits *lim, Err *err)
{
    TxnManager *m = t->mgr;
    TxnId other = t->conflict_with;
    int rc = MDB_OK_;
    bool counted = false;
    pthread_mutex_lock(&m->mu);
    /* t took its place in the row's queue when the conflict was noted: the earliest waiter goes first */
    for (;;) {
        Txn *x = other ? live_find(m, other) : NULL;
        bool holder_done = !x || x->ended || x->undo_gen != t->conflict_gen;
        Txn *head = t->queue && t->queue->nwaiters ? t->queue->waiters[0] : t;
        if (holder_done && head == t) break;
        /* waits for the holder, then for the waiters before it */
        if (holder_done) x = head;
        TxnId on = x->id;
        t->waiting_for = on;
        /* deadlock: the chain of waits from the transaction we wait on leads back to us.  Every
         * waiter records its edge and looks under mu, so the one that closes a cycle sees it. */
        Txn *y = x;
        for (u64 steps = 0; y && y->waiting_for && steps <= m->nlive; steps++) {
            Txn *z = live_find(m, y->waiting_for);
            if (!z || !still_waits(y, z)) break; /* y is about to wake up: no cycle through it */
            if (z == t) {
                err_set(err, "40P01", "deadlock detected");
                err_detail(err, "Transaction %llu waits for transaction %llu; transaction %llu waits for transaction %llu.",
                           shown_id(t->id), shown_id(on), shown_id(y->id), shown_id(t->id));
                rc = MDB_FAIL;
                break;
            }
            y = z;
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
            err_detail(err, "Transaction %llu waits for transaction %llu.", shown_id(t->id), shown_id(on));
            break;
        }
        i64 until = now + TXN_WAIT_POLL_NS;
        if (lim->stmt_deadline_ns && lim->stmt_deadline_ns < until) until = lim->stmt_deadline_ns;
        if (lim->lock_deadline_ns && lim->lock_deadline_ns < until) until = lim->lock_deadline_ns;
        if (!counted) m->nwaits++, counted = true;
        struct timespec ts = {(time_t)(until / 1000000000), (long)(until % 1000000000)};
        m->nsleeping++;
        pthread_cond_timedwait(&t->wake, &m->mu, &ts);
        m->nsleeping--;
    }
    t->waiting_for = 0;
    /* a failed wait ends the statement: let the next waiter go */
    if (rc) queue_leave(m, t);
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
    if (t->nlocks || t->queue) {
        locks_release(m, t, 0);
        queue_leave(m, t);
    }
    wake_waiters_of(m, t->id); /* gone: whoever waited for it goes on */
    if (t->live_prev) t->live_prev->live_next = t->live_next;
    else m->live = t->live_next;
    if (t->live_next) t->live_next->live_prev = t->live_prev;
    m->nlive--;
    pthread_mutex_unlock(&m->mu);
    pthread_cond_destroy(&t->wake);
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
