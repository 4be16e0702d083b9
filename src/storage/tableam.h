/*
 * src/storage/tableam.h — the table access methods: the one interface through
 * which the engine reaches a table's storage, whatever its tier (DESIGN.md §4).
 *
 * A table's storage is a TableStore: an opaque handle whose first member
 * points at its tier's TableAM (a vtable).  The engine only calls the
 * tableam_* wrappers below; it never looks inside a tier.  MEMORY
 * (src/storage/memory) and OLTP (src/storage/oltp/oltp_table.c) implement it.
 *
 * Rows are addressed by a row id (u64) chosen by the tier: MEMORY uses the
 * row's append position, OLTP the hidden key of its B+tree.  Every row
 * version carries MVCC begin/end stamps (src/txn/txn.h); the tiers decide
 * visibility with version_visible() and report write-write conflicts as
 * 40001 the same way (noting the conflict in the Txn, txn_note_conflict, so
 * the engine can wait for the other writer), so one transaction can span tiers.
 *
 * Scans produce whole chunks (up to VECTOR_SIZE visible rows of the requested
 * columns; column id -1 = the row id as INT64): one indirect call per chunk,
 * never per row.  A scan is split into morsels that threads claim; each
 * thread has its own local state.  A `latest` scan (uniqueness checks)
 * returns every version not ended by a committed transaction or by the
 * caller, whoever inserted it, instead of the snapshot's view.
 *
 * Transactions: writes log (store, row range, kind) in the Txn; commit and
 * rollback call back commit_rows / undo_rows for every logged range.  A tier
 * with its own log (OLTP: the WAL) also registers a TxnTier participant
 * (txn.h) for its per-transaction state.
 */
#ifndef MDB_TABLEAM_H
#define MDB_TABLEAM_H

#include "txn/txn.h"
#include "types/types.h"

typedef struct TableAM TableAM;

typedef struct TableStore {
    const TableAM *am;
} TableStore;

/* Optimizer statistics of one column, estimated from a sample of the rows. */
typedef struct TableColStats {
    bool valid;       /* false: the tier has none (use defaults) */
    double ndv;       /* distinct non-NULL values */
    double null_frac;
    bool has_range;   /* lo/hi hold the smallest and largest sampled values */
    double lo, hi;    /* as doubles: numbers, dates (days), timestamps (microseconds) */
} TableColStats;

/* An index a tier keeps for a table (index scans, uniqueness). */
typedef struct TableIndexInfo {
    const char *name;
    int ncols;
    const int *cols; /* table columns of the key, in key order */
    bool unique;
} TableIndexInfo;

/* ALTER TABLE ADD COLUMN with a volatile default: one value per live row version. */
typedef int (*TableFillFn)(void *ctx, Value *out);
/* ALTER COLUMN TYPE: converts n values from src into dst (a fresh vector). */
typedef int (*TableConvertFn)(void *ctx, const Vector *src, idx_t n, Vector *dst);

/* A scan filter the tier may apply itself (scan_next_filter): select() gets
 * a chunk whose columns are the scan's output columns — possibly read-only
 * views of the tier's own memory, valid only during the call — and returns
 * the rows that pass in sel[0..*m). */
typedef struct ScanFilter {
    int (*select)(void *ctx, DataChunk *chunk, u32 *sel, idx_t *m);
    void *ctx;
} ScanFilter;

struct TableAM {
    const char *name; /* "memory", "oltp" */
    void (*destroy)(TableStore *st);

    /* scans: begin allocates the shared state in a (lives as long as the scan) */
    void *(*scan_begin)(TableStore *st, Arena *a, bool latest);
    void *(*scan_local)(void *scan, Arena *a);
    u64 (*scan_morsels)(void *scan);
    int (*scan_next)(void *scan, void *local, Txn *txn, const int *cols, int ncols, DataChunk *out, Err *err);
    void (*scan_local_end)(void *scan, void *local); /* may be NULL */
    /* scan_next with a filter applied before the rows are copied out (late
     * materialisation: only passing rows are copied); may be NULL */
    int (*scan_next_filter)(void *scan, void *local, Txn *txn, const int *cols, int ncols, DataChunk *out,
                            const ScanFilter *f, Err *err);

