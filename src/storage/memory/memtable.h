/*
 * src/storage/memory/memtable.h — the MEMORY tier: columnar segments in memory.
 *
 * A table is a list of segments of MEM_SEGMENT_ROWS rows; each segment holds one
 * Vector per column plus the MVCC begin/end stamps of every row version
 * (src/txn/txn.h).  Rows are only ever appended: an UPDATE ends the old
 * version and appends a new one, a DELETE ends the version.  A parallel scan
 * hands out one segment per morsel and produces chunks of visible rows with
 * the requested columns.  Strings are stored in the table's arena, so scanned
 * chunks reference them without copying for as long as the table lives.
 *
 * Concurrency: appends and stamp changes take the table mutex; scans read
 * published segments without it (a segment pointer, once published, never
 * changes; the segment array only grows under segs_lock).
 *
 * The engine reaches a MemTable only through the table access methods
 * (src/storage/tableam.h): a MemTable is a TableStore (its first member).
 */
#ifndef MDB_MEMTABLE_H
#define MDB_MEMTABLE_H

#include <pthread.h>
#include <stdatomic.h>

#include "storage/tableam.h"

#define MEM_SEGMENT_ROWS (VECTOR_SIZE * 60)

typedef struct MemSegment {
    u64 start;        /* row number of the first row */
    Vector *cols;     /* ncols vectors of MEM_SEGMENT_ROWS capacity */
    Ts *begin;        /* per-row begin stamp */
    Ts *end;          /* per-row end stamp (TS_INFINITY = live) */
    _Atomic u32 count; /* rows appended */
    Arena *heap;      /* string bytes of its rows (freed with its columns) */
    /* reclamation (memtable_reclaim): every version is dead for every snapshot.  Readers
     * skip a dead segment; its memory (columns, stamps, strings) is freed once every
     * transaction that was live when it died has ended (ids below dead_before). */
    _Atomic bool dead;
    bool freed;
    u64 dead_before;
    /* A claim that rows [0, clean_rows) were inserted by transactions that
     * committed at or before clean_ts and are not ended: a snapshot at or
     * after clean_ts sees all of them, and a scan skips their stamps.  Made by
     * a scan that checked every stamp; every change of an end stamp (and a
     * TRUNCATE) counts in `mods` and drops the claim.  All three under the
     * table's mu. */
    u32 mods;
    u32 clean_rows;
    Ts clean_ts;
} MemSegment;

typedef struct MemTable {
    TableStore base;          /* .am = the MEMORY access method */
    pthread_mutex_t mu;       /* serialises appends and stamp changes */
    pthread_rwlock_t segs_lock;
    int ncols;
    LType *types;
    MemSegment **segs;
    size_t nsegs, capsegs;
    _Atomic u64 nrows;        /* rows appended (all versions) */
    _Atomic i64 live_estimate; /* rows inserted minus rows deleted (statistics) */
    Arena *arena;             /* segments and string bytes */
    i64 max_rows;             /* ring buffer size (WITH (max_rows = N)), 0 = unbounded */
    u64 ring_scan;            /* every row before it is ended or rolled back (where eviction looks first) */
    TxnManager *tm;           /* of the transactions that wrote it (reclamation's horizon) */
    u64 segs_freed;           /* segments whose memory was reclaimed */
    struct MemColStats *stats; /* per column, computed on demand (memtable_column_stats) */
} MemTable;

/* Optimizer statistics of one column, estimated from a sample of the rows
 * (src/storage/colstats.h). */
typedef struct MemColStats {
    u64 at_rows;      /* rows appended when computed; 0 = not computed */
    TableColStats s;
} MemColStats;

MemTable *memtable_create(const LType *types, int ncols);
void memtable_destroy(MemTable *t);
/* Appends the rows of `in` (columns in table order, already cast) as new
 * versions of transaction txn.  *first_row gets the first row number. */
int memtable_append(MemTable *t, Txn *txn, DataChunk *in, u64 *first_row, Err *err);
/* Ends the version at `row` for txn; 40001 on a write-write conflict (noted in
 * txn: txn_note_conflict, so the engine can wait and run again).  Sets
 * *already when the row was already ended by txn itself (skipped). */
