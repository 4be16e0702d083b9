/*
 * src/types/numeric.c — NUMERIC arithmetic on 128-bit scaled integers.
 *
 * Every operation computes its exact (or, for division and roots, truncated
 * plus one guard digit) result as an unsigned 256-bit magnitude with a sign
 * and a scale, then hands it to fit_wide(), the single place that rounds
 * half away from zero down to at most 35 significant digits and 35 scale
 * digits, or reports overflow.  Truncation composes (trunc(trunc(x)/10) =
 * trunc(x/10)) and half-away-from-zero rounding depends only on the first
 * dropped digit, so rounding a truncated guard-digit result is exact.
 *
 * Hot paths (same-scale add/sub, small products, comparisons) stay in native
 * 128-bit arithmetic; the 256-bit helpers run only when a value needs it.
 * See numeric.h for the contract and src/types/README.md for deviations
 * from PostgreSQL.
 */
#include "types/numeric.h"
#include "types/numeric_big.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MIN_SIG_DIGITS 16 /* PG's NUMERIC_MIN_SIG_DIGITS */

static const char OVERFLOW_MSG[] = "value overflows numeric format";

#define NEED_BIG NUMERIC_NEED_BIG
#define ANY_BIG(a, b) MDB_UNLIKELY(((u8)(a) == NUMERIC_TAG_BIG) | ((u8)(b) == NUMERIC_TAG_BIG))

/* ---------------------------------------------------------------------------
 * Powers of ten and digit counts
 * ------------------------------------------------------------------------- */

i128 numeric_pow10_tab[39];
const i64 numeric_pow10_i64[19] = {1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
                                   1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
                                   100000000000000LL, 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
                                   1000000000000000000LL};

/* Filled before main (and so before any thread): numeric_pow10 is an inline
 * table lookup on the arithmetic kernels' hot paths. */
__attribute__((constructor)) static void pow10_init(void)
{
    i128 p = 1;
    for (int i = 0; i <= 38; i++) {
        numeric_pow10_tab[i] = p;
        if (i < 38) p *= 10;
    }
}

#define P10(n) ((u128)numeric_pow10(n))

/* Decimal digits of x (0 has 1 digit). */
static int digits_u128(u128 x)
{
    int lo = 1;
    /* ≥ 10^38 only for values above numeric's range, checked separately */
    if (x >= P10(38)) return 39;
    while (lo < 39 && x >= P10(lo)) lo++;
    return lo;
}

static u128 uabs128(i128 x) { return x < 0 ? (u128)0 - (u128)x : (u128)x; }

/* ---------------------------------------------------------------------------
 * 256-bit unsigned helpers (four 64-bit limbs, little endian)
 * ------------------------------------------------------------------------- */

typedef struct U256 {
    u64 w[4];
} U256;

static U256 u256_from(u128 x)
{
    U256 r = {{(u64)x, (u64)(x >> 64), 0, 0}};
    return r;
}

static bool u256_fits128(const U256 *a) { return a->w[2] == 0 && a->w[3] == 0; }
static u128 u256_lo(const U256 *a) { return ((u128)a->w[1] << 64) | a->w[0]; }
static bool u256_is_zero(const U256 *a) { return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]); }

static int u256_cmp(const U256 *a, const U256 *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

static U256 u256_add(U256 a, const U256 *b)
{
    u64 carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 s = (u128)a.w[i] + b->w[i] + carry;
        a.w[i] = (u64)s;
        carry = (u64)(s >> 64);
    }
    return a;
}

/* a - b, a >= b */
static U256 u256_sub(U256 a, const U256 *b)
{
    u64 borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a.w[i] - b->w[i] - borrow;
        a.w[i] = (u64)d;
        borrow = (u64)(d >> 64) ? 1 : 0;
    }
    return a;
}

/* a * m; the caller guarantees no overflow past 256 bits. */
static U256 u256_mul64(U256 a, u64 m)
{
    u64 carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 p = (u128)a.w[i] * m + carry;
        a.w[i] = (u64)p;
        carry = (u64)(p >> 64);
    }
    return a;
}

static U256 u256_mul128(u128 a, u128 b)
{
    U256 r = u256_mul64(u256_from(a), (u64)b);
    u64 bh = (u64)(b >> 64);
    if (bh) {
        U256 t = u256_mul64(u256_from(a), bh);
        /* shift t left by 64 bits */
        U256 s = {{0, t.w[0], t.w[1], t.w[2]}};
        r = u256_add(r, &s);
    }
    return r;
}

/* a * 10^n (n ≥ 0); the caller guarantees no overflow. */
static U256 u256_mul_pow10(U256 a, int n)
{
    while (n > 0) {
        int k = n > 19 ? 19 : n;
        a = u256_mul64(a, (u64)P10(k));
        n -= k;
    }
    return a;
}

/* a /= d, returns the remainder. */
static u64 u256_divmod64(U256 *a, u64 d)
{
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        u128 cur = (rem << 64) | a->w[i];
        a->w[i] = (u64)(cur / d);
        rem = cur % d;
    }
    return (u64)rem;
}

/* a / 10^n truncated; *any_dropped_nonzero set when the remainder ≠ 0. */
static U256 u256_div_pow10(U256 a, int n)
{
    while (n > 0) {
        int k = n > 19 ? 19 : n;
        u256_divmod64(&a, (u64)P10(k));
        n -= k;
    }
    return a;
}

static int u256_bits(const U256 *a)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i]) return i * 64 + 64 - __builtin_clzll(a->w[i]);
    }
    return 0;
}

static U256 u256_shl1(U256 a)
{
    for (int i = 3; i > 0; i--) a.w[i] = (a.w[i] << 1) | (a.w[i - 1] >> 63);
    a.w[0] <<= 1;
    return a;
}

/* q = a / d, r = a % d (d ≠ 0), by binary long division. */
static void u256_divmod(const U256 *a, const U256 *d, U256 *q, U256 *r)
{
    if (u256_fits128(a) && u256_fits128(d)) {
        u128 x = u256_lo(a), y = u256_lo(d);
        *q = u256_from(x / y);
        *r = u256_from(x % y);
        return;
    }
    if (u256_fits128(d) && d->w[1] == 0) {
        *q = *a;
        *r = u256_from(u256_divmod64(q, d->w[0]));
        return;
    }
    U256 quo = {{0}}, rem = {{0}};
    for (int bit = u256_bits(a) - 1; bit >= 0; bit--) {
        rem = u256_shl1(rem);
        rem.w[0] |= (a->w[bit / 64] >> (bit % 64)) & 1;
        if (u256_cmp(&rem, d) >= 0) {
            rem = u256_sub(rem, d);
            quo.w[bit / 64] |= (u64)1 << (bit % 64);
        }
    }
    *q = quo;
    *r = rem;
}