    /* point lookup: appends row `row` (cols as in scans) to out when txn sees it */
    int (*fetch)(TableStore *st, Txn *txn, u64 row, const int *cols, int ncols, DataChunk *out, bool *found, Err *err);
    /* appends rows (columns in table order, already cast) as versions of txn */
    int (*insert)(TableStore *st, Txn *txn, DataChunk *rows, Err *err);
    /* ends the version `row` for txn (DELETE; UPDATE = delete + insert); *already when txn
     * itself already ended it; 40001 on a write-write conflict */
    int (*delete_row)(TableStore *st, Txn *txn, u64 row, bool *already, Err *err);
    /* the engine's own unique checks (tiers without checks_unique): when another live
     * transaction inserted or is ending version `row`, notes the conflict in txn
     * (txn_note_conflict, so the engine waits for it) and returns true; may be NULL */
    bool (*row_busy)(TableStore *st, Txn *txn, u64 row);
    /* SELECT … FOR UPDATE / FOR SHARE: reads version `row`'s stamps under the table's write
     * mutex and asks txn_row_lock (src/txn) to lock it in `mode`; *result is its outcome
     * (ROWLOCK_GRANTED, _BUSY, _CHANGED).  NULL: the tier has no row locks (0A000). */
    int (*lock_row)(TableStore *st, Txn *txn, u64 row, int mode, int *result, Err *err);

    /* statistics */
    i64 (*live_rows)(TableStore *st);
    TableColStats (*column_stats)(TableStore *st, int col);

    /* transaction hooks, called by src/txn for each logged range: commit under the commit
     * lock (stamps become cts), undo on rollback or rollback to a savepoint.  `logged`:
     * commit_rows writes a log and may fail, so txn_commit runs it before anything that
     * cannot be taken back (the MEMORY stamps, the commit record). */
    bool logged;
    int (*commit_rows)(TableStore *st, Txn *txn, u64 row, u64 count, u8 kind, Ts cts, Err *err);
    void (*undo_rows)(TableStore *st, Txn *txn, u64 row, u64 count, u8 kind);

    /* indexes (NULL: the tier has none).  checks_unique: insert itself enforces the
     * table's PRIMARY KEY/UNIQUE constraints through its unique indexes (the engine skips
     * its own check).  An index scan returns the rows txn sees whose key starts with the
     * neq values eq and, when lo/hi are given, whose next key column lies within them
     * (inclusive or not); NULL bounds match nothing.  iscan_begin returns NULL on error. */
    bool checks_unique;
    int (*index_count)(TableStore *st);
    bool (*index_info)(TableStore *st, int i, TableIndexInfo *out); /* false: dropped */
    void *(*iscan_begin)(TableStore *st, int index, const Value *eq, int neq, const Value *lo, bool lo_incl, const Value *hi,
                         bool hi_incl, Err *err);
    int (*iscan_next)(void *scan, Txn *txn, const int *cols, int ncols, DataChunk *out, Err *err);
    void (*iscan_end)(void *scan);

    /* schema changes; NULL = the tier does not support it yet (0A000) */
    int (*add_column)(TableStore *st, LType type, const Value *fill, TableFillFn fn, void *ctx, Err *err);
    int (*drop_column)(TableStore *st, int col, Err *err);
    int (*retype_column)(TableStore *st, int col, LType type, TableConvertFn fn, void *ctx, Err *err);
    int (*truncate)(TableStore *st, Err *err);

    /* VACUUM / ANALYZE (NULL: nothing to do): with reclaim, free the versions no
     * transaction can see any more (those ended by a commit at or before `horizon`,
     * txnmgr_horizon); with analyze, refresh the statistics (exact live row count, column
     * statistics sampled again). */
    int (*vacuum)(TableStore *st, Ts horizon, bool reclaim, bool analyze, Err *err);
};

/* One scan over a store: the state shared by its threads. */
typedef struct TableScan {
    TableStore *st;
    void *g;
} TableScan;

