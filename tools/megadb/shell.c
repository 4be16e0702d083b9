/*
 * tools/megadb/shell.c — the core of the megadb shell: reading input (a -c
 * string, a file, piped stdin, or a terminal through libedit), cutting it into
 * statements with the scanner in sqlscan.c, running each statement through the
 * public embedded API (mdb_prepare / mdb_stmt_execute / mdb_result_fetch),
 * handing results to print.c, and reporting errors the way psql does (ERROR,
 * LINE n with a caret, DETAIL, HINT).  Like psql, lines are cut at top-level
 * semicolons and every piece is sent on its own, so error positions and LINE
 * numbers are relative to that piece; a -c string is sent whole.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "shell.h"

volatile sig_atomic_t shell_interrupted;

/* ---- allocation ---------------------------------------------------------------- */

static void out_of_memory(void)
{
    fputs("megadb: out of memory\n", stderr);
    exit(SHELL_ERROR);
}

void *shell_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *shell_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *shell_xstrdup(const char *s)
{
    return shell_xstrndup(s, strlen(s));
}

char *shell_xstrndup(const char *s, size_t n)
{
    char *d = shell_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* ---- setup --------------------------------------------------------------------- */

void shell_init(Shell *sh, MdbDatabase *db, MdbConn *conn, ShellFormat format,
                bool is_interactive)
{
    memset(sh, 0, sizeof *sh);
    sh->db = db;
    sh->conn = conn;
    sh->format = format;
    sh->is_interactive = is_interactive;
    sh->out = stdout;
}

void shell_finish(Shell *sh)
{
    if (sh->out && sh->out != stdout)
        fclose(sh->out);
    sh->out = stdout;
    fflush(stdout);
}

/* ---- error reporting ------------------------------------------------------------- */

static void print_prefix(Shell *sh)
{
    fflush(sh->out);
    fflush(stdout);
    if (sh->src_name)
        fprintf(stderr, "megadb:%s:%ld: ", sh->src_name, sh->src_line);
}

void shell_error(Shell *sh, const char *fmt, ...)
{
    va_list ap;

    print_prefix(sh);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Length in bytes of the UTF-8 character starting with byte c (1 for junk). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0)
        return c < 0xF0 ? 3 : 1;
    if (c >= 0xC0)
        return 2;
    return 1;
}

/* Number of characters in s[0, n). */
static size_t char_count(const char *s, size_t n)
{
    size_t chars = 0, i = 0;

    while (i < n) {
        size_t k = utf8_len((unsigned char)s[i]);
        i += (i + k <= n) ? k : 1;
        chars++;
    }
    return chars;
}

#define ERR_DISPLAY_SIZE 60 /* widest statement excerpt on the LINE line */
#define ERR_MIN_RIGHT_CUT 10 /* keep this many columns after the caret when cutting */

/* Prints "LINE n: <line>" and a caret under character `loc` (0-based) of sql.
 * A line wider than ERR_DISPLAY_SIZE is cut around the caret and marked with
 * "...", as psql does.  Every character counts as one column, tabs included
 * (they are shown as spaces). */
