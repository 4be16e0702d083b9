/*
 * src/net/types.c — PostgreSQL type OIDs and binary formats for the wire
 * protocol.  The engine describes a column by its PostgreSQL type name
 * ("numeric(10,2)", "character varying(20)") and hands values out in
 * PostgreSQL's text form, so binary results are made from that text and binary
 * parameters are turned into text that the engine's input functions read.
 * That keeps one source of truth for every value's meaning (the engine's text
 * I/O, which follows PostgreSQL) at the price of a conversion per value.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/common.h"
#include "net/pgwire.h"

static const struct {
    const char *name;
    uint32_t oid, array_oid;
    int16_t typlen;
} TYPES[] = {
    {"boolean", 16, 1000, 1},
    {"smallint", 21, 1005, 2},
    {"integer", 23, 1007, 4},
    {"bigint", 20, 1016, 8},
    {"real", 700, 1021, 4},
    {"double precision", 701, 1022, 8},
    {"numeric", 1700, 1231, -1},
    {"text", 25, 1009, -1},
    {"character varying", 1043, 1015, -1},
    {"character", 1042, 1014, -1},
    {"bytea", 17, 1001, -1},
    {"date", 1082, 1182, 4},
    {"time without time zone", 1083, 1183, 8},
    {"timestamp without time zone", 1114, 1115, 8},
    {"timestamp with time zone", 1184, 1185, 8},
    {"interval", 1186, 1187, 16},
    {"uuid", 2950, 2951, 16},
    {"bit", 1560, 1561, -1},
    {"bit varying", 1562, 1563, -1},
    {"json", 114, 199, -1},
    {"jsonb", 3802, 3807, -1},
    {"unknown", 25, 1009, -1}, /* PostgreSQL outputs unknown-typed columns as text */
};

PgTypeInfo pgwire_type_from_name(const char *name)
{
    PgTypeInfo ti = {25, -1, -1};
    size_t n = strlen(name);
    bool array = n > 2 && !strcmp(name + n - 2, "[]");
    size_t base = array ? n - 2 : n;
    const char *paren = memchr(name, '(', base);
    size_t blen = paren ? (size_t)(paren - name) : base;
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++) {
        if (strlen(TYPES[i].name) != blen || memcmp(TYPES[i].name, name, blen) != 0) continue;
        if (array) {
            ti.oid = TYPES[i].array_oid;
            return ti;
        }
        ti.oid = TYPES[i].oid;
        ti.typlen = TYPES[i].typlen;
        if (paren) {
            int a = atoi(paren + 1), b = 0;
            const char *comma = strchr(paren, ',');
            if (comma) b = atoi(comma + 1);
            if (ti.oid == 1700) ti.typmod = ((a << 16) | b) + 4;
            else if (ti.oid == 1043 || ti.oid == 1042) ti.typmod = a + 4;
            else if (ti.oid == 1560 || ti.oid == 1562) ti.typmod = a; /* bit(n): atttypmod is n */
        }
        return ti;
    }
    if (array) ti.oid = 1009;
    return ti;
}

MdbType pgwire_mdb_type_of_oid(uint32_t oid)
{
    switch (oid) {
    case 16: return MDB_TYPE_BOOL;
    case 21: return MDB_TYPE_INT16;
    case 23: return MDB_TYPE_INT32;
    case 20: return MDB_TYPE_INT64;
    case 700: return MDB_TYPE_FLOAT32;
    case 701: return MDB_TYPE_FLOAT64;
    case 1700: return MDB_TYPE_NUMERIC;
    case 25:
    case 1043:
    case 1042:
    case 19: return MDB_TYPE_TEXT;
    case 17: return MDB_TYPE_BYTEA;
    case 1082: return MDB_TYPE_DATE;
    case 1083: return MDB_TYPE_TIME;
    case 1114: return MDB_TYPE_TIMESTAMP;
    case 1184: return MDB_TYPE_TIMESTAMPTZ;
    case 1186: return MDB_TYPE_INTERVAL;
    case 2950: return MDB_TYPE_UUID;
    default: return MDB_TYPE_NULL; /* 0 (unspecified), unknown (705) and the rest: inferred */
    }
}

