/*
 * src/storage/tableam.c — the tier-independent parts of the table access
 * methods (tableam.h): schema changes a tier may lack, and a single-threaded
 * whole-table scan for checks that need every row (DDL, uniqueness).
 */
#include "storage/tableam.h"

static int unsupported(TableStore *st, const char *what, Err *err)
{
    return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not supported for %s tables yet", what, st->am->name);
}

int tableam_add_column(TableStore *st, LType type, const Value *fill, TableFillFn fn, void *ctx, Err *err)
{
    if (!st->am->add_column) return unsupported(st, "ALTER TABLE ADD COLUMN", err);
    return st->am->add_column(st, type, fill, fn, ctx, err);
}

int tableam_drop_column(TableStore *st, int col, Err *err)
{
    if (!st->am->drop_column) return unsupported(st, "ALTER TABLE DROP COLUMN", err);
    return st->am->drop_column(st, col, err);
}

int tableam_retype_column(TableStore *st, int col, LType type, TableConvertFn fn, void *ctx, Err *err)
{
    if (!st->am->retype_column) return unsupported(st, "ALTER COLUMN TYPE", err);
    return st->am->retype_column(st, col, type, fn, ctx, err);
}

int tableam_truncate(TableStore *st, Err *err)
{
    if (!st->am->truncate) return unsupported(st, "TRUNCATE", err);
    return st->am->truncate(st, err);
}

int tableam_scan_all(TableStore *st, Txn *txn, bool latest, const LType *types, const int *cols, int ncols, TableChunkFn fn,
                     void *ctx, Err *err)
{
    Arena *a = arena_create(NULL);
    TableScan s;
    tableam_scan_begin(&s, st, a, latest);
    void *l = tableam_scan_local(&s, a);
    DataChunk c;
    chunk_init(&c, types, ncols, VECTOR_SIZE, a);
    int rc = MDB_OK_;
    for (;;) {
        chunk_reset(&c);
        if (tableam_scan_next(&s, l, txn, cols, ncols, &c, err)) {
            rc = MDB_FAIL;
            break;
        }
        if (c.count == 0) break;
        int r = fn(ctx, &c);
        if (r < 0) rc = MDB_FAIL;
        if (r) break;
    }
    tableam_scan_local_end(&s, l);
    arena_destroy(a);
    return rc;
}
