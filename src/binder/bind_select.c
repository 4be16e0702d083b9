/*
 * src/binder/bind_select.c — binding of SELECT: FROM (tables, views, CTEs,
 * joins, subqueries, table functions), WHERE, GROUP BY / grouping sets,
 * HAVING, window functions, the select list, DISTINCT [ON], ORDER BY,
 * LIMIT/OFFSET, VALUES and set operations.
 *
 * The plan is built bottom-up in the order PostgreSQL evaluates a query:
 * FROM → WHERE → GROUP BY/aggregates → HAVING → window → select list →
 * DISTINCT → ORDER BY → LIMIT, with a final projection dropping columns that
 * were only needed for sorting.
 */
#include <stdio.h>
#include <stdlib.h>

#include "binder/binder.h"
#include "types/coerce.h"

#define POS(loc) ((loc) >= 0 ? (loc) + 1 : 0)

int bind_op(Binder *b, const char *op, Expr *l, Expr *r, int loc, Expr **out);

static const char *node_str(PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

LogicalOp *lop_new(Arena *a, LogicalKind kind, int nchildren)
{
    LogicalOp *op = arena_zalloc(a, sizeof(LogicalOp));
    op->kind = kind;
    op->nchildren = nchildren;
    op->est_rows = -1;
    return op;
}

void lop_set_cols(Arena *a, LogicalOp *op, u32 table, const LType *types, int n)
{
    op->ncols = n;
    op->cols = arena_alloc(a, sizeof(ColBinding) * (size_t)(n + 1));
    op->types = arena_alloc(a, sizeof(LType) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        op->cols[i] = (ColBinding){table, (u32)i};
        op->types[i] = types[i];
    }
}

void lop_concat_cols(Arena *a, LogicalOp *op, const LogicalOp *l, const LogicalOp *r)
{
    op->ncols = l->ncols + r->ncols;
    op->cols = arena_alloc(a, sizeof(ColBinding) * (size_t)(op->ncols + 1));
    op->types = arena_alloc(a, sizeof(LType) * (size_t)(op->ncols + 1));
    /* an input without columns may have NULL arrays: memcpy must not see them */
    if (l->ncols) {
        memcpy(op->cols, l->cols, sizeof(ColBinding) * (size_t)l->ncols);
        memcpy(op->types, l->types, sizeof(LType) * (size_t)l->ncols);
    }
    if (r->ncols) {
        memcpy(op->cols + l->ncols, r->cols, sizeof(ColBinding) * (size_t)r->ncols);
        memcpy(op->types + l->ncols, r->types, sizeof(LType) * (size_t)r->ncols);
    }
}

void lop_inherit_cols(Arena *a, LogicalOp *op, const LogicalOp *child)
{
    op->ncols = child->ncols;
    /* a child without columns (SELECT without FROM) may have NULL arrays */
    op->cols = arena_zalloc(a, sizeof(ColBinding) * (size_t)(child->ncols + 1));
    op->types = arena_zalloc(a, sizeof(LType) * (size_t)(child->ncols + 1));
    if (child->ncols) {
        memcpy(op->cols, child->cols, sizeof(ColBinding) * (size_t)child->ncols);
        memcpy(op->types, child->types, sizeof(LType) * (size_t)child->ncols);
    }
}

static LogicalOp *wrap(Binder *b, LogicalKind k, LogicalOp *child)
{
    LogicalOp *op = lop_new(b->arena, k, 1);
    op->children[0] = child;
    lop_inherit_cols(b->arena, op, child);
    return op;
}

const char *binder_column_name(PgQuery__Node *n)
{
    if (!n) return "?column?";
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
        PgQuery__ColumnRef *c = n->column_ref;
        const char *s = node_str(c->fields[c->n_fields - 1]);
        return s ? s : "?column?";
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
        PgQuery__FuncCall *f = n->func_call;
        return node_str(f->funcname[f->n_funcname - 1]);
    }
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        /* a name from the innermost operand (a column, a function) wins; otherwise the
         * outermost cast names the column (x::numeric::float8 is float8), as in PostgreSQL */
        PgQuery__Node *a = n->type_cast->arg;
        while (a && a->node_case == PG_QUERY__NODE__NODE_TYPE_CAST) a = a->type_cast->arg;
        const char *inner = binder_column_name(a);
        if (strcmp(inner, "?column?") != 0 && !(a->node_case == PG_QUERY__NODE__NODE_A_CONST && !strcmp(inner, "bool")))
            return inner;
        PgQuery__TypeName *tn = n->type_cast->type_name;
        const char *t = node_str(tn->names[tn->n_names - 1]);
        if (!t) return "?column?";
        if (!strcmp(t, "int4")) return "int4";
        if (!strcmp(t, "bpchar")) return "bpchar";
        return t;
    }
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
        /* (r).field is named after the field */
        PgQuery__AIndirection *ai = n->a_indirection;
        const char *f = ai->n_indirection ? node_str(ai->indirection[ai->n_indirection - 1]) : NULL;
        return f ? f : "?column?";
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: return "case";
    case PG_QUERY__NODE__NODE_GROUPING_FUNC: return "grouping";
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: return "array";
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: return "coalesce";
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: return n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least";
    case PG_QUERY__NODE__NODE_A_EXPR:
        if (n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF) return "nullif";
        return "?column?";
    case PG_QUERY__NODE__NODE_SUB_LINK:
        if (n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK) return "exists";
        if (n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK &&
            n->sub_link->subselect->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) {
            PgQuery__SelectStmt *s = n->sub_link->subselect->select_stmt;
            if (s->n_target_list == 1) {
                PgQuery__ResTarget *rt = s->target_list[0]->res_target;
                return (rt->name && *rt->name) ? rt->name : binder_column_name(rt->val);
            }
        }
        return "?column?";
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
        switch (n->sqlvalue_function->op) {
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE: return "current_date";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N: return "current_timestamp";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER: return "current_user";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA: return "current_schema";
        default: return "?column?";
        }
    case PG_QUERY__NODE__NODE_A_CONST:
        if (n->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL) return "bool";
        return "?column?";
    case PG_QUERY__NODE__NODE_ROW_EXPR: return "row";
    default: return "?column?";
    }
}

/* ---- search path ------------------------------------------------------------ */

static int search_path(Binder *b, Schema **out, int max)
{
    int n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", b->settings->search_path);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        size_t l = strlen(tok);
        while (l && tok[l - 1] == ' ') tok[--l] = 0;
        if (l >= 2 && tok[0] == '"') { tok[l - 1] = 0; tok++; }
        Schema *s = catalog_find_schema(b->cat, tok);
        if (s) out[n++] = s;
    }
    return n;
}

Schema *binder_schema_for_create(Binder *b, const char *schemaname)
{
    if (schemaname && *schemaname) {
        Schema *s = catalog_find_schema(b->cat, schemaname);
        if (!s) err_set(b->err, SQLSTATE_INVALID_SCHEMA, "schema \"%s\" does not exist", schemaname);
        return s;
    }
    Schema *sp[16];
    int n = search_path(b, sp, 16);
    if (n == 0) {
        err_set(b->err, SQLSTATE_INVALID_SCHEMA, "no schema has been selected to create in");
        return NULL;
    }
    return sp[0];
}

typedef struct Rel {
    TableDef *table;
    ViewDef *view;
} Rel;

static int find_rel(Binder *b, PgQuery__RangeVar *rv, Rel *out)
{
    memset(out, 0, sizeof(*out));
    if (rv->schemaname && *rv->schemaname) {
        Schema *s = catalog_find_schema(b->cat, rv->schemaname);
        if (!s)
            return err_set_pos(b->err, POS(rv->location), SQLSTATE_UNDEFINED_TABLE, "relation \"%s.%s\" does not exist",
                               rv->schemaname, rv->relname);
        out->table = schema_find_table(s, rv->relname);
        if (!out->table) out->view = schema_find_view(s, rv->relname);
        return MDB_OK_;
    }
    Schema *sp[16];
    int n = search_path(b, sp, 16);
    Schema *pgc = catalog_find_schema(b->cat, "pg_catalog");
    for (int i = -1; i < n; i++) {
        Schema *s = i < 0 ? pgc : sp[i];
        if (!s) continue;
        out->table = schema_find_table(s, rv->relname);
        if (out->table) return MDB_OK_;
        out->view = schema_find_view(s, rv->relname);
        if (out->view) return MDB_OK_;
    }
    return MDB_OK_;
}

