/*
 * src/exec/ops_lock.c — LockRows: the row locks of SELECT … FOR UPDATE / FOR NO KEY UPDATE /
 * FOR SHARE / FOR KEY SHARE, with the query's LIMIT / OFFSET.
 *
 * It is a sink that sees its input in order (one worker), like Limit, and then the source
 * of its rows.  For every input row it locks the row version of each locked table (the row
 * id columns the binder added) through the table's access method; the decision (granted,
 * busy, changed after the snapshot) is src/txn's.  The limit is applied here, after the
 * locks, as PostgreSQL's LockRows sits under its Limit: rows skipped by SKIP LOCKED do not
 * count, and the input stops once the limit is reached, so `FOR UPDATE SKIP LOCKED LIMIT 1`
 * locks one row, not a chunk.  A busy row: SKIP LOCKED drops it, NOWAIT fails with 55P03,
 * otherwise the statement fails with 40001 and the conflict noted in the transaction, and
 * the engine waits and runs it again (src/main/engine.c, conflict_restart) — as for a row
 * another writer is changing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec/operators.h"
#include "storage/tableam.h"

typedef struct LockRowsInfo {
    Expr *limit, *offset;
    int n;
    PLockTarget *t;
} LockRowsInfo;

typedef struct LockRowsState {
    ColumnCollection *rows;
    size_t next_chunk;
    bool bounded;
    i64 skip, take; /* OFFSET, LIMIT (-1: none) */
    i64 kept;       /* rows locked and kept so far (OFFSET included) */
} LockRowsState;

static void *lockrows_init(Exec *ex, PhysOp *op)
{
    LockRowsState *s = arena_zalloc(ex->arena, sizeof(LockRowsState));
    s->rows = colcoll_create(op->children[0]->types, op->children[0]->ncols);
    exec_own_coll(ex, s->rows);
    s->take = -1;
    return s;
}

static int lock_fail(Exec *ex, Err *e)
{
    exec_fail(ex, e);
    return MDB_FAIL;
}

/* LIMIT and OFFSET, once (they are constants or parameters). */
static int lockrows_bounds(Exec *ex, LockRowsInfo *li, LockRowsState *s)
{
    if (s->bounded) return MDB_OK_;
    s->bounded = true;
    Arena *a = arena_create(NULL);
    ExprCtx ec;
    exprctx_init(&ec, ex, a);
    Value v;
    Err e = {0};
    int rc = MDB_OK_;
    if (li->limit) {
        if (expr_eval_const(&ec, li->limit, &v)) rc = MDB_FAIL;
        else if (!v.is_null && v.u.i < 0) rc = lock_fail(ex, (err_set(&e, SQLSTATE_INVALID_ROW_COUNT, "LIMIT must not be negative"), &e));
        else if (!v.is_null) s->take = v.u.i;
    }
    if (!rc && li->offset) {
        if (expr_eval_const(&ec, li->offset, &v)) rc = MDB_FAIL;
        else if (!v.is_null && v.u.i < 0) rc = lock_fail(ex, (err_set(&e, "2201X", "OFFSET must not be negative"), &e));
        else if (!v.is_null) s->skip = v.u.i;
    }
    arena_destroy(a);
    return rc;
}

