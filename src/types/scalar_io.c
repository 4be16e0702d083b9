/*
 * src/types/scalar_io.c — text I/O of integers, floats, booleans, UUIDs and
 * bytea with PostgreSQL 15's accepted syntax, output and error messages.
 *
 * Float output with extra_float_digits > 0 must be the shortest decimal that
 * reads back to the same binary value (PG uses Ryu).  We find the shortest
 * precision by a binary search over %.*e + strtod round trips (round-tripping
 * is monotone in the number of digits), then lay the digits out in PG's
 * fixed or exponential style ourselves.  See src/types/README.md.
 */
#include "types/scalar_io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* ---------------------------------------------------------------------------
 * Integers
 * ------------------------------------------------------------------------- */

/* Parses into an i64 with bounds [min, max]; `tname` names the type. */
static int parse_int(const char *s, size_t len, i64 min, i64 max, const char *tname, i64 *out, Err *err)
{
    size_t i = 0;
    while (i < len && is_space(s[i])) i++;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    if (i >= len || s[i] < '0' || s[i] > '9') goto syntax;
    /* accumulate negatively so that the minimum value parses */
    i64 acc = 0;
    i64 lim = neg ? min : -max;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        int d = s[i] - '0';
        if (acc < lim / 10) goto range;
        acc *= 10;
        if (acc < lim + d) goto range;
        acc -= d;
    }
    while (i < len && is_space(s[i])) i++;
    if (i != len) goto syntax;
    *out = neg ? acc : -acc;
    return MDB_OK_;
syntax:
    return err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s: \"%.*s\"", tname,
                   (int)len, s);
range:
    return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "value \"%.*s\" is out of range for type %s", (int)len, s,
                   tname);
}

int scalar_parse_int16(const char *s, size_t len, i16 *out, Err *err)
{
    i64 v;
    if (parse_int(s, len, INT16_MIN, INT16_MAX, "smallint", &v, err)) return MDB_FAIL;
    *out = (i16)v;
    return MDB_OK_;
}

int scalar_parse_int32(const char *s, size_t len, i32 *out, Err *err)
{
    i64 v;
    if (parse_int(s, len, INT32_MIN, INT32_MAX, "integer", &v, err)) return MDB_FAIL;
    *out = (i32)v;
    return MDB_OK_;
}

int scalar_parse_int64(const char *s, size_t len, i64 *out, Err *err)
{
    return parse_int(s, len, INT64_MIN, INT64_MAX, "bigint", out, err);
}

size_t scalar_format_int64(i64 v, char *buf)
{
    char tmp[24];
    int n = 0;
    u64 m = v < 0 ? (u64)0 - (u64)v : (u64)v;
    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    size_t len = 0;
    if (v < 0) buf[len++] = '-';
    while (n > 0) buf[len++] = tmp[--n];
    buf[len] = 0;
    return len;
}

size_t scalar_format_int32(i32 v, char *buf) { return scalar_format_int64(v, buf); }

/* ---------------------------------------------------------------------------
 * Floats
 * ------------------------------------------------------------------------- */

/* Copies s[0..len) to a NUL-terminated buffer: `stack` when it fits, else
 * the heap (returned for freeing). */
static char *cstr(const char *s, size_t len, char *stack, size_t stack_cap, char **heap)
{
    *heap = NULL;
    char *d = stack;
    if (len + 1 > stack_cap) d = *heap = xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = 0;
    return d;
}

static int parse_float(const char *s, size_t len, bool is_float4, double *out, Err *err)
{
    const char *tname = is_float4 ? "real" : "double precision";
    char stack[128], *heap;
    char *z = cstr(s, len, stack, sizeof stack, &heap);
    char *p = z;
    int rc = MDB_OK_;
    while (is_space(*p)) p++;
    if (*p == 0 || memchr(z, 0, len) != NULL) {
        rc = err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s: \"%.*s\"", tname,
                     (int)len, s);
        goto done;
    }
    char *end;
    errno = 0;
    double v;
    if (is_float4) {
        float f = strtof(p, &end);
        v = f;
        if (end != p && errno == ERANGE && !(f == 0.0f || isinf(f))) errno = 0; /* denormal: accepted */
    } else {
        v = strtod(p, &end);
        if (end != p && errno == ERANGE && !(v == 0.0 || isinf(v))) errno = 0;
    }
    if (end == p) {
        rc = err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s: \"%.*s\"", tname,
                     (int)len, s);
        goto done;
    }
    if (errno == ERANGE) {
        rc = err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "\"%.*s\" is out of range for type %s", (int)len, s, tname);
        goto done;
    }
    while (is_space(*end)) end++;
    if (*end != 0) {
        rc = err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s: \"%.*s\"", tname,
                     (int)len, s);
        goto done;
    }
    *out = v;
done:
    free(heap);
    return rc;
}

int scalar_parse_float8(const char *s, size_t len, double *out, Err *err)
{
    return parse_float(s, len, false, out, err);
}

