/*
 * src/storage/oltp/oltp_table.h — the OLTP tier's table access method
 * (src/storage/tableam.h) over the B+tree store of a database.
 *
 * A table is one B+tree of the database's OltpStore keyed by a hidden 8-byte
 * row id (big-endian, so the key order is the row id order).  A leaf value
 * is `[u64 begin][u64 end][payload]`: the MVCC stamps of the version, then
 * the row: a NULL bitmap (one bit per column) and each non-NULL column in
 * table order — fixed-width types as their in-memory bytes, strings (text,
 * bytea, arrays) as u32 length + bytes.  Rows are versions as in MEMORY:
 * UPDATE ends the old version (end stamp) and inserts a new one under a new
 * row id.
 *
 * Writes are logged in the WAL under the transaction's BtTxn (a TxnTier
 * participant of the Txn).  Commit rewrites the transaction's stamps to its
 * commit timestamp (a leaf at a time, one small WAL record per leaf:
 * btree_stamp_range), appends the commit record under the commit lock and
 * waits for the WAL flush after it (group commit).  Inserts go a chunk at a
 * time to each tree in key order (btree_insert_sorted: a WAL record per
 * leaf), so a bulk load logs each row about once.  Rollback
 * is the B+tree's logical undo of the whole chain; rollback to a savepoint
 * logs the inverse changes.  After a crash recovery removes every
 * uncommitted change, so every stamp left is a commit timestamp; opening a
 * table advances the commit clock past the largest one.
 */
#ifndef MDB_OLTP_TABLE_H
#define MDB_OLTP_TABLE_H

#include "storage/oltp/store.h"
#include "storage/tableam.h"

/* A new, empty table: creates its B+tree (durable before this returns, so
 * that the catalog may name it). */
int oltp_table_create(OltpStore *s, TxnManager *tm, const LType *types, int ncols, TableStore **out, Err *err);
/* An existing table (catalog replay): checks the tree and reads it once for
 * the next row id, the live row count and the largest commit timestamp. */
int oltp_table_open(OltpStore *s, TxnManager *tm, u32 tree, const LType *types, int ncols, TableStore **out, Err *err);
#define OLTP_NO_TREE UINT32_MAX
/* The tree id to persist in the catalog. */
u32 oltp_table_tree(const TableStore *st);
bool oltp_table_is(const TableStore *st);
/* Indexes (see oltp_table.c: key = encoded columns + row id, one entry per version).
 * *tree_io == OLTP_NO_TREE: creates the tree and builds it from the table's rows
 * (23505 "could not create unique index" on duplicate live keys), durable before this
 * returns, and sets *tree_io for the catalog; otherwise opens that tree (catalog
 * replay).  A unique index makes insert reject a key another live version has: 23505
 * when that version's inserter committed (or is txn), 40001 when the inserter or a
 * deleter is still in progress.  name: the constraint or index name of the errors;
 * colnames: "a, b" for their detail. */
int oltp_index_add(TableStore *st, const char *name, const char *colnames, const int *cols, int ncols, bool unique, Txn *txn,
                   u32 *tree_io, Err *err);
/* Stops maintaining and offering the index (its pages are not reclaimed yet); false: no such index. */
bool oltp_index_drop(TableStore *st, const char *name);
void oltp_index_rename(TableStore *st, const char *from, const char *to);
/* The tree of the nth (from 0) live unique index on exactly the columns cols[0..ncols)
 * (OLTP_NO_TREE: none): what the catalog names for a PRIMARY KEY/UNIQUE constraint, asked
 * each time because TRUNCATE and ALTER TABLE ADD/DROP COLUMN, ALTER COLUMN TYPE rewrite the
 * table and its indexes into new trees. */
u32 oltp_unique_tree(TableStore *st, const int *cols, int ncols, int nth);
/* The tree id of a live index (OLTP_NO_TREE: none). */
u32 oltp_index_tree(TableStore *st, const char *name);
/* Verifies an index: its tree's structure, and an entry for every row txn sees;
 * *entries = entries in the tree, *visible = rows checked.  XX001 on a mismatch. */
int oltp_index_check(TableStore *st, const char *name, Txn *txn, u64 *entries, u64 *visible, Err *err);
/* Reclamation (src/storage/oltp/vacuum.c drives it; see README.md "Reclamation"). */
typedef struct OltpReclaimStats {
    u64 scanned;       /* versions read */
    u64 removed;       /* dead versions removed from the table's tree */
    u64 index_entries; /* their index entries removed */
    u64 waiting;       /* ended versions kept: a snapshot may still see them, or the end is not committed */
} OltpReclaimStats;
/* Removes every version that no transaction can see any more: ended by a commit at or
 * before `horizon` (txnmgr_horizon), or inserted by a rolled-back transaction; first its
 * index entries, then the table's entry, each as a WAL record outside any transaction (so
 * never undone).  Works in batches under the table's write mutex. */
int oltp_table_reclaim(TableStore *st, Ts horizon, OltpReclaimStats *rs, Err *err);
/* ANALYZE: counts the live rows exactly (under the write mutex) and drops the cached
 * column statistics, so that the next plan samples them again. */
int oltp_table_analyze(TableStore *st, Err *err);
/* Versions that ended or were rolled back since the table was opened or last reclaimed,
 * as the worker's trigger: grows with every UPDATE/DELETE. */
u64 oltp_table_churn(TableStore *st);
/* Pages and entries of the table's tree and of its live indexes' trees (tests, VACUUM VERBOSE). */
int oltp_table_pages(TableStore *st, u64 *table_pages, u64 *table_entries, u64 *index_pages, u64 *index_entries, Err *err);

/* 0A000 unless every column type can be stored. */
/* Rollback of TRUNCATE/ALTER TABLE rewrites (src/main/ddl.c): save() records the
 * table's trees, column types and index trees before a rewrite; restore() switches
 * back to them (the rewrite left them untouched) and frees the record; release()
 * frees it when the rewrite itself failed (and switched back); commit() when the
 * rewrite's transaction commits: the old trees are retired (vacuum.h), as restore() retires
 * the rewrite's new ones.  The caller keeps other transactions from writing to the table
 * in between (their rows in the new trees would be lost). */
typedef struct OltpRewriteSave OltpRewriteSave;
OltpRewriteSave *oltp_rewrite_save(TableStore *st);
void oltp_rewrite_restore(OltpRewriteSave *sv);
void oltp_rewrite_release(OltpRewriteSave *sv);
void oltp_rewrite_commit(OltpRewriteSave *sv);
/* DROP TABLE committed, or CREATE TABLE rolled back (src/main/ddl.c): the table leaves
 * the reclamation worker and its trees (table, live indexes) are retired, i.e. freed with
 * their overflow chains once every transaction that began before has ended.  Later calls
 * do nothing. */
void oltp_table_retire(TableStore *st);
/* The trees the table owns now (its own, its live indexes'): up to cap into out; returns
 * how many there are (0 after oltp_table_retire).  For the page census (vacuum.h). */
int oltp_table_trees(TableStore *st, u32 *out, int cap);
int oltp_check_types(const LType *types, int ncols, Err *err);

#endif