static void print_error_position(const char *sql, size_t loc)
{
    size_t len = strlen(sql), nchars = char_count(sql, len);
    size_t *offs; /* byte offset of each character, plus one past the end */
    size_t ci, i, line = 1, beg = 0, end = (size_t)-1;
    bool beg_cut = false, end_cut = false;
    char prefix[32];

    if (loc > nchars)
        return;
    offs = shell_xmalloc(sizeof(size_t) * (nchars + 1));
    for (ci = 0, i = 0; ci < nchars; ci++) {
        size_t k = utf8_len((unsigned char)sql[i]);
        offs[ci] = i;
        i += (i + k <= len) ? k : 1;
    }
    offs[nchars] = len;

    for (ci = 0; ci < nchars; ci++) {
        char c = sql[offs[ci]];
        if (c != '\n' && c != '\r')
            continue;
        if (ci < loc) {
            /* A \r\n pair ends one line, not two. */
            if (!(c == '\r' && ci + 1 < nchars && sql[offs[ci + 1]] == '\n')) {
                line++;
                beg = ci + 1;
            }
        } else if (end == (size_t)-1) {
            end = ci;
        }
    }
    if (end == (size_t)-1)
        end = nchars;

    if (end - beg > ERR_DISPLAY_SIZE) {
        if (beg + ERR_DISPLAY_SIZE >= loc + ERR_MIN_RIGHT_CUT) {
            end = beg + ERR_DISPLAY_SIZE;
            end_cut = true;
        } else {
            if (loc + ERR_MIN_RIGHT_CUT < end) {
                end = loc + ERR_MIN_RIGHT_CUT;
                end_cut = true;
            }
            if (end - beg > ERR_DISPLAY_SIZE) {
                beg = end - ERR_DISPLAY_SIZE;
                beg_cut = true;
            }
        }
    }

    snprintf(prefix, sizeof prefix, "LINE %zu: %s", line, beg_cut ? "..." : "");
    fputs(prefix, stderr);
    for (i = offs[beg]; i < offs[end]; i++)
        fputc(sql[i] == '\t' ? ' ' : sql[i], stderr);
    fputs(end_cut ? "...\n" : "\n", stderr);
    for (i = strlen(prefix) + (loc - beg); i > 0; i--)
        fputc(' ', stderr);
    fputs("^\n", stderr);
    free(offs);
}

void shell_report_error(Shell *sh, const char *sql, size_t offset)
{
    const MdbErrorInfo *e = mdb_conn_error(sh->conn);
    const char *msg = e && e->message ? e->message : "unknown error";

    print_prefix(sh);
    fprintf(stderr, "ERROR:  %s\n", msg);
    if (e && sql && e->position > 0)
        print_error_position(sql, char_count(sql, offset) + (size_t)e->position - 1);
    if (e && e->detail)
        fprintf(stderr, "DETAIL:  %s\n", e->detail);
    if (e && e->hint)
        fprintf(stderr, "HINT:  %s\n", e->hint);
}

/* ---- running SQL ------------------------------------------------------------------ */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* psql's format: milliseconds, then the time as [[d ]hh:]mm:ss.fff past a second. */
static void print_timing(double ms)
{
    if (ms < 1000.0) {
        printf("Time: %.3f ms\n", ms);
    } else {
        double secs = ms / 1000.0;
        long mins = (long)(secs / 60.0);
        secs -= 60.0 * (double)mins;
        if (mins < 60) {
            printf("Time: %.3f ms (%02ld:%06.3f)\n", ms, mins, secs);
        } else {
            long hours = mins / 60;
            mins %= 60;
            if (hours < 24)
                printf("Time: %.3f ms (%02ld:%02ld:%06.3f)\n", ms, hours, mins, secs);
            else
                printf("Time: %.3f ms (%ld d %02ld:%02ld:%06.3f)\n", ms, hours / 24,
                       hours % 24, mins, secs);
        }
    }
    fflush(stdout);
}

/* Fetches every row of `res` into a printer.  SHELL_OK or SHELL_ERROR (the
 * error is reported here, against sql+offset). */
static int print_result(Shell *sh, MdbResult *res, const char *sql, size_t offset)
{
    int ncols = mdb_result_column_count(res);
    size_t n = (size_t)(ncols > 0 ? ncols : 1);
    const char **names = shell_xmalloc(sizeof(char *) * n);
    PrintKind *kinds = shell_xmalloc(sizeof(PrintKind) * n);
    const char **cells = shell_xmalloc(sizeof(char *) * n);
    size_t *lens = shell_xmalloc(sizeof(size_t) * n);
    Printer p;
    MdbChunk *chunk;
    int rc = SHELL_OK;

    for (int c = 0; c < ncols; c++) {
        names[c] = mdb_result_column_name(res, c);
        kinds[c] = printer_kind_of(mdb_result_column_type(res, c));
    }
    printer_begin(&p, sh->out, sh->format, ncols, names, kinds, NULL, true);
    for (;;) {
        if (mdb_result_fetch(res, &chunk) != MDB_OK) {
            rc = SHELL_ERROR;
            break;
        }
        if (!chunk)
            break;
        size_t nrows = mdb_chunk_row_count(chunk);
        for (size_t r = 0; r < nrows; r++) {
            for (int c = 0; c < ncols; c++) {
                lens[c] = 0;
                cells[c] = mdb_chunk_get_text(chunk, c, r, &lens[c]);
            }
            printer_row(&p, cells, lens);
        }
        if (shell_interrupted)
            break;
    }
    if (rc != SHELL_OK) {
        if (sh->format == SHELL_FORMAT_JSON)
            fputs("]\n", sh->out);
        printer_discard(&p);
        shell_report_error(sh, sql, offset);
    } else if (shell_interrupted) {
        printer_discard(&p);
        fflush(sh->out);
        fputs("ERROR:  canceling statement due to user request\n", stderr);
        rc = SHELL_ERROR;
    } else {
        printer_end(&p);
    }
    free(names);
    free(kinds);
    free(cells);
    free(lens);
    return rc;
}

