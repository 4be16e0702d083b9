/*
 * src/main/origin.c — where a result column comes from: the table and column a
 * SELECT's output column reads unchanged, as PostgreSQL's RowDescription reports
 * them (table OID and attribute number; 0 and 0 for anything computed).
 * Clients use them to find a column's table (pgjdbc's ResultSetMetaData, editable
 * result grids).  Found on the bound, not yet optimised plan by following a
 * column's binding through projections and GROUP BY keys down to the table scan
 * that makes it (into a CTE's definition from a scan of it), or to the
 * projection that gives a view's rows (the view is named, as PostgreSQL does).
 */
#include "binder/binder.h"
#include "main/engine.h"
#include "planner/logical.h"

/* The operator under `op` that makes the bindings of `table`. */
static const LogicalOp *origin_def(const LogicalOp *op, u32 table, int depth)
{
    if (!op || depth > 200) return NULL;
    if (op->kind == LOP_GET && op->u.get.table_index == table) return op;
    if (op->kind == LOP_PROJECT && op->u.project.table_index == table) return op;
    if (op->kind == LOP_AGGREGATE && op->u.agg.group_index == table) return op;
    if (op->kind == LOP_CTE_SCAN && op->u.cte.table_index == table) return op;
    for (int i = 0; i < op->nchildren && i < 2; i++) {
        const LogicalOp *d = origin_def(op->children[i], table, depth + 1);
        if (d) return d;
    }
    return NULL;
}

static void origin_of(const BindShared *sh, const LogicalOp *root, ColBinding b, u32 *oid, int *attnum, int hops)
{
    if (hops > 64) return;
    const LogicalOp *d = origin_def(root, b.table, 0);
    if (!d) return;
    if (d->kind == LOP_GET) {
        if ((int)b.column < d->u.get.ncols_scan && d->u.get.col_ids[b.column] >= 0) {
            *oid = d->u.get.table->oid;
            *attnum = d->u.get.col_ids[b.column] + 1;
        }
        return;
    }
    if (d->kind == LOP_CTE_SCAN) {
        /* a CTE's column is its definition's column */
        int id = d->u.cte.cte_id;
        const LogicalOp *def = sh && id >= 0 && id < sh->ncte ? sh->cte_plans[id] : NULL;
        if (def && (int)b.column < def->ncols) origin_of(sh, def, def->cols[b.column], oid, attnum, hops + 1);
        return;
    }
    if (d->kind == LOP_PROJECT && d->view_oid) {
        /* a view's column: PostgreSQL names the view, not the table under it */
        *oid = d->view_oid;
        *attnum = (int)b.column + 1;
        return;
    }
    const Expr *e;
    if (d->kind == LOP_AGGREGATE) {
        /* a GROUP BY key is its expression's column */
        if ((int)b.column >= d->u.agg.ngroups) return;
        e = d->u.agg.groups[b.column];
    } else {
        if ((int)b.column >= d->ncols) return;
        e = d->u.project.exprs[b.column];
    }
    if (e && e->kind == EXPR_COLREF && e->u.col.depth == 0) origin_of(sh, root, e->u.col.binding, oid, attnum, hops + 1);
}

void result_set_origins(MdbResult *r, const LogicalOp *plan, const BindShared *sh)
{
    if (!plan || plan->ncols != r->ncols) return;
    r->origin_oids = arena_alloc(r->arena, sizeof(u32) * (size_t)(r->ncols + 1));
    r->origin_attnums = arena_alloc(r->arena, sizeof(int) * (size_t)(r->ncols + 1));
    for (int i = 0; i < r->ncols; i++) {
        r->origin_oids[i] = 0;
        r->origin_attnums[i] = 0;
        origin_of(sh, plan, plan->cols[i], &r->origin_oids[i], &r->origin_attnums[i], 0);
        if (!r->origin_oids[i]) r->origin_attnums[i] = 0;
    }
}

void mdb_result_column_origin(const MdbResult *r, int col, uint32_t *table_oid, int *attnum)
{
    bool known = r->origin_oids && col >= 0 && col < r->ncols;
    *table_oid = known ? r->origin_oids[col] : 0;
    *attnum = known ? r->origin_attnums[col] : 0;
}
