/*
 * src/func/agg.c — the built-in aggregates: count, sum, avg, min, max,
 * bool_and/bool_or/every, string_agg, array_agg, the variance family and the
 * ordered-set aggregates percentile_cont/percentile_disc/mode.
 *
 * Every aggregate keeps a fixed-size state (AggFunc.state_size bytes) and
 * provides init/update/combine/finalize (func.h).  Integer sums accumulate
 * in 128 bits and convert once at the end; numeric sums keep one 128-bit
 * coefficient at the largest scale seen so far, rescaling when a value with
 * more fractional digits arrives.  Float variance uses the Youngs-Cramer
 * updates of PostgreSQL's float8_accum/float8_combine so results match PG's
 * bit for bit.  Integer/numeric variance is exact (N·Σx² − (Σx)²)/(N·(N−1))
 * in 128-bit integers, divided with PostgreSQL's select_div_scale; when the
 * sums outgrow 128 bits it falls back to long double (≈18 digits, then
 * rounded to 15 significant digits — a documented deviation).
 *
 * State structs are packed with 8-byte alignment so callers need not align
 * state blocks to 16 bytes for the 128-bit fields.  Strings that must
 * outlive the input chunk (min/max of text, string_agg, array_agg) are
 * copied into AggCtx.arena.
 *
 * INTERFACE: func_register_agg_builtins
 */
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "func/func_internal.h"
#include "types/datetime.h"

#define PACKED __attribute__((packed, aligned(8)))
#define AV(v, T, i) (((const T *)(v)->data)[AIDX(v, i)])

static const i128 NUM_LIMIT = (i128)10000000000000000000ull * (i128)10000000000000000ull; /* 10^35 */

/* ---- count -------------------------------------------------------------- */

static void count_init(AggCtx *c, void *s) { *(i64 *)s = 0; }
static int count_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) (*(i64 *)states[i])++;
    return MDB_OK_;
}
/* count(x) registered non-strict would see NULLs; skip them defensively. */
static int count_any_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    if (args && args[0].nulls) {
        for (idx_t i = 0; i < count; i++)
            if (!ARG_NULL(&args[0], i)) (*(i64 *)states[i])++;
        return MDB_OK_;
    }
    return count_update(c, args, count, states);
}
static int count_combine(AggCtx *c, void *d, const void *s)
{
    *(i64 *)d += *(const i64 *)s;
    return MDB_OK_;
}
static int count_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    VEC(out, i64)[row] = *(i64 *)s;
    if (out->nulls) out->nulls[row] = 0;
    return MDB_OK_;
}

/* 128-bit running sums are read and written as two 64-bit halves.  A
 * 16-byte load right after the previous row's two 8-byte stores to the same
 * state (consecutive rows of one group) cannot be forwarded from the store
 * buffer and stalls; gcc emits exactly that for a plain i128 access to a
 * packed field. */
static inline i128 ld_i128(const void *p)
{
    u64 lo, hi;
    memcpy(&lo, p, 8);
    memcpy(&hi, (const u8 *)p + 8, 8);
    return (i128)(((unsigned __int128)hi << 64) | lo);
}
static inline void st_i128(void *p, i128 v)
{
    u64 lo = (u64)(unsigned __int128)v, hi = (u64)((unsigned __int128)v >> 64);
    memcpy(p, &lo, 8);
    memcpy((u8 *)p + 8, &hi, 8);
}

/* ---- sum / avg of small integers: i64 sum ------------------------------- */

typedef struct PACKED {
    i128 sum;
    i64 n;
} IntSum;

static void isum_init(AggCtx *c, void *s) { memset(s, 0, sizeof(IntSum)); }

#define ISUM_UPDATE(SUF, T)                                                      \
    static int isum_update_##SUF(AggCtx *c, Vector *args, idx_t count, void **states) \
    {                                                                            \
        for (idx_t i = 0; i < count; i++) {                                      \
            IntSum *st = states[i];                                              \
            st_i128(&st->sum, ld_i128(&st->sum) + AV(&args[0], T, i));          \
            st->n++;                                                             \
        }                                                                        \
        return MDB_OK_;                                                          \
    }
ISUM_UPDATE(i16, i16)
ISUM_UPDATE(i32, i32)
ISUM_UPDATE(i64, i64)

static int isum_combine(AggCtx *c, void *d, const void *s)
{
    IntSum *a = d;
    const IntSum *b = s;
    a->sum += b->sum;
    a->n += b->n;
    return MDB_OK_;
}
static int isum_final_i64(AggCtx *c, void *s, Vector *out, idx_t row)
{
    IntSum *st = s;
    if (!st->n) {
        vector_set_null(out, row, true);
        return MDB_OK_;
    }
    if (st->sum > INT64_MAX || st->sum < INT64_MIN) return err_set(c->err, "22003", "bigint out of range");
    VEC(out, i64)[row] = (i64)st->sum;
    vector_set_null(out, row, false);
    return MDB_OK_;
}
static int isum_final_num(AggCtx *c, void *s, Vector *out, idx_t row)
{
    IntSum *st = s;
    if (!st->n) {
        vector_set_null(out, row, true);
        return MDB_OK_;
    }
    if (numeric_from_i128(st->sum, 0, &VEC(out, Numeric)[row], c->err)) return MDB_FAIL;
    vector_set_null(out, row, false);
    return MDB_OK_;
}
static int iavg_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    IntSum *st = s;
    if (!st->n) {
        vector_set_null(out, row, true);
        return MDB_OK_;
    }
    Numeric sum;
    if (numeric_from_i128(st->sum, 0, &sum, c->err)) return MDB_FAIL;
    if (numeric_div(sum, numeric_from_int64(st->n), &VEC(out, Numeric)[row], c->err)) return MDB_FAIL;
    vector_set_null(out, row, false);
    return MDB_OK_;
}

/* ---- numeric sum / avg -------------------------------------------------- */

typedef struct PACKED {
    i128 coef; /* sum × 10^scale */
    i64 n;
    i32 scale;
    u8 special; /* NaN (1), Infinity (2), -Infinity (4) seen */
    u8 has_big; /* big holds a part of the sum */
    Numeric big; /* the part of the sum that left 128 bits (big values, overflowed sums) */
} NumSum;

/* Bit of NumSum.special for a special value. */
static u8 special_bit(Numeric v) { return numeric_is_nan(v) ? 1 : numeric_sign(v) > 0 ? 2 : 4; }

/* The sum when special values were seen: NaN, or an infinity (both infinities: NaN). */
static Numeric special_sum(u8 sp) { return (sp & 1) || (sp & 6) == 6 ? NUMERIC_NAN : (sp & 2) ? NUMERIC_PINF : NUMERIC_NINF; }

static void nsum_init(AggCtx *c, void *s) { memset(s, 0, sizeof(NumSum)); }

