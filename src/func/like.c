/*
 * src/func/like.c — pattern matching: LIKE / ILIKE (operators ~~ ~~* !~~
 * !~~* and the names like, ilike, not_like, not_ilike), like_escape,
 * SIMILAR TO (similar_to, not_similar_to, similar_to_escape), POSIX regular
 * expressions (~ ~* !~ !~*, regexp_replace, regexp_match, regexp_like,
 * regexp_split_to_array, substring(text FROM pattern)) and the SQL regex
 * form substring(text SIMILAR pattern ESCAPE e).
 *
 * LIKE patterns are compiled once per distinct pattern in a chunk into a
 * list of literal bytes and wildcards (backslash escapes resolved), then
 * matched by the greedy algorithm with one backtrack point at the last %,
 * which is exact for patterns whose only variable-length wildcard is %.
 * Common shapes (exact, prefix%, %suffix, %infix%) go through memcmp or
 * memmem.  `_` matches one UTF-8 character.  ILIKE folds ASCII case, as PG
 * under the C collation.
 *
 * Regular expressions use the C library's POSIX engine (REG_EXTENDED) after
 * translating the most common PostgreSQL ARE escapes (\d \D, and \w \s
 * inside brackets); the compiled regex of the last pattern seen is cached in
 * FuncCtx.state for the life of the call site; compile errors carry PG's
 * texts.  SIMILAR TO translates to a POSIX regex as PG's similar_escape does
 * (with capturing groups where PG uses (?:...), which POSIX lacks).
 *
 * INTERFACE: func_register_like
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "func/func_internal.h"

#define SARG(k, i) (&STRS(&args[k])[AIDX(&args[k], i)])
#define ARGV(k, T, i) (((const T *)args[k].data)[AIDX(&args[k], i)])

static inline int u8len(unsigned char c) { return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }
static inline char lc(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

/* ---- LIKE --------------------------------------------------------------- */

enum { LK_LIT = 0, LK_ONE = 1, LK_ANY = 2 };
enum { SHAPE_GENERAL, SHAPE_EXACT, SHAPE_PREFIX, SHAPE_SUFFIX, SHAPE_INFIX, SHAPE_SEGMENTS };

typedef struct LikePat {
    char *lit; /* literal byte (for LK_LIT) */
    u8 *kind;  /* LK_* per position */
    u32 n;
    int shape;
    const char *core; /* literal part for the fast shapes */
    u32 core_len;
    u32 *seg_off, *seg_len; /* SHAPE_SEGMENTS: the literal runs between %s */
    u32 nseg;
    bool lead, trail;       /* the pattern starts / ends with % */
} LikePat;

static int like_compile(FuncCtx *ctx, const char *p, size_t n, bool ci, LikePat *out)
{
    out->lit = arena_alloc(ctx->arena, n + 1);
    out->kind = arena_alloc(ctx->arena, n + 1);
    u32 m = 0;
    int nany = 0, none = 0;
    for (size_t k = 0; k < n; k++) {
        char c = p[k];
        if (c == '\\') {
            if (k + 1 >= n) return err_set(ctx->err, "22025", "LIKE pattern must not end with escape character");
            c = p[++k];
            out->lit[m] = ci ? lc(c) : c;
            out->kind[m++] = LK_LIT;
        } else if (c == '%') {
            if (m && out->kind[m - 1] == LK_ANY) continue;
            out->kind[m++] = LK_ANY, nany++;
        } else if (c == '_') {
            out->kind[m++] = LK_ONE, none++;
        } else {
            out->lit[m] = ci ? lc(c) : c;
            out->kind[m++] = LK_LIT;
        }
    }
    out->n = m;
    out->shape = SHAPE_GENERAL;
    if (ci || none) return MDB_OK_;
    /* literal bytes are contiguous in lit[] between wildcards */
    bool lead = m && out->kind[0] == LK_ANY, trail = m > (u32)lead && out->kind[m - 1] == LK_ANY;
    if (nany - lead - trail != 0) {
        /* literals and %s only ('%special%requests%'): the runs are found left
         * to right, each at its leftmost place, which is exact for % */
        out->seg_off = arena_alloc(ctx->arena, sizeof(u32) * (size_t)(nany + 1));
        out->seg_len = arena_alloc(ctx->arena, sizeof(u32) * (size_t)(nany + 1));
        out->nseg = 0;
        for (u32 k = 0; k < m;) {
            if (out->kind[k] == LK_ANY) { k++; continue; }
            u32 st = k;
            while (k < m && out->kind[k] == LK_LIT) k++;
            out->seg_off[out->nseg] = st;
            out->seg_len[out->nseg++] = k - st;
        }
        out->lead = lead;
        out->trail = trail;
        out->shape = SHAPE_SEGMENTS;
        return MDB_OK_;
    }
    u32 b = lead, e = m - trail;
    /* compact literals into one run */
    for (u32 k = b; k < e; k++) out->lit[k - b] = out->lit[k];
    out->core = out->lit;
    out->core_len = e - b;
    out->shape = lead && trail ? SHAPE_INFIX : lead ? SHAPE_SUFFIX : trail ? SHAPE_PREFIX : SHAPE_EXACT;
    return MDB_OK_;
}

