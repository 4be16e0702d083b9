/*
 * src/exec/sys_funcs.c — the catalog functions PostgreSQL clients call in their
 * catalog queries (psql's \l \dt \d \di \dn \df, drivers' metadata calls):
 * pg_get_userbyid, pg_encoding_to_char, pg_table_is_visible,
 * pg_function_is_visible, format_type, pg_get_expr, pg_get_indexdef,
 * pg_get_constraintdef, pg_get_function_result / _arguments, col_description,
 * obj_description, pg_relation_is_publishable,
 * pg_get_statisticsobjdef_columns.
 *
 * They live here rather than in src/func because they read MegaDB's catalog:
 * a kernel reaches it through the Exec that runs the statement (the FuncCtx's
 * defer owner), which holds the catalog lock for the whole statement.  The
 * answers come from the relations of ops_system.c (same OIDs, same names).
 * MegaDB has no comments and no user-defined functions, so col_description /
 * obj_description are NULL and the function ones never see a row of pg_proc.
 *
 * INTERFACE: sys_funcs_register (called once by mdb_open).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "exec/sys_funcs.h"
#include "func/func.h"

#define ROWOK(out, i) (!(out)->nulls || !(out)->nulls[i])
#define ARGI(v, i) ((v)->is_const ? 0 : (i))
#define ISNULL(v, i) ((v)->nulls && (v)->nulls[ARGI(v, i)])

static i64 arg_int(const Vector *v, idx_t i)
{
    idx_t k = ARGI(v, i);
    switch (v->type.id) {
    case TYPE_INT16: return ((const i16 *)v->data)[k];
    case TYPE_INT32: return ((const i32 *)v->data)[k];
    default: return ((const i64 *)v->data)[k];
    }
}

static void set_text(Vector *out, idx_t i, const char *s)
{
    if (!s) {
        vector_nulls(out)[i] = 1;
        return;
    }
    Value v = value_text(out->heap, s, strlen(s));
    vector_set(out, i, &v);
}

static Exec *ctx_exec(FuncCtx *ctx) { return ctx->defer_owner; }

static int need_exec(FuncCtx *ctx, const char *fn)
{
    if (ctx_exec(ctx) && ctx_exec(ctx)->cat) return MDB_OK_;
    return err_set(ctx->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s cannot be evaluated here", fn);
}

static int fn_userbyid(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    for (idx_t i = 0; i < n; i++)
        if (ROWOK(out, i)) {
            const char *u = sys_owner_name(arg_int(&args[0], i));
            char buf[48];
            if (!u) snprintf(buf, sizeof buf, "unknown (OID=%lld)", (long long)arg_int(&args[0], i));
            set_text(out, i, u ? u : buf);
        }
    return MDB_OK_;
}

static int fn_encoding_to_char(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)ctx, (void)nargs;
    for (idx_t i = 0; i < n; i++)
        if (ROWOK(out, i)) {
            i64 e = arg_int(&args[0], i);
            set_text(out, i, e == 6 ? "UTF8" : e == 0 ? "SQL_ASCII" : "");
        }
    return MDB_OK_;
}

static int fn_table_is_visible(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    if (need_exec(ctx, "pg_table_is_visible")) return MDB_FAIL;
    Exec *ex = ctx_exec(ctx);
    for (idx_t i = 0; i < n; i++)
        if (ROWOK(out, i)) {
            Value v = value_bool(sys_table_is_visible(ex->cat, ex->settings, ctx->arena, arg_int(&args[0], i)));
            vector_set(out, i, &v);
        }
    return MDB_OK_;
}

static int fn_true(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)ctx, (void)args, (void)nargs;
    for (idx_t i = 0; i < n; i++)
        if (ROWOK(out, i)) {
            Value v = value_bool(true);
            vector_set(out, i, &v);
        }
    return MDB_OK_;
}

/* format_type(oid, typmod): typmod may be NULL (not strict, as in PostgreSQL) */
static int fn_format_type(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    for (idx_t i = 0; i < n; i++) {
        if (ISNULL(&args[0], i)) {
            vector_nulls(out)[i] = 1;
            continue;
        }
        if (out->nulls) out->nulls[i] = 0;
        i64 mod = ISNULL(&args[1], i) ? -1 : arg_int(&args[1], i);
        set_text(out, i, sys_format_type(ctx->arena, arg_int(&args[0], i), mod));
    }
    return MDB_OK_;
}

