/*
 * src/main/dml.c — INSERT, UPDATE and DELETE, and the sequence functions.
 *
 * The rows to write are computed by an ordinary query plan (the VALUES list
 * or SELECT of an INSERT; a scan of the target with its hidden row-id column
 * for UPDATE and DELETE), then cast to the column types, checked (NOT NULL,
 * PRIMARY KEY/UNIQUE, CHECK) and written through the table's tier.
 * UPDATE ends the old versions and appends new ones.  UPDATE … FROM and
 * DELETE … USING bind the target scan joined with the other FROM items (each
 * target row is written at most once: a row already ended by this statement
 * is skipped).  RETURNING of INSERT is evaluated over the rows written;
 * RETURNING of UPDATE/DELETE is part of the plan (new values resp. old row).
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec/keys.h"
#include "main/engine.h"

__thread const char *mdb_current_sql;

static const char *nstr(PgQuery__Node *n) { return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL; }

/* ---- sequences ------------------------------------------------------------------ */

static Sequence *find_seq(MdbConn *c, const char *name)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", name);
    char *dot = strchr(buf, '.');
    /* this may run on an executor thread: a sequence created by the connection's own
     * uncommitted transaction is found, another transaction's is not */
    catalog_viewer = &c->cat_undo;
    for (size_t i = 0; i < c->db->cat.schemas.n; i++) {
        Schema *s = c->db->cat.schemas.items[i];
        if (dot) {
            *dot = 0;
            if (strcmp(s->name, buf)) { *dot = '.'; continue; }
            Sequence *q = schema_find_sequence(s, dot + 1);
            *dot = '.';
            if (q) return q;
        } else {
            Sequence *q = schema_find_sequence(s, buf);
            if (q) return q;
        }
    }
    return NULL;
}

