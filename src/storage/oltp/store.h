/*
 * src/storage/oltp/store.h — an OLTP store: one database directory's page
 * file, buffer pool, WAL and B+tree environment, opened with crash recovery
 * and kept bounded by checkpoints.
 *
 * Layout of the directory: `control` (the LSN of the latest checkpoint
 * record, checksummed, replaced atomically by rename), `data.pages` (the
 * page file) and `wal/` (the segments).  Without a directory everything is
 * in memory and recovery has nothing to do.
 *
 * Recovery (oltp_store_open): read the checkpoint record named by `control`;
 * scan the WAL from the smaller of its redo point and the first record of
 * the oldest transaction then active; redo every page record whose page LSN
 * is older (full images repair torn pages); track each transaction's last
 * record and drop those that committed or aborted; stop at the first torn or
 * invalid record and start appending there; undo the remaining transactions
 * by logical undo (bt_undo_chain); take a checkpoint.
 *
 * Clean close: the final checkpoint of oltp_store_close marks the control file
 * clean when every page of the session is accounted for (retired trees freed,
 * no change failed half-way: BtEnv.leaked).  Any other checkpoint clears the
 * mark, so an open that does not find it knows that pages may belong to
 * nobody (a crash, an older version) and sets need_sweep: once the catalog
 * has named every live tree, oltp_vacuum_sweep puts those pages on the free
 * list.
 *
 * Checkpoint: pick the redo point (the insert LSN) while no change is half
 * logged, flush every dirty page (WAL first), log the checkpoint record,
 * fsync, publish it in `control`, and delete WAL segments that neither redo
 * nor the undo of a live transaction can need.
 */
#ifndef MDB_OLTP_STORE_H
#define MDB_OLTP_STORE_H

#include "storage/oltp/btree.h"

typedef struct OltpOptions {
    size_t pool_pages; /* buffer pool size in 8 KiB pages (default 16384 = 128 MiB) */
    u64 checkpoint_wal_bytes; /* a commit takes a checkpoint once the WAL since the last one is this long (default
                                 64 MiB; 0: only at open and close) */
    WalOptions wal;
} OltpOptions;
void oltp_options_default(OltpOptions *o);

typedef struct OltpRecoveryStats {
    Lsn checkpoint_lsn;  /* LSN_NONE: no checkpoint yet */
    Lsn start_lsn, end_lsn;
    u64 records;         /* records read */
    u64 losers;          /* transactions undone */
    u64 max_xid;
    double seconds;
    const char *stop_reason;
} OltpRecoveryStats;

typedef struct OltpStore {
    char *dir;
    Wal *wal;
    BufPool *bp;
    BtEnv env;
    pthread_mutex_t ckpt_mu; /* one checkpoint at a time */
    Lsn checkpoint_lsn;
    u64 checkpoint_wal_bytes;
    OltpRecoveryStats recovery;
    struct OltpVacuum *vac;  /* reclamation: registered tables, retired trees, the worker (vacuum.h) */
    bool need_sweep;         /* the last session did not close cleanly: oltp_vacuum_sweep has work */
    bool swept;              /* oltp_vacuum_sweep ran in this session */
    bool closing_clean;      /* the final checkpoint marks the control file clean */
    BtCensus sweep;          /* what it found (tests) */
} OltpStore;

int oltp_store_open(const char *dir, const OltpOptions *opt, OltpStore **out, Err *err);
int oltp_store_checkpoint(OltpStore *s, Err *err);
/* A checkpoint when the WAL written since the last one exceeds checkpoint_wal_bytes
 * and no checkpoint is running (called after commits).  It bounds the WAL on disk
 * and, for an in-memory database, the WAL segments kept in memory. */
int oltp_store_maybe_checkpoint(OltpStore *s, Err *err);
/* Closes the store; with `checkpoint` a final checkpoint first (errors are
 * returned but the store is freed regardless). */
int oltp_store_close(OltpStore *s, bool checkpoint, Err *err);

#endif
