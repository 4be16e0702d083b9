/*
 * src/main/ddl.c — CREATE/DROP/ALTER of schemas, tables, views, indexes and
 * sequences, identity columns, CREATE TABLE AS / SELECT INTO and TRUNCATE,
 * plus persistence of the catalog: a database directory keeps the DDL that
 * recreates its schema in catalog.sql, rewritten after every DDL statement.
 * Only definitions are kept (MEMORY tables come back empty and sequences
 * restart at their START value); ALTER TABLE is persisted as the resulting
 * CREATE TABLE, serial sequences as CREATE SEQUENCE … OWNED BY and identity
 * columns with their sequence options.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "main/engine.h"
#include "exec/keys.h"
#include "storage/memory/memtable.h"
#include "storage/oltp/oltp_table.h"

static const char *nstr(PgQuery__Node *n) { return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL; }

/* ---- transactional DDL: reversing changes outside the catalog -------------------- */

typedef struct StoreIndexUndo {
    TableStore *store;
    char name[600];   /* the index's name in the tier */
    char hidden[64];  /* DROP INDEX: its name until commit */
} StoreIndexUndo;

/* Rollback of CREATE INDEX / ADD PRIMARY KEY on an OLTP table: the tier stops using the
 * index (its tree's pages are not reclaimed, as for DROP INDEX). */
static void undo_store_index_add(void *arg)
{
    StoreIndexUndo *u = arg;
    oltp_index_drop(u->store, u->name);
}

/* DROP INDEX of an OLTP index inside a transaction: the tier keeps maintaining it under a
 * hidden name until commit, so that rollback only renames it back. */
static void undo_store_index_drop(void *arg)
{
    StoreIndexUndo *u = arg;
    oltp_index_rename(u->store, u->hidden, u->name);
}
static void commit_store_index_drop(void *arg)
{
    StoreIndexUndo *u = arg;
    oltp_index_drop(u->store, u->hidden);
}

/* tag: the table whose definition names the index (ADD PRIMARY KEY / UNIQUE), NULL for
 * CREATE INDEX (whose catalog entry is undone on its own) */
static void note_store_index_add(MdbConn *c, TableDef *tag, TableDef *t, const char *name)
{
    StoreIndexUndo *u = xcalloc(1, sizeof(StoreIndexUndo));
    u->store = t->store;
    snprintf(u->name, sizeof u->name, "%s", name);
    catalog_undo_callback(&c->db->cat, tag, undo_store_index_add, NULL, u);
}

typedef struct StoreColumnUndo {
    TableStore *store;
    int col;
} StoreColumnUndo;

/* Rollback of ALTER TABLE … ADD COLUMN on a MEMORY table: the tier drops the column again. */
static void undo_store_column_add(void *arg)
{
    StoreColumnUndo *u = arg;
    Err e = {0};
    tableam_drop_column(u->store, u->col, &e);
    err_clear(&e);
}

/* Rollback of a rewrite of t's rows (ALTER TABLE … DROP COLUMN / ALTER COLUMN TYPE, an
 * OLTP ADD COLUMN, TRUNCATE outside a block): the rows from before are kept aside until
 * the transaction ends.  ROLLBACK switches back to them (OLTP: the old trees; MEMORY: the
 * old column vectors), COMMIT frees them.  Until then other transactions may not write
 * to t (dml_check_rewrite): their rows would be lost by the switch back. */
typedef struct RewriteUndo {
    TableDef *t;
    OltpRewriteSave *oltp;
    MemColumnSave *mem;
    bool replace; /* mem: the column replaces the one there now (ALTER COLUMN TYPE) */
} RewriteUndo;

static void rewrite_done(TableDef *t)
{
    if (--t->rewrite_pending == 0) t->rewrite_owner = NULL;
}

static void undo_rewrite(void *arg)
{
    RewriteUndo *u = arg;
    if (u->oltp) oltp_rewrite_restore(u->oltp);
    if (u->mem) memtable_restore_column((MemTable *)u->t->store, u->mem, u->replace);
    rewrite_done(u->t);
}

static void commit_rewrite(void *arg)
{
    RewriteUndo *u = arg;
    oltp_rewrite_commit(u->oltp); /* retires the old trees */
    memtable_column_save_free(u->mem);
    rewrite_done(u->t);
}

static void note_rewrite(MdbConn *c, TableDef *t, OltpRewriteSave *oltp, MemColumnSave *mem, bool replace)
{
    RewriteUndo *u = xcalloc(1, sizeof(RewriteUndo));
    u->t = t;
    u->oltp = oltp;
    u->mem = mem;
    u->replace = replace;
    t->rewrite_owner = &c->cat_undo;
    t->rewrite_pending++;
    /* not tagged with t: catalog_undo_forget_table must not drop it */
    catalog_undo_callback(&c->db->cat, NULL, undo_rewrite, commit_rewrite, u);
}

/* The pages of an OLTP table: a CREATE TABLE that rolls back and a DROP TABLE that
 * commits retire its trees (freed once older transactions ended); a DROP that rolls
 * back keeps them.  Not during the catalog's replay (its tables exist). */
static void retire_store_table(void *arg) { oltp_table_retire(*(TableStore **)arg); }
static void note_store_table(MdbConn *c, TableDef *t, bool drop)
{
    if (c->replaying || !oltp_table_is(t->store)) return;
    TableStore **u = xmalloc(sizeof(TableStore *));
    *u = t->store;
    catalog_undo_callback(&c->db->cat, NULL, drop ? NULL : retire_store_table, drop ? retire_store_table : NULL, u);
}

static bool memory_table(const TableDef *t) { return t->store && !strcmp(t->store->am->name, "memory"); }

static void print_seq_opts(FILE *f, const Sequence *q)
{
    fprintf(f, "INCREMENT BY %lld MINVALUE %lld MAXVALUE %lld START WITH %lld%s", (long long)q->increment, (long long)q->min,
            (long long)q->max, (long long)q->start, q->cycle ? " CYCLE" : "");
}

/* The tier of a new table: its USING clause, else default_table_access_method. */
static int table_tier(MdbConn *c, const char *am, Tier *out)
{
    if (!am || !*am) am = c->settings.default_table_access_method;
    if (!strcasecmp(am, "memory")) *out = TIER_MEMORY;
    else if (!strcasecmp(am, "oltp")) *out = TIER_OLTP;
    else if (!strcasecmp(am, "olap")) return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "table access method \"%s\" is not available yet (memory, oltp)", am);
    else return err_set(&c->err, SQLSTATE_UNDEFINED_OBJECT, "access method \"%s\" does not exist", am);
    return MDB_OK_;
}

static bool node_i64(PgQuery__Node *n, i64 *out);

/* WITH (max_rows = N) of CREATE TABLE … USING memory: the ring buffer's bound (DESIGN.md
 * §4), a positive integer (22023 otherwise, at the option); *pos: where it was (0: absent). */
static int table_max_rows(MdbConn *c, PgQuery__DefElem *d, i64 *max_rows, int *pos)
{
    i64 v = 0;
    char text[64] = "";
    const char *sv = d->arg ? nstr(d->arg) : NULL;
    bool isint = d->arg && node_i64(d->arg, &v);
    if (!isint && sv) {
        char *e;
        errno = 0;
        long long x = strtoll(sv, &e, 10);
        isint = *sv && !*e && errno == 0;
        v = x;
    }
    if (!isint) {
        if (sv) snprintf(text, sizeof text, "%.40s", sv);
        else if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_FLOAT) snprintf(text, sizeof text, "%.40s", d->arg->float_->fval);
        return err_set_pos(&c->err, d->location + 1, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for integer option \"max_rows\": %s",
                           d->arg ? text : "true");
    }
    if (v < 1) {
        err_set_pos(&c->err, d->location + 1, SQLSTATE_INVALID_PARAMETER_VALUE, "value %lld out of bounds for option \"max_rows\"", (long long)v);
        err_detail(&c->err, "Valid values are between \"1\" and \"9223372036854775807\".");
        return MDB_FAIL;
    }
    *max_rows = v;
    *pos = d->location + 1;
    return MDB_OK_;
}

/* WITH (…) of CREATE TABLE: oltp_tree = N names the B+tree of an OLTP table; only the
 * catalog replay of mdb_open may give it (catalog.sql).  max_rows (max_rows != NULL: a
 * table) as table_max_rows. */
static int table_options(MdbConn *c, PgQuery__Node **opts, size_t n, u32 *tree, const char **utrees, i64 *max_rows, int *max_rows_pos)
{
    *tree = OLTP_NO_TREE;
    if (utrees) *utrees = NULL;
    if (max_rows) *max_rows = 0, *max_rows_pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
        PgQuery__DefElem *d = opts[i]->def_elem;
        if (max_rows && !strcmp(d->defname, "max_rows")) {
            if (table_max_rows(c, d, max_rows, max_rows_pos)) return MDB_FAIL;
            continue;
        }
        if (utrees && !strcmp(d->defname, "oltp_unique_trees") && c->replaying) {
            /* the index trees of the table's PRIMARY KEY/UNIQUE constraints, in order ("5,9") */
            *utrees = d->arg ? nstr(d->arg) : NULL;
            continue;
        }
        if (strcmp(d->defname, "oltp_tree") != 0) continue;
        i64 v = 0;
        if (!c->replaying) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "unrecognized parameter \"%s\"", d->defname);
        if (!d->arg || !node_i64(d->arg, &v) || v < 0 || v >= OLTP_NO_TREE)
            return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"oltp_tree\"");
        *tree = (u32)v;
    }
    return MDB_OK_;
}

/* Creates the storage of a new table in its tier (tree: an existing OLTP tree, OLTP_NO_TREE = new). */
static int table_store_new(MdbConn *c, Tier tier, u32 tree, const ColumnDef *cols, int ncols, TableStore **out)
{
    LType *types = xmalloc(sizeof(LType) * (size_t)(ncols ? ncols : 1));
    for (int i = 0; i < ncols; i++) types[i] = cols[i].type;
    int rc = MDB_OK_;
    if (tier == TIER_OLTP) {
        if (tree != OLTP_NO_TREE) rc = oltp_table_open(c->db->oltp, &c->db->tm, tree, types, ncols, out, &c->err);
        else rc = oltp_table_create(c->db->oltp, &c->db->tm, types, ncols, out, &c->err);
    } else {
        *out = &memtable_create(types, ncols)->base;
    }
    free(types);
    return rc;
}

static int persist_locked(MdbConn *c);
/* VACUUM [(options)] [table [(columns)], …] and ANALYZE [table [(columns)], …]: each
 * named table (every table when none is named) goes through its tier's vacuum hook —
 * reclamation of dead row versions (OLTP: a forced pass of src/storage/oltp/vacuum.c;
 * MEMORY: segments whose every version is dead) and, for ANALYZE, fresh statistics.  The
 * background worker does the same without being asked; this runs it now (clients such as
 * pgbench -i run VACUUM as a step).  Options as PostgreSQL names them; FULL, FREEZE and the
 * like change nothing here. */
