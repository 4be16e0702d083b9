/*
 * src/types/bitstring.c — input, length coercion and integer conversions of
 * bit(n) / bit varying(n) (see bitstring.h), with PostgreSQL 15's rules and
 * messages (varbit.c there).
 */
#include "types/bitstring.h"

#include <stdio.h>

int bit_parse(const char *s, size_t len, Arena *a, Str *out, Err *err)
{
    bool hex = false;
    if (len > 0 && (s[0] == 'b' || s[0] == 'B')) {
        s++;
        len--;
    } else if (len > 0 && (s[0] == 'x' || s[0] == 'X')) {
        hex = true;
        s++;
        len--;
    }
    size_t n = hex ? len * 4 : len;
    char *p = arena_alloc(a, n + 1);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!hex) {
            if (c != '0' && c != '1')
                return err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "\"%.*s\" is not a valid binary digit",
                               (int)1, &s[i]);
            p[i] = c;
            continue;
        }
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else
            return err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "\"%.*s\" is not a valid hexadecimal digit",
                           (int)1, &s[i]);
        for (int k = 0; k < 4; k++) p[4 * i + (size_t)k] = (char)('0' + ((v >> (3 - k)) & 1));
    }
    p[n] = 0;
    *out = str_make(p, (u32)n);
    return MDB_OK_;
}

int bit_apply_typmod(const Str *in, LType to, bool explicit_cast, Arena *a, Str *out, Err *err)
{
    i64 n = to.mod1;
    u32 len = in->len;
    if (n < 0 || (to.text_kind == BIT_FIXED ? len == n : len <= n)) {
        *out = str_copy(a, str_data(in), len);
        return MDB_OK_;
    }
    if (!explicit_cast) {
        if (to.text_kind == BIT_FIXED)
            return err_set(err, SQLSTATE_STRING_DATA_LENGTH_MISMATCH, "bit string length %u does not match type bit(%d)", len,
                           (int)n);
        return err_set(err, SQLSTATE_STRING_DATA_RIGHT_TRUNCATION, "bit string too long for type bit varying(%d)", (int)n);
    }
    char *p = arena_alloc(a, (size_t)n + 1);
    u32 keep = len < n ? len : (u32)n;
    memcpy(p, str_data(in), keep);
    memset(p + keep, '0', (size_t)n - keep); /* bit(n): zero padding on the right */
    p[n] = 0;
    *out = str_make(p, (u32)n);
    return MDB_OK_;
}

void bit_from_int(i64 x, int src_bits, LType to, Arena *a, Str *out)
{
    int n = to.mod1 < 0 ? 1 : to.mod1;
    char *p = arena_alloc(a, (size_t)n + 1);
    for (int i = 0; i < n; i++) {
        int bit = n - 1 - i; /* weight of character i */
        int v = bit >= src_bits ? (x < 0) : (int)((x >> bit) & 1);
        p[i] = (char)('0' + v);
    }
    p[n] = 0;
    *out = str_make(p, (u32)n);
}

int bit_to_int(const Str *in, int dst_bits, i64 *out, Err *err)
{
    if (in->len > (u32)dst_bits)
        return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, dst_bits == 32 ? "integer out of range" : "bigint out of range");
    u64 v = 0;
    const char *p = str_data(in);
    for (u32 i = 0; i < in->len; i++) v = (v << 1) | (u64)(p[i] == '1');
    *out = dst_bits == 32 ? (i64)(i32)(u32)v : (i64)v;
    return MDB_OK_;
}
