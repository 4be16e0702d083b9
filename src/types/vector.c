/*
 * src/types/vector.c — Vector, DataChunk, Str and Value basics.
 */
#include "types/types.h"

#include <stdio.h>

const u8 type_widths_[TYPE__COUNT] = {
    [TYPE_NULL] = 1,      [TYPE_BOOL] = 1,      [TYPE_INT16] = 2,     [TYPE_INT32] = 4,
    [TYPE_INT64] = 8,     [TYPE_FLOAT32] = 4,   [TYPE_FLOAT64] = 8,   [TYPE_NUMERIC] = 16,
    [TYPE_TEXT] = 16,     [TYPE_BYTEA] = 16,    [TYPE_DATE] = 4,      [TYPE_TIME] = 8,
    [TYPE_TIMESTAMP] = 8, [TYPE_TIMESTAMPTZ] = 8, [TYPE_INTERVAL] = 16, [TYPE_UUID] = 16,
    [TYPE_LIST] = 16,
};

bool type_is_numeric(TypeId id)
{
    return id == TYPE_INT16 || id == TYPE_INT32 || id == TYPE_INT64 || id == TYPE_FLOAT32 ||
           id == TYPE_FLOAT64 || id == TYPE_NUMERIC;
}
bool type_is_integer(TypeId id) { return id == TYPE_INT16 || id == TYPE_INT32 || id == TYPE_INT64; }
bool type_is_string(TypeId id) { return id == TYPE_TEXT || id == TYPE_BYTEA || id == TYPE_LIST; }
bool type_is_temporal(TypeId id)
{
    return id == TYPE_DATE || id == TYPE_TIME || id == TYPE_TIMESTAMP || id == TYPE_TIMESTAMPTZ ||
           id == TYPE_INTERVAL;
}

const char *type_id_name(TypeId id)
{
    switch (id) {
    case TYPE_NULL: return "unknown";
    case TYPE_BOOL: return "boolean";
    case TYPE_INT16: return "smallint";
    case TYPE_INT32: return "integer";
    case TYPE_INT64: return "bigint";
    case TYPE_FLOAT32: return "real";
    case TYPE_FLOAT64: return "double precision";
    case TYPE_NUMERIC: return "numeric";
    case TYPE_TEXT: return "text";
    case TYPE_BYTEA: return "bytea";
    case TYPE_DATE: return "date";
    case TYPE_TIME: return "time without time zone";
    case TYPE_TIMESTAMP: return "timestamp without time zone";
    case TYPE_TIMESTAMPTZ: return "timestamp with time zone";
    case TYPE_INTERVAL: return "interval";
    case TYPE_UUID: return "uuid";
    case TYPE_LIST: return "array";
    default: return "?";
    }
}

const char *type_name(LType t, char *buf, size_t cap)
{
    if (t.id == TYPE_NUMERIC && t.mod1 >= 0) {
        snprintf(buf, cap, "numeric(%d,%d)", t.mod1, t.mod2);
        return buf;
    }
    if (t.id == TYPE_TEXT && t.text_kind == TEXT_VARCHAR) {
        if (t.mod1 >= 0) snprintf(buf, cap, "character varying(%d)", t.mod1);
        else snprintf(buf, cap, "character varying");
        return buf;
    }
    if (t.id == TYPE_TEXT && t.text_kind == TEXT_CHAR) {
        snprintf(buf, cap, "character(%d)", t.mod1 < 0 ? 1 : t.mod1);
        return buf;
    }
    if (t.id == TYPE_LIST) {
        snprintf(buf, cap, "%s[]", type_id_name((TypeId)t.elem));
        return buf;
    }
    snprintf(buf, cap, "%s", type_id_name((TypeId)t.id));
    return buf;
}

bool ltype_eq(LType a, LType b)
{
    return a.id == b.id && a.mod1 == b.mod1 && a.mod2 == b.mod2 && a.text_kind == b.text_kind &&
           a.elem == b.elem;
}

/* ---- Str ---------------------------------------------------------------- */

Str str_copy(Arena *heap, const char *p, u32 len)
{
    if (len <= STR_INLINE) return str_make(p, len);
    char *q = arena_alloc(heap, len);
    memcpy(q, p, len);
    return str_make(q, len);
}

bool str_eq(const Str *a, const Str *b)
{
    if (memcmp(a, b, 8) != 0) return false; /* length and prefix */
    if (a->len <= STR_INLINE) return memcmp(a->u.inl, b->u.inl, a->len > 4 ? a->len - 4 : 0) == 0;
    return memcmp(a->u.ptr + 4, b->u.ptr + 4, a->len - 4) == 0;
}