uint32_t pgwire_oid_of_mdb_type(MdbType t)
{
    switch (t) {
    case MDB_TYPE_BOOL: return 16;
    case MDB_TYPE_INT16: return 21;
    case MDB_TYPE_INT32: return 23;
    case MDB_TYPE_INT64: return 20;
    case MDB_TYPE_FLOAT32: return 700;
    case MDB_TYPE_FLOAT64: return 701;
    case MDB_TYPE_NUMERIC: return 1700;
    case MDB_TYPE_BYTEA: return 17;
    case MDB_TYPE_DATE: return 1082;
    case MDB_TYPE_TIME: return 1083;
    case MDB_TYPE_TIMESTAMP: return 1114;
    case MDB_TYPE_TIMESTAMPTZ: return 1184;
    case MDB_TYPE_INTERVAL: return 1186;
    case MDB_TYPE_UUID: return 2950;
    default: return 25;
    }
}

/* ---- dates: days since 2000-01-01 (PostgreSQL's epoch) ---------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 - 10957;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468 + 10957;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD[ BC]" at *s → days; advances *s past the date. */
static bool parse_date(const char **s, int64_t *days)
{
    char *e;
    long long y = strtoll(*s, &e, 10);
    if (e == *s || *e != '-') return false;
    long m = strtol(e + 1, &e, 10);
    if (*e != '-') return false;
    long d = strtol(e + 1, &e, 10);
    if (m < 1 || m > 12 || d < 1 || d > 31) return false;
    const char *bc = strstr(e, " BC");
    if (bc) y = 1 - y; /* 1 BC is year 0 */
    *days = days_from_civil(y, (int)m, (int)d);
    *s = e;
    return true;
}

/* "HH:MM:SS[.ffffff]" → microseconds; advances *s. */
static bool parse_time(const char **s, int64_t *us)
{
    char *e;
    long h = strtol(*s, &e, 10);
    if (*e != ':') return false;
    long mi = strtol(e + 1, &e, 10);
    if (*e != ':') return false;
    long sec = strtol(e + 1, &e, 10);
    int64_t frac = 0;
    if (*e == '.') {
        int digits = 0;
        e++;
        while (isdigit((unsigned char)*e)) {
            if (digits < 6) frac = frac * 10 + (*e - '0'), digits++;
            e++;
        }
        while (digits++ < 6) frac *= 10;
    }
    *us = ((int64_t)h * 3600 + mi * 60 + sec) * 1000000 + frac;
    *s = e;
    return true;
}

static bool parse_timestamp(const char *s, bool tz, int64_t *us)
{
    if (!strcmp(s, "infinity")) { *us = INT64_MAX; return true; }
    if (!strcmp(s, "-infinity")) { *us = INT64_MIN; return true; }
    int64_t days, t;
    const char *p = s;
    if (!parse_date(&p, &days) || *p != ' ') return false;
    p++;
    if (!parse_time(&p, &t)) return false;
    if (tz && (*p == '+' || *p == '-')) {
        int sign = *p == '-' ? -1 : 1;
        char *e;
        long oh = strtol(p + 1, &e, 10), om = 0, os = 0;
        if (*e == ':') om = strtol(e + 1, &e, 10);
        if (*e == ':') os = strtol(e + 1, &e, 10);
        t -= sign * ((int64_t)oh * 3600 + om * 60 + os) * 1000000;
    }
    *us = days * 86400000000LL + t;
    return true;
}

