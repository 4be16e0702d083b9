/*
 * src/func/string.c — text functions with PostgreSQL 15 semantics: length,
 * octet_length, lower/upper/initcap, substr/substring, position/strpos,
 * left/right, lpad/rpad, ltrim/rtrim/btrim, replace, repeat, reverse,
 * split_part, concat/concat_ws, starts_with, ascii, chr, md5, to_hex,
 * quote_ident/quote_literal/quote_nullable, translate, and the || operator.
 *
 * Strings are UTF-8; functions count characters where PG does (length,
 * substr, left/right, lpad/rpad, position, reverse, trim sets, translate).
 * Case mapping is ASCII-only, as PostgreSQL's under the C collation.
 * Results are built directly in out->heap (the chunk's string arena);
 * nothing is allocated per row outside it.
 *
 * INTERFACE: func_register_string, func_utf8_len
 */
#define _GNU_SOURCE /* memmem */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/strbuf.h"
#include "func/func_internal.h"

#define SARG(k, i) (&STRS(&args[k])[AIDX(&args[k], i)])
#define IARG(k, i) (((const i32 *)args[k].data)[AIDX(&args[k], i)])
#define LARG(k, i) (((const i64 *)args[k].data)[AIDX(&args[k], i)])

/* Bytes of the UTF-8 character starting with lead byte c (1 for invalid). */
static inline int u8len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

size_t func_utf8_len(const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)p[i] & 0xC0) != 0x80;
    return k;
}

/* Byte offset of character number `chars` (0-based), clamped to n. */
static size_t utf8_offset(const char *p, size_t n, i64 chars)
{
    size_t off = 0;
    while (chars > 0 && off < n) {
        off += (size_t)u8len((unsigned char)p[off]);
        chars--;
    }
    return off > n ? n : off;
}

static inline char *heap_alloc(Vector *out, size_t n) { return arena_alloc(out->heap, n ? n : 1); }
static inline void set_str(Vector *out, idx_t i, const char *p, size_t n) { STRS(out)[i] = str_make(p, (u32)n); }

static int too_long(Err *e) { return err_set(e, "54000", "requested length too large"); }
#define MAX_RESULT ((size_t)1 << 30)

/* ---- length ------------------------------------------------------------- */

static int fn_length(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) {
        const Str *s = SARG(0, i);
        R[i] = ROW_OK(out, i) ? (i32)func_utf8_len(str_data(s), s->len) : 0;
    }
    return MDB_OK_;
}
static int fn_octet_length(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) R[i] = (i32)SARG(0, i)->len;
    return MDB_OK_;
}
static int fn_bit_length(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) R[i] = (i32)SARG(0, i)->len * 8;
    return MDB_OK_;
}

/* ---- case --------------------------------------------------------------- */

static int map_case(Vector *args, idx_t count, Vector *out, int mode)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const char *p = str_data(s);
        char *q = heap_alloc(out, s->len);
        bool was_alnum = false;
        for (u32 k = 0; k < s->len; k++) {
            char c = p[k];
            bool up = mode == 1 || (mode == 2 && !was_alnum);
            if (up) q[k] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
            else q[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
            was_alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        }
        set_str(out, i, q, s->len);
    }
    return MDB_OK_;
}
static int fn_lower(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) { return map_case(args, count, out, 0); }
static int fn_upper(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) { return map_case(args, count, out, 1); }
static int fn_initcap(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out) { return map_case(args, count, out, 2); }

/* ---- substr ------------------------------------------------------------- */

/* PG's text_substring: characters [start, start+len) with 1-based start;
 * len < 0 means "to the end" when has_len is false. */
static int substr_common(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out, bool bytes)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const char *p = str_data(s);
        i64 start = IARG(1, i), first = start < 1 ? 1 : start, last; /* last: exclusive, 1-based */
        if (nargs > 2) {
            i64 l = IARG(2, i);
            if (l < 0) return err_set(ctx->err, "22011", "negative substring length not allowed");
            last = start + l;
        } else {
            last = INT64_MAX;
        }
        if (last <= first) {
            set_str(out, i, "", 0);
            continue;
        }
        size_t b0, b1;
        if (bytes) {
            b0 = (size_t)MDB_MIN((i64)s->len, first - 1);
            b1 = (size_t)MDB_MIN((i64)s->len, last - 1);
        } else {
            b0 = utf8_offset(p, s->len, first - 1);
            b1 = last == INT64_MAX ? s->len : b0 + utf8_offset(p + b0, s->len - b0, last - first);
        }
        STRS(out)[i] = str_copy(out->heap, p + b0, (u32)(b1 - b0));
    }
    return MDB_OK_;
}
static int fn_substr(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return substr_common(ctx, args, nargs, count, out, false);
}
static int fn_substr_bytea(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return substr_common(ctx, args, nargs, count, out, true);
}

/* ---- position / strpos -------------------------------------------------- */