int str_cmp(const Str *a, const Str *b)
{
    u32 n = a->len < b->len ? a->len : b->len;
    int c = memcmp(str_data(a), str_data(b), n);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* ---- Vector ------------------------------------------------------------- */

void vector_init(Vector *v, LType t, idx_t cap, Arena *a)
{
    memset(v, 0, sizeof(*v));
    v->type = t;
    v->cap = cap;
    v->owner = a;
    v->heap = a;
    v->data = arena_alloc(a, type_width(t) * (cap ? cap : 1));
}

u8 *vector_nulls(Vector *v)
{
    if (!v->nulls) {
        if (v->nulls_buf) {
            memset(v->nulls_buf, 0, v->cap ? v->cap : 1);
            v->nulls = v->nulls_buf;
        } else {
            v->nulls = arena_zalloc(v->owner, v->cap ? v->cap : 1);
        }
    }
    return v->nulls;
}

void vector_set_null(Vector *v, idx_t i, bool is_null)
{
    if (!is_null && !v->nulls) return;
    vector_nulls(v)[i] = is_null;
}

void vector_flatten(Vector *v, idx_t count)
{
    if (!v->is_const) return;
    v->is_const = false;
    size_t w = type_width(v->type);
    if (count > v->cap) {
        u8 *d = arena_alloc(v->owner, w * count);
        memcpy(d, v->data, w);
        v->data = d;
        v->cap = count;
        if (v->nulls) {
            u8 n0 = v->nulls[0];
            v->nulls = NULL;
            if (n0) vector_nulls(v);
            if (n0) memset(v->nulls, 1, count);
            return;
        }
    }
    for (idx_t i = 1; i < count; i++) memcpy(v->data + i * w, v->data, w);
    if (v->nulls) {
        u8 n0 = v->nulls[0];
        if (v->cap < count) v->nulls = arena_alloc(v->owner, count);
        memset(v->nulls, n0, count);
    }
}

void vector_reference(Vector *dst, const Vector *src)
{
    *dst = *src;
}

void vector_fill_null(Vector *v, idx_t n)
{
    if (!n) n = 1;
    memset(vector_nulls(v), 1, n);
    /* kernels also run over NULL rows: give them a harmless value (zero),
     * not whatever the buffer held (a stray numeric scale indexes tables) */
    memset(v->data, 0, n * type_width(v->type));
}


void vector_copy(const Vector *src, const u32 *sel, idx_t n, Vector *dst, idx_t dst_off)
{
    size_t w = type_width(src->type);
    bool is_str = type_is_string((TypeId)src->type.id);
    if (!is_str && !src->is_const) {
        /* fixed-width values move as plain arrays; NULL flags travel separately */
        u8 *d = dst->data + dst_off * w;
        if (!sel) {
            memcpy(d, src->data, n * w);
        } else {
            values_gather(d, src->data, sel, n, w);
        }
        if (src->nulls) {
            u8 *nl = vector_nulls(dst) + dst_off;
            if (!sel) memcpy(nl, src->nulls, n);
            else for (idx_t k = 0; k < n; k++) nl[k] = src->nulls[sel[k]];
        } else if (dst->nulls) {
            memset(dst->nulls + dst_off, 0, n);
        }
        return;
    }
    for (idx_t k = 0; k < n; k++) {
        idx_t i = src->is_const ? 0 : (sel ? sel[k] : k);
        idx_t j = dst_off + k;
        if (src->nulls && src->nulls[i]) {
            vector_nulls(dst)[j] = 1;
            continue;
        }
        if (dst->nulls) dst->nulls[j] = 0;
        if (is_str) {
            const Str *s = (const Str *)(src->data + i * w);
            ((Str *)dst->data)[j] = str_copy(dst->heap, str_data(s), s->len);
        } else {
            memcpy(dst->data + j * w, src->data + i * w, w);
        }
    }
}

/* ---- DataChunk ---------------------------------------------------------- */

void chunk_init(DataChunk *c, const LType *types, int ncols, idx_t cap, Arena *a)
{
    memset(c, 0, sizeof(*c));
    c->ncols = ncols;
    c->cap = cap;
    c->arena = arena_create(a);
    c->cols = arena_zalloc(a, sizeof(Vector) * (size_t)(ncols ? ncols : 1));
    c->own = arena_zalloc(a, sizeof(Vector) * (size_t)(ncols ? ncols : 1));
    for (int i = 0; i < ncols; i++) {
        vector_init(&c->own[i], types[i], cap, a);
        c->own[i].heap = c->arena;
        c->own[i].nulls_buf = arena_alloc(a, cap ? cap : 1);
        c->cols[i] = c->own[i];
    }
}

void chunk_reset(DataChunk *c)
{
    c->count = 0;
    c->batch = 0;
    arena_reset(c->arena);
    for (int i = 0; i < c->ncols; i++) c->cols[i] = c->own[i];
}

void chunk_append(DataChunk *dst, const DataChunk *src, const u32 *sel, idx_t n)
{
    for (int i = 0; i < dst->ncols; i++) vector_copy(&src->cols[i], sel, n, &dst->cols[i], dst->count);
    dst->count += n;
}

/* 16-byte values (numeric, interval, uuid, string records) moved as two
 * words: no alignment beyond 8 bytes is assumed. */
typedef struct W16 {
    u64 lo, hi;
} W16;

/* In place (values_gather's buffers must not overlap). */
void chunk_select(DataChunk *c, const u32 *sel, idx_t n)
{
    for (int ci = 0; ci < c->ncols; ci++) {
        Vector *v = &c->cols[ci];
        if (v->is_const) continue;
        size_t w = type_width(v->type);
        switch (w) {
        case 1: for (idx_t k = 0; k < n; k++) v->data[k] = v->data[sel[k]]; break;
        case 2: for (idx_t k = 0; k < n; k++) ((u16 *)v->data)[k] = ((u16 *)v->data)[sel[k]]; break;
        case 4: for (idx_t k = 0; k < n; k++) ((u32 *)v->data)[k] = ((u32 *)v->data)[sel[k]]; break;
        case 8: for (idx_t k = 0; k < n; k++) ((u64 *)v->data)[k] = ((u64 *)v->data)[sel[k]]; break;
        case 16: /* numeric, interval, uuid, string records; sel is ascending, so k <= sel[k] */
            for (idx_t k = 0; k < n; k++) ((W16 *)v->data)[k] = ((W16 *)v->data)[sel[k]];
            break;
        default:
            for (idx_t k = 0; k < n; k++) memmove(v->data + k * w, v->data + (size_t)sel[k] * w, w);
        }
        if (v->nulls)
            for (idx_t k = 0; k < n; k++) v->nulls[k] = v->nulls[sel[k]];
    }
    c->count = n;
}

/* ---- Value -------------------------------------------------------------- */

Value value_null(void)
{
    Value v;
    memset(&v, 0, sizeof(v));
    v.type = ltype(TYPE_NULL);
    v.is_null = true;
    return v;
}

Value value_int(TypeId id, i64 x)
{
    Value v;
    memset(&v, 0, sizeof(v));
    v.type = ltype(id);
    v.u.i = x;
    return v;
}

Value value_double(double x)
{
    Value v;
    memset(&v, 0, sizeof(v));
    v.type = ltype(TYPE_FLOAT64);
    v.u.f = x;
    return v;
}

Value value_bool(bool b)
{
    Value v;
    memset(&v, 0, sizeof(v));
    v.type = ltype(TYPE_BOOL);
    v.u.b = b;
    return v;
}

Value value_text(Arena *a, const char *s, size_t n)
{
    Value v;
    memset(&v, 0, sizeof(v));
    v.type = ltype(TYPE_TEXT);
    v.u.s = a ? str_copy(a, s, (u32)n) : str_make(s, (u32)n);
    return v;
}

Value vector_get(const Vector *v, idx_t i)
{
    Value r;
    memset(&r, 0, sizeof(r));
    r.type = v->type;
    idx_t k = v->is_const ? 0 : i;
    if (v->nulls && v->nulls[k]) {
        r.is_null = true;
        return r;
    }
    switch ((TypeId)v->type.id) {
    case TYPE_NULL: r.is_null = true; break;
    case TYPE_BOOL: r.u.b = v->data[k] != 0; break;
    case TYPE_INT16: r.u.i = ((i16 *)v->data)[k]; break;
    case TYPE_INT32:
    case TYPE_DATE: r.u.i = ((i32 *)v->data)[k]; break;
    case TYPE_INT64:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: r.u.i = ((i64 *)v->data)[k]; break;
    case TYPE_FLOAT32: r.u.f = ((float *)v->data)[k]; break;
    case TYPE_FLOAT64: r.u.f = ((double *)v->data)[k]; break;
    default: memcpy(r.u.raw, v->data + k * 16, 16); break;
    }
    return r;
}

void vector_set(Vector *v, idx_t i, const Value *val)
{
    if (val->is_null) {
        vector_nulls(v)[i] = 1;
        return;
    }
    if (v->nulls) v->nulls[i] = 0;
    switch ((TypeId)v->type.id) {
    case TYPE_NULL: vector_nulls(v)[i] = 1; break;
    case TYPE_BOOL: v->data[i] = val->u.b; break;
    case TYPE_INT16: ((i16 *)v->data)[i] = (i16)val->u.i; break;
    case TYPE_INT32:
    case TYPE_DATE: ((i32 *)v->data)[i] = (i32)val->u.i; break;
    case TYPE_INT64:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: ((i64 *)v->data)[i] = val->u.i; break;
    case TYPE_FLOAT32: ((float *)v->data)[i] = (float)val->u.f; break;
    case TYPE_FLOAT64: ((double *)v->data)[i] = val->u.f; break;
    case TYPE_TEXT:
    case TYPE_BYTEA:
    case TYPE_LIST: ((Str *)v->data)[i] = str_copy(v->heap, str_data(&val->u.s), val->u.s.len); break;
    default: memcpy(v->data + i * 16, val->u.raw, 16); break;
    }
}

void vector_set_const(Vector *v, const Value *val)
{
    v->is_const = true;
    vector_set(v, 0, val);
}

void vector_gather(const Vector *src, const u32 *sel, idx_t n, Vector *dst)
{
    if (src->is_const) {
        *dst = *src;
        return;
    }
    size_t w = type_width(src->type);
    values_gather(dst->data, src->data, sel, n, w);
    if (src->nulls) {
        u8 *nl = vector_nulls(dst);
        for (idx_t k = 0; k < n; k++) nl[k] = src->nulls[sel[k]];
    }
}
