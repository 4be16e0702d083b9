/*
 * test/runner/slt_exec.c — runs the records of one parsed sqllogictest file
 * against a MegaDB database, using only the public API (include/megadb.h).
 * It owns the database and its named connections, renders result values by
 * the declared column type letters (I, R, T), sorts them (rowsort,
 * valuesort), hashes them with MD5 (libcrypto's EVP API) for
 * `N values hashing to H` results and for labels, checks statement errors
 * (SQLSTATE and/or message substring), expands loops, and prints a report for
 * every failing record.  All per-record buffers are reused from record to
 * record, so a file of tens of thousands of records runs without allocation
 * churn.
 */
#define _GNU_SOURCE
#include "slt.h"

#include "megadb.h"

#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_FRAMES 64
#define REPORT_ROWS 10
#define REPORT_SQL_LINES 20

/* Features `require` accepts; every other feature skips the rest of the file. */
static const char *const known_features[] = {NULL};

/* ---- growable buffers and string lists ---------------------------------- */

typedef struct Buf {
    char *p;
    size_t len, cap;
} Buf;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "megadb-slt: out of memory\n");
        exit(2);
    }
    return q;
}

static void buf_reserve(Buf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + extra + 1 > cap)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
}

static void buf_add(Buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_adds(Buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* A list of NUL-terminated strings stored back to back in one buffer. */
typedef struct StrList {
    Buf data;
    size_t *off;        /* start of each string in data */
    size_t n, cap;
    const char **ptr;   /* filled by sl_finish, valid until the next change */
    size_t cap_ptr;
} StrList;

static void sl_reset(StrList *l)
{
    l->data.len = 0;
    l->n = 0;
}

static void sl_begin(StrList *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->off = xrealloc(l->off, l->cap * sizeof *l->off);
    }
    l->off[l->n++] = l->data.len;
}

/* Ends the current string (adds its NUL). */
static void sl_end(StrList *l)
{
    buf_add(&l->data, "", 1);
}

static void sl_push(StrList *l, const char *s, size_t n)
{
    sl_begin(l);
    buf_add(&l->data, s, n);
    sl_end(l);
}

static void sl_finish(StrList *l)
{
    if (l->cap_ptr < l->n) {
        l->cap_ptr = l->cap;
        l->ptr = xrealloc(l->ptr, l->cap_ptr * sizeof *l->ptr);
    }
    for (size_t i = 0; i < l->n; i++)
        l->ptr[i] = l->data.p + l->off[i];
}

static void sl_free(StrList *l)
{
    free(l->data.p);
    free(l->off);
    free(l->ptr);
}

/* ---- run state ----------------------------------------------------------- */

typedef struct Conn {
    char *name; /* "" for the default connection */
    MdbConn *conn;
} Conn;

typedef struct Label {
    char *name; /* NULL for an empty slot */
    char hash[33];
    size_t n_vals;
    int line;
} Label;

typedef struct Frame {
    const SltRecord *rec; /* the SLT_LOOP record */
    long cur;             /* numeric loops: current value */
    int idx;              /* foreach: index of the current value */
    char num[32];         /* numeric loops: current value as text */
} Frame;

typedef struct Exec {
    const SltOptions *opt;
    const char *path;
    const SltScript *sc;
    SltCounts *cnt;
    const int *skip_lines;
    size_t n_skip;
    bool stop;      /* --fail-fast tripped */
    bool mode_skip; /* inside `mode skip` */
    long hash_threshold;

    MdbDatabase *db;
    Conn *conns;
    int n_conns, cap_conns;

    Label *labels; /* open addressing, cap_labels is a power of two */
    size_t n_labels, cap_labels;

    Frame frames[MAX_FRAMES];
    int n_frames;

    char err_state[6]; /* the last error captured from the engine */
    Buf err_msg;

    Buf sql;          /* SQL after loop-variable substitution */
    StrList act;      /* rendered result values */
    StrList exp;      /* expected values */
    MdbType *coltypes;
    int cap_coltypes;
    const char **rows; /* rowsort: the values reordered, copied back into ptr */
    size_t cap_rows;
    EVP_MD_CTX *md;
} Exec;

/* ---- reporting ----------------------------------------------------------- */

static void print_sql(const char *sql)
{
    int n = 0;
    const char *p = sql;
    while (*p && n < REPORT_SQL_LINES) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        printf("    %.*s\n", len, p);
        n++;
        p = nl ? nl + 1 : p + len;
    }
    if (*p)
        printf("    …\n");
}