static int u256_digits(const U256 *a)
{
    if (u256_fits128(a)) return digits_u128(u256_lo(a));
    U256 t = *a;
    int n = 0;
    while (!u256_fits128(&t)) {
        u256_divmod64(&t, (u64)P10(19));
        n += 19;
    }
    return n + digits_u128(u256_lo(&t));
}

/* ---------------------------------------------------------------------------
 * Fitting an exact result into a Numeric
 * ------------------------------------------------------------------------- */

/* Rounds mag × 10^-scale (scale ≥ 0) half away from zero to at most 35
 * digits and scale ≤ max_scale, keeping as much scale as fits. */
static int fit_wide_max(bool neg, U256 mag, int scale, int max_scale, Numeric *out, Err *err)
{
    int nd = u256_digits(&mag);
    int s = MDB_MIN(scale, max_scale);
    (void)err;
    /* more digits than the 128-bit form holds: the caller redoes it in the big form */
    if (s > NUMERIC_MAX_SCALE || nd - (scale - s) > NUMERIC_MAX_PRECISION) return NEED_BIG;
    int drop = scale - s;
    u128 c;
    if (drop > 0) {
        if (drop > nd) {
            c = 0;
        } else {
            mag = u256_div_pow10(mag, drop - 1);
            u64 r = u256_divmod64(&mag, 10);
            c = u256_lo(&mag);
            if (r >= 5) c++;
        }
    } else {
        c = u256_lo(&mag);
    }
    if (c >= P10(NUMERIC_MAX_PRECISION)) return NEED_BIG;
    *out = numeric_make(neg ? -(i128)c : (i128)c, s);
    return MDB_OK_;
}

static int fit_wide(bool neg, U256 mag, int scale, Numeric *out, Err *err)
{
    return fit_wide_max(neg, mag, scale, scale, out, err);
}

static inline __attribute__((always_inline)) int fit128(i128 c, int scale, Numeric *out, Err *err)
{
    if (MDB_LIKELY(uabs128(c) < P10(NUMERIC_MAX_PRECISION) && scale <= NUMERIC_MAX_SCALE)) {
        *out = numeric_make(c, scale);
        return MDB_OK_;
    }
    return fit_wide(c < 0, u256_from(uabs128(c)), scale, out, err);
}

/* ---------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------- */

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static int syntax_error(const char *s, size_t len, Err *err)
{
    return err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type numeric: \"%.*s\"",
                   (int)len, s);
}

static bool word_eq(const char *p, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (n != wl) return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != w[i]) return false;
    }
    return true;
}

int numeric_from_text(const char *s, size_t len, Numeric *out, Err *err)
{
    size_t i = 0, end = len;
    while (i < end && is_space(s[i])) i++;
    while (end > i && is_space(s[end - 1])) end--;
    bool neg = false;
    size_t body = i;
    if (i < end && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (word_eq(s + body, end - body, "nan")) {
        *out = NUMERIC_NAN;
        return MDB_OK_;
    }
    if (word_eq(s + i, end - i, "infinity") || word_eq(s + i, end - i, "inf")) {
        *out = neg ? NUMERIC_NINF : NUMERIC_PINF;
        return MDB_OK_;
    }
    /* digits [ . digits ] */
    size_t int_start = i;
    while (i < end && s[i] >= '0' && s[i] <= '9') i++;
    size_t int_end = i;
    size_t frac_start = i, frac_end = i;
    if (i < end && s[i] == '.') {
        i++;
        frac_start = i;
        while (i < end && s[i] >= '0' && s[i] <= '9') i++;
        frac_end = i;
    }
    size_t nint = int_end - int_start, nfrac = frac_end - frac_start;
    if (nint + nfrac == 0) return syntax_error(s, len, err);
    long exponent = 0;
    if (i < end && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < end && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i >= end || s[i] < '0' || s[i] > '9') return syntax_error(s, len, err);
        while (i < end && s[i] >= '0' && s[i] <= '9') {
            if (exponent < 1000000000L) exponent = exponent * 10 + (s[i] - '0');
            i++;
        }
        if (eneg) exponent = -exponent;
    }
    if (i != end) return syntax_error(s, len, err);
    if (exponent >= 1000000000L || exponent <= -1000000000L)
        return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, OVERFLOW_MSG);

    /* value = D × 10^(exponent - nfrac), D = the nint+nfrac digits */
    long n = (long)(nint + nfrac);
    long dscale = (long)nfrac - exponent;
    if (dscale < 0) dscale = 0;
    if (dscale > NUMERIC_MAX_SCALE) return nbig_from_digits(neg, s + int_start, end - int_start, out, err);
    long ts = dscale;
    /* leading zeros among the digits */
    long lz = 0;
    for (long k = 0; k < n; k++) {
        char c = (size_t)k < nint ? s[int_start + k] : s[frac_start + (k - (long)nint)];
        if (c != '0') break;
        lz++;
    }
    long k = exponent - (long)nfrac + ts; /* coef = round(D × 10^k) */
    long kept = k <= 0 ? n + k : n;       /* digits of D kept before ×10^k */
    long sig = kept - lz;
    if (k > 0 && lz < n) sig += k;
    if (sig > NUMERIC_MAX_PRECISION) return nbig_from_digits(neg, s + int_start, end - int_start, out, err);
    u128 c = 0;
    for (long d = lz; d < kept; d++) {
        char ch = (size_t)d < nint ? s[int_start + d] : s[frac_start + (d - (long)nint)];
        c = c * 10 + (u128)(ch - '0');
    }
    if (k <= 0 && kept >= 0 && kept < n) {
        char ch = (size_t)kept < nint ? s[int_start + kept] : s[frac_start + (kept - (long)nint)];
        if (ch >= '5') c++;
    }
    if (k > 0 && c != 0) c *= P10((int)k);
    if (c >= P10(NUMERIC_MAX_PRECISION)) return nbig_from_digits(neg, s + int_start, end - int_start, out, err);
    *out = numeric_make(neg ? -(i128)c : (i128)c, (int)ts);
    return MDB_OK_;
}

