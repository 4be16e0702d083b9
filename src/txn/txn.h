/*
 * src/txn/txn.h — transactions, MVCC snapshots and commit timestamps.
 *
 * Every row version carries a begin and an end stamp.  A stamp below
 * TXN_ID_BASE is a commit timestamp; a stamp at or above it is the id of the
 * transaction that wrote it and has not committed (or TS_ABORTED).  A version
 * is visible to transaction T when its begin stamp is T's own id or a commit
 * timestamp <= T's snapshot, and its end stamp is neither.  Commit swaps the
 * transaction's id for a fresh commit timestamp in every stamp it wrote, under
 * the commit lock, so a snapshot never sees half of a commit.
 *
 * Write-write conflicts: deleting or updating a version whose end stamp is
 * another live transaction's id, or a commit timestamp after the snapshot,
 * fails with 40001 and records the conflict in the Txn (txn_note_conflict).
 * The engine then undoes the statement, waits for the other writer to end
 * (txn_wait_conflict: deadlock detection, lock_timeout, statement_timeout,
 * cancel) and runs the statement again (src/main/engine.c).
 */
#ifndef MDB_TXN_H
#define MDB_TXN_H

#include <pthread.h>
#include <stdatomic.h>

#include "common/error.h"

typedef u64 TxnId;
typedef u64 Ts;

#define TXN_ID_BASE ((u64)1 << 62)
#define TS_INFINITY UINT64_MAX
#define TS_ABORTED (UINT64_MAX - 1)

struct TableStore;

typedef struct UndoEntry {
    struct TableStore *table; /* the table's storage (src/storage/tableam.h) */
    u64 row;      /* first row number in the table */
    u64 count;    /* consecutive rows from `row` */
    u8 kind;      /* UNDO_INSERT or UNDO_DELETE */
} UndoEntry;
enum { UNDO_INSERT = 1, UNDO_DELETE = 2 };
/* Row locks (SELECT … FOR UPDATE / FOR SHARE) live in the undo log too, as entries of kind
 * UNDO_LOCK + mode (count 1), so that a rollback to a savepoint releases those taken after it;
 * commit and rollback release them all.  They never reach a tier's commit_rows / undo_rows. */
enum { UNDO_LOCK = 16 };
static inline bool undo_is_lock(u8 kind) { return kind > UNDO_LOCK; }

/* Row lock strengths, weakest first, as PostgreSQL's: FOR KEY SHARE, FOR SHARE, FOR NO KEY
 * UPDATE, FOR UPDATE.  ROWLOCK_WRITE is what ending a version (UPDATE, DELETE) needs: it
 * conflicts with every lock (see docs/isolation.md for the difference from PostgreSQL). */
enum { ROWLOCK_KEY_SHARE = 1, ROWLOCK_SHARE = 2, ROWLOCK_NO_KEY_UPDATE = 3, ROWLOCK_UPDATE = 4, ROWLOCK_WRITE = 5 };
/* or'ed into a lock mode: NOWAIT / SKIP LOCKED, which take no place in the row's wait queue */
#define ROWLOCK_NOQUEUE 0x10
/* Outcomes of txn_row_lock. */
enum { ROWLOCK_GRANTED = 0, ROWLOCK_BUSY = 1, ROWLOCK_CHANGED = 2 };

struct Txn;
struct RowEntry;

typedef struct TxnManager {
    pthread_rwlock_t commit_lock; /* exclusive while a commit publishes stamps */
    pthread_mutex_t mu;           /* clock, next_id, the live list */
    pthread_cond_t ended;         /* unused: each waiter sleeps on its own Txn.wake (txn.c, wake_waiters_of) */
    u64 clock;                    /* last commit timestamp */
    u64 next_id;                  /* next transaction id */
    struct Txn *live;             /* every begun, not yet freed transaction (doubly linked) */
    u64 nlive;
    u64 nwaits;                   /* waits for another writer so far (statistics, tests) */
    u64 max_restarts;             /* most conflict restarts of one statement so far (statistics, tests) */
    u64 nsleeping;                /* transactions asleep in txn_wait_conflict (under mu) */
    /* The row table (under mu): row locks and the FIFO queues of writers waiting for a row,
     * keyed by (table storage, row version) or, for the versions a commit created, by
     * (table storage, that commit's timestamp); see txn.c. */
    struct RowEntry **rows;
    u32 nrowbuckets;
    _Atomic u64 nrowentries;      /* entries in the table: writers look only when it is not 0 */
    u64 nqueued;                  /* waiters in queues */
    u64 next_ticket;              /* arrival order of waiters */
} TxnManager;

