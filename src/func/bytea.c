/*
 * src/func/bytea.c — binary string functions with PostgreSQL 15 semantics:
 * encode/decode (hex, base64, escape), get_byte/set_byte, overlay on bytea
 * and the bytea || bytea operator.
 *
 * The codecs follow PG's encode.c byte for byte where users can see it:
 * base64 output breaks lines after 76 characters (a newline also ends output
 * whose length is a multiple of 76), base64 input skips white space and
 * keeps decoding after the '=' padding, hex input skips white space between
 * pairs, escape output writes NUL and bytes >= 0x80 as \ooo and a backslash
 * as two.  Error texts and SQLSTATEs are PG's.
 *
 * INTERFACE: func_register_bytea
 */
#include <strings.h>

#include "func/func_internal.h"

#define SARG(k, i) (&STRS(&args[k])[AIDX(&args[k], i)])
#define IARG(k, i) (((const i32 *)args[k].data)[AIDX(&args[k], i)])

enum { ENC_HEX, ENC_BASE64, ENC_ESCAPE };

static int encoding_of(FuncCtx *ctx, const Str *name, int *enc)
{
    const char *p = str_data(name);
    size_t n = name->len;
    if (n == 3 && strncasecmp(p, "hex", 3) == 0) *enc = ENC_HEX;
    else if (n == 6 && strncasecmp(p, "base64", 6) == 0) *enc = ENC_BASE64;
    else if (n == 6 && strncasecmp(p, "escape", 6) == 0) *enc = ENC_ESCAPE;
    else return err_set(ctx->err, "22023", "unrecognized encoding: \"%.*s\"", (int)n, p);
    return MDB_OK_;
}

static const char HEX[] = "0123456789abcdef";
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- encode ------------------------------------------------------------- */

static size_t b64_encode(const u8 *s, size_t n, char *r)
{
    char *p = r, *lend = r + 76;
    u32 buf = 0;
    int pos = 2;
    for (size_t k = 0; k < n; k++) {
        buf |= (u32)s[k] << (pos << 3);
        pos--;
        if (pos < 0) {
            *p++ = B64[(buf >> 18) & 0x3f];
            *p++ = B64[(buf >> 12) & 0x3f];
            *p++ = B64[(buf >> 6) & 0x3f];
            *p++ = B64[buf & 0x3f];
            pos = 2;
            buf = 0;
        }
        if (p >= lend) {
            *p++ = '\n';
            lend = p + 76;
        }
    }
    if (pos != 2) {
        *p++ = B64[(buf >> 18) & 0x3f];
        *p++ = B64[(buf >> 12) & 0x3f];
        *p++ = pos == 0 ? B64[(buf >> 6) & 0x3f] : '=';
        *p++ = '=';
    }
    return (size_t)(p - r);
}

static int fn_encode(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        int enc;
        if (encoding_of(ctx, SARG(1, i), &enc)) return MDB_FAIL;
        const Str *bs = SARG(0, i);
        const u8 *s = (const u8 *)str_data(bs);
        size_t n = bs->len, o = 0;
        char *r;
        if (enc == ENC_HEX) {
            r = arena_alloc(out->heap, 2 * n + 1);
            for (size_t k = 0; k < n; k++) r[o++] = HEX[s[k] >> 4], r[o++] = HEX[s[k] & 15];
        } else if (enc == ENC_BASE64) {
            size_t chars = (n + 2) / 3 * 4;
            r = arena_alloc(out->heap, chars + chars / 76 + 2);
            o = b64_encode(s, n, r);
        } else {
            r = arena_alloc(out->heap, 4 * n + 1);
            for (size_t k = 0; k < n; k++) {
                if (s[k] == 0 || s[k] >= 0x80) {
                    r[o++] = '\\';
                    r[o++] = (char)('0' + (s[k] >> 6));
                    r[o++] = (char)('0' + ((s[k] >> 3) & 7));
                    r[o++] = (char)('0' + (s[k] & 7));
                } else if (s[k] == '\\') {
                    r[o++] = '\\';
                    r[o++] = '\\';
                } else {
                    r[o++] = (char)s[k];
                }
            }
        }
        STRS(out)[i] = str_make(r, (u32)o);
    }
    return MDB_OK_;
}

