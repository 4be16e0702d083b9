/*
 * src/main/call.c — CALL statements.  The only procedure so far is
 * tpch_generate(sf): it creates the eight TPC-H tables in the current schema
 * (the standard schema's types, in the columnar MEMORY tier: analytical data,
 * whatever default_table_access_method says) and fills them with the generator of
 * tpchgen.c, appending DataChunks through dml.c's bulk writer (the path COPY
 * uses) instead of going through SQL text.
 *
 * Locking: call_run takes the catalog lock itself — exclusively while it
 * creates the tables, then shared while it fills them, so other connections'
 * queries on other tables are not blocked for the whole load.  The rows belong
 * to the statement's transaction (invisible to others until it commits, gone
 * if it fails); the CREATE TABLEs, like every DDL here, are not transactional.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "main/engine.h"
#include "main/tpchgen.h"
#include "types/numeric.h"

extern __thread const char *mdb_current_sql;

/* 0-based location of an argument expression in the statement text, or -1. */
static int arg_location(PgQuery__Node *n)
{
    if (!n) return -1;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST: return n->a_const->location;
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        int l = arg_location(n->type_cast->arg);
        return l >= 0 ? l : n->type_cast->location;
    }
    case PG_QUERY__NODE__NODE_A_EXPR: {
        int l = n->a_expr->lexpr ? arg_location(n->a_expr->lexpr) : -1;
        return l >= 0 ? l : n->a_expr->location;
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL: return n->func_call->location;
    case PG_QUERY__NODE__NODE_COLUMN_REF: return n->column_ref->location;
    case PG_QUERY__NODE__NODE_NAMED_ARG_EXPR: return n->named_arg_expr->location;
    default: return -1;
    }
}

static const char *pretty_type(LType t, char *buf, size_t cap)
{
    if (t.id == TYPE_NULL || (t.id == TYPE_TEXT && t.text_kind == TEXT_UNKNOWN)) return "unknown";
    return type_name(t, buf, cap);
}

/* The scale factor argument: bound, checked against the one signature
 * tpch_generate(sf numeric), evaluated.  42883 when the call matches no
 * procedure, 22P02/22023 for a bad value. */