static int fn_strpos(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i), *sub = SARG(1, i);
        if (sub->len == 0) {
            R[i] = 1;
            continue;
        }
        const char *p = str_data(s);
        const char *hit = memmem(p, s->len, str_data(sub), sub->len);
        R[i] = hit ? (i32)func_utf8_len(p, (size_t)(hit - p)) + 1 : 0;
    }
    return MDB_OK_;
}

/* ---- left / right ------------------------------------------------------- */

static int fn_left(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const char *p = str_data(s);
        i64 n = IARG(1, i);
        if (n < 0) n = (i64)func_utf8_len(p, s->len) + n;
        size_t b = n <= 0 ? 0 : utf8_offset(p, s->len, n);
        out_str(out, i, p, b);
    }
    return MDB_OK_;
}
static int fn_right(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const char *p = str_data(s);
        i64 n = IARG(1, i), len = (i64)func_utf8_len(p, s->len);
        i64 skip = n < 0 ? -n : len - n;
        if (skip < 0) skip = 0;
        size_t b = utf8_offset(p, s->len, skip);
        out_str(out, i, p + b, s->len - b);
    }
    return MDB_OK_;
}

/* ---- lpad / rpad -------------------------------------------------------- */

static int pad_common(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out, bool left)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const char *p = str_data(s);
        i64 want = IARG(1, i);
        const char *fill = " ";
        size_t flen = 1;
        if (nargs > 2) fill = str_data(SARG(2, i)), flen = SARG(2, i)->len;
        if (want <= 0) {
            set_str(out, i, "", 0);
            continue;
        }
        i64 have = (i64)func_utf8_len(p, s->len);
        if (have >= want || flen == 0) {
            out_str(out, i, p, utf8_offset(p, s->len, want));
            continue;
        }
        i64 padn = want - have;
        if ((size_t)padn * 4 + s->len > MAX_RESULT) return too_long(ctx->err);
        char *q = heap_alloc(out, s->len + (size_t)padn * 4);
        size_t o = 0;
        if (!left) memcpy(q, p, s->len), o = s->len;
        size_t f = 0;
        for (i64 k = 0; k < padn; k++) {
            int cl = u8len((unsigned char)fill[f]);
            if (f + (size_t)cl > flen) cl = (int)(flen - f);
            memcpy(q + o, fill + f, (size_t)cl);
            o += (size_t)cl;
            f += (size_t)cl;
            if (f >= flen) f = 0;
        }
        if (left) memcpy(q + o, p, s->len), o += s->len;
        set_str(out, i, q, o);
    }
    return MDB_OK_;
}
static int fn_lpad(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return pad_common(ctx, args, nargs, count, out, true);
}
static int fn_rpad(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return pad_common(ctx, args, nargs, count, out, false);
}

/* ---- trim --------------------------------------------------------------- */

/* Character set of a trim: an ASCII byte table plus the multi-byte
 * characters listed, kept as (ptr, len) pairs. */
typedef struct TrimSet {
    bool ascii[128];
    int nmb;
    const char *mb[64];
    u8 mblen[64];
    const char *raw; /* fallback for sets with more than 64 multi-byte chars */
    size_t rawlen;
} TrimSet;

static void trimset_init(TrimSet *t, const char *p, size_t n)
{
    memset(t->ascii, 0, sizeof t->ascii);
    t->nmb = 0;
    t->raw = NULL;
    for (size_t k = 0; k < n;) {
        int cl = u8len((unsigned char)p[k]);
        if (k + (size_t)cl > n) cl = (int)(n - k);
        if (cl == 1 && (unsigned char)p[k] < 128) t->ascii[(unsigned char)p[k]] = true;
        else if (t->nmb < 64) t->mb[t->nmb] = p + k, t->mblen[t->nmb++] = (u8)cl;
        else t->raw = p, t->rawlen = n;
        k += (size_t)cl;
    }
}
static bool trimset_has(const TrimSet *t, const char *c, int cl)
{
    if (cl == 1 && (unsigned char)c[0] < 128) return t->ascii[(unsigned char)c[0]];
    for (int k = 0; k < t->nmb; k++)
        if (t->mblen[k] == cl && memcmp(t->mb[k], c, (size_t)cl) == 0) return true;
    if (t->raw) {
        for (size_t k = 0; k < t->rawlen;) {
            int l = u8len((unsigned char)t->raw[k]);
            if (l == cl && k + (size_t)l <= t->rawlen && memcmp(t->raw + k, c, (size_t)cl) == 0) return true;
            k += (size_t)l;
        }
    }
    return false;
}