/* Adds the value v (any size) into the arbitrary-precision part of st. */
static int nsum_spill_value(Err *e, NumSum *st, Numeric v)
{
    Numeric r = v;
    if (st->has_big) {
        Numeric old = ld_i128(&st->big);
        if (numeric_add(old, v, &r, e)) return MDB_FAIL;
        numeric_release(old); /* the previous running sum: made here, seen by nobody else */
    } else if (numeric_is_big(v)) {
        /* keep a copy of our own (v belongs to the input), so that it can be released later */
        if (numeric_add(v, numeric_make(0, 0), &r, e)) return MDB_FAIL;
    }
    st_i128(&st->big, r);
    st->has_big = 1;
    return MDB_OK_;
}

/* Adds coef × 10^-scale into the arbitrary-precision part of st. */
static int nsum_spill(Err *e, NumSum *st, i128 coef, int scale)
{
    Numeric v;
    if (numeric_from_i128(coef, scale, &v, e)) return MDB_FAIL;
    int rc = nsum_spill_value(e, st, v);
    if (ld_i128(&st->big) != v) numeric_release(v);
    return rc;
}

/* Adds coef × 10^-scale into st; what overflows 128 bits moves to st->big. */
static int nsum_add(Err *e, NumSum *st, i128 coef, int scale)
{
    if (scale > st->scale) {
        i128 r = 0;
        if (st->coef && __builtin_mul_overflow(st->coef, numeric_pow10(scale - st->scale), &r)) {
            if (nsum_spill(e, st, st->coef, st->scale)) return MDB_FAIL;
            r = 0;
        }
        st->coef = st->coef ? r : 0;
        st->scale = scale;
    } else if (scale < st->scale) {
        i128 c2;
        if (__builtin_mul_overflow(coef, numeric_pow10(st->scale - scale), &c2)) return nsum_spill(e, st, coef, scale);
        coef = c2;
    }
    i128 sum;
    if (__builtin_add_overflow(st->coef, coef, &sum)) {
        if (nsum_spill(e, st, st->coef, st->scale)) return MDB_FAIL;
        sum = coef;
    }
    st->coef = sum;
    return MDB_OK_;
}

static int nsum_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) {
        NumSum *st = states[i];
        Numeric v = AV(&args[0], Numeric, i);
        i128 sum;
        st->n++;
        /* the usual case: the running sum already has the value's scale */
        if (MDB_LIKELY(numeric_scale(v) == st->scale && st->n > 1) &&
            !__builtin_add_overflow(ld_i128(&st->coef), numeric_coef(v), &sum)) {
            st_i128(&st->coef, sum);
            continue;
        }
        if (MDB_UNLIKELY(numeric_is_special(v))) {
            st->special |= special_bit(v);
            continue;
        }
        if (MDB_UNLIKELY(numeric_is_big(v))) {
            if (nsum_spill_value(c->err, st, v)) return MDB_FAIL;
            continue;
        }
        if (nsum_add(c->err, st, numeric_coef(v), numeric_scale(v))) return MDB_FAIL;
    }
    return MDB_OK_;
}
static int nsum_combine(AggCtx *c, void *d, const void *s)
{
    NumSum *a = d;
    const NumSum *b = s;
    if (!b->n) return MDB_OK_;
    if (nsum_add(c->err, a, b->coef, b->scale)) return MDB_FAIL;
    if (b->has_big && nsum_spill_value(c->err, a, ld_i128(&b->big))) return MDB_FAIL;
    a->n += b->n;
    a->special |= b->special;
    return MDB_OK_;
}
static int nsum_value(AggCtx *c, NumSum *st, Numeric *out)
{
    if (st->special) {
        *out = special_sum(st->special);
        return MDB_OK_;
    }
    if (MDB_LIKELY(!st->has_big && st->coef < NUM_LIMIT && st->coef > -NUM_LIMIT)) {
        *out = numeric_make(st->coef, st->scale);
        return MDB_OK_;
    }
    Numeric small;
    if (numeric_from_i128(st->coef, st->scale, &small, c->err)) return MDB_FAIL;
    if (!st->has_big) {
        *out = small;
        return MDB_OK_;
    }
    return numeric_add(ld_i128(&st->big), small, out, c->err);
}
static int nsum_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    NumSum *st = s;
    if (!st->n) {
        vector_set_null(out, row, true);
        return MDB_OK_;
    }
    if (nsum_value(c, st, &VEC(out, Numeric)[row])) return MDB_FAIL;
    vector_set_null(out, row, false);
    return MDB_OK_;
}
static int navg_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    NumSum *st = s;
    if (!st->n) {
        vector_set_null(out, row, true);
        return MDB_OK_;
    }
    Numeric sum = 0;
    if (nsum_value(c, st, &sum)) return MDB_FAIL;
    if (numeric_div(sum, numeric_from_int64(st->n), &VEC(out, Numeric)[row], c->err)) return MDB_FAIL;
    vector_set_null(out, row, false);
    return MDB_OK_;
}

/* ---- float sum / avg / variance (PG's float8_accum) --------------------- */

typedef struct {
    double n, sx, sxx;
} FloatAcc;

static void facc_init(AggCtx *c, void *s) { memset(s, 0, sizeof(FloatAcc)); }

static inline int facc_add(AggCtx *c, FloatAcc *st, double x)
{
    double n = st->n + 1.0, sx = st->sx + x, sxx = st->sxx;
    if (st->n > 0.0) {
        double tmp = x * n - sx;
        sxx += tmp * tmp / (n * st->n);
        if (isinf(sx) || isinf(sxx)) {
            if (!isinf(st->sx) && !isinf(x)) return func_float_overflow(c->err);
            sxx = NAN;
        }
    } else {
        /* first value: Sxx is NaN when x is Inf or NaN */
        if (isnan(x) || isinf(x)) sxx = NAN;
    }
    st->n = n;
    st->sx = sx;
    st->sxx = sxx;
    return MDB_OK_;
}

#define FACC_UPDATE(SUF, T)                                                        \
    static int facc_update_##SUF(AggCtx *c, Vector *args, idx_t count, void **states) \
    {                                                                              \
        for (idx_t i = 0; i < count; i++)                                          \
            if (facc_add(c, states[i], (double)AV(&args[0], T, i))) return MDB_FAIL; \
        return MDB_OK_;                                                            \
    }
FACC_UPDATE(f32, float)
FACC_UPDATE(f64, double)

static int facc_combine(AggCtx *c, void *d, const void *s)
{
    FloatAcc *a = d;
    const FloatAcc *b = s;
    if (b->n == 0.0) return MDB_OK_;
    if (a->n == 0.0) {
        *a = *b;
        return MDB_OK_;
    }
    double n = a->n + b->n, sx = a->sx + b->sx;
    if (isinf(sx) && !isinf(a->sx) && !isinf(b->sx)) return func_float_overflow(c->err);
    double tmp = a->sx / a->n - b->sx / b->n;
    double sxx = a->sxx + b->sxx + a->n * b->n * tmp * tmp / n;
    if (isinf(sxx) && !isinf(a->sxx) && !isinf(b->sxx)) return func_float_overflow(c->err);
    a->n = n;
    a->sx = sx;
    a->sxx = sxx;
    return MDB_OK_;
}