static int ddl_vacuum(MdbConn *c, Binder *b, PgQuery__VacuumStmt *vs, MdbResult *r)
{
    snprintf(r->tag, sizeof r->tag, "%s", vs->is_vacuumcmd ? "VACUUM" : "ANALYZE");
    bool analyze = !vs->is_vacuumcmd;
    static const char *const vac_opts[] = {"verbose", "skip_locked", "analyze", "freeze", "full", "disable_page_skipping",
                                           "process_toast", "truncate", "index_cleanup", "parallel", NULL};
    for (size_t i = 0; i < vs->n_options; i++) {
        if (vs->options[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
        PgQuery__DefElem *d = vs->options[i]->def_elem;
        bool known = false;
        for (int k = 0; vac_opts[k]; k++)
            known |= !strcmp(d->defname, vac_opts[k]) && (vs->is_vacuumcmd || k < 2);
        if (!known)
            return err_set_pos(&c->err, d->location + 1, SQLSTATE_SYNTAX_ERROR, "unrecognized %s option \"%s\"",
                               vs->is_vacuumcmd ? "VACUUM" : "ANALYZE", d->defname);
        if (!strcmp(d->defname, "analyze")) {
            i64 v = 1;
            analyze = !d->arg || !node_i64(d->arg, &v) || v != 0;
        }
    }
    if (vs->is_vacuumcmd && c->txn)
        return err_set(&c->err, SQLSTATE_ACTIVE_SQL_TXN, "VACUUM cannot run inside a transaction block");
    size_t ntables = 0, cap = 8;
    TableDef **tables = xmalloc(cap * sizeof(TableDef *));
    int rc = MDB_OK_;
    for (size_t i = 0; i < vs->n_rels && !rc; i++) {
        PgQuery__VacuumRelation *vr = vs->rels[i]->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION ? vs->rels[i]->vacuum_relation : NULL;
        if (!vr || !vr->relation) continue;
        TableDef *t = binder_find_table(b, vr->relation, false);
        if (!t) { rc = MDB_FAIL; break; }
        if (vr->n_va_cols && !analyze) {
            rc = err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "ANALYZE option must be specified when a column list is provided");
            break;
        }
        for (size_t k = 0; k < vr->n_va_cols && !rc; k++) {
            const char *cn = nstr(vr->va_cols[k]);
            if (cn && table_find_column(t, cn) < 0)
                rc = err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cn, t->name);
        }
        if (ntables == cap) tables = xrealloc(tables, (cap *= 2) * sizeof(TableDef *));
        tables[ntables++] = t;
    }
    if (!rc && vs->n_rels == 0) {
        /* every table this session can see (the caller holds the catalog lock) */
        Catalog *cat = &c->db->cat;
        for (size_t i = 0; i < cat->schemas.n; i++) {
            Schema *sc = cat->schemas.items[i];
            for (size_t k = 0; k < sc->tables.n; k++) {
                TableDef *t = sc->tables.items[k];
                if (t->txn_owner && t->txn_owner != catalog_viewer) continue;
                if (ntables == cap) tables = xrealloc(tables, (cap *= 2) * sizeof(TableDef *));
                tables[ntables++] = t;
            }
        }
    }
    Ts horizon = txnmgr_horizon(&c->db->tm);
    for (size_t i = 0; i < ntables && !rc; i++) rc = tableam_vacuum(tables[i]->store, horizon, vs->is_vacuumcmd, analyze, &c->err);
    free(tables);
    return rc;
}


/* Writes catalog.sql: one CREATE statement per object, in dependency order.  Runs at
 * commit of a transaction that changed the catalog (src/main/engine.c), holding the
 * DDL lock, so the catalog holds no other transaction's uncommitted DDL. */
int ddl_persist(MdbConn *c)
{
    if (!c->db->dir) return MDB_OK_;
    pthread_rwlock_rdlock(&c->db->cat.lock);
    int rc = persist_locked(c);
    pthread_rwlock_unlock(&c->db->cat.lock);
    return rc;
}

/* A DDL statement changed the catalog: catalog.sql is rewritten when its transaction
 * commits (or after a rollback that could not undo everything, see engine.c). */
static int persist(MdbConn *c)
{
    c->cat_undo.dirty = true;
    return MDB_OK_;
}

static int persist_locked(MdbConn *c)
{
    MdbDatabase *db = c->db;
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
    /* sequences other than those of identity columns (those come with their table) */
    for (size_t i = 0; i < cat->schemas.n; i++) {
        Schema *s = cat->schemas.items[i];
        for (size_t k = 0; k < s->sequences.n; k++) {
            Sequence *q = s->sequences.items[k];
            bool identity = false;
            if (q->owned_by)
                for (int col = 0; col < q->owned_by->ncols; col++)
                    if (q->owned_by->cols[col].serial == q && q->owned_by->cols[col].identity) identity = true;
            if (identity) continue;
            fprintf(f, "CREATE SEQUENCE \"%s\".\"%s\" ", s->name, q->name);
            print_seq_opts(f, q);
            fprintf(f, ";\n");
        }
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
                if (cd->identity && cd->serial) {
                    fprintf(f, " GENERATED %s AS IDENTITY (SEQUENCE NAME \"%s\".\"%s\" ", cd->identity_always ? "ALWAYS" : "BY DEFAULT",
                            cd->serial->schema->name, cd->serial->name);
                    print_seq_opts(f, cd->serial);
                    fprintf(f, ")");
                } else if (cd->default_sql) {
                    fprintf(f, " DEFAULT %s", cd->default_sql);
                }
                if (cd->not_null) fprintf(f, " NOT NULL");
            }
            for (int u = 0; u < t->nuniques; u++) {
                fprintf(f, ", %s (", t->uniques[u].primary ? "PRIMARY KEY" : "UNIQUE");
                for (int k2 = 0; k2 < t->uniques[u].ncols; k2++) fprintf(f, "%s\"%s\"", k2 ? ", " : "", t->cols[t->uniques[u].cols[k2]].name);
                fprintf(f, ")");
            }
            for (int k2 = 0; k2 < t->nchecks; k2++) fprintf(f, ", CONSTRAINT \"%s\" CHECK (%s)", t->checks[k2].name, t->checks[k2].sql);
            if (oltp_table_is(t->store)) {
                fprintf(f, ") USING oltp WITH (oltp_tree = %u", oltp_table_tree(t->store));
                if (t->nuniques) {
                    fprintf(f, ", oltp_unique_trees = '");
                    for (int u = 0; u < t->nuniques; u++) {
                        /* the tier's current tree: TRUNCATE and ALTER TABLE rewrite them */
                        UniqueDef *ud = &t->uniques[u];
                        int nth = 0;
                        for (int u2 = 0; u2 < u; u2++)
                            nth += t->uniques[u2].ncols == ud->ncols && !memcmp(t->uniques[u2].cols, ud->cols, sizeof(int) * (size_t)ud->ncols);
                        fprintf(f, "%s%u", u ? "," : "", ud->has_tree ? oltp_unique_tree(t->store, ud->cols, ud->ncols, nth) : OLTP_NO_TREE);
                    }
                    fprintf(f, "'");
                }
                fprintf(f, ");\n");
            }
            else if (t->max_rows > 0) fprintf(f, ") USING memory WITH (max_rows = %lld);\n", (long long)t->max_rows);
            else fprintf(f, ") USING memory;\n");
            for (int col = 0; col < t->ncols; col++) {
                ColumnDef *cd = &t->cols[col];
                if (cd->serial && !cd->identity)
                    fprintf(f, "ALTER SEQUENCE \"%s\".\"%s\" OWNED BY \"%s\".\"%s\".\"%s\";\n", cd->serial->schema->name, cd->serial->name, s->name,
                            t->name, cd->name);
            }
        }
        for (size_t k = 0; k < s->views.n; k++) {
            ViewDef *v = s->views.items[k];
            fprintf(f, "CREATE VIEW \"%s\".\"%s\" AS %s;\n", s->name, v->name, v->sql);
        }
    }
    for (size_t i = 0; i < cat->schemas.n; i++) {
        Schema *s = cat->schemas.items[i];
        for (size_t k = 0; k < s->indexes.n; k++) {
            IndexDef *ix = s->indexes.items[k];
            bool expr = false;
            for (int q = 0; q < ix->nkeys; q++)
                if (table_find_column(ix->table, ix->keys[q]) < 0) expr = true;
            if (expr || !ix->nkeys) continue;
            fprintf(f, "CREATE %sINDEX \"%s\" ON \"%s\".\"%s\" USING %s (", ix->unique ? "UNIQUE " : "", ix->name, s->name, ix->table->name,
                    ix->method ? ix->method : "btree");
            for (int q = 0; q < ix->nkeys; q++) fprintf(f, "%s\"%s\"", q ? ", " : "", ix->keys[q]);
            u32 itree = oltp_table_is(ix->table->store) ? oltp_index_tree(ix->table->store, ix->name) : OLTP_NO_TREE;
            if (itree != OLTP_NO_TREE) fprintf(f, ") WITH (oltp_tree = %u);\n", itree);
            else fprintf(f, ");\n");
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

/* ---- sequence options ------------------------------------------------------ */

static bool node_i64(PgQuery__Node *n, i64 *out)
{
    if (!n) return false;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_INTEGER: *out = n->integer->ival; return true;
    case PG_QUERY__NODE__NODE_FLOAT: {
        errno = 0;
        char *end;
        long long v = strtoll(n->float_->fval, &end, 10);
        if (errno || *end) return false;
        *out = v;
        return true;
    }
    case PG_QUERY__NODE__NODE_BOOLEAN: *out = n->boolean->boolval; return true;
    case PG_QUERY__NODE__NODE_A_CONST:
        if (n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) { *out = n->a_const->ival->ival; return true; }
        if (n->a_const->val_case == PG_QUERY__A__CONST__VAL_FVAL) {
            errno = 0;
            char *end;
            long long v = strtoll(n->a_const->fval->fval, &end, 10);
            if (errno || *end) return false;
            *out = v;
            return true;
        }
        return false;
    default: return false;
    }
}

typedef struct SeqOpts {
    bool has_inc, has_min, has_max, has_start, has_cycle, has_type;
    int has_restart;               /* 1 = RESTART WITH n, 2 = RESTART */
    i64 inc, min, max, start, restart;
    bool min_default, max_default; /* NO MINVALUE / NO MAXVALUE */
    bool cycle;
    i64 type_min, type_max;
    PgQuery__Node *owned_by;       /* List of names, or NULL */
    PgQuery__Node *seq_name;       /* identity: SEQUENCE NAME */
} SeqOpts;

static int seq_opts_parse(MdbConn *c, Binder *b, PgQuery__Node **opts, size_t n, SeqOpts *o)
{
    memset(o, 0, sizeof(*o));
    o->type_min = INT64_MIN;
    o->type_max = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        PgQuery__DefElem *d = opts[i]->def_elem;
        const char *nm = d->defname;
        i64 v = 0;
        if (!strcmp(nm, "as")) {
            LType t;
            if (d->arg->node_case != PG_QUERY__NODE__NODE_TYPE_NAME || bind_typename(b, d->arg->type_name, &t)) return MDB_FAIL;
            if (t.id == TYPE_INT16) { o->type_min = INT16_MIN; o->type_max = INT16_MAX; }
            else if (t.id == TYPE_INT32) { o->type_min = INT32_MIN; o->type_max = INT32_MAX; }
            else if (t.id != TYPE_INT64) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "sequence type must be smallint, integer, or bigint");
            o->has_type = true;
            continue;
        }
        if (!strcmp(nm, "owned_by")) { o->owned_by = d->arg; continue; }
        if (!strcmp(nm, "sequence_name")) { o->seq_name = d->arg; continue; }
        if (!strcmp(nm, "cache")) continue;
        if (!strcmp(nm, "cycle")) { o->has_cycle = true; o->cycle = d->arg && node_i64(d->arg, &v) ? v != 0 : true; continue; }
        if (!strcmp(nm, "restart")) {
            o->has_restart = true;
            o->restart = 0;
            if (d->arg && !node_i64(d->arg, &o->restart)) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "RESTART value must be an integer");
            if (!d->arg) o->has_restart = 2; /* RESTART without a value: the start value */
            continue;
        }
        bool known = !strcmp(nm, "increment") || !strcmp(nm, "minvalue") || !strcmp(nm, "maxvalue") || !strcmp(nm, "start");
        if (!known) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "option \"%s\" not recognized", nm);
        if (d->arg && !node_i64(d->arg, &v)) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "%s requires a numeric value", nm);
        if (!strcmp(nm, "increment")) { o->has_inc = true; o->inc = v; }
        else if (!strcmp(nm, "minvalue")) { o->has_min = true; o->min = v; o->min_default = !d->arg; }
        else if (!strcmp(nm, "maxvalue")) { o->has_max = true; o->max = v; o->max_default = !d->arg; }
        else { o->has_start = true; o->start = v; }
    }
    return MDB_OK_;
}