static bool like_general(const LikePat *pt, const char *s, size_t n, bool ci)
{
    size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
    while (si < n) {
        if (pi < pt->n) {
            u8 k = pt->kind[pi];
            if (k == LK_ANY) {
                star_p = pi++;
                star_s = si;
                continue;
            }
            if (k == LK_ONE) {
                si += (size_t)u8len((unsigned char)s[si]);
                pi++;
                continue;
            }
            if ((ci ? lc(s[si]) : s[si]) == pt->lit[pi]) {
                si++;
                pi++;
                continue;
            }
        }
        if (star_p == (size_t)-1) return false;
        /* backtrack: let the last % swallow one more character */
        pi = star_p + 1;
        star_s += (size_t)u8len((unsigned char)s[star_s]);
        si = star_s;
    }
    if (si > n) return false;
    while (pi < pt->n && pt->kind[pi] == LK_ANY) pi++;
    return pi == pt->n;
}

/* Leftmost occurrence of c[0..cl) in s[from..to), or -1. */
static inline long like_find(const char *s, size_t from, size_t to, const char *c, u32 cl)
{
    if (cl == 0) return (long)from;
    for (size_t k = from; k + cl <= to; k++) {
        const char *h = memchr(s + k, c[0], to - cl - k + 1);
        if (!h) return -1;
        k = (size_t)(h - s);
        if (memcmp(h, c, cl) == 0) return (long)k;
    }
    return -1;
}

static bool like_segments(const LikePat *pt, const char *s, size_t n)
{
    size_t pos = 0, end = n;
    u32 first = 0, last = pt->nseg;
    if (!pt->lead) { /* the first run is anchored at the start */
        u32 l0 = pt->seg_len[0];
        if (n < l0 || memcmp(s, pt->lit + pt->seg_off[0], l0) != 0) return false;
        pos = l0;
        first = 1;
    }
    if (!pt->trail && last > first) { /* the last run at the end */
        u32 ll = pt->seg_len[last - 1];
        if (end < pos + ll || memcmp(s + end - ll, pt->lit + pt->seg_off[last - 1], ll) != 0) return false;
        end -= ll;
        last--;
    }
    for (u32 g = first; g < last; g++) {
        long at = like_find(s, pos, end, pt->lit + pt->seg_off[g], pt->seg_len[g]);
        if (at < 0) return false;
        pos = (size_t)at + pt->seg_len[g];
    }
    return true;
}

static inline bool like_match(const LikePat *pt, const char *s, size_t n, bool ci)
{
    switch (pt->shape) {
    case SHAPE_EXACT: return n == pt->core_len && memcmp(s, pt->core, n) == 0;
    case SHAPE_PREFIX: return n >= pt->core_len && memcmp(s, pt->core, pt->core_len) == 0;
    case SHAPE_SUFFIX: return n >= pt->core_len && memcmp(s + n - pt->core_len, pt->core, pt->core_len) == 0;
    case SHAPE_INFIX: {
        if (pt->core_len == 0) return true;
        if (n < pt->core_len) return false;
        const char *c = pt->core;
        u32 cl = pt->core_len;
        for (size_t k = 0; k + cl <= n; k++) {
            const char *h = memchr(s + k, c[0], n - cl - k + 1);
            if (!h) return false;
            k = (size_t)(h - s);
            if (memcmp(h, c, cl) == 0) return true;
        }
        return false;
    }
    case SHAPE_SEGMENTS: return like_segments(pt, s, n);
    default: return like_general(pt, s, n, ci);
    }
}

static int like_kernel(FuncCtx *ctx, Vector *args, idx_t count, Vector *out, bool ci, bool negate)
{
    LikePat pt = {0};
    const Str *last = NULL;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *p = SARG(1, i);
        if (!last || (last != p && !str_eq(last, p))) {
            if (like_compile(ctx, str_data(p), p->len, ci, &pt)) return MDB_FAIL;
            last = p;
        }
        const Str *s = SARG(0, i);
        out->data[i] = like_match(&pt, str_data(s), s->len, ci) != negate;
    }
    return MDB_OK_;
}

static int fn_like(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return like_kernel(c, a, n, o, false, false); }
static int fn_not_like(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return like_kernel(c, a, n, o, false, true); }
static int fn_ilike(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return like_kernel(c, a, n, o, true, false); }
static int fn_not_ilike(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return like_kernel(c, a, n, o, true, true); }

/* like_escape(pattern, escape): rewrites a pattern with a custom escape
 * character into the backslash form; an empty escape disables escaping. */
static int fn_like_escape(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *p = SARG(0, i), *e = SARG(1, i);
        const char *s = str_data(p), *es = str_data(e);
        if (e->len > 1 || (e->len == 1 && (unsigned char)es[0] >= 0x80 && u8len((unsigned char)es[0]) != (int)e->len))
        {
            err_set(ctx->err, "22025", "invalid escape string");
            err_hint(ctx->err, "Escape string must be empty or one character.");
            return MDB_FAIL;
        }
        char *r = arena_alloc(out->heap, (size_t)p->len * 2 + 1);
        size_t o = 0;
        for (u32 k = 0; k < p->len; k++) {
            char c = s[k];
            if (e->len == 1 && c == es[0]) {
                if (k + 1 >= p->len) return err_set(ctx->err, "22025", "LIKE pattern must not end with escape character");
                char nx = s[++k];
                r[o++] = '\\';
                r[o++] = nx;
            } else if (c == '\\') {
                r[o++] = '\\';
                r[o++] = '\\';
            } else {
                r[o++] = c;
            }
        }
        STRS(out)[i] = str_make(r, (u32)o);
    }
    return MDB_OK_;
}

/* ---- POSIX regular expressions ------------------------------------------ */

typedef struct RxCache {
    char *pat; /* pattern bytes of the compiled regex (xmalloc'd) */
    u32 len;
    int cflags;
    bool valid;
    regex_t rx;
} RxCache;