static int trim_common(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out, bool lead, bool trail)
{
    TrimSet set;
    const Str *last_set = NULL;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const char *p = str_data(s);
        size_t b = 0, e = s->len;
        if (nargs == 1) {
            if (lead)
                while (b < e && p[b] == ' ') b++;
            if (trail)
                while (e > b && p[e - 1] == ' ') e--;
        } else {
            const Str *cs = SARG(1, i);
            if (!last_set || !str_eq(last_set, cs)) {
                trimset_init(&set, str_data(cs), cs->len);
                last_set = cs;
            }
            if (lead) {
                while (b < e) {
                    int cl = u8len((unsigned char)p[b]);
                    if (b + (size_t)cl > e || !trimset_has(&set, p + b, cl)) break;
                    b += (size_t)cl;
                }
            }
            if (trail) {
                while (e > b) {
                    size_t st = e - 1;
                    while (st > b && ((unsigned char)p[st] & 0xC0) == 0x80) st--;
                    if (!trimset_has(&set, p + st, (int)(e - st))) break;
                    e = st;
                }
            }
        }
        out_str(out, i, p + b, e - b);
    }
    return MDB_OK_;
}
static int fn_btrim(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return trim_common(ctx, args, nargs, count, out, true, true);
}
static int fn_ltrim(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return trim_common(ctx, args, nargs, count, out, true, false);
}
static int fn_rtrim(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return trim_common(ctx, args, nargs, count, out, false, true);
}

/* ---- replace / repeat / reverse / translate ----------------------------- */

static int fn_replace(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i), *from = SARG(1, i), *to = SARG(2, i);
        const char *p = str_data(s), *f = str_data(from), *t = str_data(to);
        if (from->len == 0 || s->len < from->len) {
            out_str(out, i, p, s->len);
            continue;
        }
        size_t hits = 0;
        for (const char *q = p, *end = p + s->len; (q = memmem(q, (size_t)(end - q), f, from->len)); q += from->len)
            hits++;
        if (!hits) {
            out_str(out, i, p, s->len);
            continue;
        }
        size_t len = s->len + hits * to->len - hits * from->len;
        if (len > MAX_RESULT) return too_long(ctx->err);
        char *r = heap_alloc(out, len);
        size_t o = 0;
        const char *q = p, *end = p + s->len, *h;
        while ((h = memmem(q, (size_t)(end - q), f, from->len))) {
            memcpy(r + o, q, (size_t)(h - q));
            o += (size_t)(h - q);
            memcpy(r + o, t, to->len);
            o += to->len;
            q = h + from->len;
        }
        memcpy(r + o, q, (size_t)(end - q));
        o += (size_t)(end - q);
        set_str(out, i, r, o);
    }
    return MDB_OK_;
}

static int fn_repeat(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        i64 n = IARG(1, i);
        if (n <= 0 || s->len == 0) {
            set_str(out, i, "", 0);
            continue;
        }
        if ((size_t)n * s->len > MAX_RESULT) return too_long(ctx->err);
        size_t len = (size_t)n * s->len;
        char *r = heap_alloc(out, len);
        const char *p = str_data(s);
        for (i64 k = 0; k < n; k++) memcpy(r + (size_t)k * s->len, p, s->len);
        set_str(out, i, r, len);
    }
    return MDB_OK_;
}

static int fn_reverse(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const char *p = str_data(s);
        char *r = heap_alloc(out, s->len);
        size_t o = s->len;
        for (size_t k = 0; k < s->len;) {
            int cl = u8len((unsigned char)p[k]);
            if (k + (size_t)cl > s->len) cl = (int)(s->len - k);
            o -= (size_t)cl;
            memcpy(r + o, p + k, (size_t)cl);
            k += (size_t)cl;
        }
        set_str(out, i, r, s->len);
    }
    return MDB_OK_;
}

/* translate(str, from, to): characters of `from` map to the character at the
 * same position of `to`, or are deleted when `to` is shorter. */
static int fn_translate(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i), *from = SARG(1, i), *to = SARG(2, i);
        const char *p = str_data(s), *f = str_data(from), *t = str_data(to);
        char *r = heap_alloc(out, (size_t)s->len * 4);
        size_t o = 0;
        for (size_t k = 0; k < s->len;) {
            int cl = u8len((unsigned char)p[k]);
            if (k + (size_t)cl > s->len) cl = (int)(s->len - k);
            /* find the character in `from` */
            i64 pos = -1, idx = 0;
            for (size_t m = 0; m < from->len; idx++) {
                int fl = u8len((unsigned char)f[m]);
                if (fl == cl && memcmp(f + m, p + k, (size_t)cl) == 0) {
                    pos = idx;
                    break;
                }
                m += (size_t)fl;
            }
            if (pos < 0) {
                memcpy(r + o, p + k, (size_t)cl);
                o += (size_t)cl;
            } else {
                size_t tb = utf8_offset(t, to->len, pos);
                if (tb < to->len) {
                    int tl = u8len((unsigned char)t[tb]);
                    if (tb + (size_t)tl > to->len) tl = (int)(to->len - tb);
                    memcpy(r + o, t + tb, (size_t)tl);
                    o += (size_t)tl;
                }
            }
            k += (size_t)cl;
        }
        set_str(out, i, r, o);
    }
    return MDB_OK_;
}