/* Applies options to q (fresh: a new sequence) with PostgreSQL's defaults and checks. */
static int seq_apply(MdbConn *c, Sequence *q, const SeqOpts *o, bool fresh, i64 type_min, i64 type_max)
{
    i64 inc = o->has_inc ? o->inc : q->increment;
    if (o->has_inc && inc == 0) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "INCREMENT must not be zero");
    if (o->has_type) { type_min = o->type_min; type_max = o->type_max; }
    i64 mn = q->min, mx = q->max;
    if (fresh || (o->has_min && o->min_default) || (o->has_inc && !o->has_min && false)) mn = inc > 0 ? 1 : type_min;
    if (fresh || (o->has_max && o->max_default)) mx = inc > 0 ? type_max : -1;
    if (o->has_min && !o->min_default) mn = o->min;
    if (o->has_max && !o->max_default) mx = o->max;
    if (mn < type_min || mn > type_max)
        return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "MINVALUE (%lld) is out of range for sequence data type %s", (long long)mn,
                       type_max == INT16_MAX ? "smallint" : type_max == INT32_MAX ? "integer" : "bigint");
    if (mx < type_min || mx > type_max)
        return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "MAXVALUE (%lld) is out of range for sequence data type %s", (long long)mx,
                       type_max == INT16_MAX ? "smallint" : type_max == INT32_MAX ? "integer" : "bigint");
    if (mn >= mx) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "MINVALUE (%lld) must be less than MAXVALUE (%lld)", (long long)mn, (long long)mx);
    i64 start = o->has_start ? o->start : fresh ? (inc > 0 ? mn : mx) : q->start;
    if (start < mn) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "START value (%lld) cannot be less than MINVALUE (%lld)", (long long)start, (long long)mn);
    if (start > mx) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "START value (%lld) cannot be greater than MAXVALUE (%lld)", (long long)start, (long long)mx);
    i64 restart = o->has_restart == 1 ? o->restart : start;
    if (o->has_restart) {
        if (restart < mn) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "RESTART value (%lld) cannot be less than MINVALUE (%lld)", (long long)restart, (long long)mn);
        if (restart > mx) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "RESTART value (%lld) cannot be greater than MAXVALUE (%lld)", (long long)restart, (long long)mx);
    }
    pthread_mutex_lock(&q->mu);
    q->increment = inc;
    q->min = mn;
    q->max = mx;
    q->start = start;
    if (o->has_cycle) q->cycle = o->cycle;
    if (fresh) { q->last = start; q->called = false; }
    if (o->has_restart) { q->last = restart; q->called = false; }
    pthread_mutex_unlock(&q->mu);
    return MDB_OK_;
}

static void type_bounds(LType t, i64 *mn, i64 *mx)
{
    *mn = t.id == TYPE_INT16 ? INT16_MIN : t.id == TYPE_INT32 ? INT32_MIN : INT64_MIN;
    *mx = t.id == TYPE_INT16 ? INT16_MAX : t.id == TYPE_INT32 ? INT32_MAX : INT64_MAX;
}

/* OWNED BY table.column (or NONE). */
static int seq_owned_by(MdbConn *c, Binder *b, Sequence *q, PgQuery__Node *owned)
{
    PgQuery__List *l = owned->node_case == PG_QUERY__NODE__NODE_LIST ? owned->list : NULL;
    if (!l) return MDB_OK_;
    if (l->n_items == 1 && !strcmp(nstr(l->items[0]), "none")) {
        catalog_note_sequence(&c->db->cat, q, false);
        if (q->owned_by) catalog_note_table(&c->db->cat, q->owned_by);
        if (q->owned_by)
            for (int i = 0; i < q->owned_by->ncols; i++)
                if (q->owned_by->cols[i].serial == q) q->owned_by->cols[i].serial = NULL;
        q->owned_by = NULL;
        return MDB_OK_;
    }
    if (l->n_items < 2) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "invalid OWNED BY option");
    PgQuery__RangeVar rv;
    pg_query__range_var__init(&rv);
    rv.relname = (char *)nstr(l->items[l->n_items - 2]);
    rv.schemaname = l->n_items > 2 ? (char *)nstr(l->items[l->n_items - 3]) : (char *)"";
    rv.inh = true;
    rv.location = -1;
    TableDef *t = binder_find_table(b, &rv, false);
    if (!t) return MDB_FAIL;
    const char *cn = nstr(l->items[l->n_items - 1]);
    int col = table_find_column(t, cn);
    if (col < 0) return err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cn, t->name);
    if (t->schema != q->schema) return err_set(&c->err, "55000", "sequence must be in same schema as table it is linked to");
    catalog_note_sequence(&c->db->cat, q, false);
    catalog_note_table(&c->db->cat, t);
    q->owned_by = t;
    t->cols[col].serial = q;
    return MDB_OK_;
}

static Sequence *find_sequence(MdbConn *c, Binder *b, PgQuery__RangeVar *rv)
{
    for (size_t k = 0; k < c->db->cat.schemas.n; k++) {
        Schema *s = c->db->cat.schemas.items[k];
        if (rv->schemaname && *rv->schemaname) {
            if (strcmp(s->name, rv->schemaname)) continue;
        } else if (strcmp(s->name, "public") && !strstr(c->settings.search_path, s->name)) {
            continue;
        }
        Sequence *q = schema_find_sequence(s, rv->relname);
        if (q) return q;
    }
    (void)b;
    return NULL;
}

