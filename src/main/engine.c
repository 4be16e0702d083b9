/*
 * src/main/engine.c — the embedded API (include/megadb.h): databases,
 * connections, transactions, statements and results.
 *
 * Every statement runs in a transaction: the connection's explicit block, or
 * an implicit one that commits when the statement succeeds.  A failed
 * statement inside a block marks the block failed (25P02 until ROLLBACK).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "main/engine.h"
#include "exec/sys_funcs.h"
#include "exec/spill.h"
#include "optimizer/optimizer.h"
#include "storage/oltp/store.h"
#include "storage/oltp/vacuum.h"
#include "planner/planner.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/scalar_io.h"

const char *mdb_version(void) { return "0.1.0"; }

extern __thread const char *mdb_current_sql;
void dml_register_functions(void);
static pthread_once_t dml_once = PTHREAD_ONCE_INIT;

int mdb_open(const char *path, MdbDatabase **out, char **err)
{
    func_init();
    pthread_once(&dml_once, dml_register_functions);
    sys_funcs_register(); /* catalog functions psql and drivers call (src/exec/sys_funcs.c) */
    MdbDatabase *db = xcalloc(1, sizeof(MdbDatabase));
    catalog_init(&db->cat);
    txnmgr_init(&db->tm);
    pthread_mutex_init(&db->ddl_mu, NULL);
    if (path) {
        if (mkdir(path, 0755) != 0) {
            struct stat st;
            if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
                if (err) {
                    char buf[512];
                    snprintf(buf, sizeof buf, "could not create database directory \"%s\"", path);
                    *err = xstrdup(buf);
                }
                catalog_destroy(&db->cat);
                txnmgr_destroy(&db->tm);
                free(db);
                *out = NULL;
                return MDB_ERROR;
            }
        }
        db->dir = xstrdup(path);
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s/tmp", path);
        spill_sweep(tmp); /* spill files of a process killed mid-statement */
    }
    {
        /* the OLTP store: recovery runs here, before the catalog names its trees */
        Err oe = {0};
        OltpOptions oo;
        oltp_options_default(&oo);
        if (oltp_store_open(db->dir, &oo, &db->oltp, &oe)) {
            if (err) {
                char buf[1024];
                snprintf(buf, sizeof buf, "could not open the oltp store: %s", oe.message ? oe.message : "unknown error");
                *err = xstrdup(buf);
            }
            err_clear(&oe);
            catalog_destroy(&db->cat);
            txnmgr_destroy(&db->tm);
            free(db->dir);
            free(db);
            *out = NULL;
            return MDB_ERROR;
        }
    }
    *out = db;
    if (db->dir) {
        /* replay the catalog: the DDL that defines the schema */
        char fn[4096];
        snprintf(fn, sizeof fn, "%s/catalog.sql", db->dir);
        FILE *f = fopen(fn, "r");
        if (f) {
            fseek(f, 0, SEEK_END);
            long n = ftell(f);
            fseek(f, 0, SEEK_SET);
            char *sql = xmalloc((size_t)n + 1);
            size_t got = fread(sql, 1, (size_t)n, f);
            sql[got] = 0;
            fclose(f);
            MdbConn *c;
            mdb_connect(db, &c);
            c->replaying = true;
            if (mdb_query(c, sql, NULL) != MDB_OK) {
                if (err) {
                    char buf[1024];
                    snprintf(buf, sizeof buf, "could not load the catalog: %s", mdb_conn_error(c)->message);
                    *err = xstrdup(buf);
                }
            } else {
                /* after a crash: the pages no table named by the catalog owns go to the free
                 * list (src/storage/oltp/vacuum.h); a failure leaves them where they are */
                Err se = {0};
                if (oltp_vacuum_sweep(db->oltp, &se) && err) {
                    char buf[1024];
                    snprintf(buf, sizeof buf, "could not sweep the oltp store: %s", se.message ? se.message : "unknown error");
                    *err = xstrdup(buf);
                }
                err_clear(&se);
            }
            mdb_disconnect(c);
            free(sql);
        }
    }
    {
        /* background reclamation of dead OLTP row versions (src/storage/oltp/vacuum.h) */
        Err ve = {0};
        oltp_vacuum_start(db->oltp, &db->tm, 100, &ve);
        err_clear(&ve);
    }
    return MDB_OK;
}

void mdb_close(MdbDatabase *db)
{
    if (!db) return;
    oltp_vacuum_stop(db->oltp); /* before the tables go */
    catalog_destroy(&db->cat);
    if (db->oltp) {
        Err oe = {0};
        oltp_store_close(db->oltp, db->dir != NULL, &oe);
        err_clear(&oe);
    }
    txnmgr_destroy(&db->tm);
    pthread_mutex_destroy(&db->ddl_mu);
    free(db->dir);
    free(db);
}

int mdb_connect(MdbDatabase *db, MdbConn **out)
{
    MdbConn *c = xcalloc(1, sizeof(MdbConn));
    c->db = db;
    settings_default(&c->settings);
    *out = c;
    return MDB_OK;
}

/* Rollback of a transaction: its rows, then its catalog changes (transactional DDL).
 * When it had changed the catalog, catalog.sql is written again (still under the DDL
 * lock): a change the undo log could not reverse (ALTER TABLE … DROP COLUMN, a
 * rewritten OLTP table) must be named there, and a failed commit may have written the
 * new catalog already. */
static void conn_abort(MdbConn *c, Txn *t)
{
    txn_rollback(t);
    CatUndoLog *log = &c->cat_undo;
    bool persist = log->dirty && !c->replaying && c->db->dir;
    catalog_undo_rollback(&c->db->cat, log, 0);
    if (persist) {
        /* best effort: the error of the statement that failed stays the one reported */
        Err keep = c->err;
        memset(&c->err, 0, sizeof(c->err));
        ddl_persist(c);
        err_clear(&c->err);
        c->err = keep;
    }
    catalog_undo_abort(&c->db->cat, log);
}

/* Commit of a transaction.  When it changed the catalog, catalog.sql is written first
 * (a failure there aborts the transaction); then the rows commit; then the catalog
 * changes become final and the DDL lock is released.  A crash before catalog.sql is
 * renamed into place leaves the old catalog. */
static int conn_commit(MdbConn *c, Txn *t)
{
    CatUndoLog *log = &c->cat_undo;
    bool persist = log->dirty && !c->replaying && c->db->dir;
    if (persist && ddl_persist(c)) {
        conn_abort(c, t);
        return MDB_FAIL;
    }
    if (txn_commit(t, &c->err)) {
        conn_abort(c, t); /* writes catalog.sql back */
        return MDB_FAIL;
    }
    catalog_undo_commit(&c->db->cat, log);
    return MDB_OK_;
}

void mdb_disconnect(MdbConn *c)
{
    if (!c) return;
    if (c->txn) {
        conn_abort(c, c->txn);
        txn_free(c->txn);
    }
    catalog_undo_free(&c->cat_undo);
    for (int i = 0; i < c->nsaves; i++) free(c->saves[i].name);
    free(c->saves);
    err_clear(&c->err);
    free(c);
}