/* Prints the head of a failure report and counts the failure. */
static void fail(Exec *e, const SltRecord *r, const char *sql, const char *fmt, ...)
{
    va_list ap;
    printf("FAIL %s:%d: ", e->path, r->line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (sql) {
        printf("  SQL:\n");
        print_sql(sql);
    }
    e->cnt->failed++;
    if (e->opt->fail_fast)
        e->stop = true;
}

static void print_values(const char *title, const char **v, size_t n, int ncols)
{
    printf("  %s (%zu value%s):\n", title, n, n == 1 ? "" : "s");
    if (ncols <= 0 || n % (size_t)ncols != 0)
        ncols = 1;
    size_t nrows = n / (size_t)ncols;
    for (size_t i = 0; i < nrows && i < REPORT_ROWS; i++) {
        printf("    ");
        for (int c = 0; c < ncols; c++)
            printf("%s%s", c ? "\t" : "", v[i * (size_t)ncols + (size_t)c]);
        putchar('\n');
    }
    if (nrows > REPORT_ROWS)
        printf("    … (%zu more row%s)\n", nrows - REPORT_ROWS, nrows - REPORT_ROWS == 1 ? "" : "s");
}

/* ---- engine calls -------------------------------------------------------- */

static void capture_error(Exec *e, MdbConn *c)
{
    const MdbErrorInfo *ei = mdb_conn_error(c);
    e->err_msg.len = 0;
    if (ei && ei->message) {
        memcpy(e->err_state, ei->sqlstate, 5);
        e->err_state[5] = '\0';
        buf_adds(&e->err_msg, ei->message);
    } else {
        strcpy(e->err_state, "?????");
        buf_adds(&e->err_msg, "(no error information)");
    }
}

static void open_db(Exec *e)
{
    char *err = NULL;
    if (mdb_open(e->opt->db_dir, &e->db, &err) != MDB_OK) {
        printf("megadb-slt: %s: cannot open database: %s\n", e->path, err ? err : "?");
        free(err);
        e->db = NULL;
    }
}

static void close_db(Exec *e)
{
    for (int i = 0; i < e->n_conns; i++) {
        if (e->conns[i].conn)
            mdb_disconnect(e->conns[i].conn);
        free(e->conns[i].name);
    }
    e->n_conns = 0;
    if (e->db)
        mdb_close(e->db);
    e->db = NULL;
}

static MdbConn *get_conn(Exec *e, const char *name)
{
    const char *key = name ? name : "";
    for (int i = 0; i < e->n_conns; i++)
        if (strcmp(e->conns[i].name, key) == 0)
            return e->conns[i].conn;
    if (!e->db)
        return NULL;
    MdbConn *c = NULL;
    if (mdb_connect(e->db, &c) != MDB_OK)
        return NULL;
    if (e->n_conns == e->cap_conns) {
        e->cap_conns = e->cap_conns ? e->cap_conns * 2 : 4;
        e->conns = xrealloc(e->conns, (size_t)e->cap_conns * sizeof *e->conns);
    }
    e->conns[e->n_conns].name = strdup(key);
    e->conns[e->n_conns].conn = c;
    e->n_conns++;
    return c;
}

/* Runs `sql` and reads every row, so that errors raised while producing rows
 * count too.  Returns false with the error captured. */
static bool run_drain(Exec *e, MdbConn *c, const char *sql)
{
    MdbResult *res = NULL;
    if (mdb_query(c, sql, &res) != MDB_OK) {
        capture_error(e, c);
        return false;
    }
    bool ok = true;
    if (res) {
        MdbChunk *ch;
        for (;;) {
            if (mdb_result_fetch(res, &ch) != MDB_OK) {
                capture_error(e, c);
                ok = false;
                break;
            }
            if (!ch)
                break;
        }
        mdb_result_free(res);
    }
    return ok;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (remove(path) != 0)
        perror(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) == 0)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- loop variables ------------------------------------------------------ */

static const char *frame_value(const Exec *e, const Frame *f)
{
    if (f->rec->n_tok >= 0)
        return e->sc->toks[f->rec->tok_first + f->idx];
    return f->num;
}

/* Appends `s` to `out` with every ${var} of an enclosing loop replaced. */
static void subst_into(const Exec *e, const char *s, Buf *out)
{
    const char *p = s;
    for (;;) {
        const char *d = strstr(p, "${");
        if (!d)
            break;
        const char *close = strchr(d + 2, '}');
        if (!close)
            break;
        buf_add(out, p, (size_t)(d - p));
        size_t nlen = (size_t)(close - d - 2);
        const char *val = NULL;
        for (int i = e->n_frames - 1; i >= 0 && !val; i--) {
            const char *var = e->frames[i].rec->text;
            if (strlen(var) == nlen && memcmp(var, d + 2, nlen) == 0)
                val = frame_value(e, &e->frames[i]);
        }
        if (val)
            buf_adds(out, val);
        else
            buf_add(out, d, (size_t)(close + 1 - d));
        p = close + 1;
    }
    buf_adds(out, p);
}

static const char *subst_sql(Exec *e, const char *sql)
{
    if (e->n_frames == 0 || !strstr(sql, "${"))
        return sql;
    e->sql.len = 0;
    subst_into(e, sql, &e->sql);
    return e->sql.p;
}

/* Loads the expected lines of `r` into e->exp, substituted, one string each. */
static void load_expected_lines(Exec *e, const SltRecord *r)
{
    sl_reset(&e->exp);
    for (int i = 0; i < r->n_exp; i++) {
        const char *line = e->sc->lines[r->exp_first + i].s;
        if (e->n_frames > 0 && strstr(line, "${")) {
            sl_begin(&e->exp);
            subst_into(e, line, &e->exp.data);
            sl_end(&e->exp);
        } else {
            sl_push(&e->exp, line, strlen(line));
        }
    }
    sl_finish(&e->exp);
}

/* ---- statements ---------------------------------------------------------- */

static void exec_statement(Exec *e, const SltRecord *r)
{
    const char *sql = subst_sql(e, r->sql);
    MdbConn *c = get_conn(e, r->conn);
    if (!c) {
        fail(e, r, sql, "cannot connect%s%s", r->conn ? " as " : "", r->conn ? r->conn : "");
        return;
    }
    bool ok = run_drain(e, c, sql);
    if (ok) {
        if (r->expect == SLT_EXPECT_ERROR)
            fail(e, r, sql, "statement succeeded, an error was expected");
        else
            e->cnt->passed++;
        return;
    }
    if (r->expect == SLT_EXPECT_OK) {
        fail(e, r, sql, "statement failed: ERROR %s: %s", e->err_state, e->err_msg.p);
        return;
    }

    /* Expected error: `----` then optionally `SQLSTATE XXXXX`, then optionally
     * a message substring (the remaining lines, joined by newlines). */
    const char *want_state = NULL;
    Buf want_msg = {0};
    if (r->n_exp > 0) {
        load_expected_lines(e, r);
        size_t i = 0;
        const char *first = e->exp.ptr[0];
        if (strncmp(first, "SQLSTATE ", 9) == 0) {
            want_state = first + 9;
            while (*want_state == ' ')
                want_state++;
            i = 1;
        }
        for (; i < e->exp.n; i++) {
            if (want_msg.len)
                buf_add(&want_msg, "\n", 1);
            buf_adds(&want_msg, e->exp.ptr[i]);
        }
    }
    if (want_state && strncasecmp(want_state, e->err_state, 5) != 0)
        fail(e, r, sql, "expected SQLSTATE %s, got ERROR %s: %s", want_state, e->err_state, e->err_msg.p);
    else if (want_msg.len && !strstr(e->err_msg.p, want_msg.p))
        fail(e, r, sql, "error message does not contain \"%s\"; got ERROR %s: %s", want_msg.p, e->err_state,
             e->err_msg.p);
    else
        e->cnt->passed++;
    free(want_msg.p);
}

/* ---- rendering ----------------------------------------------------------- */

/* Copies a text value into `tmp` (NUL-terminated, truncated to fit). */
static const char *text_copy(MdbChunk *ch, int col, size_t row, char *tmp, size_t cap)
{
    size_t len = 0;
    const char *t = mdb_chunk_get_text(ch, col, row, &len);
    if (!t)
        len = 0;
    if (len >= cap)
        len = cap - 1;
    if (len)
        memcpy(tmp, t, len);
    tmp[len] = '\0';
    return tmp;
}

/* The leading integer of a text, as sqlite reads it: optional blanks and
 * sign, then digits; 0 when there are none.  Saturates on overflow. */
static int64_t leading_int(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    uint64_t v = 0;
    bool over = false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            over = true;
        else
            v = v * 10 + (uint64_t)(*s - '0');
    }
    if (neg)
        return (over || v > (uint64_t)INT64_MAX + 1) ? INT64_MIN : (int64_t)(0 - v);
    return (over || v > (uint64_t)INT64_MAX) ? INT64_MAX : (int64_t)v;
}