TableDef *binder_find_table(Binder *b, PgQuery__RangeVar *rv, bool missing_ok)
{
    Rel r;
    if (find_rel(b, rv, &r)) return NULL;
    if (!r.table && !missing_ok) {
        if (r.view)
            err_set_pos(b->err, POS(rv->location), SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a table", rv->relname);
        else
            err_set_pos(b->err, POS(rv->location), SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
    }
    return r.table;
}

/* ---- FROM ------------------------------------------------------------------- */

/* Gives a LATERAL apply its left input: output = left columns, then the subquery's. */
static void attach_apply(Binder *b, LogicalOp *ap, LogicalOp *left)
{
    LogicalOp *sub = ap->u.apply.sub;
    ap->children[0] = left;
    lop_concat_cols(b->arena, ap, left, sub);
}

static int bind_from_item(Binder *b, PgQuery__Node *n, LogicalOp **out);

static ScopeEntry *entry_for_plan(Binder *b, LogicalOp *plan, char **names, const char *alias, PgQuery__Alias *al)
{
    ScopeEntry *e = arena_zalloc(b->arena, sizeof(ScopeEntry));
    e->alias = alias ? arena_strdup(b->arena, alias) : NULL;
    e->ncols = plan->ncols;
    e->names = arena_alloc(b->arena, sizeof(char *) * (size_t)(plan->ncols + 1));
    e->types = plan->types;
    e->bindings = plan->cols;
    e->hidden = arena_zalloc(b->arena, (size_t)plan->ncols + 1);
    for (int i = 0; i < plan->ncols; i++) {
        e->names[i] = names[i];
        if (al && (size_t)i < al->n_colnames) e->names[i] = (char *)node_str(al->colnames[i]);
    }
    return e;
}

/* Wraps a bound subplan in a projection with fresh bindings so that several
 * references to the same view or CTE do not share bindings. */
static LogicalOp *rebind(Binder *b, LogicalOp *plan)
{
    LogicalOp *p = lop_new(b->arena, LOP_PROJECT, 1);
    p->children[0] = plan;
    u32 ti = binder_new_table_index(b);
    lop_set_cols(b->arena, p, ti, plan->types, plan->ncols);
    p->u.project.table_index = ti;
    p->u.project.exprs = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(plan->ncols + 1));
    for (int i = 0; i < plan->ncols; i++) p->u.project.exprs[i] = expr_colref(b->arena, plan->cols[i], plan->types[i], 0);
    return p;
}

static int bind_view(Binder *b, ViewDef *v, PgQuery__RangeVar *rv, LogicalOp **out)
{
    ParseResult pr;
    if (parser_parse(v->sql, &pr, b->err)) return MDB_FAIL;
    Binder sub;
    binder_init(&sub, b->arena, b->cat, b->settings, b->err, b->shared, NULL);
    sub.ctes = NULL;
    LogicalOp *plan = NULL;
    char **names;
    int rc = bind_select(&sub, pr.tree->stmts[0]->stmt->select_stmt, &plan, &names);
    /* names point into the parse tree, which goes away now */
    if (!rc)
        for (int i = 0; i < plan->ncols; i++) names[i] = arena_strdup(b->arena, names[i]);
    parser_free(&pr);
    if (rc) return MDB_FAIL;
    plan = rebind(b, plan);
    plan->view_oid = v->oid;
    for (int i = 0; i < v->ncolnames && i < plan->ncols; i++) names[i] = v->colnames[i];
    const char *alias = rv->alias ? rv->alias->aliasname : v->name;
    scope_add(b, entry_for_plan(b, plan, names, alias, rv->alias));
    *out = plan;
    return MDB_OK_;
}

static CteDef *find_cte(Binder *b, const char *name)
{
    for (CteDef *c = b->ctes; c; c = c->next)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

static int bind_rangevar(Binder *b, PgQuery__RangeVar *rv, LogicalOp **out)
{
    if (!(rv->schemaname && *rv->schemaname)) {
        CteDef *c = find_cte(b, rv->relname);
        if (c) {
            LogicalOp *op = lop_new(b->arena, LOP_CTE_SCAN, 0);
            u32 ti = binder_new_table_index(b);
            lop_set_cols(b->arena, op, ti, c->types, c->ncols);
            op->u.cte.cte_id = c->id;
            op->u.cte.table_index = ti;
            const char *alias = rv->alias ? rv->alias->aliasname : c->name;
            scope_add(b, entry_for_plan(b, op, c->names, alias, rv->alias));
            *out = op;
            return MDB_OK_;
        }
    }
    bool is_system = false;
    if (bind_system_relation(b, rv, out, &is_system)) return MDB_FAIL;
    if (is_system) return MDB_OK_;
    Rel r;
    if (find_rel(b, rv, &r)) return MDB_FAIL;
    if (r.view) return bind_view(b, r.view, rv, out);
    if (!r.table) return err_set_pos(b->err, POS(rv->location), SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
    TableDef *t = r.table;
    LogicalOp *op = lop_new(b->arena, LOP_GET, 0);
    u32 ti = binder_new_table_index(b);
    LType types[1024];
    LType *tp = t->ncols <= 1024 ? types : arena_alloc(b->arena, sizeof(LType) * (size_t)t->ncols);
    for (int i = 0; i < t->ncols; i++) tp[i] = t->cols[i].type;
    lop_set_cols(b->arena, op, ti, tp, t->ncols);
    op->u.get.table = t;
    op->u.get.table_index = ti;
    op->u.get.ncols_scan = t->ncols;
    op->u.get.col_ids = arena_alloc(b->arena, sizeof(int) * (size_t)(t->ncols + 1));
    for (int i = 0; i < t->ncols; i++) op->u.get.col_ids[i] = i;
    ScopeEntry *e = scope_entry_for_table(b, t, rv->alias ? rv->alias->aliasname : t->name, ti);
    if (rv->alias)
        for (size_t i = 0; i < rv->alias->n_colnames && (int)i < t->ncols; i++) e->names[i] = (char *)node_str(rv->alias->colnames[i]);
    scope_add(b, e);
    *out = op;
    return MDB_OK_;
}

static int bind_subselect(Binder *b, PgQuery__RangeSubselect *rs, LogicalOp **out)
{
    Binder sub;
    binder_init(&sub, b->arena, b->cat, b->settings, b->err, b->shared, rs->lateral ? b : b->parent);
    if (!rs->lateral) sub.ctes = b->ctes;
    LogicalOp *plan = NULL;
    char **names;
    if (bind_select(&sub, rs->subquery->select_stmt, &plan, &names)) return MDB_FAIL;
    if (sub.nouter > 0 && rs->lateral) {
        /* a dependent join: the subquery runs for each row of the FROM items
         * before it; bind_from / bind_join attach the left input */
        LogicalOp *ap = lop_new(b->arena, LOP_APPLY, 1);
        ap->children[0] = NULL;
        ap->u.apply.sub = plan;
        ap->u.apply.nouter = sub.nouter;
        ap->u.apply.outer_exprs = binder_outer_values(b, &sub);
        lop_inherit_cols(b->arena, ap, plan);
        scope_add(b, entry_for_plan(b, plan, names, rs->alias ? rs->alias->aliasname : NULL, rs->alias));
        *out = ap;
        return MDB_OK_;
    }
    if (sub.nouter > 0) {
        /* references to an enclosing query: forward them */
        for (int i = 0; i < sub.nouter; i++)
            if (sub.outer[i].depth >= 1) {}
        return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "correlated subqueries in FROM are not supported yet");
    }
    scope_add(b, entry_for_plan(b, plan, names, rs->alias ? rs->alias->aliasname : NULL, rs->alias));
    *out = plan;
    return MDB_OK_;
}

bool binder_is_srf(const char *name)
{
    return !strcmp(name, "generate_series") || !strcmp(name, "unnest") || !strcmp(name, "regexp_matches") ||
           !strcmp(name, "regexp_split_to_table") || !strcmp(name, "generate_subscripts");
}

int bind_srf_call(Binder *b, const char *name, Expr **a, int nargs, int loc, int *func, LType *out)
{
    if (!strcmp(name, "generate_series")) {
        *func = TABLEFUNC_GENERATE_SERIES;
        if (nargs < 2 || nargs > 3) return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function generate_series with %d arguments does not exist", nargs);
        LType ct;
        if (!coerce_common(a[0]->type, a[0]->kind == EXPR_CONST && a[0]->type.text_kind == TEXT_UNKNOWN, a[1]->type,
                           a[1]->kind == EXPR_CONST && a[1]->type.text_kind == TEXT_UNKNOWN, &ct))
            return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function generate_series does not exist");
        if (ct.id == TYPE_INT16 || ct.id == TYPE_NULL) ct = ltype(TYPE_INT32);
        if (ct.id == TYPE_TEXT) ct = ltype(TYPE_TIMESTAMP);
        if (ct.id == TYPE_DATE) ct = ltype(TYPE_TIMESTAMPTZ); /* PostgreSQL: date casts to timestamptz, the preferred type */
        if (ct.id != TYPE_INT32 && ct.id != TYPE_INT64 && ct.id != TYPE_NUMERIC && ct.id != TYPE_TIMESTAMP && ct.id != TYPE_TIMESTAMPTZ)
            return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function generate_series(%s) does not exist", type_id_name((TypeId)ct.id));
        if (bind_cast(b, a[0], ct, false, &a[0]) || bind_cast(b, a[1], ct, false, &a[1])) return MDB_FAIL;
        if (nargs == 3) {
            LType st = (ct.id == TYPE_TIMESTAMP || ct.id == TYPE_TIMESTAMPTZ) ? ltype(TYPE_INTERVAL) : ct;
            if (bind_cast(b, a[2], st, false, &a[2])) return MDB_FAIL;
        }
        *out = ct;
        return MDB_OK_;
    }
    if (!strcmp(name, "unnest")) {
        *func = TABLEFUNC_UNNEST;
        if (nargs != 1 || a[0]->type.id != TYPE_LIST)
            return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function unnest requires an array argument");
        *out = ltype((TypeId)a[0]->type.elem);
        return MDB_OK_;
    }
    if (!strcmp(name, "generate_subscripts")) {
        *func = TABLEFUNC_GENERATE_SUBSCRIPTS;
        if (nargs < 2 || nargs > 3 || a[0]->type.id != TYPE_LIST)
            return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function generate_subscripts requires an array and a dimension");
        if (bind_cast(b, a[1], ltype(TYPE_INT32), false, &a[1])) return MDB_FAIL;
        if (nargs == 3 && bind_cast(b, a[2], ltype(TYPE_BOOL), false, &a[2])) return MDB_FAIL;
        *out = ltype(TYPE_INT32);
        return MDB_OK_;
    }
    if (!strcmp(name, "regexp_matches") || !strcmp(name, "regexp_split_to_table")) {
        bool split = !strcmp(name, "regexp_split_to_table");
        *func = split ? TABLEFUNC_REGEXP_SPLIT : TABLEFUNC_REGEXP_MATCHES;
        if (nargs < 2 || nargs > 3)
            return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function %s with %d arguments does not exist", name, nargs);
        for (int i = 0; i < nargs; i++) {
            LType t = a[i]->type;
            bool unknown = t.id == TYPE_NULL || (a[i]->kind == EXPR_CONST && t.id == TYPE_TEXT && t.text_kind == TEXT_UNKNOWN);
            if (t.id != TYPE_TEXT && !unknown) {
                char tb[64];
                return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function %s(%s, ...) does not exist", name,
                                   type_name(t, tb, sizeof tb));
            }
            if (bind_cast(b, a[i], ltype(TYPE_TEXT), false, &a[i])) return MDB_FAIL;
        }
        if (split) {
            *out = ltype(TYPE_TEXT);
            return MDB_OK_;
        }
        *out = ltype(TYPE_LIST);
        out->elem = TYPE_TEXT;
        return MDB_OK_;
    }
    return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function %s does not exist or is not a table function", name);
}

/* e with the correlated slots of a child binder replaced by the expressions
 * they stand for in this binder. */
static Expr *subst_slots(Arena *a, const Expr *e, Expr **vals)
{
    if (!e) return NULL;
    if (e->kind == EXPR_OUTER) return expr_copy(a, vals[e->u.outer.slot]);
    Expr *c = arena_memdup(a, e, sizeof(Expr));
    if (e->nargs) {
        c->args = arena_alloc(a, sizeof(Expr *) * (size_t)e->nargs);
        int n = e->kind == EXPR_SUBQUERY ? 1 : e->nargs;
        for (int i = 0; i < e->nargs; i++) c->args[i] = i < n ? subst_slots(a, e->args[i], vals) : e->args[i];
    }
    if (e->kind == EXPR_SUBQUERY && e->u.sub.nouter) {
        c->u.sub.outer_exprs = arena_alloc(a, sizeof(Expr *) * (size_t)e->u.sub.nouter);
        for (int i = 0; i < e->u.sub.nouter; i++) c->u.sub.outer_exprs[i] = subst_slots(a, e->u.sub.outer_exprs[i], vals);
    }
    return c;
}

/* A function in FROM, or ROWS FROM (f(...), g(...)) — several functions in
 * lockstep; unnest(a, b, …) is ROWS FROM (unnest(a), unnest(b), …).  As in
 * PG, function arguments may refer to the FROM items before them (they are
 * implicitly LATERAL): then the result is an apply over those items. */
static int bind_rangefunc(Binder *b, PgQuery__RangeFunction *rf, LogicalOp **out)
{
    Binder sub;
    binder_init(&sub, b->arena, b->cat, b->settings, b->err, b->shared, b);
    sub.clause = "functions in FROM";
    int cap = 4, nf = 0, nargs = 0;
    int *funcs = arena_alloc(b->arena, sizeof(int) * (size_t)cap), *fnargs = arena_alloc(b->arena, sizeof(int) * (size_t)cap);
    LType *types = arena_alloc(b->arena, sizeof(LType) * (size_t)(cap + 1));
    char **names = arena_alloc(b->arena, sizeof(char *) * (size_t)(cap + 1));
    Expr **args = NULL;
    int acap = 0;
    for (size_t fi = 0; fi < rf->n_functions; fi++) {
        PgQuery__Node *fn = rf->functions[fi]->list->items[0];
        if (fn->node_case != PG_QUERY__NODE__NODE_FUNC_CALL)
            return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported table function");
        PgQuery__FuncCall *f = fn->func_call;
        const char *name = node_str(f->funcname[f->n_funcname - 1]);
        int loc = POS(f->location);
        Expr **fa;
        fa = arena_zalloc(b->arena, sizeof(Expr *) * (f->n_args + 1));
        for (size_t i = 0; i < f->n_args; i++)
            if (bind_expr(&sub, f->args[i], &fa[i])) return MDB_FAIL;
        /* unnest of several arrays: one function per array */
        int parts = !strcmp(name, "unnest") && f->n_args > 1 ? (int)f->n_args : 1;
        for (int p = 0; p < parts; p++) {
            Expr **pa = parts > 1 ? &fa[p] : fa;
            int pn = parts > 1 ? 1 : (int)f->n_args;
            if (nf + 1 >= cap) {
                int nc = cap * 2;
                int *a1 = arena_alloc(b->arena, sizeof(int) * (size_t)nc), *a2 = arena_alloc(b->arena, sizeof(int) * (size_t)nc);
                LType *a3 = arena_alloc(b->arena, sizeof(LType) * (size_t)(nc + 1));
                char **a4 = arena_alloc(b->arena, sizeof(char *) * (size_t)(nc + 1));
                memcpy(a1, funcs, sizeof(int) * (size_t)nf);
                memcpy(a2, fnargs, sizeof(int) * (size_t)nf);
                memcpy(a3, types, sizeof(LType) * (size_t)nf);
                memcpy(a4, names, sizeof(char *) * (size_t)nf);
                funcs = a1, fnargs = a2, types = a3, names = a4, cap = nc;
            }
            if (bind_srf_call(&sub, name, pa, pn, loc, &funcs[nf], &types[nf])) return MDB_FAIL;
            if (nargs + pn > acap) {
                acap = (nargs + pn) * 2 + 4;
                Expr **na = arena_alloc(b->arena, sizeof(Expr *) * (size_t)acap);
                if (nargs) memcpy(na, args, sizeof(Expr *) * (size_t)nargs);
                args = na;
            }
            memcpy(args + nargs, pa, sizeof(Expr *) * (size_t)pn);
            nargs += pn;
            fnargs[nf] = pn;
            names[nf] = (char *)name;
            nf++;
        }
    }
    LogicalOp *op = lop_new(b->arena, LOP_TABLEFUNC, 0);
    u32 ti = binder_new_table_index(b);
    op->u.tfunc.table_index = ti;
    op->u.tfunc.nfuncs = nf;
    op->u.tfunc.funcs = funcs;
    op->u.tfunc.func_nargs = fnargs;
    op->u.tfunc.nargs = nargs;
    op->u.tfunc.args = args ? args : arena_zalloc(b->arena, sizeof(Expr *));
    op->u.tfunc.ordinality = rf->ordinality;
    types[nf] = ltype(TYPE_INT64);
    names[nf] = "ordinality";
    lop_set_cols(b->arena, op, ti, types, nf + (rf->ordinality ? 1 : 0));
    const char *alias = rf->alias ? rf->alias->aliasname : names[0];
    if (rf->alias && rf->alias->n_colnames == 0 && nf == 1) names[0] = rf->alias->aliasname;
    ScopeEntry *entry = entry_for_plan(b, op, names, alias, rf->alias);
    LogicalOp *res = op;
    if (sub.nouter > 0) {
        Expr **ov = binder_outer_values(b, &sub);
        bool lateral = false;
        for (int i = 0; i < sub.nouter; i++) lateral |= sub.outer[i].depth == 1;
        if (lateral) {
            /* arguments over earlier FROM items: bind_from / bind_join attach the left input */
            LogicalOp *ap = lop_new(b->arena, LOP_APPLY, 1);
            ap->children[0] = NULL;
            ap->u.apply.sub = op;
            ap->u.apply.nouter = sub.nouter;
            ap->u.apply.outer_exprs = ov;
            lop_inherit_cols(b->arena, ap, op);
            res = ap;
        } else {
            /* only references to an enclosing query: they are this level's own correlated values */
            for (int i = 0; i < nargs; i++) op->u.tfunc.args[i] = subst_slots(b->arena, op->u.tfunc.args[i], ov);
        }
    }
    scope_add(b, entry);
    *out = res;
    return MDB_OK_;
}

static int find_in_entries(Binder *b, int from, int to, const char *name, int *entry, int *col)
{
    int found = 0;
    for (int i = from; i < to; i++) {
        ScopeEntry *e = b->scope.entries[i];
        for (int c = 0; c < e->ncols; c++)
            if (!(e->hidden && e->hidden[c]) && !strcmp(e->names[c], name)) {
                found++;
                *entry = i;
                *col = c;
            }
    }
    return found;
}

static int bind_join(Binder *b, PgQuery__JoinExpr *j, LogicalOp **out)
{
    int lstart = b->scope.n;
    LogicalOp *l, *r;
    if (bind_from_item(b, j->larg, &l)) return MDB_FAIL;
    int rstart = b->scope.n;
    if (bind_from_item(b, j->rarg, &r)) return MDB_FAIL;
    int rend = b->scope.n;
    if (r->kind == LOP_APPLY && !r->children[0]) {
        bool left_join = j->jointype == PG_QUERY__JOIN_TYPE__JOIN_LEFT;
        if (!(j->jointype == PG_QUERY__JOIN_TYPE__JOIN_INNER || left_join) || j->n_using_clause || j->is_natural)
            return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "this kind of JOIN LATERAL is not supported yet");
        attach_apply(b, r, l);
        r->u.apply.left = left_join;
        if (j->quals) {
            Expr *q;
            b->clause = "JOIN conditions";
            if (bind_expr(b, j->quals, &q)) return MDB_FAIL;
            b->clause = NULL;
            bool is_true = q->kind == EXPR_CONST && !q->u.constant.is_null && q->type.id == TYPE_BOOL && q->u.constant.u.b;
            if (!is_true) {
                if (left_join) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "LEFT JOIN LATERAL … ON supports only ON true yet");
                LogicalOp *f = lop_new(b->arena, LOP_FILTER, 1);
                f->children[0] = r;
                lop_inherit_cols(b->arena, f, r);
                f->u.filter.pred = q;
                *out = f;
                return MDB_OK_;
            }
        }
        *out = r;
        return MDB_OK_;
    }
    LogicalOp *op = lop_new(b->arena, LOP_JOIN, 2);
    op->children[0] = l;
    op->children[1] = r;
    switch (j->jointype) {
    case PG_QUERY__JOIN_TYPE__JOIN_LEFT: op->u.join.type = JOIN_LEFT; break;
    case PG_QUERY__JOIN_TYPE__JOIN_RIGHT: op->u.join.type = JOIN_RIGHT; break;
    case PG_QUERY__JOIN_TYPE__JOIN_FULL: op->u.join.type = JOIN_FULL; break;
    default: op->u.join.type = (j->quals || j->n_using_clause || j->is_natural) ? JOIN_INNER : JOIN_CROSS; break;
    }
    lop_concat_cols(b->arena, op, l, r);
    /* USING / NATURAL: collect the column names */
    const char *names[256];
    int nnames = 0;
    if (j->is_natural) {
        for (int i = lstart; i < rstart; i++) {
            ScopeEntry *e = b->scope.entries[i];
            for (int c = 0; c < e->ncols && nnames < 256; c++) {
                if (e->hidden && e->hidden[c]) continue;
                int ei, ci;
                if (find_in_entries(b, rstart, rend, e->names[c], &ei, &ci) == 1) names[nnames++] = e->names[c];
            }
        }
    } else {
        for (size_t i = 0; i < j->n_using_clause && nnames < 256; i++) names[nnames++] = node_str(j->using_clause[i]);
    }
    Expr *cond = NULL;
    if (nnames > 0 || j->is_natural) {
        ScopeEntry *m = arena_zalloc(b->arena, sizeof(ScopeEntry));
        m->ncols = nnames;
        m->names = arena_alloc(b->arena, sizeof(char *) * (size_t)(nnames + 1));
        m->types = arena_alloc(b->arena, sizeof(LType) * (size_t)(nnames + 1));
        m->bindings = arena_alloc(b->arena, sizeof(ColBinding) * (size_t)(nnames + 1));
        m->exprs = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(nnames + 1));
        m->hidden = arena_zalloc(b->arena, (size_t)nnames + 1);
        m->alias = j->join_using_alias ? j->join_using_alias->aliasname : NULL;
        for (int k = 0; k < nnames; k++) {
            int le = 0, lc = 0, re = 0, rc = 0;
            int nl = find_in_entries(b, lstart, rstart, names[k], &le, &lc);
            int nr = find_in_entries(b, rstart, rend, names[k], &re, &rc);
            if (nl != 1 || nr != 1)
                return err_set(b->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" specified in USING clause does not exist in %s table",
                               names[k], nl != 1 ? "left" : "right");
            ScopeEntry *L = b->scope.entries[le], *R = b->scope.entries[re];
            Expr *lx = L->exprs ? L->exprs[lc] : expr_colref(b->arena, L->bindings[lc], L->types[lc], 0);
            Expr *rx = R->exprs ? R->exprs[rc] : expr_colref(b->arena, R->bindings[rc], R->types[rc], 0);
            Expr *eq;
            if (bind_op(b, "=", lx, rx, 0, &eq)) return MDB_FAIL;
            cond = expr_and(b->arena, cond, eq);
            Expr *merged;
            if (op->u.join.type == JOIN_FULL) {
                merged = expr_new(b->arena, EXPR_COALESCE, eq->args[0]->type, 0);
                merged->nargs = 2;
                merged->args = arena_alloc(b->arena, sizeof(Expr *) * 2);
                merged->args[0] = eq->args[0];
                merged->args[1] = eq->args[1];
            } else if (op->u.join.type == JOIN_RIGHT) {
                merged = rx;
            } else {
                merged = lx;
            }
            m->names[k] = (char *)names[k];
            m->types[k] = merged->type;
            m->exprs[k] = merged;
            m->bindings[k] = merged->kind == EXPR_COLREF ? merged->u.col.binding : (ColBinding){0xFFFFFFFFu, 0};
            L->hidden[lc] = 1;
            R->hidden[rc] = 1;
        }
        /* the merged columns come first in SELECT * */
        scope_add(b, m);
        ScopeEntry *tmp = b->scope.entries[b->scope.n - 1];
        memmove(&b->scope.entries[lstart + 1], &b->scope.entries[lstart], sizeof(ScopeEntry *) * (size_t)(b->scope.n - 1 - lstart));
        b->scope.entries[lstart] = tmp;
        if (op->u.join.type == JOIN_CROSS) op->u.join.type = JOIN_INNER;
    }
    if (j->quals) {
        Expr *q;
        b->clause = "JOIN conditions";
        if (bind_expr(b, j->quals, &q)) return MDB_FAIL;
        b->clause = NULL;
        if (q->type.id != TYPE_BOOL) {
            char tb[64];
            return err_set_pos(b->err, q->location, SQLSTATE_DATATYPE_MISMATCH, "argument of JOIN/ON must be type boolean, not type %s", type_name(q->type, tb, sizeof tb));
        }
        cond = q;
    }
    op->u.join.cond = cond;
    if (j->alias) {
        /* a join alias hides the inner names: rebuild as one entry */
        return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "aliases on JOIN are not supported yet");
    }
    *out = op;
    return MDB_OK_;
}

