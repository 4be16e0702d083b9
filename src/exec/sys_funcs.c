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
#include <strings.h>

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

/* ---- arrays in their text form, for catalog queries (subscripts, = ANY, array equality) ---- */

/* Calls fn for each element of a one-dimensional array in PostgreSQL's text form ({a,"b c",NULL});
 * the element is unquoted into buf (NULL for an SQL NULL).  Returns the number of elements, or -1
 * when fn returns false (stop). */
typedef bool (*ElemFn)(const char *elem, size_t len, void *arg);
static int array_each(const char *s, size_t n, char *buf, ElemFn fn, void *arg)
{
    size_t i = 0;
    while (i < n && s[i] != '{') i++;
    if (i == n) return 0;
    i++;
    int count = 0;
    while (i < n && s[i] != '}') {
        size_t k = 0;
        bool quoted = false;
        while (i < n && s[i] == ' ') i++;
        if (i < n && s[i] == '"') {
            quoted = true;
            for (i++; i < n && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < n) i++;
                buf[k++] = s[i];
            }
            i++;
        } else {
            while (i < n && s[i] != ',' && s[i] != '}') buf[k++] = s[i++];
            while (k && buf[k - 1] == ' ') k--;
        }
        buf[k] = 0;
        bool null = !quoted && k == 4 && !strncasecmp(buf, "NULL", 4);
        count++;
        if (!fn(null ? NULL : buf, k, arg)) return -1;
        if (i < n && s[i] == ',') i++;
    }
    return count;
}

static const Str *arg_str(const Vector *v, idx_t i) { return &((const Str *)v->data)[ARGI(v, i)]; }

typedef struct ElemFind {
    int want, at;            /* array_element: the wanted index (1-based), the current one */
    const char *key;         /* any_eq: the value looked for */
    size_t keylen;
    bool found, has_null;
    char *out;
    size_t outlen;
    bool out_null;
} ElemFind;

static bool elem_at(const char *e, size_t len, void *arg)
{
    ElemFind *f = arg;
    if (++f->at != f->want) return true;
    f->found = true;
    f->out_null = e == NULL;
    if (e) {
        memcpy(f->out, e, len);
        f->outlen = len;
    }
    return false;
}

static bool elem_eq(const char *e, size_t len, void *arg)
{
    ElemFind *f = arg;
    if (!e) {
        f->has_null = true;
        return true;
    }
    if (len == f->keylen && !memcmp(e, f->key, len)) {
        f->found = true;
        return false;
    }
    return true;
}

static bool elem_count(const char *e, size_t len, void *arg)
{
    (void)e, (void)len, (void)arg;
    return true;
}

/* array_element_text(arr, i): element i (1-based) as text; NULL outside the array (arr[i]) */
static int fn_array_element(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    for (idx_t i = 0; i < n; i++) {
        if (!ROWOK(out, i)) continue;
        const Str *a = arg_str(&args[0], i);
        char *buf = arena_alloc(ctx->arena, a->len + 1);
        ElemFind f = {.want = (int)arg_int(&args[1], i), .out = arena_alloc(ctx->arena, a->len + 1)};
        array_each(str_data(a), a->len, buf, elem_at, &f);
        if (!f.found || f.out_null) {
            vector_nulls(out)[i] = 1;
        } else {
            Value v = value_text(out->heap, f.out, f.outlen);
            vector_set(out, i, &v);
        }
    }
    return MDB_OK_;
}

/* array_upper(arr, dim): the number of elements of a one-dimensional array; NULL when empty */
static int fn_array_upper(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    for (idx_t i = 0; i < n; i++) {
        if (!ROWOK(out, i)) continue;
        const Str *a = arg_str(&args[0], i);
        char *buf = arena_alloc(ctx->arena, a->len + 1);
        int cnt = array_each(str_data(a), a->len, buf, elem_count, NULL);
        if (cnt <= 0 || arg_int(&args[1], i) != 1) {
            vector_nulls(out)[i] = 1;
        } else {
            Value v = value_int(TYPE_INT32, cnt);
            vector_set(out, i, &v);
        }
    }
    return MDB_OK_;
}

/* array_any_eq_text(x, arr): x = ANY(arr) comparing text forms, with SQL's NULL rules */
static int fn_any_eq(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    for (idx_t i = 0; i < n; i++) {
        if (ISNULL(&args[0], i) || ISNULL(&args[1], i)) {
            vector_nulls(out)[i] = 1;
            continue;
        }
        if (out->nulls) out->nulls[i] = 0;
        const Str *x = arg_str(&args[0], i), *a = arg_str(&args[1], i);
        char *buf = arena_alloc(ctx->arena, a->len + 1);
        ElemFind f = {.key = str_data(x), .keylen = x->len};
        array_each(str_data(a), a->len, buf, elem_eq, &f);
        if (!f.found && f.has_null) {
            vector_nulls(out)[i] = 1;
        } else {
            Value v = value_bool(f.found);
            vector_set(out, i, &v);
        }
    }
    return MDB_OK_;
}