/* ---- decode ------------------------------------------------------------- */

static int hex_val(FuncCtx *ctx, const char *p, int *v)
{
    char c = *p;
    if (c >= '0' && c <= '9') *v = c - '0';
    else if (c >= 'a' && c <= 'f') *v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') *v = c - 'A' + 10;
    else {
        int cl = (unsigned char)c < 0xC0 ? 1 : (unsigned char)c < 0xE0 ? 2 : (unsigned char)c < 0xF0 ? 3 : 4;
        return err_set(ctx->err, "22023", "invalid hexadecimal digit: \"%.*s\"", cl, p);
    }
    return MDB_OK_;
}

static int hex_decode(FuncCtx *ctx, const char *s, size_t n, u8 *r, size_t *rl)
{
    size_t o = 0;
    for (size_t k = 0; k < n;) {
        char c = s[k];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            k++;
            continue;
        }
        int hi = 0, lo = 0;
        if (hex_val(ctx, s + k, &hi)) return MDB_FAIL;
        if (k + 1 >= n) return err_set(ctx->err, "22023", "invalid hexadecimal data: odd number of digits");
        if (hex_val(ctx, s + k + 1, &lo)) return MDB_FAIL;
        r[o++] = (u8)(hi << 4 | lo);
        k += 2;
    }
    *rl = o;
    return MDB_OK_;
}

static int b64_decode(FuncCtx *ctx, const char *s, size_t n, u8 *r, size_t *rl)
{
    u32 buf = 0;
    int pos = 0, end = 0;
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        char c = s[k];
        int b;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c == '=') {
            if (!end) {
                if (pos == 2) end = 1;
                else if (pos == 3) end = 2;
                else return err_set(ctx->err, "22023", "unexpected \"=\" while decoding base64 sequence");
            }
            b = 0;
        } else {
            const char *f = c ? strchr(B64, c) : NULL;
            if (!f) {
                int cl = (unsigned char)c < 0xC0 ? 1 : (unsigned char)c < 0xE0 ? 2 : (unsigned char)c < 0xF0 ? 3 : 4;
                if ((size_t)cl > n - k) cl = (int)(n - k);
                return err_set(ctx->err, "22023", "invalid symbol \"%.*s\" found while decoding base64 sequence", cl, s + k);
            }
            b = (int)(f - B64);
        }
        buf = (buf << 6) + (u32)b;
        if (++pos == 4) {
            r[o++] = (u8)(buf >> 16);
            if (end == 0 || end > 1) r[o++] = (u8)(buf >> 8);
            if (end == 0 || end > 2) r[o++] = (u8)buf;
            buf = 0;
            pos = 0;
        }
    }
    if (pos != 0) {
        err_set(ctx->err, "22023", "invalid base64 end sequence");
        err_hint(ctx->err, "Input data is missing padding, is truncated, or is otherwise corrupted.");
        return MDB_FAIL;
    }
    *rl = o;
    return MDB_OK_;
}

static int esc_decode(FuncCtx *ctx, const char *s, size_t n, u8 *r, size_t *rl)
{
    size_t o = 0;
    for (size_t k = 0; k < n;) {
        if (s[k] != '\\') {
            r[o++] = (u8)s[k++];
        } else if (k + 3 < n && s[k + 1] >= '0' && s[k + 1] <= '3' && s[k + 2] >= '0' && s[k + 2] <= '7' &&
                   s[k + 3] >= '0' && s[k + 3] <= '7') {
            r[o++] = (u8)(((s[k + 1] - '0') << 6) | ((s[k + 2] - '0') << 3) | (s[k + 3] - '0'));
            k += 4;
        } else if (k + 1 < n && s[k + 1] == '\\') {
            r[o++] = '\\';
            k += 2;
        } else {
            return err_set(ctx->err, "22P02", "invalid input syntax for type bytea");
        }
    }
    *rl = o;
    return MDB_OK_;
}