static int bind_from_item(Binder *b, PgQuery__Node *n, LogicalOp **out)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_RANGE_VAR: return bind_rangevar(b, n->range_var, out);
    case PG_QUERY__NODE__NODE_JOIN_EXPR: return bind_join(b, n->join_expr, out);
    case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: return bind_subselect(b, n->range_subselect, out);
    case PG_QUERY__NODE__NODE_RANGE_FUNCTION: return bind_rangefunc(b, n->range_function, out);
    default: return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported FROM item");
    }
}

static int bind_from(Binder *b, PgQuery__SelectStmt *s, LogicalOp **out)
{
    if (s->n_from_clause == 0) {
        LogicalOp *d = lop_new(b->arena, LOP_DUMMY, 0);
        *out = d;
        return MDB_OK_;
    }
    LogicalOp *acc = NULL;
    for (size_t i = 0; i < s->n_from_clause; i++) {
        LogicalOp *item;
        if (bind_from_item(b, s->from_clause[i], &item)) return MDB_FAIL;
        if (item->kind == LOP_APPLY && !item->children[0]) {
            if (!acc) return err_set(b->err, SQLSTATE_INVALID_COLUMN_REFERENCE, "invalid reference to FROM-clause entry");
            attach_apply(b, item, acc);
            acc = item;
            continue;
        }
        if (!acc) { acc = item; continue; }
        LogicalOp *j = lop_new(b->arena, LOP_JOIN, 2);
        j->children[0] = acc;
        j->children[1] = item;
        j->u.join.type = JOIN_CROSS;
        lop_concat_cols(b->arena, j, acc, item);
        acc = j;
    }
    /* duplicate range names are an error, as in PostgreSQL */
    for (int i = 0; i < b->scope.n; i++)
        for (int k = i + 1; k < b->scope.n; k++) {
            const char *x = b->scope.entries[i]->alias, *y = b->scope.entries[k]->alias;
            if (x && y && !strcmp(x, y) && !b->scope.entries[i]->exprs)
                return err_set(b->err, "42712", "table name \"%s\" specified more than once", x);
        }
    *out = acc;
    return MDB_OK_;
}

/* ---- grouping post-pass ----------------------------------------------------- */

typedef struct GroupCtx {
    Expr **groups;
    int ngroups;
    u32 group_index;
    u32 agg_index;
    u32 win_index;
    const char *clause;
    int nsets;            /* grouping sets of the aggregate (0 = plain GROUP BY) */
    u32 grouping_index;   /* binding table of its grouping-set id column */
} GroupCtx;

/* Replaces group expressions by references to the aggregate's group output
 * and rejects other references to ungrouped columns. */