/* Plain float sums (no Sxx, so no spurious NaN from Inf inputs). */
typedef struct {
    double sum;
    i64 n;
} FloatSum;
static void fsum_init(AggCtx *c, void *s) { memset(s, 0, sizeof(FloatSum)); }
#define FSUM_UPDATE(SUF, T)                                                         \
    static int fsum_update_##SUF(AggCtx *c, Vector *args, idx_t count, void **states) \
    {                                                                               \
        for (idx_t i = 0; i < count; i++) {                                         \
            FloatSum *st = states[i];                                               \
            T x = AV(&args[0], T, i);                                               \
            T r = (T)st->sum + x;                                                   \
            if (MDB_UNLIKELY(isinf(r)) && !isinf((T)st->sum) && !isinf(x)) return func_float_overflow(c->err); \
            st->sum = r;                                                            \
            st->n++;                                                                \
        }                                                                           \
        return MDB_OK_;                                                             \
    }
FSUM_UPDATE(f32, float)
FSUM_UPDATE(f64, double)
static int fsum_combine(AggCtx *c, void *d, const void *s)
{
    FloatSum *a = d;
    const FloatSum *b = s;
    double r = a->sum + b->sum;
    if (isinf(r) && !isinf(a->sum) && !isinf(b->sum)) return func_float_overflow(c->err);
    a->sum = r;
    a->n += b->n;
    return MDB_OK_;
}
static int fsum_final_f32(AggCtx *c, void *s, Vector *out, idx_t row)
{
    FloatSum *st = s;
    vector_set_null(out, row, st->n == 0);
    if (st->n) VEC(out, float)[row] = (float)st->sum;
    return MDB_OK_;
}
static int fsum_final_f64(AggCtx *c, void *s, Vector *out, idx_t row)
{
    FloatSum *st = s;
    vector_set_null(out, row, st->n == 0);
    if (st->n) VEC(out, double)[row] = st->sum;
    return MDB_OK_;
}

enum { V_AVG, V_VAR_SAMP, V_VAR_POP, V_STD_SAMP, V_STD_POP };

static int facc_finish(AggCtx *c, void *s, Vector *out, idx_t row, int kind)
{
    FloatAcc *st = s;
    double r;
    bool null = false;
    switch (kind) {
    case V_AVG: null = st->n == 0; r = st->sx / st->n; break;
    case V_VAR_POP: null = st->n == 0; r = st->sxx / st->n; break;
    case V_STD_POP: null = st->n == 0; r = sqrt(st->sxx / st->n); break;
    case V_VAR_SAMP: null = st->n <= 1; r = st->sxx / (st->n - 1.0); break;
    default: null = st->n <= 1; r = sqrt(st->sxx / (st->n - 1.0)); break;
    }
    vector_set_null(out, row, null);
    if (!null) VEC(out, double)[row] = r;
    return MDB_OK_;
}
/* avg(float): PostgreSQL keeps Sxx for avg too, only to raise "value out of
 * range: overflow" when it overflows, and Sxx costs a division per row.  While
 * every input is within ±1e100, Sxx <= 4·N·1e200 < 1e219 cannot overflow, so
 * the state keeps N and Sx alone (the same additions as float8_accum, so the
 * same avg).  At the first value outside that range (or NaN) it goes on as
 * float8_accum with Sxx counted from 0: the part left out is below 1e219,
 * less than half a unit in the last place of any double near the overflow
 * threshold, so every overflow decision is PostgreSQL's. */
typedef struct {
    FloatAcc a; /* a.sxx is kept only when exact */
    bool exact;
} FloatAvg;

static void favg_init(AggCtx *c, void *s) { memset(s, 0, sizeof(FloatAvg)); }

#define FAVG_UPDATE(SUF, T)                                                         \
    static int favg_update_##SUF(AggCtx *c, Vector *args, idx_t count, void **states) \
    {                                                                               \
        for (idx_t i = 0; i < count; i++) {                                         \
            FloatAvg *st = states[i];                                               \
            double x = (double)AV(&args[0], T, i);                                  \
            if (MDB_LIKELY(!st->exact) && fabs(x) <= 1e100) {                       \
                st->a.n += 1.0;                                                     \
                st->a.sx += x;                                                      \
                continue;                                                           \
            }                                                                       \
            st->exact = true;                                                       \
            if (facc_add(c, &st->a, x)) return MDB_FAIL;                            \
        }                                                                           \
        return MDB_OK_;                                                             \
    }
FAVG_UPDATE(f32, float)
FAVG_UPDATE(f64, double)

static int favg_combine(AggCtx *c, void *d, const void *s)
{
    FloatAvg *a = d;
    const FloatAvg *b = s;
    if (!a->exact && !b->exact) {
        if (b->a.n == 0.0) return MDB_OK_;
        if (a->a.n == 0.0) {
            *a = *b;
            return MDB_OK_;
        }
        a->a.n += b->a.n;
        a->a.sx += b->a.sx;
        return MDB_OK_;
    }
    a->exact = true;
    return facc_combine(c, &a->a, &b->a);
}

static int favg_final(AggCtx *c, void *s, Vector *o, idx_t r) { return facc_finish(c, &((FloatAvg *)s)->a, o, r, V_AVG); }
static int fvar_samp_final(AggCtx *c, void *s, Vector *o, idx_t r) { return facc_finish(c, s, o, r, V_VAR_SAMP); }
static int fvar_pop_final(AggCtx *c, void *s, Vector *o, idx_t r) { return facc_finish(c, s, o, r, V_VAR_POP); }
static int fstd_samp_final(AggCtx *c, void *s, Vector *o, idx_t r) { return facc_finish(c, s, o, r, V_STD_SAMP); }
static int fstd_pop_final(AggCtx *c, void *s, Vector *o, idx_t r) { return facc_finish(c, s, o, r, V_STD_POP); }

/* ---- exact variance for integers and numeric ---------------------------- */

typedef struct PACKED {
    i128 sx;         /* Σx × 10^scale */
    i128 sx2;        /* Σx² × 10^(2·scale) */
    long double lsx; /* fallback sums */
    long double lsx2;
    i64 n;
    i32 scale;
    u8 ovf; /* exact sums overflowed: use the fallback */
    u8 special; /* NaN or an infinity seen: the result is NaN (PostgreSQL) */
} NumVar;

static void nvar_init(AggCtx *c, void *s) { memset(s, 0, sizeof(NumVar)); }

