/*
 * src/main/copy.c — COPY table [(cols)] FROM/TO 'file' and COPY (query) TO
 * 'file', in PostgreSQL's text and CSV formats with its options (FORMAT,
 * DELIMITER, NULL, HEADER [MATCH], QUOTE, ESCAPE, FORCE_NOT_NULL,
 * FORCE_QUOTE) in both the new `(option value, …)` and the old `WITH CSV
 * HEADER …` syntax, plus TRAILING_DELIMITER for files whose lines end with
 * the delimiter (TPC-H .tbl files).
 *
 * COPY FROM maps the file into memory and parses it straight into chunks of
 * VECTOR_SIZE rows, one text vector per column whose strings point into the
 * mapping (copied only when a field has escapes); each chunk is cast column
 * by column with cast_vector and written through dml.c's writer, which
 * applies defaults and the NOT NULL / UNIQUE / CHECK constraints.  A failing
 * cast is located afterwards by casting the chunk's values one by one, so
 * the error names the line and column as PostgreSQL's CONTEXT does (here in
 * the error's detail).  STDIN/STDOUT belong to the wire protocol: FROM STDIN
 * reads the buffer mdb_conn_copy_in() handed over (0A000 without one), TO
 * STDOUT writes into the result (mdb_result_copy_data).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "main/engine.h"

typedef struct CopyOpts {
    bool csv;
    bool has_format, has_delim, has_null, has_header, has_quote, has_escape, has_trailing;
    char delim;
    const char *null_str;
    size_t null_len;
    bool header;
    bool header_match;
    char quote, escape;
    bool trailing_delim;  /* a delimiter ends every line (TPC-H .tbl) */
    PgQuery__Node *force_not_null;
    PgQuery__Node *force_quote;
} CopyOpts;

static const char *nstr(PgQuery__Node *n) { return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL; }

/* The text of an option's argument (String, Integer, Boolean); NULL when absent. */
static const char *opt_text(PgQuery__DefElem *d, char *buf, size_t cap)
{
    PgQuery__Node *a = d->arg;
    if (!a) return NULL;
    switch (a->node_case) {
    case PG_QUERY__NODE__NODE_STRING: return a->string->sval;
    case PG_QUERY__NODE__NODE_INTEGER: snprintf(buf, cap, "%d", a->integer->ival); return buf;
    case PG_QUERY__NODE__NODE_BOOLEAN: return a->boolean->boolval ? "true" : "false";
    case PG_QUERY__NODE__NODE_FLOAT: return a->float_->fval;
    case PG_QUERY__NODE__NODE_A_CONST:
        if (a->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) return a->a_const->sval->sval;
        if (a->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) { snprintf(buf, cap, "%d", a->a_const->ival->ival); return buf; }
        if (a->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL) return a->a_const->boolval->boolval ? "true" : "false";
        return NULL;
    default: return NULL;
    }
}

static int opt_bool(Err *err, PgQuery__DefElem *d, bool *out)
{
    char buf[32];
    const char *v = opt_text(d, buf, sizeof buf);
    if (!v) { *out = true; return MDB_OK_; }
    if (!strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1") || !strcasecmp(v, "yes")) { *out = true; return MDB_OK_; }
    if (!strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcmp(v, "0") || !strcasecmp(v, "no")) { *out = false; return MDB_OK_; }
    return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "%s requires a Boolean value", d->defname);
}

static int redundant(Err *err) { return err_set(err, SQLSTATE_SYNTAX_ERROR, "conflicting or redundant options"); }