const MdbErrorInfo *mdb_conn_error(const MdbConn *c) { return &c->info; }
bool mdb_conn_in_transaction(const MdbConn *c) { return c->txn != NULL; }
bool mdb_conn_txn_failed(const MdbConn *c) { return c->failed; }
void mdb_conn_fail_transaction(MdbConn *c)
{
    if (c->txn) c->failed = true;
}

static void publish_error(MdbConn *c)
{
    memcpy(c->info.sqlstate, c->err.sqlstate, 6);
    c->info.message = c->err.message ? c->err.message : "unknown error";
    c->info.detail = c->err.detail;
    c->info.hint = c->err.hint;
    c->info.position = c->err.position;
}

static int fail_conn(MdbConn *c)
{
    if (c->txn) c->failed = true;
    publish_error(c);
    return MDB_ERROR;
}

/* ---- results ------------------------------------------------------------------- */

static MdbResult *result_new(void)
{
    MdbResult *r = xcalloc(1, sizeof(MdbResult));
    r->arena = arena_create(NULL);
    r->chunk.scratch = arena_create(NULL);
    r->extra_float_digits = 1;
    return r;
}

void result_set_columns(MdbResult *r, int n, char **names, const LType *types)
{
    r->ncols = n;
    r->names = arena_alloc(r->arena, sizeof(char *) * (size_t)(n + 1));
    r->types = arena_alloc(r->arena, sizeof(LType) * (size_t)(n + 1));
    r->type_names = arena_alloc(r->arena, sizeof(char *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        r->names[i] = arena_strdup(r->arena, names[i] ? names[i] : "?column?");
        r->types[i] = types[i];
        char buf[64];
        r->type_names[i] = arena_strdup(r->arena, type_name(types[i], buf, sizeof buf));
    }
    r->has_rows = true;
}

void mdb_result_free(MdbResult *r)
{
    if (!r) return;
    colcoll_destroy(r->rows);
    free(r->copy_out);
    free(r->notices);
    arena_destroy(r->chunk.scratch);
    arena_destroy(r->arena);
    free(r);
}

void result_add_notice(MdbResult *r, const char *sqlstate, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *q = msg; *q; q++)
        if (*q == '\n' || *q == '\t') *q = ' ';
    size_t old = r->notices ? strlen(r->notices) : 0, add = strlen(sqlstate) + strlen(msg) + 2;
    r->notices = xrealloc(r->notices, old + add + 1);
    snprintf(r->notices + old, add + 1, "%s\t%s\n", sqlstate, msg);
}

const char *mdb_result_notice(const MdbResult *r, int i, char sqlstate[6])
{
    const char *p = r ? r->notices : NULL;
    for (; p && *p && i > 0; i--) {
        p = strchr(p, '\n');
        if (p) p++;
    }
    if (!p || !*p || strlen(p) < 7) return NULL;
    memcpy(sqlstate, p, 5);
    sqlstate[5] = 0;
    return p + 6; /* up to the next newline */
}

int mdb_result_column_count(const MdbResult *r) { return r->ncols; }
const char *mdb_result_column_name(const MdbResult *r, int col) { return r->names[col]; }
const char *mdb_result_column_type_name(const MdbResult *r, int col) { return r->type_names[col]; }
bool mdb_result_has_rows(const MdbResult *r) { return r->has_rows; }
const char *mdb_result_command_tag(const MdbResult *r) { return r->tag; }
int64_t mdb_result_rows_affected(const MdbResult *r) { return r->rows_affected; }

static MdbType mdb_type_of(LType t)
{
    switch ((TypeId)t.id) {
    case TYPE_NULL: return MDB_TYPE_NULL;
    case TYPE_BOOL: return MDB_TYPE_BOOL;
    case TYPE_INT16: return MDB_TYPE_INT16;
    case TYPE_INT32: return MDB_TYPE_INT32;
    case TYPE_INT64: return MDB_TYPE_INT64;
    case TYPE_FLOAT32: return MDB_TYPE_FLOAT32;
    case TYPE_FLOAT64: return MDB_TYPE_FLOAT64;
    case TYPE_NUMERIC: return MDB_TYPE_NUMERIC;
    case TYPE_TEXT: return MDB_TYPE_TEXT;
    case TYPE_BYTEA: return MDB_TYPE_BYTEA;
    case TYPE_DATE: return MDB_TYPE_DATE;
    case TYPE_TIME: return MDB_TYPE_TIME;
    case TYPE_TIMESTAMP: return MDB_TYPE_TIMESTAMP;
    case TYPE_TIMESTAMPTZ: return MDB_TYPE_TIMESTAMPTZ;
    case TYPE_INTERVAL: return MDB_TYPE_INTERVAL;
    case TYPE_UUID: return MDB_TYPE_UUID;
    case TYPE_LIST: return MDB_TYPE_LIST;
    default: return MDB_TYPE_OTHER;
    }
}

MdbType mdb_result_column_type(const MdbResult *r, int col) { return mdb_type_of(r->types[col]); }

const char *mdb_result_copy_data(const MdbResult *r, size_t *len, int *ncols)
{
    if (len) *len = r->copy_out_len;
    if (ncols) *ncols = r->copy_ncols;
    return r->copy_out;
}

int mdb_result_fetch(MdbResult *r, MdbChunk **out)
{
    if (!r->rows || r->next >= r->rows->nchunks) {
        *out = NULL;
        return MDB_OK;
    }
    r->chunk.dc = r->rows->chunks[r->next++];
    r->chunk.tz = r->timezone;
    r->chunk.efd = r->extra_float_digits;
    arena_reset(r->chunk.scratch);
    *out = &r->chunk;
    return MDB_OK;
}

size_t mdb_chunk_row_count(const MdbChunk *c) { return c->dc->count; }
bool mdb_chunk_is_null(const MdbChunk *c, int col, size_t row) { return vector_is_null(&c->dc->cols[col], row); }

bool mdb_chunk_get_bool(const MdbChunk *c, int col, size_t row)
{
    Value v = vector_get(&c->dc->cols[col], row);
    return !v.is_null && v.u.b;
}

int64_t mdb_chunk_get_int64(const MdbChunk *c, int col, size_t row)
{
    Value v = vector_get(&c->dc->cols[col], row);
    if (v.is_null) return 0;
    switch ((TypeId)v.type.id) {
    case TYPE_BOOL: return v.u.b;
    case TYPE_FLOAT32:
    case TYPE_FLOAT64: return (int64_t)v.u.f;
    case TYPE_NUMERIC: {
        i64 x = 0;
        Err e = {0};
        numeric_to_int64(v.u.num, &x, &e);
        err_clear(&e);
        return x;
    }
    default: return v.u.i;
    }
}

double mdb_chunk_get_double(const MdbChunk *c, int col, size_t row)
{
    Value v = vector_get(&c->dc->cols[col], row);
    if (v.is_null) return 0;
    switch ((TypeId)v.type.id) {
    case TYPE_FLOAT32:
    case TYPE_FLOAT64: return v.u.f;
    case TYPE_NUMERIC: return numeric_to_double(v.u.num);
    case TYPE_BOOL: return v.u.b;
    default: return (double)v.u.i;
    }
}