static void nvar_rescale(NumVar *st, int scale)
{
    if (scale <= st->scale) return;
    int d = scale - st->scale;
    if (!st->ovf) {
        i128 sx = st->sx, sx2 = st->sx2;
        if (d * 2 > 38 || __builtin_mul_overflow(sx, numeric_pow10(d), &sx) ||
            __builtin_mul_overflow(sx2, numeric_pow10(2 * d), &sx2))
            st->ovf = 1;
        st->sx = sx;
        st->sx2 = sx2;
    }
    st->scale = scale;
}

static void nvar_add(NumVar *st, i128 coef, int scale)
{
    long double x = (long double)coef / (long double)numeric_pow10(scale);
    st->lsx += x;
    st->lsx2 += x * x;
    st->n++;
    if (st->ovf) return;
    nvar_rescale(st, scale);
    if (st->ovf) return;
    int d = st->scale - scale;
    i128 c1, sq, sx = st->sx, sx2 = st->sx2;
    if (__builtin_mul_overflow(coef, numeric_pow10(d), &c1) || __builtin_mul_overflow(c1, c1, &sq) ||
        __builtin_add_overflow(sx, c1, &sx) || __builtin_add_overflow(sx2, sq, &sx2))
        st->ovf = 1;
    st->sx = sx;
    st->sx2 = sx2;
}

#define NVAR_UPDATE_INT(SUF, T)                                                     \
    static int nvar_update_##SUF(AggCtx *c, Vector *args, idx_t count, void **states) \
    {                                                                               \
        for (idx_t i = 0; i < count; i++) nvar_add(states[i], AV(&args[0], T, i), 0); \
        return MDB_OK_;                                                             \
    }
NVAR_UPDATE_INT(i16, i16)
NVAR_UPDATE_INT(i32, i32)
NVAR_UPDATE_INT(i64, i64)
static int nvar_update_num(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) {
        Numeric v = AV(&args[0], Numeric, i);
        if (MDB_UNLIKELY(numeric_is_special(v))) {
            NumVar *st = states[i];
            st->special = 1;
            st->n++;
            continue;
        }
        if (MDB_UNLIKELY(numeric_is_big(v))) {
            /* beyond 128 bits: only the long double sums (about 19 digits) */
            NumVar *st = states[i];
            long double x = (long double)numeric_to_double(v);
            st->lsx += x;
            st->lsx2 += x * x;
            st->n++;
            st->ovf = 1;
            continue;
        }
        nvar_add(states[i], numeric_coef(v), numeric_scale(v));
    }
    return MDB_OK_;
}
static int nvar_combine(AggCtx *c, void *d, const void *s)
{
    NumVar *a = d;
    NumVar b = *(const NumVar *)s;
    if (!b.n) return MDB_OK_;
    a->lsx += b.lsx;
    a->lsx2 += b.lsx2;
    a->n += b.n;
    a->special |= b.special;
    int scale = MDB_MAX(a->scale, b.scale);
    nvar_rescale(a, scale);
    nvar_rescale(&b, scale);
    a->ovf |= b.ovf;
    i128 sx = a->sx, sx2 = a->sx2;
    if (!a->ovf && (__builtin_add_overflow(sx, b.sx, &sx) || __builtin_add_overflow(sx2, b.sx2, &sx2))) a->ovf = 1;
    a->sx = sx;
    a->sx2 = sx2;
    return MDB_OK_;
}

static int nvar_finish(AggCtx *c, void *s, Vector *out, idx_t row, int kind)
{
    NumVar *st = s;
    bool samp = kind == V_VAR_SAMP || kind == V_STD_SAMP;
    bool is_std = kind == V_STD_SAMP || kind == V_STD_POP;
    if (st->n == 0 || (samp && st->n == 1)) {
        vector_set_null(out, row, true);
        return MDB_OK_;
    }
    vector_set_null(out, row, false);
    Numeric *R = &VEC(out, Numeric)[row];
    if (st->special) {
        *R = NUMERIC_NAN;
        return MDB_OK_;
    }
    i128 n = st->n, num, t1, t2, den = samp ? n * (n - 1) : n * n;
    bool exact = !st->ovf && 2 * st->scale <= NUMERIC_MAX_SCALE && !__builtin_mul_overflow(n, st->sx2, &t1) &&
                 !__builtin_mul_overflow(st->sx, st->sx, &t2) && !__builtin_sub_overflow(t1, t2, &num) &&
                 num < NUM_LIMIT && den < NUM_LIMIT;
    if (exact) {
        if (num <= 0) {
            *R = numeric_make(0, 0);
            return MDB_OK_;
        }
        Numeric var;
        if (numeric_div(numeric_make(num, 2 * st->scale), numeric_make(den, 0), &var, c->err)) return MDB_FAIL;
        if (!is_std) {
            *R = var;
            return MDB_OK_;
        }
        Numeric sq;
        if (numeric_sqrt(var, &sq, c->err)) return MDB_FAIL;
        return numeric_rescale(sq, numeric_scale(var), R, c->err);
    }
    long double ln = (long double)st->n;
    long double v = (ln * st->lsx2 - st->lsx * st->lsx) / (samp ? ln * (ln - 1) : ln * ln);
    if (v < 0) v = 0;
    double r = (double)(is_std ? sqrtl(v) : v);
    return numeric_from_double(r, R, c->err);
}
static int nvar_samp_final(AggCtx *c, void *s, Vector *o, idx_t r) { return nvar_finish(c, s, o, r, V_VAR_SAMP); }
static int nvar_pop_final(AggCtx *c, void *s, Vector *o, idx_t r) { return nvar_finish(c, s, o, r, V_VAR_POP); }
static int nstd_samp_final(AggCtx *c, void *s, Vector *o, idx_t r) { return nvar_finish(c, s, o, r, V_STD_SAMP); }
static int nstd_pop_final(AggCtx *c, void *s, Vector *o, idx_t r) { return nvar_finish(c, s, o, r, V_STD_POP); }

/* ---- interval sum / avg ------------------------------------------------- */

typedef struct {
    Interval sum;
    i64 n;
} IvalSum;
static void ivsum_init(AggCtx *c, void *s) { memset(s, 0, sizeof(IvalSum)); }
static int ival_add(Err *e, Interval *a, const Interval *b)
{
    if (__builtin_add_overflow(a->micros, b->micros, &a->micros) || __builtin_add_overflow(a->days, b->days, &a->days) ||
        __builtin_add_overflow(a->months, b->months, &a->months))
        return err_set(e, "22008", "interval out of range");
    return MDB_OK_;
}
static int ivsum_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) {
        IvalSum *st = states[i];
        if (ival_add(c->err, &st->sum, &AV(&args[0], Interval, i))) return MDB_FAIL;
        st->n++;
    }
    return MDB_OK_;
}
static int ivsum_combine(AggCtx *c, void *d, const void *s)
{
    IvalSum *a = d;
    const IvalSum *b = s;
    if (ival_add(c->err, &a->sum, &b->sum)) return MDB_FAIL;
    a->n += b->n;
    return MDB_OK_;
}
static int ivsum_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    IvalSum *st = s;
    vector_set_null(out, row, st->n == 0);
    if (st->n) VEC(out, Interval)[row] = st->sum;
    return MDB_OK_;
}
static int ivavg_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    IvalSum *st = s;
    vector_set_null(out, row, st->n == 0);
    if (st->n) return interval_div(&st->sum, (double)st->n, &VEC(out, Interval)[row], c->err);
    return MDB_OK_;
}