/* Runs one prepared statement and prints its result. */
static int run_stmt(Shell *sh, MdbStmt *stmt, const char *sql, size_t offset)
{
    MdbResult *res = NULL;
    int rc = SHELL_OK;

    if (mdb_stmt_execute(stmt, &res) != MDB_OK) {
        shell_report_error(sh, sql, offset);
        return SHELL_ERROR;
    }
    if (!res)
        return SHELL_OK;
    if (mdb_result_has_rows(res)) {
        rc = print_result(sh, res, sql, offset);
    } else if (sh->format == SHELL_FORMAT_ALIGNED) {
        const char *tag = mdb_result_command_tag(res);
        if (tag && *tag)
            fprintf(sh->out, "%s\n", tag);
    }
    mdb_result_free(res);
    return rc;
}

int shell_exec_sql(Shell *sh, const char *sql)
{
    size_t len = strlen(sql), off = 0;

    shell_interrupted = 0;
    while (off < len) {
        MdbStmt *stmt = NULL;
        size_t tail = len - off;
        double start = now_ms();
        int rc;

        if (mdb_prepare(sh->conn, sql + off, &stmt, &tail) != MDB_OK) {
            shell_report_error(sh, sql, off);
            if (sh->timing)
                print_timing(now_ms() - start);
            return SHELL_ERROR;
        }
        if (!stmt) {
            /* Only blanks and comments, or an empty statement (";"). */
            if (tail == 0 || tail >= len - off)
                break;
            off += tail;
            continue;
        }
        rc = run_stmt(sh, stmt, sql, off);
        mdb_stmt_free(stmt);
        fflush(sh->out);
        if (sh->timing)
            print_timing(now_ms() - start);
        if (rc != SHELL_OK)
            return rc;
        if (tail == 0 || tail > len - off)
            break;
        off += tail;
    }
    return SHELL_OK;
}

/* ---- line input ------------------------------------------------------------------- */

/* The statement text collected so far from one input source. */
typedef struct QueryBuf {
    char *data;   /* NUL-terminated text; every line ends in '\n' */
    size_t len;   /* bytes used */
    size_t cap;   /* bytes allocated */
    SqlScan scan; /* scanner state at data[len] */
} QueryBuf;

static void qbuf_append(QueryBuf *qb, const char *s, size_t n)
{
    if (qb->len + n + 1 > qb->cap) {
        size_t cap = qb->cap ? qb->cap : 1024;
        while (cap < qb->len + n + 1)
            cap *= 2;
        qb->data = shell_xrealloc(qb->data, cap);
        qb->cap = cap;
    }
    memcpy(qb->data + qb->len, s, n);
    qb->len += n;
    qb->data[qb->len] = '\0';
}

/* True when the buffer holds nothing but blanks and -- comments. */
static bool qbuf_is_blank(const QueryBuf *qb)
{
    return qb->scan.state == SCAN_NORMAL && qb->scan.paren_depth == 0 &&
           sqlscan_skip_blank(qb->data ? qb->data : "", qb->len) == qb->len;
}

static void qbuf_clear(QueryBuf *qb)
{
    qb->len = 0;
    if (qb->data)
        qb->data[0] = '\0';
    sqlscan_reset(&qb->scan);
}