static int regroup(Binder *b, GroupCtx *g, Expr *e, Expr **out)
{
    if (e->kind == EXPR_GROUPING) {
        int *keys = arena_alloc(b->arena, sizeof(int) * (size_t)(e->nargs + 1));
        for (int i = 0; i < e->nargs; i++) {
            keys[i] = -1;
            for (int k = 0; k < g->ngroups; k++)
                if (expr_equal(e->args[i], g->groups[k])) keys[i] = k;
            if (keys[i] < 0)
                return err_set_pos(b->err, e->args[i]->location ? e->args[i]->location : e->location, SQLSTATE_GROUPING_ERROR,
                                   "arguments to GROUPING must be grouping expressions of the associated query level");
        }
        if (g->nsets == 0) {
            *out = expr_const(b->arena, value_int(TYPE_INT32, 0), e->location);
            return MDB_OK_;
        }
        Expr *c = expr_new(b->arena, EXPR_GROUPING, ltype(TYPE_INT32), e->location);
        c->nargs = 1;
        c->args = arena_alloc(b->arena, sizeof(Expr *));
        c->args[0] = expr_colref(b->arena, (ColBinding){g->grouping_index, 0}, ltype(TYPE_INT64), 0);
        c->u.grouping.n = e->nargs;
        c->u.grouping.keys = keys;
        c->u.grouping.ngroups = g->ngroups;
        *out = c;
        return MDB_OK_;
    }
    for (int i = 0; i < g->ngroups; i++)
        if (expr_equal(e, g->groups[i])) {
            Expr *r = expr_colref(b->arena, (ColBinding){g->group_index, (u32)i}, e->type, 0);
            r->location = e->location;
            *out = r;
            return MDB_OK_;
        }
    if (e->kind == EXPR_COLREF) {
        u32 t = e->u.col.binding.table;
        if (t == g->agg_index || t == g->group_index || t == g->win_index || (b->nsrfs && t == b->srf_index)) { *out = e; return MDB_OK_; }
        /* find the column's name for the message */
        const char *col = "?", *rel = NULL;
        for (int i = 0; i < b->scope.n; i++) {
            ScopeEntry *se = b->scope.entries[i];
            for (int c = 0; c < se->ncols; c++)
                if (se->bindings[c].table == t && se->bindings[c].column == e->u.col.binding.column) {
                    col = se->names[c];
                    rel = se->alias;
                }
        }
        if (rel)
            return err_set_pos(b->err, e->location, SQLSTATE_GROUPING_ERROR,
                               "column \"%s.%s\" must appear in the GROUP BY clause or be used in an aggregate function", rel, col);
        return err_set_pos(b->err, e->location, SQLSTATE_GROUPING_ERROR,
                           "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", col);
    }
    if (e->kind == EXPR_SUBQUERY) {
        Expr *c = arena_memdup(b->arena, e, sizeof(Expr));
        c->u.sub.outer_exprs = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(e->u.sub.nouter + 1));
        for (int i = 0; i < e->u.sub.nouter; i++)
            if (regroup(b, g, e->u.sub.outer_exprs[i], &c->u.sub.outer_exprs[i])) return MDB_FAIL;
        if (e->nargs) {
            c->args = arena_alloc(b->arena, sizeof(Expr *) * (size_t)e->nargs);
            c->args[1] = e->args[1];
            if (regroup(b, g, e->args[0], &c->args[0])) return MDB_FAIL;
        }
        *out = c;
        return MDB_OK_;
    }
    if (e->nargs == 0) { *out = e; return MDB_OK_; }
    Expr *c = arena_memdup(b->arena, e, sizeof(Expr));
    c->args = arena_alloc(b->arena, sizeof(Expr *) * (size_t)e->nargs);
    for (int i = 0; i < e->nargs; i++)
        if (regroup(b, g, e->args[i], &c->args[i])) return MDB_FAIL;
    *out = c;
    return MDB_OK_;
}

/* ---- select list ------------------------------------------------------------- */

typedef struct Target {
    Expr *expr;
    const char *name;
    PgQuery__Node *node;
} Target;

static int expand_star(Binder *b, const char *rel, int loc, Target **ts, int *n, int *cap)
{
    bool any = false;
    for (int i = 0; i < b->scope.n; i++) {
        ScopeEntry *e = b->scope.entries[i];
        if (rel && (!e->alias || strcmp(e->alias, rel))) continue;
        if (!rel && !e->alias && !e->exprs) continue;
        any = true;
        for (int c = 0; c < e->ncols; c++) {
            if (!rel && e->hidden && e->hidden[c]) continue;
            if (*n == *cap) {
                *cap *= 2;
                Target *nt = arena_alloc(b->arena, sizeof(Target) * (size_t)*cap);
                memcpy(nt, *ts, sizeof(Target) * (size_t)*n);
                *ts = nt;
            }
            Expr *x = e->exprs ? e->exprs[c] : expr_colref(b->arena, e->bindings[c], e->types[c], 0);
            (*ts)[(*n)++] = (Target){x, e->names[c], NULL};
        }
    }
    if (!any && rel) return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", rel);
    if (!any && !rel) return err_set_pos(b->err, loc, SQLSTATE_SYNTAX_ERROR, "SELECT * with no tables specified is not valid");
    return MDB_OK_;
}

static int bind_targets(Binder *b, PgQuery__Node **list, size_t n, Target **out, int *nout)
{
    int cap = (int)n + 8, cnt = 0;
    Target *ts = arena_alloc(b->arena, sizeof(Target) * (size_t)cap);
    for (size_t i = 0; i < n; i++) {
        PgQuery__ResTarget *rt = list[i]->res_target;
        PgQuery__Node *v = rt->val;
        if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
            PgQuery__ColumnRef *cr = v->column_ref;
            if (cr->fields[cr->n_fields - 1]->node_case == PG_QUERY__NODE__NODE_A_STAR) {
                const char *rel = cr->n_fields >= 2 ? node_str(cr->fields[cr->n_fields - 2]) : NULL;
                if (expand_star(b, rel, POS(cr->location), &ts, &cnt, &cap)) return MDB_FAIL;
                continue;
            }
        }
        if (cnt == cap) {
            cap *= 2;
            Target *nt = arena_alloc(b->arena, sizeof(Target) * (size_t)cap);
            memcpy(nt, ts, sizeof(Target) * (size_t)cnt);
            ts = nt;
        }
        Expr *e;
        if (bind_expr(b, v, &e)) return MDB_FAIL;
        ts[cnt++] = (Target){e, (rt->name && *rt->name) ? rt->name : binder_column_name(v), v};
    }
    *out = ts;
    *nout = cnt;
    return MDB_OK_;
}

/* ---- set operations and VALUES ------------------------------------------------ */

static int bind_values(Binder *b, PgQuery__SelectStmt *s, LogicalOp **out, char ***names)
{
    int nrows = (int)s->n_values_lists;
    int ncols = (int)s->values_lists[0]->list->n_items;
    Expr ***rows = arena_alloc(b->arena, sizeof(Expr **) * (size_t)nrows);
    for (int r = 0; r < nrows; r++) {
        PgQuery__List *l = s->values_lists[r]->list;
        if ((int)l->n_items != ncols) return err_set(b->err, SQLSTATE_SYNTAX_ERROR, "VALUES lists must all be the same length");
        rows[r] = arena_alloc(b->arena, sizeof(Expr *) * (size_t)ncols);
        for (int c = 0; c < ncols; c++) {
            if (l->items[c]->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT) {
                rows[r][c] = NULL; /* DEFAULT: resolved by INSERT */
                continue;
            }
            b->clause = "VALUES";
            if (bind_expr(b, l->items[c], &rows[r][c])) return MDB_FAIL;
            b->clause = NULL;
        }
    }
    Expr ***raw = arena_alloc(b->arena, sizeof(Expr **) * (size_t)nrows);
    for (int r = 0; r < nrows; r++) raw[r] = arena_memdup(b->arena, rows[r], sizeof(Expr *) * (size_t)ncols);
    LType *types = arena_alloc(b->arena, sizeof(LType) * (size_t)ncols);
    for (int c = 0; c < ncols; c++) {
        LType t = ltype(TYPE_NULL);
        bool unk = true;
        for (int r = 0; r < nrows; r++) {
            Expr *e = rows[r][c];
            if (!e) continue;
            bool eu = (e->kind == EXPR_CONST || e->kind == EXPR_PARAM) && (e->type.id == TYPE_NULL || (e->type.id == TYPE_TEXT && e->type.text_kind == TEXT_UNKNOWN));
            LType nt;
            if (!coerce_common(t, unk, e->type, eu, &nt)) {
                char b1[64], b2[64];
                return err_set_pos(b->err, e->location, SQLSTATE_DATATYPE_MISMATCH, "VALUES types %s and %s cannot be matched",
                                   type_name(t, b1, sizeof b1), type_name(e->type, b2, sizeof b2));
            }
            unk = unk && eu;
            t = nt;
        }
        /* all untyped: stays "unknown" so that INSERT can coerce it to the column */
        if (unk || t.id == TYPE_NULL || (t.id == TYPE_TEXT && t.text_kind == TEXT_UNKNOWN)) {
            t = ltype(TYPE_TEXT);
            t.text_kind = TEXT_UNKNOWN;
        }
        types[c] = t;
        for (int r = 0; r < nrows; r++)
            if (rows[r][c] && bind_cast(b, rows[r][c], t, false, &rows[r][c])) return MDB_FAIL;
    }
    LogicalOp *op = lop_new(b->arena, LOP_VALUES, 0);
    u32 ti = binder_new_table_index(b);
    lop_set_cols(b->arena, op, ti, types, ncols);
    op->u.values.nrows = nrows;
    op->u.values.rows = rows;
    op->u.values.raw = raw;
    op->u.values.table_index = ti;
    *names = arena_alloc(b->arena, sizeof(char *) * (size_t)ncols);
    for (int c = 0; c < ncols; c++) (*names)[c] = arena_printf(b->arena, "column%d", c + 1);
    *out = op;
    return MDB_OK_;
}

static LogicalOp *cast_cols(Binder *b, LogicalOp *plan, const LType *types)
{
    bool same = true;
    for (int i = 0; i < plan->ncols; i++) same = same && ltype_eq(plan->types[i], types[i]);
    if (same) return plan;
    LogicalOp *p = lop_new(b->arena, LOP_PROJECT, 1);
    p->children[0] = plan;
    u32 ti = binder_new_table_index(b);
    lop_set_cols(b->arena, p, ti, types, plan->ncols);
    p->u.project.table_index = ti;
    p->u.project.exprs = arena_alloc(b->arena, sizeof(Expr *) * (size_t)plan->ncols);
    for (int i = 0; i < plan->ncols; i++) {
        Expr *c = expr_colref(b->arena, plan->cols[i], plan->types[i], 0);
        if (!ltype_eq(plan->types[i], types[i])) bind_cast(b, c, types[i], false, &c);
        p->u.project.exprs[i] = c;
    }
    return p;
}

static int bind_select_core(Binder *b, PgQuery__SelectStmt *s, LogicalOp **out, char ***names);
static const char *lock_clause_name(const PgQuery__SelectStmt *s);

/* True when output column i of a branch is an untyped literal (NULL or a
 * quoted string) that the select list turned into text: a set operation
 * resolves it against the other branch's type, as PostgreSQL does. */
static bool literal_column(const LogicalOp *p, int i)
{
    while (p && (p->kind == LOP_ORDER || p->kind == LOP_LIMIT || p->kind == LOP_DISTINCT)) p = p->children[0];
    if (!p || p->kind != LOP_PROJECT || i >= p->ncols) return false;
    const Expr *e = p->u.project.exprs[i];
    return e->kind == EXPR_CONST && e->type.id == TYPE_TEXT && e->literal;
}

