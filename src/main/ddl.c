/*
 * src/main/ddl.c — CREATE/DROP of schemas, tables, views, indexes and
 * sequences, CREATE TABLE AS and TRUNCATE, plus persistence of the catalog
 * (a database directory keeps the DDL that recreates its schema in
 * catalog.sql, rewritten after every DDL statement).
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "main/engine.h"

static const char *nstr(PgQuery__Node *n) { return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL; }

/* Writes catalog.sql: one CREATE statement per object, in dependency order. */
static int persist(MdbConn *c)
{
    MdbDatabase *db = c->db;
    if (!db->dir) return MDB_OK_;
    char fn[4096], tmp[4200];
    snprintf(fn, sizeof fn, "%s/catalog.sql", db->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", fn);
    FILE *f = fopen(tmp, "w");
    if (!f) return err_set(&c->err, SQLSTATE_IO_ERROR, "could not write \"%s\"", tmp);
    Catalog *cat = &db->cat;
    for (size_t i = 0; i < cat->schemas.n; i++) {
        Schema *s = cat->schemas.items[i];
        if (strcmp(s->name, "public") && strcmp(s->name, "pg_catalog") && strcmp(s->name, "information_schema"))
            fprintf(f, "CREATE SCHEMA \"%s\";\n", s->name);
    }
    for (size_t i = 0; i < cat->schemas.n; i++) {
        Schema *s = cat->schemas.items[i];
        for (size_t k = 0; k < s->tables.n; k++) {
            TableDef *t = s->tables.items[k];
            fprintf(f, "CREATE TABLE \"%s\".\"%s\" (", s->name, t->name);
            for (int col = 0; col < t->ncols; col++) {
                char tb[64];
                ColumnDef *cd = &t->cols[col];
                fprintf(f, "%s\"%s\" %s", col ? ", " : "", cd->name, type_name(cd->type, tb, sizeof tb));
                if (cd->not_null) fprintf(f, " NOT NULL");
                if (cd->default_sql) fprintf(f, " DEFAULT %s", cd->default_sql);
            }
            for (int u = 0; u < t->nuniques; u++) {
                fprintf(f, ", %s (", t->uniques[u].primary ? "PRIMARY KEY" : "UNIQUE");
                for (int k2 = 0; k2 < t->uniques[u].ncols; k2++) fprintf(f, "%s\"%s\"", k2 ? ", " : "", t->cols[t->uniques[u].cols[k2]].name);
                fprintf(f, ")");
            }
            for (int k2 = 0; k2 < t->nchecks; k2++) fprintf(f, ", CONSTRAINT \"%s\" CHECK (%s)", t->checks[k2].name, t->checks[k2].sql);
            fprintf(f, ") USING memory;\n");
        }
        for (size_t k = 0; k < s->views.n; k++) {
            ViewDef *v = s->views.items[k];
            fprintf(f, "CREATE VIEW \"%s\".\"%s\" AS %s;\n", s->name, v->name, v->sql);
        }
    }
    if (fclose(f) != 0 || rename(tmp, fn) != 0) return err_set(&c->err, SQLSTATE_IO_ERROR, "could not write \"%s\"", fn);
    return MDB_OK_;
}

/* Deparses an expression node back to SQL text through libpg_query. */
static char *node_sql(const char *sql, int location, PgQuery__Node *n)
{
    /* defaults and checks: take the source text between balanced delimiters */
    if (location < 0) return xstrdup("NULL");
    const char *p = sql + location;
    int depth = 0;
    const char *q = p;
    char quote = 0;
    for (; *q; q++) {
        if (quote) { if (*q == quote) quote = 0; continue; }
        if (*q == '\'' || *q == '"') { quote = *q; continue; }
        if (*q == '(') depth++;
        else if (*q == ')') { if (depth == 0) break; depth--; }
        else if (*q == ',' && depth == 0) break;
        else if (depth == 0 && (!strncasecmp(q, " NOT NULL", 9) || !strncasecmp(q, " PRIMARY", 8) || !strncasecmp(q, " UNIQUE", 7) ||
                                !strncasecmp(q, " CHECK", 6) || !strncasecmp(q, " NULL", 5) || !strncasecmp(q, " REFERENCES", 11) ||
                                !strncasecmp(q, " CONSTRAINT", 11)))
            break;
    }
    size_t len = (size_t)(q - p);
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\n' || p[len - 1] == ';')) len--;
    (void)n;
    return xstrndup(p, len);
}

static int expr_location(PgQuery__Node *n)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST: return n->a_const->location;
    case PG_QUERY__NODE__NODE_FUNC_CALL: return n->func_call->location;
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        int l = expr_location(n->type_cast->arg);
        return l >= 0 ? l : n->type_cast->location;
    }
    case PG_QUERY__NODE__NODE_A_EXPR: {
        int l = n->a_expr->lexpr ? expr_location(n->a_expr->lexpr) : -1;
        return l >= 0 && l < n->a_expr->location ? l : n->a_expr->location;
    }
    case PG_QUERY__NODE__NODE_COLUMN_REF: return n->column_ref->location;
    case PG_QUERY__NODE__NODE_BOOL_EXPR: return n->bool_expr->args ? expr_location(n->bool_expr->args[0]) : n->bool_expr->location;
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: return n->sqlvalue_function->location;
    default: return -1;
    }
}