static int fn_decode(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        int enc;
        if (encoding_of(ctx, SARG(1, i), &enc)) return MDB_FAIL;
        const Str *ts = SARG(0, i);
        u8 *r = arena_alloc(out->heap, (size_t)ts->len + 1);
        size_t rl = 0;
        int rc = enc == ENC_HEX      ? hex_decode(ctx, str_data(ts), ts->len, r, &rl)
                 : enc == ENC_BASE64 ? b64_decode(ctx, str_data(ts), ts->len, r, &rl)
                                     : esc_decode(ctx, str_data(ts), ts->len, r, &rl);
        if (rc) return MDB_FAIL;
        STRS(out)[i] = str_make((const char *)r, (u32)rl);
    }
    return MDB_OK_;
}

/* ---- get_byte / set_byte ------------------------------------------------ */

static int out_of_range(FuncCtx *ctx, i64 n, u32 len)
{
    return err_set(ctx->err, "2202E", "index %lld out of valid range, 0..%lld", (long long)n, (long long)len - 1);
}

static int fn_get_byte(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *b = SARG(0, i);
        i32 n = IARG(1, i);
        if (n < 0 || (u32)n >= b->len) return out_of_range(ctx, n, b->len);
        R[i] = (u8)str_data(b)[n];
    }
    return MDB_OK_;
}

static int fn_set_byte(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *b = SARG(0, i);
        i32 n = IARG(1, i);
        if (n < 0 || (u32)n >= b->len) return out_of_range(ctx, n, b->len);
        char *r = arena_alloc(out->heap, b->len);
        memcpy(r, str_data(b), b->len);
        r[n] = (char)(u8)IARG(2, i); /* PG keeps the low 8 bits */
        STRS(out)[i] = str_make(r, b->len);
    }
    return MDB_OK_;
}

/* ---- || and overlay ----------------------------------------------------- */

static int fn_bytea_cat(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i), *b = SARG(1, i);
        size_t len = (size_t)a->len + b->len;
        if (len >= ((size_t)1 << 30)) return err_set(ctx->err, "54000", "requested length too large");
        char *r = arena_alloc(out->heap, len + 1);
        memcpy(r, str_data(a), a->len);
        memcpy(r + a->len, str_data(b), b->len);
        STRS(out)[i] = str_make(r, (u32)len);
    }
    return MDB_OK_;
}

/* overlay(b placing p from s [for l]) = substring(b, 1, s-1) || p ||
 * substring(b, s+l); l defaults to length(p). */
static int fn_bytea_overlay(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *b = SARG(0, i), *p = SARG(1, i);
        i64 s = IARG(2, i), l = nargs > 3 ? IARG(3, i) : (i64)p->len;
        if (s <= 0) return err_set(ctx->err, "22011", "negative substring length not allowed");
        i64 e = s + l;
        if (e > INT32_MAX || e < INT32_MIN) return err_set(ctx->err, "22003", "integer out of range");
        size_t head = (size_t)MDB_MIN(s - 1, (i64)b->len);
        size_t tail_from = e < 1 ? 0 : (size_t)MDB_MIN(e - 1, (i64)b->len);
        size_t len = head + p->len + (b->len - tail_from);
        char *r = arena_alloc(out->heap, len + 1);
        memcpy(r, str_data(b), head);
        memcpy(r + head, str_data(p), p->len);
        memcpy(r + head + p->len, str_data(b) + tail_from, b->len - tail_from);
        STRS(out)[i] = str_make(r, (u32)len);
    }
    return MDB_OK_;
}

#define Y TYPE_BYTEA
#define T TYPE_TEXT
#define I TYPE_INT32
static const ScalarFunc BYTEA_FNS[] = {
    {"||", 2, {Y, Y}, Y, 0, fn_bytea_cat},
    {"byteacat", 2, {Y, Y}, Y, 0, fn_bytea_cat},
    {"encode", 2, {Y, T}, T, 0, fn_encode},
    {"decode", 2, {T, T}, Y, 0, fn_decode},
    {"get_byte", 2, {Y, I}, I, 0, fn_get_byte},
    {"set_byte", 3, {Y, I, I}, Y, 0, fn_set_byte},
    {"overlay", 3, {Y, Y, I}, Y, 0, fn_bytea_overlay},
    {"overlay", 4, {Y, Y, I, I}, Y, 0, fn_bytea_overlay},
};

void func_register_bytea(void) { func_register_scalar(BYTEA_FNS, MDB_ARRAY_LEN(BYTEA_FNS)); }