static int parse_opts(Err *err, PgQuery__CopyStmt *cs, CopyOpts *o)
{
    memset(o, 0, sizeof(*o));
    for (size_t i = 0; i < cs->n_options; i++) {
        PgQuery__DefElem *d = cs->options[i]->def_elem;
        char buf[64];
        const char *v = opt_text(d, buf, sizeof buf);
        const char *nm = d->defname;
        if (!strcmp(nm, "format")) {
            if (o->has_format) return redundant(err);
            o->has_format = true;
            if (!v) return err_set(err, SQLSTATE_SYNTAX_ERROR, "format requires a parameter");
            if (!strcmp(v, "csv")) o->csv = true;
            else if (!strcmp(v, "text")) o->csv = false;
            else if (!strcmp(v, "binary")) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY format \"binary\" is not supported yet");
            else return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "COPY format \"%s\" not recognized", v);
        } else if (!strcmp(nm, "delimiter")) {
            if (o->has_delim) return redundant(err);
            o->has_delim = true;
            if (!v || strlen(v) != 1) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY delimiter must be a single one-byte character");
            o->delim = v[0];
        } else if (!strcmp(nm, "null")) {
            if (o->has_null) return redundant(err);
            o->has_null = true;
            if (!v) return err_set(err, SQLSTATE_SYNTAX_ERROR, "null requires a parameter");
            o->null_str = v;
        } else if (!strcmp(nm, "header")) {
            if (o->has_header) return redundant(err);
            o->has_header = true;
            if (v && !strcasecmp(v, "match")) {
                o->header = o->header_match = true;
            } else if (v && strcasecmp(v, "true") && strcasecmp(v, "false") && strcasecmp(v, "on") && strcasecmp(v, "off") && strcmp(v, "0") &&
                       strcmp(v, "1")) {
                return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "header requires a Boolean value or \"match\"");
            } else if (opt_bool(err, d, &o->header)) {
                return MDB_FAIL;
            }
        } else if (!strcmp(nm, "quote")) {
            if (o->has_quote) return redundant(err);
            o->has_quote = true;
            if (!v || strlen(v) != 1) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY quote must be a single one-byte character");
            o->quote = v[0];
        } else if (!strcmp(nm, "escape")) {
            if (o->has_escape) return redundant(err);
            o->has_escape = true;
            if (!v || strlen(v) != 1) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY escape must be a single one-byte character");
            o->escape = v[0];
        } else if (!strcmp(nm, "force_not_null")) {
            if (o->force_not_null) return redundant(err);
            o->force_not_null = d->arg;
        } else if (!strcmp(nm, "force_quote")) {
            if (o->force_quote) return redundant(err);
            o->force_quote = d->arg;
        } else if (!strcmp(nm, "trailing_delimiter")) {
            if (o->has_trailing) return redundant(err);
            o->has_trailing = true;
            if (opt_bool(err, d, &o->trailing_delim)) return MDB_FAIL;
        } else if (!strcmp(nm, "encoding")) {
            if (!v || (strcasecmp(v, "utf8") && strcasecmp(v, "utf-8") && strcasecmp(v, "sql_ascii")))
                return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY encoding \"%s\" is not supported", v ? v : "");
        } else if (!strcmp(nm, "freeze")) {
            bool b;
            if (opt_bool(err, d, &b)) return MDB_FAIL;
        } else {
            return err_set(err, SQLSTATE_SYNTAX_ERROR, "option \"%s\" not recognized", nm);
        }
    }
    if (!o->has_delim) o->delim = o->csv ? ',' : '\t';
    if (!o->has_null) o->null_str = o->csv ? "" : "\\N";
    o->null_len = strlen(o->null_str);
    if (o->csv) {
        if (!o->has_quote) o->quote = '"';
        if (!o->has_escape) o->escape = o->quote;
    }
    if (o->delim == '\n' || o->delim == '\r')
        return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "COPY delimiter cannot be newline or carriage return");
    if (strchr(o->null_str, '\n') || strchr(o->null_str, '\r'))
        return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "COPY null representation cannot use newline or carriage return");
    if (!o->csv && (strchr("\\.abcdefghijklmnopqrstuvwxyz0123456789", o->delim)))
        return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "COPY delimiter cannot be \"%c\"", o->delim);
    if (!o->csv && o->has_quote) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY quote available only in CSV mode");
    if (o->csv && o->delim == o->quote) return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "COPY delimiter and quote must be different");
    if (!o->csv && o->has_escape) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY escape available only in CSV mode");
    if (o->force_quote && !o->csv) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY force quote available only in CSV mode");
    if (o->force_quote && cs->is_from) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY force quote only available using COPY TO");
    if (o->force_not_null && !o->csv) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY force not null available only in CSV mode");
    if (o->force_not_null && !cs->is_from) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY force not null only available using COPY FROM");
    if (o->null_len && memchr(o->null_str, o->delim, o->null_len))
        return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "COPY delimiter must not appear in the NULL specification");
    if (o->csv && o->null_len && memchr(o->null_str, o->quote, o->null_len))
        return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "CSV quote character must not appear in the NULL specification");
    return MDB_OK_;
}

/* Columns named in FORCE_* lists (or * for all): flags per COPY column. */
static int force_flags(Err *err, PgQuery__Node *list, TableDef *t, const int *cols, int ncols, bool *flags, const char *what)
{
    if (!list) return MDB_OK_;
    if (list->node_case == PG_QUERY__NODE__NODE_A_STAR) {
        for (int i = 0; i < ncols; i++) flags[i] = true;
        return MDB_OK_;
    }
    if (list->node_case != PG_QUERY__NODE__NODE_LIST) return MDB_OK_;
    for (size_t k = 0; k < list->list->n_items; k++) {
        const char *cn = nstr(list->list->items[k]);
        if (!cn) continue;
        int found = -1;
        for (int i = 0; i < ncols; i++)
            if (t && cols[i] >= 0 && !strcmp(t->cols[cols[i]].name, cn)) found = i;
        if (found < 0) return err_set(err, SQLSTATE_INVALID_COLUMN_REFERENCE, "%s column \"%s\" not referenced by COPY", what, cn);
        flags[found] = true;
    }
    return MDB_OK_;
}

/* ---- COPY FROM ------------------------------------------------------------------- */

/* A COPY FROM is parsed in blocks.  A small input, STDIN, or CSV whose quote
 * character occurs in the data (a quoted field may hold a newline, so a line
 * is not a row) is one block parsed, cast and written chunk by chunk by the
 * calling thread.  Otherwise the input is cut at newlines into blocks of
 * COPY_BLOCK bytes that worker threads parse and cast in parallel; the typed
 * chunks of a block wait until every earlier block is written, so rows land
 * in file order, and the first error in file order is the one reported. */
#define COPY_BLOCK ((size_t)4 << 20)

typedef struct Pending {
    DataChunk typed;
    i64 first_line; /* line of the chunk's first row, relative to its block */
} Pending;