/* ---- min / max of fixed-width types ------------------------------------- */

static inline int cmp_f64(double a, double b)
{
    if (MDB_UNLIKELY(isnan(a) || isnan(b))) return (int)(isnan(a) != 0) - (int)(isnan(b) != 0);
    return (a > b) - (a < b);
}
static inline int cmp_ival(const Interval *a, const Interval *b)
{
    i128 sa = (i128)a->months * 30 * USECS_PER_DAY + (i128)a->days * USECS_PER_DAY + a->micros;
    i128 sb = (i128)b->months * 30 * USECS_PER_DAY + (i128)b->days * USECS_PER_DAY + b->micros;
    return (sa > sb) - (sa < sb);
}

#define CMP_PLAIN(a, b) (((a) > (b)) - ((a) < (b)))
#define CMP_FLOAT(a, b) cmp_f64((double)(a), (double)(b))
#define CMP_NUM(a, b) numeric_cmp((a), (b))
#define CMP_IVAL(a, b) cmp_ival(&(a), &(b))

#define MINMAX(SUF, T, CMP)                                                             \
    typedef struct PACKED {                                                             \
        T v;                                                                            \
        u8 has;                                                                         \
    } MM_##SUF;                                                                         \
    static void mm_init_##SUF(AggCtx *c, void *s) { memset(s, 0, sizeof(MM_##SUF)); }   \
    static int min_update_##SUF(AggCtx *c, Vector *args, idx_t count, void **states)    \
    {                                                                                   \
        for (idx_t i = 0; i < count; i++) {                                             \
            MM_##SUF *st = states[i];                                                   \
            T x = AV(&args[0], T, i);                                                   \
            if (!st->has || CMP(x, st->v) < 0) st->v = x;                               \
            st->has = 1;                                                                \
        }                                                                               \
        return MDB_OK_;                                                                 \
    }                                                                                   \
    static int max_update_##SUF(AggCtx *c, Vector *args, idx_t count, void **states)    \
    {                                                                                   \
        for (idx_t i = 0; i < count; i++) {                                             \
            MM_##SUF *st = states[i];                                                   \
            T x = AV(&args[0], T, i);                                                   \
            if (!st->has || CMP(x, st->v) > 0) st->v = x;                               \
            st->has = 1;                                                                \
        }                                                                               \
        return MDB_OK_;                                                                 \
    }                                                                                   \
    static int min_combine_##SUF(AggCtx *c, void *d, const void *s)                     \
    {                                                                                   \
        MM_##SUF *a = d;                                                                \
        const MM_##SUF *b = s;                                                          \
        if (b->has && (!a->has || CMP(b->v, a->v) < 0)) *a = *b;                        \
        return MDB_OK_;                                                                 \
    }                                                                                   \
    static int max_combine_##SUF(AggCtx *c, void *d, const void *s)                     \
    {                                                                                   \
        MM_##SUF *a = d;                                                                \
        const MM_##SUF *b = s;                                                          \
        if (b->has && (!a->has || CMP(b->v, a->v) > 0)) *a = *b;                        \
        return MDB_OK_;                                                                 \
    }                                                                                   \
    static int mm_final_##SUF(AggCtx *c, void *s, Vector *out, idx_t row)               \
    {                                                                                   \
        MM_##SUF *st = s;                                                               \
        vector_set_null(out, row, !st->has);                                            \
        if (st->has) VEC(out, T)[row] = st->v;                                          \
        return MDB_OK_;                                                                 \
    }

MINMAX(bool, u8, CMP_PLAIN)
MINMAX(i16, i16, CMP_PLAIN)
MINMAX(i32, i32, CMP_PLAIN)
MINMAX(i64, i64, CMP_PLAIN)
MINMAX(f32, float, CMP_FLOAT)
MINMAX(f64, double, CMP_FLOAT)
MINMAX(num, Numeric, CMP_NUM)
MINMAX(ival, Interval, CMP_IVAL)

/* ---- min / max of text -------------------------------------------------- */

typedef struct {
    Str s;     /* points into buf when long */
    char *buf; /* owned copy in AggCtx.arena */
    u32 cap;
    u8 has;
} MMText;

static void mmt_init(AggCtx *c, void *s) { memset(s, 0, sizeof(MMText)); }
static void mmt_set(AggCtx *c, MMText *st, const Str *x)
{
    if (x->len <= STR_INLINE) {
        st->s = *x;
    } else {
        if (x->len > st->cap) {
            st->cap = MDB_MAX(x->len, st->cap * 2);
            st->buf = arena_alloc(c->arena, st->cap);
        }
        memcpy(st->buf, x->u.ptr, x->len);
        st->s = str_make(st->buf, x->len);
    }
    st->has = 1;
}
static int mint_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) {
        MMText *st = states[i];
        const Str *x = &AV(&args[0], Str, i);
        if (!st->has || str_cmp(x, &st->s) < 0) mmt_set(c, st, x);
    }
    return MDB_OK_;
}
static int maxt_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) {
        MMText *st = states[i];
        const Str *x = &AV(&args[0], Str, i);
        if (!st->has || str_cmp(x, &st->s) > 0) mmt_set(c, st, x);
    }
    return MDB_OK_;
}
static int mint_combine(AggCtx *c, void *d, const void *s)
{
    MMText *a = d;
    const MMText *b = s;
    if (b->has && (!a->has || str_cmp(&b->s, &a->s) < 0)) mmt_set(c, a, &b->s);
    return MDB_OK_;
}
static int maxt_combine(AggCtx *c, void *d, const void *s)
{
    MMText *a = d;
    const MMText *b = s;
    if (b->has && (!a->has || str_cmp(&b->s, &a->s) > 0)) mmt_set(c, a, &b->s);
    return MDB_OK_;
}
static int mmt_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    MMText *st = s;
    vector_set_null(out, row, !st->has);
    if (st->has) out_str(out, row, str_data(&st->s), st->s.len);
    return MDB_OK_;
}

/* ---- bool_and / bool_or ------------------------------------------------- */