static void put_be(PgBuf *b, uint64_t v, int n)
{
    uint8_t q[8];
    for (int i = 0; i < n; i++) q[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    pgb_bytes(b, q, (size_t)n);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* PostgreSQL's postgres-style interval text → months, days, microseconds. */
static bool parse_interval(const char *s, int32_t *months, int32_t *days, int64_t *us)
{
    *months = *days = 0;
    *us = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        /* a time part: [-]HH:MM:SS[.f] */
        const char *q = p;
        if (*q == '-' || *q == '+') q++;
        while (isdigit((unsigned char)*q)) q++;
        if (*q == ':') {
            int sign = *p == '-' ? -1 : 1;
            const char *t = p + (*p == '-' || *p == '+');
            int64_t v;
            if (!parse_time(&t, &v)) return false;
            *us += sign * v;
            p = t;
            continue;
        }
        char *e;
        long long n = strtoll(p, &e, 10);
        if (e == p) return false;
        while (*e == ' ') e++;
        if (!strncmp(e, "year", 4)) *months += (int32_t)(n * 12);
        else if (!strncmp(e, "mon", 3)) *months += (int32_t)n;
        else if (!strncmp(e, "day", 3)) *days += (int32_t)n;
        else return false;
        while (*e && *e != ' ') e++;
        p = e;
    }
    return true;
}

/* Numeric text → PostgreSQL's base-10000 binary form. */
static bool encode_numeric(const char *s, PgBuf *b)
{
    if (!strcmp(s, "NaN") || !strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
        pgb_int16(b, 0);
        pgb_int16(b, 0);
        pgb_int16(b, (int16_t)(s[0] == 'N' ? 0xC000 : s[0] == 'I' ? 0xD000 : 0xF000));
        pgb_int16(b, 0);
        return true;
    }
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    const char *dot = strchr(s, '.');
    size_t il = dot ? (size_t)(dot - s) : strlen(s);
    const char *frac = dot ? dot + 1 : "";
    size_t fl = strlen(frac);
    for (size_t i = 0; i < il; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    for (size_t i = 0; i < fl; i++)
        if (!isdigit((unsigned char)frac[i])) return false;
    size_t ipad = (4 - il % 4) % 4, ig = (il + ipad) / 4, fg = (fl + 3) / 4;
    int16_t *dg = xmalloc(sizeof(int16_t) * (ig + fg + 1));
    for (size_t g = 0; g < ig; g++) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            long pos = (long)(g * 4 + (size_t)k) - (long)ipad;
            v = v * 10 + (pos >= 0 ? s[pos] - '0' : 0);
        }
        dg[g] = (int16_t)v;
    }
    for (size_t g = 0; g < fg; g++) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            size_t pos = g * 4 + (size_t)k;
            v = v * 10 + (pos < fl ? frac[pos] - '0' : 0);
        }
        dg[ig + g] = (int16_t)v;
    }
    size_t first = 0, last = ig + fg;
    while (first < last && dg[first] == 0) first++;
    while (last > first && dg[last - 1] == 0) last--;
    int weight = (int)ig - 1 - (int)first;
    if (first == last) weight = 0;
    pgb_int16(b, (int16_t)(last - first));
    pgb_int16(b, (int16_t)weight);
    pgb_int16(b, (int16_t)(neg && first < last ? 0x4000 : 0));
    pgb_int16(b, (int16_t)fl);
    for (size_t g = first; g < last; g++) pgb_int16(b, dg[g]);
    free(dg);
    return true;
}

static uint32_t array_elem_oid(uint32_t oid);
static bool encode_array(uint32_t elem, const char *text, size_t len, PgBuf *b);

bool pgwire_array_has_binary(uint32_t oid) { return array_elem_oid(oid) != 0; }