/* Translates PG ARE shorthand escapes that POSIX ERE lacks. */
static char *rx_translate(const char *p, size_t n)
{
    char *r = xmalloc(n * 12 + 1);
    size_t o = 0;
    bool in_br = false;
    for (size_t k = 0; k < n; k++) {
        char c = p[k];
        if (c == '\\' && k + 1 < n) {
            char d = p[k + 1];
            const char *rep = NULL;
            if (!in_br) {
                if (d == 'd') rep = "[0-9]";
                else if (d == 'D') rep = "[^0-9]";
                else if (d == 'w') rep = "[[:alnum:]_]";
                else if (d == 'W') rep = "[^[:alnum:]_]";
                else if (d == 's') rep = "[[:space:]]";
                else if (d == 'S') rep = "[^[:space:]]";
            } else {
                if (d == 'd') rep = "0-9";
                else if (d == 'w') rep = "[:alnum:]_";
                else if (d == 's') rep = "[:space:]";
                else if (d == '\\') rep = "\\";
            }
            if (rep) {
                size_t l = strlen(rep);
                memcpy(r + o, rep, l);
                o += l;
                k++;
                continue;
            }
            r[o++] = c;
            r[o++] = d;
            k++;
            continue;
        }
        if (!in_br && c == '[') {
            in_br = true;
            r[o++] = c;
            if (k + 1 < n && p[k + 1] == '^') r[o++] = p[++k];
            if (k + 1 < n && p[k + 1] == ']') r[o++] = p[++k];
            continue;
        }
        if (in_br && c == '[' && k + 1 < n && (p[k + 1] == ':' || p[k + 1] == '.' || p[k + 1] == '=')) {
            /* character class name: copy through the closing x] */
            char t = p[k + 1];
            r[o++] = c;
            r[o++] = t;
            k += 2;
            while (k < n && !(p[k] == t && k + 1 < n && p[k + 1] == ']')) r[o++] = p[k++];
            if (k < n) r[o++] = p[k++], r[o++] = p[k];
            continue;
        }
        if (in_br && c == ']') in_br = false;
        r[o++] = c;
    }
    r[o] = 0;
    return r;
}

static void rx_cache_free(void *p)
{
    RxCache *c = p;
    if (c->valid) {
        regfree(&c->rx);
        free(c->pat);
    }
    free(c);
}

/* PostgreSQL's text (regerrs.h) for a C library regcomp error; NULL where
 * PG has no counterpart (the C library's text is used then). */
static const char *rx_pg_message(int rc)
{
    switch (rc) {
    case REG_ECOLLATE: return "invalid collating element";
    case REG_ECTYPE: return "invalid character class";
    case REG_EESCAPE: return "invalid escape \\ sequence";
    case REG_ESUBREG: return "invalid backreference number";
    case REG_EBRACK: return "brackets [] not balanced";
    case REG_EPAREN:
#ifdef REG_ERPAREN
    case REG_ERPAREN:
#endif
        return "parentheses () not balanced";
    case REG_EBRACE: return "braces {} not balanced";
    case REG_BADBR: return "invalid repetition count(s)";
    case REG_ERANGE: return "invalid character range";
    case REG_ESPACE: return "out of memory";
    case REG_BADRPT: return "quantifier operand invalid";
#ifdef REG_ESIZE
    case REG_ESIZE: return "regular expression is too big";
#endif
    default: return NULL;
    }
}

/* True when the (translated) pattern closes a group it never opened. */
static bool rx_stray_rparen(const char *r)
{
    int depth = 0;
    for (const char *q = r; *q; q++) {
        if (*q == '\\') {
            if (q[1]) q++;
        } else if (*q == '[') {
            q++;
            if (*q == '^') q++;
            if (*q == ']') q++;
            while (*q && *q != ']') {
                if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
                    char t = q[1];
                    for (q += 2; *q && !(*q == t && q[1] == ']'); q++) {}
                    if (*q) q++;
                }
                if (*q) q++;
            }
            if (!*q) return false; /* unbalanced brackets: regcomp reports them */
        } else if (*q == '(') {
            depth++;
        } else if (*q == ')') {
            if (depth == 0) return true;
            depth--;
        }
    }
    return false;
}

/* Returns the compiled regex for pattern p (cached in *state). */
static regex_t *rx_get(FuncCtx *ctx, const Str *p, int cflags)
{
    RxCache *c = ctx->state;
    if (!c) {
        c = xcalloc(1, sizeof(RxCache));
        ctx->state = c;
        if (ctx->defer) ctx->defer(ctx->defer_owner, rx_cache_free, c);
    }
    if (c->valid && c->cflags == cflags && c->len == p->len && memcmp(c->pat, str_data(p), p->len) == 0)
        return &c->rx;
    if (c->valid) {
        regfree(&c->rx);
        free(c->pat);
        c->valid = false;
    }
    char *tr = rx_translate(str_data(p), p->len);
    if (rx_stray_rparen(tr)) {
        /* the C library takes an unmatched ')' literally; PG's ARE does not */
        free(tr);
        err_set(ctx->err, "2201B", "invalid regular expression: parentheses () not balanced");
        return NULL;
    }
    int rc = regcomp(&c->rx, tr, cflags);
    free(tr);
    if (rc != 0) {
        char msg[256];
        const char *pg = rx_pg_message(rc);
        if (!pg) {
            regerror(rc, &c->rx, msg, sizeof msg);
            for (char *m = msg; *m; m++) *m = lc(*m);
            pg = msg;
        }
        regfree(&c->rx);
        err_set(ctx->err, "2201B", "invalid regular expression: %s", pg);
        return NULL;
    }
    c->pat = xmalloc(p->len + 1);
    memcpy(c->pat, str_data(p), p->len);
    c->len = p->len;
    c->cflags = cflags;
    c->valid = true;
    return &c->rx;
}