static int create_sequence(MdbConn *c, Binder *b, PgQuery__CreateSeqStmt *cs, MdbResult *r)
{
    snprintf(r->tag, sizeof r->tag, "CREATE SEQUENCE");
    Schema *s = binder_schema_for_create(b, cs->sequence->schemaname);
    if (!s) return MDB_FAIL;
    const char *name = cs->sequence->relname;
    if (schema_name_taken(s, name)) {
        if (cs->if_not_exists) return MDB_OK_;
        return err_set_pos(&c->err, cs->sequence->location + 1, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
    }
    SeqOpts o;
    if (seq_opts_parse(c, b, cs->options, cs->n_options, &o)) return MDB_FAIL;
    Sequence tmp;
    memset(&tmp, 0, sizeof(tmp));
    pthread_mutex_init(&tmp.mu, NULL);
    tmp.increment = 1;
    int rc = seq_apply(c, &tmp, &o, true, o.type_min, o.type_max);
    pthread_mutex_destroy(&tmp.mu);
    if (rc) return MDB_FAIL;
    Sequence *q = catalog_create_sequence(&c->db->cat, s, name);
    seq_apply(c, q, &o, true, o.type_min, o.type_max);
    if (o.owned_by && seq_owned_by(c, b, q, o.owned_by)) {
        catalog_drop_sequence(&c->db->cat, q);
        return MDB_FAIL;
    }
    return persist(c);
}

static int alter_sequence(MdbConn *c, Binder *b, PgQuery__AlterSeqStmt *as, MdbResult *r)
{
    snprintf(r->tag, sizeof r->tag, "ALTER SEQUENCE");
    Sequence *q = find_sequence(c, b, as->sequence);
    if (!q) {
        if (as->missing_ok) return MDB_OK_;
        return err_set_pos(&c->err, as->sequence->location + 1, SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", as->sequence->relname);
    }
    SeqOpts o;
    if (seq_opts_parse(c, b, as->options, as->n_options, &o)) return MDB_FAIL;
    i64 tmin = INT64_MIN, tmax = INT64_MAX;
    if (q->owned_by)
        for (int i = 0; i < q->owned_by->ncols; i++)
            if (q->owned_by->cols[i].serial == q) type_bounds(q->owned_by->cols[i].type, &tmin, &tmax);
    catalog_note_sequence(&c->db->cat, q, o.has_restart != 0);
    if (seq_apply(c, q, &o, false, tmin, tmax)) return MDB_FAIL;
    if (o.owned_by && seq_owned_by(c, b, q, o.owned_by)) return MDB_FAIL;
    return persist(c);
}

/* The sequence behind a serial or identity column: named <table>_<column>_seq
 * (or by SEQUENCE NAME), bounded by the column's type. */
static int column_sequence(MdbConn *c, Binder *b, Schema *s, const char *table, ColumnDef *col, PgQuery__Node **opts, size_t nopts)
{
    SeqOpts o;
    if (seq_opts_parse(c, b, opts, nopts, &o)) return MDB_FAIL;
    char sq[256];
    snprintf(sq, sizeof sq, "%s_%s_seq", table, col->name);
    Schema *qs = s;
    if (o.seq_name && o.seq_name->node_case == PG_QUERY__NODE__NODE_LIST && o.seq_name->list->n_items) {
        PgQuery__List *l = o.seq_name->list;
        snprintf(sq, sizeof sq, "%s", nstr(l->items[l->n_items - 1]));
        if (l->n_items > 1) {
            qs = catalog_find_schema(&c->db->cat, nstr(l->items[l->n_items - 2]));
            if (!qs) return err_set(&c->err, SQLSTATE_INVALID_SCHEMA, "schema \"%s\" does not exist", nstr(l->items[l->n_items - 2]));
        }
    }
    if (col->type.id != TYPE_INT16 && col->type.id != TYPE_INT32 && col->type.id != TYPE_INT64) {
        char tb[64];
        return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "identity column type must be smallint, integer, or bigint");
        (void)tb;
    }
    i64 tmin, tmax;
    type_bounds(col->type, &tmin, &tmax);
    Sequence *q = schema_find_sequence(qs, sq);
    if (!q) {
        if (schema_name_taken(qs, sq)) return err_set(&c->err, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", sq);
        Sequence tmp;
        memset(&tmp, 0, sizeof(tmp));
        pthread_mutex_init(&tmp.mu, NULL);
        tmp.increment = 1;
        int rc = seq_apply(c, &tmp, &o, true, tmin, tmax);
        pthread_mutex_destroy(&tmp.mu);
        if (rc) return MDB_FAIL;
        q = catalog_create_sequence(&c->db->cat, qs, sq);
        seq_apply(c, q, &o, true, tmin, tmax);
    } else {
        catalog_note_sequence(&c->db->cat, q, false); /* it gets an owner */
    }
    col->serial = q;
    col->not_null = true;
    free(col->default_sql);
    char ds[600];
    if (qs == s) snprintf(ds, sizeof ds, "nextval('%s')", sq);
    else snprintf(ds, sizeof ds, "nextval('%s.%s')", qs->name, sq);
    col->default_sql = xstrdup(ds);
    return MDB_OK_;
}

/* The index of a PRIMARY KEY/UNIQUE constraint of an OLTP table (named as dml.c names
 * the constraint in its errors); tree: OLTP_NO_TREE builds a new one. */
static int oltp_unique_index_add(MdbConn *c, const char *table, const ColumnDef *cols, UniqueDef *u, TableStore *store, Txn *txn,
                                 u32 tree, TableDef *undo_tag)
{
    char nm[512], cn[512];
    size_t o = 0;
    cn[0] = 0;
    for (int k = 0; k < u->ncols && o < sizeof cn; k++) o += (size_t)snprintf(cn + o, sizeof cn - o, "%s%s", k ? ", " : "", cols[u->cols[k]].name);
    if (u->primary) snprintf(nm, sizeof nm, "%s_pkey", table);
    else if (u->ncols == 1) snprintf(nm, sizeof nm, "%s_%s_key", table, cols[u->cols[0]].name);
    else snprintf(nm, sizeof nm, "%s_key", table);
    if (oltp_index_add(store, nm, cn, u->cols, u->ncols, true, txn, &tree, &c->err)) return MDB_FAIL;
    if (undo_tag) note_store_index_add(c, undo_tag, undo_tag, nm); /* ALTER TABLE … ADD: rollback drops it */
    u->has_tree = true;
    u->tree = tree;
    return MDB_OK_;
}

static int create_table(MdbConn *c, Binder *b, PgQuery__CreateStmt *cs, const char *sql, MdbResult *r)
{
    Schema *s = binder_schema_for_create(b, cs->relation->schemaname);
    if (!s) return MDB_FAIL;
    const char *name = cs->relation->relname;
    snprintf(r->tag, sizeof r->tag, "CREATE TABLE");
    if (schema_name_taken(s, name)) {
        if (cs->if_not_exists) {
            result_add_notice(r, "42P07", "relation \"%s\" already exists, skipping", name);
            return MDB_OK_;
        }
        return err_set_pos(&c->err, cs->relation->location + 1, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
    }
    Tier tier;
    u32 tree;
    const char *utrees;
    i64 max_rows;
    int max_rows_pos;
    if (table_tier(c, cs->access_method, &tier) || table_options(c, cs->options, cs->n_options, &tree, &utrees, &max_rows, &max_rows_pos))
        return MDB_FAIL;
    if (max_rows && tier != TIER_MEMORY)
        return err_set_pos(&c->err, max_rows_pos, SQLSTATE_INVALID_PARAMETER_VALUE,
                           "option \"max_rows\" is only supported for tables USING memory (a ring buffer of the newest rows)");
    int ncols = 0;
    size_t capcols = cs->n_table_elts + 1;
    for (size_t i = 0; i < cs->n_table_elts; i++)
        if (cs->table_elts[i]->node_case == PG_QUERY__NODE__NODE_TABLE_LIKE_CLAUSE) {
            TableDef *lt = binder_find_table(b, cs->table_elts[i]->table_like_clause->relation, false);
            if (!lt) return MDB_FAIL;
            capcols += (size_t)lt->ncols;
        }
    ColumnDef *cols = xcalloc(capcols, sizeof(ColumnDef));
    UniqueDef *uq = xcalloc(cs->n_table_elts * 2 + 2, sizeof(UniqueDef));
    int nuq = 0;
    CheckDef *ck = xcalloc(cs->n_table_elts * 2 + 2, sizeof(CheckDef));
    int nck = 0;
    int rc = MDB_OK_;
    bool fk_notice = false; /* FOREIGN KEY / REFERENCES: accepted, not enforced yet */
    /* first pass: columns */
    for (size_t i = 0; i < cs->n_table_elts && !rc; i++) {
        PgQuery__Node *e = cs->table_elts[i];
        if (e->node_case == PG_QUERY__NODE__NODE_TABLE_LIKE_CLAUSE) {
            /* LIKE: names, types and NOT NULL; defaults with INCLUDING DEFAULTS (1 << 3) */
            TableDef *lt = binder_find_table(b, e->table_like_clause->relation, false);
            bool defaults = (e->table_like_clause->options & (1u << 3)) != 0;
            for (int k = 0; k < lt->ncols && !rc; k++) {
                for (int q = 0; q < ncols; q++)
                    if (!strcmp(cols[q].name, lt->cols[k].name)) { rc = err_set(&c->err, SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", lt->cols[k].name); break; }
                if (rc) break;
                cols[ncols].name = xstrdup(lt->cols[k].name);
                cols[ncols].type = lt->cols[k].type;
                cols[ncols].not_null = lt->cols[k].not_null;
                if (defaults && lt->cols[k].default_sql && !lt->cols[k].serial) cols[ncols].default_sql = xstrdup(lt->cols[k].default_sql);
                ncols++;
            }
            continue;
        }
        if (e->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF) continue;
        PgQuery__ColumnDef *cd = e->column_def;
        for (int k = 0; k < ncols; k++)
            if (!strcmp(cols[k].name, cd->colname)) { rc = err_set_pos(&c->err, cd->location + 1, SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", cd->colname); break; }
        if (rc) break;
        ColumnDef *col = &cols[ncols];
        col->name = xstrdup(cd->colname);
        /* counted even on failure: the cleanup frees the names of cols[0..ncols) */
        if (bind_typename(b, cd->type_name, &col->type)) { rc = MDB_FAIL; ncols++; break; }
        const char *tn = nstr(cd->type_name->names[cd->type_name->n_names - 1]);
        bool serial = tn && (!strcmp(tn, "serial") || !strcmp(tn, "bigserial") || !strcmp(tn, "smallserial") || !strncmp(tn, "serial", 6));
        if (serial && column_sequence(c, b, s, name, col, NULL, 0)) { rc = MDB_FAIL; ncols++; break; }
        for (size_t k = 0; k < cd->n_constraints; k++) {
            PgQuery__Constraint *ct = cd->constraints[k]->constraint;
            switch (ct->contype) {
            case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL: col->not_null = true; break;
            case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
                free(col->default_sql);
                col->default_sql = node_sql(sql, expr_location(ct->raw_expr), ct->raw_expr);
                break;
            case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
                if (col->identity) {
                    rc = err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "multiple identity specifications for column \"%s\" of table \"%s\"", col->name, name);
                    break;
                }
                if (column_sequence(c, b, s, name, col, ct->options, ct->n_options)) { rc = MDB_FAIL; break; }
                col->identity = true;
                col->identity_always = ct->generated_when && ct->generated_when[0] == 'a';
                break;
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
            case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
                /* not computed yet: refusing beats storing NULLs in the column */
                rc = err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "generated columns are not supported yet");
                break;
            case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
                fk_notice = true;
                break;
            default: break;
            }
            if (rc) break;
        }
        if (rc) { ncols++; break; }
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
        } else if (ct->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
            fk_notice = true;
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
    TableStore *store = NULL;
    if (!rc && table_store_new(c, tier, tree, cols, ncols, &store)) rc = MDB_FAIL;
    if (!rc && tier == TIER_OLTP) {
        /* an OLTP table checks its PRIMARY KEY/UNIQUE constraints through B+tree indexes
         * (replay: the trees catalog.sql names; a missing entry builds the index anew) */
        const char *p = utrees;
        for (int u = 0; u < nuq && !rc; u++) {
            u32 ut = OLTP_NO_TREE;
            if (p && *p) {
                ut = (u32)strtoul(p, (char **)&p, 10);
                if (*p == ',') p++;
            }
            rc = oltp_unique_index_add(c, name, cols, &uq[u], store, NULL, ut, NULL);
        }
        if (rc && tree == OLTP_NO_TREE) oltp_table_retire(store); /* its new trees go back */
        if (rc) tableam_destroy(store);
    }
    if (rc) {
        for (int i = 0; i < ncols; i++)
            if (cols[i].serial && !cols[i].serial->owned_by) catalog_drop_sequence(&c->db->cat, cols[i].serial);
        for (int i = 0; i < ncols; i++) { free(cols[i].name); free(cols[i].default_sql); }
        for (int u = 0; u < nuq; u++) { free(uq[u].cols); free(uq[u].name); }
        for (int k = 0; k < nck; k++) { free(ck[k].name); free(ck[k].sql); }
        free(cols);
        free(uq);
        free(ck);
        return MDB_FAIL;
    }
    TableDef *t = catalog_create_table(&c->db->cat, s, name, cols, ncols, tier, store);
    if (max_rows) {
        t->max_rows = max_rows;
        memtable_set_max_rows((MemTable *)store, max_rows);
    }
    t->uniques = uq;
    t->nuniques = nuq;
    t->checks = ck;
    t->nchecks = nck;
    for (int i = 0; i < ncols; i++)
        if (cols[i].serial) cols[i].serial->owned_by = t;
    if (fk_notice && r && !c->replaying)
        result_add_notice(r, "01000", "FOREIGN KEY constraints of \"%s\" are not enforced yet", name);
    note_store_table(c, t, false);
    return persist(c);
}

/* ---- ALTER TABLE ------------------------------------------------------------ */

/* An execution context for evaluating expressions during DDL. */
typedef struct DdlEval {
    Arena *a;
    Exec ex;
    ExprCtx ec;
    Err er;
} DdlEval;

static void ddleval_init(DdlEval *d, MdbConn *c, Txn *txn)
{
    memset(d, 0, sizeof(*d));
    d->a = arena_create(NULL);
    exec_init(&d->ex, d->a, &c->db->cat, &c->settings, txn);
    d->ex.session = (struct Session *)c;
    exprctx_init(&d->ec, &d->ex, d->a);
    d->ec.fctx.err = &d->er;
}

static int ddleval_fail(DdlEval *d, MdbConn *c)
{
    if (d->er.is_set) err_move(&c->err, &d->er);
    else if (d->ex.err.is_set) err_move(&c->err, &d->ex.err);
    return MDB_FAIL;
}

typedef struct AddColFill {
    DdlEval *d;
    Expr *def;
    bool failed;
} AddColFill;

static int add_col_fill(void *ctx, Value *out)
{
    AddColFill *f = ctx;
    if (expr_eval_const(&f->d->ec, f->def, out)) {
        f->failed = true;
        return MDB_FAIL;
    }
    return MDB_OK_;
}

static void ddleval_end(DdlEval *d)
{
    err_clear(&d->er);
    exec_cleanup(&d->ex);
    arena_destroy(d->a);
}

/* Binds a column default (SQL text) coerced to the column's type. */
static int bind_default(MdbConn *c, Binder *b, const char *text, const ColumnDef *cd, Expr **out)
{
    Binder db;
    BindShared sh;
    memset(&sh, 0, sizeof(sh));
    binder_init(&db, b->arena, b->cat, b->settings, &c->err, &sh, NULL);
    char *q = arena_printf(b->arena, "SELECT %s", text);
    ParseResult pr;
    if (parser_parse(q, &pr, &c->err)) return MDB_FAIL;
    PgQuery__Node *n = pr.tree->stmts[0]->stmt->select_stmt->target_list[0]->res_target->val;
    Expr *e;
    int rc = bind_expr(&db, n, &e) || bind_coerce_assign(&db, e, cd->type, cd->name, &e);
    parser_free(&pr);
    if (rc) return MDB_FAIL;
    *out = e;
    return MDB_OK_;
}

static int chunk_has_null(void *ctx, DataChunk *sc)
{
    bool *found = ctx;
    for (idx_t i = 0; i < sc->count && !*found; i++) *found = vector_is_null(&sc->cols[0], i);
    return *found ? 1 : 0;
}

/* True when some visible row has NULL in column col. */
static bool column_has_nulls(TableDef *t, int col, Txn *txn)
{
    bool found = false;
    Err er = {0};
    tableam_scan_all(t->store, txn, false, &t->cols[col].type, &col, 1, chunk_has_null, &found, &er);
    err_clear(&er);
    return found;
}

/* ALTER TABLE … ADD PRIMARY KEY / UNIQUE: checks the rows already there (no duplicate keys,
 * no NULL in a primary key) and records the constraint, which later writes enforce. */
static int alter_add_unique(MdbConn *c, TableDef *t, PgQuery__Constraint *ct, Txn *txn)
{
    bool primary = ct->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
    if (ct->n_keys == 0) return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "this form of ALTER TABLE is not supported yet");
    for (int u = 0; u < t->nuniques && primary; u++)
        if (t->uniques[u].primary) return err_set(&c->err, "42P16", "multiple primary keys for table \"%s\" are not allowed", t->name);
    int *cols = xmalloc(sizeof(int) * (ct->n_keys + 1));
    for (size_t k = 0; k < ct->n_keys; k++) {
        const char *cn = nstr(ct->keys[k]);
        cols[k] = table_find_column(t, cn);
        if (cols[k] < 0) {
            free(cols);
            return err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cn, t->name);
        }
        if (primary && !t->cols[cols[k]].not_null && column_has_nulls(t, cols[k], txn)) {
            free(cols);
            return err_set(&c->err, SQLSTATE_NOT_NULL_VIOLATION, "column \"%s\" of relation \"%s\" contains null values", cn, t->name);
        }
    }
    Arena *a = arena_create(NULL);
    TableScan ms;
    tableam_scan_begin(&ms, t->store, a, false);
    void *ml = tableam_scan_local(&ms, a);
    DataChunk sc;
    LType *tys = arena_alloc(a, sizeof(LType) * ct->n_keys);
    for (size_t k = 0; k < ct->n_keys; k++) tys[k] = t->cols[cols[k]].type;
    chunk_init(&sc, tys, (int)ct->n_keys, VECTOR_SIZE, a);
    KeyTable kt;
    keytable_init(&kt);
    bool dup = false;
    int src = MDB_OK_;
    while (!dup) {
        chunk_reset(&sc);
        if (tableam_scan_next(&ms, ml, txn, cols, (int)ct->n_keys, &sc, &c->err)) {
            src = MDB_FAIL;
            break;
        }
        if (sc.count == 0) break;
        KeyBuf kb;
        keys_encode(sc.arena, sc.cols, (int)ct->n_keys, sc.count, &kb);
        for (idx_t i = 0; i < sc.count && !dup; i++) {
            if (kb.has_null[i]) continue;
            bool ins;
            keytable_find(&kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, &ins);
            dup = !ins;
        }
    }
    keytable_free(&kt);
    tableam_scan_local_end(&ms, ml);
    arena_destroy(a);
    if (src) {
        free(cols);
        return MDB_FAIL;
    }
    if (dup) {
        free(cols);
        return err_set(&c->err, SQLSTATE_UNIQUE_VIOLATION, "could not create unique index \"%s_%s\"", t->name, primary ? "pkey" : "key");
    }
    t->uniques = xrealloc(t->uniques, sizeof(UniqueDef) * (size_t)(t->nuniques + 1));
    UniqueDef *ud = &t->uniques[t->nuniques++];
    ud->primary = primary;
    ud->ncols = (int)ct->n_keys;
    ud->cols = cols;
    ud->name = xstrdup(primary ? "pkey" : "key");
    ud->has_tree = false;
    if (oltp_table_is(t->store) && oltp_unique_index_add(c, t->name, t->cols, ud, t->store, txn, OLTP_NO_TREE, t)) {
        free(ud->name);
        free(ud->cols);
        t->nuniques--;
        return MDB_FAIL;
    }
    if (primary)
        for (int k = 0; k < ud->ncols; k++) t->cols[cols[k]].not_null = true;
    return MDB_OK_;
}

static int chunk_any(void *ctx, DataChunk *sc)
{
    *(bool *)ctx = sc->count > 0;
    return 1;
}

static bool table_has_rows(TableDef *t, Txn *txn)
{
    LType it = ltype(TYPE_INT64);
    int rid = -1;
    bool any = false;
    Err er = {0};
    tableam_scan_all(t->store, txn, false, &it, &rid, 1, chunk_any, &any, &er);
    err_clear(&er);
    return any;
}

/* Whole-word occurrence of an identifier in SQL text (outside quotes). */
static bool sql_mentions(const char *sql, const char *ident)
{
    size_t n = strlen(ident);
    char q = 0;
    for (const char *p = sql; *p; p++) {
        if (q) { if (*p == q) q = 0; continue; }
        if (*p == '\'') { q = *p; continue; }
        if (*p == '"') {
            if (!strncmp(p + 1, ident, n) && p[1 + n] == '"') return true;
            q = '"';
            continue;
        }
        if (!strncasecmp(p, ident, n) && (p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
            !(isalnum((unsigned char)p[n]) || p[n] == '_'))
            return true;
    }
    return false;
}

/* Replaces whole-word occurrences of `from` by the quoted identifier `to`. */
static char *sql_rename(const char *sql, const char *from, const char *to)
{
    size_t n = strlen(from);
    size_t cap = strlen(sql) * 2 + strlen(to) * 8 + 16, o = 0;
    char *out = xmalloc(cap);
    char q = 0;
    for (const char *p = sql; *p;) {
        if (o + strlen(to) + 4 >= cap) { cap *= 2; out = xrealloc(out, cap); }
        if (q) { if (*p == q) q = 0; out[o++] = *p++; continue; }
        if (*p == '\'') { q = *p; out[o++] = *p++; continue; }
        bool quoted = *p == '"' && !strncmp(p + 1, from, n) && p[1 + n] == '"';
        bool bare = !quoted && !strncasecmp(p, from, n) && (p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '"')) &&
                    !(isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '"');
        if (quoted || bare) {
            o += (size_t)snprintf(out + o, cap - o, "\"%s\"", to);
            p += n + (quoted ? 2 : 0);
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = 0;
    return out;
}

static int alter_add_column(MdbConn *c, Binder *b, TableDef *t, PgQuery__AlterTableCmd *cmd, const char *sql, Txn *txn)
{
    PgQuery__ColumnDef *cd = cmd->def->column_def;
    if (table_find_column(t, cd->colname) >= 0) {
        if (cmd->missing_ok) return MDB_OK_;
        return err_set(&c->err, SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" of relation \"%s\" already exists", cd->colname, t->name);
    }
    ColumnDef col;
    memset(&col, 0, sizeof(col));
    col.name = xstrdup(cd->colname);
    if (bind_typename(b, cd->type_name, &col.type)) { free(col.name); return MDB_FAIL; }
    const char *tn = nstr(cd->type_name->names[cd->type_name->n_names - 1]);
    bool serial = tn && !strncmp(tn, "serial", 6);
    bool bigserial = tn && (!strcmp(tn, "bigserial") || !strcmp(tn, "smallserial"));
    int rc = MDB_OK_;
    if ((serial || bigserial) && column_sequence(c, b, t->schema, t->name, &col, NULL, 0)) rc = MDB_FAIL;
    char *check_sql = NULL, *check_name = NULL;
    for (size_t k = 0; k < cd->n_constraints && !rc; k++) {
        PgQuery__Constraint *ct = cd->constraints[k]->constraint;
        switch (ct->contype) {
        case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL: col.not_null = true; break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_NULL: break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
            free(col.default_sql);
            col.default_sql = node_sql(sql, expr_location(ct->raw_expr), ct->raw_expr);
            break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
            if (column_sequence(c, b, t->schema, t->name, &col, ct->options, ct->n_options)) { rc = MDB_FAIL; break; }
            col.identity = true;
            col.identity_always = ct->generated_when && ct->generated_when[0] == 'a';
            break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK: {
            char nm[256];
            snprintf(nm, sizeof nm, "%s_%s_check", t->name, cd->colname);
            check_name = xstrdup(ct->conname && *ct->conname ? ct->conname : nm);
            check_sql = node_sql(sql, expr_location(ct->raw_expr), ct->raw_expr);
            break;
        }
        default:
            rc = err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "this constraint is not supported in ALTER TABLE ADD COLUMN yet");
            break;
        }
    }
    /* existing rows get the default: once for a stable default, per row otherwise */
    Expr *def = NULL;
    if (!rc && col.default_sql && bind_default(c, b, col.default_sql, &col, &def)) rc = MDB_FAIL;
    bool volatile_def = def && !expr_is_foldable(def);
    Value fill = value_null();
    DdlEval d;
    ddleval_init(&d, c, txn);
    if (!rc && def && !volatile_def && expr_eval_const(&d.ec, def, &fill)) rc = ddleval_fail(&d, c);
    if (!rc && col.not_null && !def && table_has_rows(t, txn))
        rc = err_set(&c->err, SQLSTATE_NOT_NULL_VIOLATION, "column \"%s\" of relation \"%s\" contains null values", col.name, t->name);
    if (!rc && col.not_null && def && !volatile_def && fill.is_null && table_has_rows(t, txn))
        rc = err_set(&c->err, SQLSTATE_NOT_NULL_VIOLATION, "column \"%s\" of relation \"%s\" contains null values", col.name, t->name);
    /* a volatile default gives every row version its own value (nextval(), random()); a
     * failure there leaves the column added, as before */
    AddColFill af = {&d, def, false};
    int ci = t->ncols;
    OltpRewriteSave *sv = !rc && oltp_table_is(t->store) ? oltp_rewrite_save(t->store) : NULL;
    if (!rc && tableam_add_column(t->store, col.type, &fill, volatile_def ? add_col_fill : NULL, &af, &c->err)) {
        if (af.failed) rc = ddleval_fail(&d, c);
        else rc = MDB_FAIL;
    }
    if (sv && rc) oltp_rewrite_release(sv);
    else if (sv) note_rewrite(c, t, sv, NULL, false);
    /* an OLTP table is rewritten with the column, or not changed at all */
    if (rc && (!af.failed || oltp_table_is(t->store))) {
        ddleval_end(&d);
        if (col.serial && !col.serial->owned_by) catalog_drop_sequence(&c->db->cat, col.serial);
        free(col.name);
        free(col.default_sql);
        free(check_sql);
        free(check_name);
        return MDB_FAIL;
    }
    ddleval_end(&d);
    t->cols = xrealloc(t->cols, sizeof(ColumnDef) * (size_t)(t->ncols + 1));
    t->cols[ci] = col;
    t->ncols++;
    if (col.serial) col.serial->owned_by = t;
    if (check_sql) {
        t->checks = xrealloc(t->checks, sizeof(CheckDef) * (size_t)(t->nchecks + 1));
        t->checks[t->nchecks].name = check_name;
        t->checks[t->nchecks].sql = check_sql;
        t->nchecks++;
    }
    c->db->cat.version++;
    if (!oltp_table_is(t->store)) {
        /* MEMORY: rollback drops the column from the rows again (an OLTP rewrite is final) */
        StoreColumnUndo *u = xmalloc(sizeof(StoreColumnUndo));
        u->store = t->store;
        u->col = ci;
        catalog_undo_callback(&c->db->cat, t, undo_store_column_add, NULL, u);
    }
    return rc;
}

static int alter_drop_column(MdbConn *c, TableDef *t, PgQuery__AlterTableCmd *cmd)
{
    int col = table_find_column(t, cmd->name);
    if (col < 0) {
        if (cmd->missing_ok) return MDB_OK_;
        return err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cmd->name, t->name);
    }
    /* views that use the column */
    if (cmd->behavior != PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
        for (size_t i = 0; i < c->db->cat.schemas.n; i++) {
            Schema *s = c->db->cat.schemas.items[i];
            for (size_t k = 0; k < s->views.n; k++) {
                ViewDef *v = s->views.items[k];
                if (sql_mentions(v->sql, t->name) && sql_mentions(v->sql, cmd->name)) {
                    err_set(&c->err, SQLSTATE_DEPENDENT_OBJECTS, "cannot drop column %s of table %s because other objects depend on it", cmd->name, t->name);
                    err_detail(&c->err, "view %s depends on column %s of table %s", v->name, cmd->name, t->name);
                    err_hint(&c->err, "Use DROP ... CASCADE to drop the dependent objects too.");
                    return MDB_FAIL;
                }
            }
        }
    /* the rows first: a tier that cannot drop columns leaves everything as it was; the
     * old rows are kept for a rollback */
    if (memory_table(t)) {
        note_rewrite(c, t, NULL, memtable_detach_column((MemTable *)t->store, col), false);
    } else {
        OltpRewriteSave *sv = oltp_table_is(t->store) ? oltp_rewrite_save(t->store) : NULL;
        if (tableam_drop_column(t->store, col, &c->err)) {
            oltp_rewrite_release(sv);
            return MDB_FAIL;
        }
        if (sv) note_rewrite(c, t, sv, NULL, false);
    }
    /* constraints and indexes on the column go with it */
    for (int u = 0; u < t->nuniques;) {
        UniqueDef *ud = &t->uniques[u];
        bool uses = false;
        for (int k = 0; k < ud->ncols; k++) uses |= ud->cols[k] == col;
        if (uses) {
            free(ud->cols);
            free(ud->name);
            memmove(ud, ud + 1, sizeof(UniqueDef) * (size_t)(t->nuniques - u - 1));
            t->nuniques--;
            continue;
        }
        for (int k = 0; k < ud->ncols; k++)
            if (ud->cols[k] > col) ud->cols[k]--;
        u++;
    }
    for (int k = 0; k < t->nchecks;) {
        if (sql_mentions(t->checks[k].sql, cmd->name)) {
            free(t->checks[k].name);
            free(t->checks[k].sql);
            memmove(&t->checks[k], &t->checks[k + 1], sizeof(CheckDef) * (size_t)(t->nchecks - k - 1));
            t->nchecks--;
            continue;
        }
        k++;
    }
    Schema *s = t->schema;
    for (size_t i = 0; i < s->indexes.n;) {
        IndexDef *ix = s->indexes.items[i];
        bool uses = false;
        for (int k = 0; ix->table == t && k < ix->nkeys; k++) uses |= !strcmp(ix->keys[k], cmd->name);
        if (uses) catalog_drop_index(&c->db->cat, ix);
        else i++;
    }
    ColumnDef *cd = &t->cols[col];
    if (cd->serial && cd->serial->owned_by == t) catalog_drop_sequence(&c->db->cat, cd->serial);
    free(cd->name);
    free(cd->default_sql);
    memmove(&t->cols[col], &t->cols[col + 1], sizeof(ColumnDef) * (size_t)(t->ncols - col - 1));
    t->ncols--;
    c->db->cat.version++;
    return MDB_OK_;
}

typedef struct RetypeCtx {
    DdlEval *d;
    LType to;
} RetypeCtx;

static int retype_segment(void *ctx, const Vector *src, idx_t n, Vector *dst)
{
    RetypeCtx *rc = ctx;
    Vector tmp;
    vector_init(&tmp, rc->to, n, rc->d->a);
    if (cast_vector(&rc->d->ec.fctx, src, n, rc->to, &tmp, false)) return MDB_FAIL;
    vector_copy(&tmp, NULL, n, dst, 0);
    arena_reset(rc->d->a);
    return MDB_OK_;
}

static int alter_column_type(MdbConn *c, Binder *b, TableDef *t, int col, PgQuery__AlterTableCmd *cmd, Txn *txn)
{
    PgQuery__ColumnDef *cd = cmd->def->column_def;
    if (cd->raw_default) return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "ALTER COLUMN TYPE … USING is not supported yet");
    LType to;
    if (bind_typename(b, cd->type_name, &to)) return MDB_FAIL;
    ColumnDef *def = &t->cols[col];
    Expr probe;
    memset(&probe, 0, sizeof(probe));
    probe.kind = EXPR_COLREF;
    probe.type = def->type;
    Expr *o;
    Err save = c->err;
    memset(&c->err, 0, sizeof(c->err));
    if (bind_coerce_assign(b, &probe, to, def->name, &o)) {
        err_clear(&c->err);
        c->err = save;
        char tb[64];
        type_name(to, tb, sizeof tb);
        err_set(&c->err, SQLSTATE_DATATYPE_MISMATCH, "column \"%s\" cannot be cast automatically to type %s", def->name, tb);
        err_hint(&c->err, "You might need to specify \"USING %s::%s\".", def->name, tb);
        return MDB_FAIL;
    }
    c->err = save;
    DdlEval d;
    ddleval_init(&d, c, txn);
    RetypeCtx rc = {&d, to};
    /* the default must still fit the new type */
    Expr *de;
    ColumnDef nd = *def;
    nd.type = to;
    if (def->default_sql && bind_default(c, b, def->default_sql, &nd, &de)) {
        ddleval_end(&d);
        return MDB_FAIL;
    }
    /* the old rows are kept for a rollback */
    MemColumnSave *msv = NULL;
    OltpRewriteSave *osv = oltp_table_is(t->store) ? oltp_rewrite_save(t->store) : NULL;
    int frc = memory_table(t) ? memtable_retype_column((MemTable *)t->store, col, to, retype_segment, &rc, &msv)
                              : tableam_retype_column(t->store, col, to, retype_segment, &rc, &c->err);
    if (frc) {
        oltp_rewrite_release(osv);
        int r2 = ddleval_fail(&d, c);
        ddleval_end(&d);
        return r2;
    }
    if (osv || msv) note_rewrite(c, t, osv, msv, msv != NULL);
    ddleval_end(&d);
    def->type = to;
    c->db->cat.version++;
    return MDB_OK_;
}

/* TRUNCATE of one table.  The rows are deleted as this transaction (ROLLBACK brings
 * them back, concurrent snapshots keep seeing them, as with DELETE), except that an
 * OLTP table outside a transaction block is rewritten into new, empty trees (faster;
 * the old trees are switched back to if the statement fails). */
typedef struct TruncRows {
    u64 *rows;
    size_t n, cap;
} TruncRows;

static int truncate_collect(void *ctx, DataChunk *d)
{
    TruncRows *tr = ctx;
    for (idx_t i = 0; i < d->count; i++) {
        if (tr->n == tr->cap) {
            tr->cap = tr->cap ? tr->cap * 2 : 1024;
            tr->rows = xrealloc(tr->rows, sizeof(u64) * tr->cap);
        }
        tr->rows[tr->n++] = (u64)((i64 *)d->cols[0].data)[i];
    }
    return 0;
}

static int truncate_table(MdbConn *c, TableDef *t, Txn *txn)
{
    if (!c->txn && oltp_table_is(t->store)) {
        OltpRewriteSave *sv = oltp_table_is(t->store) ? oltp_rewrite_save(t->store) : NULL;
        if (tableam_truncate(t->store, &c->err)) {
            oltp_rewrite_release(sv);
            return MDB_FAIL;
        }
        /* a later table of the same statement may fail: the old trees are kept until commit */
        if (sv) note_rewrite(c, t, sv, NULL, false);
        return MDB_OK_;
    }
    TruncRows tr = {0};
    LType ty = ltype(TYPE_INT64);
    int col = -1;
    int rc = tableam_scan_all(t->store, txn, false, &ty, &col, 1, truncate_collect, &tr, &c->err);
    for (size_t i = 0; i < tr.n && !rc; i++) {
        bool already;
        rc = tableam_delete(t->store, txn, tr.rows[i], &already, &c->err);
    }
    free(tr.rows);
    return rc;
}

static int alter_table(MdbConn *c, Binder *b, PgQuery__AlterTableStmt *as, const char *sql, MdbResult *r, Txn *txn)
{
    snprintf(r->tag, sizeof r->tag, "ALTER TABLE");
    if (as->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE || as->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW)
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "this form of ALTER is not supported yet");
    TableDef *t = binder_find_table(b, as->relation, as->missing_ok);
    if (!t) return as->missing_ok ? MDB_OK_ : MDB_FAIL;
    catalog_note_table(&c->db->cat, t); /* rollback restores the definition */
    for (size_t i = 0; i < as->n_cmds; i++) {
        PgQuery__AlterTableCmd *cmd = as->cmds[i]->alter_table_cmd;
        int col = cmd->name && *cmd->name ? table_find_column(t, cmd->name) : -1;
        bool needs_col = cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault || cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull ||
                         cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull || cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType ||
                         cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropIdentity;
        if (needs_col && col < 0)
            return err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cmd->name, t->name);
        switch (cmd->subtype) {
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
            if (alter_add_column(c, b, t, cmd, sql, txn)) return MDB_FAIL;
            break;
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
            if (alter_drop_column(c, t, cmd)) return MDB_FAIL;
            break;
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault: {
            ColumnDef *cd = &t->cols[col];
            if (cd->identity)
                return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "column \"%s\" of relation \"%s\" is an identity column", cd->name, t->name);
            if (cmd->def) {
                char *text = node_sql(sql, expr_location(cmd->def), cmd->def);
                Expr *e;
                if (bind_default(c, b, text, cd, &e)) { free(text); return MDB_FAIL; }
                free(cd->default_sql);
                cd->default_sql = text;
            } else {
                free(cd->default_sql);
                cd->default_sql = NULL;
            }
            break;
        }
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
            if (!t->cols[col].not_null && column_has_nulls(t, col, txn))
                return err_set(&c->err, SQLSTATE_NOT_NULL_VIOLATION, "column \"%s\" of relation \"%s\" contains null values", cmd->name, t->name);
            t->cols[col].not_null = true;
            break;
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
            for (int u = 0; u < t->nuniques; u++)
                if (t->uniques[u].primary)
                    for (int k = 0; k < t->uniques[u].ncols; k++)
                        if (t->uniques[u].cols[k] == col) return err_set(&c->err, "42P16", "column \"%s\" is in a primary key", cmd->name);
            if (t->cols[col].identity)
                return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "column \"%s\" of relation \"%s\" is an identity column", cmd->name, t->name);
            t->cols[col].not_null = false;
            break;
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
            if (alter_column_type(c, b, t, col, cmd, txn)) return MDB_FAIL;
            break;
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropIdentity: {
            ColumnDef *cd = &t->cols[col];
            if (!cd->identity) {
                if (cmd->missing_ok) break;
                return err_set(&c->err, "55000", "column \"%s\" of relation \"%s\" is not an identity column", cd->name, t->name);
            }
            if (cd->serial) catalog_drop_sequence(&c->db->cat, cd->serial);
            cd->serial = NULL;
            cd->identity = cd->identity_always = false;
            free(cd->default_sql);
            cd->default_sql = NULL;
            break;
        }
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint: {
            PgQuery__Constraint *ct = cmd->def && cmd->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT ? cmd->def->constraint : NULL;
            if (!ct || (ct->contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY && ct->contype != PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE) || (ct->indexname && *ct->indexname))
                return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "this form of ALTER TABLE is not supported yet");
            if (alter_add_unique(c, t, ct, txn)) return MDB_FAIL;
            break;
        }
        default:
            return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "this form of ALTER TABLE is not supported yet");
        }
    }
    c->db->cat.version++;
    return persist(c);
}

