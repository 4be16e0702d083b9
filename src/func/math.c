/*
 * src/func/math.c — mathematical functions: ceil/ceiling, floor, round,
 * trunc, sign, sqrt, cbrt, exp, ln, log/log10, log(b, x), div, pi, degrees,
 * radians, trigonometry, random, gcd, lcm, width_bucket, scale, min_scale,
 * trim_scale.
 *
 * PostgreSQL resolves integer arguments of these functions to the double
 * precision version (float8 is the preferred numeric type), so each float
 * function also has a bigint overload returning float8; numeric arguments
 * keep the numeric version.  Float checks and messages follow PG's float.c
 * (2201E for logarithms, 2201F for square roots of negatives, 22003 "input
 * is out of range" for trigonometry).
 *
 * INTERFACE: func_register_math
 */
#include <math.h>
#include <sys/random.h>

#include "func/func_internal.h"

#define DARG(k, i) (((const double *)args[k].data)[AIDX(&args[k], i)])
#define LARG(k, i) (((const i64 *)args[k].data)[AIDX(&args[k], i)])
#define IARG(k, i) (((const i32 *)args[k].data)[AIDX(&args[k], i)])
#define NARG(k, i) (((const Numeric *)args[k].data)[AIDX(&args[k], i)])

/* One double → double step; returns MDB_OK_ or an error. */
typedef int (*DblFn)(Err *e, double x, double *r);

static inline int check_result(Err *e, double x, double r)
{
    if (MDB_UNLIKELY(isinf(r)) && !isinf(x)) return func_float_overflow(e);
    return MDB_OK_;
}

static int d_ceil(Err *e, double x, double *r) { *r = ceil(x); return MDB_OK_; }
static int d_floor(Err *e, double x, double *r) { *r = floor(x); return MDB_OK_; }
static int d_round(Err *e, double x, double *r) { *r = rint(x); return MDB_OK_; }
static int d_trunc(Err *e, double x, double *r) { *r = trunc(x); return MDB_OK_; }
static int d_sign(Err *e, double x, double *r) { *r = x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; return MDB_OK_; }
static int d_sqrt(Err *e, double x, double *r)
{
    if (x < 0) return err_set(e, "2201F", "cannot take square root of a negative number");
    *r = sqrt(x);
    return MDB_OK_;
}
static int d_cbrt(Err *e, double x, double *r) { *r = cbrt(x); return MDB_OK_; }
static int d_exp(Err *e, double x, double *r)
{
    *r = exp(x);
    if (isinf(*r) && !isinf(x)) return func_float_overflow(e);
    if (*r == 0 && !isinf(x)) return func_float_underflow(e);
    return MDB_OK_;
}
static int d_ln(Err *e, double x, double *r)
{
    if (x == 0) return err_set(e, "2201E", "cannot take logarithm of zero");
    if (x < 0) return err_set(e, "2201E", "cannot take logarithm of a negative number");
    *r = log(x);
    return check_result(e, x, *r);
}
static int d_log10(Err *e, double x, double *r)
{
    if (x == 0) return err_set(e, "2201E", "cannot take logarithm of zero");
    if (x < 0) return err_set(e, "2201E", "cannot take logarithm of a negative number");
    *r = log10(x);
    return check_result(e, x, *r);
}
static int d_degrees(Err *e, double x, double *r) { *r = x * (180.0 / M_PI); return check_result(e, x, *r); }
static int d_radians(Err *e, double x, double *r) { *r = x * (M_PI / 180.0); return MDB_OK_; }
static int out_of_range(Err *e) { return err_set(e, "22003", "input is out of range"); }
static int d_sin(Err *e, double x, double *r) { if (isinf(x)) return out_of_range(e); *r = sin(x); return MDB_OK_; }
static int d_cos(Err *e, double x, double *r) { if (isinf(x)) return out_of_range(e); *r = cos(x); return MDB_OK_; }
static int d_tan(Err *e, double x, double *r) { if (isinf(x)) return out_of_range(e); *r = tan(x); return MDB_OK_; }
static int d_cot(Err *e, double x, double *r)
{
    if (isinf(x)) return out_of_range(e);
    *r = 1.0 / tan(x);
    return MDB_OK_;
}
static int d_asin(Err *e, double x, double *r)
{
    if (isnan(x)) { *r = x; return MDB_OK_; }
    if (x < -1 || x > 1) return out_of_range(e);
    *r = asin(x);
    return MDB_OK_;
}
static int d_acos(Err *e, double x, double *r)
{
    if (isnan(x)) { *r = x; return MDB_OK_; }
    if (x < -1 || x > 1) return out_of_range(e);
    *r = acos(x);
    return MDB_OK_;
}
static int d_atan(Err *e, double x, double *r) { *r = atan(x); return MDB_OK_; }