/* ---- split_part --------------------------------------------------------- */

static int fn_split_part(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i), *d = SARG(1, i);
        i64 n = IARG(2, i);
        if (n == 0) return err_set(ctx->err, "22023", "field position must not be zero");
        const char *p = str_data(s), *dp = str_data(d);
        if (s->len == 0) {
            set_str(out, i, "", 0);
            continue;
        }
        if (d->len == 0) {
            if (n == 1 || n == -1) out_str(out, i, p, s->len);
            else set_str(out, i, "", 0);
            continue;
        }
        /* collect field boundaries lazily: count fields first when n < 0 */
        i64 nf = 1;
        if (n < 0) {
            for (const char *q = p, *end = p + s->len; (q = memmem(q, (size_t)(end - q), dp, d->len)); q += d->len)
                nf++;
            n = nf + n + 1;
            if (n < 1) {
                set_str(out, i, "", 0);
                continue;
            }
        }
        const char *start = p, *end = p + s->len, *h = NULL;
        for (i64 k = 1;; k++) {
            h = memmem(start, (size_t)(end - start), dp, d->len);
            if (k == n) break;
            if (!h) {
                start = NULL;
                break;
            }
            start = h + d->len;
        }
        if (!start) set_str(out, i, "", 0);
        else out_str(out, i, start, (size_t)((h ? h : end) - start));
    }
    return MDB_OK_;
}

/* ---- concat / concat_ws / || -------------------------------------------- */

/* Text of argument k at row i (any type); bool as 'true'/'false' when
 * cast_bool (the || operator casts to text), 't'/'f' otherwise (concat uses
 * output functions). */
static Str any_text(FuncCtx *ctx, Vector *v, idx_t i, bool cast_bool)
{
    idx_t r = AIDX(v, i);
    if (v->type.id == TYPE_TEXT) return STRS(v)[r];
    if (v->type.id == TYPE_BOOL && cast_bool) return str_make(v->data[r] ? "true" : "false", v->data[r] ? 4 : 5);
    return func_value_text(ctx, v, r, ctx->arena);
}

static int concat_common(FuncCtx *ctx, Vector *args, int first, int nargs, idx_t count, Vector *out, const Str *sep,
                         idx_t row)
{
    size_t len = 0;
    Str parts[64];
    Str *pp = nargs - first <= 64 ? parts : arena_alloc(ctx->arena, sizeof(Str) * (size_t)(nargs - first));
    int np = 0;
    for (int k = first; k < nargs; k++) {
        if (ARG_NULL(&args[k], row)) continue;
        pp[np] = any_text(ctx, &args[k], row, false);
        len += pp[np].len + (np && sep ? sep->len : 0);
        np++;
    }
    if (len > MAX_RESULT) return too_long(ctx->err);
    char *r = heap_alloc(out, len);
    size_t o = 0;
    for (int k = 0; k < np; k++) {
        if (k && sep) memcpy(r + o, str_data(sep), sep->len), o += sep->len;
        memcpy(r + o, str_data(&pp[k]), pp[k].len);
        o += pp[k].len;
    }
    set_str(out, row, r, o);
    return MDB_OK_;
}

static int fn_concat(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    if (out->nulls) memset(out->nulls, 0, count);
    for (idx_t i = 0; i < count; i++)
        if (concat_common(ctx, args, 0, nargs, count, out, NULL, i)) return MDB_FAIL;
    return MDB_OK_;
}
static int fn_concat_ws(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (ARG_NULL(&args[0], i)) {
            out_set_null(out, i);
            continue;
        }
        if (out->nulls) out->nulls[i] = 0;
        if (concat_common(ctx, args, 1, nargs, count, out, SARG(0, i), i)) return MDB_FAIL;
    }
    return MDB_OK_;
}

static int fn_cat(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    bool plain = args[0].type.id == TYPE_TEXT && args[1].type.id == TYPE_TEXT;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        Str a = plain ? *SARG(0, i) : any_text(ctx, &args[0], i, true);
        Str b = plain ? *SARG(1, i) : any_text(ctx, &args[1], i, true);
        size_t len = (size_t)a.len + b.len;
        if (len > MAX_RESULT) return too_long(ctx->err);
        if (len <= STR_INLINE) {
            char tmp[STR_INLINE];
            memcpy(tmp, str_data(&a), a.len);
            memcpy(tmp + a.len, str_data(&b), b.len);
            STRS(out)[i] = str_make(tmp, (u32)len);
            continue;
        }
        char *r = heap_alloc(out, len);
        memcpy(r, str_data(&a), a.len);
        memcpy(r + a.len, str_data(&b), b.len);
        set_str(out, i, r, len);
    }
    return MDB_OK_;
}

/* ---- starts_with / ascii / chr ------------------------------------------ */