size_t numeric_to_text(Numeric v, char *buf, size_t cap)
{
    if (numeric_is_special(v)) {
        const char *w = numeric_is_nan(v) ? "NaN" : (v & 0xFF) == NUMERIC_TAG_PINF ? "Infinity" : "-Infinity";
        size_t n = strlen(w);
        if (cap > 0) {
            size_t k = n < cap - 1 ? n : cap - 1;
            memcpy(buf, w, k);
            buf[k] = 0;
        }
        return n;
    }
    if (numeric_is_big(v)) return nbig_to_text(v, buf, cap);
    char tmp[NUMERIC_MAX_TEXT_LEN];
    i128 c = numeric_coef(v);
    int scale = numeric_scale(v);
    u128 m = uabs128(c);
    /* digits backwards */
    char digs[48];
    int nd = 0;
    do {
        digs[nd++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    while (nd < scale + 1) digs[nd++] = '0';
    size_t len = 0;
    if (c < 0) tmp[len++] = '-';
    for (int i = nd - 1; i >= 0; i--) {
        tmp[len++] = digs[i];
        if (i == scale && scale > 0) tmp[len++] = '.';
    }
    if (cap > 0) {
        size_t n = len < cap - 1 ? len : cap - 1;
        memcpy(buf, tmp, n);
        buf[n] = 0;
    }
    return len;
}

char *numeric_to_text_dyn(Numeric v, char *buf, size_t cap, size_t *len)
{
    size_t n = numeric_to_text(v, buf, cap);
    *len = n;
    if (n < cap) return buf;
    char *p = malloc(n + 1);
    if (!p) abort(); /* out of memory, as the arenas do */
    numeric_to_text(v, p, n + 1);
    return p;
}

int numeric_scale_any(Numeric v) { return numeric_is_big(v) ? nbig_scale(v) : numeric_scale(v); }

void numeric_release(Numeric v)
{
    if (numeric_is_big(v)) nbig_release(v);
}

/* ---------------------------------------------------------------------------
 * Conversions
 * ------------------------------------------------------------------------- */

Numeric numeric_from_int64(i64 x) { return numeric_make((i128)x, 0); }

int numeric_from_i128(i128 coef, int scale, Numeric *out, Err *err)
{
    u128 m = uabs128(coef);
    if (MDB_LIKELY(m < P10(NUMERIC_MAX_PRECISION) && scale <= NUMERIC_MAX_SCALE)) {
        *out = numeric_make(coef, scale);
        return MDB_OK_;
    }
    /* digits, then the point placed by an exponent: "D e-scale" */
    char buf[64];
    int n = 0;
    char digs[48];
    int nd = 0;
    do {
        digs[nd++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    while (nd > 0) buf[n++] = digs[--nd];
    n += snprintf(buf + n, sizeof buf - (size_t)n, "e-%d", scale);
    Numeric t;
    if (nbig_from_digits(coef < 0, buf, (size_t)n, &t, err)) return MDB_FAIL;
    /* the exponent form gives scale `scale` exactly */
    *out = t;
    return MDB_OK_;
}

int numeric_from_double(double d, Numeric *out, Err *err)
{
    if (isnan(d) || isinf(d)) {
        *out = isnan(d) ? NUMERIC_NAN : d > 0 ? NUMERIC_PINF : NUMERIC_NINF;
        return MDB_OK_;
    }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*g", 15, d);
    return numeric_from_text(buf, (size_t)n, out, err);
}

int numeric_from_float4(float f, Numeric *out, Err *err)
{
    if (isnan(f) || isinf(f)) {
        *out = isnan(f) ? NUMERIC_NAN : f > 0 ? NUMERIC_PINF : NUMERIC_NINF;
        return MDB_OK_;
    }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*g", 6, (double)f);
    return numeric_from_text(buf, (size_t)n, out, err);
}

/* NaN and ±Infinity have no integer form (PostgreSQL's 0A000). */
static int special_to_int(Numeric v, const char *type, Err *err)
{
    return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot convert %s to %s", numeric_is_nan(v) ? "NaN" : "infinity", type);
}

/* Sign of any value: -1, 0 or 1; ±Infinity count as ±1, NaN as 0. */
static int sign_any(Numeric v)
{
    if (numeric_is_special(v)) return numeric_is_nan(v) ? 0 : (v & 0xFF) == NUMERIC_TAG_PINF ? 1 : -1;
    if (numeric_is_big(v)) return nbig_sign(v);
    i128 c = numeric_coef(v);
    return c < 0 ? -1 : c > 0;
}

static Numeric inf_of(int sign) { return sign < 0 ? NUMERIC_NINF : NUMERIC_PINF; }

/* Coefficient rounded (half away from zero) to scale 0; a value too large for
 * 128 bits gives a sentinel beyond every integer type's range. */
static i128 round_to_integer(Numeric v)
{
    if (numeric_is_big(v)) {
        Numeric r;
        if (nbig_round(v, 0, 0, &r, NULL) || numeric_is_big(r)) return nbig_sign(v) < 0 ? -numeric_pow10(38) : numeric_pow10(38);
        v = r;
    }
    i128 c = numeric_coef(v);
    int s = numeric_scale(v);
    if (s == 0) return c;
    u128 m = uabs128(c);
    u128 p = P10(s);
    u128 q = m / p, r = m % p;
    if (r * 2 >= p) q++;
    return c < 0 ? -(i128)q : (i128)q;
}

int numeric_to_int64(Numeric v, i64 *out, Err *err)
{
    if (numeric_is_special(v)) return special_to_int(v, "bigint", err);
    i128 x = round_to_integer(v);
    if (x < INT64_MIN || x > INT64_MAX) return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "bigint out of range");
    *out = (i64)x;
    return MDB_OK_;
}

int numeric_to_int32(Numeric v, i32 *out, Err *err)
{
    if (numeric_is_special(v)) return special_to_int(v, "integer", err);
    i128 x = round_to_integer(v);
    if (x < INT32_MIN || x > INT32_MAX) return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "integer out of range");
    *out = (i32)x;
    return MDB_OK_;
}

int numeric_to_int16(Numeric v, i16 *out, Err *err)
{
    if (numeric_is_special(v)) return special_to_int(v, "smallint", err);
    i128 x = round_to_integer(v);
    if (x < INT16_MIN || x > INT16_MAX) return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "smallint out of range");
    *out = (i16)x;
    return MDB_OK_;
}

static const double exact_p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

double numeric_to_double(Numeric v)
{
    if (numeric_is_special(v)) return numeric_is_nan(v) ? NAN : sign_any(v) * (double)INFINITY;
    i128 c = numeric_coef(v);
    int s = numeric_scale(v);
    /* both operands exact in a double, so one division rounds correctly */
    if (!numeric_is_big(v) && uabs128(c) <= ((u128)1 << 53) && s <= 22) return (double)c / exact_p10[s];
    char buf[NUMERIC_MAX_TEXT_LEN];
    size_t n;
    char *t = numeric_to_text_dyn(v, buf, sizeof buf, &n);
    double d = strtod(t, NULL);
    if (t != buf) free(t);
    return d;
}

float numeric_to_float4(Numeric v)
{
    if (numeric_is_special(v)) return numeric_is_nan(v) ? NAN : sign_any(v) * INFINITY;
    char buf[NUMERIC_MAX_TEXT_LEN];
    size_t n;
    char *t = numeric_to_text_dyn(v, buf, sizeof buf, &n);
    float f = strtof(t, NULL);
    if (t != buf) free(t);
    return f;
}

/* ---------------------------------------------------------------------------
 * Arithmetic
 * ------------------------------------------------------------------------- */

static int add_signed(Numeric a, Numeric b, bool negate_b, Numeric *out, Err *err)
{
    if (MDB_UNLIKELY(numeric_is_special(a) || numeric_is_special(b))) {
        int ia = numeric_is_inf(a) ? sign_any(a) : 0, ib = numeric_is_inf(b) ? sign_any(b) * (negate_b ? -1 : 1) : 0;
        if (numeric_is_nan(a) || numeric_is_nan(b) || (ia && ib && ia != ib)) *out = NUMERIC_NAN;
        else *out = inf_of(ia ? ia : ib);
        return MDB_OK_;
    }
    if (ANY_BIG(a, b)) return NEED_BIG;
    i128 ca = numeric_coef(a), cb = numeric_coef(b);
    if (negate_b) cb = -cb;
    int sa = numeric_scale(a), sb = numeric_scale(b);
    int s = MDB_MAX(sa, sb);
    int da = s - sa, db = s - sb;
    if (MDB_LIKELY(da <= 3 && db <= 3)) {
        /* aligned magnitudes < 10^38, their sum fits in 127 bits */
        i128 x = ca * numeric_pow10(da) + cb * numeric_pow10(db);
        return fit128(x, s, out, err);
    }
    U256 A = u256_mul_pow10(u256_from(uabs128(ca)), da);
    U256 B = u256_mul_pow10(u256_from(uabs128(cb)), db);
    bool na = ca < 0, nb = cb < 0;
    if (na == nb) return fit_wide(na, u256_add(A, &B), s, out, err);
    if (u256_cmp(&A, &B) >= 0) return fit_wide(na, u256_sub(A, &B), s, out, err);
    return fit_wide(nb, u256_sub(B, &A), s, out, err);
}

int numeric_add(Numeric a, Numeric b, Numeric *out, Err *err)
{
    int rc = add_signed(a, b, false, out, err);
    return MDB_LIKELY(rc != NEED_BIG) ? rc : nbig_add(a, b, false, out, err);
}
int numeric_sub(Numeric a, Numeric b, Numeric *out, Err *err)
{
    int rc = add_signed(a, b, true, out, err);
    return MDB_LIKELY(rc != NEED_BIG) ? rc : nbig_add(a, b, true, out, err);
}

static int mul_small(Numeric a, Numeric b, Numeric *out, Err *err)
{
    if (MDB_UNLIKELY(numeric_is_special(a) || numeric_is_special(b))) {
        int sg = sign_any(a) * sign_any(b); /* Infinity × 0 is NaN */
        *out = numeric_is_nan(a) || numeric_is_nan(b) || sg == 0 ? NUMERIC_NAN : inf_of(sg);
        return MDB_OK_;
    }
    if (ANY_BIG(a, b)) return NEED_BIG;
    i128 ca = numeric_coef(a), cb = numeric_coef(b);
    int s = numeric_scale(a) + numeric_scale(b);
    u128 ma = uabs128(ca), mb = uabs128(cb);
    bool neg = (ca < 0) != (cb < 0);
    if (ma == 0 || mb == 0) return fit128(0, s, out, err);
    if (ma < ((u128)1 << 63) && mb < ((u128)1 << 63)) {
        u128 p = ma * mb;
        return fit128(neg ? -(i128)p : (i128)p, s, out, err);
    }
    return fit_wide(neg, u256_mul128(ma, mb), s, out, err);
}

int numeric_mul(Numeric a, Numeric b, Numeric *out, Err *err)
{
    int rc = mul_small(a, b, out, err);
    return MDB_LIKELY(rc != NEED_BIG) ? rc : nbig_mul(a, b, out, err);
}

/* PG's base-10000 weight and leading base-10000 digit of |value|. */
static void nbase_lead(Numeric v, int *weight, int *first)
{
    u128 m = uabs128(numeric_coef(v));
    if (m == 0) {
        *weight = 0;
        *first = 0;
        return;
    }
    int e = digits_u128(m) - 1 - numeric_scale(v); /* decimal exponent of lead digit */
    int w = e >= 0 ? e / 4 : -((-e + 3) / 4);
    int shift = numeric_scale(v) + 4 * w;
    u128 f = shift >= 0 ? m / P10(shift) : m * P10(-shift);
    *weight = w;
    *first = (int)f;
}

static int select_div_scale(Numeric a, Numeric b)
{
    int w1, f1, w2, f2;
    nbase_lead(a, &w1, &f1);
    nbase_lead(b, &w2, &f2);
    int qweight = w1 - w2;
    if (f1 <= f2) qweight--;
    int rscale = MIN_SIG_DIGITS - qweight * 4;
    rscale = MDB_MAX(rscale, numeric_scale(a));
    rscale = MDB_MAX(rscale, numeric_scale(b));
    rscale = MDB_MAX(rscale, 0);
    return MDB_MIN(rscale, NBIG_MAX_RESULT_SCALE);
}

/* |a/b| truncated at scale R = rscale+1 (a guard digit), then rounded to rscale
 * (or fewer digits when it does not fit).  mode_trunc: truncate to rscale. */
static int div_core(Numeric a, Numeric b, int rscale, bool mode_trunc, Numeric *out, Err *err)
{
    if (ANY_BIG(a, b) || rscale > NUMERIC_MAX_SCALE) return NEED_BIG;
    i128 ca = numeric_coef(a), cb = numeric_coef(b);
    if (cb == 0) return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    bool neg = (ca < 0) != (cb < 0);
    u128 ma = uabs128(ca), mb = uabs128(cb);
    if (ma == 0) {
        *out = numeric_make(0, rscale);
        return MDB_OK_;
    }
    int sa = numeric_scale(a), sb = numeric_scale(b);
    int R = mode_trunc ? rscale : rscale + 1;
    int e = R - sa + sb;
    int na = digits_u128(ma);
    if (na + e > 76) return NEED_BIG;
    U256 N, D;
    if (e >= 0) {
        N = u256_mul_pow10(u256_from(ma), e);
        D = u256_from(mb);
    } else {
        N = u256_from(ma);
        D = u256_mul_pow10(u256_from(mb), -e);
    }
    U256 q, r;
    if (u256_fits128(&N) && u256_fits128(&D)) {
        u128 n = u256_lo(&N);
        q = u256_from(n / u256_lo(&D));
        (void)r;
    } else {
        u256_divmod(&N, &D, &q, &r);
    }
    if (mode_trunc) {
        /* the integer division above already truncated at R */
        return fit_wide_max(neg, q, R, R, out, err);
    }
    return fit_wide_max(neg, q, R, rscale, out, err);
}

/* Division with a special operand (PostgreSQL 15): NaN wins; ±Infinity / ±Infinity is NaN;
 * x / ±Infinity is 0; ±Infinity / 0 fails like any division by zero. */
static bool div_special(Numeric a, Numeric b, Numeric *out, int *rc, Err *err)
{
    if (MDB_LIKELY(!numeric_is_special(a) && !numeric_is_special(b))) return false;
    *rc = MDB_OK_;
    if (numeric_is_nan(a) || numeric_is_nan(b)) *out = NUMERIC_NAN;
    else if (numeric_is_inf(b)) *out = numeric_is_inf(a) ? NUMERIC_NAN : numeric_make(0, 0);
    else if (numeric_is_zero(b)) *rc = err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    else *out = inf_of(sign_any(a) * sign_any(b));
    return true;
}

int numeric_div(Numeric a, Numeric b, Numeric *out, Err *err)
{
    int rc;
    if (div_special(a, b, out, &rc, err)) return rc;
    if (numeric_is_zero(b)) return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    if (ANY_BIG(a, b)) return nbig_div(a, b, nbig_div_scale(a, b), false, out, err);
    int rscale = select_div_scale(a, b);
    rc = div_core(a, b, rscale, false, out, err);
    return MDB_LIKELY(rc != NEED_BIG) ? rc : nbig_div(a, b, rscale, false, out, err);
}

int numeric_div_scale(Numeric a, Numeric b, int scale, Numeric *out, Err *err)
{
    if (scale < 0) scale = 0;
    if (scale > NBIG_MAX_RESULT_SCALE) scale = NBIG_MAX_RESULT_SCALE;
    int rc;
    if (div_special(a, b, out, &rc, err)) return rc;
    if (numeric_is_zero(b)) return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    rc = div_core(a, b, scale, false, out, err);
    return MDB_LIKELY(rc != NEED_BIG) ? rc : nbig_div(a, b, scale, false, out, err);
}

int numeric_div_trunc(Numeric a, Numeric b, Numeric *out, Err *err)
{
    int rc;
    if (div_special(a, b, out, &rc, err)) return rc;
    if (numeric_is_zero(b)) return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    rc = div_core(a, b, 0, true, out, err);
    return MDB_LIKELY(rc != NEED_BIG) ? rc : nbig_div(a, b, 0, true, out, err);
}

int numeric_mod(Numeric a, Numeric b, Numeric *out, Err *err)
{
    if (MDB_UNLIKELY(numeric_is_special(a) || numeric_is_special(b))) {
        /* PostgreSQL 15: NaN wins; ±Infinity % y is NaN; x % ±Infinity is x; x % 0 fails */
        if (numeric_is_nan(a) || numeric_is_nan(b) || numeric_is_inf(a)) {
            if (!numeric_is_nan(a) && !numeric_is_nan(b) && numeric_is_zero(b))
                return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
            *out = NUMERIC_NAN;
        } else {
            *out = a;
        }
        return MDB_OK_;
    }
    if (ANY_BIG(a, b)) return nbig_mod(a, b, out, err);
    i128 ca = numeric_coef(a), cb = numeric_coef(b);
    if (cb == 0) return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    int sa = numeric_scale(a), sb = numeric_scale(b);
    int s = MDB_MAX(sa, sb);
    int da = s - sa, db = s - sb;
    if (da <= 3 && db <= 3) {
        i128 x = ca * numeric_pow10(da), y = cb * numeric_pow10(db);
        *out = numeric_make(x % y, s);
        return MDB_OK_;
    }
    U256 A = u256_mul_pow10(u256_from(uabs128(ca)), da);
    U256 B = u256_mul_pow10(u256_from(uabs128(cb)), db);
    U256 q, r;
    u256_divmod(&A, &B, &q, &r);
    int rc = fit_wide(ca < 0, r, s, out, err);
    return MDB_LIKELY(rc != NEED_BIG) ? rc : nbig_mod(a, b, out, err);
}

Numeric numeric_neg(Numeric a)
{
    if (numeric_is_special(a)) return numeric_is_nan(a) ? a : inf_of(-sign_any(a));
    if (numeric_is_big(a)) return nbig_neg(a);
    return numeric_make(-numeric_coef(a), numeric_scale(a));
}

Numeric numeric_abs(Numeric a)
{
    if (numeric_is_special(a)) return numeric_is_nan(a) ? a : NUMERIC_PINF;
    if (numeric_is_big(a)) return nbig_sign(a) < 0 ? nbig_neg(a) : a;
    i128 c = numeric_coef(a);
    return c < 0 ? numeric_make(-c, numeric_scale(a)) : a;
}

int numeric_sign(Numeric a) { return sign_any(a); }

/* Rank of a value's class: -Infinity, numbers, Infinity, NaN (PostgreSQL's sort order). */
static int special_rank(Numeric v)
{
    switch (v & 0xFF) {
    case NUMERIC_TAG_NINF: return 0;
    case NUMERIC_TAG_PINF: return 2;
    case NUMERIC_TAG_NAN: return 3;
    default: return 1;
    }
}

int numeric_cmp(Numeric a, Numeric b)
{
    i128 ca = numeric_coef(a), cb = numeric_coef(b);
    int sa = numeric_scale(a), sb = numeric_scale(b);
    if (sa == sb && sa != NUMERIC_TAG_BIG) return ca < cb ? -1 : ca > cb;
    /* NaN and ±Infinity order by class; and comparison kernels run over every slot of a vector,
     * NULLs included, whose bits may be anything: a scale beyond the powers table must not index
     * it (such a result is discarded) */
    if (MDB_UNLIKELY(sa > NUMERIC_MAX_SCALE || sb > NUMERIC_MAX_SCALE)) {
        /* big values compare by value; a special value against a big one by class */
        if ((sa == NUMERIC_TAG_BIG || sa <= NUMERIC_MAX_SCALE) && (sb == NUMERIC_TAG_BIG || sb <= NUMERIC_MAX_SCALE))
            return nbig_cmp(a, b);
        /* a real special value has coefficient 0 and one of the three tags; anything else is junk */
        bool ja = sa > NUMERIC_MAX_SCALE && sa != NUMERIC_TAG_BIG && (ca != 0 || sa < NUMERIC_TAG_NAN);
        bool jb = sb > NUMERIC_MAX_SCALE && sb != NUMERIC_TAG_BIG && (cb != 0 || sb < NUMERIC_TAG_NAN);
        if (ja || jb) return 0;
        if (sa == NUMERIC_TAG_BIG) return 1 < special_rank(b) ? -1 : 1;
        if (sb == NUMERIC_TAG_BIG) return special_rank(a) < 1 ? -1 : 1;
        int ra = special_rank(a), rb = special_rank(b);
        return ra < rb ? -1 : ra > rb;
    }
    int sga = ca < 0 ? -1 : ca > 0, sgb = cb < 0 ? -1 : cb > 0;
    if (sga != sgb) return sga < sgb ? -1 : 1;
    if (sga == 0) return 0;
    u128 ma = uabs128(ca), mb = uabs128(cb);
    int mag; /* comparison of magnitudes */
    if (sa > sb) {
        u128 p = P10(sa - sb);
        u128 q = ma / p, r = ma % p;
        mag = q < mb ? -1 : q > mb ? 1 : (r ? 1 : 0);
    } else {
        u128 p = P10(sb - sa);
        u128 q = mb / p, r = mb % p;
        mag = ma < q ? -1 : ma > q ? 1 : (r ? -1 : 0);
    }
    return sga > 0 ? mag : -mag;
}

Numeric numeric_trim_scale(Numeric a)
{
    if (numeric_is_special(a)) return a;
    if (numeric_is_big(a)) return nbig_trim(a);
    i128 c = numeric_coef(a);
    int s = numeric_scale(a);
    if (c == 0) return numeric_make(0, 0);
    while (s > 0 && c % 10 == 0) {
        c /= 10;
        s--;
    }
    return numeric_make(c, s);
}

u64 numeric_hash(Numeric a)
{
    /* a big value whose trimmed form fits 128 bits hashes as that small value */
    if (MDB_UNLIKELY(numeric_is_big(a))) return nbig_hash(a);
    Numeric t = numeric_trim_scale(a);
    u128 u = (u128)t;
    u64 h = (u64)u ^ ((u64)(u >> 64) * 0x9E3779B97F4A7C15ull);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* ---------------------------------------------------------------------------
 * Rounding
 * ------------------------------------------------------------------------- */

/* mode: 0 round half away, 1 trunc, 2 ceil, 3 floor.  Result scale max(s,0),
 * padded with zeros when s exceeds the current scale (as far as fits). */
static int round_mode(Numeric a, int s, int mode, Numeric *out, Err *err)
{
    if (numeric_is_special(a)) { /* rounding keeps NaN and ±Infinity */
        *out = a;
        return MDB_OK_;
    }
    if (numeric_is_big(a) || s > NUMERIC_MAX_SCALE) return nbig_round(a, s, mode, out, err);
    i128 c = numeric_coef(a);
    int sc = numeric_scale(a);
    if (s >= sc) {
        int nd = digits_u128(uabs128(c));
        int pad = s - sc;
        if (c != 0 && nd + pad > NUMERIC_MAX_PRECISION) return nbig_round(a, s, mode, out, err);
        *out = numeric_make(c * numeric_pow10(pad), sc + pad);
        return MDB_OK_;
    }
    int drop = sc - s; /* ≥ 1 */
    u128 m = uabs128(c);
    u128 q, rem;
    bool half, nonzero;
    if (drop > 38) {
        q = 0;
        half = false;
        nonzero = m != 0;
    } else {
        u128 p = P10(drop);
        q = m / p;
        rem = m % p;
        half = rem * 2 >= p;
        nonzero = rem != 0;
    }
    bool up;
    switch (mode) {
    case 0: up = half; break;
    case 1: up = false; break;
    case 2: up = nonzero && c > 0; break;
    default: up = nonzero && c < 0; break;
    }
    if (up) q++;
    int rs = s < 0 ? 0 : s;
    if (s < 0) {
        int k = -s;
        if (q != 0) {
            if (digits_u128(q) + k > NUMERIC_MAX_PRECISION) return nbig_round(a, s, mode, out, err);
            q *= P10(k);
        }
    }
    if (q >= P10(NUMERIC_MAX_PRECISION)) return nbig_round(a, s, mode, out, err);
    *out = numeric_make(c < 0 ? -(i128)q : (i128)q, rs);
    return MDB_OK_;
}

int numeric_round(Numeric a, int s, Numeric *out, Err *err) { return round_mode(a, s, 0, out, err); }
int numeric_trunc(Numeric a, int s, Numeric *out, Err *err) { return round_mode(a, s, 1, out, err); }
int numeric_ceil(Numeric a, Numeric *out, Err *err)
{
    if (numeric_scale(a) == 0 || numeric_is_special(a)) {
        *out = a;
        return MDB_OK_;
    }
    return round_mode(a, 0, 2, out, err);
}
int numeric_floor(Numeric a, Numeric *out, Err *err)
{
    if (numeric_scale(a) == 0 || numeric_is_special(a)) {
        *out = a;
        return MDB_OK_;
    }
    return round_mode(a, 0, 3, out, err);
}

int numeric_rescale(Numeric a, int scale, Numeric *out, Err *err)
{
    if (numeric_is_special(a)) {
        *out = a;
        return MDB_OK_;
    }
    if (scale > NBIG_MAX_RESULT_SCALE) scale = NBIG_MAX_RESULT_SCALE;
    if (scale < 0) scale = 0;
    if (numeric_is_big(a) || scale > NUMERIC_MAX_SCALE) return nbig_round(a, scale, 0, out, err);
    int sc = numeric_scale(a);
    if (scale > sc) {
        i128 c = numeric_coef(a);
        int pad = scale - sc;
        if (c != 0 && digits_u128(uabs128(c)) + pad > NUMERIC_MAX_PRECISION) return nbig_round(a, scale, 0, out, err);
        *out = numeric_make(c * numeric_pow10(pad), scale);
        return MDB_OK_;
    }
    return round_mode(a, scale, 0, out, err);
}

int numeric_apply_typmod(Numeric a, int precision, int scale, Numeric *out, Err *err)
{
    if (numeric_is_special(a)) {
        /* NaN fits any numeric(p, s); an infinity none (PostgreSQL 15) */
        if (numeric_is_inf(a)) {
            err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "numeric field overflow");
            err_detail(err, "A field with precision %d, scale %d cannot hold an infinite value.", precision, scale);
            return MDB_FAIL;
        }
        *out = a;
        return MDB_OK_;
    }
    if (numeric_is_big(a) || scale > NUMERIC_MAX_SCALE) return nbig_typmod(a, precision, scale, out, err);
    Numeric r;
    int s = scale;
    if (round_mode(a, s, 0, &r, err)) return MDB_FAIL;
    if (numeric_is_big(r)) return nbig_typmod(a, precision, scale, out, err);
    int maxdigits = precision - scale;
    i128 c = numeric_coef(r);
    if (c != 0) {
        /* decimal exponent of the leading digit must be < maxdigits */
        int lead = digits_u128(uabs128(c)) - 1 - numeric_scale(r);
        if (lead >= maxdigits) {
            err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "numeric field overflow");
            err_detail(err, "A field with precision %d, scale %d must round to an absolute value less than %s%d.",
                       precision, scale, maxdigits ? "10^" : "", maxdigits ? maxdigits : 1);
            return MDB_FAIL;
        }
    }
    /* pad to the declared scale: numeric(5,2) shows 1 as 1.00 */
    if (s > numeric_scale(r)) {
        int pad = s - numeric_scale(r);
        if (c != 0 && digits_u128(uabs128(c)) + pad > NUMERIC_MAX_PRECISION)
            return nbig_typmod(a, precision, scale, out, err);
        r = numeric_make(c * numeric_pow10(pad), numeric_scale(r) + pad);
    }
    *out = r;
    return MDB_OK_;
}

