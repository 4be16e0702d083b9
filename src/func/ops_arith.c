/*
 * src/func/ops_arith.c — arithmetic operators + - * / % ^ and unary - + @
 * for smallint, integer, bigint, numeric, real and double precision, and
 * the integer bitwise operators & | # ~ << >>.
 *
 * Integer kernels compute every row with __builtin_*_overflow and OR the
 * overflow flags; only when a flag is up is the chunk scanned again to see
 * whether the overflow happened on a non-NULL row (NULL rows hold garbage
 * and must not raise errors).  Float kernels follow PostgreSQL's float.h:
 * an infinite result from finite inputs is 22003 "value out of range:
 * overflow", a zero result from non-zero inputs (mul/div) is "underflow",
 * and x / 0 is 22012 unless x is NaN.  Division and modulo check rows one by
 * one since they cannot vectorise anyway.
 *
 * INTERFACE: func_register_ops_arith, func_float_overflow, func_float_underflow
 */
#include <math.h>

#include "func/func_internal.h"

int func_float_overflow(Err *err) { return err_set(err, "22003", "value out of range: overflow"); }
int func_float_underflow(Err *err) { return err_set(err, "22003", "value out of range: underflow"); }

/* Stamps a loop over the rows with `a` and `b` bound to the two operands,
 * specialised for flat/flat, flat/const and const/flat arguments. */
#define LOOP2(TA, TB, BODY)                                                     \
    do {                                                                        \
        const TA *A_ = (const TA *)args[0].data;                                \
        const TB *B_ = (const TB *)args[1].data;                                \
        if (!args[0].is_const && !args[1].is_const) {                           \
            for (idx_t i = 0; i < count; i++) {                                 \
                TA a = A_[i];                                                   \
                TB b = B_[i];                                                   \
                BODY;                                                           \
            }                                                                   \
        } else if (args[1].is_const) {                                          \
            const TB b = B_[0];                                                 \
            for (idx_t i = 0; i < count; i++) {                                 \
                TA a = A_[AIDX(&args[0], i)];                                   \
                BODY;                                                           \
            }                                                                   \
        } else {                                                                \
            const TA a = A_[0];                                                 \
            for (idx_t i = 0; i < count; i++) {                                 \
                TB b = B_[i];                                                   \
                BODY;                                                           \
            }                                                                   \
        }                                                                       \
    } while (0)

#define A0(T, i) (((const T *)args[0].data)[AIDX(&args[0], i)])
#define A1(T, i) (((const T *)args[1].data)[AIDX(&args[1], i)])

/* ---- integers ----------------------------------------------------------- */

#define INT_OVF_OP(NAME, T, BUILTIN, MSG)                                           \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                               \
        T *R = (T *)out->data;                                                      \
        bool ovf = false;                                                           \
        LOOP2(T, T, ovf |= BUILTIN(a, b, &R[i]));                                   \
        if (MDB_UNLIKELY(ovf)) {                                                    \
            for (idx_t i = 0; i < count; i++) {                                     \
                T r;                                                                \
                if (ROW_OK(out, i) && BUILTIN(A0(T, i), A1(T, i), &r))              \
                    return err_set(ctx->err, "22003", MSG);                         \
            }                                                                       \
        }                                                                           \
        return MDB_OK_;                                                             \
    }

#define INT_DIV_OP(NAME, T, TMIN, MSG)                                                \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                 \
        T *R = (T *)out->data;                                                        \
        for (idx_t i = 0; i < count; i++) {                                           \
            if (!ROW_OK(out, i)) continue;                                            \
            T a = A0(T, i), b = A1(T, i);                                             \
            if (MDB_UNLIKELY(b == 0)) return err_set(ctx->err, "22012", "division by zero"); \
            if (MDB_UNLIKELY(b == -1)) {                                              \
                if (a == TMIN) return err_set(ctx->err, "22003", MSG);                \
                R[i] = (T)-a;                                                         \
            } else {                                                                  \
                R[i] = (T)(a / b);                                                    \
            }                                                                         \
        }                                                                             \
        return MDB_OK_;                                                               \
    }