typedef struct Loader {
    MdbConn *c;
    TableDef *t;
    CopyOpts *o;
    Err *err;             /* where parse and cast errors go */
    int ncols;            /* columns in the file */
    int *cols;            /* table column of each file column */
    bool *force_not_null;
    DataChunk text;       /* raw fields as text */
    i64 *line_of_row;     /* line number of each row of the chunk, relative to the block */
    Arena *arena;         /* scratch: unescaped fields (per chunk, or per block when deferred) */
    DmlWriter *w;
    int *map;             /* table column -> typed chunk column */
    LType *types;         /* column types of the file columns */
    DataChunk typed;
    i64 rows;
    /* line numbers: lines before the block, counted from `origin` only when an error needs them */
    const char *origin, *block;
    i64 line_base;        /* -1 until known */
    i64 lines;            /* lines the block held */
    bool eod;             /* the end-of-data marker \. was seen */
    /* deferred writing (parallel blocks): cast chunks waiting for the block's turn */
    bool defer;
    Pending *pending;
    int npending, cap_pending;
} Loader;

static i64 line_base(Loader *L)
{
    if (L->line_base < 0) {
        i64 n = 0;
        for (const char *p = L->origin; p && p < L->block; p++) {
            p = memchr(p, '\n', (size_t)(L->block - p));
            if (!p) break;
            n++;
        }
        L->line_base = n;
    }
    return L->line_base;
}

static int copy_context(Loader *L, i64 line, int col, const char *val, size_t len)
{
    line += line_base(L);
    if (col >= 0 && val)
        err_detail(L->err, "COPY %s, line %lld, column %s: \"%.*s\"", L->t->name, (long long)line, L->t->cols[L->cols[col]].name,
                   (int)(len > 200 ? 200 : len), val);
    else if (col >= 0)
        err_detail(L->err, "COPY %s, line %lld, column %s: null input", L->t->name, (long long)line, L->t->cols[L->cols[col]].name);
    else
        err_detail(L->err, "COPY %s, line %lld", L->t->name, (long long)line);
    return MDB_FAIL;
}

static int line_error(Loader *L, i64 line, const char *start, const char *end, const char *fmt, const char *arg)
{
    size_t len = (size_t)(end - start);
    while (len && (start[len - 1] == '\n' || start[len - 1] == '\r')) len--;
    err_set(L->err, "22P04", fmt, arg);
    err_detail(L->err, "COPY %s, line %lld: \"%.*s\"", L->t->name, (long long)(line + line_base(L)), (int)(len > 200 ? 200 : len), start);
    return MDB_FAIL;
}

/* Casts the text chunk to the column types into `typed`, whose vectors come from `a`. */
static int cast_chunk(Loader *L, Arena *a, DataChunk *typed)
{
    DataChunk *d = &L->text;
    Exec ex;
    exec_init(&ex, a, &L->c->db->cat, &L->c->settings, NULL);
    ex.session = (struct Session *)L->c;
    ExprCtx ec;
    exprctx_init(&ec, &ex, a);
    Err er = {0};
    ec.fctx.err = &er;
    int rc = MDB_OK_;
    for (int k = 0; k < L->ncols && !rc; k++) {
        LType to = L->types[k];
        Vector *src = &d->cols[k];
        if (to.id == TYPE_TEXT && to.text_kind == TEXT_PLAIN && to.mod1 < 0) {
            if (!L->defer) {
                typed->cols[k] = *src;
            } else {
                /* the text chunk is refilled before this one is written */
                Vector v;
                vector_init(&v, to, d->count, a);
                vector_copy(src, NULL, d->count, &v, 0);
                typed->cols[k] = v;
            }
            continue;
        }
        bool explicit_cast = !(to.id == TYPE_TEXT); /* varchar(n)/char(n): too long is an error, as on input */
        Vector out;
        vector_init(&out, to, d->count, a);
        if (cast_vector(&ec.fctx, src, d->count, to, &out, explicit_cast) == MDB_OK_ && !er.is_set) {
            typed->cols[k] = out;
            continue;
        }
        /* find the first failing row for the error context */
        err_clear(&er);
        rc = MDB_FAIL;
        for (idx_t i = 0; i < d->count; i++) {
            if (vector_is_null(src, i)) continue;
            Value v = vector_get(src, i), o;
            if (cast_value(&ec.fctx, &v, to, &o, a)) {
                err_move(L->err, &er);
                copy_context(L, L->line_of_row[i], k, str_data(&v.u.s), v.u.s.len);
                break;
            }
        }
        if (!L->err->is_set) err_set(L->err, SQLSTATE_INTERNAL_ERROR, "COPY could not convert a column");
    }
    typed->count = d->count;
    err_clear(&er);
    exec_cleanup(&ex);
    return rc;
}

/* Writes one typed chunk; a writer error (constraint) gets the chunk's line as context. */
static int write_chunk(Loader *L, DataChunk *typed, i64 first_line)
{
    int rc = dml_writer_write(L->w, typed, L->map);
    if (rc && L->c->err.is_set && !L->c->err.detail)
        err_detail(&L->c->err, "COPY %s, line %lld", L->t->name, (long long)(first_line + line_base(L)));
    if (!rc) L->rows += (i64)typed->count;
    return rc;
}