/* Sends text[0, n) as one query, without its leading blanks and -- comments
 * (psql drops them too, so LINE numbers match). */
static int run_piece(Shell *sh, const char *text, size_t n)
{
    size_t skip = sqlscan_skip_blank(text, n);
    char *sql;
    int rc;

    if (skip == n)
        return SHELL_OK;
    sql = shell_xstrndup(text + skip, n - skip);
    rc = shell_exec_sql(sh, sql);
    free(sql);
    return rc;
}

/* True when the line (after leading blanks) is a backslash command. */
static bool is_backslash_line(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '\\';
}

/* Feeds one input line (without its newline).  Runs the backslash command it
 * is, or every statement it completes.  In non-interactive mode returns
 * SHELL_ERROR at the first failure; interactive mode carries on. */
static int feed_line(Shell *sh, QueryBuf *qb, const char *line)
{
    size_t start = 0, end;
    int rc = SHELL_OK;

    if (qb->scan.state == SCAN_NORMAL && is_backslash_line(line))
        return shell_backslash(sh, line);

    size_t scan_from = qb->len;
    qbuf_append(qb, line, strlen(line));
    qbuf_append(qb, "\n", 1);
    while ((end = sqlscan_next(&qb->scan, qb->data, scan_from, qb->len)) != (size_t)-1) {
        int prc = run_piece(sh, qb->data + start, end - start);
        if (prc != SHELL_OK) {
            rc = prc;
            if (!sh->is_interactive) {
                qbuf_clear(qb);
                return rc;
            }
        }
        start = scan_from = end;
    }
    if (start > 0) {
        memmove(qb->data, qb->data + start, qb->len - start + 1);
        qb->len -= start;
    }
    if (qbuf_is_blank(qb))
        qbuf_clear(qb);
    return rc;
}

/* At end of input: sends what is left in the buffer, as psql does. */
static int flush_buffer(Shell *sh, QueryBuf *qb)
{
    int rc = SHELL_OK;

    if (qb->len > 0 && !qbuf_is_blank(qb))
        rc = run_piece(sh, qb->data, qb->len);
    qbuf_clear(qb);
    return rc;
}

int shell_run_command_string(Shell *sh, const char *text)
{
    if (!is_backslash_line(text))
        return shell_exec_sql(sh, text);

    /* A -c string of backslash commands: one per line. */
    const char *p = text;
    while (*p && !sh->quit) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = shell_xstrndup(p, n);
        int rc = SHELL_OK;
        if (is_backslash_line(line))
            rc = shell_backslash(sh, line);
        else if (sqlscan_skip_blank(line, n) < n)
            rc = shell_exec_sql(sh, line);
        free(line);
        if (rc != SHELL_OK)
            return rc;
        p += n + (nl ? 1 : 0);
    }
    return SHELL_OK;
}

int shell_run_stream(Shell *sh, FILE *in, const char *name)
{
    QueryBuf qb = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = SHELL_OK;
    const char *saved_name = sh->src_name;
    long saved_line = sh->src_line;

    sh->src_name = name;
    sh->src_line = 0;
    while (!sh->quit && (n = getline(&line, &cap, in)) >= 0) {
        sh->src_line++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        rc = feed_line(sh, &qb, line);
        if (rc != SHELL_OK && !sh->is_interactive)
            break;
    }
    if (rc == SHELL_OK && !sh->quit)
        rc = flush_buffer(sh, &qb);
    if (ferror(in) && rc == SHELL_OK) {
        shell_error(sh, "could not read input: %s", strerror(errno));
        rc = SHELL_ERROR;
    }
    free(line);
    free(qb.data);
    sh->src_name = saved_name;
    sh->src_line = saved_line;
    return rc;
}

int shell_run_file(Shell *sh, const char *path)
{
    FILE *in;
    int rc;

    if (strcmp(path, "-") == 0)
        return shell_run_stream(sh, stdin, NULL);
    in = fopen(path, "r");
    if (!in) {
        if (sh->src_name)
            shell_error(sh, "%s: %s", path, strerror(errno));
        else
            fprintf(stderr, "megadb: error: %s: %s\n", path, strerror(errno));
        return SHELL_ERROR;
    }
    rc = shell_run_stream(sh, in, path);
    fclose(in);
    return rc;
}