static int lockrows_push(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *in, int *state)
{
    (void)l;
    LockRowsInfo *li = op->info;
    LockRowsState *s = g;
    if (lockrows_bounds(ex, li, s)) return MDB_FAIL;
    if (!ex->txn) {
        Err e = {0};
        err_set(&e, SQLSTATE_FEATURE_NOT_SUPPORTED, "row locks need a transaction");
        return lock_fail(ex, &e);
    }
    u32 sel[VECTOR_SIZE];
    idx_t nsel = 0;
    for (idx_t r = 0; r < in->count; r++) {
        if (s->take >= 0 && s->kept >= s->skip + s->take) break;
        bool keep = true;
        for (int k = 0; k < li->n && keep; k++) {
            PLockTarget *t = &li->t[k];
            Value id = vector_get(&in->cols[t->col], r);
            if (id.is_null) continue; /* cannot happen: no nullable side of an outer join */
            int res = ROWLOCK_GRANTED;
            Err e = {0};
            int mode = t->mode | (t->wait != LOCKWAIT_BLOCK ? ROWLOCK_NOQUEUE : 0);
            if (tableam_lock_row(t->table->store, ex->txn, (u64)id.u.i, mode, &res, &e)) return lock_fail(ex, &e);
            if (res == ROWLOCK_GRANTED) continue;
            if (res == ROWLOCK_BUSY && t->wait == LOCKWAIT_SKIP) {
                ex->txn->conflict = false; /* nothing to wait for: the row is left out */
                ex->txn->conflict_kind = 0;
                keep = false;
                continue;
            }
            if (res == ROWLOCK_BUSY && t->wait == LOCKWAIT_NOWAIT) {
                ex->txn->conflict = false;
                ex->txn->conflict_kind = 0;
                err_set(&e, "55P03", "could not obtain lock on row in relation \"%s\"", t->table->name);
                return lock_fail(ex, &e);
            }
            /* busy (wait, then run again) or changed by a commit after the snapshot (READ
             * COMMITTED runs again with a new snapshot; REPEATABLE READ fails) */
            err_set(&e, SQLSTATE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent update");
            return lock_fail(ex, &e);
        }
        if (!keep) continue;
        s->kept++;
        if (s->kept > s->skip) sel[nsel++] = (u32)r;
    }
    if (nsel) colcoll_append(s->rows, in, sel, nsel);
    if (s->take >= 0 && s->kept >= s->skip + s->take) *state = SINK_DONE;
    return MDB_OK_;
}

static int lockrows_finalize(Exec *ex, PhysOp *op, void *g) { return lockrows_bounds(ex, op->info, g); }

static int lockrows_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    (void)ex, (void)op, (void)l;
    LockRowsState *s = g;
    ColumnCollection *c = s->rows;
    if (s->next_chunk >= c->nchunks) return MDB_OK_;
    DataChunk *src = c->chunks[s->next_chunk++];
    for (int col = 0; col < out->ncols; col++) out->cols[col] = src->cols[col];
    out->count = src->count;
    return MDB_OK_;
}

static const OpVT LOCKROWS_VT = {.name = "LockRows", .sink_init = lockrows_init, .sink_push = lockrows_push,
                                 .sink_finalize = lockrows_finalize, .sink_ordered = true, .src_next = lockrows_next};

PhysOp *phys_lock_rows(Arena *a, PhysOp *child, Expr *limit, Expr *offset, PLockTarget *targets, int n)
{
    PhysOp *op = physop_new(a, &LOCKROWS_VT, 1, child->types, child->ncols);
    op->children[0] = child;
    LockRowsInfo *li = arena_zalloc(a, sizeof(LockRowsInfo));
    li->limit = limit;
    li->offset = offset;
    li->n = n;
    li->t = targets;
    op->info = li;
    static const char *modes[] = {"", "FOR KEY SHARE", "FOR SHARE", "FOR NO KEY UPDATE", "FOR UPDATE"};
    size_t cap = 64, len = 0;
    char *ex = arena_alloc(a, cap);
    ex[0] = 0;
    for (int k = 0; k < n; k++) {
        const char *w = targets[k].wait == LOCKWAIT_SKIP ? " SKIP LOCKED" : targets[k].wait == LOCKWAIT_NOWAIT ? " NOWAIT" : "";
        const char *m = targets[k].mode >= 1 && targets[k].mode <= 4 ? modes[targets[k].mode] : "";
        size_t need = len + strlen(targets[k].table->name) + strlen(m) + strlen(w) + 8;
        if (need > cap) {
            char *nx = arena_alloc(a, need * 2);
            memcpy(nx, ex, len + 1);
            ex = nx;
            cap = need * 2;
        }
        len += (size_t)snprintf(ex + len, cap - len, "%s%s %s%s", k ? ", " : "", targets[k].table->name, m, w);
    }
    op->explain = ex;
    return op;
}