/* Ends the text chunk: cast and written now, or cast and kept for the block's turn. */
static int flush(Loader *L)
{
    DataChunk *d = &L->text;
    if (d->count == 0) return MDB_OK_;
    int rc;
    if (L->defer) {
        if (L->npending == L->cap_pending) {
            L->cap_pending = L->cap_pending ? 2 * L->cap_pending : 16;
            L->pending = xrealloc(L->pending, sizeof(Pending) * (size_t)L->cap_pending);
        }
        Pending *pd = &L->pending[L->npending];
        chunk_init(&pd->typed, L->types, L->ncols, 1, L->arena);
        pd->first_line = L->line_of_row[0];
        rc = cast_chunk(L, L->arena, &pd->typed);
        if (!rc) L->npending++;
        chunk_reset(d);
        return rc;
    }
    Arena *a = arena_create(NULL);
    rc = cast_chunk(L, a, &L->typed);
    if (!rc) rc = write_chunk(L, &L->typed, L->line_of_row[0]);
    arena_destroy(a);
    chunk_reset(d);
    arena_reset(L->arena);
    return rc;
}

/* Text format: de-escapes a field containing backslashes. */
static Str text_unescape(Loader *L, const char *p, size_t n)
{
    char *out = arena_alloc(L->arena, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch != '\\' || i + 1 >= n) { out[o++] = ch; continue; }
        char e = p[++i];
        switch (e) {
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'v': out[o++] = '\v'; break;
        case 'x':
            if (i + 1 < n && isxdigit((unsigned char)p[i + 1])) {
                int v = 0, k = 0;
                while (k < 2 && i + 1 < n && isxdigit((unsigned char)p[i + 1])) {
                    char h = p[++i];
                    v = v * 16 + (isdigit((unsigned char)h) ? h - '0' : (tolower((unsigned char)h) - 'a' + 10));
                    k++;
                }
                out[o++] = (char)v;
            } else {
                out[o++] = 'x';
            }
            break;
        default:
            if (e >= '0' && e <= '7') {
                int v = e - '0', k = 1;
                while (k < 3 && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '7') { v = v * 8 + (p[++i] - '0'); k++; }
                out[o++] = (char)v;
            } else {
                out[o++] = e;
            }
        }
    }
    return str_make(out, (u32)o);
}

static void put_field(Loader *L, int k, idx_t row, const char *p, size_t n, bool escaped, bool is_null)
{
    Vector *v = &L->text.cols[k];
    if (is_null) {
        vector_nulls(v)[row] = 1;
        return;
    }
    if (v->nulls) v->nulls[row] = 0;
    ((Str *)v->data)[row] = escaped ? text_unescape(L, p, n) : str_make(p, (u32)n);
}

/* CSV: copies a quoted field's content without the quotes and escapes. */
static Str csv_unquote(Loader *L, const char *p, size_t n)
{
    char *out = arena_alloc(L->arena, n + 1);
    size_t o = 0;
    char q = L->o->quote, e = L->o->escape;
    bool inq = false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (!inq) {
            if (ch == q) { inq = true; continue; }
            out[o++] = ch;
            continue;
        }
        if (ch == e && i + 1 < n && (p[i + 1] == q || p[i + 1] == e) && (e != q || p[i + 1] == q)) {
            out[o++] = p[++i];
            continue;
        }
        if (ch == q) { inq = false; continue; }
        out[o++] = ch;
    }
    return str_make(out, (u32)o);
}

/* Skips the HEADER line (checking the names with HEADER MATCH); *pp moves past it. */
static int load_header(Loader *L, const char **pp, const char *end)
{
    CopyOpts *o = L->o;
    const char *p = *pp;
    if (!o->header || p >= end) return MDB_OK_;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *le = eol ? eol : end;
    if (o->header_match) {
        /* the names must match the columns, in order */
        const char *f = p;
        for (int k = 0; k < L->ncols; k++) {
            const char *fe = f;
            while (fe < le && *fe != o->delim && *fe != '\r') fe++;
            const char *nm = L->t->cols[L->cols[k]].name;
            size_t fl = (size_t)(fe - f);
            const char *fs = f;
            if (o->csv && fl >= 2 && fs[0] == o->quote && fs[fl - 1] == o->quote) { fs++; fl -= 2; }
            if (fl != strlen(nm) || memcmp(fs, nm, fl)) {
                char got[256];
                snprintf(got, sizeof got, "%.*s", (int)(fl > 200 ? 200 : fl), fs);
                err_set(L->err, "22P04", "column name mismatch in header line field %d: got \"%s\", expected \"%s\"", k + 1, got, nm);
                L->line_base = 0;
                return copy_context(L, 1, -1, NULL, 0);
            }
            f = fe < le ? fe + 1 : fe;
        }
    }
    *pp = eol ? eol + 1 : end;
    return MDB_OK_;
}