/* ---------------------------------------------------------------------------
 * Transcendental functions
 * ------------------------------------------------------------------------- */

static int clamp_scale(int rscale)
{
    if (rscale < 0) return 0;
    return rscale > NUMERIC_MAX_SCALE ? NUMERIC_MAX_SCALE : rscale;
}

/* Integer square root of a 256-bit value (Newton's method). */
static U256 u256_isqrt(const U256 *n)
{
    if (u256_is_zero(n)) return *n;
    int bits = u256_bits(n);
    U256 x = {{0}};
    int b = (bits + 1) / 2 + 1;
    x.w[b / 64] = (u64)1 << (b % 64);
    for (;;) {
        U256 q, r;
        u256_divmod(n, &x, &q, &r);
        U256 y = u256_add(x, &q);
        /* y >>= 1 */
        for (int i = 0; i < 4; i++) y.w[i] = (y.w[i] >> 1) | (i < 3 ? y.w[i + 1] << 63 : 0);
        if (u256_cmp(&y, &x) >= 0) return x;
        x = y;
    }
}

int numeric_sqrt(Numeric a, Numeric *out, Err *err)
{
    if (numeric_is_special(a)) {
        if (sign_any(a) < 0) return err_set(err, "2201F", "cannot take square root of a negative number");
        *out = a;
        return MDB_OK_;
    }
    if (numeric_is_big(a)) return nbig_sqrt(a, out, err);
    i128 c = numeric_coef(a);
    if (c < 0) return err_set(err, "2201F", "cannot take square root of a negative number");
    int sa = numeric_scale(a);
    int w, f;
    nbase_lead(a, &w, &f);
    int sweight = (w + 1) * 4 / 2 - 1;
    int rscale = MDB_MAX(MIN_SIG_DIGITS - sweight, sa);
    if (rscale > NUMERIC_MAX_SCALE) return nbig_sqrt(a, out, err);
    rscale = clamp_scale(rscale);
    if (c == 0) {
        *out = numeric_make(0, rscale);
        return MDB_OK_;
    }
    /* sqrt(c × 10^-sa) × 10^R = sqrt(c × 10^(2R - sa)) */
    int R = rscale + 1;
    int e = 2 * R - sa;
    int nd = digits_u128((u128)c);
    if (nd + e > 76) return nbig_sqrt(a, out, err);
    U256 N;
    if (e >= 0) {
        N = u256_mul_pow10(u256_from((u128)c), e);
    } else {
        N = u256_div_pow10(u256_from((u128)c), -e);
    }
    U256 root = u256_isqrt(&N);
    int rc = fit_wide_max(false, root, R, rscale, out, err);
    return MDB_LIKELY(rc != NEED_BIG) ? rc : nbig_sqrt(a, out, err);
}