/* The integer part of a decimal text (PostgreSQL numeric output), digit for
 * digit, so that numerics wider than int64 still render exactly. */
static void numeric_int_part(const char *s, Buf *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    while (*s == '0')
        s++;
    const char *d = s;
    while (*d >= '0' && *d <= '9')
        d++;
    if (d == s) {
        buf_add(out, "0", 1);
        return;
    }
    if (neg)
        buf_add(out, "-", 1);
    buf_add(out, s, (size_t)(d - s));
}

static void add_int(Buf *b, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    buf_add(b, tmp, (size_t)n);
}

static void add_real(Buf *b, double d)
{
    char tmp[512];
    int n = snprintf(tmp, sizeof tmp, "%.3f", d);
    if (n >= (int)sizeof tmp)
        n = (int)sizeof tmp - 1;
    buf_add(b, tmp, (size_t)n);
}

/* Appends the value's text form with bytes outside 0x20..0x7e shown as '@'
 * and the empty string as "(empty)". */
static void add_text(Buf *b, MdbChunk *ch, int col, size_t row)
{
    size_t len = 0;
    const char *t = mdb_chunk_get_text(ch, col, row, &len);
    if (!t || len == 0) {
        buf_adds(b, "(empty)");
        return;
    }
    buf_reserve(b, len);
    char *o = b->p + b->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        o[i] = (c < 0x20 || c > 0x7e) ? '@' : (char)c;
    }
    b->len += len;
    b->p[b->len] = '\0';
}

