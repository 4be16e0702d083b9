/*
 * src/exec/cast.c — type conversions, text I/O of values, and the total order
 * and hash of values.
 *
 * cast_vector() is the vector kernel behind EXPR_CAST.  Conversions between
 * the fixed-width numeric types (integers, floats, int→numeric, numeric→float,
 * bool↔integer) run as tight per-type loops; a range check is folded into the
 * loop as an OR-accumulated flag, and only when it fires is the first failing
 * row looked for, so that NULL rows (whose payload is garbage) never raise.
 * Every other conversion goes through convert_one(), one value at a time: text
 * output and input, date/time conversions, typmods of varchar/char/numeric and
 * arrays.  Those are dominated by formatting and parsing, not by the dispatch.
 *
 * Semantics follow PostgreSQL 15: bool→text gives 'true'/'false' (booltext)
 * while the output function gives 't'/'f'; float→int rounds half to even
 * (rint), numeric→int half away from zero; varchar(n)/char(n) raise 22001 on
 * assignment unless only spaces are cut, and truncate silently for explicit
 * casts; char(n) pads with spaces and loses its trailing spaces when converted
 * to another string type; lengths count UTF-8 characters.
 *
 * Arrays (TYPE_LIST) are stored as their text form.  text→list parses PG's
 * brace syntax and re-renders each element through the element type's input
 * and output functions, so the stored text is canonical.  value_cmp orders
 * lists element by element, as PG does.
 *
 * value_to_text() has no session, so it formats timestamptz in UTC and floats
 * with extra_float_digits = 1; value_to_text_tz() takes the zone.
 *
 * INTERFACE (declared in src/exec/expr.h)
 *   cast_vector, cast_value, value_to_text, value_from_text, value_cmp,
 *   value_hash; also value_to_text_tz (to be declared by its first caller).
 */
#include "exec/expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "common/strbuf.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "types/scalar_io.h"

/* ---------------------------------------------------------------------------
 * Context of one cast call: the session zone is resolved lazily, once.
 * ------------------------------------------------------------------------- */

typedef struct CastCtx {
    FuncCtx *fc;
    Err *err;
    bool explicit_cast;
    bool dt_ready;
    DtContext dt; /* zone and 'now' for date/time input and tz conversions */
} CastCtx;

static void castctx_init(CastCtx *cc, FuncCtx *fc, bool explicit_cast)
{
    cc->fc = fc;
    cc->err = fc->err;
    cc->explicit_cast = explicit_cast;
    cc->dt_ready = false;
    cc->dt.tz = NULL;
    cc->dt.now = 0;
}

static i64 now_micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (i64)ts.tv_sec * USECS_PER_SEC + ts.tv_nsec / 1000;
}

static int resolve_tz(const char *name, const TimeZone **out, Err *err)
{
    if (!name || !*name) {
        *out = tz_utc();
        return MDB_OK_;
    }
    return tz_lookup(name, strlen(name), out, err);
}

static int cc_dt(CastCtx *cc, const DtContext **out)
{
    if (!cc->dt_ready) {
        if (resolve_tz(cc->fc->timezone, &cc->dt.tz, cc->err)) return MDB_FAIL;
        cc->dt.now = cc->fc->now_us ? cc->fc->now_us : now_micros();
        cc->dt_ready = true;
    }
    *out = &cc->dt;
    return MDB_OK_;
}

/* ---------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------- */

static int cannot_cast(Err *err, LType from, LType to)
{
    char b1[64], b2[64];
    return err_set(err, SQLSTATE_CANNOT_COERCE, "cannot cast type %s to %s", type_name(from, b1, sizeof b1),
                   type_name(to, b2, sizeof b2));
}

static bool is_int_id(int id) { return id == TYPE_INT16 || id == TYPE_INT32 || id == TYPE_INT64; }
static bool is_float_id(int id) { return id == TYPE_FLOAT32 || id == TYPE_FLOAT64; }

static const char *int_range_msg(int id)
{
    return id == TYPE_INT16 ? "smallint out of range" : id == TYPE_INT32 ? "integer out of range" : "bigint out of range";
}

static void int_bounds(int id, i64 *lo, i64 *hi)
{
    if (id == TYPE_INT16) { *lo = INT16_MIN; *hi = INT16_MAX; }
    else if (id == TYPE_INT32) { *lo = INT32_MIN; *hi = INT32_MAX; }
    else { *lo = INT64_MIN; *hi = INT64_MAX; }
}

/* PG's FLOAT8_FITS_IN_INT*: the rounded value lies in [min, -min). */
static bool float_fits_int(double r, int id)
{
    if (id == TYPE_INT16) return r >= -32768.0 && r < 32768.0;
    if (id == TYPE_INT32) return r >= -2147483648.0 && r < 2147483648.0;
    return r >= -9223372036854775808.0 && r < 9223372036854775808.0;
}

/* Number of UTF-8 characters in s[0..len). */
static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += ((u8)s[i] & 0xC0) != 0x80;
    return n;
}

/* Byte offset just past the first `nchars` characters. */
static size_t utf8_offset(const char *s, size_t len, size_t nchars)
{
    size_t i = 0, n = 0;
    while (i < len) {
        if (((u8)s[i] & 0xC0) != 0x80) {
            if (n == nchars) return i;
            n++;
        }
        i++;
    }
    return len;
}

static size_t rtrim_spaces(const char *s, size_t len)
{
    while (len > 0 && s[len - 1] == ' ') len--;
    return len;
}

static Str str_in_heap(Arena *heap, const char *p, size_t len) { return str_copy(heap, p, (u32)len); }

/* Applies varchar(n)/char(n) to s[0..len) and stores the result in *out
 * (bytes copied into heap).  raise_too_long: 22001 when non-space characters
 * would be cut (assignment and input); otherwise truncates silently. */
static int apply_text_typmod(const char *s, size_t len, LType to, bool raise_too_long, Arena *heap, Str *out,
                             Err *err)
{
    if (to.text_kind != TEXT_VARCHAR && to.text_kind != TEXT_CHAR) {
        *out = str_in_heap(heap, s, len);
        return MDB_OK_;
    }
    if (to.mod1 < 0) {
        *out = str_in_heap(heap, s, len);
        return MDB_OK_;
    }
    size_t maxc = (size_t)to.mod1;
    /* bytes >= characters, so a short string needs no counting for varchar */
    if (len <= maxc && to.text_kind == TEXT_VARCHAR) {
        *out = str_in_heap(heap, s, len);
        return MDB_OK_;
    }
    size_t nchars = utf8_chars(s, len);
    if (nchars > maxc) {
        size_t cut = utf8_offset(s, len, maxc);
        if (raise_too_long) {
            for (size_t i = cut; i < len; i++)
                if (s[i] != ' ')
                    return err_set(err, SQLSTATE_STRING_DATA_RIGHT_TRUNCATION, "value too long for type %s(%d)",
                                   to.text_kind == TEXT_CHAR ? "character" : "character varying", to.mod1);
        }
        *out = str_in_heap(heap, s, cut);
        return MDB_OK_;
    }
    if (to.text_kind == TEXT_VARCHAR || nchars == maxc) {
        *out = str_in_heap(heap, s, len);
        return MDB_OK_;
    }
    /* char(n): pad with spaces to n characters */
    size_t pad = maxc - nchars;
    size_t total = len + pad;
    char tmp[64];
    char *p = total <= sizeof tmp ? tmp : arena_alloc(heap, total);
    memcpy(p, s, len);
    memset(p + len, ' ', pad);
    *out = p == tmp ? str_in_heap(heap, p, total) : str_make(p, (u32)total);
    return MDB_OK_;
}