static int rename_stmt(MdbConn *c, Binder *b, PgQuery__RenameStmt *rs, MdbResult *r)
{
    switch (rs->rename_type) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN: {
        snprintf(r->tag, sizeof r->tag, "ALTER TABLE");
        TableDef *t = binder_find_table(b, rs->relation, rs->missing_ok);
        if (!t) return rs->missing_ok ? MDB_OK_ : MDB_FAIL;
        int col = table_find_column(t, rs->subname);
        if (col < 0) return err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" does not exist", rs->subname);
        if (table_find_column(t, rs->newname) >= 0)
            return err_set(&c->err, SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" of relation \"%s\" already exists", rs->newname, t->name);
        catalog_note_table(&c->db->cat, t);
        for (size_t i = 0; i < t->schema->indexes.n; i++)
            if (((IndexDef *)t->schema->indexes.items[i])->table == t) catalog_note_index(&c->db->cat, t->schema->indexes.items[i]);
        for (int k = 0; k < t->nchecks; k++) {
            char *n = sql_rename(t->checks[k].sql, rs->subname, rs->newname);
            free(t->checks[k].sql);
            t->checks[k].sql = n;
        }
        Schema *s = t->schema;
        for (size_t i = 0; i < s->indexes.n; i++) {
            IndexDef *ix = s->indexes.items[i];
            for (int k = 0; ix->table == t && k < ix->nkeys; k++)
                if (!strcmp(ix->keys[k], rs->subname)) {
                    free(ix->keys[k]);
                    ix->keys[k] = xstrdup(rs->newname);
                }
        }
        free(t->cols[col].name);
        t->cols[col].name = xstrdup(rs->newname);
        break;
    }
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: {
        bool seq = rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE, view = rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW;
        snprintf(r->tag, sizeof r->tag, seq ? "ALTER SEQUENCE" : view ? "ALTER VIEW" : "ALTER TABLE");
        Schema *s = NULL;
        char **namep = NULL;
        Sequence *rq = NULL;
        ViewDef *rv = NULL;
        TableDef *rt = NULL;
        if (seq) {
            Sequence *q = find_sequence(c, b, rs->relation);
            if (q) { s = q->schema; namep = &q->name; rq = q; }
        } else if (view) {
            for (size_t k = 0; k < c->db->cat.schemas.n && !namep; k++) {
                Schema *sc = c->db->cat.schemas.items[k];
                if (rs->relation->schemaname && *rs->relation->schemaname && strcmp(sc->name, rs->relation->schemaname)) continue;
                ViewDef *v = schema_find_view(sc, rs->relation->relname);
                if (v) { s = sc; namep = &v->name; rv = v; }
            }
        } else {
            TableDef *t = binder_find_table(b, rs->relation, true);
            if (t) { s = t->schema; namep = &t->name; rt = t; }
        }
        if (!namep) {
            if (rs->missing_ok) return MDB_OK_;
            err_clear(&c->err);
            return err_set_pos(&c->err, rs->relation->location + 1, SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rs->relation->relname);
        }
        if (schema_name_taken(s, rs->newname)) return err_set(&c->err, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", rs->newname);
        /* rollback restores the old name */
        if (rq) catalog_note_sequence(&c->db->cat, rq, false);
        if (rv) catalog_note_view(&c->db->cat, rv);
        if (rt) catalog_note_table(&c->db->cat, rt);
        free(*namep);
        *namep = xstrdup(rs->newname);
        break;
    }
    default:
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "this form of ALTER … RENAME is not supported yet");
    }
    c->db->cat.version++;
    return persist(c);
}

