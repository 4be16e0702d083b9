/*
 * src/types/numeric_big.c — arbitrary-precision NUMERIC values.
 *
 * A value that does not fit the 128-bit form (more than 35 digits, or a
 * scale above 35) is a "big" value: an immutable record holding the sign,
 * the display scale and the coefficient in base 10^9 limbs (least
 * significant first), value = coefficient × 10^-scale.  Records live in a
 * process-wide registry and a Numeric refers to one by its registry id
 * (NUMERIC_TAG_BIG in the scale byte, the id above it): the 16-byte slot of
 * a vector, a stored row or a hash key stays a plain 16-byte value that can
 * be copied freely.  Ids are validated on every access because comparison
 * kernels also run over the junk slots of NULL rows.
 *
 * Trimmed values (numeric_trim_scale, which grouping and hash keys use) are
 * interned — one shared record per distinct (sign, scale, digits) — so equal
 * values are bytewise equal there.  Other results get a record of their own.
 * A record lives as long as the process, except one that its maker releases
 * (numeric_release) because the value never left it: the intermediate
 * results of loops such as factorial, power and sums.  See
 * src/types/README.md.
 *
 * The arithmetic is schoolbook: the limbs of a working value (BD) are
 * malloc'ed, results are rounded once, and the limits and result scales are
 * PostgreSQL 15's.
 */
#include "types/numeric_big.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define BASE 1000000000u
#define BASE_DIGITS 9

static const char OVERFLOW_MSG[] = "value overflows numeric format";

static const u32 P10_32[10] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u};

/* ---------------------------------------------------------------------------
 * The registry of big values
 * ------------------------------------------------------------------------- */

typedef struct NumBig {
    u64 hash; /* of (sign, scale, limbs): the intern table's key */
    i32 sign; /* -1, 0, 1 */
    i32 scale;
    u32 n;       /* limbs, the top one non-zero (0 for zero) */
    u32 interned; /* in the intern table: shared, never released */
    u32 d[];
} NumBig;

#define CHUNK_BITS 14
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define MAX_CHUNKS (1u << 18)

static NumBig **chunks[MAX_CHUNKS];
static _Atomic u64 big_count;
static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static u64 *itab; /* open addressing: id + 1, 0 = empty */
static u64 itab_cap, itab_used;

static const NumBig *big_get(Numeric v)
{
    u128 u = (u128)v;
    if ((u8)u != NUMERIC_TAG_BIG || (u >> 72) != 0) return NULL;
    u64 id = (u64)(u >> 8);
    if (id >= atomic_load_explicit(&big_count, memory_order_acquire)) return NULL;
    return chunks[id >> CHUNK_BITS][id & (CHUNK_SIZE - 1)];
}