/* ---------------------------------------------------------------------------
 * Hashing
 * ------------------------------------------------------------------------- */

static inline u64 mix64(u64 x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static inline u64 rotl64(u64 x, int r) { return (x << r) | (x >> (64 - r)); }

static u64 hash_bytes(const void *data, size_t n)
{
    const u8 *p = data;
    u64 h = 0x243f6a8885a308d3ull ^ ((u64)n * 0x9e3779b97f4a7c15ull);
    while (n >= 16) {
        u64 a, b;
        memcpy(&a, p, 8);
        memcpy(&b, p + 8, 8);
        h = rotl64(h ^ mix64(a ^ 0xa0761d6478bd642full), 23) * 0x9e3779b97f4a7c15ull;
        h ^= mix64(b ^ 0xe7037ed1a0b428dbull);
        p += 16;
        n -= 16;
    }
    if (n >= 8) {
        u64 a;
        memcpy(&a, p, 8);
        h = rotl64(h ^ mix64(a ^ 0x8ebc6af09c88c6e3ull), 29) * 0x9e3779b97f4a7c15ull;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        u64 a = 0;
        memcpy(&a, p, n);
        h = rotl64(h ^ mix64(a ^ 0x589965cc75374cc3ull ^ n), 31) * 0x9e3779b97f4a7c15ull;
    }
    return mix64(h);
}

/* ---------------------------------------------------------------------------
 * Arrays (TYPE_LIST): PG's brace syntax
 * ------------------------------------------------------------------------- */

typedef struct ListElem {
    const char *p; /* unescaped bytes (in the scratch buffer) or NULL for a sub-array */
    size_t len;
    bool is_null;
} ListElem;

typedef struct ListParse {
    ListElem *elems;
    size_t n, cap;
    char *scratch; /* unescaped element bytes (malloc'd, ≥ input length) */
    size_t used;
    int ndims;
    char *shape; /* skeleton of the nesting: '{', '}', and 'e' per element (malloc'd) */
    size_t shape_len;
} ListParse;

static void list_parse_free(ListParse *lp)
{
    free(lp->elems);
    free(lp->scratch);
    free(lp->shape);
    memset(lp, 0, sizeof(*lp));
}

static bool arr_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static int malformed(Err *err, const char *s, size_t len, const char *detail)
{
    err_set(err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "malformed array literal: \"%.*s\"", (int)len, s);
    if (detail) err_detail(err, "%s", detail);
    return MDB_FAIL;
}

static void shape_put(ListParse *lp, char c) { lp->shape[lp->shape_len++] = c; }

/* Parses `{…}` (possibly nested) into elements; element bytes are unescaped
 * into lp->scratch. */
static int list_parse(const char *s, size_t len, ListParse *lp, Err *err)
{
    memset(lp, 0, sizeof(*lp));
    lp->scratch = xmalloc(len + 1);
    lp->shape = xmalloc(len * 2 + 2);
    size_t i = 0;
    while (i < len && arr_space(s[i])) i++;
    if (i < len && s[i] == '[') {
        /* dimension decoration '[1:3]=': accepted and dropped */
        while (i < len && s[i] != '=') i++;
        if (i >= len) return malformed(err, s, len, "Missing \"=\" after array dimensions.");
        i++;
        while (i < len && arr_space(s[i])) i++;
    }
    if (i >= len || s[i] != '{')
        return malformed(err, s, len, "Array value must start with \"{\" or dimension information.");
    int depth = 0;
    bool expect_elem = true; /* after '{' or ',' */
    bool just_opened = false;
    for (;;) {
        while (i < len && arr_space(s[i])) i++;
        if (i >= len) return malformed(err, s, len, "Unexpected end of input.");
        char c = s[i];
        if (c == '{') {
            if (!expect_elem) return malformed(err, s, len, "Unexpected \"{\" character.");
            depth++;
            if (depth > lp->ndims) lp->ndims = depth;
            if (depth > 6) return malformed(err, s, len, "Unexpected \"{\" character.");
            shape_put(lp, '{');
            just_opened = true;
            i++;
            continue;
        }
        if (c == '}') {
            if (expect_elem && !just_opened) return malformed(err, s, len, "Unexpected \"}\" character.");
            shape_put(lp, '}');
            depth--;
            i++;
            just_opened = false;
            expect_elem = false;
            if (depth == 0) {
                while (i < len && arr_space(s[i])) i++;
                if (i != len) return malformed(err, s, len, "Junk after closing right brace.");
                break;
            }
            continue;
        }
        if (c == ',') {
            if (expect_elem) return malformed(err, s, len, "Unexpected \",\" character.");
            expect_elem = true;
            just_opened = false;
            i++;
            continue;
        }
        if (!expect_elem) return malformed(err, s, len, "Unexpected array element.");
        /* an element */
        char *dst = lp->scratch + lp->used;
        size_t dl = 0;
        bool quoted = false;
        if (c == '"') {
            quoted = true;
            i++;
            for (;;) {
                if (i >= len) return malformed(err, s, len, "Unexpected end of input.");
                if (s[i] == '\\') {
                    if (i + 1 >= len) return malformed(err, s, len, "Unexpected end of input.");
                    dst[dl++] = s[i + 1];
                    i += 2;
                    continue;
                }
                if (s[i] == '"') {
                    i++;
                    break;
                }
                dst[dl++] = s[i++];
            }
        } else {
            size_t last_nonspace = 0; /* dl after the last non-space byte */
            while (i < len && s[i] != ',' && s[i] != '}') {
                if (s[i] == '{' || s[i] == '"') return malformed(err, s, len, "Unexpected array element.");
                if (s[i] == '\\') {
                    if (i + 1 >= len) return malformed(err, s, len, "Unexpected end of input.");
                    dst[dl++] = s[i + 1];
                    i += 2;
                    last_nonspace = dl;
                    continue;
                }
                dst[dl++] = s[i];
                if (!arr_space(s[i])) last_nonspace = dl;
                i++;
            }
            dl = last_nonspace;
        }
        if (lp->n == lp->cap) {
            lp->cap = lp->cap ? lp->cap * 2 : 16;
            lp->elems = xrealloc(lp->elems, lp->cap * sizeof(ListElem));
        }
        ListElem *e = &lp->elems[lp->n++];
        e->p = dst;
        e->len = dl;
        e->is_null = !quoted && dl == 4 && strncasecmp(dst, "NULL", 4) == 0;
        lp->used += dl;
        shape_put(lp, 'e');
        expect_elem = false;
        just_opened = false;
    }
    return MDB_OK_;
}

/* PG's array_out quoting rule for one element. */
static void list_put_elem(StrBuf *sb, const char *p, size_t n)
{
    bool q = n == 0 || (n == 4 && strncasecmp(p, "NULL", 4) == 0);
    for (size_t i = 0; i < n && !q; i++) {
        char c = p[i];
        if (c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || arr_space(c)) q = true;
    }
    if (!q) {
        sb_append(sb, p, n);
        return;
    }
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\') sb_putc(sb, '\\');
        sb_putc(sb, p[i]);
    }
    sb_putc(sb, '"');
}

static int parse_text(CastCtx *cc, const char *s, size_t len, LType to, bool raise_too_long, Value *out,
                      Arena *a);
static int convert_one(CastCtx *cc, const Value *v, LType to, Value *r, Arena *heap);
static size_t format_value(const Value *v, const TimeZone *tz, char *buf, size_t cap, Arena *a,
                           const char **out_ptr);