/* ---- CREATE TABLE AS / SELECT INTO ------------------------------------------------ */

static int create_table_as(MdbConn *c, Binder *b, PgQuery__Node *query, PgQuery__IntoClause *into, bool if_not_exists, const Value *params,
                           int nparams, MdbResult *r, Txn *txn);

int ddl_create_table_as(MdbConn *c, Binder *b, PgQuery__Node *query, PgQuery__IntoClause *into, bool if_not_exists, const Value *params,
                        int nparams, MdbResult *r, Txn *txn)
{
    CatUndoLog *prev = c->db->cat.undo;
    c->db->cat.undo = &c->cat_undo;
    int rc = create_table_as(c, b, query, into, if_not_exists, params, nparams, r, txn);
    c->db->cat.undo = prev;
    return rc;
}

static int create_table_as(MdbConn *c, Binder *b, PgQuery__Node *query, PgQuery__IntoClause *into, bool if_not_exists, const Value *params,
                           int nparams, MdbResult *r, Txn *txn)
{
    snprintf(r->tag, sizeof r->tag, "CREATE TABLE AS");
    if (query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "CREATE TABLE AS supports a query only");
    Schema *s = binder_schema_for_create(b, into->rel->schemaname);
    if (!s) return MDB_FAIL;
    const char *name = into->rel->relname;
    if (schema_name_taken(s, name)) {
        if (if_not_exists) return MDB_OK_;
        return err_set_pos(&c->err, into->rel->location + 1, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
    }
    Tier tier;
    if (table_tier(c, into->access_method, &tier)) return MDB_FAIL;
    LogicalOp *plan;
    char **names;
    if (bind_select(b, query->select_stmt, &plan, &names)) return MDB_FAIL;
    if ((int)into->n_col_names > plan->ncols) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "too many column names were specified");
    ColumnDef *cols = xcalloc((size_t)plan->ncols + 1, sizeof(ColumnDef));
    for (int i = 0; i < plan->ncols; i++) {
        const char *cn = (size_t)i < into->n_col_names ? nstr(into->col_names[i]) : names[i];
        cols[i].name = xstrdup(cn ? cn : "?column?");
        LType t = plan->types[i];
        if (t.id == TYPE_NULL || (t.id == TYPE_TEXT && t.text_kind == TEXT_UNKNOWN)) t = ltype(TYPE_TEXT);
        cols[i].type = t;
        for (int k = 0; k < i; k++)
            if (!strcmp(cols[k].name, cols[i].name)) {
                int rc = err_set(&c->err, SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", cols[i].name);
                for (int q = 0; q <= i; q++) free(cols[q].name);
                free(cols);
                return rc;
            }
    }
    TableStore *store;
    if (table_store_new(c, tier, OLTP_NO_TREE, cols, plan->ncols, &store)) {
        for (int q = 0; q < plan->ncols; q++) free(cols[q].name);
        free(cols);
        return MDB_FAIL;
    }
    TableDef *t = catalog_create_table(&c->db->cat, s, name, cols, plan->ncols, tier, store);
    note_store_table(c, t, false);
    i64 n = 0;
    int rc = MDB_OK_;
    if (!into->skip_data) {
        ColumnCollection *rows = colcoll_create(plan->types, plan->ncols);
        rc = engine_exec_query(c, b, plan, params, nparams, txn, rows, false, NULL, b->arena);
        DmlWriter *w = rc ? NULL : dml_writer_open(c, b, t, txn);
        if (!rc && !w) rc = MDB_FAIL;
        int *map = arena_alloc(b->arena, sizeof(int) * (size_t)(plan->ncols + 1));
        for (int i = 0; i < plan->ncols; i++) map[i] = i;
        for (size_t ci = 0; ci < rows->nchunks && !rc; ci++) rc = dml_writer_write(w, rows->chunks[ci], map);
        if (w) {
            n = dml_writer_count(w);
            dml_writer_close(w);
        }
        colcoll_destroy(rows);
    }
    if (rc) {
        catalog_drop_table(&c->db->cat, t);
        return MDB_FAIL;
    }
    snprintf(r->tag, sizeof r->tag, "SELECT %lld", (long long)n);
    r->rows_affected = n;
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
                if (ds->missing_ok) {
                    result_add_notice(r, "00000", "schema \"%s\" does not exist, skipping", oname);
                    continue;
                }
                return err_set(&c->err, SQLSTATE_INVALID_SCHEMA, "schema \"%s\" does not exist", oname);
            }
            if ((s->tables.n || s->views.n || s->sequences.n) && ds->behavior != PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
                return err_set(&c->err, SQLSTATE_DEPENDENT_OBJECTS, "cannot drop schema %s because other objects depend on it", oname);
            for (size_t k = 0; k < s->tables.n; k++) note_store_table(c, s->tables.items[k], true);
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
        if (!obj && ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
            /* a view (or sequence) by that name: PostgreSQL says it is not a table */
            for (size_t k = 0; k < c->db->cat.schemas.n; k++) {
                Schema *s = c->db->cat.schemas.items[k];
                if (sname && strcmp(s->name, sname)) continue;
                if (schema_find_view(s, oname)) {
                    err_set(&c->err, SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a table", oname);
                    err_hint(&c->err, "Use DROP VIEW to remove a view.");
                    return MDB_FAIL;
                }
            }
        }
        if (!obj) {
            if (ds->missing_ok) {
                /* PostgreSQL's NOTICE: the kind in lower case, the name as written */
                const char *kind = ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ? "view"
                                   : ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX ? "index"
                                   : ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE ? "sequence" : "table";
                if (sname && !catalog_find_schema(&c->db->cat, sname))
                    result_add_notice(r, "00000", "schema \"%s\" does not exist, skipping", sname);
                else
                    result_add_notice(r, "00000", "%s \"%s\" does not exist, skipping", kind, oname);
                continue;
            }
            const char *kind = ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ? "table" : ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ? "view" : ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX ? "index" : "sequence";
            return err_set(&c->err, SQLSTATE_UNDEFINED_TABLE, "%s \"%s\" does not exist", kind, oname);
        }
        switch (ds->remove_type) {
        case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
            note_store_table(c, obj, true);
            catalog_drop_table(&c->db->cat, obj);
            break;
        case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: catalog_drop_view(&c->db->cat, obj); break;
        case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
            if (oltp_table_is(((IndexDef *)obj)->table->store)) {
                /* the tier drops the index at commit; until then it is kept under a hidden name */
                IndexDef *ix = obj;
                StoreIndexUndo *u = xcalloc(1, sizeof(StoreIndexUndo));
                u->store = ix->table->store;
                snprintf(u->name, sizeof u->name, "%s", ix->name);
                snprintf(u->hidden, sizeof u->hidden, "\"dropped index %u\"", ix->oid);
                oltp_index_rename(u->store, u->name, u->hidden);
                catalog_undo_callback(&c->db->cat, NULL, undo_store_index_drop, commit_store_index_drop, u);
            }
            catalog_drop_index(&c->db->cat, obj);
            break;
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
    /* the view's text: from the SELECT keyword to the end of the statement.  `sql` may hold
     * several statements (a multi-statement query, the catalog replay): the search starts at
     * the view's name and stops at the first ';' outside quotes, comments and parentheses */
    const char *p = sql;
    if (vs->view->location > 0 && (size_t)vs->view->location < strlen(sql)) p = sql + vs->view->location;
    const char *as = NULL;
    for (const char *q = p; *q; q++)
        if (!strncasecmp(q, " AS ", 4) || !strncasecmp(q, " AS\n", 4) || !strncasecmp(q, "\nAS ", 4)) { as = q + 4; break; }
    if (!as) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "could not find the view's query");
    while (*as == ' ' || *as == '\n') as++;
    size_t len = 0, code_end = 0; /* code_end: after the last character that is not blank or comment */
    for (int depth = 0; as[len]; len++) {
        char ch = as[len];
        if (ch == '\'' || ch == '"') {
            for (len++; as[len] && as[len] != ch; len++) {}
            if (!as[len]) break;
            code_end = len + 1;
        } else if (ch == '-' && as[len + 1] == '-') {
            while (as[len + 1] && as[len + 1] != '\n') len++;
        } else if (ch == '/' && as[len + 1] == '*') {
            const char *e = strstr(as + len + 2, "*/");
            if (!e) { len = strlen(as); break; }
            len = (size_t)(e - as) + 1;
        } else if (ch == ';' && depth <= 0) {
            break;
        } else {
            depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
            if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') code_end = len + 1;
        }
    }
    len = code_end;
    char *text = xstrndup(as, len);
    char *cn[256];
    int ncn = 0;
    for (size_t i = 0; i < vs->n_aliases && i < 256; i++) cn[ncn++] = (char *)nstr(vs->aliases[i]);
    if (old) catalog_drop_view(&c->db->cat, old);
    catalog_create_view(&c->db->cat, s, vs->view->relname, text, cn, ncn);
    free(text);
    return persist(c);
}

static int ddl_run_stmt(MdbConn *c, Binder *b, PgQuery__Node *stmt, const Value *params, int nparams, MdbResult *r, Txn *txn);

/* Every catalog change of the statement goes into the transaction's undo log
 * (transactional DDL, src/catalog/README.md); the caller holds the catalog lock
 * exclusively. */
int ddl_run(MdbConn *c, Binder *b, PgQuery__Node *stmt, const Value *params, int nparams, MdbResult *r, Txn *txn)
{
    CatUndoLog *prev = c->db->cat.undo;
    c->db->cat.undo = &c->cat_undo;
    int rc = ddl_run_stmt(c, b, stmt, params, nparams, r, txn);
    c->db->cat.undo = prev;
    return rc;
}

static int ddl_run_stmt(MdbConn *c, Binder *b, PgQuery__Node *stmt, const Value *params, int nparams, MdbResult *r, Txn *txn)
{
    /* the statement's own text for defaults and views */
    extern __thread const char *mdb_current_sql;
    const char *sql = mdb_current_sql ? mdb_current_sql : "";
    switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_STMT: return create_table(c, b, stmt->create_stmt, sql, r);
    case PG_QUERY__NODE__NODE_DROP_STMT: return drop(c, b, stmt->drop_stmt, r);
    case PG_QUERY__NODE__NODE_VIEW_STMT: return create_view(c, b, stmt->view_stmt, sql, r);
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT: return create_sequence(c, b, stmt->create_seq_stmt, r);
    case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT: return alter_sequence(c, b, stmt->alter_seq_stmt, r);
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: return alter_table(c, b, stmt->alter_table_stmt, sql, r, txn);
    case PG_QUERY__NODE__NODE_RENAME_STMT: return rename_stmt(c, b, stmt->rename_stmt, r);
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT: {
        PgQuery__CreateTableAsStmt *ct = stmt->create_table_as_stmt;
        if (ct->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW)
            return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "materialized views are not supported yet");
        return ddl_create_table_as(c, b, ct->query, ct->into, ct->if_not_exists, params, nparams, r, txn);
    }
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
        if (oltp_table_is(t->store)) {
            /* OLTP: a B+tree over plain columns (expression indexes stay catalog entries) */
            int *icols = xmalloc(sizeof(int) * (is->n_index_params + 1));
            char cn[512];
            size_t o = 0;
            cn[0] = 0;
            bool plain = is->n_index_params > 0;
            for (size_t i = 0; i < is->n_index_params && plain; i++) {
                PgQuery__IndexElem *ie = is->index_params[i]->index_elem;
                icols[i] = ie->name ? table_find_column(t, ie->name) : -1;
                if (icols[i] < 0) plain = false;
                else if (o < sizeof cn) o += (size_t)snprintf(cn + o, sizeof cn - o, "%s%s", i ? ", " : "", ie->name);
            }
            u32 itree;
            int irc = table_options(c, is->options, is->n_options, &itree, NULL, NULL, NULL);
            if (!irc && plain) irc = oltp_index_add(t->store, nm, cn, icols, (int)is->n_index_params, is->unique, txn, &itree, &c->err);
            if (!irc && plain) note_store_index_add(c, NULL, t, nm); /* rollback: the tier drops it */
            free(icols);
            if (irc) return MDB_FAIL;
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
        return persist(c);
    }
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT: {
        PgQuery__TruncateStmt *ts = stmt->truncate_stmt;
        snprintf(r->tag, sizeof r->tag, "TRUNCATE TABLE");
        for (size_t i = 0; i < ts->n_relations; i++) /* every name first, as PostgreSQL does */
            if (!binder_find_table(b, ts->relations[i]->range_var, false)) return MDB_FAIL;
        for (size_t i = 0; i < ts->n_relations; i++) {
            TableDef *t = binder_find_table(b, ts->relations[i]->range_var, false);
            if (truncate_table(c, t, txn)) return MDB_FAIL;
            if (ts->restart_seqs)
                for (int k = 0; k < t->ncols; k++) {
                    Sequence *q = t->cols[k].serial;
                    if (!q) continue;
                    catalog_note_sequence(&c->db->cat, q, true); /* rollback restores it */
                    pthread_mutex_lock(&q->mu);
                    q->last = q->start;
                    q->called = false;
                    pthread_mutex_unlock(&q->mu);
                }
        }
        return persist(c);
    }
    case PG_QUERY__NODE__NODE_VACUUM_STMT: return ddl_vacuum(c, b, stmt->vacuum_stmt, r);
    default:
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "statement type %d is not supported yet", (int)stmt->node_case);
    }
}