const char *mdb_chunk_get_text(MdbChunk *c, int col, size_t row, size_t *len)
{
    Value v = vector_get(&c->dc->cols[col], row);
    if (v.is_null) {
        if (len) *len = 0;
        return NULL;
    }
    const char *p;
    size_t n;
    if (c->efd != 1 && v.type.id == TYPE_FLOAT64) n = scalar_format_float8(v.u.f, c->efd, c->buf), p = c->buf;
    else if (c->efd != 1 && v.type.id == TYPE_FLOAT32) n = scalar_format_float4((float)v.u.f, c->efd, c->buf), p = c->buf;
    else n = value_to_text_tz(&v, c->tz, c->buf, sizeof c->buf, c->scratch, &p);
    /* make the text NUL-terminated and stable until the next fetch */
    char *q = arena_alloc(c->scratch, n + 1);
    memcpy(q, p, n);
    q[n] = 0;
    if (len) *len = n;
    return q;
}

/* ---- running statements ------------------------------------------------------------ */

void mdb_conn_cancel(MdbConn *c) { atomic_store(&c->cancel, true); }

void mdb_conn_copy_in(MdbConn *c, const char *data, size_t len)
{
    c->copy_in = data;
    c->copy_in_len = len;
    c->copy_in_set = data != NULL;
}

/* Parameter types the client fixed become the binder's starting point. */
static void seed_param_types(MdbConn *c, BindShared *sh, Arena *a)
{
    if (!c->seed_types || c->nseed <= 0) return;
    sh->param_types = arena_alloc(a, sizeof(LType) * (size_t)c->nseed);
    memcpy(sh->param_types, c->seed_types, sizeof(LType) * (size_t)c->nseed);
    sh->param_cap = c->nseed;
}

int engine_plan_query(MdbConn *c, Binder *b, LogicalOp *plan, Arena *arena, ExecPlan *out)
{
    plan = optimize(arena, plan);
    PlanCtx pc = {arena, &c->err, 0};
    if (planner_plan(&pc, plan, &out->root)) return MDB_FAIL;
    /* CTE definitions are planned too, and run before the main plan */
    BindShared *sh = b->shared;
    out->ctes = arena_zalloc(arena, sizeof(PhysOp *) * (size_t)(sh->ncte + 1));
    for (int i = 0; i < sh->ncte; i++)
        if (sh->cte_plans[i]) {
            LogicalOp *cp = optimize(arena, sh->cte_plans[i]);
            if (planner_plan(&pc, cp, &out->ctes[i])) return MDB_FAIL;
        }
    out->ncte = sh->ncte;
    out->nsubqueries = sh->nsubqueries;
    out->nops = pc.next_id;
    return MDB_OK_;
}

int engine_exec_plan(MdbConn *c, const ExecPlan *p, const Value *params, int nparams, Txn *txn, ColumnCollection *rows,
                     bool analyze, Arena *arena)
{
    Exec ex;
    exec_init(&ex, arena, &c->db->cat, &c->settings, txn);
    ex.params = params;
    ex.nparams = nparams;
    ex.nops = p->nops;
    ex.gstate = arena_zalloc(arena, sizeof(void *) * (size_t)(p->nops + 1));
    ex.subq = p->nsubqueries > 0 ? subq_cache_create(p->nsubqueries) : NULL; /* most point queries have none */
    ex.nctes = p->ncte;
    ex.ctes = arena_zalloc(arena, sizeof(ColumnCollection *) * (size_t)(p->ncte + 1));
    ex.analyze = analyze;
    ex.session = (struct Session *)c;
    ex.cancel = &c->cancel;
    ex.deadline_ns = c->deadline_ns;
    ex.db_dir = c->db->dir; /* spills go to <dir>/tmp */
    int rc = MDB_OK_;
    for (int i = 0; i < p->ncte && rc == MDB_OK_; i++)
        if (p->ctes[i]) {
            ex.ctes[i] = colcoll_create(p->ctes[i]->types, p->ctes[i]->ncols);
            rc = exec_subquery(&ex, p->ctes[i], NULL, 0, ex.ctes[i], 0);
        }
    if (rc == MDB_OK_) rc = exec_run(&ex, p->root, rows, NULL);
    if (rc || ex.err.is_set) {
        if (ex.err.is_set) err_move(&c->err, &ex.err);
        else if (!c->err.is_set) err_set(&c->err, SQLSTATE_INTERNAL_ERROR, "query execution failed");
        rc = MDB_FAIL;
        /* a cancel or timeout stops operators without an error of their own */
        if (atomic_load(&c->cancel) || (c->deadline_ns && time_mono_ns() > c->deadline_ns)) {
            err_clear(&c->err);
            err_set(&c->err, "57014", atomic_load(&c->cancel) ? "canceling statement due to user request"
                                                              : "canceling statement due to statement timeout");
        }
    }
    for (int i = 0; i < p->ncte; i++) colcoll_destroy(ex.ctes[i]);
    subq_cache_destroy(ex.subq);
    exec_cleanup(&ex);
    return rc;
}

int engine_exec_query(MdbConn *c, Binder *b, LogicalOp *plan, const Value *params, int nparams, Txn *txn,
                      ColumnCollection *rows, bool analyze, PhysOp **root_out, Arena *arena)
{
    ExecPlan p;
    if (engine_plan_query(c, b, plan, arena, &p)) return MDB_FAIL;
    int rc = engine_exec_plan(c, &p, params, nparams, txn, rows, analyze, arena);
    if (root_out) *root_out = p.root;
    return rc;
}

/* The cost EXPLAIN shows: the estimated rows of the operator and of every
 * operator below it (the optimizer's C_out measure), so plans of one query
 * compare by their top line. */
static double explain_cost(const PhysOp *op)
{
    double c = op->est_rows > 0 ? op->est_rows : 0;
    for (int i = 0; i < op->nchildren; i++)
        if (op->children[i]) c += explain_cost(op->children[i]);
    return c;
}

static void explain_op(PhysOp *op, int depth, bool analyze, ColumnCollection *out)
{
    char line[512];
    int o = 0;
    if (depth) o = snprintf(line, sizeof line, "%*s->  ", (depth - 1) * 6 + 2, "");
    o += snprintf(line + o, sizeof line - (size_t)o, "%s", op->vt->name);
    if (op->explain) o += snprintf(line + o, sizeof line - (size_t)o, " %s", op->explain);
    if (op->est_rows >= 0)
        o += snprintf(line + o, sizeof line - (size_t)o, "  (cost=%.0f rows=%.0f)", explain_cost(op), op->est_rows);
    if (analyze)
        o += snprintf(line + o, sizeof line - (size_t)o, " (actual rows=%lld time=%.3f ms)", (long long)atomic_load(&op->actual_rows),
                      (double)atomic_load(&op->time_ns) / 1e6);
    DataChunk d;
    Arena *a = arena_create(NULL);
    LType t = ltype(TYPE_TEXT);
    chunk_init(&d, &t, 1, 1, a);
    Value v = value_text(NULL, line, strlen(line));
    vector_set(&d.cols[0], 0, &v);
    d.count = 1;
    colcoll_append(out, &d, NULL, 1);
    arena_destroy(a);
    for (int i = 0; i < op->nchildren; i++) explain_op(op->children[i], depth + 1, analyze, out);
    if (op->nchildren == 0 && op->children[0]) {
        explain_op(op->children[0], depth + 1, analyze, out);
        if (op->children[1]) explain_op(op->children[1], depth + 1, analyze, out);
    }
}