static u64 mix64(u64 h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static u64 content_hash(int sign, int scale, const u32 *d, u32 n)
{
    u64 h = mix64(((u64)(u32)sign << 32) ^ (u64)(u32)scale ^ ((u64)n << 40));
    for (u32 i = 0; i < n; i++) h = mix64(h ^ d[i]) + i;
    return h;
}

static bool same_content(const NumBig *b, int sign, int scale, const u32 *d, u32 n)
{
    return b->sign == sign && b->scale == scale && b->n == n && memcmp(b->d, d, (size_t)n * 4) == 0;
}

static void itab_put(u64 id, u64 hash)
{
    u64 m = itab_cap - 1;
    for (u64 i = hash & m;; i = (i + 1) & m) {
        if (!itab[i]) {
            itab[i] = id + 1;
            return;
        }
    }
}

/* A new record for this content, or with `intern` the one record every interned copy of it shares;
 * false when out of memory or ids. */
static bool big_new(int sign, int scale, const u32 *d, u32 n, bool intern, u64 *id_out)
{
    u64 h = content_hash(sign, scale, d, n);
    pthread_mutex_lock(&big_lock);
    if (intern && itab_cap) {
        u64 m = itab_cap - 1;
        for (u64 i = h & m; itab[i]; i = (i + 1) & m) {
            u64 id = itab[i] - 1;
            const NumBig *b = chunks[id >> CHUNK_BITS][id & (CHUNK_SIZE - 1)];
            if (b->hash == h && same_content(b, sign, scale, d, n)) {
                pthread_mutex_unlock(&big_lock);
                *id_out = id;
                return true;
            }
        }
    }
    u64 id = atomic_load_explicit(&big_count, memory_order_relaxed);
    if ((id >> CHUNK_BITS) >= MAX_CHUNKS) goto fail;
    if (intern && (itab_used + 1) * 2 > itab_cap) {
        u64 ncap = itab_cap ? itab_cap * 2 : 1024;
        u64 *nt = calloc(ncap, sizeof *nt);
        if (!nt) goto fail;
        u64 *old = itab, ocap = itab_cap;
        itab = nt;
        itab_cap = ncap;
        for (u64 i = 0; i < ocap; i++) {
            if (old[i]) {
                u64 oid = old[i] - 1;
                itab_put(oid, chunks[oid >> CHUNK_BITS][oid & (CHUNK_SIZE - 1)]->hash);
            }
        }
        free(old);
    }
    if (!chunks[id >> CHUNK_BITS]) {
        chunks[id >> CHUNK_BITS] = calloc(CHUNK_SIZE, sizeof(NumBig *));
        if (!chunks[id >> CHUNK_BITS]) goto fail;
    }
    NumBig *b = malloc(sizeof(NumBig) + (size_t)n * 4);
    if (!b) goto fail;
    b->hash = h;
    b->sign = sign;
    b->scale = scale;
    b->n = n;
    b->interned = intern;
    if (n) memcpy(b->d, d, (size_t)n * 4);
    chunks[id >> CHUNK_BITS][id & (CHUNK_SIZE - 1)] = b;
    if (intern) {
        itab_put(id, h);
        itab_used++;
    }
    atomic_store_explicit(&big_count, id + 1, memory_order_release);
    pthread_mutex_unlock(&big_lock);
    *id_out = id;
    return true;
fail:
    pthread_mutex_unlock(&big_lock);
    return false;
}

/* ---------------------------------------------------------------------------
 * Working values
 * ------------------------------------------------------------------------- */

typedef struct BD {
    int sign; /* -1, 0, 1 */
    int scale;
    u32 n, cap;
    u32 *d;
} BD;

#define BD_INIT {0, 0, 0, 0, NULL}

static void bd_free(BD *x)
{
    free(x->d);
    x->d = NULL;
    x->n = x->cap = 0;
}

static void bd_reserve(BD *x, u32 cap)
{
    if (cap <= x->cap) return;
    u32 nc = cap < 8 ? 8 : cap;
    u32 *nd = realloc(x->d, (size_t)nc * 4);
    if (!nd) abort(); /* out of memory: as the arenas do */
    x->d = nd;
    x->cap = nc;
}

static void bd_norm(BD *x)
{
    while (x->n && x->d[x->n - 1] == 0) x->n--;
    if (x->n == 0) x->sign = 0;
    else if (x->sign == 0) x->sign = 1;
}

static void bd_copy(BD *dst, const BD *src)
{
    bd_reserve(dst, src->n);
    dst->n = src->n;
    dst->sign = src->sign;
    dst->scale = src->scale;
    if (src->n) memcpy(dst->d, src->d, (size_t)src->n * 4);
}

static void bd_set_u128(BD *x, u128 m)
{
    bd_reserve(x, 5);
    x->n = 0;
    while (m) {
        x->d[x->n++] = (u32)(m % BASE);
        m /= BASE;
    }
}

/* Loads a finite value (junk big ids read as 0). */
static void bd_load(BD *x, Numeric v)
{
    x->scale = 0;
    x->sign = 0;
    x->n = 0;
    if ((u8)v == NUMERIC_TAG_BIG) {
        const NumBig *b = big_get(v);
        if (!b) return;
        bd_reserve(x, b->n);
        x->n = b->n;
        if (b->n) memcpy(x->d, b->d, (size_t)b->n * 4);
        x->sign = b->sign;
        x->scale = b->scale;
        return;
    }
    if ((u8)v > NUMERIC_MAX_SCALE) return; /* specials never reach here; junk reads as 0 */
    i128 c = numeric_coef(v);
    x->scale = numeric_scale(v);
    bd_set_u128(x, c < 0 ? (u128)0 - (u128)c : (u128)c);
    x->sign = c < 0 ? -1 : c > 0;
}

static int digits_u32(u32 x)
{
    int n = 1;
    while (n < 10 && x >= P10_32[n]) n++;
    return n;
}

/* Decimal digits of the magnitude (0 for zero). */
static int bd_digits(const BD *x)
{
    if (!x->n) return 0;
    return (int)(x->n - 1) * BASE_DIGITS + digits_u32(x->d[x->n - 1]);
}

static int mag_cmp(const BD *a, const BD *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (u32 i = a->n; i-- > 0;) {
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    }
    return 0;
}

/* r = |a| + |b| (r distinct from a and b). */
static void mag_add(BD *r, const BD *a, const BD *b)
{
    u32 n = a->n > b->n ? a->n : b->n;
    bd_reserve(r, n + 1);
    u32 carry = 0;
    for (u32 i = 0; i < n; i++) {
        u32 s = (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0) + carry;
        carry = s >= BASE;
        r->d[i] = carry ? s - BASE : s;
    }
    r->d[n] = carry;
    r->n = n + 1;
    bd_norm(r);
}

/* r = |a| - |b|, |a| >= |b| (r distinct from b; may be a). */
static void mag_sub(BD *r, const BD *a, const BD *b)
{
    bd_reserve(r, a->n);
    i64 borrow = 0;
    for (u32 i = 0; i < a->n; i++) {
        i64 s = (i64)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        borrow = s < 0;
        r->d[i] = (u32)(s < 0 ? s + BASE : s);
    }
    r->n = a->n;
    bd_norm(r);
}

/* x = x * m + add, in place. */
static void mag_mul_small(BD *x, u32 m, u32 add)
{
    u64 carry = add;
    for (u32 i = 0; i < x->n; i++) {
        u64 p = (u64)x->d[i] * m + carry;
        x->d[i] = (u32)(p % BASE);
        carry = p / BASE;
    }
    while (carry) {
        bd_reserve(x, x->n + 1);
        x->d[x->n++] = (u32)(carry % BASE);
        carry /= BASE;
    }
    bd_norm(x);
}

/* x /= m in place; returns the remainder. */
static u32 mag_div_small(BD *x, u32 m)
{
    u64 rem = 0;
    for (u32 i = x->n; i-- > 0;) {
        u64 cur = rem * BASE + x->d[i];
        x->d[i] = (u32)(cur / m);
        rem = cur % m;
    }
    bd_norm(x);
    return (u32)rem;
}

/* r = |a| × |b| (r distinct from a and b). */
static void mag_mul(BD *r, const BD *a, const BD *b)
{
    if (!a->n || !b->n) {
        r->n = 0;
        bd_norm(r);
        return;
    }
    u32 n = a->n + b->n;
    bd_reserve(r, n);
    u64 *acc = calloc(n, sizeof(u64));
    if (!acc) abort();
    for (u32 i = 0; i < a->n; i++) {
        u64 ai = a->d[i], carry = 0;
        if (!ai) continue;
        for (u32 j = 0; j < b->n; j++) {
            u64 t = acc[i + j] + ai * b->d[j] + carry;
            acc[i + j] = t % BASE;
            carry = t / BASE;
        }
        u32 k = i + b->n;
        while (carry) {
            u64 t = acc[k] + carry;
            acc[k] = t % BASE;
            carry = t / BASE;
            k++;
        }
    }
    for (u32 i = 0; i < n; i++) r->d[i] = (u32)acc[i];
    free(acc);
    r->n = n;
    r->sign = 1;
    bd_norm(r);
}

/* q = |a| / |b|, rem = |a| % |b| (Knuth's algorithm D; b ≠ 0; q, rem distinct from a, b). */
static void mag_divmod(BD *q, BD *rem, const BD *a, const BD *b)
{
    if (mag_cmp(a, b) < 0) {
        q->n = 0;
        bd_norm(q);
        if (rem) {
            bd_copy(rem, a);
            rem->sign = a->n ? 1 : 0;
        }
        return;
    }
    if (b->n == 1) {
        bd_copy(q, a);
        q->sign = 1;
        u32 r = mag_div_small(q, b->d[0]);
        if (rem) {
            bd_set_u128(rem, r);
            rem->sign = 1;
            bd_norm(rem);
        }
        return;
    }
    u32 n = b->n, m = a->n - b->n;
    u32 f = BASE / (b->d[n - 1] + 1);
    /* u = a·f with an extra limb; v = b·f */
    i64 *u = calloc((size_t)a->n + 1, sizeof(i64));
    i64 *v = calloc(n, sizeof(i64));
    if (!u || !v) abort();
    u64 carry = 0;
    for (u32 i = 0; i < a->n; i++) {
        u64 p = (u64)a->d[i] * f + carry;
        u[i] = (i64)(p % BASE);
        carry = p / BASE;
    }
    u[a->n] = (i64)carry;
    carry = 0;
    for (u32 i = 0; i < n; i++) {
        u64 p = (u64)b->d[i] * f + carry;
        v[i] = (i64)(p % BASE);
        carry = p / BASE;
    }
    bd_reserve(q, m + 1);
    q->n = m + 1;
    for (u32 jj = m + 1; jj-- > 0;) {
        u32 j = jj;
        i64 num = u[j + n] * (i64)BASE + u[j + n - 1];
        i64 qhat = num / v[n - 1], rhat = num % v[n - 1];
        while (qhat >= (i64)BASE || qhat * v[n - 2] > rhat * (i64)BASE + u[j + n - 2]) {
            qhat--;
            rhat += v[n - 1];
            if (rhat >= (i64)BASE) break;
        }
        /* u[j..j+n] -= qhat · v */
        i64 borrow = 0;
        i64 mc = 0;
        for (u32 i = 0; i < n; i++) {
            i64 p = qhat * v[i] + mc;
            mc = p / (i64)BASE;
            i64 s = u[i + j] - p % (i64)BASE - borrow;
            borrow = 0;
            if (s < 0) {
                s += BASE;
                borrow = 1;
            }
            u[i + j] = s;
        }
        i64 top = u[j + n] - mc - borrow;
        if (top < 0) {
            /* qhat was one too large: add v back */
            qhat--;
            i64 c2 = 0;
            for (u32 i = 0; i < n; i++) {
                i64 s = u[i + j] + v[i] + c2;
                c2 = s >= (i64)BASE;
                u[i + j] = c2 ? s - BASE : s;
            }
            top += c2;
        }
        u[j + n] = top;
        q->d[j] = (u32)qhat;
    }
    q->sign = 1;
    bd_norm(q);
    if (rem) {
        bd_reserve(rem, n);
        for (u32 i = 0; i < n; i++) rem->d[i] = (u32)u[i];
        rem->n = n;
        rem->sign = 1;
        bd_norm(rem);
        mag_div_small(rem, f);
    }
    free(u);
    free(v);
}

/* x ×= 10^k (k ≥ 0), in place. */
static void bd_mul_pow10(BD *x, int k)
{
    if (!x->n || k <= 0) return;
    u32 limbs = (u32)(k / BASE_DIGITS);
    int r = k % BASE_DIGITS;
    if (limbs) {
        bd_reserve(x, x->n + limbs);
        memmove(x->d + limbs, x->d, (size_t)x->n * 4);
        memset(x->d, 0, (size_t)limbs * 4);
        x->n += limbs;
    }
    if (r) mag_mul_small(x, P10_32[r], 0);
}

/* x /= 10^k truncating (k ≥ 0); *nonzero |= whether anything non-zero was dropped. */
static void bd_div_pow10(BD *x, int k, bool *nonzero)
{
    if (k <= 0 || !x->n) return;
    u32 limbs = (u32)(k / BASE_DIGITS);
    int r = k % BASE_DIGITS;
    if (limbs >= x->n) {
        *nonzero = *nonzero || x->n;
        x->n = 0;
        bd_norm(x);
        return;
    }
    if (limbs) {
        for (u32 i = 0; i < limbs; i++) *nonzero = *nonzero || x->d[i];
        memmove(x->d, x->d + limbs, (size_t)(x->n - limbs) * 4);
        x->n -= limbs;
    }
    if (r && mag_div_small(x, P10_32[r])) *nonzero = true;
    bd_norm(x);
}

/* Sets the scale of x to s: pads with zeros or drops digits, rounding by
 * mode (0 half away from zero, 1 toward zero, 2 ceiling, 3 floor). */
static void bd_set_scale(BD *x, int s, int mode)
{
    if (s >= x->scale) {
        bd_mul_pow10(x, s - x->scale);
        x->scale = s;
        return;
    }
    int drop = x->scale - s;
    int sign = x->sign;
    bool nonzero = false;
    bd_div_pow10(x, drop - 1, &nonzero);
    u32 last = x->n ? mag_div_small(x, 10) : 0;
    bool half = last >= 5;
    nonzero = nonzero || last;
    bool up;
    switch (mode) {
    case 0: up = half; break;
    case 1: up = false; break;
    case 2: up = nonzero && sign > 0; break;
    default: up = nonzero && sign < 0; break;
    }
    if (up) {
        if (!x->n) {
            bd_reserve(x, 1);
            x->d[0] = 1;
            x->n = 1;
        } else {
            mag_mul_small(x, 1, 1);
        }
    }
    x->sign = x->n ? sign : 0;
    x->scale = s;
}

/* Stores x: a small value when it fits, else a record (interned: the shared one); 22003 beyond PG's limits. */
static int bd_store_as(BD *x, bool intern, Numeric *out, Err *err)
{
    bd_norm(x);
    int nd = bd_digits(x);
    if (nd - x->scale > NBIG_MAX_INT_DIGITS || x->scale > NBIG_MAX_DSCALE)
        return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, OVERFLOW_MSG);
    if (x->scale < 0) bd_set_scale(x, 0, 1); /* never happens with PG's scales: defensive */
    if (nd <= NUMERIC_MAX_PRECISION && x->scale <= NUMERIC_MAX_SCALE) {
        u128 m = 0;
        for (u32 i = x->n; i-- > 0;) m = m * BASE + x->d[i];
        *out = numeric_make(x->sign < 0 ? -(i128)m : (i128)m, x->scale);
        return MDB_OK_;
    }
    u64 id;
    if (!big_new(x->sign, x->scale, x->d, x->n, intern, &id)) return err_set(err, SQLSTATE_OUT_OF_MEMORY, "out of memory");
    *out = (Numeric)(((u128)id << 8) | NUMERIC_TAG_BIG);
    return MDB_OK_;
}