/* Parses the lines of [p, end) (a whole block) into chunks and flushes them. */
static int load_lines(Loader *L, const char *p, const char *end)
{
    CopyOpts *o = L->o;
    i64 line = 0;
    char delim = o->delim;
    int nc = L->ncols;
    while (p < end) {
        const char *ls = p;
        line++;
        idx_t row = L->text.count;
        L->line_of_row[row] = line;
        /* end-of-data marker */
        if (p[0] == '\\' && p + 1 < end && p[1] == '.' && (p + 2 == end || p[2] == '\n' || (p[2] == '\r'))) {
            L->eod = true;
            break;
        }
        int k = 0;
        bool done = false;
        while (!done) {
            const char *fs = p;
            bool escaped = false, quoted = false;
            if (!o->csv) {
                while (p < end && *p != delim && *p != '\n') {
                    if (*p == '\\' && p + 1 < end) { escaped = true; p++; }
                    p++;
                }
            } else {
                while (p < end && *p != delim && *p != '\n') {
                    if (*p == o->quote) {
                        quoted = true;
                        p++;
                        for (;;) {
                            if (p >= end) return line_error(L, line, ls, end, "unterminated CSV quoted field%s", "");
                            if (*p == o->escape && o->escape != o->quote && p + 1 < end && (p[1] == o->quote || p[1] == o->escape)) { p += 2; continue; }
                            if (*p == o->quote) {
                                if (o->escape == o->quote && p + 1 < end && p[1] == o->quote) { p += 2; continue; }
                                p++;
                                break;
                            }
                            if (*p == '\n') line++;
                            p++;
                        }
                        continue;
                    }
                    p++;
                }
            }
            const char *fe = p;
            bool eol = p >= end || *p == '\n';
            if (eol && fe > fs && fe[-1] == '\r') fe--;
            size_t n = (size_t)(fe - fs);
            /* a delimiter right before the end of the line ends the row (TRAILING_DELIMITER) */
            if (!eol) {
                p++;
                if (o->trailing_delim && (p >= end || *p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] == '\n')))) eol = true;
            }
            if (k >= nc) {
                if (nc == 0 && eol && n == 0) { done = true; break; }
                const char *le = memchr(ls, '\n', (size_t)(end - ls));
                return line_error(L, line, ls, le ? le : end, "extra data after last expected column%s", "");
            }
            bool is_null;
            if (!o->csv) {
                is_null = n == o->null_len && !memcmp(fs, o->null_str, n);
                put_field(L, k, row, fs, n, escaped, is_null);
            } else {
                is_null = !quoted && n == o->null_len && !memcmp(fs, o->null_str, n) && !L->force_not_null[k];
                Vector *v = &L->text.cols[k];
                if (is_null) {
                    vector_nulls(v)[row] = 1;
                } else {
                    if (v->nulls) v->nulls[row] = 0;
                    ((Str *)v->data)[row] = quoted ? csv_unquote(L, fs, n) : str_make(fs, (u32)n);
                }
            }
            k++;
            if (eol) {
                if (p < end && *p == '\n') p++;
                else if (p < end && *p == '\r') { p++; if (p < end && *p == '\n') p++; }
                done = true;
            }
        }
        if (k < nc) {
            if (nc == 1 && k == 0) {
                put_field(L, 0, row, "", 0, false, false);
            } else {
                const char *le = memchr(ls, '\n', (size_t)(end - ls));
                return line_error(L, line, ls, le ? le : end, "missing data for column \"%s\"", L->t->cols[L->cols[k]].name);
            }
        }
        L->text.count++;
        if (L->text.count == VECTOR_SIZE && flush(L)) return MDB_FAIL;
    }
    L->lines = line;
    return flush(L);
}

/* ---- parallel blocks ---- */

typedef struct ParLoad {
    const Loader *proto;
    const char **cut; /* nblocks + 1 block boundaries */
    int nblocks;
    atomic_int next_claim;
    pthread_mutex_t mu;
    pthread_cond_t turn_cv;
    int next_write;   /* the block whose turn it is to be written */
    i64 lines_before; /* lines before block next_write */
    bool stop;        /* an error or the end-of-data marker: nothing more is written */
    int rc;
    Err err;          /* a parse or cast error that ended the load */
    i64 rows;
} ParLoad;

typedef struct ParWorker {
    ParLoad *P;
    pthread_t tid;
} ParWorker;

static void *par_worker(void *arg)
{
    ParLoad *P = ((ParWorker *)arg)->P;
    Loader L = *P->proto;
    Err err = {0};
    L.err = &err;
    L.defer = true;
    L.pending = NULL;
    L.npending = L.cap_pending = 0;
    Arena *scratch = arena_create(NULL);
    LType *tt = arena_alloc(scratch, sizeof(LType) * (size_t)(L.ncols + 1));
    for (int i = 0; i < L.ncols; i++) tt[i] = ltype(TYPE_TEXT);
    chunk_init(&L.text, tt, L.ncols, VECTOR_SIZE, scratch);
    L.line_of_row = arena_alloc(scratch, sizeof(i64) * VECTOR_SIZE);
    L.arena = arena_create(NULL);
    for (;;) {
        int b = atomic_fetch_add(&P->next_claim, 1);
        if (b >= P->nblocks) break;
        pthread_mutex_lock(&P->mu);
        bool stopped = P->stop;
        pthread_mutex_unlock(&P->mu);
        if (stopped) break;
        L.block = P->cut[b];
        L.line_base = -1;
        L.eod = false;
        L.lines = 0;
        L.npending = 0;
        chunk_reset(&L.text);
        arena_reset(L.arena);
        int rc = load_lines(&L, P->cut[b], P->cut[b + 1]);
        pthread_mutex_lock(&P->mu);
        while (P->next_write != b && !P->stop) pthread_cond_wait(&P->turn_cv, &P->mu);
        if (!P->stop) {
            L.line_base = P->lines_before;
            if (rc) {
                err_move(&P->err, &err);
                P->rc = MDB_FAIL;
                P->stop = true;
            } else {
                L.rows = 0;
                for (int k = 0; k < L.npending && !P->rc; k++)
                    if (write_chunk(&L, &L.pending[k].typed, L.pending[k].first_line)) {
                        P->rc = MDB_FAIL;
                        P->stop = true;
                    }
                P->rows += L.rows;
                P->lines_before += L.lines;
                if (L.eod) P->stop = true;
            }
            P->next_write++;
            pthread_cond_broadcast(&P->turn_cv);
        }
        pthread_mutex_unlock(&P->mu);
        err_clear(&err);
    }
    err_clear(&err);
    free(L.pending);
    arena_destroy(L.arena);
    arena_destroy(scratch);
    return NULL;
}

