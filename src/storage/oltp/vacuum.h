/*
 * src/storage/oltp/vacuum.h — reclamation in an OLTP store: the background worker that
 * removes dead row versions from the tables of a database, and the deferred freeing of
 * trees that TRUNCATE, ALTER TABLE rewrites and DROP INDEX left behind.
 *
 * Every OLTP table registers itself with its store's OltpVacuum when it is created or
 * opened.  A pass (oltp_vacuum_run) first puts the pages of retired trees on the free
 * list once no transaction that began before the retirement is still live (only those
 * could still read the tree, or hold log records whose undo names it), then reclaims the
 * dead versions of the tables whose churn (versions ended or rolled back since their last
 * pass) reached a threshold, or that wait for versions an old snapshot held back and the
 * horizon has moved since, or whose ended versions hold enough overflow pages
 * (btree_kept_chain_pages: their chains go when the versions do).  The worker thread runs a pass every interval; VACUUM runs one
 * at once for its tables (forced).  Passes are serialised by one mutex per store, so a
 * pass never reads a tree that another pass frees.
 *
 * What a pass removes is logged as B+tree deletes outside any transaction (never undone),
 * so recovery redoes them like any change; a pass interrupted by a crash is simply
 * resumed by the next one (the remaining dead versions are still dead).
 *
 * The list of retired trees lives in memory.  A close frees every tree on it (no
 * transaction is left); a crash loses it, and with it the trees of dropped tables and
 * of TRUNCATE/ALTER rewrites that waited for old snapshots, half-freed trees, chains
 * whose cells a committed change removed, pages a change took but never logged.  None
 * of those is named by the catalog, so the open after a crash recomputes them: once
 * the catalog's replay has opened every table, oltp_vacuum_sweep walks their trees (and
 * the overflow chains their leaves reference) and the free list, and puts every other
 * page on the free list (btenv_census).  After it, every page is the store page, in
 * exactly one live tree or chain, or on the free list.
 */
#ifndef MDB_OLTP_VACUUM_H
#define MDB_OLTP_VACUUM_H

#include "storage/oltp/oltp_table.h"

typedef struct OltpVacuum OltpVacuum;

typedef struct OltpVacuumTotals {
    u64 passes;        /* table passes run */
    u64 removed;       /* dead versions removed */
    u64 index_entries; /* their index entries removed */
    u64 trees_freed;   /* retired trees whose pages went to the free list */
    u64 trees_waiting; /* retired trees still waiting for older transactions */
} OltpVacuumTotals;

/* The store's reclamation state (oltp_store_open / oltp_store_close). */
OltpVacuum *oltp_vacuum_new(OltpStore *s);
void oltp_vacuum_free(OltpVacuum *v);

/* Starts the worker thread (a pass every interval_ms); the database calls it once the
 * catalog is loaded.  Stop ends it and waits (also done by oltp_store_close). */
int oltp_vacuum_start(OltpStore *s, TxnManager *tm, int interval_ms, Err *err);
void oltp_vacuum_stop(OltpStore *s);

void oltp_vacuum_register(OltpStore *s, TableStore *st);
/* Forgets the table, waiting for a pass over it to end. */
void oltp_vacuum_unregister(OltpStore *s, TableStore *st);
/* A tree nobody will name again (the catalog no longer does once the DDL's transaction
 * ends): freed by a later pass once every transaction live now has ended. */
void oltp_vacuum_retire_tree(OltpStore *s, TxnManager *tm, PageNo tree);

/* One pass: retired trees, then `only` (NULL: every registered table) — tables whose
 * churn is below the threshold are skipped unless `force`. */
int oltp_vacuum_run(OltpStore *s, TxnManager *tm, TableStore *only, bool force, Err *err);
void oltp_vacuum_totals(OltpStore *s, OltpVacuumTotals *out);

/* After a crash (OltpStore.need_sweep; otherwise nothing): frees every page that neither
 * a registered table's trees and chains nor the free list own.  The database calls it
 * once the catalog named every tree (a catalog that failed to load must not: its tables'
 * pages would look unowned), before any transaction.  Result in OltpStore.sweep. */
int oltp_vacuum_sweep(OltpStore *s, Err *err);
/* The ownership census of the store (btenv_census, no fix) over the registered tables'
 * trees and the retired trees not freed yet: tests, at a quiet moment. */
int oltp_vacuum_census(OltpStore *s, BtCensus *out, Err *err);

#endif
