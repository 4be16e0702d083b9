/*
 * src/func/ops_compare.c — the comparison operators = <> < > <= >= for every
 * comparable type, returning boolean.
 *
 * Fixed-width types compare with plain C operators in loops the compiler
 * vectorises.  Floats follow PostgreSQL: NaN equals NaN and sorts above
 * every other value (so the comparison is a total order).  Text and bytea
 * compare byte-wise (C collation), deciding most pairs from the length and
 * the 4-byte prefix held in the Str record itself.  Intervals compare as one
 * span with 30-day months and 24-hour days, as PostgreSQL's interval_cmp.
 *
 * INTERFACE: func_register_ops_compare
 */
#include <math.h>

#include "func/func_internal.h"
#include "types/datetime.h"

#define LOOP2(TA, TB, BODY)                                                     \
    do {                                                                        \
        const TA *A_ = (const TA *)args[0].data;                                \
        const TB *B_ = (const TB *)args[1].data;                                \
        if (!args[0].is_const && !args[1].is_const) {                           \
            for (idx_t i = 0; i < count; i++) {                                 \
                const TA *a = &A_[i];                                           \
                const TB *b = &B_[i];                                           \
                BODY;                                                           \
            }                                                                   \
        } else if (args[1].is_const) {                                          \
            const TB *b = &B_[0];                                               \
            for (idx_t i = 0; i < count; i++) {                                 \
                const TA *a = &A_[AIDX(&args[0], i)];                           \
                BODY;                                                           \
            }                                                                   \
        } else {                                                                \
            const TA *a = &A_[0];                                               \
            for (idx_t i = 0; i < count; i++) {                                 \
                const TB *b = &B_[i];                                           \
                BODY;                                                           \
            }                                                                   \
        }                                                                       \
    } while (0)

static inline int f64_cmp(double a, double b)
{
    if (MDB_UNLIKELY(isnan(a) || isnan(b))) return (int)(isnan(a) != 0) - (int)(isnan(b) != 0);
    return (a > b) - (a < b);
}
static inline int f32_cmp(float a, float b)
{
    if (MDB_UNLIKELY(isnan(a) || isnan(b))) return (int)(isnan(a) != 0) - (int)(isnan(b) != 0);
    return (a > b) - (a < b);
}

static inline int text_cmp(const Str *a, const Str *b)
{
    u32 n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->prefix, b->prefix, n < 4 ? n : 4);
    if (c) return c;
    if (n > 4) {
        c = memcmp(str_data(a) + 4, str_data(b) + 4, n - 4);
        if (c) return c;
    }
    return (a->len > b->len) - (a->len < b->len);
}

static inline int ival_cmp(const Interval *a, const Interval *b)
{
    i128 sa = (i128)a->months * 30 * USECS_PER_DAY + (i128)a->days * USECS_PER_DAY + a->micros;
    i128 sb = (i128)b->months * 30 * USECS_PER_DAY + (i128)b->days * USECS_PER_DAY + b->micros;
    return (sa > sb) - (sa < sb);
}

typedef struct U128Raw {
    u8 b[16];
} U128Raw;
static inline int uuid_cmp(const U128Raw *a, const U128Raw *b) { return memcmp(a->b, b->b, 16); }

/* Direct comparison of plain C values. */
#define CMP_DIRECT(SUF, T)                                                                   \
    static int eq_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = *a == *b); return MDB_OK_; }                     \
    static int ne_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = *a != *b); return MDB_OK_; }                     \
    static int lt_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = *a < *b); return MDB_OK_; }                      \
    static int gt_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = *a > *b); return MDB_OK_; }                      \
    static int le_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = *a <= *b); return MDB_OK_; }                     \
    static int ge_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = *a >= *b); return MDB_OK_; }

/* Through a three-way compare function taking pointers or values. */
#define CMP_FN(SUF, T, CMP)                                                                  \
    __attribute__((unused)) static int eq_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    { u8 *R = out->data; LOOP2(T, T, R[i] = CMP(a, b) == 0); return MDB_OK_; }               \
    __attribute__((unused)) static int ne_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = CMP(a, b) != 0); return MDB_OK_; }               \
    static int lt_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = CMP(a, b) < 0); return MDB_OK_; }                \
    static int gt_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = CMP(a, b) > 0); return MDB_OK_; }                \
    static int le_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = CMP(a, b) <= 0); return MDB_OK_; }               \
    static int ge_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    { u8 *R = out->data; LOOP2(T, T, R[i] = CMP(a, b) >= 0); return MDB_OK_; }