static int call_scale_factor(MdbConn *c, Binder *b, PgQuery__FuncCall *fc, const char *pname, double *sf)
{
    int pos = fc->location + 1;
    Expr **args = arena_zalloc(b->arena, sizeof(Expr *) * (fc->n_args + 1));
    const char **names = arena_zalloc(b->arena, sizeof(char *) * (fc->n_args + 1));
    bool ok = !strcmp(pname, "tpch_generate") && fc->n_args == 1 && !fc->agg_star && !fc->agg_distinct && !fc->n_agg_order;
    for (size_t i = 0; i < fc->n_args; i++) {
        PgQuery__Node *a = fc->args[i];
        if (a->node_case == PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
            names[i] = a->named_arg_expr->name;
            a = a->named_arg_expr->arg;
            if (strcmp(names[i], "sf")) ok = false;
        }
        if (bind_expr(b, a, &args[i])) return MDB_FAIL;
        TypeId id = (TypeId)args[i]->type.id;
        bool unknown = id == TYPE_NULL || (id == TYPE_TEXT && args[i]->type.text_kind == TEXT_UNKNOWN);
        if (!type_is_numeric(id) && !unknown) ok = false;
    }
    if (!ok) {
        char sig[512], tb[64];
        size_t o = (size_t)snprintf(sig, sizeof sig, "%s(", pname);
        for (size_t i = 0; i < fc->n_args && o < sizeof sig; i++)
            o += (size_t)snprintf(sig + o, sizeof sig - o, "%s%s%s%s", i ? ", " : "", names[i] ? names[i] : "", names[i] ? " => " : "",
                                  pretty_type(args[i]->type, tb, sizeof tb));
        if (o < sizeof sig) snprintf(sig + o, sizeof sig - o, ")");
        err_set_pos(&c->err, pos, SQLSTATE_UNDEFINED_FUNCTION, "procedure %s does not exist", sig);
        err_hint(&c->err, "No procedure matches the given name and argument types. You might need to add explicit type casts.");
        return MDB_FAIL;
    }
    PgQuery__Node *an = fc->args[0];
    int apos = arg_location(an) + 1;
    if (apos <= 0) apos = pos;
    /* a constant expression: evaluate it once */
    Arena *a = arena_create(NULL);
    Exec ex;
    exec_init(&ex, a, &c->db->cat, &c->settings, NULL);
    ex.session = (struct Session *)c;
    ExprCtx ec;
    exprctx_init(&ec, &ex, a);
    Err er = {0};
    ec.fctx.err = &er;
    Value v;
    int rc = expr_eval_const(&ec, args[0], &v);
    if (rc) {
        if (er.is_set) err_move(&c->err, &er);
        else if (ex.err.is_set) err_move(&c->err, &ex.err);
        else err_set(&c->err, SQLSTATE_INTERNAL_ERROR, "could not evaluate the argument of tpch_generate");
        if (c->err.position <= 0) err_position(&c->err, apos);
    } else if (v.is_null) {
        rc = err_set_pos(&c->err, apos, SQLSTATE_INVALID_PARAMETER_VALUE, "scale factor of tpch_generate must not be null");
    } else {
        switch ((TypeId)v.type.id) {
        case TYPE_INT16:
        case TYPE_INT32:
        case TYPE_INT64: *sf = (double)v.u.i; break;
        case TYPE_FLOAT32:
        case TYPE_FLOAT64: *sf = v.u.f; break;
        case TYPE_NUMERIC: *sf = numeric_to_double(v.u.num); break;
        default: {
            /* an untyped literal: read as numeric, as PostgreSQL resolves it */
            char buf[64];
            size_t n = MDB_MIN((size_t)v.u.s.len, sizeof buf - 1);
            memcpy(buf, str_data(&v.u.s), n);
            buf[n] = 0;
            char *end;
            *sf = strtod(buf, &end);
            while (*end == ' ') end++;
            if (end == buf || *end || v.u.s.len >= sizeof buf)
                rc = err_set_pos(&c->err, apos, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type numeric: \"%s\"", buf);
        }
        }
    }
    err_clear(&er);
    exec_cleanup(&ex);
    arena_destroy(a);
    return rc;
}

/* ---- tpch_generate ------------------------------------------------------------------ */

typedef struct LoadSink {
    DmlWriter *w[TPCH_NTABLES];
    int map[16];
} LoadSink;

static int load_sink(void *ctx, TpchTable t, DataChunk *rows, const char *text, size_t len, Err *err)
{
    (void)text;
    (void)len;
    (void)err;
    LoadSink *ls = ctx;
    return dml_writer_write(ls->w[t], rows, ls->map);
}