static int bind_setop(Binder *b, PgQuery__SelectStmt *s, LogicalOp **out, char ***names)
{
    LogicalOp *l = NULL, *r = NULL;
    char **ln, **rn;
    Binder lb, rb;
    binder_init(&lb, b->arena, b->cat, b->settings, b->err, b->shared, b->parent);
    lb.ctes = b->ctes;
    binder_init(&rb, b->arena, b->cat, b->settings, b->err, b->shared, b->parent);
    rb.ctes = b->ctes;
    if (bind_select(&lb, s->larg, &l, &ln) || bind_select(&rb, s->rarg, &r, &rn)) return MDB_FAIL;
    /* forward correlated references of both sides */
    for (int i = 0; i < lb.nouter + rb.nouter; i++) {
        (void)i;
        return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "correlated set operations are not supported yet");
    }
    const char *opname = s->op == PG_QUERY__SET_OPERATION__SETOP_UNION ? "UNION" : s->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? "INTERSECT" : "EXCEPT";
    bool lu[1024] = {0}, ru[1024] = {0};
    for (int i = 0; i < l->ncols && i < 1024; i++) lu[i] = l->types[i].id == TYPE_NULL || l->types[i].text_kind == TEXT_UNKNOWN || literal_column(l, i);
    for (int i = 0; i < r->ncols && i < 1024; i++) ru[i] = r->types[i].id == TYPE_NULL || r->types[i].text_kind == TEXT_UNKNOWN || literal_column(r, i);
    if (l->ncols != r->ncols) return err_set(b->err, SQLSTATE_SYNTAX_ERROR, "each %s query must have the same number of columns", opname);
    LType *types = arena_alloc(b->arena, sizeof(LType) * (size_t)(l->ncols + 1));
    for (int i = 0; i < l->ncols; i++) {
        if (!coerce_common(l->types[i], i < 1024 && lu[i], r->types[i], i < 1024 && ru[i], &types[i])) {
            char b1[64], b2[64];
            return err_set(b->err, SQLSTATE_DATATYPE_MISMATCH, "%s types %s and %s cannot be matched", opname,
                           type_name(l->types[i], b1, sizeof b1), type_name(r->types[i], b2, sizeof b2));
        }
        if (types[i].id == TYPE_NULL || types[i].text_kind == TEXT_UNKNOWN) types[i] = ltype(TYPE_TEXT);
    }
    LogicalOp *op = lop_new(b->arena, LOP_SETOP, 2);
    op->children[0] = cast_cols(b, l, types);
    op->children[1] = cast_cols(b, r, types);
    u32 ti = binder_new_table_index(b);
    lop_set_cols(b->arena, op, ti, types, l->ncols);
    op->u.setop.op = s->op == PG_QUERY__SET_OPERATION__SETOP_UNION ? SETOP_UNION : s->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? SETOP_INTERSECT : SETOP_EXCEPT;
    op->u.setop.all = s->all;
    op->u.setop.table_index = ti;
    *names = ln;
    *out = op;
    return MDB_OK_;
}

/* ORDER BY / LIMIT that apply to a set operation or VALUES as a whole. */
static int bind_outer_order_limit(Binder *b, PgQuery__SelectStmt *s, LogicalOp *plan, char **names, LogicalOp **out)
{
    if (s->n_sort_clause) {
        ScopeEntry *e = entry_for_plan(b, plan, names, NULL, NULL);
        Scope saved = b->scope;
        memset(&b->scope, 0, sizeof(b->scope));
        scope_add(b, e);
        LogicalOp *o = wrap(b, LOP_ORDER, plan);
        o->u.order.nkeys = (int)s->n_sort_clause;
        o->u.order.keys = arena_zalloc(b->arena, sizeof(SortKey) * s->n_sort_clause);
        for (size_t i = 0; i < s->n_sort_clause; i++) {
            PgQuery__SortBy *sb = s->sort_clause[i]->sort_by;
            Expr *k = NULL;
            PgQuery__Node *n = sb->node;
            if (n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
                int ord = n->a_const->ival->ival;
                if (ord < 1 || ord > plan->ncols) {
                    b->scope = saved;
                    return err_set_pos(b->err, POS(n->a_const->location), SQLSTATE_INVALID_COLUMN_REFERENCE, "ORDER BY position %d is not in select list", ord);
                }
                k = expr_colref(b->arena, plan->cols[ord - 1], plan->types[ord - 1], 0);
            } else if (bind_expr(b, n, &k)) {
                b->scope = saved;
                return MDB_FAIL;
            }
            SortKey *sk = &o->u.order.keys[i];
            sk->expr = k;
            sk->desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
            sk->nulls_first = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                              (sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_DEFAULT && sk->desc);
        }
        b->scope = saved;
        plan = o;
    }
    if (s->limit_count || s->limit_offset) {
        LogicalOp *l = wrap(b, LOP_LIMIT, plan);
        Scope saved = b->scope;
        memset(&b->scope, 0, sizeof(b->scope));
        if (s->limit_count && !(s->limit_count->node_case == PG_QUERY__NODE__NODE_A_CONST && s->limit_count->a_const->isnull)) {
            b->clause = "LIMIT";
            if (bind_expr(b, s->limit_count, &l->u.limit.limit) || bind_cast(b, l->u.limit.limit, ltype(TYPE_INT64), false, &l->u.limit.limit)) { b->scope = saved; return MDB_FAIL; }
        }
        if (s->limit_offset) {
            b->clause = "OFFSET";
            if (bind_expr(b, s->limit_offset, &l->u.limit.offset) || bind_cast(b, l->u.limit.offset, ltype(TYPE_INT64), false, &l->u.limit.offset)) { b->scope = saved; return MDB_FAIL; }
        }
        b->scope = saved;
        b->clause = NULL;
        plan = l;
    }
    *out = plan;
    return MDB_OK_;
}

/* ---- WITH ------------------------------------------------------------------------ */

static int bind_with(Binder *b, PgQuery__WithClause *w)
{
    for (size_t i = 0; i < w->n_ctes; i++) {
        PgQuery__CommonTableExpr *cte = w->ctes[i]->common_table_expr;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(w->ctes[k]->common_table_expr->ctename, cte->ctename))
                return err_set_pos(b->err, cte->location + 1, "42712", "WITH query name \"%s\" specified more than once", cte->ctename);
        CteDef *c = arena_zalloc(b->arena, sizeof(CteDef));
        c->name = cte->ctename;
        c->query = cte->ctequery;
        BindShared *sh = b->shared;
        c->id = sh->ncte++;
        if (sh->ncte > sh->cte_cap) {
            int cap = sh->cte_cap ? sh->cte_cap * 2 : 8;
            LogicalOp **np = arena_zalloc(b->arena, sizeof(LogicalOp *) * (size_t)cap);
            if (sh->cte_cap) memcpy(np, sh->cte_plans, sizeof(LogicalOp *) * (size_t)sh->cte_cap);
            sh->cte_plans = np;
            sh->cte_cap = cap;
        }
        PgQuery__SelectStmt *q = cte->ctequery->select_stmt;
        if (cte->ctequery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
            return err_set_pos(b->err, POS(cte->location), SQLSTATE_FEATURE_NOT_SUPPORTED, "data-modifying statements in WITH are not supported");
        Binder sub;
        binder_init(&sub, b->arena, b->cat, b->settings, b->err, b->shared, b->parent);
        sub.ctes = b->ctes;
        LogicalOp *plan;
        char **names;
        bool recursive = w->recursive && q->op == PG_QUERY__SET_OPERATION__SETOP_UNION;
        if (recursive) {
            /* bind the anchor, expose the working table, bind the step */
            if (bind_select(&sub, q->larg, &plan, &names)) return MDB_FAIL;
            c->ncols = plan->ncols;
            c->types = plan->types;
            c->names = names;
            for (size_t k = 0; k < cte->n_aliascolnames && (int)k < c->ncols; k++) c->names[k] = (char *)node_str(cte->aliascolnames[k]);
            CteDef *work = arena_memdup(b->arena, c, sizeof(CteDef));
            work->id = sh->ncte++;
            if (sh->ncte > sh->cte_cap) {
                int cap = sh->cte_cap * 2;
                LogicalOp **np = arena_zalloc(b->arena, sizeof(LogicalOp *) * (size_t)cap);
                memcpy(np, sh->cte_plans, sizeof(LogicalOp *) * (size_t)sh->cte_cap);
                sh->cte_plans = np;
                sh->cte_cap = cap;
            }
            work->recursive_ref = true;
            work->next = b->ctes;
            Binder step;
            binder_init(&step, b->arena, b->cat, b->settings, b->err, b->shared, b->parent);
            step.ctes = work;
            LogicalOp *sp;
            char **sn;
            if (bind_select(&step, q->rarg, &sp, &sn)) return MDB_FAIL;
            for (LogicalOp *x = sp; x; x = x->nchildren == 1 ? x->children[0] : NULL) {
                if (x->kind == LOP_AGGREGATE)
                    return err_set(b->err, "42P19", "aggregate functions are not allowed in a recursive query's recursive term");
                if (x->kind == LOP_WINDOW)
                    return err_set(b->err, "42P19", "window functions are not allowed in a recursive query's recursive term");
                if (x->kind == LOP_JOIN || x->kind == LOP_GET || x->kind == LOP_CTE_SCAN) break;
            }
            if (sp->ncols != plan->ncols) return err_set(b->err, SQLSTATE_SYNTAX_ERROR, "each UNION query must have the same number of columns");
            sp = cast_cols(b, sp, plan->types);
            LogicalOp *rec = lop_new(b->arena, LOP_RECURSIVE, 2);
            rec->children[0] = plan;
            rec->children[1] = sp;
            u32 ti = binder_new_table_index(b);
            lop_set_cols(b->arena, rec, ti, plan->types, plan->ncols);
            rec->u.setop.all = q->all;
            rec->u.setop.table_index = ti;
            /* u.cte.cte_id of the working table travels in u.setop.op */
            rec->u.setop.op = work->id;
            plan = rec;
        } else {
            if (bind_select(&sub, q, &plan, &names)) return MDB_FAIL;
            c->ncols = plan->ncols;
            c->types = plan->types;
            c->names = names;
            for (size_t k = 0; k < cte->n_aliascolnames && (int)k < c->ncols; k++) c->names[k] = (char *)node_str(cte->aliascolnames[k]);
        }
        if (sub.nouter) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "correlated WITH queries are not supported yet");
        c->plan = plan;
        sh->cte_plans[c->id] = plan;
        c->next = b->ctes;
        b->ctes = c;
    }
    return MDB_OK_;
}

/* ---- SELECT ------------------------------------------------------------------------ */

int bind_select(Binder *b, PgQuery__SelectStmt *s, LogicalOp **out, char ***names)
{
    if (s->with_clause && bind_with(b, s->with_clause)) return MDB_FAIL;
    LogicalOp *plan = NULL;
    if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED) {
        if (s->n_locking_clause)
            return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with UNION/INTERSECT/EXCEPT", lock_clause_name(s));
        if (bind_setop(b, s, &plan, names)) return MDB_FAIL;
        return bind_outer_order_limit(b, s, plan, *names, out);
    }
    if (s->n_values_lists) {
        if (s->n_locking_clause) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s cannot be applied to VALUES", lock_clause_name(s));
        if (bind_values(b, s, &plan, names)) return MDB_FAIL;
        return bind_outer_order_limit(b, s, plan, *names, out);
    }
    return bind_select_core(b, s, out, names);
}

static bool contains_kind(const Expr *e, ExprKind k)
{
    if (!e) return false;
    if (e->kind == k) return true;
    for (int i = 0; i < e->nargs; i++)
        if (contains_kind(e->args[i], k)) return true;
    return false;
}

static int bind_group_item(Binder *b, PgQuery__Node *n, Target *ts, int nts, Expr ***groups, int *ngroups, int *cap)
{
    Expr *e = NULL;
    if (n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
        int ord = n->a_const->ival->ival;
        if (ord < 1 || ord > nts)
            return err_set_pos(b->err, POS(n->a_const->location), SQLSTATE_INVALID_COLUMN_REFERENCE, "GROUP BY position %d is not in select list", ord);
        e = ts[ord - 1].expr;
    } else if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && n->column_ref->n_fields == 1) {
        /* a name: FROM columns first, then output names (PostgreSQL's rule) */
        Err tmp = {0};
        Err *saved = b->err;
        b->err = &tmp;
        int rc = bind_expr(b, n, &e);
        b->err = saved;
        if (rc) {
            const char *nm = node_str(n->column_ref->fields[0]);
            e = NULL;
            for (int i = 0; i < nts; i++)
                if (ts[i].name && !strcmp(ts[i].name, nm)) { e = ts[i].expr; break; }
            if (!e) { err_move(b->err, &tmp); return MDB_FAIL; }
        }
        err_clear(&tmp);
    } else if (bind_expr(b, n, &e)) {
        return MDB_FAIL;
    }
    if (contains_kind(e, EXPR_AGGREF) || (e->kind == EXPR_COLREF && e->u.col.binding.table == b->agg_index))
        return err_set_pos(b->err, e->location, SQLSTATE_GROUPING_ERROR, "aggregate functions are not allowed in GROUP BY");
    for (int i = 0; i < *ngroups; i++)
        if (expr_equal((*groups)[i], e)) return MDB_OK_;
    if (*ngroups == *cap) {
        *cap *= 2;
        Expr **ng = arena_alloc(b->arena, sizeof(Expr *) * (size_t)*cap);
        memcpy(ng, *groups, sizeof(Expr *) * (size_t)*ngroups);
        *groups = ng;
    }
    (*groups)[(*ngroups)++] = e;
    return MDB_OK_;
}