bool pgwire_encode_binary(uint32_t oid, const char *text, size_t len, PgBuf *b)
{
    switch (oid) {
    case 16: pgb_byte(b, text[0] == 't'); return true;
    case 21: pgb_int16(b, (int16_t)strtol(text, NULL, 10)); return true;
    case 23: pgb_int32(b, (int32_t)strtol(text, NULL, 10)); return true;
    case 20: put_be(b, (uint64_t)strtoll(text, NULL, 10), 8); return true;
    case 700: {
        float f = strtof(text, NULL);
        uint32_t u;
        memcpy(&u, &f, 4);
        put_be(b, u, 4);
        return true;
    }
    case 701: {
        double d = strtod(text, NULL);
        uint64_t u;
        memcpy(&u, &d, 8);
        put_be(b, u, 8);
        return true;
    }
    case 1700: return encode_numeric(text, b);
    case 1560:
    case 1562: {
        /* bit / varbit: int32 bit count, then the bits packed most significant first */
        pgb_int32(b, (int32_t)len);
        for (size_t i = 0; i < len; i += 8) {
            uint8_t byte = 0;
            for (size_t k = 0; k < 8; k++) {
                if (i + k < len && text[i + k] != '0' && text[i + k] != '1') return false;
                byte = (uint8_t)(byte << 1 | (i + k < len && text[i + k] == '1'));
            }
            pgb_byte(b, byte);
        }
        return true;
    }
    case 17: {
        if (len < 2 || text[0] != '\\' || text[1] != 'x' || len % 2) return false;
        for (size_t i = 2; i < len; i += 2) {
            int h = hexval(text[i]), l = hexval(text[i + 1]);
            if (h < 0 || l < 0) return false;
            pgb_byte(b, (uint8_t)(h * 16 + l));
        }
        return true;
    }
    case 2950: {
        int n = 0;
        uint8_t u[16];
        for (size_t i = 0; i + 1 < len && n < 16;) {
            if (text[i] == '-') { i++; continue; }
            int h = hexval(text[i]), l = hexval(text[i + 1]);
            if (h < 0 || l < 0) return false;
            u[n++] = (uint8_t)(h * 16 + l);
            i += 2;
        }
        if (n != 16) return false;
        pgb_bytes(b, u, 16);
        return true;
    }
    case 1082: {
        int64_t d;
        const char *p = text;
        if (!strcmp(text, "infinity")) d = INT32_MAX;
        else if (!strcmp(text, "-infinity")) d = INT32_MIN;
        else if (!parse_date(&p, &d)) return false;
        pgb_int32(b, (int32_t)d);
        return true;
    }
    case 1083: {
        int64_t us;
        const char *p = text;
        if (!parse_time(&p, &us)) return false;
        put_be(b, (uint64_t)us, 8);
        return true;
    }
    case 1114:
    case 1184: {
        int64_t us;
        if (!parse_timestamp(text, oid == 1184, &us)) return false;
        put_be(b, (uint64_t)us, 8);
        return true;
    }
    case 1186: {
        int32_t mo, d;
        int64_t us;
        if (!parse_interval(text, &mo, &d, &us)) return false;
        put_be(b, (uint64_t)us, 8);
        pgb_int32(b, d);
        pgb_int32(b, mo);
        return true;
    }
    case 25:
    case 1043:
    case 1042:
    case 114:
    case 3802:
    case 19:
    case 705:
        if (oid == 3802) pgb_byte(b, 1); /* jsonb's version byte */
        pgb_bytes(b, text, len);
        return true;
    default: return array_elem_oid(oid) ? encode_array(array_elem_oid(oid), text, len, b) : false;
    }
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

static void fmt_date(int64_t days, char *buf, size_t cap)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y <= 0) snprintf(buf, cap, "%04" PRId64 "-%02d-%02d BC", 1 - y, m, d);
    else snprintf(buf, cap, "%04" PRId64 "-%02d-%02d", y, m, d);
}