/* The sequence named by row i's first argument; 42P01 when there is none. */
static Sequence *seq_arg(FuncCtx *ctx, Vector *args, idx_t i, char *name, size_t cap)
{
    MdbConn *c = (MdbConn *)ctx->session;
    const Str *s = &((Str *)args[0].data)[i];
    snprintf(name, cap, "%.*s", (int)s->len, str_data(s));
    Sequence *q = c ? find_seq(c, name) : NULL;
    if (!q) err_set(ctx->err, SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", name);
    return q;
}

static int k_nextval(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    char name[256];
    for (idx_t i = 0; i < n; i++) {
        if (out->nulls && out->nulls[i]) continue;
        Sequence *q = seq_arg(ctx, args, i, name, sizeof name);
        if (!q || sequence_next(q, &((i64 *)out->data)[i], ctx->err)) return MDB_FAIL;
    }
    return MDB_OK_;
}

static int k_currval(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    char name[256];
    for (idx_t i = 0; i < n; i++) {
        if (out->nulls && out->nulls[i]) continue;
        Sequence *q = seq_arg(ctx, args, i, name, sizeof name);
        if (!q) return MDB_FAIL;
        if (!q->called) return err_set(ctx->err, "55000", "currval of sequence \"%s\" is not yet defined in this session", name);
        ((i64 *)out->data)[i] = q->last;
    }
    return MDB_OK_;
}

static int k_setval(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    char name[256];
    for (idx_t i = 0; i < n; i++) {
        if (out->nulls && out->nulls[i]) continue;
        Sequence *q = seq_arg(ctx, args, i, name, sizeof name);
        if (!q) return MDB_FAIL;
        i64 v = ((i64 *)args[1].data)[i];
        sequence_set(q, v, nargs < 3 || args[2].data[i]);
        ((i64 *)out->data)[i] = v;
    }
    return MDB_OK_;
}

static const ScalarFunc SEQ_FUNCS[] = {
    {"nextval", 1, {TYPE_TEXT}, TYPE_INT64, FUNC_VOLATILE, k_nextval},
    {"currval", 1, {TYPE_TEXT}, TYPE_INT64, FUNC_VOLATILE, k_currval},
    {"setval", 2, {TYPE_TEXT, TYPE_INT64}, TYPE_INT64, FUNC_VOLATILE, k_setval},
    {"setval", 3, {TYPE_TEXT, TYPE_INT64, TYPE_BOOL}, TYPE_INT64, FUNC_VOLATILE, k_setval},
};

void dml_register_functions(void) { func_register_scalar(SEQ_FUNCS, MDB_ARRAY_LEN(SEQ_FUNCS)); }

/* ---- writing rows ---------------------------------------------------------------- */

typedef struct Writer {
    MdbConn *c;
    TableDef *t;
    Txn *txn;
    Arena *arena;
    Expr **defaults;    /* bound defaults per column (NULL = none) */
    Expr **checks;      /* bound CHECK constraints over a full row */
    Binder *b;
    i64 count;
    const Value *params; /* statement parameters, for defaults and RETURNING */
    int nparams;
    int nret;           /* INSERT … RETURNING: expressions over the new row */
    Expr **ret;
    ColumnCollection *ret_rows;
    bool keep_keys;     /* insert-only: build each unique key table once and keep it */
    bool uk_scanned;    /* the existing rows' keys are in uk */
    KeyTable *uk;       /* kept key tables, one per unique constraint */
    const bool *assigned; /* UPDATE: columns given new values; a constraint none of whose
                           * columns is assigned keeps its (already unique) keys unchecked */
} Writer;

static int parse_expr_text(Binder *b, const char *text, PgQuery__Node **out, ParseResult *pr)
{
    char *sql = arena_printf(b->arena, "SELECT %s", text);
    if (parser_parse(sql, pr, b->err)) return MDB_FAIL;
    *out = pr->tree->stmts[0]->stmt->select_stmt->target_list[0]->res_target->val;
    return MDB_OK_;
}

static int writer_init(Writer *w, MdbConn *c, Binder *b, TableDef *t, Txn *txn)
{
    memset(w, 0, sizeof(*w));
    w->c = c;
    w->t = t;
    w->txn = txn;
    w->arena = b->arena;
    w->b = b;
    w->defaults = arena_zalloc(b->arena, sizeof(Expr *) * (size_t)(t->ncols + 1));
    Binder db;
    BindShared sh;
    memset(&sh, 0, sizeof(sh));
    for (int i = 0; i < t->ncols; i++) {
        if (!t->cols[i].default_sql) continue;
        binder_init(&db, b->arena, b->cat, b->settings, b->err, &sh, NULL);
        ParseResult pr;
        PgQuery__Node *n;
        if (parse_expr_text(&db, t->cols[i].default_sql, &n, &pr)) return MDB_FAIL;
        Expr *e;
        int rc = bind_expr(&db, n, &e) || bind_coerce_assign(&db, e, t->cols[i].type, t->cols[i].name, &e);
        parser_free(&pr);
        if (rc) return MDB_FAIL;
        w->defaults[i] = e;
    }
    w->checks = arena_zalloc(b->arena, sizeof(Expr *) * (size_t)(t->nchecks + 1));
    for (int k = 0; k < t->nchecks; k++) {
        binder_init(&db, b->arena, b->cat, b->settings, b->err, &sh, NULL);
        ScopeEntry *se = scope_entry_for_table(&db, t, t->name, 0);
        scope_add(&db, se);
        ParseResult pr;
        PgQuery__Node *n;
        if (parse_expr_text(&db, t->checks[k].sql, &n, &pr)) return MDB_FAIL;
        Expr *e;
        int rc = bind_expr(&db, n, &e);
        parser_free(&pr);
        if (rc) return MDB_FAIL;
        w->checks[k] = e;
    }
    return MDB_OK_;
}

static void resolve_row_refs(Expr *e)
{
    if (!e) return;
    if (e->kind == EXPR_COLREF) e->u.col.index = (int)e->u.col.binding.column;
    for (int i = 0; i < e->nargs; i++) resolve_row_refs(e->args[i]);
}

static char *key_text(Arena *a, DataChunk *d, idx_t row, UniqueDef *u, TableDef *t, char *cols_out, size_t cap)
{
    size_t o = 0;
    char *vals = arena_alloc(a, 1024);
    size_t vo = 0;
    for (int k = 0; k < u->ncols; k++) {
        o += (size_t)snprintf(cols_out + o, cap - o, "%s%s", k ? ", " : "", t->cols[u->cols[k]].name);
        Value v = vector_get(&d->cols[u->cols[k]], row);
        char buf[128];
        const char *p;
        size_t n = value_to_text(&v, buf, sizeof buf, a, &p);
        vo += (size_t)snprintf(vals + vo, 1024 - vo, "%s%.*s", k ? ", " : "", (int)n, p ? p : "null");
        if (vo >= 1000) break;
    }
    return vals;
}

/* Checks the full rows in `d` and appends them to the table. */
/* The engine's unique check found the key of new row i (key bytes key[0..len)) among the latest
 * versions: true when every version of the table holding it belongs to a transaction still in
 * progress (inserting or deleting it).  The tier then noted the conflict in the Txn and the engine
 * waits for that transaction and runs the statement again, as PostgreSQL waits; a committed (or
 * our own) version, or a duplicate among the statement's own new rows, is a plain 23505. */
static bool dup_in_progress(Writer *w, UniqueDef *ud, const u8 *key, u32 len)
{
    TableStore *st = w->t->store;
    Arena *a = arena_create(NULL);
    int *cols = arena_alloc(a, sizeof(int) * (size_t)(ud->ncols + 1));
    LType *tys = arena_alloc(a, sizeof(LType) * (size_t)(ud->ncols + 1));
    for (int k = 0; k < ud->ncols; k++) cols[k] = ud->cols[k], tys[k] = w->t->cols[ud->cols[k]].type;
    cols[ud->ncols] = -1; /* the row id */
    tys[ud->ncols] = ltype(TYPE_INT64);
    TableScan ms;
    tableam_scan_begin(&ms, st, a, true);
    void *ml = tableam_scan_local(&ms, a);
    DataChunk sc;
    chunk_init(&sc, tys, ud->ncols + 1, VECTOR_SIZE, a);
    bool busy = false, committed = false;
    while (!committed) {
        chunk_reset(&sc);
        Err e = {0};
        if (tableam_scan_next(&ms, ml, w->txn, cols, ud->ncols + 1, &sc, &e)) {
            err_clear(&e);
            committed = true; /* cannot tell: report the duplicate */
            break;
        }
        if (sc.count == 0) break;
        KeyBuf kb;
        keys_encode(sc.arena, sc.cols, ud->ncols, sc.count, &kb);
        for (idx_t r = 0; r < sc.count && !committed; r++) {
            if (kb.off[r + 1] - kb.off[r] != len || memcmp(kb.data + kb.off[r], key, len) != 0) continue;
            if (tableam_row_busy(st, w->txn, (u64)((i64 *)sc.cols[ud->ncols].data)[r])) busy = true;
            else committed = true;
        }
    }
    tableam_scan_local_end(&ms, ml);
    arena_destroy(a);
    return busy && !committed;
}

static int write_rows(Writer *w, DataChunk *d)
{
    TableDef *t = w->t;
    Err *err = &w->c->err;
    for (int col = 0; col < t->ncols; col++) {
        if (!t->cols[col].not_null) continue;
        Vector *v = &d->cols[col];
        for (idx_t i = 0; i < d->count; i++)
            if (vector_is_null(v, i)) {
                err_set(err, SQLSTATE_NOT_NULL_VIOLATION, "null value in column \"%s\" of relation \"%s\" violates not-null constraint",
                        t->cols[col].name, t->name);
                return MDB_FAIL;
            }
    }
    if (t->nchecks) {
        Arena *a = arena_create(NULL);
        Exec ex;
        exec_init(&ex, a, &w->c->db->cat, &w->c->settings, w->txn);
        ex.session = (struct Session *)w->c;
        ExprCtx ec;
        exprctx_init(&ec, &ex, a);
        int rc = MDB_OK_;
        for (int k = 0; k < t->nchecks && !rc; k++) {
            Expr *e = expr_copy(a, w->checks[k]);
            resolve_row_refs(e);
            Vector v;
            if (expr_eval(&ec, e, d, &v)) { err_move(err, &ex.err); rc = MDB_FAIL; break; }
            for (idx_t i = 0; i < d->count; i++) {
                idx_t q = v.is_const ? 0 : i;
                if (!(v.nulls && v.nulls[q]) && !v.data[q]) {
                    err_set(err, SQLSTATE_CHECK_VIOLATION, "new row for relation \"%s\" violates check constraint \"%s\"", t->name, t->checks[k].name);
                    rc = MDB_FAIL;
                    break;
                }
            }
        }
        exec_cleanup(&ex);
        arena_destroy(a);
        if (rc) return MDB_FAIL;
    }
    /* a tier with unique indexes (OLTP) checks the constraints itself as it inserts */
    for (int u = 0; u < t->nuniques && !tableam_checks_unique(t->store); u++) {
        /* collect keys of visible rows, then probe with the new ones */
        UniqueDef *ud = &t->uniques[u];
        if (w->assigned) {
            bool touched = false;
            for (int k = 0; k < ud->ncols; k++) touched |= w->assigned[ud->cols[k]];
            if (!touched) continue;
        }
        KeyTable ktl;
        KeyTable *ktp = &ktl;
        bool scan = true;
        if (w->keep_keys) {
            /* the table's existing keys are scanned once per writer, for every
             * constraint, on the first batch; later batches add their own keys */
            if (!w->uk) {
                w->uk = arena_zalloc(w->arena, sizeof(KeyTable) * (size_t)t->nuniques);
                for (int k = 0; k < t->nuniques; k++) keytable_init(&w->uk[k]);
            }
            scan = !w->uk_scanned;
            ktp = &w->uk[u];
        } else {
            keytable_init(&ktl);
        }
        KeyTable *kt = ktp;
        Arena *a = arena_create(NULL);
        /* uniqueness is checked against the latest versions, not our snapshot:
         * a key committed (or being inserted) by another transaction counts */
        TableScan ms;
        if (scan) tableam_scan_begin(&ms, t->store, a, true);
        void *ml = scan ? tableam_scan_local(&ms, a) : NULL;
        DataChunk sc;
        LType *tys = arena_alloc(a, sizeof(LType) * (size_t)ud->ncols);
        for (int k = 0; k < ud->ncols; k++) tys[k] = t->cols[ud->cols[k]].type;
        chunk_init(&sc, tys, ud->ncols, VECTOR_SIZE, a);
        int rc = MDB_OK_;
        for (; scan;) {
            chunk_reset(&sc);
            if (tableam_scan_next(&ms, ml, w->txn, ud->cols, ud->ncols, &sc, err)) {
                rc = MDB_FAIL;
                break;
            }
            if (sc.count == 0) break;
            KeyBuf kb;
            keys_encode(sc.arena, sc.cols, ud->ncols, sc.count, &kb);
            for (idx_t i = 0; i < sc.count; i++)
                if (!kb.has_null[i]) keytable_find(kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, NULL);
        }
        if (scan) tableam_scan_local_end(&ms, ml);
        Vector *kc = arena_alloc(a, sizeof(Vector) * (size_t)ud->ncols);
        for (int k = 0; k < ud->ncols; k++) kc[k] = d->cols[ud->cols[k]];
        KeyBuf kb;
        keys_encode(a, kc, ud->ncols, d->count, &kb);
        for (idx_t i = 0; i < d->count && !rc; i++) {
            if (kb.has_null[i]) continue;
            bool ins;
            keytable_find(kt, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i], kb.hash[i], true, &ins);
            if (!ins && tableam_has_row_busy(t->store) && dup_in_progress(w, ud, kb.data + kb.off[i], kb.off[i + 1] - kb.off[i])) {
                err_set(err, SQLSTATE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent insert or delete of the same key");
                rc = MDB_FAIL;
            } else if (!ins) {
                char cols[512];
                char *vals = key_text(a, d, i, ud, t, cols, sizeof cols);
                err_set(err, SQLSTATE_UNIQUE_VIOLATION, "duplicate key value violates unique constraint \"%s_%s\"", t->name,
                        ud->primary ? "pkey" : ud->ncols == 1 ? arena_printf(a, "%s_key", t->cols[ud->cols[0]].name) : "key");
                err_detail(err, "Key (%s)=(%s) already exists.", cols, vals);
                rc = MDB_FAIL;
            }
        }
        if (!w->keep_keys) keytable_free(&ktl);
        arena_destroy(a);
        if (rc) return MDB_FAIL;
    }
    if (w->keep_keys) w->uk_scanned = true;
    if (tableam_insert(t->store, w->txn, d, err)) return MDB_FAIL;
    w->count += (i64)d->count;
    return MDB_OK_;
}

/* Builds full table rows from `src` (columns map[i] = source column or -1) and writes them. */
static int write_mapped(Writer *w, DataChunk *src, const int *map)
{
    TableDef *t = w->t;
    Arena *a = arena_create(NULL);
    LType *tys = arena_alloc(a, sizeof(LType) * (size_t)(t->ncols + 1));
    for (int i = 0; i < t->ncols; i++) tys[i] = t->cols[i].type;
    DataChunk d;
    chunk_init(&d, tys, t->ncols, src->count ? src->count : 1, a);
    Exec ex;
    exec_init(&ex, a, &w->c->db->cat, &w->c->settings, w->txn);
    ex.session = (struct Session *)w->c;
    ex.params = w->params;
    ex.nparams = w->nparams;
    ExprCtx ec;
    exprctx_init(&ec, &ex, a);
    Err er = {0};
    ec.fctx.err = &er;
    int rc = MDB_OK_;
    for (int col = 0; col < t->ncols && !rc; col++) {
        Vector *dst = &d.cols[col];
        if (map[col] >= 0) {
            Vector *sv = &src->cols[map[col]];
            if (ltype_eq(sv->type, tys[col]) && !(tys[col].id == TYPE_TEXT && tys[col].mod1 >= 0)) {
                vector_copy(sv, NULL, src->count, dst, 0);
            } else if (cast_vector(&ec.fctx, sv, src->count, tys[col], dst, false)) {
                err_move(&w->c->err, &er);
                rc = MDB_FAIL;
            } else if (dst->is_const) {
                Vector f;
                vector_init(&f, tys[col], src->count, a);
                vector_copy(dst, NULL, src->count, &f, 0);
                *dst = f;
            }
        } else if (w->defaults[col]) {
            /* evaluated per row: nextval() must advance for each */
            for (idx_t i = 0; i < src->count && !rc; i++) {
                Value v;
                if (expr_eval_const(&ec, w->defaults[col], &v)) { err_move(&w->c->err, &ex.err); rc = MDB_FAIL; break; }
                vector_set(dst, i, &v);
            }
        } else {
            memset(vector_nulls(dst), 1, src->count ? src->count : 1);
        }
    }
    d.count = src->count;
    if (!rc) rc = write_rows(w, &d);
    if (!rc && w->nret && d.count) {
        /* RETURNING over the rows as written (after casts and defaults) */
        LType *rt = arena_alloc(a, sizeof(LType) * (size_t)w->nret);
        for (int k = 0; k < w->nret; k++) rt[k] = w->ret[k]->type;
        DataChunk out;
        chunk_init(&out, rt, w->nret, d.count, a);
        for (int k = 0; k < w->nret && !rc; k++) {
            Expr *e = expr_copy(a, w->ret[k]);
            resolve_row_refs(e);
            Vector v;
            if (expr_eval(&ec, e, &d, &v)) {
                if (er.is_set) err_move(&w->c->err, &er);
                else err_move(&w->c->err, &ex.err);
                rc = MDB_FAIL;
                break;
            }
            vector_copy(&v, NULL, d.count, &out.cols[k], 0);
        }
        out.count = d.count;
        if (!rc) colcoll_append(w->ret_rows, &out, NULL, out.count);
    }
    err_clear(&er);
    exec_cleanup(&ex);
    arena_destroy(a);
    return rc;
}

/* Binds a RETURNING list in the binder's current scope; `*` expands over
 * every range of the scope. */
static int bind_returning(Binder *b, PgQuery__Node **list, size_t n, Expr ***exprs, char ***names, int *nout)
{
    int cap = (int)n + 16, cnt = 0;
    Expr **ex = arena_alloc(b->arena, sizeof(Expr *) * (size_t)cap);
    char **nm = arena_alloc(b->arena, sizeof(char *) * (size_t)cap);
    b->clause = "RETURNING";
    b->agg_allowed = false;
    for (size_t i = 0; i < n; i++) {
        PgQuery__ResTarget *rt = list[i]->res_target;
        PgQuery__Node *v = rt->val;
        if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && v->column_ref->n_fields &&
            v->column_ref->fields[v->column_ref->n_fields - 1]->node_case == PG_QUERY__NODE__NODE_A_STAR) {
            const char *rel = v->column_ref->n_fields > 1 ? nstr(v->column_ref->fields[v->column_ref->n_fields - 2]) : NULL;
            bool any = false;
            for (int k = 0; k < b->scope.n; k++) {
                ScopeEntry *e = b->scope.entries[k];
                if (rel && (!e->alias || strcmp(e->alias, rel))) continue;
                if (!rel && !e->alias && !e->exprs) continue;
                any = true;
                for (int col = 0; col < e->ncols; col++) {
                    if (!rel && e->hidden && e->hidden[col]) continue;
                    if (cnt == cap) {
                        cap *= 2;
                        Expr **nx = arena_alloc(b->arena, sizeof(Expr *) * (size_t)cap);
                        char **nn = arena_alloc(b->arena, sizeof(char *) * (size_t)cap);
                        memcpy(nx, ex, sizeof(Expr *) * (size_t)cnt);
                        memcpy(nn, nm, sizeof(char *) * (size_t)cnt);
                        ex = nx;
                        nm = nn;
                    }
                    ex[cnt] = e->exprs ? e->exprs[col] : expr_colref(b->arena, e->bindings[col], e->types[col], 0);
                    nm[cnt++] = e->names[col];
                }
            }
            if (!any) return err_set_pos(b->err, v->column_ref->location + 1, SQLSTATE_UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", rel ? rel : "?");
            continue;
        }
        if (cnt == cap) {
            cap *= 2;
            Expr **nx = arena_alloc(b->arena, sizeof(Expr *) * (size_t)cap);
            char **nn = arena_alloc(b->arena, sizeof(char *) * (size_t)cap);
            memcpy(nx, ex, sizeof(Expr *) * (size_t)cnt);
            memcpy(nn, nm, sizeof(char *) * (size_t)cnt);
            ex = nx;
            nm = nn;
        }
        Expr *e;
        if (bind_expr(b, v, &e)) return MDB_FAIL;
        if (e->kind == EXPR_CONST && e->type.id == TYPE_TEXT && e->type.text_kind == TEXT_UNKNOWN) {
            e = arena_memdup(b->arena, e, sizeof(Expr));
            e->type.text_kind = TEXT_PLAIN;
            e->u.constant.type.text_kind = TEXT_PLAIN;
        }
        if (e->kind == EXPR_CONST && e->type.id == TYPE_NULL) {
            e = arena_memdup(b->arena, e, sizeof(Expr));
            e->type = ltype(TYPE_TEXT);
        }
        ex[cnt] = e;
        nm[cnt++] = arena_strdup(b->arena, rt->name && *rt->name ? rt->name : binder_column_name(v));
    }
    b->clause = NULL;
    *exprs = ex;
    *names = nm;
    *nout = cnt;
    return MDB_OK_;
}

static void returning_result(MdbResult *r, Arena *a, Expr **ex, char **names, int n, ColumnCollection **rows)
{
    LType *types = arena_alloc(a, sizeof(LType) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) types[i] = ex[i]->type;
    result_set_columns(r, n, names, types);
    r->rows = colcoll_create(types, n);
    *rows = r->rows;
}

static int identity_error(Err *err, const ColumnDef *cd, bool update)
{
    if (update) err_set(err, "428C9", "column \"%s\" can only be updated to DEFAULT", cd->name);
    else err_set(err, "428C9", "cannot insert a non-DEFAULT value into column \"%s\"", cd->name);
    err_detail(err, "Column \"%s\" is an identity column defined as GENERATED ALWAYS.", cd->name);
    if (!update) err_hint(err, "Use OVERRIDING SYSTEM VALUE to override.");
    return MDB_FAIL;
}

static int run_insert(MdbConn *c, Binder *b, PgQuery__InsertStmt *is, const Value *params, int nparams, MdbResult *r, Txn *txn)
{
    TableDef *t = binder_find_table(b, is->relation, false);
    if (!t) return MDB_FAIL;
    int *map = arena_alloc(b->arena, sizeof(int) * (size_t)(t->ncols + 1));
    for (int i = 0; i < t->ncols; i++) map[i] = -1;
    int ntarget = 0;
    int *target = arena_alloc(b->arena, sizeof(int) * (size_t)(t->ncols + is->n_cols + 1));
    if (is->n_cols) {
        for (size_t i = 0; i < is->n_cols; i++) {
            PgQuery__ResTarget *rt = is->cols[i]->res_target;
            int col = table_find_column(t, rt->name);
            if (col < 0)
                return err_set_pos(&c->err, rt->location + 1, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", rt->name, t->name);
            if (map[col] >= 0) return err_set_pos(&c->err, rt->location + 1, SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", rt->name);
            map[col] = ntarget;
            target[ntarget++] = col;
        }
    } else {
        for (int i = 0; i < t->ncols; i++) target[ntarget++] = i;
    }
    Writer w;
    if (writer_init(&w, c, b, t, txn)) return MDB_FAIL;
    w.params = params;
    w.nparams = nparams;
    w.keep_keys = true;
    if (is->n_returning_list) {
        /* RETURNING sees the new row under the target's name */
        Binder rb;
        binder_init(&rb, b->arena, b->cat, b->settings, b->err, b->shared, NULL);
        u32 ti = binder_new_table_index(&rb);
        scope_add(&rb, scope_entry_for_table(&rb, t, is->relation->alias ? is->relation->alias->aliasname : t->name, ti));
        char **names;
        if (bind_returning(&rb, is->returning_list, is->n_returning_list, &w.ret, &names, &w.nret)) return MDB_FAIL;
        for (int k = 0; k < w.nret; k++)
            if (expr_has_subquery(w.ret[k]))
                return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "subqueries in INSERT … RETURNING are not supported yet");
        returning_result(r, b->arena, w.ret, names, w.nret, &w.ret_rows);
    }
    snprintf(r->tag, sizeof r->tag, "INSERT 0 0");
    if (!is->select_stmt) {
        /* DEFAULT VALUES */
        DataChunk one;
        Arena *a = arena_create(NULL);
        chunk_init(&one, NULL, 0, 1, a);
        one.count = 1;
        int *nomap = arena_alloc(a, sizeof(int) * (size_t)(t->ncols + 1));
        for (int i = 0; i < t->ncols; i++) nomap[i] = -1;
        int rc = write_mapped(&w, &one, nomap);
        arena_destroy(a);
        if (rc) return MDB_FAIL;
        snprintf(r->tag, sizeof r->tag, "INSERT 0 %lld", (long long)w.count);
        r->rows_affected = w.count;
        return MDB_OK_;
    }
    PgQuery__SelectStmt *sel = is->select_stmt->select_stmt;
    if (is->with_clause && !sel->with_clause) sel->with_clause = is->with_clause;
    LogicalOp *plan;
    char **names;
    if (bind_select(b, sel, &plan, &names)) return MDB_FAIL;
    if (plan->ncols > ntarget) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "INSERT has more expressions than target columns");
    if (plan->ncols < ntarget && is->n_cols) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "INSERT has more target columns than expressions");
    /* positional: source column i goes to target[i] */
    for (int i = 0; i < t->ncols; i++) map[i] = -1;
    for (int i = 0; i < plan->ncols; i++) map[target[i]] = i;
    /* identity columns: GENERATED ALWAYS takes only DEFAULT unless OVERRIDING SYSTEM VALUE;
     * OVERRIDING USER VALUE ignores the given values */
    for (int i = 0; i < plan->ncols; i++) {
        ColumnDef *cd = &t->cols[target[i]];
        if (!cd->identity) continue;
        if (is->override == PG_QUERY__OVERRIDING_KIND__OVERRIDING_USER_VALUE) { map[target[i]] = -1; continue; }
        if (!cd->identity_always || is->override == PG_QUERY__OVERRIDING_KIND__OVERRIDING_SYSTEM_VALUE) continue;
        bool all_default = plan->kind == LOP_VALUES;
        for (int rr = 0; all_default && rr < plan->u.values.nrows; rr++)
            if (plan->u.values.rows[rr][i]) all_default = false;
        if (!all_default) return identity_error(&c->err, cd, false);
    }
    /* check assignment compatibility up front for a clear error */
    for (int i = 0; i < plan->ncols; i++) {
        LType from = plan->types[i], to = t->cols[target[i]].type;
        Expr probe;
        memset(&probe, 0, sizeof(probe));
        probe.kind = EXPR_COLREF;
        probe.type = from;
        Expr *o;
        if (from.id != TYPE_NULL && !(from.id == TYPE_TEXT && from.text_kind == TEXT_UNKNOWN) &&
            bind_coerce_assign(b, &probe, to, t->cols[target[i]].name, &o))
            return MDB_FAIL;
    }
    /* INSERT … VALUES: each expression is coerced to its target column directly,
     * as PostgreSQL does, not through the VALUES list's common type */
    if (plan->kind == LOP_VALUES && plan->u.values.raw) {
        for (int k = 0; k < plan->ncols; k++) plan->types[k] = t->cols[target[k]].type;
        for (int rr = 0; rr < plan->u.values.nrows; rr++)
            for (int k = 0; k < plan->ncols; k++) {
                Expr *x = plan->u.values.raw[rr][k];
                if (!x) { plan->u.values.rows[rr][k] = NULL; continue; }
                if (bind_coerce_assign(b, x, t->cols[target[k]].type, t->cols[target[k]].name, &plan->u.values.rows[rr][k]))
                    return MDB_FAIL;
            }
    }
    /* DEFAULT inside VALUES rows: evaluated per row */
    if (plan->kind == LOP_VALUES) {
        for (int rr = 0; rr < plan->u.values.nrows; rr++)
            for (int k = 0; k < plan->ncols; k++)
                if (!plan->u.values.rows[rr][k]) {
                    Expr *d = w.defaults[target[k]];
                    if (!d) d = expr_const(b->arena, value_null(), 0);
                    if (!ltype_eq(d->type, plan->types[k])) bind_cast(b, d, plan->types[k], true, &d);
                    plan->u.values.rows[rr][k] = d;
                }
    }
    ColumnCollection *rows = colcoll_create(plan->types, plan->ncols);
    int rc = engine_exec_query(c, b, plan, params, nparams, txn, rows, false, NULL, b->arena);
    for (size_t ci = 0; ci < rows->nchunks && !rc; ci++) rc = write_mapped(&w, rows->chunks[ci], map);
    colcoll_destroy(rows);
    if (w.uk)
        for (int k = 0; k < t->nuniques; k++) keytable_free(&w.uk[k]);
    if (rc) return MDB_FAIL;
    snprintf(r->tag, sizeof r->tag, "INSERT 0 %lld", (long long)w.count);
    r->rows_affected = w.count;
    return MDB_OK_;
}

