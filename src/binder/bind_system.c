/*
 * src/binder/bind_system.c — binding of the system relations of pg_catalog
 * and information_schema (pg_class, information_schema.columns, …).
 *
 * A system relation is not stored: it is a LOP_SYSTEM leaf whose rows the
 * executor derives from the catalog when the statement runs
 * (src/exec/ops_system.c).  Names resolve as in PostgreSQL: a relation
 * qualified with pg_catalog or information_schema is looked up there; an
 * unqualified name is looked up in pg_catalog first, before the search_path
 * (CTE names still come first).  For the relations that list columns
 * (information_schema.columns, pg_attribute, pg_class) the columns of every
 * view are resolved here by binding the view, because that is the binder's
 * work; a view that no longer binds is listed without columns.  A plan keeps
 * those columns, which stay right as long as the catalog version does.
 *
 * INTERFACE: bind_system_relation.
 */
#include <stdio.h>

#include "binder/binder.h"
#include "exec/operators.h"

#define POS(loc) ((loc) >= 0 ? (loc) + 1 : 0)

/* Set while view columns are being resolved, so that a view over
 * information_schema.columns does not resolve views again, without end. */
static _Thread_local int resolving_views;

/* Binds view v in a binder of its own and records its column names and types;
 * false when the view does not bind any more. */
static bool view_columns(Binder *b, const ViewDef *v, SysViewCols *out)
{
    ParseResult pr;
    Err err = {0};
    bool ok = false;
    if (parser_parse(v->sql, &pr, &err) == MDB_OK_) {
        if (pr.tree && pr.tree->n_stmts == 1 && pr.tree->stmts[0]->stmt &&
            pr.tree->stmts[0]->stmt->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) {
            BindShared sh;
            memset(&sh, 0, sizeof sh);
            Binder sub;
            binder_init(&sub, b->arena, b->cat, b->settings, &err, &sh, NULL);
            LogicalOp *plan = NULL;
            char **names = NULL;
            if (bind_select(&sub, pr.tree->stmts[0]->stmt->select_stmt, &plan, &names) == MDB_OK_ && plan) {
                out->view = v;
                out->ncols = plan->ncols;
                out->types = plan->types;
                out->names = arena_alloc(b->arena, sizeof(char *) * (size_t)(plan->ncols + 1));
                for (int i = 0; i < plan->ncols; i++)
                    out->names[i] = arena_strdup(b->arena, i < v->ncolnames ? v->colnames[i] : names[i] ? names[i] : "?column?");
                ok = true;
            }
        }
        parser_free(&pr);
    }
    err_clear(&err);
    return ok;
}

static void collect_views(Binder *b, LogicalOp *op)
{
    if (resolving_views) return;
    size_t n = 0;
    for (size_t i = 0; i < b->cat->schemas.n; i++) n += ((Schema *)b->cat->schemas.items[i])->views.n;
    if (n == 0) return;
    SysViewCols *vc = arena_zalloc(b->arena, sizeof(SysViewCols) * n);
    int k = 0;
    resolving_views++;
    for (size_t i = 0; i < b->cat->schemas.n; i++) {
        Schema *s = b->cat->schemas.items[i];
        for (size_t j = 0; j < s->views.n; j++)
            if (view_columns(b, s->views.items[j], &vc[k])) k++;
    }
    resolving_views--;
    op->u.sys.views = vc;
    op->u.sys.nviews = k;
}

int bind_system_relation(Binder *b, PgQuery__RangeVar *rv, LogicalOp **out, bool *found)
{
    *found = false;
    const char *schema = rv->schemaname && *rv->schemaname ? rv->schemaname : "pg_catalog";
    if (strcmp(schema, "pg_catalog") && strcmp(schema, "information_schema")) return MDB_OK_;
    char **names;
    LType *types;
    int ncols;
    int rel = sysrel_find(schema, rv->relname, b->arena, &names, &types, &ncols);
    if (rel < 0) return MDB_OK_;
    if (rv->catalogname && *rv->catalogname && strcmp(rv->catalogname, "megadb") &&
        !(b->settings && b->settings->database[0] && !strcmp(rv->catalogname, b->settings->database)))
        return err_set_pos(b->err, POS(rv->location), SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "cross-database references are not implemented: \"%s.%s.%s\"", rv->catalogname, schema,
                           rv->relname);
    LogicalOp *op = lop_new(b->arena, LOP_SYSTEM, 0);
    u32 ti = binder_new_table_index(b);
    lop_set_cols(b->arena, op, ti, types, ncols);
    op->u.sys.rel = rel;
    op->u.sys.table_index = ti;
    if (sysrel_needs_views(rel)) collect_views(b, op);

    ScopeEntry *e = arena_zalloc(b->arena, sizeof(ScopeEntry));
    e->alias = arena_strdup(b->arena, rv->alias ? rv->alias->aliasname : rv->relname);
    e->ncols = ncols;
    e->names = names;
    e->types = op->types;
    e->bindings = op->cols;
    e->hidden = arena_zalloc(b->arena, (size_t)ncols + 1);
    if (rv->alias)
        for (size_t i = 0; i < rv->alias->n_colnames && (int)i < ncols; i++) {
            PgQuery__Node *cn = rv->alias->colnames[i];
            if (cn && cn->node_case == PG_QUERY__NODE__NODE_STRING) e->names[i] = cn->string->sval;
        }
    scope_add(b, e);
    *found = true;
    *out = op;
    return MDB_OK_;
}