/* Re-renders a parsed list with each element converted: parsed as `from_elem`
 * (when from_elem differs from to_elem and is not text) and cast, or parsed
 * directly as to_elem; output through to_elem's output function. */
static int list_render(CastCtx *cc, const ListParse *lp, int from_elem, int to_elem, Arena *heap, Str *out)
{
    StrBuf sb;
    sb_init(&sb);
    Arena *tmp = arena_create(NULL);
    int rc = MDB_OK_;
    const TimeZone *tz = NULL;
    if (to_elem == TYPE_TIMESTAMPTZ) {
        const DtContext *dc;
        if (cc_dt(cc, &dc)) {
            rc = MDB_FAIL;
            goto done;
        }
        tz = dc->tz;
    }
    size_t si = 0, ei = 0;
    bool need_comma = false;
    for (si = 0; si < lp->shape_len; si++) {
        char c = lp->shape[si];
        if (c == '{') {
            if (need_comma) sb_putc(&sb, ',');
            sb_putc(&sb, '{');
            need_comma = false;
            continue;
        }
        if (c == '}') {
            sb_putc(&sb, '}');
            need_comma = true;
            continue;
        }
        const ListElem *e = &lp->elems[ei++];
        if (need_comma) sb_putc(&sb, ',');
        need_comma = true;
        if (e->is_null) {
            sb_puts(&sb, "NULL");
            continue;
        }
        LType te = ltype((TypeId)to_elem);
        Value ev;
        bool via_src = from_elem != to_elem && from_elem != TYPE_TEXT && from_elem != TYPE_NULL;
        if (via_src) {
            Value sv;
            if (parse_text(cc, e->p, e->len, ltype((TypeId)from_elem), false, &sv, tmp) ||
                convert_one(cc, &sv, te, &ev, tmp)) {
                rc = MDB_FAIL;
                goto done;
            }
        } else if (to_elem == TYPE_TEXT || to_elem == TYPE_NULL) {
            list_put_elem(&sb, e->p, e->len);
            continue;
        } else if (parse_text(cc, e->p, e->len, te, false, &ev, tmp)) {
            rc = MDB_FAIL;
            goto done;
        }
        char buf[128];
        const char *p;
        size_t n = format_value(&ev, tz, buf, sizeof buf, tmp, &p);
        list_put_elem(&sb, p, n);
    }
    *out = str_in_heap(heap, sb.data ? sb.data : "", sb.len);
done:
    arena_destroy(tmp);
    sb_free(&sb);
    return rc;
}