static int run_select(MdbConn *c, Binder *b, PgQuery__SelectStmt *s, const Value *params, int nparams, Txn *txn, MdbResult *r)
{
    LogicalOp *plan;
    char **names;
    if (bind_select(b, s, &plan, &names)) return MDB_FAIL;
    result_set_columns(r, plan->ncols, names, plan->types);
    result_set_origins(r, plan, b->shared);
    r->rows = colcoll_create(plan->types, plan->ncols);
    if (engine_exec_query(c, b, plan, params, nparams, txn, r->rows, false, NULL, b->arena)) return MDB_FAIL;
    snprintf(r->tag, sizeof r->tag, "SELECT %llu", (unsigned long long)r->rows->count);
    r->rows_affected = (i64)r->rows->count;
    return MDB_OK_;
}

static int run_explain(MdbConn *c, Binder *b, PgQuery__ExplainStmt *es, const Value *params, int nparams, Txn *txn, MdbResult *r)
{
    bool analyze = false;
    for (size_t i = 0; i < es->n_options; i++) {
        PgQuery__DefElem *d = es->options[i]->def_elem;
        if (!strcmp(d->defname, "analyze")) analyze = true;
    }
    if (es->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "EXPLAIN supports SELECT only");
    LogicalOp *plan;
    char **names;
    if (bind_select(b, es->query->select_stmt, &plan, &names)) return MDB_FAIL;
    LType t = ltype(TYPE_TEXT);
    char *qp = "QUERY PLAN";
    result_set_columns(r, 1, &qp, &t);
    r->rows = colcoll_create(&t, 1);
    PhysOp *root = NULL;
    if (analyze) {
        ColumnCollection *sink = colcoll_create(plan->types, plan->ncols);
        int rc = engine_exec_query(c, b, plan, params, nparams, txn, sink, true, &root, b->arena);
        colcoll_destroy(sink);
        if (rc) return MDB_FAIL;
    } else {
        plan = optimize(b->arena, plan);
        PlanCtx pc = {b->arena, &c->err, 0};
        if (planner_plan(&pc, plan, &root)) return MDB_FAIL;
    }
    explain_op(root, 0, analyze, r->rows);
    snprintf(r->tag, sizeof r->tag, "EXPLAIN");
    return MDB_OK_;
}

/* Transaction modes of BEGIN / START TRANSACTION / SET TRANSACTION / SET SESSION
 * CHARACTERISTICS AS TRANSACTION (a list of DefElem) into *iso. */
static int txn_modes(MdbConn *c, PgQuery__Node **opts, size_t n, int *iso)
{
    for (size_t i = 0; i < n; i++) {
        if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
        PgQuery__DefElem *d = opts[i]->def_elem;
        PgQuery__AConst *k = d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_A_CONST ? d->arg->a_const : NULL;
        if (!strcmp(d->defname, "transaction_isolation")) {
            const char *v = k && k->val_case == PG_QUERY__A__CONST__VAL_SVAL ? k->sval->sval : "";
            int lv = settings_isolation_parse(v);
            if (lv < 0) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"transaction_isolation\": \"%s\"", v);
            *iso = lv;
        } else if (!strcmp(d->defname, "transaction_read_only")) {
            if (k && k->val_case == PG_QUERY__A__CONST__VAL_IVAL && k->ival->ival)
                return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "READ ONLY transactions are not supported");
        } else if (strcmp(d->defname, "transaction_deferrable") != 0) {
            /* DEFERRABLE only matters to SERIALIZABLE READ ONLY transactions, which are refused above */
            return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "transaction mode \"%s\" is not supported", d->defname);
        }
    }
    return MDB_OK_;
}

/* SET TRANSACTION ISOLATION LEVEL …: only before the block's first statement (its snapshot). */
static int set_txn_isolation(MdbConn *c, int iso)
{
    if (!c->txn) return MDB_OK_; /* PostgreSQL warns and ignores it outside a block */
    if (c->txn_queried)
        return err_set(&c->err, SQLSTATE_ACTIVE_SQL_TXN, "SET TRANSACTION ISOLATION LEVEL must be called before any query");
    c->txn_iso = iso;
    return MDB_OK_;
}

static int run_txn_stmt(MdbConn *c, PgQuery__TransactionStmt *ts, MdbResult *r)
{
    switch (ts->kind) {
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START: {
        snprintf(r->tag, sizeof r->tag, "BEGIN");
        if (c->txn) return MDB_OK_; /* PG warns; keeps the block */
        int iso = c->settings.default_isolation;
        if (txn_modes(c, ts->options, ts->n_options, &iso)) return MDB_FAIL;
        c->txn = txn_begin(&c->db->tm);
        c->txn_iso = iso;
        c->txn_queried = false;
        c->failed = false;
        return MDB_OK_;
    }
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
        if (!c->txn) { snprintf(r->tag, sizeof r->tag, "COMMIT"); return MDB_OK_; }
        if (c->failed) {
            conn_abort(c, c->txn);
            snprintf(r->tag, sizeof r->tag, "ROLLBACK");
        } else {
            if (conn_commit(c, c->txn)) { txn_free(c->txn); c->txn = NULL; return MDB_FAIL; }
            snprintf(r->tag, sizeof r->tag, "COMMIT");
        }
        txn_free(c->txn);
        c->txn = NULL;
        c->failed = false;
        for (int i = 0; i < c->nsaves; i++) free(c->saves[i].name);
        c->nsaves = 0;
        return MDB_OK_;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
        snprintf(r->tag, sizeof r->tag, "ROLLBACK");
        if (!c->txn) return MDB_OK_;
        conn_abort(c, c->txn);
        txn_free(c->txn);
        c->txn = NULL;
        c->failed = false;
        for (int i = 0; i < c->nsaves; i++) free(c->saves[i].name);
        c->nsaves = 0;
        return MDB_OK_;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
        if (!c->txn) return err_set(&c->err, SQLSTATE_NO_ACTIVE_SQL_TXN, "SAVEPOINT can only be used in transaction blocks");
        if (c->nsaves == c->capsaves) {
            c->capsaves = c->capsaves ? c->capsaves * 2 : 4;
            c->saves = xrealloc(c->saves, sizeof(*c->saves) * (size_t)c->capsaves);
        }
        c->saves[c->nsaves].name = xstrdup(ts->savepoint_name);
        c->saves[c->nsaves].mark = txn_mark(c->txn);
        c->saves[c->nsaves].cat_mark = c->cat_undo.n;
        c->nsaves++;
        snprintf(r->tag, sizeof r->tag, "SAVEPOINT");
        return MDB_OK_;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO: {
        bool rb = ts->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO;
        if (!c->txn) return err_set(&c->err, SQLSTATE_NO_ACTIVE_SQL_TXN, "%s can only be used in transaction blocks", rb ? "ROLLBACK TO SAVEPOINT" : "RELEASE SAVEPOINT");
        int k = c->nsaves - 1;
        while (k >= 0 && strcmp(c->saves[k].name, ts->savepoint_name)) k--;
        if (k < 0) return err_set(&c->err, "3B001", "savepoint \"%s\" does not exist", ts->savepoint_name);
        if (rb) {
            txn_rollback_to(c->txn, c->saves[k].mark);
            catalog_undo_rollback(&c->db->cat, &c->cat_undo, c->saves[k].cat_mark);
            c->failed = false;
            for (int i = k + 1; i < c->nsaves; i++) free(c->saves[i].name);
            c->nsaves = k + 1;
            snprintf(r->tag, sizeof r->tag, "ROLLBACK");
        } else {
            for (int i = k; i < c->nsaves; i++) free(c->saves[i].name);
            c->nsaves = k;
            snprintf(r->tag, sizeof r->tag, "RELEASE");
        }
        return MDB_OK_;
    }
    default:
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported transaction statement");
    }
}