static int fn_starts_with(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        const Str *s = SARG(0, i), *p = SARG(1, i);
        out->data[i] = ROW_OK(out, i) && p->len <= s->len && memcmp(str_data(s), str_data(p), p->len) == 0;
    }
    return MDB_OK_;
}

static int fn_ascii(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const unsigned char *p = (const unsigned char *)str_data(s);
        if (s->len == 0) {
            R[i] = 0;
            continue;
        }
        int cl = u8len(p[0]);
        if ((u32)cl > s->len) cl = 1;
        u32 cp = cl == 1 ? p[0] : cl == 2 ? (p[0] & 0x1Fu) : cl == 3 ? (p[0] & 0x0Fu) : (p[0] & 0x07u);
        for (int k = 1; k < cl; k++) cp = (cp << 6) | (p[k] & 0x3Fu);
        R[i] = (i32)cp;
    }
    return MDB_OK_;
}

static int fn_chr(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        i32 c = IARG(0, i);
        if (c == 0) return err_set(ctx->err, "54000", "null character not permitted");
        if (c < 0) return err_set(ctx->err, "54000", "character number must be positive");
        if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return err_set(ctx->err, "54000", "requested character too large for encoding: %d", c);
        char b[4];
        u32 u = (u32)c;
        int n;
        if (u < 0x80) b[0] = (char)u, n = 1;
        else if (u < 0x800) b[0] = (char)(0xC0 | (u >> 6)), b[1] = (char)(0x80 | (u & 0x3F)), n = 2;
        else if (u < 0x10000)
            b[0] = (char)(0xE0 | (u >> 12)), b[1] = (char)(0x80 | ((u >> 6) & 0x3F)), b[2] = (char)(0x80 | (u & 0x3F)), n = 3;
        else
            b[0] = (char)(0xF0 | (u >> 18)), b[1] = (char)(0x80 | ((u >> 12) & 0x3F)),
            b[2] = (char)(0x80 | ((u >> 6) & 0x3F)), b[3] = (char)(0x80 | (u & 0x3F)), n = 4;
        out_str(out, i, b, (size_t)n);
    }
    return MDB_OK_;
}

/* ---- md5 / to_hex ------------------------------------------------------- */

static int fn_md5(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    static const char HEX[] = "0123456789abcdef";
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md) return err_set(ctx->err, "53200", "out of memory");
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        unsigned char dig[EVP_MAX_MD_SIZE];
        unsigned int dl = 0;
        if (!EVP_DigestInit_ex(md, EVP_md5(), NULL) || !EVP_DigestUpdate(md, str_data(s), s->len) ||
            !EVP_DigestFinal_ex(md, dig, &dl)) {
            EVP_MD_CTX_free(md);
            return err_set(ctx->err, "XX000", "could not compute MD5 hash");
        }
        char *r = heap_alloc(out, 32);
        for (unsigned k = 0; k < 16; k++) r[2 * k] = HEX[dig[k] >> 4], r[2 * k + 1] = HEX[dig[k] & 15];
        set_str(out, i, r, 32);
    }
    EVP_MD_CTX_free(md);
    return MDB_OK_;
}

static void hex_u64(Vector *out, idx_t i, u64 v)
{
    char b[17];
    int n = snprintf(b, sizeof b, "%llx", (unsigned long long)v);
    out_str(out, i, b, (size_t)n);
}
static int fn_to_hex32(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i)) hex_u64(out, i, (u32)IARG(0, i));
    return MDB_OK_;
}
static int fn_to_hex64(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i)) hex_u64(out, i, (u64)LARG(0, i));
    return MDB_OK_;
}

/* ---- quoting ------------------------------------------------------------ */

/* Writes p quoted as an identifier (if it needs quotes) into r (room for
 * 2n + 2 bytes); returns the length.  SQL keywords are not recognised, so
 * quote_ident('select') stays unquoted (PG quotes it). */
static size_t quote_ident_to(const char *p, size_t n, char *r)
{
    bool safe = n > 0 && ((p[0] >= 'a' && p[0] <= 'z') || p[0] == '_');
    for (size_t k = 0; k < n && safe; k++) safe = (p[k] >= 'a' && p[k] <= 'z') || (p[k] >= '0' && p[k] <= '9') || p[k] == '_';
    if (safe) {
        memcpy(r, p, n);
        return n;
    }
    size_t o = 0;
    r[o++] = '"';
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '"') r[o++] = '"';
        r[o++] = p[k];
    }
    r[o++] = '"';
    return o;
}

/* Writes p as a quoted literal (E'' when it holds a backslash) into r (room
 * for 2n + 3 bytes); returns the length. */
static size_t quote_literal_to(const char *p, size_t n, char *r)
{
    size_t o = 0;
    if (memchr(p, '\\', n)) r[o++] = 'E';
    r[o++] = '\'';
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '\'' || p[k] == '\\') r[o++] = p[k];
        r[o++] = p[k];
    }
    r[o++] = '\'';
    return o;
}