/* pg_get_expr(text, relid [, pretty]): MegaDB keeps expressions as SQL text, which is the answer */
static int fn_get_expr(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)ctx, (void)nargs;
    for (idx_t i = 0; i < n; i++)
        if (ROWOK(out, i)) {
            const Str *s = &((const Str *)args[0].data)[ARGI(&args[0], i)];
            Value v = value_text(out->heap, str_data(s), s->len);
            vector_set(out, i, &v);
        }
    return MDB_OK_;
}

static int fn_indexdef(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    if (need_exec(ctx, "pg_get_indexdef")) return MDB_FAIL;
    for (idx_t i = 0; i < n; i++)
        if (ROWOK(out, i)) set_text(out, i, sys_index_def(ctx_exec(ctx)->cat, ctx->arena, arg_int(&args[0], i)));
    return MDB_OK_;
}

static int fn_constraintdef(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    if (need_exec(ctx, "pg_get_constraintdef")) return MDB_FAIL;
    for (idx_t i = 0; i < n; i++)
        if (ROWOK(out, i)) set_text(out, i, sys_constraint_def(ctx_exec(ctx)->cat, ctx->arena, arg_int(&args[0], i)));
    return MDB_OK_;
}

/* no comments, no user-defined functions, no extended statistics: NULL */
static int fn_null(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)ctx, (void)args, (void)nargs;
    memset(vector_nulls(out), 1, n ? n : 1);
    return MDB_OK_;
}

static const ScalarFunc SYS_FUNCS[] = {
    {"pg_get_userbyid", 1, {TYPE_INT64}, TYPE_TEXT, 0, fn_userbyid},
    {"pg_encoding_to_char", 1, {TYPE_INT64}, TYPE_TEXT, 0, fn_encoding_to_char},
    {"pg_table_is_visible", 1, {TYPE_INT64}, TYPE_BOOL, FUNC_VOLATILE, fn_table_is_visible},
    {"pg_function_is_visible", 1, {TYPE_INT64}, TYPE_BOOL, 0, fn_true},
    {"pg_relation_is_publishable", 1, {TYPE_INT64}, TYPE_BOOL, 0, fn_true},
    {"format_type", 2, {TYPE_INT64, TYPE_INT64}, TYPE_TEXT, FUNC_NOT_STRICT, fn_format_type},
    {"pg_get_expr", 2, {TYPE_TEXT, TYPE_INT64}, TYPE_TEXT, 0, fn_get_expr},
    {"pg_get_expr", 3, {TYPE_TEXT, TYPE_INT64, TYPE_BOOL}, TYPE_TEXT, 0, fn_get_expr},
    {"pg_get_indexdef", 1, {TYPE_INT64}, TYPE_TEXT, FUNC_VOLATILE, fn_indexdef},
    {"pg_get_indexdef", 3, {TYPE_INT64, TYPE_INT64, TYPE_BOOL}, TYPE_TEXT, FUNC_VOLATILE, fn_indexdef},
    {"pg_get_constraintdef", 1, {TYPE_INT64}, TYPE_TEXT, FUNC_VOLATILE, fn_constraintdef},
    {"pg_get_constraintdef", 2, {TYPE_INT64, TYPE_BOOL}, TYPE_TEXT, FUNC_VOLATILE, fn_constraintdef},
    {"pg_get_function_result", 1, {TYPE_INT64}, TYPE_TEXT, 0, fn_null},
    {"pg_get_function_arguments", 1, {TYPE_INT64}, TYPE_TEXT, 0, fn_null},
    {"pg_get_statisticsobjdef_columns", 1, {TYPE_INT64}, TYPE_TEXT, 0, fn_null},
    {"col_description", 2, {TYPE_INT64, TYPE_INT64}, TYPE_TEXT, FUNC_NOT_STRICT, fn_null},
    {"obj_description", 1, {TYPE_INT64}, TYPE_TEXT, FUNC_NOT_STRICT, fn_null},
    {"obj_description", 2, {TYPE_INT64, TYPE_TEXT}, TYPE_TEXT, FUNC_NOT_STRICT, fn_null},
    {"shobj_description", 2, {TYPE_INT64, TYPE_TEXT}, TYPE_TEXT, FUNC_NOT_STRICT, fn_null},
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void register_once(void)
{
    func_init();
    func_register_scalar(SYS_FUNCS, sizeof SYS_FUNCS / sizeof SYS_FUNCS[0]);
}
void sys_funcs_register(void) { pthread_once(&once, register_once); }