static int bd_store(BD *x, Numeric *out, Err *err) { return bd_store_as(x, false, out, err); }

void nbig_release(Numeric v)
{
    const NumBig *b = big_get(v);
    if (!b || b->interned) return;
    u64 id = (u64)((u128)v >> 8);
    pthread_mutex_lock(&big_lock);
    chunks[id >> CHUNK_BITS][id & (CHUNK_SIZE - 1)] = NULL;
    pthread_mutex_unlock(&big_lock);
    free((void *)b);
}

static int bd_store_free(BD *x, Numeric *out, Err *err)
{
    int rc = bd_store(x, out, err);
    bd_free(x);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------- */

int nbig_from_digits(bool neg, const char *s, size_t len, Numeric *out, Err *err)
{
    /* digits [. digits] [e[+-]digits], already validated by the caller */
    size_t i = 0;
    BD x = BD_INIT;
    long nfrac = 0, ndig = 0;
    bool frac = false;
    size_t dig_end = 0;
    for (; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++) {
        if (s[i] == '.') {
            frac = true;
            continue;
        }
        if (frac) nfrac++;
        ndig++;
    }
    dig_end = i;
    /* limbs from the least significant digit: 9 digits each */
    bd_reserve(&x, (u32)(ndig / BASE_DIGITS + 1));
    x.n = 0;
    u32 limb = 0;
    int k = 0;
    for (size_t j = dig_end; j-- > 0;) {
        if (s[j] == '.') continue;
        limb += (u32)(s[j] - '0') * P10_32[k];
        if (++k == BASE_DIGITS) {
            x.d[x.n++] = limb;
            limb = 0;
            k = 0;
        }
    }
    if (k) x.d[x.n++] = limb;
    long exponent = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (s[i] == '+' || s[i] == '-') eneg = s[i++] == '-';
        for (; i < len; i++) {
            if (exponent < 1000000000L) exponent = exponent * 10 + (s[i] - '0');
        }
        if (eneg) exponent = -exponent;
    }
    x.sign = 1;
    bd_norm(&x);
    if (neg && x.n) x.sign = -1;
    long scale = nfrac - exponent;
    if (exponent >= 1000000000L || exponent <= -1000000000L || scale > NBIG_MAX_DSCALE) {
        bd_free(&x);
        return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, OVERFLOW_MSG);
    }
    if (scale < 0) {
        if (x.n && bd_digits(&x) + (-scale) > NBIG_MAX_INT_DIGITS + 1) {
            bd_free(&x);
            return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, OVERFLOW_MSG);
        }
        bd_mul_pow10(&x, (int)-scale);
        scale = 0;
    }
    x.scale = (int)scale;
    return bd_store_free(&x, out, err);
}