static int list_from_text(CastCtx *cc, const char *s, size_t len, int from_elem, int to_elem, Arena *heap,
                          Str *out)
{
    ListParse lp;
    if (list_parse(s, len, &lp, cc->err)) {
        list_parse_free(&lp);
        return MDB_FAIL;
    }
    int rc = list_render(cc, &lp, from_elem, to_elem, heap, out);
    list_parse_free(&lp);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Text output
 * ------------------------------------------------------------------------- */

static size_t put_out(const char *src, size_t n, char *buf, size_t cap, Arena *a, const char **out_ptr)
{
    if (n < cap) {
        memcpy(buf, src, n);
        buf[n] = 0;
        *out_ptr = buf;
    } else {
        char *p = arena_alloc(a, n + 1);
        memcpy(p, src, n);
        p[n] = 0;
        *out_ptr = p;
    }
    return n;
}

/* The output function of v's type; timestamptz shown in tz (NULL: UTC). */
static size_t format_value(const Value *v, const TimeZone *tz, char *buf, size_t cap, Arena *a,
                           const char **out_ptr)
{
    if (v->is_null) {
        *out_ptr = NULL;
        return 0;
    }
    char tmp[DT_INTERVAL_BUFLEN + NUMERIC_MAX_TEXT_LEN];
    size_t n;
    switch ((TypeId)v->type.id) {
    case TYPE_NULL: *out_ptr = NULL; return 0;
    case TYPE_BOOL: n = scalar_format_bool(v->u.b, tmp); break;
    case TYPE_INT16:
    case TYPE_INT32:
    case TYPE_INT64: n = scalar_format_int64(v->u.i, tmp); break;
    case TYPE_FLOAT32: n = scalar_format_float4((float)v->u.f, 1, tmp); break;
    case TYPE_FLOAT64: n = scalar_format_float8(v->u.f, 1, tmp); break;
    case TYPE_NUMERIC: n = numeric_to_text(v->u.num, tmp, sizeof tmp); break;
    case TYPE_TEXT:
    case TYPE_LIST:
        /* long strings are borrowed; inline ones would point into *v */
        if (v->u.s.len > STR_INLINE) {
            *out_ptr = v->u.s.u.ptr;
            return v->u.s.len;
        }
        return put_out(v->u.s.prefix, v->u.s.len, buf, cap, a, out_ptr);
    case TYPE_BYTEA: {
        size_t blen = v->u.s.len;
        size_t tl = scalar_bytea_text_len(blen);
        char *p = tl < cap ? buf : arena_alloc(a, tl + 1);
        scalar_format_bytea((const u8 *)str_data(&v->u.s), blen, p);
        *out_ptr = p;
        return tl;
    }
    case TYPE_DATE: n = date_format((Date)v->u.i, tmp, sizeof tmp); break;
    case TYPE_TIME: n = time_format(v->u.i, tmp, sizeof tmp); break;
    case TYPE_TIMESTAMP: n = timestamp_format(v->u.i, tmp, sizeof tmp); break;
    case TYPE_TIMESTAMPTZ: n = timestamptz_format(v->u.i, tz ? tz : tz_utc(), tmp, sizeof tmp); break;
    case TYPE_INTERVAL: {
        Interval iv;
        memcpy(&iv, v->u.raw, sizeof iv);
        n = interval_format(&iv, tmp, sizeof tmp);
        break;
    }
    case TYPE_UUID: n = scalar_format_uuid(v->u.raw, tmp); break;
    default: *out_ptr = NULL; return 0;
    }
    if (n >= sizeof tmp) n = sizeof tmp - 1;
    return put_out(tmp, n, buf, cap, a, out_ptr);
}

size_t value_to_text_tz(const Value *v, const char *timezone, char *buf, size_t cap, Arena *a,
                        const char **out_ptr)
{
    const TimeZone *tz = NULL;
    if (!v->is_null && v->type.id == TYPE_TIMESTAMPTZ && timezone && *timezone) {
        Err e = {0};
        if (tz_lookup(timezone, strlen(timezone), &tz, &e)) tz = NULL;
        err_clear(&e);
    }
    return format_value(v, tz, buf, cap, a, out_ptr);
}

size_t value_to_text(const Value *v, char *buf, size_t cap, Arena *a, const char **out_ptr)
{
    return format_value(v, NULL, buf, cap, a, out_ptr);
}

/* ---------------------------------------------------------------------------
 * Text input
 * ------------------------------------------------------------------------- */

static int parse_text(CastCtx *cc, const char *s, size_t len, LType to, bool raise_too_long, Value *out,
                      Arena *a)
{
    Err *err = cc->err;
    memset(out, 0, sizeof(*out));
    out->type = to;
    const DtContext *dc;
    switch ((TypeId)to.id) {
    case TYPE_NULL: out->is_null = true; return MDB_OK_;
    case TYPE_BOOL: return scalar_parse_bool(s, len, &out->u.b, err);
    case TYPE_INT16: {
        i16 x;
        if (scalar_parse_int16(s, len, &x, err)) return MDB_FAIL;
        out->u.i = x;
        return MDB_OK_;
    }
    case TYPE_INT32: {
        i32 x;
        if (scalar_parse_int32(s, len, &x, err)) return MDB_FAIL;
        out->u.i = x;
        return MDB_OK_;
    }
    case TYPE_INT64: return scalar_parse_int64(s, len, &out->u.i, err);
    case TYPE_FLOAT32: {
        float x;
        if (scalar_parse_float4(s, len, &x, err)) return MDB_FAIL;
        out->u.f = x;
        return MDB_OK_;
    }
    case TYPE_FLOAT64: return scalar_parse_float8(s, len, &out->u.f, err);
    case TYPE_NUMERIC:
        if (numeric_from_text(s, len, &out->u.num, err)) return MDB_FAIL;
        if (to.mod1 >= 0)
            return numeric_apply_typmod(out->u.num, to.mod1, to.mod2, &out->u.num, err);
        return MDB_OK_;
    case TYPE_TEXT: return apply_text_typmod(s, len, to, raise_too_long, a, &out->u.s, err);
    case TYPE_BYTEA: {
        u8 *p = arena_alloc(a, len ? len : 1);
        size_t n;
        if (scalar_parse_bytea(s, len, p, &n, err)) return MDB_FAIL;
        out->u.s = str_copy(a, (const char *)p, (u32)n);
        return MDB_OK_;
    }
    case TYPE_DATE: {
        Date d;
        if (cc_dt(cc, &dc) || date_parse(s, len, dc, &d, err)) return MDB_FAIL;
        out->u.i = d;
        return MDB_OK_;
    }
    case TYPE_TIME:
        if (cc_dt(cc, &dc)) return MDB_FAIL;
        return time_parse(s, len, dc, &out->u.i, err);
    case TYPE_TIMESTAMP:
        if (cc_dt(cc, &dc)) return MDB_FAIL;
        return timestamp_parse(s, len, dc, &out->u.i, err);
    case TYPE_TIMESTAMPTZ:
        if (cc_dt(cc, &dc)) return MDB_FAIL;
        return timestamptz_parse(s, len, dc, &out->u.i, err);
    case TYPE_INTERVAL: {
        Interval iv;
        if (interval_parse(s, len, &iv, err)) return MDB_FAIL;
        memcpy(out->u.raw, &iv, sizeof iv);
        return MDB_OK_;
    }
    case TYPE_UUID: return scalar_parse_uuid(s, len, out->u.raw, err);
    case TYPE_LIST: return list_from_text(cc, s, len, TYPE_TEXT, to.elem, a, &out->u.s);
    default: return cannot_cast(err, ltype(TYPE_TEXT), to);
    }
}

int value_from_text(FuncCtx *fc, const char *s, size_t len, LType to, Value *out, Arena *a)
{
    CastCtx cc;
    castctx_init(&cc, fc, false);
    return parse_text(&cc, s, len, to, true, out, a);
}

/* ---------------------------------------------------------------------------
 * One value
 * ------------------------------------------------------------------------- */

static int to_text(CastCtx *cc, const Value *v, LType to, Value *r, Arena *heap)
{
    const char *p;
    size_t n;
    char buf[128];
    if (v->type.id == TYPE_TEXT) {
        p = str_data(&v->u.s);
        n = v->u.s.len;
        if (v->type.text_kind == TEXT_CHAR && to.text_kind != TEXT_CHAR) n = rtrim_spaces(p, n);
    } else if (v->type.id == TYPE_BOOL) {
        p = v->u.b ? "true" : "false";
        n = v->u.b ? 4 : 5;
    } else {
        const TimeZone *tz = NULL;
        if (v->type.id == TYPE_TIMESTAMPTZ) {
            const DtContext *dc;
            if (cc_dt(cc, &dc)) return MDB_FAIL;
            tz = dc->tz;
        }
        n = format_value(v, tz, buf, sizeof buf, heap, &p);
    }
    return apply_text_typmod(p, n, to, !cc->explicit_cast, heap, &r->u.s, cc->err);
}

static int int_to(CastCtx *cc, i64 x, int from_id, LType to, Value *r)
{
    switch ((TypeId)to.id) {
    case TYPE_BOOL: r->u.b = x != 0; return MDB_OK_;
    case TYPE_INT16:
    case TYPE_INT32:
    case TYPE_INT64: {
        i64 lo, hi;
        int_bounds(to.id, &lo, &hi);
        if (x < lo || x > hi) return err_set(cc->err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "%s", int_range_msg(to.id));
        r->u.i = x;
        return MDB_OK_;
    }
    case TYPE_FLOAT32: r->u.f = (float)x; return MDB_OK_;
    case TYPE_FLOAT64: r->u.f = (double)x; return MDB_OK_;
    case TYPE_NUMERIC:
        r->u.num = numeric_from_int64(x);
        if (to.mod1 >= 0)
            return numeric_apply_typmod(r->u.num, to.mod1, to.mod2, &r->u.num, cc->err);
        return MDB_OK_;
    default: return cannot_cast(cc->err, ltype((TypeId)from_id), to);
    }
}

static int float8_to_float4(double d, float *out, Err *err)
{
    float f = (float)d;
    if (isinf(f) && !isinf(d)) return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "value out of range: overflow");
    if (f == 0.0f && d != 0.0) return err_set(err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "value out of range: underflow");
    *out = f;
    return MDB_OK_;
}

static int float_to(CastCtx *cc, double d, int from_id, LType to, Value *r)
{
    switch ((TypeId)to.id) {
    case TYPE_INT16:
    case TYPE_INT32:
    case TYPE_INT64: {
        double x = from_id == TYPE_FLOAT32 ? (double)rintf((float)d) : rint(d);
        if (!float_fits_int(x, to.id))
            return err_set(cc->err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "%s", int_range_msg(to.id));
        r->u.i = (i64)x;
        return MDB_OK_;
    }
    case TYPE_FLOAT32: {
        if (from_id == TYPE_FLOAT32) {
            r->u.f = d;
            return MDB_OK_;
        }
        float f = 0;
        if (float8_to_float4(d, &f, cc->err)) return MDB_FAIL;
        r->u.f = f;
        return MDB_OK_;
    }
    case TYPE_FLOAT64: r->u.f = d; return MDB_OK_;
    case TYPE_NUMERIC:
        if (from_id == TYPE_FLOAT32 ? numeric_from_float4((float)d, &r->u.num, cc->err)
                                    : numeric_from_double(d, &r->u.num, cc->err))
            return MDB_FAIL;
        if (to.mod1 >= 0)
            return numeric_apply_typmod(r->u.num, to.mod1, to.mod2, &r->u.num, cc->err);
        return MDB_OK_;
    default: return cannot_cast(cc->err, ltype((TypeId)from_id), to);
    }
}

static int numeric_to(CastCtx *cc, Numeric x, LType to, Value *r)
{
    switch ((TypeId)to.id) {
    case TYPE_INT16: {
        i16 y;
        if (numeric_to_int16(x, &y, cc->err)) return MDB_FAIL;
        r->u.i = y;
        return MDB_OK_;
    }
    case TYPE_INT32: {
        i32 y;
        if (numeric_to_int32(x, &y, cc->err)) return MDB_FAIL;
        r->u.i = y;
        return MDB_OK_;
    }
    case TYPE_INT64: return numeric_to_int64(x, &r->u.i, cc->err);
    case TYPE_FLOAT32: r->u.f = numeric_to_float4(x); return MDB_OK_;
    case TYPE_FLOAT64: r->u.f = numeric_to_double(x); return MDB_OK_;
    case TYPE_NUMERIC:
        r->u.num = x;
        if (to.mod1 >= 0) return numeric_apply_typmod(x, to.mod1, to.mod2, &r->u.num, cc->err);
        return MDB_OK_;
    default: return cannot_cast(cc->err, ltype(TYPE_NUMERIC), to);
    }
}