typedef struct {
    u8 v;
    u8 has;
} BoolAcc;
static void band_init(AggCtx *c, void *s) { ((BoolAcc *)s)->v = 1, ((BoolAcc *)s)->has = 0; }
static void bor_init(AggCtx *c, void *s) { ((BoolAcc *)s)->v = 0, ((BoolAcc *)s)->has = 0; }
static int band_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) {
        BoolAcc *st = states[i];
        st->v &= AV(&args[0], u8, i) != 0;
        st->has = 1;
    }
    return MDB_OK_;
}
static int bor_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) {
        BoolAcc *st = states[i];
        st->v |= AV(&args[0], u8, i) != 0;
        st->has = 1;
    }
    return MDB_OK_;
}
static int band_combine(AggCtx *c, void *d, const void *s)
{
    BoolAcc *a = d;
    const BoolAcc *b = s;
    if (b->has) a->v = a->has ? (a->v & b->v) : b->v, a->has = 1;
    return MDB_OK_;
}
static int bor_combine(AggCtx *c, void *d, const void *s)
{
    BoolAcc *a = d;
    const BoolAcc *b = s;
    if (b->has) a->v = a->has ? (a->v | b->v) : b->v, a->has = 1;
    return MDB_OK_;
}
static int bool_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    BoolAcc *st = s;
    vector_set_null(out, row, !st->has);
    if (st->has) out->data[row] = st->v;
    return MDB_OK_;
}

/* ---- string_agg / array_agg: a growable buffer in AggCtx.arena ---------- */

typedef struct {
    char *buf;
    u32 len, cap;
    i64 n; /* values appended */
} StrAcc;

static void sacc_init(AggCtx *c, void *s) { memset(s, 0, sizeof(StrAcc)); }
static void sacc_append(AggCtx *c, StrAcc *st, const char *p, size_t n)
{
    if (st->len + n > st->cap) {
        size_t cap = MDB_MAX((size_t)st->cap * 2, st->len + n);
        if (cap < 32) cap = 32;
        char *nb = arena_alloc(c->arena, cap);
        if (st->len) memcpy(nb, st->buf, st->len);
        st->buf = nb;
        st->cap = (u32)cap;
    }
    if (n) memcpy(st->buf + st->len, p, n);
    st->len += (u32)n;
}

/* string_agg: every value is stored with its own delimiter in front (PG
 * takes the delimiter from the row being added); the first value's
 * delimiter is skipped at finalize, so combining two states is a plain
 * append.  NULL values are skipped, a NULL delimiter counts as ''. */
typedef struct {
    StrAcc acc;
    u32 first_delim; /* length of the delimiter stored before the first value */
} StrAggAcc;

static void sagg_init(AggCtx *c, void *s) { memset(s, 0, sizeof(StrAggAcc)); }
static int sagg2_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    for (idx_t i = 0; i < count; i++) {
        if (ARG_NULL(&args[0], i)) continue;
        StrAggAcc *st = states[i];
        const Str *d = ARG_NULL(&args[1], i) ? NULL : &AV(&args[1], Str, i);
        if (d) sacc_append(c, &st->acc, str_data(d), d->len);
        if (!st->acc.n) st->first_delim = d ? d->len : 0;
        const Str *x = &AV(&args[0], Str, i);
        sacc_append(c, &st->acc, str_data(x), x->len);
        st->acc.n++;
    }
    return MDB_OK_;
}
static int sagg_combine(AggCtx *c, void *d, const void *s)
{
    StrAggAcc *a = d;
    const StrAggAcc *b = s;
    if (!b->acc.n) return MDB_OK_;
    if (!a->acc.n) a->first_delim = b->first_delim;
    sacc_append(c, &a->acc, b->acc.buf, b->acc.len);
    a->acc.n += b->acc.n;
    return MDB_OK_;
}
static int sagg_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    StrAggAcc *st = s;
    vector_set_null(out, row, st->acc.n == 0);
    if (st->acc.n) out_str(out, row, st->acc.buf + st->first_delim, st->acc.len - st->first_delim);
    return MDB_OK_;
}

/* array_agg: the PostgreSQL array text form, elements separated by ',' and
 * the braces added at finalize. */
static void array_elem_append(AggCtx *c, StrAcc *st, const char *p, size_t n)
{
    bool quote = n == 0 || (n == 4 && strncasecmp(p, "null", 4) == 0);
    for (size_t k = 0; k < n && !quote; k++) {
        char ch = p[k];
        quote = ch == '{' || ch == '}' || ch == ',' || ch == '"' || ch == '\\' || ch == ' ' || ch == '\t' ||
                ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
    }
    if (!quote) {
        sacc_append(c, st, p, n);
        return;
    }
    sacc_append(c, st, "\"", 1);
    size_t start = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '"' || p[k] == '\\') {
            sacc_append(c, st, p + start, k - start);
            sacc_append(c, st, "\\", 1);
            start = k;
        }
    }
    sacc_append(c, st, p + start, n - start);
    sacc_append(c, st, "\"", 1);
}

static int aagg_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    Arena *tmp = NULL;
    for (idx_t i = 0; i < count; i++) {
        StrAcc *st = states[i];
        if (st->n) sacc_append(c, st, ",", 1);
        st->n++;
        if (ARG_NULL(&args[0], i)) {
            sacc_append(c, st, "NULL", 4);
            continue;
        }
        TypeId t = (TypeId)args[0].type.id;
        if (t == TYPE_TEXT) {
            const Str *x = &AV(&args[0], Str, i);
            array_elem_append(c, st, str_data(x), x->len);
            continue;
        }
        if (!tmp) tmp = arena_create(NULL);
        Str x = func_value_text(NULL, &args[0], AIDX(&args[0], i), tmp);
        if (t == TYPE_LIST) sacc_append(c, st, str_data(&x), x.len); /* nested arrays stay unquoted */
        else array_elem_append(c, st, str_data(&x), x.len);
    }
    if (tmp) arena_destroy(tmp);
    return MDB_OK_;
}
static int aagg_combine(AggCtx *c, void *d, const void *s)
{
    StrAcc *a = d;
    const StrAcc *b = s;
    if (!b->n) return MDB_OK_;
    if (a->n) sacc_append(c, a, ",", 1);
    sacc_append(c, a, b->buf, b->len);
    a->n += b->n;
    return MDB_OK_;
}
static int aagg_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    StrAcc *st = s;
    vector_set_null(out, row, st->n == 0);
    if (!st->n) return MDB_OK_;
    char *p = arena_alloc(out->heap, st->len + 2);
    p[0] = '{';
    memcpy(p + 1, st->buf, st->len);
    p[st->len + 1] = '}';
    STRS(out)[row] = str_make(p, st->len + 2);
    return MDB_OK_;
}

/* ---- registration ------------------------------------------------------- */

/* ---- ordered-set aggregates: percentile_cont, percentile_disc, mode ---------
 * `f(frac) WITHIN GROUP (ORDER BY x [DESC])` is bound (src/binder) as f(x, frac::float8, desc)
 * (mode: f(x, desc)).  The state collects the non-NULL values in AggCtx.arena; the final
 * step sorts them, so neither the input order nor combining matters. */

typedef struct {
    Value *v;
    i64 n, cap;
    double frac;
    bool desc;
} OrdSet;

static void oset_init(AggCtx *c, void *s) { memset(s, 0, sizeof(OrdSet)); }