/* Cuts [p, end) into blocks at newlines and loads them with `threads` workers. */
static int load_parallel(Loader *L, const char *p, const char *end, int threads)
{
    size_t size = (size_t)(end - p);
    int maxb = (int)(size / COPY_BLOCK) + 2;
    const char **cut = xmalloc(sizeof(char *) * (size_t)(maxb + 1));
    int nb = 0;
    cut[0] = p;
    while (cut[nb] < end) {
        const char *q = cut[nb] + COPY_BLOCK;
        if (q >= end) q = end;
        else {
            const char *nl = memchr(q, '\n', (size_t)(end - q));
            q = nl ? nl + 1 : end;
        }
        cut[++nb] = q;
    }
    ParLoad P;
    memset(&P, 0, sizeof(P));
    P.proto = L;
    P.cut = cut;
    P.nblocks = nb;
    atomic_init(&P.next_claim, 0);
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.turn_cv, NULL);
    /* the lines before the first block (the header) */
    P.lines_before = line_base(L);
    if (threads > nb) threads = nb;
    ParWorker *ws = xcalloc((size_t)threads, sizeof(ParWorker));
    for (int t = 0; t < threads; t++) {
        ws[t].P = &P;
        if (t > 0 && pthread_create(&ws[t].tid, NULL, par_worker, &ws[t]) != 0) ws[t].tid = 0;
    }
    par_worker(&ws[0]);
    for (int t = 1; t < threads; t++)
        if (ws[t].tid) pthread_join(ws[t].tid, NULL);
    free(ws);
    free(cut);
    pthread_cond_destroy(&P.turn_cv);
    pthread_mutex_destroy(&P.mu);
    if (P.err.is_set) err_move(&L->c->err, &P.err);
    L->rows = P.rows;
    return P.rc;
}

/* Loads the data at [buf, buf + size): the header, then the lines. */
static int load(Loader *L, const char *buf, size_t size)
{
    const char *p = buf, *end = buf + size;
    L->origin = buf;
    L->line_base = 0;
    if (load_header(L, &p, end)) return MDB_FAIL;
    L->block = p;
    L->line_base = -1;
    int threads = L->c->settings.threads;
    bool parallel = threads > 1 && (size_t)(end - p) >= 2 * COPY_BLOCK &&
                    (!L->o->csv || !memchr(p, L->o->quote, (size_t)(end - p)));
    if (parallel) return load_parallel(L, p, end, threads);
    return load_lines(L, p, end);
}

/* Resolves the COPY column list (all columns when empty). */
static int copy_columns(MdbConn *c, PgQuery__CopyStmt *cs, TableDef *t, int **cols, int *ncols, Arena *a)
{
    if (!cs->n_attlist) {
        *ncols = t->ncols;
        *cols = arena_alloc(a, sizeof(int) * (size_t)(t->ncols + 1));
        for (int i = 0; i < t->ncols; i++) (*cols)[i] = i;
        return MDB_OK_;
    }
    *ncols = (int)cs->n_attlist;
    *cols = arena_alloc(a, sizeof(int) * (cs->n_attlist + 1));
    for (size_t i = 0; i < cs->n_attlist; i++) {
        const char *cn = nstr(cs->attlist[i]);
        int col = cn ? table_find_column(t, cn) : -1;
        if (col < 0) return err_set(&c->err, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cn ? cn : "?", t->name);
        for (size_t k = 0; k < i; k++)
            if ((*cols)[k] == col) return err_set(&c->err, SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", cn);
        (*cols)[i] = col;
    }
    return MDB_OK_;
}

static int copy_from_buffer(MdbConn *c, Binder *b, Loader *Lp, TableDef *t, Txn *txn, const char *buf, size_t size, bool mapped, MdbResult *r);

static int copy_from(MdbConn *c, Binder *b, PgQuery__CopyStmt *cs, CopyOpts *o, MdbResult *r, Txn *txn)
{
    TableDef *t = binder_find_table(b, cs->relation, false);
    if (!t) return MDB_FAIL;
    if (cs->where_clause) return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY FROM … WHERE is not supported yet");
    Loader L;
    memset(&L, 0, sizeof(L));
    L.c = c;
    L.t = t;
    L.o = o;
    if (copy_columns(c, cs, t, &L.cols, &L.ncols, b->arena)) return MDB_FAIL;
    L.force_not_null = arena_zalloc(b->arena, (size_t)L.ncols + 1);
    if (force_flags(&c->err, o->force_not_null, t, L.cols, L.ncols, L.force_not_null, "FORCE_NOT_NULL")) return MDB_FAIL;
    if (!cs->filename) {
        /* FROM STDIN: the wire protocol collected the CopyData messages */
        L.w = NULL;
        return copy_from_buffer(c, b, &L, t, txn, c->copy_in, c->copy_in_len, false, r);
    }
    int fd = open(cs->filename, O_RDONLY);
    if (fd < 0) {
        int e = errno;
        return err_set(&c->err, e == ENOENT ? "58P01" : e == EACCES ? "42501" : SQLSTATE_IO_ERROR, "could not open file \"%s\" for reading: %s", cs->filename,
                       strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return err_set(&c->err, SQLSTATE_IO_ERROR, "\"%s\" is a directory", cs->filename);
    }
    char *buf = NULL;
    size_t size = 0;
    bool mapped = false;
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        size = (size_t)st.st_size;
        void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            buf = m;
            mapped = true;
            madvise(m, size, MADV_SEQUENTIAL);
        }
    }
    if (!mapped) {
        size_t cap = 1 << 16;
        buf = xmalloc(cap);
        for (;;) {
            if (size == cap) { cap *= 2; buf = xrealloc(buf, cap); }
            ssize_t got = read(fd, buf + size, cap - size);
            if (got <= 0) break;
            size += (size_t)got;
        }
    }
    close(fd);
    return copy_from_buffer(c, b, &L, t, txn, buf, size, mapped, r);
}