static int run_set_show(MdbConn *c, PgQuery__Node *stmt, MdbResult *r)
{
    if (stmt->node_case == PG_QUERY__NODE__NODE_VARIABLE_SET_STMT) {
        PgQuery__VariableSetStmt *vs = stmt->variable_set_stmt;
        snprintf(r->tag, sizeof r->tag, vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET ? "RESET" : "SET");
        if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL) { settings_default(&c->settings); return MDB_OK_; }
        if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI) {
            /* SET TRANSACTION … (this block) / SET SESSION CHARACTERISTICS AS TRANSACTION … (the default) */
            bool session = !strcasecmp(vs->name, "SESSION CHARACTERISTICS");
            if (!session && strcasecmp(vs->name, "TRANSACTION"))
                return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "SET %s is not supported", vs->name);
            int iso = session ? c->settings.default_isolation : c->txn ? c->txn_iso : c->settings.default_isolation;
            if (txn_modes(c, vs->args, vs->n_args, &iso)) return MDB_FAIL;
            if (session) c->settings.default_isolation = iso;
            else if (iso != (c->txn ? c->txn_iso : iso) && set_txn_isolation(c, iso)) return MDB_FAIL;
            return MDB_OK_;
        }
        if (vs->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE && !strcasecmp(vs->name, "transaction_isolation")) {
            /* RESET / SET … TO DEFAULT: the session's default level, under SET TRANSACTION's rule */
            int iso = c->settings.default_isolation;
            return c->txn && iso != c->txn_iso ? set_txn_isolation(c, iso) : MDB_OK_;
        }
        if (vs->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE) return settings_set(&c->settings, vs->name, NULL, &c->err);
        char buf[512] = "";
        size_t o = 0;
        for (size_t i = 0; i < vs->n_args; i++) {
            PgQuery__Node *a = vs->args[i];
            const char *piece = "";
            char num[64];
            if (a->node_case == PG_QUERY__NODE__NODE_A_CONST) {
                PgQuery__AConst *k = a->a_const;
                if (k->val_case == PG_QUERY__A__CONST__VAL_SVAL) piece = k->sval->sval;
                else if (k->val_case == PG_QUERY__A__CONST__VAL_IVAL) { snprintf(num, sizeof num, "%d", k->ival->ival); piece = num; }
                else if (k->val_case == PG_QUERY__A__CONST__VAL_FVAL) piece = k->fval->fval;
            }
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", piece);
            if (o >= sizeof buf) break;
        }
        if (!strcasecmp(vs->name, "timezone")) {
            const TimeZone *tz;
            Err e = {0};
            if (tz_lookup(buf, strlen(buf), &tz, &e)) {
                err_clear(&e);
                return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"TimeZone\": \"%s\"", buf);
            }
        }
        if (!strcasecmp(vs->name, "transaction_isolation")) {
            int iso = settings_isolation_parse(buf);
            if (iso < 0) return err_set(&c->err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"transaction_isolation\": \"%s\"", buf);
            return c->txn && iso != c->txn_iso ? set_txn_isolation(c, iso) : MDB_OK_;
        }
        int src = settings_set(&c->settings, vs->name, buf, &c->err);
        if (!src) snprintf(r->timezone, sizeof r->timezone, "%s", c->settings.timezone);
        return src;
    }
    PgQuery__VariableShowStmt *ss = stmt->variable_show_stmt;
    char buf[512];
    if (!strcasecmp(ss->name, "transaction_isolation"))
        snprintf(buf, sizeof buf, "%s", settings_isolation_name(c->txn ? c->txn_iso : c->settings.default_isolation));
    else if (settings_show(&c->settings, ss->name, buf, sizeof buf, &c->err)) return MDB_FAIL;
    LType t = ltype(TYPE_TEXT);
    char *nm = ss->name;
    result_set_columns(r, 1, &nm, &t);
    r->rows = colcoll_create(&t, 1);
    DataChunk d;
    Arena *a = arena_create(NULL);
    chunk_init(&d, &t, 1, 1, a);
    Value v = value_text(NULL, buf, strlen(buf));
    vector_set(&d.cols[0], 0, &v);
    d.count = 1;
    colcoll_append(r->rows, &d, NULL, 1);
    arena_destroy(a);
    snprintf(r->tag, sizeof r->tag, "SHOW");
    return MDB_OK_;
}

/* Statement restarts after write-write conflicts before the statement fails with 40001.  Waiters
 * for a row queue in arrival order (src/txn: a writer that loops on one row cannot take it again
 * ahead of those waiting), so a statement restarts about once per transaction ahead of it in the
 * queue; the limit only stops a pathological loop.  statement_timeout and lock_timeout remain the
 * user's bounds. */
#define MAX_CONFLICT_RESTARTS 10000

/* A statement stopped by a write-write conflict (txn->conflict, 40001 in c->err): decides whether
 * it runs again.  The writer met is still in progress: the statement's own changes are undone
 * (so that it holds nothing while it waits), then it waits for that writer to end, outside every
 * lock (txn_wait_conflict: 40P01, 55P03, 57014).  READ COMMITTED then runs the whole statement
 * again with a new snapshot (PostgreSQL re-checks only the rows met, EvalPlanQual; for a
 * statement that changes one row the outcome is the same).  REPEATABLE READ and SERIALIZABLE run
 * it again with their snapshot: when the writer rolled back it now succeeds; when it committed,
 * the version is ended by a commit after the snapshot, and that fails with 40001 as in
 * PostgreSQL.  MDB_OK_: run again (c->err cleared); MDB_FAIL: c->err is the statement's error. */
static int conflict_restart(MdbConn *c, Txn *txn, int iso, int attempt, size_t mark, size_t cat_mark)
{
    if (strcmp(c->err.sqlstate, SQLSTATE_SERIALIZATION_FAILURE) != 0 || attempt >= MAX_CONFLICT_RESTARTS) return MDB_FAIL;
    bool read_committed = iso <= ISO_READ_COMMITTED;
    if (!txn_conflict_waits(txn) && !read_committed) return MDB_FAIL;
    txn_rollback_to(txn, mark);
    catalog_undo_rollback(&c->db->cat, &c->cat_undo, cat_mark);
    if (txn_conflict_waits(txn)) {
        Err werr = {0};
        TxnWaitLimits lim = {0, c->deadline_ns, &c->cancel};
        if (c->settings.lock_timeout_ms > 0) lim.lock_deadline_ns = time_mono_ns() + c->settings.lock_timeout_ms * 1000000;
        if (txn_wait_conflict(txn, &lim, &werr)) {
            err_clear(&c->err);
            err_move(&c->err, &werr);
            return MDB_FAIL;
        }
    }
    err_clear(&c->err);
    if (read_committed) txn_refresh_snapshot(txn);
    return MDB_OK_;
}