int scalar_parse_float4(const char *s, size_t len, float *out, Err *err)
{
    double d;
    if (parse_float(s, len, true, &d, err)) return MDB_FAIL;
    *out = (float)d;
    return MDB_OK_;
}

/* txt reads back as v, and is not exactly halfway to a neighbour: like PG's
 * Ryu we never print a boundary value that only round-half-even maps back
 * (1e23 prints as 9.999999999999999e+22).  Midpoints between doubles are
 * exact in long double, those between floats exact in double. */
static bool roundtrips(const char *txt, double v, bool is_float4)
{
    if (is_float4) {
        float f = (float)v;
        double d = strtod(txt, NULL);
        if ((float)d != f) return false;
        double lo = ((double)f + (double)nextafterf(f, -INFINITY)) / 2;
        double hi = ((double)f + (double)nextafterf(f, INFINITY)) / 2;
        return d != lo && d != hi;
    }
    if (strtod(txt, NULL) != v) return false;
    long double ld = strtold(txt, NULL);
    long double lo = ((long double)v + (long double)nextafter(v, -INFINITY)) / 2;
    long double hi = ((long double)v + (long double)nextafter(v, INFINITY)) / 2;
    return ld != lo && ld != hi;
}

/* Shortest round-trip digits of a finite non-zero |v|: writes the digit
 * string (no point) to digs and returns the count; *exp10 receives the
 * decimal exponent of the first digit. */
static int shortest_digits(double v, bool is_float4, char *digs, int *exp10)
{
    char tmp[40];
    int lo = 1, hi = is_float4 ? 9 : 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(tmp, sizeof tmp, "%.*e", mid - 1, v);
        if (roundtrips(tmp, v, is_float4)) hi = mid;
        else lo = mid + 1;
    }
    snprintf(tmp, sizeof tmp, "%.*e", lo - 1, v);
    /* tmp: d[.ddd]e±xx */
    int n = 0;
    const char *p = tmp;
    if (*p == '-') p++;
    for (; *p && *p != 'e'; p++) {
        if (*p != '.') digs[n++] = *p;
    }
    *exp10 = atoi(p + 1);
    while (n > 1 && digs[n - 1] == '0') n--;
    return n;
}

static size_t format_special(double v, char *buf, bool *done)
{
    *done = true;
    if (isnan(v)) {
        memcpy(buf, "NaN", 4);
        return 3;
    }
    if (isinf(v)) {
        if (v > 0) {
            memcpy(buf, "Infinity", 9);
            return 8;
        }
        memcpy(buf, "-Infinity", 10);
        return 9;
    }
    if (v == 0) {
        if (signbit(v)) {
            memcpy(buf, "-0", 3);
            return 2;
        }
        memcpy(buf, "0", 2);
        return 1;
    }
    *done = false;
    return 0;
}

static size_t format_float(double v, bool is_float4, int efd, char *buf)
{
    bool done;
    size_t n = format_special(v, buf, &done);
    if (done) return n;
    if (efd <= 0) {
        int prec = (is_float4 ? 6 : 15) + efd;
        if (prec < 1) prec = 1;
        return (size_t)snprintf(buf, SCALAR_FLOAT_BUFLEN, "%.*g", prec, v);
    }
    char digs[24];
    int e;
    int nd = shortest_digits(v, is_float4, digs, &e);
    size_t len = 0;
    if (v < 0) buf[len++] = '-';
    int fixed_max = is_float4 ? 6 : 15;
    if (e >= -4 && e < fixed_max) {
        if (e < 0) {
            buf[len++] = '0';
            buf[len++] = '.';
            for (int i = 0; i < -e - 1; i++) buf[len++] = '0';
            for (int i = 0; i < nd; i++) buf[len++] = digs[i];
        } else {
            for (int i = 0; i <= e; i++) buf[len++] = i < nd ? digs[i] : '0';
            if (nd > e + 1) {
                buf[len++] = '.';
                for (int i = e + 1; i < nd; i++) buf[len++] = digs[i];
            }
        }
    } else {
        buf[len++] = digs[0];
        if (nd > 1) {
            buf[len++] = '.';
            for (int i = 1; i < nd; i++) buf[len++] = digs[i];
        }
        buf[len++] = 'e';
        buf[len++] = e < 0 ? '-' : '+';
        int ae = e < 0 ? -e : e;
        if (ae >= 100) buf[len++] = (char)('0' + ae / 100);
        buf[len++] = (char)('0' + (ae / 10) % 10);
        buf[len++] = (char)('0' + ae % 10);
    }
    buf[len] = 0;
    return len;
}

size_t scalar_format_float8(double v, int extra_float_digits, char *buf)
{
    return format_float(v, false, extra_float_digits, buf);
}

size_t scalar_format_float4(float v, int extra_float_digits, char *buf)
{
    return format_float((double)v, true, extra_float_digits, buf);
}