static int rx_exec(const regex_t *rx, const char *s, size_t n, size_t from, regmatch_t *m, size_t nm, int eflags)
{
    regmatch_t tmp[1];
    if (!m) m = tmp, nm = 1;
    m[0].rm_so = (regoff_t)from;
    m[0].rm_eo = (regoff_t)n;
    return regexec(rx, s, nm, m, eflags | REG_STARTEND);
}

static int regex_kernel(FuncCtx *ctx, Vector *args, idx_t count, Vector *out, bool icase, bool negate)
{
    int cf = REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0);
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        regex_t *rx = rx_get(ctx, SARG(1, i), cf);
        if (!rx) return MDB_FAIL;
        const Str *s = SARG(0, i);
        out->data[i] = (rx_exec(rx, str_data(s), s->len, 0, NULL, 0, 0) == 0) != negate;
    }
    return MDB_OK_;
}
static int fn_rx(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return regex_kernel(c, a, n, o, false, false); }
static int fn_rx_i(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return regex_kernel(c, a, n, o, true, false); }
static int fn_nrx(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return regex_kernel(c, a, n, o, false, true); }
static int fn_nrx_i(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return regex_kernel(c, a, n, o, true, true); }

static int parse_flags(FuncCtx *ctx, const Str *f, bool *global, int *cflags)
{
    const char *p = str_data(f);
    for (u32 k = 0; k < f->len; k++) {
        switch (p[k]) {
        case 'g': *global = true; break;
        case 'i': *cflags |= REG_ICASE; break;
        case 'c': *cflags &= ~REG_ICASE; break;
        case 'n': *cflags |= REG_NEWLINE; break;
        default:
            return err_set(ctx->err, "22023", "invalid regular expression option: \"%.*s\"",
                           u8len((unsigned char)p[k]), p + k);
        }
    }
    return MDB_OK_;
}

static void buf_add(Arena *a, char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n > *cap) {
        size_t nc = MDB_MAX(*cap * 2, *len + n + 64);
        char *nb = arena_alloc(a, nc);
        if (*len) memcpy(nb, *buf, *len);
        *buf = nb;
        *cap = nc;
    }
    if (n) memcpy(*buf + *len, p, n);
    *len += n;
}

static int fn_regexp_replace(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        bool global = false;
        int cf = REG_EXTENDED;
        if (nargs > 3 && parse_flags(ctx, SARG(3, i), &global, &cf)) return MDB_FAIL;
        regex_t *rx = rx_get(ctx, SARG(1, i), cf);
        if (!rx) return MDB_FAIL;
        const Str *ss = SARG(0, i), *rs = SARG(2, i);
        const char *s = str_data(ss), *rp = str_data(rs);
        size_t n = ss->len, pos = 0, len = 0, cap = 0;
        char *buf = NULL;
        regmatch_t m[10];
        while (pos <= n) {
            if (rx_exec(rx, s, n, pos, m, 10, pos > 0 ? REG_NOTBOL : 0) != 0) break;
            size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
            buf_add(ctx->arena, &buf, &len, &cap, s + pos, so - pos);
            for (u32 k = 0; k < rs->len; k++) {
                if (rp[k] == '\\' && k + 1 < rs->len) {
                    char d = rp[k + 1];
                    if (d >= '1' && d <= '9') {
                        int g = d - '0';
                        if (m[g].rm_so >= 0)
                            buf_add(ctx->arena, &buf, &len, &cap, s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
                        k++;
                        continue;
                    }
                    if (d == '&') {
                        buf_add(ctx->arena, &buf, &len, &cap, s + so, eo - so);
                        k++;
                        continue;
                    }
                    if (d == '\\') {
                        buf_add(ctx->arena, &buf, &len, &cap, "\\", 1);
                        k++;
                        continue;
                    }
                }
                buf_add(ctx->arena, &buf, &len, &cap, rp + k, 1);
            }
            if (eo == so) {
                /* empty match: copy one character and move on */
                if (so >= n) {
                    pos = n + 1;
                    break;
                }
                size_t cl = (size_t)u8len((unsigned char)s[so]);
                if (so + cl > n) cl = n - so;
                buf_add(ctx->arena, &buf, &len, &cap, s + so, cl);
                pos = so + cl;
            } else {
                pos = eo;
            }
            if (!global) break;
        }
        if (pos < n) buf_add(ctx->arena, &buf, &len, &cap, s + pos, n - pos);
        out_str(out, i, buf ? buf : "", len);
    }
    return MDB_OK_;
}

/* regexp_match(str, pattern[, flags]) → text[] of the capture groups (or
 * the whole match when there are none); NULL when there is no match. */
static int fn_regexp_match(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        bool global = false;
        int cf = REG_EXTENDED;
        if (nargs > 2 && parse_flags(ctx, SARG(2, i), &global, &cf)) return MDB_FAIL;
        if (global) return err_set(ctx->err, "22023", "regexp_match() does not support the \"global\" option");
        regex_t *rx = rx_get(ctx, SARG(1, i), cf);
        if (!rx) return MDB_FAIL;
        const Str *ss = SARG(0, i);
        const char *s = str_data(ss);
        regmatch_t m[10];
        if (rx_exec(rx, s, ss->len, 0, m, 10, 0) != 0) {
            out_set_null(out, i);
            continue;
        }
        size_t ng = rx->re_nsub > 9 ? 9 : rx->re_nsub;
        ArrayText b;
        func_array_init(&b, ctx->arena);
        for (size_t g = ng ? 1 : 0; g <= ng; g++)
            func_array_add(&b, m[g].rm_so < 0 ? s : s + m[g].rm_so, m[g].rm_so < 0 ? 0 : (size_t)(m[g].rm_eo - m[g].rm_so), m[g].rm_so < 0);
        func_array_finish(&b, out, i);
    }
    return MDB_OK_;
}