/* A tier's per-transaction state (OLTP: its WAL transaction).  commit runs
 * under the commit lock after every row range got its commit stamp (it logs
 * the commit); commit_wait after the lock is released (waits for the log to
 * be durable: group commit); rollback after every range was undone.  Each
 * frees the state. */
typedef struct TxnTierOps {
    int (*commit)(void *state, Ts cts, Err *err);
    int (*commit_wait)(void *state, Err *err);
    void (*rollback)(void *state);
} TxnTierOps;
typedef struct TxnTier {
    const TxnTierOps *ops;
    void *key;        /* who registered it (one participant per key) */
    void *state;
} TxnTier;
#define TXN_MAX_TIERS 4

typedef struct Txn {
    TxnManager *mgr;
    TxnId id;
    Ts snapshot;      /* commit timestamps <= snapshot are visible */
    UndoEntry *undo;  /* changes made, in order */
    size_t nundo, capundo;
    size_t merge_floor; /* entries below this index are never extended (savepoint/statement marks) */
    bool failed;      /* poisoned: only ROLLBACK is allowed */
    u32 command_id;
    TxnTier tiers[TXN_MAX_TIERS];
    int ntiers;
    struct Txn *live_prev, *live_next; /* the manager's live list (under mgr->mu) */
    bool ended;            /* committed or rolled back (under mgr->mu): waiters stop waiting */
    u64 undo_gen;          /* bumped (under mgr->mu, with an `ended` broadcast) when it undoes changes
                            * without ending (failed statement, savepoint): rows it held may be free */
    TxnId waiting_for;     /* the writer this one waits on (under mgr->mu; deadlock detection), 0 = none */
    pthread_cond_t wake;   /* signalled (under mgr->mu) when what it waits for may have changed */
    /* the last write-write conflict a tier met (txn_note_conflict), for the engine's wait and restart */
    bool conflict;
    TxnId conflict_with;   /* the live writer of the version, 0 = ended by a commit after the snapshot */
    u64 conflict_gen;      /* that writer's undo_gen when the conflict was seen */
    /* the row of the last conflict (conflict_kind 0: none known; 'R': version conflict_row of
     * conflict_store; 'B': the versions begun by commit conflict_row): its queue orders the wait */
    const void *conflict_store;
    u64 conflict_row;
    u8 conflict_kind;
    struct RowEntry *queue; /* the queue this transaction's statement waits in (under mgr->mu) */
    u64 ticket;            /* its arrival in queues during this statement (0: none yet) */
    u64 nlocks;            /* UNDO_LOCK entries in the undo log */
} Txn;

/* What ends a wait for another writer besides its end (CLOCK_MONOTONIC deadlines, 0 = none). */
typedef struct TxnWaitLimits {
    i64 lock_deadline_ns;  /* lock_timeout: 55P03 */
    i64 stmt_deadline_ns;  /* statement_timeout: 57014 */
    _Atomic bool *cancel;  /* query cancel: 57014 */
} TxnWaitLimits;

void txnmgr_init(TxnManager *m);
void txnmgr_destroy(TxnManager *m);
Txn *txn_begin(TxnManager *m);
int txn_commit(Txn *t, Err *err);
void txn_rollback(Txn *t);
/* Rolls back the changes after position `mark` (savepoints). */
void txn_rollback_to(Txn *t, size_t mark);
/* Returns a position for txn_rollback_to; later changes are logged in new
 * entries so that they can be undone separately. */
