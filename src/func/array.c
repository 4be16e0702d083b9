/*
 * src/func/array.c — array functions over the engine's array representation
 * (TYPE_LIST: a one-dimensional array kept as its PostgreSQL text form,
 * `{a,"b c",NULL}`): string_to_array, array_to_string, and the helpers
 * other files of this folder use to build (`func_array_*`) and split
 * (`func_array_split`) that text form.
 *
 * The builder quotes elements exactly as PG's array_out does, so arrays made
 * here compare and print like arrays made by casts or ARRAY[...].  The
 * splitter reads the canonical form (and tolerates extra whitespace); it
 * lives here rather than reusing src/exec's array parser because this
 * folder may not depend on the layer above (DESIGN.md §1).
 *
 * INTERFACE: func_register_array, func_array_init, func_array_add,
 *            func_array_finish, func_array_split
 */
#include <strings.h>

#include "func/func_internal.h"

#define SARG(k, i) (&STRS(&args[k])[AIDX(&args[k], i)])

static bool arr_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static void buf_put(ArrayText *b, const char *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t nc = MDB_MAX(b->cap * 2, b->len + n + 64);
        char *nb = arena_alloc(b->arena, nc);
        if (b->len) memcpy(nb, b->buf, b->len);
        b->buf = nb;
        b->cap = nc;
    }
    if (n) memcpy(b->buf + b->len, p, n);
    b->len += n;
}

void func_array_init(ArrayText *b, Arena *a)
{
    memset(b, 0, sizeof(*b));
    b->arena = a;
    buf_put(b, "{", 1);
}

void func_array_add(ArrayText *b, const char *p, size_t n, bool is_null)
{
    if (b->n++) buf_put(b, ",", 1);
    if (is_null) {
        buf_put(b, "NULL", 4);
        return;
    }
    /* array_out quotes empty strings, NULL look-alikes, and anything with
     * braces, commas, quotes, backslashes or white space */
    bool q = n == 0 || (n == 4 && strncasecmp(p, "NULL", 4) == 0);
    for (size_t k = 0; k < n && !q; k++)
        q = p[k] == '{' || p[k] == '}' || p[k] == ',' || p[k] == '"' || p[k] == '\\' || arr_space(p[k]);
    if (!q) {
        buf_put(b, p, n);
        return;
    }
    buf_put(b, "\"", 1);
    size_t run = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '"' || p[k] == '\\') {
            buf_put(b, p + run, k - run);
            buf_put(b, "\\", 1);
            run = k;
        }
    }
    buf_put(b, p + run, n - run);
    buf_put(b, "\"", 1);
}

void func_array_finish(ArrayText *b, Vector *out, idx_t i)
{
    buf_put(b, "}", 1);
    out_str(out, i, b->buf, b->len);
}

static int malformed(FuncCtx *ctx, const Str *s)
{
    return err_set(ctx->err, "22P02", "malformed array literal: \"%.*s\"", (int)s->len, str_data(s));
}

int func_array_split(FuncCtx *ctx, const Str *arr, ArrayElems *out)
{
    const char *s = str_data(arr);
    size_t n = arr->len, i = 0;
    memset(out, 0, sizeof(*out));
    while (i < n && arr_space(s[i])) i++;
    if (i >= n || s[i] != '{') return malformed(ctx, arr);
    i++;
    /* at most one element per byte */
    out->elems = arena_alloc(ctx->arena, sizeof(Str) * (n / 2 + 1));
    out->nulls = arena_alloc(ctx->arena, n / 2 + 1);
    char *scratch = arena_alloc(ctx->arena, n + 1);
    size_t used = 0;
    while (i < n && arr_space(s[i])) i++;
    if (i < n && s[i] == '}') return MDB_OK_;
    for (;;) {
        while (i < n && arr_space(s[i])) i++;
        if (i >= n) return malformed(ctx, arr);
        char *e = scratch + used;
        size_t el = 0;
        bool is_null = false;
        if (s[i] == '"') {
            for (i++; i < n && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < n) i++;
                e[el++] = s[i];
            }
            if (i >= n) return malformed(ctx, arr);
            i++;
        } else if (s[i] == '{') {
            /* a nested array (not produced by this engine): kept as its text */
            int depth = 0;
            bool inq = false;
            for (; i < n; i++) {
                char c = s[i];
                e[el++] = c;
                if (inq) {
                    if (c == '\\' && i + 1 < n) e[el++] = s[++i];
                    else if (c == '"') inq = false;
                } else if (c == '"') inq = true;
                else if (c == '{') depth++;
                else if (c == '}' && --depth == 0) break;
            }
            if (i >= n) return malformed(ctx, arr);
            i++;
        } else {
            for (; i < n && s[i] != ',' && s[i] != '}'; i++) {
                if (s[i] == '\\' && i + 1 < n) i++;
                e[el++] = s[i];
            }
            while (el > 0 && arr_space(e[el - 1])) el--;
            if (el == 0) return malformed(ctx, arr);
            is_null = el == 4 && strncasecmp(e, "NULL", 4) == 0;
        }
        used += el;
        out->elems[out->n] = str_make(e, (u32)el);
        out->nulls[out->n] = is_null;
        out->n++;
        while (i < n && arr_space(s[i])) i++;
        if (i >= n) return malformed(ctx, arr);
        if (s[i] == '}') break;
        if (s[i] != ',') return malformed(ctx, arr);
        i++;
    }
    return MDB_OK_;
}