static size_t fmt_time(int64_t us, char *buf, size_t cap)
{
    int64_t s = us / 1000000, f = us % 1000000;
    return (size_t)snprintf(buf, cap, "%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64, s / 3600, s / 60 % 60, s % 60, f);
}

static bool decode_numeric(const uint8_t *p, size_t len, char **out, size_t *out_len)
{
    if (len < 8) return false;
    int nd = (int16_t)get_be(p, 2), weight = (int16_t)get_be(p + 2, 2);
    uint16_t sign = (uint16_t)get_be(p + 4, 2);
    int dscale = (int16_t)get_be(p + 6, 2);
    if (nd < 0 || dscale < 0 || len != 8 + 2 * (size_t)nd) return false;
    if (sign == 0xC000) { *out = xstrdup("NaN"); *out_len = 3; return true; }
    if (sign == 0xD000) { *out = xstrdup("Infinity"); *out_len = 8; return true; }
    if (sign == 0xF000) { *out = xstrdup("-Infinity"); *out_len = 9; return true; }
    if (sign != 0 && sign != 0x4000) return false;
    if (weight > 32767 || weight < -32768 || dscale > 16383) return false;
    size_t cap = (size_t)(abs(weight) + nd + 4) * 4 + (size_t)dscale + 8;
    char *s = xmalloc(cap), *o = s;
    if (sign == 0x4000) *o++ = '-';
    /* integer part: groups weight..0 */
    if (weight < 0) *o++ = '0';
    for (int g = 0; g <= weight; g++) {
        int v = g < nd ? (int16_t)get_be(p + 8 + 2 * g, 2) : 0;
        if (v < 0 || v > 9999) { free(s); return false; }
        o += g == 0 ? sprintf(o, "%d", v) : sprintf(o, "%04d", v);
    }
    if (dscale > 0) {
        *o++ = '.';
        int written = 0;
        for (int g = weight + 1; written < dscale; g++) {
            int v = g >= 0 && g < nd ? (int16_t)get_be(p + 8 + 2 * g, 2) : 0;
            char q[8];
            sprintf(q, "%04d", v < 0 || v > 9999 ? 0 : v);
            for (int k = 0; k < 4 && written < dscale; k++, written++) *o++ = q[k];
        }
    }
    *o = 0;
    *out = s;
    *out_len = (size_t)(o - s);
    return true;
}

/* ---- arrays ------------------------------------------------------------------------- */

/* The element type of an array type OID (0 when oid is not an array type we encode). */
static uint32_t array_elem_oid(uint32_t oid)
{
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (TYPES[i].array_oid == oid && TYPES[i].oid != 25) return TYPES[i].oid;
    return oid == 1009 ? 25 : 0;
}

/* One element of an array's text form at *pp ({a,"b c",NULL}): its text (unquoted and
 * unescaped into `out`) or NULL; *pp moves past it. */
static bool array_text_elem(const char **pp, PgBuf *out, bool *is_null)
{
    const char *p = *pp;
    out->len = 0;
    *is_null = false;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1]) p++;
            pgb_byte(out, (uint8_t)*p);
        }
        if (*p != '"') return false;
        p++;
    } else {
        const char *s = p;
        while (*p && *p != ',' && *p != '}') p++;
        if (p == s) return false;
        if (p - s == 4 && !strncasecmp(s, "NULL", 4)) *is_null = true;
        else pgb_bytes(out, s, (size_t)(p - s));
    }
    *pp = p;
    return true;
}

/* An array's text form → PostgreSQL's binary array: ndim, has-nulls flag, element OID,
 * (size, lower bound) per dimension, then each element as length + binary value.  Arrays
 * of one dimension (the engine's) and the empty array. */
static bool encode_array(uint32_t elem, const char *text, size_t len, PgBuf *b)
{
    if (len < 2 || text[0] != '{' || text[len - 1] != '}') return false;
    PgBuf item = {0}, body = {0}, bin = {0};
    int32_t n = 0;
    bool has_null = false, ok = true;
    const char *p = text + 1;
    if (*p != '}') {
        for (;;) {
            bool is_null;
            if (*p == '{' || !array_text_elem(&p, &item, &is_null)) { ok = false; break; }
            if (is_null) {
                has_null = true;
                pgb_int32(&body, -1);
            } else {
                pgb_byte(&item, 0);
                bin.len = 0;
                if (!pgwire_encode_binary(elem, (const char *)item.data, item.len - 1, &bin)) { ok = false; break; }
                pgb_int32(&body, (int32_t)bin.len);
                pgb_bytes(&body, bin.data, bin.len);
            }
            n++;
            if (*p == ',') { p++; continue; }
            if (*p == '}' && p == text + len - 1) break;
            ok = false;
            break;
        }
    }
    if (ok) {
        pgb_int32(b, n ? 1 : 0);
        pgb_int32(b, has_null ? 1 : 0);
        pgb_int32(b, (int32_t)elem);
        if (n) {
            pgb_int32(b, n);
            pgb_int32(b, 1);
        }
        pgb_bytes(b, body.data, body.len);
    }
    pgb_free(&item);
    pgb_free(&body);
    pgb_free(&bin);
    return ok;
}