static bool oset_type_ok(TypeId t)
{
    switch (t) {
    case TYPE_INT16: case TYPE_INT32: case TYPE_INT64: case TYPE_FLOAT32: case TYPE_FLOAT64: case TYPE_NUMERIC:
    case TYPE_TEXT: case TYPE_DATE: case TYPE_TIME: case TYPE_TIMESTAMP: case TYPE_TIMESTAMPTZ: case TYPE_BOOL:
    case TYPE_INTERVAL: case TYPE_UUID: return true;
    default: return false;
    }
}

static int oset_cmp(const Value *a, const Value *b)
{
    switch ((TypeId)a->type.id) {
    case TYPE_FLOAT32: case TYPE_FLOAT64: /* NaN sorts last, as in PostgreSQL */
        if (isnan(a->u.f) || isnan(b->u.f)) return isnan(a->u.f) - isnan(b->u.f);
        return (a->u.f > b->u.f) - (a->u.f < b->u.f);
    case TYPE_NUMERIC: return numeric_cmp(a->u.num, b->u.num);
    case TYPE_TEXT: return str_cmp(&a->u.s, &b->u.s);
    case TYPE_BOOL: return (int)a->u.b - (int)b->u.b;
    case TYPE_INTERVAL: return interval_cmp((const Interval *)a->u.raw, (const Interval *)b->u.raw);
    case TYPE_UUID: return memcmp(a->u.raw, b->u.raw, 16);
    default: return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    }
}

static int oset_qcmp(const void *x, const void *y) { return oset_cmp(x, y); }
static int oset_qcmp_desc(const void *x, const void *y) { return oset_cmp(y, x); }

static int oset_update(AggCtx *c, Vector *args, idx_t count, void **states)
{
    TypeId t = (TypeId)args[0].type.id;
    if (!oset_type_ok(t)) {
        char tb[64];
        return err_set(c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "%s() WITHIN GROUP is not supported for type %s yet", c->fn->name,
                       type_name(args[0].type, tb, sizeof tb));
    }
    int dk = c->fn->nargs - 1; /* the DESC flag's argument */
    for (idx_t i = 0; i < count; i++) {
        OrdSet *st = states[i];
        if (dk == 2) {
            if (ARG_NULL(&args[1], i)) continue; /* a NULL fraction: the result is NULL */
            double fr = AV(&args[1], double, i);
            if (!(fr >= 0 && fr <= 1)) return err_set(c->err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "percentile value %g is not between 0 and 1", fr);
            st->frac = fr;
        }
        st->desc = AV(&args[dk], bool, i);
        if (ARG_NULL(&args[0], i)) continue;
        if (st->n == st->cap) {
            i64 cap = st->cap ? st->cap * 2 : 16;
            Value *nv = arena_alloc(c->arena, sizeof(Value) * (size_t)cap);
            if (st->n) memcpy(nv, st->v, sizeof(Value) * (size_t)st->n);
            st->v = nv;
            st->cap = cap;
        }
        Value v = vector_get(&args[0], AIDX(&args[0], i));
        if (t == TYPE_TEXT) v.u.s = str_copy(c->arena, str_data(&v.u.s), v.u.s.len);
        st->v[st->n++] = v;
    }
    return MDB_OK_;
}

static int oset_combine(AggCtx *c, void *d, const void *s)
{
    OrdSet *a = d;
    const OrdSet *b = s;
    for (i64 k = 0; k < b->n; k++) {
        if (a->n == a->cap) {
            i64 cap = a->cap ? a->cap * 2 : 16;
            Value *nv = arena_alloc(c->arena, sizeof(Value) * (size_t)cap);
            if (a->n) memcpy(nv, a->v, sizeof(Value) * (size_t)a->n);
            a->v = nv;
            a->cap = cap;
        }
        a->v[a->n++] = b->v[k];
    }
    if (b->n) {
        a->frac = b->frac;
        a->desc = b->desc;
    }
    return MDB_OK_;
}

static void oset_sort(OrdSet *st) { qsort(st->v, (size_t)st->n, sizeof(Value), st->desc ? oset_qcmp_desc : oset_qcmp); }

static double oset_double(const Value *v)
{
    switch ((TypeId)v->type.id) {
    case TYPE_FLOAT32: case TYPE_FLOAT64: return v->u.f;
    case TYPE_NUMERIC: return numeric_to_double(v->u.num);
    default: return (double)v->u.i;
    }
}

/* percentile_cont: linear interpolation between the two values around frac × (n - 1) */
static int pcont_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    OrdSet *st = s;
    vector_set_null(out, row, st->n == 0);
    if (!st->n) return MDB_OK_;
    oset_sort(st);
    double pos = st->frac * (double)(st->n - 1);
    i64 lo = (i64)floor(pos), hi = (i64)ceil(pos);
    double a = oset_double(&st->v[lo]), b = oset_double(&st->v[hi]);
    VEC(out, double)[row] = lo == hi ? a : a + (pos - (double)lo) * (b - a);
    return MDB_OK_;
}

/* percentile_disc: the first value whose position reaches frac of the rows */
static int pdisc_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    OrdSet *st = s;
    if (!st->n) {
        vector_set_null(out, row, true);
        return MDB_OK_;
    }
    oset_sort(st);
    i64 k = (i64)ceil(st->frac * (double)st->n);
    if (k < 1) k = 1;
    if (k > st->n) k = st->n;
    vector_set(out, row, &st->v[k - 1]);
    return MDB_OK_;
}

/* mode: the most frequent value; among equally frequent ones the first in the sort order */
static int mode_final(AggCtx *c, void *s, Vector *out, idx_t row)
{
    OrdSet *st = s;
    if (!st->n) {
        vector_set_null(out, row, true);
        return MDB_OK_;
    }
    oset_sort(st);
    i64 best = 0, best_n = 0;
    for (i64 k = 0; k < st->n;) {
        i64 e = k + 1;
        while (e < st->n && oset_cmp(&st->v[k], &st->v[e]) == 0) e++;
        if (e - k > best_n) best = k, best_n = e - k;
        k = e;
    }
    vector_set(out, row, &st->v[best]);
    return MDB_OK_;
}

#define AGG(NAME, NA, ARG, RET, FL, ST, I, U, C, F) {NAME, NA, ARG, RET, FL, (u16)sizeof(ST), I, U, C, F}