static int datetime_to(CastCtx *cc, const Value *v, LType to, Value *r)
{
    Err *err = cc->err;
    int from = v->type.id;
    const DtContext *dc;
    i64 x = v->u.i;
    switch (from) {
    case TYPE_DATE:
        if (to.id == TYPE_TIMESTAMP) return date_to_timestamp((Date)x, &r->u.i, err);
        if (to.id == TYPE_TIMESTAMPTZ) {
            if (cc_dt(cc, &dc)) return MDB_FAIL;
            return date_to_timestamptz((Date)x, dc->tz, &r->u.i, err);
        }
        break;
    case TYPE_TIMESTAMP:
        if (to.id == TYPE_DATE) {
            Date d;
            if (timestamp_to_date(x, &d, err)) return MDB_FAIL;
            r->u.i = d;
            return MDB_OK_;
        }
        if (to.id == TYPE_TIMESTAMPTZ) {
            if (cc_dt(cc, &dc)) return MDB_FAIL;
            return timestamp_to_timestamptz(x, dc->tz, &r->u.i, err);
        }
        if (to.id == TYPE_TIME) {
            /* PG's timestamp_time: infinite timestamps give NULL */
            if (x == TIMESTAMP_INFINITY || x == TIMESTAMP_NEG_INFINITY) r->is_null = true;
            else r->u.i = timestamp_to_time(x);
            return MDB_OK_;
        }
        break;
    case TYPE_TIMESTAMPTZ:
        if (cc_dt(cc, &dc)) return MDB_FAIL;
        if (to.id == TYPE_DATE) {
            Date d;
            if (timestamptz_to_date(x, dc->tz, &d, err)) return MDB_FAIL;
            r->u.i = d;
            return MDB_OK_;
        }
        if (to.id == TYPE_TIMESTAMP) return timestamptz_to_timestamp(x, dc->tz, &r->u.i, err);
        if (to.id == TYPE_TIME) {
            if (x == TIMESTAMP_INFINITY || x == TIMESTAMP_NEG_INFINITY) r->is_null = true;
            else r->u.i = timestamptz_to_time(x, dc->tz);
            return MDB_OK_;
        }
        break;
    case TYPE_TIME:
        if (to.id == TYPE_INTERVAL) {
            Interval iv = {x, 0, 0};
            memcpy(r->u.raw, &iv, sizeof iv);
            return MDB_OK_;
        }
        break;
    case TYPE_INTERVAL:
        if (to.id == TYPE_TIME) {
            Interval iv;
            memcpy(&iv, v->u.raw, sizeof iv);
            i64 t = iv.micros % USECS_PER_DAY;
            if (t < 0) t += USECS_PER_DAY;
            r->u.i = t;
            return MDB_OK_;
        }
        break;
    default: break;
    }
    return cannot_cast(err, v->type, to);
}

/* Converts one non-NULL value; string results are copied into heap. */
static int convert_one(CastCtx *cc, const Value *v, LType to, Value *r, Arena *heap)
{
    memset(r, 0, sizeof(*r));
    r->type = to;
    if (v->is_null || v->type.id == TYPE_NULL || to.id == TYPE_NULL) {
        r->is_null = true;
        return MDB_OK_;
    }
    int from = v->type.id;
    if (to.id == TYPE_TEXT) return to_text(cc, v, to, r, heap);
    if (from == TYPE_TEXT) {
        if (to.id == TYPE_LIST && v->type.text_kind != TEXT_CHAR)
            return list_from_text(cc, str_data(&v->u.s), v->u.s.len, TYPE_TEXT, to.elem, heap, &r->u.s);
        return parse_text(cc, str_data(&v->u.s), v->u.s.len, to, !cc->explicit_cast, r, heap);
    }
    if (from == to.id) {
        switch ((TypeId)from) {
        case TYPE_NUMERIC: return numeric_to(cc, v->u.num, to, r);
        case TYPE_BYTEA: r->u.s = str_in_heap(heap, str_data(&v->u.s), v->u.s.len); return MDB_OK_;
        case TYPE_LIST:
            if (v->type.elem == to.elem || to.elem == TYPE_NULL || v->type.elem == TYPE_NULL) {
                r->u.s = str_in_heap(heap, str_data(&v->u.s), v->u.s.len);
                return MDB_OK_;
            }
            return list_from_text(cc, str_data(&v->u.s), v->u.s.len, v->type.elem, to.elem, heap, &r->u.s);
        default: memcpy(r->u.raw, v->u.raw, sizeof r->u.raw); return MDB_OK_;
        }
    }
    if (is_int_id(from)) return int_to(cc, v->u.i, from, to, r);
    if (is_float_id(from)) return float_to(cc, v->u.f, from, to, r);
    if (from == TYPE_NUMERIC) return numeric_to(cc, v->u.num, to, r);
    if (from == TYPE_BOOL && is_int_id(to.id)) {
        r->u.i = v->u.b ? 1 : 0;
        return MDB_OK_;
    }
    if (type_is_temporal((TypeId)from)) return datetime_to(cc, v, to, r);
    return cannot_cast(cc->err, v->type, to);
}

int cast_value(FuncCtx *fc, const Value *v, LType to, Value *out, Arena *a)
{
    CastCtx cc;
    castctx_init(&cc, fc, true);
    return convert_one(&cc, v, to, out, a);
}

/* ---------------------------------------------------------------------------
 * Vectors
 * ------------------------------------------------------------------------- */

#define CONV_LOOP(ST, DT)                                            \
    do {                                                             \
        const ST *s_ = (const ST *)src->data;                        \
        DT *d_ = (DT *)out->data;                                    \
        for (idx_t i = 0; i < n; i++) d_[i] = (DT)s_[i];             \
    } while (0)

/* Narrowing between integer types with a range check. */
#define NARROW_LOOP(ST, DT, LO, HI)                                  \
    do {                                                             \
        const ST *s_ = (const ST *)src->data;                        \
        DT *d_ = (DT *)out->data;                                    \
        int bad_ = 0;                                                \
        if (nm) {                                                    \
            for (idx_t i = 0; i < n; i++) {                          \
                ST x_ = s_[i];                                       \
                bad_ |= ((x_ < (LO)) | (x_ > (HI))) & !nm[i];        \
                d_[i] = (DT)x_;                                      \
            }                                                        \
        } else {                                                     \
            for (idx_t i = 0; i < n; i++) {                          \
                ST x_ = s_[i];                                       \
                bad_ |= (x_ < (LO)) | (x_ > (HI));                   \
                d_[i] = (DT)x_;                                      \
            }                                                        \
        }                                                            \
        if (bad_) return err_set(fc->err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "%s", int_range_msg(to.id)); \
    } while (0)

/* float → integer: rint (half to even) then PG's FITS_IN check. */
#define FLOAT_INT_LOOP(ST, RINT, DT, LO, HI)                         \
    do {                                                             \
        const ST *s_ = (const ST *)src->data;                        \
        DT *d_ = (DT *)out->data;                                    \
        int bad_ = 0;                                                \
        for (idx_t i = 0; i < n; i++) {                              \
            ST r_ = RINT(s_[i]);                                     \
            int ok_ = (r_ >= (ST)(LO)) & (r_ < -(ST)(LO));           \
            bad_ |= !ok_ & !(nm && nm[i]);                           \
            d_[i] = ok_ ? (DT)r_ : 0;                                \
        }                                                            \
        if (bad_) return err_set(fc->err, SQLSTATE_NUMERIC_OUT_OF_RANGE, "%s", int_range_msg(to.id)); \
    } while (0)