static int group_index_of(Expr **groups, int n, Expr *e)
{
    for (int i = 0; i < n; i++)
        if (expr_equal(groups[i], e)) return i;
    return -1;
}

/* The select list's set-returning calls, run after grouping and windows: one
 * LATERAL apply of a table function per nesting level (the calls of a level
 * in lockstep, like PG's ProjectSet nodes; the planner makes each a
 * ProjectSet operator).  A call's arguments are the apply's outer
 * expressions; its output column is the call's reference (srf_index, i). */
static LogicalOp *plan_srfs(Binder *b, LogicalOp *plan)
{
    int maxlevel = 0;
    for (int i = 0; i < b->nsrfs; i++) maxlevel = MDB_MAX(maxlevel, b->srfs[i].level);
    for (int lv = 1; lv <= maxlevel; lv++) {
        int nf = 0, na = 0;
        for (int i = 0; i < b->nsrfs; i++)
            if (b->srfs[i].level == lv) nf++, na += b->srfs[i].nargs;
        if (nf == 0) continue;
        LogicalOp *tf = lop_new(b->arena, LOP_TABLEFUNC, 0);
        tf->u.tfunc.table_index = b->srf_index;
        tf->u.tfunc.nfuncs = nf;
        tf->u.tfunc.funcs = arena_alloc(b->arena, sizeof(int) * (size_t)nf);
        tf->u.tfunc.func_nargs = arena_alloc(b->arena, sizeof(int) * (size_t)nf);
        tf->u.tfunc.nargs = na;
        tf->u.tfunc.args = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(na + 1));
        tf->ncols = nf;
        tf->cols = arena_alloc(b->arena, sizeof(ColBinding) * (size_t)(nf + 1));
        tf->types = arena_alloc(b->arena, sizeof(LType) * (size_t)(nf + 1));
        LogicalOp *ap = lop_new(b->arena, LOP_APPLY, 1);
        ap->children[0] = plan;
        ap->u.apply.sub = tf;
        ap->u.apply.nouter = na;
        ap->u.apply.outer_exprs = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(na + 1));
        int f = 0, k = 0;
        for (int i = 0; i < b->nsrfs; i++) {
            SrfCall *c = &b->srfs[i];
            if (c->level != lv) continue;
            tf->u.tfunc.funcs[f] = c->func;
            tf->u.tfunc.func_nargs[f] = c->nargs;
            tf->cols[f] = (ColBinding){b->srf_index, (u32)i};
            tf->types[f] = c->type;
            for (int a = 0; a < c->nargs; a++, k++) {
                Expr *slot = expr_new(b->arena, EXPR_OUTER, c->args[a]->type, c->args[a]->location);
                slot->u.outer.slot = k;
                tf->u.tfunc.args[k] = slot;
                ap->u.apply.outer_exprs[k] = c->args[a];
            }
            f++;
        }
        lop_concat_cols(b->arena, ap, plan, tf);
        plan = ap;
    }
    return plan;
}

/* ---- SELECT … FOR UPDATE / FOR SHARE: which tables, and their row ids ------------------------ */

static const char *lock_strength_name(PgQuery__LockClauseStrength st)
{
    switch (st) {
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORKEYSHARE: return "FOR KEY SHARE";
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORSHARE: return "FOR SHARE";
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORNOKEYUPDATE: return "FOR NO KEY UPDATE";
    default: return "FOR UPDATE";
    }
}

/* The strength named by the first locking clause, for PostgreSQL's messages. */
static const char *lock_clause_name(const PgQuery__SelectStmt *s)
{
    const PgQuery__Node *n = s->locking_clause[0];
    return n->node_case == PG_QUERY__NODE__NODE_LOCKING_CLAUSE ? lock_strength_name(n->locking_clause->strength) : "FOR UPDATE";
}

/* The operator that defines bindings of table index ti (a FROM item's columns), or NULL. */
static LogicalOp *lock_find_item(LogicalOp *op, u32 ti)
{
    if (!op) return NULL;
    switch (op->kind) {
    case LOP_GET: if (op->u.get.table_index == ti) return op; break;
    case LOP_CTE_SCAN: if (op->u.cte.table_index == ti) return op; break;
    case LOP_TABLEFUNC: if (op->u.tfunc.table_index == ti) return op; break;
    case LOP_VALUES: if (op->u.values.table_index == ti) return op; break;
    case LOP_PROJECT: if (op->u.project.table_index == ti) return op; break;
    case LOP_SYSTEM: if (op->u.sys.table_index == ti) return op; break;
    case LOP_SETOP: if (op->u.setop.table_index == ti) return op; break;
    case LOP_APPLY: {
        LogicalOp *f = lock_find_item(op->u.apply.sub, ti);
        if (f) return f;
        break;
    }
    default: break;
    }
    if (op->kind == LOP_PROJECT || op->kind == LOP_SETOP) return NULL; /* a subquery's insides are not FROM items */
    for (int c = 0; c < op->nchildren; c++) {
        LogicalOp *f = lock_find_item(op->children[c], ti);
        if (f) return f;
    }
    return NULL;
}

/* Adds the row id column to the table scan of ti under op (and to the columns of the joins and
 * filters above it); *nullable: the scan is on the nullable side of an outer join. */
static bool lock_add_rowid(Binder *b, LogicalOp *op, u32 ti, bool inner_nullable, bool *nullable, ColBinding *out)
{
    if (!op) return false;
    if (op->kind == LOP_GET) {
        if (op->u.get.table_index != ti) return false;
        int n = op->ncols;
        ColBinding *cb = arena_alloc(b->arena, sizeof(ColBinding) * (size_t)(n + 2));
        LType *ty = arena_alloc(b->arena, sizeof(LType) * (size_t)(n + 2));
        int *ids = arena_alloc(b->arena, sizeof(int) * (size_t)(n + 2));
        memcpy(cb, op->cols, sizeof(ColBinding) * (size_t)n);
        memcpy(ty, op->types, sizeof(LType) * (size_t)n);
        memcpy(ids, op->u.get.col_ids, sizeof(int) * (size_t)n);
        /* the row id's binding follows the table's columns, as for UPDATE / DELETE (dml.c) */
        cb[n] = (ColBinding){ti, (u32)op->u.get.table->ncols};
        ty[n] = ltype(TYPE_INT64);
        ids[n] = -1;
        op->cols = cb;
        op->types = ty;
        op->u.get.col_ids = ids;
        op->ncols = n + 1;
        op->u.get.ncols_scan = n + 1;
        *out = cb[n];
        *nullable = inner_nullable;
        return true;
    }
    if (op->kind == LOP_PROJECT || op->kind == LOP_SETOP || op->kind == LOP_AGGREGATE) return false;
    for (int c = 0; c < op->nchildren; c++) {
        bool nl = inner_nullable;
        if (op->kind == LOP_JOIN) {
            JoinType jt = op->u.join.type;
            if (jt == JOIN_FULL || (jt == JOIN_LEFT && c == 1) || (jt == JOIN_RIGHT && c == 0)) nl = true;
        }
        if (!lock_add_rowid(b, op->children[c], ti, nl, nullable, out)) continue;
        /* the new column passes through the operators above the scan */
        if (op->kind == LOP_JOIN && op->u.join.type != JOIN_SEMI && op->u.join.type != JOIN_ANTI)
            lop_concat_cols(b->arena, op, op->children[0], op->children[1]);
        else if (op->kind == LOP_APPLY)
            lop_concat_cols(b->arena, op, op->children[0], op->u.apply.sub);
        else if (op->kind == LOP_FILTER || op->kind == LOP_JOIN)
            lop_inherit_cols(b->arena, op, op->children[0]);
        return true;
    }
    return false;
}

/* Records that table entry e is locked in `mode` / `wait` (the strongest of the clauses naming it). */
static void lock_note(Binder *b, LockSpec **specs, ScopeEntry ***ents, int *n, int *cap, ScopeEntry *e, int mode, int wait)
{
    for (int i = 0; i < *n; i++)
        if ((*ents)[i] == e) {
            if (mode > (*specs)[i].mode) (*specs)[i].mode = mode;
            if (wait > (*specs)[i].wait) (*specs)[i].wait = wait;
            return;
        }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        LockSpec *ns = arena_zalloc(b->arena, sizeof(LockSpec) * (size_t)*cap);
        ScopeEntry **ne = arena_zalloc(b->arena, sizeof(ScopeEntry *) * (size_t)*cap);
        if (*n) {
            memcpy(ns, *specs, sizeof(LockSpec) * (size_t)*n);
            memcpy(ne, *ents, sizeof(ScopeEntry *) * (size_t)*n);
        }
        *specs = ns;
        *ents = ne;
    }
    (*specs)[*n] = (LockSpec){e->table, NULL, mode, wait};
    (*ents)[*n] = e;
    (*n)++;
}

/* Why FROM item e (not a table) cannot be locked: PostgreSQL's message, or ours. */
static int lock_refuse_item(Binder *b, const char *what, ScopeEntry *e, LogicalOp *plan, int loc)
{
    LogicalOp *item = e->ncols > 0 ? lock_find_item(plan, e->bindings[0].table) : NULL;
    LogicalKind k = item ? item->kind : LOP_PROJECT;
    if (k == LOP_CTE_SCAN) return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s cannot be applied to a WITH query", what);
    if (k == LOP_TABLEFUNC) return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s cannot be applied to a function", what);
    if (k == LOP_VALUES) return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s cannot be applied to VALUES", what);
    if (k == LOP_SYSTEM) return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s cannot be applied to a system relation", what);
    return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s of a subquery or view in FROM is not supported", what);
}

/* The tables the locking clauses of s lock (FROM items of this SELECT; all of its tables when a
 * clause has no OF list), each with a row id column added to its scan.  *specs[i].rowid is
 * the row id's binding (a column reference), to be carried up to the LockRows operator. */
