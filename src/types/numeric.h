/*
 * src/types/numeric.h — NUMERIC values: 128-bit scaled integers, with an
 * arbitrary-precision form for the values that do not fit.
 *
 * A small Numeric packs a signed coefficient (upper 120 bits) and a per-value
 * display scale (low 8 bits): value = coef × 10^-scale, at most
 * NUMERIC_MAX_PRECISION (35) digits and a scale of 0..NUMERIC_MAX_SCALE (35).
 * A value beyond that is "big" (NUMERIC_TAG_BIG in the scale byte, an id into
 * numeric_big.c's registry above it), up to PostgreSQL 15's limits: 131072
 * digits before the point, 16383 after (22003 "value overflows numeric
 * format" beyond).  Results are exact with PG 15's result scales (add/sub:
 * max of scales, mul: sum, div: select_div_scale) and returned small whenever
 * they fit.  NaN, Infinity and -Infinity (PostgreSQL 15) are tagged values:
 * coefficient 0 and a scale byte NUMERIC_TAG_NAN..NINF (numeric_is_special).
 * They order as PG's: -Infinity < every number < Infinity < NaN, and NaN
 * equals NaN.
 *
 * Fallible functions return MDB_OK_ or MDB_FAIL with the error recorded in
 * `err`.  Small-value paths are pure and allocation-free; big values are
 * malloc'ed records (see src/types/README.md for their lifetime).
 *
 * INTERFACE
 *   numeric_make, numeric_coef, numeric_scale, numeric_is_zero
 *   numeric_from_text, numeric_to_text
 *   numeric_from_int64, numeric_from_double, numeric_from_float4
 *   numeric_to_int64, numeric_to_int32, numeric_to_int16, numeric_to_double,
 *   numeric_to_float4
 *   numeric_add, numeric_sub, numeric_mul, numeric_div, numeric_div_scale,
 *   numeric_div_trunc,
 *   numeric_mod, numeric_neg, numeric_abs, numeric_sign, numeric_cmp,
 *   numeric_hash
 *   numeric_round, numeric_trunc, numeric_ceil, numeric_floor,
 *   numeric_apply_typmod, numeric_rescale, numeric_trim_scale, numeric_pow10
 *   numeric_sqrt, numeric_exp, numeric_ln, numeric_log10, numeric_log,
 *   numeric_power
 */
#ifndef MDB_NUMERIC_H
#define MDB_NUMERIC_H

#include "common/common.h"
#include "common/error.h"

typedef __int128 Numeric;

#define NUMERIC_MAX_PRECISION 35
#define NUMERIC_MAX_SCALE 35
/* Longest text numeric_to_text writes: sign, 35 digits, point, leading
 * "0." padding, NUL — rounded up. */
#define NUMERIC_MAX_TEXT_LEN 48

/* Packs coef (|coef| < 10^35) and scale (0..35) into a Numeric. */
static inline Numeric numeric_make(i128 coef, int scale)
{
    return (Numeric)(((u128)coef << 8) | (u128)(u8)scale);
}
static inline i128 numeric_coef(Numeric v) { return v >> 8; }
static inline int numeric_scale(Numeric v) { return (int)(v & 0xFF); }
/* The special values: scale bytes no number has. */
#define NUMERIC_TAG_BIG 0xFC /* an arbitrary-precision value: registry id above the tag (numeric_big.c) */
#define NUMERIC_TAG_NAN 0xFD
#define NUMERIC_TAG_PINF 0xFE
#define NUMERIC_TAG_NINF 0xFF
#define NUMERIC_NAN ((Numeric)NUMERIC_TAG_NAN)
#define NUMERIC_PINF ((Numeric)NUMERIC_TAG_PINF)
#define NUMERIC_NINF ((Numeric)NUMERIC_TAG_NINF)
/* Any scale byte above 35 but the big tag: the three special values, and the junk a NULL row's slot may
 * hold (read by kernels that run over every row), which then takes the special paths and no table index. */
static inline bool numeric_is_special(Numeric v) { return (u8)v > NUMERIC_MAX_SCALE && (u8)v != NUMERIC_TAG_BIG; }
/* A value beyond the 128-bit form (more than 35 digits or a scale above 35):
 * numeric_coef/numeric_scale do not apply to it; use the functions below. */
static inline bool numeric_is_big(Numeric v) { return (u8)v == NUMERIC_TAG_BIG; }
static inline bool numeric_is_nan(Numeric v) { return (v & 0xFF) == NUMERIC_TAG_NAN; }
static inline bool numeric_is_inf(Numeric v) { return (v & 0xFF) >= NUMERIC_TAG_PINF; }
int numeric_sign(Numeric a); /* -1, 0, 1 (NaN: 0; callers check numeric_is_nan first) */
static inline bool numeric_is_zero(Numeric v)
{
    if (MDB_UNLIKELY(numeric_is_big(v))) return numeric_sign(v) == 0;
    return (v >> 8) == 0 && !numeric_is_special(v);
}

/* 10^n for 0 <= n <= 38. */
extern i128 numeric_pow10_tab[39];
static inline i128 numeric_pow10(int n) { return numeric_pow10_tab[n]; }