/* regexp_matches(str, pattern[, flags]), the set-returning function (its
 * rows are produced by src/exec's table-function operators): one text[] per
 * match, holding the capture groups or the whole match; only the first match
 * without flag 'g'.  As in PG every match counts, empty ones too; after an
 * empty match the search moves on by one character. */
int func_regexp_matches(FuncCtx *ctx, const Str *str, const Str *pat, const Str *flags, Arena *a, Value **out, size_t *n)
{
    bool global = false;
    int cf = REG_EXTENDED;
    *out = NULL;
    *n = 0;
    if (flags && parse_flags(ctx, flags, &global, &cf)) return MDB_FAIL;
    regex_t *rx = rx_get(ctx, pat, cf);
    if (!rx) return MDB_FAIL;
    const char *s = str_data(str);
    size_t len = str->len, from = 0, cap = 0;
    size_t ng = rx->re_nsub > 9 ? 9 : rx->re_nsub;
    LType lt = ltype(TYPE_LIST);
    lt.elem = TYPE_TEXT;
    regmatch_t m[10];
    while (from <= len && rx_exec(rx, s, len, from, m, 10, from > 0 ? REG_NOTBOL : 0) == 0) {
        ArrayText b;
        func_array_init(&b, a);
        for (size_t g = ng ? 1 : 0; g <= ng; g++)
            func_array_add(&b, m[g].rm_so < 0 ? s : s + m[g].rm_so, m[g].rm_so < 0 ? 0 : (size_t)(m[g].rm_eo - m[g].rm_so), m[g].rm_so < 0);
        Vector one;
        vector_init(&one, lt, 1, a);
        one.heap = a;
        func_array_finish(&b, &one, 0);
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            Value *nv = arena_alloc(a, sizeof(Value) * cap);
            if (*n) memcpy(nv, *out, sizeof(Value) * *n);
            *out = nv;
        }
        (*out)[(*n)++] = vector_get(&one, 0);
        if (!global) break;
        size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
        from = eo;
        if (so == eo) from += so < len ? (size_t)u8len((unsigned char)s[so]) : 1;
    }
    return MDB_OK_;
}

/* Finds the next match of rx in s[0..n) at or after byte `from` (REG_NOTBOL
 * when not at the start); false when there is none. */
static bool rx_next(const regex_t *rx, const char *s, size_t n, size_t from, regmatch_t *m, size_t nm)
{
    return rx_exec(rx, s, n, from, m, nm, from > 0 ? REG_NOTBOL : 0) == 0;
}

/* regexp_split_to_array(str, pattern[, flags]): the pieces between matches.
 * As in PG, a match is ignored when it is empty at the start of the string,
 * starts at its end, or ends where the previous one ended. */
static int fn_regexp_split_to_array(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        bool global = false;
        int cf = REG_EXTENDED;
        if (nargs > 2 && parse_flags(ctx, SARG(2, i), &global, &cf)) return MDB_FAIL;
        if (global) return err_set(ctx->err, "22023", "regexp_split_to_array() does not support the \"global\" option");
        regex_t *rx = rx_get(ctx, SARG(1, i), cf);
        if (!rx) return MDB_FAIL;
        const Str *ss = SARG(0, i);
        const char *s = str_data(ss);
        size_t n = ss->len, from = 0, piece = 0, prev_end = 0;
        ArrayText b;
        func_array_init(&b, ctx->arena);
        regmatch_t m[1];
        while (from <= n && rx_next(rx, s, n, from, m, 1)) {
            size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
            if (so < n && eo > prev_end) {
                func_array_add(&b, s + piece, so - piece, false);
                piece = eo;
                prev_end = eo;
            }
            from = eo;
            if (so == eo) from += so < n ? (size_t)u8len((unsigned char)s[so]) : 1;
        }
        func_array_add(&b, s + piece, n - piece, false);
        func_array_finish(&b, out, i);
    }
    return MDB_OK_;
}

int func_regexp_split(FuncCtx *ctx, const Str *str, const Str *pat, const Str *flags, Arena *a, Value **out, size_t *n)
{
    bool global = false;
    int cf = REG_EXTENDED;
    *n = 0;
    if (flags && parse_flags(ctx, flags, &global, &cf)) return MDB_FAIL;
    if (global) return err_set(ctx->err, "22023", "regexp_split_to_table() does not support the \"global\" option");
    regex_t *rx = rx_get(ctx, pat, cf);
    if (!rx) return MDB_FAIL;
    const char *s = str_data(str);
    size_t len = str->len, from = 0, piece = 0, prev_end = 0, cap = 0;
    regmatch_t m[1];
    for (bool last = false; !last;) {
        size_t ps, pe;
        if (from <= len && rx_next(rx, s, len, from, m, 1)) {
            size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
            from = eo;
            if (so == eo) from += so < len ? (size_t)u8len((unsigned char)s[so]) : 1;
            if (!(so < len && eo > prev_end)) continue; /* as regexp_split_to_array: ignored */
            ps = piece, pe = so;
            piece = prev_end = eo;
        } else {
            ps = piece, pe = len;
            last = true;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            Value *nv = arena_alloc(a, sizeof(Value) * cap);
            if (*n) memcpy(nv, *out, sizeof(Value) * *n);
            *out = nv;
        }
        (*out)[(*n)++] = value_text(a, s + ps, pe - ps);
    }
    return MDB_OK_;
}