/* Writes the text of x into buf (room for bd_text_len bytes + NUL). */
static size_t bd_text_len(const BD *x)
{
    int nd = bd_digits(x);
    int intd = nd - x->scale;
    if (intd < 1) intd = 1;
    return (size_t)(x->sign < 0) + (size_t)intd + (x->scale > 0 ? 1 + (size_t)x->scale : 0);
}

static void bd_write_text(const BD *x, char *buf)
{
    int nd = bd_digits(x);
    /* all digits, most significant first, left-padded so that there is an integer digit */
    int total = nd > x->scale ? nd : x->scale + 1;
    char *p = buf;
    if (x->sign < 0) *p++ = '-';
    int intd = total - x->scale;
    for (int k = 0; k < total; k++) {
        int pos = total - 1 - k; /* decimal position from the right */
        char c = '0';
        if (pos < nd) {
            u32 limb = x->d[pos / BASE_DIGITS];
            c = (char)('0' + (limb / P10_32[pos % BASE_DIGITS]) % 10);
        }
        if (k == intd) *p++ = '.';
        *p++ = c;
    }
    *p = 0;
}

size_t nbig_to_text(Numeric v, char *buf, size_t cap)
{
    BD x = BD_INIT;
    bd_load(&x, v);
    size_t len = bd_text_len(&x);
    if (cap > len) {
        bd_write_text(&x, buf);
    } else if (cap > 0) {
        char *tmp = malloc(len + 1);
        if (!tmp) abort();
        bd_write_text(&x, tmp);
        memcpy(buf, tmp, cap - 1);
        buf[cap - 1] = 0;
        free(tmp);
    }
    bd_free(&x);
    return len;
}