static void render(StrList *l, MdbChunk *ch, int col, size_t row, MdbType t, char letter)
{
    char tmp[256];
    Buf *b = &l->data;
    sl_begin(l);
    if (mdb_chunk_is_null(ch, col, row)) {
        buf_add(b, "NULL", 4);
        sl_end(l);
        return;
    }
    switch (letter) {
    case 'I':
        switch (t) {
        case MDB_TYPE_BOOL:
            buf_add(b, mdb_chunk_get_bool(ch, col, row) ? "1" : "0", 1);
            break;
        case MDB_TYPE_INT16:
        case MDB_TYPE_INT32:
        case MDB_TYPE_INT64:
            add_int(b, mdb_chunk_get_int64(ch, col, row));
            break;
        case MDB_TYPE_FLOAT32:
        case MDB_TYPE_FLOAT64: {
            double d = mdb_chunk_get_double(ch, col, row);
            if (!isfinite(d))
                add_text(b, ch, col, row);
            else if (fabs(d) < 9.2e18)
                add_int(b, (int64_t)d);
            else {
                int n = snprintf(tmp, sizeof tmp, "%.0f", trunc(d));
                buf_add(b, tmp, (size_t)(n < (int)sizeof tmp ? n : (int)sizeof tmp - 1));
            }
            break;
        }
        case MDB_TYPE_NUMERIC:
            numeric_int_part(text_copy(ch, col, row, tmp, sizeof tmp), b);
            break;
        default:
            add_int(b, leading_int(text_copy(ch, col, row, tmp, sizeof tmp)));
            break;
        }
        break;
    case 'R':
        switch (t) {
        case MDB_TYPE_BOOL:
            buf_adds(b, mdb_chunk_get_bool(ch, col, row) ? "1.000" : "0.000");
            break;
        case MDB_TYPE_INT16:
        case MDB_TYPE_INT32:
        case MDB_TYPE_INT64:
            add_real(b, (double)mdb_chunk_get_int64(ch, col, row));
            break;
        case MDB_TYPE_FLOAT32:
        case MDB_TYPE_FLOAT64:
        case MDB_TYPE_NUMERIC: {
            double d = mdb_chunk_get_double(ch, col, row);
            if (isfinite(d))
                add_real(b, d);
            else
                add_text(b, ch, col, row);
            break;
        }
        default: {
            char *end;
            double d = strtod(text_copy(ch, col, row, tmp, sizeof tmp), &end);
            add_real(b, end == tmp ? 0.0 : d);
            break;
        }
        }
        break;
    default:
        if (t == MDB_TYPE_BOOL)
            buf_adds(b, mdb_chunk_get_bool(ch, col, row) ? "true" : "false");
        else
            add_text(b, ch, col, row);
        break;
    }
    sl_end(l);
}