/* Binds the FROM items of UPDATE … FROM / DELETE … USING (and the statement's
 * WITH clause) into the binder's scope, next to the target, by binding
 * `SELECT 1 FROM items` in the same binder and keeping the plan below the
 * projection. */
static int bind_extra_from(Binder *b, PgQuery__Node **items, size_t n, PgQuery__WithClause *with, LogicalOp **out)
{
    *out = NULL;
    if (!n && !with) return MDB_OK_;
    PgQuery__Integer iv;
    pg_query__integer__init(&iv);
    iv.ival = 1;
    PgQuery__AConst ac;
    pg_query__a__const__init(&ac);
    ac.val_case = PG_QUERY__A__CONST__VAL_IVAL;
    ac.ival = &iv;
    ac.location = -1;
    PgQuery__Node cn;
    pg_query__node__init(&cn);
    cn.node_case = PG_QUERY__NODE__NODE_A_CONST;
    cn.a_const = &ac;
    PgQuery__ResTarget rt;
    pg_query__res_target__init(&rt);
    rt.val = &cn;
    rt.location = -1;
    PgQuery__Node rn;
    pg_query__node__init(&rn);
    rn.node_case = PG_QUERY__NODE__NODE_RES_TARGET;
    rn.res_target = &rt;
    PgQuery__Node *rnp = &rn;
    PgQuery__SelectStmt s;
    pg_query__select_stmt__init(&s);
    s.n_target_list = 1;
    s.target_list = &rnp;
    s.n_from_clause = n;
    s.from_clause = items;
    s.with_clause = with;
    s.op = PG_QUERY__SET_OPERATION__SETOP_NONE;
    s.limit_option = PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_DEFAULT;
    LogicalOp *plan;
    char **names;
    if (bind_select(b, &s, &plan, &names)) return MDB_FAIL;
    b->agg_allowed = false;
    b->cur_select = NULL;
    if (plan->kind != LOP_PROJECT) return err_set(b->err, SQLSTATE_INTERNAL_ERROR, "unexpected plan for FROM items");
    if (n) *out = plan->children[0];
    return MDB_OK_;
}