#define MM_REG(T, SUF)                                                                        \
    AGG("min", 1, T, T, 0, MM_##SUF, mm_init_##SUF, min_update_##SUF, min_combine_##SUF, mm_final_##SUF), \
        AGG("max", 1, T, T, 0, MM_##SUF, mm_init_##SUF, max_update_##SUF, max_combine_##SUF, mm_final_##SUF)

#define VAR_REG(NAME, FFIN, NFIN)                                                                        \
    AGG(NAME, 1, TYPE_INT16, TYPE_NUMERIC, 0, NumVar, nvar_init, nvar_update_i16, nvar_combine, NFIN),   \
        AGG(NAME, 1, TYPE_INT32, TYPE_NUMERIC, 0, NumVar, nvar_init, nvar_update_i32, nvar_combine, NFIN), \
        AGG(NAME, 1, TYPE_INT64, TYPE_NUMERIC, 0, NumVar, nvar_init, nvar_update_i64, nvar_combine, NFIN), \
        AGG(NAME, 1, TYPE_NUMERIC, TYPE_NUMERIC, 0, NumVar, nvar_init, nvar_update_num, nvar_combine, NFIN), \
        AGG(NAME, 1, TYPE_FLOAT32, TYPE_FLOAT64, 0, FloatAcc, facc_init, facc_update_f32, facc_combine, FFIN), \
        AGG(NAME, 1, TYPE_FLOAT64, TYPE_FLOAT64, 0, FloatAcc, facc_init, facc_update_f64, facc_combine, FFIN)

static const AggFunc AGGS[] = {
    AGG("count_star", 0, TYPE_NULL, TYPE_INT64, FUNC_NOT_STRICT, i64, count_init, count_update, count_combine, count_final),
    AGG("count", 0, TYPE_NULL, TYPE_INT64, FUNC_NOT_STRICT, i64, count_init, count_update, count_combine, count_final),
    AGG("count", 1, ARG_ANY, TYPE_INT64, 0, i64, count_init, count_any_update, count_combine, count_final),

    AGG("sum", 1, TYPE_INT16, TYPE_INT64, 0, IntSum, isum_init, isum_update_i16, isum_combine, isum_final_i64),
    AGG("sum", 1, TYPE_INT32, TYPE_INT64, 0, IntSum, isum_init, isum_update_i32, isum_combine, isum_final_i64),
    AGG("sum", 1, TYPE_INT64, TYPE_NUMERIC, 0, IntSum, isum_init, isum_update_i64, isum_combine, isum_final_num),
    AGG("sum", 1, TYPE_NUMERIC, TYPE_NUMERIC, 0, NumSum, nsum_init, nsum_update, nsum_combine, nsum_final),
    AGG("sum", 1, TYPE_FLOAT32, TYPE_FLOAT32, 0, FloatSum, fsum_init, fsum_update_f32, fsum_combine, fsum_final_f32),
    AGG("sum", 1, TYPE_FLOAT64, TYPE_FLOAT64, 0, FloatSum, fsum_init, fsum_update_f64, fsum_combine, fsum_final_f64),
    AGG("sum", 1, TYPE_INTERVAL, TYPE_INTERVAL, 0, IvalSum, ivsum_init, ivsum_update, ivsum_combine, ivsum_final),

    AGG("avg", 1, TYPE_INT16, TYPE_NUMERIC, 0, IntSum, isum_init, isum_update_i16, isum_combine, iavg_final),
    AGG("avg", 1, TYPE_INT32, TYPE_NUMERIC, 0, IntSum, isum_init, isum_update_i32, isum_combine, iavg_final),
    AGG("avg", 1, TYPE_INT64, TYPE_NUMERIC, 0, IntSum, isum_init, isum_update_i64, isum_combine, iavg_final),
    AGG("avg", 1, TYPE_NUMERIC, TYPE_NUMERIC, 0, NumSum, nsum_init, nsum_update, nsum_combine, navg_final),
    AGG("avg", 1, TYPE_FLOAT32, TYPE_FLOAT64, 0, FloatAvg, favg_init, favg_update_f32, favg_combine, favg_final),
    AGG("avg", 1, TYPE_FLOAT64, TYPE_FLOAT64, 0, FloatAvg, favg_init, favg_update_f64, favg_combine, favg_final),
    AGG("avg", 1, TYPE_INTERVAL, TYPE_INTERVAL, 0, IvalSum, ivsum_init, ivsum_update, ivsum_combine, ivavg_final),

    MM_REG(TYPE_INT16, i16),
    MM_REG(TYPE_INT32, i32),
    MM_REG(TYPE_INT64, i64),
    MM_REG(TYPE_NUMERIC, num),
    MM_REG(TYPE_FLOAT32, f32),
    MM_REG(TYPE_FLOAT64, f64),
    MM_REG(TYPE_DATE, i32),
    MM_REG(TYPE_TIME, i64),
    MM_REG(TYPE_TIMESTAMP, i64),
    MM_REG(TYPE_TIMESTAMPTZ, i64),
    MM_REG(TYPE_INTERVAL, ival),
    MM_REG(TYPE_BOOL, bool),
    AGG("min", 1, TYPE_TEXT, TYPE_TEXT, 0, MMText, mmt_init, mint_update, mint_combine, mmt_final),
    AGG("max", 1, TYPE_TEXT, TYPE_TEXT, 0, MMText, mmt_init, maxt_update, maxt_combine, mmt_final),

    AGG("bool_and", 1, TYPE_BOOL, TYPE_BOOL, 0, BoolAcc, band_init, band_update, band_combine, bool_final),
    AGG("every", 1, TYPE_BOOL, TYPE_BOOL, 0, BoolAcc, band_init, band_update, band_combine, bool_final),
    AGG("bool_or", 1, TYPE_BOOL, TYPE_BOOL, 0, BoolAcc, bor_init, bor_update, bor_combine, bool_final),

    AGG("string_agg", 2, TYPE_TEXT, TYPE_TEXT, FUNC_NOT_STRICT, StrAggAcc, sagg_init, sagg2_update, sagg_combine, sagg_final),
    AGG("array_agg", 1, ARG_ANY, TYPE_LIST, FUNC_NOT_STRICT, StrAcc, sacc_init, aagg_update, aagg_combine, aagg_final),
    /* ordered-set aggregates; NOT_STRICT: the update skips NULL values itself but still reads the fraction */
    AGG("percentile_cont", 3, TYPE_FLOAT64, TYPE_FLOAT64, FUNC_NOT_STRICT, OrdSet, oset_init, oset_update, oset_combine, pcont_final),
    AGG("percentile_disc", 3, ARG_ANY, RET_ARG0, FUNC_NOT_STRICT, OrdSet, oset_init, oset_update, oset_combine, pdisc_final),
    AGG("mode", 2, ARG_ANY, RET_ARG0, FUNC_NOT_STRICT, OrdSet, oset_init, oset_update, oset_combine, mode_final),

    VAR_REG("variance", fvar_samp_final, nvar_samp_final),
    VAR_REG("var_samp", fvar_samp_final, nvar_samp_final),
    VAR_REG("var_pop", fvar_pop_final, nvar_pop_final),
    VAR_REG("stddev", fstd_samp_final, nstd_samp_final),
    VAR_REG("stddev_samp", fstd_samp_final, nstd_samp_final),
    VAR_REG("stddev_pop", fstd_pop_final, nstd_pop_final),
};

void func_register_agg_builtins(void) { func_register_agg(AGGS, MDB_ARRAY_LEN(AGGS)); }
