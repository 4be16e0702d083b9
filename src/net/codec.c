/*
 * src/net/codec.c — framing pieces of the wire protocol: a bounds-checked
 * reader for message bodies (every length a client sends is distrusted), the
 * output buffer that builds messages with their length words, and the startup
 * packet decoder.  No I/O here, so test/unit can feed it arbitrary bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "net/pgwire.h"

void pgr_init(PgReader *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = false;
}

static bool need(PgReader *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        return false;
    }
    return true;
}

uint8_t pgr_byte(PgReader *r)
{
    if (!need(r, 1)) return 0;
    return r->p[r->pos++];
}

int16_t pgr_int16(PgReader *r)
{
    if (!need(r, 2)) return 0;
    uint16_t v = (uint16_t)((r->p[r->pos] << 8) | r->p[r->pos + 1]);
    r->pos += 2;
    return (int16_t)v;
}

int32_t pgr_int32(PgReader *r)
{
    if (!need(r, 4)) return 0;
    const uint8_t *q = r->p + r->pos;
    uint32_t v = ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
    r->pos += 4;
    return (int32_t)v;
}

const char *pgr_cstr(PgReader *r)
{
    if (r->bad) return "";
    const uint8_t *z = memchr(r->p + r->pos, 0, r->len - r->pos);
    if (!z) {
        r->bad = true;
        return "";
    }
    const char *s = (const char *)(r->p + r->pos);
    r->pos = (size_t)(z - r->p) + 1;
    return s;
}

const uint8_t *pgr_bytes(PgReader *r, int32_t n)
{
    if (n < 0) {
        r->bad = true;
        return NULL;
    }
    if (!need(r, (size_t)n)) return NULL;
    const uint8_t *q = r->p + r->pos;
    r->pos += (size_t)n;
    return q;
}

bool pgr_done(const PgReader *r) { return !r->bad && r->pos == r->len; }

/* ---- output ---------------------------------------------------------------------- */

static void reserve(PgBuf *b, size_t n)
{
    if (b->len + n <= b->cap) return;
    size_t cap = b->cap ? b->cap : 8192;
    while (cap < b->len + n) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void pgb_free(PgBuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void pgb_bytes(PgBuf *b, const void *p, size_t n)
{
    reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

void pgb_byte(PgBuf *b, uint8_t v) { pgb_bytes(b, &v, 1); }

void pgb_int16(PgBuf *b, int16_t v)
{
    uint8_t q[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    pgb_bytes(b, q, 2);
}

void pgb_int32(PgBuf *b, int32_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t q[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    pgb_bytes(b, q, 4);
}

void pgb_cstr(PgBuf *b, const char *s) { pgb_bytes(b, s, strlen(s) + 1); }

void pgb_begin(PgBuf *b, char type)
{
    pgb_byte(b, (uint8_t)type);
    b->msg_start = b->len;
    pgb_int32(b, 0);
}

void pgb_end(PgBuf *b)
{
    uint32_t n = (uint32_t)(b->len - b->msg_start);
    uint8_t *q = b->data + b->msg_start;
    q[0] = (uint8_t)(n >> 24);
    q[1] = (uint8_t)(n >> 16);
    q[2] = (uint8_t)(n >> 8);
    q[3] = (uint8_t)n;
}

/* ---- startup packet ---------------------------------------------------------------- */

bool pgwire_parse_startup(const uint8_t *p, size_t len, PgStartup *out, const char **why)
{
    PgReader r;
    memset(out, 0, sizeof(*out));
    pgr_init(&r, p, len);
    out->code = (uint32_t)pgr_int32(&r);
    if (r.bad) {
        *why = "invalid length of startup packet";
        return false;
    }
    if (out->code == PGWIRE_CANCEL_REQUEST) {
        out->cancel_pid = (uint32_t)pgr_int32(&r);
        out->cancel_key = (uint32_t)pgr_int32(&r);
        if (!pgr_done(&r)) {
            *why = "invalid length of cancel request packet";
            return false;
        }
        return true;
    }
    if (out->code == PGWIRE_SSL_REQUEST || out->code == PGWIRE_GSSENC_REQUEST) {
        if (!pgr_done(&r)) {
            *why = "invalid length of startup packet";
            return false;
        }
        return true;
    }
    if (out->code >> 16 != 3) {
        *why = "unsupported frontend protocol";
        return false;
    }
    /* name/value pairs, ended by an empty name */
    for (;;) {
        const char *name = pgr_cstr(&r);
        if (r.bad) {
            *why = "invalid startup packet layout: expected terminator as last byte";
            return false;
        }
        if (!*name) break;
        const char *value = pgr_cstr(&r);
        if (r.bad) {
            *why = "invalid startup packet layout: expected terminator as last byte";
            return false;
        }
        if (out->nparams == (int)(sizeof out->names / sizeof out->names[0])) {
            *why = "too many startup parameters";
            return false;
        }
        out->names[out->nparams] = name;
        out->values[out->nparams] = value;
        out->nparams++;
    }
    if (!pgr_done(&r)) {
        *why = "invalid startup packet layout: expected terminator as last byte";
        return false;
    }
    return true;
}