/* Binds `FROM table [, extra items] WHERE …` with a row-id column; returns the
 * plan (the target's columns come first, then its row id, then the columns of
 * the extra items) and the target's table index. */
static int bind_target_scan(Binder *b, PgQuery__RangeVar *rv, PgQuery__Node **from, size_t nfrom, PgQuery__WithClause *with,
                            PgQuery__Node *where, TableDef **tout, LogicalOp **out, u32 *ti_out)
{
    TableDef *t = binder_find_table(b, rv, false);
    if (!t) return MDB_FAIL;
    LogicalOp *get = lop_new(b->arena, LOP_GET, 0);
    u32 ti = binder_new_table_index(b);
    LType *types = arena_alloc(b->arena, sizeof(LType) * (size_t)(t->ncols + 2));
    for (int i = 0; i < t->ncols; i++) types[i] = t->cols[i].type;
    types[t->ncols] = ltype(TYPE_INT64);
    lop_set_cols(b->arena, get, ti, types, t->ncols + 1);
    get->u.get.table = t;
    get->u.get.table_index = ti;
    get->u.get.ncols_scan = t->ncols + 1;
    get->u.get.col_ids = arena_alloc(b->arena, sizeof(int) * (size_t)(t->ncols + 2));
    for (int i = 0; i < t->ncols; i++) get->u.get.col_ids[i] = i;
    get->u.get.col_ids[t->ncols] = -1;
    ScopeEntry *se = scope_entry_for_table(b, t, rv->alias ? rv->alias->aliasname : t->name, ti);
    /* the row id is not visible by name */
    se->ncols = t->ncols;
    scope_add(b, se);
    LogicalOp *plan = get;
    LogicalOp *extra;
    if (bind_extra_from(b, from, nfrom, with, &extra)) return MDB_FAIL;
    if (extra) {
        LogicalOp *j = lop_new(b->arena, LOP_JOIN, 2);
        j->children[0] = plan;
        j->children[1] = extra;
        j->u.join.type = JOIN_CROSS;
        lop_concat_cols(b->arena, j, plan, extra);
        plan = j;
    }
    if (where) {
        Expr *w;
        b->clause = "WHERE";
        if (bind_expr(b, where, &w)) return MDB_FAIL;
        b->clause = NULL;
        if (w->type.id != TYPE_BOOL) {
            if (w->kind == EXPR_CONST && (w->type.id == TYPE_NULL || w->type.text_kind == TEXT_UNKNOWN)) {
                if (bind_cast(b, w, ltype(TYPE_BOOL), false, &w)) return MDB_FAIL;
            } else {
                char tb[64];
                return err_set_pos(b->err, w->location, SQLSTATE_DATATYPE_MISMATCH, "argument of WHERE must be type boolean, not type %s", type_name(w->type, tb, sizeof tb));
            }
        }
        LogicalOp *f = lop_new(b->arena, LOP_FILTER, 1);
        f->children[0] = plan;
        lop_inherit_cols(b->arena, f, plan);
        f->u.filter.pred = w;
        plan = f;
    }
    *tout = t;
    *out = plan;
    *ti_out = ti;
    return MDB_OK_;
}