static int fn_quote_ident(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        char *r = heap_alloc(out, (size_t)s->len * 2 + 2);
        set_str(out, i, r, quote_ident_to(str_data(s), s->len, r));
    }
    return MDB_OK_;
}

static void quote_literal_into(Vector *out, idx_t i, const char *p, size_t n)
{
    char *r = heap_alloc(out, n * 2 + 3);
    set_str(out, i, r, quote_literal_to(p, n, r));
}
static int fn_quote_literal(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        Str s = any_text(ctx, &args[0], i, false);
        quote_literal_into(out, i, str_data(&s), s.len);
    }
    return MDB_OK_;
}
static int fn_quote_nullable(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    if (out->nulls) memset(out->nulls, 0, count);
    for (idx_t i = 0; i < count; i++) {
        if (ARG_NULL(&args[0], i)) {
            out_str(out, i, "NULL", 4);
            continue;
        }
        Str s = any_text(ctx, &args[0], i, false);
        quote_literal_into(out, i, str_data(&s), s.len);
    }
    return MDB_OK_;
}

/* ---- format ------------------------------------------------------------- */

/* format(fmt, args...) as PG's text_format: %[n$][-][width|*[n$]](s|I|L)
 * and %%.  Not strict: a NULL format gives NULL, a NULL argument prints
 * as '' (%s) or NULL (%L) and is an error for %I. */

static int fmt_unterminated(FuncCtx *ctx)
{
    err_set(ctx->err, "22023", "unterminated format() type specifier");
    err_hint(ctx->err, "For a single \"%%\" use \"%%%%\".");
    return MDB_FAIL;
}

/* Reads digits at *cp; false when there are none. */
static int fmt_digits(FuncCtx *ctx, const char **cp, const char *end, int *val, bool *found)
{
    const char *p = *cp;
    i64 v = 0;
    *found = false;
    *val = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        if (v > INT32_MAX) return err_set(ctx->err, "22003", "number is out of range");
        p++;
        *found = true;
    }
    if (*found && p >= end) return fmt_unterminated(ctx);
    *cp = p;
    *val = (int)v;
    return MDB_OK_;
}

/* Integer value of a width argument (any integer type; others as text). */
static int fmt_width_arg(FuncCtx *ctx, Vector *v, idx_t i, int *w)
{
    idx_t r = AIDX(v, i);
    i64 x;
    switch (v->type.id) {
    case TYPE_INT16: x = ((const i16 *)v->data)[r]; break;
    case TYPE_INT32: x = ((const i32 *)v->data)[r]; break;
    case TYPE_INT64: x = ((const i64 *)v->data)[r]; break;
    default: {
        Str s = any_text(ctx, v, i, false);
        char buf[32];
        size_t n = MDB_MIN(s.len, sizeof buf - 1);
        memcpy(buf, str_data(&s), n);
        buf[n] = 0;
        char *e;
        x = strtoll(buf, &e, 10);
        while (*e == ' ') e++;
        if (n == 0 || *e) return err_set(ctx->err, "22P02", "invalid input syntax for type integer: \"%s\"", buf);
    }
    }
    if (x > INT32_MAX || x <= INT32_MIN) return err_set(ctx->err, "22003", "integer out of range");
    *w = (int)x;
    return MDB_OK_;
}