int memtable_delete(MemTable *t, Txn *txn, u64 row, bool *already, Err *err);
/* Reads column values of one row. */
Value memtable_get(MemTable *t, u64 row, int col);
bool memtable_row_visible(MemTable *t, Txn *txn, u64 row);
/* Adds a column filled with `fill` (ALTER TABLE ADD COLUMN). */
void memtable_add_column(MemTable *t, LType type, const Value *fill);
/* Statistics of column col, recomputed when the table grew or shrank by more
 * than a tenth since the last time.  Thread-safe. */
MemColStats memtable_column_stats(MemTable *t, int col);
void memtable_drop_column(MemTable *t, int col);
/* A column taken out of a table by DROP COLUMN, or replaced by ALTER COLUMN TYPE,
 * kept until its transaction ends so that ROLLBACK can put it back. */
typedef struct MemColumnSave {
    int col;
    LType type;
    size_t nsegs;   /* segments when saved */
    u32 *counts;    /* rows of each segment when saved */
    Vector *vecs;   /* the column's vector of each segment */
} MemColumnSave;
/* DROP COLUMN keeping the column's data aside. */
MemColumnSave *memtable_detach_column(MemTable *t, int col);
/* Puts a saved column back (rollback): inserted at its old position, or, with
 * `replace`, instead of the column there now (ALTER COLUMN TYPE).  Rows appended
 * after the save read NULL in it.  Frees sv. */
void memtable_restore_column(MemTable *t, MemColumnSave *sv, bool replace);
void memtable_column_save_free(MemColumnSave *sv);
/* Rewrites column `col` of every row version as type `type` (ALTER COLUMN
 * TYPE): fn converts n values of one segment from src into dst (a fresh
 * segment column).  All or nothing: on the first failure nothing changes. */
typedef int (*MemConvertFn)(void *ctx, const Vector *src, idx_t n, Vector *dst);
/* old != NULL: the replaced column is kept there (see memtable_restore_column). */
int memtable_retype_column(MemTable *t, int col, LType type, MemConvertFn fn, void *ctx, MemColumnSave **old);
/* Removes every row version (TRUNCATE; not transactional). */
void memtable_truncate(MemTable *t);
/* The ring buffer bound (WITH (max_rows = N)), 0 = none: an append that takes the live
 * rows above N ends the oldest live rows, as deletes of the appending transaction. */
void memtable_set_max_rows(MemTable *t, i64 max_rows);
/* Reclamation: a full segment whose every version is dead below `horizon` is marked dead
 * (scans skip it); the memory of segments marked before every live transaction began is
 * freed.  Runs on every new segment of an append and on VACUUM.  Returns segments freed. */
u64 memtable_reclaim(MemTable *t, Ts horizon);


/* Parallel scan. */
typedef struct MemScan {
    MemTable *t;
    bool latest;          /* uniqueness checks: every version not deleted by a committed
                           * transaction or by us, whoever inserted it (not the snapshot) */
    _Atomic u64 next_seg; /* next segment to hand out */
    u64 nsegs;            /* segments at scan start */
} MemScan;
typedef struct MemScanLocal {
    MemSegment *seg;
    u64 seg_idx;
    u32 pos;              /* next row within the segment */
    u32 limit;            /* rows in the segment at claim time */
    u32 clean;            /* rows [0, clean) visible by the segment's claim */
    u32 mods;             /* the segment's mods when the scan took it */
    bool all_clean;       /* every stamp checked so far: committed insert, not ended */
    Ts max_begin;
} MemScanLocal;

void memscan_init(MemScan *s, MemTable *t);
/* Fills `out` with up to VECTOR_SIZE visible rows: the columns `cols` (ncols
 * of them; -1 = the row number as INT64).  out->count == 0 at the end. */
int memscan_next(MemScan *s, MemScanLocal *l, Txn *txn, const int *cols, int ncols, DataChunk *out);
/* Segments the scan will visit (for choosing the number of threads). */
u64 memscan_morsels(const MemScan *s);

#endif