/* Appends an element's text to an array literal, quoted when it must be. */
static void array_put_text(PgBuf *o, const char *t, size_t n)
{
    bool quote = n == 0 || (n == 4 && !strncasecmp(t, "NULL", 4));
    for (size_t i = 0; i < n && !quote; i++)
        if (strchr("{},\"\\ \t\n\r\v\f", t[i])) quote = true;
    if (!quote) {
        pgb_bytes(o, t, n);
        return;
    }
    pgb_byte(o, '"');
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '"' || t[i] == '\\') pgb_byte(o, '\\');
        pgb_byte(o, (uint8_t)t[i]);
    }
    pgb_byte(o, '"');
}

/* A binary array parameter → its text form ({…}, nested braces per dimension). */
static bool decode_array(uint32_t oid, const uint8_t *p, size_t len, char **out, size_t *out_len)
{
    if (len < 12) return false;
    int32_t ndim = (int32_t)get_be(p, 4), flags = (int32_t)get_be(p + 4, 4);
    uint32_t elem = (uint32_t)get_be(p + 8, 4);
    uint32_t want = array_elem_oid(oid);
    if (ndim < 0 || ndim > 6 || (flags != 0 && flags != 1) || (want && elem != want) || !array_elem_oid(oid)) return false;
    if ((size_t)ndim * 8 > len - 12) return false;
    int64_t dims[6], total = ndim ? 1 : 0;
    for (int d = 0; d < ndim; d++) {
        dims[d] = (int32_t)get_be(p + 12 + 8 * d, 4);
        if (dims[d] < 0 || dims[d] > (int64_t)len) return false;
        total *= dims[d];
        if (total > (int64_t)len) return false;
    }
    size_t pos = 12 + 8 * (size_t)ndim;
    PgBuf o = {0};
    /* opening braces for every dimension, then for each element: its separators */
    for (int d = 0; d < ndim; d++) pgb_byte(&o, '{');
    if (ndim == 0 || total == 0) {
        if (ndim == 0) pgb_byte(&o, '{');
        for (int d = 0; d < (ndim ? ndim : 1); d++) pgb_byte(&o, '}');
        goto done;
    }
    for (int64_t k = 0; k < total; k++) {
        if (k > 0) {
            /* close the dimensions this element ends, open them again */
            int closes = 0;
            int64_t q = k;
            for (int d = ndim - 1; d > 0 && q % dims[d] == 0; d--) {
                closes++;
                q /= dims[d];
            }
            for (int i = 0; i < closes; i++) pgb_byte(&o, '}');
            pgb_byte(&o, ',');
            for (int i = 0; i < closes; i++) pgb_byte(&o, '{');
        }
        if (len - pos < 4) goto bad;
        int32_t n = (int32_t)get_be(p + pos, 4);
        pos += 4;
        if (n == -1) {
            pgb_bytes(&o, "NULL", 4);
            continue;
        }
        if (n < 0 || (size_t)n > len - pos) goto bad;
        char *t;
        size_t tl;
        if (!pgwire_decode_binary(elem, p + pos, (size_t)n, &t, &tl)) goto bad;
        array_put_text(&o, t, tl);
        free(t);
        pos += (size_t)n;
    }
    for (int d = 0; d < ndim; d++) pgb_byte(&o, '}');
done:
    if (pos != len) goto bad;
    pgb_byte(&o, 0);
    *out = (char *)o.data;
    *out_len = o.len - 1;
    return true;
bad:
    pgb_free(&o);
    return false;
}