/* PG's estimate of the decimal weight of ln(x), x > 0. */
static int estimate_ln_dweight(Numeric x)
{
    Numeric lo = numeric_make(9, 1), hi = numeric_make(11, 1);
    if (numeric_cmp(x, lo) >= 0 && numeric_cmp(x, hi) <= 0) {
        Numeric d;
        if (numeric_sub(x, numeric_make(1, 0), &d, NULL)) return 0;
        if (numeric_is_zero(d)) return 0;
        return nbig_lead_exp(d);
    }
    double v = numeric_to_double(x);
    double l = log(v);
    if (l == 0) return 0;
    return (int)log10(fabs(l));
}

/* Converts a long double to a Numeric rounded to rscale. */
static int from_long_double(long double v, int rscale, Numeric *out, Err *err)
{
    if (isnan(v) || isinf(v)) return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, OVERFLOW_MSG);
    char buf[80];
    int n = snprintf(buf, sizeof buf, "%.20Le", v);
    Numeric t;
    if (numeric_from_text(buf, (size_t)n, &t, err)) return MDB_FAIL;
    if (numeric_round(t, rscale, &t, err)) return MDB_FAIL;
    *out = t;
    return MDB_OK_;
}

static long double to_long_double(Numeric v)
{
    char buf[NUMERIC_MAX_TEXT_LEN];
    size_t n;
    char *t = numeric_to_text_dyn(v, buf, sizeof buf, &n);
    long double d = strtold(t, NULL);
    if (t != buf) free(t);
    return d;
}