int engine_run(MdbConn *c, PgQuery__Node *stmt, const char *sql, const Value *params, int nparams, MdbResult **out)
{
    err_clear(&c->err);
    /* the prepared statement's plan cache is this statement's alone (not a nested one's) */
    PlanCache *pcache = c->plan_cache;
    c->plan_cache = NULL;
    atomic_store(&c->cancel, false);
    c->deadline_ns = c->settings.statement_timeout_ms > 0 ? time_mono_ns() + c->settings.statement_timeout_ms * 1000000 : 0;
    MdbResult *r = result_new();
    *out = NULL;
    _Static_assert(sizeof r->timezone == sizeof c->settings.timezone, "TimeZone copied whole");
    memcpy(r->timezone, c->settings.timezone, sizeof r->timezone); /* both NUL-terminated arrays: no snprintf per statement */
    r->extra_float_digits = c->settings.extra_float_digits;
    bool is_txn = stmt->node_case == PG_QUERY__NODE__NODE_TRANSACTION_STMT;
    if (c->failed && !(is_txn && (stmt->transaction_stmt->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK ||
                                 stmt->transaction_stmt->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO ||
                                 stmt->transaction_stmt->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT))) {
        err_set(&c->err, SQLSTATE_IN_FAILED_TXN, "current transaction is aborted, commands ignored until end of transaction block");
        mdb_result_free(r);
        publish_error(c);
        return MDB_ERROR;
    }
    if (is_txn) {
        if (run_txn_stmt(c, stmt->transaction_stmt, r)) { mdb_result_free(r); return fail_conn(c); }
        *out = r;
        return MDB_OK;
    }
    if (stmt->node_case == PG_QUERY__NODE__NODE_VARIABLE_SET_STMT || stmt->node_case == PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT) {
        if (run_set_show(c, stmt, r)) { mdb_result_free(r); return fail_conn(c); }
        *out = r;
        return MDB_OK;
    }
    bool implicit = c->txn == NULL;
    Txn *txn = implicit ? txn_begin(&c->db->tm) : c->txn;
    int iso = implicit ? c->settings.default_isolation : c->txn_iso;
    if (!implicit) {
        /* the block's snapshot: READ COMMITTED takes one per statement, the other levels one at the first */
        if (!c->txn_queried || iso <= ISO_READ_COMMITTED) txn_refresh_snapshot(txn);
        c->txn_queried = true;
    }
    size_t mark = txn_mark(txn);
    size_t cat_mark = c->cat_undo.n;
    /* INSERT/UPDATE/DELETE stopped by a write-write conflict wait and run again from here
     * (conflict_restart); their result rows (RETURNING) stay in r until the statement succeeds,
     * so a run that is thrown away never reached the client */
    bool restartable = stmt->node_case == PG_QUERY__NODE__NODE_INSERT_STMT || stmt->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT ||
                       stmt->node_case == PG_QUERY__NODE__NODE_DELETE_STMT ||
                       /* SELECT … FOR UPDATE / FOR SHARE (row locks meet the same conflicts) */
                       (stmt->node_case == PG_QUERY__NODE__NODE_SELECT_STMT && !stmt->select_stmt->into_clause);
    int attempt = 0;
restart:
    txn->conflict = false;
    catalog_viewer = &c->cat_undo;
    Arena *arena = arena_create(NULL);
    BindShared sh;
    memset(&sh, 0, sizeof(sh));
    Binder b;
    binder_init(&b, arena, &c->db->cat, &c->settings, &c->err, &sh, NULL);
    seed_param_types(c, &sh, arena);
    bool ddl = false;
    int rc;
    mdb_current_sql = sql;
    pthread_rwlock_t *lk = &c->db->cat.lock;
    switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
        if (stmt->select_stmt->into_clause) {
            /* SELECT … INTO: CREATE TABLE AS */
            PgQuery__IntoClause *into = stmt->select_stmt->into_clause;
            stmt->select_stmt->into_clause = NULL;
            if (catalog_ddl_lock(&c->db->cat, &c->cat_undo, c->deadline_ns, &c->cancel, &c->err)) {
                rc = MDB_FAIL;
                stmt->select_stmt->into_clause = into;
                break;
            }
            pthread_rwlock_wrlock(lk);
            rc = ddl_create_table_as(c, &b, stmt, into, false, params, nparams, r, txn);
            pthread_rwlock_unlock(lk);
            stmt->select_stmt->into_clause = into;
            break;
        }
        pthread_rwlock_rdlock(lk);
        rc = pcache ? plancache_run_select(c, pcache, &b, stmt->select_stmt, params, nparams, txn, r)
                           : run_select(c, &b, stmt->select_stmt, params, nparams, txn, r);
        pthread_rwlock_unlock(lk);
        break;
    case PG_QUERY__NODE__NODE_COPY_STMT:
        pthread_rwlock_rdlock(lk);
        rc = copy_run(c, &b, stmt->copy_stmt, params, nparams, r, txn);
        pthread_rwlock_unlock(lk);
        break;
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT:
        pthread_rwlock_rdlock(lk);
        rc = run_explain(c, &b, stmt->explain_stmt, params, nparams, txn, r);
        pthread_rwlock_unlock(lk);
        break;
    case PG_QUERY__NODE__NODE_INSERT_STMT:
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
    case PG_QUERY__NODE__NODE_DELETE_STMT:
        pthread_rwlock_rdlock(lk);
        rc = dml_run(c, &b, stmt, params, nparams, r, txn);
        pthread_rwlock_unlock(lk);
        break;
    case PG_QUERY__NODE__NODE_VACUUM_STMT: /* changes no definition: reclamation works under the tables' own locks */
        pthread_rwlock_rdlock(lk);
        rc = ddl_run(c, &b, stmt, params, nparams, r, txn);
        __atomic_fetch_add(&c->db->cat.version, 1, __ATOMIC_RELEASE); /* statistics: kept plans are made again */
        pthread_rwlock_unlock(lk);
        break;
    case PG_QUERY__NODE__NODE_CALL_STMT: /* call.c takes the catalog lock itself */
        if (catalog_ddl_lock(&c->db->cat, &c->cat_undo, c->deadline_ns, &c->cancel, &c->err)) { rc = MDB_FAIL; break; }
        rc = call_run(c, &b, stmt->call_stmt, r, txn);
        break;
    default: /* DDL: one transaction with uncommitted catalog changes at a time */
        if (catalog_ddl_lock(&c->db->cat, &c->cat_undo, c->deadline_ns, &c->cancel, &c->err)) { rc = MDB_FAIL; break; }
        pthread_rwlock_wrlock(lk);
        rc = ddl_run(c, &b, stmt, params, nparams, r, txn);
        c->db->cat.version++; /* whatever it changed, kept plans (plancache.c) are made again */
        pthread_rwlock_unlock(lk);
        ddl = true;
        break;
    }
    (void)ddl;
    arena_destroy(arena);
    if (rc && restartable && txn->conflict && conflict_restart(c, txn, iso, attempt++, mark, cat_mark) == MDB_OK_) {
        mdb_result_free(r);
        r = result_new();
        snprintf(r->timezone, sizeof r->timezone, "%s", c->settings.timezone);
        goto restart;
    }
    if (attempt) {
        pthread_mutex_lock(&c->db->tm.mu);
        if ((u64)attempt > c->db->tm.max_restarts) c->db->tm.max_restarts = (u64)attempt;
        pthread_mutex_unlock(&c->db->tm.mu);
    }
    /* the next waiter for a row it queued for goes: in a block now, alone at commit or rollback
     * (which leave the queue once the row's new version is published) */
    if (!implicit) txn_statement_end(txn);
    if (rc) {
        if (implicit) {
            conn_abort(c, txn);
            txn_free(txn);
        } else {
            /* the statement's own changes (rows and catalog) are undone; the block is failed */
            txn_rollback_to(txn, mark);
            catalog_undo_rollback(&c->db->cat, &c->cat_undo, cat_mark);
        }
        mdb_result_free(r);
        return fail_conn(c);
    }
    if (implicit) {
        if (conn_commit(c, txn)) {
            txn_free(txn);
            mdb_result_free(r);
            return fail_conn(c);
        }
        txn_free(txn);
    }
    *out = r;
    return MDB_OK;
}