/* ---- string_to_array ---------------------------------------------------- */

static inline int u8len(unsigned char c) { return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

/* One element, or NULL when it equals the null string. */
static void add_piece(ArrayText *b, const char *p, size_t n, const Str *null_str)
{
    bool is_null = null_str && null_str->len == n && memcmp(str_data(null_str), p, n) == 0;
    func_array_add(b, p, n, is_null);
}

/* string_to_array(str, delim[, null_str]): not strict.  A NULL delimiter
 * splits into characters, an empty one gives the whole string; an empty
 * string gives an empty array. */
static int fn_string_to_array(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (ARG_NULL(&args[0], i)) {
            out_set_null(out, i);
            continue;
        }
        if (out->nulls) out->nulls[i] = 0;
        const Str *ss = SARG(0, i);
        const Str *ds = ARG_NULL(&args[1], i) ? NULL : SARG(1, i);
        const Str *ns = nargs > 2 && !ARG_NULL(&args[2], i) ? SARG(2, i) : NULL;
        const char *s = str_data(ss);
        size_t n = ss->len;
        ArrayText b;
        func_array_init(&b, ctx->arena);
        if (n == 0) {
            /* empty input: empty array */
        } else if (!ds) {
            for (size_t k = 0; k < n;) {
                size_t cl = (size_t)u8len((unsigned char)s[k]);
                if (k + cl > n) cl = n - k;
                add_piece(&b, s + k, cl, ns);
                k += cl;
            }
        } else if (ds->len == 0) {
            add_piece(&b, s, n, ns);
        } else {
            const char *d = str_data(ds);
            size_t start = 0;
            for (size_t k = 0; k + ds->len <= n;) {
                if (memcmp(s + k, d, ds->len) == 0) {
                    add_piece(&b, s + start, k - start, ns);
                    k += ds->len;
                    start = k;
                } else {
                    k++;
                }
            }
            add_piece(&b, s + start, n - start, ns);
        }
        func_array_finish(&b, out, i);
    }
    return MDB_OK_;
}

/* array_to_string(arr, delim[, null_str]): NULL elements are skipped unless
 * null_str is given (and not NULL); a NULL array or delimiter gives NULL. */
static int fn_array_to_string(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (ARG_NULL(&args[0], i) || ARG_NULL(&args[1], i)) {
            out_set_null(out, i);
            continue;
        }
        if (out->nulls) out->nulls[i] = 0;
        const Str *ns = nargs > 2 && !ARG_NULL(&args[2], i) ? SARG(2, i) : NULL;
        const Str *ds = SARG(1, i);
        ArrayElems el;
        if (func_array_split(ctx, SARG(0, i), &el)) return MDB_FAIL;
        size_t len = 0;
        for (size_t k = 0; k < el.n; k++)
            len += (el.nulls[k] ? (ns ? ns->len : 0) : el.elems[k].len) + ds->len;
        char *r = arena_alloc(out->heap, len + 1);
        size_t o = 0;
        bool first = true;
        for (size_t k = 0; k < el.n; k++) {
            const Str *e = el.nulls[k] ? ns : &el.elems[k];
            if (!e) continue;
            if (!first) memcpy(r + o, str_data(ds), ds->len), o += ds->len;
            memcpy(r + o, str_data(e), e->len);
            o += e->len;
            first = false;
        }
        STRS(out)[i] = str_make(r, (u32)o);
    }
    return MDB_OK_;
}

/* Element k of el equals the value of argument `a` at row i (IS NOT DISTINCT FROM, on the
 * canonical text forms: arrays are stored as their text). */
