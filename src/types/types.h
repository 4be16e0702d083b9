/*
 * src/types/types.h — logical types, strings, vectors and data chunks.
 *
 * Data moves through the engine in DataChunks of up to VECTOR_SIZE rows, one
 * Vector per column (DESIGN.md §3).  A Vector is flat (one value per row) or
 * constant (row 0 stands for every row).  Fixed-width values are plain C arrays;
 * strings are 16-byte Str records whose bytes live inline (up to 12) or in an
 * arena owned by the chunk.  NULLs are a byte mask (1 = NULL) rather than a
 * bitmap: kernels stay branch-free and auto-vectorise, at 2 KiB per vector;
 * `nulls == NULL` means no row is NULL.  See src/types/README.md.
 */
#ifndef MDB_TYPES_H
#define MDB_TYPES_H

#include <string.h>

#include "common/arena.h"
#include "common/common.h"
#include "common/error.h"

#define VECTOR_SIZE 2048

typedef enum TypeId {
    TYPE_NULL = 0, /* the type of an untyped NULL / unknown literal */
    TYPE_BOOL,
    TYPE_INT16,
    TYPE_INT32,
    TYPE_INT64,
    TYPE_FLOAT32,
    TYPE_FLOAT64,
    TYPE_NUMERIC,
    TYPE_TEXT,
    TYPE_BYTEA,
    TYPE_DATE,
    TYPE_TIME,
    TYPE_TIMESTAMP,
    TYPE_TIMESTAMPTZ,
    TYPE_INTERVAL,
    TYPE_UUID,
    TYPE_LIST, /* one-dimensional array; stored as its PostgreSQL text form */
    TYPE__COUNT
} TypeId;

/* Text flavours share TYPE_TEXT's representation. */
enum { TEXT_PLAIN = 0, TEXT_VARCHAR = 1, TEXT_CHAR = 2, TEXT_UNKNOWN = 3 /* an untyped literal */ };

typedef struct LType {
    u8 id;       /* TypeId */
    u8 text_kind; /* TEXT_* for TYPE_TEXT */
    u8 elem;     /* element TypeId for TYPE_LIST */
    u8 pad;
    i32 mod1;    /* numeric precision / varchar length; -1 = none */
    i32 mod2;    /* numeric scale, set (possibly negative, -1000..1000) whenever mod1 >= 0; else -1 */
} LType;

static inline LType ltype(TypeId id)
{
    LType t = {(u8)id, 0, 0, 0, -1, -1};
    return t;
}

/* A string value: length, 4-byte prefix, then the remaining inline bytes or a
 * pointer to the whole string.  Strings up to STR_INLINE bytes are inline. */
#define STR_INLINE 12
typedef struct Str {
    u32 len;
    char prefix[4];
    union {
        char inl[8];
        const char *ptr;
    } u;
} Str;

static inline const char *str_data(const Str *s)
{
    return s->len <= STR_INLINE ? s->prefix : s->u.ptr;
}
/* Makes a Str pointing at bytes that outlive it (or copying short ones inline).
 * Inline: COPY and the string functions call it for every value. */
static inline Str str_make(const char *p, u32 len)
{
    Str s;
    memset(&s, 0, sizeof(s));
    s.len = len;
    if (len <= STR_INLINE) {
        memcpy(s.prefix, p, len);
    } else {
        memcpy(s.prefix, p, 4);
        s.u.ptr = p;
    }
    return s;
}
/* Makes a Str whose long bytes are copied into `heap`. */
Str str_copy(Arena *heap, const char *p, u32 len);
bool str_eq(const Str *a, const Str *b);
int str_cmp(const Str *a, const Str *b);

typedef struct Vector {
    LType type;
    u8 *data;      /* cap × type_width bytes */
    u8 *nulls;     /* cap bytes, 1 = NULL; NULL pointer = no NULLs */
    bool is_const; /* row 0 holds the value of every row */
    idx_t cap;     /* rows data can hold */
    Arena *heap;   /* where string bytes of this vector live (borrowed) */
    Arena *owner;  /* arena the buffers came from */
    u8 *nulls_buf; /* preallocated mask that vector_nulls() reuses (cap bytes) */
} Vector;

typedef struct DataChunk {
    int ncols;
    Vector *cols;  /* current column vectors (may reference other chunks) */
    Vector *own;   /* the chunk's own buffers; chunk_reset points cols back here */
    idx_t count;  /* rows in use */
    idx_t cap;
    i64 batch;    /* morsel index of the source, for order-preserving sinks */
    Arena *arena; /* owns the vectors' buffers and string bytes */
} DataChunk;