int numeric_exp(Numeric a, Numeric *out, Err *err)
{
    if (numeric_is_special(a)) { /* exp(-Infinity) is 0 */
        *out = numeric_is_nan(a) || sign_any(a) > 0 ? a : numeric_make(0, 0);
        return MDB_OK_;
    }
    double val = numeric_to_double(a) * 0.434294481903252;
    if (val > 1000) val = 1000;
    if (val < -1000) val = -1000;
    int rscale = clamp_scale(MDB_MAX(MIN_SIG_DIGITS - (int)val, numeric_scale_any(a)));
    if (numeric_to_double(a) > 85) return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, OVERFLOW_MSG);
    return from_long_double(expl(to_long_double(a)), rscale, out, err);
}

static int ln_checks(Numeric a, Err *err)
{
    if (numeric_is_nan(a)) return MDB_OK_;
    int c = sign_any(a);
    if (c == 0) return err_set(err, SQLSTATE_INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of zero");
    if (c < 0) return err_set(err, SQLSTATE_INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of a negative number");
    return MDB_OK_;
}

int numeric_ln(Numeric a, Numeric *out, Err *err)
{
    if (numeric_is_special(a)) {
        if (ln_checks(a, err)) return MDB_FAIL;
        *out = a; /* ln(NaN) NaN, ln(Infinity) Infinity */
        return MDB_OK_;
    }
    if (ln_checks(a, err)) return MDB_FAIL;
    int rscale = clamp_scale(MDB_MAX(MIN_SIG_DIGITS - estimate_ln_dweight(a), numeric_scale_any(a)));
    return from_long_double(logl(to_long_double(a)), rscale, out, err);
}

int numeric_log(Numeric base, Numeric a, Numeric *out, Err *err)
{
    if (numeric_is_special(base) || numeric_is_special(a)) {
        /* PostgreSQL 15: NaN wins; log(Infinity, Infinity) is NaN, log(Infinity, x) 0, log(b, Infinity) Infinity */
        if (numeric_is_nan(base) || numeric_is_nan(a)) {
            *out = NUMERIC_NAN;
            return MDB_OK_;
        }
        if (ln_checks(base, err) || ln_checks(a, err)) return MDB_FAIL;
        if (numeric_is_inf(base)) *out = numeric_is_inf(a) ? NUMERIC_NAN : numeric_make(0, 0);
        else if (numeric_cmp(base, numeric_make(1, 0)) == 0) return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
        else *out = inf_of(numeric_cmp(base, numeric_make(1, 0)));
        return MDB_OK_;
    }
    if (ln_checks(base, err) || ln_checks(a, err)) return MDB_FAIL;
    if (numeric_cmp(base, numeric_make(1, 0)) == 0) return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    int rdw = estimate_ln_dweight(a) - estimate_ln_dweight(base);
    int rscale = MIN_SIG_DIGITS - rdw;
    rscale = MDB_MAX(rscale, numeric_scale_any(base));
    rscale = clamp_scale(MDB_MAX(rscale, numeric_scale_any(a)));
    long double r = logl(to_long_double(a)) / logl(to_long_double(base));
    return from_long_double(r, rscale, out, err);
}

int numeric_log10(Numeric a, Numeric *out, Err *err) { return numeric_log(numeric_make(10, 0), a, out, err); }

/* power() with NaN or ±Infinity (PostgreSQL 15's rules). */
static int power_special(Numeric a, Numeric b, Numeric *out, Err *err)
{
    Numeric one = numeric_make(1, 0);
    if (!numeric_is_special(a) && numeric_cmp(a, one) == 0) { /* 1 ^ anything, NaN included */
        *out = numeric_make(1, 0);
        return MDB_OK_;
    }
    if (numeric_is_zero(b)) { /* anything ^ 0 */
        *out = numeric_make(1, 0);
        return MDB_OK_;
    }
    if (numeric_is_nan(a) || numeric_is_nan(b)) {
        *out = NUMERIC_NAN;
        return MDB_OK_;
    }
    int sb = sign_any(b);
    if (numeric_is_inf(b)) {
        if (numeric_is_zero(a) && sb < 0) return err_set(err, "2201F", "zero raised to a negative power is undefined");
        Numeric m = numeric_abs(a);
        int c = numeric_cmp(m, one); /* |a| against 1 */
        if (c == 0) *out = numeric_make(1, 0);
        else *out = (c > 0) == (sb > 0) ? NUMERIC_PINF : numeric_make(0, 0);
        return MDB_OK_;
    }
    /* a is ±Infinity, b finite and not 0 */
    if (sb < 0) {
        *out = numeric_make(0, 0);
        return MDB_OK_;
    }
    if (sign_any(a) > 0) {
        *out = NUMERIC_PINF;
        return MDB_OK_;
    }
    /* -Infinity ^ b: -Infinity for an odd integer b, else Infinity */
    Numeric m2;
    bool odd = !numeric_mod(numeric_abs(b), numeric_make(2, 0), &m2, NULL) && numeric_cmp(m2, numeric_make(1, 0)) == 0;
    *out = odd ? NUMERIC_NINF : NUMERIC_PINF;
    return MDB_OK_;
}

int numeric_power(Numeric a, Numeric b, Numeric *out, Err *err)
{
    if (numeric_is_special(a) || numeric_is_special(b)) return power_special(a, b, out, err);
    int sb = numeric_scale_any(b);
    Numeric bt;
    bool b_is_int = !numeric_trunc(b, 0, &bt, NULL) && numeric_cmp(bt, b) == 0;
    int siga = sign_any(a), sigb = sign_any(b);
    if (siga == 0 && sigb < 0) return err_set(err, "2201F", "zero raised to a negative power is undefined");
    if (siga < 0 && !b_is_int)
        return err_set(err, "2201F", "a negative number raised to a non-integer power yields a complex result");
    i64 n64 = 0;
    if (b_is_int && !numeric_to_int64(bt, &n64, NULL)) {
        i128 n = n64;
        int rscale = MDB_MAX(MDB_MAX(MIN_SIG_DIGITS, numeric_scale_any(a)), sb);
        rscale = MDB_MIN(rscale, NBIG_MAX_RESULT_SCALE);
        if (n >= INT32_MIN && n <= INT32_MAX) {
            /* PG's power_var_int range: repeated squaring, exact until a product's
             * scale passes 16383 digits (rounded there, as PG's multiplication);
             * an integer part past 131072 digits fails on the way (22003) */
            Numeric result = numeric_make(1, 0), base = a;
            i128 k = n < 0 ? -n : n;
            Err local = {0};
            int rc = MDB_OK_;
            /* intermediates are released as soon as they are replaced (a is the caller's) */
            while (k > 0 && !rc) {
                if (k & 1) {
                    Numeric r2;
                    rc = numeric_mul(result, base, &r2, &local);
                    if (!rc) {
                        numeric_release(result);
                        result = r2;
                    }
                }
                k >>= 1;
                if (k > 0 && !rc) {
                    Numeric b2;
                    rc = numeric_mul(base, base, &b2, &local);
                    if (!rc) {
                        if (base != a) numeric_release(base);
                        base = b2;
                    }
                }
            }
            if (base != a) numeric_release(base);
            if (rc) {
                numeric_release(result);
                bool underflow = n < 0 && !strcmp(local.sqlstate, SQLSTATE_NUMERIC_OUT_OF_RANGE);
                if (!underflow) err_set(err, local.sqlstate, "%s", local.message);
                err_clear(&local);
                /* 1 / (a number too large to hold) rounds to zero at rscale */
                return underflow ? numeric_round(numeric_make(0, 0), rscale, out, err) : MDB_FAIL;
            }
            int rc2 = n < 0 ? numeric_div_scale(numeric_make(1, 0), result, rscale, out, err)
                            : numeric_round(result, rscale, out, err);
            if (rc2 || *out != result) numeric_release(result);
            return rc2;
        }
    }
    long double la = to_long_double(a), lb = to_long_double(b);
    long double r = powl(la, lb);
    double val = (double)(lb * logl(fabsl(la))) * 0.434294481903252;
    if (val > 1000) val = 1000;
    if (val < -1000) val = -1000;
    int rscale = MIN_SIG_DIGITS - (int)val;
    rscale = MDB_MAX(rscale, numeric_scale_any(a));
    rscale = clamp_scale(MDB_MAX(rscale, sb));
    return from_long_double(r, rscale, out, err);
}