/* Tight loops for the numeric hot paths; returns 1 when handled, 0 when the
 * generic path must run, MDB_FAIL on error. */
static int cast_fast(FuncCtx *fc, const Vector *src, idx_t n, LType to, Vector *out)
{
    int from = src->type.id, t = to.id;
    const u8 *nm = src->nulls;
    switch (from) {
    case TYPE_INT16:
        switch (t) {
        case TYPE_INT16: CONV_LOOP(i16, i16); return 1;
        case TYPE_INT32: CONV_LOOP(i16, i32); return 1;
        case TYPE_INT64: CONV_LOOP(i16, i64); return 1;
        case TYPE_FLOAT32: CONV_LOOP(i16, float); return 1;
        case TYPE_FLOAT64: CONV_LOOP(i16, double); return 1;
        case TYPE_BOOL: {
            const i16 *s_ = (const i16 *)src->data;
            for (idx_t i = 0; i < n; i++) out->data[i] = s_[i] != 0;
            return 1;
        }
        default: break;
        }
        break;
    case TYPE_INT32:
        switch (t) {
        case TYPE_INT16: NARROW_LOOP(i32, i16, INT16_MIN, INT16_MAX); return 1;
        case TYPE_INT32: CONV_LOOP(i32, i32); return 1;
        case TYPE_INT64: CONV_LOOP(i32, i64); return 1;
        case TYPE_FLOAT32: CONV_LOOP(i32, float); return 1;
        case TYPE_FLOAT64: CONV_LOOP(i32, double); return 1;
        case TYPE_BOOL: {
            const i32 *s_ = (const i32 *)src->data;
            for (idx_t i = 0; i < n; i++) out->data[i] = s_[i] != 0;
            return 1;
        }
        default: break;
        }
        break;
    case TYPE_INT64:
        switch (t) {
        case TYPE_INT16: NARROW_LOOP(i64, i16, INT16_MIN, INT16_MAX); return 1;
        case TYPE_INT32: NARROW_LOOP(i64, i32, INT32_MIN, INT32_MAX); return 1;
        case TYPE_INT64: CONV_LOOP(i64, i64); return 1;
        case TYPE_FLOAT32: CONV_LOOP(i64, float); return 1;
        case TYPE_FLOAT64: CONV_LOOP(i64, double); return 1;
        case TYPE_BOOL: {
            const i64 *s_ = (const i64 *)src->data;
            for (idx_t i = 0; i < n; i++) out->data[i] = s_[i] != 0;
            return 1;
        }
        default: break;
        }
        break;
    case TYPE_FLOAT32:
        switch (t) {
        case TYPE_INT16: FLOAT_INT_LOOP(float, rintf, i16, INT16_MIN, INT16_MAX); return 1;
        case TYPE_INT32: FLOAT_INT_LOOP(float, rintf, i32, INT32_MIN, INT32_MAX); return 1;
        case TYPE_INT64: FLOAT_INT_LOOP(float, rintf, i64, INT64_MIN, INT64_MAX); return 1;
        case TYPE_FLOAT32: CONV_LOOP(float, float); return 1;
        case TYPE_FLOAT64: CONV_LOOP(float, double); return 1;
        default: break;
        }
        break;
    case TYPE_FLOAT64:
        switch (t) {
        case TYPE_INT16: FLOAT_INT_LOOP(double, rint, i16, INT16_MIN, INT16_MAX); return 1;
        case TYPE_INT32: FLOAT_INT_LOOP(double, rint, i32, INT32_MIN, INT32_MAX); return 1;
        case TYPE_INT64: FLOAT_INT_LOOP(double, rint, i64, INT64_MIN, INT64_MAX); return 1;
        case TYPE_FLOAT64: CONV_LOOP(double, double); return 1;
        case TYPE_FLOAT32: {
            const double *s_ = (const double *)src->data;
            float *d_ = (float *)out->data;
            int bad_ = 0;
            for (idx_t i = 0; i < n; i++) {
                double x = s_[i];
                float f = (float)x;
                bad_ |= ((isinf(f) && !isinf(x)) | (f == 0.0f && x != 0.0)) & !(nm && nm[i]);
                d_[i] = f;
            }
            if (bad_) {
                for (idx_t i = 0; i < n; i++) {
                    if (nm && nm[i]) continue;
                    float f;
                    if (float8_to_float4(s_[i], &f, fc->err)) return MDB_FAIL;
                }
            }
            return 1;
        }
        default: break;
        }
        break;
    case TYPE_NUMERIC:
        if (t == TYPE_FLOAT64) {
            const Numeric *s_ = (const Numeric *)src->data;
            double *d_ = (double *)out->data;
            /* NULL rows may hold any bits, which numeric_to_double must not see */
            for (idx_t i = 0; i < n; i++) d_[i] = nm && nm[i] ? 0.0 : numeric_to_double(s_[i]);
            return 1;
        }
        if (t == TYPE_NUMERIC && to.mod1 < 0) {
            memcpy(out->data, src->data, n * sizeof(Numeric));
            return 1;
        }
        if (is_int_id(t)) {
            const Numeric *s_ = (const Numeric *)src->data;
            for (idx_t i = 0; i < n; i++) {
                if (nm && nm[i]) continue;
                i64 x;
                if (t == TYPE_INT64) {
                    if (numeric_to_int64(s_[i], &x, fc->err)) return MDB_FAIL;
                    ((i64 *)out->data)[i] = x;
                } else if (t == TYPE_INT32) {
                    i32 y;
                    if (numeric_to_int32(s_[i], &y, fc->err)) return MDB_FAIL;
                    ((i32 *)out->data)[i] = y;
                } else {
                    i16 y;
                    if (numeric_to_int16(s_[i], &y, fc->err)) return MDB_FAIL;
                    ((i16 *)out->data)[i] = y;
                }
            }
            return 1;
        }
        break;
    case TYPE_BOOL:
        if (is_int_id(t)) {
            const u8 *s_ = src->data;
            if (t == TYPE_INT16) { i16 *d_ = (i16 *)out->data; for (idx_t i = 0; i < n; i++) d_[i] = s_[i] != 0; }
            else if (t == TYPE_INT32) { i32 *d_ = (i32 *)out->data; for (idx_t i = 0; i < n; i++) d_[i] = s_[i] != 0; }
            else { i64 *d_ = (i64 *)out->data; for (idx_t i = 0; i < n; i++) d_[i] = s_[i] != 0; }
            return 1;
        }
        if (t == TYPE_BOOL) {
            memcpy(out->data, src->data, n);
            return 1;
        }
        break;
    case TYPE_DATE:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
    case TYPE_INTERVAL:
    case TYPE_UUID:
        if (t == from) {
            memcpy(out->data, src->data, n * type_width(to));
            return 1;
        }
        break;
    default: break;
    }
    if (is_int_id(from) && t == TYPE_NUMERIC && to.mod1 < 0) {
        Numeric *d_ = (Numeric *)out->data;
        if (from == TYPE_INT16) { const i16 *s_ = (const i16 *)src->data; for (idx_t i = 0; i < n; i++) d_[i] = numeric_make(s_[i], 0); }
        else if (from == TYPE_INT32) { const i32 *s_ = (const i32 *)src->data; for (idx_t i = 0; i < n; i++) d_[i] = numeric_make(s_[i], 0); }
        else { const i64 *s_ = (const i64 *)src->data; for (idx_t i = 0; i < n; i++) d_[i] = numeric_make(s_[i], 0); }
        return 1;
    }
    return 0;
}