static int bind_locking(Binder *b, PgQuery__SelectStmt *s, LogicalOp *plan, LockSpec **out, int *nout)
{
    const char *what = lock_clause_name(s);
    LockSpec *specs = NULL;
    ScopeEntry **ents = NULL;
    int n = 0, cap = 0;
    for (size_t c = 0; c < s->n_locking_clause; c++) {
        if (s->locking_clause[c]->node_case != PG_QUERY__NODE__NODE_LOCKING_CLAUSE) continue;
        PgQuery__LockingClause *lc = s->locking_clause[c]->locking_clause;
        const char *cw = lock_strength_name(lc->strength);
        int mode = lc->strength == PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORKEYSHARE ? ROWLOCK_KEY_SHARE
                   : lc->strength == PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORSHARE ? ROWLOCK_SHARE
                   : lc->strength == PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORNOKEYUPDATE ? ROWLOCK_NO_KEY_UPDATE
                   : ROWLOCK_UPDATE;
        int wait = lc->wait_policy == PG_QUERY__LOCK_WAIT_POLICY__LockWaitError ? LOCKWAIT_NOWAIT
                   : lc->wait_policy == PG_QUERY__LOCK_WAIT_POLICY__LockWaitSkip ? LOCKWAIT_SKIP
                   : LOCKWAIT_BLOCK;
        if (lc->n_locked_rels == 0) {
            for (int i = 0; i < b->scope.n; i++) {
                ScopeEntry *e = b->scope.entries[i];
                if (!e->alias) continue; /* a join's merged columns */
                if (e->table) {
                    lock_note(b, &specs, &ents, &n, &cap, e, mode, wait);
                    continue;
                }
                /* functions, VALUES, WITH queries and system relations hold no rows to lock
                 * (PostgreSQL ignores them too); subqueries and views are refused */
                LogicalOp *item = e->ncols > 0 ? lock_find_item(plan, e->bindings[0].table) : NULL;
                if (item && (item->kind == LOP_CTE_SCAN || item->kind == LOP_TABLEFUNC || item->kind == LOP_VALUES ||
                             item->kind == LOP_SYSTEM))
                    continue;
                return lock_refuse_item(b, cw, e, plan, -1);
            }
            continue;
        }
        for (size_t r = 0; r < lc->n_locked_rels; r++) {
            PgQuery__Node *rn = lc->locked_rels[r];
            if (rn->node_case != PG_QUERY__NODE__NODE_RANGE_VAR) continue;
            PgQuery__RangeVar *rv = rn->range_var;
            int loc = POS(rv->location);
            if (rv->schemaname && *rv->schemaname)
                return err_set_pos(b->err, loc, SQLSTATE_SYNTAX_ERROR, "%s must specify unqualified relation names", cw);
            ScopeEntry *e = NULL;
            for (int i = 0; i < b->scope.n && !e; i++)
                if (b->scope.entries[i]->alias && !strcmp(b->scope.entries[i]->alias, rv->relname)) e = b->scope.entries[i];
            if (!e)
                return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" in %s clause not found in FROM clause", rv->relname, cw);
            if (!e->table) return lock_refuse_item(b, cw, e, plan, loc);
            lock_note(b, &specs, &ents, &n, &cap, e, mode, wait);
        }
    }
    for (int i = 0; i < n; i++) {
        ScopeEntry *e = ents[i];
        if (e->ncols == 0) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s of a table without columns is not supported", what);
        bool nullable = false;
        ColBinding rid;
        if (!lock_add_rowid(b, plan, e->bindings[0].table, false, &nullable, &rid))
            return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s cannot lock \"%s\" here", what, e->alias);
        if (nullable) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s cannot be applied to the nullable side of an outer join", what);
        specs[i].rowid = expr_colref(b->arena, rid, ltype(TYPE_INT64), 0);
    }
    *out = specs;
    *nout = n;
    return MDB_OK_;
}