/* array_eq_text(a, b): arrays equal when their text forms are */
static int fn_array_eq(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)ctx, (void)nargs;
    for (idx_t i = 0; i < n; i++) {
        if (!ROWOK(out, i)) continue;
        const Str *a = arg_str(&args[0], i), *b = arg_str(&args[1], i);
        Value v = value_bool(a->len == b->len && !memcmp(str_data(a), str_data(b), a->len));
        vector_set(out, i, &v);
    }
    return MDB_OK_;
}

/* current_schemas(include_implicit): the search_path's schemas that exist, pg_catalog first when
 * implicit ones are wanted, as a text[] */
static int fn_current_schemas(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)nargs;
    if (need_exec(ctx, "current_schemas")) return MDB_FAIL;
    Exec *ex = ctx_exec(ctx);
    for (idx_t i = 0; i < n; i++) {
        if (!ROWOK(out, i)) continue;
        bool implicit = ((const u8 *)args[0].data)[ARGI(&args[0], i)] != 0;
        char path[256], list[600] = "{";
        snprintf(path, sizeof path, "%s", ex->settings ? ex->settings->search_path : "public");
        if (implicit) strcat(list, "pg_catalog");
        for (char *save = NULL, *p = strtok_r(path, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
            if (*p == '"') { p++; p[strcspn(p, "\"")] = 0; }
            bool exists = false;
            for (size_t k = 0; k < ex->cat->schemas.n; k++)
                if (!strcmp(((Schema *)ex->cat->schemas.items[k])->name, p)) exists = true;
            if (!exists || !strcmp(p, "pg_catalog") || strlen(list) + strlen(p) + 3 >= sizeof list) continue;
            if (list[1]) strcat(list, ",");
            strcat(list, p);
        }
        strcat(list, "}");
        Value v = value_text(out->heap, list, strlen(list));
        vector_set(out, i, &v);
    }
    return MDB_OK_;
}

/* array || array (one-dimensional, text forms): the elements of both */
static int fn_array_cat(FuncCtx *ctx, Vector *args, int nargs, idx_t n, Vector *out)
{
    (void)ctx, (void)nargs;
    for (idx_t i = 0; i < n; i++) {
        if (!ROWOK(out, i)) continue;
        const Str *a = arg_str(&args[0], i), *b = arg_str(&args[1], i);
        const char *pa = str_data(a), *pb = str_data(b);
        size_t la = a->len, lb = b->len;
        /* the inside of each: between the braces */
        while (la && pa[la - 1] != '}') la--;
        while (lb && pb[lb - 1] != '}') lb--;
        const char *ia = memchr(pa, '{', la), *ib = memchr(pb, '{', lb);
        size_t na = ia ? (size_t)(pa + la - 1 - ia - 1) : 0, nb = ib ? (size_t)(pb + lb - 1 - ib - 1) : 0;
        char *buf = arena_alloc(ctx->arena, na + nb + 4);
        size_t k = 0;
        buf[k++] = '{';
        if (ia && na) { memcpy(buf + k, ia + 1, na); k += na; }
        if (ib && nb) {
            if (k > 1) buf[k++] = ',';
            memcpy(buf + k, ib + 1, nb);
            k += nb;
        }
        buf[k++] = '}';
        Value v = value_text(out->heap, buf, k);
        vector_set(out, i, &v);
    }
    return MDB_OK_;
}

static const ScalarFunc SYS_FUNCS[] = {
    {"||", 2, {ARG_ANYARRAY, ARG_ANYARRAY}, RET_ARG0, 0, fn_array_cat},
    {"array_cat", 2, {ARG_ANYARRAY, ARG_ANYARRAY}, RET_ARG0, 0, fn_array_cat},
    {"current_schemas", 1, {TYPE_BOOL}, RET_TEXT_LIST, FUNC_VOLATILE, fn_current_schemas},
    {"array_element_text", 2, {ARG_ANYARRAY, TYPE_INT64}, TYPE_TEXT, 0, fn_array_element},
    {"array_upper", 2, {ARG_ANYARRAY, TYPE_INT64}, TYPE_INT32, 0, fn_array_upper},
    {"array_any_eq_text", 2, {TYPE_TEXT, ARG_ANYARRAY}, TYPE_BOOL, FUNC_NOT_STRICT, fn_any_eq},
    {"array_eq_text", 2, {ARG_ANYARRAY, ARG_ANYARRAY}, TYPE_BOOL, 0, fn_array_eq},
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