/* substring(str from pattern): the part matching the first parenthesised
 * group if the pattern has one (NULL if that group took no part), else the
 * whole match; NULL when nothing matches. */
static int fn_regexp_substr(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        regex_t *rx = rx_get(ctx, SARG(1, i), REG_EXTENDED);
        if (!rx) return MDB_FAIL;
        const Str *ss = SARG(0, i);
        regmatch_t m[2];
        int g = rx->re_nsub > 0;
        if (rx_exec(rx, str_data(ss), ss->len, 0, m, 2, 0) != 0 || m[g].rm_so < 0) {
            out_set_null(out, i);
            continue;
        }
        out_str(out, i, str_data(ss) + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
    }
    return MDB_OK_;
}

static int fn_regexp_like(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        bool global = false;
        int cf = REG_EXTENDED | REG_NOSUB;
        if (nargs > 2 && parse_flags(ctx, SARG(2, i), &global, &cf)) return MDB_FAIL;
        regex_t *rx = rx_get(ctx, SARG(1, i), cf);
        if (!rx) return MDB_FAIL;
        const Str *s = SARG(0, i);
        out->data[i] = rx_exec(rx, str_data(s), s->len, 0, NULL, 0, 0) == 0;
    }
    return MDB_OK_;
}

/* ---- regexp_count / regexp_instr / regexp_substr (PostgreSQL 15) ---------- */

/* Byte offset of the 1-based character position `start` in s[0..n) (n when past the end). */
static size_t char_to_byte(const char *s, size_t n, i64 start)
{
    size_t b = 0;
    for (i64 c = 1; c < start && b < n; c++) b += (size_t)u8len((unsigned char)s[b]);
    return b < n ? b : n;
}

static i64 byte_to_char(const char *s, size_t b)
{
    i64 c = 1;
    for (size_t k = 0; k < b; k += (size_t)u8len((unsigned char)s[k])) c++;
    return c;
}

/* The shared arguments: the compiled pattern and the search's byte start.  `fl` is the
 * index of the flags argument (-1: none), `st` of start. */
static int rxfn_args(FuncCtx *ctx, Vector *args, int nargs, idx_t i, int st, int fl, const char *fname, regex_t **rx,
                     size_t *from)
{
    i64 start = 1;
    if (st >= 0 && st < nargs) {
        start = ARGV(st, i32, i);
        if (start <= 0) return err_set(ctx->err, "22023", "invalid value for parameter \"start\": %lld", (long long)start);
    }
    bool global = false;
    int cf = REG_EXTENDED;
    if (fl >= 0 && fl < nargs && parse_flags(ctx, SARG(fl, i), &global, &cf)) return MDB_FAIL;
    if (global) return err_set(ctx->err, "22023", "%s() does not support the \"global\" option", fname);
    *rx = rx_get(ctx, SARG(1, i), cf);
    if (!*rx) return MDB_FAIL;
    const Str *ss = SARG(0, i);
    *from = char_to_byte(str_data(ss), ss->len, start);
    return MDB_OK_;
}

/* The n-th match (n >= 1) at or after byte `from`; false when there are fewer. */
static bool rx_nth(const regex_t *rx, const char *s, size_t len, size_t from, i64 n, regmatch_t *m, size_t nm)
{
    for (;;) {
        if (from > len || !rx_next(rx, s, len, from, m, nm)) return false;
        if (--n == 0) return true;
        size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
        from = eo;
        if (so == eo) from += so < len ? (size_t)u8len((unsigned char)s[so]) : 1;
    }
}

/* regexp_count(string, pattern [, start [, flags]]) */
static int fn_regexp_count(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        regex_t *rx;
        size_t from;
        if (rxfn_args(ctx, args, nargs, i, 2, 3, "regexp_count", &rx, &from)) return MDB_FAIL;
        const Str *ss = SARG(0, i);
        const char *s = str_data(ss);
        i32 k = 0;
        regmatch_t m[1];
        while (from <= ss->len && rx_next(rx, s, ss->len, from, m, 1)) {
            k++;
            size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
            from = eo;
            if (so == eo) from += so < ss->len ? (size_t)u8len((unsigned char)s[so]) : 1;
        }
        VEC(out, i32)[i] = k;
    }
    return MDB_OK_;
}

/* Reads N (argument n_at) and subexpr (argument sub_at), checking them as PG does. */
static int rxfn_n_sub(FuncCtx *ctx, Vector *args, int nargs, idx_t i, int n_at, int sub_at, const regex_t *rx, i64 *n, int *sub)
{
    *n = 1;
    *sub = 0;
    if (n_at < nargs) {
        *n = ARGV(n_at, i32, i);
        if (*n <= 0) return err_set(ctx->err, "22023", "invalid value for parameter \"n\": %lld", (long long)*n);
    }
    if (sub_at < nargs) {
        *sub = ARGV(sub_at, i32, i);
        if (*sub < 0) return err_set(ctx->err, "22023", "invalid value for parameter \"subexpr\": %d", *sub);
    }
    if (*sub > (int)rx->re_nsub) *sub = -1; /* no such group: no match */
    return MDB_OK_;
}