/* ---------------------------------------------------------------------------
 * Booleans
 * ------------------------------------------------------------------------- */

/* s[0..n) is a non-empty case-insensitive prefix of word, at least min long. */
static bool prefix_of(const char *s, size_t n, const char *word, size_t min)
{
    size_t wl = strlen(word);
    if (n < min || n > wl) return false;
    for (size_t i = 0; i < n; i++) {
        if (lower(s[i]) != word[i]) return false;
    }
    return true;
}

int scalar_parse_bool(const char *s, size_t len, bool *out, Err *err)
{
    size_t i = 0, end = len;
    while (i < end && is_space(s[i])) i++;
    while (end > i && is_space(s[end - 1])) end--;
    const char *p = s + i;
    size_t n = end - i;
    if (n > 0) {
        switch (lower(p[0])) {
        case 't':
            if (prefix_of(p, n, "true", 1)) return *out = true, MDB_OK_;
            break;
        case 'f':
            if (prefix_of(p, n, "false", 1)) return *out = false, MDB_OK_;
            break;
        case 'y':
            if (prefix_of(p, n, "yes", 1)) return *out = true, MDB_OK_;
            break;
        case 'n':
            if (prefix_of(p, n, "no", 1)) return *out = false, MDB_OK_;
            break;
        case 'o':
            /* "o" alone is ambiguous between on and off */
            if (prefix_of(p, n, "on", 2)) return *out = true, MDB_OK_;
            if (prefix_of(p, n, "off", 2)) return *out = false, MDB_OK_;
            break;
        case '1':
            if (n == 1) return *out = true, MDB_OK_;
            break;
        case '0':
            if (n == 1) return *out = false, MDB_OK_;
            break;
        default: break;
        }
    }
    return err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type boolean: \"%.*s\"",
                   (int)len, s);
}

size_t scalar_format_bool(bool v, char *buf)
{
    buf[0] = v ? 't' : 'f';
    buf[1] = 0;
    return 1;
}

/* ---------------------------------------------------------------------------
 * UUID
 * ------------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int scalar_parse_uuid(const char *s, size_t len, u8 out[16], Err *err)
{
    size_t i = 0;
    bool braces = false;
    if (len > 0 && s[0] == '{') {
        braces = true;
        i++;
    }
    for (int b = 0; b < 16; b++) {
        if (i + 2 > len) goto bad;
        int h = hexval(s[i]), l = hexval(s[i + 1]);
        if (h < 0 || l < 0) goto bad;
        out[b] = (u8)(h << 4 | l);
        i += 2;
        if (i < len && s[i] == '-' && (b % 2) == 1 && b < 15) i++;
    }
    if (braces) {
        if (i >= len || s[i] != '}') goto bad;
        i++;
    }
    if (i != len) goto bad;
    return MDB_OK_;
bad:
    return err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type uuid: \"%.*s\"", (int)len,
                   s);
}

static const char HEX[] = "0123456789abcdef";

size_t scalar_format_uuid(const u8 in[16], char *buf)
{
    size_t len = 0;
    for (int b = 0; b < 16; b++) {
        if (b == 4 || b == 6 || b == 8 || b == 10) buf[len++] = '-';
        buf[len++] = HEX[in[b] >> 4];
        buf[len++] = HEX[in[b] & 15];
    }
    buf[len] = 0;
    return len;
}

/* ---------------------------------------------------------------------------
 * bytea
 * ------------------------------------------------------------------------- */

int scalar_parse_bytea(const char *s, size_t len, u8 *out, size_t *out_len, Err *err)
{
    size_t n = 0;
    if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
        size_t i = 2;
        while (i < len) {
            char c = s[i];
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
                i++;
                continue;
            }
            int h = hexval(c);
            if (h < 0) return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%c\"", c);
            if (i + 1 >= len)
                return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid hexadecimal data: odd number of digits");
            int l = hexval(s[i + 1]);
            if (l < 0)
                return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%c\"", s[i + 1]);
            out[n++] = (u8)(h << 4 | l);
            i += 2;
        }
        *out_len = n;
        return MDB_OK_;
    }
    for (size_t i = 0; i < len;) {
        if (s[i] != '\\') {
            out[n++] = (u8)s[i++];
        } else if (i + 1 < len && s[i + 1] == '\\') {
            out[n++] = '\\';
            i += 2;
        } else if (i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                   s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            out[n++] = (u8)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
            i += 4;
        } else {
            return err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type bytea");
        }
    }
    *out_len = n;
    return MDB_OK_;
}

size_t scalar_format_bytea(const u8 *in, size_t n, char *buf)
{
    size_t len = 0;
    buf[len++] = '\\';
    buf[len++] = 'x';
    for (size_t i = 0; i < n; i++) {
        buf[len++] = HEX[in[i] >> 4];
        buf[len++] = HEX[in[i] & 15];
    }
    buf[len] = 0;
    return len;
}