/* Loads size bytes at buf (a mapping when `mapped`, freed here) into t. */
static int copy_from_buffer(MdbConn *c, Binder *b, Loader *Lp, TableDef *t, Txn *txn, const char *buf, size_t size, bool mapped, MdbResult *r)
{
    Loader L = *Lp;
    L.types = arena_alloc(b->arena, sizeof(LType) * (size_t)(L.ncols + 1));
    LType *tt = arena_alloc(b->arena, sizeof(LType) * (size_t)(L.ncols + 1));
    for (int i = 0; i < L.ncols; i++) {
        L.types[i] = t->cols[L.cols[i]].type;
        tt[i] = ltype(TYPE_TEXT);
    }
    chunk_init(&L.text, tt, L.ncols, VECTOR_SIZE, b->arena);
    chunk_init(&L.typed, L.types, L.ncols, VECTOR_SIZE, b->arena);
    L.line_of_row = arena_alloc(b->arena, sizeof(i64) * VECTOR_SIZE);
    L.arena = arena_create(NULL);
    L.map = arena_alloc(b->arena, sizeof(int) * (size_t)(t->ncols + 1));
    for (int i = 0; i < t->ncols; i++) L.map[i] = -1;
    for (int k = 0; k < L.ncols; k++) L.map[L.cols[k]] = k;
    L.err = &c->err;
    L.w = dml_writer_open(c, b, t, txn);
    int rc = L.w ? load(&L, buf, size) : MDB_FAIL;
    if (L.w) dml_writer_close(L.w);
    arena_destroy(L.arena);
    if (mapped) munmap((void *)buf, size);
    else if (buf != c->copy_in) free((void *)buf);
    if (rc) return MDB_FAIL;
    snprintf(r->tag, sizeof r->tag, "COPY %lld", (long long)L.rows);
    r->rows_affected = L.rows;
    return MDB_OK_;
}

/* ---- COPY TO ----------------------------------------------------------------------- */

static void out_text(FILE *f, const char *p, size_t n, char delim)
{
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        switch (ch) {
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\v': fputs("\\v", f); break;
        default:
            if (ch == delim) fputc('\\', f);
            fputc(ch, f);
        }
    }
}

static void out_csv(FILE *f, const char *p, size_t n, const CopyOpts *o, bool force, bool single_col)
{
    bool q = force || (n == o->null_len && !memcmp(p, o->null_str, n)) || (single_col && n == 2 && p[0] == '\\' && p[1] == '.');
    for (size_t i = 0; i < n && !q; i++)
        if (p[i] == o->delim || p[i] == o->quote || p[i] == '\n' || p[i] == '\r') q = true;
    if (!q) {
        fwrite(p, 1, n, f);
        return;
    }
    fputc(o->quote, f);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == o->quote || p[i] == o->escape) fputc(o->escape, f);
        fputc(p[i], f);
    }
    fputc(o->quote, f);
}