/* Points column references of a RETURNING expression (bound over the UPDATE's
 * source plan) at the first projection: target columns become the new values,
 * every other column its pass-through copy. */
static void remap_refs(Expr *e, const LogicalOp *child, u32 ti, int ncols, u32 pti)
{
    if (!e) return;
    if (e->kind == EXPR_COLREF && e->u.col.depth == 0) {
        ColBinding cb = e->u.col.binding;
        if (cb.table == ti && (int)cb.column < ncols) {
            e->u.col.binding = (ColBinding){pti, cb.column};
        } else {
            for (int j = 0; j < child->ncols; j++)
                if (child->cols[j].table == cb.table && child->cols[j].column == cb.column) {
                    e->u.col.binding = (ColBinding){pti, (u32)(ncols + 1 + j)};
                    break;
                }
        }
    }
    for (int i = 0; i < e->nargs; i++) remap_refs(e->args[i], child, ti, ncols, pti);
    if (e->kind == EXPR_SUBQUERY)
        for (int i = 0; i < e->u.sub.nouter; i++) remap_refs(e->u.sub.outer_exprs[i], child, ti, ncols, pti);
}

static LogicalOp *project(Binder *b, LogicalOp *child, Expr **ex, const LType *types, int n)
{
    LogicalOp *p = lop_new(b->arena, LOP_PROJECT, 1);
    p->children[0] = child;
    u32 pti = binder_new_table_index(b);
    lop_set_cols(b->arena, p, pti, types, n);
    p->u.project.table_index = pti;
    p->u.project.exprs = ex;
    return p;
}