size_t txn_mark(Txn *t);
void txn_free(Txn *t);
/* Records that rows [row, row+count) of table were inserted or deleted. */
void txn_log(Txn *t, struct TableStore *table, u64 row, u64 count, u8 kind);
/* The participant state registered under key, or NULL. */
void *txn_tier_state(Txn *t, void *key);
/* Registers a participant (at most TXN_MAX_TIERS). */
void txn_tier_add(Txn *t, void *key, const TxnTierOps *ops, void *state);
/* The reclamation horizon: no live transaction's snapshot is older, and no
 * later one can be.  A version whose end stamp is a commit timestamp <= the
 * horizon is invisible to every transaction now and in future (garbage). */
Ts txnmgr_horizon(TxnManager *m);
/* The smallest id of a live transaction (UINT64_MAX: none).  Memory or pages that only
 * transactions begun before some moment could reach are free to go once this is at or
 * above the next_id of that moment (reclamation: src/storage/oltp/vacuum.c, MEMORY). */
TxnId txnmgr_oldest_live(TxnManager *m);
/* The id the next transaction will get. */
TxnId txnmgr_next_id(TxnManager *m);
/* Takes a new snapshot for t (statement snapshots); visible to the horizon. */
void txn_refresh_snapshot(Txn *t);
/* Records that t met a version written by `stamp` (the id of a live writer,
 * or a commit timestamp after t's snapshot).  Called by a tier, under the
 * table's write mutex, before it returns its 40001. */
void txn_note_conflict(Txn *t, Ts stamp);
/* The same for a conflict on version `row` of `store` (ends it: DELETE, UPDATE): the wait
 * that follows queues behind earlier waiters for the same row (FIFO). */
void txn_note_conflict_row(Txn *t, Ts stamp, const void *store, u64 row);
/* Called by a tier under the table's write mutex when t is about to end version `row` (begun
 * by `begin`) whose end stamp is free: true (conflict noted, return 40001) when another live
 * transaction holds a row lock on it, or when earlier waiters queue for it and t is not first. */
bool txn_row_write_check(Txn *t, const void *store, u64 row, Ts begin);
/* SELECT … FOR …: locks version `row` of `store` (its stamps begin/end read under the table's
 * write mutex, which the tier holds) in `mode` for t.  ROWLOCK_GRANTED (the lock is held until
 * t ends or rolls back past it), ROWLOCK_BUSY (another live transaction changes the version or
 * holds a conflicting lock, or earlier waiters queue for it: conflict noted) or ROWLOCK_CHANGED
 * (a commit after t's snapshot ended it: conflict noted). */
int txn_row_lock(Txn *t, const void *store, u64 row, Ts begin, Ts end, int mode);
/* The end of a statement (whatever its outcome): t leaves the queue it waited in, so the next
 * waiter's turn comes; its next statement arrives anew. */
void txn_statement_end(Txn *t);
/* Whether the last conflict is one to wait for (a live writer or lock holder, or a queue). */
static inline bool txn_conflict_waits(const struct Txn *t);
/* Waits until the writer of t's last conflict ended (or undid changes: the
 * row may be free).  Fails with 40P01 when the waits-for chain leads back to
 * t, 55P03 / 57014 when a limit strikes.  Holds no lock but the manager's
 * mutex, and that only between condition-variable waits. */
int txn_wait_conflict(Txn *t, const TxnWaitLimits *lim, Err *err);
/* Makes every commit timestamp up to ts used (recovery found them in stored data). */
void txnmgr_advance_clock(TxnManager *m, Ts ts);

static inline bool txn_conflict_waits(const Txn *t) { return t->conflict_with != 0 || t->conflict_kind != 0; }

static inline bool ts_visible(Ts ts, const Txn *t)
{
    return ts == t->id || ts <= t->snapshot;
}
static inline bool version_visible(Ts begin, Ts end, const Txn *t)
{
    return ts_visible(begin, t) && !ts_visible(end, t);
}

#endif