CMP_DIRECT(bool, u8)
CMP_DIRECT(i16, i16)
CMP_DIRECT(i32, i32)
CMP_DIRECT(i64, i64)

#define F64CMP(a, b) f64_cmp(*(a), *(b))
#define F32CMP(a, b) f32_cmp(*(a), *(b))
#define NUMCMP(a, b) numeric_cmp_inline(*(a), *(b))
CMP_FN(f32, float, F32CMP)
CMP_FN(f64, double, F64CMP)
CMP_FN(num, Numeric, NUMCMP)
CMP_FN(text, Str, text_cmp)
CMP_FN(ival, Interval, ival_cmp)
CMP_FN(uuid, U128Raw, uuid_cmp)

/* Text equality: length + prefix first, then the rest. */
static int eq_text_fast(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    u8 *R = out->data;
    LOOP2(Str, Str, R[i] = str_eq(a, b));
    return MDB_OK_;
}
static int ne_text_fast(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    u8 *R = out->data;
    LOOP2(Str, Str, R[i] = !str_eq(a, b));
    return MDB_OK_;
}

/* LOOP2 handles constant arguments */
#define OP(NAME, T, K) {NAME, 2, {T, T}, TYPE_BOOL, FUNC_CONST_ARGS, K}
#define CMP_SET(T, SUF)                                                                          \
    OP("=", T, eq_##SUF), OP("<>", T, ne_##SUF), OP("!=", T, ne_##SUF), OP("<", T, lt_##SUF),   \
        OP(">", T, gt_##SUF), OP("<=", T, le_##SUF), OP(">=", T, ge_##SUF)

static const ScalarFunc COMPARE[] = {
    CMP_SET(TYPE_BOOL, bool),
    CMP_SET(TYPE_INT16, i16),
    CMP_SET(TYPE_INT32, i32),
    CMP_SET(TYPE_INT64, i64),
    CMP_SET(TYPE_NUMERIC, num),
    CMP_SET(TYPE_FLOAT32, f32),
    CMP_SET(TYPE_FLOAT64, f64),
    OP("=", TYPE_TEXT, eq_text_fast), OP("<>", TYPE_TEXT, ne_text_fast), OP("!=", TYPE_TEXT, ne_text_fast),
    OP("<", TYPE_TEXT, lt_text), OP(">", TYPE_TEXT, gt_text), OP("<=", TYPE_TEXT, le_text),
    OP(">=", TYPE_TEXT, ge_text),
    OP("=", TYPE_BYTEA, eq_text_fast), OP("<>", TYPE_BYTEA, ne_text_fast), OP("!=", TYPE_BYTEA, ne_text_fast),
    OP("<", TYPE_BYTEA, lt_text), OP(">", TYPE_BYTEA, gt_text), OP("<=", TYPE_BYTEA, le_text),
    OP(">=", TYPE_BYTEA, ge_text),
    /* bit strings are '0'/'1' characters: byte order is PG's bit order */
    OP("=", TYPE_BIT, eq_text_fast), OP("<>", TYPE_BIT, ne_text_fast), OP("!=", TYPE_BIT, ne_text_fast),
    OP("<", TYPE_BIT, lt_text), OP(">", TYPE_BIT, gt_text), OP("<=", TYPE_BIT, le_text),
    OP(">=", TYPE_BIT, ge_text),
    CMP_SET(TYPE_DATE, i32),
    CMP_SET(TYPE_TIME, i64),
    CMP_SET(TYPE_TIMESTAMP, i64),
    CMP_SET(TYPE_TIMESTAMPTZ, i64),
    CMP_SET(TYPE_INTERVAL, ival),
    CMP_SET(TYPE_UUID, uuid),
};

void func_register_ops_compare(void) { func_register_scalar(COMPARE, MDB_ARRAY_LEN(COMPARE)); }