/* Stores a converted value at row i (string bytes already live in out->heap). */
static void store_value(Vector *out, idx_t i, const Value *r)
{
    if (r->is_null) {
        vector_nulls(out)[i] = 1;
        return;
    }
    switch ((TypeId)out->type.id) {
    case TYPE_TEXT:
    case TYPE_BYTEA:
    case TYPE_LIST: ((Str *)out->data)[i] = r->u.s; break;
    default: vector_set(out, i, r); break;
    }
}

/* Text input of a whole vector (COPY, literals, ::casts of text columns):
 * each string is parsed straight into the output, without boxing it in a
 * Value, with the same parsers and errors as convert_one.  A varchar(n) or
 * char(n) value that already fits shares the source's bytes (strings are
 * immutable and outlive the vectors made from them).  Returns 1 when done, 0
 * when the caller must go value by value, -1 on error. */
static int cast_from_text(CastCtx *cc, const Vector *src, idx_t n, LType to, Vector *out)
{
    const Str *s_ = (const Str *)src->data;
    const u8 *nm = src->nulls;
    Err *err = cc->err;
    switch ((TypeId)to.id) {
    case TYPE_INT32: {
        i32 *d_ = (i32 *)out->data;
        for (idx_t i = 0; i < n; i++)
            if (!(nm && nm[i]) && scalar_parse_int32(str_data(&s_[i]), s_[i].len, &d_[i], err)) return -1;
        return 1;
    }
    case TYPE_INT64: {
        i64 *d_ = (i64 *)out->data;
        for (idx_t i = 0; i < n; i++)
            if (!(nm && nm[i]) && scalar_parse_int64(str_data(&s_[i]), s_[i].len, &d_[i], err)) return -1;
        return 1;
    }
    case TYPE_DATE: {
        const DtContext *dc;
        if (cc_dt(cc, &dc)) return -1;
        Date *d_ = (Date *)out->data;
        for (idx_t i = 0; i < n; i++)
            if (!(nm && nm[i]) && date_parse(str_data(&s_[i]), s_[i].len, dc, &d_[i], err)) return -1;
        return 1;
    }
    case TYPE_TEXT: {
        /* char(n) → varchar drops trailing blanks first: value by value */
        if ((src->type.text_kind == TEXT_CHAR && to.text_kind != TEXT_CHAR) || (to.text_kind != TEXT_VARCHAR && to.text_kind != TEXT_CHAR))
            return 0;
        Str *d_ = (Str *)out->data;
        size_t maxc = (size_t)to.mod1;
        for (idx_t i = 0; i < n; i++) {
            if (nm && nm[i]) continue;
            const char *p = str_data(&s_[i]);
            size_t len = s_[i].len;
            /* bytes >= characters: a short varchar needs no counting */
            bool fits = to.text_kind == TEXT_VARCHAR ? len <= maxc || utf8_chars(p, len) <= maxc
                                                     : len == maxc && utf8_chars(p, len) == maxc;
            if (fits) d_[i] = s_[i];
            else if (apply_text_typmod(p, len, to, !cc->explicit_cast, out->heap, &d_[i], err)) return -1;
        }
        return 1;
    }
    default: break;
    }
    for (idx_t i = 0; i < n; i++) {
        if (nm && nm[i]) continue;
        Value r;
        if (parse_text(cc, str_data(&s_[i]), s_[i].len, to, !cc->explicit_cast, &r, out->heap)) return -1;
        store_value(out, i, &r);
    }
    return 1;
}

int cast_vector(FuncCtx *fc, const Vector *src, idx_t count, LType to, Vector *out, bool explicit_cast)
{
    idx_t n = src->is_const ? 1 : count;
    out->is_const = src->is_const;
    if (n == 0) return MDB_OK_;
    const u8 *nm = src->nulls;
    if (src->type.id == TYPE_NULL || to.id == TYPE_NULL) {
        memset(vector_nulls(out), 1, n);
        return MDB_OK_;
    }
    if (nm) memcpy(vector_nulls(out), nm, n);
    else if (out->nulls) memset(out->nulls, 0, n);

    int rc = cast_fast(fc, src, n, to, out);
    if (rc == 1) return MDB_OK_;
    if (rc != 0) return MDB_FAIL;

    CastCtx cc;
    castctx_init(&cc, fc, explicit_cast);
    /* text → text without a typmod, and char(n) → text (trailing blanks
     * dropped): the bytes are shared, not copied — strings are immutable and
     * live at least as long as the vectors made from them; a shortened long
     * string is the same bytes with a smaller length */
    if (src->type.id == TYPE_TEXT && to.id == TYPE_TEXT && to.text_kind != TEXT_CHAR &&
        (to.text_kind == TEXT_PLAIN || to.text_kind == TEXT_UNKNOWN || to.mod1 < 0)) {
        const Str *s_ = (const Str *)src->data;
        Str *d_ = (Str *)out->data;
        bool trim = src->type.text_kind == TEXT_CHAR;
        for (idx_t i = 0; i < n; i++) {
            if (nm && nm[i]) continue;
            if (!trim) {
                d_[i] = s_[i];
                continue;
            }
            const char *p = str_data(&s_[i]);
            size_t len = rtrim_spaces(p, s_[i].len);
            d_[i] = len == s_[i].len ? s_[i] : str_make(p, (u32)len);
        }
        return MDB_OK_;
    }
    if (src->type.id == TYPE_TEXT && to.id != TYPE_LIST) {
        rc = cast_from_text(&cc, src, n, to, out);
        if (rc != 0) return rc == 1 ? MDB_OK_ : MDB_FAIL;
    }
    for (idx_t i = 0; i < n; i++) {
        if (nm && nm[i]) continue;
        Value v = vector_get(src, i);
        Value r;
        if (convert_one(&cc, &v, to, &r, out->heap)) return MDB_FAIL;
        store_value(out, i, &r);
    }
    return MDB_OK_;
}

/* ---------------------------------------------------------------------------
 * Order and hash
 * ------------------------------------------------------------------------- */

static int cmp_double(double a, double b)
{
    bool na = isnan(a), nb = isnan(b);
    if (na || nb) return na && nb ? 0 : na ? 1 : -1;
    return a < b ? -1 : a > b ? 1 : 0;
}

static int list_cmp(const Value *a, const Value *b);
static u64 list_hash(const Value *v);