/* ---- query / prepare API ------------------------------------------------------------ */

int mdb_query(MdbConn *c, const char *sql, MdbResult **out)
{
    if (out) *out = NULL;
    ParseResult pr;
    err_clear(&c->err);
    if (parser_parse(sql, &pr, &c->err)) return fail_conn(c);
    MdbResult *last = NULL;
    int rc = MDB_OK;
    for (size_t i = 0; i < pr.tree->n_stmts; i++) {
        MdbResult *r = NULL;
        if (engine_run(c, pr.tree->stmts[i]->stmt, sql, NULL, 0, &r) != MDB_OK) {
            rc = MDB_ERROR;
            break;
        }
        mdb_result_free(last);
        last = r;
    }
    parser_free(&pr);
    if (rc != MDB_OK) {
        mdb_result_free(last);
        return MDB_ERROR;
    }
    if (out) *out = last;
    else mdb_result_free(last);
    return MDB_OK;
}

int mdb_prepare(MdbConn *c, const char *sql, MdbStmt **out, size_t *tail)
{
    *out = NULL;
    err_clear(&c->err);
    ParseResult pr;
    if (parser_parse(sql, &pr, &c->err)) {
        if (tail) *tail = strlen(sql);
        return fail_conn(c);
    }
    if (pr.tree->n_stmts == 0) {
        parser_free(&pr);
        if (tail) *tail = strlen(sql);
        return MDB_OK;
    }
    PgQuery__RawStmt *rs = pr.tree->stmts[0];
    size_t start = (size_t)rs->stmt_location;
    size_t len = rs->stmt_len ? (size_t)rs->stmt_len : strlen(sql) - start;
    MdbStmt *s = xcalloc(1, sizeof(MdbStmt));
    s->conn = c;
    /* keep the statement at its original offset so error positions match */
    s->sql = xmalloc(start + len + 1);
    memset(s->sql, ' ', start);
    for (size_t i = 0; i < start; i++)
        if (sql[i] == '\n') s->sql[i] = '\n';
    memcpy(s->sql + start, sql + start, len);
    s->sql[start + len] = 0;
    if (tail) {
        size_t t = start + len;
        if (sql[t] == ';') t++;
        *tail = t;
    }
    /* kept: its first statement is this one, at the same offsets as in s->sql (execute,
     * describe and the COPY check would each parse the text again) */
    s->parsed = pr.tree;
    s->nparams = engine_count_params(s->sql);
    s->arena = arena_create(NULL);
    s->params = xcalloc((size_t)(s->nparams + 1), sizeof(Value));
    for (int i = 0; i < s->nparams; i++) s->params[i] = value_null();
    *out = s;
    return MDB_OK;
}

int engine_count_params(const char *sql)
{
    /* the highest $n outside of quotes */
    int maxp = 0;
    char q = 0;
    for (const char *p = sql; *p; p++) {
        if (q) {
            if (*p == q) q = 0;
            continue;
        }
        if (*p == '\'' || *p == '"') { q = *p; continue; }
        if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
            int n = atoi(p + 1);
            if (n > maxp) maxp = n;
        }
    }
    return maxp;
}

int mdb_stmt_param_count(const MdbStmt *s) { return s->nparams; }

static int bind_check(MdbStmt *s, int idx)
{
    if (idx < 1 || idx > s->nparams) {
        err_clear(&s->conn->err);
        err_set(&s->conn->err, SQLSTATE_UNDEFINED_PARAMETER, "there is no parameter $%d", idx);
        publish_error(s->conn);
        return MDB_ERROR;
    }
    return MDB_OK;
}

int mdb_bind_null(MdbStmt *s, int idx)
{
    if (bind_check(s, idx)) return MDB_ERROR;
    s->params[idx - 1] = value_null();
    return MDB_OK;
}
int mdb_bind_bool(MdbStmt *s, int idx, bool v)
{
    if (bind_check(s, idx)) return MDB_ERROR;
    s->params[idx - 1] = value_bool(v);
    return MDB_OK;
}
int mdb_bind_int64(MdbStmt *s, int idx, int64_t v)
{
    if (bind_check(s, idx)) return MDB_ERROR;
    s->params[idx - 1] = value_int(TYPE_INT64, v);
    return MDB_OK;
}
int mdb_bind_double(MdbStmt *s, int idx, double v)
{
    if (bind_check(s, idx)) return MDB_ERROR;
    s->params[idx - 1] = value_double(v);
    return MDB_OK;
}
int mdb_bind_text(MdbStmt *s, int idx, const char *v, size_t len)
{
    if (bind_check(s, idx)) return MDB_ERROR;
    /* each parameter reuses its own buffer: a statement executed millions of times must
     * not keep every value it was ever given */
    if (!s->ptext) {
        s->ptext = xcalloc((size_t)s->nparams + 1, sizeof(char *));
        s->ptext_cap = xcalloc((size_t)s->nparams + 1, sizeof(size_t));
    }
    if (s->ptext_cap[idx - 1] < len + 1) {
        size_t cap = len + 1 < 32 ? 32 : len + 1;
        free(s->ptext[idx - 1]);
        s->ptext[idx - 1] = xmalloc(cap);
        s->ptext_cap[idx - 1] = cap;
    }
    memcpy(s->ptext[idx - 1], v, len);
    s->ptext[idx - 1][len] = 0;
    Value x = value_text(NULL, s->ptext[idx - 1], len);
    x.type.text_kind = TEXT_UNKNOWN;
    s->params[idx - 1] = x;
    return MDB_OK;
}

int mdb_stmt_execute(MdbStmt *s, MdbResult **out)
{
    MdbConn *c = s->conn;
    *out = NULL;
    err_clear(&c->err);
    PgQuery__ParseResult *tree = s->parsed;
    int rc = MDB_OK;
    c->seed_types = s->given;
    c->nseed = s->given ? s->nparams : 0;
    if (!s->cache) s->cache = plancache_new();
    c->plan_cache = s->cache;
    if (tree->n_stmts > 0) rc = engine_run(c, tree->stmts[0]->stmt, s->sql, s->params, s->nparams, out);
    c->plan_cache = NULL;
    c->seed_types = NULL;
    c->nseed = 0;
    return rc;
}