/* ---------------------------------------------------------------------------
 * Arithmetic
 * ------------------------------------------------------------------------- */

/* r = a + b (signed), both at the larger scale. */
static void bd_add(BD *r, BD *a, BD *b)
{
    int s = a->scale > b->scale ? a->scale : b->scale;
    bd_set_scale(a, s, 1);
    bd_set_scale(b, s, 1);
    r->scale = s;
    if (a->sign == 0) {
        bd_copy(r, b);
    } else if (b->sign == 0) {
        bd_copy(r, a);
    } else if (a->sign == b->sign) {
        mag_add(r, a, b);
        r->sign = r->n ? a->sign : 0;
    } else if (mag_cmp(a, b) >= 0) {
        mag_sub(r, a, b);
        if (r->n) r->sign = a->sign;
    } else {
        mag_sub(r, b, a);
        if (r->n) r->sign = b->sign;
    }
    r->scale = s;
}

int nbig_add(Numeric a, Numeric b, bool negate_b, Numeric *out, Err *err)
{
    BD x = BD_INIT, y = BD_INIT, r = BD_INIT;
    bd_load(&x, a);
    bd_load(&y, b);
    if (negate_b) y.sign = -y.sign;
    bd_add(&r, &x, &y);
    bd_free(&x);
    bd_free(&y);
    return bd_store_free(&r, out, err);
}