bool pgwire_decode_binary(uint32_t oid, const uint8_t *p, size_t len, char **out, size_t *out_len)
{
    char buf[128];
    int n = -1;
    switch (oid) {
    case 16: if (len != 1) return false; n = snprintf(buf, sizeof buf, "%s", p[0] ? "true" : "false"); break;
    case 21: if (len != 2) return false; n = snprintf(buf, sizeof buf, "%d", (int16_t)get_be(p, 2)); break;
    case 23: if (len != 4) return false; n = snprintf(buf, sizeof buf, "%d", (int32_t)get_be(p, 4)); break;
    case 20: if (len != 8) return false; n = snprintf(buf, sizeof buf, "%" PRId64, (int64_t)get_be(p, 8)); break;
    case 700: {
        if (len != 4) return false;
        uint32_t u = (uint32_t)get_be(p, 4);
        float f;
        memcpy(&f, &u, 4);
        n = snprintf(buf, sizeof buf, "%.9g", f);
        break;
    }
    case 701: {
        if (len != 8) return false;
        uint64_t u = get_be(p, 8);
        double d;
        memcpy(&d, &u, 8);
        n = snprintf(buf, sizeof buf, "%.17g", d);
        break;
    }
    case 1700: return decode_numeric(p, len, out, out_len);
    case 1560:
    case 1562: {
        if (len < 4) return false;
        int32_t nbits = (int32_t)get_be(p, 4);
        if (nbits < 0 || (size_t)(nbits + 7) / 8 != len - 4) return false;
        char *s = xmalloc((size_t)nbits + 1);
        for (int32_t i = 0; i < nbits; i++) s[i] = (char)('0' + ((p[4 + i / 8] >> (7 - i % 8)) & 1));
        s[nbits] = 0;
        *out = s;
        *out_len = (size_t)nbits;
        return true;
    }
    case 17: {
        char *s = xmalloc(2 * len + 3);
        s[0] = '\\';
        s[1] = 'x';
        for (size_t i = 0; i < len; i++) sprintf(s + 2 + 2 * i, "%02x", p[i]);
        *out = s;
        *out_len = 2 * len + 2;
        return true;
    }
    case 2950:
        if (len != 16) return false;
        n = snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
                     p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
        break;
    case 1082: {
        if (len != 4) return false;
        int32_t d = (int32_t)get_be(p, 4);
        if (d == INT32_MAX) n = snprintf(buf, sizeof buf, "infinity");
        else if (d == INT32_MIN) n = snprintf(buf, sizeof buf, "-infinity");
        else { fmt_date(d, buf, sizeof buf); n = (int)strlen(buf); }
        break;
    }
    case 1083: {
        if (len != 8) return false;
        int64_t us = (int64_t)get_be(p, 8);
        if (us < 0 || us > 86400000000LL) return false;
        n = (int)fmt_time(us, buf, sizeof buf);
        break;
    }
    case 1114:
    case 1184: {
        if (len != 8) return false;
        int64_t us = (int64_t)get_be(p, 8);
        if (us == INT64_MAX) { n = snprintf(buf, sizeof buf, "infinity"); break; }
        if (us == INT64_MIN) { n = snprintf(buf, sizeof buf, "-infinity"); break; }
        int64_t days = us / 86400000000LL, t = us % 86400000000LL;
        if (t < 0) { t += 86400000000LL; days--; }
        char d[64], tm[32];
        fmt_date(days, d, sizeof d);
        fmt_time(t, tm, sizeof tm);
        /* the BC marker goes last in PostgreSQL's input */
        const char *bc = strstr(d, " BC");
        if (bc) d[bc - d] = 0;
        n = snprintf(buf, sizeof buf, "%s %s%s%s", d, tm, oid == 1184 ? "+00" : "", bc ? " BC" : "");
        break;
    }
    case 1186: {
        if (len != 16) return false;
        int64_t us = (int64_t)get_be(p, 8);
        int32_t days = (int32_t)get_be(p + 8, 4), months = (int32_t)get_be(p + 12, 4);
        int64_t a = us < 0 ? -us : us;
        n = snprintf(buf, sizeof buf, "%d mons %d days %s%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64, months, days, us < 0 ? "-" : "",
                     (int64_t)(a / 3600000000LL), (int64_t)(a / 60000000 % 60), (int64_t)(a / 1000000 % 60), (int64_t)(a % 1000000));
        break;
    }
    case 25:
    case 1043:
    case 1042:
    case 19:
    case 114:
    case 705:
    case 0:
    case 3802: {
        if (oid == 3802) {
            if (len < 1 || p[0] != 1) return false;
            p++;
            len--;
        }
        if (memchr(p, 0, len)) return false;
        char *s = xmalloc(len + 1);
        memcpy(s, p, len);
        s[len] = 0;
        *out = s;
        *out_len = len;
        return true;
    }
    default: return array_elem_oid(oid) ? decode_array(oid, p, len, out, out_len) : false;
    }
    if (n < 0) return false;
    *out = xstrdup(buf);
    *out_len = (size_t)n;
    return true;
}