int value_cmp(const Value *a, const Value *b)
{
    bool an = a->is_null || a->type.id == TYPE_NULL, bn = b->is_null || b->type.id == TYPE_NULL;
    if (an || bn) return an && bn ? 0 : an ? 1 : -1;
    switch ((TypeId)a->type.id) {
    case TYPE_BOOL: return (int)a->u.b - (int)b->u.b;
    case TYPE_INT16:
    case TYPE_INT32:
    case TYPE_INT64:
    case TYPE_DATE:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    case TYPE_FLOAT32:
    case TYPE_FLOAT64: return cmp_double(a->u.f, b->u.f);
    case TYPE_NUMERIC: return numeric_cmp(a->u.num, b->u.num);
    case TYPE_TEXT:
        if (a->type.text_kind == TEXT_CHAR || b->type.text_kind == TEXT_CHAR) {
            /* bpchar comparison ignores trailing spaces */
            const char *pa = str_data(&a->u.s), *pb = str_data(&b->u.s);
            size_t la = rtrim_spaces(pa, a->u.s.len), lb = rtrim_spaces(pb, b->u.s.len);
            int c = memcmp(pa, pb, MDB_MIN(la, lb));
            if (c == 0) c = la < lb ? -1 : la > lb;
            return c < 0 ? -1 : c > 0;
        }
        return str_cmp(&a->u.s, &b->u.s) < 0 ? -1 : str_cmp(&a->u.s, &b->u.s) > 0;
    case TYPE_BYTEA: {
        int c = str_cmp(&a->u.s, &b->u.s);
        return c < 0 ? -1 : c > 0;
    }
    case TYPE_INTERVAL: {
        Interval x, y;
        memcpy(&x, a->u.raw, sizeof x);
        memcpy(&y, b->u.raw, sizeof y);
        int c = interval_cmp(&x, &y);
        return c < 0 ? -1 : c > 0;
    }
    case TYPE_UUID: {
        int c = memcmp(a->u.raw, b->u.raw, 16);
        return c < 0 ? -1 : c > 0;
    }
    case TYPE_LIST: return list_cmp(a, b);
    default: return 0;
    }
}

u64 value_hash(const Value *v)
{
    if (v->is_null || v->type.id == TYPE_NULL) return 0x5bd1e9955bd1e995ull;
    switch ((TypeId)v->type.id) {
    case TYPE_BOOL: return mix64((u64)v->u.b + 0x9e3779b97f4a7c15ull);
    case TYPE_INT16:
    case TYPE_INT32:
    case TYPE_INT64:
    case TYPE_DATE:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: return mix64((u64)v->u.i ^ 0x2545f4914f6cdd1dull);
    case TYPE_FLOAT32:
    case TYPE_FLOAT64: {
        double d = v->u.f;
        if (d == 0.0) d = 0.0; /* -0 hashes as 0 */
        if (isnan(d)) return 0x7ff8000000000000ull ^ 0x6a09e667f3bcc909ull;
        u64 bits;
        memcpy(&bits, &d, 8);
        return mix64(bits ^ 0x6a09e667f3bcc909ull);
    }
    case TYPE_NUMERIC: return numeric_hash(v->u.num);
    case TYPE_TEXT:
        if (v->type.text_kind == TEXT_CHAR)
            return hash_bytes(str_data(&v->u.s), rtrim_spaces(str_data(&v->u.s), v->u.s.len));
        return hash_bytes(str_data(&v->u.s), v->u.s.len);
    case TYPE_BYTEA: return hash_bytes(str_data(&v->u.s), v->u.s.len);
    case TYPE_INTERVAL: {
        Interval x;
        memcpy(&x, v->u.raw, sizeof x);
        return interval_hash(&x);
    }
    case TYPE_UUID: return hash_bytes(v->u.raw, 16);
    case TYPE_LIST: return list_hash(v);
    default: return 0;
    }
}

/* Lists compare element by element through the element type (PG's
 * array_cmp); a NULL element sorts after any value; on a common prefix the
 * shorter list is smaller.  A list whose text does not parse (never the case
 * for stored values) falls back to byte order. */
static int list_elem_value(const ListElem *e, int elem, Value *out, Arena *a)
{
    if (e->is_null) {
        memset(out, 0, sizeof(*out));
        out->is_null = true;
        out->type = ltype((TypeId)elem);
        return MDB_OK_;
    }
    Err err = {0};
    FuncCtx fc;
    memset(&fc, 0, sizeof fc);
    fc.err = &err;
    fc.arena = a;
    fc.now_us = 1;
    CastCtx cc;
    castctx_init(&cc, &fc, false);
    LType t = ltype(elem == TYPE_NULL || elem == TYPE_LIST ? TYPE_TEXT : (TypeId)elem);
    int rc = parse_text(&cc, e->p, e->len, t, false, out, a);
    err_clear(&err);
    return rc;
}

static int list_cmp(const Value *a, const Value *b)
{
    ListParse pa, pb;
    Err err = {0};
    int ra = list_parse(str_data(&a->u.s), a->u.s.len, &pa, &err);
    int rb = ra ? MDB_FAIL : list_parse(str_data(&b->u.s), b->u.s.len, &pb, &err);
    err_clear(&err);
    int c = 0;
    if (ra || rb) {
        c = str_cmp(&a->u.s, &b->u.s);
        c = c < 0 ? -1 : c > 0;
        list_parse_free(&pa);
        if (!ra) list_parse_free(&pb);
        return c;
    }
    Arena *tmp = arena_create(NULL);
    int elem = a->type.elem;
    size_t n = MDB_MIN(pa.n, pb.n);
    for (size_t i = 0; i < n && c == 0; i++) {
        Value x, y;
        if (list_elem_value(&pa.elems[i], elem, &x, tmp) || list_elem_value(&pb.elems[i], elem, &y, tmp)) {
            x = value_text(NULL, pa.elems[i].p, pa.elems[i].len);
            y = value_text(NULL, pb.elems[i].p, pb.elems[i].len);
            x.is_null = pa.elems[i].is_null;
            y.is_null = pb.elems[i].is_null;
        }
        c = value_cmp(&x, &y);
    }
    if (c == 0) c = pa.n < pb.n ? -1 : pa.n > pb.n;
    arena_destroy(tmp);
    list_parse_free(&pa);
    list_parse_free(&pb);
    return c;
}

static u64 list_hash(const Value *v)
{
    ListParse lp;
    Err err = {0};
    if (list_parse(str_data(&v->u.s), v->u.s.len, &lp, &err)) {
        err_clear(&err);
        list_parse_free(&lp);
        return hash_bytes(str_data(&v->u.s), v->u.s.len);
    }
    Arena *tmp = arena_create(NULL);
    u64 h = 0x3c6ef372fe94f82bull ^ lp.n;
    for (size_t i = 0; i < lp.n; i++) {
        Value x;
        if (list_elem_value(&lp.elems[i], v->type.elem, &x, tmp)) {
            x = value_text(NULL, lp.elems[i].p, lp.elems[i].len);
            x.is_null = lp.elems[i].is_null;
        }
        h = mix64(rotl64(h, 17) ^ value_hash(&x)) + 0x9e3779b97f4a7c15ull;
    }
    arena_destroy(tmp);
    list_parse_free(&lp);
    return h;
}

int list_elements(FuncCtx *fc, const Value *list, Value **out, size_t *n, Arena *a)
{
    *out = NULL;
    *n = 0;
    if (list->is_null) return MDB_OK_;
    const char *s = str_data(&list->u.s);
    size_t len = list->u.s.len;
    ListParse lp;
    if (list_parse(s, len, &lp, fc->err)) {
        list_parse_free(&lp);
        return MDB_FAIL;
    }
    Value *vals = arena_alloc(a, sizeof(Value) * (lp.n + 1));
    LType et = ltype(list->type.elem == TYPE_NULL || list->type.elem == TYPE_LIST ? TYPE_TEXT : (TypeId)list->type.elem);
    for (size_t i = 0; i < lp.n; i++) {
        ListElem *e = &lp.elems[i];
        if (e->is_null || !e->p) {
            vals[i] = value_null();
            vals[i].type = et;
            continue;
        }
        if (value_from_text(fc, e->p, e->len, et, &vals[i], a)) {
            list_parse_free(&lp);
            return MDB_FAIL;
        }
    }
    *n = lp.n;
    *out = vals;
    list_parse_free(&lp);
    return MDB_OK_;
}