/* Stamps the float8 and bigint kernels of a DblFn. */
#define MATH1(NAME, FN)                                                                    \
    static int NAME##_f64(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                      \
        double *R = (double *)out->data;                                                   \
        for (idx_t i = 0; i < count; i++)                                                  \
            if (ROW_OK(out, i) && FN(ctx->err, DARG(0, i), &R[i])) return MDB_FAIL;        \
        return MDB_OK_;                                                                    \
    }                                                                                      \
    static int NAME##_i64(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                      \
        double *R = (double *)out->data;                                                   \
        for (idx_t i = 0; i < count; i++)                                                  \
            if (ROW_OK(out, i) && FN(ctx->err, (double)LARG(0, i), &R[i])) return MDB_FAIL; \
        return MDB_OK_;                                                                    \
    }

MATH1(ceil, d_ceil)
MATH1(floor, d_floor)
MATH1(round, d_round)
MATH1(trunc, d_trunc)
MATH1(sign, d_sign)
MATH1(sqrt, d_sqrt)
MATH1(cbrt, d_cbrt)
MATH1(exp, d_exp)
MATH1(ln, d_ln)
MATH1(log10, d_log10)
MATH1(degrees, d_degrees)
MATH1(radians, d_radians)
MATH1(sin, d_sin)
MATH1(cos, d_cos)
MATH1(tan, d_tan)
MATH1(cot, d_cot)
MATH1(asin, d_asin)
MATH1(acos, d_acos)
MATH1(atan, d_atan)

static int atan2_f64(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    double *R = (double *)out->data;
    for (idx_t i = 0; i < count; i++) R[i] = atan2(DARG(0, i), DARG(1, i));
    return MDB_OK_;
}

/* ---- numeric ------------------------------------------------------------ */

#define NUM1(NAME, FN)                                                                     \
    static int NAME##_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) \
    {                                                                                      \
        Numeric *R = (Numeric *)out->data;                                                 \
        for (idx_t i = 0; i < count; i++)                                                  \
            if (ROW_OK(out, i) && FN(NARG(0, i), &R[i], ctx->err)) return MDB_FAIL;        \
        return MDB_OK_;                                                                    \
    }
static int n_round0(Numeric a, Numeric *r, Err *e) { return numeric_round(a, 0, r, e); }
static int n_trunc0(Numeric a, Numeric *r, Err *e) { return numeric_trunc(a, 0, r, e); }
static int n_sign(Numeric a, Numeric *r, Err *e)
{
    *r = numeric_is_nan(a) ? a : numeric_make(numeric_sign(a), 0);
    return MDB_OK_;
}
static int n_sqrt(Numeric a, Numeric *r, Err *e)
{
    if (numeric_sign(a) < 0) return err_set(e, "2201F", "cannot take square root of a negative number");
    return numeric_sqrt(a, r, e);
}
static int n_ln(Numeric a, Numeric *r, Err *e)
{
    if (numeric_is_zero(a)) return err_set(e, "2201E", "cannot take logarithm of zero");
    if (numeric_sign(a) < 0) return err_set(e, "2201E", "cannot take logarithm of a negative number");
    return numeric_ln(a, r, e);
}
static int n_log10(Numeric a, Numeric *r, Err *e)
{
    if (numeric_is_zero(a)) return err_set(e, "2201E", "cannot take logarithm of zero");
    if (numeric_sign(a) < 0) return err_set(e, "2201E", "cannot take logarithm of a negative number");
    return numeric_log10(a, r, e);
}
static int n_trim_scale(Numeric a, Numeric *r, Err *e) { *r = numeric_trim_scale(a); return MDB_OK_; }
NUM1(ceil, numeric_ceil)
NUM1(floor, numeric_floor)
NUM1(round, n_round0)
NUM1(trunc, n_trunc0)
NUM1(sign, n_sign)
NUM1(sqrt, n_sqrt)
NUM1(exp, numeric_exp)
NUM1(ln, n_ln)
NUM1(log10, n_log10)
NUM1(trim_scale, n_trim_scale)