/* Appends the RETURNING columns [from, from+n) of the kept rows of d. */
static void append_returning(ColumnCollection *out, DataChunk *d, int from, int n)
{
    DataChunk v;
    memset(&v, 0, sizeof(v));
    v.ncols = n;
    v.cols = d->cols + from;
    v.count = d->count;
    v.cap = d->cap;
    v.arena = d->arena;
    colcoll_append(out, &v, NULL, d->count);
}

static int run_update(MdbConn *c, Binder *b, PgQuery__UpdateStmt *us, const Value *params, int nparams, MdbResult *r, Txn *txn)
{
    TableDef *t;
    LogicalOp *plan;
    u32 ti;
    if (bind_target_scan(b, us->relation, us->from_clause, us->n_from_clause, us->with_clause, us->where_clause, &t, &plan, &ti)) return MDB_FAIL;
    int nc = t->ncols;
    /* projection: new values of every column, the row id, then the source columns (for RETURNING) */
    int np = nc + 1 + (us->n_returning_list ? plan->ncols : 0);
    Expr **ex = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(np + 1));
    LType *types = arena_alloc(b->arena, sizeof(LType) * (size_t)(np + 1));
    for (int i = 0; i <= nc; i++) {
        ex[i] = expr_colref(b->arena, plan->cols[i], plan->types[i], 0);
        types[i] = plan->types[i];
    }
    for (int j = 0; nc + 1 + j < np; j++) {
        ex[nc + 1 + j] = expr_colref(b->arena, plan->cols[j], plan->types[j], 0);
        types[nc + 1 + j] = plan->types[j];
    }
    bool *set = arena_zalloc(b->arena, (size_t)nc + 1);
    for (size_t i = 0; i < us->n_target_list; i++) {
        PgQuery__ResTarget *rt = us->target_list[i]->res_target;
        if (rt->val && rt->val->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF)
            return err_set_pos(&c->err, rt->location + 1, SQLSTATE_FEATURE_NOT_SUPPORTED, "multiple-column UPDATE is not supported yet");
        int col = table_find_column(t, rt->name);
        if (col < 0)
            return err_set_pos(&c->err, rt->location + 1, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", rt->name, t->name);
        if (rt->n_indirection)
            return err_set_pos(&c->err, rt->location + 1, SQLSTATE_FEATURE_NOT_SUPPORTED, "assignment to a field or element of column \"%s\" is not supported yet", rt->name);
        if (set[col]) return err_set_pos(&c->err, rt->location + 1, SQLSTATE_DUPLICATE_COLUMN, "multiple assignments to same column \"%s\"", rt->name);
        set[col] = true;
        Expr *e;
        if (rt->val->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT) {
            e = expr_const(b->arena, value_null(), 0);
            if (t->cols[col].default_sql) {
                ParseResult pr;
                PgQuery__Node *n;
                if (parse_expr_text(b, t->cols[col].default_sql, &n, &pr)) return MDB_FAIL;
                int rc = bind_expr(b, n, &e);
                parser_free(&pr);
                if (rc) return MDB_FAIL;
            }
        } else {
            if (t->cols[col].identity_always) return identity_error(&c->err, &t->cols[col], true);
            b->clause = "UPDATE";
            if (bind_expr(b, rt->val, &e)) return MDB_FAIL;
            b->clause = NULL;
        }
        if (bind_coerce_assign(b, e, t->cols[col].type, t->cols[col].name, &e)) return MDB_FAIL;
        ex[col] = e;
        types[col] = t->cols[col].type;
    }
    LogicalOp *p = project(b, plan, ex, types, np);
    int nret = 0;
    if (us->n_returning_list) {
        Expr **rex;
        char **names;
        if (bind_returning(b, us->returning_list, us->n_returning_list, &rex, &names, &nret)) return MDB_FAIL;
        u32 pti = p->u.project.table_index;
        Expr **ex2 = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(nc + 1 + nret + 1));
        LType *t2 = arena_alloc(b->arena, sizeof(LType) * (size_t)(nc + 1 + nret + 1));
        for (int i = 0; i <= nc; i++) {
            ex2[i] = expr_colref(b->arena, p->cols[i], p->types[i], 0);
            t2[i] = p->types[i];
        }
        for (int k = 0; k < nret; k++) {
            Expr *e = expr_copy(b->arena, rex[k]);
            remap_refs(e, plan, ti, nc, pti);
            ex2[nc + 1 + k] = e;
            t2[nc + 1 + k] = e->type;
        }
        p = project(b, p, ex2, t2, nc + 1 + nret);
        ColumnCollection *dummy;
        returning_result(r, b->arena, rex, names, nret, &dummy);
    }
    ColumnCollection *rows = colcoll_create(p->types, p->ncols);
    int rc = engine_exec_query(c, b, p, params, nparams, txn, rows, false, NULL, b->arena);
    Writer w;
    if (!rc) rc = writer_init(&w, c, b, t, txn);
    if (!rc) {
        w.params = params;
        w.nparams = nparams;
        w.assigned = set;
    }
    i64 n = 0;
    int *map = arena_alloc(b->arena, sizeof(int) * (size_t)(nc + 1));
    for (int i = 0; i < nc; i++) map[i] = i;
    for (size_t ci = 0; ci < rows->nchunks && !rc; ci++) {
        DataChunk *d = rows->chunks[ci];
        u32 sel[VECTOR_SIZE];
        idx_t m = 0;
        for (idx_t i = 0; i < d->count && !rc; i++) {
            bool already;
            u64 rowid = (u64)((i64 *)d->cols[nc].data)[i];
            rc = tableam_delete(t->store, txn, rowid, &already, &c->err);
            if (!already) sel[m++] = (u32)i;
        }
        if (rc) break;
        if (m < d->count) chunk_select(d, sel, m);
        n += (i64)d->count;
        rc = write_mapped(&w, d, map);
        if (!rc && nret) append_returning(r->rows, d, nc + 1, nret);
    }
    colcoll_destroy(rows);
    if (rc) return MDB_FAIL;
    snprintf(r->tag, sizeof r->tag, "UPDATE %lld", (long long)n);
    r->rows_affected = n;
    return MDB_OK_;
}

