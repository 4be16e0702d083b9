/*
 * src/storage/oltp/keyenc.c — the order-preserving key encoding (keyenc.h).
 */
#include "storage/oltp/keyenc.h"
#include "types/numeric.h"

#include <math.h>
#include <stdlib.h>

void bytebuf_reserve(ByteBuf *b, size_t extra)
{
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void bytebuf_append(ByteBuf *b, const void *p, size_t n)
{
    bytebuf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

void bytebuf_free(ByteBuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void put_be(ByteBuf *b, u64 v, int bytes)
{
    u8 tmp[8];
    for (int i = 0; i < bytes; i++) tmp[i] = (u8)(v >> (8 * (bytes - 1 - i)));
    bytebuf_append(b, tmp, (size_t)bytes);
}

static void put_signed(ByteBuf *b, i64 v, int bytes)
{
    u64 u = (u64)v ^ ((u64)1 << (8 * bytes - 1));
    if (bytes < 8) u &= ((u64)1 << (8 * bytes)) - 1;
    put_be(b, u, bytes);
}

static void put_double(ByteBuf *b, double d)
{
    if (d == 0) d = 0; /* -0 → +0 */
    u64 u;
    if (isnan(d)) u = 0x7ff8000000000000ull;
    else memcpy(&u, &d, 8);
    u = (u >> 63) ? ~u : u ^ 0x8000000000000000ull;
    put_be(b, u, 8);
}

static void put_bytes(ByteBuf *b, const u8 *p, size_t n)
{
    bytebuf_reserve(b, 2 * n + 2); /* worst case: every byte escaped */
    u8 *o = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        *o++ = p[i];
        if (p[i] == 0) *o++ = 0xFF;
    }
    *o++ = 0x00;
    *o++ = 0x01;
    b->len = (size_t)(o - b->data);
}

int keyenc_append(ByteBuf *out, const Value *v, const KeyCol *c, Err *err)
{
    size_t start = out->len;
    u8 marker;
    if (v->is_null) {
        marker = c->nulls_first ? 0x00 : 0x02;
        bytebuf_append(out, &marker, 1);
    } else {
        marker = 0x01;
        bytebuf_append(out, &marker, 1);
        switch ((TypeId)c->type.id) {
        case TYPE_BOOL: {
            u8 x = v->u.b ? 1 : 0;
            bytebuf_append(out, &x, 1);
            break;
        }
        case TYPE_INT16: put_signed(out, v->u.i, 2); break;
        case TYPE_INT32:
        case TYPE_DATE: put_signed(out, v->u.i, 4); break;
        case TYPE_INT64:
        case TYPE_TIME:
        case TYPE_TIMESTAMP:
        case TYPE_TIMESTAMPTZ: put_signed(out, v->u.i, 8); break;
        case TYPE_FLOAT32:
        case TYPE_FLOAT64: put_double(out, v->u.f); break;
        case TYPE_NUMERIC: {
            if (numeric_is_big(v->u.num)) { /* an id into this process's registry: no order, not durable */
                out->len = start;
                return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED,
                               "numeric values of more than 35 digits or a scale above 35 cannot be used in a B+tree key");
            }
            u128 u = (u128)v->u.num ^ ((u128)1 << 127);
            /* NaN and ±Infinity (no coefficient) sort past every number, as PostgreSQL orders them */
            if (numeric_is_special(v->u.num))
                u = numeric_is_nan(v->u.num) ? ~(u128)0 : numeric_sign(v->u.num) > 0 ? ~(u128)0 - 1 : 0;
            put_be(out, (u64)(u >> 64), 8);
            put_be(out, (u64)u, 8);
            break;
        }
        case TYPE_TEXT:
        case TYPE_BYTEA:
        case TYPE_BIT: put_bytes(out, (const u8 *)str_data(&v->u.s), v->u.s.len); break;
        case TYPE_UUID: bytebuf_append(out, v->u.raw, 16); break;
        default: {
            char buf[64];
            out->len = start;
            return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "type %s cannot be used in a B+tree key",
                           type_name(c->type, buf, sizeof buf));
        }
        }
    }
    if (c->desc)
        for (size_t i = start; i < out->len; i++) out->data[i] = (u8)~out->data[i];
    return MDB_OK_;
}

int keyenc_row(ByteBuf *out, const Value *vals, const KeyCol *cols, int n, Err *err)
{
    out->len = 0;
    for (int i = 0; i < n; i++)
        if (keyenc_append(out, &vals[i], &cols[i], err)) return MDB_FAIL;
    return MDB_OK_;
}

int keyenc_cmp(const u8 *a, size_t alen, const u8 *b, size_t blen)
{
    int c = memcmp(a, b, MDB_MIN(alen, blen));
    if (c) return c < 0 ? -1 : 1;
    return alen < blen ? -1 : alen > blen;
}