static int format_row(FuncCtx *ctx, Vector *args, int nargs, idx_t i, StrBuf *sb)
{
    const Str *fs = SARG(0, i);
    const char *cp = str_data(fs), *end = cp + fs->len;
    int arg = 0; /* last argument used; 0 is the format itself */
    while (cp < end) {
        if (*cp != '%') {
            const char *q = memchr(cp, '%', (size_t)(end - cp));
            if (!q) q = end;
            sb_append(sb, cp, (size_t)(q - cp));
            cp = q;
            continue;
        }
        if (++cp >= end) return fmt_unterminated(ctx);
        if (*cp == '%') {
            sb_putc(sb, '%');
            cp++;
            continue;
        }
        int argpos = 0, widthpos = -1, width = 0, n;
        bool minus = false, found;
        if (fmt_digits(ctx, &cp, end, &n, &found)) return MDB_FAIL;
        if (found && *cp != '$') {
            width = n;
        } else {
            if (found) {
                if (n == 0) return err_set(ctx->err, "22023", "format specifies argument 0, but arguments are numbered from 1");
                argpos = n;
                if (++cp >= end) return fmt_unterminated(ctx);
            }
            while (*cp == '-') {
                minus = true;
                if (++cp >= end) return fmt_unterminated(ctx);
            }
            if (*cp == '*') {
                if (++cp >= end) return fmt_unterminated(ctx);
                if (fmt_digits(ctx, &cp, end, &n, &found)) return MDB_FAIL;
                widthpos = 0;
                if (found) {
                    if (*cp != '$') return err_set(ctx->err, "22023", "width argument position must be ended by \"$\"");
                    if (n == 0) return err_set(ctx->err, "22023", "format specifies argument 0, but arguments are numbered from 1");
                    widthpos = n;
                    if (++cp >= end) return fmt_unterminated(ctx);
                }
            } else {
                if (fmt_digits(ctx, &cp, end, &n, &found)) return MDB_FAIL;
                if (found) width = n;
            }
        }
        char conv = *cp++;
        if (conv != 's' && conv != 'I' && conv != 'L') {
            int cl = u8len((unsigned char)conv);
            if (cl > end - (cp - 1)) cl = (int)(end - (cp - 1));
            err_set(ctx->err, "22023", "unrecognized format() type specifier \"%.*s\"", cl, cp - 1);
            err_hint(ctx->err, "For a single \"%%\" use \"%%%%\".");
            return MDB_FAIL;
        }
        if (widthpos >= 0) {
            arg = widthpos > 0 ? widthpos : arg + 1;
            if (arg >= nargs) return err_set(ctx->err, "22023", "too few arguments for format()");
            width = 0;
            if (!ARG_NULL(&args[arg], i) && fmt_width_arg(ctx, &args[arg], i, &width)) return MDB_FAIL;
            if (width < 0) minus = true, width = -width;
        }
        arg = argpos > 0 ? argpos : arg + 1;
        if (arg >= nargs) return err_set(ctx->err, "22023", "too few arguments for format()");
        /* the converted value, then padding to `width` characters */
        size_t start = sb->len;
        if (ARG_NULL(&args[arg], i) || args[arg].type.id == TYPE_NULL) {
            if (conv == 'I') return err_set(ctx->err, "22004", "null values cannot be formatted as an SQL identifier");
            if (conv == 'L') sb_append(sb, "NULL", 4);
        } else {
            Str v = any_text(ctx, &args[arg], i, false);
            const char *p = str_data(&v);
            if (conv == 's') {
                sb_append(sb, p, v.len);
            } else {
                sb_reserve(sb, (size_t)v.len * 2 + 3);
                size_t k = conv == 'I' ? quote_ident_to(p, v.len, sb->data + sb->len) : quote_literal_to(p, v.len, sb->data + sb->len);
                sb->len += k;
                sb->data[sb->len] = 0;
            }
        }
        size_t chars = func_utf8_len(sb->data ? sb->data + start : "", sb->len - start);
        if ((size_t)width > chars) {
            size_t pad = (size_t)width - chars;
            if (sb->len + pad > MAX_RESULT) return too_long(ctx->err);
            sb_reserve(sb, pad);
            if (!minus) memmove(sb->data + start + pad, sb->data + start, sb->len - start);
            memset(minus ? sb->data + sb->len : sb->data + start, ' ', pad);
            sb->len += pad;
            sb->data[sb->len] = 0;
        }
        if (sb->len > MAX_RESULT) return too_long(ctx->err);
    }
    return MDB_OK_;
}

static int fn_format(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    StrBuf sb;
    sb_init(&sb);
    for (idx_t i = 0; i < count; i++) {
        if (ARG_NULL(&args[0], i)) {
            out_set_null(out, i);
            continue;
        }
        if (out->nulls) out->nulls[i] = 0;
        sb_reset(&sb);
        if (format_row(ctx, args, nargs, i, &sb)) {
            sb_free(&sb);
            return MDB_FAIL;
        }
        out_str(out, i, sb.len ? sb.data : "", sb.len);
    }
    sb_free(&sb);
    return MDB_OK_;
}

/* ---- overlay ------------------------------------------------------------ */

/* overlay(s placing p from f [for l]) = substr(s, 1, f-1) || p || substr(s,
 * f+l), counted in characters; l defaults to length(p). */
static int fn_overlay(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i), *p = SARG(1, i);
        const char *sp = str_data(s);
        i64 f = IARG(2, i), l = nargs > 3 ? IARG(3, i) : (i64)func_utf8_len(str_data(p), p->len);
        if (f <= 0) return err_set(ctx->err, "22011", "negative substring length not allowed");
        i64 e = f + l;
        if (e > INT32_MAX || e < INT32_MIN) return err_set(ctx->err, "22003", "integer out of range");
        size_t head = utf8_offset(sp, s->len, f - 1);
        size_t tail = e <= 1 ? 0 : utf8_offset(sp, s->len, e - 1);
        size_t len = head + p->len + (s->len - tail);
        if (len > MAX_RESULT) return too_long(ctx->err);
        char *r = heap_alloc(out, len);
        memcpy(r, sp, head);
        memcpy(r + head, str_data(p), p->len);
        memcpy(r + head + p->len, sp + tail, s->len - tail);
        set_str(out, i, r, len);
    }
    return MDB_OK_;
}