static int run_delete(MdbConn *c, Binder *b, PgQuery__DeleteStmt *ds, const Value *params, int nparams, MdbResult *r, Txn *txn)
{
    TableDef *t;
    LogicalOp *plan;
    u32 ti;
    if (bind_target_scan(b, ds->relation, ds->using_clause, ds->n_using_clause, ds->with_clause, ds->where_clause, &t, &plan, &ti)) return MDB_FAIL;
    int nret = 0;
    Expr **rex = NULL;
    char **names = NULL;
    if (ds->n_returning_list && bind_returning(b, ds->returning_list, ds->n_returning_list, &rex, &names, &nret)) return MDB_FAIL;
    Expr **ex = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(nret + 2));
    LType *types = arena_alloc(b->arena, sizeof(LType) * (size_t)(nret + 2));
    types[0] = ltype(TYPE_INT64);
    ex[0] = expr_colref(b->arena, plan->cols[t->ncols], types[0], 0);
    for (int k = 0; k < nret; k++) {
        ex[1 + k] = rex[k];
        types[1 + k] = rex[k]->type;
    }
    LogicalOp *p = project(b, plan, ex, types, 1 + nret);
    if (nret) {
        ColumnCollection *dummy;
        returning_result(r, b->arena, rex, names, nret, &dummy);
    }
    ColumnCollection *rows = colcoll_create(types, 1 + nret);
    int rc = engine_exec_query(c, b, p, params, nparams, txn, rows, false, NULL, b->arena);
    i64 n = 0;
    for (size_t ci = 0; ci < rows->nchunks && !rc; ci++) {
        DataChunk *d = rows->chunks[ci];
        u32 sel[VECTOR_SIZE];
        idx_t m = 0;
        for (idx_t i = 0; i < d->count && !rc; i++) {
            bool already;
            rc = tableam_delete(t->store, txn, (u64)((i64 *)d->cols[0].data)[i], &already, &c->err);
            if (!already) sel[m++] = (u32)i;
        }
        if (rc) break;
        n += (i64)m;
        if (nret) {
            if (m < d->count) chunk_select(d, sel, m);
            append_returning(r->rows, d, 1, nret);
        }
    }
    colcoll_destroy(rows);
    if (rc) return MDB_FAIL;
    snprintf(r->tag, sizeof r->tag, "DELETE %lld", (long long)n);
    r->rows_affected = n;
    return MDB_OK_;
}