/* Creates the eight tables (exclusive catalog lock held by the caller). */
static int create_tables(MdbConn *c, Binder *b, Schema *s, Txn *txn)
{
    for (int t = 0; t < TPCH_NTABLES; t++)
        if (schema_name_taken(s, tpchgen_table_name((TpchTable)t))) {
            err_set(&c->err, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", tpchgen_table_name((TpchTable)t));
            err_hint(&c->err, "tpch_generate creates the eight TPC-H tables; drop the existing ones or use another schema.");
            return MDB_FAIL;
        }
    const char *saved = mdb_current_sql;
    int rc = MDB_OK_;
    for (int t = 0; t < TPCH_NTABLES && !rc; t++) {
        const char *ddl = tpchgen_table_ddl((TpchTable)t);
        ParseResult pr;
        if (parser_parse(ddl, &pr, &c->err)) {
            rc = MDB_FAIL;
            break;
        }
        BindShared sh;
        memset(&sh, 0, sizeof(sh));
        Binder db;
        binder_init(&db, b->arena, &c->db->cat, &c->settings, &c->err, &sh, NULL);
        MdbResult scratch;
        memset(&scratch, 0, sizeof(scratch));
        mdb_current_sql = ddl;
        rc = ddl_run(c, &db, pr.tree->stmts[0]->stmt, NULL, 0, &scratch, txn);
        mdb_current_sql = saved;
        parser_free(&pr);
    }
    return rc;
}

static int run_tpch_generate(MdbConn *c, Binder *b, double sf, MdbResult *r, Txn *txn)
{
    TpchScale sc;
    if (tpchgen_scale(sf, &sc, &c->err)) return MDB_FAIL;
    pthread_rwlock_t *lk = &c->db->cat.lock;
    pthread_rwlock_wrlock(lk);
    Schema *s = binder_schema_for_create(b, NULL);
    int rc = s ? create_tables(c, b, s, txn) : MDB_FAIL;
    pthread_rwlock_unlock(lk);
    if (rc) return MDB_FAIL;

    pthread_rwlock_rdlock(lk);
    LoadSink ls;
    memset(&ls, 0, sizeof(ls));
    for (int i = 0; i < 16; i++) ls.map[i] = i;
    /* found again under the shared lock: a concurrent DROP may have run */
    s = binder_schema_for_create(b, NULL);
    for (int t = 0; t < TPCH_NTABLES && !rc; t++) {
        TableDef *td = s ? schema_find_table(s, tpchgen_table_name((TpchTable)t)) : NULL;
        if (!td || td->ncols != tpchgen_column_count((TpchTable)t)) {
            rc = err_set(&c->err, SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" was dropped while tpch_generate ran", tpchgen_table_name((TpchTable)t));
            break;
        }
        ls.w[t] = dml_writer_open(c, b, td, txn);
        if (!ls.w[t]) rc = MDB_FAIL;
    }
    i64 counts[TPCH_NTABLES] = {0};
    if (!rc) {
        TpchRunOpts o;
        memset(&o, 0, sizeof(o));
        o.threads = c->settings.threads;
        o.chunks = true;
        rc = tpchgen_run(&sc, &o, load_sink, &ls, counts, &c->err);
    }
    for (int t = 0; t < TPCH_NTABLES; t++)
        if (ls.w[t]) dml_writer_close(ls.w[t]);
    pthread_rwlock_unlock(lk);
    if (rc) return MDB_FAIL;
    i64 total = 0;
    for (int t = 0; t < TPCH_NTABLES; t++) total += counts[t];
    snprintf(r->tag, sizeof r->tag, "CALL");
    r->rows_affected = total;
    return MDB_OK_;
}

int call_run(MdbConn *c, Binder *b, PgQuery__CallStmt *cs, MdbResult *r, Txn *txn)
{
    PgQuery__FuncCall *fc = cs->funccall;
    if (!fc || fc->n_funcname == 0) return err_set(&c->err, SQLSTATE_SYNTAX_ERROR, "CALL needs a procedure call");
    PgQuery__Node *last = fc->funcname[fc->n_funcname - 1];
    const char *pname = last->node_case == PG_QUERY__NODE__NODE_STRING ? last->string->sval : "?";
    /* procedures live in no schema yet: a qualified name matches nothing */
    const char *shown = pname;
    if (fc->n_funcname > 1) {
        PgQuery__Node *q = fc->funcname[fc->n_funcname - 2];
        shown = arena_printf(b->arena, "%s.%s", q->node_case == PG_QUERY__NODE__NODE_STRING ? q->string->sval : "?", pname);
    }
    double sf = 0;
    pthread_rwlock_rdlock(&c->db->cat.lock);
    int rc = call_scale_factor(c, b, fc, shown, &sf);
    pthread_rwlock_unlock(&c->db->cat.lock);
    if (rc) return MDB_FAIL;
    if (!(sf > 0) || sf > TPCH_MAX_SF || isnan(sf)) {
        int apos = arg_location(fc->args[0]) + 1;
        err_set_pos(&c->err, apos > 0 ? apos : fc->location + 1, SQLSTATE_INVALID_PARAMETER_VALUE,
                    "scale factor of tpch_generate must be greater than 0 and at most %d, not %g", TPCH_MAX_SF, sf);
        return MDB_FAIL;
    }
    return run_tpch_generate(c, b, sf, r, txn);
}