int nbig_mul(Numeric a, Numeric b, Numeric *out, Err *err)
{
    BD x = BD_INIT, y = BD_INIT, r = BD_INIT;
    bd_load(&x, a);
    bd_load(&y, b);
    /* the integer digits alone would overflow: fail before multiplying huge operands */
    if (x.n && y.n && (bd_digits(&x) - x.scale) + (bd_digits(&y) - y.scale) - 1 > NBIG_MAX_INT_DIGITS) {
        bd_free(&x);
        bd_free(&y);
        return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, OVERFLOW_MSG);
    }
    mag_mul(&r, &x, &y);
    r.sign = r.n ? x.sign * y.sign : 0;
    r.scale = x.scale + y.scale;
    /* PostgreSQL rounds a product's scale down to the largest display scale */
    if (r.scale > NBIG_MAX_DSCALE) bd_set_scale(&r, NBIG_MAX_DSCALE, 0);
    bd_free(&x);
    bd_free(&y);
    return bd_store_free(&r, out, err);
}

/* Top min(k, digits) decimal digits of the magnitude, k ≤ 9. */
static u32 bd_lead_digits(const BD *x, int k)
{
    if (!x->n) return 0;
    u64 top = x->d[x->n - 1];
    int td = digits_u32(x->d[x->n - 1]);
    if (x->n > 1) {
        top = top * BASE + x->d[x->n - 2];
        td += BASE_DIGITS;
    }
    while (td > k) {
        top /= 10;
        td--;
    }
    return (u32)top;
}

static void bd_nbase_lead(const BD *x, int *weight, int *first)
{
    if (!x->n) {
        *weight = 0;
        *first = 0;
        return;
    }
    int e = bd_digits(x) - 1 - x->scale; /* decimal exponent of the leading digit */
    int w = e >= 0 ? e / 4 : -((-e + 3) / 4);
    int k = e - 4 * w + 1; /* digits of the leading base-10000 digit: 1..4 */
    *weight = w;
    *first = (int)bd_lead_digits(x, k);
}

void nbig_nbase_lead(Numeric a, int *weight, int *first)
{
    BD x = BD_INIT;
    bd_load(&x, a);
    bd_nbase_lead(&x, weight, first);
    bd_free(&x);
}

int nbig_lead_exp(Numeric a)
{
    BD x = BD_INIT;
    bd_load(&x, a);
    int e = x.n ? bd_digits(&x) - 1 - x.scale : 0;
    bd_free(&x);
    return e;
}

int nbig_scale(Numeric a)
{
    if ((u8)a != NUMERIC_TAG_BIG) return numeric_scale(a);
    const NumBig *b = big_get(a);
    return b ? b->scale : 0;
}

int nbig_div_scale(Numeric a, Numeric b)
{
    BD x = BD_INIT, y = BD_INIT;
    bd_load(&x, a);
    bd_load(&y, b);
    int w1, f1, w2, f2;
    bd_nbase_lead(&x, &w1, &f1);
    bd_nbase_lead(&y, &w2, &f2);
    int qweight = w1 - w2;
    if (f1 <= f2) qweight--;
    int rscale = 16 - qweight * 4;
    rscale = MDB_MAX(rscale, x.scale);
    rscale = MDB_MAX(rscale, y.scale);
    rscale = MDB_MAX(rscale, 0);
    bd_free(&x);
    bd_free(&y);
    return MDB_MIN(rscale, NBIG_MAX_RESULT_SCALE);
}