static int copy_to(MdbConn *c, Binder *b, PgQuery__CopyStmt *cs, CopyOpts *o, const Value *params, int nparams, MdbResult *r, Txn *txn)
{
    LogicalOp *plan;
    char **names;
    TableDef *t = NULL;
    int *cols = NULL, ncols = 0;
    if (cs->query) {
        if (cs->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
            return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY (query) TO supports SELECT only");
        if (bind_select(b, cs->query->select_stmt, &plan, &names)) return MDB_FAIL;
    } else {
        t = binder_find_table(b, cs->relation, false);
        if (!t) return MDB_FAIL;
        if (copy_columns(c, cs, t, &cols, &ncols, b->arena)) return MDB_FAIL;
        LogicalOp *get = lop_new(b->arena, LOP_GET, 0);
        u32 ti = binder_new_table_index(b);
        LType *types = arena_alloc(b->arena, sizeof(LType) * (size_t)(ncols + 1));
        names = arena_alloc(b->arena, sizeof(char *) * (size_t)(ncols + 1));
        for (int i = 0; i < ncols; i++) {
            types[i] = t->cols[cols[i]].type;
            names[i] = t->cols[cols[i]].name;
        }
        lop_set_cols(b->arena, get, ti, types, ncols);
        get->u.get.table = t;
        get->u.get.table_index = ti;
        get->u.get.ncols_scan = ncols;
        get->u.get.col_ids = cols;
        plan = get;
    }
    bool *force = arena_zalloc(b->arena, (size_t)plan->ncols + 1);
    if (o->force_quote) {
        if (o->force_quote->node_case == PG_QUERY__NODE__NODE_A_STAR) {
            for (int i = 0; i < plan->ncols; i++) force[i] = true;
        } else if (o->force_quote->node_case == PG_QUERY__NODE__NODE_LIST) {
            for (size_t k = 0; k < o->force_quote->list->n_items; k++) {
                const char *cn = nstr(o->force_quote->list->items[k]);
                int found = -1;
                for (int i = 0; i < plan->ncols; i++)
                    if (cn && names[i] && !strcmp(names[i], cn)) found = i;
                if (found < 0) return err_set(&c->err, SQLSTATE_INVALID_COLUMN_REFERENCE, "FORCE_QUOTE column \"%s\" not referenced by COPY", cn ? cn : "?");
                force[found] = true;
            }
        }
    }
    bool to_stdout = !cs->filename;
    if (!to_stdout && cs->filename[0] != '/') return err_set(&c->err, "42602", "relative path not allowed for COPY to file");
    ColumnCollection *rows = colcoll_create(plan->types, plan->ncols);
    if (engine_exec_query(c, b, plan, params, nparams, txn, rows, false, NULL, b->arena)) {
        colcoll_destroy(rows);
        return MDB_FAIL;
    }
    char *mem = NULL;
    size_t memlen = 0;
    FILE *f = to_stdout ? open_memstream(&mem, &memlen) : fopen(cs->filename, "w");
    if (!f) {
        int e = errno;
        colcoll_destroy(rows);
        return err_set(&c->err, e == ENOENT ? "58P01" : e == EACCES ? "42501" : SQLSTATE_IO_ERROR, "could not open file \"%s\" for writing: %s",
                       to_stdout ? "STDOUT" : cs->filename, strerror(e));
    }
    if (!to_stdout) setvbuf(f, NULL, _IOFBF, 1 << 20);
    if (o->header) {
        for (int i = 0; i < plan->ncols; i++) {
            if (i) fputc(o->delim, f);
            const char *nm = names[i] ? names[i] : "?column?";
            if (o->csv) out_csv(f, nm, strlen(nm), o, false, plan->ncols == 1);
            else out_text(f, nm, strlen(nm), o->delim);
        }
        fputc('\n', f);
    }
    Arena *a = arena_create(NULL);
    i64 n = 0;
    for (size_t ci = 0; ci < rows->nchunks; ci++) {
        DataChunk *d = rows->chunks[ci];
        for (idx_t i = 0; i < d->count; i++) {
            for (int k = 0; k < plan->ncols; k++) {
                if (k) fputc(o->delim, f);
                Value v = vector_get(&d->cols[k], i);
                if (v.is_null) {
                    fwrite(o->null_str, 1, o->null_len, f);
                    continue;
                }
                char buf[128];
                const char *p;
                size_t len = value_to_text(&v, buf, sizeof buf, a, &p);
                if (o->csv) out_csv(f, p, len, o, force[k], plan->ncols == 1);
                else out_text(f, p, len, o->delim);
            }
            fputc('\n', f);
            n++;
        }
        arena_reset(a);
    }
    arena_destroy(a);
    colcoll_destroy(rows);
    if (fclose(f) != 0) {
        free(mem);
        return err_set(&c->err, SQLSTATE_IO_ERROR, "could not write to file \"%s\": %s", to_stdout ? "STDOUT" : cs->filename, strerror(errno));
    }
    if (to_stdout) {
        r->copy_out = mem;
        r->copy_out_len = memlen;
        r->copy_ncols = plan->ncols;
    }
    snprintf(r->tag, sizeof r->tag, "COPY %lld", (long long)n);
    r->rows_affected = n;
    return MDB_OK_;
}

int copy_run(MdbConn *c, Binder *b, PgQuery__CopyStmt *cs, const Value *params, int nparams, MdbResult *r, Txn *txn)
{
    snprintf(r->tag, sizeof r->tag, "COPY 0");
    if (cs->is_program) return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY … PROGRAM is not supported");
    if (cs->filename && !*cs->filename) cs->filename = NULL;
    if (!cs->filename && cs->is_from && !c->copy_in_set)
        return err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY FROM STDIN is only available over the wire protocol");
    CopyOpts o;
    if (parse_opts(&c->err, cs, &o)) return MDB_FAIL;
    return cs->is_from ? copy_from(c, b, cs, &o, r, txn) : copy_to(c, b, cs, &o, params, nparams, r, txn);
}