/* ---- sorting and hashing ------------------------------------------------- */

static int sort_ncols; /* qsort has no context argument in C11 */

static int cmp_rows(const void *a, const void *b)
{
    const char *const *ra = *(const char *const *const *)a;
    const char *const *rb = *(const char *const *const *)b;
    for (int c = 0; c < sort_ncols; c++) {
        int d = strcmp(ra[c], rb[c]);
        if (d)
            return d;
    }
    return 0;
}

static int cmp_values(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts the finished list `l` in place (its ptr array) per `mode`. */
static void sort_list(Exec *e, StrList *l, SltSort mode, int ncols)
{
    if (l->n < 2)
        return;
    if (mode == SLT_VALUESORT) {
        qsort(l->ptr, l->n, sizeof *l->ptr, cmp_values);
    } else if (mode == SLT_ROWSORT && ncols > 0 && l->n % (size_t)ncols == 0) {
        size_t nrows = l->n / (size_t)ncols;
        if (nrows < 2)
            return;
        if (e->cap_rows < l->n) {
            e->cap_rows = l->n;
            e->rows = xrealloc(e->rows, e->cap_rows * sizeof *e->rows);
        }
        const char ***rows = (const char ***)xrealloc(NULL, nrows * sizeof *rows);
        for (size_t i = 0; i < nrows; i++)
            rows[i] = l->ptr + i * (size_t)ncols;
        sort_ncols = ncols;
        qsort(rows, nrows, sizeof *rows, cmp_rows);
        for (size_t i = 0; i < nrows; i++)
            memcpy(e->rows + i * (size_t)ncols, rows[i], (size_t)ncols * sizeof *e->rows);
        memcpy(l->ptr, e->rows, l->n * sizeof *l->ptr);
        free(rows);
    }
}

static void md5_hex(Exec *e, const char **v, size_t n, char out[33])
{
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    EVP_DigestInit_ex(e->md, EVP_md5(), NULL);
    for (size_t i = 0; i < n; i++) {
        EVP_DigestUpdate(e->md, v[i], strlen(v[i]));
        EVP_DigestUpdate(e->md, "\n", 1);
    }
    EVP_DigestFinal_ex(e->md, dig, &dlen);
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < 16; i++) {
        out[2 * i] = hex[dig[i] >> 4];
        out[2 * i + 1] = hex[dig[i] & 15];
    }
    out[32] = '\0';
}