/* Size in bytes of one value of `t` in a Vector. */
/* Bytes per value in a Vector's data (inline: hot loops ask per chunk). */
extern const u8 type_widths_[];
static inline size_t type_width(LType t) { return type_widths_[t.id]; }
bool type_is_numeric(TypeId id); /* int*, float*, numeric */
bool type_is_integer(TypeId id);
bool type_is_string(TypeId id);  /* text, bytea, list: Str storage */
bool type_is_temporal(TypeId id);
/* PostgreSQL's name: "integer", "numeric(10,2)", "character varying(5)". */
const char *type_name(LType t, char *buf, size_t cap);
/* Short name used in messages: "integer", "text", "numeric". */
const char *type_id_name(TypeId id);
bool ltype_eq(LType a, LType b);

void vector_init(Vector *v, LType t, idx_t cap, Arena *a);
/* Ensures v has a null mask (all zero when created). */
u8 *vector_nulls(Vector *v);
static inline bool vector_is_null(const Vector *v, idx_t i)
{
    return v->nulls && v->nulls[v->is_const ? 0 : i];
}
void vector_set_null(Vector *v, idx_t i, bool is_null);
/* Rows 0..n-1 become NULL, their values zero (what kernels see there). */
void vector_fill_null(Vector *v, idx_t n);
/* Turns a constant vector into a flat one of `count` rows. */
void vector_flatten(Vector *v, idx_t count);
/* Copies rows sel[0..n) of src (or 0..n when sel is NULL) into dst at dst_off.
 * Strings are deep-copied into dst's heap. */
void vector_copy(const Vector *src, const u32 *sel, idx_t n, Vector *dst, idx_t dst_off);
/* Copies rows sel[0..n) of src into dst's buffers from row 0; strings are
 * shallow (the Str records are copied, their bytes stay where they are). */
void vector_gather(const Vector *src, const u32 *sel, idx_t n, Vector *dst);
/* Copies the w-byte values src[sel[k]] to dst[k], k < n, with one fixed-size
 * move per value (a memcpy call per value would cost more than the copy). */
static inline void values_gather(u8 *restrict dst, const u8 *restrict src, const u32 *sel, idx_t n, size_t w)
{
    switch (w) {
    case 1: for (idx_t k = 0; k < n; k++) dst[k] = src[sel[k]]; break;
    case 2: for (idx_t k = 0; k < n; k++) memcpy(dst + 2 * k, src + 2 * (size_t)sel[k], 2); break;
    case 4: for (idx_t k = 0; k < n; k++) memcpy(dst + 4 * k, src + 4 * (size_t)sel[k], 4); break;
    case 8: for (idx_t k = 0; k < n; k++) memcpy(dst + 8 * k, src + 8 * (size_t)sel[k], 8); break;
    case 16:
        for (idx_t k = 0; k < n; k++) {
            u64 a, b;
            memcpy(&a, src + 16 * (size_t)sel[k], 8);
            memcpy(&b, src + 16 * (size_t)sel[k] + 8, 8);
            memcpy(dst + 16 * k, &a, 8);
            memcpy(dst + 16 * k + 8, &b, 8);
        }
        break;
    default: for (idx_t k = 0; k < n; k++) memcpy(dst + k * w, src + (size_t)sel[k] * w, w);
    }
}
/* Makes dst reference src's buffers (no copy). */
void vector_reference(Vector *dst, const Vector *src);

void chunk_init(DataChunk *c, const LType *types, int ncols, idx_t cap, Arena *a);
/* Empties the chunk, releases its string bytes and points every column back
 * at the chunk's own buffers. */
void chunk_reset(DataChunk *c);
/* Appends rows sel[0..n) of src (all columns) to dst; dst must have room. */
void chunk_append(DataChunk *dst, const DataChunk *src, const u32 *sel, idx_t n);
/* Keeps only rows sel[0..n) of c, in place. */
void chunk_select(DataChunk *c, const u32 *sel, idx_t n);

#define VEC(v, T) ((T *)(v)->data)

/* A single boxed value, used for constants, parameters and the API. */
typedef struct Value {
    LType type;
    bool is_null;
    union {
        bool b;
        i64 i;
        double f;
        i128 num;
        Str s;
        u8 raw[16];
    } u;
} Value;

Value value_null(void);
Value value_int(TypeId id, i64 v);
Value value_double(double v);
Value value_bool(bool b);
Value value_text(Arena *a, const char *s, size_t n);
/* Reads row i of v. Strings are borrowed from v's storage. */
Value vector_get(const Vector *v, idx_t i);
/* Writes val at row i of v (strings copied into v's heap). */
void vector_set(Vector *v, idx_t i, const Value *val);
/* Fills v as a constant vector holding val. */
void vector_set_const(Vector *v, const Value *val);

#endif