static int round2_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Numeric *R = (Numeric *)out->data;
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) && numeric_round(NARG(0, i), IARG(1, i), &R[i], ctx->err)) return MDB_FAIL;
    return MDB_OK_;
}
static int trunc2_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Numeric *R = (Numeric *)out->data;
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) && numeric_trunc(NARG(0, i), IARG(1, i), &R[i], ctx->err)) return MDB_FAIL;
    return MDB_OK_;
}
static int log2_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Numeric *R = (Numeric *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        Numeric b = NARG(0, i), x = NARG(1, i);
        if (numeric_is_zero(b) || numeric_is_zero(x)) return err_set(ctx->err, "2201E", "cannot take logarithm of zero");
        if (numeric_sign(b) < 0 || numeric_sign(x) < 0)
            return err_set(ctx->err, "2201E", "cannot take logarithm of a negative number");
        if (numeric_log(b, x, &R[i], ctx->err)) return MDB_FAIL;
    }
    return MDB_OK_;
}
static int div_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Numeric *R = (Numeric *)out->data;
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) && numeric_div_trunc(NARG(0, i), NARG(1, i), &R[i], ctx->err)) return MDB_FAIL;
    return MDB_OK_;
}
static int scale_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) {
        R[i] = numeric_scale_any(NARG(0, i));
        if (numeric_is_special(NARG(0, i)) && ROW_OK(out, i)) out_set_null(out, i); /* NaN, ±Infinity: NULL */
    }
    return MDB_OK_;
}
static int min_scale_num(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) {
        R[i] = numeric_scale_any(numeric_trim_scale(NARG(0, i)));
        if (numeric_is_special(NARG(0, i)) && ROW_OK(out, i)) out_set_null(out, i);
    }
    return MDB_OK_;
}

/* ---- pi / random -------------------------------------------------------- */

static int fn_pi(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    double *R = (double *)out->data;
    for (idx_t i = 0; i < count; i++) R[i] = M_PI;
    return MDB_OK_;
}

/* xoshiro256** per thread, seeded from the kernel's entropy pool. */
static _Thread_local u64 rng_s[4];
static _Thread_local bool rng_seeded;
static inline u64 rotl(u64 x, int k) { return (x << k) | (x >> (64 - k)); }
static u64 rng_next(void)
{
    if (MDB_UNLIKELY(!rng_seeded)) {
        if (getrandom(rng_s, sizeof rng_s, 0) != (ssize_t)sizeof rng_s) {
            rng_s[0] = (u64)(uintptr_t)&rng_seeded ^ 0x9E3779B97F4A7C15ull;
            rng_s[1] = 0xBF58476D1CE4E5B9ull, rng_s[2] = 0x94D049BB133111EBull, rng_s[3] = 1;
        }
        rng_seeded = true;
    }
    u64 r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;
    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl(rng_s[3], 45);
    return r;
}
static int fn_random(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    double *R = (double *)out->data;
    for (idx_t i = 0; i < count; i++) R[i] = (double)(rng_next() >> 11) * 0x1.0p-53;
    return MDB_OK_;
}

/* ---- gcd / lcm ---------------------------------------------------------- */

#define GCD_LCM(SUF, T, UT, TMIN, MSG)                                                      \
    static int gcd_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)  \
    {                                                                                       \
        T *R = (T *)out->data;                                                              \
        const T *A = (const T *)args[0].data, *B = (const T *)args[1].data;                 \
        for (idx_t i = 0; i < count; i++) {                                                 \
            if (!ROW_OK(out, i)) continue;                                                  \
            T a = A[AIDX(&args[0], i)], b = B[AIDX(&args[1], i)];                           \
            UT x = a < 0 ? (UT)0 - (UT)a : (UT)a, y = b < 0 ? (UT)0 - (UT)b : (UT)b;        \
            while (y) { UT t = x % y; x = y; y = t; }                                       \
            if (x > (UT)((T)(((UT)1 << (sizeof(T) * 8 - 1)) - 1))) return err_set(ctx->err, "22003", MSG); \
            R[i] = (T)x;                                                                    \
        }                                                                                   \
        return MDB_OK_;                                                                     \
    }                                                                                       \
    static int lcm_##SUF(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)  \
    {                                                                                       \
        T *R = (T *)out->data;                                                              \
        const T *A = (const T *)args[0].data, *B = (const T *)args[1].data;                 \
        for (idx_t i = 0; i < count; i++) {                                                 \
            if (!ROW_OK(out, i)) continue;                                                  \
            T a = A[AIDX(&args[0], i)], b = B[AIDX(&args[1], i)];                           \
            if (a == 0 || b == 0) { R[i] = 0; continue; }                                   \
            UT x = a < 0 ? (UT)0 - (UT)a : (UT)a, y = b < 0 ? (UT)0 - (UT)b : (UT)b, g = x, h = y; \
            while (h) { UT t = g % h; g = h; h = t; }                                       \
            T r;                                                                            \
            if (a == TMIN || b == TMIN || __builtin_mul_overflow((T)(x / g), (T)y, &r))     \
                return err_set(ctx->err, "22003", MSG);                                     \
            R[i] = r;                                                                       \
        }                                                                                   \
        return MDB_OK_;                                                                     \
    }
GCD_LCM(i32, i32, u32, INT32_MIN, "integer out of range")
GCD_LCM(i64, i64, u64, INT64_MIN, "bigint out of range")