/* |x / y| at scale R truncated: (|x|·10^(R - sx + sy)) / |y|. */
static int bd_div_trunc(BD *q, BD *x, BD *y, int R, bool *inexact, Err *err)
{
    int e = R - x->scale + y->scale;
    /* the quotient's integer digits: fail early on overflow instead of dividing huge numbers */
    if (x->n && (bd_digits(x) - x->scale) - (bd_digits(y) - y->scale) > NBIG_MAX_INT_DIGITS + 1)
        return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, OVERFLOW_MSG);
    BD r = BD_INIT;
    if (e >= 0) {
        bd_mul_pow10(x, e);
    } else {
        bd_mul_pow10(y, -e);
    }
    mag_divmod(q, &r, x, y);
    if (inexact) *inexact = r.n != 0;
    bd_free(&r);
    q->scale = R;
    return MDB_OK_;
}

int nbig_div(Numeric a, Numeric b, int rscale, bool trunc, Numeric *out, Err *err)
{
    BD x = BD_INIT, y = BD_INIT, q = BD_INIT;
    bd_load(&x, a);
    bd_load(&y, b);
    if (!y.n) {
        bd_free(&x);
        bd_free(&y);
        return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    }
    int sign = x.sign * y.sign;
    int rc = bd_div_trunc(&q, &x, &y, trunc ? rscale : rscale + 1, NULL, err);
    bd_free(&x);
    bd_free(&y);
    if (rc) {
        bd_free(&q);
        return rc;
    }
    q.sign = q.n ? sign : 0;
    /* a truncated guard digit rounds exactly half away from zero */
    if (!trunc) bd_set_scale(&q, rscale, 0);
    return bd_store_free(&q, out, err);
}

int nbig_mod(Numeric a, Numeric b, Numeric *out, Err *err)
{
    BD x = BD_INIT, y = BD_INIT, q = BD_INIT, r = BD_INIT;
    bd_load(&x, a);
    bd_load(&y, b);
    if (!y.n) {
        bd_free(&x);
        bd_free(&y);
        return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    }
    int s = MDB_MAX(x.scale, y.scale);
    int sign = x.sign;
    bd_set_scale(&x, s, 1);
    bd_set_scale(&y, s, 1);
    mag_divmod(&q, &r, &x, &y);
    r.sign = r.n ? sign : 0;
    r.scale = s;
    bd_free(&x);
    bd_free(&y);
    bd_free(&q);
    return bd_store_free(&r, out, err);
}

int nbig_cmp(Numeric a, Numeric b)
{
    /* junk in a NULL row's slot (an id never handed out): no order, as numeric_cmp's other junk */
    if (((u8)a == NUMERIC_TAG_BIG && !big_get(a)) || ((u8)b == NUMERIC_TAG_BIG && !big_get(b))) return 0;
    BD x = BD_INIT, y = BD_INIT;
    bd_load(&x, a);
    bd_load(&y, b);
    int c;
    if (x.sign != y.sign) {
        c = x.sign < y.sign ? -1 : 1;
    } else if (!x.sign) {
        c = 0;
    } else {
        int ex = bd_digits(&x) - x.scale, ey = bd_digits(&y) - y.scale;
        if (ex != ey) {
            c = ex < ey ? -1 : 1;
        } else {
            int s = MDB_MAX(x.scale, y.scale);
            bd_set_scale(&x, s, 1);
            bd_set_scale(&y, s, 1);
            c = mag_cmp(&x, &y);
        }
        c *= x.sign;
    }
    bd_free(&x);
    bd_free(&y);
    return c;
}

int nbig_sign(Numeric a)
{
    const NumBig *b = big_get(a);
    return b ? b->sign : 0;
}

Numeric nbig_neg(Numeric a)
{
    BD x = BD_INIT;
    bd_load(&x, a);
    x.sign = -x.sign;
    Numeric r = a;
    if (bd_store(&x, &r, NULL)) r = a;
    bd_free(&x);
    return r;
}

