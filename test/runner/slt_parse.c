/*
 * test/runner/slt_parse.c — reads a sqllogictest file and parses it into
 * records.  The file is read whole, CRLF line ends are folded to LF in place,
 * and the lines are indexed once; records then point into that buffer (SQL
 * texts and expected lines are NUL-terminated in place), so parsing costs one
 * pass over the file and no per-record copies.  `skipif`/`onlyif` are resolved
 * here, since the database name is fixed; loops are matched with their
 * `endloop` so the interpreter can jump.  See README.md for the format.
 */
#include "slt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADER_TOKENS 256
#define MAX_LOOP_DEPTH 64

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "megadb-slt: out of memory\n");
        exit(2);
    }
    return q;
}

static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xrealloc(NULL, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool line_blank(const SltLine *l)
{
    for (int i = 0; i < l->len; i++)
        if (!is_space(l->s[i]))
            return false;
    return true;
}

static bool line_is_dashes(const SltLine *l)
{
    int n = l->len;
    while (n > 0 && is_space(l->s[n - 1]))
        n--;
    return n == 4 && memcmp(l->s, "----", 4) == 0;
}

/* Splits line `l` into words in place (stopping at a word that starts with
 * '#', the rest being a comment).  Returns the number of words. */
static int tokenize(SltLine *l, char **tok, int max)
{
    char *p = l->s, *end = l->s + l->len;
    int n = 0;
    *end = '\0';
    while (p < end && n < max) {
        while (p < end && is_space(*p))
            p++;
        if (p >= end || *p == '#')
            break;
        tok[n++] = p;
        while (p < end && !is_space(*p))
            p++;
        *p = '\0';
        p++;
    }
    return n;
}

static SltRecord *new_record(SltScript *s, SltKind kind, int line)
{
    if (s->n_recs == s->cap_recs) {
        s->cap_recs = s->cap_recs ? s->cap_recs * 2 : 256;
        s->recs = xrealloc(s->recs, (size_t)s->cap_recs * sizeof *s->recs);
    }
    SltRecord *r = &s->recs[s->n_recs++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->line = line;
    r->first_line = line;
    r->n_tok = -1;
    r->end = -1;
    return r;
}

static void push_tok(SltScript *s, char *t)
{
    if (s->n_toks == s->cap_toks) {
        s->cap_toks = s->cap_toks ? s->cap_toks * 2 : 64;
        s->toks = xrealloc(s->toks, (size_t)s->cap_toks * sizeof *s->toks);
    }
    s->toks[s->n_toks++] = t;
}

static bool is_sort_mode(const char *w, SltSort *out)
{
    if (strcmp(w, "nosort") == 0)
        *out = SLT_NOSORT;
    else if (strcmp(w, "rowsort") == 0)
        *out = SLT_ROWSORT;
    else if (strcmp(w, "valuesort") == 0)
        *out = SLT_VALUESORT;
    else
        return false;
    return true;
}

/* A connection name on a `query` line: "con" followed by digits (con1, con2).
 * Any other word there that is not a sort mode is the label. */
static bool is_conn_name(const char *w)
{
    if (strncmp(w, "con", 3) != 0 || w[3] == '\0')
        return false;
    for (const char *p = w + 3; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

static bool parse_long(const char *w, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(w, &end, 10);
    if (errno || end == w || *end)
        return false;
    *out = v;
    return true;
}

/* Joins lines [a, b) into one NUL-terminated text in place: the lines are
 * contiguous in the buffer, so ending the last one is enough. */
static const char *block_text(SltScript *s, int a, int b)
{
    SltLine *last = &s->lines[b - 1];
    last->s[last->len] = '\0';
    return s->lines[a].s;
}

/* Index of the first line at or after `i` that is blank (or n_lines). */
static int block_end(const SltScript *s, int i)
{
    while (i < s->n_lines && !line_blank(&s->lines[i]))
        i++;
    return i;
}

static void bad_record(SltScript *s, int line, char *msg)
{
    SltRecord *r = new_record(s, SLT_BAD, line);
    r->text = msg; /* owned: freed with the script */
}

/* Parses the body of a statement or query that starts at line index i (the
 * line after the header).  Returns the index after the record. */
static int parse_body(SltScript *s, SltRecord *r, int i)
{
    int sql_a = i, sql_b = i;
    while (sql_b < s->n_lines && !line_blank(&s->lines[sql_b]) && !line_is_dashes(&s->lines[sql_b]))
        sql_b++;
    int next = sql_b;
    r->exp_first = sql_b;
    if (sql_b < s->n_lines && line_is_dashes(&s->lines[sql_b])) {
        r->has_dashes = true;
        r->exp_first = sql_b + 1;
        next = block_end(s, sql_b + 1);
        for (int k = r->exp_first; k < next; k++)
            s->lines[k].s[s->lines[k].len] = '\0';
    }
    r->n_exp = next - r->exp_first;
    if (sql_b > sql_a)
        r->sql = block_text(s, sql_a, sql_b);
    return next;
}

static void free_bad_texts(SltScript *s)
{
    for (int i = 0; i < s->n_recs; i++)
        if (s->recs[i].kind == SLT_BAD)
            free((char *)s->recs[i].text);
}

static void parse(SltScript *s)
{
    char *tok[MAX_HEADER_TOKENS];
    int loop_stack[MAX_LOOP_DEPTH];
    int n_loops = 0;
    bool pending_skip = false;
    int pending_line = 0;

    int i = 0;
    while (i < s->n_lines) {
        SltLine *l = &s->lines[i];
        int lineno = i + 1;
        if (line_blank(l) || l->s[0] == '#') {
            i++;
            continue;
        }
        int nt = tokenize(l, tok, MAX_HEADER_TOKENS);
        if (nt == 0) {
            i++;
            continue;
        }
        const char *w = tok[0];
        SltRecord *r = NULL;

        if (strcmp(w, "skipif") == 0 || strcmp(w, "onlyif") == 0) {
            if (nt < 2) {
                bad_record(s, lineno, xprintf("%s needs a database name", w));
                i++;
                continue;
            }
            bool match = strcmp(tok[1], SLT_DB_NAME) == 0;
            if ((w[0] == 's') == match)
                pending_skip = true;
            if (!pending_line)
                pending_line = lineno;
            i++;
            continue;
        }

        if (strcmp(w, "statement") == 0) {
            r = new_record(s, SLT_STATEMENT, lineno);
            if (nt < 2) {
                r->kind = SLT_BAD;
                r->text = xprintf("statement needs ok, error or maybe");
            } else if (strcmp(tok[1], "ok") == 0) {
                r->expect = SLT_EXPECT_OK;
            } else if (strcmp(tok[1], "error") == 0) {
                r->expect = SLT_EXPECT_ERROR;
            } else if (strcmp(tok[1], "maybe") == 0) {
                r->expect = SLT_EXPECT_MAYBE;
            } else {
                r->kind = SLT_BAD;
                r->text = xprintf("unknown statement mode '%s'", tok[1]);
            }
            if (nt >= 3)
                r->conn = tok[2];
            if (nt > 3 && r->kind != SLT_BAD) {
                r->kind = SLT_BAD;
                r->text = xprintf("unexpected word '%s' after statement %s %s", tok[3], tok[1], tok[2]);
            }
            i = parse_body(s, r, i + 1);
            if (r->kind != SLT_BAD && !r->sql) {
                r->kind = SLT_BAD;
                r->text = xprintf("statement without SQL");
            }
        } else if (strcmp(w, "query") == 0) {
            r = new_record(s, SLT_QUERY, lineno);
            r->sort = SLT_NOSORT;
            bool have_sort = false;
            if (nt < 2) {
                r->kind = SLT_BAD;
                r->text = xprintf("query needs column types");
            } else {
                r->types = tok[1];
            }
            for (int k = 2; k < nt && r->kind != SLT_BAD; k++) {
                SltSort so;
                if (!have_sort && is_sort_mode(tok[k], &so)) {
                    r->sort = so;
                    have_sort = true;
                } else if (!r->conn && is_conn_name(tok[k])) {
                    r->conn = tok[k];
                } else if (!r->label && !is_sort_mode(tok[k], &so) && !is_conn_name(tok[k])) {
                    r->label = tok[k];
                } else {
                    r->kind = SLT_BAD;
                    r->text = xprintf("unexpected word '%s' in query header", tok[k]);
                }
            }
            i = parse_body(s, r, i + 1);
            if (r->kind != SLT_BAD && !r->sql) {
                r->kind = SLT_BAD;
                r->text = xprintf("query without SQL");
            }
        } else if (strcmp(w, "hash-threshold") == 0) {
            r = new_record(s, SLT_HASH_THRESHOLD, lineno);
            if (nt != 2 || !parse_long(tok[1], &r->n) || r->n < 0) {
                r->kind = SLT_BAD;
                r->text = xprintf("hash-threshold needs a number");
            }
            i++;
        } else if (strcmp(w, "halt") == 0) {
            r = new_record(s, SLT_HALT, lineno);
            i++;
        } else if (strcmp(w, "restart") == 0) {
            r = new_record(s, SLT_RESTART, lineno);
            i++;
        } else if (strcmp(w, "require") == 0) {
            r = new_record(s, SLT_REQUIRE, lineno);
            if (nt != 2) {
                r->kind = SLT_BAD;
                r->text = xprintf("require needs one feature name");
            } else {
                r->text = tok[1];
            }
            i++;
        } else if (strcmp(w, "mode") == 0) {
            if (nt == 2 && strcmp(tok[1], "skip") == 0) {
                r = new_record(s, SLT_MODE_SKIP, lineno);
            } else if (nt == 2 && strcmp(tok[1], "unskip") == 0) {
                r = new_record(s, SLT_MODE_UNSKIP, lineno);
            } else {
                r = new_record(s, SLT_BAD, lineno);
                r->text = xprintf("unknown mode '%s'", nt > 1 ? tok[1] : "");
            }
            i++;
        } else if (strcmp(w, "loop") == 0 || strcmp(w, "foreach") == 0 ||
                   strcmp(w, "concurrentloop") == 0 || strcmp(w, "concurrentforeach") == 0) {
            r = new_record(s, SLT_LOOP, lineno);
            bool is_each = strstr(w, "foreach") != NULL;
            if (n_loops == MAX_LOOP_DEPTH) {
                r->kind = SLT_BAD;
                r->text = xprintf("loops nested too deeply");
            } else if (nt < 3 || (!is_each && (nt != 4 || !parse_long(tok[2], &r->n) ||
                                               !parse_long(tok[3], &r->n_to)))) {
                r->kind = SLT_BAD;
                r->text = is_each ? xprintf("foreach needs a variable and values")
                                  : xprintf("loop needs a variable, a start and an end");
            } else {
                r->text = tok[1];
                if (is_each) {
                    r->tok_first = s->n_toks;
                    r->n_tok = nt - 2;
                    for (int k = 2; k < nt; k++)
                        push_tok(s, tok[k]);
                }
                loop_stack[n_loops++] = s->n_recs - 1;
            }
            i++;
        } else if (strcmp(w, "endloop") == 0) {
            if (n_loops == 0) {
                r = new_record(s, SLT_BAD, lineno);
                r->text = xprintf("endloop without loop");
            } else {
                r = new_record(s, SLT_ENDLOOP, lineno);
                int li = loop_stack[--n_loops];
                r->n = li;
                s->recs[li].end = s->n_recs - 1;
            }
            i++;
        } else {
            r = new_record(s, SLT_BAD, lineno);
            r->text = xprintf("unknown directive '%s'", w);
            i = block_end(s, i);
        }

        /* skipif/onlyif guard the record that follows them; loop structure is
         * never guarded, or the loop and its endloop could come apart. */
        if (r->kind != SLT_LOOP && r->kind != SLT_ENDLOOP) {
            r->is_skipped = pending_skip;
            if (pending_line)
                r->first_line = pending_line;
        }
        pending_skip = false;
        pending_line = 0;
    }
    while (n_loops > 0) {
        int li = loop_stack[--n_loops];
        int line = s->recs[li].line;
        s->recs[li].kind = SLT_BAD;
        s->recs[li].text = xprintf("loop without endloop");
        s->recs[li].line = line;
    }
}

int slt_script_load(const char *path, SltScript *out, char **err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = xprintf("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = xrealloc(NULL, cap);
    for (;;) {
        if (cap - len < 4096) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len - 2, f);
        len += got;
        if (got == 0 && (feof(f) || ferror(f)))
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        *err = xprintf("cannot read %s", path);
        return -1;
    }

    /* Fold CRLF to LF and make sure the last line ends with a newline. */
    size_t w = 0;
    for (size_t r = 0; r < len; r++) {
        if (buf[r] == '\r' && (r + 1 == len || buf[r + 1] == '\n'))
            continue;
        buf[w++] = buf[r];
    }
    if (w > 0 && buf[w - 1] != '\n')
        buf[w++] = '\n';
    buf[w] = '\0';
    out->buf = buf;

    int cap_lines = 1024;
    out->lines = xrealloc(NULL, (size_t)cap_lines * sizeof *out->lines);
    char *p = buf, *end = buf + w;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (out->n_lines == cap_lines) {
            cap_lines *= 2;
            out->lines = xrealloc(out->lines, (size_t)cap_lines * sizeof *out->lines);
        }
        out->lines[out->n_lines].s = p;
        out->lines[out->n_lines].len = (int)(nl - p);
        out->n_lines++;
        p = nl + 1;
    }
    parse(out);
    return 0;
}

void slt_script_free(SltScript *s)
{
    free_bad_texts(s);
    free(s->buf);
    free(s->lines);
    free(s->toks);
    free(s->recs);
    memset(s, 0, sizeof *s);
}