static inline void tableam_scan_begin(TableScan *s, TableStore *st, Arena *a, bool latest)
{
    s->st = st;
    s->g = st->am->scan_begin(st, a, latest);
}
static inline void *tableam_scan_local(TableScan *s, Arena *a) { return s->st->am->scan_local(s->g, a); }
static inline u64 tableam_scan_morsels(TableScan *s) { return s->st->am->scan_morsels(s->g); }
static inline int tableam_scan_next(TableScan *s, void *local, Txn *txn, const int *cols, int ncols, DataChunk *out, Err *err)
{
    return s->st->am->scan_next(s->g, local, txn, cols, ncols, out, err);
}
static inline bool tableam_scan_filters(const TableScan *s) { return s->st->am->scan_next_filter != NULL; }
static inline int tableam_scan_next_filter(TableScan *s, void *local, Txn *txn, const int *cols, int ncols, DataChunk *out,
                                           const ScanFilter *f, Err *err)
{
    return s->st->am->scan_next_filter(s->g, local, txn, cols, ncols, out, f, err);
}
static inline void tableam_scan_local_end(TableScan *s, void *local)
{
    if (s->st->am->scan_local_end && local) s->st->am->scan_local_end(s->g, local);
}

static inline int tableam_insert(TableStore *st, Txn *txn, DataChunk *rows, Err *err) { return st->am->insert(st, txn, rows, err); }
static inline int tableam_delete(TableStore *st, Txn *txn, u64 row, bool *already, Err *err)
{
    return st->am->delete_row(st, txn, row, already, err);
}
static inline int tableam_lock_row(TableStore *st, Txn *txn, u64 row, int mode, int *result, Err *err)
{
    if (!st->am->lock_row) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "row locks are not supported by tables of this storage tier");
    return st->am->lock_row(st, txn, row, mode, result, err);
}
static inline int tableam_fetch(TableStore *st, Txn *txn, u64 row, const int *cols, int ncols, DataChunk *out, bool *found, Err *err)
{
    return st->am->fetch(st, txn, row, cols, ncols, out, found, err);
}
static inline int tableam_index_count(TableStore *st) { return st && st->am->index_count ? st->am->index_count(st) : 0; }
static inline bool tableam_index_info(TableStore *st, int i, TableIndexInfo *out) { return st->am->index_info(st, i, out); }
static inline bool tableam_checks_unique(TableStore *st) { return st && st->am->checks_unique; }
static inline bool tableam_has_row_busy(TableStore *st) { return st && st->am->row_busy; }
static inline bool tableam_row_busy(TableStore *st, Txn *txn, u64 row) { return st->am->row_busy(st, txn, row); }
static inline i64 tableam_live_rows(TableStore *st) { return st ? st->am->live_rows(st) : 0; }
static inline TableColStats tableam_column_stats(TableStore *st, int col) { return st->am->column_stats(st, col); }
static inline void tableam_destroy(TableStore *st)
{
    if (st) st->am->destroy(st);
}

/* Schema changes: 0A000 when the tier lacks them. */
int tableam_add_column(TableStore *st, LType type, const Value *fill, TableFillFn fn, void *ctx, Err *err);
int tableam_drop_column(TableStore *st, int col, Err *err);
int tableam_retype_column(TableStore *st, int col, LType type, TableConvertFn fn, void *ctx, Err *err);
int tableam_truncate(TableStore *st, Err *err);
static inline int tableam_vacuum(TableStore *st, Ts horizon, bool reclaim, bool analyze, Err *err)
{
    return st && st->am->vacuum ? st->am->vacuum(st, horizon, reclaim, analyze, err) : MDB_OK_;
}

/* Scans whole chunks of `cols` of the rows txn sees (or the latest versions) on
 * the calling thread, calling fn for each chunk until it returns nonzero
 * (MDB_FAIL: error, 1: stop early) — for DDL checks and uniqueness checks. */
typedef int (*TableChunkFn)(void *ctx, DataChunk *chunk);
int tableam_scan_all(TableStore *st, Txn *txn, bool latest, const LType *types, const int *cols, int ncols, TableChunkFn fn,
                     void *ctx, Err *err);

#endif