static int bind_select_core(Binder *b, PgQuery__SelectStmt *s, LogicalOp **out, char ***names)
{
    b->cur_select = s;
    /* SELECT … FOR UPDATE: each result row must be one row of each locked table (PostgreSQL's
     * checks, in its order; the aggregate, window and set-returning ones after the select list) */
    const char *lockwhat = s->n_locking_clause ? lock_clause_name(s) : NULL;
    if (lockwhat) {
        if (s->n_distinct_clause) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with DISTINCT clause", lockwhat);
        if (s->n_group_clause) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with GROUP BY clause", lockwhat);
        if (s->having_clause) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with HAVING clause", lockwhat);
    }
    LogicalOp *plan = NULL;
    if (bind_from(b, s, &plan)) return MDB_FAIL;
    if (s->where_clause) {
        Expr *w;
        b->agg_allowed = false;
        b->clause = "WHERE";
        if (bind_expr(b, s->where_clause, &w)) return MDB_FAIL;
        b->clause = NULL;
        if (w->type.id != TYPE_BOOL) {
            if (w->kind == EXPR_CONST && (w->type.id == TYPE_NULL || w->type.text_kind == TEXT_UNKNOWN)) {
                if (bind_cast(b, w, ltype(TYPE_BOOL), false, &w)) return MDB_FAIL;
            } else {
                char tb[64];
                return err_set_pos(b->err, w->location, SQLSTATE_DATATYPE_MISMATCH, "argument of WHERE must be type boolean, not type %s", type_name(w->type, tb, sizeof tb));
            }
        }
        LogicalOp *f = wrap(b, LOP_FILTER, plan);
        f->u.filter.pred = w;
        plan = f;
    }
    /* select list (aggregates and window calls are collected on the way) */
    b->agg_index = binder_new_table_index(b);
    b->win_index = binder_new_table_index(b);
    b->agg_allowed = true;
    b->nsrfs = 0;
    b->srf_index = binder_new_table_index(b);
    Target *ts;
    int nts;
    b->srf_allowed = true;
    if (bind_targets(b, s->target_list, s->n_target_list, &ts, &nts)) return MDB_FAIL;
    b->srf_allowed = false;
    if (lockwhat) {
        if (b->naggs || b->ngroupings) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with aggregate functions", lockwhat);
        if (b->nwins) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with window functions", lockwhat);
        if (b->nsrfs) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with set-returning functions in the target list", lockwhat);
    }
    int nwins_select = b->nwins;
    (void)nwins_select;
    /* GROUP BY */
    int gcap = 8, ngroups = 0;
    Expr **groups = arena_alloc(b->arena, sizeof(Expr *) * (size_t)gcap);
    int nsets = 0;
    u64 *sets = NULL;
    b->agg_allowed = false;
    b->clause = "GROUP BY"; /* for "aggregate functions are not allowed in GROUP BY" */
    for (size_t i = 0; i < s->n_group_clause; i++) {
        PgQuery__Node *g = s->group_clause[i];
        if (g->node_case == PG_QUERY__NODE__NODE_GROUPING_SET) {
            PgQuery__GroupingSet *gs = g->grouping_set;
            /* expand ROLLUP / CUBE / GROUPING SETS into explicit sets */
            int nitems = (int)gs->n_content;
            u64 item_mask[64];
            if (nitems > 12) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "too many grouping set items");
            for (int k = 0; k < nitems; k++) {
                PgQuery__Node *it = gs->content[k];
                item_mask[k] = 0;
                if (it->node_case == PG_QUERY__NODE__NODE_LIST || it->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
                    /* (a, b) inside GROUPING SETS arrives as a list or a row constructor */
                    PgQuery__Node **items = it->node_case == PG_QUERY__NODE__NODE_LIST ? it->list->items : it->row_expr->args;
                    size_t nitems_in = it->node_case == PG_QUERY__NODE__NODE_LIST ? it->list->n_items : it->row_expr->n_args;
                    for (size_t m = 0; m < nitems_in; m++) {
                        if (bind_group_item(b, items[m], ts, nts, &groups, &ngroups, &gcap)) return MDB_FAIL;
                        Expr *last = NULL;
                        /* find index of the item just bound */
                        Expr *tmp;
                        if (items[m]->node_case == PG_QUERY__NODE__NODE_A_CONST) tmp = ts[items[m]->a_const->ival->ival - 1].expr;
                        else if (bind_expr(b, items[m], &tmp)) return MDB_FAIL;
                        last = tmp;
                        item_mask[k] |= (u64)1 << group_index_of(groups, ngroups, last);
                    }
                } else if (it->node_case == PG_QUERY__NODE__NODE_GROUPING_SET && it->grouping_set->kind == PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_EMPTY) {
                    item_mask[k] = 0;
                } else {
                    if (bind_group_item(b, it, ts, nts, &groups, &ngroups, &gcap)) return MDB_FAIL;
                    Expr *tmp;
                    if (it->node_case == PG_QUERY__NODE__NODE_A_CONST) tmp = ts[it->a_const->ival->ival - 1].expr;
                    else if (bind_expr(b, it, &tmp)) return MDB_FAIL;
                    item_mask[k] = (u64)1 << group_index_of(groups, ngroups, tmp);
                }
            }
            int nnew = 0;
            u64 newsets[4096];
            switch (gs->kind) {
            case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_ROLLUP:
                for (int k = nitems; k >= 0; k--) {
                    u64 m = 0;
                    for (int q = 0; q < k; q++) m |= item_mask[q];
                    newsets[nnew++] = m;
                }
                break;
            case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_CUBE:
                for (int k = (1 << nitems) - 1; k >= 0; k--) {
                    u64 m = 0;
                    for (int q = 0; q < nitems; q++)
                        if (k & (1 << q)) m |= item_mask[q];
                    newsets[nnew++] = m;
                }
                break;
            case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_EMPTY:
                newsets[nnew++] = 0;
                break;
            default:
                for (int k = 0; k < nitems; k++) newsets[nnew++] = item_mask[k];
            }
            /* cross product with the sets so far */
            if (nsets == 0) {
                sets = arena_alloc(b->arena, sizeof(u64) * (size_t)nnew);
                memcpy(sets, newsets, sizeof(u64) * (size_t)nnew);
                nsets = nnew;
            } else {
                u64 *ns = arena_alloc(b->arena, sizeof(u64) * (size_t)(nsets * nnew));
                int c = 0;
                for (int x = 0; x < nsets; x++)
                    for (int y = 0; y < nnew; y++) ns[c++] = sets[x] | newsets[y];
                sets = ns;
                nsets = c;
            }
        } else {
            int before = ngroups;
            if (bind_group_item(b, g, ts, nts, &groups, &ngroups, &gcap)) return MDB_FAIL;
            if (nsets > 0 && ngroups > before)
                for (int x = 0; x < nsets; x++) sets[x] |= (u64)1 << (ngroups - 1);
        }
    }
    b->clause = NULL;
    if (nsets > 0) {
        /* plain items before the first grouping set belong to every set */
        u64 plain = 0;
        for (int gi = 0; gi < ngroups; gi++) {
            bool in_any = false;
            for (int x = 0; x < nsets; x++) in_any |= (sets[x] >> gi) & 1;
            if (!in_any) plain |= (u64)1 << gi;
        }
        for (int x = 0; x < nsets; x++) sets[x] |= plain;
    }
    /* HAVING */
    Expr *having = NULL;
    if (s->having_clause) {
        b->agg_allowed = true;
        b->clause = "HAVING";
        if (bind_expr(b, s->having_clause, &having)) return MDB_FAIL;
        b->clause = NULL;
        if (having->type.id != TYPE_BOOL) {
            char tb[64];
            return err_set_pos(b->err, having->location, SQLSTATE_DATATYPE_MISMATCH, "argument of HAVING must be type boolean, not type %s", type_name(having->type, tb, sizeof tb));
        }
    }
    /* ORDER BY keys bound in the FROM scope too (before grouping check) */
    int nkeys = (int)s->n_sort_clause;
    SortKey *keys = arena_zalloc(b->arena, sizeof(SortKey) * (size_t)(nkeys + 1));
    int *key_target = arena_alloc(b->arena, sizeof(int) * (size_t)(nkeys + 1));
    b->agg_allowed = true;
    for (int i = 0; i < nkeys; i++) {
        PgQuery__SortBy *sb = s->sort_clause[i]->sort_by;
        PgQuery__Node *n = sb->node;
        key_target[i] = -1;
        keys[i].desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        keys[i].nulls_first = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                              (sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_DEFAULT && keys[i].desc);
        if (n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
            int ord = n->a_const->ival->ival;
            if (ord < 1 || ord > nts)
                return err_set_pos(b->err, POS(n->a_const->location), SQLSTATE_INVALID_COLUMN_REFERENCE, "ORDER BY position %d is not in select list", ord);
            key_target[i] = ord - 1;
            continue;
        }
        if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && n->column_ref->n_fields == 1 &&
            n->column_ref->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
            const char *nm = node_str(n->column_ref->fields[0]);
            int found = -1, cnt = 0;
            for (int t = 0; t < nts; t++)
                if (ts[t].name && !strcmp(ts[t].name, nm) && ts[t].node) {
                    if (found >= 0 && !expr_equal(ts[found].expr, ts[t].expr)) cnt++;
                    if (found < 0) found = t;
                }
            if (cnt > 0) return err_set_pos(b->err, POS(n->column_ref->location), SQLSTATE_AMBIGUOUS_COLUMN, "ORDER BY \"%s\" is ambiguous", nm);
            if (found >= 0) { key_target[i] = found; continue; }
        }
        b->srf_allowed = true;
        if (bind_expr(b, n, &keys[i].expr)) return MDB_FAIL;
        b->srf_allowed = false;
        for (int t = 0; t < nts; t++)
            if (expr_equal(ts[t].expr, keys[i].expr)) { key_target[i] = t; break; }
    }
    bool has_agg = b->naggs > 0 || ngroups > 0 || having || nsets > 0 || b->ngroupings > 0;
    if (has_agg) {
        LogicalOp *ag = lop_new(b->arena, LOP_AGGREGATE, 1);
        ag->children[0] = plan;
        u32 gi = binder_new_table_index(b);
        ag->u.agg.group_index = gi;
        ag->u.agg.agg_index = b->agg_index;
        ag->u.agg.ngroups = ngroups;
        ag->u.agg.groups = groups;
        ag->u.agg.naggs = b->naggs;
        ag->u.agg.aggs = b->aggs;
        ag->u.agg.nsets = nsets;
        ag->u.agg.sets = sets;
        ag->u.agg.grouping_index = binder_new_table_index(b);
        int nc = ngroups + b->naggs + (nsets ? 1 : 0);
        ag->ncols = nc;
        ag->cols = arena_alloc(b->arena, sizeof(ColBinding) * (size_t)(nc + 1));
        ag->types = arena_alloc(b->arena, sizeof(LType) * (size_t)(nc + 1));
        for (int i = 0; i < ngroups; i++) {
            ag->cols[i] = (ColBinding){gi, (u32)i};
            ag->types[i] = groups[i]->type;
        }
        for (int i = 0; i < b->naggs; i++) {
            ag->cols[ngroups + i] = (ColBinding){b->agg_index, (u32)i};
            ag->types[ngroups + i] = b->aggs[i]->type;
        }
        if (nsets) {
            ag->cols[nc - 1] = (ColBinding){ag->u.agg.grouping_index, 0};
            ag->types[nc - 1] = ltype(TYPE_INT64);
        }
        plan = ag;
        GroupCtx g = {groups, ngroups, gi, b->agg_index, b->win_index, "SELECT", nsets, ag->u.agg.grouping_index};
        for (int i = 0; i < nts; i++)
            if (regroup(b, &g, ts[i].expr, &ts[i].expr)) return MDB_FAIL;
        if (having) {
            if (regroup(b, &g, having, &having)) return MDB_FAIL;
            LogicalOp *f = wrap(b, LOP_FILTER, plan);
            f->u.filter.pred = having;
            plan = f;
        }
        for (int i = 0; i < nkeys; i++)
            if (keys[i].expr && regroup(b, &g, keys[i].expr, &keys[i].expr)) return MDB_FAIL;
        for (int w = 0; w < b->nwins; w++) {
            Expr *we = b->wins[w];
            for (int a = 0; a < we->nargs; a++)
                if (regroup(b, &g, we->args[a], &we->args[a])) return MDB_FAIL;
        }
        for (int d = 0; d < b->nwindefs; d++) {
            WindowDef *wd = &b->windefs[d];
            for (int p = 0; p < wd->npart; p++)
                if (regroup(b, &g, wd->part[p], &wd->part[p])) return MDB_FAIL;
            for (int o = 0; o < wd->norder; o++)
                if (regroup(b, &g, wd->order[o].expr, &wd->order[o].expr)) return MDB_FAIL;
        }
        for (int f = 0; f < b->nsrfs; f++)
            for (int a = 0; a < b->srfs[f].nargs; a++)
                if (regroup(b, &g, b->srfs[f].args[a], &b->srfs[f].args[a])) return MDB_FAIL;
    }
    if (b->nwins > 0) {
        /* window calls are bound as references to the window's outputs; none may sit in HAVING */
        for (Expr *st[64], *e = having, **top = st; e;) {
            if (e->kind == EXPR_COLREF && e->u.col.depth == 0 && e->u.col.binding.table == b->win_index)
                return err_set_pos(b->err, e->location, "42P20", "window functions are not allowed in HAVING");
            for (int i = 0; i < e->nargs; i++)
                if (e->args[i] && top < st + 64) *top++ = e->args[i];
            e = top > st ? *--top : NULL;
        }
        LogicalOp *w = lop_new(b->arena, LOP_WINDOW, 1);
        w->children[0] = plan;
        w->u.window.table_index = b->win_index;
        w->u.window.nfuncs = b->nwins;
        w->u.window.funcs = b->wins;
        w->u.window.ndefs = b->nwindefs;
        w->u.window.defs = b->windefs;
        w->ncols = plan->ncols + b->nwins;
        w->cols = arena_alloc(b->arena, sizeof(ColBinding) * (size_t)(w->ncols + 1));
        w->types = arena_alloc(b->arena, sizeof(LType) * (size_t)(w->ncols + 1));
        memcpy(w->cols, plan->cols, sizeof(ColBinding) * (size_t)plan->ncols);
        memcpy(w->types, plan->types, sizeof(LType) * (size_t)plan->ncols);
        for (int i = 0; i < b->nwins; i++) {
            w->cols[plan->ncols + i] = (ColBinding){b->win_index, (u32)i};
            w->types[plan->ncols + i] = b->wins[i]->type;
        }
        plan = w;
    }
    if (b->nsrfs > 0) plan = plan_srfs(b, plan);
    /* SELECT … FOR UPDATE / FOR SHARE: each row must still be one row of each locked table */
    LockSpec *locks = NULL;
    int nlocks = 0;
    if (s->n_locking_clause) {
        const char *what = lockwhat;
        /* ORDER BY may have brought aggregates, windows or set-returning calls */
        if (has_agg) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with aggregate functions", what);
        if (b->nwins) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with window functions", what);
        if (b->nsrfs) return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s is not allowed with set-returning functions in the target list", what);
        if (bind_locking(b, s, plan, &locks, &nlocks)) return MDB_FAIL;
    }
    /* projection: targets, then hidden sort keys (then the locked tables' row ids) */
    bool distinct = s->n_distinct_clause > 0;
    bool distinct_on = distinct && s->distinct_clause[0] && s->distinct_clause[0]->node_case != PG_QUERY__NODE__NODE__NOT_SET;
    int nextra = 0;
    for (int i = 0; i < nkeys; i++)
        if (key_target[i] < 0) {
            if (distinct && !distinct_on)
                return err_set_pos(b->err, keys[i].expr->location, SQLSTATE_INVALID_COLUMN_REFERENCE, "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
            nextra++;
        }
    int nsortextra = nextra;
    nextra += nlocks;
    LogicalOp *p = lop_new(b->arena, LOP_PROJECT, 1);
    p->children[0] = plan;
    u32 pti = binder_new_table_index(b);
    p->u.project.table_index = pti;
    int np = nts + nextra;
    p->u.project.exprs = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(np + 1));
    LType *ptypes = arena_alloc(b->arena, sizeof(LType) * (size_t)(np + 1));
    for (int i = 0; i < nts; i++) {
        Expr *e = ts[i].expr;
        if (e->kind == EXPR_CONST && e->type.id == TYPE_TEXT && e->type.text_kind == TEXT_UNKNOWN) {
            e = arena_memdup(b->arena, e, sizeof(Expr));
            e->type.text_kind = TEXT_PLAIN;
            e->u.constant.type.text_kind = TEXT_PLAIN;
            e->literal = true;
        }
        if (e->kind == EXPR_CONST && e->type.id == TYPE_NULL) {
            e = arena_memdup(b->arena, e, sizeof(Expr));
            e->type = ltype(TYPE_TEXT);
            e->literal = true;
        }
        p->u.project.exprs[i] = e;
        ptypes[i] = e->type;
    }
    int k = nts;
    for (int i = 0; i < nkeys; i++)
        if (key_target[i] < 0) {
            p->u.project.exprs[k] = keys[i].expr;
            ptypes[k] = keys[i].expr->type;
            key_target[i] = k++;
        }
    for (int i = 0; i < nlocks; i++, k++) {
        p->u.project.exprs[k] = locks[i].rowid;
        ptypes[k] = locks[i].rowid->type;
    }
    lop_set_cols(b->arena, p, pti, ptypes, np);
    for (int i = 0; i < nlocks; i++) locks[i].rowid = expr_colref(b->arena, p->cols[nts + nsortextra + i], ltype(TYPE_INT64), 0);
    plan = p;
    /* DISTINCT ON keeps the first row of each group in ORDER BY order, so it
     * runs after the sort; plain DISTINCT runs before it */
    bool order_first = distinct_on && nkeys > 0;
    if (order_first) {
        LogicalOp *o = wrap(b, LOP_ORDER, plan);
        o->u.order.nkeys = nkeys;
        o->u.order.keys = keys;
        for (int i = 0; i < nkeys; i++) keys[i].expr = expr_colref(b->arena, p->cols[key_target[i]], ptypes[key_target[i]], 0);
        plan = o;
    }
    if (distinct) {
        LogicalOp *d = wrap(b, LOP_DISTINCT, plan);
        if (distinct_on) {
            int *on_tgt = arena_alloc(b->arena, sizeof(int) * s->n_distinct_clause);
            d->u.distinct.non = (int)s->n_distinct_clause;
            d->u.distinct.on = arena_alloc(b->arena, sizeof(Expr *) * s->n_distinct_clause);
            for (size_t i = 0; i < s->n_distinct_clause; i++) {
                PgQuery__Node *n = s->distinct_clause[i];
                int tgt = -1;
                if (n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) tgt = n->a_const->ival->ival - 1;
                else {
                    Expr *e;
                    if (bind_expr(b, n, &e)) return MDB_FAIL;
                    for (int t = 0; t < nts; t++)
                        if (expr_equal(ts[t].expr, e)) tgt = t;
                    if (tgt < 0) return err_set_pos(b->err, e->location, SQLSTATE_FEATURE_NOT_SUPPORTED, "DISTINCT ON expressions must appear in the select list");
                }
                if (tgt < 0 || tgt >= nts) return err_set(b->err, SQLSTATE_INVALID_COLUMN_REFERENCE, "DISTINCT ON position is not in select list");
                on_tgt[i] = tgt;
                d->u.distinct.on[i] = expr_colref(b->arena, p->cols[tgt], ptypes[tgt], 0);
            }
            /* the leading ORDER BY items must be DISTINCT ON expressions */
            for (int i = 0; i < nkeys && i < (int)s->n_distinct_clause; i++) {
                bool ok = false;
                for (size_t k = 0; k < s->n_distinct_clause; k++) ok |= on_tgt[k] == key_target[i];
                if (!ok)
                    return err_set(b->err, SQLSTATE_INVALID_COLUMN_REFERENCE, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
            }
        }
        plan = d;
    }
    if (nkeys && !order_first) {
        LogicalOp *o = wrap(b, LOP_ORDER, plan);
        o->u.order.nkeys = nkeys;
        o->u.order.keys = keys;
        for (int i = 0; i < nkeys; i++) keys[i].expr = expr_colref(b->arena, p->cols[key_target[i]], ptypes[key_target[i]], 0);
        plan = o;
    }
    if (s->limit_count || s->limit_offset || nlocks) {
        LogicalOp *l = wrap(b, LOP_LIMIT, plan);
        l->u.limit.nlock = nlocks;
        l->u.limit.lock = locks;
        Scope saved = b->scope;
        memset(&b->scope, 0, sizeof(b->scope));
        b->agg_allowed = false;
        if (s->limit_count && !(s->limit_count->node_case == PG_QUERY__NODE__NODE_A_CONST && s->limit_count->a_const->isnull)) {
            b->clause = "LIMIT";
            if (bind_expr(b, s->limit_count, &l->u.limit.limit) || bind_cast(b, l->u.limit.limit, ltype(TYPE_INT64), false, &l->u.limit.limit)) { b->scope = saved; return MDB_FAIL; }
        }
        if (s->limit_offset) {
            b->clause = "OFFSET";
            if (bind_expr(b, s->limit_offset, &l->u.limit.offset) || bind_cast(b, l->u.limit.offset, ltype(TYPE_INT64), false, &l->u.limit.offset)) { b->scope = saved; return MDB_FAIL; }
        }
        b->scope = saved;
        b->clause = NULL;
        plan = l;
    }
    if (nextra) {
        LogicalOp *f = lop_new(b->arena, LOP_PROJECT, 1);
        f->children[0] = plan;
        u32 fti = binder_new_table_index(b);
        f->u.project.table_index = fti;
        f->u.project.exprs = arena_alloc(b->arena, sizeof(Expr *) * (size_t)nts);
        for (int i = 0; i < nts; i++) f->u.project.exprs[i] = expr_colref(b->arena, p->cols[i], ptypes[i], 0);
        lop_set_cols(b->arena, f, fti, ptypes, nts);
        plan = f;
    }
    *names = arena_alloc(b->arena, sizeof(char *) * (size_t)(nts + 1));
    for (int i = 0; i < nts; i++) (*names)[i] = (char *)ts[i].name;
    *out = plan;
    return MDB_OK_;
}