/* ---- interactive -------------------------------------------------------------------- */

static void on_sigint(int sig)
{
    (void)sig;
    shell_interrupted = 1;
}

/* psql's PROMPT1/PROMPT2 "%/%R%x%# " with "megadb" for the database name. */
static void make_prompt(Shell *sh, const QueryBuf *qb, char *buf, size_t size)
{
    char r = qb->len == 0 ? '=' : sqlscan_prompt_char(&qb->scan);
    const char *x = mdb_conn_txn_failed(sh->conn) ? "!"
                    : mdb_conn_in_transaction(sh->conn) ? "*"
                                                        : "";
    snprintf(buf, size, "megadb%c%s> ", r, x);
}

static char *history_path(void)
{
    const char *env = getenv("MEGADB_HISTORY");
    const char *home = getenv("HOME");
    char *path;

    if (env && *env)
        return shell_xstrdup(env);
    if (!home || !*home)
        return NULL;
    path = shell_xmalloc(strlen(home) + sizeof "/.megadb_history");
    sprintf(path, "%s/.megadb_history", home);
    return path;
}

/* Adds a finished entry to the history, skipping repeats of the last one. */
static void remember(char **last, const char *entry)
{
    if (!entry || !*entry)
        return;
    if (*last && strcmp(*last, entry) == 0)
        return;
    add_history(entry);
    free(*last);
    *last = shell_xstrdup(entry);
}

static bool is_word_line(const char *line, const char *word)
{
    size_t n = strlen(word);

    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, word, n) != 0)
        return false;
    line += n;
    while (*line == ' ' || *line == '\t' || *line == ';')
        line++;
    return *line == '\0';
}

int shell_run_interactive(Shell *sh)
{
    QueryBuf qb = {0};
    char *hist_file = history_path();
    char *entry = NULL, *last = NULL; /* the multi-line history entry being built */
    size_t entry_len = 0;
    struct sigaction sa;
    char prompt[32];

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: ^C interrupts the line read */

    rl_readline_name = "megadb";
    using_history();
    stifle_history(1000);
    if (hist_file)
        read_history(hist_file);

    printf("megadb (%s)\nType \"\\?\" for help.\n\n", mdb_version());
    while (!sh->quit) {
        char *line;

        make_prompt(sh, &qb, prompt, sizeof prompt);
        shell_interrupted = 0;
        line = readline(prompt);
        if (!line) {
            if (shell_interrupted) {
                /* ^C at the prompt: drop the statement being typed. */
                fputc('\n', stdout);
                qbuf_clear(&qb);
                entry_len = 0;
                continue;
            }
            fputs("\\q\n", stdout);
            break;
        }
        if (qb.len == 0 && (is_word_line(line, "quit") || is_word_line(line, "exit"))) {
            remember(&last, line);
            free(line);
            break;
        }
        if (qb.len == 0 && is_word_line(line, "help")) {
            shell_print_help(stdout);
            free(line);
            continue;
        }

        if (qb.scan.state == SCAN_NORMAL && is_backslash_line(line)) {
            remember(&last, line);
        } else {
            size_t n = strlen(line);
            entry = shell_xrealloc(entry, entry_len + n + 2);
            if (entry_len > 0)
                entry[entry_len++] = '\n';
            memcpy(entry + entry_len, line, n + 1);
            entry_len += n;
        }
        feed_line(sh, &qb, line);
        free(line);
        if (qb.len == 0 && entry_len > 0) {
            if (sqlscan_skip_blank(entry, entry_len) < entry_len)
                remember(&last, entry);
            entry_len = 0;
        }
        fflush(sh->out);
    }

    if (hist_file) {
        if (write_history(hist_file) != 0 && errno != 0)
            fprintf(stderr, "megadb: could not save history to \"%s\": %s\n", hist_file,
                    strerror(errno));
        free(hist_file);
    }
    free(entry);
    free(last);
    free(qb.data);
    return SHELL_OK;
}