static bool elem_match(FuncCtx *ctx, const ArrayElems *el, size_t k, Vector *args, int a, idx_t i)
{
    if (ARG_NULL(&args[a], i)) return el->nulls[k];
    if (el->nulls[k]) return false;
    Str v = args[a].type.id == TYPE_TEXT ? *SARG(a, i) : func_value_text(ctx, &args[a], AIDX(&args[a], i), ctx->arena);
    return v.len == el->elems[k].len && memcmp(str_data(&v), str_data(&el->elems[k]), v.len) == 0;
}

/* array_position(arr, elem [, start]): 1-based position of the first match, NULL when none */
static int fn_array_position(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (ARG_NULL(&args[0], i) || (nargs > 2 && ARG_NULL(&args[2], i))) {
            out_set_null(out, i);
            continue;
        }
        ArrayElems el;
        if (func_array_split(ctx, SARG(0, i), &el)) return MDB_FAIL;
        i64 start = nargs > 2 ? ((const i32 *)args[2].data)[AIDX(&args[2], i)] : 1;
        if (start < 1) start = 1;
        bool found = false;
        for (size_t k = (size_t)start - 1; k < el.n && !found; k++)
            if (elem_match(ctx, &el, k, args, 1, i)) {
                VEC(out, i32)[i] = (i32)(k + 1);
                found = true;
            }
        if (found) {
            if (out->nulls) out->nulls[i] = 0;
        } else {
            out_set_null(out, i);
        }
    }
    return MDB_OK_;
}

/* array_remove(arr, elem) / array_replace(arr, elem, with): every match dropped or replaced */
static int remove_replace(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (ARG_NULL(&args[0], i)) {
            out_set_null(out, i);
            continue;
        }
        if (out->nulls) out->nulls[i] = 0;
        ArrayElems el;
        if (func_array_split(ctx, SARG(0, i), &el)) return MDB_FAIL;
        Str with = {0};
        bool with_null = nargs > 2 && ARG_NULL(&args[2], i);
        if (nargs > 2 && !with_null)
            with = args[2].type.id == TYPE_TEXT ? *SARG(2, i) : func_value_text(ctx, &args[2], AIDX(&args[2], i), ctx->arena);
        ArrayText b;
        func_array_init(&b, ctx->arena);
        for (size_t k = 0; k < el.n; k++) {
            if (elem_match(ctx, &el, k, args, 1, i)) {
                if (nargs > 2) func_array_add(&b, str_data(&with), with.len, with_null);
                continue;
            }
            func_array_add(&b, str_data(&el.elems[k]), el.elems[k].len, el.nulls[k]);
        }
        func_array_finish(&b, out, i);
    }
    return MDB_OK_;
}

/* cardinality(arr): the number of elements */
static int fn_cardinality(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        ArrayElems el;
        if (func_array_split(ctx, SARG(0, i), &el)) return MDB_FAIL;
        VEC(out, i32)[i] = (i32)el.n;
    }
    return MDB_OK_;
}

#define T TYPE_TEXT
static const ScalarFunc ARRAY_FNS[] = {
    {"string_to_array", 2, {T, T}, RET_TEXT_LIST, FUNC_NOT_STRICT, fn_string_to_array},
    {"string_to_array", 3, {T, T, T}, RET_TEXT_LIST, FUNC_NOT_STRICT, fn_string_to_array},
    {"array_to_string", 2, {ARG_ANYARRAY, T}, T, 0, fn_array_to_string},
    {"array_to_string", 3, {ARG_ANYARRAY, T, T}, T, FUNC_NOT_STRICT, fn_array_to_string},
    {"array_position", 2, {ARG_ANYARRAY, ARG_ANY}, TYPE_INT32, FUNC_NOT_STRICT, fn_array_position},
    {"array_position", 3, {ARG_ANYARRAY, ARG_ANY, TYPE_INT32}, TYPE_INT32, FUNC_NOT_STRICT, fn_array_position},
    {"array_remove", 2, {ARG_ANYARRAY, ARG_ANY}, RET_ARG0, FUNC_NOT_STRICT, remove_replace},
    {"array_replace", 3, {ARG_ANYARRAY, ARG_ANY, ARG_ANY}, RET_ARG0, FUNC_NOT_STRICT, remove_replace},
    {"cardinality", 1, {ARG_ANYARRAY}, TYPE_INT32, 0, fn_cardinality},
};

void func_register_array(void) { func_register_scalar(ARRAY_FNS, MDB_ARRAY_LEN(ARRAY_FNS)); }