#define INT_MOD_OP(NAME, T)                                                           \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                 \
        T *R = (T *)out->data;                                                        \
        for (idx_t i = 0; i < count; i++) {                                           \
            if (!ROW_OK(out, i)) continue;                                            \
            T a = A0(T, i), b = A1(T, i);                                             \
            if (MDB_UNLIKELY(b == 0)) return err_set(ctx->err, "22012", "division by zero"); \
            R[i] = b == -1 ? 0 : (T)(a % b);                                          \
        }                                                                             \
        return MDB_OK_;                                                               \
    }

#define INT_UNARY(NAME_NEG, NAME_ABS, NAME_POS, T, TMIN, MSG)                         \
    static int NAME_NEG(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                 \
        const T *A = (const T *)args[0].data;                                         \
        T *R = (T *)out->data;                                                        \
        bool bad = false;                                                             \
        for (idx_t i = 0; i < count; i++) {                                           \
            T a = A[AIDX(&args[0], i)];                                               \
            bad |= (a == TMIN) & ROW_OK(out, i);                                      \
            R[i] = (T)(a == TMIN ? 0 : -a);                                           \
        }                                                                             \
        return bad ? err_set(ctx->err, "22003", MSG) : MDB_OK_;                       \
    }                                                                                 \
    static int NAME_ABS(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                 \
        const T *A = (const T *)args[0].data;                                         \
        T *R = (T *)out->data;                                                        \
        bool bad = false;                                                             \
        for (idx_t i = 0; i < count; i++) {                                           \
            T a = A[AIDX(&args[0], i)];                                               \
            bad |= (a == TMIN) & ROW_OK(out, i);                                      \
            R[i] = (T)(a == TMIN ? 0 : a < 0 ? -a : a);                               \
        }                                                                             \
        return bad ? err_set(ctx->err, "22003", MSG) : MDB_OK_;                       \
    }                                                                                 \
    static int NAME_POS(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                 \
        const T *A = (const T *)args[0].data;                                         \
        T *R = (T *)out->data;                                                        \
        for (idx_t i = 0; i < count; i++) R[i] = A[AIDX(&args[0], i)];                \
        return MDB_OK_;                                                               \
    }