/* regexp_instr(string, pattern [, start [, N [, endoption [, flags [, subexpr]]]]]) */
static int fn_regexp_instr(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        regex_t *rx;
        size_t from;
        if (rxfn_args(ctx, args, nargs, i, 2, 5, "regexp_instr", &rx, &from)) return MDB_FAIL;
        i64 n;
        int sub;
        if (rxfn_n_sub(ctx, args, nargs, i, 3, 6, rx, &n, &sub)) return MDB_FAIL;
        int endopt = nargs > 4 ? ARGV(4, i32, i) : 0;
        if (endopt != 0 && endopt != 1) return err_set(ctx->err, "22023", "invalid value for parameter \"endoption\": %d", endopt);
        const Str *ss = SARG(0, i);
        regmatch_t m[10];
        i32 r = 0;
        if (sub >= 0 && rx_nth(rx, str_data(ss), ss->len, from, n, m, 10) && m[sub].rm_so >= 0)
            r = (i32)byte_to_char(str_data(ss), (size_t)(endopt ? m[sub].rm_eo : m[sub].rm_so));
        VEC(out, i32)[i] = r;
    }
    return MDB_OK_;
}

/* regexp_substr(string, pattern [, start [, N [, flags [, subexpr]]]]): NULL without a match */
static int fn_regexp_substr_pg15(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        regex_t *rx;
        size_t from;
        if (rxfn_args(ctx, args, nargs, i, 2, 4, "regexp_substr", &rx, &from)) return MDB_FAIL;
        i64 n;
        int sub;
        if (rxfn_n_sub(ctx, args, nargs, i, 3, 5, rx, &n, &sub)) return MDB_FAIL;
        const Str *ss = SARG(0, i);
        regmatch_t m[10];
        if (sub < 0 || !rx_nth(rx, str_data(ss), ss->len, from, n, m, 10) || m[sub].rm_so < 0) {
            out_set_null(out, i);
            continue;
        }
        out_str(out, i, str_data(ss) + m[sub].rm_so, (size_t)(m[sub].rm_eo - m[sub].rm_so));
    }
    return MDB_OK_;
}

/* ---- SIMILAR TO --------------------------------------------------------- */

/* PG's similar_escape(): SQL regex → POSIX ERE anchored at both ends, in r
 * (room for 2n + 8 bytes); returns its length, or 0 with an error for more
 * than two escape-double-quote separators.  The separators split the
 * pattern into groups `^(part1)(part2)(part3)$`; *sub_group (if wanted)
 * gets the number of the group holding part2, which substring(... SIMILAR
 * ...) returns (1, the whole pattern, without separators).  PG makes part1
 * non-greedy; POSIX has no non-greedy groups, so part1 matches as much as
 * it can here. */
static size_t similar_translate(FuncCtx *ctx, const char *p, size_t n, int esc, char *r, int *sub_group)
{
    size_t o = 0;
    bool after_esc = false, in_br = false;
    int nsep = 0, groups = 1, sub = 1;
    memcpy(r, "^(", 2);
    o = 2;
    for (size_t k = 0; k < n; k++) {
        char c = p[k];
        if (after_esc) {
            after_esc = false;
            if (c == '"') {
                if (nsep == 2) {
                    err_set(ctx->err, "2200C", "SQL regular expression may not contain more than two escape-double-quote separators");
                    return 0;
                }
                if (nsep++ == 0) sub = groups + 1;
                r[o++] = ')';
                r[o++] = '(';
                groups++;
                continue;
            }
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) r[o++] = '\\';
            r[o++] = c;
        } else if (esc >= 0 && (unsigned char)c == esc) {
            after_esc = true;
        } else if (in_br) {
            if (c == '\\') r[o++] = '\\';
            r[o++] = c;
            if (c == ']') in_br = false;
        } else if (c == '[') {
            r[o++] = c;
            in_br = true;
            if (k + 1 < n && p[k + 1] == '^') r[o++] = p[++k];
            if (k + 1 < n && p[k + 1] == ']') r[o++] = p[++k];
        } else if (c == '%') {
            r[o++] = '.';
            r[o++] = '*';
        } else if (c == '_') {
            r[o++] = '.';
        } else if (c == '\\' || c == '.' || c == '^' || c == '$') {
            r[o++] = '\\';
            r[o++] = c;
        } else {
            if (c == '(') groups++;
            r[o++] = c;
        }
    }
    r[o++] = ')';
    r[o++] = '$';
    if (sub_group) *sub_group = sub;
    return o;
}

static int escape_char(FuncCtx *ctx, Vector *args, int nargs, int k, idx_t i, int *esc)
{
    *esc = '\\';
    if (nargs <= k) return MDB_OK_;
    if (ARG_NULL(&args[k], i)) return MDB_OK_;
    const Str *e = SARG(k, i);
    if (e->len == 0) *esc = -1;
    else if (e->len == 1) *esc = (unsigned char)str_data(e)[0];
    else return err_set(ctx->err, "22025", "invalid escape string");
    return MDB_OK_;
}

static int fn_similar_to_escape(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        int esc;
        if (escape_char(ctx, args, nargs, 1, i, &esc)) return MDB_FAIL;
        const Str *p = SARG(0, i);
        char *r = arena_alloc(out->heap, (size_t)p->len * 2 + 8);
        size_t n = similar_translate(ctx, str_data(p), p->len, esc, r, NULL);
        if (!n) return MDB_FAIL;
        STRS(out)[i] = str_make(r, (u32)n);
    }
    return MDB_OK_;
}

static int similar_kernel(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out, bool negate)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        int esc;
        if (escape_char(ctx, args, nargs, 2, i, &esc)) return MDB_FAIL;
        const Str *p = SARG(1, i);
        char *r = arena_alloc(ctx->arena, (size_t)p->len * 2 + 8);
        size_t n = similar_translate(ctx, str_data(p), p->len, esc, r, NULL);
        if (!n) return MDB_FAIL;
        Str pat = str_make(r, (u32)n);
        regex_t *rx = rx_get(ctx, &pat, REG_EXTENDED | REG_NOSUB);
        if (!rx) return MDB_FAIL;
        const Str *s = SARG(0, i);
        out->data[i] = (rx_exec(rx, str_data(s), s->len, 0, NULL, 0, 0) == 0) != negate;
    }
    return MDB_OK_;
}
/* substring(str SIMILAR pattern ESCAPE esc), also spelt substring(str FROM
 * pattern FOR esc): the part between the escape-double-quote separators
 * (the whole match without them); NULL when the pattern does not match. */