/* Parses "N values hashing to H".  Returns false for anything else. */
static bool parse_hash_line(const char *s, size_t *n, char hash[33])
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    static const char mid[] = " values hashing to ";
    if (strncmp(end, mid, sizeof mid - 1) != 0)
        return false;
    const char *h = end + sizeof mid - 1;
    size_t len = strlen(h);
    while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
        len--;
    if (len != 32)
        return false;
    for (size_t i = 0; i < 32; i++) {
        char c = h[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
        hash[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    hash[32] = '\0';
    *n = (size_t)v;
    return true;
}

/* ---- labels -------------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static Label *label_slot(Exec *e, const char *name)
{
    if (e->n_labels * 2 >= e->cap_labels) {
        size_t old_cap = e->cap_labels;
        Label *old = e->labels;
        e->cap_labels = old_cap ? old_cap * 2 : 256;
        e->labels = calloc(e->cap_labels, sizeof *e->labels);
        if (!e->labels) {
            fprintf(stderr, "megadb-slt: out of memory\n");
            exit(2);
        }
        for (size_t i = 0; i < old_cap; i++) {
            if (!old[i].name)
                continue;
            size_t j = hash_str(old[i].name) & (e->cap_labels - 1);
            while (e->labels[j].name)
                j = (j + 1) & (e->cap_labels - 1);
            e->labels[j] = old[i];
        }
        free(old);
    }
    size_t j = hash_str(name) & (e->cap_labels - 1);
    while (e->labels[j].name && strcmp(e->labels[j].name, name) != 0)
        j = (j + 1) & (e->cap_labels - 1);
    return &e->labels[j];
}

/* ---- queries ------------------------------------------------------------- */

static void exec_query(Exec *e, const SltRecord *r)
{
    const char *sql = subst_sql(e, r->sql);
    MdbConn *c = get_conn(e, r->conn);
    if (!c) {
        fail(e, r, sql, "cannot connect%s%s", r->conn ? " as " : "", r->conn ? r->conn : "");
        return;
    }
    MdbResult *res = NULL;
    if (mdb_query(c, sql, &res) != MDB_OK) {
        capture_error(e, c);
        fail(e, r, sql, "query failed: ERROR %s: %s", e->err_state, e->err_msg.p);
        return;
    }
    if (!res || !mdb_result_has_rows(res)) {
        if (res)
            mdb_result_free(res);
        fail(e, r, sql, "query returned no rows result");
        return;
    }
    int ncols = mdb_result_column_count(res);
    int ntypes = (int)strlen(r->types);
    if (ncols != ntypes) {
        mdb_result_free(res);
        fail(e, r, sql, "query %s expects %d column%s, result has %d", r->types, ntypes,
             ntypes == 1 ? "" : "s", ncols);
        return;
    }
    if (ncols > e->cap_coltypes) {
        e->cap_coltypes = ncols;
        e->coltypes = xrealloc(e->coltypes, (size_t)ncols * sizeof *e->coltypes);
    }
    for (int col = 0; col < ncols; col++)
        e->coltypes[col] = mdb_result_column_type(res, col);

    sl_reset(&e->act);
    for (;;) {
        MdbChunk *ch = NULL;
        if (mdb_result_fetch(res, &ch) != MDB_OK) {
            capture_error(e, c);
            mdb_result_free(res);
            fail(e, r, sql, "query failed: ERROR %s: %s", e->err_state, e->err_msg.p);
            return;
        }
        if (!ch)
            break;
        size_t nr = mdb_chunk_row_count(ch);
        for (size_t row = 0; row < nr; row++)
            for (int col = 0; col < ncols; col++)
                render(&e->act, ch, col, row, e->coltypes[col], r->types[col]);
    }
    mdb_result_free(res);
    sl_finish(&e->act);
    sort_list(e, &e->act, r->sort, ncols);

    /* Expected: a hash line, values one per line, or (DuckDB) rows with
     * tab-separated values.  Rendered values never contain a tab. */
    size_t want_n = 0;
    char want_hash[33];
    bool is_hash = r->n_exp == 1 && parse_hash_line(e->sc->lines[r->exp_first].s, &want_n, want_hash);
    if (!is_hash) {
        load_expected_lines(e, r);
        bool has_tab = false;
        for (size_t i = 0; i < e->exp.n && !has_tab; i++)
            has_tab = strchr(e->exp.ptr[i], '\t') != NULL;
        if (has_tab) {
            StrList rows = e->exp;
            StrList split = {0};
            for (size_t i = 0; i < rows.n; i++) {
                const char *p = rows.ptr[i];
                for (;;) {
                    const char *t = strchr(p, '\t');
                    size_t len = t ? (size_t)(t - p) : strlen(p);
                    sl_push(&split, p, len);
                    if (!t)
                        break;
                    p = t + 1;
                }
            }
            sl_free(&e->exp);
            e->exp = split;
            sl_finish(&e->exp);
        }
        sort_list(e, &e->exp, r->sort, ncols);
    }

    char got_hash[33] = "";
    bool passed = true;
    if (is_hash) {
        md5_hex(e, e->act.ptr, e->act.n, got_hash);
        if (want_n != e->act.n || strcmp(want_hash, got_hash) != 0) {
            fail(e, r, sql, "expected %zu values hashing to %s, got %zu values hashing to %s", want_n,
                 want_hash, e->act.n, got_hash);
            print_values("actual", e->act.ptr, e->act.n, ncols);
            passed = false;
        }
    } else {
        size_t n = e->act.n < e->exp.n ? e->act.n : e->exp.n;
        size_t k = 0;
        while (k < n && strcmp(e->act.ptr[k], e->exp.ptr[k]) == 0)
            k++;
        if (k < n || e->act.n != e->exp.n) {
            if (k < n)
                fail(e, r, sql, "wrong result: value %zu (row %zu, column %zu) is '%s', expected '%s'", k + 1,
                     k / (size_t)ncols + 1, k % (size_t)ncols + 1, e->act.ptr[k], e->exp.ptr[k]);
            else
                fail(e, r, sql, "wrong result: %zu values, expected %zu", e->act.n, e->exp.n);
            print_values("expected", e->exp.ptr, e->exp.n, ncols);
            print_values("actual", e->act.ptr, e->act.n, ncols);
            if (e->hash_threshold > 0 && e->act.n > (size_t)e->hash_threshold) {
                md5_hex(e, e->act.ptr, e->act.n, got_hash);
                printf("  actual as hash: %zu values hashing to %s\n", e->act.n, got_hash);
            }
            passed = false;
        }
    }

    if (r->label) {
        if (!got_hash[0])
            md5_hex(e, e->act.ptr, e->act.n, got_hash);
        Label *lb = label_slot(e, r->label);
        if (lb->name) {
            if (passed && (lb->n_vals != e->act.n || strcmp(lb->hash, got_hash) != 0)) {
                fail(e, r, sql,
                     "label %s: %zu values hashing to %s, but the query at line %d gave %zu values "
                     "hashing to %s",
                     r->label, e->act.n, got_hash, lb->line, lb->n_vals, lb->hash);
                passed = false;
            }
        } else if (passed) {
            lb->name = strdup(r->label);
            memcpy(lb->hash, got_hash, 33);
            lb->n_vals = e->act.n;
            lb->line = r->line;
            e->n_labels++;
        }
    }
    if (passed)
        e->cnt->passed++;
}

/* ---- the interpreter ----------------------------------------------------- */

static bool skip_listed(const Exec *e, int line)
{
    size_t lo = 0, hi = e->n_skip;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e->skip_lines[mid] < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < e->n_skip && e->skip_lines[lo] == line;
}

static bool feature_known(const char *f)
{
    for (size_t i = 0; known_features[i]; i++)
        if (strcmp(known_features[i], f) == 0)
            return true;
    return false;
}

static long count_records(const SltScript *sc, int from)
{
    long n = 0;
    for (int i = from; i < sc->n_recs; i++)
        if (sc->recs[i].kind == SLT_STATEMENT || sc->recs[i].kind == SLT_QUERY)
            n++;
    return n;
}

static void run_records(Exec *e)
{
    const SltScript *sc = e->sc;
    for (int pc = 0; pc < sc->n_recs && !e->stop; pc++) {
        const SltRecord *r = &sc->recs[pc];
        switch (r->kind) {
        case SLT_STATEMENT:
        case SLT_QUERY:
            if (e->mode_skip || r->is_skipped) {
                e->cnt->skipped++;
            } else if (skip_listed(e, r->line) || (r->first_line != r->line && skip_listed(e, r->first_line))) {
                e->cnt->skipped++;
                if (e->opt->verbose)
                    printf("skip %s:%d (skip list)\n", e->path, r->line);
            } else if (r->kind == SLT_STATEMENT) {
                exec_statement(e, r);
            } else {
                exec_query(e, r);
            }
            break;
        case SLT_HASH_THRESHOLD:
            if (!r->is_skipped && !e->mode_skip)
                e->hash_threshold = r->n;
            break;
        case SLT_HALT:
            if (!r->is_skipped && !e->mode_skip)
                return;
            break;
        case SLT_RESTART:
            if (!r->is_skipped && !e->mode_skip) {
                close_db(e);
                open_db(e);
            }
            break;
        case SLT_REQUIRE:
            if (!r->is_skipped && !e->mode_skip && !feature_known(r->text)) {
                long n = count_records(sc, pc + 1);
                e->cnt->skipped += n;
                if (e->opt->verbose)
                    printf("skip %s:%d: require %s: %ld record%s skipped\n", e->path, r->line, r->text, n,
                           n == 1 ? "" : "s");
                return;
            }
            break;
        case SLT_MODE_SKIP:
            if (!r->is_skipped)
                e->mode_skip = true;
            break;
        case SLT_MODE_UNSKIP:
            if (!r->is_skipped)
                e->mode_skip = false;
            break;
        case SLT_LOOP: {
            bool empty = r->n_tok >= 0 ? r->n_tok == 0 : r->n >= r->n_to;
            if (empty || e->n_frames == MAX_FRAMES) {
                pc = r->end;
                break;
            }
            Frame *f = &e->frames[e->n_frames++];
            f->rec = r;
            f->cur = r->n;
            f->idx = 0;
            snprintf(f->num, sizeof f->num, "%ld", f->cur);
            break;
        }
        case SLT_ENDLOOP: {
            if (e->n_frames == 0)
                break;
            Frame *f = &e->frames[e->n_frames - 1];
            bool more;
            if (f->rec->n_tok >= 0) {
                more = ++f->idx < f->rec->n_tok;
            } else {
                more = ++f->cur < f->rec->n_to;
                snprintf(f->num, sizeof f->num, "%ld", f->cur);
            }
            if (more)
                pc = (int)r->n; /* the loop header; the body follows it */
            else
                e->n_frames--;
            break;
        }
        case SLT_BAD:
            fail(e, r, NULL, "cannot parse record: %s", r->text);
            break;
        }
    }
}

bool slt_run_file(const SltOptions *opt, const char *path, const int *skip_lines, size_t n_skip,
                  SltCounts *counts)
{
    SltScript sc;
    char *err = NULL;
    if (slt_script_load(path, &sc, &err) != 0) {
        printf("FAIL %s: %s\n", path, err);
        free(err);
        counts->failed++;
        return opt->fail_fast;
    }

    Exec e = {0};
    e.opt = opt;
    e.path = path;
    e.sc = &sc;
    e.cnt = counts;
    e.skip_lines = skip_lines;
    e.n_skip = n_skip;
    e.md = EVP_MD_CTX_new();
    buf_adds(&e.err_msg, "");
    if (!e.md) {
        fprintf(stderr, "megadb-slt: cannot create an MD5 context\n");
        exit(2);
    }
    if (opt->db_dir)
        remove_tree(opt->db_dir);
    open_db(&e);
    run_records(&e);
    close_db(&e);

    for (size_t i = 0; i < e.cap_labels; i++)
        free(e.labels[i].name);
    free(e.labels);
    free(e.conns);
    free(e.err_msg.p);
    free(e.sql.p);
    sl_free(&e.act);
    sl_free(&e.exp);
    free(e.coltypes);
    free(e.rows);
    EVP_MD_CTX_free(e.md);
    slt_script_free(&sc);
    return e.stop;
}