int mdb_stmt_set_param_type(MdbStmt *s, int idx, MdbType type)
{
    if (bind_check(s, idx)) return MDB_ERROR;
    static const TypeId ids[] = {
        [MDB_TYPE_NULL] = TYPE_NULL, [MDB_TYPE_BOOL] = TYPE_BOOL, [MDB_TYPE_INT16] = TYPE_INT16,
        [MDB_TYPE_INT32] = TYPE_INT32, [MDB_TYPE_INT64] = TYPE_INT64, [MDB_TYPE_FLOAT32] = TYPE_FLOAT32,
        [MDB_TYPE_FLOAT64] = TYPE_FLOAT64, [MDB_TYPE_NUMERIC] = TYPE_NUMERIC, [MDB_TYPE_TEXT] = TYPE_TEXT,
        [MDB_TYPE_BYTEA] = TYPE_BYTEA, [MDB_TYPE_DATE] = TYPE_DATE, [MDB_TYPE_TIME] = TYPE_TIME,
        [MDB_TYPE_TIMESTAMP] = TYPE_TIMESTAMP, [MDB_TYPE_TIMESTAMPTZ] = TYPE_TIMESTAMPTZ,
        [MDB_TYPE_INTERVAL] = TYPE_INTERVAL, [MDB_TYPE_UUID] = TYPE_UUID,
    };
    TypeId id = (unsigned)type < sizeof ids / sizeof ids[0] ? ids[type] : TYPE_NULL;
    if (!s->given) {
        s->given = xcalloc((size_t)s->nparams + 1, sizeof(LType));
        for (int i = 0; i < s->nparams; i++) s->given[i] = ltype(TYPE_NULL);
    }
    s->given[idx - 1] = ltype(id);
    plancache_invalidate(s->cache); /* the kept plan casts to the old type */
    return MDB_OK;
}

MdbType mdb_stmt_param_type(const MdbStmt *s, int idx)
{
    if (idx < 1 || idx > s->nparams) return MDB_TYPE_NULL;
    if (s->given && s->given[idx - 1].id != TYPE_NULL) return mdb_type_of(s->given[idx - 1]);
    if (idx <= s->ninferred) {
        LType t = s->inferred[idx - 1];
        if (t.id == TYPE_TEXT && t.text_kind == TEXT_UNKNOWN) return MDB_TYPE_NULL;
        return mdb_type_of(t);
    }
    return MDB_TYPE_NULL;
}

int mdb_stmt_describe(MdbStmt *s, MdbResult **out)
{
    MdbConn *c = s->conn;
    *out = NULL;
    err_clear(&c->err);
    PgQuery__ParseResult *tree = s->parsed;
    if (tree->n_stmts == 0) return MDB_OK;
    PgQuery__Node *stmt = tree->stmts[0]->stmt;
    MdbResult *r = result_new();
    snprintf(r->timezone, sizeof r->timezone, "%s", c->settings.timezone);
    r->extra_float_digits = c->settings.extra_float_digits;
    Arena *arena = arena_create(NULL);
    BindShared sh;
    memset(&sh, 0, sizeof(sh));
    Binder b;
    binder_init(&b, arena, &c->db->cat, &c->settings, &c->err, &sh, NULL);
    c->seed_types = s->given;
    c->nseed = s->given ? s->nparams : 0;
    seed_param_types(c, &sh, arena);
    c->seed_types = NULL;
    c->nseed = 0;
    mdb_current_sql = s->sql;
    int rc = MDB_OK_;
    LType text = ltype(TYPE_TEXT);
    switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
        if (!stmt->select_stmt->into_clause) {
            /* bound, not run: the shape of the rows and the parameters' types */
            LogicalOp *plan;
            char **names;
            catalog_viewer = &c->cat_undo;
            pthread_rwlock_rdlock(&c->db->cat.lock);
            rc = bind_select(&b, stmt->select_stmt, &plan, &names);
            /* the shape told to the client is the one later plans must keep */
            if (!s->cache) s->cache = plancache_new();
            if (!rc && !plancache_note_shape(s->cache, plan->ncols, names, plan->types))
                rc = err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "cached plan must not change result type");
            if (!rc) result_set_columns(r, plan->ncols, names, plan->types);
            if (!rc) result_set_origins(r, plan, &sh);
            pthread_rwlock_unlock(&c->db->cat.lock);
        }
        break;
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT: {
        char *qp = "QUERY PLAN";
        result_set_columns(r, 1, &qp, &text);
        break;
    }
    case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
        if (strcasecmp(stmt->variable_show_stmt->name, "all") != 0) result_set_columns(r, 1, &stmt->variable_show_stmt->name, &text);
        break;
    case PG_QUERY__NODE__NODE_INSERT_STMT:
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
    case PG_QUERY__NODE__NODE_DELETE_STMT:
        /* … RETURNING: the returned columns (else no rows) */
        catalog_viewer = &c->cat_undo;
        pthread_rwlock_rdlock(&c->db->cat.lock);
        dml_describe_returning(c, &b, stmt, r);
        pthread_rwlock_unlock(&c->db->cat.lock);
        break;
    default: /* other statements are described as returning no rows */
        break;
    }
    free(s->inferred);
    s->ninferred = sh.nparams;
    s->inferred = xcalloc((size_t)sh.nparams + 1, sizeof(LType));
    for (int i = 0; i < sh.nparams; i++) s->inferred[i] = sh.param_types[i];
    arena_destroy(arena);
    if (rc) {
        mdb_result_free(r);
        return fail_conn(c);
    }
    if (!r->has_rows) {
        mdb_result_free(r);
        r = NULL;
    }
    *out = r;
    return MDB_OK;
}

int mdb_stmt_copy_direction(MdbStmt *s)
{
    PgQuery__ParseResult *tree = s->parsed;
    int dir = 0;
    if (tree->n_stmts > 0 && tree->stmts[0]->stmt->node_case == PG_QUERY__NODE__NODE_COPY_STMT) {
        PgQuery__CopyStmt *cs = tree->stmts[0]->stmt->copy_stmt;
        if (!cs->is_program && (!cs->filename || !*cs->filename)) dir = cs->is_from ? 1 : 2;
    }
    return dir;
}

void mdb_stmt_free(MdbStmt *s)
{
    if (!s) return;
    if (s->parsed) {
        ParseResult pr = {s->parsed};
        parser_free(&pr);
    }
    plancache_free(s->cache);
    for (int i = 0; i < s->nparams; i++) free(s->ptext ? s->ptext[i] : NULL);
    free(s->ptext);
    free(s->ptext_cap);
    arena_destroy(s->arena);
    free(s->given);
    free(s->inferred);
    free(s->params);
    free(s->sql);
    free(s);
}

void engine_stmt_plan_counts(const MdbStmt *s, u64 *plans, u64 *reuses) { plancache_counts(s->cache, plans, reuses); }
void engine_stmt_plan_text(const MdbStmt *s, char *buf, size_t cap) { plancache_plan_text(s->cache, buf, cap); }