static int fn_similar_substr(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        int esc, sub;
        if (escape_char(ctx, args, nargs, 2, i, &esc)) return MDB_FAIL;
        const Str *p = SARG(1, i);
        char *r = arena_alloc(ctx->arena, (size_t)p->len * 2 + 8);
        size_t n = similar_translate(ctx, str_data(p), p->len, esc, r, &sub);
        if (!n) return MDB_FAIL;
        Str pat = str_make(r, (u32)n);
        regex_t *rx = rx_get(ctx, &pat, REG_EXTENDED);
        if (!rx) return MDB_FAIL;
        const Str *ss = SARG(0, i);
        regmatch_t m[10];
        if (sub > 9 || rx_exec(rx, str_data(ss), ss->len, 0, m, 10, 0) != 0 || m[sub].rm_so < 0) {
            out_set_null(out, i);
            continue;
        }
        out_str(out, i, str_data(ss) + m[sub].rm_so, (size_t)(m[sub].rm_eo - m[sub].rm_so));
    }
    return MDB_OK_;
}

static int fn_similar(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return similar_kernel(c, a, na, n, o, false); }
static int fn_not_similar(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return similar_kernel(c, a, na, n, o, true); }

#define T TYPE_TEXT
#define B TYPE_BOOL
#define I4 TYPE_INT32
#define F2(N, R, K) {N, 2, {T, T}, R, 0, K}
#define F3(N, R, K) {N, 3, {T, T, T}, R, 0, K}

static const ScalarFunc LIKE[] = {
    F2("~~", B, fn_like), F2("like", B, fn_like),
    F2("!~~", B, fn_not_like), F2("not_like", B, fn_not_like),
    F2("~~*", B, fn_ilike), F2("ilike", B, fn_ilike),
    F2("!~~*", B, fn_not_ilike), F2("not_ilike", B, fn_not_ilike),
    F2("like_escape", T, fn_like_escape),
    F2("~", B, fn_rx), F2("~*", B, fn_rx_i), F2("!~", B, fn_nrx), F2("!~*", B, fn_nrx_i),
    F2("textregexeq", B, fn_rx),
    F3("regexp_replace", T, fn_regexp_replace), {"regexp_replace", 4, {T, T, T, T}, T, 0, fn_regexp_replace},
    {"regexp_match", 2, {T, T}, RET_TEXT_LIST, 0, fn_regexp_match}, {"regexp_match", 3, {T, T, T}, RET_TEXT_LIST, 0, fn_regexp_match},
    {"regexp_split_to_array", 2, {T, T}, RET_TEXT_LIST, 0, fn_regexp_split_to_array},
    {"regexp_split_to_array", 3, {T, T, T}, RET_TEXT_LIST, 0, fn_regexp_split_to_array},
    /* registered after string.c's substring(text, int[, int]): untyped
     * literals still prefer these (text is the preferred type) */
    F2("substring", T, fn_regexp_substr), F2("textregexsubstr", T, fn_regexp_substr),
    F3("substring", T, fn_similar_substr),
    F2("regexp_like", B, fn_regexp_like), F3("regexp_like", B, fn_regexp_like),
    {"regexp_count", 2, {T, T}, I4, 0, fn_regexp_count}, {"regexp_count", 3, {T, T, I4}, I4, 0, fn_regexp_count},
    {"regexp_count", 4, {T, T, I4, T}, I4, 0, fn_regexp_count},
    {"regexp_instr", 2, {T, T}, I4, 0, fn_regexp_instr}, {"regexp_instr", 3, {T, T, I4}, I4, 0, fn_regexp_instr},
    {"regexp_instr", 4, {T, T, I4, I4}, I4, 0, fn_regexp_instr}, {"regexp_instr", 5, {T, T, I4, I4, I4}, I4, 0, fn_regexp_instr},
    {"regexp_instr", 6, {T, T, I4, I4, I4, T}, I4, 0, fn_regexp_instr},
    {"regexp_instr", 7, {T, T, I4, I4, I4, T, I4}, I4, 0, fn_regexp_instr},
    {"regexp_substr", 2, {T, T}, T, 0, fn_regexp_substr_pg15}, {"regexp_substr", 3, {T, T, I4}, T, 0, fn_regexp_substr_pg15},
    {"regexp_substr", 4, {T, T, I4, I4}, T, 0, fn_regexp_substr_pg15},
    {"regexp_substr", 5, {T, T, I4, I4, T}, T, 0, fn_regexp_substr_pg15},
    {"regexp_substr", 6, {T, T, I4, I4, T, I4}, T, 0, fn_regexp_substr_pg15},
    F2("similar_to", B, fn_similar), F3("similar_to", B, fn_similar),
    F2("not_similar_to", B, fn_not_similar), F3("not_similar_to", B, fn_not_similar),
    {"similar_to_escape", 1, {T}, T, 0, fn_similar_to_escape}, F2("similar_to_escape", T, fn_similar_to_escape),
    {"similar_escape", 2, {T, T}, T, FUNC_NOT_STRICT, fn_similar_to_escape},
};

void func_register_like(void) { func_register_scalar(LIKE, MDB_ARRAY_LEN(LIKE)); }