/* width_bucket(operand, low, high, count) for float8. */
static int width_bucket_f64(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        double x = DARG(0, i), lo = DARG(1, i), hi = DARG(2, i);
        i32 n = IARG(3, i);
        if (n <= 0) return err_set(ctx->err, "2201G", "count must be greater than zero");
        if (isnan(x) || isnan(lo) || isnan(hi))
            return err_set(ctx->err, "2201G", "operand, lower bound, and upper bound cannot be NaN");
        if (isinf(lo) || isinf(hi)) return err_set(ctx->err, "2201G", "lower and upper bounds must be finite");
        if (lo == hi) return err_set(ctx->err, "2201G", "lower bound cannot equal upper bound");
        i32 r;
        if (lo < hi) {
            if (x < lo) r = 0;
            else if (x >= hi) {
                if (__builtin_add_overflow(n, 1, &r)) return err_set(ctx->err, "22003", "integer out of range");
            } else r = (i32)((double)n * ((x - lo) / (hi - lo))) + 1;
        } else {
            if (x > lo) r = 0;
            else if (x <= hi) {
                if (__builtin_add_overflow(n, 1, &r)) return err_set(ctx->err, "22003", "integer out of range");
            } else r = (i32)((double)n * ((lo - x) / (lo - hi))) + 1;
        }
        if (r > n + 1) r = n + 1; /* rounding at the top edge */
        R[i] = r;
    }
    return MDB_OK_;
}

/* factorial(n) as PG's numeric_fac: exact, up to PG's limit (131072 digits,
 * n = 32177; 22003 beyond). */
static int factorial_i64(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Numeric *R = (Numeric *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        i64 n = LARG(0, i);
        if (n < 0) return err_set(ctx->err, "22003", "factorial of a negative number is undefined");
        Numeric r = numeric_from_int64(1);
        for (i64 k = 2; k <= n; k++) {
            Numeric r2;
            if (numeric_mul(r, numeric_from_int64(k), &r2, ctx->err)) {
                numeric_release(r);
                return MDB_FAIL;
            }
            numeric_release(r); /* an intermediate nobody else saw */
            r = r2;
        }
        R[i] = r;
    }
    return MDB_OK_;
}

/* ---- registration ------------------------------------------------------- */

#define D TYPE_FLOAT64
#define L TYPE_INT64
#define N TYPE_NUMERIC
#define M3(NAME, K) {NAME, 1, {L}, D, 0, K##_i64}, {NAME, 1, {D}, D, 0, K##_f64}, {NAME, 1, {N}, N, 0, K##_num}
#define M2(NAME, K) {NAME, 1, {L}, D, 0, K##_i64}, {NAME, 1, {D}, D, 0, K##_f64}

static const ScalarFunc MATH[] = {
    M3("ceil", ceil), M3("ceiling", ceil), M3("floor", floor), M3("round", round), M3("trunc", trunc),
    M3("sign", sign), M3("sqrt", sqrt), M3("exp", exp), M3("ln", ln), M3("log", log10), M3("log10", log10),
    M2("cbrt", cbrt), M2("degrees", degrees), M2("radians", radians),
    M2("sin", sin), M2("cos", cos), M2("tan", tan), M2("cot", cot), M2("asin", asin), M2("acos", acos),
    M2("atan", atan),
    /* prefix |/ (square root) and ||/ (cube root) take float8 only, as in PG */
    {"|/", 1, {D}, D, 0, sqrt_f64}, {"||/", 1, {D}, D, 0, cbrt_f64},
    {"factorial", 1, {L}, N, 0, factorial_i64},
    {"atan2", 2, {D, D}, D, 0, atan2_f64},
    {"round", 2, {N, TYPE_INT32}, N, 0, round2_num},
    {"trunc", 2, {N, TYPE_INT32}, N, 0, trunc2_num},
    {"log", 2, {N, N}, N, 0, log2_num},
    {"div", 2, {N, N}, N, 0, div_num},
    {"scale", 1, {N}, TYPE_INT32, 0, scale_num},
    {"min_scale", 1, {N}, TYPE_INT32, 0, min_scale_num},
    {"trim_scale", 1, {N}, N, 0, trim_scale_num},
    {"pi", 0, {0}, D, 0, fn_pi},
    {"random", 0, {0}, D, FUNC_VOLATILE, fn_random},
    {"gcd", 2, {TYPE_INT32, TYPE_INT32}, TYPE_INT32, 0, gcd_i32},
    {"gcd", 2, {L, L}, L, 0, gcd_i64},
    {"lcm", 2, {TYPE_INT32, TYPE_INT32}, TYPE_INT32, 0, lcm_i32},
    {"lcm", 2, {L, L}, L, 0, lcm_i64},
    {"width_bucket", 4, {D, D, D, TYPE_INT32}, TYPE_INT32, 0, width_bucket_f64},
};

void func_register_math(void) { func_register_scalar(MATH, MDB_ARRAY_LEN(MATH)); }