/* ---- bulk writer for COPY FROM ---------------------------------------------------- */

struct DmlWriter {
    Writer w;
};

DmlWriter *dml_writer_open(MdbConn *c, Binder *b, TableDef *t, Txn *txn)
{
    DmlWriter *dw = arena_zalloc(b->arena, sizeof(DmlWriter));
    if (writer_init(&dw->w, c, b, t, txn)) return NULL;
    dw->w.keep_keys = true;
    return dw;
}

int dml_writer_write(DmlWriter *dw, DataChunk *src, const int *map) { return write_mapped(&dw->w, src, map); }

i64 dml_writer_count(const DmlWriter *dw) { return dw->w.count; }

void dml_writer_close(DmlWriter *dw)
{
    if (dw && dw->w.uk)
        for (int k = 0; k < dw->w.t->nuniques; k++) keytable_free(&dw->w.uk[k]);
}

/* Describe of a prepared INSERT/UPDATE/DELETE … RETURNING (mdb_stmt_describe): the RETURNING
 * columns, bound over the target table without running anything.  RETURNING that needs more
 * than the target (UPDATE … FROM, DELETE … USING) is left undescribed: false, no error. */
bool dml_describe_returning(MdbConn *c, Binder *b, PgQuery__Node *stmt, MdbResult *r)
{
    PgQuery__RangeVar *rel = NULL;
    PgQuery__Node **list = NULL;
    size_t n = 0;
    switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_INSERT_STMT:
        rel = stmt->insert_stmt->relation, list = stmt->insert_stmt->returning_list, n = stmt->insert_stmt->n_returning_list;
        break;
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
        rel = stmt->update_stmt->relation, list = stmt->update_stmt->returning_list, n = stmt->update_stmt->n_returning_list;
        break;
    case PG_QUERY__NODE__NODE_DELETE_STMT:
        rel = stmt->delete_stmt->relation, list = stmt->delete_stmt->returning_list, n = stmt->delete_stmt->n_returning_list;
        break;
    default: return false;
    }
    if (!n || !rel) return false;
    TableDef *t = binder_find_table(b, rel, false);
    bool ok = false;
    if (t) {
        Binder rb;
        binder_init(&rb, b->arena, b->cat, b->settings, b->err, b->shared, NULL);
        u32 ti = binder_new_table_index(&rb);
        scope_add(&rb, scope_entry_for_table(&rb, t, rel->alias ? rel->alias->aliasname : t->name, ti));
        Expr **ex;
        char **names;
        int nret;
        if (!bind_returning(&rb, list, n, &ex, &names, &nret)) {
            LType *types = arena_alloc(b->arena, sizeof(LType) * (size_t)(nret + 1));
            for (int k = 0; k < nret; k++) types[k] = ex[k]->type;
            result_set_columns(r, nret, names, types);
            ok = true;
        }
    }
    if (!ok) err_clear(&c->err);
    return ok;
}

int dml_run(MdbConn *c, Binder *b, PgQuery__Node *stmt, const Value *params, int nparams, MdbResult *r, Txn *txn)
{
    switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_INSERT_STMT:
        if (stmt->insert_stmt->on_conflict_clause) return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "ON CONFLICT is not supported yet");
        return run_insert(c, b, stmt->insert_stmt, params, nparams, r, txn);
    case PG_QUERY__NODE__NODE_UPDATE_STMT: return run_update(c, b, stmt->update_stmt, params, nparams, r, txn);
    default: return run_delete(c, b, stmt->delete_stmt, params, nparams, r, txn);
    }
}