/* Fast paths of numeric_add/sub/mul for the common case — operands of one
 * scale (add/sub) or with coefficients below 2^63 (mul), result within 35
 * digits — inline for the per-row kernels.  They return false (and leave
 * *out alone) when the general function must decide: wider operands,
 * rounding, or an error. */
/* The coefficient of v when it fits 55 bits (the Numeric then fits its low
 * 64-bit word): most stored values, so kernels first try 64-bit arithmetic,
 * whose results (below 2^63) are always within 35 digits. */
static inline bool numeric_small(Numeric v, i64 *coef)
{
    u64 lo = (u64)(u128)v;
    i64 hi = (i64)((u128)v >> 64);
    *coef = (i64)lo >> 8;
    return hi == ((i64)lo >> 63);
}
extern const i64 numeric_pow10_i64[19];

static inline bool numeric_addsub_fast(Numeric a, Numeric b, bool sub, Numeric *out)
{
    i64 x, y, r64;
    int sa0 = (int)(a & 0xFF), sb0 = (int)(b & 0xFF);
    /* (sa0 | sb0) < 64: no special value (NaN, ±Infinity have scale bytes above 250) */
    if (MDB_LIKELY(numeric_small(a, &x) && numeric_small(b, &y) && (sa0 | sb0) < 64)) {
        if (sa0 == sb0) {
            if (!(sub ? __builtin_sub_overflow(x, y, &r64) : __builtin_add_overflow(x, y, &r64))) {
                *out = numeric_make(r64, sa0);
                return true;
            }
        } else if (sa0 < sb0 && sb0 - sa0 <= 18) {
            if (!__builtin_mul_overflow(x, numeric_pow10_i64[sb0 - sa0], &x) &&
                !(sub ? __builtin_sub_overflow(x, y, &r64) : __builtin_add_overflow(x, y, &r64))) {
                *out = numeric_make(r64, sb0);
                return true;
            }
        } else if (sa0 > sb0 && sa0 - sb0 <= 18) {
            if (!__builtin_mul_overflow(y, numeric_pow10_i64[sa0 - sb0], &y) &&
                !(sub ? __builtin_sub_overflow(x, y, &r64) : __builtin_add_overflow(x, y, &r64))) {
                *out = numeric_make(r64, sa0);
                return true;
            }
        }
    }
    int sa = (int)(a & 0xFF), sb = (int)(b & 0xFF);
    i128 ca = a >> 8, cb = b >> 8, r;
    if (sa > NUMERIC_MAX_SCALE || sb > NUMERIC_MAX_SCALE) return false;
    if (sa != sb) {
        /* align the smaller scale (1 - l_discount): small coefficients only,
         * so the product stays far inside 128 bits */
        const i128 lim = (i128)1 << 62;
        int d = sa - sb;
        if (d > 18 || d < -18 || ca >= lim || ca <= -lim || cb >= lim || cb <= -lim) return false;
        if (d > 0) cb *= numeric_pow10_tab[d];
        else ca *= numeric_pow10_tab[-d];
        if (d < 0) sa = sb;
    }
    if (__builtin_add_overflow(ca, sub ? -cb : cb, &r)) return false;
    if (r >= numeric_pow10_tab[NUMERIC_MAX_PRECISION] || r <= -numeric_pow10_tab[NUMERIC_MAX_PRECISION]) return false;
    *out = numeric_make(r, sa);
    return true;
}
int numeric_cmp(Numeric a, Numeric b);
/* numeric_cmp, inline when both values have one scale (a column against a
 * constant of the column's scale: l_discount BETWEEN 0.05 AND 0.07). */
static inline int numeric_cmp_inline(Numeric a, Numeric b)
{
    if ((a & 0xFF) == (b & 0xFF) && (u8)a != NUMERIC_TAG_BIG) { /* also two equal special values (coefficients 0) */
        i128 ca = a >> 8, cb = b >> 8;
        return (ca > cb) - (ca < cb);
    }
    return numeric_cmp(a, b);
}

static inline bool numeric_mul_fast(Numeric a, Numeric b, Numeric *out)
{
    i64 x, y, r64;
    int s0 = (int)(a & 0xFF) + (int)(b & 0xFF);
    if (MDB_LIKELY(numeric_small(a, &x) && numeric_small(b, &y) && s0 <= NUMERIC_MAX_SCALE &&
                   !__builtin_mul_overflow(x, y, &r64))) {
        *out = numeric_make(r64, s0);
        return true;
    }
    i128 ca = a >> 8, cb = b >> 8;
    int s = (int)(a & 0xFF) + (int)(b & 0xFF);
    const i128 lim = (i128)1 << 62;
    if (s > NUMERIC_MAX_SCALE || ca >= lim || ca <= -lim || cb >= lim || cb <= -lim) return false;
    i128 r = ca * cb; /* < 2^124: no overflow */
    if (r >= numeric_pow10_tab[NUMERIC_MAX_PRECISION] || r <= -numeric_pow10_tab[NUMERIC_MAX_PRECISION]) return false;
    *out = numeric_make(r, s);
    return true;
}