static int create_table(MdbConn *c, Binder *b, PgQuery__CreateStmt *cs, const char *sql, MdbResult *r)
{
    Schema *s = binder_schema_for_create(b, cs->relation->schemaname);
    if (!s) return MDB_FAIL;
    const char *name = cs->relation->relname;
    snprintf(r->tag, sizeof r->tag, "CREATE TABLE");
    if (schema_name_taken(s, name)) {
        if (cs->if_not_exists) return MDB_OK_;
        return err_set_pos(&c->err, cs->relation->location + 1, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
    }
    if (cs->access_method && *cs->access_method && strcasecmp(cs->access_method, "memory") != 0)
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "table access method \"%s\" is not available yet (only memory)", cs->access_method);
    int ncols = 0;
    ColumnDef *cols = xcalloc(cs->n_table_elts + 1, sizeof(ColumnDef));
    UniqueDef *uq = xcalloc(cs->n_table_elts * 2 + 2, sizeof(UniqueDef));
    int nuq = 0;
    CheckDef *ck = xcalloc(cs->n_table_elts * 2 + 2, sizeof(CheckDef));
    int nck = 0;
    int rc = MDB_OK_;
    /* first pass: columns */
    for (size_t i = 0; i < cs->n_table_elts && !rc; i++) {
        PgQuery__Node *e = cs->table_elts[i];
        if (e->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF) continue;
        PgQuery__ColumnDef *cd = e->column_def;
        for (int k = 0; k < ncols; k++)
            if (!strcmp(cols[k].name, cd->colname)) { rc = err_set_pos(&c->err, cd->location + 1, SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", cd->colname); break; }
        if (rc) break;
        ColumnDef *col = &cols[ncols];
        col->name = xstrdup(cd->colname);
        if (bind_typename(b, cd->type_name, &col->type)) { rc = MDB_FAIL; break; }
        const char *tn = nstr(cd->type_name->names[cd->type_name->n_names - 1]);
        bool serial = tn && (!strcmp(tn, "serial") || !strcmp(tn, "bigserial") || !strcmp(tn, "smallserial") || !strncmp(tn, "serial", 6));
        if (serial) {
            char sq[256];
            snprintf(sq, sizeof sq, "%s_%s_seq", name, cd->colname);
            Sequence *q = schema_find_sequence(s, sq) ? schema_find_sequence(s, sq) : catalog_create_sequence(&c->db->cat, s, sq);
            col->serial = q;
            col->not_null = true;
            char ds[512];
            snprintf(ds, sizeof ds, "nextval('%s')", sq);
            col->default_sql = xstrdup(ds);
        }
        for (size_t k = 0; k < cd->n_constraints; k++) {
            PgQuery__Constraint *ct = cd->constraints[k]->constraint;
            switch (ct->contype) {
            case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL: col->not_null = true; break;
            case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
                free(col->default_sql);
                col->default_sql = node_sql(sql, expr_location(ct->raw_expr), ct->raw_expr);
                break;
            case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY: {
                char sq[256];
                snprintf(sq, sizeof sq, "%s_%s_seq", name, cd->colname);
                col->serial = catalog_create_sequence(&c->db->cat, s, sq);
                col->not_null = true;
                char ds[512];
                snprintf(ds, sizeof ds, "nextval('%s')", sq);
                col->default_sql = xstrdup(ds);
                break;
            }
            case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
            case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
                uq[nuq].primary = ct->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
                uq[nuq].ncols = 1;
                uq[nuq].cols = xmalloc(sizeof(int));
                uq[nuq].cols[0] = ncols;
                uq[nuq].name = xstrdup(uq[nuq].primary ? "pkey" : "key");
                if (uq[nuq].primary) col->not_null = true;
                nuq++;
                break;
            case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
                ck[nck].name = xstrdup(ct->conname && *ct->conname ? ct->conname : "");
                if (!*ck[nck].name) { free(ck[nck].name); char nm[256]; snprintf(nm, sizeof nm, "%s_%s_check", name, cd->colname); ck[nck].name = xstrdup(nm); }
                ck[nck].sql = node_sql(sql, expr_location(ct->raw_expr), ct->raw_expr);
                nck++;
                break;
            default: break;
            }
        }
        ncols++;
    }
    /* table constraints */
    for (size_t i = 0; i < cs->n_table_elts && !rc; i++) {
        PgQuery__Node *e = cs->table_elts[i];
        if (e->node_case != PG_QUERY__NODE__NODE_CONSTRAINT) continue;
        PgQuery__Constraint *ct = e->constraint;
        if (ct->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY || ct->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE) {
            UniqueDef *u = &uq[nuq];
            u->primary = ct->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
            u->ncols = (int)ct->n_keys;
            u->cols = xmalloc(sizeof(int) * (ct->n_keys + 1));
            u->name = xstrdup(u->primary ? "pkey" : "key");
            for (size_t k = 0; k < ct->n_keys; k++) {
                const char *cn = nstr(ct->keys[k]);
                int idx = -1;
                for (int q = 0; q < ncols; q++)
                    if (!strcmp(cols[q].name, cn)) idx = q;
                if (idx < 0) { rc = err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" named in key does not exist", cn); break; }
                u->cols[k] = idx;
                if (u->primary) cols[idx].not_null = true;
            }
            nuq++;
        } else if (ct->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK) {
            char nm[256];
            snprintf(nm, sizeof nm, "%s_check", name);
            ck[nck].name = xstrdup(ct->conname && *ct->conname ? ct->conname : nm);
            ck[nck].sql = node_sql(sql, expr_location(ct->raw_expr), ct->raw_expr);
            nck++;
        }
    }
    int npk = 0;
    for (int u = 0; u < nuq; u++) npk += uq[u].primary;
    if (!rc && npk > 1) rc = err_set(&c->err, "42P16", "multiple primary keys for table \"%s\" are not allowed", name);
    if (rc) {
        for (int i = 0; i < ncols; i++) { free(cols[i].name); free(cols[i].default_sql); }
        for (int u = 0; u < nuq; u++) { free(uq[u].cols); free(uq[u].name); }
        for (int k = 0; k < nck; k++) { free(ck[k].name); free(ck[k].sql); }
        free(cols);
        free(uq);
        free(ck);
        return MDB_FAIL;
    }
    TableDef *t = catalog_create_table(&c->db->cat, s, name, cols, ncols, TIER_MEMORY);
    t->uniques = uq;
    t->nuniques = nuq;
    t->checks = ck;
    t->nchecks = nck;
    for (int i = 0; i < ncols; i++)
        if (cols[i].serial) cols[i].serial->owned_by = t;
    return persist(c);
}

static int drop(MdbConn *c, Binder *b, PgQuery__DropStmt *ds, MdbResult *r)
{
    const char *what = "TABLE";
    switch (ds->remove_type) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: what = "TABLE"; break;
    case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: what = "VIEW"; break;
    case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: what = "SCHEMA"; break;
    case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: what = "INDEX"; break;
    case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: what = "SEQUENCE"; break;
    default: return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported DROP");
    }
    snprintf(r->tag, sizeof r->tag, "DROP %s", what);
    for (size_t i = 0; i < ds->n_objects; i++) {
        PgQuery__Node *o = ds->objects[i];
        const char *sname = NULL, *oname = NULL;
        if (o->node_case == PG_QUERY__NODE__NODE_LIST) {
            PgQuery__List *l = o->list;
            if (l->n_items == 1) oname = nstr(l->items[0]);
            else { sname = nstr(l->items[l->n_items - 2]); oname = nstr(l->items[l->n_items - 1]); }
        } else {
            oname = nstr(o);
        }
        if (ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA) {
            Schema *s = catalog_find_schema(&c->db->cat, oname);
            if (!s) {
                if (ds->missing_ok) continue;
                return err_set(&c->err, SQLSTATE_INVALID_SCHEMA, "schema \"%s\" does not exist", oname);
            }
            if ((s->tables.n || s->views.n || s->sequences.n) && ds->behavior != PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
                return err_set(&c->err, SQLSTATE_DEPENDENT_OBJECTS, "cannot drop schema %s because other objects depend on it", oname);
            catalog_drop_schema(&c->db->cat, s);
            continue;
        }
        /* find in the named schema or along the search path */
        Schema *found_s = NULL;
        void *obj = NULL;
        for (size_t k = 0; k < c->db->cat.schemas.n && !obj; k++) {
            Schema *s = c->db->cat.schemas.items[k];
            if (sname && strcmp(s->name, sname)) continue;
            if (!sname && strcmp(s->name, "public") && !strstr(c->settings.search_path, s->name)) continue;
            switch (ds->remove_type) {
            case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: obj = schema_find_table(s, oname); break;
            case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: obj = schema_find_view(s, oname); break;
            case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: obj = schema_find_index(s, oname); break;
            default: obj = schema_find_sequence(s, oname); break;
            }
            if (obj) found_s = s;
        }
        (void)found_s;
        if (!obj) {
            if (ds->missing_ok) continue;
            const char *kind = ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ? "table" : ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ? "view" : ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX ? "index" : "sequence";
            return err_set(&c->err, SQLSTATE_UNDEFINED_TABLE, "%s \"%s\" does not exist", kind, oname);
        }
        switch (ds->remove_type) {
        case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: catalog_drop_table(&c->db->cat, obj); break;
        case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: catalog_drop_view(&c->db->cat, obj); break;
        case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: catalog_drop_index(&c->db->cat, obj); break;
        default: catalog_drop_sequence(&c->db->cat, obj); break;
        }
    }
    return persist(c);
}

static int create_view(MdbConn *c, Binder *b, PgQuery__ViewStmt *vs, const char *sql, MdbResult *r)
{
    Schema *s = binder_schema_for_create(b, vs->view->schemaname);
    if (!s) return MDB_FAIL;
    snprintf(r->tag, sizeof r->tag, "CREATE VIEW");
    ViewDef *old = schema_find_view(s, vs->view->relname);
    if ((old && !vs->replace) || (!old && schema_name_taken(s, vs->view->relname)))
        return err_set(&c->err, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", vs->view->relname);
    /* validate by binding */
    LogicalOp *plan;
    char **names;
    if (bind_select(b, vs->query->select_stmt, &plan, &names)) return MDB_FAIL;
    /* the view's text: from the SELECT keyword to the end of the statement */
    const char *p = sql;
    const char *as = NULL;
    for (const char *q = p; *q; q++)
        if (!strncasecmp(q, " AS ", 4) || !strncasecmp(q, " AS\n", 4) || !strncasecmp(q, "\nAS ", 4)) { as = q + 4; break; }
    if (!as) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "could not find the view's query");
    while (*as == ' ' || *as == '\n') as++;
    size_t len = strlen(as);
    while (len && (as[len - 1] == ';' || as[len - 1] == ' ' || as[len - 1] == '\n')) len--;
    char *text = xstrndup(as, len);
    char *cn[256];
    int ncn = 0;
    for (size_t i = 0; i < vs->n_aliases && i < 256; i++) cn[ncn++] = (char *)nstr(vs->aliases[i]);
    if (old) catalog_drop_view(&c->db->cat, old);
    catalog_create_view(&c->db->cat, s, vs->view->relname, text, cn, ncn);
    free(text);
    return persist(c);
}

int ddl_run(MdbConn *c, Binder *b, PgQuery__Node *stmt, MdbResult *r)
{
    /* the statement's own text for defaults and views */
    extern __thread const char *mdb_current_sql;
    const char *sql = mdb_current_sql ? mdb_current_sql : "";
    switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_STMT: return create_table(c, b, stmt->create_stmt, sql, r);
    case PG_QUERY__NODE__NODE_DROP_STMT: return drop(c, b, stmt->drop_stmt, r);
    case PG_QUERY__NODE__NODE_VIEW_STMT: return create_view(c, b, stmt->view_stmt, sql, r);
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT: {
        PgQuery__CreateSchemaStmt *cs = stmt->create_schema_stmt;
        snprintf(r->tag, sizeof r->tag, "CREATE SCHEMA");
        if (catalog_find_schema(&c->db->cat, cs->schemaname)) {
            if (cs->if_not_exists) return MDB_OK_;
            return err_set(&c->err, SQLSTATE_DUPLICATE_SCHEMA, "schema \"%s\" already exists", cs->schemaname);
        }
        catalog_create_schema(&c->db->cat, cs->schemaname);
        return persist(c);
    }
    case PG_QUERY__NODE__NODE_INDEX_STMT: {
        PgQuery__IndexStmt *is = stmt->index_stmt;
        snprintf(r->tag, sizeof r->tag, "CREATE INDEX");
        TableDef *t = binder_find_table(b, is->relation, false);
        if (!t) return MDB_FAIL;
        char nm[256];
        snprintf(nm, sizeof nm, "%s", is->idxname && *is->idxname ? is->idxname : "");
        if (!*nm) snprintf(nm, sizeof nm, "%s_idx", t->name);
        if (schema_name_taken(t->schema, nm)) {
            if (is->if_not_exists) return MDB_OK_;
            return err_set(&c->err, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", nm);
        }
        IndexDef *ix = catalog_create_index(&c->db->cat, t->schema, nm, t);
        ix->unique = is->unique;
        ix->nkeys = (int)is->n_index_params;
        ix->keys = xcalloc(is->n_index_params + 1, sizeof(char *));
        for (size_t i = 0; i < is->n_index_params; i++) {
            PgQuery__IndexElem *ie = is->index_params[i]->index_elem;
            if (ie->name && table_find_column(t, ie->name) < 0)
                return err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" does not exist", ie->name);
            ix->keys[i] = xstrdup(ie->name ? ie->name : "(expression)");
        }
        ix->method = xstrdup(is->access_method ? is->access_method : "btree");
        return MDB_OK_;
    }
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT: {
        PgQuery__TruncateStmt *ts = stmt->truncate_stmt;
        snprintf(r->tag, sizeof r->tag, "TRUNCATE TABLE");
        for (size_t i = 0; i < ts->n_relations; i++) {
            TableDef *t = binder_find_table(b, ts->relations[i]->range_var, false);
            if (!t) return MDB_FAIL;
            memtable_truncate(t->mem);
        }
        return MDB_OK_;
    }
    default:
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "statement type %d is not supported yet", (int)stmt->node_case);
    }
}