/* length(char(n)) and friends ignore the padding (PG's bpcharlen). */
static int fn_bpchar_length(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    i32 *R = (i32 *)out->data;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        const char *p = str_data(s);
        u32 n = s->len;
        while (n > 0 && p[n - 1] == ' ') n--;
        R[i] = (i32)func_utf8_len(p, n);
    }
    return MDB_OK_;
}

/* ---- registration ------------------------------------------------------- */

#define F1(N, A, R, K) {N, 1, {A}, R, 0, K}
#define F2(N, A, B, R, K) {N, 2, {A, B}, R, 0, K}
#define F3(N, A, B, C, R, K) {N, 3, {A, B, C}, R, 0, K}
#define T TYPE_TEXT
#define I TYPE_INT32

static const ScalarFunc STRING[] = {
    /* char(n) first: its padding counts for octet_length only (as in PG) */
    F1("length", ARG_BPCHAR, I, fn_bpchar_length), F1("char_length", ARG_BPCHAR, I, fn_bpchar_length),
    F1("character_length", ARG_BPCHAR, I, fn_bpchar_length), F1("octet_length", ARG_BPCHAR, I, fn_octet_length),
    F1("length", T, I, fn_length), F1("char_length", T, I, fn_length), F1("character_length", T, I, fn_length),
    F1("length", TYPE_BYTEA, I, fn_octet_length),
    F1("octet_length", T, I, fn_octet_length), F1("octet_length", TYPE_BYTEA, I, fn_octet_length),
    F1("bit_length", T, I, fn_bit_length),
    F1("lower", T, T, fn_lower), F1("upper", T, T, fn_upper), F1("initcap", T, T, fn_initcap),
    F2("substr", T, I, T, fn_substr), F3("substr", T, I, I, T, fn_substr),
    F2("substring", T, I, T, fn_substr), F3("substring", T, I, I, T, fn_substr),
    F2("substr", TYPE_BYTEA, I, TYPE_BYTEA, fn_substr_bytea), F3("substr", TYPE_BYTEA, I, I, TYPE_BYTEA, fn_substr_bytea),
    F2("substring", TYPE_BYTEA, I, TYPE_BYTEA, fn_substr_bytea),
    F3("substring", TYPE_BYTEA, I, I, TYPE_BYTEA, fn_substr_bytea),
    F2("position", T, T, I, fn_strpos), F2("strpos", T, T, I, fn_strpos),
    F2("left", T, I, T, fn_left), F2("right", T, I, T, fn_right),
    F2("lpad", T, I, T, fn_lpad), F3("lpad", T, I, T, T, fn_lpad),
    F2("rpad", T, I, T, fn_rpad), F3("rpad", T, I, T, T, fn_rpad),
    F1("btrim", T, T, fn_btrim), F2("btrim", T, T, T, fn_btrim),
    F1("ltrim", T, T, fn_ltrim), F2("ltrim", T, T, T, fn_ltrim),
    F1("rtrim", T, T, fn_rtrim), F2("rtrim", T, T, T, fn_rtrim),
    F1("trim", T, T, fn_btrim), F2("trim", T, T, T, fn_btrim),
    F3("replace", T, T, T, T, fn_replace),
    F2("repeat", T, I, T, fn_repeat),
    F1("reverse", T, T, fn_reverse),
    F3("translate", T, T, T, T, fn_translate),
    F3("split_part", T, T, I, T, fn_split_part),
    {"concat", 1, {ARG_ANY}, T, FUNC_VARIADIC | FUNC_NOT_STRICT, fn_concat},
    {"concat_ws", 2, {T, ARG_ANY}, T, FUNC_VARIADIC | FUNC_NOT_STRICT, fn_concat_ws},
    F2("||", T, T, T, fn_cat),
    F2("||", T, ARG_ANY, T, fn_cat),
    F2("||", ARG_ANY, T, T, fn_cat),
    F2("starts_with", T, T, TYPE_BOOL, fn_starts_with),
    F2("^@", T, T, TYPE_BOOL, fn_starts_with),
    F1("ascii", T, I, fn_ascii),
    F1("chr", I, T, fn_chr),
    F1("md5", T, T, fn_md5), F1("md5", TYPE_BYTEA, T, fn_md5),
    F1("to_hex", I, T, fn_to_hex32), F1("to_hex", TYPE_INT64, T, fn_to_hex64),
    F1("quote_ident", T, T, fn_quote_ident),
    F1("quote_literal", T, T, fn_quote_literal),
    F1("quote_literal", ARG_ANY, T, fn_quote_literal),
    {"quote_nullable", 1, {ARG_ANY}, T, FUNC_NOT_STRICT, fn_quote_nullable},
    {"format", 2, {T, ARG_ANY}, T, FUNC_VARIADIC | FUNC_NOT_STRICT, fn_format},
    {"overlay", 3, {T, T, I}, T, 0, fn_overlay},
    {"overlay", 4, {T, T, I, I}, T, 0, fn_overlay},
};

void func_register_string(void) { func_register_scalar(STRING, MDB_ARRAY_LEN(STRING)); }