/* Parses PostgreSQL numeric text: surrounding whitespace, sign, digits with
 * an optional point, optional exponent (1.5e3).  Errors: 22P02 invalid input
 * syntax, 22003 value overflows numeric format.  NaN, [+-]Infinity and
 * [+-]inf (any case) are the special values. */
int numeric_from_text(const char *s, size_t len, Numeric *out, Err *err);
/* Writes the value with exactly `scale` digits after the point, as PG
 * prints it; NUL-terminates when room.  Returns the length (excl. NUL). */
size_t numeric_to_text(Numeric v, char *buf, size_t cap);
/* The text of v in buf when it fits cap bytes, else in a malloc'ed buffer
 * (big values print up to about 147,000 characters); *len is its length.
 * The caller frees the result when it is not buf. */
char *numeric_to_text_dyn(Numeric v, char *buf, size_t cap, size_t *len);
/* The scale of any finite value, big ones included. */
int numeric_scale_any(Numeric v);
/* Frees the record of a big value that the caller made and that never left
 * it (an intermediate result of a loop); no-op for other values.  Using the
 * value afterwards reads it as 0. */
void numeric_release(Numeric v);

Numeric numeric_from_int64(i64 x);
/* coef × 10^-scale exactly (scale 0..35, any 128-bit coef): the big form
 * when it has more than 35 digits. */
int numeric_from_i128(i128 coef, int scale, Numeric *out, Err *err);
/* PG's float8→numeric: the value printed with 15 significant digits. */
int numeric_from_double(double d, Numeric *out, Err *err);
/* PG's float4→numeric: 6 significant digits. */
int numeric_from_float4(float f, Numeric *out, Err *err);
/* Rounds half away from zero; 22003 bigint/integer/smallint out of range. */
int numeric_to_int64(Numeric v, i64 *out, Err *err);
int numeric_to_int32(Numeric v, i32 *out, Err *err);
int numeric_to_int16(Numeric v, i16 *out, Err *err);
/* Correctly rounded, as PG's numeric_float8 (which goes through strtod). */
double numeric_to_double(Numeric v);
float numeric_to_float4(Numeric v);

int numeric_add(Numeric a, Numeric b, Numeric *out, Err *err);
int numeric_sub(Numeric a, Numeric b, Numeric *out, Err *err);
int numeric_mul(Numeric a, Numeric b, Numeric *out, Err *err);
/* Scale per PG's select_div_scale (≥ 16 significant digits), capped at 35. */
int numeric_div(Numeric a, Numeric b, Numeric *out, Err *err);
/* Division rounded to an explicit scale (used by avg etc.). */
int numeric_div_scale(Numeric a, Numeric b, int scale, Numeric *out, Err *err);
/* PG's div(a, b): quotient truncated toward zero, scale 0. */
int numeric_div_trunc(Numeric a, Numeric b, Numeric *out, Err *err);
/* PG's mod: sign of the dividend, scale max(s1, s2). */
int numeric_mod(Numeric a, Numeric b, Numeric *out, Err *err);
Numeric numeric_neg(Numeric a);
Numeric numeric_abs(Numeric a);
/* numeric_sign (above): -1, 0, 1 (PG's sign(numeric) returns that as numeric). */
/* Compares by value: 1.0 = 1.00.  Returns <0, 0, >0. */
/* Equal values hash equal whatever their scale. */
u64 numeric_hash(Numeric a);

/* round(x, s) / trunc(x, s), s may be negative; result scale max(s, 0). */
int numeric_round(Numeric a, int s, Numeric *out, Err *err);
int numeric_trunc(Numeric a, int s, Numeric *out, Err *err);
int numeric_ceil(Numeric a, Numeric *out, Err *err);
int numeric_floor(Numeric a, Numeric *out, Err *err);
/* Casts to numeric(precision, scale): rounds to scale, then checks the
 * integer digits; 22003 "numeric field overflow" with PG's detail. */
int numeric_apply_typmod(Numeric a, int precision, int scale, Numeric *out, Err *err);
/* Sets the display scale exactly (rounding or zero-padding); 22003 when the
 * result does not fit. */
int numeric_rescale(Numeric a, int scale, Numeric *out, Err *err);
/* Minimal scale that represents the value (PG's trim_scale; min_scale() is
 * numeric_scale() of the result, scale() is numeric_scale()). */
Numeric numeric_trim_scale(Numeric a);

/* sqrt and integer powers are exact with PG's result scales; exp/ln/log and
 * non-integer powers are computed in long double (~19 significant digits)
 * and rounded to PG's result scale. */
int numeric_sqrt(Numeric a, Numeric *out, Err *err);
int numeric_exp(Numeric a, Numeric *out, Err *err);
int numeric_ln(Numeric a, Numeric *out, Err *err);
int numeric_log10(Numeric a, Numeric *out, Err *err);
int numeric_log(Numeric base, Numeric a, Numeric *out, Err *err);
int numeric_power(Numeric a, Numeric b, Numeric *out, Err *err);

#endif