#define INT_FAMILY(SUF, T, TMIN, MSG)                                   \
    INT_OVF_OP(add_##SUF, T, __builtin_add_overflow, MSG)               \
    INT_OVF_OP(sub_##SUF, T, __builtin_sub_overflow, MSG)               \
    INT_OVF_OP(mul_##SUF, T, __builtin_mul_overflow, MSG)               \
    INT_DIV_OP(div_##SUF, T, TMIN, MSG)                                 \
    INT_MOD_OP(mod_##SUF, T)                                            \
    INT_UNARY(neg_##SUF, abs_##SUF, pos_##SUF, T, TMIN, MSG)

INT_FAMILY(i16, i16, INT16_MIN, "smallint out of range")
INT_FAMILY(i32, i32, INT32_MIN, "integer out of range")
INT_FAMILY(i64, i64, INT64_MIN, "bigint out of range")

/* ---- floats ------------------------------------------------------------- */

/* Returns the first non-NULL row whose result is bad per the float checks. */
#define FLOAT_OP(NAME, T, OPEXPR, IS_MUL, IS_DIV)                                        \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)     \
    {                                                                                    \
        T *R = (T *)out->data;                                                           \
        bool suspect = false;                                                            \
        LOOP2(T, T, {                                                                    \
            T r = OPEXPR;                                                                \
            R[i] = r;                                                                    \
            suspect |= (__builtin_isinf(r) != 0) | ((IS_MUL || IS_DIV) && r == 0) | (IS_DIV && b == 0); \
        });                                                                              \
        if (MDB_LIKELY(!suspect)) return MDB_OK_;                                        \
        for (idx_t i = 0; i < count; i++) {                                              \
            if (!ROW_OK(out, i)) continue;                                               \
            T a = A0(T, i), b = A1(T, i), r = R[i];                                      \
            (void)b;                                                                     \
            if (IS_DIV && b == 0 && !isnan(a)) return err_set(ctx->err, "22012", "division by zero"); \
            if (__builtin_isinf(r) && !__builtin_isinf(a) && !__builtin_isinf(b)) return func_float_overflow(ctx->err); \
            if ((IS_MUL || IS_DIV) && r == 0 && a != 0 && (IS_DIV ? !__builtin_isinf(b) : b != 0)) \
                return func_float_underflow(ctx->err);                                   \
        }                                                                                \
        return MDB_OK_;                                                                  \
    }

#define FLOAT_FAMILY(SUF, T)                                                              \
    FLOAT_OP(add_##SUF, T, a + b, 0, 0)                                                   \
    FLOAT_OP(sub_##SUF, T, a - b, 0, 0)                                                   \
    FLOAT_OP(mul_##SUF, T, a * b, 1, 0)                                                   \
    FLOAT_OP(div_##SUF, T, a / b, 0, 1)                                                   \
    static int neg_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                     \
        const T *A = (const T *)args[0].data;                                             \
        T *R = (T *)out->data;                                                            \
        for (idx_t i = 0; i < count; i++) R[i] = -A[AIDX(&args[0], i)];                   \
        return MDB_OK_;                                                                   \
    }                                                                                     \
    static int abs_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                     \
        const T *A = (const T *)args[0].data;                                             \
        T *R = (T *)out->data;                                                            \
        for (idx_t i = 0; i < count; i++) {                                               \
            T a = A[AIDX(&args[0], i)];                                                   \
            R[i] = a < 0 ? -a : a;                                                        \
        }                                                                                 \
        return MDB_OK_;                                                                   \
    }                                                                                     \
    static int pos_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                     \
        const T *A = (const T *)args[0].data;                                             \
        T *R = (T *)out->data;                                                            \
        for (idx_t i = 0; i < count; i++) R[i] = A[AIDX(&args[0], i)];                    \
        return MDB_OK_;                                                                   \
    }

FLOAT_FAMILY(f32, float)
FLOAT_FAMILY(f64, double)

/* PostgreSQL's dpow() checks, then pow(). */
int func_float_pow(Err *err, double a, double b, double *out);
int func_float_pow(Err *err, double a, double b, double *out)
{
    if (a == 0 && b < 0)
        return err_set(err, "2201F", "zero raised to a negative power is undefined");
    if (a < 0 && isfinite(a) && isfinite(b) && floor(b) != b)
        return err_set(err, "2201F", "a negative number raised to a non-integer power yields a complex result");
    double r;
    if (isnan(a)) r = b == 0 ? 1.0 : a;
    else if (isnan(b)) r = a == 1 ? 1.0 : b;
    else r = pow(a, b);
    if (isinf(r) && !isinf(a) && !isinf(b)) return func_float_overflow(err);
    if (r == 0 && a != 0 && !isinf(a) && !isinf(b)) return func_float_underflow(err);
    *out = r;
    return MDB_OK_;
}

static int pow_f64(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    double *R = (double *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        if (func_float_pow(ctx->err, A0(double, i), A1(double, i), &R[i])) return MDB_FAIL;
    }
    return MDB_OK_;
}

/* Integer arguments resolve to the float8 version in PostgreSQL (float8 is
 * the preferred numeric type); these overloads keep that result type. */
static int pow_i64(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    double *R = (double *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        if (func_float_pow(ctx->err, (double)A0(i64, i), (double)A1(i64, i), &R[i])) return MDB_FAIL;
    }
    return MDB_OK_;
}

/* ---- numeric ------------------------------------------------------------ */

#define NUM_BINOP(NAME, FN)                                                           \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                 \
        Numeric *R = (Numeric *)out->data;                                            \
        for (idx_t i = 0; i < count; i++) {                                           \
            if (!ROW_OK(out, i)) continue;                                            \
            if (FN(A0(Numeric, i), A1(Numeric, i), &R[i], ctx->err)) return MDB_FAIL; \
        }                                                                             \
        return MDB_OK_;                                                               \
    }

/* + - * try the inline fast path per row and fall back to the general function */
#define NUM_FAST_BINOP(NAME, FAST, FN)                                                \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                 \
        Numeric *R = (Numeric *)out->data;                                            \
        for (idx_t i = 0; i < count; i++) {                                           \
            Numeric a = A0(Numeric, i), b = A1(Numeric, i);                           \
            if (MDB_LIKELY(FAST)) continue;                                           \
            if (!ROW_OK(out, i)) continue;                                            \
            if (FN(a, b, &R[i], ctx->err)) return MDB_FAIL;                           \
        }                                                                             \
        return MDB_OK_;                                                               \
    }

NUM_FAST_BINOP(add_num, numeric_addsub_fast(a, b, false, &R[i]), numeric_add)
NUM_FAST_BINOP(sub_num, numeric_addsub_fast(a, b, true, &R[i]), numeric_sub)
NUM_FAST_BINOP(mul_num, numeric_mul_fast(a, b, &R[i]), numeric_mul)
NUM_BINOP(div_num, numeric_div)
NUM_BINOP(mod_num, numeric_mod)
NUM_BINOP(pow_num, numeric_power)

static int neg_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Numeric *R = (Numeric *)out->data;
    for (idx_t i = 0; i < count; i++) R[i] = numeric_neg(A0(Numeric, i));
    return MDB_OK_;
}
static int abs_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Numeric *R = (Numeric *)out->data;
    for (idx_t i = 0; i < count; i++) R[i] = numeric_abs(A0(Numeric, i));
    return MDB_OK_;
}
static int pos_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Numeric *R = (Numeric *)out->data;
    for (idx_t i = 0; i < count; i++) R[i] = A0(Numeric, i);
    return MDB_OK_;
}

/* ---- bitwise (integers) -------------------------------------------------- */

/* & | # never overflow; shifts use the count modulo the width of the C
 * operation as PG's int2shl/int4shl/int8shl do on x86 (int2 shifts as int4
 * and keeps the low 16 bits), computed on unsigned values so that shifting
 * into the sign bit is defined. */
#define BIT_OP(NAME, T, EXPR)                                                       \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                               \
        T *R = (T *)out->data;                                                      \
        LOOP2(T, T, R[i] = (T)(EXPR));                                              \
        return MDB_OK_;                                                             \
    }
#define BIT_SET(T, SUF)                   \
    BIT_OP(and_##SUF, T, a & b)           \
    BIT_OP(or_##SUF, T, a | b)            \
    BIT_OP(xor_##SUF, T, a ^ b)           \
    static int not_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                               \
        T *R = (T *)out->data;                                                      \
        for (idx_t i = 0; i < count; i++) R[i] = (T)~A0(T, i);                      \
        return MDB_OK_;                                                             \
    }
BIT_SET(i16, i16)
BIT_SET(i32, i32)
BIT_SET(i64, i64)

#define SHIFT_OP(NAME, T, EXPR)                                                     \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                               \
        T *R = (T *)out->data;                                                      \
        LOOP2(T, i32, R[i] = (T)(EXPR));                                            \
        return MDB_OK_;                                                             \
    }
SHIFT_OP(shl_i16, i16, (i32)((u32)(i32)a << (b & 31)))
SHIFT_OP(shr_i16, i16, (i32)a >> (b & 31))
SHIFT_OP(shl_i32, i32, (i32)((u32)a << (b & 31)))
SHIFT_OP(shr_i32, i32, a >> (b & 31))
SHIFT_OP(shl_i64, i64, (i64)((u64)a << (b & 63)))
SHIFT_OP(shr_i64, i64, a >> (b & 63))

/* ---- registration ------------------------------------------------------- */

/* every kernel here indexes its arguments through AIDX */
#define BIN(NAME, T, RT, K) {NAME, 2, {T, T}, RT, FUNC_CONST_ARGS, K}
#define UN(NAME, T, K) {NAME, 1, {T}, T, FUNC_CONST_ARGS, K}

#define ARITH_SET(T, SUF)                                                                 \
    BIN("+", T, T, add_##SUF), BIN("-", T, T, sub_##SUF), BIN("*", T, T, mul_##SUF),     \
        BIN("/", T, T, div_##SUF)

static const ScalarFunc ARITH[] = {
    ARITH_SET(TYPE_INT16, i16),
    ARITH_SET(TYPE_INT32, i32),
    ARITH_SET(TYPE_INT64, i64),
    ARITH_SET(TYPE_NUMERIC, num),
    ARITH_SET(TYPE_FLOAT32, f32),
    ARITH_SET(TYPE_FLOAT64, f64),
    BIN("%", TYPE_INT16, TYPE_INT16, mod_i16),
    BIN("%", TYPE_INT32, TYPE_INT32, mod_i32),
    BIN("%", TYPE_INT64, TYPE_INT64, mod_i64),
    BIN("%", TYPE_NUMERIC, TYPE_NUMERIC, mod_num),
    BIN("^", TYPE_INT64, TYPE_FLOAT64, pow_i64),
    BIN("^", TYPE_FLOAT64, TYPE_FLOAT64, pow_f64),
    BIN("^", TYPE_NUMERIC, TYPE_NUMERIC, pow_num),
    UN("-", TYPE_INT16, neg_i16), UN("-", TYPE_INT32, neg_i32), UN("-", TYPE_INT64, neg_i64),
    UN("-", TYPE_NUMERIC, neg_num), UN("-", TYPE_FLOAT32, neg_f32), UN("-", TYPE_FLOAT64, neg_f64),
    UN("+", TYPE_INT16, pos_i16), UN("+", TYPE_INT32, pos_i32), UN("+", TYPE_INT64, pos_i64),
    UN("+", TYPE_NUMERIC, pos_num), UN("+", TYPE_FLOAT32, pos_f32), UN("+", TYPE_FLOAT64, pos_f64),
    UN("@", TYPE_INT16, abs_i16), UN("@", TYPE_INT32, abs_i32), UN("@", TYPE_INT64, abs_i64),
    UN("@", TYPE_NUMERIC, abs_num), UN("@", TYPE_FLOAT32, abs_f32), UN("@", TYPE_FLOAT64, abs_f64),
    BIN("&", TYPE_INT16, TYPE_INT16, and_i16), BIN("&", TYPE_INT32, TYPE_INT32, and_i32), BIN("&", TYPE_INT64, TYPE_INT64, and_i64),
    BIN("|", TYPE_INT16, TYPE_INT16, or_i16), BIN("|", TYPE_INT32, TYPE_INT32, or_i32), BIN("|", TYPE_INT64, TYPE_INT64, or_i64),
    BIN("#", TYPE_INT16, TYPE_INT16, xor_i16), BIN("#", TYPE_INT32, TYPE_INT32, xor_i32), BIN("#", TYPE_INT64, TYPE_INT64, xor_i64),
    UN("~", TYPE_INT16, not_i16), UN("~", TYPE_INT32, not_i32), UN("~", TYPE_INT64, not_i64),
    {"<<", 2, {TYPE_INT16, TYPE_INT32}, TYPE_INT16, 0, shl_i16}, {">>", 2, {TYPE_INT16, TYPE_INT32}, TYPE_INT16, 0, shr_i16},
    {"<<", 2, {TYPE_INT32, TYPE_INT32}, TYPE_INT32, 0, shl_i32}, {">>", 2, {TYPE_INT32, TYPE_INT32}, TYPE_INT32, 0, shr_i32},
    {"<<", 2, {TYPE_INT64, TYPE_INT32}, TYPE_INT64, 0, shl_i64}, {">>", 2, {TYPE_INT64, TYPE_INT32}, TYPE_INT64, 0, shr_i64},
    /* abs() shares the kernels */
    UN("abs", TYPE_INT16, abs_i16), UN("abs", TYPE_INT32, abs_i32), UN("abs", TYPE_INT64, abs_i64),
    UN("abs", TYPE_NUMERIC, abs_num), UN("abs", TYPE_FLOAT32, abs_f32), UN("abs", TYPE_FLOAT64, abs_f64),
    /* mod() and power() as functions */
    BIN("mod", TYPE_INT16, TYPE_INT16, mod_i16),
    BIN("mod", TYPE_INT32, TYPE_INT32, mod_i32),
    BIN("mod", TYPE_INT64, TYPE_INT64, mod_i64),
    BIN("mod", TYPE_NUMERIC, TYPE_NUMERIC, mod_num),
    BIN("power", TYPE_INT64, TYPE_FLOAT64, pow_i64),
    BIN("power", TYPE_FLOAT64, TYPE_FLOAT64, pow_f64),
    BIN("power", TYPE_NUMERIC, TYPE_NUMERIC, pow_num),
    BIN("pow", TYPE_INT64, TYPE_FLOAT64, pow_i64),
    BIN("pow", TYPE_FLOAT64, TYPE_FLOAT64, pow_f64),
    BIN("pow", TYPE_NUMERIC, TYPE_NUMERIC, pow_num),
};

void func_register_ops_arith(void) { func_register_scalar(ARITH, MDB_ARRAY_LEN(ARITH)); }