/* Strips trailing zero digits of the fraction. */
static void bd_trim(BD *x)
{
    if (!x->n) {
        x->scale = 0;
        return;
    }
    int tz = 0;
    for (u32 i = 0; i < x->n && x->d[i] == 0; i++) tz += BASE_DIGITS;
    u32 lowest = 0;
    for (u32 i = 0; i < x->n; i++) {
        if (x->d[i]) {
            lowest = x->d[i];
            break;
        }
    }
    while (lowest % 10 == 0) {
        lowest /= 10;
        tz++;
    }
    int k = tz < x->scale ? tz : x->scale;
    bool nz = false;
    bd_div_pow10(x, k, &nz);
    x->scale -= k;
}

Numeric nbig_trim(Numeric a)
{
    BD x = BD_INIT;
    bd_load(&x, a);
    bd_trim(&x);
    Numeric r = a;
    if (bd_store_as(&x, true, &r, NULL)) r = a; /* interned: equal trimmed values are bytewise equal */
    bd_free(&x);
    return r;
}

u64 nbig_hash(Numeric a)
{
    Numeric t = nbig_trim(a);
    if ((u8)t != NUMERIC_TAG_BIG) return numeric_hash(t); /* a small value: its own hash */
    const NumBig *b = big_get(t);
    return b ? b->hash : 0;
}

int nbig_round(Numeric a, int s, int mode, Numeric *out, Err *err)
{
    BD x = BD_INIT;
    bd_load(&x, a);
    if (s > NBIG_MAX_RESULT_SCALE) s = NBIG_MAX_RESULT_SCALE;
    if (s < -NBIG_MAX_RESULT_SCALE) s = -NBIG_MAX_RESULT_SCALE;
    bd_set_scale(&x, s, mode);
    if (s < 0) {
        bd_mul_pow10(&x, -s);
        x.scale = 0;
    }
    return bd_store_free(&x, out, err);
}

int nbig_typmod(Numeric a, int precision, int scale, Numeric *out, Err *err)
{
    BD x = BD_INIT;
    bd_load(&x, a);
    bd_set_scale(&x, scale, 0);
    int maxdigits = precision - scale;
    if (x.n) {
        int lead = bd_digits(&x) - 1 - x.scale;
        if (lead >= maxdigits) {
            bd_free(&x);
            err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "numeric field overflow");
            err_detail(err, "A field with precision %d, scale %d must round to an absolute value less than %s%d.",
                       precision, scale, maxdigits ? "10^" : "", maxdigits ? maxdigits : 1);
            return MDB_FAIL;
        }
    }
    if (scale < 0) {
        bd_mul_pow10(&x, -scale);
        x.scale = 0;
    }
    return bd_store_free(&x, out, err);
}

/* Integer square root: r = floor(sqrt(n)) by Newton's method from above. */
static void mag_isqrt(BD *r, const BD *n)
{
    if (!n->n) {
        r->n = 0;
        bd_norm(r);
        return;
    }
    /* start: 10^ceil(digits/2) ≥ sqrt(n) */
    BD x = BD_INIT, q = BD_INIT, t = BD_INIT;
    bd_reserve(&x, 1);
    x.d[0] = 1;
    x.n = 1;
    x.sign = 1;
    bd_mul_pow10(&x, (bd_digits(n) + 1) / 2);
    for (;;) {
        mag_divmod(&q, NULL, n, &x);
        mag_add(&t, &x, &q);
        mag_div_small(&t, 2);
        if (mag_cmp(&t, &x) >= 0) break;
        bd_copy(&x, &t);
    }
    bd_copy(r, &x);
    r->sign = r->n ? 1 : 0;
    bd_free(&x);
    bd_free(&q);
    bd_free(&t);
}

int nbig_sqrt(Numeric a, Numeric *out, Err *err)
{
    BD x = BD_INIT, r = BD_INIT;
    bd_load(&x, a);
    if (x.sign < 0) {
        bd_free(&x);
        return err_set(err, "2201F", "cannot take square root of a negative number");
    }
    int w, f;
    bd_nbase_lead(&x, &w, &f);
    int sweight = (w + 1) * 4 / 2 - 1;
    int rscale = MDB_MAX(16 - sweight, x.scale);
    rscale = MDB_MAX(rscale, 0);
    rscale = MDB_MIN(rscale, NBIG_MAX_RESULT_SCALE);
    if (!x.n) {
        x.scale = rscale;
        return bd_store_free(&x, out, err);
    }
    /* sqrt(c·10^-s)·10^R = sqrt(c·10^(2R - s)), R = rscale + 1 (a guard digit) */
    int R = rscale + 1;
    int e = 2 * R - x.scale;
    bool nz = false;
    if (e >= 0) bd_mul_pow10(&x, e);
    else bd_div_pow10(&x, -e, &nz);
    mag_isqrt(&r, &x);
    bd_free(&x);
    r.scale = R;
    bd_set_scale(&r, rscale, 0);
    return bd_store_free(&r, out, err);
}
